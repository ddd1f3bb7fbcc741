package apk

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

const corpus = "/work/shared/corpus/vuln/pkgdb/apk"

func parseCorpus(t testing.TB, dir string) *Database {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, dir, "lib/apk/db/installed"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	db, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse(%s): %v", dir, err)
	}
	return db
}

func find(t *testing.T, db *Database, name string) Entry {
	t.Helper()
	for _, e := range db.Packages {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("package %s not found", name)
	return Entry{}
}

func TestCorpus(t *testing.T) {
	tests := []struct {
		dir      string
		count    int
		problems int
		files    int
		// name, version, origin, arch
		checks [][4]string
	}{
		{"alpine-3.18", 15, 0, 109, [][4]string{
			{"musl", "1.2.4-r0", "musl", "x86_64"},
			{"libcrypto3", "3.1.0-r4", "openssl", "x86_64"},
			{"busybox-binsh", "1.36.0-r9", "busybox", "x86_64"},
		}},
		{"alpine-multi", 14, 0, 105, [][4]string{
			{"musl", "1.2.3-r0", "musl", "x86_64"},
			{"libssl1.1", "1.1.1q-r0", "openssl", "x86_64"},
		}},
		{"malformed", 15, 1, 76, [][4]string{
			{"test", "2.9.11_pre20061021-r2", "test-parent", "x86_64"},
			{"scanelf", "1.1.6-r0", "pax-utils", "x86_64"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			db := parseCorpus(t, tt.dir)
			files := 0
			for _, e := range db.Packages {
				files += len(e.Files)
			}
			if len(db.Packages) != tt.count || len(db.Problems) != tt.problems || files != tt.files {
				t.Errorf("got %d packages, %d problems %v, %d files; want %d, %d, %d",
					len(db.Packages), len(db.Problems), db.Problems, files, tt.count, tt.problems, tt.files)
			}
			for _, c := range tt.checks {
				e := find(t, db, c[0])
				if got := [4]string{e.Name, e.Version, e.Origin, e.Arch}; got != c {
					t.Errorf("got %q, want %q", got, c)
				}
			}
		})
	}
}

func TestMalformedEntry(t *testing.T) {
	db := parseCorpus(t, "malformed")
	if p := db.Problems[0]; p.Line != 23 || !strings.Contains(p.Msg, "invalidPackageWithoutAVersion") {
		t.Errorf("problem = %v", p)
	}
}

func TestFiles(t *testing.T) {
	db := parseCorpus(t, "alpine-3.18")
	want := []string{"lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"}
	if got := find(t, db, "musl").Files; !slices.Equal(got, want) {
		t.Errorf("musl files = %q, want %q", got, want)
	}
	bb := find(t, db, "busybox").Files
	if len(bb) != 7 || bb[0] != "bin/busybox" || bb[1] != "etc/securetty" || bb[3] != "etc/busybox-paths.d/busybox" {
		t.Errorf("busybox files = %q", bb)
	}
}

func TestParseEdgeCases(t *testing.T) {
	in := "\r\nP:a\r\nV:1-r0\r\nR:rootfile\r\nF:usr/bin\r\nR:a\r\nbogus\r\n\r\n\r\nP:b\nV:2-r0\nF:/etc/\nR:../../x\n"
	db, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Packages) != 2 || len(db.Problems) != 1 {
		t.Fatalf("got %+v", db)
	}
	a, b := db.Packages[0], db.Packages[1]
	if a.Origin != "a" || !slices.Equal(a.Files, []string{"rootfile", "usr/bin/a"}) || a.Line != 2 {
		t.Errorf("a = %+v", a)
	}
	if !slices.Equal(b.Files, []string{"x"}) {
		t.Errorf("b files = %q", b.Files)
	}
}

func TestLimits(t *testing.T) {
	if _, err := Parse(strings.NewReader("P:" + strings.Repeat("x", MaxLineLength))); !errors.Is(err, ErrCorrupt) {
		t.Errorf("long line: err = %v", err)
	}
	if _, err := Parse(strings.NewReader(strings.Repeat("P:a\n\n", MaxPackages+1))); !errors.Is(err, ErrCorrupt) {
		t.Errorf("many packages: err = %v", err)
	}
}

func TestToPackage(t *testing.T) {
	db := parseCorpus(t, "alpine-3.18")
	rel := osrelease.Release{ID: "alpine", VersionID: "3.18.4"}
	p := find(t, db, "libcrypto3").ToPackage(rel, Paths()[0])
	if p.Ecosystem.String() != "Alpine:v3.18" || p.SrcName != "openssl" || p.SrcVersion != "3.1.0-r4" ||
		p.PURL != "pkg:apk/alpine/libcrypto3@3.1.0-r4?arch=x86_64&distro=alpine-3.18.4&upstream=openssl" {
		t.Errorf("libcrypto3: %+v", p)
	}
	if p := find(t, db, "musl").ToPackage(rel, Paths()[0]); p.PURL != "pkg:apk/alpine/musl@1.2.4-r0?arch=x86_64&distro=alpine-3.18.4" || len(p.Files) != 2 {
		t.Errorf("musl: %+v", p)
	}
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpus, "alpine-3.18/lib/apk/db/installed"))
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, d := range []string{"alpine-multi", "malformed"} {
		if data, err := os.ReadFile(filepath.Join(corpus, d, "lib/apk/db/installed")); err == nil {
			f.Add(data[:min(len(data), 4096)])
		}
	}
	f.Add([]byte("P:a\nV:1\nF:..\nR:/x\n\nP\n:"))
	f.Fuzz(func(t *testing.T, data []byte) {
		db, err := Parse(bytes.NewReader(data))
		if db == nil {
			t.Fatal("nil database")
		}
		if err != nil {
			return
		}
		for _, e := range db.Packages {
			if e.Name == "" || e.Version == "" || e.Origin == "" {
				t.Errorf("incomplete entry %+v", e)
			}
			for _, p := range e.Files {
				if p == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") || p == ".." {
					t.Errorf("bad file path %q", p)
				}
			}
			e.ToPackage(osrelease.Release{ID: "alpine", VersionID: "3.19"}, "lib/apk/db/installed")
		}
	})
}
