// Package rpm reads the RPM package databases of RHEL-family, Fedora,
// SUSE and Amazon Linux images from memory: the Berkeley DB hash file
// "Packages" (RHEL 8 and older), the SQLite "rpmdb.sqlite" (Fedora 33+,
// RHEL 9) and the NDB "Packages.db" (SUSE). Each holds one header blob
// per installed package; the containers are walked by this package (and
// by SQLite, loaded from memory) and the blobs parsed with the bounds
// rpm's own headerImport applies. Nothing is written to disk.
package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/osrelease"
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

// Limits that bound the work on a corrupt or hostile database.
const (
	// MaxPackages is the largest number of packages read from one
	// database; a full RHEL workstation has a few thousand.
	MaxPackages = 200_000
	// maxBlobSize is the largest header blob accepted.
	maxBlobSize = 64 << 20
)

// ErrNotDatabase is wrapped by Parse's error when the file's content is not
// an RPM database of the format its name says.
var ErrNotDatabase = errors.New("not an RPM database")

// ErrCorrupt is wrapped by Parse's error when the database's container
// (pages, slots, SQLite file) is damaged, so that no package list can be
// trusted.
var ErrCorrupt = errors.New("corrupt RPM database")

// Problem is a package record that was skipped because its header blob
// could not be read.
type Problem struct {
	// Key is the record's key (header instance number).
	Key uint32
	Msg string
}

func (p Problem) String() string {
	return "record " + strconv.FormatUint(uint64(p.Key), 10) + ": " + p.Msg
}

// Database is the result of parsing one RPM database.
type Database struct {
	Format Format
	// Packages are the installed packages, in key (install) order.
	Packages []Entry
	// Skipped counts the gpg-pubkey entries, which record imported
	// signing keys and are no packages.
	Skipped int
	// Problems are records whose header blob could not be read.
	Problems []Problem
}

// Parse reads the RPM database at path (relative to the image root; one
// of Paths) from its content. The format is the one the file name says
// (Detect), and the content must match it (Sniff), else the error wraps
// ErrNotDatabase. A damaged container is an error wrapping ErrCorrupt; a
// damaged package header only skips that package and is listed in
// Problems.
func Parse(path string, content []byte) (*Database, error) {
	want := Detect(path)
	if want == Unknown {
		return nil, fmt.Errorf("%s: %w: unknown file name", path, ErrNotDatabase)
	}
	if got := Sniff(content); got != want {
		return nil, fmt.Errorf("%s: %w: %s file holds %s content", path, ErrNotDatabase, want, got)
	}
	db := &Database{Format: want}
	var err error
	switch want {
	case BerkeleyDB:
		err = bdbBlobs(content, db.add)
	case NDB:
		err = ndbBlobs(content, db.add)
	case SQLite:
		err = sqliteBlobs(content, db.add)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s database: %w", path, want, err)
	}
	sort.SliceStable(db.Packages, func(i, j int) bool { return db.Packages[i].Key < db.Packages[j].Key })
	return db, nil
}

// add records the package of one header blob: an entry, a skipped
// gpg-pubkey, or a problem. It fails only past MaxPackages.
func (db *Database) add(key uint32, blob []byte) error {
	if len(db.Packages)+len(db.Problems)+db.Skipped >= MaxPackages {
		return fmt.Errorf("%w: more than %d packages", ErrCorrupt, MaxPackages)
	}
	if len(blob) > maxBlobSize {
		db.Problems = append(db.Problems, Problem{key, fmt.Sprintf("header of %d bytes", len(blob))})
		return nil
	}
	e, err := parseEntry(blob)
	if err != nil {
		db.Problems = append(db.Problems, Problem{key, err.Error()})
		return nil
	}
	e.Key = key
	switch {
	case e.Name == "gpg-pubkey":
		db.Skipped++
	case e.Name == "" || e.Version == "":
		db.Problems = append(db.Problems, Problem{key, "header without name or version"})
	default:
		db.Packages = append(db.Packages, e)
	}
	return nil
}

// ToPackage converts e into the shared package model for release rel.
// Version is [epoch:]version-release; SrcName and SrcVersion come from
// the source RPM's file name (with the binary's epoch). The ecosystem is
// left empty when the release has none (see osrelease.Release.Ecosystem).
// The package URL is
// pkg:rpm/<distro id>/<name>@<version>-<release>?arch=<arch>&epoch=<epoch>&distro=<id>-<version>&upstream=<source rpm>.
func (e Entry) ToPackage(rel osrelease.Release, dbPath string) pkgdb.Package {
	eco, _ := rel.Ecosystem()
	src, srcVer, _ := e.Source()
	epoch := ""
	if e.HasEpoch && e.Epoch != 0 {
		epoch = strconv.Itoa(e.Epoch)
	}
	return pkgdb.Package{
		Type:       pkgdb.TypeOS,
		Ecosystem:  eco,
		Name:       e.Name,
		Version:    e.EVR(),
		SrcName:    src,
		SrcVersion: srcVer,
		Arch:       e.Arch,
		PURL: pkgdb.PURL("rpm", rel.ID, e.Name, e.Version+"-"+e.Release, map[string]string{
			"arch":     e.Arch,
			"epoch":    epoch,
			"distro":   rel.PURLDistro(),
			"upstream": e.SourceRPM,
		}),
		DBPath: dbPath,
		Files:  e.Files,
	}
}

// ToPackages converts every package of db (see Entry.ToPackage).
func (db *Database) ToPackages(rel osrelease.Release, dbPath string) []pkgdb.Package {
	out := make([]pkgdb.Package, len(db.Packages))
	for i, e := range db.Packages {
		out[i] = e.ToPackage(rel, dbPath)
	}
	return out
}
