package rules

import (
	"fmt"
	"strings"
	"testing"
)

// loadYAML loads in-memory files named a.yaml, b.yaml, ...
func loadYAML(t *testing.T, docs ...string) *Ruleset {
	t.Helper()
	var fs []File
	for i, d := range docs {
		fs = append(fs, File{Name: fmt.Sprintf("%c.yaml", 'a'+i), Data: []byte(d)})
	}
	rs, err := Load(fs, Options{Sources: ourSources})
	if err != nil && rs == nil {
		t.Fatal(err)
	}
	return rs
}

func ruleNamed(rs *Ruleset, name string) *Rule {
	for _, r := range append(append([]*Rule{}, rs.Rules...), rs.Skipped...) {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func listNamed(rs *Ruleset, name string) *List {
	for _, l := range rs.Lists {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// errorsText is the error diagnostics, one per line.
func errorsText(rs *Ruleset) string {
	var b strings.Builder
	for _, d := range rs.Errors() {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

const ruleTail = `
  desc: d
  output: o
  priority: WARNING
  source: k8s_audit
`

func TestListVisibility(t *testing.T) {
	cases := []struct {
		name string
		docs []string
		list string
		want string // resolved items
	}{
		{"earlier list is expanded",
			[]string{"- list: a\n  items: [x, y]\n- list: b\n  items: [a, z]\n"}, "b", "x,y,z"},
		{"later list stays a literal (defined after)",
			[]string{"- list: b\n  items: [a, z]\n- list: a\n  items: [x, y]\n"}, "b", "a,z"},
		{"redefinition moves visibility: now sees the later list",
			[]string{"- list: b\n  items: [a]\n- list: a\n  items: [x]\n- list: b\n  items: [a, z]\n"}, "b", "x,z"},
		{"append moves visibility too",
			[]string{"- list: b\n  items: [q]\n- list: a\n  items: [x]\n", "- list: b\n  items: [a]\n  override:\n    items: append\n"}, "b", "q,x"},
		{"an appended list is seen with its appended items",
			[]string{"- list: a\n  items: [x]\n- list: b\n  items: [a]\n", "- list: a\n  items: [y]\n  append: true\n"}, "b", "x,y"},
		{"replace keeps the index, takes the new items",
			[]string{"- list: a\n  items: [x]\n", "- list: a\n  items: [y]\n  override:\n    items: replace\n"}, "a", "y"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadYAML(t, c.docs...)
			if e := errorsText(rs); e != "" {
				t.Fatal(e)
			}
			l := listNamed(rs, c.list)
			if got := strings.Join(l.Resolved, ","); got != c.want {
				t.Errorf("resolved %q, want %q", got, c.want)
			}
		})
	}
}

func TestMacroVisibility(t *testing.T) {
	cases := []struct {
		name    string
		docs    []string
		wantErr string // "" = no error
	}{
		{"macro sees an earlier macro",
			[]string{"- macro: a\n  condition: ka.verb=get\n- macro: b\n  condition: a\n- rule: r\n  condition: b" + ruleTail}, ""},
		{"macro does not see a later macro",
			[]string{"- macro: b\n  condition: a\n- macro: a\n  condition: ka.verb=get\n- rule: r\n  condition: b" + ruleTail},
			"a.yaml:2:14: error: macro 'b': Undefined macro 'a' used in filter. (macro 'a' is defined later, at a.yaml:3:3: a macro sees only the macros defined before it)"},
		{"a rule sees every macro, defined before or after",
			[]string{"- rule: r\n  condition: a" + ruleTail + "- macro: a\n  condition: ka.verb=get\n"}, ""},
		{"a macro redefined later sees macros defined in between",
			[]string{"- macro: b\n  condition: ka.verb=list\n- macro: a\n  condition: ka.verb=get\n- macro: b\n  condition: a\n- rule: r\n  condition: b" + ruleTail}, ""},
		{"undefined macro in a rule",
			[]string{"- rule: r\n  condition: ka.verb=get and nosuch" + ruleTail},
			"a.yaml:2:30: error: rule 'r': Undefined macro 'nosuch' used in filter. [LOAD_ERR_VALIDATE]"},
		{"undefined macro in a skipped (syscall) rule is not reported",
			[]string{"- rule: r\n  condition: nosuch\n  desc: d\n  output: o\n  priority: INFO\n"}, ""},
		{"macro loop through a redefinition",
			[]string{"- macro: a\n  condition: ka.verb=get\n- macro: b\n  condition: a\n- macro: a\n  condition: b\n- rule: r\n  condition: a" + ruleTail},
			"error: macro 'a': Reference loop in macro 'a': a -> b -> a"},
		{"macro loop through an append",
			[]string{"- macro: a\n  condition: ka.verb=get\n- macro: b\n  condition: a\n- macro: a\n  condition: or b\n  override:\n    condition: append\n- rule: r\n  condition: a" + ruleTail},
			"Reference loop in macro 'a': a -> b -> a"},
		{"a macro referring to itself",
			[]string{"- macro: a\n  condition: ka.verb=get or a\n- rule: r\n  condition: a" + ruleTail},
			"Undefined macro 'a' used in filter."},
		{"undefined bare list reference",
			[]string{"- rule: r\n  condition: ka.verb in nosuch_list" + ruleTail},
			"a.yaml:2:25: error: rule 'r': Undefined list 'nosuch_list' used in filter. [LOAD_ERR_VALIDATE]"},
		{"an unknown name inside a list literal is a literal, as in Falco",
			[]string{"- rule: r\n  condition: ka.verb in (not_a_list, get)" + ruleTail}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadYAML(t, c.docs...)
			got := errorsText(rs)
			if c.wantErr == "" {
				if got != "" {
					t.Errorf("unexpected errors:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, c.wantErr) {
				t.Errorf("errors:\n%s\nwant one containing %q", got, c.wantErr)
			}
		})
	}
}

func TestRuleOrder(t *testing.T) {
	rs := loadYAML(t,
		"- rule: A\n  condition: ka.verb=get"+ruleTail+"- rule: B\n  condition: ka.verb=get"+ruleTail,
		"- rule: A\n  condition: ka.verb=list"+ruleTail+"- rule: C\n  condition: ka.verb=get"+ruleTail)
	if e := errorsText(rs); e != "" {
		t.Fatal(e)
	}
	var names []string
	for _, r := range rs.Rules {
		names = append(names, r.Name)
	}
	// A redefined in b.yaml keeps its place (index of the first definition).
	if got := strings.Join(names, ","); got != "A,B,C" {
		t.Errorf("order %s, want A,B,C", got)
	}
	if c := rs.Rules[0].Condition; c != "ka.verb=list" {
		t.Errorf("A's condition %q, want the redefinition", c)
	}
	if rs.Rules[0].Pos.File != "b.yaml" {
		t.Errorf("A's position %v, want b.yaml", rs.Rules[0].Pos)
	}
}

func TestRedefinedWithOtherSource(t *testing.T) {
	rs := loadYAML(t,
		"- rule: A\n  condition: ka.verb=get"+ruleTail,
		"- rule: A\n  condition: container.privileged=true\n  desc: d\n  output: o\n  priority: INFO\n  source: docker\n")
	if got := errorsText(rs); !strings.Contains(got, "b.yaml:1:3: error: rule 'A': Rule has been re-defined with a different source (was 'k8s_audit', now 'docker')") {
		t.Errorf("errors:\n%s", got)
	}
}

const baseRule = `- rule: R
  desc: base desc
  condition: ka.verb=create
  output: base output
  priority: WARNING
  source: k8s_audit
  tags: [a, b]
  exceptions:
    - name: ns
      fields: [ka.target.namespace]
      values: [[kube-system]]
`

func TestOverrideAndAppend(t *testing.T) {
	type want struct {
		cond, output, desc, tags, prio string
		enabled                        bool
		full                           string
	}
	base := want{cond: "ka.verb=create", output: "base output", desc: "base desc", tags: "a,b", prio: "Warning", enabled: true,
		full: "(ka.verb=create) and not ((ka.target.namespace = kube-system))"}
	with := func(f func(*want)) want { w := base; f(&w); return w }
	cases := []struct {
		name    string
		local   string
		want    want
		wantErr string
	}{
		{"append condition", "- rule: R\n  condition: and ka.verb=update\n  override:\n    condition: append\n",
			with(func(w *want) {
				w.cond = "ka.verb=create and ka.verb=update"
				w.full = "(ka.verb=create and ka.verb=update) and not ((ka.target.namespace = kube-system))"
			}), ""},
		{"replace condition", "- rule: R\n  condition: ka.verb=delete\n  override:\n    condition: replace\n",
			with(func(w *want) {
				w.cond = "ka.verb=delete"
				w.full = "(ka.verb=delete) and not ((ka.target.namespace = kube-system))"
			}), ""},
		{"append output and desc", "- rule: R\n  output: more\n  desc: more desc\n  override:\n    output: append\n    desc: append\n",
			with(func(w *want) { w.output, w.desc = "base output more", "base desc more desc" }), ""},
		{"append tags is a union", "- rule: R\n  tags: [b, c]\n  override:\n    tags: append\n",
			with(func(w *want) { w.tags = "a,b,c" }), ""},
		{"replace tags", "- rule: R\n  tags: [c]\n  override:\n    tags: replace\n",
			with(func(w *want) { w.tags = "c" }), ""},
		{"replace priority and enabled", "- rule: R\n  priority: debug\n  enabled: false\n  override:\n    priority: replace\n    enabled: replace\n",
			with(func(w *want) { w.prio, w.enabled = "Debug", false }), ""},
		{"append values to an exception", "- rule: R\n  exceptions:\n    - name: ns\n      values: [[monitoring]]\n  override:\n    exceptions: append\n",
			with(func(w *want) {
				w.full = "(ka.verb=create) and not ((ka.target.namespace = kube-system) or (ka.target.namespace = monitoring))"
			}), ""},
		{"append a new exception", "- rule: R\n  exceptions:\n    - name: users\n      fields: ka.user.name\n      values: [alice, bob]\n  override:\n    exceptions: append\n",
			with(func(w *want) {
				w.full = "(ka.verb=create) and not ((ka.target.namespace = kube-system)) and not (ka.user.name in (alice, bob))"
			}), ""},
		{"replace exceptions", "- rule: R\n  exceptions:\n    - name: users\n      fields: ka.user.name\n      values: [alice]\n  override:\n    exceptions: replace\n",
			with(func(w *want) { w.full = "(ka.verb=create) and not (ka.user.name in (alice))" }), ""},
		{"append and replace in one item: appends first", "- rule: R\n  condition: or ka.verb=patch\n  priority: ERROR\n  override:\n    condition: append\n    priority: replace\n",
			with(func(w *want) {
				w.cond, w.prio = "ka.verb=create or ka.verb=patch", "Error"
				w.full = "(ka.verb=create or ka.verb=patch) and not ((ka.target.namespace = kube-system))"
			}), ""},
		{"legacy append: condition", "- rule: R\n  condition: and ka.verb=update\n  append: true\n",
			with(func(w *want) {
				w.cond = "ka.verb=create and ka.verb=update"
				w.full = "(ka.verb=create and ka.verb=update) and not ((ka.target.namespace = kube-system))"
			}), ""},
		{"legacy append ignores output", "- rule: R\n  output: ignored\n  append: true\n", base, ""},
		{"legacy enabled toggle", "- rule: R\n  enabled: false\n", with(func(w *want) { w.enabled = false }), ""},

		{"priority cannot be appended", "- rule: R\n  priority: ERROR\n  override:\n    priority: append\n", base,
			"b.yaml:4:5: error: rule 'R': Key 'priority' cannot be appended to, use 'replace' instead [LOAD_ERR_YAML_VALIDATE]"},
		{"source cannot be replaced", "- rule: R\n  source: docker\n  override:\n    source: replace\n", base,
			"Key 'source' cannot be replaced"},
		{"override names a key the item lacks", "- rule: R\n  override:\n    output: append\n", base,
			"An append override for 'output' was specified but 'output' is not defined"},
		{"item key not under override", "- rule: R\n  output: x\n  desc: y\n  override:\n    output: append\n", base,
			"b.yaml:3:3: error: rule 'R': Unexpected key 'desc': no corresponding entry under 'override' is defined."},
		{"bad operation", "- rule: R\n  output: x\n  override:\n    output: merge\n", base,
			"Invalid override operation for key 'output': 'merge'. Allowed values are: append replace"},
		{"append to an undefined rule", "- rule: Nope\n  condition: x\n  override:\n    condition: append\n", base,
			"rule 'Nope': Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"},
		{"replace on an undefined rule", "- rule: Nope\n  priority: INFO\n  override:\n    priority: replace\n", base,
			"An 'override.<key>: replace' to a rule was requested but no rule by that name already exists"},
		{"append: true with override", "- rule: R\n  condition: x\n  append: true\n  override:\n    condition: append\n", base,
			"Keys 'override' and 'append: true' cannot be used together"},
		{"legacy enabled on an undefined rule", "- rule: Nope\n  enabled: false\n", base,
			"Rule has 'enabled' key but no rule by that name already exists"},
		{"appending fields to an existing exception", "- rule: R\n  exceptions:\n    - name: ns\n      fields: [ka.user.name]\n      values: [[x]]\n  override:\n    exceptions: append\n", base,
			"Can not append exception fields or comps to existing exception ns, only values"},
		{"new exception without values", "- rule: R\n  exceptions:\n    - name: other\n      fields: [ka.user.name]\n  override:\n    exceptions: append\n", base,
			"Rule exception new item other: must have values property"},
		{"appended values of the wrong shape", "- rule: R\n  exceptions:\n    - name: ns\n      values: [[a, b]]\n  override:\n    exceptions: append\n", base,
			"Rule exception item ns: fields and values lists must have equal length"},
		{"invalid replaced priority", "- rule: R\n  priority: LOUD\n  override:\n    priority: replace\n", base,
			"b.yaml:2:13: error: rule 'R': Invalid priority 'LOUD'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadYAML(t, baseRule, c.local)
			errs := errorsText(rs)
			if c.wantErr != "" {
				if !strings.Contains(errs, c.wantErr) {
					t.Errorf("errors:\n%s\nwant one containing %q", errs, c.wantErr)
				}
				return
			}
			if errs != "" {
				t.Fatal(errs)
			}
			r := ruleNamed(rs, "R")
			got := want{cond: r.Condition, output: r.Output, desc: r.Desc, tags: strings.Join(r.Tags, ","), prio: r.Priority.String(), enabled: r.Enabled, full: r.FullCondition}
			if got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestListAndMacroOverride(t *testing.T) {
	cases := []struct {
		name, local string
		wantItems   string
		wantCond    string
		wantErr     string
	}{
		{"list append", "- list: l\n  items: [y]\n  override:\n    items: append\n", "x,y", "ka.verb=get", ""},
		{"list replace", "- list: l\n  items: [y]\n  override:\n    items: replace\n", "y", "ka.verb=get", ""},
		{"list redefinition replaces", "- list: l\n  items: [z]\n", "z", "ka.verb=get", ""},
		{"macro append", "- macro: m\n  condition: or ka.verb=list\n  override:\n    condition: append\n", "x", "ka.verb=get or ka.verb=list", ""},
		{"macro legacy append", "- macro: m\n  condition: or ka.verb=list\n  append: true\n", "x", "ka.verb=get or ka.verb=list", ""},
		{"macro replace", "- macro: m\n  condition: ka.verb=list\n  override:\n    condition: replace\n", "x", "ka.verb=list", ""},
		{"list append to undefined", "- list: nope\n  items: [y]\n  append: true\n", "", "", "List uses 'append' or 'override.items: append' but no list by that name already exists"},
		{"macro append to undefined", "- macro: nope\n  condition: x\n  override:\n    condition: append\n", "", "", "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists"},
		{"list key not overridable", "- list: l\n  items: [y]\n  override:\n    list: replace\n", "", "", "Key 'list' cannot be replaced"},
	}
	base := "- list: l\n  items: [x]\n- macro: m\n  condition: ka.verb=get\n- rule: r\n  condition: m and ka.user.name in (l)" + ruleTail
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadYAML(t, base, c.local)
			errs := errorsText(rs)
			if c.wantErr != "" {
				if !strings.Contains(errs, c.wantErr) {
					t.Errorf("errors:\n%s\nwant %q", errs, c.wantErr)
				}
				return
			}
			if errs != "" {
				t.Fatal(errs)
			}
			if got := strings.Join(listNamed(rs, "l").Items, ","); got != c.wantItems {
				t.Errorf("items %q, want %q", got, c.wantItems)
			}
			if got := rs.Macros[0].Condition; got != c.wantCond {
				t.Errorf("macro %q, want %q", got, c.wantCond)
			}
		})
	}
}
