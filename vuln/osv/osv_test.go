package osv

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/semver"
)

const corpus = "/work/shared/corpus/vuln/osv"

// corpusDir finds the shared OSV corpus, skipping when it is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("BULWARK_VULN_CORPUS"); d != "" {
		return filepath.Join(d, "osv")
	}
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("OSV corpus not available: %v", err)
	}
	return corpus
}

func load(t *testing.T, rel string) *Vulnerability {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// dotted is a small SemVer-like comparer for tests: numeric dot-separated
// release, then an optional "-prerelease" that sorts below the release.
type dotted struct{}

func (dotted) Compare(a, b string) (int, error) {
	ra, pa, err := splitDotted(a)
	if err != nil {
		return 0, err
	}
	rb, pb, err := splitDotted(b)
	if err != nil {
		return 0, err
	}
	for i := 0; i < max(len(ra), len(rb)); i++ {
		var x, y int
		if i < len(ra) {
			x = ra[i]
		}
		if i < len(rb) {
			y = rb[i]
		}
		if x != y {
			if x < y {
				return -1, nil
			}
			return 1, nil
		}
	}
	switch {
	case pa == pb:
		return 0, nil
	case pa == "":
		return 1, nil
	case pb == "":
		return -1, nil
	}
	return strings.Compare(pa, pb), nil
}

func splitDotted(s string) ([]int, string, error) {
	rel, pre, _ := strings.Cut(s, "-")
	var out []int
	for _, p := range strings.Split(rel, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, "", errors.New("bad version " + strconv.Quote(s))
		}
		out = append(out, n)
	}
	return out, pre, nil
}

// goSemver compares Go module versions with golang.org/x/mod/semver.
type goSemver struct{}

func (goSemver) Compare(a, b string) (int, error) {
	va, vb := "v"+a, "v"+b
	if !semver.IsValid(va) || !semver.IsValid(vb) {
		return 0, errors.New("invalid semver " + a + " or " + b)
	}
	return semver.Compare(va, vb), nil
}

func TestDecodeCorpus(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := Parse(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if want := strings.TrimSuffix(filepath.Base(f), ".json"); v.ID != want {
			t.Errorf("%s: id %q", f, v.ID)
		}
		if v.Modified.IsZero() {
			t.Errorf("%s: no modified time", f)
		}
		if len(v.Affected) == 0 {
			t.Errorf("%s: no affected entries", f)
		}
		for _, a := range v.Affected {
			if a.Package.Name == "" || a.Package.Ecosystem.Base != filepath.Base(filepath.Dir(f)) {
				t.Errorf("%s: package %+v", f, a.Package)
			}
		}
	}
}

func TestDecodeFields(t *testing.T) {
	v := load(t, "Ubuntu/UBUNTU-CVE-2008-7320.json")
	if !v.IsWithdrawn() {
		t.Error("UBUNTU-CVE-2008-7320 should be withdrawn")
	}
	v = load(t, "Ubuntu/UBUNTU-CVE-2006-20001.json")
	if v.IsWithdrawn() {
		t.Error("UBUNTU-CVE-2006-20001 is not withdrawn")
	}
	if len(v.Severity) != 2 || v.Severity[1].Type != "Ubuntu" || v.Severity[1].Score != "medium" {
		t.Errorf("severity %+v", v.Severity)
	}
	if len(v.Affected[0].EcosystemSpecific) == 0 || !strings.Contains(string(v.Affected[0].EcosystemSpecific), "binaries") {
		t.Errorf("ecosystem_specific lost: %s", v.Affected[0].EcosystemSpecific)
	}
	g := load(t, "Go/GO-2022-0493.json")
	if g.Published == nil || len(g.Aliases) == 0 || len(g.Related) == 0 || len(g.References) == 0 || len(g.DatabaseSpecific) == 0 {
		t.Errorf("GO-2022-0493 fields missing: %+v", g)
	}
	if g.Affected[0].Package.PURL != "pkg:golang/stdlib" {
		t.Errorf("purl %q", g.Affected[0].Package.PURL)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `{"modified":"2024-01-01T00:00:00Z"}`, `{"id":"X"} {"id":"Y"}`, `[]`, `{"id":"X","modified":"yesterday"}`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q): no error", in)
		}
	}
	v, err := Parse([]byte(`{"id":"X","modified":"2024-01-01T00:00:00Z","brand_new_field":{"a":1}}`))
	if err != nil || v.ID != "X" {
		t.Errorf("unknown field: %v %v", v, err)
	}
}

