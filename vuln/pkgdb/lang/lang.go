// Package lang reads the metadata that language package managers leave in
// an image (npm package.json and package-lock.json, Python METADATA and
// PKG-INFO, Maven pom.properties, Composer installed.json, installed Ruby
// gemspecs, Go build information and Rust cargo-auditable dependency lists
// in executables) and turns it into pkgdb.Package values of
// type pkgdb.TypeLang under the OSV ecosystem the package belongs to.
//
// Every parser is pure: it takes the path of the file inside the image and
// its content, and never opens files itself. Wants predicates let an image
// walker pick the files to hand over.
package lang

import (
	"errors"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// OSV ecosystem base names of the packages this package reports.
const (
	EcosystemNPM       = "npm"
	EcosystemPyPI      = "PyPI"
	EcosystemGo        = "Go"
	EcosystemMaven     = "Maven"
	EcosystemPackagist = "Packagist"
	EcosystemRubyGems  = "RubyGems"
	EcosystemCratesIO  = "crates.io"
)

// Size limits that bound the work on a corrupt or hostile file.
const (
	// MaxManifestSize is the largest package.json, METADATA, PKG-INFO or
	// pom.properties accepted.
	MaxManifestSize = 4 << 20
	// MaxLockSize is the largest package-lock.json or Composer
	// installed.json accepted.
	MaxLockSize = 64 << 20
	// MaxPackages is the largest number of packages one file may yield.
	MaxPackages = 200_000
)

// ErrTooLarge is returned, wrapped, when an input exceeds its size limit.
var ErrTooLarge = errors.New("input exceeds size limit")

// Parser reads one kind of metadata file.
type Parser interface {
	// Ecosystem is the OSV ecosystem base name of the packages it reports.
	Ecosystem() string
	// Wants reports whether the file at path (slash separated, relative
	// to the image root, with or without a leading slash) is one it reads.
	Wants(path string) bool
	// Parse reads the file at path from r. A file that is well formed but
	// describes no usable package yields no packages and no error.
	Parse(path string, r io.Reader) ([]pkgdb.Package, error)
}

// Parsers returns the parsers of plain metadata files, in a fixed order.
// Go executables are read by GoBinary, which needs an io.ReaderAt.
func Parsers() []Parser {
	return []Parser{NPMPackageJSON{}, NPMLock{}, Python{}, Maven{}, Composer{}, Gemspec{}}
}

// readLimited reads all of r, failing when it holds more than max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("more than %d bytes: %w", max, ErrTooLarge)
	}
	return data, nil
}

// newPackage fills the fields common to every language package.
func newPackage(eco, name, version, purl, path string) pkgdb.Package {
	return pkgdb.Package{
		Type:       pkgdb.TypeLang,
		Ecosystem:  pkgdb.Ecosystem{Base: eco},
		Name:       name,
		Version:    version,
		SrcName:    name,
		SrcVersion: version,
		PURL:       purl,
		DBPath:     pkgdb.CleanPath(path),
	}
}
