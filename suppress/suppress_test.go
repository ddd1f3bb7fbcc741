package suppress

import (
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
