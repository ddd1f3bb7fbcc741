// Package dpkg reads the Debian package database: the status file
// (var/lib/dpkg/status), the one-package files of distroless images
// (var/lib/dpkg/status.d/<name>) and the file lists
// (var/lib/dpkg/info/<package>[:<arch>].list). It parses file contents
// only.
package dpkg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/osrelease"
)

// Limits that bound the work on a corrupt or hostile database.
const (
	// MaxLineLength is the longest line accepted.
	MaxLineLength = 1 << 20
	// MaxParagraphs is the largest number of paragraphs (packages) in one
	// file; a full Debian desktop has a few thousand.
	MaxParagraphs = 200_000
	// MaxFields is the largest number of fields in one paragraph.
	MaxFields = 1_000
)

// StatusPath is the dpkg status file, relative to the image root.
const StatusPath = "var/lib/dpkg/status"

// StatusDDir is the directory of distroless one-package status files.
const StatusDDir = "var/lib/dpkg/status.d/"

// InfoDir is the directory of the per-package file lists.
const InfoDir = "var/lib/dpkg/info/"

// IsDatabase reports whether path (relative to the image root) is a dpkg
// database file this package parses: the status file or a file of
// status.d that is not a checksum list.
func IsDatabase(path string) bool {
	if path == StatusPath {
		return true
	}
	name, ok := strings.CutPrefix(path, StatusDDir)
	return ok && name != "" && !strings.Contains(name, "/") && !strings.HasSuffix(name, ".md5sums")
}

// Entry is one installed package of the database.
type Entry struct {
	Package      string
	Version      string
	Architecture string
	// Source and SourceVersion come from the Source field; they default to
	// Package and Version ("Source: util-linux (2.38.1-5)" on the binNMU
	// util-linux-extra 2.38.1-5+b1 gives util-linux and 2.38.1-5).
	Source        string
	SourceVersion string
	Maintainer    string
	// Status is the raw Status field ("install ok installed"), empty in
	// status.d files.
	Status string
	// Line is the line number of the paragraph's first line.
	Line int
}

