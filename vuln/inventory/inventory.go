// Package inventory turns an opened container image into the list of
// packages installed in it and the facts image rules examine. Each layer
// is walked once and analysed on its own, and the analysis can be cached
// by diff ID: release files and OS package databases (dpkg status and
// status.d, apk installed, rpm Berkeley DB, SQLite and NDB) are kept,
// language package metadata (npm, Python, Maven, Composer, RubyGems, Java
// archives, Go and cargo-auditable Rust executables) is parsed. The
// layers' results are then merged into the final file system view, the
// release identified and the databases read, each package recorded with
// the layer that introduced it. Language packages whose metadata file an
// OS package owns are dropped: the distribution's advisories cover them.
package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/apk"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/dpkg"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/lang"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/osrelease"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/rpm"
)

// Layer identifies the image layer a package was attributed to.
type Layer struct {
	Index     int    `json:"index"`
	DiffID    string `json:"diff_id"`
	CreatedBy string `json:"created_by,omitempty"`
}

// Package is an installed package and the layer that installed it: for
// an OS package, the lowest of the unbroken run of layers whose database
// lists it at this version (attributeOS); for a language package, the
// layer that last wrote its metadata file.
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
	// Unread are package databases that could not be read at all: their
	// packages are missing, so a vulnerability scan of the image is
	// incomplete.
	Unread []string
	// Facts are what image rules examine (filled by Collect).
	Facts image.Facts
	// Cache counts the layers read from and written to the layer cache.
	Cache CacheStats
}

