package filter

import (
	"encoding/base64"
	"net/netip"
	"strings"
	"unsafe"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// evalNode is a compiled boolean expression.
type evalNode interface {
	eval(ev *Evaluator, e fields.Event) bool
}

// operand is a compiled field or transformer; the values it returns live
// in the Evaluator until the next event.
type operand interface {
	get(ev *Evaluator, e fields.Event) ([]fields.Value, bool)
}

type andNode []evalNode

func (n andNode) eval(ev *Evaluator, e fields.Event) bool {
	for _, k := range n {
		if !k.eval(ev, e) {
			return false
		}
	}
	return true
}

type orNode []evalNode

func (n orNode) eval(ev *Evaluator, e fields.Event) bool {
	for _, k := range n {
		if k.eval(ev, e) {
			return true
		}
	}
	return false
}

type notNode struct{ x evalNode }

func (n notNode) eval(ev *Evaluator, e fields.Event) bool { return !n.x.eval(ev, e) }

type existsNode struct{ lhs operand }

func (n existsNode) eval(ev *Evaluator, e fields.Event) bool {
	v, ok := n.lhs.get(ev, e)
	return ok && len(v) > 0
}

// fieldOp extracts a field once per event (memoised in its slot).
type fieldOp struct {
	slot int
	ref  fields.Ref
}

func (f *fieldOp) get(ev *Evaluator, e fields.Event) ([]fields.Value, bool) {
	if f.slot >= len(ev.slots) {
		// A program compiled into the table after the last Reset.
		ev.slots = append(ev.slots, make([]slot, f.slot+1-len(ev.slots))...)
	}
	s := &ev.slots[f.slot]
	switch s.state {
	case slotPresent:
		return ev.vals[s.start:s.end:s.end], true
	case slotAbsent:
		return nil, false
	}
	start := len(ev.vals)
	vals, ok := e.Extract(f.ref, ev.vals)
	if len(vals) < start {
		// A misbehaving source that did not append: keep our values.
		ok = false
	} else {
		ev.vals = vals
	}
	if !ok {
		ev.vals = ev.vals[:start]
		s.state = slotAbsent
		return nil, false
	}
	s.start, s.end, s.state = int32(start), int32(len(ev.vals)), slotPresent
	return ev.vals[start:len(ev.vals):len(ev.vals)], true
}

type xfKind uint8

const (
	xfLower xfKind = iota
	xfUpper
	xfB64
	xfBase
)

type xfOp struct {
	kind xfKind
	arg  operand
}

func (x *xfOp) get(ev *Evaluator, e fields.Event) ([]fields.Value, bool) {
	in, ok := x.arg.get(ev, e)
	if !ok {
		return nil, false
	}
	start := len(ev.vals)
	for _, v := range in {
		var s string
		switch x.kind {
		case xfLower, xfUpper:
			s = ev.mapCase(v.Str, x.kind == xfUpper)
		case xfBase:
			s = v.Str
			if i := strings.LastIndexByte(s, '/'); i >= 0 {
				s = s[i+1:]
			}
		case xfB64:
			var ok bool
			if s, ok = ev.b64(v.Str); !ok {
				ev.vals = ev.vals[:start]
				return nil, false
			}
		}
		ev.vals = append(ev.vals, fields.Value{Str: s, Num: v.Num})
	}
	return ev.vals[start:len(ev.vals):len(ev.vals)], true
}

// arenaString returns the bytes appended to the arena since start as a
// string. The arena is only appended to during an evaluation, so the
// string stays valid until the next event.
func (ev *Evaluator) arenaString(start int) string {
	if len(ev.arena) == start {
		return ""
	}
	return unsafe.String(&ev.arena[start], len(ev.arena)-start)
}

func (ev *Evaluator) mapCase(s string, upper bool) string {
	changed := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if upper && c >= 'a' && c <= 'z' || !upper && c >= 'A' && c <= 'Z' {
			changed = true
			break
		}
	}
	if !changed {
		return s
	}
	start := len(ev.arena)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		ev.arena = append(ev.arena, c)
	}
	return ev.arenaString(start)
}

// b64 decodes standard base64 with optional padding.
func (ev *Evaluator) b64(s string) (string, bool) {
	s = strings.TrimRight(s, "=")
	n := base64.RawStdEncoding.DecodedLen(len(s))
	start := len(ev.arena)
	for cap(ev.arena)-start < n {
		ev.arena = append(ev.arena[:cap(ev.arena)], 0)[:start]
	}
	dst := ev.arena[start : start+n]
	m, err := base64.RawStdEncoding.Decode(dst, unsafe.Slice(unsafe.StringData(s), len(s)))
	if err != nil {
		return "", false
	}
	ev.arena = ev.arena[:start+m]
	return ev.arenaString(start), true
}