type evalCase struct {
	version  string
	affected bool
	fixed    string
}

func checkEntry(t *testing.T, name string, a *Affected, cmp Comparer, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		got, err := a.Evaluate(c.version, cmp)
		if err != nil {
			t.Errorf("%s %s: %v", name, c.version, err)
			continue
		}
		if !got.Evaluated || got.Affected != c.affected || got.Fixed != c.fixed {
			t.Errorf("%s %s: got %+v, want affected=%v fixed=%q", name, c.version, got, c.affected, c.fixed)
		}
	}
}

// anyAffected evaluates every entry of v naming the package, as matching will.
func anyAffected(t *testing.T, v *Vulnerability, eco, name, version string, cmp Comparer) (bool, string) {
	t.Helper()
	for i := range v.Affected {
		a := &v.Affected[i]
		if a.Package.Ecosystem.String() != eco || a.Package.Name != name {
			continue
		}
		got, err := a.Evaluate(version, cmp)
		if err != nil {
			t.Fatalf("%s %s: %v", v.ID, version, err)
		}
		if got.Affected {
			return true, got.Fixed
		}
	}
	return false, ""
}

func TestMavenLastAffected(t *testing.T) {
	v := load(t, "Maven/GHSA-3pxv-7cmr-fjr4.json")
	// Second entry: introduced 3.0.0-alpha1, last_affected 3.0.0-beta3.
	a := &v.Affected[1]
	a.Versions = nil // evaluate the range alone
	checkEntry(t, "log4j 3.x", a, dotted{}, []evalCase{
		{"2.25.0", false, ""},
		{"3.0.0-alpha1", true, ""},
		{"3.0.0-beta2", true, ""},
		{"3.0.0-beta3", true, ""}, // last_affected is inclusive
		{"3.0.0", false, ""},
		{"3.1.0", false, ""},
	})
	// First entry: introduced 2.0-alpha1, fixed 2.25.4 (exclusive).
	b := &v.Affected[0]
	b.Versions = nil
	checkEntry(t, "log4j 2.x", b, dotted{}, []evalCase{
		{"1.2.17", false, ""},
		{"2.0-alpha1", true, "2.25.4"},
		{"2.17.1", true, "2.25.4"},
		{"2.25.4", false, ""},
		{"2.26.0", false, ""},
	})
}

func TestVersionsList(t *testing.T) {
	v := load(t, "Maven/GHSA-3pxv-7cmr-fjr4.json")
	a := v.Affected[1]
	if len(a.Versions) == 0 {
		t.Fatal("no versions list")
	}
	// A listed version is affected even when the comparer cannot parse it.
	a.Ranges = []Range{{Type: RangeEcosystem, Events: []Event{{Introduced: "9"}}}}
	got, err := a.Evaluate(a.Versions[0], dotted{})
	if err != nil || !got.Affected {
		t.Errorf("listed %s: %+v %v", a.Versions[0], got, err)
	}
	// Only-versions entry: an unlisted version is not affected.
	only := Affected{Versions: []string{"1.0.0", "1.0.1"}}
	checkEntry(t, "versions only", &only, dotted{}, []evalCase{{"1.0.1", true, ""}, {"1.0.2", false, ""}})
}

func TestNpmMultipleRanges(t *testing.T) {
	v := load(t, "npm/GHSA-c2qf-rxjj-qqgw.json")
	for _, c := range []evalCase{
		{"5.7.1", true, "5.7.2"},
		{"5.7.2", false, ""},
		{"6.0.0", true, "6.3.1"},
		{"6.3.0", true, "6.3.1"},
		{"6.3.1", false, ""},
		{"7.0.0", true, "7.5.2"},
		{"7.5.1", true, "7.5.2"},
		{"7.5.2", false, ""},
		{"7.5.4", false, ""},
		{"0.0.1", true, "5.7.2"},
	} {
		aff, fix := anyAffected(t, v, "npm", "semver", c.version, dotted{})
		if aff != c.affected || fix != c.fixed {
			t.Errorf("semver %s: got %v %q, want %v %q", c.version, aff, fix, c.affected, c.fixed)
		}
	}
	l := load(t, "npm/GHSA-35jh-r3h4-6jhm.json")
	if aff, _ := anyAffected(t, l, "npm", "lodash", "5.0.0", dotted{}); aff {
		t.Error("lodash 5.0.0 must not be affected (README pairing)")
	}
}

// failing is a comparer that must not be called (GIT ranges hold hashes).
type gitRefusing struct{ dotted }

