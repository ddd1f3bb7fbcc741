package match

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/osv"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// fakeSource is an in-memory Source keyed like the database.
type fakeSource struct {
	recs map[string]*osv.Vulnerability
}

func newFake(recs ...*osv.Vulnerability) *fakeSource {
	f := &fakeSource{recs: map[string]*osv.Vulnerability{}}
	for _, r := range recs {
		f.recs[r.ID] = r
	}
	return f
}

func (f *fakeSource) Lookup(eco, name string) ([]db.Entry, error) {
	var out []db.Entry
	ids := make([]string, 0, len(f.recs))
	for id := range f.recs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for i, a := range f.recs[id].Affected {
			if a.Package.Ecosystem.String() == eco && a.Package.Name == name {
				out = append(out, db.Entry{ID: id, Index: i, Affected: a})
			}
		}
	}
	return out, nil
}

func (f *fakeSource) Vulnerability(id string) (*osv.Vulnerability, error) {
	r, ok := f.recs[id]
	if !ok {
		return nil, nil
	}
	c := *r
	c.Affected = nil
	return &c, nil
}

func rng(events ...osv.Event) []osv.Range {
	return []osv.Range{{Type: osv.RangeEcosystem, Events: events}}
}

func aff(eco, name string, ranges []osv.Range, extra ...func(*osv.Affected)) osv.Affected {
	a := osv.Affected{Package: osv.Package{Ecosystem: pkgdb.ParseEcosystem(eco), Name: name}, Ranges: ranges}
	for _, f := range extra {
		f(&a)
	}
	return a
}

