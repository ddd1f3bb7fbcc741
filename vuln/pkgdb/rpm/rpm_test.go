package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/osrelease"
)

func TestDetect(t *testing.T) {
	tests := map[string]Format{
		"var/lib/rpm/Packages":                   BerkeleyDB,
		"usr/lib/sysimage/rpm/Packages":          BerkeleyDB,
		"var/lib/rpm/Packages.db":                NDB,
		"usr/lib/sysimage/rpm/Packages.db":       NDB,
		"var/lib/rpm/rpmdb.sqlite":               SQLite,
		"usr/lib/sysimage/rpm/rpmdb.sqlite":      SQLite,
		"usr/share/rpm/rpmdb.sqlite":             SQLite,
		"var/lib/rpm/Packages.bak":               Unknown,
		"var/lib/rpm/sub/Packages":               Unknown,
		"opt/var/lib/rpm/Packages":               Unknown,
		"var/lib/rpmmanifest/container-manifest": Unknown,
	}
	for p, want := range tests {
		if got := Detect(p); got != want {
			t.Errorf("Detect(%q) = %v, want %v", p, got, want)
		}
	}
	for _, p := range Paths() {
		if Detect(p) == Unknown {
			t.Errorf("Paths() lists %q, which Detect does not recognise", p)
		}
	}
}

// fixtures are the databases testdata/make.sh builds: the same two
// packages installed with rpm, in each format.
var fixtures = []struct {
	file string // under testdata
	path string // as found in an image
	fmt  Format
}{
	{"sqlite/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite", SQLite},
	{"bdb/Packages", "var/lib/rpm/Packages", BerkeleyDB},
	{"bdb-be/Packages", "var/lib/rpm/Packages", BerkeleyDB},
	{"ndb/Packages.db", "usr/lib/sysimage/rpm/Packages.db", NDB},
}

// wantEntries are the packages of testdata/specs as every fixture holds
// them.
var wantEntries = []Entry{
	{
		Name: "hello", Version: "1.0", Release: "1", Arch: "x86_64",
		SourceRPM: "hello-1.0-1.src.rpm", Vendor: "Bulwark Test", License: "MIT",
		Files: []string{
			"usr/bin/hello",
			"usr/lib/python3/site-packages/requests-2.31.0.dist-info",
			"usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA",
			"usr/share/doc/hello",
			"usr/share/doc/hello/README",
		},
		Key: 1,
	},
	{
		// a sub-package of source foo, with an epoch and no files
		Name: "libfoo", Version: "3.4.5", Release: "6.el9", Epoch: 2, HasEpoch: true, Arch: "noarch",
		SourceRPM: "foo-3.4.5-6.el9.src.rpm", Vendor: "Bulwark Test", License: "GPL-2.0-or-later",
		Key: 2,
	},
}

func readFixture(t testing.TB, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			db, err := Parse(f.path, readFixture(t, f.file))
			if err != nil {
				t.Fatal(err)
			}
			if db.Format != f.fmt {
				t.Errorf("Format = %v, want %v", db.Format, f.fmt)
			}
			if diff := cmp.Diff(wantEntries, db.Packages); diff != "" {
				t.Errorf("Packages (-want +got):\n%s", diff)
			}
			if len(db.Problems) != 0 || db.Skipped != 0 {
				t.Errorf("Problems = %v, Skipped = %d, want none", db.Problems, db.Skipped)
			}
		})
	}
}

func TestToPackage(t *testing.T) {
	rel := osrelease.Release{ID: "rocky", VersionID: "9.3"}
	got := Database{Packages: wantEntries}
	want := []pkgdb.Package{
		{
			Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Rocky Linux", Suffix: "9"},
			Name: "hello", Version: "1.0-1", SrcName: "hello", SrcVersion: "1.0-1", Arch: "x86_64",
			PURL:   "pkg:rpm/rocky/hello@1.0-1?arch=x86_64&distro=rocky-9.3&upstream=hello-1.0-1.src.rpm",
			DBPath: "var/lib/rpm/rpmdb.sqlite",
			Files:  wantEntries[0].Files,
		},
		{
			// the epoch enters Version and SrcVersion, and the purl as a qualifier
			Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Rocky Linux", Suffix: "9"},
			Name: "libfoo", Version: "2:3.4.5-6.el9", SrcName: "foo", SrcVersion: "2:3.4.5-6.el9", Arch: "noarch",
			PURL:   "pkg:rpm/rocky/libfoo@3.4.5-6.el9?arch=noarch&distro=rocky-9.3&epoch=2&upstream=foo-3.4.5-6.el9.src.rpm",
			DBPath: "var/lib/rpm/rpmdb.sqlite",
		},
	}
	if diff := cmp.Diff(want, got.ToPackages(rel, "var/lib/rpm/rpmdb.sqlite")); diff != "" {
		t.Errorf("ToPackages (-want +got):\n%s", diff)
	}
}

