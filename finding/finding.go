// Package finding defines what a rule reports: a Finding with its Severity,
// exact Location and optional Fixes.
package finding

import (
	"fmt"
	"strings"
)

// Severity ranks how much a finding matters. The zero value is Unknown.
type Severity int

// Severities, from least to most severe.
const (
	Unknown Severity = iota
	Info
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"UNKNOWN", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

// String returns the upper-case name used in reports and flags.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "UNKNOWN"
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(s string) (Severity, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for i, n := range severityNames {
		if i > 0 && n == u {
			return Severity(i), nil
		}
	}
	return Unknown, fmt.Errorf("unknown severity %q (want one of CRITICAL, HIGH, MEDIUM, LOW, INFO)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. It reads what
// MarshalText writes, UNKNOWN (a vulnerability with no rating) included.
func (s *Severity) UnmarshalText(b []byte) error {
	if strings.EqualFold(strings.TrimSpace(string(b)), "UNKNOWN") {
		*s = Unknown
		return nil
	}
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Severities returns every known severity, most severe first.
func Severities() []Severity { return []Severity{Critical, High, Medium, Low, Info} }

// Position is a point in a text file. Line and Column are 1-based; Column
// counts Unicode code points. Offset is the 0-based byte offset.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"-"`
}

// Location says where a finding is. Path is slash-separated and relative to
// the working directory when the scanned path was relative. Start and End
// are zero when the input has no lines (a container on a live engine).
// Object names the thing inside the input: a Compose service, a JSON path
// in docker inspect output, a container on an engine. Render is set when
// the thing was rendered from a Helm chart or a Kustomize overlay: Path is
// then the template or resource file a person edits.
type Location struct {
	Path   string   `json:"path"`
	Start  Position `json:"start"`
	End    Position `json:"end"`
	Object string   `json:"object,omitempty"`
	Render *Render  `json:"render,omitempty"`
}

// Render kinds.
const (
	RenderHelm      = "helm"
	RenderKustomize = "kustomize"
)

// Render names the render that produced the object a finding is about.
type Render struct {
	// Kind is RenderHelm or RenderKustomize.
	Kind string `json:"kind"`
	// Input is the chart or kustomization folder, as scanned.
	Input string `json:"input"`
	// ValuesSet names the Helm values set the chart was rendered with.
	ValuesSet string `json:"values_set,omitempty"`
}

// String names the render: `chart deploy/web, values set "prod"` or
// `kustomization deploy/overlays/prod`.
func (r *Render) String() string {
	if r == nil {
		return ""
	}
	if r.Kind == RenderKustomize {
		return "kustomization " + r.Input
	}
	s := "chart " + r.Input
	if r.ValuesSet != "" {
		s += fmt.Sprintf(", values set %q", r.ValuesSet)
	}
	return s
}

// String formats the location as path:line:column, followed by the object
// and the render when there are.
func (l Location) String() string {
	s := l.Path
	if l.Start.Line > 0 {
		s = fmt.Sprintf("%s:%d:%d", l.Path, l.Start.Line, l.Start.Column)
	}
	if l.Object != "" {
		s += " (" + l.Object + ")"
	}
	if l.Render != nil {
		s += " [" + l.Render.String() + "]"
	}
	return s
}

// Edit replaces the bytes [Start, End) of a file with NewText. From and To
// are the same range as positions, for editors and SARIF.
type Edit struct {
	Start   int      `json:"start_offset"`
	End     int      `json:"end_offset"`
	From    Position `json:"start"`
	To      Position `json:"end"`
	NewText string   `json:"new_text"`
}

// Fix is a mechanical remedy: a verb-phrase title and the edits that apply it.
type Fix struct {
	Title string `json:"title"`
	Edits []Edit `json:"edits"`
}

// Finding is one weakness found by one rule at one place.
type Finding struct {
	RuleID      string   `json:"rule_id"`
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Message     string   `json:"message"`
	Remediation string   `json:"remediation,omitempty"`
	Location    Location `json:"location"`
	Fixes       []Fix    `json:"fixes,omitempty"`
	// Suppressed is set when a suppression matched; the finding then does
	// not count towards the exit code.
	Suppressed *Suppression `json:"suppressed,omitempty"`
	// Vulnerability is set on findings about a known vulnerability of an
	// installed package (whose RuleID is the vulnerability ID).
	Vulnerability *Vulnerability `json:"vulnerability,omitempty"`
}

// Suppression records why a finding was suppressed.
type Suppression struct {
	Kind   string `json:"kind"` // "inline" or "config"
	Reason string `json:"reason,omitempty"`
	Source string `json:"source,omitempty"` // e.g. "Dockerfile:3" or ".bulwark.yaml:12"
}

// Less orders findings by path, position, then rule ID.
func Less(a, b *Finding) bool {
	if a.Location.Path != b.Location.Path {
		return a.Location.Path < b.Location.Path
	}
	if a.Location.Start.Line != b.Location.Start.Line {
		return a.Location.Start.Line < b.Location.Start.Line
	}
	if a.Location.Start.Column != b.Location.Start.Column {
		return a.Location.Start.Column < b.Location.Start.Column
	}
	if a.RuleID != b.RuleID {
		return a.RuleID < b.RuleID
	}
	return a.Message < b.Message
}

// FileError is an input that could not be analysed completely: it makes a
// scan incomplete.
type FileError struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	Err  string `json:"error"`
}

// Error formats the problem as path[:line]: message.
func (e FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Err)
}

// Note is something worth telling about an input that is not a weakness:
// a Compose variable that is not set, an image document in docker inspect
// output, a container that vanished during an audit.
type Note struct {
	Message  string   `json:"message"`
	Location Location `json:"location"`
}
