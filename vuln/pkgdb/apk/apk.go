// Package apk reads the Alpine package database (lib/apk/db/installed,
// also used by Wolfi and Chainguard). It parses file contents only.
package apk

import (
	"bufio"
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
	// MaxPackages is the largest number of stanzas in one database.
	MaxPackages = 200_000
	// MaxFiles is the largest number of owned files over the database.
	MaxFiles = 5_000_000
)

// Paths are the locations of the database, relative to the image root:
// the classic one and the newer usr/lib one.
func Paths() []string {
	return []string{"lib/apk/db/installed", "usr/lib/apk/db/installed"}
}

// Entry is one installed package.
type Entry struct {
	Name    string // P
	Version string // V
	// Origin is the source package (o), which Alpine advisories are keyed
	// by; it defaults to Name.
	Origin     string
	Arch       string // A
	License    string // L
	Maintainer string // m
	// Files are the regular files the package owns (each R joined to the
	// directory of the F before it), without a leading slash.
	Files []string
	// Line is the line number of the stanza's first line.
	Line int
}

// Problem is a stanza or line that was skipped.
type Problem struct {
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// Database is the result of parsing one apk database.
type Database struct {
	Packages []Entry
	// Problems are malformed parts that were skipped (a stanza without a
	// name or a version, a line that is not "X:value").
	Problems []Problem
}

// ErrCorrupt is wrapped by errors about a file that is not an apk
// database or is too large to be one.
var ErrCorrupt = errors.New("corrupt apk database")

// Parse reads an apk installed database: stanzas separated by blank lines,
// each line a one-letter key, a colon and a value.
func Parse(r io.Reader) (*Database, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineLength)
	db := &Database{}
	var (
		cur    *Entry
		dir    string
		n      int
		stanza int
		files  int
	)
	flush := func() {
		if cur == nil {
			return
		}
		switch {
		case cur.Name == "":
			db.Problems = append(db.Problems, Problem{cur.Line, "stanza without a package name (P)"})
		case cur.Version == "":
			db.Problems = append(db.Problems, Problem{cur.Line, fmt.Sprintf("package %q without a version (V)", cur.Name)})
		default:
			if cur.Origin == "" {
				cur.Origin = cur.Name
			}
			db.Packages = append(db.Packages, *cur)
		}
		cur, dir = nil, ""
	}
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if cur == nil {
			stanza++
			if stanza > MaxPackages {
				return db, fmt.Errorf("%w: more than %d packages", ErrCorrupt, MaxPackages)
			}
			cur = &Entry{Line: n}
		}
		if len(line) < 2 || line[1] != ':' {
			db.Problems = append(db.Problems, Problem{n, "line is not a field"})
			continue
		}
		val := line[2:]
		switch line[0] {
		case 'P':
			cur.Name = val
		case 'V':
			cur.Version = val
		case 'o':
			cur.Origin = val
		case 'A':
			cur.Arch = val
		case 'L':
			cur.License = val
		case 'm':
			cur.Maintainer = val
		case 'F':
			dir = pkgdb.CleanPath(val)
		case 'R':
			if files++; files > MaxFiles {
				return db, fmt.Errorf("%w: more than %d owned files", ErrCorrupt, MaxFiles)
			}
			p := val
			if dir != "" {
				p = dir + "/" + val
			}
			if p = pkgdb.CleanPath(p); p != "" {
				cur.Files = append(cur.Files, p)
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return db, fmt.Errorf("%w: line %d longer than %d bytes", ErrCorrupt, n+1, MaxLineLength)
		}
		return db, fmt.Errorf("read apk database line %d: %w", n+1, err)
	}
	flush()
	return db, nil
}

// ToPackage converts e into the shared package model for release rel. The
// source name is the origin; apk has no separate source version. The
// package URL is pkg:apk/<distro id>/<name>@<version>?arch=<arch>&distro=<id>-<version>,
// with upstream=<origin> when the origin differs from the name.
func (e Entry) ToPackage(rel osrelease.Release, dbPath string) pkgdb.Package {
	eco, _ := rel.Ecosystem()
	ns := rel.ID
	if ns == "" {
		ns = "alpine"
	}
	upstream := ""
	if e.Origin != e.Name {
		upstream = e.Origin
	}
	return pkgdb.Package{
		Type:       pkgdb.TypeOS,
		Ecosystem:  eco,
		Name:       e.Name,
		Version:    e.Version,
		SrcName:    e.Origin,
		SrcVersion: e.Version,
		Arch:       e.Arch,
		PURL: pkgdb.PURL("apk", ns, e.Name, e.Version, map[string]string{
			"arch":     e.Arch,
			"distro":   rel.PURLDistro(),
			"upstream": upstream,
		}),
		DBPath: dbPath,
		Files:  e.Files,
	}
}
