package filter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// Output is a compiled output format (runtime.md 2.9): literal text and
// %field tokens. It is immutable and safe for concurrent use.
type Output struct {
	// Always is the leading '*' of the format: print even when some
	// fields are missing.
	Always bool
	// Format is the format as given.
	Format string
	tokens []outToken
	prog   *Program
}

type outToken struct {
	text  string // literal text, when op is nil and !missing
	name  string // the field text as written ("ka.uri.param[command]")
	op    operand
	typ   opType
	width int
	xf    bool // a transformer expression: left out of Fields
	// unknown is a field the source does not have (skipUnknown): it
	// renders as <NA>.
	unknown bool
}

// OutputField is one %field of an output with its value for an event:
// a string, uint64 or bool, a []string or []uint64 for list fields, nil
// when the field is missing.
type OutputField struct {
	Name  string
	Value any
}

// ParseOutput compiles an output format for a source. A field the
// source does not have is an error wrapping ErrUnknownField, unless
// skipUnknown, in which case it renders as <NA>. The deprecated
// %container.info token is dropped when the source has no such field.
func ParseOutput(format string, src fields.Source, skipUnknown bool) (*Output, error) {
	if src == nil {
		return nil, errors.New("filter: output: no event source")
	}
	c := newCompiler(Env{Source: src, SkipUnknown: skipUnknown})
	o := &Output{Format: format}
	p := newParser(format)
	if strings.HasPrefix(format, "*") {
		o.Always = true
		p.pos = 1
	}
	lit := p.pos
	flush := func(end int) {
		if end > lit {
			o.tokens = append(o.tokens, outToken{text: format[lit:end]})
		}
	}
	for p.pos < len(format) {
		if format[p.pos] != '%' {
			p.pos++
			continue
		}
		flush(p.pos)
		pct := p.pos
		p.pos++
		if p.pos >= len(format) {
			return nil, outputErr(p, pct, nil, "output format ends with '%%'")
		}
		width := 0
		for p.pos < len(format) && isDigit(format[p.pos]) {
			width = width*10 + int(format[p.pos]-'0')
			if width > 1<<16 {
				return nil, outputErr(p, pct, nil, "field width too large")
			}
			p.pos++
		}
		tok, err := c.outputToken(p)
		if err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
		lit = p.pos
		if tok == nil {
			continue // %container.info
		}
		tok.width = width
		o.tokens = append(o.tokens, *tok)
	}
	flush(p.pos)
	o.prog = &Program{refs: c.refs, table: c.table}
	return o, nil
}

