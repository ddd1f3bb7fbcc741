package docker

import (
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// rulesItem is one item of a Falco rules file, as far as this test reads
// it.
type rulesItem struct {
	RequiredEngineVersion string   `yaml:"required_engine_version"`
	List                  string   `yaml:"list"`
	Items                 []string `yaml:"items"`
	Macro                 string   `yaml:"macro"`
	Rule                  string   `yaml:"rule"`
	Desc                  string   `yaml:"desc"`
	Condition             string   `yaml:"condition"`
	Output                string   `yaml:"output"`
	Priority              string   `yaml:"priority"`
	Source                string   `yaml:"source"`
	Tags                  []string `yaml:"tags"`
}

var (
	// conditionFieldRe finds field names in condition text (good enough
	// for this file until runtime/filter compiles it).
	conditionFieldRe = regexp.MustCompile(`\b((?:container|docker|k8s|evt)\.[a-z_.]+)(\[[^\]]*\])?`)
	// identRe finds the other words of a condition: macros, lists,
	// operators and literals.
	identRe  = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	outputRe = regexp.MustCompile(`%([a-z0-9_.]+)(\[[^\]]*\])?`)
	mitreRe  = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
)

func TestDefaultRulesFile(t *testing.T) {
	var items []rulesItem
	if err := yaml.Unmarshal(DefaultRules(), &items); err != nil {
		t.Fatalf("%s: %v", RulesFileName, err)
	}
	src := Source{}
	lists, macros := map[string]bool{}, map[string]bool{}
	used := map[string]bool{}
	priorities := map[string]bool{"EMERGENCY": true, "ALERT": true, "CRITICAL": true, "ERROR": true,
		"WARNING": true, "NOTICE": true, "INFORMATIONAL": true, "INFO": true, "DEBUG": true}
	operators := map[string]bool{"and": true, "or": true, "not": true, "in": true, "intersects": true,
		"exists": true, "contains": true, "startswith": true, "endswith": true, "glob": true, "pmatch": true,
		"true": true, "false": true}
	// Words that are values in conditions, not names.
	values := map[string]bool{"container": true, "create": true, "start": true, "exec_start": true, "host": true}

	checkField := func(where, name, arg string) {
		t.Helper()
		_, info, ok := fields.Lookup(src, name)
		if !ok {
			// The longest prefix that is a field wins (%container.name.).
			t.Errorf("%s: unknown field %s", where, name)
			return
		}
		if arg == "" && info.ArgRequired {
			t.Errorf("%s: %s needs an argument", where, name)
		}
		if arg != "" && info.Arg == fields.NoArg {
			t.Errorf("%s: %s takes no argument", where, name)
		}
	}
	checkCondition := func(where, cond string) {
		t.Helper()
		rest := cond
		for _, m := range conditionFieldRe.FindAllStringSubmatch(cond, -1) {
			checkField(where, m[1], m[2])
		}
		rest = conditionFieldRe.ReplaceAllString(rest, " ")
		rest = regexp.MustCompile(`[A-Za-z0-9_]*=[a-z]+`).ReplaceAllString(rest, " ")
		for _, w := range identRe.FindAllString(rest, -1) {
			switch {
			case operators[w] || values[w]:
			case macros[w] || lists[w]:
				used[w] = true
			default:
				t.Errorf("%s: %q is neither a macro nor a list defined before", where, w)
			}
		}
	}

	rules := 0
	for i, it := range items {
		switch {
		case it.RequiredEngineVersion != "":
		case it.List != "":
			lists[it.List] = true
		case it.Macro != "":
			checkCondition("macro "+it.Macro, it.Condition)
			macros[it.Macro] = true
		case it.Rule != "":
			rules++
			where := "rule " + it.Rule
			if it.Desc == "" || it.Condition == "" || it.Output == "" {
				t.Errorf("%s: desc, condition and output are required", where)
			}
			if !priorities[strings.ToUpper(it.Priority)] {
				t.Errorf("%s: priority %q", where, it.Priority)
			}
			if it.Source != SourceName {
				t.Errorf("%s: source %q, want docker", where, it.Source)
			}
			if !strings.HasSuffix(it.Rule, "(Docker)") {
				t.Errorf("%s: the name should say it is the docker source's", where)
			}
			mitre := false
			for _, tag := range it.Tags {
				mitre = mitre || mitreRe.MatchString(tag)
			}
			if !mitre {
				t.Errorf("%s: no MITRE ATT&CK technique in tags %v", where, it.Tags)
			}
			checkCondition(where, it.Condition)
			outs := outputRe.FindAllStringSubmatch(it.Output, -1)
			if len(outs) == 0 {
				t.Errorf("%s: output has no fields", where)
			}
			for _, m := range outs {
				checkField(where+" output", strings.TrimRight(m[1], "."), m[2])
			}
		default:
			t.Errorf("item %d: unknown kind", i)
		}
	}
	if rules < 7 {
		t.Errorf("%d rules, want at least 7", rules)
	}
	for name := range lists {
		if !used[name] {
			t.Errorf("list %s is not used", name)
		}
	}
	for name := range macros {
		if !used[name] {
			t.Errorf("macro %s is not used", name)
		}
	}
}
