// Package inventory turns an opened container image into the list of
// packages installed in it: it walks the layers for the release files, the
// OS package databases (dpkg status, status.d, apk installed) and the
// metadata language package managers leave (npm, Python, Maven, Composer,
// Java archives, Go executables), merges them into the final file system
// view, identifies the release and parses the databases, recording for
// each package the layer that last wrote its database file. Language
// packages whose metadata file is owned by an OS package are dropped: the
// distribution's advisories cover them.
package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/apk"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/dpkg"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/lang"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/osrelease"
)

// Layer identifies the image layer a package was attributed to.
type Layer struct {
	Index     int    `json:"index"`
	DiffID    string `json:"diff_id"`
	CreatedBy string `json:"created_by,omitempty"`
}

// Package is an installed package and the layer that last wrote the
// database file it was read from (a first approximation of the layer that
// installed it).
type Package struct {
	pkgdb.Package
	Layer Layer
}

// Inventory is what was found in an image.
type Inventory struct {
	Release osrelease.Release
	// Ecosystem is the OSV ecosystem of the OS packages; zero when the
	// release has none Bulwark can name.
	Ecosystem pkgdb.Ecosystem
	Packages  []Package
	// Problems are non-fatal issues (a malformed database stanza, a
	// truncated database file, an unknown release).
	Problems []string
}

// Options tune Collect.
type Options struct {
	Walk image.WalkOptions
}

// binDirs are the directories whose executables are read as possible Go
// binaries. The walker cannot sniff content before keeping a file, so
// executables are chosen by mode and place, and lang.IsExecutable rejects
// scripts after reading.
var binDirs = []string{"usr/local/bin/", "usr/bin/", "bin/", "app/", "go/bin/", "usr/local/go/bin/"}

// Want reports whether a file is one Collect needs: a release file, an OS
// package database, a language package metadata file, a Java archive, or
// an executable (mode with an execute bit) under a typical binary
// directory (usr/local/bin, usr/bin, bin, app, go/bin).
func Want(p string, mode fs.FileMode) bool {
	if slices.Contains(osrelease.Paths(), p) || slices.Contains(apk.Paths(), p) {
		return true
	}
	if dpkg.IsDatabase(p) || (strings.HasPrefix(p, dpkg.InfoDir) && strings.HasSuffix(p, ".list")) {
		return true
	}
	if lang.WantsJar(p) {
		return true
	}
	for _, lp := range lang.Parsers() {
		if lp.Wants(p) {
			return true
		}
	}
	return isBinCandidate(p, mode)
}

