// Package inventory turns an opened container image into the list of OS
// packages installed in it: it walks the layers for the release files and
// the package databases (dpkg status, status.d, apk installed), merges them
// into the final file system view, identifies the release and parses the
// databases, recording for each package the layer that last wrote its
// database file.
package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/apk"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/dpkg"
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

// Want reports whether a file is one Collect needs: a release file or a
// package database.
func Want(p string, _ fs.FileMode) bool {
	if slices.Contains(osrelease.Paths(), p) || slices.Contains(apk.Paths(), p) {
		return true
	}
	return dpkg.IsDatabase(p) || (strings.HasPrefix(p, dpkg.InfoDir) && strings.HasSuffix(p, ".list"))
}

// Collect walks img and returns its OS packages.
func Collect(ctx context.Context, img *image.Image, opts Options) (*Inventory, error) {
	results, err := img.Walk(ctx, Want, opts.Walk)
	if err != nil {
		return nil, fmt.Errorf("walking image layers: %w", err)
	}
	return FromFS(image.Merge(results), img.Layers)
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
	return inv, nil
}

// OSPackages returns the packages in the shared model, for matching.
func (inv *Inventory) OSPackages() []pkgdb.Package {
	out := make([]pkgdb.Package, len(inv.Packages))
	for i, p := range inv.Packages {
		out[i] = p.Package
	}
	return out
}
