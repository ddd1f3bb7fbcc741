package rules

import (
	"strings"
	"testing"
)

func TestScanCondition(t *testing.T) {
	cases := []struct {
		cond   string
		macros string // macro references, comma-separated
		bare   string // bare list references (x in name)
		items  string // bare items of list literals
		na     int
	}{
		{"kevt and pod and not kcreate", "kevt,pod,kcreate", "", "", 0},
		// values are not macros, whatever they look like
		{"ka.verb=create and ka.target.resource = pods", "", "", "", 0},
		{"ka.target.resource in (pods, deployments) and m", "m", "", "pods,deployments", 0},
		{"not(pod) and(kevt) or (a)", "pod,kevt,a", "", "", 0},
		{`ka.user.name in (allowed_users, "extra-user")`, "", "", "allowed_users", 0},
		{"ka.user.groups intersects mylist and m", "m", "mylist", "", 0},
		{"tolower(ka.user.name) startswith admin and m", "m", "", "", 0},
		{"proc.name = val(proc.pname) and m", "m", "", "", 0},
		{"evt.dir=< and m", "m", "", "", 0},
		{"ka.uri startswith oneof (a, b) and m", "m", "", "a,b", 0},
		{"fd.name pmatch (sensitive_files)", "", "", "sensitive_files", 0},
		{"ka.uri.param[command] contains sh and jevt.value[/a/b] exists and m", "m", "", "", 0},
		{`x.y != "<NA>" and x.z = N/A`, "", "", "", 2},
		// AND is not a keyword: it lexes as a macro name (Falco does the same)
		{"a AND b", "a,AND,b", "", "", 0},
		{`x.y = "a \" and b" and m`, "m", "", "", 0},
		{"ka.verb in () and m", "m", "", "", 0},
		{"ka.response.code>=400 and m", "m", "", "", 0},
	}
	for _, c := range cases {
		t.Run(c.cond, func(t *testing.T) {
			sr := scanCondition(c.cond)
			var macros, bare, items []string
			for _, r := range sr.refs {
				if r.kind == refMacro {
					macros = append(macros, r.name)
					if c.cond[r.start:r.end] != r.name {
						t.Errorf("span %d:%d is %q", r.start, r.end, c.cond[r.start:r.end])
					}
				} else {
					bare = append(bare, r.name)
				}
			}
			for _, l := range sr.lits {
				for _, it := range l.items {
					if it.bare {
						items = append(items, it.text)
					}
				}
			}
			got := []string{strings.Join(macros, ","), strings.Join(bare, ","), strings.Join(items, ",")}
			want := []string{c.macros, c.bare, c.items}
			if strings.Join(got, "|") != strings.Join(want, "|") || len(sr.na) != c.na {
				t.Errorf("got %q na=%d, want %q na=%d", got, len(sr.na), want, c.na)
			}
		})
	}
}

// A list of lists of lists expands fully, with a warning that Falco
// expands one level only; one level is silent.
func TestNestedListWarning(t *testing.T) {
	rs := loadYAML(t, "- list: a\n  items: [x]\n- list: b\n  items: [a, y]\n- list: c\n  items: [b, z]\n- rule: r\n  condition: ka.verb in (c)"+ruleTail)
	if got := strings.Join(listNamed(rs, "c").Resolved, ","); got != "x,y,z" {
		t.Errorf("resolved %q", got)
	}
	var warns []string
	for _, d := range rs.Warnings() {
		warns = append(warns, d.String())
	}
	want := "a.yaml:5:3: warning: list 'c': List refers to list 'b', which itself refers to a list: Falco expands one level only (not portable) [LOAD_NESTED_LIST]"
	if strings.Join(warns, "\n") != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warns, "\n"), want)
	}
}

// FuzzScanCondition: the scanner never panics, its spans lie inside the
// text, and expansion of the text with a list and a macro terminates.
func FuzzScanCondition(f *testing.F) {
	for _, s := range []string{"kevt and pod", `x.y in (l, "a\"b", m) or tolower(a.b) = c`, "not(a) and(b)", "x.y intersects l", "a.b[", `"`, "x.y = (", "a.b startswith oneof (l"} {
		f.Add(s)
	}
	macros := map[string]*Macro{"m": {Name: "m", Condition: "x.y in (l) and m2"}, "m2": {Name: "m2", Condition: "a.b = 1"}}
	lists := map[string]*List{"l": {Name: "l", Resolved: []string{"a b", "c"}}}
	f.Fuzz(func(t *testing.T, s string) {
		sr := scanCondition(s)
		for _, r := range sr.refs {
			if r.start < 0 || r.end > len(s) || r.start > r.end || s[r.start:r.end] != r.name {
				t.Fatalf("bad ref %+v in %q", r, s)
			}
		}
		for _, l := range sr.lits {
			if l.start < 0 || l.end > len(s) || l.start >= l.end {
				t.Fatalf("bad literal %+v in %q", l, s)
			}
		}
		budget := maxExpand
		_, _ = expand(s, macros, lists, 0, &budget)
	})
}
