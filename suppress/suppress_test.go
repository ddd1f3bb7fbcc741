package suppress

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
)

func TestParseComment(t *testing.T) {
	for _, tc := range []struct {
		in     string
		names  []string
		reason string
		scope  Scope
		ok     bool
	}{
		{"bulwark:ignore DF001", []string{"DF001"}, "", ScopeNext, true},
		{"bulwark:ignore DF001,DF002 DS-0002 -- vendored image, rebuilt upstream", []string{"DF001", "DF002", "DS-0002"}, "vendored image, rebuilt upstream", ScopeNext, true},
		{"bulwark:ignore-file from-latest -- demo", []string{"from-latest"}, "demo", ScopeFile, true},
		{"hadolint ignore=DL3008,DL3009", []string{"DL3008", "DL3009"}, "", ScopeNext, true},
		{"hadolint ignore=DL3008 # trailing note", []string{"DL3008"}, "", ScopeNext, true},
		{"hadolint global ignore=DL3006", []string{"DL3006"}, "", ScopeFile, true},
		{"bulwark:ignore", nil, "", ScopeNext, false},
		{"just a comment", nil, "", ScopeNext, false},
	} {
		names, reason, scope, ok := ParseComment(tc.in)
		if ok != tc.ok || reason != tc.reason || scope != tc.scope || !cmp.Equal(names, tc.names) {
			t.Errorf("%q: got %v %q %v %v", tc.in, names, reason, scope, ok)
		}
	}
}

func TestMatcher(t *testing.T) {
	r := &rule.Rule{ID: "DF006", Slug: "user-root", Peers: []string{"hadolint:DL3002", "trivy:DS-0002"}}
	reg := &rule.Registry{}
	reg, err := rule.NewRegistry(withCheck(r))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	mk := func(path string, line int) finding.Finding {
		return finding.Finding{RuleID: "DF006", Location: finding.Location{Path: path, Start: finding.Position{Line: line}}}
	}
	ignores := []Ignore{
		{Rules: []string{"DS002"}, Paths: []string{"legacy/**"}, Reason: "r1", Line: 1},                    // Trivy's old ID form
		{Rules: []string{"user-root"}, Paths: []string{"gone/**"}, Reason: "r2", Line: 5},                  // unused
		{Rules: []string{"DF006"}, Paths: []string{"old/*"}, Reason: "r3", Expires: "2026-05-31", Line: 9}, // expired
	}
	m := NewMatcher(reg, ignores, false, now)
	fs := []finding.Finding{mk("legacy/a/Dockerfile", 3), mk("old/Dockerfile", 3), mk("app/Dockerfile", 4), mk("app/Dockerfile", 10)}
	m.Apply(fs[:2], nil)
	m.Apply(fs[2:], []Directive{{Names: []string{"DL3002"}, FromLine: 3, ToLine: 4, Source: "app/Dockerfile:3"}})
	got := []bool{fs[0].Suppressed != nil, fs[1].Suppressed != nil, fs[2].Suppressed != nil, fs[3].Suppressed != nil}
	if want := []bool{true, false, true, false}; !cmp.Equal(got, want) {
		t.Errorf("suppressed = %v, want %v", got, want)
	}
	stale := m.Stale()
	if len(stale) != 2 || stale[0].Why != "matched no finding" || stale[1].Why != "expired on 2026-05-31" {
		t.Errorf("stale = %+v", stale)
	}
	strict := NewMatcher(reg, nil, true, now)
	f := []finding.Finding{mk("app/Dockerfile", 3)}
	strict.Apply(f, []Directive{{Names: []string{"all"}}})
	if f[0].Suppressed != nil {
		t.Error("strict mode honoured an inline directive")
	}
}

func withCheck(r *rule.Rule) *rule.Rule {
	r.Title, r.Severity, r.Kind, r.Why, r.Bad, r.Good, r.Remediation = "t", finding.High, rule.Dockerfile, "w", "b", "g", "Do it."
	r.Check = func(*rule.Pass) error { return nil }
	return r
}

