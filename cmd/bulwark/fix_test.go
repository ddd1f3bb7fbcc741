package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/source/kube"
)

// TestFixKubernetes fixes a manifest end to end: fixes that edit the same
// securityContext or pod spec are applied in turns in one run, comments
// and the other document are kept, and nothing fixable is left.
func TestFixKubernetes(t *testing.T) {
	src := `# The web tier.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web # the main container
          image: registry.example.com/web:1.4
          securityContext: {}
          # probes come later
        - name: proxy
          image: registry.example.com/proxy:2.0
          securityContext:
            runAsUser: 0 # root: no runAsNonRoot for this pod
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
    - port: 80
`
	want := `# The web tier.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web # the main container
          image: registry.example.com/web:1.4
          securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
          # probes come later
        - name: proxy
          image: registry.example.com/proxy:2.0
          securityContext:
            runAsUser: 0 # root: no runAsNonRoot for this pod
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities:
              drop:
                - ALL
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      automountServiceAccountToken: false
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
    - port: 80
`
	dir := tree(t, map[string]string{"deploy.yaml": src})
	path := filepath.Join(dir, "deploy.yaml")

	code, out, errs := runCLI(t, "fix", "--diff", dir)
	if code != exitOK || !strings.Contains(out, "+      automountServiceAccountToken: false") {
		t.Fatalf("fix --diff: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "8 findings fixable") {
		t.Errorf("fix --diff summary:\n%s", errs)
	}
	if data, _ := os.ReadFile(path); string(data) != src {
		t.Fatal("--diff changed the file")
	}

	code, _, errs = runCLI(t, "fix", dir)
	if code != exitOK {
		t.Fatalf("fix: exit %d\n%s", code, errs)
	}
	data, _ := os.ReadFile(path)
	if string(data) != want {
		t.Errorf("fixed file:\n%s\nwant:\n%s", data, want)
	}
	f, err := kube.Parse("deploy.yaml", data)
	if err != nil || len(f.Errors) > 0 || len(f.Objects) != 2 || f.Objects[0].Typed == nil {
		t.Fatalf("fixed file does not read back: %v %v", err, f.Errors)
	}

	// Scanning again finds nothing fixable, and fix has nothing to do.
	_, out, _ = runCLI(t, "scan", dir, "--format", "json")
	var rep struct {
		Findings []struct {
			RuleID string `json:"rule_id"`
			Fixes  []any  `json:"fixes"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if len(f.Fixes) > 0 {
			t.Errorf("%s still fixable after fix", f.RuleID)
		}
	}
	if _, _, errs = runCLI(t, "fix", dir); !strings.Contains(errs, "0 findings fixed") {
		t.Errorf("second fix run:\n%s", errs)
	}
}

// TestFixKubernetesRuleFilter applies only the fixes of the rule named.
func TestFixKubernetesRuleFilter(t *testing.T) {
	src := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n"
	dir := tree(t, map[string]string{"pod.yaml": src})
	if code, _, errs := runCLI(t, "fix", "--rule", "KS013", dir); code != exitOK {
		t.Fatalf("fix: exit %d\n%s", code, errs)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "pod.yaml"))
	if want := src + "    securityContext:\n      allowPrivilegeEscalation: false\n"; string(data) != want {
		t.Errorf("fixed file:\n%s\nwant:\n%s", data, want)
	}
}
