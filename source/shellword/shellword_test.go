package shellword

import (
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

func TestValue(t *testing.T) {
	for _, tc := range []struct {
		src, value     string
		literal, split bool
	}{
		{`plain`, "plain", true, false},
		{`'single $x'`, "single $x", true, false},
		{`"double $x"`, "double $x", false, false},
		{`$FLAGS`, "$FLAGS", false, true},
		{`"$@"`, "$@", false, true},
		{`"${arr[@]}"`, "${arr}", false, true},
		{`${IMG}:latest`, "${IMG}:latest", false, true},
		{`a\ b`, "a b", true, false},
		{`$(id -u)`, "$(...)", false, true},
	} {
		f, err := syntax.NewParser().Parse(strings.NewReader("x "+tc.src), "")
		if err != nil {
			t.Fatal(err)
		}
		w := f.Stmts[0].Cmd.(*syntax.CallExpr).Args[1]
		v, lit, split := Value(w)
		if v != tc.value || lit != tc.literal || split != tc.split {
			t.Errorf("%s: %q %v %v, want %q %v %v", tc.src, v, lit, split, tc.value, tc.literal, tc.split)
		}
	}
}
