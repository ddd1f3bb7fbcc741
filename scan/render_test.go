package scan_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/source/kube"
	"github.com/bulwark-sec/bulwark/source/render"
	"github.com/bulwark-sec/bulwark/suppress"
)

// renderOpts runs a few rules, so that the expected findings stay put as
// rules are added, with suppressions applied.
func renderOpts(t *testing.T, ids ...string) scan.Options {
	t.Helper()
	reg, err := rules.Registry()
	if err != nil {
		t.Fatal(err)
	}
	var set []*rule.Rule
	for _, id := range ids {
		r, ok := reg.Lookup(id)
		if !ok {
			t.Fatalf("no rule %s", id)
		}
		set = append(set, r)
	}
	return scan.Options{Rules: set, Workers: 2, Matcher: suppress.NewMatcher(reg, nil, false, time.Now())}
}

// rows formats findings as "rule path:line:col [render] suppressed-by".
func rows(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		s := fmt.Sprintf("%s %s:%d:%d-%d:%d", f.RuleID, strings.TrimPrefix(f.Location.Path, "testdata/render/"),
			f.Location.Start.Line, f.Location.Start.Column, f.Location.End.Line, f.Location.End.Column)
		if r := f.Location.Render; r != nil {
			s += " [" + r.Kind + " " + strings.TrimPrefix(r.Input, "testdata/render/") + " " + r.ValuesSet + "]"
		}
		if sp := f.Suppressed; sp != nil {
			s += " suppressed " + sp.Kind + " " + strings.TrimPrefix(sp.Source, "testdata/render/")
		}
		out = append(out, s)
	}
	return out
}

