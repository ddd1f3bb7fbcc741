package rbac

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/source/kube"
)

// synthetic writes a manifest stream of n namespaces, each with a Role
// and RoleBinding, a deployer that may create pods, two service accounts
// and a Deployment; every tenth namespace has a ClusterRoleBinding that
// makes one of its accounts read every Secret (so its deployer has a path
// to cluster-admin), and aggregated ClusterRoles feed edit.
func synthetic(t testing.TB, n int) *kube.Set {
	t.Helper()
	var b strings.Builder
	for i := range n {
		ns := fmt.Sprintf("team-%d", i)
		fmt.Fprintf(&b, `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: app, namespace: %[1]s}
rules:
- apiGroups: [""]
  resources: [configmaps, pods]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [app-tls]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: %[1]s}
rules:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [create, update, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app, namespace: %[1]s}
subjects: [{kind: ServiceAccount, name: app}]
roleRef: {kind: Role, name: app, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer, namespace: %[1]s}
subjects: [{kind: ServiceAccount, name: ci}, {kind: Group, name: team-%[2]d-devs, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: deployer, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: view, namespace: %[1]s}
subjects: [{kind: User, name: user-%[2]d, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: %[1]s}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      serviceAccountName: app
      containers: [{name: app, image: app}]
---
`, ns, i)
		if i%10 == 0 {
			fmt.Fprintf(&b, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widgets-%[2]d
  labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
rules:
- apiGroups: [example.com]
  resources: [widgets-%[2]d]
  verbs: [get, create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: backup-%[2]d}
subjects: [{kind: ServiceAccount, name: app, namespace: %[1]s}]
roleRef: {kind: ClusterRole, name: secret-reader, apiGroup: rbac.authorization.k8s.io}
---
`, ns, i)
		}
	}
	b.WriteString(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list]
`)
	f, err := kube.Parse("synthetic.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return &kube.Set{Files: []*kube.File{f}}
}

// TestSynthetic checks the synthetic set resolves as designed, and that
// 1,000 namespaces (7,000 objects, 3,000 roles and bindings) resolve with
// their escalation paths well under a second.
func TestSynthetic(t *testing.T) {
	set := synthetic(t, 1000)
	start := time.Now()
	g := Resolve(set)
	paths := g.Escalations()
	elapsed := time.Since(start)
	if len(g.Roles) != 2000+100+1 || len(g.Bindings) != 3000+100 {
		t.Fatalf("%d roles, %d bindings", len(g.Roles), len(g.Bindings))
	}
	// Per tenth namespace: app reads every Secret (1 step); ci and the devs
	// group reach app by writing Deployments (2 steps).
	if len(paths) != 300 {
		t.Errorf("%d escalation paths, want 300", len(paths))
	}
	if p := g.Escalation(Group("team-10-devs")); p == nil || len(p.Steps) != 2 {
		t.Errorf("team-10-devs: %v", p)
	}
	if !g.Can(User("user-7"), "list", "apps", "deployments", "team-7") || g.Can(User("user-7"), "get", "example.com", "widgets-990", "team-7") {
		t.Error("view reads deployments, and does not aggregate edit's roles")
	}
	if g.Can(User("user-7"), "get", "", "secrets", "team-7") {
		t.Error("view reads Secrets")
	}
	t.Logf("resolved %d roles and %d bindings, %d paths, in %s", len(g.Roles), len(g.Bindings), len(paths), elapsed)
	if elapsed > 5*time.Second {
		t.Errorf("resolving took %s", elapsed)
	}
}

func BenchmarkResolve(b *testing.B) {
	for _, n := range []int{100, 1000} {
		set := synthetic(b, n)
		b.Run(fmt.Sprintf("namespaces=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g := Resolve(set)
				g.Escalations()
				g.WhoCan("get", "", "secrets", AnyNamespace)
			}
		})
	}
}

// corpusDir holds real manifests from public projects; the test skips
// when it is absent.
const corpusDir = "/work/shared/corpus/kubernetes"

// TestCorpus resolves every manifest of the corpus as one set and checks
// what is known of it: argo-cd's application controller holds every right.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not present")
	}
	set := &kube.Set{}
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, _ := kube.Parse(strings.TrimPrefix(p, corpusDir+"/"), data)
		set.Files = append(set.Files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	g := Resolve(set)
	paths := g.Escalations()
	t.Logf("%d files: %d roles, %d bindings, %d subjects, %d paths in %s", len(set.Files), len(g.Roles), len(g.Bindings), len(g.Subjects()), len(paths), time.Since(start))
	ctl := ServiceAccount("argocd", "argocd-application-controller")
	if !g.Can(ctl, "delete", "", "nodes", "") || len(g.Workloads(ctl)) == 0 {
		t.Error("argo-cd's application controller holds every right and runs a StatefulSet")
	}
	if p := g.Escalation(ctl); p == nil || len(p.Steps) != 1 {
		t.Errorf("argo-cd's application controller: %v", p)
	}
}
