package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestRulesLint(t *testing.T) {
	dir := tree(t, map[string]string{
		"good.yaml": `- macro: pod
  condition: ka.target.resource=pods
- rule: Pod created
  desc: d
  condition: pod and ka.verb=create
  output: pod %ka.target.name
  priority: INFO
  source: k8s_audit
`,
		// a warning only, at the rule (line 1, column 3): its source (syscall by default) is one Bulwark does not read
		"syscall.yaml": `- rule: Shell
  desc: d
  condition: proc.name=bash
  output: shell
  priority: WARNING
`,
		// line 5, column 14: the undefined macro "kevt"
		"bad.yaml": `- rule: Broken
  desc: d
  output: o
  priority: WARNING
  condition: kevt and ka.verb=create
  source: k8s_audit
`,
		"notyaml.yaml": "- rule: [unclosed\n",
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	cases := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"clean file", []string{p("good.yaml")}, 0, "1 rules loaded, 0 skipped, 0 lists, 1 macros: 0 errors, 0 warnings"},
		{"warnings only", []string{p("syscall.yaml")}, 0, "syscall.yaml:1:3: warning: rule 'Shell': Unknown source syscall, skipping [LOAD_UNKNOWN_SOURCE]"},
		{"warnings with --strict", []string{"--strict", p("syscall.yaml")}, 1, "0 errors, 1 warnings"},
		{"undefined macro", []string{p("bad.yaml")}, 1, "bad.yaml:5:14: error: rule 'Broken': Undefined macro 'kevt' used in filter. [LOAD_ERR_VALIDATE]"},
		{"YAML error", []string{p("notyaml.yaml")}, 1, "notyaml.yaml:1:1: error: did not find expected ',' or ']' [LOAD_ERR_YAML_PARSE]"},
		{"no file", []string{}, 2, ""},
		{"bad format", []string{"--format", "xml", p("good.yaml")}, 2, ""},
		{"unreadable", []string{p("missing.yaml")}, 3, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, append([]string{"rules", "lint"}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errs)
			}
			if !strings.Contains(out, c.contains) {
				t.Errorf("output lacks %q:\n%s", c.contains, out)
			}
		})
	}
}

func TestRulesLintJSON(t *testing.T) {
	dir := tree(t, map[string]string{"bad.yaml": `- rule: Broken
  desc: d
  output: o
  priority: LOUD
  condition: x.y exists
`})
	code, out, _ := runCLI(t, "rules", "lint", "--format", "json", filepath.Join(dir, "bad.yaml"))
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var rep lintReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Errors != 1 || len(rep.Diagnostics) != 1 {
		t.Fatalf("report %+v", rep)
	}
	d := rep.Diagnostics[0]
	if d.Line != 4 || d.Col != 13 || d.Code != "LOAD_ERR_YAML_VALIDATE" || !strings.Contains(d.Message, "Invalid priority 'LOUD'") {
		t.Errorf("diagnostic %+v", d)
	}
	if !strings.Contains(out, `"severity": "error"`) {
		t.Errorf("severity not rendered as text:\n%s", out)
	}
}