// isBinCandidate reports whether the file may be a Go executable worth
// reading.
func isBinCandidate(p string, mode fs.FileMode) bool {
	if mode&0o111 == 0 {
		return false
	}
	for _, d := range binDirs {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

// Collect walks img and returns its OS packages.
func Collect(ctx context.Context, img *image.Image, opts Options) (*Inventory, error) {
	results, err := img.Walk(ctx, Want, opts.Walk)
	var retried bool
	if errors.Is(err, image.ErrLimit) {
		// Executables are the bulk of what Want keeps; without them the
		// package databases and metadata still fit.
		retried = true
		results, err = img.Walk(ctx, func(p string, mode fs.FileMode) bool {
			return Want(p, mode&^0o111)
		}, opts.Walk)
	}
	if err != nil {
		return nil, fmt.Errorf("walking image layers: %w", err)
	}
	inv, err := FromFS(image.Merge(results), img.Layers)
	if err == nil && retried {
		inv.Problems = append(inv.Problems, "executables exceed the walk limit; Go build information not read")
	}
	return inv, err
}

// FromFS builds the inventory from a merged view; layers give the created_by
// of each layer index (may be nil).
func FromFS(fsys *image.FS, layers []image.Layer) (*Inventory, error) {
	inv := &Inventory{}
	read := func(p string) ([]byte, bool) {
		f, ok := fsys.Resolve(p)
		if !ok || f.File == nil {
			return nil, false
		}
		return f.Content, true
	}
	rel, err := osrelease.Detect(read)
	switch {
	case errors.Is(err, osrelease.ErrNotFound):
		inv.Problems = append(inv.Problems, "no operating-system release file found; OS packages cannot be matched")
	case err != nil:
		return nil, fmt.Errorf("identifying the release: %w", err)
	}
	inv.Release = rel
	if eco, ok := rel.Ecosystem(); ok {
		inv.Ecosystem = eco
	} else if err == nil {
		inv.Problems = append(inv.Problems, fmt.Sprintf("release %q %q has no OSV ecosystem Bulwark can name; its packages are listed but not matched", rel.ID, rel.VersionID))
	}

	layerOf := func(f image.LayerFile) Layer {
		l := Layer{Index: f.LayerIndex, DiffID: f.DiffID.String()}
		if f.LayerIndex >= 0 && f.LayerIndex < len(layers) {
			l.CreatedBy = layers[f.LayerIndex].CreatedBy
		}
		return l
	}

	paths := make([]string, 0, len(fsys.Files))
	for p := range fsys.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		f := fsys.Files[p]
		if f.File == nil {
			continue
		}
		switch {
		case slices.Contains(apk.Paths(), p):
			if f.Truncated {
				inv.Problems = append(inv.Problems, p+": database larger than the walk limit, truncated")
			}
			d, err := apk.Parse(bytes.NewReader(f.Content))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			for _, pr := range d.Problems {
				inv.Problems = append(inv.Problems, fmt.Sprintf("%s: %v", p, pr))
			}
			for _, e := range d.Packages {
				inv.Packages = append(inv.Packages, Package{Package: e.ToPackage(rel, p), Layer: layerOf(f)})
			}
		case dpkg.IsDatabase(p):
			if f.Truncated {
				inv.Problems = append(inv.Problems, p+": database larger than the walk limit, truncated")
			}
			d, err := dpkg.Parse(p, bytes.NewReader(f.Content))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			for _, pr := range d.Problems {
				inv.Problems = append(inv.Problems, fmt.Sprintf("%s: %v", p, pr))
			}
			for _, e := range d.Packages {
				pkg := e.ToPackage(rel, p)
				for _, lp := range e.ListPaths() {
					if lf, ok := fsys.Files[lp]; ok && lf.File != nil {
						if files, err := dpkg.ParseList(bytes.NewReader(lf.Content)); err == nil {
							pkg.Files = files
						}
						break
					}
				}
				inv.Packages = append(inv.Packages, Package{Package: pkg, Layer: layerOf(f)})
			}
		}
	}
	inv.addLang(fsys, paths, layerOf)
	return inv, nil
}

// addLang runs the language parsers over the merged files (paths sorted),
// drops the packages whose metadata an OS package owns and those already
// seen under the same ecosystem, name and version, and appends the rest.
func (inv *Inventory) addLang(fsys *image.FS, paths []string, layerOf func(image.LayerFile) Layer) {
	owned := map[string]bool{}
	for _, p := range inv.Packages {
		for _, f := range p.Files {
			owned[pkgdb.CleanPath(f)] = true
		}
	}
	seen := map[[3]string]bool{}
	add := func(f image.LayerFile, pkgs []pkgdb.Package) {
		for _, pkg := range pkgs {
			if ownedByOS(owned, pkg.DBPath) {
				continue
			}
			k := [3]string{pkg.Ecosystem.String(), pkg.Name, pkg.Version}
			if pkg.Ecosystem.Base == lang.EcosystemPyPI {
				k[1] = lang.NormalizePythonName(pkg.Name)
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			inv.Packages = append(inv.Packages, Package{Package: pkg, Layer: layerOf(f)})
		}
	}
	problem := func(p string, err error) {
		inv.Problems = append(inv.Problems, fmt.Sprintf("%s: %v", p, err))
	}
	for _, p := range paths {
		f := fsys.Files[p]
		if f.File == nil {
			continue
		}
		switch {
		case lang.WantsJar(p):
			if f.Truncated {
				inv.Problems = append(inv.Problems, p+": Java archive larger than the walk limit, not read")
				continue
			}
			pkgs, err := lang.ParseJar(p, bytes.NewReader(f.Content), int64(len(f.Content)))
			if err != nil {
				problem(p, err)
			}
			add(f, pkgs)
		case isBinCandidate(p, f.Mode) && lang.IsExecutable(f.Content):
			if f.Truncated {
				inv.Problems = append(inv.Problems, p+": executable larger than the walk limit, Go build information not read")
				continue
			}
			pkgs, err := lang.GoBinary{}.Parse(p, bytes.NewReader(f.Content))
			if err != nil {
				problem(p, err)
			}
			add(f, pkgs)
		default:
			for _, lp := range lang.Parsers() {
				if !lp.Wants(p) {
					continue
				}
				if f.Truncated {
					inv.Problems = append(inv.Problems, p+": package metadata larger than the walk limit, not read")
					break
				}
				pkgs, err := lp.Parse(p, bytes.NewReader(f.Content))
				if err != nil {
					problem(p, err)
				}
				add(f, pkgs)
				break
			}
		}
	}
}

// ownedByOS reports whether the metadata at dbPath belongs to an OS
// package: the file itself (for a file nested in a Java archive, the
// outer archive) is owned, or it lies in an owned Python .dist-info or
// .egg-info directory (dpkg lists directories too).
func ownedByOS(owned map[string]bool, dbPath string) bool {
	if len(owned) == 0 {
		return false
	}
	p, _, _ := strings.Cut(dbPath, "!/")
	p = pkgdb.CleanPath(p)
	if owned[p] {
		return true
	}
	dir := path.Dir(p)
	return (strings.HasSuffix(dir, ".dist-info") || strings.HasSuffix(dir, ".egg-info")) && owned[dir]
}

// OSPackages returns every package (OS and language) in the shared model,
// for matching.
func (inv *Inventory) OSPackages() []pkgdb.Package {
	out := make([]pkgdb.Package, len(inv.Packages))
	for i, p := range inv.Packages {
		out[i] = p.Package
	}
	return out
}
