package kube

import (
	"os"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/pss"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// TestEveryCheckHasARule proves the table covers every check a restricted
// evaluation runs, with the check's level, and that each replaced baseline
// check has its own rule.
func TestEveryCheckHasARule(t *testing.T) {
	byCheck := map[string]checkRule{}
	for _, c := range checkRules {
		if _, dup := byCheck[c.check]; dup {
			t.Errorf("check %s has two rules", c.check)
		}
		byCheck[c.check] = c
	}
	for _, c := range pss.Checks(pss.Latest) {
		r, ok := byCheck[c.ID]
		if !ok {
			t.Errorf("check %s (%s) has no rule", c.ID, c.Level)
			continue
		}
		if r.level != c.Level {
			t.Errorf("rule %s: level %s, check %s is %s", r.id, r.level, c.ID, c.Level)
		}
	}
	for _, c := range checkRules {
		if c.replaces == "" {
			continue
		}
		if r, ok := byCheck[c.replaces]; !ok || r.level != pss.Baseline || c.level != pss.Restricted {
			t.Errorf("rule %s replaces %s, which is not a baseline check with a rule", c.id, c.replaces)
		}
	}
	for _, r := range Rules() {
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
	}
}

// TestSeedSecurePod pins what the seed article's "secure-pod" gets: it
// meets baseline, and the restricted standard's one demand it misses is an
// explicit seccomp profile (KS016), summarised by KS000.
func TestSeedSecurePod(t *testing.T) {
	data, err := os.ReadFile("testdata/KS016/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := kube.Parse("seed.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range Rules() {
		p := rule.NewPass(r, f, func(fd finding.Finding) { got = append(got, fd.RuleID) })
		if err := r.Check(p); err != nil {
			t.Fatal(err)
		}
	}
	// The workload rules add what the seed's pod section does not cover:
	// no digest (KS022), no probes (KS023, KS024), the token automounted
	// (KS025) for the default service account (KS026); the peers' checks
	// add that it is a bare Pod (KS072) and that its IDs (1000, 3000,
	// 2000) are low enough to be users and groups of the node (KS079).
	// None of its own practices (requests and limits, runAsNonRoot,
	// privilege escalation, capabilities, read-only root) fires.
	want := []string{"KS000", "KS016", "KS022", "KS023", "KS024", "KS025", "KS026", "KS072", "KS079", "KS079", "KS079"}
	if !slices.Equal(got, want) {
		t.Errorf("the seed's secure pod gets %v, want %v", got, want)
	}
}
