package rbac

import (
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/source/kube"
)

// parse reads manifests given by path into a set, in path order.
func parse(t testing.TB, files map[string]string) *kube.Set {
	t.Helper()
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	set := &kube.Set{}
	for _, p := range paths {
		f, err := kube.Parse(p, []byte(files[p]))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Errors) > 0 {
			t.Fatal(f.Errors[0])
		}
		set.Files = append(set.Files, f)
	}
	return set
}

// seed is the pod-reader Role and binding of the seed article.
const seed = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get","watch","list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
subjects:
- kind: ServiceAccount
  name: pod-reader-sa
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
`

func TestSeed(t *testing.T) {
	g := Resolve(parse(t, map[string]string{"rbac.yaml": seed}))
	sa := ServiceAccount("default", "pod-reader-sa")
	for _, tc := range []struct {
		verb, group, resource, ns string
		want                      bool
	}{
		{"get", "", "pods", "default", true},
		{"watch", "", "pods", "default", true},
		{"list", "", "pods", AnyNamespace, true},
		{"get", "", "pods", "shop", false},
		{"get", "", "pods", "", false}, // across namespaces: a RoleBinding does not reach
		{"delete", "", "pods", "default", false},
		{"get", "", "secrets", "default", false},
		{"get", "", "pods/log", "default", false},
		{"create", "", "pods/exec", "default", false},
	} {
		if got := g.Can(sa, tc.verb, tc.group, tc.resource, tc.ns); got != tc.want {
			t.Errorf("Can(%s %s in %q) = %v, want %v", tc.verb, tc.resource, tc.ns, got, tc.want)
		}
	}
	who := g.WhoCan("list", "", "pods", "default")
	if len(who) != 1 || who[0].Subject != sa || who[0].Grants[0].Binding.Name != "read-pods" || who[0].Grants[0].Rule.Role.Name != "pod-reader" {
		t.Fatalf("WhoCan list pods = %+v", who)
	}
	if loc := who[0].Grants[0].Rule.At("verbs"); loc.Start.Line != 8 {
		t.Errorf("rule verbs at line %d, want 8", loc.Start.Line)
	}
	if p := g.Escalations(); len(p) != 0 {
		t.Errorf("escalations: %v", p[0])
	}
}

func TestClusterRoleInRoleBinding(t *testing.T) {
	g := Resolve(parse(t, map[string]string{"a.yaml": `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read, namespace: shop}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: secret-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: view-all}
subjects:
- {kind: Group, name: "system:serviceaccounts:shop", apiGroup: rbac.authorization.k8s.io}
- {kind: User, name: "system:serviceaccount:ops:robot", apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: lost}
roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
`}))
	alice := User("alice")
	if !g.Can(alice, "get", "", "secrets", "shop") || g.Can(alice, "get", "", "secrets", "bank") || g.Can(alice, "get", "", "secrets", "") {
		t.Error("a RoleBinding to a ClusterRole grants in its namespace only")
	}
	web := ServiceAccount("shop", "web")
	if !g.Can(web, "list", "apps", "deployments", "bank") {
		t.Error("a service account gets the rights of system:serviceaccounts:NS (view, built in)")
	}
	if g.Can(web, "get", "", "secrets", "shop") {
		t.Error("view does not read secrets")
	}
	if !g.Can(ServiceAccount("ops", "robot"), "list", "", "pods", "x") {
		t.Error("a User named system:serviceaccount:NS:NAME is that service account")
	}
	for _, b := range g.Bindings {
		if b.Name == "view-all" && len(b.Subjects) != 2 {
			t.Errorf("a ClusterRoleBinding's service account without a namespace matches nobody: %+v", b.Subjects)
		}
	}
	who := g.WhoCan("get", "", "secrets", AnyNamespace)
	if len(who) != 1 || who[0].Subject != alice {
		t.Errorf("who can get secrets: %+v", who)
	}
}

func TestAggregation(t *testing.T) {
	g := Resolve(parse(t, map[string]string{"a.yaml": `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widgets-edit
  labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
