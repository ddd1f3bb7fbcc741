package rules

import (
	"fmt"
	"strings"
)

// Priority is a rule's priority; lower is more severe (Falco's numbering).
type Priority int

// Priorities, most severe first.
const (
	Emergency Priority = iota
	Alert
	Critical
	Error
	Warning
	Notice
	Informational
	Debug
)

var priorityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// String is Falco's canonical name ("Warning", "Informational").
func (p Priority) String() string {
	if p < 0 || int(p) >= len(priorityNames) {
		return "Unknown"
	}
	return priorityNames[p]
}

// MarshalText writes the canonical name (for JSON).
func (p Priority) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// ParsePriority reads a priority as Falco does: case-insensitive,
// "info" accepted for Informational.
func ParsePriority(s string) (Priority, bool) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "info" {
		return Informational, true
	}
	for i, n := range priorityNames {
		if strings.ToLower(n) == l {
			return Priority(i), true
		}
	}
	return 0, false
}

// UnmarshalText reads a priority as ParsePriority does.
func (p *Priority) UnmarshalText(b []byte) error {
	v, ok := ParsePriority(string(b))
	if !ok {
		return fmt.Errorf("priority %q: want emergency, alert, critical, error, warning, notice, informational or debug", b)
	}
	*p = v
	return nil
}
