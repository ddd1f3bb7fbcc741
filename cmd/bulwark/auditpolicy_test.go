package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditPolicyGenerate writes the policy to standard output and to a
// file, and scans the file: the generated policy has no finding.
func TestAuditPolicyGenerate(t *testing.T) {
	code, out, errOut := runCLI(t, "audit-policy", "generate")
	if code != exitOK || !strings.Contains(out, "apiVersion: audit.k8s.io/v1\nkind: Policy\n") || errOut != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	if !strings.HasSuffix(out, "  - level: Metadata\n") {
		t.Errorf("the policy does not end with the Metadata catch-all:\n%s", out)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "audit-policy.yaml")
	if code, _, errOut := runCLI(t, "audit-policy", "generate", "--level", "request", "-o", file); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(data), "  - level: Request\n") {
		t.Errorf("--level request not applied:\n%s", data)
	}
	code, out, errOut = runCLI(t, "scan", "--fail-on", "info", file)
	if code != exitOK {
		t.Errorf("scanning the generated policy: exit %d\n%s%s", code, out, errOut)
	}
}

func TestAuditPolicyGenerateUsage(t *testing.T) {
	for _, args := range [][]string{
		{"audit-policy", "generate", "--level", "None"},
		{"audit-policy", "generate", "--level", "everything"},
		{"audit-policy", "generate", "extra"},
		{"audit-policy", "generate", "-o", filepath.Join(t.TempDir(), "missing", "p.yaml")},
	} {
		if code, _, errOut := runCLI(t, args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q, want a usage error", args, code, errOut)
		}
	}
}

const seedPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
  resources:
  - group: ""
    resources: ["secrets","configmaps"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["pods/exec","pods/portforward"]
`

func TestAuditPolicyExplain(t *testing.T) {
	dir := tree(t, map[string]string{"seed.yaml": seedPolicy, "bad.yaml": "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n", "broken.yaml": "rules: [\n"})
	seed := filepath.Join(dir, "seed.yaml")
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"create", "pods/exec", "web", "-n", "default", "--as", "alice"}, []string{
			"request:        create pods/exec web -n default as alice (system:authenticated)\n",
			"level:          RequestResponse\n",
			"stages logged:  RequestReceived, ResponseStarted, ResponseComplete, Panic\n",
			"decided by:     rule 2 (line 8)\n"}},
		{[]string{"create", "pods", "--subresource", "attach", "web", "-n", "default"}, []string{"level:          None\n", "decided by:     no rule"}},
		{[]string{"get", "secrets.", "db"}, []string{"get secrets db as jane", "level:          Metadata\n", "rule 1 (line 4)"}},
		{[]string{"create", "deployments.apps/scale", "web", "-n", "x", "--as", "system:anonymous"}, []string{"create deployments.apps/scale web -n x as system:anonymous (system:unauthenticated)"}},
		{[]string{"get", "/healthz"}, []string{"get /healthz as jane", "level:          None"}},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(t, append([]string{"audit-policy", "explain", seed}, c.args...)...)
		if code != exitOK {
			t.Errorf("%v: exit %d: %s", c.args, code, errOut)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, out)
			}
		}
	}
	// A policy the API server refuses is still explained, with a warning.
	code, out, errOut := runCLI(t, "audit-policy", "explain", filepath.Join(dir, "bad.yaml"), "get", "pods")
	if code != exitOK || !strings.Contains(errOut, "would refuse") || !strings.Contains(out, "level:          Everything") {
		t.Errorf("refused policy: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{filepath.Join(dir, "broken.yaml"), "get", "pods"}, exitIncomplete},
		{[]string{filepath.Join(dir, "missing.yaml"), "get", "pods"}, exitIncomplete},
		{[]string{seed, "get", "/healthz", "-n", "x"}, exitUsage},
		{[]string{seed, "get", "pods/exec", "--subresource", "log"}, exitUsage},
		{[]string{seed, "get"}, exitUsage},
	} {
		if code, _, errOut := runCLI(t, append([]string{"audit-policy", "explain"}, c.args...)...); code != c.code {
			t.Errorf("%v: exit %d (%s), want %d", c.args, code, errOut, c.code)
		}
	}
}
