// Package detect puts the runtime-detection parts together: it loads
// Falco rules files with runtime/rules, compiles their conditions and
// outputs with runtime/filter against the event sources Bulwark reads
// (runtime/k8saudit, runtime/docker), and turns the compiled rules into
// runtime/engine rules.
package detect

import (
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/bulwark-sec/bulwark/runtime/alert"
	"github.com/bulwark-sec/bulwark/runtime/docker"
	"github.com/bulwark-sec/bulwark/runtime/engine"
	"github.com/bulwark-sec/bulwark/runtime/fields"
	"github.com/bulwark-sec/bulwark/runtime/filter"
	"github.com/bulwark-sec/bulwark/runtime/k8saudit"
	"github.com/bulwark-sec/bulwark/runtime/rules"
)

// launchPrelude defines, for the "syscall" view of Docker container
// launches, the two macros of Falco's syscall rules that rules written
// for a container's first process use (the seed's "Launch Privileged
// Container": spawned_process and container), so such a rule loads
// unchanged without Falco's whole syscall rules file.
//
//go:embed launch_prelude.yaml
var launchPrelude []byte

// LaunchPreludeName is the name the prelude is loaded under.
const LaunchPreludeName = "bulwark/launch_prelude.yaml"

// Options choose what Load reads.
type Options struct {
	// Docker adds the Docker source, Bulwark's Docker rules (loaded
	// first, so the user's files can override or append to them) and
	// the "syscall" view of container launches, with its prelude.
	Docker bool
	// NoDefaultRules leaves out Bulwark's Docker rules.
	NoDefaultRules bool
}

// Sources returns the event sources of the options: k8s_audit always,
// docker and its launch view ("syscall", read in part) with Docker.
func Sources(opts Options) (srcs []fields.Source, partial []string) {
	srcs = []fields.Source{k8saudit.Source{}, docker.Source{}}
	if opts.Docker {
		srcs = append(srcs, docker.LaunchSource{})
		partial = append(partial, docker.LaunchSourceName)
	}
	return srcs, partial
}

// RulesOptions returns the loader options for the sources of opts, with
// the real compiler (a new one: its programs share field slots per
// source).
func RulesOptions(opts Options) rules.Options {
	return rulesOptions(opts, NewCompiler())
}

func rulesOptions(opts Options, c *Compiler) rules.Options {
	srcs, partial := Sources(opts)
	return rules.Options{Sources: srcs, PartialSources: partial, Compiler: c}
}

// Files returns the rules files Load reads: with Docker the launch
// prelude and Bulwark's Docker rules, then the user's files in order.
func Files(user []rules.File, opts Options) []rules.File {
	var files []rules.File
	if opts.Docker {
		files = append(files, rules.File{Name: LaunchPreludeName, Data: launchPrelude})
		if !opts.NoDefaultRules {
			files = append(files, rules.File{Name: "bulwark/" + docker.RulesFileName, Data: docker.DefaultRules()})
		}
	}
	return append(files, user...)
}

// Set is a loaded ruleset with the compiler of its programs.
type Set struct {
	*rules.Ruleset
	compiler *Compiler
}

// Load loads and compiles the rules files (after Bulwark's own, per
// opts). The set is returned with its diagnostics even when err reports
// errors among them.
func Load(user []rules.File, opts Options) (*Set, error) {
	c := NewCompiler()
	rs, err := rules.Load(Files(user, opts), rulesOptions(opts, c))
	if rs == nil {
		return nil, err
	}
	return &Set{Ruleset: rs, compiler: c}, err
}

// Prepare is the engine option that lets the rules of a source share
// what they extract from an event (engine.Options.Prepare).
func (s *Set) Prepare() func(string, fields.Event) (fields.Event, func()) {
	return s.compiler.Prepare()
}

// EngineRules turns the loaded, enabled rules into engine rules: the
// compiled condition decides, the output renders the message, its fields
// fill output_fields. Tags are sorted, as Falco prints them. Evaluated
// with the engine option Prepare, the rules of a source extract each
// field once per event.
func (s *Set) EngineRules() ([]engine.Rule, error) {
	var out []engine.Rule
	for _, r := range s.Rules {
		if !r.Enabled {
			continue
		}
		table := s.compiler.table(r.Source)
		prog, ok := r.Program.(*filter.Program)
		if !ok {
			return nil, fmt.Errorf("rule %q was not compiled", r.Name)
		}
		pri, err := alert.ParsePriority(r.Priority.String())
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		er := engine.Rule{
			Name: r.Name, Desc: r.Desc, Priority: pri, Source: r.Source,
			Tags: append([]string(nil), r.Tags...),
			Match: func(e fields.Event) bool {
				if se, ok := e.(*sharedEvent); ok && se.table == table {
					return prog.EvalWith(se.ev, se.Event)
				}
				return prog.Eval(e)
			},
		}
		sort.Strings(er.Tags)
		if o, ok := r.Formatter.(*filter.Output); ok {
			er.Output = o.Render
			er.OutputFields = func(e fields.Event) map[string]any {
				fs := o.Fields(e)
				m := make(map[string]any, len(fs))
				for _, f := range fs {
					m[f.Name] = f.Value
				}
				return m
			}
		}
		out = append(out, er)
	}
	return out, nil
}