func TestGroupingAndFixes(t *testing.T) {
	deb := "Debian:12"
	src := newFake(
		&osv.Vulnerability{ID: "DSA-1-1", Upstream: []string{"CVE-2024-1"}, Affected: []osv.Affected{
			aff(deb, "openssl", rng(osv.Event{Introduced: "0"}, osv.Event{Fixed: "3.0.11-1~deb12u2"})),
		}},
		&osv.Vulnerability{ID: "DEBIAN-CVE-2024-1", Upstream: []string{"CVE-2024-1"}, Affected: []osv.Affected{
			aff(deb, "openssl", rng(osv.Event{Introduced: "0"}, osv.Event{Fixed: "3.0.11-1~deb12u1"}), func(a *osv.Affected) {
				a.EcosystemSpecific = json.RawMessage(`{"urgency":"medium"}`)
			}),
		}},
		// Unfixed, no CVE: keyed by its own ID.
		&osv.Vulnerability{ID: "DEBIAN-TEMP-9", Affected: []osv.Affected{
			aff(deb, "openssl", rng(osv.Event{Introduced: "0"})),
		}},
		// Related is not an alias.
		&osv.Vulnerability{ID: "DSA-2-1", Related: []string{"CVE-2024-1"}, Upstream: []string{"CVE-2024-2"},
			Severity: []osv.Severity{{Type: "CVSS_V2", Score: "AV:N/AC:L/Au:N/C:P/I:P/A:P"}, {Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}},
			Affected: []osv.Affected{
				aff(deb, "openssl", rng(osv.Event{Introduced: "0"}, osv.Event{Fixed: "3.0.12-1"})),
				// A second entry of the same record, not matching.
				aff(deb, "openssl", rng(osv.Event{Introduced: "4.0"}, osv.Event{Fixed: "4.1"})),
			}},
		// Another release and another package: never looked at.
		&osv.Vulnerability{ID: "DSA-3-1", Affected: []osv.Affected{
			aff("Debian:11", "openssl", rng(osv.Event{Introduced: "0"})),
			aff("GIT", "openssl", []osv.Range{{Type: osv.RangeGit, Events: []osv.Event{{Introduced: "0"}}}}),
		}},
	)
	p := pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Debian", Suffix: "12"},
		Name: "libssl3", Version: "3.0.11-1~deb12u1+b1", SrcName: "openssl", SrcVersion: "3.0.11-1~deb12u1"}

	fs, err := New(src, Options{}).MatchPackage(p)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, fixed string
		aliases   []string
		status    Status
		sev       Severity
	}
	var got []row
	for _, f := range fs {
		got = append(got, row{f.VulnID, f.FixedVersion, f.Aliases, f.Status, f.Severity})
		if f.InstalledVersion != "3.0.11-1~deb12u1" || f.Package.Name != "libssl3" || f.LookupName != "openssl" {
			t.Errorf("finding %s: installed %q package %q lookup %q", f.VulnID, f.InstalledVersion, f.Package.Name, f.LookupName)
		}
	}
	want := []row{
		// DEBIAN-CVE-2024-1 is fixed at the installed version: not a hit,
		// so only DSA-1-1 is left in the group.
		{"CVE-2024-1", "3.0.11-1~deb12u2", []string{"DSA-1-1"}, StatusFixed, Severity{Level: LevelUnknown}},
		{"CVE-2024-2", "3.0.12-1", []string{"DSA-2-1"}, StatusFixed,
			Severity{Level: LevelMedium, Source: SourceCVSS, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", Score: 6.1}},
		{"DEBIAN-TEMP-9", "", []string{}, StatusAffected, Severity{Level: LevelUnknown}},
	}
	if len(got) != len(want) {
		t.Fatalf("findings = %+v\nwant %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.id != w.id || g.fixed != w.fixed || !slices.Equal(g.aliases, w.aliases) || g.status != w.status || g.sev != w.sev {
			t.Errorf("finding %d = %+v\nwant %+v", i, g, w)
		}
	}

	// An older install hits both CVE-2024-1 records: one finding, the
	// highest fix, the distro urgency.
	p.SrcVersion = "3.0.9-1"
	fs, err = New(src, Options{IgnoreUnfixed: true}).MatchPackage(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("findings = %+v, want 2 (unfixed dropped)", fs)
	}
	f := fs[0]
	if f.VulnID != "CVE-2024-1" || f.FixedVersion != "3.0.11-1~deb12u2" ||
		!slices.Equal(f.Aliases, []string{"DEBIAN-CVE-2024-1", "DSA-1-1"}) ||
		!slices.Equal(f.Records, []string{"DEBIAN-CVE-2024-1", "DSA-1-1"}) ||
		f.Severity != (Severity{Level: LevelMedium, Source: SourceDistro}) {
		t.Errorf("grouped finding = %+v", f)
	}
}

func TestNotEvaluated(t *testing.T) {
	src := newFake(
		&osv.Vulnerability{ID: "X-1", Affected: []osv.Affected{
			aff("Hackage", "aeson", rng(osv.Event{Introduced: "0"}, osv.Event{Fixed: "2.0"})),
		}},
		&osv.Vulnerability{ID: "X-2", Affected: []osv.Affected{
			aff("Hackage", "aeson", rng(osv.Event{Introduced: "0"}), func(a *osv.Affected) { a.Versions = []string{"1.5"} }),
		}},
		&osv.Vulnerability{ID: "X-3", Affected: []osv.Affected{
			aff("npm", "left-pad", []osv.Range{{Type: osv.RangeGit, Repo: "r", Events: []osv.Event{{Introduced: "0"}}}}),
		}},
		&osv.Vulnerability{ID: "X-4", Affected: []osv.Affected{
			aff("npm", "left-pad", rng(osv.Event{Introduced: "0"}, osv.Event{Fixed: "1.3.0", LastAffected: "1.2.0"})),
		}},
	)
	m := New(src, Options{IgnoreUnfixed: true})
	fs, err := m.MatchPackage(pkgdb.Package{Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "Hackage"}, Name: "aeson", Version: "1.5"})
	if err != nil {
		t.Fatal(err)
	}
	// X-2 lists 1.5 exactly (affected, unfixed: dropped by IgnoreUnfixed);
	// X-1 cannot be ordered without a comparer.
	if len(fs) != 1 || fs[0].VulnID != "X-1" || fs[0].Status != StatusNotEvaluated || fs[0].Reason == "" {
		t.Errorf("Hackage findings = %+v", fs)
	}
	fs, err = New(src, Options{}).MatchPackage(pkgdb.Package{Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "npm"}, Name: "left-pad", Version: "1.1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("left-pad findings = %+v", fs)
	}
	for _, f := range fs {
		if f.Status != StatusNotEvaluated || f.Reason == "" {
			t.Errorf("finding %s = %s (%q), want not_evaluated with a reason", f.VulnID, f.Status, f.Reason)
		}
	}
	// No ecosystem, no lookup.
	if fs, err := m.MatchPackage(pkgdb.Package{Name: "x", Version: "1"}); err != nil || len(fs) != 0 {
		t.Errorf("package without ecosystem: %v, %v", fs, err)
	}
}

func TestLookupKey(t *testing.T) {
	tests := []struct {
		p          pkgdb.Package
		name, vers string
	}{
		{pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Debian", Suffix: "12"}, Name: "util-linux-extra", Version: "2.38.1-5+b1", SrcName: "util-linux", SrcVersion: "2.38.1-5"}, "util-linux", "2.38.1-5"},
		{pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Alpine", Suffix: "v3.18"}, Name: "libcrypto3", Version: "3.1.4-r0", SrcName: "openssl", SrcVersion: "3.1.4-r0"}, "openssl", "3.1.4-r0"},
		{pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "AlmaLinux", Suffix: "9"}, Name: "openssl-libs", Version: "1:3.0.7-24.el9", SrcName: "openssl", SrcVersion: "3.0.7-24.el9"}, "openssl-libs", "1:3.0.7-24.el9"},
		{pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Debian", Suffix: "12"}, Name: "bash", Version: "5.2.15-2+b2"}, "bash", "5.2.15-2+b2"},
		{pkgdb.Package{Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "Go"}, Name: "stdlib", Version: "1.21.3"}, "stdlib", "1.21.3"},
		{pkgdb.Package{Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "Go"}, Name: "go", Version: "go1.21.3"}, "stdlib", "go1.21.3"},
		{pkgdb.Package{Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "npm"}, Name: "lodash", Version: "4.17.20", SrcName: "x"}, "lodash", "4.17.20"},
	}
	for _, tt := range tests {
		n, v := lookupKey(&tt.p)
		if n != tt.name || v != tt.vers {
			t.Errorf("lookupKey(%s %s) = %s %s, want %s %s", tt.p.Ecosystem, tt.p.Name, n, v, tt.name, tt.vers)
		}
	}
}

