package filter

import "testing"

func TestFormat(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a and b or c", "a and b or c"},
		{"a and (b or c)", "a and (b or c)"},
		{"(a and b) and c", "(a and b) and c"}, // the tree is kept
		{"not (a or b)", "not (a or b)"},
		{"not not a", "not not a"},
		{"ka.verb=create", "ka.verb = create"},
		{"ka.verb in(a,'b c',l)", `ka.verb in (a, "b c", l)`},
		{"ka.verb in ()", "ka.verb in ()"},
		{"ka.uri.param[command] exists", "ka.uri.param[command] exists"},
		{`jevt.value["/a b"] = x`, `jevt.value["/a b"] = x`},
		{`a.b = "x\"y\n\x01"`, `a.b = "x\"y\n\x01"`},
		{`a.b = 'quoted'`, `a.b = "quoted"`},
		{"tolower(basename(a.b)) = val(c.d)", "tolower(basename(a.b)) = val(c.d)"},
		{"a.b startswith oneof (x, y)", "a.b startswith oneof (x, y)"},
		{"evt.num >= 0x10", "evt.num >= 0x10"},
	}
	for _, tc := range cases {
		n, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		got := Format(n)
		if got != tc.want {
			t.Errorf("Format(%q) = %q, want %q", tc.in, got, tc.want)
		}
		checkRoundTrip(t, tc.in, n)
	}
}

// checkRoundTrip asserts that Format(n) parses back to the same tree.
func checkRoundTrip(t *testing.T, in string, n Node) {
	t.Helper()
	text := Format(n)
	m, err := Parse(text)
	if err != nil {
		t.Fatalf("%q: Format gave %q, which does not parse: %v", in, text, err)
	}
	if dump(m) != dump(n) {
		t.Fatalf("%q: round trip through %q:\n got %s\nwant %s", in, text, dump(m), dump(n))
	}
}

func TestFormatCorpus(t *testing.T) {
	for name, c := range corpusConditions(t) {
		n, err := Parse(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkRoundTrip(t, name, n)
	}
}
