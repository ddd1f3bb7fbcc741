package render

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writeTree writes files (slash paths to contents) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// copyTree copies the folder src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

const chartYAML = "apiVersion: v2\nname: c\nversion: 0.1.0\n"

// lineOf returns the 1-based line of data that contains s, or fails.
func lineOf(t *testing.T, data []byte, s string) int {
	t.Helper()
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("no line contains %q in\n%s", s, data)
	return 0
}

func find(rs []Rendered, set, tpl string) *Rendered {
	for i := range rs {
		if rs[i].ValuesSet == set && rs[i].Template == tpl {
			return &rs[i]
		}
	}
	return nil
}

func TestRenderChartTwoValueSets(t *testing.T) {
	out, err := RenderChart(context.Background(), "testdata/chart/web", HelmOptions{
		Root:      "testdata",
		Namespace: "shop",
		ValueSets: []ValueSet{{}, {Files: []string{"testdata/chart/web/values-hardened.yaml"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Set, Template, Source string }
	var got []row
	for _, r := range out {
		got = append(got, row{r.ValuesSet, r.Template, r.SourcePath})
		if r.Input != "chart/web" || r.Packaged || r.LineMap == nil {
			t.Errorf("%s %s: Input %q Packaged %v LineMap nil %v", r.ValuesSet, r.Template, r.Input, r.Packaged, r.LineMap == nil)
		}
	}
	want := []row{
		// The cache subchart is on by default and off in the hardened set;
		// the ConfigMap only renders with configData; NOTES.txt never shows.
		{"default", "charts/cache/templates/statefulset.yaml", "chart/web/charts/cache/templates/statefulset.yaml"},
		{"default", "templates/deployment.yaml", "chart/web/templates/deployment.yaml"},
		{"default", "templates/service.yaml", "chart/web/templates/service.yaml"},
		{"values-hardened.yaml", "templates/configmap.yaml", "chart/web/templates/configmap.yaml"},
		{"values-hardened.yaml", "templates/deployment.yaml", "chart/web/templates/deployment.yaml"},
		{"values-hardened.yaml", "templates/service.yaml", "chart/web/templates/service.yaml"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("rendered templates (-want +got):\n%s", d)
	}

	def := find(out, "default", "templates/deployment.yaml")
	hard := find(out, "values-hardened.yaml", "templates/deployment.yaml")
	for _, c := range []struct {
		r    *Rendered
		want []string
		not  []string
	}{
		{def, []string{"replicas: 1", `image: "nginx:1.25.0"`, "privileged: true", "name: release-name-web"}, []string{"runAsNonRoot", "env:"}},
		{hard, []string{"replicas: 3", `image: "nginx:1.25.3"`, "runAsNonRoot: true", "- ALL", "value: \"strict\""}, nil},
		{find(out, "default", "templates/service.yaml"), []string{"namespace: shop"}, nil},
	} {
		for _, w := range c.want {
			if !strings.Contains(string(c.r.Data), w) {
				t.Errorf("%s %s lacks %q:\n%s", c.r.ValuesSet, c.r.Template, w, c.r.Data)
			}
		}
		for _, w := range c.not {
			if strings.Contains(string(c.r.Data), w) {
				t.Errorf("%s %s has %q", c.r.ValuesSet, c.r.Template, w)
			}
		}
		if strings.Contains(string(c.r.Data), "# Source:") {
			t.Errorf("Data carries a Source comment")
		}
	}

	// Rendered lines map to the template lines that wrote them (see
	// testdata/chart/web/templates/deployment.yaml).
	for _, c := range []struct {
		r        *Rendered
		rendered string
		line     int
	}{
		{def, "kind: Deployment", 2},
		{def, "name: release-name-web", 4},
		{def, "app.kubernetes.io/instance: release-name", 6}, // include ... | nindent 4
		{def, "replicas: 1", 8},
		{def, `image: "nginx:1.25.0"`, 23},
		{def, "privileged: true", 26}, // toYaml .Values.securityContext
		{def, "containerPort: 8080", 29},
		{hard, "runAsUser: 10001", 19}, // toYaml inside with
		{hard, "  securityContext:\n        runAsNonRoot", 18},
		{hard, "- name: LOG_LEVEL", 33},
		{hard, "- name: MODE", 33}, // the range's second pass
		{hard, `value: "strict"`, 34},
		{hard, "memory: 128Mi", 38},
		{hard, "resources:", 37},
	} {
		var n int
		if i := strings.Index(c.rendered, "\n"); i >= 0 {
			n = lineOf(t, c.r.Data, c.rendered[:i]) // first line of a two-line probe
			if !strings.Contains(string(c.r.Data), c.rendered) {
				t.Fatalf("probe %q not in output", c.rendered)
			}
		} else {
			n = lineOf(t, c.r.Data, c.rendered)
		}
		got, ok := c.r.LineMap(n)
		if !ok || got != c.line {
			t.Errorf("%s: %q (line %d) maps to %d %v, want %d", c.r.ValuesSet, c.rendered, n, got, ok, c.line)
		}
	}
	if _, ok := def.LineMap(0); ok {
		t.Error("line 0 mapped")
	}
	if _, ok := def.LineMap(10000); ok {
		t.Error("line past the end mapped")
	}
}

// TestEngineMatchesHelm renders the testdata chart with Helm's own engine

// tgz packs the folder dir as a chart archive whose entries sit under name/.
func tgz(t *testing.T, dir, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		hdr := &tar.Header{Name: name + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRenderChartSubcharts(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "testdata/chart/web", dir)
	// Pack the cache subchart, and vendor a second copy under an alias.
	archive := tgz(t, filepath.Join(dir, "charts", "cache"), "cache")
	if err := os.RemoveAll(filepath.Join(dir, "charts", "cache")); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{
		"charts/cache-0.1.0.tgz":          string(archive),
		"charts/store/Chart.yaml":         "apiVersion: v2\nname: store\nversion: 1.0.0\n",
		"charts/store/templates/pod.yaml": "kind: Pod\nmetadata:\n  name: {{ .Values.name }}\n",
		"Chart.yaml": `apiVersion: v2
name: web
version: 0.1.0
appVersion: "1.25.0"
dependencies:
  - name: cache
    version: 0.1.0
  - name: store
    version: 1.0.0
    alias: primary
`,
	})
	if err := os.WriteFile(filepath.Join(dir, "charts", "cache-0.1.0.tgz"), archive, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := RenderChart(context.Background(), dir, HelmOptions{ValueSets: []ValueSet{{Set: []string{"primary.name=db"}}}})
	if err != nil {
		t.Fatal(err)
	}
	cache := find(out, "default", "charts/cache/templates/statefulset.yaml")
	if cache == nil || cache.SourcePath != "charts/cache-0.1.0.tgz" || !cache.Packaged || cache.LineMap != nil {
		t.Errorf("packaged subchart: %+v", cache)
	}
	store := find(out, "default", "charts/primary/templates/pod.yaml")
	if store == nil || store.SourcePath != "charts/store/templates/pod.yaml" || store.Packaged || !strings.Contains(string(store.Data), "name: db") {
		t.Fatalf("aliased subchart: %+v", store)
	}
	if l, ok := store.LineMap(3); !ok || l != 3 {
		t.Errorf("aliased subchart line 3 maps to %d %v", l, ok)
	}
}

func TestRenderChartErrors(t *testing.T) {
	schema := `{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
  "properties": {"replicas": {"type": "integer"}}}`
	for _, c := range []struct {
		name  string
		files map[string]string
		set   ValueSet
		kube  string
		want  []string
	}{
		{
			name:  "parse error",
			files: map[string]string{"templates/a.yaml": "kind: Pod\nmetadata:\n  name: {{ .Values.name \n"},
			want:  []string{"templates/a.yaml:3", "unclosed action"},
		},
		{
			name:  "undefined function",
			files: map[string]string{"templates/a.yaml": "kind: Pod\n\nname: {{ nosuch .Values.name }}\n"},
			want:  []string{"templates/a.yaml:3", `function "nosuch" not defined`},
		},
		{
			name:  "required value",
			files: map[string]string{"templates/a.yaml": "kind: Pod\nname: {{ required \"name is required\" .Values.name }}\n"},
			want:  []string{"c/templates/a.yaml:2:", "name is required"},
		},
		{
			name:  "fail",
			files: map[string]string{"templates/a.yaml": "{{ fail \"unsupported mode\" }}"},
			want:  []string{"c/templates/a.yaml:1:", "unsupported mode"},
		},
		{
			name:  "nil pointer",
			files: map[string]string{"templates/a.yaml": "a: 1\nb: {{ .Values.x.y.z }}\n"},
			want:  []string{"c/templates/a.yaml:2:", "nil pointer"},
		},
		{
			name:  "bad values yaml",
			files: map[string]string{"templates/a.yaml": "a: 1\n", "bad.yaml": "a: [1, 2\n"},
			set:   ValueSet{Files: []string{"bad.yaml"}},
			want:  []string{"values file", "bad.yaml", "yaml"},
		},
		{
			name:  "chart values yaml",
			files: map[string]string{"templates/a.yaml": "a: 1\n", "values.yaml": "a: [1, 2\n"},
			want:  []string{"values.yaml"},
		},
		{
			name:  "missing values file",
			files: map[string]string{"templates/a.yaml": "a: 1\n"},
			set:   ValueSet{Files: []string{"nope.yaml"}},
			want:  []string{"values file", "nope.yaml"},
		},
		{
			name:  "bad set",
			files: map[string]string{"templates/a.yaml": "a: 1\n"},
			set:   ValueSet{Set: []string{"a.b[x]=1"}},
			want:  []string{"--set", "a.b[x]=1"},
		},
		{
			name: "remote dependency",
			files: map[string]string{
				"templates/a.yaml": "a: 1\n",
				"Chart.yaml":       chartYAML + "dependencies:\n  - name: redis\n    version: 17.0.0\n    repository: https://charts.example.com\n",
			},
			want: []string{"redis 17.0.0 (https://charts.example.com)", "not vendored", "helm dependency build"},
		},
		{
			name: "kube version",
			files: map[string]string{
				"templates/a.yaml": "a: 1\n",
				"Chart.yaml":       chartYAML + "kubeVersion: '>=1.30.0'\n",
			},
			kube: "1.29",
			want: []string{"kubeVersion", ">=1.30.0", "v1.29"},
		},
		{
			name:  "schema",
			files: map[string]string{"templates/a.yaml": "a: 1\n", "values.schema.json": schema},
			set:   ValueSet{Set: []string{"replicas=three"}},
			want:  []string{"schema", "replicas", "integer"},
		},
		{
			name: "remote schema reference",
			files: map[string]string{"templates/a.yaml": "a: 1\n", "values.schema.json": `{"type": "object",
  "properties": {"replicas": {"$ref": "https://schemas.example.com/int.json"}}}`},
			want: []string{"https://schemas.example.com/int.json", "never fetched"},
		},
		{
			name:  "library chart",
			files: map[string]string{"templates/_a.tpl": "", "Chart.yaml": chartYAML + "type: library\n"},
			want:  []string{"library"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"Chart.yaml": chartYAML}
			for k, v := range c.files {
				files[k] = v
			}
			writeTree(t, dir, files)
			for i, f := range c.set.Files {
				c.set.Files[i] = filepath.Join(dir, f)
			}
			out, err := RenderChart(context.Background(), dir, HelmOptions{KubeVersion: c.kube, ValueSets: []ValueSet{c.set}})
			if err == nil {
				t.Fatalf("no error; rendered %d", len(out))
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "render chart .") {
				t.Errorf("error %q does not name the chart", err)
			}
		})
	}
}

// TestRenderChartBrokenTestdata is the chart other packages use for a
// template error: the message names the template, the line and the reason.
func TestRenderChartBrokenTestdata(t *testing.T) {
	_, err := RenderChart(context.Background(), "testdata/chart/broken", HelmOptions{Root: "testdata"})
	want := `render chart chart/broken with values set "default": execution error at (broken/templates/pod.yaml:11:`
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "databaseUrl is required") {
		t.Fatalf("error %v, want %s...databaseUrl is required", err, want)
	}
}

// TestRenderChartSetsFailSeparately: one failing values set does not hide
// the others, and its error names it.
func TestRenderChartSetsFailSeparately(t *testing.T) {
	out, err := RenderChart(context.Background(), "testdata/chart/broken", HelmOptions{
		ValueSets: []ValueSet{{Name: "ok", Set: []string{"databaseUrl=postgres://db"}}, {Name: "missing"}},
	})
	if err == nil || !strings.Contains(err.Error(), `values set "missing"`) || strings.Contains(err.Error(), `"ok"`) {
		t.Fatalf("error %v", err)
	}
	if len(out) != 1 || out[0].ValuesSet != "ok" || !strings.Contains(string(out[0].Data), "value: postgres://db") {
		t.Fatalf("rendered %+v", out)
	}
}

func TestRenderChartBounds(t *testing.T) {
	objects := func(n int) string {
		return "{{ range $i := until " + strconv.Itoa(n) + " }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ $i }}\n{{- end }}\n"
	}
	for _, c := range []struct {
		name   string
		files  map[string]string
		set    ValueSet
		limits Limits
		want   string // error substring; "" means success
		within time.Duration
	}{
		{name: "10000 objects", files: map[string]string{"templates/a.yaml": objects(10000)}, within: 20 * time.Second},
		{name: "10001 objects", files: map[string]string{"templates/a.yaml": objects(10001)}, want: "more than 10000 documents"},
		{
			name:  "values alias bomb",
			files: map[string]string{"templates/a.yaml": "a: 1\n", "bomb.yaml": aliasBomb},
			set:   ValueSet{Files: []string{"bomb.yaml"}},
			want:  "bomb.yaml", within: 5 * time.Second,
		},
		{
			name:  "chart values alias bomb",
			files: map[string]string{"templates/a.yaml": "a: 1\n", "values.yaml": aliasBomb},
			want:  "values.yaml", within: 5 * time.Second,
		},
		{
			name:  "deep values",
			files: map[string]string{"templates/a.yaml": "a: 1\n", "deep.yaml": "a: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n"},
			set:   ValueSet{Files: []string{"deep.yaml"}},
			want:  "deep.yaml", within: 5 * time.Second,
		},
		{
			name:  "huge set index",
			files: map[string]string{"templates/a.yaml": "a: 1\n"},
			set:   ValueSet{Set: []string{"a[100000000]=1"}},
			want:  "--set", within: 5 * time.Second,
		},
		{
			name:   "big values file",
			files:  map[string]string{"templates/a.yaml": "a: 1\n", "big.yaml": "a: " + strings.Repeat("x", 2000) + "\n"},
			set:    ValueSet{Files: []string{"big.yaml"}},
			limits: Limits{MaxInputBytes: 1000},
			want:   "larger than the limit of 1000 bytes",
		},
		{
			name:   "too many files",
			files:  map[string]string{"templates/a.yaml": "a: 1\n", "files/1": "", "files/2": "", "files/3": ""},
			limits: Limits{MaxFiles: 3},
			want:   "more than 3 files",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"Chart.yaml": chartYAML}
			for k, v := range c.files {
				files[k] = v
			}
			writeTree(t, dir, files)
			for i, f := range c.set.Files {
				c.set.Files[i] = filepath.Join(dir, f)
			}
			start := time.Now()
			out, err := RenderChart(context.Background(), dir, HelmOptions{Limits: c.limits, ValueSets: []ValueSet{c.set}})
			took := time.Since(start)
			if c.within > 0 && took > c.within {
				t.Errorf("took %s, want under %s", took, c.within)
			}
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				docs := 0
				for _, r := range out {
					docs += countDocuments(string(r.Data))
				}
				t.Logf("%d documents in %s", docs, took)
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}
}

// aliasBomb is the billion laughs in YAML.
const aliasBomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

func TestRenderChartSymlinks(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"secret.yaml": "password: hunter2\n"})
	for _, c := range []struct {
		name string
		link string // inside the chart
		to   string // target; relative targets are relative to the link
		want string // "" means it renders
	}{
		{"file outside", "templates/evil.yaml", filepath.Join(outside, "secret.yaml"), "outside the chart folder"},
		{"folder outside", "files", outside, "outside the chart folder"},
		{"loop", "templates/again", "..", "symlink loop"},
		{"file inside", "templates/linked.yaml", "../shared/cm.yaml", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{
				"Chart.yaml":       chartYAML,
				"templates/a.yaml": "kind: ConfigMap\n",
				"shared/cm.yaml":   "kind: Secret\nmetadata:\n  name: {{ .Release.Name }}\n",
			})
			if err := os.Symlink(c.to, filepath.Join(dir, filepath.FromSlash(c.link))); err != nil {
				t.Fatal(err)
			}
			out, err := RenderChart(context.Background(), dir, HelmOptions{})
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				r := find(out, "default", "templates/linked.yaml")
				if r == nil || r.SourcePath != "templates/linked.yaml" || !strings.Contains(string(r.Data), "name: release-name") {
					t.Fatalf("linked template: %+v", r)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestDefaultKubeVersionMatchesGoMod(t *testing.T) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Skip(err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/api v0\.(\d+)\.`).FindSubmatch(data)
	if m == nil {
		t.Skip("k8s.io/api not in go.mod")
	}
	if want := "v1." + string(m[1]) + ".0"; DefaultKubeVersion != want {
		t.Errorf("DefaultKubeVersion %s, k8s.io/api says %s", DefaultKubeVersion, want)
	}
}
