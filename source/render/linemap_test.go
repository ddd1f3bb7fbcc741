package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMapTemplateLines(t *testing.T) {
	for _, c := range []struct {
		name     string
		tpl, out string
		want     []int // per output line; 0: not mapped
	}{
		{
			name: "static and values",
			tpl:  "a: 1\nb: {{ .Values.b }}\nc: \"{{ .x }}:{{ .y }}\"\n",
			out:  "a: 1\nb: 2\nc: \"p:q\"\n",
			want: []int{1, 2, 3},
		},
		{
			name: "trimmed if skipped",
			tpl:  "spec:\n  {{- if .x }}\n  replicas: 3\n  {{- end }}\n  paused: true\n",
			out:  "spec:\n  paused: true\n",
			want: []int{1, 5},
		},
		{
			name: "range repeats its body",
			tpl:  "ports:\n{{- range .p }}\n- name: {{ .n }}\n  port: {{ .v }}\n{{- end }}\nend: true\n",
			out:  "ports:\n- name: a\n  port: 1\n- name: b\n  port: 2\nend: true\n",
			want: []int{1, 3, 4, 3, 4, 6},
		},
		{
			name: "block from nindent",
			tpl:  "labels:\n  {{- include \"l\" . | nindent 2 }}\nspec: {}\n",
			out:  "labels:\n  a: b\n  c: d\nspec: {}\n",
			want: []int{1, 2, 2, 3},
		},
		{
			name: "block alone on its line",
			tpl:  "labels:\n{{ toYaml .l | indent 2 }}\nspec: {}\n",
			out:  "labels:\n  a: b\n  c: d\nspec: {}\n",
			want: []int{1, 2, 2, 3},
		},
		{
			name: "inline if else",
			tpl:  "image: {{ if .a }}x{{ else }}y{{ end }}:latest\npolicy: Always\n",
			out:  "image: y:latest\npolicy: Always\n",
			want: []int{1, 2},
		},
		{
			name: "repeated static line needs order",
			tpl:  "a:\n  name: x\nb:\n  name: x\n",
			out:  "a:\n  name: x\nb:\n  name: x\n",
			want: []int{1, 2, 3, 4},
		},
		{
			name: "no jump back outside a range",
			tpl:  "a: 1\nb: 2\n",
			out:  "b: 2\na: 1\n",
			want: []int{2, 0},
		},
		{
			name: "comment and blank lines",
			tpl:  "{{/* a comment\nover lines */}}\nkind: Pod\n\nmetadata: {}\n",
			out:  "\nkind: Pod\n\nmetadata: {}\n",
			want: []int{0, 3, 0, 5},
		},
		{
			name: "unparsable template maps nothing",
			tpl:  "a: {{ .x\n",
			out:  "a: 1\n",
			want: []int{0},
		},
		{
			name: "define in the same file maps to the include",
			tpl:  "{{- define \"x\" }}\nfoo: bar\n{{- end }}\nspec:\n  {{- include \"x\" . | nindent 2 }}\n",
			out:  "spec:\n  foo: bar\n",
			want: []int{4, 5},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := mapTemplateLines("t", c.tpl, c.out)
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	lit := func(s string) piece { return piece{lit: s} }
	w := piece{wild: true}
	for _, c := range []struct {
		p    []piece
		s    string
		want bool
	}{
		{[]piece{lit("a: ")}, "a: ", true},
		{[]piece{lit("a: ")}, "a: 1", false},
		{[]piece{lit("a: "), w}, "a: 1", true},
		{[]piece{lit("a: \""), w, lit(":"), w, lit("\"")}, "a: \"x:y\"", true},
		{[]piece{lit("a: \""), w, lit(":"), w, lit("\"")}, "a: \"xy\"", false},
		{[]piece{w, lit("-x")}, "a-x", true},
		{[]piece{w, lit("-x")}, "a-x-y", false},
		{[]piece{lit("ab"), w, lit("ba")}, "aba", false},
	} {
		if got := matches(c.p, c.s); got != c.want {
			t.Errorf("matches(%v, %q) = %v", c.p, c.s, got)
		}
	}
}

// FuzzMapTemplateLines: any template and output map without panicking, to
// lines that exist in the template.
func FuzzMapTemplateLines(f *testing.F) {
	f.Add("a: {{ .x }}\n{{- range .y }}\n- {{ . }}\n{{- end }}\n", "a: 1\n- 2\n- 3\n")
	f.Add("{{ if .a }}x{{ else }}y{{ end }}\n", "y\n")
	f.Add("{{/* c */}}\n{{ define \"d\" }}z{{ end }}{{ template \"d\" }}\n", "z\n")
	f.Fuzz(func(t *testing.T, tpl, out string) {
		lines := 1
		for _, r := range tpl {
			if r == '\n' {
				lines++
			}
		}
		for i, l := range mapTemplateLines("t", tpl, out) {
			if l < 0 || l > lines {
				t.Fatalf("output line %d maps to %d; the template has %d lines", i+1, l, lines)
			}
		}
	})
}
