package lang

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// Limits on Java archives.
const (
	// MaxJarEntries is the largest number of zip entries read from one
	// archive.
	MaxJarEntries = 500_000
	// MaxNestedJarSize is the largest nested archive (WEB-INF/lib,
	// BOOT-INF/lib) read into memory.
	MaxNestedJarSize = 64 << 20
	// MaxJarDepth is how deep archives nested in archives are opened.
	MaxJarDepth = 2
)

// WantsJar reports whether path names a Java archive: .jar, .war, .ear,
// .jpi, .hpi or .par.
func WantsJar(path string) bool {
	p := strings.ToLower(path)
	for _, ext := range []string{".jar", ".war", ".ear", ".jpi", ".hpi", ".par"} {
		if strings.HasSuffix(p, ext) && len(p) > len(ext) && !strings.HasSuffix(p, "/"+ext) {
			return true
		}
	}
	return false
}

// ParseJar reads every META-INF/maven/<g>/<a>/pom.properties in the Java
// archive at path (size bytes, read through r), descending into archives
// nested in it up to MaxJarDepth. The packages' DBPath is the archive
// path, followed for nested archives by "!/" and the entry name. Archives
// that carry no pom.properties (identified only by MANIFEST.MF or their
// file name) yield nothing: OSV's Maven ecosystem needs the group ID.
func ParseJar(path string, r io.ReaderAt, size int64) ([]pkgdb.Package, error) {
	var pkgs []pkgdb.Package
	if err := parseJar(pkgdb.CleanPath(path), r, size, 0, &pkgs); err != nil {
		return nil, fmt.Errorf("java archive %s: %w", path, err)
	}
	return pkgs, nil
}

func parseJar(path string, r io.ReaderAt, size int64, depth int, pkgs *[]pkgdb.Package) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("opening zip: %w", err)
	}
	if len(zr.File) > MaxJarEntries {
		return fmt.Errorf("more than %d entries: %w", MaxJarEntries, ErrTooLarge)
	}
	for _, f := range zr.File {
		switch {
		case (Maven{}).Wants(f.Name):
			ps, err := readZipEntry(f, MaxManifestSize, func(rc io.Reader) ([]pkgdb.Package, error) {
				return Maven{}.Parse(path, rc)
			})
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			if len(*pkgs)+len(ps) > MaxPackages {
				return fmt.Errorf("more than %d packages: %w", MaxPackages, ErrTooLarge)
			}
			*pkgs = append(*pkgs, ps...)
		case depth+1 < MaxJarDepth && WantsJar(f.Name) && !f.FileInfo().IsDir():
			if f.UncompressedSize64 > MaxNestedJarSize {
				continue
			}
			data, err := readZipBytes(f, MaxNestedJarSize)
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			// A nested entry that is not a zip is not an archive: skip it.
			_ = parseJar(path+"!/"+f.Name, bytes.NewReader(data), int64(len(data)), depth+1, pkgs)
			if len(*pkgs) > MaxPackages {
				return fmt.Errorf("more than %d packages: %w", MaxPackages, ErrTooLarge)
			}
		}
	}
	return nil
}

func readZipBytes(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readLimited(rc, max)
}

func readZipEntry(f *zip.File, max int64, parse func(io.Reader) ([]pkgdb.Package, error)) ([]pkgdb.Package, error) {
	data, err := readZipBytes(f, max)
	if err != nil {
		return nil, err
	}
	return parse(bytes.NewReader(data))
}
