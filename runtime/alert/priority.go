// Package alert holds what a matched Falco-style rule produces: the
// alert in Falco's JSON shape (so Falcosidekick and the pipelines built
// for Falco accept it), its text and JSON renderings, the writers that
// deliver alerts (a stream, a file, an HTTP endpoint with retries), and
// the Prometheus counters of the runtime pipeline.
//
// Writers never print: what goes wrong is handed to an error callback.
package alert

import (
	"fmt"
	"strings"
)

// Priority is a rule's priority with Falco's numbering (runtime.md
// section 1.6): Emergency is 0 and the most severe, Debug is 7 and the
// least. A lower number is a higher priority.
type Priority int

// Falco's priorities, most severe first.
const (
	PriorityEmergency Priority = iota
	PriorityAlert
	PriorityCritical
	PriorityError
	PriorityWarning
	PriorityNotice
	PriorityInformational
	PriorityDebug
)

// priorityNames are the canonical capitalised names Falco writes in its
// alerts and Falcosidekick parses; indexed by Priority.
var priorityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// Priorities lists every priority, most severe first.
func Priorities() []Priority {
	return []Priority{PriorityEmergency, PriorityAlert, PriorityCritical, PriorityError, PriorityWarning, PriorityNotice, PriorityInformational, PriorityDebug}
}

// ParsePriority reads a priority name as Falco does: case-insensitively,
// with "info" accepted for Informational.
func ParsePriority(s string) (Priority, error) {
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "info") {
		return PriorityInformational, nil
	}
	for i, n := range priorityNames {
		if strings.EqualFold(t, n) {
			return Priority(i), nil
		}
	}
	return 0, fmt.Errorf("unknown priority %q (want emergency, alert, critical, error, warning, notice, informational, info or debug)", s)
}

// Valid reports whether p is one of Falco's eight priorities.
func (p Priority) Valid() bool { return p >= PriorityEmergency && p <= PriorityDebug }

// String returns Falco's canonical capitalised name ("Critical").
func (p Priority) String() string {
	if !p.Valid() {
		return fmt.Sprintf("Priority(%d)", int(p))
	}
	return priorityNames[p]
}

// AtLeast reports whether p is as severe as min or more.
func (p Priority) AtLeast(min Priority) bool { return p <= min }

// MarshalText writes the canonical name.
func (p Priority) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("invalid priority %d", int(p))
	}
	return []byte(priorityNames[p]), nil
}

// UnmarshalText reads a name as ParsePriority does.
func (p *Priority) UnmarshalText(b []byte) error {
	v, err := ParsePriority(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
