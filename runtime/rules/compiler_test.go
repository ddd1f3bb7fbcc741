package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// fakeCompiler stands in for runtime/filter: "@@" is a syntax error,
// "bad.field" an unknown field, "warnme" a compile warning.
type fakeCompiler struct {
	t *testing.T
}

type fakeAST struct{ cond string }

func (fakeCompiler) Parse(cond string) (any, error) {
	if i := strings.Index(cond, "@@"); i >= 0 {
		return nil, &CondError{Offset: i, Line: 1, Col: i + 1, Msg: fmt.Sprintf("unexpected '@' at %d", i)}
	}
	return fakeAST{cond}, nil
}

func (f fakeCompiler) Compile(ast any, env Env) (any, []CondWarning, error) {
	cond := ast.(fakeAST).cond
	if env.Source == nil {
		f.t.Error("Compile without a source")
	}
	sr := scanCondition(cond)
	for _, r := range sr.refs {
		if r.kind == refMacro {
			if _, ok := env.Macro(r.name); !ok {
				return nil, nil, &CondError{Offset: r.start, Msg: "undefined macro " + r.name}
			}
		}
	}
	for _, lit := range sr.lits {
		for _, it := range lit.items {
			if strings.HasSuffix(it.text, "_list") {
				if _, ok := env.List(it.text); !ok {
					return nil, nil, &CondError{Offset: lit.start, Msg: "no list " + it.text}
				}
			}
		}
	}
	if i := strings.Index(cond, "bad.field"); i >= 0 {
		return nil, nil, &CondError{Offset: i, Msg: "filter_check called with nonexistent field bad.field", UnknownField: true}
	}
	var warns []CondWarning
	if i := strings.Index(cond, "warnme"); i >= 0 {
		warns = append(warns, CondWarning{Offset: i, Msg: "a warning"})
	}
	return "prog:" + cond, warns, nil
}

func (fakeCompiler) ParseOutput(format string, src fields.Source, skip bool) (any, error) {
	if i := strings.Index(format, "%bad.field"); i >= 0 {
		return nil, &CondError{Offset: i, Msg: "invalid output field bad.field", UnknownField: true}
	}
	return "fmt:" + format, nil
}

func loadCompiled(t *testing.T, doc string) *Ruleset {
	t.Helper()
	rs, err := Load([]File{{Name: "a.yaml", Data: []byte(doc)}}, Options{Sources: ourSources, Compiler: fakeCompiler{t}})
	if err != nil && rs == nil {
		t.Fatal(err)
	}
	return rs
}

func TestCompilerSeam(t *testing.T) {
	rs := loadCompiled(t, `- list: l_list
  items: [a]
- macro: m
  condition: ka.verb=get
- rule: r
  desc: d
  condition: m and ka.user.name in (l_list)
  output: user %ka.user.name
  priority: INFO
  source: k8s_audit
`)
	if e := errorsText(rs); e != "" {
		t.Fatal(e)
	}
	r := rs.Rules[0]
	if r.Program != "prog:(m and ka.user.name in (l_list))" || r.Formatter != "fmt:user %ka.user.name" {
		t.Errorf("program %v, formatter %v", r.Program, r.Formatter)
	}
	if rs.Macros[0].AST != (fakeAST{"ka.verb=get"}) {
		t.Errorf("macro AST %v", rs.Macros[0].AST)
	}
}

// Compiler errors and warnings point inside the condition or output.
func TestCompilerDiagnostics(t *testing.T) {
	head := "- rule: r\n  desc: d\n  priority: INFO\n  source: k8s_audit\n"
	cases := []struct {
		name, doc string
		want      []string
		rules     int
		skipped   int
	}{
		{"syntax error in a rule condition (line 5, column 26: the first @)",
			head + "  condition: ka.verb=get @@ x\n  output: o\n",
			[]string{"a.yaml:5:26: error: rule 'r': unexpected '@' at 12 [LOAD_ERR_COMPILE_CONDITION]"}, 0, 0},
		{"syntax error in a folded condition (line 7, column 11)",
			head + "  condition: >\n    ka.verb=get\n    and x @@\n  output: o\n",
			[]string{"a.yaml:7:11: error: rule 'r': unexpected '@' at 18 [LOAD_ERR_COMPILE_CONDITION]"}, 0, 0},
		{"syntax error in a macro",
			"- macro: m\n  condition: \"ka.verb=get @@\"\n" + head + "  condition: m\n  output: o\n",
			[]string{"a.yaml:2:27: error: macro 'm': unexpected '@' at 12 [LOAD_ERR_COMPILE_CONDITION]"}, 0, 0},
		{"unknown field is an error",
			head + "  condition: bad.field = 1\n  output: o\n",
			[]string{"a.yaml:5:14: error: rule 'r': filter_check called with nonexistent field bad.field [LOAD_ERR_COMPILE_CONDITION]"}, 0, 0},
		{"unknown field with skip-if-unknown-filter: skipped with a warning",
			head + "  condition: bad.field = 1\n  output: o\n  skip-if-unknown-filter: true\n",
			[]string{"a.yaml:1:3: warning: rule 'r': Rule skipped: condition: filter_check called with nonexistent field bad.field [LOAD_UNKNOWN_FILTER]"}, 0, 1},
		{"unknown output field",
			head + "  condition: ka.verb=get\n  output: \"user %bad.field\"\n",
			[]string{"a.yaml:6:17: error: rule 'r': invalid output field bad.field [LOAD_ERR_COMPILE_OUTPUT]"}, 0, 0},
		{"compile warning",
			head + "  condition: ka.verb=warnme\n  output: o\n",
			[]string{"a.yaml:5:22: warning: rule 'r': a warning [LOAD_COMPILE_CONDITION]"}, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadCompiled(t, c.doc)
			var got []string
			for _, d := range rs.Diagnostics {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if len(rs.Rules) != c.rules || len(rs.Skipped) != c.skipped {
				t.Errorf("rules %d skipped %d, want %d %d", len(rs.Rules), len(rs.Skipped), c.rules, c.skipped)
			}
		})
	}
}