// TestImageMatcher: config entries scoped by vulnerability ID (or alias),
// image and package suppress the findings of image scans; file entries do
// not, and are not reported stale there.
func TestImageMatcher(t *testing.T) {
	img := &rule.Rule{ID: "IM001", Slug: "image-root", Kind: rule.Image}
	df := &rule.Rule{ID: "DF006", Slug: "user-root"}
	reg, err := rule.NewRegistry(withCheck(df), withCheck(img))
	if err != nil {
		t.Fatal(err)
	}
	img.Kind = rule.Image // withCheck sets the Dockerfile kind
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	vuln := func(ref, id, pkg, src, purl string, aliases ...string) finding.Finding {
		return finding.Finding{RuleID: id, Location: finding.Location{Path: ref, Object: pkg},
			Vulnerability: &finding.Vulnerability{ID: id, Aliases: aliases, Package: pkg, SourcePackage: src, PURL: purl}}
	}
	for _, tc := range []struct {
		name string
		ig   Ignore
		f    finding.Finding
		want bool
	}{
		{"by CVE", Ignore{Rules: []string{"CVE-2024-1"}}, vuln("alpine:3.18", "CVE-2024-1", "musl", "", ""), true},
		{"by CVE, lower case", Ignore{Rules: []string{"cve-2024-1"}}, vuln("alpine:3.18", "CVE-2024-1", "musl", "", ""), true},
		{"by alias", Ignore{Rules: []string{"GHSA-aaaa-bbbb-cccc"}}, vuln("app:1", "CVE-2024-2", "lodash", "", "", "GHSA-aaaa-bbbb-cccc"), true},
		{"other CVE", Ignore{Rules: []string{"CVE-2024-9"}}, vuln("alpine:3.18", "CVE-2024-1", "musl", "", ""), false},
		{"all", Ignore{Rules: []string{"all"}}, vuln("alpine:3.18", "CVE-2024-1", "musl", "", ""), true},
		{"package name", Ignore{Packages: []string{"musl*"}}, vuln("alpine:3.18", "CVE-2024-1", "musl-utils", "musl", ""), true},
		{"source package", Ignore{Packages: []string{"openssl"}}, vuln("alpine:3.18", "CVE-2024-1", "libssl3", "openssl", ""), true},
		{"other package", Ignore{Packages: []string{"openssl"}}, vuln("alpine:3.18", "CVE-2024-1", "musl", "", ""), false},
		{"purl", Ignore{Packages: []string{"pkg:npm/lodash@4.*"}}, vuln("app:1", "CVE-2024-2", "lodash", "", "pkg:npm/lodash@4.17.20"), true},
		{"purl with qualifiers", Ignore{Packages: []string{"pkg:apk/alpine/musl@1.2.4-r0"}}, vuln("alpine:3.18", "CVE-2024-1", "musl", "", "pkg:apk/alpine/musl@1.2.4-r0?arch=x86_64"), true},
		{"purl of another version", Ignore{Packages: []string{"pkg:npm/lodash@3.*"}}, vuln("app:1", "CVE-2024-2", "lodash", "", "pkg:npm/lodash@4.17.20"), false},
		{"image glob", Ignore{Rules: []string{"CVE-2024-1"}, Images: []string{"registry.example.com/legacy/**"}}, vuln("registry.example.com/legacy/web:1", "CVE-2024-1", "musl", "", ""), true},
		{"image glob, other image", Ignore{Rules: []string{"CVE-2024-1"}, Images: []string{"registry.example.com/legacy/**"}}, vuln("registry.example.com/shop/web:1", "CVE-2024-1", "musl", "", ""), false},
		{"image glob without source prefix", Ignore{Images: []string{"alpine:*"}}, vuln("registry:alpine:3.18", "CVE-2024-1", "musl", "", ""), true},
		{"paths never match images", Ignore{Rules: []string{"CVE-2024-1"}, Paths: []string{"**"}}, vuln("alpine:3.18", "CVE-2024-1", "musl", "", ""), false},
		{"image rule", Ignore{Rules: []string{"image-root"}, Images: []string{"alpine:*"}}, finding.Finding{RuleID: "IM001", Location: finding.Location{Path: "alpine:3.18"}}, true},
		{"package scope skips rule findings", Ignore{Rules: []string{"IM001"}, Packages: []string{"*"}}, finding.Finding{RuleID: "IM001", Location: finding.Location{Path: "alpine:3.18"}}, false},
		{"expired", Ignore{Rules: []string{"CVE-2024-1"}, Expires: "2026-05-31"}, vuln("alpine:3.18", "CVE-2024-1", "musl", "", ""), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.ig.Reason = "r"
			if err := tc.ig.Validate(); err != nil && !tc.want {
				return
			} else if err != nil {
				t.Fatal(err)
			}
			m := NewImageMatcher(reg, []Ignore{tc.ig}, now)
			fs := []finding.Finding{tc.f}
			m.Apply(fs, nil)
			if got := fs[0].Suppressed != nil; got != tc.want {
				t.Errorf("suppressed %v, want %v", got, tc.want)
			}
		})
	}

	ignores := []Ignore{
		{Rules: []string{"CVE-2024-1"}, Reason: "used", File: "c", Line: 1},
		{Rules: []string{"CVE-2024-7"}, Reason: "unused vulnerability", File: "c", Line: 2},
		{Packages: []string{"zlib"}, Reason: "unused package", File: "c", Line: 3},
		{Rules: []string{"DF006"}, Reason: "a file rule", File: "c", Line: 4},
		{Paths: []string{"legacy/**"}, Reason: "files", File: "c", Line: 5},
		{Reason: "everything", Images: []string{"nothing:*"}, File: "c", Line: 6},
	}
	m := NewImageMatcher(reg, ignores, now)
	m.Apply([]finding.Finding{vuln("alpine:3.18", "CVE-2024-1", "musl", "", "")}, nil)
	var got []string
	for _, s := range m.Stale() {
		got = append(got, s.Source)
	}
	// Entries for files (4, 5) are no concern of an image scan.
	if want := []string{"c:2", "c:3", "c:6"}; !cmp.Equal(got, want) {
		t.Errorf("image stale = %v, want %v", got, want)
	}
	fm := NewMatcher(reg, ignores, false, now)
	fs := []finding.Finding{{RuleID: "DF006", Location: finding.Location{Path: "legacy/Dockerfile"}}}
	fm.Apply(fs, nil)
	if fs[0].Suppressed == nil || fs[0].Suppressed.Source != "c:4" {
		t.Errorf("file matcher: %+v", fs[0].Suppressed)
	}
	got = nil
	for _, s := range fm.Stale() {
		got = append(got, s.Source)
	}
	// Entries for images (1, 2, 3, 6) are no concern of a file scan; 4
	// took the finding 5 would have matched.
	if want := []string{"c:5"}; !cmp.Equal(got, want) {
		t.Errorf("file stale = %v, want %v", got, want)
	}
}