func (g gitRefusing) Compare(a, b string) (int, error) {
	if len(a) == 40 || len(b) == 40 {
		return 0, errors.New("commit hash reached the comparer")
	}
	return g.dotted.Compare(a, b)
}

func TestPyPIGitAndEcosystem(t *testing.T) {
	cases := []struct {
		file, name string
		cases      []evalCase
	}{
		{"PyPI/PYSEC-2023-74.json", "requests", []evalCase{{"2.2.1", false, ""}, {"2.3.0", true, "2.31.0"}, {"2.30.0", true, "2.31.0"}, {"2.31.0", false, ""}}},
		{"PyPI/PYSEC-2020-148.json", "urllib3", []evalCase{{"1.25.8", true, "1.25.9"}, {"1.25.9", false, ""}}},
		{"PyPI/PYSEC-2023-62.json", "flask", []evalCase{{"2.2.4", true, "2.2.5"}, {"2.2.5", false, ""}, {"2.3.0", true, "2.3.2"}, {"2.3.2", false, ""}, {"3.0.0", false, ""}}},
		{"PyPI/PYSEC-2021-98.json", "django", []evalCase{{"2.2.23", true, "2.2.24"}, {"2.2.24", false, ""}, {"3.0", true, "3.1.12"}, {"3.1.12", false, ""}, {"3.2.3", true, "3.2.4"}, {"3.2.4", false, ""}, {"4.0", false, ""}}},
	}
	for _, c := range cases {
		v := load(t, c.file)
		a := v.Affected[0]
		a.Versions = nil // range logic only; the GIT range comes first in most
		if a.Package.Name != c.name {
			t.Fatalf("%s: package %q", c.file, a.Package.Name)
		}
		checkEntry(t, c.file, &a, gitRefusing{}, c.cases)
	}
	// An entry with only a GIT range cannot be evaluated by version.
	v := load(t, "PyPI/PYSEC-2023-74.json")
	a := v.Affected[0]
	a.Versions = nil
	a.Ranges = a.Ranges[:1]
	got, err := a.Evaluate("2.30.0", gitRefusing{})
	if err != nil || got.Evaluated || got.Affected {
		t.Errorf("GIT-only: %+v %v", got, err)
	}
}

func TestGoPrereleaseIdiom(t *testing.T) {
	v := load(t, "Go/GO-2022-0493.json")
	checkEntry(t, "stdlib", &v.Affected[0], goSemver{}, []evalCase{
		{"1.17.9", true, "1.17.10"},
		{"1.17.10", false, ""},
		{"1.18.0-beta1", true, "1.18.2"}, // "1.18.0-0" opens below every 1.18 prerelease
		{"1.18.0-rc1", true, "1.18.2"},
		{"1.18.0", true, "1.18.2"},
		{"1.18.1", true, "1.18.2"},
		{"1.18.2", false, ""},
		{"1.19.0", false, ""},
	})
	checkEntry(t, "x/sys", &v.Affected[1], goSemver{}, []evalCase{
		{"0.0.0-20220411000000-aaaaaaaaaaaa", true, "0.0.0-20220412211240-33da011f77ad"},
		{"0.0.0-20220412211240-33da011f77ad", false, ""},
		{"0.1.0", false, ""},
	})
	r := load(t, "Go/GO-2022-0274.json")
	checkEntry(t, "runc", &r.Affected[0], goSemver{}, []evalCase{
		{"1.0.0", false, ""},
		{"1.0.1-0.20211001000000-aaaaaaaaaaaa", false, ""}, // before the introducing pseudo-version
		{"1.0.1", true, "1.1.0"},                           // the pseudo-version is a prerelease of 1.0.1
		{"1.0.2", true, "1.1.0"},
		{"1.1.0", false, ""},
	})
	d := load(t, "Go/GO-2026-4610.json")
	if aff, fix := anyAffected(t, d, "Go", "github.com/docker/cli", "29.1.0+incompatible", goSemver{}); !aff || fix != "29.2.0+incompatible" {
		t.Errorf("docker/cli: %v %q", aff, fix)
	}
	if aff, _ := anyAffected(t, d, "Go", "github.com/docker/compose/v2", "2.30.0", goSemver{}); aff {
		t.Error("compose/v2 2.30.0 is before introduced 2.31.0")
	}
	if aff, fix := anyAffected(t, d, "Go", "github.com/docker/compose/v2", "2.40.0", goSemver{}); !aff || fix != "" {
		t.Errorf("compose/v2 2.40.0: %v %q (unfixed)", aff, fix)
	}
	if _, err := v.Affected[0].Evaluate("not-a-version", goSemver{}); err == nil {
		t.Error("unparsable version must be an error, not a guess")
	}
}

