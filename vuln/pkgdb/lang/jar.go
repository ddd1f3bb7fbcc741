package lang

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
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
// path, followed for nested archives by "!/" and the entry name. An
// archive that carries no pom.properties is identified by its
// META-INF/MANIFEST.MF when that names a group, an artifact and a version
// (manifestPackage); one identified by neither, or only by its file name,
// yields nothing: OSV's Maven ecosystem needs the group ID.
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
	var manifest *zip.File
	found := false
	for _, f := range zr.File {
		switch {
		case f.Name == "META-INF/MANIFEST.MF":
			manifest = f
		case (Maven{}).Wants(f.Name):
			found = true
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
	if !found && manifest != nil {
		data, err := readZipBytes(manifest, MaxManifestSize)
		if err != nil {
			return fmt.Errorf("%s: %w", manifest.Name, err)
		}
		if pkg, ok := manifestPackage(path, data); ok {
			*pkgs = append(*pkgs, pkg)
		}
	}
	return nil
}

// javaName matches a dotted Java package name ("com.fasterxml.jackson.core").
var javaName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_-]*)+$`)

// artifactName matches what a Maven artifact ID looks like: lower case,
// no spaces ("jackson-databind", "commons-lang3").
var artifactName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// manifestPackage identifies an archive by its MANIFEST.MF, as Trivy does
// for jars Maven did not build, but only when the manifest names the
// coordinates precisely:
//   - the group from Implementation-Vendor-Id when it is a dotted Java
//     name, else from an OSGi Bundle-SymbolicName of three or more
//     segments (all but the last: "com.fasterxml.jackson.core.jackson-databind"
//     gives group "com.fasterxml.jackson.core", artifact "jackson-databind");
//   - the artifact from the symbolic name's last segment, else from an
//     Implementation-Title shaped like an artifact ID (a title such as
//     "Apache Commons Lang" names no artifact);
//   - the version from Implementation-Version, else Bundle-Version,
//     starting with a digit.
//
// Anything less yields no package: a guessed name would match someone
// else's advisories.
func manifestPackage(path string, data []byte) (pkgdb.Package, bool) {
	m := jarManifest(data)
	var group, artifact string
	if sym, _, _ := strings.Cut(m["Bundle-SymbolicName"], ";"); javaName.MatchString(strings.TrimSpace(sym)) && strings.Count(sym, ".") >= 2 {
		sym = strings.TrimSpace(sym)
		i := strings.LastIndexByte(sym, '.')
		group, artifact = sym[:i], sym[i+1:]
	}
	if v := m["Implementation-Vendor-Id"]; javaName.MatchString(v) {
		group = v
		if t := m["Implementation-Title"]; artifactName.MatchString(t) {
			artifact = t
		}
	}
	if artifact == "" {
		if t := m["Implementation-Title"]; artifactName.MatchString(t) && group != "" {
			artifact = t
		}
	}
	version := m["Implementation-Version"]
	if version == "" {
		version = m["Bundle-Version"]
	}
	if group == "" || !artifactName.MatchString(artifact) || version == "" || version[0] < '0' || version[0] > '9' || strings.ContainsAny(version, " \t") {
		return pkgdb.Package{}, false
	}
	purl := pkgdb.PURL("maven", group, artifact, version, nil)
	return newPackage(EcosystemMaven, group+":"+artifact, version, purl, path), true
}

// jarManifest reads the main section of a JAR manifest: "Name: value"
// lines, continued by lines starting with one space, up to the first
// blank line.
func jarManifest(data []byte) map[string]string {
	m := map[string]string{}
	var key string
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		line = strings.TrimSuffix(line, "\r")
		switch {
		case line == "":
			return m
		case line[0] == ' ' && key != "":
			m[key] += line[1:]
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				key = ""
				continue
			}
			key = strings.TrimSpace(k)
			if _, dup := m[key]; dup {
				key = "" // the first value of a name wins
				continue
			}
			m[key] = strings.TrimSpace(v)
		}
	}
	return m
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
