package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// quietCompiler is a fake compiler safe to use while fuzzing.
type quietCompiler struct{}

func (quietCompiler) Parse(cond string) (any, error) {
	if i := strings.Index(cond, "@@"); i >= 0 {
		return nil, &CondError{Offset: i, Msg: "syntax"}
	}
	return cond, nil
}

func (quietCompiler) Compile(ast any, env Env) (any, []CondWarning, error) {
	cond := ast.(string)
	if i := strings.Index(cond, "bad.field"); i >= 0 {
		return nil, []CondWarning{{Offset: -1, Msg: "w"}}, &CondError{Offset: i + 1000, Msg: "unknown", UnknownField: true}
	}
	return cond, []CondWarning{{Offset: len(cond) + 5, Msg: "w"}}, nil
}

func (quietCompiler) ParseOutput(format string, src fields.Source, skip bool) (any, error) {
	if strings.Contains(format, "%%") {
		return nil, &CondError{Offset: -3, Msg: "bad output"}
	}
	return format, nil
}

func FuzzLoad(f *testing.F) {
	for _, p := range []string{"testdata/worked_base.yaml", "testdata/worked_local.yaml"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, []byte(nil))
		}
	}
	seeds, _ := filepath.Glob("testdata/fuzz-seeds/*.yaml")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, []byte(baseRule))
		}
	}
	f.Add([]byte(baseRule), []byte("- rule: R\n  condition: and x @@\n  override:\n    condition: append\n"))
	f.Add([]byte("- macro: a\n  condition: b\n- macro: b\n  condition: a\n- macro: a\n  condition: b\n  append: true\n"), []byte("- rule: r\n  condition: a and x in (l)"+ruleTail))
	f.Add([]byte("- list: l\n  items: &x [a, b]\n- list: m\n  items: *x\n"), []byte("- list: l\n  items: [m]\n  override: {items: append}\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		for _, c := range []Compiler{nil, quietCompiler{}} {
			rs, err := Load([]File{{Name: "a.yaml", Data: a}, {Name: "b.yaml", Data: b}}, Options{Sources: ourSources, Compiler: c})
			if rs == nil {
				t.Fatalf("nil ruleset: %v", err)
			}
			if (err != nil) != (len(rs.Errors()) > 0) {
				t.Fatalf("error %v with %d error diagnostics", err, len(rs.Errors()))
			}
			for _, d := range rs.Diagnostics {
				if d.File != "a.yaml" && d.File != "b.yaml" || d.Message == "" || d.Code == "" {
					t.Fatalf("bad diagnostic %+v", d)
				}
				_ = d.String()
			}
			for _, r := range append(append([]*Rule{}, rs.Rules...), rs.Skipped...) {
				if _, err := rs.ExpandCondition(r); err != nil && !strings.Contains(err.Error(), "exceeds") && !strings.Contains(err.Error(), "nest") {
					t.Fatalf("expand: %v", err)
				}
			}
		}
	})
}

// Hostile input: bounded work and a clear error, never a crash or a hang.
func TestHostileInput(t *testing.T) {
	// 20000 tuples, each an alias of one tuple holding an alias of a
	// 20000-value list: 4e8 values from a 140 KB file.
	var laughs strings.Builder
	laughs.WriteString("- rule: r\n  condition: ka.verb=get" + ruleTail + "  exceptions:\n    - name: e\n      fields: [a.b]\n      comps: [in]\n      values:\n        - &t [&l [")
	for i := 0; i < 20000; i++ {
		laughs.WriteString("x, ")
	}
	laughs.WriteString("x]]\n        - [")
	laughs.WriteString("*l]\n")
	laughs.WriteString("    - name: e2\n      fields: [a.b]\n      comps: [in]\n      values: [")
	for i := 0; i < 20000; i++ {
		laughs.WriteString("*t, ")
	}
	laughs.WriteString("*t]\n")

	var lists strings.Builder
	lists.WriteString("- list: l0\n  items: [")
	for i := 0; i < 1000; i++ {
		lists.WriteString("x, ")
	}
	lists.WriteString("x]\n")
	for n := 1; n <= 3; n++ {
		fmt.Fprintf(&lists, "- list: l%d\n  items: [", n)
		for i := 0; i < 1000; i++ {
			fmt.Fprintf(&lists, "l%d, ", n-1)
		}
		lists.WriteString("x]\n")
	}

	cases := []struct {
		name, doc, want string
	}{
		{"alias expansion in exception values", laughs.String(), "Too many values in this file"},
		{"nested list references multiplying", lists.String(), "List expands to more than 1048576 items"},
		{"deep YAML nesting", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "error"},
		{"an alias loop in YAML", "- &a [*a]\n", "error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			rs := loadYAML(t, c.doc)
			if !raceEnabled && time.Since(start) > 10*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			if got := errorsText(rs); !strings.Contains(got, c.want) {
				t.Errorf("errors:\n%.2000s\nwant %q", got, c.want)
			}
		})
	}
}