func TestEVRAndSource(t *testing.T) {
	tests := []struct {
		e                Entry
		evr, src, srcVer string
		ok               bool
	}{
		{Entry{Name: "a", Version: "1", Release: "2", SourceRPM: "a-1-2.src.rpm"}, "1-2", "a", "1-2", true},
		// an epoch of 0 is present but not written
		{Entry{Name: "a", Version: "1", Release: "2", HasEpoch: true, SourceRPM: "a-1-2.src.rpm"}, "1-2", "a", "1-2", true},
		{Entry{Name: "python3-libs", Version: "3.9.18", Release: "1.el9", Epoch: 1, HasEpoch: true, SourceRPM: "python3.9-3.9.18-1.el9.src.rpm"}, "1:3.9.18-1.el9", "python3.9", "1:3.9.18-1.el9", true},
		{Entry{Name: "x", Version: "1", Release: "1", SourceRPM: "x-1-1.nosrc.rpm"}, "1-1", "x", "1-1", true},
		// no usable source RPM: the binary's name and version
		{Entry{Name: "b", Version: "1", Release: "1", SourceRPM: ""}, "1-1", "b", "1-1", false},
		{Entry{Name: "b", Version: "1", Release: "1", SourceRPM: "(none)"}, "1-1", "b", "1-1", false},
		{Entry{Name: "b", Version: "1", Release: "1", SourceRPM: "b-1.src.rpm"}, "1-1", "b", "1-1", false},
		{Entry{Name: "b", Version: "1", Release: "1", SourceRPM: "-1-1.src.rpm"}, "1-1", "b", "1-1", false},
	}
	for _, tt := range tests {
		if got := tt.e.EVR(); got != tt.evr {
			t.Errorf("%+v.EVR() = %q, want %q", tt.e, got, tt.evr)
		}
		src, ver, ok := tt.e.Source()
		if src != tt.src || ver != tt.srcVer || ok != tt.ok {
			t.Errorf("%q.Source() = %q, %q, %v, want %q, %q, %v", tt.e.SourceRPM, src, ver, ok, tt.src, tt.srcVer, tt.ok)
		}
	}
}

// bdbHeader is the start of a Berkeley DB hash file in the given byte
// order.
func bdbHeader(order binary.ByteOrder) []byte {
	h := make([]byte, 512)
	order.PutUint32(h[12:], bdbHashMagic)
	return h
}

func TestParseNotDatabase(t *testing.T) {
	sqlite := append([]byte("SQLite format 3\x00"), make([]byte, 100)...)
	ndb := append([]byte("RpmP"), make([]byte, 60)...)
	tests := []struct {
		path string
		data []byte
		want error
	}{
		{"var/lib/rpm/Packages", sqlite, ErrNotDatabase},
		{"var/lib/rpm/rpmdb.sqlite", nil, ErrNotDatabase},
		{"var/lib/rpm/Packages.db", []byte("Rp"), ErrNotDatabase},
		{"etc/passwd", ndb, ErrNotDatabase},
		// right magic, nothing behind it
		{"var/lib/rpm/Packages", bdbHeader(binary.LittleEndian), ErrCorrupt},
		{"var/lib/rpm/Packages", bdbHeader(binary.BigEndian), ErrCorrupt},
		{"var/lib/rpm/rpmdb.sqlite", sqlite, ErrCorrupt},
		{"usr/lib/sysimage/rpm/Packages.db", ndb, ErrCorrupt},
	}
	for _, tt := range tests {
		_, err := Parse(tt.path, tt.data)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%s, %d bytes) = %v, want %v", tt.path, len(tt.data), err, tt.want)
		}
	}
}

