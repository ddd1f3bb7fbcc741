package rules

import (
	"strings"
	"testing"
)

func TestEngineVersion(t *testing.T) {
	cases := []struct {
		name, doc, wantErr, wantMax string
	}{
		{"integer means 0.N.0", "- required_engine_version: 15\n", "", "0.15.0"},
		{"semver equal to ours", "- required_engine_version: 0.57.0\n", "", "0.57.0"},
		{"older semver", "- required_engine_version: 0.31.0\n", "", "0.31.0"},
		{"newer minor", "- required_engine_version: 0.58.0\n", "a.yaml:1:28: error: required_engine_version: Rules require engine version 0.58.0, but engine version is 0.57.0 [LOAD_ERR_VALIDATE]", ""},
		{"newer integer", "- required_engine_version: 60\n", "Rules require engine version 0.60.0, but engine version is 0.57.0", ""},
		{"another major", "- required_engine_version: 1.0.0\n", "Rules require engine version 1.0.0", ""},
		{"not a version", "- required_engine_version: soon\n", "Unable to parse engine version 'soon' as a semver string. Expected \"x.y.z\" semver format.", ""},
		{"empty", "- required_engine_version:\n", "Mapping for key 'required_engine_version' is empty", ""},
		{"the maximum is kept", "- required_engine_version: 0.40.0\n- required_engine_version: 12\n", "", "0.40.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadYAML(t, c.doc)
			got := errorsText(rs)
			if c.wantErr == "" && got != "" || !strings.Contains(got, c.wantErr) {
				t.Errorf("errors:\n%s\nwant %q", got, c.wantErr)
			}
			if c.wantErr == "" && rs.RequiredEngineVersion != c.wantMax {
				t.Errorf("required %q, want %q", rs.RequiredEngineVersion, c.wantMax)
			}
		})
	}
	rs, err := Load([]File{{Name: "a.yaml", Data: []byte("- required_engine_version: 0.58.0\n")}}, Options{EngineVersion: "0.63.0"})
	if err != nil {
		t.Errorf("a claimed 0.63.0 accepts 0.58.0: %v", err)
	}
	_ = rs
	if _, err := Load(nil, Options{EngineVersion: "x"}); err == nil {
		t.Error("an invalid claimed engine version is an error")
	}
}

func TestPluginVersions(t *testing.T) {
	cases := []struct {
		name, doc, wantErr, wantWarn string
	}{
		{"k8saudit and json at the versions of the shipped rules", `- required_plugin_versions:
    - name: k8saudit
      version: 0.18.0
      alternatives:
        - name: k8saudit-eks
          version: 0.12.0
    - name: json
      version: 0.7.0
`, "", ""},
		{"an alternative satisfies", `- required_plugin_versions:
    - name: k8saudit-gke
      version: 0.9.0
`, "", ""},
		{"a newer k8saudit than we claim", `- required_plugin_versions:
    - name: k8saudit
      version: 0.19.0
`, "a.yaml:2:7: error: required_plugin_versions: Plugin 'k8saudit' version '0.18.0' is not compatible with required plugin version '0.19.0' [LOAD_ERR_VALIDATE]", ""},
		{"another major", `- required_plugin_versions:
    - name: json
      version: 1.0.0
`, "Plugin 'json' version '0.7.0' is not compatible with required plugin version '1.0.0'", ""},
		{"an unknown plugin is a warning", `- required_plugin_versions:
    - name: cloudtrail
      version: 0.1.0
      alternatives:
        - name: okta
          version: 0.1.0
`, "", "a.yaml:2:7: warning: required_plugin_versions: Plugin 'cloudtrail' or 'okta' required by this ruleset is not one Bulwark provides; requirement ignored [LOAD_UNKNOWN_PLUGIN]"},
		{"a misspelled key is warned about", "- required_plugin_versions:\n    - name: json\n      version: 0.7.0\n      alternative: []\n", "",
			"a.yaml:4:7: warning: required_plugin_versions: Unknown key 'alternative' in plugin requirement, ignored [LOAD_UNKNOWN_KEY]"},
		{"not a sequence", "- required_plugin_versions: k8saudit\n", "Value of required_plugin_versions must be a sequence", ""},
		{"no version", "- required_plugin_versions:\n    - name: k8saudit\n", "Item has no mapping for key 'version'", ""},
		{"bad version", "- required_plugin_versions:\n    - name: k8saudit\n      version: latest\n", "Plugin version 'latest' is not a valid semver string", ""},
		{"duplicate alternative", "- required_plugin_versions:\n    - name: json\n      version: 0.1.0\n      alternatives:\n        - name: json\n          version: 0.2.0\n", "Plugin 'json' is listed twice", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadYAML(t, c.doc)
			got := errorsText(rs)
			if c.wantErr == "" && got != "" || !strings.Contains(got, c.wantErr) {
				t.Errorf("errors:\n%s\nwant %q", got, c.wantErr)
			}
			var warns []string
			for _, d := range rs.Warnings() {
				warns = append(warns, d.String())
			}
			if w := strings.Join(warns, "\n"); c.wantWarn == "" && w != "" || !strings.Contains(w, c.wantWarn) {
				t.Errorf("warnings:\n%s\nwant %q", w, c.wantWarn)
			}
		})
	}
}

