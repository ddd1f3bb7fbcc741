package rbac_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/rbac"
	"github.com/bulwark-sec/bulwark/ruletest"
)

// TestRules runs every rule over testdata/<ID>/: each needs a case that
// fires and one that must not.
func TestRules(t *testing.T) { ruletest.RunRules(t, rbac.Rules(), "testdata") }

// TestSeed runs every RBAC rule over the seed's pod-reader Role and
// binding: none fires. The same Role with verbs: ["*"] fails (RB001's
// testdata/RB001/seed.yaml).
func TestSeed(t *testing.T) {
	reg, err := rule.NewRegistry(rbac.Rules()...)
	if err != nil {
		t.Fatal(err)
	}
	found, errs := ruletest.Findings(reg, reg.All(), filepath.Join("testdata", "seed", "pod-reader.yaml"))
	for _, e := range errs {
		t.Error(e.Error())
	}
	for _, f := range found {
		t.Errorf("the seed's pod-reader fails %s: %s", f.RuleID, f.Message)
	}
	star, err := os.ReadFile(filepath.Join("testdata", "seed", "pod-reader.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "star.yaml")
	if err := os.WriteFile(p, []byte(strings.Replace(string(star), `verbs: ["get","watch","list"]`, `verbs: ["*"]`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	found, _ = ruletest.Findings(reg, reg.All(), p)
	ids := map[string]bool{}
	for _, f := range found {
		ids[f.RuleID] = true
	}
	if !ids["RB001"] {
		t.Errorf("pod-reader with verbs [\"*\"] passes RB001; findings: %v", ids)
	}
}
