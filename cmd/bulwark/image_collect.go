package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	imagerules "github.com/bulwark-sec/bulwark/rules/image"
	"github.com/bulwark-sec/bulwark/secrets"
	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/vuln/inventory"
	"github.com/bulwark-sec/bulwark/vuln/sbom"
)

// checkOffline refuses, under --offline, a reference that would be read
// from a registry. docker:NAME talks to the local engine's socket, not to
// the network, and is allowed, unless DOCKER_HOST (which the engine
// client reads) names an engine across the network.
func (f *imageFlags) checkOffline(e *env, ref string) error {
	switch image.SourceOf(ref) {
	case image.SourceRegistry:
		return f.db.requireNetwork(fmt.Sprintf("registry reference %q", ref), "scan a docker save tarball (docker-archive:FILE), an OCI layout (oci:DIR) or a local engine's image (docker:NAME)")
	case image.SourceDaemon:
		host := e.getenv("DOCKER_HOST")
		if host == "" || strings.HasPrefix(host, "unix://") || strings.HasPrefix(host, "npipe://") {
			return nil
		}
		return f.db.requireNetwork(fmt.Sprintf("the Docker engine at DOCKER_HOST=%s", host), "unset DOCKER_HOST to use the local engine's socket, or scan a docker save tarball (docker-archive:FILE)")
	}
	return nil
}

// layerCache returns the layer cache the flags ask for, nil with
// --no-cache.
func (f *imageFlags) layerCache() (inventory.Cache, error) {
	if f.noCache {
		return nil, nil
	}
	dir := f.cacheDir
	if dir == "" {
		d, err := inventory.DefaultCacheDir()
		if err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("%w; pass --cache-dir or --no-cache", err)}
		}
		dir = d
	}
	return inventory.DirCache{Dir: dir}, nil
}

// collect opens the image and reads its inventory and facts, with the
// layer cache, and progress on a terminal.
func (f *imageFlags) collect(ctx context.Context, e *env, ref string) (*image.Image, *inventory.Inventory, error) {
	cache, err := f.layerCache()
	if err != nil {
		return nil, nil, err
	}
	img, err := image.Open(ctx, ref, image.Options{Platform: f.platform, Insecure: f.insecure, Transport: f.db.transport()})
	if err != nil {
		return nil, nil, &exitError{code: exitIncomplete, err: fmt.Errorf("opening image: %w", err)}
	}
	opts := inventory.Options{Cache: cache}
	imageScanners(&opts)
	if e.terminal(e.stderr) {
		opts.Progress = layerProgress(e.stderr, len(img.Layers))
	}
	inv, err := inventory.Collect(ctx, img, opts)
	if opts.Progress != nil {
		fmt.Fprint(e.stderr, "\r\x1b[K")
	}
	if err != nil {
		return nil, nil, &exitError{code: exitIncomplete, err: err}
	}
	if inv.Cache.Err != nil {
		fmt.Fprintf(e.stderr, "bulwark: warning: layer cache not written: %v\n", inv.Cache.Err)
	}
	return img, inv, nil
}

// layerProgress prints "layers 3/7 (2 cached, 1.2s)" as layers are done.
// Collect calls it from several goroutines, so the counters are guarded.
func layerProgress(w io.Writer, total int) func(inventory.LayerDone) {
	var (
		mu        sync.Mutex
		n, cached int
		start     = time.Now()
	)
	return func(d inventory.LayerDone) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if d.Cached {
			cached++
		}
		fmt.Fprintf(w, "\rlayers %d/%d (%d cached, %s)\x1b[K", n, total, cached, time.Since(start).Round(100*time.Millisecond))
	}
}

// runImageSBOM writes the image's inventory as a CycloneDX SBOM (--format
// cyclonedx). It needs no vulnerability database and exits 0 unless the
// image cannot be read (3) or the flags are wrong (2).
func runImageSBOM(ctx context.Context, e *env, f *imageFlags, rf reportFlags, ref string) error {
	if err := f.checkOffline(e, ref); err != nil {
		return err
	}
	var w io.Writer = e.stdout
	var out *atomicFile
	if rf.output != "" {
		o, err := createAtomic(rf.output)
		if err != nil {
			return usageErr("--output: %v", err)
		}
		defer o.abort()
		out, w = o, o
	}
	img, inv, err := f.collect(ctx, e, ref)
	if err != nil {
		return err
	}
	in := sbom.Input{Ref: ref, ImageID: img.ID.String(), Inventory: inv, ToolVersion: toolVersion()}
	if img.Config != nil {
		in.Arch = img.Config.Architecture
	}
	if img.Source == image.SourceRegistry {
		if dg, err := img.Image.Digest(); err == nil {
			in.Digest = dg.String()
		}
	}
	err = sbom.WriteCycloneDX(w, in)
	if err == nil && out != nil {
		err = out.commit()
	}
	if err != nil {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("writing SBOM: %w", err)}
	}
	for _, p := range inv.Problems {
		fmt.Fprintf(e.stderr, "bulwark: note: %s: %s\n", ref, p)
	}
	return nil
}

// imageScanners sets what the layer walk looks for besides packages: the
// programs and secrets the image rules judge, and the cache salt that
// names them.
func imageScanners(opts *inventory.Options) {
	opts.Programs = imagerules.ProgramPaths()
	opts.ScanWants = secrets.Candidate
	opts.Scan = func(path string, content []byte) []image.Secret {
		hits := secrets.Scan(path, content)
		if len(hits) == 0 {
			return nil
		}
		out := make([]image.Secret, len(hits))
		for i, h := range hits {
			out[i] = image.Secret{Kind: h.Kind, Title: h.Title, Severity: h.Severity, Line: h.Line, Redacted: h.Redacted}
		}
		return out
	}
	h := sha256.Sum256([]byte(strings.Join(opts.Programs, "\x00")))
	opts.CacheSalt = secrets.Version + "+programs-" + hex.EncodeToString(h[:8])
}
