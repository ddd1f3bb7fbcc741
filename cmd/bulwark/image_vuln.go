package main

import (
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/vuln/inventory"
	"github.com/bulwark-sec/bulwark/vuln/match"
	"github.com/bulwark-sec/bulwark/vuln/osv"
)

// maxReferences bounds the links a vulnerability finding carries.
const maxReferences = 10

// vulnSeverity maps a rating to a finding severity: CRITICAL, HIGH,
// MEDIUM and LOW as they are, NEGLIGIBLE (a distro's "unimportant") and
// NONE (a CVSS score of 0.0) to INFO, UNKNOWN to Unknown, which no
// threshold reaches.
func vulnSeverity(l match.Level) finding.Severity {
	switch l {
	case match.LevelCritical:
		return finding.Critical
	case match.LevelHigh:
		return finding.High
	case match.LevelMedium:
		return finding.Medium
	case match.LevelLow:
		return finding.Low
	case match.LevelNegligible, match.LevelNone:
		return finding.Info
	}
	return finding.Unknown
}

// vulnFindings matches every package of the inventory whose ecosystem is
// known and turns each match into a finding about the image ref.
func vulnFindings(ref string, inv *inventory.Inventory, src vulnSource, ignoreUnfixed bool) ([]finding.Finding, error) {
	m := match.New(src, match.Options{IgnoreUnfixed: ignoreUnfixed})
	records := map[string]*osv.Vulnerability{}
	record := func(id string) (*osv.Vulnerability, error) {
		if v, ok := records[id]; ok {
			return v, nil
		}
		v, err := src.Vulnerability(id)
		if err != nil {
			return nil, fmt.Errorf("reading record %s: %w", id, err)
		}
		records[id] = v
		return v, nil
	}
	var out []finding.Finding
	for _, p := range inv.Packages {
		if p.Ecosystem.IsZero() {
			continue
		}
		ms, err := m.MatchPackage(p.Package)
		if err != nil {
			return nil, fmt.Errorf("matching %s: %w", p.Name, err)
		}
		for _, mf := range ms {
			var recs []*osv.Vulnerability
			for _, id := range mf.Records {
				v, err := record(id)
				if err != nil {
					return nil, err
				}
				if v != nil {
					recs = append(recs, v)
				}
			}
			out = append(out, vulnFinding(ref, p, mf, recs))
		}
	}
	return out, nil
}

// vulnFinding builds the finding of one match of package p in image ref;
// recs are the matched records, for the summary and references.
func vulnFinding(ref string, p inventory.Package, mf match.Finding, recs []*osv.Vulnerability) finding.Finding {
	v := &finding.Vulnerability{
		ID: mf.VulnID, Aliases: mf.Aliases, Records: mf.Records,
		Package: p.Name, InstalledVersion: p.Version,
		FixedVersion: mf.FixedVersion, Status: string(mf.Status), Reason: mf.Reason,
		Ecosystem: mf.Ecosystem, PURL: p.PURL, PackagePath: p.DBPath,
		Level: string(mf.Severity.Level), SeveritySource: mf.Severity.Source,
		Layer: finding.ImageLayer{Index: p.Layer.Index, DiffID: p.Layer.DiffID, CreatedBy: p.Layer.CreatedBy},
		URL:   "https://osv.dev/vulnerability/" + mf.VulnID,
	}
	if v.Level == "" {
		v.Level = string(match.LevelUnknown)
	}
	if mf.LookupName != "" && mf.LookupName != p.Name {
		v.SourcePackage = mf.LookupName
	}
	if mf.InstalledVersion != "" && mf.InstalledVersion != p.Version {
		v.SourceVersion = mf.InstalledVersion
	}
	if mf.Severity.Vector != "" {
		v.CVSS = &finding.CVSS{Vector: mf.Severity.Vector, Score: mf.Severity.Score}
	}
	v.Summary, v.References = recordText(mf.VulnID, recs)

	pkg := fmt.Sprintf("%s %s", p.Name, p.Version)
	if v.SourcePackage != "" {
		pkg += fmt.Sprintf(" (source %s %s)", v.SourcePackage, mf.InstalledVersion)
	}
	title := v.Summary
	if title == "" {
		title = "known vulnerability in " + p.Name
	}
	var msg, remedy string
	fixTarget := p.Name
	if v.SourcePackage != "" {
		fixTarget = fmt.Sprintf("%s (source package %s)", p.Name, v.SourcePackage)
	}
	switch mf.Status {
	case match.StatusFixed:
		msg = fmt.Sprintf("%s is affected by %s; fixed in %s", pkg, mf.VulnID, mf.FixedVersion)
		remedy = fmt.Sprintf("Upgrade %s to %s or later.", fixTarget, mf.FixedVersion)
	case match.StatusAffected:
		msg = fmt.Sprintf("%s is affected by %s; no fixed version is known", pkg, mf.VulnID)
		remedy = "No fix is known yet: remove the package if the image does not need it, or record the accepted risk in an ignore entry with an expiry date."
	default:
		msg = fmt.Sprintf("%s may be affected by %s; not evaluated: %s", pkg, mf.VulnID, mf.Reason)
		remedy = "Check the installed version against the advisory by hand."
	}
	return finding.Finding{
		RuleID:        mf.VulnID,
		Title:         title,
		Severity:      vulnSeverity(mf.Severity.Level),
		Message:       msg,
		Remediation:   remedy,
		Location:      finding.Location{Path: ref, Object: fmt.Sprintf("%s@%s, layer %d", p.Name, p.Version, p.Layer.Index)},
		Vulnerability: v,
	}
}

// recordText returns a one-line summary of the records (the record named
// id first, else the first with a summary, else the first line of a
// record's details) and their reference links, without duplicates.
func recordText(id string, recs []*osv.Vulnerability) (string, []string) {
	var summary string
	for _, r := range recs {
		if r.ID == id && r.Summary != "" {
			summary = r.Summary
		}
	}
	for _, r := range recs {
		if summary == "" && r.Summary != "" {
			summary = r.Summary
		}
	}
	for _, r := range recs {
		if summary == "" && strings.TrimSpace(r.Details) != "" {
			summary = firstLine(r.Details)
		}
	}
	var refs []string
	seen := map[string]bool{}
	for _, r := range recs {
		for _, ref := range r.References {
			if ref.URL == "" || seen[ref.URL] || len(refs) >= maxReferences {
				continue
			}
			seen[ref.URL] = true
			refs = append(refs, ref.URL)
		}
	}
	return summary, refs
}

// firstLine returns the first line of text, trimmed and cut to 120
// characters.
func firstLine(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.TrimSpace(line)
	if r := []rune(line); len(r) > 120 {
		line = string(r[:117]) + "..."
	}
	return line
}
