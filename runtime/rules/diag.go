package rules

import (
	"fmt"
	"strings"
)

// Severity of a diagnostic.
type Severity int

// Severities.
const (
	SevError Severity = iota
	SevWarning
)

// String is "error" or "warning".
func (s Severity) String() string {
	if s == SevWarning {
		return "warning"
	}
	return "error"
}

// MarshalText writes the String form (for JSON).
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Falco's error codes (falco_load_result.cpp).
const (
	ErrFileRead         = "LOAD_ERR_FILE_READ"
	ErrYAMLParse        = "LOAD_ERR_YAML_PARSE"
	ErrYAMLValidate     = "LOAD_ERR_YAML_VALIDATE"
	ErrCompileCondition = "LOAD_ERR_COMPILE_CONDITION"
	ErrCompileOutput    = "LOAD_ERR_COMPILE_OUTPUT"
	ErrValidate         = "LOAD_ERR_VALIDATE"
)

// Falco's warning codes.
const (
	WarnUnknownSource          = "LOAD_UNKNOWN_SOURCE"
	WarnUnsafeNACheck          = "LOAD_UNSAFE_NA_CHECK"
	WarnUnknownFilter          = "LOAD_UNKNOWN_FILTER"
	WarnUnusedMacro            = "LOAD_UNUSED_MACRO"
	WarnUnusedList             = "LOAD_UNUSED_LIST"
	WarnUnknownItem            = "LOAD_UNKNOWN_ITEM"
	WarnDeprecatedItem         = "LOAD_DEPRECATED_ITEM"
	WarnAppendNoValues         = "LOAD_APPEND_NO_VALUES"
	WarnExceptionNameNotUnique = "LOAD_EXCEPTION_NAME_NOT_UNIQUE"
	WarnInvalidMacroName       = "LOAD_INVALID_MACRO_NAME"
	WarnInvalidListName        = "LOAD_INVALID_LIST_NAME"
	WarnCompileCondition       = "LOAD_COMPILE_CONDITION"
	WarnUnknownKey             = "LOAD_UNKNOWN_KEY"
	// WarnUnknownPlugin is ours: a required plugin Bulwark does not
	// provide (Falco would refuse the file; we read the rules anyway).
	WarnUnknownPlugin = "LOAD_UNKNOWN_PLUGIN"
	// WarnNestedList is ours: a list refers to a list that refers to a
	// list; Falco expands one level only.
	WarnNestedList = "LOAD_NESTED_LIST"
)

// Diagnostic is one error or warning, positioned.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	// Code is Falco's code (LOAD_ERR_..., LOAD_...).
	Code string `json:"code"`
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"column"`
	// ItemKind ("rule", "macro", "list", "required_engine_version", ...)
	// and ItemName name the item concerned ("" when none).
	ItemKind string `json:"item_kind,omitempty"`
	ItemName string `json:"item_name,omitempty"`
	Message  string `json:"message"`
	// CondOffset is the 0-based byte offset within the text compiled for
	// condition and output diagnostics (a macro's condition without
	// surrounding blanks, a rule's FullCondition, a rule's Output), -1
	// otherwise.
	CondOffset int `json:"condition_offset"`
}

// String renders the diagnostic as FILE:LINE:COL: SEVERITY: MESSAGE.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", d.Line, max(d.Col, 1))
	}
	fmt.Fprintf(&b, ": %s: ", d.Severity)
	if d.ItemKind != "" {
		if d.ItemName != "" {
			fmt.Fprintf(&b, "%s '%s': ", d.ItemKind, d.ItemName)
		} else {
			fmt.Fprintf(&b, "%s: ", d.ItemKind)
		}
	}
	b.WriteString(d.Message)
	if d.Code != "" {
		fmt.Fprintf(&b, " [%s]", d.Code)
	}
	return b.String()
}

// Errors returns the error diagnostics.
func (rs *Ruleset) Errors() []Diagnostic { return rs.bySeverity(SevError) }

// Warnings returns the warning diagnostics.
func (rs *Ruleset) Warnings() []Diagnostic { return rs.bySeverity(SevWarning) }

func (rs *Ruleset) bySeverity(s Severity) []Diagnostic {
	var out []Diagnostic
	for _, d := range rs.Diagnostics {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// LoadError is the error Load returns when the files hold errors; the
// Ruleset returned beside it still carries every diagnostic.
type LoadError struct {
	Errors []Diagnostic
}

func (e *LoadError) Error() string {
	if len(e.Errors) == 1 {
		return "loading rules: " + e.Errors[0].String()
	}
	return fmt.Sprintf("loading rules: %d errors, the first: %s", len(e.Errors), e.Errors[0])
}

// UnmarshalText reads "error" or "warning".
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = SevError
	case "warning":
		*s = SevWarning
	default:
		return fmt.Errorf("severity %q: want error or warning", b)
	}
	return nil
}
