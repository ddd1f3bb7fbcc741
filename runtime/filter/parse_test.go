package filter

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// dump renders an AST compactly for the parse tables.
func dump(n Node) string {
	switch n := n.(type) {
	case *And:
		return "and(" + dumpAll(n.Terms) + ")"
	case *Or:
		return "or(" + dumpAll(n.Terms) + ")"
	case *Not:
		return "not(" + dump(n.X) + ")"
	case *MacroRef:
		return "macro:" + n.Name
	case *UnaryCheck:
		return dump(n.Operand) + " " + n.Op
	case *BinaryCheck:
		op := n.Op
		if n.Modifier != "" {
			op += " " + n.Modifier
		}
		return dump(n.Operand) + " " + op + " " + dump(n.RHS)
	case *Field:
		if n.HasArg {
			return n.Name + "[" + n.Arg + "]"
		}
		return n.Name
	case *Transformer:
		return n.Name + "(" + dumpAll(n.Args) + ")"
	case *Literal:
		if n.Quoted {
			return fmt.Sprintf("%q", n.Value)
		}
		return n.Value
	case *List:
		var parts []string
		for _, it := range n.Items {
			parts = append(parts, dump(it))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case *ListRef:
		return "list:" + n.Name
	case *ValRef:
		return "val(" + dump(n.Field) + ")"
	}
	return fmt.Sprintf("?%T", n)
}

func dumpAll(ns []Node) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, dump(n))
	}
	return strings.Join(parts, ", ")
}

