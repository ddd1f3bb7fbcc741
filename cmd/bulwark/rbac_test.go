package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// golden compares got with testdata/rbac/NAME, rewriting it when
// BULWARK_UPDATE_GOLDEN is set.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", "rbac", name)
	if os.Getenv("BULWARK_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; BULWARK_UPDATE_GOLDEN=1 rewrites it):\n%s", name, diff)
	}
}

// rbacInput is the seed's pod-reader and a namespace where a deployer
// reaches a service account that reads every Secret.
var rbacInput = []string{"testdata/rbac/seed.yaml", "testdata/rbac/shop.yaml"}

func TestRBACGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"list.golden.txt", []string{"rbac", "list"}},
		{"list.golden.json", []string{"rbac", "list", "--format", "json"}},
		{"who-can.golden.txt", []string{"rbac", "who-can", "update", "deployments", "-n", "shop"}},
		{"who-can.golden.json", []string{"rbac", "who-can", "update", "deployments.apps", "-n", "shop", "-f", "json"}},
		{"who-can-secrets.golden.txt", []string{"rbac", "who-can", "list", "secrets"}},
		{"who-can-nobody.golden.txt", []string{"rbac", "who-can", "create", "pods/exec"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			code, out, errs := runCLI(t, append(tc.args, rbacInput...)...)
			if code != exitOK || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			golden(t, tc.golden, out)
			if strings.HasSuffix(tc.golden, ".json") {
				validate(t, "../../docs/rbac-json.schema.json", []byte(out))
			}
		})
	}
}

// TestRBACPlain checks that 'bulwark rbac PATH...' lists, as 'rbac list'
// does.
func TestRBACPlain(t *testing.T) {
	_, plain, _ := runCLI(t, append([]string{"rbac"}, rbacInput...)...)
	_, list, _ := runCLI(t, append([]string{"rbac", "list"}, rbacInput...)...)
	if plain != list || !strings.Contains(plain, "ServiceAccount shop/ci") {
		t.Errorf("rbac PATH differs from rbac list PATH:\n%s", plain)
	}
}

func TestRBACWhoCanJSON(t *testing.T) {
	code, out, _ := runCLI(t, append([]string{"rbac", "who-can", "get", "/healthz", "--format", "json"}, rbacInput...)...)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Query struct {
			NonResourceURL string `json:"non_resource_url"`
			Namespace      string
		}
		Subjects []any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Query.NonResourceURL != "/healthz" || doc.Query.Namespace != "" || len(doc.Subjects) != 0 {
		t.Errorf("who-can get /healthz: %s", out)
	}
	validate(t, "../../docs/rbac-json.schema.json", []byte(out))
}

func TestRBACExitCodes(t *testing.T) {
	broken := tree(t, map[string]string{"bad.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: x\nrules: 3\n"})
	for _, tc := range []struct {
		name string
		args []string
		want int
		err  string
	}{
		{"bad format", append([]string{"rbac", "list", "-f", "sarif"}, rbacInput...), exitUsage, "unknown format"},
		{"bad resource", append([]string{"rbac", "who-can", "get", "Pods"}, rbacInput...), exitUsage, "lower-case"},
		{"missing resource", []string{"rbac", "who-can", "get"}, exitUsage, "requires at least 2 arg"},
		{"empty namespace", append([]string{"rbac", "who-can", "get", "pods", "-n", ""}, rbacInput...), exitUsage, "empty namespace"},
		{"missing path", []string{"rbac", "list", filepath.Join("testdata", "rbac", "absent")}, exitUsage, "absent"},
		{"unreadable input", []string{"rbac", "list", broken}, exitIncomplete, "does not decode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, tc.args...)
			if code != tc.want || !strings.Contains(errs, tc.err) {
				t.Errorf("exit %d, stderr %q; want exit %d with %q", code, errs, tc.want, tc.err)
			}
		})
	}
}

func TestRBACOutputFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rbac.json")
	code, stdout, _ := runCLI(t, append([]string{"rbac", "list", "-f", "json", "-o", out}, rbacInput...)...)
	if code != exitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, "../../docs/rbac-json.schema.json", data)
}

// TestRBACHelm checks that charts are rendered, with --set and with
// --default-namespace as the release namespace.
func TestRBACHelm(t *testing.T) {
	dir := tree(t, map[string]string{
		"chart/Chart.yaml":  "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"chart/values.yaml": "admin: false\n",
		"chart/templates/rbac.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ .Release.Name }}
subjects:
- kind: ServiceAccount
  name: {{ .Release.Name }}-sa
  namespace: {{ .Release.Namespace }}
roleRef:
  kind: ClusterRole
  name: {{ if .Values.admin }}cluster-admin{{ else }}view{{ end }}
  apiGroup: rbac.authorization.k8s.io
`,
	})
	code, out, errs := runCLI(t, "rbac", "who-can", "delete", "nodes", filepath.Join(dir, "chart"), "--set", "admin=true", "--default-namespace", "ops", "--release-name", "shop")
	if code != exitOK || !strings.Contains(out, "ServiceAccount ops/shop-sa  cluster-wide  ClusterRoleBinding/shop -> ClusterRole/cluster-admin") {
		t.Errorf("exit %d, stderr %q, output:\n%s", code, errs, out)
	}
	_, out, _ = runCLI(t, "rbac", "who-can", "delete", "nodes", filepath.Join(dir, "chart"))
	if !strings.Contains(out, "Nobody") {
		t.Errorf("with the chart's own values (view), nobody deletes nodes:\n%s", out)
	}
}
