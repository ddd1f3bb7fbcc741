package filter

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// ErrUnknownField is wrapped by the CompileError of a condition that
// names a field its source does not have, so that the rules loader can
// skip the rule with a warning (errors.Is).
var ErrUnknownField = errors.New("unknown field")

// CompileError is a condition that parses but does not compile. The
// position is in the rule's condition, or, when Macro is set, in that
// macro's condition.
type CompileError struct {
	Offset, Line, Col int
	// Macro names the macro whose condition holds the error; "" when it is
	// in the condition handed to Compile.
	Macro string
	Msg   string
	// Err is the wrapped cause (ErrUnknownField or nil).
	Err error
}

// Error formats the error as "[macro NAME: ]line:col: message".
func (e *CompileError) Error() string {
	if e.Macro != "" {
		return fmt.Sprintf("macro %s: %d:%d: %s", e.Macro, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
}

// Unwrap returns the cause.
func (e *CompileError) Unwrap() error { return e.Err }

// Warning is a compile-time remark that does not stop compilation
// (a comparison against "<NA>", a lexicographic comparison of strings).
type Warning struct {
	Offset, Line, Col int
	Macro             string
	Msg               string
}

// String formats the warning as "[macro NAME: ]line:col: message".
func (w Warning) String() string {
	if w.Macro != "" {
		return fmt.Sprintf("macro %s: %d:%d: %s", w.Macro, w.Line, w.Col, w.Msg)
	}
	return fmt.Sprintf("%d:%d: %s", w.Line, w.Col, w.Msg)
}

// Env is what a condition is compiled against.
type Env struct {
	// Source is the rule's event source: its fields are the ones a
	// condition may use.
	Source fields.Source
	// Macro returns the parsed condition of a macro visible to the
	// condition (nil: no macros).
	Macro func(name string) (Node, bool)
	// List returns the items of a list visible to the condition (nil: no
	// lists). Items that name a list are expanded in turn (nested lists),
	// unless ListsExpanded.
	List func(name string) ([]string, bool)
	// ListsExpanded says that List returns items with their nested lists
	// already expanded (by a loader applying Falco's visibility rules):
	// Compile then takes them as values and does not expand them again.
	ListsExpanded bool
	// SkipUnknown records the rule's skip-if-unknown-filter. Compile
	// returns an error wrapping ErrUnknownField for an unknown field
	// either way; with SkipUnknown the message says that the rule is
	// skipped, and the loader should report it as a warning.
	SkipUnknown bool
	// Refs, when set, shares field slots with other programs of the same
	// source (see RefTable); nil gives the program a table of its own.
	Refs *RefTable
}

// MaxExpandedSize caps the number of checks and operators of a
// condition with every macro reference expanded, and MaxListItems the
// items of a list with its nested lists expanded, so that a hostile
// rules file (a macro or list used twice at each of many levels) cannot
// make compilation or evaluation explode.
const (
	MaxExpandedSize = 1 << 20
	MaxListItems    = 1 << 16
)

// maxCompileDepth bounds the recursion of compilation across inlined
// macros.
const maxCompileDepth = 4 * MaxDepth

// Program is a compiled condition. It is immutable and safe for
// concurrent use.
type Program struct {
	root  evalNode
	refs  []fields.Ref
	table *RefTable
	pool  sync.Pool
}

// Evaluator holds the scratch space of evaluations of one Program: the
// extracted values (each field extracted once per event, however often
// the condition names it) and the bytes of transformed strings. An
// Evaluator is not safe for concurrent use; keep one per goroutine, or
// let Program.Eval take one from its pool.
type Evaluator struct {
	p     *Program
	table *RefTable
	vals  []fields.Value
	slots []slot
	arena []byte
}

type slot struct {
	start, end int32
	state      uint8 // 0 not extracted, 1 present, 2 absent
}

const (
	slotPresent = 1
	slotAbsent  = 2
)

// NewEvaluator returns an Evaluator of p for one goroutine.
func (p *Program) NewEvaluator() *Evaluator {
	ev := &Evaluator{p: p, table: p.table, vals: make([]fields.Value, 0, 64), arena: make([]byte, 0, 256)}
	ev.Reset()
	return ev
}

// Eval evaluates the condition on e with a pooled Evaluator; it allocates
// nothing once the pool is warm.
func (p *Program) Eval(e fields.Event) bool {
	ev, _ := p.pool.Get().(*Evaluator)
	if ev == nil {
		ev = p.NewEvaluator()
	}
	r := ev.Eval(e)
	p.pool.Put(ev)
	return r
}

// Eval evaluates the program the Evaluator was made for
// (Program.NewEvaluator) on e. An Evaluator of a RefTable has no program
// of its own: use Program.EvalWith.
func (ev *Evaluator) Eval(e fields.Event) bool {
	ev.Reset()
	if ev.p == nil {
		return false
	}
	return ev.p.root.eval(ev, e)
}

// Refs lists the distinct field references of the program, in the order
// they first appear in the condition (macros inlined).
func (p *Program) Refs() []fields.Ref { return p.refs }

type compiler struct {
	env      Env
	byName   map[string]int
	infos    []fields.Info
	table    *RefTable
	used     map[int]bool
	refs     []fields.Ref
	warnings []Warning
	macro    string   // macro being compiled ("" for the condition)
	stack    []string // macros being expanded
	macros   map[string]evalNode
	// size counts the nodes of the condition with every macro reference
	// expanded; macroSize records each compiled macro's share.
	size      int
	macroSize map[string]int
	listBig   bool
	listMemo  map[string][]string
	depth     int
}

// Compile compiles a parsed condition against env. Errors are
// *CompileError; an unknown field's error wraps ErrUnknownField.
func Compile(n Node, env Env) (*Program, []Warning, error) {
	if env.Source == nil {
		return nil, nil, errors.New("filter: compile: no event source")
	}
	if n == nil {
		return nil, nil, errors.New("filter: compile: no condition")
	}
	c := newCompiler(env)
	if !c.table.bind(env.Source.Name()) {
		return nil, nil, fmt.Errorf("filter: compile: the RefTable serves source %s, not %s", c.table.source, env.Source.Name())
	}
	root, err := c.bool(n)
	if err != nil {
		return nil, c.warnings, err
	}
	return &Program{root: root, refs: c.refs, table: c.table}, c.warnings, nil
}

func newCompiler(env Env) *compiler {
	c := &compiler{env: env, byName: map[string]int{}, used: map[int]bool{}, macros: map[string]evalNode{}, macroSize: map[string]int{}, listMemo: map[string][]string{}, table: env.Refs}
	if c.table == nil {
		c.table = NewRefTable()
	}
	c.infos = env.Source.Fields()
	for i, f := range c.infos {
		c.byName[f.Name] = i
	}
	return c
}

func (c *compiler) errAt(at Pos, cause error, format string, args ...any) *CompileError {
	return &CompileError{Offset: at.Offset, Line: at.Line, Col: at.Col, Macro: c.macro, Msg: fmt.Sprintf(format, args...), Err: cause}
}

func (c *compiler) warn(at Pos, format string, args ...any) {
	c.warnings = append(c.warnings, Warning{Offset: at.Offset, Line: at.Line, Col: at.Col, Macro: c.macro, Msg: fmt.Sprintf(format, args...)})
}

func (c *compiler) bool(n Node) (evalNode, error) {
	if n == nil {
		return nil, &CompileError{Macro: c.macro, Msg: "missing expression"}
	}
	c.size++
	if c.size > MaxExpandedSize {
		return nil, c.errAt(n.Position(), nil, "condition larger than %d nodes with its macros expanded", MaxExpandedSize)
	}
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxCompileDepth {
		return nil, c.errAt(n.Position(), nil, "condition nested deeper than %d levels (macros included)", maxCompileDepth)
	}
	switch n := n.(type) {
	case *And:
		kids, err := c.terms(n.Terms)
		if err != nil {
			return nil, err
		}
		return andNode(kids), nil
	case *Or:
		kids, err := c.terms(n.Terms)
		if err != nil {
			return nil, err
		}
		return orNode(kids), nil
	case *Not:
		x, err := c.bool(n.X)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case *MacroRef:
		return c.macroRef(n)
	case *UnaryCheck:
		op, _, err := c.operand(n.Operand)
		if err != nil {
			return nil, err
		}
		return existsNode{op}, nil
	case *BinaryCheck:
		return c.check(n)
	}
	return nil, c.errAt(n.Position(), nil, "expected a check, a macro or a boolean expression, not %T", n)
}

func (c *compiler) terms(ts []Node) ([]evalNode, error) {
	kids := make([]evalNode, 0, len(ts))
	for _, t := range ts {
		k, err := c.bool(t)
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	return kids, nil
}

func (c *compiler) macroRef(n *MacroRef) (evalNode, error) {
	if done, ok := c.macros[n.Name]; ok {
		c.size += c.macroSize[n.Name]
		if c.size > MaxExpandedSize {
			return nil, c.errAt(n.At, nil, "condition larger than %d nodes with its macros expanded", MaxExpandedSize)
		}
		return done, nil
	}
	for i, m := range c.stack {
		if m == n.Name {
			cycle := append(append([]string{}, c.stack[i:]...), n.Name)
			return nil, c.errAt(n.At, nil, "macro reference cycle: %s", strings.Join(cycle, " -> "))
		}
	}
	var body Node
	ok := false
	if c.env.Macro != nil {
		body, ok = c.env.Macro(n.Name)
	}
	if !ok || body == nil {
		return nil, c.errAt(n.At, nil, "undefined macro %s", n.Name)
	}
	saved := c.macro
	before := c.size
	c.stack = append(c.stack, n.Name)
	c.macro = n.Name
	x, err := c.bool(body)
	c.macro = saved
	c.stack = c.stack[:len(c.stack)-1]
	if err != nil {
		return nil, err
	}
	c.macros[n.Name] = x
	c.macroSize[n.Name] = c.size - before
	return x, nil
}

// opType is the compile-time type of an operand.
type opType struct {
	typ  fields.Type
	list bool
}

func (c *compiler) field(f *Field) (operand, opType, error) {
	name, arg, hasArg := f.Name, f.Arg, f.HasArg
	id, ok := c.byName[name]
	if !ok && !hasArg {
		// Trailing dotted argument: container.label.app.
		for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
			if j, found := c.byName[name[:i]]; found && (c.infos[j].Arg == fields.ArgKey || c.infos[j].Arg == fields.ArgIndexOrKey) {
				id, ok, arg, hasArg = j, true, name[i+1:], true
				name = name[:i]
				break
			}
		}
	}
	if !ok {
		msg := fmt.Sprintf("unknown field %s for source %s", f.Name, c.env.Source.Name())
		if c.env.SkipUnknown {
			msg += " (skip-if-unknown-filter: the rule is skipped)"
		}
		return nil, opType{}, c.errAt(f.At, ErrUnknownField, "%s", msg)
	}
	info := c.infos[id]
	ref := fields.Ref{ID: id, Arg: arg, HasArg: hasArg}
	if hasArg {
		if n, err := strconv.Atoi(arg); err == nil && n >= 0 && isAllDigits(arg) {
			ref.Index, ref.HasIndex = n, true
		}
	}
	switch {
	case hasArg && info.Arg == fields.NoArg:
		return nil, opType{}, c.errAt(f.At, nil, "field %s does not take an argument", name)
	case !hasArg && info.ArgRequired:
		return nil, opType{}, c.errAt(f.At, nil, "field %s requires an argument in brackets", name)
	case hasArg && info.Arg == fields.ArgIndex && !ref.HasIndex:
		return nil, opType{}, c.errAt(f.At, nil, "field %s takes a numeric index, not %q", name, arg)
	}
	idx := c.table.slot(ref)
	if !c.used[idx] {
		c.used[idx] = true
		c.refs = append(c.refs, ref)
	}
	return &fieldOp{slot: idx, ref: ref}, opType{typ: info.Type, list: info.IsList}, nil
}

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func (c *compiler) operand(n Node) (operand, opType, error) {
	switch n := n.(type) {
	case nil:
		return nil, opType{}, &CompileError{Macro: c.macro, Msg: "missing field"}
	case *Field:
		return c.field(n)
	case *Transformer:
		return c.transformer(n)
	}
	return nil, opType{}, c.errAt(n.Position(), nil, "expected a field or a transformer")
}

func (c *compiler) transformer(t *Transformer) (operand, opType, error) {
	switch t.Name {
	case "tolower", "toupper", "b64", "basename", "len":
	default:
		return nil, opType{}, c.errAt(t.At, nil, "transformer %s() is not supported", t.Name)
	}
	if t.HasArg {
		return nil, opType{}, c.errAt(t.At, nil, "transformer %s() does not take an argument in brackets", t.Name)
	}
	if len(t.Args) != 1 {
		return nil, opType{}, c.errAt(t.At, nil, "transformer %s() takes exactly one field", t.Name)
	}
	switch t.Args[0].(type) {
	case *Field, *Transformer:
	default:
		return nil, opType{}, c.errAt(t.At, nil, "transformer %s() takes a field or a transformer", t.Name)
	}
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxCompileDepth {
		return nil, opType{}, c.errAt(t.At, nil, "transformers nested too deeply")
	}
	arg, at, err := c.operand(t.Args[0])
	if err != nil {
		return nil, opType{}, err
	}
	switch t.Name {
	case "len":
		if !at.list && at.typ != fields.String && at.typ != fields.Buffer {
			return nil, opType{}, c.errAt(t.At, nil, "len() takes a string, a buffer or a list field, not %s", at.typ)
		}
		return &lenOp{arg: arg, list: at.list}, opType{typ: fields.Uint64}, nil
	case "basename":
		if at.typ != fields.String {
			return nil, opType{}, c.errAt(t.At, nil, "basename() takes a string, not %s", at.typ)
		}
	default:
		if at.typ != fields.String && at.typ != fields.Buffer {
			return nil, opType{}, c.errAt(t.At, nil, "%s() takes a string or a buffer, not %s", t.Name, at.typ)
		}
	}
	kind := map[string]xfKind{"tolower": xfLower, "toupper": xfUpper, "b64": xfB64, "basename": xfBase}[t.Name]
	return &xfOp{kind: kind, arg: arg}, at, nil
}

// admissible operators by type (runtime.md 2.3).
func admissible(t opType, op string) bool {
	if t.list {
		return op == "in" || op == "intersects" || op == "exists"
	}
	switch op {
	case "exists", "=", "==", "!=", "in", "intersects":
		return true
	}
	switch t.typ {
	case fields.String:
		return op != "bcontains" && op != "bstartswith"
	case fields.Buffer:
		switch op {
		case "contains", "bcontains", "startswith", "bstartswith", "endswith":
			return true
		}
	case fields.Uint64, fields.AbsTime, fields.RelTime:
		switch op {
		case "<", "<=", ">", ">=":
			return true
		}
	}
	return false
}

func (c *compiler) check(n *BinaryCheck) (evalNode, error) {
	lhs, lt, err := c.operand(n.Operand)
	if err != nil {
		return nil, err
	}
	op := n.Op
	if op == "==" {
		op = "="
	}
	legacyList := false
	if lt.list && lt.typ == fields.String && n.Modifier == "" && legacyListOp(op) {
		// Rules written for Falco's engine before list fields (the k8s
		// audit rules of engine version 4: `ka.req.role.rules.resources
		// contains "pods/exec"`) tested the list's JSON text; any value
		// matching keeps their meaning.
		legacyList = true
		c.warn(n.OpAt, "operator %s on the list field %s is true when any value matches; write %s intersects (...) or use a single-value field", n.Op, describeOperand(n.Operand), describeOperand(n.Operand))
	}
	if !legacyList && !admissible(lt, op) {
		kind := lt.typ.String()
		if lt.list {
			kind = "list of " + kind
		}
		return nil, c.errAt(n.OpAt, nil, "operator %s cannot be applied to %s (%s)", n.Op, describeOperand(n.Operand), kind)
	}
	if lt.typ == fields.String && !lt.list && (op == "<" || op == "<=" || op == ">" || op == ">=") {
		c.warn(n.OpAt, "%s %s compares strings lexicographically, not as numbers", describeOperand(n.Operand), n.Op)
	}
	if n.Modifier != "" {
		return c.modifierCheck(n, lhs, lt, op)
	}
	ck := &checkNode{lhs: lhs, op: opCode(op), typ: lt.typ, list: lt.list, anyValue: legacyList}
	switch rhs := n.RHS.(type) {
	case nil:
		return nil, c.errAt(n.At, nil, "operator %s needs a value", n.Op)
	case *ValRef:
		if rhs.Field == nil {
			return nil, c.errAt(rhs.At, nil, "val() needs a field")
		}
		r, rt, err := c.field(rhs.Field)
		if err != nil {
			return nil, err
		}
		return c.dynamic(n, ck, r, rt, lt)
	case *Transformer:
		r, rt, err := c.transformer(rhs)
		if err != nil {
			return nil, err
		}
		return c.dynamic(n, ck, r, rt, lt)
	case *Literal:
		if op == "in" || op == "intersects" || op == "pmatch" {
			return nil, c.errAt(rhs.At, nil, "operator %s needs a list", n.Op)
		}
		if err := c.literal(ck, op, rhs); err != nil {
			return nil, err
		}
		return ck, nil
	case *List, *ListRef:
		if op != "in" && op != "intersects" && op != "pmatch" {
			return nil, c.errAt(rhs.Position(), nil, "operator %s takes a single value, not a list", n.Op)
		}
		items, err := c.listItems(rhs)
		if err != nil {
			return nil, err
		}
		if err := c.setRHS(ck, op, items, rhs.Position()); err != nil {
			return nil, err
		}
		return ck, nil
	}
	return nil, c.errAt(n.At, nil, "unsupported right-hand side %T", n.RHS)
}

// legacyListOp reports whether op is a string operator that legacy rules
// apply to list fields.
func legacyListOp(op string) bool {
	switch op {
	case "contains", "icontains", "startswith", "endswith", "glob", "iglob":
		return true
	}
	return false
}

func describeOperand(n Node) string {
	switch n := n.(type) {
	case *Field:
		if n.HasArg {
			return n.Name + "[" + n.Arg + "]"
		}
		return n.Name
	case *Transformer:
		return n.Name + "(...)"
	}
	return "operand"
}

func (c *compiler) dynamic(n *BinaryCheck, ck *checkNode, r operand, rt, lt opType) (evalNode, error) {
	if rt.typ != lt.typ {
		return nil, c.errAt(n.RHS.Position(), nil, "cannot compare %s with %s", lt.typ, rt.typ)
	}
	switch ck.op {
	case opRegex, opPmatch, opBcontains, opBstartswith:
		return nil, c.errAt(n.RHS.Position(), nil, "operator %s needs a literal value", n.Op)
	case opIn, opIntersects:
	default:
		if rt.list {
			return nil, c.errAt(n.RHS.Position(), nil, "operator %s cannot compare with a list field", n.Op)
		}
	}
	ck.rhsOp = r
	return ck, nil
}

// listItems resolves a list literal or list reference to its values,
// splicing bare items that name lists (recursively).
func (c *compiler) listItems(n Node) ([]*Literal, error) {
	switch n := n.(type) {
	case *ListRef:
		vals, ok := c.lookupList(n.Name, nil)
		if !ok {
			return nil, c.errAt(n.At, nil, "undefined list %s", n.Name)
		}
		if c.listBig {
			return nil, c.errAt(n.At, nil, "list %s has more than %d items when expanded", n.Name, MaxListItems)
		}
		out := make([]*Literal, 0, len(vals))
		for _, v := range vals {
			out = append(out, &Literal{At: n.At, Value: v})
		}
		return out, nil
	case *List:
		var out []*Literal
		for _, it := range n.Items {
			if it == nil {
				return nil, c.errAt(n.At, nil, "missing list item")
			}
			if !it.Quoted {
				if vals, ok := c.lookupList(it.Value, nil); ok {
					if c.listBig || len(out)+len(vals) > MaxListItems {
						return nil, c.errAt(it.At, nil, "list %s has more than %d items when expanded", it.Value, MaxListItems)
					}
					for _, v := range vals {
						out = append(out, &Literal{At: it.At, Value: v})
					}
					continue
				}
			}
			out = append(out, it)
		}
		return out, nil
	}
	return nil, c.errAt(n.Position(), nil, "expected a list")
}

// lookupList expands a list and the lists named by its items.
func (c *compiler) lookupList(name string, seen []string) ([]string, bool) {
	if c.env.List == nil || len(seen) > 64 {
		return nil, false
	}
	for _, s := range seen {
		if s == name {
			return nil, false // a cycle: the item stays a plain value
		}
	}
	if done, ok := c.listMemo[name]; ok {
		return done, true
	}
	items, ok := c.env.List(name)
	if !ok {
		return nil, false
	}
	var out []string
	for _, it := range items {
		if c.listBig {
			break
		}
		var sub []string
		ok := false
		if !c.env.ListsExpanded {
			sub, ok = c.lookupList(it, append(seen, name))
		}
		if !ok {
			sub = []string{it}
		}
		if len(out)+len(sub) > MaxListItems {
			c.listBig = true
			break
		}
		out = append(out, sub...)
	}
	if out == nil {
		out = []string{}
	}
	c.listMemo[name] = out
	return out, true
}

func (c *compiler) naWarn(l *Literal) {
	if l.LegacyEscape {
		c.warn(l.At, `legacy escape "\ " read as a backslash; write "\\"`)
	}
	if l.Value == "<NA>" || l.Value == "N/A" {
		c.warn(l.At, "comparison with %q: a missing field has no value and never compares; use 'exists'", l.Value)
	}
}

// literal parses a single-value RHS into ck.
func (c *compiler) literal(ck *checkNode, op string, l *Literal) error {
	c.naWarn(l)
	v := l.Value
	switch ck.typ {
	case fields.String, fields.Buffer:
		switch op {
		case "bcontains", "bstartswith":
			b, err := hex.DecodeString(v)
			if err != nil {
				return c.errAt(l.At, err, "operator %s needs a hex string, not %q", op, v)
			}
			ck.str = string(b)
		case "icontains":
			ck.str = lowerASCIIString(v)
		case "regex":
			re, err := regexp.Compile("^(?:" + v + ")$")
			if err != nil {
				return c.errAt(l.At, err, "invalid regular expression %q: %v", v, err)
			}
			ck.re = re
		case "glob", "iglob":
			if err := validGlob(v); err != nil {
				return c.errAt(l.At, err, "invalid glob pattern %q: %v", v, err)
			}
			ck.str = v
		default:
			ck.str = v
		}
	case fields.Uint64, fields.AbsTime, fields.RelTime:
		n, err := parseUint(v)
		if err != nil {
			return c.errAt(l.At, err, "%q is not a valid %s value", v, ck.typ)
		}
		ck.num = n
	case fields.Bool:
		b, err := parseBool(v)
		if err != nil {
			return c.errAt(l.At, err, "%q is not a valid bool value (true or false)", v)
		}
		ck.num = b
	case fields.IPAddr, fields.IPNet:
		a, p, isPrefix, err := parseIP(v)
		if err != nil {
			return c.errAt(l.At, err, "%q is not a valid IP address or network", v)
		}
		ck.addr, ck.prefix, ck.isPrefix = a, p, isPrefix
	}
	return nil
}

func validGlob(p string) error {
	n := 0
	for i := len(p) - 1; i >= 0 && p[i] == '\\'; i-- {
		n++
	}
	if n%2 == 1 {
		return errors.New("ends with an unescaped backslash")
	}
	return nil
}

func parseUint(v string) (uint64, error) {
	if len(v) > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
		return strconv.ParseUint(v[2:], 16, 64)
	}
	s := strings.TrimPrefix(v, "+")
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if f < 0 || f != math.Trunc(f) || f > math.MaxUint64 {
		return 0, errors.New("not a non-negative integer")
	}
	return uint64(f), nil
}

func parseBool(v string) (uint64, error) {
	switch v {
	case "true", "1":
		return 1, nil
	case "false", "0":
		return 0, nil
	}
	return 0, errors.New("not a bool")
}

func parseIP(v string) (netip.Addr, netip.Prefix, bool, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Addr{}, netip.Prefix{}, false, err
		}
		return netip.Addr{}, p.Masked(), true, nil
	}
	a, err := netip.ParseAddr(v)
	return a, netip.Prefix{}, false, err
}

