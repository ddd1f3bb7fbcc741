package container_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/container"
	"github.com/bulwark-sec/bulwark/ruletest"
)

// TestRules runs every rule over testdata/<ID>/ and requires each rule to
// have at least one case that fires and one that must not.
func TestRules(t *testing.T) {
	reg, err := rule.NewRegistry(container.Rules()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reg.All() {
		t.Run(r.ID, func(t *testing.T) {
			dir := filepath.Join("testdata", r.ID)
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("rule %s has no testdata folder %s", r.ID, dir)
			}
			c := ruletest.Run(t, reg, r, dir)
			if c.Wants == 0 {
				t.Errorf("testdata for %s has no '# want %s' case", r.ID, r.ID)
			}
			if c.Oks == 0 {
				t.Errorf("testdata for %s has no '# ok %s' case", r.ID, r.ID)
			}
			if r.Fixable {
				t.Errorf("%s is marked fixable but runtime rules offer no fixes", r.ID)
			}
		})
	}
}
