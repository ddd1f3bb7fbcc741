// Package filter is the Falco condition language (runtime.md section 2):
// a parser with positions, a compiler that resolves macros, lists and
// fields against a fields.Source and checks operators and values, an
// evaluator that allocates nothing on the hot path, and the output format
// of section 2.9.
//
// Parse gives an AST (Node) that the rules loader may walk (Walk) and
// print back (Format); Compile turns it into a Program, inlining macros
// and expanding lists through an Env and checking fields, arguments,
// operators and values against the event source.
//
// Evaluation allocates nothing. A Program is safe for concurrent use:
// Program.Eval takes a scratch Evaluator from a sync.Pool; a goroutine
// that evaluates many events may hold its own (Program.NewEvaluator).
// Programs compiled with one RefTable (Env.Refs) share an Evaluator
// (RefTable.NewEvaluator, Evaluator.Reset per event, Program.EvalWith per
// rule), so that every field is extracted once per event for a whole
// rule set.
//
// Deliberate differences from upstream libsinsp, on rare input only:
// any blank (not only a space) may follow a word operator; a quote
// preceded by an escaped backslash ("a\\") closes the string; `not`
// alone is an error rather than a macro named "not"; an identifier after
// in/intersects/pmatch that names no list is an error ("undefined list")
// rather than a single value.
package filter

// Pos is a position inside the condition text: a byte offset and the
// 1-based line and column (in bytes) it falls on.
type Pos struct {
	Offset, Line, Col int
}

// Node is a node of a condition's AST. The concrete types are *And, *Or,
// *Not, *MacroRef, *UnaryCheck and *BinaryCheck for boolean expressions,
// *Field and *Transformer for operands, and *Literal, *List, *ListRef and
// *ValRef for right-hand sides.
type Node interface {
	// Position is where the node starts in its condition text.
	Position() Pos
	node()
}

// And is a conjunction of two or more terms, evaluated left to right with
// short-circuit.
type And struct {
	At    Pos
	Terms []Node
}

// Or is a disjunction of two or more terms, evaluated left to right with
// short-circuit.
type Or struct {
	At    Pos
	Terms []Node
}

// Not negates its operand.
type Not struct {
	At Pos
	X  Node
}

// MacroRef is a bare identifier where a check is expected: a reference
// to a macro.
type MacroRef struct {
	At   Pos
	Name string
}

// UnaryCheck is `operand exists`.
type UnaryCheck struct {
	At      Pos
	Operand Node // *Field or *Transformer
	Op      string
}

// BinaryCheck is `operand op [modifier] rhs`.
type BinaryCheck struct {
	At      Pos
	Operand Node // *Field or *Transformer
	Op      string
	// OpAt is the position of the operator.
	OpAt Pos
	// Modifier is "oneof", "anyof", "allof" or "".
	Modifier string
	// RHS is *Literal, *List, *ListRef, *ValRef or *Transformer.
	RHS Node
}

// Field is a field name with its optional bracketed argument.
type Field struct {
	At     Pos
	Name   string
	Arg    string
	HasArg bool
}

// Transformer is `name(args...)` with an optional bracketed argument.
// Args are *Field, *Transformer, *Literal or *List.
type Transformer struct {
	At     Pos
	Name   string
	Args   []Node
	Arg    string
	HasArg bool
}

// Literal is a value: a quoted string (unescaped) or a bare word.
type Literal struct {
	At     Pos
	Value  string
	Quoted bool
	// LegacyEscape marks a quoted string that used the legacy escape
	// "\ " (read as a backslash); Compile warns about it.
	LegacyEscape bool
}

// List is a parenthesised list of values. A bare item that names a list
// is spliced at compile time.
type List struct {
	At    Pos
	Items []*Literal
}

// ListRef is an identifier in list position: `x in mylist`.
type ListRef struct {
	At   Pos
	Name string
}

// ValRef is `val(field)`: the runtime value of another field.
type ValRef struct {
	At    Pos
	Field *Field
}

// Position implements Node.
func (n *And) Position() Pos { return n.At }

// Position implements Node.
func (n *Or) Position() Pos { return n.At }

// Position implements Node.
func (n *Not) Position() Pos { return n.At }

// Position implements Node.
func (n *MacroRef) Position() Pos { return n.At }

// Position implements Node.
func (n *UnaryCheck) Position() Pos { return n.At }

// Position implements Node.
func (n *BinaryCheck) Position() Pos { return n.At }

// Position implements Node.
func (n *Field) Position() Pos { return n.At }

// Position implements Node.
func (n *Transformer) Position() Pos { return n.At }

// Position implements Node.
func (n *Literal) Position() Pos { return n.At }

// Position implements Node.
func (n *List) Position() Pos { return n.At }

// Position implements Node.
func (n *ListRef) Position() Pos { return n.At }

// Position implements Node.
func (n *ValRef) Position() Pos { return n.At }

func (*And) node()         {}
func (*Or) node()          {}
func (*Not) node()         {}
func (*MacroRef) node()    {}
func (*UnaryCheck) node()  {}
func (*BinaryCheck) node() {}
func (*Field) node()       {}
func (*Transformer) node() {}
func (*Literal) node()     {}
func (*List) node()        {}
func (*ListRef) node()     {}
func (*ValRef) node()      {}

// Walk visits n and its descendants depth-first, parents before
// children; when fn returns false the node's children are skipped.
// Macro references are not followed.
func Walk(n Node, fn func(Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	switch n := n.(type) {
	case *And:
		for _, t := range n.Terms {
			Walk(t, fn)
		}
	case *Or:
		for _, t := range n.Terms {
			Walk(t, fn)
		}
	case *Not:
		Walk(n.X, fn)
	case *UnaryCheck:
		Walk(n.Operand, fn)
	case *BinaryCheck:
		Walk(n.Operand, fn)
		Walk(n.RHS, fn)
	case *Transformer:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *List:
		for _, it := range n.Items {
			Walk(it, fn)
		}
	case *ValRef:
		Walk(n.Field, fn)
	}
}