func TestRenderChartFindings(t *testing.T) {
	opts := renderOpts(t, "KS001", "KS002", "KS015", "KS022")
	opts.Render.Charts = []scan.ChartOptions{{
		Path:      "testdata/render/chart",
		ValueSets: []render.ValueSet{{Name: "default"}, {Name: "prod", Files: []string{"testdata/render/chart/values-prod.yaml"}}},
	}}
	res, err := scan.Run(context.Background(), []string{"testdata/render/chart"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	// Findings point at the template line that wrote the field (a toYaml
	// action for the security context) and name the values set. The
	// subchart renders with its parent. The KS002 comment in the template
	// and the ignore annotation the prod values add apply to what they
	// cover in the rendered text.
	want := []string{
		"KS002 chart/charts/metrics/templates/daemonset.yaml:15:7-15:20 [helm chart default]",
		"KS002 chart/charts/metrics/templates/daemonset.yaml:15:7-15:20 [helm chart prod]",
		"KS022 chart/charts/metrics/templates/daemonset.yaml:18:11-18:45 [helm chart default]",
		"KS022 chart/charts/metrics/templates/daemonset.yaml:18:11-18:45 [helm chart prod]",
		"KS015 chart/charts/metrics/templates/daemonset.yaml:20:13-20:25 [helm chart default]",
		"KS015 chart/charts/metrics/templates/daemonset.yaml:20:13-20:25 [helm chart prod]",
		"KS002 chart/templates/deployment.yaml:25:7-25:24 [helm chart prod] suppressed inline chart/templates/deployment.yaml:24",
		"KS022 chart/templates/deployment.yaml:28:11-28:38 [helm chart default]",
		"KS022 chart/templates/deployment.yaml:28:11-28:38 [helm chart prod] suppressed inline chart/templates/deployment.yaml:17",
		"KS001 chart/templates/deployment.yaml:30:13-30:29 [helm chart default]",
	}
	if d := cmp.Diff(want, rows(res.Findings)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"testdata/render/chart"}, res.Paths); d != "" {
		t.Errorf("paths (-want +got):\n%s", d)
	}
}

func TestRenderKustomizeFindings(t *testing.T) {
	opts := renderOpts(t, "KS001", "KS002", "KS015", "KS022")
	res, err := scan.Run(context.Background(), []string{"testdata/render/kustomize"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	// The base's resource file is scanned on its own; what the builds of
	// the base and the overlay repeat of it is dropped (its suppressed
	// KS015 included). The overlay's patch makes the container privileged:
	// the patched line has no source line in the base, so KS001 points at
	// its parent, securityContext; the image the overlay retags points at
	// its container. The patch file is not scanned on its own.
	want := []string{
		"KS022 kustomize/base/deployment.yaml:15:11-15:20 [kustomize kustomize/overlays/prod ]",
		"KS022 kustomize/base/deployment.yaml:16:11-16:33",
		"KS001 kustomize/base/deployment.yaml:17:11-17:27 [kustomize kustomize/overlays/prod ]",
		"KS015 kustomize/base/deployment.yaml:20:13-20:25 suppressed inline kustomize/base/deployment.yaml:19",
	}
	if d := cmp.Diff(want, rows(res.Findings)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	paths := []string{
		"testdata/render/kustomize/base",
		"testdata/render/kustomize/base/deployment.yaml",
		"testdata/render/kustomize/base/kustomization.yaml",
		"testdata/render/kustomize/overlays/prod",
		"testdata/render/kustomize/overlays/prod/kustomization.yaml",
	}
	if d := cmp.Diff(paths, res.Paths); d != "" {
		t.Errorf("paths (-want +got):\n%s", d)
	}
}

// TestRenderDiscover: a chart folder is one target and its subcharts are
// not; a kustomization folder is one, its resources are still scanned on
// their own, and the patches it applies are not.
func TestRenderDiscover(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"app/Chart.yaml":                    "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"app/templates/deploy.yaml":         "kind: {{ .Values.kind }}\n",
		"app/charts/sub/Chart.yaml":         "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
		"app/charts/sub/templates/x.yaml":   "kind: {{ .Values.kind }}\n",
		"lib/Chart.yaml":                    "apiVersion: v2\nname: lib\ntype: library\nversion: 0.1.0\n",
		"k/base/kustomization.yaml":         "resources: [deploy.yaml]\n",
		"k/base/deploy.yaml":                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n",
		"k/overlay/kustomization.yml":       "resources: [../base]\npatches:\n  - path: patch.yaml\npatchesStrategicMerge:\n  - old.yaml\n",
		"k/overlay/patch.yaml":              "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n",
		"k/overlay/old.yaml":                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n",
		"k/component/Kustomization":         "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
		"k/component/extra.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
		"other/templates/configmap.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
		"app/charts/sub/crds/crontabs.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: c\n",
	})
	kinds := func(paths ...string) []string {
		targets, errs, err := scan.Discover(paths, nil, "")
		if err != nil || len(errs) > 0 {
			t.Fatal(err, errs)
		}
		var out []string
		for _, tg := range targets {
			rel := strings.TrimPrefix(strings.TrimPrefix(tg.Path, filepath.ToSlash(dir)), "/")
			out = append(out, string(tg.Kind)+" "+rel)
		}
		return out
	}
	want := []string{
		"helm app",
		"kube app/charts/sub/crds/crontabs.yaml",
		"kustomize k/base",
		"kube k/base/deploy.yaml",
		"kustomize k/component",
		"kube k/component/extra.yaml",
		"kustomize k/overlay",
		"helm lib",
		"kube other/templates/configmap.yaml",
	}
	if d := cmp.Diff(want, kinds(dir)); d != "" {
		t.Errorf("walking (-want +got):\n%s", d)
	}
	// Named explicitly: Chart.yaml and a kustomization file stand for their
	// folder, and a subchart folder is rendered on its own.
	want = []string{"helm app", "kustomize k/overlay", "helm app/charts/sub", "kube app/charts/sub/crds/crontabs.yaml"}
	if d := cmp.Diff(want, kinds(filepath.Join(dir, "app/Chart.yaml"), filepath.Join(dir, "k/overlay/kustomization.yml"), filepath.Join(dir, "app/charts/sub"))); d != "" {
		t.Errorf("named (-want +got):\n%s", d)
	}
}

// objectRule reports every object at its start, naming it.
func objectRule(t *testing.T) (*rule.Rule, *suppress.Matcher) {
	t.Helper()
	r := &rule.Rule{
		ID: "XK001", Slug: "object-test", Title: "test", Severity: finding.High, Kind: rule.Kube,
		Why: "test", Bad: "x", Good: "y", Remediation: "Fix it.",
		Check: func(p *rule.Pass) error {
			for _, o := range p.Target.(*kube.File).Objects {
				p.Report(o.Loc, o.Kind+"/"+o.Name)
			}
			return nil
		},
	}
	reg, err := rule.NewRegistry(r)
	if err != nil {
		t.Fatal(err)
	}
	return r, suppress.NewMatcher(reg, nil, false, time.Now())
}

// tgz packs files (paths under the archive's top folder) as a chart
// archive.
func tgz(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestRenderObjectLocations: where objects without a template line point
// (a packaged subchart, a kustomize generator), that the objects of every
// render join the KubeSet, and that the scan's exclude globs apply to
// rendered templates.
func TestRenderObjectLocations(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"chart/Chart.yaml":             "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"chart/templates/svc.yaml":     "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-web\n",
		"chart/templates/tests/t.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: test\n",
		"chart/charts/cache-0.1.0.tgz": tgz(t, map[string]string{
			"cache/Chart.yaml":         "apiVersion: v2\nname: cache\nversion: 0.1.0\n",
			"cache/templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: cache\n",
		}),
		"k/kustomization.yaml": "namePrefix: p-\nresources:\n  - svc.yaml\nconfigMapGenerator:\n  - name: other\n    literals: [a=b]\n  - name: settings\n    literals: [LOG=debug]\n",
		"k/svc.yaml":           "# a comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n",
	})
	r, m := objectRule(t)
	var setObjects []string
	set := &rule.Rule{
		ID: "XS001", Slug: "set-test", Title: "test", Severity: finding.High, Kind: rule.KubeSet,
		Why: "test", Bad: "x", Good: "y", Remediation: "Fix it.",
		Check: func(p *rule.Pass) error {
			for o := range p.Target.(*kube.Set).Objects() {
				setObjects = append(setObjects, o.Kind+"/"+o.Name)
			}
			return nil
		},
	}
	opts := scan.Options{Rules: []*rule.Rule{r, set}, Matcher: m, Workers: 2, Exclude: []string{"**/templates/tests/**"}}
	res, err := scan.Run(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	var got []string
	for _, f := range res.Findings {
		rel := strings.TrimPrefix(f.Location.Path, filepath.ToSlash(dir)+"/")
		got = append(got, fmt.Sprintf("%s %s:%d:%d %s", f.Message, rel, f.Location.Start.Line, f.Location.Start.Column, f.Location.Render))
	}
	input := func(p string) string { return filepath.ToSlash(filepath.Join(dir, p)) }
	want := []string{
		"Service/cache chart/charts/cache-0.1.0.tgz:0:0 " + (&finding.Render{Kind: "helm", Input: input("chart"), ValuesSet: "default"}).String(),
		"Service/release-name-web chart/templates/svc.yaml:1:1 " + (&finding.Render{Kind: "helm", Input: input("chart"), ValuesSet: "default"}).String(),
		"ConfigMap/p-other-4h2mbtbbt6 k/kustomization.yaml:5:5 " + (&finding.Render{Kind: "kustomize", Input: input("k")}).String(),
		"ConfigMap/p-settings-ttchg99576 k/kustomization.yaml:7:5 " + (&finding.Render{Kind: "kustomize", Input: input("k")}).String(),
		"Service/api k/svc.yaml:2:1 ",
		"Service/p-api k/svc.yaml:2:1 " + (&finding.Render{Kind: "kustomize", Input: input("k")}).String(),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	sort.Strings(setObjects)
	wantSet := []string{"ConfigMap/p-other-4h2mbtbbt6", "ConfigMap/p-settings-ttchg99576", "Service/api", "Service/cache", "Service/p-api", "Service/release-name-web"}
	if d := cmp.Diff(wantSet, setObjects); d != "" {
		t.Errorf("KubeSet objects (-want +got):\n%s", d)
	}
}

// TestRenderErrors: a render that fails is an error naming the chart, the
// template and line Helm names, and the reason; never a silent empty
// result. Rendered YAML that does not parse is an error at its template
// line.
func TestRenderErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bad-yaml/Chart.yaml":         "apiVersion: v2\nname: bad-yaml\nversion: 0.1.0\n",
		"bad-yaml/templates/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n  labels: [\n",
		"bad-type/Chart.yaml":         "apiVersion: v2\nname: bad-type\nversion: 0.1.0\n",
		"bad-type/values.yaml":        "replicas: three\n",
		"bad-type/templates/dep.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: {{ .Values.replicas }}\n",
		"lib/Chart.yaml":              "apiVersion: v2\nname: lib\ntype: library\nversion: 0.1.0\n",
		"missing/kustomization.yaml":  "resources: [nope.yaml]\n",
		"needs-dep/Chart.yaml":        "apiVersion: v2\nname: needs-dep\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://charts.example.com\n",
		"needs-dep/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
	})
	r, m := objectRule(t)
	res, err := scan.Run(context.Background(), []string{dir, "testdata/render/broken"}, scan.Options{Rules: []*rule.Rule{r}, Matcher: m, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Errors {
		s := strings.ReplaceAll(e.Error(), filepath.ToSlash(dir)+"/", "")
		if prefix, _, ok := strings.Cut(s, "accumulating resources: "); ok {
			s = prefix + "accumulating resources: ..."
		}
		got = append(got, s)
	}
	want := []string{
		`bad-type/templates/dep.yaml:6: rendered from chart bad-type, values set "default": Deployment "x" does not decode: spec.replicas: want an integer (int32), not string (found "three")`,
		`bad-yaml/templates/pod.yaml:5: rendered from chart bad-yaml, values set "default": invalid YAML: did not find expected node content`,
		`missing: kustomize build failed: accumulating resources: ...`,
		`needs-dep: chart needs-dep: render failed with values set "default": dependencies declared in Chart.yaml but not vendored in charts/: redis 1.0.0 (https://charts.example.com); run ` + "`helm dependency build`" + ` to vendor them (charts are never downloaded)`,
		`testdata/render/broken/templates/pod.yaml:11: chart testdata/render/broken: render failed with values set "default": execution error at (broken/templates/pod.yaml:11:20): databaseUrl is required`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	var notes []string
	for _, n := range res.Notes {
		notes = append(notes, strings.ReplaceAll(n.Location.String()+": "+n.Message, filepath.ToSlash(dir)+"/", ""))
	}
	if d := cmp.Diff([]string{"lib: library chart: not rendered on its own (it renders with the charts that use it)"}, notes); d != "" {
		t.Errorf("notes (-want +got):\n%s", d)
	}

	// Rendering off (bulwark fix): nothing is rendered, nothing fails.
	res, err = scan.Run(context.Background(), []string{dir}, scan.Options{Rules: []*rule.Rule{r}, Matcher: m, Workers: 2, Render: scan.RenderOptions{Off: true}})
	if err != nil || len(res.Errors) > 0 || len(res.Findings) > 0 {
		t.Errorf("rendering off: %v %v %v", err, res.Errors, rows(res.Findings))
	}
}
