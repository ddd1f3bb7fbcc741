// Package engine evaluates events against compiled Falco-style rules:
// the rules of each source in load order, every match (policy all) or
// only the first (policy first), each match becoming an alert.
//
// The engine does not know the condition language: a Rule carries its
// compiled condition and output as functions (runtime/filter's
// Program.Eval and Output.Render/Fields fit them).
package engine

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-sec/bulwark/runtime/alert"
	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// Rule is one compiled, enabled rule.
type Rule struct {
	Name     string
	Desc     string
	Priority alert.Priority
	Tags     []string
	// Source is the rule's event source ("k8s_audit", "docker").
	Source string
	// Match is the compiled condition. It must be safe for concurrent
	// use and should not allocate.
	Match func(fields.Event) bool
	// Output appends the rendered output (the rule's `output` with its
	// %fields substituted, "<NA>" for missing ones) to buf. Nil renders
	// the rule name.
	Output func(ev fields.Event, buf []byte) []byte
	// OutputFields returns a new map with the value of each field of the
	// output, keyed as written, nil for a missing one. Nil adds none.
	OutputFields func(ev fields.Event) map[string]any
}

// Policy says which matching rules of a source raise an alert.
type Policy int

// Policies. All is the zero value and the default: an audit event often
// matches several rules that each say something (a privileged pod that
// also mounts the host's /etc).
const (
	// All raises an alert for every matching rule, in load order.
	All Policy = iota
	// First stops at the first matching rule (Falco's rule_matching:
	// first).
	First
)

// ParsePolicy reads "all" or "first".
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "all":
		return All, nil
	case "first":
		return First, nil
	}
	return 0, fmt.Errorf("unknown rule matching policy %q (want first or all)", s)
}

// String names the policy as ParsePolicy reads it.
func (p Policy) String() string {
	if p == First {
		return "first"
	}
	return "all"
}

// Options configure an Engine.
type Options struct {
	Policy Policy
	// MinPriority, when set, leaves out the rules less severe than it
	// (Falco's `priority` setting); nil keeps every rule.
	MinPriority *alert.Priority
	// Hostname goes into every alert.
	Hostname string
	// Metrics counts evaluated events and alerts (may be nil).
	Metrics *alert.Metrics
	// TimeField, when not empty, is added to every alert's output fields
	// with the event time in nanoseconds since the epoch, as Falco adds
	// the evt.time of its line prefix. Usually "evt.time".
	TimeField string
	// Prepare, when set, is called once per Evaluate: the rules (and
	// their outputs) see the event it returns, and release is called when
	// the evaluation is done. It lets the rules of a source share what
	// they extract from one event (runtime/detect uses it).
	Prepare func(source string, ev fields.Event) (prepared fields.Event, release func())
}

// compiled is a rule with its alert counter.
type compiled struct {
	Rule
	alerts prometheus.Counter
}

// sourceRules are the rules of one source, in load order.
type sourceRules struct {
	rules     []*compiled
	evaluated prometheus.Counter
}

// Engine holds the rules per source. Its methods are safe for
// concurrent use; nothing in it changes after New.
type Engine struct {
	opts    Options
	sources map[string]*sourceRules
	names   []string
	bufs    sync.Pool
}

// New checks the rules and indexes them by source, keeping load order.
// Rules below opts.MinPriority are left out.
func New(rules []Rule, opts Options) (*Engine, error) {
	e := &Engine{opts: opts, sources: map[string]*sourceRules{}}
	e.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	seen := map[string]bool{}
	var errs []error
	for i, r := range rules {
		switch {
		case r.Name == "":
			errs = append(errs, fmt.Errorf("rule %d has no name", i+1))
			continue
		case seen[r.Name]:
			errs = append(errs, fmt.Errorf("rule %q is defined twice", r.Name))
			continue
		case r.Source == "":
			errs = append(errs, fmt.Errorf("rule %q has no source", r.Name))
			continue
		case r.Match == nil:
			errs = append(errs, fmt.Errorf("rule %q has no compiled condition", r.Name))
			continue
		case !r.Priority.Valid():
			errs = append(errs, fmt.Errorf("rule %q has an invalid priority %d", r.Name, int(r.Priority)))
			continue
		}
		seen[r.Name] = true
		if opts.MinPriority != nil && !r.Priority.AtLeast(*opts.MinPriority) {
			continue
		}
		s := e.sources[r.Source]
		if s == nil {
			s = &sourceRules{evaluated: opts.Metrics.Evaluated(r.Source)}
			e.sources[r.Source] = s
			e.names = append(e.names, r.Source)
		}
		r.Tags = append([]string(nil), r.Tags...)
		s.rules = append(s.rules, &compiled{Rule: r, alerts: opts.Metrics.Alerts(r.Name, r.Priority)})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("building the rule engine: %w", errors.Join(errs...))
	}
	return e, nil
}

// Sources lists the sources that have rules, in order of first
// appearance.
func (e *Engine) Sources() []string { return append([]string(nil), e.names...) }

// Rules returns how many rules source has.
func (e *Engine) Rules(source string) int {
	if s := e.sources[source]; s != nil {
		return len(s.rules)
	}
	return 0
}

// Evaluate runs the rules of source on ev, which happened at t, and
// appends an alert per match to dst. An event of a source without rules
// is counted and raises nothing. A rule that panics stops the
// evaluation of this event with an error naming it; the alerts raised
// before it are kept. Matching allocates nothing; each alert does.
func (e *Engine) Evaluate(source string, t time.Time, ev fields.Event, dst []*alert.Alert) (out []*alert.Alert, err error) {
	s := e.sources[source]
	if s == nil {
		e.opts.Metrics.Evaluated(source).Inc()
		return dst, nil
	}
	s.evaluated.Inc()
	if e.opts.Prepare != nil {
		var release func()
		ev, release = e.opts.Prepare(source, ev)
		if release != nil {
			defer release()
		}
	}
	var cur *compiled
	defer func() {
		if p := recover(); p != nil {
			out, err = dst, fmt.Errorf("rule %q failed on a %s event: %v", cur.Name, source, p)
		}
	}()
	for _, r := range s.rules {
		cur = r
		if !r.Match(ev) {
			continue
		}
		dst = append(dst, e.alert(r, source, t, ev))
		r.alerts.Inc()
		if e.opts.Policy == First {
			break
		}
	}
	return dst, nil
}

// alert builds the alert of a match.
func (e *Engine) alert(r *compiled, source string, t time.Time, ev fields.Event) *alert.Alert {
	a := &alert.Alert{
		Time:     t,
		Rule:     r.Name,
		Priority: r.Priority,
		Source:   source,
		Hostname: e.opts.Hostname,
		Tags:     r.Tags,
	}
	if r.Output != nil {
		bp := e.bufs.Get().(*[]byte)
		b := r.Output(ev, (*bp)[:0])
		a.Message = string(b)
		if cap(b) <= 64<<10 {
			*bp = b[:0]
			e.bufs.Put(bp)
		}
	} else {
		a.Message = r.Name
	}
	if r.OutputFields != nil {
		a.OutputFields = r.OutputFields(ev)
	}
	if e.opts.TimeField != "" {
		if a.OutputFields == nil {
			a.OutputFields = make(map[string]any, 1)
		}
		a.OutputFields[e.opts.TimeField] = uint64(t.UnixNano())
	}
	return a
}
