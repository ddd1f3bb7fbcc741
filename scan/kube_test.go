package scan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/source/kube"
	"github.com/bulwark-sec/bulwark/suppress"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: "three"
`

func TestSniffKube(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"pod.yaml":       manifest,
		"pod.json":       `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}`,
		"inspect.json":   `[{"Id": "abc", "Config": {}}]`,
		"compose.yml":    "services:\n  web:\n    image: nginx\n",
		"chart.yaml":     "apiVersion: v2\nname: chart\n",
		"values.yaml":    "image:\n  kind: Deployment\n  apiVersion: v1\n",
		"quoted.yaml":    "\"apiVersion\": \"v1\"\n\"kind\": \"ConfigMap\"\n",
		"kustomize.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
		// Audit logs: events one per line, with or without apiVersion.
		"audit.json":  `{"apiVersion":"audit.k8s.io/v1","kind":"Event","objectRef":{"apiVersion":"v1","resource":"pods"}}` + "\n" + `{"apiVersion":"audit.k8s.io/v1","kind":"Event"}` + "\n",
		"old.json":    `{"kind":"Event","auditID":"x","objectRef":{"apiVersion":"v1","resource":"configmaps"}}`,
		"nested.json": `{"items":[{"apiVersion":"v1","kind":"Pod"}]}`,
	})
	for name, want := range map[string]scan.FileKind{
		"pod.yaml": scan.KindKube, "pod.json": scan.KindKube, "inspect.json": scan.KindInspect,
		"audit.json": scan.KindInspect, "old.json": scan.KindInspect, "nested.json": scan.KindInspect, "compose.yml": scan.KindCompose,
		"chart.yaml": scan.KindDockerfile, "values.yaml": scan.KindDockerfile, "quoted.yaml": scan.KindKube,
		"kustomize.yaml": scan.KindKube,
	} {
		if got := scan.SniffKind(filepath.Join(dir, name)); got != want {
			t.Errorf("SniffKind(%s) = %q, want %q", name, got, want)
		}
	}
	// Named explicitly, a JSON manifest is a manifest, not inspect output.
	targets, _, err := scan.Discover([]string{filepath.Join(dir, "pod.json")}, nil, "")
	if err != nil || len(targets) != 1 || targets[0].Kind != scan.KindKube {
		t.Errorf("Discover(pod.json) = %+v, %v", targets, err)
	}
	// A manifest named like a stack file is a manifest; a stack file is
	// still a Compose file.
	stacks := writeFiles(t, map[string]string{
		"helloworld-dual-stack.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: hello}\n",
		"voting-stack.yml":           "services:\n  vote:\n    image: vote:1\n",
	})
	for name, want := range map[string]scan.FileKind{"helloworld-dual-stack.yaml": scan.KindKube, "voting-stack.yml": scan.KindCompose} {
		targets, _, err := scan.Discover([]string{filepath.Join(stacks, name)}, nil, "")
		if err != nil || len(targets) != 1 || targets[0].Kind != want {
			t.Errorf("Discover(%s) = %+v, %v; want kind %s", name, targets, err, want)
		}
	}
	walked := map[string]scan.FileKind{}
	targets, _, _ = scan.Discover([]string{stacks}, nil, "")
	for _, tg := range targets {
		walked[filepath.Base(tg.Path)] = tg.Kind
	}
	if len(walked) != 2 || walked["helloworld-dual-stack.yaml"] != scan.KindKube || walked["voting-stack.yml"] != scan.KindCompose {
		t.Errorf("walking found %+v, want the manifest and the stack file", targets)
	}
	// Manifests are analysed while walking.
	targets, _, err = scan.Discover([]string{dir}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, tg := range targets {
		if tg.Kind == scan.KindKube {
			found[filepath.Base(tg.Path)] = true
		}
	}
	for _, name := range []string{"pod.yaml", "pod.json", "quoted.yaml", "kustomize.yaml"} {
		if !found[name] {
			t.Errorf("walking did not find manifest %s (found %v)", name, found)
		}
	}
}

// TestSkipHelmTemplates proves that walking skips the templates folder of
// a Helm chart, whose YAML holds {{ }} actions, but not a folder named
// templates elsewhere.
func TestSkipHelmTemplates(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"chart/Chart.yaml":                    "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"chart/templates/deploy.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
		"chart/charts/sub/Chart.yaml":         "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
		"chart/charts/sub/templates/pod.yaml": manifest,
		"other/templates/pod.yaml":            manifest,
	})
	targets, _, err := scan.Discover([]string{dir}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range targets {
		if tg.Kind == scan.KindKube {
			rel, _ := filepath.Rel(dir, filepath.FromSlash(tg.Path))
			got = append(got, filepath.ToSlash(rel))
		}
	}
	if len(got) != 1 || got[0] != "other/templates/pod.yaml" {
		t.Errorf("walking found manifests %v, want only other/templates/pod.yaml", got)
	}
}

func TestAnalyzeManifest(t *testing.T) {
	dir := writeFiles(t, map[string]string{"deploy/app.yaml": manifest})
	p := filepath.ToSlash(filepath.Join(dir, "deploy/app.yaml"))
	res := scan.AnalyzeTargets(context.Background(), []scan.Target{{Path: p, Kind: scan.KindKube}}, opts(t))
	if len(res.Errors) != 1 || res.Errors[0].Line != 17 || !strings.Contains(res.Errors[0].Err, `spec.replicas`) {
		t.Errorf("errors %+v, want one at line 17 about spec.replicas", res.Errors)
	}
	// The privileged container is reported once, by the Pod Security rule
	// (KS001); the runtime rule RC001 leaves Kubernetes to it. Container
	// rules the Pod Security Standards do not cover still run (RC026).
	byRule := map[string]int{}
	for _, f := range res.Findings {
		byRule[f.RuleID]++
		if f.RuleID == "KS001" && (f.Location.Start.Line != 10 || f.Location.Object != "Pod/web" || f.Location.Path != p) {
			t.Errorf("KS001 at %s", f.Location)
		}
	}
	if byRule["KS001"] != 1 || byRule["RC001"] != 0 || byRule["RC026"] != 1 {
		t.Errorf("want KS001 and RC026 once and no RC001; got %v", byRule)
	}
}

// TestKubeSet runs a KubeSet rule over manifests in two files: it sees the
// objects of both at once, its findings land in the file they point into,
// and that file's suppressions apply to them.
func TestKubeSet(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
		"b/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web # bulwark:ignore XS001 -- test\n" +
			"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n",
	})
	var seen []string
	r := &rule.Rule{
		ID: "XS001", Slug: "set-test", Title: "test", Severity: finding.High, Kind: rule.KubeSet,
		Why: "test", Bad: "x", Good: "y", Remediation: "Fix it.",
		Check: func(p *rule.Pass) error {
			set := p.Target.(*kube.Set)
			for o := range set.Objects() {
				seen = append(seen, o.Kind+"/"+o.Name)
				if o.Kind == "Service" {
					p.Report(o.At("metadata", "name"), "service "+o.Name)
				}
			}
			return nil
		},
	}
	reg, err := rule.NewRegistry(r)
	if err != nil {
		t.Fatal(err)
	}
	m := suppress.NewMatcher(reg, nil, false, time.Now())
	res, err := scan.Run(context.Background(), []string{dir}, scan.Options{Rules: []*rule.Rule{r}, Matcher: m, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(seen, " "), "Deployment/web Service/web Service/api"; got != want {
		t.Errorf("the rule saw %q, want %q", got, want)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s:%d %s suppressed=%v", filepath.Base(f.Location.Path), f.Location.Start.Line, f.Message, f.Suppressed != nil))
	}
	want := []string{"svc.yaml:4 service web suppressed=true", "svc.yaml:9 service api suppressed=false"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestManifests reads every manifest of a scan into one set without rules,
// with the errors of documents that do not decode.
func TestManifests(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
		"b/pod.yaml":    manifest,
		"Dockerfile":    "FROM alpine\n",
	})
	targets, errs, err := scan.Discover([]string{dir}, nil, "")
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	set, errs := scan.Manifests(context.Background(), targets, scan.Options{Workers: 2})
	var got []string
	for o := range set.Objects() {
		got = append(got, o.Kind+"/"+o.Name)
	}
	if want := "Deployment/web Pod/web Deployment/broken"; strings.Join(got, " ") != want {
		t.Errorf("objects %q, want %q", strings.Join(got, " "), want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Err, "three") {
		t.Errorf("errors %v, want the broken Deployment's", errs)
	}
}