// setRHS builds the lookup structure of in/intersects/pmatch.
func (c *compiler) setRHS(ck *checkNode, op string, items []*Literal, at Pos) error {
	for _, it := range items {
		c.naWarn(it)
	}
	if op == "pmatch" {
		paths := make([]string, 0, len(items))
		for _, it := range items {
			if err := validGlob(it.Value); err != nil {
				return c.errAt(it.At, err, "invalid path pattern %q: %v", it.Value, err)
			}
			paths = append(paths, it.Value)
		}
		ck.pm = newPathMatcher(paths)
		return nil
	}
	switch ck.typ {
	case fields.Uint64, fields.AbsTime, fields.RelTime, fields.Bool:
		ck.numSet = make(map[uint64]struct{}, len(items))
		for _, it := range items {
			var n uint64
			var err error
			if ck.typ == fields.Bool {
				n, err = parseBool(it.Value)
			} else {
				n, err = parseUint(it.Value)
			}
			if err != nil {
				return c.errAt(it.At, err, "%q is not a valid %s value", it.Value, ck.typ)
			}
			ck.numSet[n] = struct{}{}
		}
	case fields.IPAddr, fields.IPNet:
		for _, it := range items {
			a, p, isPrefix, err := parseIP(it.Value)
			if err != nil {
				return c.errAt(it.At, err, "%q is not a valid IP address or network", it.Value)
			}
			if isPrefix {
				ck.prefixes = append(ck.prefixes, p)
			} else {
				ck.addrs = append(ck.addrs, a)
			}
		}
	default:
		ck.set = make(map[string]struct{}, len(items))
		for _, it := range items {
			ck.set[it.Value] = struct{}{}
		}
	}
	ck.empty = len(items) == 0
	return nil
}

func (c *compiler) modifierCheck(n *BinaryCheck, lhs operand, lt opType, op string) (evalNode, error) {
	switch op {
	case "=", "!=", "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob", "regex":
	default:
		return nil, c.errAt(n.OpAt, nil, "operator %s does not take the modifier %s", n.Op, n.Modifier)
	}
	items, err := c.listItems(n.RHS)
	if err != nil {
		return nil, err
	}
	m := &modNode{lhs: lhs, mode: n.Modifier}
	for _, it := range items {
		ck := &checkNode{op: opCode(op), typ: lt.typ}
		if err := c.literal(ck, op, it); err != nil {
			return nil, err
		}
		m.checks = append(m.checks, ck)
	}
	return m, nil
}
