// Package shellword reads the values of shell words parsed by
// mvdan.cc/sh: what the shell would pass as an argument, whether that is
// known statically, and whether it may split into several arguments.
package shellword

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Value returns the word with quotes removed, expansions kept as written
// ("$MEM", "${IMG}", "$(...)"); literal is true when it holds no
// expansion; splits is true when an unquoted expansion (or a quoted "$@")
// may turn it into any number of arguments.
func Value(w *syntax.Word) (value string, literal, splits bool) {
	var b strings.Builder
	literal, splits = parts(&b, w.Parts, false)
	return b.String(), literal, splits
}

func parts(b *strings.Builder, ps []syntax.WordPart, quoted bool) (lit, splits bool) {
	lit = true
	for _, p := range ps {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(Unescape(p.Value))
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			l, s := parts(b, p.Parts, true)
			lit, splits = lit && l, splits || s
		case *syntax.ParamExp:
			lit = false
			// "$@" and "${arr[@]}" expand to many words even when quoted.
			splits = splits || !quoted || p.Param.Value == "@" || p.Index != nil && isAt(p.Index)
			if p.Short {
				b.WriteString("$" + p.Param.Value)
			} else {
				b.WriteString("${" + p.Param.Value + "}")
			}
		default:
			lit = false
			splits = splits || !quoted
			b.WriteString("$(...)")
		}
	}
	return lit, splits
}

func isAt(x syntax.ArithmExpr) bool {
	w, ok := x.(*syntax.Word)
	if !ok || len(w.Parts) != 1 {
		return false
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	return ok && (l.Value == "@" || l.Value == "*")
}

// QuotedAt reports whether w is "$@" or "${arr[@]}" alone in quotes.
func QuotedAt(w *syntax.Word) bool {
	if len(w.Parts) != 1 {
		return false
	}
	dq, ok := w.Parts[0].(*syntax.DblQuoted)
	if !ok || len(dq.Parts) != 1 {
		return false
	}
	pe, ok := dq.Parts[0].(*syntax.ParamExp)
	return ok && (pe.Param.Value == "@" || pe.Index != nil && isAt(pe.Index))
}

// Unescape removes the backslashes of an unquoted literal, and
// backslash-newline line continuations.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
