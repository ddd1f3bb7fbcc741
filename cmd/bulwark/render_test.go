package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// chartFiles is a chart whose container is privileged unless values say
// otherwise, and which requires a value only in some sets.
var chartFiles = map[string]string{
	"chart/Chart.yaml":       "apiVersion: v2\nname: web\nversion: 0.1.0\nkubeVersion: \">=1.25.0-0\"\n",
	"chart/values.yaml":      "privileged: false\nimage: example/web:1.0\n",
	"chart/values-prod.yaml": "privileged: true\n",
	"chart/templates/pod.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-web
  namespace: {{ .Release.Namespace }}
spec:
  containers:
    - name: web
      image: {{ .Values.image }}
      securityContext:
        privileged: {{ .Values.privileged }}
      {{- if .Values.requireDB }}
      env:
        - name: DB
          value: {{ required "database is required" .Values.database }}
      {{- end }}
`,
}

type jsonFinding struct {
	RuleID   string `json:"rule_id"`
	Location struct {
		Path   string
		Start  struct{ Line int }
		Object string
		Render *struct {
			Kind      string
			Input     string
			ValuesSet string `json:"values_set"`
		}
	}
}

// scanJSON runs bulwark scan --format json and returns the exit code, the
// KS001 findings as "path:line object [values set]", the errors and
// stderr.
func scanJSON(t *testing.T, dir string, args ...string) (int, []string, []string, string) {
	t.Helper()
	code, out, errs := runCLI(t, append([]string{"scan", "--format", "json", dir}, args...)...)
	var rep struct {
		Findings []jsonFinding
		Errors   []struct {
			Path  string
			Line  int
			Error string
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errs)
	}
	validate(t, "../../docs/json-report.schema.json", []byte(out))
	var fs, es []string
	for _, f := range rep.Findings {
		if f.RuleID != "KS001" {
			continue
		}
		s := strings.TrimPrefix(f.Location.Path, filepath.ToSlash(dir)+"/") + ":" + itoa(f.Location.Start.Line) + " " + f.Location.Object
		if r := f.Location.Render; r != nil {
			s += " [" + r.Kind + " " + r.ValuesSet + "]"
		}
		fs = append(fs, s)
	}
	for _, e := range rep.Errors {
		es = append(es, strings.ReplaceAll(strings.TrimPrefix(e.Path, filepath.ToSlash(dir)+"/")+":"+itoa(e.Line)+": "+e.Error, filepath.ToSlash(dir)+"/", ""))
	}
	return code, fs, es, errs
}

// validate checks a report against a JSON schema.
func validate(t *testing.T, schema string, doc []byte) {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile(schema)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("report does not validate against %s: %v", schema, err)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestScanHelmChart(t *testing.T) {
	dir := tree(t, chartFiles)
	for _, tc := range []struct {
		name   string
		config string
		args   []string
		code   int
		want   []string
	}{
		{"chart's own values", "", nil, exitOK, nil},
		{"--set", "", []string{"--set", "privileged=true"}, exitFindings,
			[]string{"chart/templates/pod.yaml:11 Pod/default/release-name-web [helm command line]"}},
		{"--values, --release-name, --namespace", "", []string{"--values", filepath.Join(dir, "chart/values-prod.yaml"), "--release-name", "shop", "--namespace", "prod"}, exitFindings,
			[]string{"chart/templates/pod.yaml:11 Pod/prod/shop-web [helm values-prod.yaml]"}},
		{"config values sets", "helm:\n  namespace: team\n  charts:\n    - path: chart\n      values:\n        - name: dev\n        - name: prod\n          files: [chart/values-prod.yaml]\n        - name: prod-local\n          files: [chart/values-prod.yaml]\n          set: [privileged=false]\n", nil, exitFindings,
			[]string{"chart/templates/pod.yaml:11 Pod/team/release-name-web [helm prod]"}},
		{"flags override the config", "helm:\n  release-name: cfg\n  charts:\n    - path: chart\n      release-name: chart-cfg\n      values:\n        - name: prod\n          files: [chart/values-prod.yaml]\n", []string{"--set", "privileged=true", "--release-name", "flag"}, exitFindings,
			[]string{"chart/templates/pod.yaml:11 Pod/default/flag-web [helm command line]"}},
		{"config release name", "helm:\n  release-name: cfg\n  charts:\n    - path: chart\n      release-name: chart-cfg\n      values:\n        - name: prod\n          files: [chart/values-prod.yaml]\n", nil, exitFindings,
			[]string{"chart/templates/pod.yaml:11 Pod/default/chart-cfg-web [helm prod]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, ".bulwark.yaml"))
			if tc.config != "" {
				if err := os.WriteFile(filepath.Join(dir, ".bulwark.yaml"), []byte(tc.config), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, fs, es, stderr := scanJSON(t, dir, tc.args...)
			if code != tc.code || len(es) > 0 {
				t.Errorf("exit %d, want %d; errors %v\n%s", code, tc.code, es, stderr)
			}
			if d := cmp.Diff(tc.want, fs); d != "" {
				t.Errorf("KS001 findings (-want +got):\n%s", d)
			}
		})
	}
}

// TestScanHelmRenderFailure is issue 4's proof: a chart with a template
// error makes the scan incomplete (exit 3) and says why, where.
func TestScanHelmRenderFailure(t *testing.T) {
	dir := tree(t, chartFiles)
	code, fs, es, _ := scanJSON(t, dir, "--set", "requireDB=true")
	want := []string{`chart/templates/pod.yaml:15: chart chart: render failed with values set "command line": execution error at (web/templates/pod.yaml:15:20): database is required`}
	if code != exitIncomplete || len(fs) != 0 {
		t.Errorf("exit %d, findings %v", code, fs)
	}
	if d := cmp.Diff(want, es); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	// The table says it too.
	code, out, _ := runCLI(t, "scan", filepath.Join(dir, "chart"), "--set", "requireDB=true")
	if code != exitIncomplete || !strings.Contains(out, "error: "+filepath.ToSlash(filepath.Join(dir, "chart/templates/pod.yaml"))+":15: ") || !strings.Contains(out, "database is required") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// So does a chart the Kubernetes version does not meet, whether the
	// flag or the config names it; the flag wins.
	code, _, es, _ = scanJSON(t, dir, "--kube-version", "1.24")
	if code != exitIncomplete || len(es) != 1 || !strings.Contains(es[0], "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24") {
		t.Errorf("exit %d, errors %v", code, es)
	}
	if err := os.WriteFile(filepath.Join(dir, ".bulwark.yaml"), []byte("kube-version: v1.23.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, es, _ = scanJSON(t, dir)
	if code != exitIncomplete || len(es) != 1 || !strings.Contains(es[0], "incompatible with Kubernetes v1.23.4") {
		t.Errorf("config kube-version: exit %d, errors %v", code, es)
	}
	if code, _, es, _ = scanJSON(t, dir, "--kube-version", "1.31"); code != exitOK || len(es) != 0 {
		t.Errorf("--kube-version over the config: exit %d, errors %v", code, es)
	}
}

// TestScanChartNamed: naming a chart's Chart.yaml scans the chart.
func TestScanChartNamed(t *testing.T) {
	dir := tree(t, chartFiles)
	code, out, errs := runCLI(t, "scan", "--format", "json", filepath.Join(dir, "chart", "Chart.yaml"), "--set", "privileged=true")
	if code != exitFindings || !strings.Contains(out, `"path": "`+filepath.ToSlash(filepath.Join(dir, "chart", "templates", "pod.yaml"))+`"`) {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
}

func TestScanRenderUsageErrors(t *testing.T) {
	dir := tree(t, chartFiles)
	for _, tc := range []struct {
		name   string
		config string
		args   []string
		want   string
	}{
		{"bad --kube-version", "", []string{"--kube-version", "2.1"}, `--kube-version: "2.1" is not a Kubernetes version`},
		{"bad --set", "", []string{"--set", "a[=1"}, `--set "a[=1"`},
		{"missing --values", "", []string{"--values", "nope.yaml"}, "--values: nope.yaml not found"},
		{"bad --release-name", "", []string{"--release-name", "Shop"}, `--release-name "Shop": invalid release name`},
		{"config chart missing", "helm:\n  charts:\n    - path: nope\n", nil, ".bulwark.yaml:3: helm.charts: nope is not a chart folder"},
		{"config values file missing", "helm:\n  charts:\n    - path: chart\n      values:\n        - files: [v.yaml]\n", nil, `.bulwark.yaml:5: chart chart: values set "v.yaml": values file`},
		{"config kube-version", "kube-version: latest-ish\n", nil, `.bulwark.yaml:1: kube-version: "latest-ish"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, ".bulwark.yaml"))
			if tc.config != "" {
				if err := os.WriteFile(filepath.Join(dir, ".bulwark.yaml"), []byte(tc.config), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, _, errs := runCLI(t, append([]string{"scan", dir}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, errs, tc.want)
			}
		})
	}
}

