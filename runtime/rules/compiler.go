package rules

import (
	"errors"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// Compiler is the seam to the condition language (runtime/filter). An
// adapter maps filter's types to these: ASTs, programs and formatters are
// opaque to this package. With runtime/filter it is a few lines:
//
//	Parse:       n, err := filter.Parse(cond); a *filter.SyntaxError becomes
//	             &CondError{Offset, Line, Col, Msg}.
//	Compile:     filter.Compile(ast.(filter.Node), filter.Env{Source: env.Source,
//	             List: env.List, SkipUnknown: env.SkipUnknown, Macro: func(n string)
//	             (filter.Node, bool) { a, ok := env.Macro(n); if !ok { return nil, false };
//	             return a.(filter.Node), true }}); a *filter.CompileError becomes a
//	             *CondError with UnknownField: errors.Is(err, filter.ErrUnknownField);
//	             each filter.Warning a CondWarning.
//	ParseOutput: filter.ParseOutput(format, src, skipUnknown), errors mapped alike.
//
// Load checks macro and list references, visibility and macro loops
// itself before it calls Compile, so Env may resolve every macro.
type Compiler interface {
	// Parse parses a condition. A syntax error should be a *CondError so
	// that the diagnostic points inside the condition.
	Parse(cond string) (ast any, err error)
	// Compile compiles a parsed rule condition for env.Source, resolving
	// macros and lists through env. A field unknown to the source should
	// be reported as a *CondError with UnknownField set (or wrap
	// ErrUnknownField): the rule is then skipped with a warning when it
	// has skip-if-unknown-filter.
	Compile(ast any, env Env) (program any, warnings []CondWarning, err error)
	// ParseOutput compiles an output format for src.
	ParseOutput(format string, src fields.Source, skipUnknown bool) (formatter any, err error)
}

// Env is what Compile sees: the rule's source, every macro (parsed) and
// every list (resolved items), and the rule's skip-if-unknown-filter.
type Env struct {
	Source      fields.Source
	Macro       func(name string) (ast any, ok bool)
	List        func(name string) (items []string, ok bool)
	SkipUnknown bool
}

// CondError is a positioned condition or output error (Offset 0-based in
// the text compiled; Line and Col 1-based within it).
type CondError struct {
	Offset, Line, Col int
	Msg               string
	// UnknownField marks a field the rule's source does not provide.
	UnknownField bool
}

func (e *CondError) Error() string { return e.Msg }

// CondWarning is a compile warning (for instance a comparison with
// "<NA>"); Offset as for CondError, -1 when unknown.
type CondWarning struct {
	Offset int
	Msg    string
	// Code is the Falco warning code; empty means LOAD_COMPILE_CONDITION.
	Code string
}

// ErrUnknownField may be wrapped by a Compiler's error for a field the
// rule's source does not provide.
var ErrUnknownField = errors.New("unknown field")

func isUnknownField(err error) bool {
	var ce *CondError
	if errors.As(err, &ce) && ce.UnknownField {
		return true
	}
	return errors.Is(err, ErrUnknownField)
}

func condOffset(err error) int {
	var ce *CondError
	if errors.As(err, &ce) {
		return ce.Offset
	}
	return -1
}
