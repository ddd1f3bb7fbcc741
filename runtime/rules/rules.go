// Package rules loads Falco rules files: lists, macros and rules with
// their exceptions, the override and legacy append forms, and Falco's
// ordering and visibility semantics across several files (runtime.md
// section 1). It collects diagnostics with file, line and column; it
// never prints.
//
// Conditions are parsed and compiled through the Compiler seam (the
// condition language lives in runtime/filter). Without a Compiler, Load
// checks structure and references only: undefined macros and lists,
// macro loops, visibility, override keys, exception shapes, versions.
package rules

import (
	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// File is one rules file's name (as reported in diagnostics) and content.
type File struct {
	Name string
	Data []byte
}

// Options configures Load.
type Options struct {
	// Sources are the event sources Bulwark reads. A rule whose source is
	// not among them is skipped with a warning (LOAD_UNKNOWN_SOURCE).
	Sources []fields.Source
	// EngineVersion is the Falco engine version Bulwark claims for
	// required_engine_version; empty means DefaultEngineVersion.
	EngineVersion string
	// Plugins maps a plugin name to the version Bulwark claims for it in
	// required_plugin_versions; nil means BuiltinPlugins.
	Plugins map[string]string
	// Compiler parses and compiles conditions and outputs; nil checks
	// structure and references only.
	Compiler Compiler
	// PartialSources names sources of Sources that Bulwark reads only in
	// part (the "syscall" view of Docker container launches): a rule of
	// such a source that uses a field Bulwark does not extract is
	// skipped with a warning, as if it had skip-if-unknown-filter,
	// instead of being an error.
	PartialSources []string
}

// Ruleset is the result of Load.
type Ruleset struct {
	// Rules are the rules of known sources, in evaluation (index) order.
	Rules []*Rule
	// Skipped are the rules of sources Bulwark does not read, in index
	// order; they were checked but will never run.
	Skipped []*Rule
	// Lists and Macros are every list and macro, in index order.
	Lists  []*List
	Macros []*Macro
	// RequiredEngineVersion is the highest required_engine_version seen
	// ("" when none).
	RequiredEngineVersion string
	// Diagnostics are the errors and warnings, by file (in load order),
	// line and column.
	Diagnostics []Diagnostic
}

// Pos is a position in a rules file; Line and Col are 1-based (0 when
// unknown).
type Pos struct {
	File string
	Line int
	Col  int
}

// List is a Falco list.
type List struct {
	Name string
	// Items are the items as written, appends included.
	Items []string
	// Resolved are the items with references to earlier lists expanded.
	Resolved []string
	Pos      Pos
	// Index is the sequence number of the first definition (evaluation
	// and report order); Visibility that of the last define or append.
	Index, Visibility int
	// Used reports whether a list, macro or rule refers to it.
	Used bool
}

// Macro is a Falco macro.
type Macro struct {
	Name string
	// Condition is the condition text, appends joined with a blank.
	Condition string
	Pos       Pos
	// Index and Visibility as for List.
	Index, Visibility int
	Used              bool
	// AST is the parsed condition (Compiler.Parse), nil without a
	// Compiler or on a syntax error.
	AST any

	cond text
}

// Rule is a Falco rule.
type Rule struct {
	Name     string
	Desc     string
	Priority Priority
	// Source is the rule's event source ("syscall" when not given).
	Source string
	// Condition is the rule's own condition, appends joined with a blank.
	Condition string
	// FullCondition is "(" + Condition + ")" followed by one
	// " and not (...)" per exception with values (runtime.md 1.8): the
	// text that is compiled.
	FullCondition string
	Output        string
	Tags          []string
	Enabled       bool
	Exceptions    []*Exception
	// ExceptionFields is the set of fields the exceptions use, sorted.
	ExceptionFields     []string
	WarnEvttypes        bool
	SkipIfUnknownFilter bool
	Capture             bool
	CaptureDuration     int
	Pos                 Pos
	Index               int
	// SkipReason says why a rule of Ruleset.Skipped was skipped ("unknown
	// source syscall", "unknown field in condition").
	SkipReason string
	// Program and Formatter are what the Compiler returned for the full
	// condition and the output; nil without a Compiler.
	Program   any
	Formatter any

	cond   text
	output text
	srcPos Pos // where `source` was written, for redefinition errors
}

// Exception is one entry of a rule's exceptions.
type Exception struct {
	Name string
	// Fields and Comps are the tuple form's lists; in the scalar form they
	// hold one element each and Scalar is true.
	Fields []string
	Comps  []string
	Scalar bool
	// Values are the value tuples (one entry per field in the tuple
	// form; one single-value entry per value in the scalar form).
	Values []ExceptionValue
	Pos    Pos

	state exceptionState
}

// ExceptionValue is one value of an exception: a scalar, or a list of
// scalars (IsList).
type ExceptionValue struct {
	Item   string
	IsList bool
	Items  []ExceptionValue
}
