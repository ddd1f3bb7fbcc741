package match

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/apk"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/dpkg"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/osrelease"
)

func corpusDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("BULWARK_VULN_CORPUS")
	if d == "" {
		d = "/work/shared/corpus/vuln"
	}
	if _, err := os.Stat(filepath.Join(d, "osv")); err != nil {
		t.Skipf("vulnerability corpus not available: %v", err)
	}
	return d
}

// corpusDB imports the corpus OSV records into a temporary database.
func corpusDB(t testing.TB) *db.DB {
	t.Helper()
	dir := corpusDir(t)
	path := filepath.Join(t.TempDir(), "osv.db")
	if _, err := db.Import(context.Background(), path, []string{filepath.Join(dir, "osv")}, db.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func apkPackages(t *testing.T, dir string, rel osrelease.Release) []pkgdb.Package {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "lib/apk/db/installed"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := apk.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []pkgdb.Package
	for _, e := range d.Packages {
		out = append(out, e.ToPackage(rel, "lib/apk/db/installed"))
	}
	return out
}

func find(fs []Finding, pkg string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Package.Name == pkg {
			out = append(out, f)
		}
	}
	return out
}

func TestKnownPairings(t *testing.T) {
	dir := corpusDir(t)
	d := corpusDB(t)
	m := New(d, Options{})

	t.Run("alpine-3.18 musl", func(t *testing.T) {
		root := filepath.Join(dir, "pkgdb/apk/alpine-3.18")
		f, err := os.Open(filepath.Join(root, "etc/os-release"))
		if err != nil {
			t.Fatal(err)
		}
		rel, err := osrelease.Parse("etc/os-release", f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		pkgs := apkPackages(t, root, rel)
		fs, err := m.Match(pkgs)
		if err != nil {
			t.Fatal(err)
		}
		got := find(fs, "musl")
		if len(got) != 1 {
			t.Fatalf("musl findings = %+v, want 1", got)
		}
		g := got[0]
		if g.Ecosystem != "Alpine:v3.18" || g.VulnID != "CVE-2025-26519" || g.Status != StatusFixed ||
			g.FixedVersion != "1.2.4-r3" || g.InstalledVersion != "1.2.4-r0" ||
			!slices.Equal(g.Aliases, []string{"ALPINE-CVE-2025-26519"}) ||
			g.Severity != (Severity{Level: LevelHigh, Source: SourceCVSS, Vector: "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", Score: 7.0}) {
			t.Errorf("musl finding = %+v", g)
		}
		// musl-utils has origin musl: looked up by origin, reported as itself.
		if mu := find(fs, "musl-utils"); len(mu) == 1 && mu[0].LookupName != "musl" {
			t.Errorf("musl-utils looked up as %q", mu[0].LookupName)
		}
		for _, f := range fs {
			if f.VulnID != "CVE-2025-26519" {
				t.Errorf("unexpected finding %s for %s", f.VulnID, f.Package.Name)
			}
		}
	})

	t.Run("alpine-multi as 3.16", func(t *testing.T) {
		rel := osrelease.Release{ID: "alpine", VersionID: "3.16.9"}
		pkgs := apkPackages(t, filepath.Join(dir, "pkgdb/apk/alpine-multi"), rel)
		fs, err := m.Match(pkgs)
		if err != nil {
			t.Fatal(err)
		}
		got := find(fs, "musl")
		if len(got) != 1 || got[0].Status != StatusFixed || got[0].FixedVersion != "1.2.3-r4" ||
			got[0].Ecosystem != "Alpine:v3.16" || got[0].InstalledVersion != "1.2.3-r0" {
			t.Fatalf("musl findings = %+v, want affected, fix 1.2.3-r4", got)
		}
	})

	t.Run("ubuntu-18.04 dpkg vs Debian:9 DLA", func(t *testing.T) {
		f, err := os.Open(filepath.Join(dir, "pkgdb/dpkg/ubuntu-18.04", dpkg.StatusPath))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pd, err := dpkg.Parse(dpkg.StatusPath, f)
		if err != nil {
			t.Fatal(err)
		}
		rel := osrelease.Release{ID: "ubuntu", VersionID: "18.04", Version: "18.04.6 LTS (Bionic Beaver)"}
		var pkgs []pkgdb.Package
		var dp *pkgdb.Package
		for _, e := range pd.Packages {
			pkgs = append(pkgs, e.ToPackage(rel, dpkg.StatusPath))
			if e.Package == "dpkg" {
				dp = &pkgs[len(pkgs)-1]
			}
		}
		if dp == nil || dp.Version != "1.19.0.5ubuntu2" || dp.Ecosystem.String() != "Ubuntu:18.04:LTS" {
			t.Fatalf("dpkg package = %+v", dp)
		}
		// The DLA is in the database, under Debian:9 only.
		if es, err := d.Lookup("Debian:9", "dpkg"); err != nil || len(es) == 0 {
			t.Fatalf("Lookup(Debian:9, dpkg) = %v, %v", es, err)
		}
		fs, err := m.Match(pkgs)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 0 {
			t.Errorf("findings = %+v, want none", fs)
		}
	})

	t.Run("npm lodash 5.0.0", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(dir, "lang/npm/package.json"))
		if err != nil {
			t.Fatal(err)
		}
		var pj struct{ Name, Version string }
		if err := json.Unmarshal(raw, &pj); err != nil {
			t.Fatal(err)
		}
		p := pkgdb.Package{Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "npm"}, Name: pj.Name, Version: pj.Version}
		if p.Name != "lodash" || p.Version != "5.0.0" {
			t.Fatalf("package.json = %+v", pj)
		}
		if es, _ := d.Lookup("npm", "lodash"); len(es) == 0 {
			t.Fatal("no lodash entries in the database")
		}
		fs, err := m.MatchPackage(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 0 {
			t.Errorf("findings = %+v, want none", fs)
		}
		// The same package at 4.17.20 is affected, fixed in 4.17.21, keyed by the CVE.
		p.Version = "4.17.20"
		fs, err = m.MatchPackage(p)
		if err != nil {
			t.Fatal(err)
		}
		var hit *Finding
		for i := range fs {
			if slices.Contains(fs[i].Records, "GHSA-35jh-r3h4-6jhm") {
				hit = &fs[i]
			}
		}
		if hit == nil || hit.VulnID != "CVE-2021-23337" || hit.FixedVersion != "4.17.21" || hit.Status != StatusFixed ||
			hit.Severity != (Severity{Level: LevelHigh, Source: SourceCVSS, Vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", Score: 7.2}) {
			t.Errorf("lodash 4.17.20 findings = %+v", fs)
		}
	})
}

func TestCorpusRecords(t *testing.T) {
	d := corpusDB(t)
	tests := []struct {
		name string
		pkg  pkgdb.Package
		want []Finding // compared on VulnID, Aliases, Records, Status, FixedVersion, Severity
	}{
		{
			name: "Debian 9 dpkg: DLA keyed by its CVE",
			pkg: pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Debian", Suffix: "9"},
				Name: "libdpkg-perl", Version: "1.18.25", SrcName: "dpkg", SrcVersion: "1.18.25"},
			want: []Finding{{VulnID: "CVE-2022-1664", Aliases: []string{"DEBIAN-CVE-2022-1664", "DLA-3022-1"},
				Records: []string{"DLA-3022-1"}, Status: StatusFixed, FixedVersion: "1.18.26", Severity: Severity{Level: LevelUnknown}}},
		},
		{
			name: "Debian 9 dpkg fixed",
			pkg: pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Debian", Suffix: "9"},
				Name: "dpkg", Version: "1.18.26", SrcName: "dpkg", SrcVersion: "1.18.26"},
		},
		{
			name: "Debian 10 dpkg: Debian:9 data does not apply",
			pkg: pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Debian", Suffix: "10"},
				Name: "dpkg", Version: "1.18.25", SrcName: "dpkg", SrcVersion: "1.18.25"},
		},
		{
			name: "Ubuntu 22.04 libcurl4: distro severity",
			pkg: pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Ubuntu", Suffix: "22.04:LTS"},
				Name: "libcurl4", Version: "7.81.0-1ubuntu1.13", SrcName: "curl", SrcVersion: "7.81.0-1ubuntu1.13"},
			want: []Finding{{VulnID: "CVE-2023-38545", Aliases: []string{"UBUNTU-CVE-2023-38545"},
				Records: []string{"UBUNTU-CVE-2023-38545"}, Status: StatusFixed, FixedVersion: "7.81.0-1ubuntu1.14",
				Severity: Severity{Level: LevelHigh, Source: SourceDistro}}},
		},
		{
			name: "unparsable version is not evaluated",
			pkg: pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Debian", Suffix: "9"},
				Name: "dpkg", Version: "1.18 25", SrcName: "dpkg", SrcVersion: "1.18 25"},
			want: []Finding{{VulnID: "CVE-2022-1664", Aliases: []string{"DEBIAN-CVE-2022-1664", "DLA-3022-1"},
				Records: []string{"DLA-3022-1"}, Status: StatusNotEvaluated, Severity: Severity{Level: LevelUnknown}}},
		},
		{
			// apk orders any text, so without the validity check this
			// would be a silent "not affected".
			name: "Alpine version outside apk's grammar is not evaluated",
			pkg: pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Alpine", Suffix: "v3.18"},
				Name: "musl", Version: "not a version!", SrcName: "musl", SrcVersion: "not a version!"},
			want: []Finding{{VulnID: "CVE-2025-26519", Aliases: []string{"ALPINE-CVE-2025-26519"},
				Records: []string{"ALPINE-CVE-2025-26519"}, Status: StatusNotEvaluated,
				Severity: Severity{Level: LevelHigh, Source: SourceCVSS, Vector: "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", Score: 7}}},
		},
	}
	m := New(d, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := m.MatchPackage(tt.pkg)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != len(tt.want) {
				t.Fatalf("findings = %+v, want %d", fs, len(tt.want))
			}
			for i, w := range tt.want {
				g := fs[i]
				if g.VulnID != w.VulnID || !slices.Equal(g.Aliases, w.Aliases) || !slices.Equal(g.Records, w.Records) ||
					g.Status != w.Status || g.FixedVersion != w.FixedVersion || g.Severity != w.Severity {
					t.Errorf("finding %d = %+v\nwant %+v", i, g, w)
				}
				if g.Status == StatusNotEvaluated && g.Reason == "" {
					t.Errorf("not-evaluated finding without a reason")
				}
				if g.Package.Name != tt.pkg.Name {
					t.Errorf("finding reports package %q, want the binary %q", g.Package.Name, tt.pkg.Name)
				}
			}
		})
	}
}