// Options tune Collect.
type Options struct {
	Walk image.WalkOptions
	// Programs are paths (clean, relative to the root: "bin/sh") recorded
	// in Facts.Programs when present in the final file system.
	Programs []string
	// ScanWants and Scan look for secrets in the contents of the files of
	// every layer (see image.Selection); nil means no secret scan.
	ScanWants func(path string, size int64) bool
	Scan      func(path string, content []byte) []image.Secret
	// Cache, when set, keeps each layer's analysis by diff ID.
	Cache Cache
	// CacheSalt must change whenever Programs, ScanWants or Scan change
	// what they find (a version of the secret rules, say); it is part of
	// every cache key.
	CacheSalt string
	// Progress, when set, is called as each layer is done, from the
	// goroutine that analysed it.
	Progress func(LayerDone)
	// MaxKeptBytes bounds the content all layers keep together until they
	// are merged (OS package databases, release files, dpkg file lists):
	// Walk.MaxTotalBytes bounds one layer only. Zero means twice the
	// layer limit (1 GiB with the default limits).
	MaxKeptBytes int64
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
	if dpkg.IsDatabase(p) || (strings.HasPrefix(p, dpkg.InfoDir) && strings.HasSuffix(p, ".list")) || rpm.Detect(p) != rpm.Unknown {
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

// Collect walks img and returns its packages and the facts image rules
// examine. Each layer is analysed on its own (its language manifests,
// archives and executables parsed, its OS databases and release files
// kept) and, with opts.Cache, stored by diff ID, so a later scan of an
// image sharing layers reads only the new ones. Layers are analysed
// concurrently, up to opts.Walk.Parallel at once.
func Collect(ctx context.Context, img *image.Image, opts Options) (*Inventory, error) {
	sel := opts.selection()
	n := opts.Walk.Parallel
	if n <= 0 {
		n = min(runtime.GOMAXPROCS(0), 4)
	}
	maxKept := opts.MaxKeptBytes
	if maxKept <= 0 {
		maxKept = 2 * opts.Walk.Limits.MaxTotalBytes
		if maxKept <= 0 {
			maxKept = 2 * image.DefaultMaxTotalBytes
		}
	}
	var kept atomic.Int64
	done := make([]*analysed, len(img.Layers))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for i, l := range img.Layers {
		g.Go(func() error {
			a, err := analyseLayer(gctx, l, sel, opts)
			if err != nil {
				return err
			}
			var size int64
			for _, f := range a.res.Files {
				size += int64(len(f.Content))
			}
			if total := kept.Add(size); total > maxKept {
				return fmt.Errorf("layer %d: the layers keep more than %d bytes of package databases and release files: %w", l.Index, maxKept, image.ErrLimit)
			}
			done[i] = a
			if opts.Progress != nil {
				opts.Progress(LayerDone{Index: l.Index, DiffID: l.DiffID.String(), Cached: a.cached})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("walking image layers: %w", err)
	}
	results := make([]*image.LayerResult, len(done))
	var problems []string
	var stats CacheStats
	for i, a := range done {
		results[i] = a.res
		if a.execSkipped {
			problems = append(problems, fmt.Sprintf("layer %d: executables exceed the walk limit; Go build information not read", a.res.Index))
		}
		if a.jarsSkipped {
			problems = append(problems, fmt.Sprintf("layer %d: Java archives exceed the walk limit; their packages not read", a.res.Index))
		}
		if a.cached {
			stats.Hits++
		} else {
			stats.Misses++
		}
		if a.cacheErr != nil && stats.Err == nil {
			stats.Err = a.cacheErr
		}
	}
	fsys := image.Merge(results)
	inv, err := FromFS(fsys, img.Layers)
	if err != nil {
		return nil, err
	}
	inv.Problems = append(problems, inv.Problems...)
	inv.Cache = stats
	inv.Facts = opts.facts(img, fsys)
	return inv, nil
}

// analysed is one layer's analysis.
type analysed struct {
	res *image.LayerResult
	// execSkipped says the layer was walked again without its
	// executables, which exceeded the walk limit.
	execSkipped bool
	// jarsSkipped says it was walked again without its Java archives too.
	jarsSkipped bool
	cached      bool
	cacheErr    error
}

// analyseLayer returns the layer's analysis from the cache, or walks and
// analyses the layer and stores the result.
func analyseLayer(ctx context.Context, l image.Layer, sel image.Selection, opts Options) (*analysed, error) {
	var key string
	if opts.Cache != nil {
		key = cacheKey(l.DiffID.String(), opts.Walk.Limits, opts.CacheSalt)
		if b, ok, err := opts.Cache.Get(key); err == nil && ok {
			if a, err := decodeLayer(b, l); err == nil {
				return a, nil
			}
		}
	}
	a := &analysed{}
	res, err := image.WalkOne(ctx, l, sel, opts.Walk.Limits)
	if errors.Is(err, image.ErrLimit) {
		// Executables are the bulk of what Want keeps; without them the
		// package databases and metadata still fit.
		retry := sel
		retry.Want = func(p string, mode fs.FileMode) bool { return Want(p, mode&^0o111) }
		res, err = image.WalkOne(ctx, l, retry, opts.Walk.Limits)
		a.execSkipped = true
		if errors.Is(err, image.ErrLimit) {
			// Java archives come next (hundreds of MiB of jars in one
			// layer of a Kafka or Spark image).
			retry.Want = func(p string, mode fs.FileMode) bool { return !lang.WantsJar(p) && Want(p, mode&^0o111) }
			res, err = image.WalkOne(ctx, l, retry, opts.Walk.Limits)
			a.jarsSkipped = true
		}
	}
	if err != nil {
		return nil, err
	}
	a.res = res
	analyseFiles(res)
	if opts.Cache != nil {
		b, err := encodeLayer(a)
		if err == nil {
			err = opts.Cache.Put(key, b)
		}
		a.cacheErr = err
	}
	return a, nil
}

// analyseFiles parses the layer's language manifests, archives and
// executables in place (File.Data) and drops their content, so that only
// the OS databases and release files are kept as bytes.
func analyseFiles(res *image.LayerResult) {
	for p, f := range res.Files {
		if pf, ok := parseLangFile(p, f); ok {
			f.Data = pf
			f.Content = nil
		}
	}
}

// LayerDone reports one analysed layer to Options.Progress.
type LayerDone struct {
	Index  int
	DiffID string
	// Cached says the analysis came from the cache.
	Cached bool
}

// CacheStats counts the layers whose analysis came from the cache (Hits)
// and those walked (Misses); Err is the first error writing the cache.
type CacheStats struct {
	Hits, Misses int
	Err          error
}

// selection is the walk selection of Collect: what Want keeps, setuid and
// setgid files and the option's programs noted, and the option's secret
// scan.
func (o Options) selection() image.Selection {
	programs := make(map[string]bool, len(o.Programs))
	for _, p := range o.Programs {
		programs[p] = true
	}
	return image.Selection{
		Want: Want,
		Note: func(p string, mode fs.FileMode) bool {
			return (mode.IsRegular() && mode&(fs.ModeSetuid|fs.ModeSetgid) != 0) || programs[p]
		},
		ScanWants: o.ScanWants,
		Scan:      o.Scan,
	}
}

// facts builds the image facts from the merged view.
func (o Options) facts(img *image.Image, fsys *image.FS) image.Facts {
	f := image.Facts{Ref: img.Ref, ID: img.ID.String(), Config: img.Config, Layers: img.Layers, Secrets: fsys.Secrets}
	if f.Config == nil {
		f.Config = &v1.ConfigFile{}
	}
	programs := make(map[string]bool, len(o.Programs))
	for _, p := range o.Programs {
		programs[p] = true
	}
	for p, n := range fsys.Noted {
		ff := image.FileFact{Path: p, Mode: n.Mode, Layer: n.LayerIndex}
		if n.Mode.IsRegular() && n.Mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
			f.Special = append(f.Special, ff)
		}
		if programs[p] {
			f.Programs = append(f.Programs, ff)
		}
	}
	byPath := func(a, b image.FileFact) int { return strings.Compare(a.Path, b.Path) }
	slices.SortFunc(f.Special, byPath)
	slices.SortFunc(f.Programs, byPath)
	return f
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
				inv.Unread = append(inv.Unread, unreadable(p, err))
				continue
			}
			for _, pr := range d.Problems {
				inv.Problems = append(inv.Problems, fmt.Sprintf("%s: %v", p, pr))
			}
			for _, e := range d.Packages {
				inv.Packages = append(inv.Packages, Package{Package: e.ToPackage(rel, p), Layer: layerOf(f)})
			}
		case rpm.Detect(p) != rpm.Unknown:
			if f.Truncated {
				inv.Problems = append(inv.Problems, p+": database larger than the walk limit, not read")
				continue
			}
			d, err := rpm.Parse(p, f.Content)
			if err != nil {
				inv.Unread = append(inv.Unread, unreadable(p, err))
				continue
			}
			for _, pr := range d.Problems {
				inv.Problems = append(inv.Problems, fmt.Sprintf("%s: %v", p, pr))
			}
			for _, pkg := range d.ToPackages(rel, p) {
				inv.Packages = append(inv.Packages, Package{Package: pkg, Layer: layerOf(f)})
			}
		case dpkg.IsDatabase(p):
			if f.Truncated {
				inv.Problems = append(inv.Problems, p+": database larger than the walk limit, truncated")
			}
			d, err := dpkg.Parse(p, bytes.NewReader(f.Content))
			if err != nil {
				inv.Unread = append(inv.Unread, unreadable(p, err))
				continue
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
	inv.attributeOS(fsys, rel, layerOf)
	inv.addLang(fsys, paths, layerOf)
	return inv, nil
}

// unreadable describes a package database that could not be read at all:
// its packages are missing from the inventory, the rest of the image is
// still read. The path is named once, whether or not the parser's error
// already starts with it.
func unreadable(p string, err error) string {
	msg := strings.TrimPrefix(err.Error(), p+": ")
	return fmt.Sprintf("%s: database not read, its packages are missing: %s", p, msg)
}

// attributeOS moves each OS package to the layer that introduced it: the
// lowest layer of the unbroken run of layers that rewrote its database
// file and all list the package at the same version. (The layer that last
// wrote the file may only have installed something else beside it.) A
// whiteout between two versions breaks the run: the package was
// reinstalled.
func (inv *Inventory) attributeOS(fsys *image.FS, rel osrelease.Release, layerOf func(image.LayerFile) Layer) {
	// The versions each layer overwrote, by path and overwriting layer.
	type at struct {
		path string
		by   int
	}
	overwritten := map[at]image.LayerFile{}
	for _, r := range fsys.Removed {
		k := at{r.Path, r.By}
		if _, seen := overwritten[k]; !seen && r.Reason == image.RemovedOverwritten && r.File != nil {
			overwritten[k] = r.LayerFile
		}
	}
	history := map[string][]image.LayerFile{} // per database path, newest first, without the final version
	for i := range inv.Packages {
		p := inv.Packages[i].DBPath
		if _, done := history[p]; done {
			continue
		}
		var chain []image.LayerFile
		if final, ok := fsys.Files[p]; ok {
			for cur := final.LayerIndex; ; {
				prev, ok := overwritten[at{p, cur}]
				if !ok || prev.LayerIndex >= cur {
					break
				}
				chain = append(chain, prev)
				cur = prev.LayerIndex
			}
		}
		history[p] = chain
	}
	keys := map[*image.File]map[string]bool{}
	keyOf := func(pkg pkgdb.Package) string { return pkg.Name + "\x00" + pkg.Version + "\x00" + pkg.Arch }
	for i := range inv.Packages {
		pkg := &inv.Packages[i]
		for _, older := range history[pkg.DBPath] {
			set, ok := keys[older.File]
			if !ok {
				set = map[string]bool{}
				for _, o := range osPackagesIn(older.Path, older.Content, rel) {
					set[keyOf(o)] = true
				}
				keys[older.File] = set
			}
			if !set[keyOf(pkg.Package)] {
				break
			}
			pkg.Layer = layerOf(older)
		}
	}
}

// osPackagesIn parses an older version of an OS database, ignoring its
// problems (they were reported for the final version, or do not matter).
func osPackagesIn(p string, content []byte, rel osrelease.Release) []pkgdb.Package {
	var out []pkgdb.Package
	switch {
	case slices.Contains(apk.Paths(), p):
		if d, err := apk.Parse(bytes.NewReader(content)); err == nil {
			for _, e := range d.Packages {
				out = append(out, e.ToPackage(rel, p))
			}
		}
	case dpkg.IsDatabase(p):
		if d, err := dpkg.Parse(p, bytes.NewReader(content)); err == nil {
			for _, e := range d.Packages {
				out = append(out, e.ToPackage(rel, p))
			}
		}
	case rpm.Detect(p) != rpm.Unknown:
		if d, err := rpm.Parse(p, content); err == nil {
			out = d.ToPackages(rel, p)
		}
	}
	return out
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
				k[1] = pkgdb.NormalizeName(pkg.Ecosystem.Base, pkg.Name)
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			inv.Packages = append(inv.Packages, Package{Package: pkg, Layer: layerOf(f)})
		}
	}
	for _, p := range paths {
		f := fsys.Files[p]
		if f.File == nil {
			continue
		}
		pf, ok := f.Data.(*parsedFile)
		if !ok {
			if pf, ok = parseLangFile(p, f.File); !ok {
				continue
			}
		}
		if pf.Problem != "" {
			inv.Problems = append(inv.Problems, pf.Problem)
		}
		add(f, pf.Packages)
	}
}

// parseLangFile reads the language packages of a kept file: a Java
// archive, a Go executable or a package manager's metadata. ok is false
// for other files (OS databases, release files), whose content is kept.
func parseLangFile(p string, f *image.File) (pf *parsedFile, ok bool) {
	pf = &parsedFile{}
	read := func(what string, parse func() ([]pkgdb.Package, error)) (*parsedFile, bool) {
		if f.Truncated {
			pf.Problem = fmt.Sprintf("%s: %s larger than the walk limit, not read", p, what)
			return pf, true
		}
		pkgs, err := parse()
		pf.Packages = pkgs
		if err != nil {
			pf.Problem = fmt.Sprintf("%s: %v", p, err)
		}
		return pf, true
	}
	switch {
	case lang.WantsJar(p):
		return read("Java archive", func() ([]pkgdb.Package, error) {
			return lang.ParseJar(p, bytes.NewReader(f.Content), int64(len(f.Content)))
		})
	case isBinCandidate(p, f.Mode) && lang.IsExecutable(f.Content):
		if f.Truncated {
			pf.Problem = p + ": executable larger than the walk limit, Go build information not read"
			return pf, true
		}
		return read("executable", func() ([]pkgdb.Package, error) {
			pkgs, err := lang.GoBinary{}.Parse(p, bytes.NewReader(f.Content))
			if len(pkgs) > 0 || err != nil {
				return pkgs, err
			}
			return lang.RustBinary{}.Parse(p, bytes.NewReader(f.Content))
		})
	}
	for _, lp := range lang.Parsers() {
		if lp.Wants(p) {
			return read("package metadata", func() ([]pkgdb.Package, error) {
				return lp.Parse(p, bytes.NewReader(f.Content))
			})
		}
	}
	if isBinCandidate(p, f.Mode) {
		return pf, true // a script or other non-Go executable
	}
	return nil, false
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