func TestIsVulnID(t *testing.T) {
	for id, want := range map[string]bool{
		"CVE-2024-1234": true, "cve-2024-1234": true, "GHSA-35jh-r3h4-6jhm": true, "DSA-5678-1": true, "GO-2024-2687": true,
		"PYSEC-2023-74": true, "ALPINE-CVE-2025-26519": true, "RUSTSEC-2024-0001": true,
		"DRUPAL-CORE-2025-005": true, "openSUSE-SU-2024:0001-1": true,
		"DF001": false, "user-root": false, "DS-0002": false, "all": false, "CVE": false, "CVE-": false, "CVE-2024-": false,
		"kube-hpa": false, "go-unpinned": false, "GO-unpinned": false, "GHSA-xxxx": false, "cve-2024-12345": true,
	} {
		if got := IsVulnID(id); got != want {
			t.Errorf("IsVulnID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestValidateScopes(t *testing.T) {
	for _, tc := range []struct {
		ig   Ignore
		want string
	}{
		{Ignore{Reason: "r", Paths: []string{"a/**"}, Images: []string{"x:*"}}, "use one entry for each"},
		{Ignore{Reason: "r", Images: []string{"["}}, "bad image glob"},
		{Ignore{Reason: "r", Packages: []string{"["}}, "bad package glob"},
	} {
		if err := tc.ig.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.ig, err, tc.want)
		}
	}
}
