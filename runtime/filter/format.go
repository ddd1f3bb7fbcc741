package filter

import (
	"strings"
)

// Format renders an AST as condition text that parses back to the same
// tree (positions aside): nested and/or are parenthesised, values that
// were quoted (or could not be bare) are quoted with Falco's escapes.
// Lint messages and the loader's exception conditions use it.
func Format(n Node) string {
	var b strings.Builder
	format(&b, n)
	return b.String()
}

func format(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *And:
		formatChain(b, n.Terms, " and ")
	case *Or:
		for i, t := range n.Terms {
			if i > 0 {
				b.WriteString(" or ")
			}
			if _, ok := t.(*And); ok {
				format(b, t) // and binds tighter than or
			} else {
				formatTerm(b, t)
			}
		}
	case *Not:
		b.WriteString("not ")
		formatTerm(b, n.X)
	case *MacroRef:
		b.WriteString(n.Name)
	case *UnaryCheck:
		format(b, n.Operand)
		b.WriteString(" ")
		b.WriteString(n.Op)
	case *BinaryCheck:
		format(b, n.Operand)
		b.WriteString(" ")
		b.WriteString(n.Op)
		b.WriteString(" ")
		if n.Modifier != "" {
			b.WriteString(n.Modifier)
			b.WriteString(" ")
		}
		format(b, n.RHS)
	case *Field:
		b.WriteString(n.Name)
		formatArg(b, n.HasArg, n.Arg)
	case *Transformer:
		b.WriteString(n.Name)
		b.WriteString("(")
		for i, a := range n.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, a)
		}
		b.WriteString(")")
		formatArg(b, n.HasArg, n.Arg)
	case *Literal:
		if !n.Quoted && isBareValue(n.Value) {
			b.WriteString(n.Value)
		} else {
			quote(b, n.Value)
		}
	case *List:
		b.WriteString("(")
		for i, it := range n.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, it)
		}
		b.WriteString(")")
	case *ListRef:
		b.WriteString(n.Name)
	case *ValRef:
		b.WriteString("val(")
		format(b, n.Field)
		b.WriteString(")")
	}
}

func formatChain(b *strings.Builder, terms []Node, sep string) {
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		formatTerm(b, t)
	}
}

// formatTerm parenthesises an and/or inside another boolean operator.
func formatTerm(b *strings.Builder, n Node) {
	switch n.(type) {
	case *And, *Or:
		b.WriteString("(")
		format(b, n)
		b.WriteString(")")
	default:
		format(b, n)
	}
}

func formatArg(b *strings.Builder, has bool, arg string) {
	if !has {
		return
	}
	b.WriteString("[")
	bare := arg != ""
	for i := 0; i < len(arg); i++ {
		c := arg[i]
		if isBlank(c) || c == '[' || c == ']' || c == '"' || c == '\'' {
			bare = false
			break
		}
	}
	if bare {
		b.WriteString(arg)
	} else {
		quote(b, arg)
	}
	b.WriteString("]")
}

func isBareValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBareChar(s[i]) {
			return false
		}
	}
	return true
}

// quote writes s as a "..." string with Falco's escapes.
func quote(b *strings.Builder, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				b.WriteString(`\x`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&15])
				continue
			}
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
