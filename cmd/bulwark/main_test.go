package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs bulwark in process and returns the exit code and outputs.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &env{
		stdout:   &out,
		stderr:   &errb,
		terminal: func(io.Writer) bool { return false },
		getenv:   func(string) string { return "" },
	})
	return code, out.String(), errb.String()
}

// tree writes files (path -> content) under a temp dir and returns it.
func tree(t *testing.T, files map[string]string) string {
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

const (
	clean = "FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nUSER 10001:10001\nCMD [\"/app\"]\n"
	// medium has only a MEDIUM finding (DF001) besides lower ones.
	medium = "FROM alpine\nUSER 10001\nCMD [\"/app\"]\n"
	// high has a HIGH finding (DF005: no USER).
	high = "FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nCMD [\"/app\"]\n"
)

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		args  []string
		want  int
	}{
		{"clean", map[string]string{"Dockerfile": clean}, nil, exitOK},
		{"below threshold", map[string]string{"Dockerfile": medium}, nil, exitOK},
		{"at threshold", map[string]string{"Dockerfile": high}, nil, exitFindings},
		{"lower threshold", map[string]string{"Dockerfile": medium}, []string{"--fail-on", "MEDIUM"}, exitFindings},
		{"fail-on none", map[string]string{"Dockerfile": high}, []string{"--fail-on", "none"}, exitOK},
		{"hidden by --severity", map[string]string{"Dockerfile": high}, []string{"--severity", "LOW,INFO"}, exitOK},
		{"suppressed inline", map[string]string{"Dockerfile": "# bulwark:ignore-file DF005 -- runs under gVisor\n" + high}, nil, exitOK},
		{"strict ignores inline", map[string]string{"Dockerfile": "# bulwark:ignore-file DF005 -- runs under gVisor\n" + high}, []string{"--strict"}, exitFindings},
		{"hadolint pragma", map[string]string{"Dockerfile": "FROM alpine:3.20\n# hadolint ignore=DL3002\nUSER root\n"}, []string{"--disable", "DF005"}, exitOK},
		{"config ignore", map[string]string{"Dockerfile": high, ".bulwark.yaml": "ignore:\n  - rules: [DF005]\n    reason: runs under gVisor\n"}, nil, exitOK},
		{"config fail-on", map[string]string{"Dockerfile": medium, ".bulwark.yaml": "fail-on: MEDIUM\n"}, nil, exitFindings},
		{"unparsable", map[string]string{"Dockerfile": "# only a comment\n"}, nil, exitIncomplete},
		{"invalid utf-8", map[string]string{"Dockerfile": "FROM alpine\nRUN echo \xff\xfe\n"}, nil, exitIncomplete},
		{"unparsable beats findings", map[string]string{"a/Dockerfile": high, "b/Dockerfile": "FROM alpine\nRUN <<EOF\nunterminated\n"}, nil, exitIncomplete},
		{"unknown flag", map[string]string{"Dockerfile": clean}, []string{"--bogus"}, exitUsage},
		{"bad format", map[string]string{"Dockerfile": clean}, []string{"--format", "xml"}, exitUsage},
		{"bad severity", map[string]string{"Dockerfile": clean}, []string{"--fail-on", "SEVERE"}, exitUsage},
		{"unknown config key", map[string]string{"Dockerfile": clean, ".bulwark.yaml": "fail-on: HIGH\nfailon: LOW\n"}, nil, exitUsage},
		{"unknown rule in config", map[string]string{"Dockerfile": clean, ".bulwark.yaml": "rules:\n  disable: [DF999]\n"}, nil, exitUsage},
		{"ignore without reason", map[string]string{"Dockerfile": clean, ".bulwark.yaml": "ignore:\n  - rules: [DF005]\n"}, nil, exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, tc.files)
			code, out, errs := runCLI(t, append([]string{"scan", dir}, tc.args...)...)
			if code != tc.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.want, out, errs)
			}
		})
	}
}

func TestMissingPathIsUsageError(t *testing.T) {
	code, _, errs := runCLI(t, "scan", filepath.Join(t.TempDir(), "nope"))
	if code != exitUsage || !strings.Contains(errs, "nope") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestConfigErrorNamesKeyAndLine(t *testing.T) {
	dir := tree(t, map[string]string{"Dockerfile": clean, ".bulwark.yaml": "fail-on: HIGH\nignore: []\nfailon: LOW\n"})
	_, _, errs := runCLI(t, "scan", dir)
	if !strings.Contains(errs, ".bulwark.yaml:3") || !strings.Contains(errs, "failon") {
		t.Errorf("error should name the file, line 3 and the key: %q", errs)
	}
}

func TestConfigFoundWalkingUp(t *testing.T) {
	dir := tree(t, map[string]string{
		"svc/deep/Dockerfile": high,
		".bulwark.yaml":       "exclude: [\"**/deep/**\"]\n",
	})
	code, out, _ := runCLI(t, "scan", filepath.Join(dir, "svc"), "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: the config two levels up should exclude svc/deep\n%s", code, out)
	}
	var rep struct{ Summary struct{ Files int } }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Files != 0 {
		t.Errorf("excluded file was scanned: %d files", rep.Summary.Files)
	}
}