func outputErr(p *parser, off int, cause error, format string, args ...any) error {
	at := p.at(off)
	return &CompileError{Offset: at.Offset, Line: at.Line, Col: at.Col, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// outputToken parses the field or transformer after '%' and a width.
func (c *compiler) outputToken(p *parser) (*outToken, error) {
	start := p.pos
	if name, ok := p.xfName(); ok {
		t, err := p.parseTransformer(name)
		if err != nil {
			return nil, err
		}
		op, typ, err := c.transformer(t)
		if err != nil {
			return nil, err
		}
		return &outToken{name: p.src[start:p.pos], op: op, typ: typ, xf: true}, nil
	}
	run, _ := p.scanName()
	if run == "" {
		return nil, p.errf(p.pos, "expected a field name after '%%'")
	}
	// The longest prefix of the run, at a segment boundary, that the
	// source knows; a key-argument field takes the rest as argument.
	name, arg, hasArg, found := "", "", false, false
	for end := len(run); end > 0; end = strings.LastIndexByte(run[:end], '.') {
		cand := run[:end]
		id, ok := c.byName[cand]
		if !ok {
			continue
		}
		info := c.infos[id]
		switch {
		case end == len(run):
			name, found = cand, true
		case info.Arg == fields.ArgKey || info.Arg == fields.ArgIndexOrKey:
			name, arg, hasArg, found = cand, run[end+1:], true, true
			end = len(run)
		default:
			name, found = cand, true
		}
		p.pos = start + end
		break
	}
	if !found {
		p.pos = start + len(run)
		if run == "container.info" {
			return nil, nil
		}
		if !c.env.SkipUnknown {
			return nil, c.errAt(p.at(start), ErrUnknownField, "unknown field %s in output for source %s", run, c.env.Source.Name())
		}
		if p.peek("[") {
			if _, err := p.parseFieldArg(); err != nil {
				return nil, err
			}
		}
		return &outToken{name: p.src[start:p.pos], unknown: true}, nil
	}
	f := &Field{At: p.at(start), Name: name, Arg: arg, HasArg: hasArg}
	if !hasArg && p.peek("[") {
		a, err := p.parseFieldArg()
		if err != nil {
			return nil, err
		}
		f.Arg, f.HasArg = a, true
	}
	op, typ, err := c.field(f)
	if err != nil {
		return nil, err
	}
	return &outToken{name: p.src[start:p.pos], op: op, typ: typ}, nil
}

// Render appends the output text for e to buf: missing values render as
// <NA>, list values as (v1,v2). The text is raw: escaping control
// characters is the alert writer's job.
func (o *Output) Render(e fields.Event, buf []byte) []byte {
	ev := o.evaluator()
	defer o.prog.pool.Put(ev)
	for i := range o.tokens {
		t := &o.tokens[i]
		if t.op == nil && !t.unknown {
			buf = append(buf, t.text...)
			continue
		}
		start := len(buf)
		var vals []fields.Value
		ok := false
		if t.op != nil {
			vals, ok = t.op.get(ev, e)
		}
		switch {
		case !ok || len(vals) == 0:
			buf = append(buf, "<NA>"...)
		case t.typ.list:
			buf = append(buf, '(')
			for j, v := range vals {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = appendValue(buf, t.typ.typ, v)
			}
			buf = append(buf, ')')
		default:
			buf = appendValue(buf, t.typ.typ, vals[0])
		}
		if t.width > 0 {
			if n := len(buf) - start; n < t.width {
				for ; n < t.width; n++ {
					buf = append(buf, ' ')
				}
			} else {
				buf = buf[:start+t.width]
			}
		}
	}
	return buf
}

func (o *Output) evaluator() *Evaluator {
	ev, _ := o.prog.pool.Get().(*Evaluator)
	if ev == nil {
		ev = o.prog.NewEvaluator()
	}
	ev.Reset()
	return ev
}

func appendValue(buf []byte, t fields.Type, v fields.Value) []byte {
	switch t {
	case fields.Uint64, fields.AbsTime, fields.RelTime:
		return strconv.AppendUint(buf, v.Num, 10)
	case fields.Bool:
		return strconv.AppendBool(buf, v.Num != 0)
	}
	return append(buf, v.Str...)
}

// Fields returns the %field tokens of the output with their values for
// e, in format order, each field once (key: the field text as written).
// Transformer tokens are left out.
func (o *Output) Fields(e fields.Event) []OutputField {
	ev := o.evaluator()
	defer o.prog.pool.Put(ev)
	var out []OutputField
	seen := map[string]bool{}
	for i := range o.tokens {
		t := &o.tokens[i]
		if t.xf || t.op == nil && !t.unknown || seen[t.name] {
			continue
		}
		seen[t.name] = true
		var vals []fields.Value
		ok := false
		if t.op != nil {
			vals, ok = t.op.get(ev, e)
		}
		f := OutputField{Name: t.name}
		if ok && (len(vals) > 0 || t.typ.list) {
			f.Value = typedValue(t.typ, vals)
		}
		out = append(out, f)
	}
	return out
}

func typedValue(t opType, vals []fields.Value) any {
	one := func(v fields.Value) any {
		switch t.typ {
		case fields.Uint64, fields.AbsTime, fields.RelTime:
			return v.Num
		case fields.Bool:
			return v.Num != 0
		}
		return strings.Clone(v.Str)
	}
	if !t.list {
		return one(vals[0])
	}
	switch t.typ {
	case fields.Uint64, fields.AbsTime, fields.RelTime:
		l := make([]uint64, len(vals))
		for i, v := range vals {
			l[i] = v.Num
		}
		return l
	case fields.Bool:
		l := make([]bool, len(vals))
		for i, v := range vals {
			l[i] = v.Num != 0
		}
		return l
	}
	l := make([]string, len(vals))
	for i, v := range vals {
		l[i] = strings.Clone(v.Str)
	}
	return l
}