func TestParse(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a", "macro:a"},
		{"a and b or c", "or(and(macro:a, macro:b), macro:c)"},
		{"a or b and c", "or(macro:a, and(macro:b, macro:c))"},
		{"not a and b", "and(not(macro:a), macro:b)"},
		{"not not a", "not(not(macro:a))"},
		{"not(a)", "not(macro:a)"},
		{"not (a or b)", "not(or(macro:a, macro:b))"},
		{"a and(b)", "and(macro:a, macro:b)"},
		{"a or(b and c)", "or(macro:a, and(macro:b, macro:c))"},
		{"a and b and c", "and(macro:a, macro:b, macro:c)"},
		{"(a)", "macro:a"},
		{" \t\r\n\ba\n", "macro:a"},
		{"AND", "macro:AND"}, // keywords are lower-case only
		{"notary", "macro:notary"},
		{"android and order", "and(macro:android, macro:order)"},
		{"ka.verb=create", "ka.verb = create"},
		{"ka.verb == create", "ka.verb == create"},
		{"ka.verb!=create", "ka.verb != create"},
		{"ka.user.name=system:anonymous", "ka.user.name = system:anonymous"},
		{"ka.uri=/healthz?", "ka.uri = /healthz?"},
		{"ka.target.subresource exists", "ka.target.subresource exists"},
		{"ka.verb in (create, update)", "ka.verb in [create,update]"},
		{"ka.verb in(create,update)", "ka.verb in [create,update]"},
		{"ka.verb in ()", "ka.verb in []"},
		{"ka.verb in ( a , \"b c\" , listname )", `ka.verb in [a,"b c",listname]`},
		{"ka.verb in mylist", "ka.verb in list:mylist"},
		{"ka.user.groups intersects (x)", "ka.user.groups intersects [x]"},
		{"fd.name pmatch (/etc, /var/lib)", "fd.name pmatch [/etc,/var/lib]"},
		{"ka.uri.param[command] exists", "ka.uri.param[command] exists"},
		{"container.mount.dest[/var/run/docker.sock] exists", "container.mount.dest[/var/run/docker.sock] exists"},
		{`jevt.value["/a b"] = x`, "jevt.value[/a b] = x"},
		{"ka.req.pod.containers.image[0] = x", "ka.req.pod.containers.image[0] = x"},
		{"k8s.ns.name = x", "k8s.ns.name = x"},
		{"evt.num <= 5", "evt.num <= 5"},
		{"evt.num<5", "evt.num < 5"},
		{"evt.num >= 0x1F", "evt.num >= 0x1F"},
		{"evt.num > -1.5e+3", "evt.num > -1.5e+3"},
		{"a.b contains x", "a.b contains x"},
		{"a.b icontains x", "a.b icontains x"},
		{"a.b bcontains 7f45", "a.b bcontains 7f45"},
		{"a.b bstartswith 7f45", "a.b bstartswith 7f45"},
		{"a.b startswith x", "a.b startswith x"},
		{"a.b endswith x", "a.b endswith x"},
		{"a.b glob '*.x'", `a.b glob "*.x"`},
		{"a.b iglob *.x", "a.b iglob *.x"},
		{"a.b regex '^a$'", `a.b regex "^a$"`},
		{"a.b = anyof (x, y)", "a.b = anyof [x,y]"},
		{"a.b startswith oneof mylist", "a.b startswith oneof list:mylist"},
		{"a.b = oneof", "a.b = oneof"},
		{"a.b = allof and c", "and(a.b = allof, macro:c)"},
		{"tolower(a.b) = x", "tolower(a.b) = x"},
		{"tolower(basename(a.b)) = x", "tolower(basename(a.b)) = x"},
		{"len(a.b) > 2000", "len(a.b) > 2000"},
		{"a.b = val(c.d)", "a.b = val(c.d)"},
		{"a.b = toupper(c.d)", "a.b = toupper(c.d)"},
		{"a.b in val(c.d)", "a.b in val(c.d)"},
		{"concat(a.b, 'x', 2, (c.d, 'e')) = x", `concat(a.b, "x", 2, [c.d,"e"]) = x`},
		{"tolower = x.y", ""}, // a macro named tolower followed by garbage: error below
		{`a.b = "x\"y"`, `a.b = "x\"y"`},
		{`a.b = 'x\'y'`, `a.b = "x'y"`},
		{`a.b = "\\ \/ \b \f \n \r \t \x41"`, `a.b = "\\ / \b \f \n \r \t A"`},
		{`a.b contains "\ "`, `a.b contains "\\"`}, // legacy "\ ": a backslash, as upstream
		{`a.b endswith \`, `a.b endswith \`},
		{"a.b = 'x y' or c", `or(a.b = "x y", macro:c)`},
		{"a.b=x)", ""},
	}
	for _, tc := range cases {
		n, err := Parse(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: parsed as %s, want an error", tc.in, dump(n))
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := dump(n); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	cases := []struct {
		in        string
		line, col int
		msg       string
	}{
		{"", 1, 1, "empty condition"},
		{"   ", 1, 4, "empty condition"},
		{"a and", 1, 3, "expected a blank or '(' after 'and'"},
		{"a and ", 1, 7, "unexpected end of condition"},
		{"a or", 1, 3, "after 'or'"},
		{"not", 1, 1, "expected a blank or '(' after 'not'"},
		{"a b", 1, 3, "expected 'and', 'or'"},
		{"(a", 1, 1, "unclosed '('"},
		{"a)", 1, 2, "expected 'and', 'or'"},
		{"a.b", 1, 4, "expected an operator"},
		{"a.b containsx", 1, 5, "expected an operator"},
		{"a.b contains", 1, 5, "expected a blank after 'contains'"},
		{"a.b = ", 1, 7, "expected a value"},
		{"a.b in (x", 1, 8, "unclosed '(' of list"},
		{"a.b in (x y)", 1, 11, "expected ',' or ')'"},
		{"a.b in (x,)", 1, 11, "expected a value"},
		{"a.b < x", 1, 7, "expected a number"},
		{`a.b = "x`, 1, 7, "unterminated quoted string"},
		{`a.b = "\q"`, 1, 8, `invalid escape \q`},
		{`a.b = "\x4"`, 1, 8, `\x needs two hex digits`},
		{`a.b = '\"'`, 1, 8, `invalid escape \"`},
		{"a.b[x = y", 1, 4, "unclosed '['"},
		{"a.b[] = y", 1, 5, "expected a field argument"},
		{"ka.verb=create and\n  ka.verb in (a b)", 2, 17, "expected ',' or ')'"},
		{"tolower(a.b = x", 1, 13, "expected ',' or ')' in tolower()"},
		{"a.b = val(c)", 1, 11, "expected a field name"},
		{"not  ", 1, 6, "unexpected end"},
		{"notx(a)", 1, 5, "expected 'and', 'or'"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if se.Line != tc.line || se.Col != tc.col || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("%q: got %d:%d %q, want %d:%d %q", tc.in, se.Line, se.Col, se.Msg, tc.line, tc.col, tc.msg)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	deep := strings.Repeat("(", 5000) + "a" + strings.Repeat(")", 5000)
	if _, err := Parse(deep); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Fatalf("deep nesting: %v", err)
	}
	nots := strings.Repeat("not ", 5000) + "a"
	if _, err := Parse(nots); err != nil {
		t.Fatalf("repeated not: %v", err)
	}
}

func TestWalk(t *testing.T) {
	n, err := Parse("kcreate and ka.verb in (a, mylist) and not ka.user.name = val(ka.impuser.name) and ka.x in other")
	if err != nil {
		t.Fatal(err)
	}
	var macros, lits, lists, fieldsSeen []string
	Walk(n, func(n Node) bool {
		switch n := n.(type) {
		case *MacroRef:
			macros = append(macros, n.Name)
		case *Literal:
			lits = append(lits, n.Value)
		case *ListRef:
			lists = append(lists, n.Name)
		case *Field:
			fieldsSeen = append(fieldsSeen, n.Name)
		}
		return true
	})
	got := fmt.Sprint(macros, lits, lists, fieldsSeen)
	want := "[kcreate] [a mylist] [other] [ka.verb ka.user.name ka.impuser.name ka.x]"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