// Compiler adapts runtime/filter to the loader's rules.Compiler. The
// programs it compiles for one source share a filter.RefTable, so that
// one evaluator extracts each field once per event for all the rules of
// the source.
type Compiler struct {
	refs map[string]*filter.RefTable
}

// NewCompiler returns a compiler with its own field tables.
func NewCompiler() *Compiler { return &Compiler{refs: map[string]*filter.RefTable{}} }

// table returns the field table of a source.
func (c *Compiler) table(source string) *filter.RefTable {
	if c == nil || c.refs == nil {
		return nil
	}
	t := c.refs[source]
	if t == nil {
		t = filter.NewRefTable()
		c.refs[source] = t
	}
	return t
}

// sharedEvent is an event with the evaluator its source's rules share
// while one engine evaluation lasts.
type sharedEvent struct {
	fields.Event
	table   *filter.RefTable
	ev      *filter.Evaluator
	release func() // made once per pooled value: returning it allocates nothing
}

// Prepare returns the engine's Prepare option for the programs c
// compiled: per evaluation, an evaluator of the source's table from a
// pool, reset for the event, shared by every rule of the source.
func (c *Compiler) Prepare() func(string, fields.Event) (fields.Event, func()) {
	pools := map[string]*sync.Pool{}
	for src, t := range c.refs {
		p := &sync.Pool{}
		p.New = func() any {
			se := &sharedEvent{table: t, ev: t.NewEvaluator()}
			se.release = func() {
				se.Event = nil
				p.Put(se)
			}
			return se
		}
		pools[src] = p
	}
	return func(source string, e fields.Event) (fields.Event, func()) {
		p := pools[source]
		if p == nil {
			return e, nil
		}
		se := p.Get().(*sharedEvent)
		se.Event = e
		se.ev.Reset()
		return se, se.release
	}
}

// Parse implements rules.Compiler.
func (Compiler) Parse(cond string) (any, error) {
	n, err := filter.Parse(cond)
	if err != nil {
		var se *filter.SyntaxError
		if errors.As(err, &se) {
			return nil, &rules.CondError{Offset: se.Offset, Line: se.Line, Col: se.Col, Msg: se.Msg}
		}
		return nil, err
	}
	return n, nil
}

// Compile implements rules.Compiler.
func (c *Compiler) Compile(ast any, env rules.Env) (any, []rules.CondWarning, error) {
	n, ok := ast.(filter.Node)
	if !ok {
		return nil, nil, fmt.Errorf("not a condition tree: %T", ast)
	}
	fenv := filter.Env{
		Refs:        c.table(env.Source.Name()),
		Source:      env.Source,
		List:        env.List,
		SkipUnknown: env.SkipUnknown,
		Macro: func(name string) (filter.Node, bool) {
			a, ok := env.Macro(name)
			if !ok {
				return nil, false
			}
			m, ok := a.(filter.Node)
			return m, ok
		},
	}
	prog, warns, err := filter.Compile(n, fenv)
	var cw []rules.CondWarning
	for _, w := range warns {
		off := w.Offset
		msg := w.Msg
		if w.Macro != "" {
			off, msg = -1, fmt.Sprintf("in macro '%s' at %d:%d: %s", w.Macro, w.Line, w.Col, w.Msg)
		}
		cw = append(cw, rules.CondWarning{Offset: off, Msg: msg})
	}
	if err != nil {
		return nil, cw, condError(err)
	}
	return prog, cw, nil
}

// ParseOutput implements rules.Compiler.
func (Compiler) ParseOutput(format string, src fields.Source, skipUnknown bool) (any, error) {
	o, err := filter.ParseOutput(format, src, skipUnknown)
	if err != nil {
		return nil, condError(err)
	}
	return o, nil
}

// condError maps the compiler's errors to the loader's, keeping the
// position (inside the rule's own text; an error inside a macro names the
// macro and is placed at the rule).
func condError(err error) error {
	var ce *filter.CompileError
	if errors.As(err, &ce) {
		out := &rules.CondError{Offset: ce.Offset, Line: ce.Line, Col: ce.Col, Msg: ce.Msg, UnknownField: errors.Is(err, filter.ErrUnknownField)}
		if ce.Macro != "" {
			out.Offset = -1
			out.Msg = fmt.Sprintf("in macro '%s' at %d:%d: %s", ce.Macro, ce.Line, ce.Col, ce.Msg)
		}
		return out
	}
	var se *filter.SyntaxError
	if errors.As(err, &se) {
		return &rules.CondError{Offset: se.Offset, Line: se.Line, Col: se.Col, Msg: se.Msg}
	}
	return &rules.CondError{Offset: -1, Msg: err.Error(), UnknownField: errors.Is(err, filter.ErrUnknownField)}
}
