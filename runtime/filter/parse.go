package filter

import (
	"fmt"
	"sort"
	"strings"
)

// MaxDepth caps the nesting of parentheses, transformers and operator
// chains in a condition, so that hostile rules files cannot exhaust the
// stack (upstream's rule loader uses the same limit).
const MaxDepth = 1000

// SyntaxError is a condition that does not parse. Offset is a byte
// offset into the condition; Line and Col (1-based, in bytes) locate it
// within the condition text.
type SyntaxError struct {
	Offset, Line, Col int
	Msg               string
}

// Error formats the error as "line:col: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
}

// Operator spellings, longest first where one is a prefix of another.
var (
	numOps  = []string{"<=", "<", ">=", ">"}
	symOps  = []string{"==", "=", "!="}
	wordOps = []string{"contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob", "regex"}
	listOps = []string{"intersects", "in", "pmatch"}
	mods    = []string{"oneof", "anyof", "allof"}
	xfNames = []string{"tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt"}
)

type parser struct {
	src   string
	pos   int
	depth int
	lines []int // offsets where lines start
	// legacy is set by parseQuoted when the string used the legacy
	// escape "\ ".
	legacy bool
}

// Parse parses a condition into its AST. Errors are *SyntaxError.
func Parse(cond string) (Node, error) {
	p := newParser(cond)
	p.blank()
	if p.pos == len(p.src) {
		return nil, p.errf(p.pos, "empty condition")
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.blank()
	if p.pos != len(p.src) {
		return nil, p.errf(p.pos, "unexpected %s: expected 'and', 'or' or the end of the condition", p.describe())
	}
	return n, nil
}

func newParser(src string) *parser {
	p := &parser{src: src, lines: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
	return p
}

func (p *parser) at(off int) Pos {
	l := sort.Search(len(p.lines), func(i int) bool { return p.lines[i] > off }) - 1
	return Pos{Offset: off, Line: l + 1, Col: off - p.lines[l] + 1}
}

func (p *parser) errf(off int, format string, args ...any) *SyntaxError {
	ps := p.at(off)
	return &SyntaxError{Offset: ps.Offset, Line: ps.Line, Col: ps.Col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) describe() string {
	if p.pos >= len(p.src) {
		return "end of condition"
	}
	end := p.pos
	for end < len(p.src) && end-p.pos < 20 && !isBlank(p.src[end]) {
		end++
	}
	if end == p.pos {
		end++
	}
	return fmt.Sprintf("%q", p.src[p.pos:end])
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\b'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isIdent(c byte) bool  { return isLetter(c) || isDigit(c) || c == '_' }

// blank skips blanks and reports whether there were any.
func (p *parser) blank() bool {
	start := p.pos
	for p.pos < len(p.src) && isBlank(p.src[p.pos]) {
		p.pos++
	}
	return p.pos > start
}

func (p *parser) peek(s string) bool { return strings.HasPrefix(p.src[p.pos:], s) }

func (p *parser) eat(s string) bool {
	if p.peek(s) {
		p.pos += len(s)
		return true
	}
	return false
}

// keyword reports whether word starts at the cursor and is not the
// beginning of a longer identifier.
func (p *parser) keyword(word string) bool {
	if !p.peek(word) {
		return false
	}
	end := p.pos + len(word)
	return end == len(p.src) || !isIdent(p.src[end])
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errf(p.pos, "condition nested deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) parseOr() (Node, error) {
	return p.parseChain("or", p.parseAnd, func(at Pos, t []Node) Node { return &Or{At: at, Terms: t} })
}

func (p *parser) parseAnd() (Node, error) {
	return p.parseChain("and", p.parseNot, func(at Pos, t []Node) Node { return &And{At: at, Terms: t} })
}

// parseChain parses `sub { word (blank sub | "(" Condition ")") }`.
func (p *parser) parseChain(word string, sub func() (Node, error), mk func(Pos, []Node) Node) (Node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.blank()
	start := p.pos
	first, err := sub()
	if err != nil {
		return nil, err
	}
	terms := []Node{first}
	for {
		save := p.pos
		p.blank()
		if !p.peek(word) {
			p.pos = save
			break
		}
		wordAt := p.pos
		p.pos += len(word)
		switch {
		case p.blank():
			t, err := sub()
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
		case p.peek("("):
			t, err := p.parseParen()
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
		default:
			if p.pos < len(p.src) && isIdent(p.src[p.pos]) {
				// A longer word ("order", "android"): not our keyword.
				p.pos = save
				return mk1(mk, p.at(start), terms), nil
			}
			return nil, p.errf(wordAt, "expected a blank or '(' after '%s'", word)
		}
	}
	return mk1(mk, p.at(start), terms), nil
}

func mk1(mk func(Pos, []Node) Node, at Pos, terms []Node) Node {
	if len(terms) == 1 {
		return terms[0]
	}
	return mk(at, terms)
}

// parseParen parses "(" Condition ")" at the cursor.
func (p *parser) parseParen() (Node, error) {
	open := p.pos
	p.pos++ // (
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.blank()
	if !p.eat(")") {
		if p.pos >= len(p.src) {
			return nil, p.errf(open, "unclosed '('")
		}
		return nil, p.errf(p.pos, "unexpected %s: expected ')', 'and' or 'or'", p.describe())
	}
	return n, nil
}

func (p *parser) parseNot() (Node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	var nots []Pos
	for p.keyword("not") || p.peek("not(") {
		at := p.at(p.pos)
		p.pos += 3
		if p.peek("(") {
			nots = append(nots, at)
			x, err := p.parseParen()
			if err != nil {
				return nil, err
			}
			return wrapNots(nots, x), nil
		}
		if !p.blank() {
			return nil, p.errf(at.Offset, "expected a blank or '(' after 'not'")
		}
		nots = append(nots, at)
	}
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	return wrapNots(nots, x), nil
}

func wrapNots(nots []Pos, x Node) Node {
	for i := len(nots) - 1; i >= 0; i-- {
		x = &Not{At: nots[i], X: x}
	}
	return x
}

func (p *parser) parsePrimary() (Node, error) {
	if p.pos >= len(p.src) {
		return nil, p.errf(p.pos, "unexpected end of condition: expected a check, a macro or '('")
	}
	if p.peek("(") {
		return p.parseParen()
	}
	start := p.pos
	if name, ok := p.xfName(); ok {
		op, err := p.parseTransformer(name)
		if err != nil {
			return nil, err
		}
		return p.parseCheck(op)
	}
	ident, dotted := p.scanName()
	if ident == "" {
		return nil, p.errf(p.pos, "unexpected %s: expected a field, a macro or '('", p.describe())
	}
	if !dotted {
		p.pos += len(ident)
		return &MacroRef{At: p.at(start), Name: ident}, nil
	}
	f, err := p.parseField()
	if err != nil {
		return nil, err
	}
	return p.parseCheck(f)
}

// xfName reports a transformer name immediately followed by "(".
func (p *parser) xfName() (string, bool) {
	for _, n := range xfNames {
		if p.peek(n + "(") {
			return n, true
		}
	}
	return "", false
}

// scanName returns the identifier or dotted field name at the cursor
// without consuming it.
func (p *parser) scanName() (string, bool) {
	s := p.src[p.pos:]
	i := 0
	dotted := false
	for {
		if i >= len(s) || !isLetter(s[i]) {
			if i > 0 && s[i-1] == '.' {
				i-- // a trailing dot is not part of the name
				dotted = strings.Contains(s[:i], ".")
			}
			return s[:i], dotted
		}
		for i < len(s) && isIdent(s[i]) {
			i++
		}
		if i < len(s) && s[i] == '.' && i+1 < len(s) && isLetter(s[i+1]) {
			dotted = true
			i++
			continue
		}
		return s[:i], dotted
	}
}

// parseField parses FieldName [ "[" FieldArg "]" ].
func (p *parser) parseField() (*Field, error) {
	start := p.pos
	name, dotted := p.scanName()
	if !dotted {
		return nil, p.errf(p.pos, "unexpected %s: expected a field name", p.describe())
	}
	p.pos += len(name)
	f := &Field{At: p.at(start), Name: name}
	if p.peek("[") {
		arg, err := p.parseFieldArg()
		if err != nil {
			return nil, err
		}
		f.Arg, f.HasArg = arg, true
	}
	return f, nil
}

func (p *parser) parseFieldArg() (string, error) {
	open := p.pos
	p.pos++ // [
	var arg string
	if p.peek(`"`) || p.peek(`'`) {
		s, err := p.parseQuoted()
		if err != nil {
			return "", err
		}
		arg = s
	} else {
		st := p.pos
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			if isBlank(c) || c == '[' || c == ']' || c == '"' || c == '\'' {
				break
			}
			p.pos++
		}
		if p.pos == st {
			return "", p.errf(p.pos, "expected a field argument after '['")
		}
		arg = p.src[st:p.pos]
	}
	if !p.eat("]") {
		return "", p.errf(open, "unclosed '[' in field argument")
	}
	return arg, nil
}

// parseTransformer parses name "(" XfArg { "," XfArg } ")" [ "[" arg "]" ].
func (p *parser) parseTransformer(name string) (*Transformer, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := &Transformer{At: p.at(p.pos), Name: name}
	p.pos += len(name)
	open := p.pos
	p.pos++ // (
	for {
		p.blank()
		a, err := p.parseXfArg()
		if err != nil {
			return nil, err
		}
		t.Args = append(t.Args, a)
		p.blank()
		if p.eat(",") {
			continue
		}
		if p.eat(")") {
			break
		}
		if p.pos >= len(p.src) {
			return nil, p.errf(open, "unclosed '(' of %s()", name)
		}
		return nil, p.errf(p.pos, "unexpected %s: expected ',' or ')' in %s()", p.describe(), name)
	}
	if p.peek("[") {
		arg, err := p.parseFieldArg()
		if err != nil {
			return nil, err
		}
		t.Arg, t.HasArg = arg, true
	}
	return t, nil
}

func (p *parser) parseXfArg() (Node, error) {
	if name, ok := p.xfName(); ok {
		return p.parseTransformer(name)
	}
	if p.peek(`"`) || p.peek(`'`) {
		at := p.at(p.pos)
		s, err := p.parseQuoted()
		if err != nil {
			return nil, err
		}
		return &Literal{At: at, Value: s, Quoted: true}, nil
	}
	if p.peek("(") {
		return p.parseList()
	}
	if n := p.numberLen(); n > 0 {
		at := p.at(p.pos)
		p.pos += n
		return &Literal{At: at, Value: p.src[at.Offset:p.pos]}, nil
	}
	if _, dotted := p.scanName(); dotted {
		return p.parseField()
	}
	return nil, p.errf(p.pos, "unexpected %s: expected a field, a transformer, a string or a number", p.describe())
}

// numberLen returns the length of a Number or HexNumber at the cursor
// (0 when there is none), not followed by a bare-string character.
func (p *parser) numberLen() int {
	s := p.src[p.pos:]
	i := 0
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		i = 2
		for i < len(s) && isHex(s[i]) {
			i++
		}
		if i == 2 {
			return 0
		}
	} else {
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == d {
			return 0
		}
		if i < len(s) && s[i] == '.' {
			i++
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		}
		if i+2 < len(s) && (s[i] == 'e' || s[i] == 'E') && (s[i+1] == '+' || s[i+1] == '-') && isDigit(s[i+2]) {
			i += 2
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		}
	}
	if i < len(s) && isBareChar(s[i]) {
		return 0
	}
	return i
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isBareChar(c byte) bool {
	return !isBlank(c) && c != '(' && c != ')' && c != ',' && c != '=' && c != '"' && c != '\''
}

// longest returns the longest of ops at the cursor.
func (p *parser) longest(ops []string) string {
	best := ""
	for _, o := range ops {
		if len(o) > len(best) && p.peek(o) {
			best = o
		}
	}
	return best
}

func (p *parser) parseCheck(operand Node) (Node, error) {
	at := operand.Position()
	p.blank()
	opAt := p.at(p.pos)
	if p.keyword("exists") {
		p.pos += len("exists")
		return &UnaryCheck{At: at, Operand: operand, Op: "exists"}, nil
	}
	c := &BinaryCheck{At: at, Operand: operand, OpAt: opAt}
	if op := p.longest(numOps); op != "" {
		p.pos += len(op)
		c.Op = op
		p.blank()
		rhs, err := p.parseNumRHS()
		if err != nil {
			return nil, err
		}
		c.RHS = rhs
		return c, nil
	}
	if op := p.longest(symOps); op != "" {
		p.pos += len(op)
		c.Op = op
		return p.parseStrRHS(c)
	}
	if op := p.longest(listOps); op != "" {
		p.pos += len(op)
		c.Op = op
		p.blank()
		rhs, err := p.parseListRHS()
		if err != nil {
			return nil, err
		}
		c.RHS = rhs
		return c, nil
	}
	for _, op := range wordOps {
		if p.keyword(op) {
			p.pos += len(op)
			c.Op = op
			if !p.blank() {
				return nil, p.errf(opAt.Offset, "expected a blank after '%s'", op)
			}
			return p.parseStrRHS(c)
		}
	}
	return nil, p.errf(p.pos, "unexpected %s: expected an operator after the field", p.describe())
}

func (p *parser) parseNumRHS() (Node, error) {
	if p.peek("val(") {
		return p.parseValRef()
	}
	if name, ok := p.xfName(); ok {
		return p.parseTransformer(name)
	}
	if n := p.numberLen(); n > 0 {
		at := p.at(p.pos)
		p.pos += n
		return &Literal{At: at, Value: p.src[at.Offset:p.pos]}, nil
	}
	return nil, p.errf(p.pos, "unexpected %s: expected a number", p.describe())
}

func (p *parser) parseStrRHS(c *BinaryCheck) (Node, error) {
	p.blank()
	// StrOp modifier ListValue: only when a list or identifier follows
	// and the word after the modifier is not and/or/not.
	for _, m := range mods {
		if !p.keyword(m) {
			continue
		}
		save := p.pos
		p.pos += len(m)
		if p.blank() && !p.keyword("and") && !p.keyword("or") && !p.keyword("not") {
			if p.peek("(") {
				c.Modifier = m
				l, err := p.parseList()
				if err != nil {
					return nil, err
				}
				c.RHS = l
				return c, nil
			}
			if name, dotted := p.scanName(); name != "" && !dotted && p.pos+len(name) <= len(p.src) &&
				(p.pos+len(name) == len(p.src) || !isBareChar(p.src[p.pos+len(name)])) {
				c.Modifier = m
				c.RHS = &ListRef{At: p.at(p.pos), Name: name}
				p.pos += len(name)
				return c, nil
			}
		}
		p.pos = save
	}
	if p.peek("val(") {
		v, err := p.parseValRef()
		if err != nil {
			return nil, err
		}
		c.RHS = v
		return c, nil
	}
	if name, ok := p.xfName(); ok {
		t, err := p.parseTransformer(name)
		if err != nil {
			return nil, err
		}
		c.RHS = t
		return c, nil
	}
	lit, err := p.parseValue()
	if err != nil {
		return nil, err
	}
	c.RHS = lit
	return c, nil
}

func (p *parser) parseListRHS() (Node, error) {
	if p.peek("(") {
		return p.parseList()
	}
	if p.peek("val(") {
		return p.parseValRef()
	}
	if name, ok := p.xfName(); ok {
		return p.parseTransformer(name)
	}
	name, dotted := p.scanName()
	if name == "" || dotted {
		return nil, p.errf(p.pos, "unexpected %s: expected a list '(...)' or a list name", p.describe())
	}
	at := p.at(p.pos)
	p.pos += len(name)
	return &ListRef{At: at, Name: name}, nil
}

func (p *parser) parseValRef() (Node, error) {
	at := p.at(p.pos)
	p.pos += len("val(")
	p.blank()
	f, err := p.parseField()
	if err != nil {
		return nil, err
	}
	p.blank()
	if !p.eat(")") {
		return nil, p.errf(p.pos, "unexpected %s: expected ')' to close val(", p.describe())
	}
	return &ValRef{At: at, Field: f}, nil
}

// parseValue parses a QuotedString or a BareString.
func (p *parser) parseValue() (*Literal, error) {
	at := p.at(p.pos)
	if p.peek(`"`) || p.peek(`'`) {
		p.legacy = false
		s, err := p.parseQuoted()
		if err != nil {
			return nil, err
		}
		return &Literal{At: at, Value: s, Quoted: true, LegacyEscape: p.legacy}, nil
	}
	st := p.pos
	for p.pos < len(p.src) && isBareChar(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == st {
		return nil, p.errf(p.pos, "unexpected %s: expected a value", p.describe())
	}
	return &Literal{At: at, Value: p.src[st:p.pos]}, nil
}

// parseList parses "(" [ Value { "," Value } ] ")".
func (p *parser) parseList() (*List, error) {
	l := &List{At: p.at(p.pos)}
	open := p.pos
	p.pos++ // (
	p.blank()
	if p.eat(")") {
		return l, nil
	}
	for {
		p.blank()
		v, err := p.parseValue()
		if err != nil {
			if p.pos >= len(p.src) {
				return nil, p.errf(open, "unclosed '(' of list")
			}
			return nil, err
		}
		l.Items = append(l.Items, v)
		p.blank()
		if p.eat(",") {
			continue
		}
		if p.eat(")") {
			return l, nil
		}
		if p.pos >= len(p.src) {
			return nil, p.errf(open, "unclosed '(' of list")
		}
		return nil, p.errf(p.pos, "unexpected %s: expected ',' or ')' in list", p.describe())
	}
}

// parseQuoted parses a quoted string with Falco's escapes and returns its
// value.
func (p *parser) parseQuoted() (string, error) {
	open := p.pos
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == q {
			p.pos++
			return b.String(), nil
		}
		if c != '\\' {
			b.WriteByte(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.src) {
			break
		}
		e := p.src[p.pos+1]
		switch e {
		case '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case ' ':
			// Legacy rules write "\ " for a backslash (upstream's
			// unescaping keeps the backslash and drops the blank).
			b.WriteByte('\\')
			p.legacy = true
		case 'x':
			if p.pos+3 < len(p.src) && isHex(p.src[p.pos+2]) && isHex(p.src[p.pos+3]) {
				b.WriteByte(unhex(p.src[p.pos+2])<<4 | unhex(p.src[p.pos+3]))
				p.pos += 4
				continue
			}
			return "", p.errf(p.pos, `invalid escape: \x needs two hex digits`)
		case '"', '\'':
			if e != q {
				return "", p.errf(p.pos, `invalid escape \%c inside %c...%c`, e, q, q)
			}
			b.WriteByte(e)
		default:
			return "", p.errf(p.pos, `invalid escape \%c in quoted string`, e)
		}
		p.pos += 2
	}
	return "", p.errf(open, "unterminated quoted string")
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