// Structural errors and warnings, each at its position. The expectation
// is the full diagnostic text.
func TestStructuralDiagnostics(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"YAML syntax error", "- rule: x\n  desc: [\n", []string{"a.yaml:2:1: error: did not find expected node content [LOAD_ERR_YAML_PARSE]"}},
		{"document is a mapping", "rule: x\n", []string{"a.yaml:1:1: error: Rules content is not yaml array of objects [LOAD_ERR_YAML_VALIDATE]"}},
		{"document is a scalar", "hello\n", []string{"a.yaml:1:1: error: Rules content is not yaml [LOAD_ERR_YAML_VALIDATE]"}},
		{"item is not a mapping", "- [a, b]\n", []string{"a.yaml:1:3: error: Unexpected element type. Each element should be a yaml associative array. [LOAD_ERR_YAML_VALIDATE]"}},
		{"unknown top-level item", "- rulez: x\n", []string{"a.yaml:1:3: warning: Unknown top level item [LOAD_UNKNOWN_ITEM]"}},
		{"unknown key", "- list: l\n  items: []\n  itemz: [x]\n- rule: r\n  condition: ka.verb in (l)" + ruleTail,
			[]string{"a.yaml:3:3: warning: list 'l': Unknown key 'itemz', ignored [LOAD_UNKNOWN_KEY]"}},
		{"missing required key", "- rule: r\n  desc: d\n  output: o\n  priority: INFO\n", []string{"a.yaml:1:3: error: rule 'r': Item has no mapping for key 'condition' [LOAD_ERR_YAML_VALIDATE]"}},
		{"empty value", "- macro: m\n  condition:\n", []string{"a.yaml:2:3: error: macro 'm': Mapping for key 'condition' is empty [LOAD_ERR_YAML_VALIDATE]"}},
		{"wrong type: items not a sequence", "- list: l\n  items: x\n", []string{"a.yaml:2:10: error: list 'l': Value for key 'items' is not a sequence [LOAD_ERR_YAML_VALIDATE]"}},
		{"wrong type: condition a mapping", "- macro: m\n  condition: {a: b}\n", []string{"a.yaml:2:14: error: macro 'm': Value for key 'condition' is not a scalar value [LOAD_ERR_YAML_VALIDATE]"}},
		{"wrong type: enabled", "- rule: r\n  condition: ka.verb=get\n  enabled: maybe" + ruleTail, []string{"a.yaml:3:12: error: rule 'r': Can't decode YAML scalar value for key 'enabled' as a boolean: \"maybe\" [LOAD_ERR_YAML_VALIDATE]"}},
		{"wrong type: tags", "- rule: r\n  condition: ka.verb=get\n  tags: [[a]]" + ruleTail, []string{"a.yaml:3:10: error: rule 'r': Sequence value for key 'tags' is not scalar [LOAD_ERR_YAML_VALIDATE]"}},
		{"invalid priority", "- rule: r\n  condition: ka.verb=get\n  desc: d\n  output: o\n  priority: urgent\n", []string{"a.yaml:5:13: error: rule 'r': Invalid priority 'urgent' (want one of emergency, alert, critical, error, warning, notice, informational, debug) [LOAD_ERR_YAML_VALIDATE]"}},
		{"the first error stops the file", "- list: l\n  items: x\n- list: m\n  items: y\n", []string{"a.yaml:2:10: error: list 'l': Value for key 'items' is not a sequence [LOAD_ERR_YAML_VALIDATE]"}},
		{"invalid names are warnings", "- list: 'a b'\n  items: []\n- macro: 9m\n  condition: ka.verb=get\n",
			[]string{
				"a.yaml:1:3: warning: list 'a b': List not referred to by any other list, macro or rule [LOAD_UNUSED_LIST]",
				"a.yaml:1:9: warning: list 'a b': List has an invalid name. List names must match a regular expression: ([^()\"'[:space:]=,]+) [LOAD_INVALID_LIST_NAME]",
				"a.yaml:3:3: warning: macro '9m': Macro not referred to by any other macro or rule [LOAD_UNUSED_MACRO]",
				"a.yaml:3:10: warning: macro '9m': Macro has an invalid name. Macro names must match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*) [LOAD_INVALID_MACRO_NAME]",
			}},
		{"deprecated forms", "- list: l\n  items: [a]\n- list: l\n  items: [b]\n  append: true\n- rule: r\n  condition: ka.verb in (l)" + ruleTail + "- rule: r\n  enabled: false\n",
			[]string{
				"a.yaml:5:11: warning: list 'l': 'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead. [LOAD_DEPRECATED_ITEM]",
				"a.yaml:13:12: warning: rule 'r': The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace'). [LOAD_DEPRECATED_ITEM]",
			}},
		{"unsafe <NA> comparison", "- rule: r\n  condition: ka.user.name != \"<NA>\" and ka.verb=get" + ruleTail,
			[]string{"a.yaml:2:30: warning: rule 'r': Unsafe <NA> comparison in condition: use 'exists' to check for a field's presence [LOAD_UNSAFE_NA_CHECK]"}},
		{"unsafe <NA> comparison in a macro a rule uses",
			"- macro: m\n  condition: ka.user.name = <NA>\n- rule: r\n  condition: m" + ruleTail,
			[]string{"a.yaml:2:29: warning: macro 'm': Unsafe <NA> comparison in condition: use 'exists' to check for a field's presence [LOAD_UNSAFE_NA_CHECK]"}},
		{"no <NA> warning for a macro only a skipped rule uses",
			"- macro: m\n  condition: proc.name = <NA>\n- rule: r\n  condition: m\n  desc: d\n  output: o\n  priority: INFO\n",
			[]string{"a.yaml:3:3: warning: rule 'r': Unknown source syscall, skipping [LOAD_UNKNOWN_SOURCE]"}},
		{"several documents: the error in the second stops the file",
			"- list: l\n  items: []\n---\nrule: x\n---\n- list: m\n  items: []\n",
			[]string{
				"a.yaml:1:3: warning: list 'l': List not referred to by any other list, macro or rule [LOAD_UNUSED_LIST]",
				"a.yaml:4:1: error: Rules content is not yaml array of objects [LOAD_ERR_YAML_VALIDATE]",
			}},
		{"unknown source", "- rule: r\n  condition: evt.type=open\n  desc: d\n  output: o\n  priority: INFO\n  source: aws_cloudtrail\n",
			[]string{"a.yaml:6:11: warning: rule 'r': Unknown source aws_cloudtrail, skipping [LOAD_UNKNOWN_SOURCE]"}},
		{"position inside a folded condition", "- rule: r\n  condition: >\n    ka.verb=get\n    and not nosuch\n" + strings.TrimPrefix(ruleTail, "\n"),
			[]string{"a.yaml:4:13: error: rule 'r': Undefined macro 'nosuch' used in filter. [LOAD_ERR_VALIDATE]"}},
		{"aliases are followed", "- list: l\n  items: &it [a]\n- list: m\n  items: *it\n- rule: r\n  condition: ka.verb in (l, m)" + ruleTail, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadYAML(t, c.doc)
			var got []string
			for _, d := range rs.Diagnostics {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestPriority(t *testing.T) {
	for in, want := range map[string]Priority{
		"EMERGENCY": Emergency, "alert": Alert, "Critical": Critical, "ERROR": Error, "warning": Warning,
		"NOTICE": Notice, "informational": Informational, "INFO": Informational, "debug": Debug,
	} {
		if got, ok := ParsePriority(in); !ok || got != want {
			t.Errorf("%s: %v %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "warn", "fatal", "7"} {
		if _, ok := ParsePriority(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// CondOffset counts in the condition as compiled (surrounding blanks
// trimmed); the column counts in the file.
func TestCondOffset(t *testing.T) {
	rs := loadYAML(t, "- macro: m\n  condition: \"  ka.verb=get and nosuch\"\n- rule: r\n  condition: m"+ruleTail)
	errs := rs.Errors()
	if len(errs) != 1 {
		t.Fatalf("errors: %v", errs)
	}
	// "ka.verb=get and " is 16 bytes; the value starts at column 15 after
	// the quote and two blanks: column 15+2+16 = 33.
	if d := errs[0]; d.CondOffset != 16 || d.Line != 2 || d.Col != 33 {
		t.Errorf("diagnostic %+v", d)
	}
}
