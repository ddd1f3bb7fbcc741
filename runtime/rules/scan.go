package rules

// A lenient scanner that finds, in a condition, the references the loader
// must resolve itself (macros, lists) without a full parser: it follows
// the shape of runtime.md 2.2 (operand, operator, value) only far enough
// to tell a macro name from a bare value and a list name from a literal.
// Syntax errors are the Compiler's business; on text it does not
// understand the scanner skips ahead and never fails.

type refKind int

const (
	// refMacro: an identifier where a check is expected.
	refMacro refKind = iota
	// refListBare: an identifier as the whole right-hand side of a list
	// operator (x in mylist).
	refListBare
)

type ref struct {
	kind       refKind
	name       string
	start, end int
}

// listLit is a parenthesised list value; its bare items may name lists.
type listLit struct {
	start, end int // '(' .. after ')'
	items      []litItem
}

type litItem struct {
	text string
	bare bool
}

type scanResult struct {
	refs []ref
	lits []listLit
	// na holds the offsets of comparisons with the literal <NA> or N/A.
	na []int
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\b' || c == '\f' || c == '\v'
}
func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' || c == '_' }
func isBareStop(c byte) bool {
	return isBlank(c) || c == '(' || c == ')' || c == ',' || c == '=' || c == '"' || c == '\''
}

type scanner struct {
	s string
	i int
}

func (sc *scanner) blanks() {
	for sc.i < len(sc.s) && isBlank(sc.s[sc.i]) {
		sc.i++
	}
}

func (sc *scanner) ident() string {
	j := sc.i
	if j < len(sc.s) && isIdentStart(sc.s[j]) {
		for j < len(sc.s) && isIdentChar(sc.s[j]) {
			j++
		}
	}
	w := sc.s[sc.i:j]
	sc.i = j
	return w
}

func (sc *scanner) peekIdent() string {
	save := sc.i
	w := sc.ident()
	sc.i = save
	return w
}

// quoted skips a quoted string starting at sc.i.
func (sc *scanner) quoted() string {
	q := sc.s[sc.i]
	start := sc.i
	sc.i++
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		if c == '\\' {
			sc.i += 2
			continue
		}
		sc.i++
		if c == q {
			break
		}
	}
	sc.i = min(sc.i, len(sc.s))
	return sc.s[start:sc.i]
}

// balanced skips a parenthesised group starting at sc.i, quotes aware.
func (sc *scanner) balanced() {
	depth := 0
	for sc.i < len(sc.s) {
		switch c := sc.s[sc.i]; c {
		case '"', '\'':
			sc.quoted()
			continue
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				sc.i++
				return
			}
		}
		sc.i++
	}
}

// bracket skips a field argument [..] if one starts at sc.i.
func (sc *scanner) bracket() {
	if sc.i >= len(sc.s) || sc.s[sc.i] != '[' {
		return
	}
	sc.i++
	if sc.i < len(sc.s) && (sc.s[sc.i] == '"' || sc.s[sc.i] == '\'') {
		sc.quoted()
	}
	for sc.i < len(sc.s) && sc.s[sc.i] != ']' {
		sc.i++
	}
	if sc.i < len(sc.s) {
		sc.i++
	}
}

func (sc *scanner) bare() string {
	j := sc.i
	for j < len(sc.s) && !isBareStop(sc.s[j]) {
		j++
	}
	w := sc.s[sc.i:j]
	sc.i = j
	return w
}

var listOps = map[string]bool{"in": true, "intersects": true, "pmatch": true}

var wordOps = map[string]bool{
	"contains": true, "icontains": true, "bcontains": true, "startswith": true,
	"bstartswith": true, "endswith": true, "glob": true, "iglob": true, "regex": true,
}

var modifiers = map[string]bool{"oneof": true, "anyof": true, "allof": true}

const (
	stExpr = iota
	stOp
	stValue
	stList
	stAfter
)

