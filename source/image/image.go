// Package image opens container images (registry, docker save tarball, OCI
// layout directory, Docker daemon) with go-containerregistry, lists their
// layers with diff IDs and history, walks each layer's tar stream in memory
// and merges the per-layer results into the final file system view.
//
// Nothing is ever written to disk: layer tars are streamed once and only the
// files a caller asks for are kept, within configurable bounds.
package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/daemon"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Source kinds, as accepted as reference prefixes by Open ("oci:DIR", ...).
const (
	SourceRegistry      = "registry"
	SourceDockerArchive = "docker-archive"
	SourceOCI           = "oci"
	SourceDaemon        = "docker"
)

// Options control how Open resolves an image.
type Options struct {
	// Platform selects one image out of an index, as "os/arch[/variant]".
	// Empty means the registry default (linux/amd64) for remote images and
	// the first manifest for OCI layouts.
	Platform string
	// Insecure allows plain HTTP registries (meant for loopback test registries).
	Insecure bool
	// Keychain resolves registry credentials; nil means authn.DefaultKeychain.
	Keychain authn.Keychain
	// Transport carries registry requests; nil means go-containerregistry's
	// default transport.
	Transport http.RoundTripper
}

// Image is an opened image: the go-containerregistry handle, its config and
// its layers in order (bottom first).
type Image struct {
	// Ref is the reference as given to Open, without a source prefix.
	Ref string
	// Source is one of the Source* constants.
	Source string
	// ID is the config digest (the Docker image ID).
	ID v1.Hash
	// Image is the underlying image.
	Image v1.Image
	// Config is the parsed image config.
	Config *v1.ConfigFile
	// Layers are the file system layers, bottom first.
	Layers []Layer
}

// Layer is one file system layer of an image.
type Layer struct {
	// Index is the layer's position, 0 for the bottom layer.
	Index int
	// DiffID is the sha256 of the uncompressed layer tar.
	DiffID v1.Hash
	// Digest is the digest of the layer blob as stored (compressed), for
	// images from a registry or an OCI layout; zero for a docker save
	// tarball or the daemon, which hold layers uncompressed.
	Digest v1.Hash
	// CreatedBy is the history's created_by of the instruction that made the
	// layer; empty when history does not align with the layers.
	CreatedBy string
	// Layer is the underlying layer.
	Layer v1.Layer
}

// Open resolves ref into an image. ref may carry a source prefix:
// "registry:NAME", "docker-archive:FILE", "oci:DIR" (or "oci-dir:DIR"),
// "docker:NAME" (Docker daemon). Without a prefix an existing directory
// holding index.json is an OCI layout, an existing file is a docker save
// tarball, a reference written as a path (absolute, ./ or ../) is a
// directory (OCI layout) when one exists there and a docker save tarball
// otherwise, and anything else is a registry reference.
func Open(ctx context.Context, ref string, opts Options) (*Image, error) {
	source, rest := splitSource(ref)
	var platform *v1.Platform
	if opts.Platform != "" {
		p, err := v1.ParsePlatform(opts.Platform)
		if err != nil {
			return nil, fmt.Errorf("platform %q: %w", opts.Platform, err)
		}
		platform = p
	}
	var (
		img v1.Image
		err error
	)
	switch source {
	case SourceRegistry:
		img, err = openRemote(ctx, rest, platform, opts)
	case SourceDockerArchive:
		img, err = tarball.ImageFromPath(rest, nil)
	case SourceOCI:
		img, err = openLayout(rest, platform)
	case SourceDaemon:
		img, err = openDaemon(ctx, rest)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s image %q: %w", source, rest, err)
	}
	out, err := describe(img, source)
	if err != nil {
		return nil, fmt.Errorf("reading %s image %q: %w", source, rest, err)
	}
	if platform != nil && !samePlatform(out.Config, platform) {
		return nil, fmt.Errorf("%s image %q is for %s/%s, not %s", source, rest, out.Config.OS, out.Config.Architecture, platform)
	}
	out.Ref, out.Source = rest, source
	return out, nil
}

// samePlatform reports whether an image whose config is cf can be the
// platform asked for: Platform picks out of an index, and an image that
// is not one (a docker save tarball, a single-platform registry image)
// must not be scanned as another platform's. A config that names no OS
// or architecture, or no variant, is not held against the request.
func samePlatform(cf *v1.ConfigFile, want *v1.Platform) bool {
	if cf == nil || cf.OS == "" || cf.Architecture == "" {
		return true
	}
	return cf.OS == want.OS && cf.Architecture == want.Architecture &&
		(want.Variant == "" || cf.Variant == "" || cf.Variant == want.Variant)
}

// SourceOf returns where Open would read ref from (one of the Source*
// constants), without opening anything.
func SourceOf(ref string) string {
	source, _ := splitSource(ref)
	return source
}