func TestUbuntuProAndUnfixed(t *testing.T) {
	v := load(t, "Ubuntu/UBUNTU-CVE-2006-20001.json")
	a := v.Affected[0]
	if a.Package.Ecosystem.String() != "Ubuntu:Pro:14.04:LTS" || a.Package.Ecosystem.Base != "Ubuntu" || a.Package.Ecosystem.Suffix != "Pro:14.04:LTS" {
		t.Fatalf("ecosystem %q", a.Package.Ecosystem)
	}
	a.Versions = nil
	// Unfixed: introduced 0 alone, every version is affected, no fix; the
	// comparer is never consulted.
	got, err := a.Evaluate("2.4.7-1ubuntu4.22+esm10", nil)
	if err != nil || !got.Affected || got.Fixed != "" {
		t.Errorf("unfixed: %+v %v", got, err)
	}
}

func TestPackagistRepoSuffix(t *testing.T) {
	v := load(t, "Packagist/DRUPAL-CONTRIB-2025-083.json")
	a := v.Affected[0]
	base, suffix := a.Package.Ecosystem.Base, a.Package.Ecosystem.Suffix
	if base != "Packagist" || suffix != "https://packages.drupal.org/8" {
		t.Fatalf("split %q %q", base, suffix)
	}
	checkEntry(t, "simple_sitemap", &a, dotted{}, []evalCase{{"4.2.1", true, "4.2.2"}, {"4.2.2", false, ""}})
	// The same name under plain Packagist is another ecosystem.
	if aff, _ := anyAffected(t, v, "Packagist", "drupal/simple_sitemap", "4.2.1", dotted{}); aff {
		t.Error("plain Packagist must not match the drupal.org repository's record")
	}
}

func TestRangeEdgeCases(t *testing.T) {
	ev := func(s ...string) []Event {
		var out []Event
		for _, x := range s {
			k, val, _ := strings.Cut(x, "=")
			switch k {
			case "i":
				out = append(out, Event{Introduced: val})
			case "f":
				out = append(out, Event{Fixed: val})
			case "l":
				out = append(out, Event{LastAffected: val})
			case "lim":
				out = append(out, Event{Limit: val})
			}
		}
		return out
	}
	tests := []struct {
		name    string
		events  []Event
		version string
		want    bool
		wantErr bool
	}{
		{"unsorted events", ev("f=2.0", "i=1.0"), "1.5", true, false},
		{"unsorted multi", ev("f=3.0", "i=2.5", "f=2.0", "i=0"), "2.2", false, false},
		{"unsorted multi in", ev("f=3.0", "i=2.5", "f=2.0", "i=0"), "2.7", true, false},
		{"open ended", ev("i=1.0"), "99.0", true, false},
		{"before introduced", ev("i=1.0"), "0.9", false, false},
		{"limit excludes", ev("i=0", "lim=2.0"), "2.0", false, false},
		{"limit includes", ev("i=0", "lim=2.0"), "1.9", true, false},
		{"limit star", ev("i=0", "lim=*"), "100.0", true, false},
		{"empty interval", ev("i=1.0", "f=1.0"), "1.0", false, false},
		{"no introduced", ev("f=1.0"), "0.5", false, false},
		{"bad event", []Event{{Introduced: "1", Fixed: "2"}}, "1.5", false, true},
		{"empty event", []Event{{}}, "1.5", false, true},
		{"bad event version", ev("i=x.y"), "1.0", false, true},
		{"bad version", ev("i=1.0"), "x", false, true},
	}
	for _, tt := range tests {
		r := Range{Type: RangeSemver, Events: tt.events}
		got, err := r.Includes(tt.version, dotted{})
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: got %v %v, want %v err=%v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
	a := Affected{Ranges: []Range{{Type: RangeEcosystem, Events: ev("i=0")}}}
	if _, err := a.Evaluate("", dotted{}); err == nil {
		t.Error("empty version must be an error")
	}
}

func FuzzParse(f *testing.F) {
	if files, _ := filepath.Glob(filepath.Join(corpus, "*", "*.json")); len(files) > 0 {
		for _, p := range files[:min(len(files), 8)] {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			return
		}
		for i := range v.Affected {
			_, _ = v.Affected[i].Evaluate("1.2.3", dotted{})
		}
	})
}