type lenOp struct {
	arg  operand
	list bool
}

func (l *lenOp) get(ev *Evaluator, e fields.Event) ([]fields.Value, bool) {
	in, ok := l.arg.get(ev, e)
	if !ok {
		return nil, false
	}
	var n uint64
	if l.list {
		n = uint64(len(in))
	} else if len(in) > 0 {
		n = uint64(len(in[0].Str))
	} else {
		return nil, false
	}
	start := len(ev.vals)
	ev.vals = append(ev.vals, fields.Value{Num: n})
	return ev.vals[start : start+1 : start+1], true
}

type opKind uint8

const (
	opEq opKind = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opContains
	opIcontains
	opBcontains
	opStartswith
	opBstartswith
	opEndswith
	opGlob
	opIglob
	opRegex
	opIn
	opIntersects
	opPmatch
)

func opCode(op string) opKind {
	switch op {
	case "=", "==":
		return opEq
	case "!=":
		return opNe
	case "<":
		return opLt
	case "<=":
		return opLe
	case ">":
		return opGt
	case ">=":
		return opGe
	case "contains":
		return opContains
	case "icontains":
		return opIcontains
	case "bcontains":
		return opBcontains
	case "startswith":
		return opStartswith
	case "bstartswith":
		return opBstartswith
	case "endswith":
		return opEndswith
	case "glob":
		return opGlob
	case "iglob":
		return opIglob
	case "regex":
		return opRegex
	case "in":
		return opIn
	case "intersects":
		return opIntersects
	}
	return opPmatch
}

// checkNode is `operand op rhs` with a literal, a set or a dynamic RHS.
type checkNode struct {
	lhs  operand
	op   opKind
	typ  fields.Type
	list bool
	// anyValue: a string operator on a list field (legacy rules), true
	// when any value matches.
	anyValue bool

	str      string
	num      uint64
	re       interface{ MatchString(string) bool }
	addr     netip.Addr
	prefix   netip.Prefix
	isPrefix bool

	set      map[string]struct{}
	numSet   map[uint64]struct{}
	addrs    []netip.Addr
	prefixes []netip.Prefix
	pm       *pathMatcher
	empty    bool

	rhsOp operand
}

func (c *checkNode) eval(ev *Evaluator, e fields.Event) bool {
	vals, ok := c.lhs.get(ev, e)
	if !ok || len(vals) == 0 {
		return false
	}
	if c.rhsOp != nil {
		rv, ok := c.rhsOp.get(ev, e)
		if !ok || len(rv) == 0 {
			return false
		}
		if c.anyValue {
			for i := range vals {
				if c.dynamic(vals[i:i+1], rv) {
					return true
				}
			}
			return false
		}
		return c.dynamic(vals, rv)
	}
	switch c.op {
	case opIn:
		if c.list {
			for _, v := range vals {
				if !c.inSet(v) {
					return false
				}
			}
			return true
		}
		return c.inSet(vals[0])
	case opIntersects:
		for _, v := range vals {
			if c.inSet(v) {
				return true
			}
		}
		return false
	case opPmatch:
		return c.pm.match(vals[0].Str)
	}
	if c.anyValue {
		for _, v := range vals {
			if c.match(v) {
				return true
			}
		}
		return false
	}
	return c.match(vals[0])
}

func (c *checkNode) inSet(v fields.Value) bool {
	if c.empty {
		return false
	}
	switch c.typ {
	case fields.Uint64, fields.AbsTime, fields.RelTime, fields.Bool:
		_, ok := c.numSet[v.Num]
		return ok
	case fields.IPAddr, fields.IPNet:
		return c.ipIn(v.Str)
	}
	_, ok := c.set[v.Str]
	return ok
}

