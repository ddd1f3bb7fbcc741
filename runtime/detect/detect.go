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
// the real compiler.
func RulesOptions(opts Options) rules.Options {
	srcs, partial := Sources(opts)
	return rules.Options{Sources: srcs, PartialSources: partial, Compiler: Compiler{}}
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

// Load loads and compiles the rules files (after Bulwark's own, per
// opts). The ruleset is returned with its diagnostics even when err
// reports errors among them.
func Load(user []rules.File, opts Options) (*rules.Ruleset, error) {
	return rules.Load(Files(user, opts), RulesOptions(opts))
}

// EngineRules turns the loaded, enabled rules into engine rules: the
// compiled condition decides, the output renders the message, its fields
// fill output_fields. Tags are sorted, as Falco prints them.
func EngineRules(rs *rules.Ruleset) ([]engine.Rule, error) {
	var out []engine.Rule
	for _, r := range rs.Rules {
		if !r.Enabled {
			continue
		}
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
			Tags:  append([]string(nil), r.Tags...),
			Match: prog.Eval,
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

// Compiler adapts runtime/filter to the loader's rules.Compiler.
type Compiler struct{}

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
func (Compiler) Compile(ast any, env rules.Env) (any, []rules.CondWarning, error) {
	n, ok := ast.(filter.Node)
	if !ok {
		return nil, nil, fmt.Errorf("not a condition tree: %T", ast)
	}
	fenv := filter.Env{
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
