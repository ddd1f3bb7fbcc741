package report

import (
	"encoding/json"
	"io"

	"github.com/bulwark-sec/bulwark/finding"
)

// SchemaVersion is the version of the JSON report schema
// (docs/json-report.md). It changes only when a field is removed or
// changes meaning; added fields keep it.
const SchemaVersion = "1"

// JSONReport is the JSON output.
type JSONReport struct {
	SchemaVersion string              `json:"schema_version"`
	Tool          JSONTool            `json:"tool"`
	Summary       JSONSummary         `json:"summary"`
	Findings      []finding.Finding   `json:"findings"`
	Suppressed    []finding.Finding   `json:"suppressed"`
	Errors        []finding.FileError `json:"errors"`
	Notes         []finding.Note      `json:"notes"`
	Stale         []JSONStale         `json:"stale_suppressions"`
	// Images describes the scanned images (image scans only).
	Images []Image `json:"images,omitempty"`
}

// JSONTool names the program.
type JSONTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONSummary counts what the scan found.
type JSONSummary struct {
	Files      int            `json:"files"`
	Images     int            `json:"images,omitempty"`
	Findings   int            `json:"findings"`
	Suppressed int            `json:"suppressed"`
	Errors     int            `json:"errors"`
	BySeverity map[string]int `json:"by_severity"`
	FailOn     string         `json:"fail_on"`
	Failed     bool           `json:"failed"`
}

// JSONStale is a configuration suppression that did not take effect.
type JSONStale struct {
	Source string `json:"source"`
	Why    string `json:"why"`
}

func writeJSON(w io.Writer, r *Report) error {
	out := JSONReport{
		SchemaVersion: SchemaVersion,
		Tool:          JSONTool{Name: r.Tool, Version: r.Version},
		Findings:      []finding.Finding{},
		Suppressed:    []finding.Finding{},
		Errors:        []finding.FileError{},
		Notes:         []finding.Note{},
		Stale:         []JSONStale{},
		Images:        r.Images,
	}
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			out.Findings = append(out.Findings, f)
		} else {
			out.Suppressed = append(out.Suppressed, f)
		}
	}
	out.Errors = append(out.Errors, r.Errors...)
	out.Notes = append(out.Notes, r.Notes...)
	for _, s := range r.Stale {
		out.Stale = append(out.Stale, JSONStale{Source: s.Source, Why: s.Why})
	}
	by := map[string]int{}
	for _, s := range finding.Severities() {
		by[s.String()] = 0
	}
	for s, n := range r.BySeverity() {
		by[s.String()] = n
	}
	out.Summary = JSONSummary{
		Files: len(r.Paths), Images: len(r.Images), Findings: len(out.Findings), Suppressed: len(out.Suppressed),
		Errors: len(r.Errors), BySeverity: by, FailOn: failOnName(r.FailOn), Failed: r.Failed(),
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// failOnName names the threshold of a report: a severity, or NONE when no
// severity fails the run (--fail-on none).
func failOnName(s finding.Severity) string {
	if s > finding.Critical {
		return "NONE"
	}
	return s.String()
}