func TestParseSQLiteOtherSchema(t *testing.T) {
	// A SQLite database whose Packages is not rpm's table is not read.
	data := readFixture(t, "sqlite/rpmdb.sqlite")
	i := bytes.Index(data, []byte("blob BLOB NOT NULL"))
	if i < 0 {
		t.Fatal("fixture lacks the Packages schema")
	}
	data = bytes.Clone(data)
	copy(data[i:], "blob BLOB NOT NUL ")
	_, err := Parse("var/lib/rpm/rpmdb.sqlite", data)
	if !errors.Is(err, ErrNotDatabase) && !errors.Is(err, ErrCorrupt) {
		t.Errorf("Parse with an altered schema = %v, want ErrNotDatabase or ErrCorrupt", err)
	}
}

func TestParseDamaged(t *testing.T) {
	for _, f := range fixtures {
		data := readFixture(t, f.file)
		t.Run(f.file+"/truncated", func(t *testing.T) {
			// Half a database: an error, never a partial list passed off
			// as whole, nor a panic.
			db, err := Parse(f.path, data[:len(data)/2])
			if err == nil {
				t.Errorf("Parse of a truncated file = %d packages, want an error", len(db.Packages))
			}
		})
		t.Run(f.file+"/header", func(t *testing.T) {
			// A package's header blob damaged (its index count made huge):
			// that package is a problem, the other is read (in SQLite; the
			// NDB checksum makes it a corrupt container).
			name := []byte("libfoo\x00")
			i := bytes.Index(data, name)
			if i < 0 {
				t.Fatal("fixture lacks libfoo")
			}
			bad := bytes.Clone(data)
			blob := blobStart(t, bad, i)
			binary.BigEndian.PutUint32(bad[blob:], 0x7fffffff)
			db, err := Parse(f.path, bad)
			switch {
			case f.fmt == NDB:
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("Parse = %v, want ErrCorrupt (checksum)", err)
				}
			case err != nil:
				t.Fatalf("Parse = %v, want the damaged package as a problem", err)
			default:
				if len(db.Packages) != 1 || db.Packages[0].Name != "hello" || len(db.Problems) != 1 {
					t.Errorf("Parse = %d packages, problems %v; want hello and one problem", len(db.Packages), db.Problems)
				}
			}
		})
	}
}

// blobStart finds the start of the header blob whose data store holds
// offset i: the last "il dl" pair before i whose sizes end the blob past i.
func blobStart(t *testing.T, data []byte, i int) int {
	t.Helper()
	for s := i - 8; s >= 0; s-- {
		il := binary.BigEndian.Uint32(data[s:])
		dl := binary.BigEndian.Uint32(data[s+4:])
		if il > 5 && il < 200 && dl > 100 && dl < 1<<16 && s+8+int(il)*16 < i && s+8+int(il)*16+int(dl) > i &&
			binary.BigEndian.Uint32(data[s+8:]) == 63 { // the region tag opens the index
			return s
		}
	}
	t.Fatal("no header blob found")
	return 0
}

// FuzzParse runs Parse over mutations of the fixtures. Minimising a new
// input of the 200 KiB SQLite seed takes the fuzzer most of a run, so run
// it with a short minimisation time:
//
//	go test ./vuln/pkgdb/rpm -run '^$' -fuzz FuzzParse -fuzztime 30s -fuzzminimizetime 1s
func FuzzParse(f *testing.F) {
	for _, fx := range fixtures {
		f.Add(uint8(fx.fmt), readFixture(f, fx.file))
	}
	paths := map[Format]string{
		BerkeleyDB: "var/lib/rpm/Packages",
		SQLite:     "var/lib/rpm/rpmdb.sqlite",
		NDB:        "var/lib/rpm/Packages.db",
	}
	f.Fuzz(func(t *testing.T, format uint8, data []byte) {
		_ = Sniff(data).String()
		p, ok := paths[Format(format)]
		if !ok {
			return
		}
		db, err := Parse(p, data)
		if err == nil && db == nil {
			t.Fatal("nil database without an error")
		}
	})
}