rules:
- apiGroups: [example.com]
  resources: [widgets]
  verbs: [create, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring
  labels: {team: obs}
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions:
    - {key: team, operator: In, values: [obs, sre]}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [delete]   # replaced by aggregation
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: metrics
  labels: {team: sre}
rules:
- nonResourceURLs: [/metrics]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: admins}
subjects: [{kind: Group, name: admins, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: admin, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: obs}
subjects: [{kind: User, name: grafana, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: monitoring, apiGroup: rbac.authorization.k8s.io}
`}))
	admins := Group("admins")
	if !g.Can(admins, "create", "example.com", "widgets", "x") {
		t.Error("admin aggregates edit, which aggregates aggregate-to-edit roles")
	}
	if !g.Can(admins, "create", "", "pods/exec", "x") || !g.Can(admins, "create", rbacGroup, "rolebindings", "x") || !g.Can(admins, "list", "apps", "deployments", "x") {
		t.Error("admin has edit's, its own and view's rules")
	}
	grafana := User("grafana")
	if len(g.Why(grafana, Request{Verb: "get", Path: "/metrics"})) != 1 {
		t.Error("monitoring aggregates metrics")
	}
	if g.Can(grafana, "delete", "", "nodes", "") {
		t.Error("an aggregated ClusterRole's written rules are replaced")
	}
	var widgets *Role
	for _, r := range g.Roles {
		if r.Name == "widgets-edit" {
			widgets = r
		}
	}
	var names []string
	for _, b := range g.BindingsOf(widgets) {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"admins"}) {
		t.Errorf("bindings of widgets-edit (through edit and admin) = %v", names)
	}
}

func TestNearestRoleAndInference(t *testing.T) {
	role := func(verb string) string {
		return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: app}\nrules:\n- {apiGroups: [\"\"], resources: [pods], verbs: [" + verb + "]}\n"
	}
	const bind = `
apiVersion: v1
kind: ServiceAccount
metadata: {name: app}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: app}
subjects: [{kind: ServiceAccount, name: app, namespace: tools}]
roleRef: {kind: ClusterRole, name: app, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      serviceAccountName: app
      containers: [{name: app, image: app}]
`
	g := Resolve(parse(t, map[string]string{
		"a/role.yaml":    role("get"),
		"b/role.yaml":    role("delete"),
		"b/install.yaml": bind,
	}))
	sa := ServiceAccount("tools", "app")
	if !g.Can(sa, "delete", "", "pods", "") || g.Can(sa, "get", "", "pods", "") {
		t.Error("the binding takes the role defined in its own folder")
	}
	if len(g.Inferred) != 1 || g.Inferred[0].Namespace != "tools" || g.Inferred[0].Path != "b/install.yaml" {
		t.Fatalf("inferred: %+v", g.Inferred)
	}
	if w := g.Workloads(sa); len(w) != 1 || w[0].Kind != "Deployment" {
		t.Errorf("workloads of tools/app: %v", w)
	}
	if a := g.Account(sa); a == nil || a.Object == nil {
		t.Error("the ServiceAccount without a namespace is in the inferred one")
	}
	forced := ResolveWith(parse(t, map[string]string{"b/install.yaml": bind}), Options{Namespace: "prod"})
	if len(forced.Inferred) != 0 || len(forced.Workloads(ServiceAccount("prod", "app"))) != 1 {
		t.Error("Options.Namespace wins over inference")
	}
}

func TestUnknownSystemRole(t *testing.T) {
	g := Resolve(parse(t, map[string]string{"a.yaml": `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: proxier}
subjects: [{kind: ServiceAccount, name: kube-proxy, namespace: kube-system}]
roleRef: {kind: ClusterRole, name: "system:node-proxier", apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dangling}
subjects: [{kind: ServiceAccount, name: x, namespace: ns-y}]
roleRef: {kind: ClusterRole, name: nowhere, apiGroup: rbac.authorization.k8s.io}
`}))
	if r := g.Bindings[0].Role; r == nil || !r.Builtin || !r.Unknown {
		t.Errorf("system:node-proxier: %+v", r)
	}
	if g.Bindings[1].Role != nil {
		t.Error("a ClusterRole neither scanned nor built in resolves to nil")
	}
	if len(g.Accounts) != 2 {
		t.Errorf("accounts: %v", g.Accounts)
	}
}

func TestEscalation(t *testing.T) {
	g := Resolve(parse(t, map[string]string{"shop.yaml": `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: shop}