// scanCondition finds the macro and list references of a condition.
func scanCondition(s string) scanResult {
	var r scanResult
	sc := &scanner{s: s}
	st := stExpr
	for {
		sc.blanks()
		if sc.i >= len(s) {
			return r
		}
		c := s[sc.i]
		switch st {
		case stExpr:
			switch {
			case c == '(':
				sc.i++
			case c == ')':
				sc.i++
				st = stAfter
			case isIdentStart(c):
				start := sc.i
				w := sc.ident()
				switch {
				case w == "not" && (sc.i >= len(s) || isBlank(s[sc.i]) || s[sc.i] == '('):
				case sc.i+1 < len(s) && s[sc.i] == '.' && isIdentStart(s[sc.i+1]):
					for sc.i+1 < len(s) && s[sc.i] == '.' && isIdentStart(s[sc.i+1]) {
						sc.i++
						sc.ident()
					}
					sc.bracket()
					st = stOp
				case sc.i < len(s) && s[sc.i] == '(':
					sc.balanced() // a transformer operand
					sc.bracket()
					st = stOp
				default:
					r.refs = append(r.refs, ref{kind: refMacro, name: w, start: start, end: sc.i})
					st = stAfter
				}
			default:
				sc.i++
			}
		case stOp:
			st = sc.operator()
		case stValue:
			switch {
			case c == '"' || c == '\'':
				q := sc.quoted()
				if len(q) >= 2 && (q[1:len(q)-1] == "<NA>" || q[1:len(q)-1] == "N/A") {
					r.na = append(r.na, sc.i-len(q))
				}
			case c == '(':
				st = stList
				continue
			case isIdentStart(c) && sc.funcCall():
			default:
				start := sc.i
				if w := sc.bare(); w == "<NA>" || w == "N/A" {
					r.na = append(r.na, start)
				}
				if sc.i == start {
					sc.i++
				}
			}
			st = stAfter
		case stList:
			switch {
			case c == '(':
				r.lits = append(r.lits, sc.listLiteral())
			case isIdentStart(c):
				start := sc.i
				if !sc.funcCall() {
					w := sc.bare()
					r.refs = append(r.refs, ref{kind: refListBare, name: w, start: start, end: sc.i})
				}
			default:
				if sc.bare() == "" {
					sc.i++
				}
			}
			st = stAfter
		case stAfter:
			switch {
			case c == ')':
				sc.i++
			case isIdentStart(c):
				w := sc.peekIdent()
				if w == "and" || w == "or" {
					sc.ident()
				}
				st = stExpr
			default:
				sc.i++
			}
		}
	}
}

// funcCall skips name(...)[arg] when a call starts at sc.i.
func (sc *scanner) funcCall() bool {
	save := sc.i
	sc.ident()
	if sc.i < len(sc.s) && sc.s[sc.i] == '(' {
		sc.balanced()
		sc.bracket()
		return true
	}
	sc.i = save
	return false
}

// operator reads a comparison operator and returns the next state.
func (sc *scanner) operator() int {
	s := sc.s
	for _, op := range []string{"==", "!=", "<=", ">=", "=", "<", ">"} {
		if len(s)-sc.i >= len(op) && s[sc.i:sc.i+len(op)] == op {
			sc.i += len(op)
			return sc.modifier(stValue)
		}
	}
	if !isIdentStart(s[sc.i]) {
		sc.i++
		return stAfter
	}
	w := sc.ident()
	switch {
	case w == "exists":
		return stAfter
	case listOps[w]:
		return stList
	case wordOps[w]:
		return sc.modifier(stValue)
	}
	return stAfter
}

func (sc *scanner) modifier(next int) int {
	save := sc.i
	sc.blanks()
	if w := sc.ident(); modifiers[w] && (sc.i >= len(sc.s) || isBlank(sc.s[sc.i]) || sc.s[sc.i] == '(') {
		return stList
	}
	sc.i = save
	return next
}

// listLiteral reads ( item, item ... ) starting at sc.i.
func (sc *scanner) listLiteral() listLit {
	l := listLit{start: sc.i}
	sc.i++
	for {
		sc.blanks()
		if sc.i >= len(sc.s) {
			break
		}
		c := sc.s[sc.i]
		if c == ')' {
			sc.i++
			break
		}
		switch {
		case c == ',':
			sc.i++
		case c == '"' || c == '\'':
			l.items = append(l.items, litItem{text: sc.quoted()})
		case c == '(':
			sc.balanced() // not valid in a list; skip it
		default:
			w := sc.bare()
			if w == "" {
				sc.i++
				continue
			}
			l.items = append(l.items, litItem{text: w, bare: true})
		}
	}
	l.end = sc.i
	return l
}
