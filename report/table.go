package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
)

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var severityColor = map[finding.Severity]string{
	finding.Critical: "\x1b[1;35m",
	finding.High:     "\x1b[1;31m",
	finding.Medium:   "\x1b[33m",
	finding.Low:      "\x1b[36m",
	finding.Info:     "\x1b[2m",
}

func writeTable(w io.Writer, r *Report, opts Options) error {
	paint := func(code, s string) string {
		if !opts.Color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	var b strings.Builder
	paths, groups := byPath(r.Active())
	for _, p := range paths {
		b.WriteString(paint(ansiBold, p) + "\n")
		for _, f := range groups[p] {
			pos := ""
			if f.Location.Start.Line > 0 {
				pos = fmt.Sprintf("%d:%d", f.Location.Start.Line, f.Location.Start.Column)
			}
			sev := fmt.Sprintf("%-8s", f.Severity)
			msg := f.Message
			if tag := objectTag(f.Location); tag != "" {
				msg += paint(ansiDim, "  ["+tag+"]")
			}
			fmt.Fprintf(&b, "  %-8s %s %-6s %s\n", pos, paint(severityColor[f.Severity], sev), f.RuleID, msg)
			if f.Remediation != "" {
				fmt.Fprintf(&b, "  %-8s %s\n", "", paint(ansiDim, "remedy: "+f.Remediation))
			}
		}
		b.WriteString("\n")
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "%s %s\n", paint(severityColor[finding.High], "error:"), e.Error())
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "%s %s: %s\n", paint(ansiDim, "note:"), n.Location, n.Message)
	}
	for _, s := range r.Stale {
		fmt.Fprintf(&b, "%s suppression at %s %s\n", paint(severityColor[finding.Medium], "warning:"), s.Source, s.Why)
	}
	counts := r.BySeverity()
	var parts []string
	for _, s := range finding.Severities() {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if counts[finding.Unknown] > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", counts[finding.Unknown], finding.Unknown))
	}
	active := len(r.Active())
	summary := fmt.Sprintf("%d %s", active, plural(active, "finding"))
	if len(parts) > 0 {
		summary += " (" + strings.Join(parts, ", ") + ")"
	}
	summary += fmt.Sprintf(", %d suppressed", r.SuppressedCount())
	if len(r.Images) > 0 {
		summary += fmt.Sprintf(", %d %s scanned", len(r.Images), plural(len(r.Images), "image"))
	}
	if len(r.Paths) > 0 || len(r.Images) == 0 {
		summary += fmt.Sprintf(", %d %s scanned", len(r.Paths), plural(len(r.Paths), "file"))
	}
	if len(r.Errors) > 0 {
		summary += fmt.Sprintf(", %d %s", len(r.Errors), plural(len(r.Errors), "error"))
	}
	b.WriteString(summary + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// objectTag names what a finding is about inside its file: the object, and
// the chart values set or kustomization it was rendered from.
func objectTag(l finding.Location) string {
	tag := l.Object
	if r := l.Render; r != nil {
		if tag != "" {
			tag += "; "
		}
		// The chart is in the path the findings are listed under.
		if r.Kind == finding.RenderHelm && r.ValuesSet != "" {
			tag += fmt.Sprintf("values set %q", r.ValuesSet)
		} else {
			tag += r.String()
		}
	}
	return tag
}
