// Package report writes scan results as a table, JSON, SARIF 2.1.0 or
// JUnit XML.
package report

import (
	"fmt"
	"io"
	"sort"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/suppress"
)

// Report is everything a format may print.
type Report struct {
	// Tool and Version name the program.
	Tool, Version string
	// Paths are the files analysed.
	Paths []string
	// Images are the images analysed (image scans).
	Images []Image
	// Findings are the findings to show, suppressed ones included and
	// marked.
	Findings []finding.Finding
	// Errors are files that could not be analysed completely.
	Errors []finding.FileError
	// Notes are remarks about inputs that are not weaknesses.
	Notes []finding.Note
	// Stale are configuration suppressions that expired or matched
	// nothing.
	Stale []suppress.Stale
	// Rules are the rules that ran, for rule tables.
	Rules []*rule.Rule
	// FailOn is the threshold that fails the run.
	FailOn finding.Severity
}

// Image describes a scanned image.
type Image struct {
	// Ref is the reference as given, the Location.Path of its findings.
	Ref string `json:"ref"`
	// ID is the image ID (config digest).
	ID string `json:"id"`
	// OS is the release's name ("Alpine Linux v3.18"), Ecosystem the OSV
	// ecosystem of its OS packages ("Alpine:v3.18"); both may be empty.
	OS        string `json:"os,omitempty"`
	Ecosystem string `json:"ecosystem,omitempty"`
	// Packages counts the packages found.
	Packages int `json:"packages"`
}

// Active returns the findings not suppressed.
func (r *Report) Active() []finding.Finding {
	var out []finding.Finding
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out
}

// SuppressedCount counts the suppressed findings.
func (r *Report) SuppressedCount() int { return len(r.Findings) - len(r.Active()) }

// Failed reports whether an active finding is at or above FailOn. A
// vulnerability whose installed version could not be evaluated never fails
// the run.
func (r *Report) Failed() bool {
	for _, f := range r.Active() {
		if f.Gates() && f.Severity >= r.FailOn {
			return true
		}
	}
	return false
}

// BySeverity counts active findings per severity.
func (r *Report) BySeverity() map[finding.Severity]int {
	m := map[finding.Severity]int{}
	for _, f := range r.Active() {
		m[f.Severity]++
	}
	return m
}

// Format names an output format.
type Format string

// Formats.
const (
	Table Format = "table"
	JSON  Format = "json"
	SARIF Format = "sarif"
	JUnit Format = "junit"
)

// Formats lists the formats Write accepts.
func Formats() []Format { return []Format{Table, JSON, SARIF, JUnit} }

// Options adjust how a report is written.
type Options struct {
	// Color enables ANSI colours in the table format.
	Color bool
}

// Write writes r to w in format.
func Write(w io.Writer, format Format, r *Report, opts Options) error {
	switch format {
	case Table:
		return writeTable(w, r, opts)
	case JSON:
		return writeJSON(w, r)
	case SARIF:
		return writeSARIF(w, r)
	case JUnit:
		return writeJUnit(w, r)
	}
	return fmt.Errorf("unknown format %q", format)
}

// byPath groups findings by file in path order.
func byPath(fs []finding.Finding) ([]string, map[string][]finding.Finding) {
	m := map[string][]finding.Finding{}
	for _, f := range fs {
		m[f.Location.Path] = append(m[f.Location.Path], f)
	}
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, m
}
