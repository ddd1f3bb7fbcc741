package kube_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/pss"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/kube"
	"github.com/bulwark-sec/bulwark/ruletest"
)

// TestRules runs every rule over testdata/<ID>/: each needs a case that
// fires and one that must not.
func TestRules(t *testing.T) { ruletest.RunRules(t, kube.Rules(), "testdata") }

// TestKubeVersion checks that the Pod Security rules judge a workload by
// the policy of the Kubernetes version in the settings: runAsUser 0 is
// forbidden by the restricted level from v1.23, and host probes by the
// baseline level from v1.34.
func TestKubeVersion(t *testing.T) {
	reg, err := rule.NewRegistry(kube.Rules()...)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pod.yaml")
	const pod = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 0
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: app:1.0
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
    livenessProbe:
      tcpSocket: {host: 10.0.0.1, port: 80}
`
	if err := os.WriteFile(path, []byte(pod), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		version string
		want    []string
	}{
		{"", []string{"KS000", "KS007", "KS015"}},
		{"v1.34", []string{"KS000", "KS007", "KS015"}},
		{"v1.33", []string{"KS000", "KS015"}},
		{"v1.22", nil},
	} {
		t.Run(tc.version, func(t *testing.T) {
			var rules []*rule.Rule
			for _, r := range reg.All() {
				if strings.HasPrefix(r.ID, "KS0") && r.ID < "KS020" {
					rules = append(rules, r)
				}
			}
			found, errs := ruletest.FindingsWith(reg, rules, path, rule.Settings{KubeVersion: tc.version})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var got []string
			for _, f := range found {
				got = append(got, f.RuleID)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("KubeVersion %q: got %v, want %v", tc.version, got, tc.want)
			}
		})
	}
}

// TestBlocks checks which rules gate each Pod Security level: the summary
// KS000 gates none, baseline checks gate both levels, restricted checks
// only restricted.
func TestBlocks(t *testing.T) {
	reg, err := rule.NewRegistry(kube.Rules()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id                   string
		baseline, restricted bool
	}{
		{"KS000", false, false},
		{"KS001", true, true},
		{"KS012", true, true},
		{"KS013", false, true},
		{"KS019", false, true},
		{"KS020", false, false},
	} {
		r, ok := reg.Lookup(tc.id)
		if !ok {
			t.Fatalf("no rule %s", tc.id)
		}
		if got := kube.Blocks(r, pss.Baseline); got != tc.baseline {
			t.Errorf("Blocks(%s, baseline) = %v", tc.id, got)
		}
		if got := kube.Blocks(r, pss.Restricted); got != tc.restricted {
			t.Errorf("Blocks(%s, restricted) = %v", tc.id, got)
		}
		if kube.Blocks(r, pss.Privileged) {
			t.Errorf("Blocks(%s, privileged) = true", tc.id)
		}
	}
}