// splitSource separates an explicit source prefix, or guesses the source.
func splitSource(ref string) (source, rest string) {
	for _, p := range []struct{ prefix, source string }{
		{"registry:", SourceRegistry},
		{"docker-archive:", SourceDockerArchive},
		{"oci-dir:", SourceOCI},
		{"oci:", SourceOCI},
		{"docker:", SourceDaemon},
	} {
		if r, ok := strings.CutPrefix(ref, p.prefix); ok {
			return p.source, r
		}
	}
	// A missing path, or a directory that is not an OCI layout, is still
	// read locally, so that Open says what is wrong with it instead of
	// asking a registry for a repository named like a local path.
	st, err := os.Stat(ref)
	switch {
	case err == nil && !st.IsDir():
		return SourceDockerArchive, ref
	case err == nil && isPath(ref):
		return SourceOCI, ref
	case err == nil:
		if _, err := os.Stat(filepath.Join(ref, "index.json")); err == nil {
			return SourceOCI, ref
		}
	case isPath(ref):
		return SourceDockerArchive, ref
	}
	return SourceRegistry, ref
}

// isPath reports whether ref is written as a file path (absolute, or
// starting with ./ or ../), which no registry reference is.
func isPath(ref string) bool {
	sep := string(filepath.Separator)
	return filepath.IsAbs(ref) || strings.HasPrefix(ref, "/") || ref == "." || ref == ".." ||
		strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") ||
		strings.HasPrefix(ref, "."+sep) || strings.HasPrefix(ref, ".."+sep)
}

func openRemote(ctx context.Context, ref string, platform *v1.Platform, opts Options) (v1.Image, error) {
	var nopts []name.Option
	if opts.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nopts...)
	if err != nil {
		return nil, err
	}
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if opts.Transport != nil {
		ropts = append(ropts, remote.WithTransport(opts.Transport))
	}
	if platform != nil {
		ropts = append(ropts, remote.WithPlatform(*platform))
	}
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, err
	}
	return desc.Image()
}

func openDaemon(ctx context.Context, ref string) (v1.Image, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	return daemon.Image(r, daemon.WithContext(ctx))
}

// openLayout picks an image out of an OCI layout: the first manifest whose
// platform satisfies the requested one (descending into nested indexes), or
// the first image when no platform is requested.
func openLayout(dir string, platform *v1.Platform) (v1.Image, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	img, err := pickFromIndex(idx, platform, 0)
	if err != nil {
		return nil, err
	}
	if img == nil {
		if platform != nil {
			return nil, fmt.Errorf("no image for platform %s", platform)
		}
		return nil, errors.New("layout holds no image")
	}
	return img, nil
}

const maxIndexDepth = 4

func pickFromIndex(idx v1.ImageIndex, platform *v1.Platform, depth int) (v1.Image, error) {
	if depth > maxIndexDepth {
		return nil, errors.New("image indexes nested too deep")
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range m.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, err
			}
			img, err := pickFromIndex(child, platform, depth+1)
			if err != nil || img != nil {
				return img, err
			}
		case d.MediaType.IsImage():
			if platform != nil {
				if d.Platform == nil || !d.Platform.Satisfies(*platform) {
					// A descriptor without a platform may still match via its config.
					if d.Platform != nil {
						continue
					}
					img, err := idx.Image(d.Digest)
					if err != nil {
						return nil, err
					}
					cf, err := img.ConfigFile()
					if err != nil {
						return nil, err
					}
					if cf.Platform() == nil || !cf.Platform().Satisfies(*platform) {
						continue
					}
					return img, nil
				}
			}
			return idx.Image(d.Digest)
		}
	}
	return nil, nil
}

// describe reads the config and lists the layers with history aligned.
// describe reads the image's identity, config and layer list without
// reading any layer content: diff IDs come from the config (a layer's
// DiffID method would decompress and hash an OCI layout's blob), and blob
// digests only from sources that store them (a registry's or an OCI
// layout's manifest; a docker save tarball and the daemon hold
// uncompressed layers whose compressed digest would cost a compression).
func describe(img v1.Image, source string) (*Image, error) {
	id, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("config digest: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	ls, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	createdBy := alignHistory(cf.History, len(ls))
	out := &Image{ID: id, Image: img, Config: cf, Layers: make([]Layer, len(ls))}
	fromConfig := len(cf.RootFS.DiffIDs) == len(ls)
	for i, l := range ls {
		var diffID v1.Hash
		if fromConfig {
			diffID = cf.RootFS.DiffIDs[i]
		} else if diffID, err = l.DiffID(); err != nil {
			return nil, fmt.Errorf("layer %d diff ID: %w", i, err)
		}
		var digest v1.Hash
		if source == SourceRegistry || source == SourceOCI {
			if digest, err = l.Digest(); err != nil {
				return nil, fmt.Errorf("layer %d digest: %w", i, err)
			}
		}
		out.Layers[i] = Layer{Index: i, DiffID: diffID, Digest: digest, CreatedBy: createdBy[i], Layer: l}
	}
	return out, nil
}

// alignHistory returns the created_by line for each of n layers, skipping
// empty_layer history entries; all empty when the counts disagree.
func alignHistory(h []v1.History, n int) []string {
	out := make([]string, n)
	var nonEmpty []string
	for _, e := range h {
		if !e.EmptyLayer {
			nonEmpty = append(nonEmpty, e.CreatedBy)
		}
	}
	if len(nonEmpty) == n {
		copy(out, nonEmpty)
	}
	return out
}