// TestScanKustomize: an overlay builds, and what it changes is reported
// at the base's lines, naming the overlay.
func TestScanKustomize(t *testing.T) {
	dir := tree(t, map[string]string{
		"base/kustomization.yaml":    "resources: [pod.yaml]\n",
		"base/pod.yaml":              "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1.0\n      securityContext:\n        privileged: false\n",
		"overlay/kustomization.yaml": "resources: [../base]\nnamePrefix: dev-\npatches:\n  - path: debug.yaml\n",
		"overlay/debug.yaml":         "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      securityContext:\n        privileged: true\n",
	})
	code, fs, es, stderr := scanJSON(t, dir)
	want := []string{"base/pod.yaml:9 Pod/dev-web [kustomize ]"}
	if code != exitFindings || len(es) > 0 || stderr != "" {
		t.Errorf("exit %d, errors %v, stderr %q", code, es, stderr)
	}
	if d := cmp.Diff(want, fs); d != "" {
		t.Errorf("KS001 findings (-want +got):\n%s", d)
	}
}

// TestQuietLibraries runs the real main: kustomize's deprecation warning,
// which it writes to os.Stderr itself, never reaches the terminal.
func TestQuietLibraries(t *testing.T) {
	if args := os.Getenv("BULWARK_TEST_MAIN"); args != "" {
		os.Args = append([]string{"bulwark"}, strings.Split(args, "\x1f")...)
		main()
		return
	}
	dir := tree(t, map[string]string{
		"k/kustomization.yaml": "resources: [cm.yaml]\ncommonLabels:\n  team: a\n",
		"k/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
	})
	cmd := exec.Command(os.Args[0], "-test.run=^TestQuietLibraries$")
	cmd.Env = append(os.Environ(), "BULWARK_TEST_MAIN=scan\x1f"+dir+"\x1f--color\x1fnever")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil || stderr.Len() > 0 || !strings.HasPrefix(stdout.String(), "0 findings") {
		t.Errorf("%v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
}