func (c *checkNode) ipIn(s string) bool {
	if c.typ == fields.IPNet {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return false
		}
		for _, q := range c.prefixes {
			if p.Masked() == q {
				return true
			}
		}
		for _, a := range c.addrs {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	for _, b := range c.addrs {
		if a == b {
			return true
		}
	}
	for _, q := range c.prefixes {
		if q.Contains(a) {
			return true
		}
	}
	return false
}

// match applies a single-value operator with the literal RHS to v.
func (c *checkNode) match(v fields.Value) bool {
	switch c.typ {
	case fields.Uint64, fields.AbsTime, fields.RelTime, fields.Bool:
		return cmpNum(c.op, v.Num, c.num)
	case fields.IPAddr, fields.IPNet:
		eq := c.ipEq(v.Str)
		if c.op == opNe {
			return !eq
		}
		return eq
	}
	s := v.Str
	switch c.op {
	case opEq:
		return s == c.str
	case opNe:
		return s != c.str
	case opLt, opLe, opGt, opGe:
		return cmpStr(c.op, s, c.str)
	case opContains, opBcontains:
		return strings.Contains(s, c.str)
	case opIcontains:
		return indexFold(s, c.str) >= 0
	case opStartswith, opBstartswith:
		return strings.HasPrefix(s, c.str)
	case opEndswith:
		return strings.HasSuffix(s, c.str)
	case opGlob:
		return globMatch(c.str, s, false)
	case opIglob:
		return globMatch(c.str, s, true)
	case opRegex:
		return c.re.MatchString(s)
	}
	return false
}

func (c *checkNode) ipEq(s string) bool {
	if c.typ == fields.IPNet {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return false
		}
		if c.isPrefix {
			return p.Masked() == c.prefix
		}
		return p.Contains(c.addr)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	if c.isPrefix {
		return c.prefix.Contains(a)
	}
	return a == c.addr
}

func cmpNum(op opKind, a, b uint64) bool {
	switch op {
	case opEq:
		return a == b
	case opNe:
		return a != b
	case opLt:
		return a < b
	case opLe:
		return a <= b
	case opGt:
		return a > b
	case opGe:
		return a >= b
	}
	return false
}

func cmpStr(op opKind, a, b string) bool {
	switch op {
	case opLt:
		return a < b
	case opLe:
		return a <= b
	case opGt:
		return a > b
	case opGe:
		return a >= b
	}
	return false
}

// dynamic compares with the runtime values of another field or
// transformer (val(), transformer RHS).
func (c *checkNode) dynamic(vals, rv []fields.Value) bool {
	switch c.op {
	case opIn, opIntersects:
		all := c.op == opIn && c.list
		for _, v := range vals {
			found := false
			for _, r := range rv {
				if c.dynEq(v, r) {
					found = true
					break
				}
			}
			if found && !all {
				return true
			}
			if !found && all {
				return false
			}
		}
		return all
	}
	v, r := vals[0], rv[0]
	switch c.typ {
	case fields.Uint64, fields.AbsTime, fields.RelTime, fields.Bool:
		return cmpNum(c.op, v.Num, r.Num)
	case fields.IPAddr, fields.IPNet:
		eq := c.dynEq(v, r)
		if c.op == opNe {
			return !eq
		}
		return eq
	}
	switch c.op {
	case opEq:
		return v.Str == r.Str
	case opNe:
		return v.Str != r.Str
	case opLt, opLe, opGt, opGe:
		return cmpStr(c.op, v.Str, r.Str)
	case opContains:
		return strings.Contains(v.Str, r.Str)
	case opIcontains:
		return indexFoldBoth(v.Str, r.Str)
	case opStartswith:
		return strings.HasPrefix(v.Str, r.Str)
	case opEndswith:
		return strings.HasSuffix(v.Str, r.Str)
	case opGlob:
		return globMatch(r.Str, v.Str, false)
	case opIglob:
		return globMatch(r.Str, v.Str, true)
	}
	return false
}

func (c *checkNode) dynEq(v, r fields.Value) bool {
	switch c.typ {
	case fields.Uint64, fields.AbsTime, fields.RelTime, fields.Bool:
		return v.Num == r.Num
	case fields.IPAddr, fields.IPNet:
		a, err1 := netip.ParseAddr(v.Str)
		b, err2 := netip.ParseAddr(r.Str)
		if err1 == nil && err2 == nil {
			return a == b
		}
	}
	return v.Str == r.Str
}

func indexFoldBoth(s, needle string) bool {
	n := len(needle)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n && lowerASCII(s[i+j]) == lowerASCII(needle[j]) {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

// modNode is `operand op oneof|anyof|allof (items)`.
type modNode struct {
	lhs    operand
	mode   string
	checks []*checkNode
}

func (m *modNode) eval(ev *Evaluator, e fields.Event) bool {
	vals, ok := m.lhs.get(ev, e)
	if !ok || len(vals) == 0 {
		return false
	}
	v := vals[0]
	n := 0
	for _, c := range m.checks {
		if c.match(v) {
			n++
			if m.mode == "anyof" {
				return true
			}
		} else if m.mode == "allof" {
			return false
		}
	}
	switch m.mode {
	case "oneof":
		return n == 1
	case "allof":
		return true
	}
	return false
}
