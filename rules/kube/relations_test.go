package kube

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// relRunSet runs a KubeSet rule over manifests given by path and returns
// "path:line" of each finding, sorted.
func relRunSet(t *testing.T, r *rule.Rule, files map[string]string) []string {
	t.Helper()
	var set kube.Set
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		f, err := kube.Parse(p, []byte(files[p]))
		if err != nil {
			t.Fatal(err)
		}
		set.Files = append(set.Files, f)
	}
	var got []string
	pass := rule.NewPass(r, &set, func(fd finding.Finding) {
		got = append(got, fmt.Sprintf("%s:%d", fd.Location.Path, fd.Location.Start.Line))
	})
	if err := r.Check(pass); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

func relDeployment(name, ns string, replicas int) string {
	meta := "  name: " + name + "\n"
	if ns != "" {
		meta += "  namespace: " + ns + "\n"
	}
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n" + meta +
		fmt.Sprintf("spec:\n  replicas: %d\n  selector:\n    matchLabels: {app: %s}\n", replicas, name) +
		"  template:\n    metadata:\n      labels: {app: " + name + "}\n    spec:\n      containers:\n        - name: app\n          image: app:1.0\n"
}

func relService(name, ns, app string) string {
	meta := "  name: " + name + "\n"
	if ns != "" {
		meta += "  namespace: " + ns + "\n"
	}
	return "apiVersion: v1\nkind: Service\nmetadata:\n" + meta + "spec:\n  selector: {app: " + app + "}\n  ports: [{name: http, port: 80}]\n"
}

// TestRelationsAcrossFiles pins which objects relate: anywhere in the
// scan (in a namespace they may share) to silence a finding, only near
// each other to make one, and "missing" only with evidence nearby.
func TestRelationsAcrossFiles(t *testing.T) {
	pdb := "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: AlwaysAllow\n  selector:\n    matchLabels: {app: web}\n"
	for _, tc := range []struct {
		name  string
		rule  *rule.Rule
		files map[string]string
		want  []string
	}{
		{
			name:  "a budget in another folder still covers the Deployment",
			rule:  pdbMissingRule(),
			files: map[string]string{"apps/web/deploy.yaml": relDeployment("web", "", 3), "policies/pdb.yaml": pdb},
		},
		{
			name:  "a budget of another namespace does not",
			rule:  pdbMissingRule(),
			files: map[string]string{"apps/web/deploy.yaml": relDeployment("web", "shop", 3), "policies/pdb.yaml": strings.Replace(pdb, "name: web\n", "name: web\n  namespace: blog\n", 1)},
			want:  []string{"apps/web/deploy.yaml:4"},
		},
		{
			name:  "a Service in an unrelated folder does not make a single replica a finding",
			rule:  replicasRule(),
			files: map[string]string{"a/deploy.yaml": relDeployment("web", "", 1), "b/svc.yaml": relService("web", "", "web")},
		},
		{
			name:  "a Service in a folder above does",
			rule:  replicasRule(),
			files: map[string]string{"app/base/deploy.yaml": relDeployment("web", "", 1), "app/svc.yaml": relService("web", "", "web")},
			want:  []string{"app/base/deploy.yaml:6"},
		},
		{
			name:  "a dangling Service needs workloads of its very namespace nearby",
			rule:  danglingServiceRule(),
			files: map[string]string{"app/deploy.yaml": relDeployment("web", "", 1), "app/svc.yaml": relService("metrics", "monitoring", "exporter")},
		},
		{
			name:  "with them, it is reported",
			rule:  danglingServiceRule(),
			files: map[string]string{"app/deploy.yaml": relDeployment("web", "shop", 1), "app/svc.yaml": relService("metrics", "shop", "exporter")},
			want:  []string{"app/svc.yaml:7"},
		},
		{
			name:  "pods selected in another folder count",
			rule:  danglingServiceRule(),
			files: map[string]string{"app/deploy.yaml": relDeployment("api", "", 1), "other/deploy.yaml": relDeployment("web", "", 1), "app/svc.yaml": relService("web", "", "web")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := relRunSet(t, tc.rule, tc.files)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPDBEvictionPolicyVersion: unhealthyPodEvictionPolicy is asked for
// only where the target Kubernetes has it on by default (beta from 1.27):
// older API servers do not know the field.
func TestPDBEvictionPolicyVersion(t *testing.T) {
	const pdb = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: web}
`
	for version, want := range map[string]int{"": 1, "v1.27": 1, "v1.31": 1, "v1.26": 0, "v1.21": 0} {
		if got := cataRun(t, pdb, version, pdbBlocksRule()); len(got) != want {
			t.Errorf("Kubernetes %q: got %v, want %d finding", version, got, want)
		}
	}
}

// TestServiceSelectsCost: the relation rules match every Service of a
// scan against every workload, so a match must not build label sets and
// selectors (a 10,000-document stream took 18 s in the relation rules
// alone when each match did).
func TestServiceSelectsCost(t *testing.T) {
	parse := func(doc string) *kube.Object {
		f, err := kube.Parse("m.yaml", []byte(doc))
		if err != nil || len(f.Objects) != 1 {
			t.Fatal(err)
		}
		return f.Objects[0]
	}
	w := parse(relDeployment("web", "", 2))
	hit, miss := parse(relService("web", "", "web")), parse(relService("db", "", "db"))
	if !relServiceSelects(hit, w) || relServiceSelects(miss, w) {
		t.Fatal("wrong match")
	}
	// Only locating the pod template (kube.PodSpecOf) may allocate.
	if n := testing.AllocsPerRun(100, func() { relServiceSelects(hit, w); relServiceSelects(miss, w) }); n > 2 {
		t.Errorf("a Service match allocates %v times", n)
	}
}
