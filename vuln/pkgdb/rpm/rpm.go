// Package rpm recognises the RPM package databases of RHEL-family and SUSE
// images. Reading them is not supported yet: Detect and Sniff tell which
// format a file holds, and Parse returns ErrUnsupported, so that a scan can
// report "RPM database present but not read" instead of silently finding
// no packages.
package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Format is an RPM database format.
type Format int

// RPM database formats.
const (
	Unknown Format = iota
	// BerkeleyDB is the hash database "Packages" of RHEL 8 and older.
	BerkeleyDB
	// SQLite is "rpmdb.sqlite" of Fedora 33+, RHEL 9 and their rebuilds.
	SQLite
	// NDB is "Packages.db" of SUSE.
	NDB
)

func (f Format) String() string {
	switch f {
	case BerkeleyDB:
		return "Berkeley DB"
	case SQLite:
		return "SQLite"
	case NDB:
		return "NDB"
	}
	return "unknown"
}

// dirs are the directories that hold an RPM database, relative to the
// image root.
var dirs = [...]string{"var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/"}

// Paths returns the database files Detect recognises.
func Paths() []string {
	var out []string
	for _, d := range dirs {
		out = append(out, d+"Packages", d+"rpmdb.sqlite", d+"Packages.db")
	}
	return out
}

// Detect returns the format of the database at path (relative to the
// image root) by its name, or Unknown when path is not an RPM database.
func Detect(path string) Format {
	for _, d := range dirs {
		name, ok := strings.CutPrefix(path, d)
		if !ok {
			continue
		}
		switch name {
		case "Packages":
			return BerkeleyDB
		case "rpmdb.sqlite":
			return SQLite
		case "Packages.db":
			return NDB
		}
	}
	return Unknown
}

// Magic numbers at the start of each format.
const (
	bdbHashMagic = 0x00061561 // at offset 12, in the writer's byte order
	ndbMagic     = "RpmP"     // NDB header magic ('R' | 'p'<<8 | 'm'<<16 | 'P'<<24, little-endian)
	sqliteMagic  = "SQLite format 3\x00"
)

// SniffLen is the number of leading bytes Sniff needs.
const SniffLen = 16

// Sniff returns the format of a database from its first SniffLen bytes,
// or Unknown.
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte(sqliteMagic)):
		return SQLite
	case bytes.HasPrefix(head, []byte(ndbMagic)):
		return NDB
	case len(head) >= 16 && (binary.LittleEndian.Uint32(head[12:16]) == bdbHashMagic ||
		binary.BigEndian.Uint32(head[12:16]) == bdbHashMagic):
		return BerkeleyDB
	}
	return Unknown
}

// ErrUnsupported is returned by Parse: RPM databases are recognised but
// not read yet.
var ErrUnsupported = errors.New("RPM package databases are not supported yet")

// ErrNotDatabase is wrapped by Parse's error when the file's content is not
// an RPM database of the format its name says.
var ErrNotDatabase = errors.New("not an RPM database")

// Parse checks the database at path and reports that it cannot be read
// yet. The error wraps ErrUnsupported for a real database (naming its
// format) and ErrNotDatabase when the content does not match the file
// name.
func Parse(path string, r io.Reader) error {
	want := Detect(path)
	if want == Unknown {
		return fmt.Errorf("%s: %w: unknown file name", path, ErrNotDatabase)
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: read header: %w", path, err)
	}
	if got := Sniff(head[:n]); got != want {
		return fmt.Errorf("%s: %w: %s file holds %s content", path, ErrNotDatabase, want, got)
	}
	return fmt.Errorf("%s: %s database: %w", path, want, ErrUnsupported)
}