func TestChooseSeverity(t *testing.T) {
	v4 := osv.Severity{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}
	bad4 := osv.Severity{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N"} // SA missing
	v31 := osv.Severity{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
	v30 := osv.Severity{Type: "CVSS_V3", Score: "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}
	v2 := osv.Severity{Type: "CVSS_V2", Score: "AV:N/AC:L/Au:N/C:P/I:P/A:P"}
	ubuntu := osv.Severity{Type: "Ubuntu", Score: "negligible"}
	ghsa := json.RawMessage(`{"severity":"MODERATE"}`)
	tests := []struct {
		name string
		rec  osv.Vulnerability
		a    osv.Affected
		os   bool
		want Severity
	}{
		{"v3.1 over v2", osv.Vulnerability{Severity: []osv.Severity{v2, v31}}, osv.Affected{}, false,
			Severity{LevelCritical, SourceCVSS, v31.Score, 9.8}},
		{"v3.1 over v3.0", osv.Vulnerability{Severity: []osv.Severity{v30, v31}}, osv.Affected{}, false,
			Severity{LevelCritical, SourceCVSS, v31.Score, 9.8}},
		{"v4 over v3.0", osv.Vulnerability{Severity: []osv.Severity{v4, v30}}, osv.Affected{}, false,
			Severity{LevelCritical, SourceCVSS, v4.Score, 9.3}},
		{"malformed v4: v3.0", osv.Vulnerability{Severity: []osv.Severity{bad4, v30}}, osv.Affected{}, false,
			Severity{LevelMedium, SourceCVSS, v30.Score, 6.1}},
		{"v2 only", osv.Vulnerability{Severity: []osv.Severity{v2}}, osv.Affected{}, false,
			Severity{LevelHigh, SourceCVSS, v2.Score, 7.5}},
		{"entry overrides record", osv.Vulnerability{Severity: []osv.Severity{v31}}, osv.Affected{Severity: []osv.Severity{v2}}, false,
			Severity{LevelHigh, SourceCVSS, v2.Score, 7.5}},
		{"Ubuntu priority for OS packages", osv.Vulnerability{Severity: []osv.Severity{v31, ubuntu}}, osv.Affected{}, true,
			Severity{Level: LevelNegligible, Source: SourceDistro}},
		{"Ubuntu priority ignored for language packages", osv.Vulnerability{Severity: []osv.Severity{v31, ubuntu}}, osv.Affected{}, false,
			Severity{LevelCritical, SourceCVSS, v31.Score, 9.8}},
		{"Debian urgency", osv.Vulnerability{Severity: []osv.Severity{v31}}, osv.Affected{EcosystemSpecific: json.RawMessage(`{"urgency":"low**"}`)}, true,
			Severity{Level: LevelLow, Source: SourceDistro}},
		{"Debian urgency not yet assigned", osv.Vulnerability{Severity: []osv.Severity{v31}}, osv.Affected{EcosystemSpecific: json.RawMessage(`{"urgency":"not yet assigned"}`)}, true,
			Severity{LevelCritical, SourceCVSS, v31.Score, 9.8}},
		{"GHSA", osv.Vulnerability{DatabaseSpecific: ghsa}, osv.Affected{}, false,
			Severity{Level: LevelMedium, Source: SourceGHSA}},
		{"GHSA when only a malformed v4", osv.Vulnerability{Severity: []osv.Severity{bad4}, DatabaseSpecific: ghsa}, osv.Affected{}, false,
			Severity{Level: LevelMedium, Source: SourceGHSA, Vector: bad4.Score}},
		{"unknown keeps the vector", osv.Vulnerability{Severity: []osv.Severity{bad4}}, osv.Affected{}, false,
			Severity{Level: LevelUnknown, Vector: bad4.Score}},
		{"nothing", osv.Vulnerability{}, osv.Affected{}, true, Severity{Level: LevelUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseSeverity(&tt.rec, &tt.a, tt.os); got != tt.want {
				t.Errorf("chooseSeverity = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// BenchmarkMatch matches 1,000 packages (10 with records, the rest
// without) against the corpus database.
func BenchmarkMatch(b *testing.B) {
	d := corpusDB(b)
	var pkgs []pkgdb.Package
	for i := range 1000 {
		p := pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: pkgdb.Ecosystem{Base: "Alpine", Suffix: "v3.18"},
			Name: fmt.Sprintf("pkg%d", i), Version: "1.0-r0"}
		if i%100 == 0 {
			p.Name = "musl"
			p.Version = "1.2.4-r0"
		}
		p.SrcName, p.SrcVersion = p.Name, p.Version
		pkgs = append(pkgs, p)
	}
	m := New(d, Options{})
	b.ReportAllocs()
	for b.Loop() {
		fs, err := m.Match(pkgs)
		if err != nil || len(fs) != 10 {
			b.Fatalf("findings %d, %v", len(fs), err)
		}
	}
}