// Problem is a paragraph or line that was skipped.
type Problem struct {
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// Database is the result of parsing one dpkg database file.
type Database struct {
	// Packages are the installed packages, in file order.
	Packages []Entry
	// Skipped counts paragraphs of packages that are not installed
	// (config-files, not-installed, half-installed).
	Skipped int
	// Problems are malformed parts that were skipped.
	Problems []Problem
}

// ErrCorrupt is wrapped by errors about a file that is not a dpkg
// database or is too large to be one.
var ErrCorrupt = errors.New("corrupt dpkg database")

// Parse reads the dpkg database file at path (StatusPath or a file of
// StatusDDir). Only installed packages are kept: the current state (third
// word of Status) is one with the package's files on disk (installed,
// triggers-pending, triggers-awaited, half-configured, unpacked), whatever
// the wanted action; "deinstall ok config-files", "not-installed" and
// "half-installed" packages are skipped. A paragraph without Status counts
// as installed in a status.d file (distroless writes none) and as not
// installed in the status file (dpkg's default).
func Parse(path string, r io.Reader) (*Database, error) {
	statusRequired := !strings.HasPrefix(path, StatusDDir)
	db := &Database{}
	err := paragraphs(r, func(p *paragraph) {
		db.add(p, statusRequired)
	})
	if err != nil {
		return db, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

func (db *Database) add(p *paragraph, statusRequired bool) {
	db.Problems = append(db.Problems, p.problems...)
	e := Entry{
		Package:      p.get("Package"),
		Version:      p.get("Version"),
		Architecture: p.get("Architecture"),
		Maintainer:   p.get("Maintainer"),
		Status:       p.get("Status"),
		Line:         p.line,
	}
	if e.Package == "" {
		db.Problems = append(db.Problems, Problem{p.line, "paragraph without Package"})
		return
	}
	if e.Status == "" && statusRequired || e.Status != "" && !installed(e.Status) {
		db.Skipped++
		return
	}
	if e.Version == "" {
		db.Problems = append(db.Problems, Problem{p.line, fmt.Sprintf("package %q without Version", e.Package)})
		return
	}
	e.Source, e.SourceVersion = e.Package, e.Version
	if src := p.get("Source"); src != "" {
		name, ver, ok := parseSource(src)
		if !ok {
			db.Problems = append(db.Problems, Problem{p.line, fmt.Sprintf("package %q: malformed Source %q", e.Package, src)})
		}
		if name != "" {
			e.Source = name
		}
		if ver != "" {
			e.SourceVersion = ver
		}
	}
	db.Packages = append(db.Packages, e)
}

// installed reports whether a Status value ("want flag state") names a
// state with the package's files on disk.
func installed(status string) bool {
	f := strings.Fields(status)
	if len(f) != 3 {
		return false
	}
	switch f[2] {
	case "installed", "triggers-pending", "triggers-awaited", "half-configured", "unpacked":
		return true
	}
	return false
}

// parseSource splits "name" or "name (version)".
func parseSource(s string) (name, version string, ok bool) {
	name, rest, found := strings.Cut(s, "(")
	name = strings.TrimSpace(name)
	if !found {
		return name, "", name != "" && !strings.ContainsAny(name, " )")
	}
	version, tail, closed := strings.Cut(rest, ")")
	version = strings.TrimSpace(version)
	return name, version, closed && strings.TrimSpace(tail) == "" && version != "" && name != "" && !strings.Contains(name, " ")
}

// paragraph is one RFC 822 style stanza.
type paragraph struct {
	line     int
	fields   []field
	nfields  int
	problems []Problem
}

type field struct{ key, value string }

// wantedFields are the fields kept from a paragraph; the others are
// counted and dropped.
var wantedFields = [...]string{"Package", "Version", "Architecture", "Source", "Maintainer", "Status"}

// wanted returns the canonical name of key when it is a kept field.
func wanted(key []byte) string {
	for _, k := range wantedFields {
		if len(k) == len(key) && strings.EqualFold(k, string(key)) {
			return k
		}
	}
	return ""
}

// get returns the value of the first field named key (one of
// wantedFields; field names match case-insensitively).
func (p *paragraph) get(key string) string {
	for _, f := range p.fields {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

// paragraphs splits r into paragraphs separated by blank lines and calls fn
// for each. Continuation lines (starting with a space or a tab) belong to
// the previous field; their text is dropped because none of the fields
// read here spans lines.
func paragraphs(r io.Reader, fn func(*paragraph)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineLength)
	var (
		cur   *paragraph
		count int
		n     int
	)
	flush := func() {
		if cur != nil {
			fn(cur)
			cur = nil
		}
	}
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			flush()
			continue
		}
		if cur == nil {
			count++
			if count > MaxParagraphs {
				return fmt.Errorf("%w: more than %d paragraphs", ErrCorrupt, MaxParagraphs)
			}
			cur = &paragraph{line: n}
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(cur.fields) == 0 {
				cur.problems = append(cur.problems, Problem{n, "continuation line before any field"})
			}
			continue
		}
		key, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(key) == 0 || bytes.ContainsAny(key, " \t") {
			cur.problems = append(cur.problems, Problem{n, "line is not a field"})
			continue
		}
		if cur.nfields++; cur.nfields > MaxFields {
			return fmt.Errorf("%w: paragraph at line %d has more than %d fields", ErrCorrupt, cur.line, MaxFields)
		}
		if k := wanted(key); k != "" {
			cur.fields = append(cur.fields, field{k, string(bytes.TrimSpace(value))})
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%w: line %d longer than %d bytes", ErrCorrupt, n+1, MaxLineLength)
		}
		return fmt.Errorf("read line %d: %w", n+1, err)
	}
	flush()
	return nil
}

// ListPaths returns the paths of the file lists that may hold the files
// of e: info/<package>.list and, for Multi-Arch: same packages,
// info/<package>:<arch>.list.
func (e Entry) ListPaths() []string {
	paths := []string{InfoDir + e.Package + ".list"}
	if e.Architecture != "" {
		paths = append(paths, InfoDir+e.Package+":"+e.Architecture+".list")
	}
	return paths
}

// MaxListEntries bounds the number of paths read from one file list.
const MaxListEntries = 1_000_000

// ParseList reads a file list (info/<package>.list): one absolute path a
// line. Paths are returned cleaned and without the leading slash; the root
// ("/.") is left out.
func ParseList(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineLength)
	var files []string
	for sc.Scan() {
		p := strings.TrimRight(sc.Text(), "\r")
		if p == "" {
			continue
		}
		if p = pkgdb.CleanPath(p); p == "" {
			continue
		}
		if len(files) >= MaxListEntries {
			return files, fmt.Errorf("%w: file list longer than %d entries", ErrCorrupt, MaxListEntries)
		}
		files = append(files, p)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return files, fmt.Errorf("%w: file list line longer than %d bytes", ErrCorrupt, MaxLineLength)
		}
		return files, fmt.Errorf("read file list: %w", err)
	}
	return files, nil
}

// ToPackage converts e into the shared package model for release rel. The
// ecosystem is left empty when the release has none (see
// osrelease.Release.Ecosystem). The package URL is
// pkg:deb/<distro id>/<name>@<version>?arch=<arch>&distro=<id>-<version>,
// with upstream=<source>[@<source version>] when the source differs.
func (e Entry) ToPackage(rel osrelease.Release, dbPath string) pkgdb.Package {
	eco, _ := rel.Ecosystem()
	ns := rel.ID
	if ns == "" {
		ns = "debian"
	}
	upstream := ""
	switch {
	case e.SourceVersion != e.Version:
		upstream = e.Source + "@" + e.SourceVersion
	case e.Source != e.Package:
		upstream = e.Source
	}
	return pkgdb.Package{
		Type:       pkgdb.TypeOS,
		Ecosystem:  eco,
		Name:       e.Package,
		Version:    e.Version,
		SrcName:    e.Source,
		SrcVersion: e.SourceVersion,
		Arch:       e.Architecture,
		PURL: pkgdb.PURL("deb", ns, e.Package, e.Version, map[string]string{
			"arch":     e.Architecture,
			"distro":   rel.PURLDistro(),
			"upstream": upstream,
		}),
		DBPath: dbPath,
	}
}