rules:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [create, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: shop}
subjects: [{kind: ServiceAccount, name: ci}]
roleRef: {kind: Role, name: deployer, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: backup}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: backup}
subjects: [{kind: ServiceAccount, name: backup, namespace: shop}]
roleRef: {kind: ClusterRole, name: backup, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: tokens, namespace: ops}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: tokens, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: tokens, namespace: ops}
rules:
- apiGroups: [""]
  resources: [serviceaccounts/token]
  resourceNames: [ci-bot]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-bot}
subjects: [{kind: ServiceAccount, name: ci-bot, namespace: ops}]
roleRef: {kind: ClusterRole, name: edit, apiGroup: rbac.authorization.k8s.io}
`}))
	byName := map[string]*Path{}
	for _, p := range g.Escalations() {
		byName[p.Subject.String()] = p
	}
	backup := byName["ServiceAccount shop/backup"]
	if backup == nil || len(backup.Steps) != 1 || !strings.Contains(backup.Steps[0].Goal, "tokens") {
		t.Fatalf("backup reads every Secret: %v", backup)
	}
	ci := byName["ServiceAccount shop/ci"]
	if ci == nil || len(ci.Steps) != 2 || *ci.Steps[0].Becomes != ServiceAccount("shop", "backup") {
		t.Fatalf("ci writes Deployments in shop, where backup runs: %v", ci)
	}
	if !strings.Contains(ci.String(), "RoleBinding/shop/ci -> Role/shop/deployer") || !strings.Contains(ci.Steps[0].Action, "write workloads in namespace shop") {
		t.Errorf("path text: %s", ci)
	}
	bob := byName["User bob"]
	if bob == nil || len(bob.Steps) != 2 || *bob.Steps[0].Becomes != ServiceAccount("ops", "ci-bot") || !strings.Contains(bob.Steps[1].Action, "read every Secret") {
		t.Fatalf("bob mints a token of ci-bot, whose edit role reads every Secret cluster-wide: %v", bob)
	}
	if p := byName["ServiceAccount ops/other"]; p != nil {
		t.Error("unexpected")
	}
}

// FuzzResolve resolves arbitrary manifests: nothing may panic, and every
// grant must name a bound role's rule.
func FuzzResolve(f *testing.F) {
	f.Add(seed)
	f.Add(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a, labels: {x: "1"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {y: "1"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b, labels: {y: "1"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: "1"}}, {}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: a}
subjects: [{kind: User, name: "system:serviceaccount:a:b"}, {kind: ServiceAccount, name: c, namespace: d}]
roleRef: {kind: ClusterRole, name: a}
`)
	f.Fuzz(func(t *testing.T, doc string) {
		file, _ := kube.Parse("f.yaml", []byte(doc))
		g := Resolve(&kube.Set{Files: []*kube.File{file}})
		for _, gr := range g.Grants() {
			if gr.Binding.Role == nil || !slices.Contains(gr.Binding.Role.Rules, gr.Rule) {
				t.Fatalf("grant of %s names a rule its role does not hold", gr.Binding)
			}
		}
		for _, p := range g.Escalations() {
			if len(p.Steps) == 0 || p.Steps[len(p.Steps)-1].Goal == "" {
				t.Fatalf("path of %s ends without a goal", p.Subject)
			}
			_ = p.String()
		}
		g.WhoCan("get", "", "secrets", AnyNamespace)
	})
}
