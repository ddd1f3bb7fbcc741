package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

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
	images := map[string]Image{}
	for _, img := range r.Images {
		images[img.Ref] = img
		if _, ok := groups[img.Ref]; !ok {
			paths = append(paths, img.Ref)
		}
	}
	for _, p := range paths {
		header := paint(ansiBold, p)
		img, isImage := images[p]
		if isImage {
			header += paint(ansiDim, "  "+imageLine(img))
		}
		b.WriteString(header + "\n")
		var vulns []finding.Finding
		for _, f := range groups[p] {
			if f.Vulnerability != nil {
				vulns = append(vulns, f)
				continue
			}
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
		writeVulnTable(&b, vulns, paint)
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
	notEvaluated := 0
	for _, f := range r.Active() {
		if !f.Gates() {
			notEvaluated++
		}
	}
	if notEvaluated > 0 {
		summary += fmt.Sprintf(", %d not evaluated", notEvaluated)
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

// imageLine describes a scanned image: ID, release, ecosystem, packages.
func imageLine(img Image) string {
	id := img.ID
	if _, hex, ok := strings.Cut(id, ":"); ok && len(hex) > 12 {
		id = hex[:12]
	}
	osName := img.OS
	if osName == "" {
		osName = "unknown OS"
	}
	s := fmt.Sprintf("%s, %s", id, osName)
	if img.Ecosystem != "" {
		s += ", ecosystem " + img.Ecosystem
	}
	return s + fmt.Sprintf(", %d %s", img.Packages, plural(img.Packages, "package"))
}

// Widths of the vulnerability table's free-text columns.
const (
	maxTitle = 60
	maxLayer = 40
)

// writeVulnTable writes vulnerability findings as a table grouped by
// package, as Trivy does: the package and installed version on the first
// row of each package, rows by severity (most severe first) then ID.
func writeVulnTable(b *strings.Builder, fs []finding.Finding, paint func(code, s string) string) {
	if len(fs) == 0 {
		return
	}
	fs = slices.Clone(fs)
	slices.SortStableFunc(fs, func(x, y finding.Finding) int {
		a, c := x.Vulnerability, y.Vulnerability
		return cmp.Or(strings.Compare(a.Package, c.Package), strings.Compare(a.InstalledVersion, c.InstalledVersion),
			cmp.Compare(y.Severity, x.Severity), strings.Compare(x.RuleID, y.RuleID))
	})
	rows := [][]string{{"PACKAGE", "INSTALLED", "FIXED", "VULNERABILITY", "SEVERITY", "STATUS", "TITLE", "LAYER"}}
	for i, f := range fs {
		v := f.Vulnerability
		pkg, inst := v.Package, v.InstalledVersion
		if i > 0 {
			if p := fs[i-1].Vulnerability; p.Package == v.Package && p.InstalledVersion == v.InstalledVersion {
				pkg, inst = "", ""
			}
		}
		fixed := v.FixedVersion
		if fixed == "" {
			fixed = "-"
		}
		layer := fmt.Sprint(v.Layer.Index)
		if cb := shortCreatedBy(v.Layer.CreatedBy); cb != "" {
			layer += " " + cb
		}
		title := v.Summary
		if title == "" {
			title = "-"
		}
		rows = append(rows, []string{pkg, inst, fixed, f.RuleID, f.Severity.String(), v.Status, truncate(title, maxTitle), truncate(layer, maxLayer)})
	}
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for j, cell := range row {
			width[j] = max(width[j], utf8.RuneCountInString(cell))
		}
	}
	for i, row := range rows {
		var line strings.Builder
		for j, cell := range row {
			pad := cell
			if j < len(row)-1 {
				pad += strings.Repeat(" ", width[j]-utf8.RuneCountInString(cell)+2)
			}
			if i > 0 && j == 4 {
				pad = paint(severityColor[fs[i-1].Severity], pad)
			}
			line.WriteString(pad)
		}
		text := strings.TrimRight(line.String(), " ")
		if i == 0 {
			text = paint(ansiBold, text)
		}
		b.WriteString("  " + text + "\n")
	}
}

// shortCreatedBy shortens a history line: without the "/bin/sh -c #(nop)"
// of the classic builder and the " # buildkit" comment of BuildKit.
func shortCreatedBy(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimPrefix(s, "/bin/sh -c #(nop)"))
	s = strings.TrimSpace(strings.TrimSuffix(s, "# buildkit"))
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to n runes, ending with "...".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
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