func TestSkipAppliesWhileWalking(t *testing.T) {
	dir := tree(t, map[string]string{
		"keep/Dockerfile":             high,
		"third_party/x/Dockerfile":    high,
		"node_modules/pkg/Dockerfile": high,
		"app/service.Dockerfile":      high,
		"app/Containerfile":           high,
		"app/README.md":               "not a Dockerfile",
		"app/Dockerfile.dockerignore": ".git\n",
	})
	code, out, _ := runCLI(t, "scan", dir, "--skip", "third_party/**", "--format", "json")
	if code != exitFindings {
		t.Fatalf("exit %d", code)
	}
	var rep struct{ Summary struct{ Files int } }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Files != 3 { // keep/Dockerfile, app/service.Dockerfile, app/Containerfile
		t.Errorf("scanned %d files, want 3", rep.Summary.Files)
	}
}

func TestRulesCommand(t *testing.T) {
	code, out, _ := runCLI(t, "rules")
	if code != 0 || !strings.Contains(out, "DF001") {
		t.Fatalf("rules: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "rules", "explain", "DL3002")
	if code != 0 || !strings.Contains(out, "# DF006") {
		t.Errorf("explain by hadolint ID: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "rules", "--format", "json")
	var cat []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &cat) != nil || len(cat) == 0 {
		t.Errorf("rules --format json: exit %d", code)
	}
	if code, _, _ := runCLI(t, "rules", "explain", "NOPE1"); code != exitUsage {
		t.Errorf("explain unknown: exit %d", code)
	}
}

func TestOutputFile(t *testing.T) {
	dir := tree(t, map[string]string{"Dockerfile": high})
	outFile := filepath.Join(t.TempDir(), "report.sarif")
	code, stdout, _ := runCLI(t, "scan", dir, "--format", "sarif", "--output", outFile)
	if code != exitFindings || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	data, err := os.ReadFile(outFile)
	if err != nil || !strings.Contains(string(data), `"version": "2.1.0"`) {
		t.Errorf("sarif file: %v\n%s", err, data)
	}
}

func TestFixCommand(t *testing.T) {
	src := "FROM alpine:3.20 as build\nADD app.conf /etc/app.conf\nUSER 10001\n"
	dir := tree(t, map[string]string{"Dockerfile": src})
	df := filepath.Join(dir, "Dockerfile")

	code, out, errs := runCLI(t, "fix", "--diff", dir)
	if code != exitOK || !strings.Contains(out, "-ADD app.conf") || !strings.Contains(out, "+COPY app.conf") {
		t.Fatalf("fix --diff: exit %d\n%s\n%s", code, out, errs)
	}
	if data, _ := os.ReadFile(df); string(data) != src {
		t.Fatal("--diff changed the file")
	}
	if !strings.Contains(errs, "not fixed:") {
		t.Errorf("fix should list findings it cannot fix:\n%s", errs)
	}

	code, _, errs = runCLI(t, "fix", dir)
	if code != exitOK {
		t.Fatalf("fix: exit %d\n%s", code, errs)
	}
	data, _ := os.ReadFile(df)
	if want := "FROM alpine:3.20 AS build\nCOPY app.conf /etc/app.conf\nUSER 10001\n"; string(data) != want {
		t.Errorf("fixed file:\n%s\nwant:\n%s", data, want)
	}
	// Scanning again finds nothing fixable.
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
}

// TestConfigGlobsAreRelativeToTheConfig scans by absolute path from
// another working directory: ignore and exclude globs still apply.
func TestConfigGlobsAreRelativeToTheConfig(t *testing.T) {
	dir := tree(t, map[string]string{
		"legacy/Dockerfile":  high,
		"vendor2/Dockerfile": high,
		".bulwark.yaml":      "exclude: [\"vendor2/**\"]\nignore:\n  - rules: [df005, DS002]\n    paths: [\"legacy/**\"]\n    reason: legacy image\n",
	})
	code, out, errs := runCLI(t, "scan", dir, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var rep struct {
		Summary struct{ Files, Suppressed int }
		Stale   []any `json:"stale_suppressions"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Files != 1 || rep.Summary.Suppressed == 0 || len(rep.Stale) != 0 {
		t.Errorf("summary %+v, stale %v", rep.Summary, rep.Stale)
	}
}

func TestExplainPeerAliases(t *testing.T) {
	for _, name := range []string{"DS002", "ds-0002", "AVD-DS-0002", "dl3002", "user-root", "df006"} {
		code, out, _ := runCLI(t, "rules", "explain", name)
		if code != 0 || !strings.Contains(out, "# DF006") {
			t.Errorf("explain %s: exit %d", name, code)
		}
	}
}

func TestOutputErrors(t *testing.T) {
	dir := tree(t, map[string]string{"Dockerfile": high})
	if code, _, errs := runCLI(t, "scan", dir, "-o", filepath.Join(dir, "no", "such", "dir", "r.json")); code != exitUsage {
		t.Errorf("unwritable --output: exit %d (%s)", code, errs)
	}
	if code, _, _ := runCLI(t, "scan", dir, "--color", "sometimes", "-o", filepath.Join(dir, "r.txt")); code != exitUsage {
		t.Errorf("bad --color with -o: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.txt")); err == nil {
		t.Error("a report file was left behind after a usage error")
	}
}

// TestExamples pins the README's first command: the weak examples show
// the weaknesses they were written with, the hardened ones scan clean.
func TestExamples(t *testing.T) {
	code, out, errs := runCLI(t, "scan", "../../examples/hardened", "--format", "json")
	if code != exitOK || !strings.Contains(out, `"findings": []`) {
		t.Errorf("hardened examples: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "scan", "../../examples/weak", "--format", "json")
	if code != exitFindings {
		t.Fatalf("weak examples: exit %d", code)
	}
	for _, id := range []string{"DF001", "DF005", "DF007", "DF070", "RC001", "RC020", "RC036", "CP001", "KS001", "KS002", "KS005", "KS040"} {
		if !strings.Contains(out, `"rule_id": "`+id+`"`) {
			t.Errorf("weak examples: no %s finding", id)
		}
	}
}

// TestPSSGate checks --pss: a workload below the level fails the run
// whatever --fail-on and --severity say, a suppressed finding does not, and
// stderr names how many workloads fall short.
func TestPSSGate(t *testing.T) {
	const (
		// baselinePod meets baseline, not restricted (no runAsNonRoot, ...).
		baselinePod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n"
		// privilegedPod meets only privileged.
		privilegedPod = baselinePod + "    securityContext:\n      privileged: true # bulwark:ignore RC001 -- test\n"
	)
	for _, tc := range []struct {
		name, pod string
		args      []string
		want      int
		stderr    string
	}{
		{"restricted fails baseline pod", baselinePod, []string{"--pss", "restricted"}, exitFindings, "1 workload does not meet the restricted Pod Security Standard"},
		{"baseline passes baseline pod", baselinePod, []string{"--pss", "baseline"}, exitOK, ""},
		{"baseline fails privileged pod", privilegedPod, []string{"--pss", "baseline"}, exitFindings, "does not meet the baseline"},
		{"hidden findings still gate", privilegedPod, []string{"--pss", "baseline", "--severity", "CRITICAL"}, exitFindings, "does not meet the baseline"},
		{"privileged never gates", privilegedPod, []string{"--pss", "privileged"}, exitOK, ""},
		{"suppressed", "# bulwark:ignore-file KS001 -- test\n" + privilegedPod, []string{"--pss", "baseline"}, exitOK, ""},
		{"bad level", baselinePod, []string{"--pss", "strict"}, exitUsage, "--pss: want baseline or restricted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, map[string]string{"pod.yaml": tc.pod})
			code, _, errs := runCLI(t, append([]string{"scan", dir, "--fail-on", "none"}, tc.args...)...)
			if code != tc.want {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.want, errs)
			}
			if tc.stderr != "" && !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr %q does not say %q", errs, tc.stderr)
			}
		})
	}
}

// TestFailOnNone checks that the JSON report names the threshold of
// --fail-on none as NONE.
func TestFailOnNone(t *testing.T) {
	dir := tree(t, map[string]string{"Dockerfile": high})
	for args, want := range map[string]string{"none": `"fail_on": "NONE"`, "LOW": `"fail_on": "LOW"`} {
		code, out, _ := runCLI(t, "scan", dir, "--format", "json", "--fail-on", args)
		if !strings.Contains(out, want) {
			t.Errorf("--fail-on %s: exit %d, report lacks %s", args, code, want)
		}
	}
}
