package container

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/ruletest"
)

// TestKubeRemedies checks that every Kubernetes remediation belongs to a
// rule that runs on Kubernetes containers, and that a finding on a
// Kubernetes container carries it while the same rule on a Compose service
// keeps the Docker one.
func TestKubeRemedies(t *testing.T) {
	rules := Rules()
	reg, err := rule.NewRegistry(rules...)
	if err != nil {
		t.Fatal(err)
	}
	for id, remedy := range kubeRemedies {
		if _, ok := reg.Lookup(id); !ok {
			t.Errorf("%s: no such rule", id)
		}
		if pssCovers(id) {
			t.Errorf("%s: does not run on Kubernetes containers, its remediation is never shown", id)
		}
		if !strings.HasSuffix(remedy, ".") {
			t.Errorf("%s: remediation does not end with a full stop", id)
		}
	}
	dir := t.TempDir()
	files := map[string]string{
		"pod.yaml":     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n",
		"compose.yaml": "services:\n  app:\n    image: app:1.0\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := reg.Lookup("RC007")
	for name, want := range map[string]string{"pod.yaml": kubeRemedies["RC007"], "compose.yaml": r.Remediation} {
		found, errs := ruletest.Findings(reg, []*rule.Rule{r}, filepath.Join(dir, name))
		if len(errs) > 0 || len(found) != 1 {
			t.Fatalf("%s: %d findings, errors %v", name, len(found), errs)
		}
		if found[0].Remediation != want {
			t.Errorf("%s: remediation %q, want %q", name, found[0].Remediation, want)
		}
	}
}
