package dpkg

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb/osrelease"
)

const corpus = "/work/shared/corpus/vuln/pkgdb/dpkg"

// parseFile parses the corpus database file at dir/rel.
func parseFile(t testing.TB, dir, rel string) *Database {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	db, err := Parse(rel, f)
	if err != nil {
		t.Fatalf("Parse(%s/%s): %v", dir, rel, err)
	}
	return db
}

func names(db *Database) []string {
	var out []string
	for _, e := range db.Packages {
		out = append(out, e.Package)
	}
	return out
}

func find(t *testing.T, db *Database, name string) Entry {
	t.Helper()
	for _, e := range db.Packages {
		if e.Package == name {
			return e
		}
	}
	t.Fatalf("package %s not found", name)
	return Entry{}
}

func TestCorpus(t *testing.T) {
	tests := []struct {
		dir, file string
		installed int
		skipped   int
		// spot checks: package, version, source, source version, arch
		checks [][5]string
	}{
		{"bookworm-sample", StatusPath, 7, 0, [][5]string{
			{"util-linux-extra", "2.38.1-5+b1", "util-linux", "2.38.1-5", "amd64"},
			{"libacl1", "2.3.1-3", "acl", "2.3.1-3", "amd64"},
			{"attr", "1:2.5.1-4", "attr", "1:2.5.1-4", "amd64"},
			{"adduser", "3.131", "adduser", "3.131", "all"},
		}},
		{"distroless", StatusDDir + "libsqlite3-0", 1, 0, [][5]string{
			{"libsqlite3-0", "3.34.1-3", "sqlite3", "3.34.1-3", "arm64"},
		}},
		{"status-field-cases", StatusPath, 4, 3, nil},
		{"status.d-coreutils", StatusDDir + "coreutils-relationships", 9, 0, [][5]string{
			{"coreutils", "9.1-1", "coreutils", "9.1-1", "arm64"},
			{"libselinux1", "3.4-1+b6", "libselinux", "3.4-1", "arm64"},
			{"libgmp10", "2:6.2.1+dfsg1-1.1", "gmp", "2:6.2.1+dfsg1-1.1", "arm64"},
		}},
		{"status.d-deinstall", StatusDDir + "deinstall", 1, 1, [][5]string{
			{"linux-image-6.14.0-1012-aws", "6.14.0-1012.12~24.04.1", "linux-signed-aws-6.14", "6.14.0-1012.12~24.04.1", "amd64"},
		}},
		{"ubuntu-18.04", StatusPath, 90, 1, [][5]string{
			{"libc6", "2.27-3ubuntu1", "glibc", "2.27-3ubuntu1", "amd64"},
			{"liblzma5", "5.1.1alpha+20120614-2+b3", "xz-utils", "5.1.1alpha+20120614-2", "amd64"},
			// The binary carries an epoch the source version does not.
			{"bsdutils", "1:2.31.1-0.4ubuntu3.1", "util-linux", "2.31.1-0.4ubuntu3.1", "amd64"},
			{"e2fsprogs", "1.44.1-1", "e2fsprogs", "1.44.1-1", "amd64"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			db := parseFile(t, tt.dir, tt.file)
			if len(db.Packages) != tt.installed || db.Skipped != tt.skipped {
				t.Errorf("got %d installed, %d skipped; want %d, %d: %v", len(db.Packages), db.Skipped, tt.installed, tt.skipped, names(db))
			}
			if len(db.Problems) != 0 {
				t.Errorf("problems: %v", db.Problems)
			}
			for _, c := range tt.checks {
				e := find(t, db, c[0])
				if got := [5]string{e.Package, e.Version, e.Source, e.SourceVersion, e.Architecture}; got != c {
					t.Errorf("got %q, want %q", got, c)
				}
			}
		})
	}
}

func TestStatusField(t *testing.T) {
	db := parseFile(t, "status-field-cases", StatusPath)
	want := []string{"wantinstall_installed", "wantdeinstall_installed", "wantinstall_unpacked", "wantpurge_installed"}
	if got := names(db); !slices.Equal(got, want) {
		t.Errorf("installed = %v, want %v", got, want)
	}
	if db.Packages[0].Line != 1 || db.Packages[1].Line != 5 {
		t.Errorf("lines = %d, %d", db.Packages[0].Line, db.Packages[1].Line)
	}
}

func TestNoStatusInStatusD(t *testing.T) {
	in := "Package: a\nVersion: 1\n\nPackage: b\nVersion: 2\nStatus: deinstall ok config-files\n"
	for _, tt := range []struct {
		path string
		want []string
	}{
		{StatusPath, nil},
		{StatusDDir + "a", []string{"a"}},
	} {
		db, err := Parse(tt.path, strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := names(db); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestMalformed(t *testing.T) {
	in := "\n\n continuation first\nPackage: a\nStatus: install ok installed\nVersion: 1\nno colon here\nSource: x (1\n\n" +
		"Version: 2\nStatus: install ok installed\n\n" +
		"Package: c\nStatus: install ok installed\n\n" +
		"Package: d\r\nStatus: install ok installed\r\nVersion: 4\r\nDescription: x\r\n long\r\n .\r\n"
	db, err := Parse(StatusPath, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := names(db); !slices.Equal(got, []string{"a", "d"}) {
		t.Errorf("got %v", got)
	}
	if e := db.Packages[0]; e.Source != "x" || e.SourceVersion != "1" {
		t.Errorf("a: source %q %q", e.Source, e.SourceVersion)
	}
	if e := db.Packages[1]; e.Version != "4" {
		t.Errorf("d: version %q (CRLF)", e.Version)
	}
	if len(db.Problems) != 5 {
		t.Errorf("problems = %v, want 5", db.Problems)
	}
}

func TestLimits(t *testing.T) {
	long := "Package: a\nDescription: " + strings.Repeat("x", MaxLineLength) + "\n"
	if _, err := Parse(StatusPath, strings.NewReader(long)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("long line: err = %v", err)
	}
	many := "Package: a\n" + strings.Repeat("X: y\n", MaxFields+1)
	if _, err := Parse(StatusPath, strings.NewReader(many)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("many fields: err = %v", err)
	}
	paras := strings.Repeat("A: b\n\n", MaxParagraphs+1)
	if _, err := Parse(StatusPath, strings.NewReader(paras)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("many paragraphs: err = %v", err)
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in, name, ver string
		ok            bool
	}{
		{"acl", "acl", "", true},
		{"util-linux (2.38.1-5)", "util-linux", "2.38.1-5", true},
		{"  util-linux   ( 2.38.1-5 )  ", "util-linux", "2.38.1-5", true},
		{"x (1", "x", "1", false},
		{"x ()", "x", "", false},
		{"x (1) y", "x", "1", false},
		{"a b", "a b", "", false},
		{"(1.0)", "", "1.0", false},
	}
	for _, tt := range tests {
		name, ver, ok := parseSource(tt.in)
		if name != tt.name || ver != tt.ver || ok != tt.ok {
			t.Errorf("parseSource(%q) = %q, %q, %v; want %q, %q, %v", tt.in, name, ver, ok, tt.name, tt.ver, tt.ok)
		}
	}
}

func TestIsDatabase(t *testing.T) {
	tests := map[string]bool{
		"var/lib/dpkg/status":                         true,
		"var/lib/dpkg/status-old":                     false,
		"var/lib/dpkg/status.d/libc6":                 true,
		"var/lib/dpkg/status.d/libc6.md5sums":         false,
		"var/lib/dpkg/status.d/":                      false,
		"var/lib/dpkg/status.d/sub/x":                 false,
		"var/lib/dpkg/info/libc6:amd64.list":          false,
		"usr/local/var/lib/dpkg/status":               false,
		"var/lib/dpkg/status.d/libsqlite3-0":          true,
		"var/lib/dpkg/status.d/libsqlite3-0.md5sums.": true,
	}
	for p, want := range tests {
		if got := IsDatabase(p); got != want {
			t.Errorf("IsDatabase(%q) = %v, want %v", p, got, want)
		}
	}
	// Every corpus file is a database or a checksum list.
	_ = filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(corpus, p)
		_, inner, _ := strings.Cut(filepath.ToSlash(rel), "/")
		if IsDatabase(inner) == strings.HasSuffix(inner, ".md5sums") {
			t.Errorf("%s: IsDatabase = %v", rel, IsDatabase(inner))
		}
		return nil
	})
}

func TestParseList(t *testing.T) {
	in := "/.\n/usr\n/usr/bin\n/usr/bin/curl\n\n/usr/share/doc/curl/copyright\r\n//etc/./x\n"
	got, err := ParseList(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"usr", "usr/bin", "usr/bin/curl", "usr/share/doc/curl/copyright", "etc/x"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	e := Entry{Package: "libc6", Architecture: "amd64"}
	if got := e.ListPaths(); !slices.Equal(got, []string{"var/lib/dpkg/info/libc6.list", "var/lib/dpkg/info/libc6:amd64.list"}) {
		t.Errorf("ListPaths = %q", got)
	}
}

func TestToPackage(t *testing.T) {
	db := parseFile(t, "bookworm-sample", StatusPath)
	rel := osrelease.Release{ID: "debian", VersionID: "12", VersionCodename: "bookworm"}
	tests := map[string]string{
		"util-linux-extra": "pkg:deb/debian/util-linux-extra@2.38.1-5%2Bb1?arch=amd64&distro=debian-12&upstream=util-linux%402.38.1-5",
		"libacl1":          "pkg:deb/debian/libacl1@2.3.1-3?arch=amd64&distro=debian-12&upstream=acl",
		"attr":             "pkg:deb/debian/attr@1:2.5.1-4?arch=amd64&distro=debian-12",
	}
	for name, purl := range tests {
		p := find(t, db, name).ToPackage(rel, StatusPath)
		if p.PURL != purl {
			t.Errorf("%s: PURL %q, want %q", name, p.PURL, purl)
		}
		if p.Ecosystem.String() != "Debian:12" || p.Type != "os" || p.DBPath != StatusPath {
			t.Errorf("%s: %+v", name, p)
		}
	}
	p := find(t, db, "util-linux-extra").ToPackage(rel, StatusPath)
	if p.SrcName != "util-linux" || p.SrcVersion != "2.38.1-5" || p.Version != "2.38.1-5+b1" {
		t.Errorf("binNMU: %+v", p)
	}
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpus, "ubuntu-18.04", StatusPath))
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(StatusPath, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	_ = filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, err := os.ReadFile(p); err == nil && len(data) < 8<<10 {
				f.Add(data, false)
			}
		}
		return nil
	})
	f.Add([]byte("Package: a\nSource: b (\nVersion: 1\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, statusD bool) {
		path := StatusPath
		if statusD {
			path = StatusDDir + "x"
		}
		db, err := Parse(path, bytes.NewReader(data))
		if db == nil {
			t.Fatal("nil database")
		}
		if err != nil {
			return
		}
		for _, e := range db.Packages {
			if e.Package == "" || e.Version == "" || e.Source == "" || e.SourceVersion == "" {
				t.Errorf("incomplete entry %+v", e)
			}
			e.ToPackage(osrelease.Release{ID: "debian", VersionID: "12"}, path)
		}
		if _, err := ParseList(bytes.NewReader(data)); err != nil {
			t.Errorf("ParseList: %v", err)
		}
	})
}
