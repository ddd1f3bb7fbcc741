package netpol_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-sec/bulwark/scan"

	"github.com/bulwark-sec/bulwark/rules/netpol"
	"github.com/bulwark-sec/bulwark/ruletest"
)

// TestRules runs every rule over testdata/<ID>/: each needs a case that
// fires and one that must not.
func TestRules(t *testing.T) { ruletest.RunRules(t, netpol.Rules(), "testdata") }

// TestFarApart: two projects that use one namespace name, in sibling
// folders, do not judge each other; files of one folder and its subfolders do.
func TestFarApart(t *testing.T) {
	const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: tools}
spec:
  podSelector: {matchLabels: {app: other}}
  policyTypes: [Ingress, Egress]
`
	const pod = `apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: tools, labels: {app: debug}}
spec:
  containers: [{name: c, image: busybox:1.36}]
`
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"siblings", map[string]string{"a/policy.yaml": policy, "b/pod.yaml": pod}, nil},
		{"nested", map[string]string{"app/policy.yaml": policy, "app/pods/pod.yaml": pod}, []string{"NP001 app/pods/pod.yaml:3", "NP002 app/pods/pod.yaml:3", "NP003 app/pods/pod.yaml:3", "NP007 app/policy.yaml:5"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, text := range c.files {
				full := filepath.Join(dir, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			res, err := scan.Run(context.Background(), []string{dir}, scan.Options{Rules: netpol.Rules(), Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Findings {
				rel, _ := filepath.Rel(dir, filepath.FromSlash(f.Location.Path))
				got = append(got, fmt.Sprintf("%s %s:%d", f.RuleID, filepath.ToSlash(rel), f.Location.Start.Line))
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
