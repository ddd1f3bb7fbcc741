package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
)

// SARIF 2.1.0 types: only the parts Bulwark writes.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []sarifResult     `json:"results"`
		ColumnKind  string            `json:"columnKind"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string          `json:"id"`
		Name                 string          `json:"name"`
		ShortDescription     sarifText       `json:"shortDescription"`
		FullDescription      sarifText       `json:"fullDescription"`
		Help                 sarifHelp       `json:"help"`
		HelpURI              string          `json:"helpUri,omitempty"`
		DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
		Properties           sarifRuleProps  `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifRuleConfig struct {
		Level string `json:"level"`
	}
	sarifRuleProps struct {
		Tags             []string `json:"tags"`
		SecuritySeverity string   `json:"security-severity"`
		Precision        string   `json:"precision"`
		ProblemSeverity  string   `json:"problem.severity"`
	}
	sarifInvocation struct {
		ExecutionSuccessful        bool                `json:"executionSuccessful"`
		ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	}
	sarifNotification struct {
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations,omitempty"`
	}
	sarifResult struct {
		RuleID       string             `json:"ruleId"`
		RuleIndex    *int               `json:"ruleIndex,omitempty"`
		Level        string             `json:"level"`
		Message      sarifText          `json:"message"`
		Locations    []sarifLocation    `json:"locations"`
		Fixes        []sarifFix         `json:"fixes,omitempty"`
		Suppressions []sarifSuppression `json:"suppressions,omitempty"`
		Properties   map[string]string  `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical     `json:"physicalLocation"`
		LogicalLocations []sarifLogicalLoc `json:"logicalLocations,omitempty"`
	}
	sarifLogicalLoc struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
		EndLine     int `json:"endLine,omitempty"`
		EndColumn   int `json:"endColumn,omitempty"`
	}
	sarifFix struct {
		Description     sarifText             `json:"description"`
		ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
	}
	sarifArtifactChange struct {
		ArtifactLocation sarifArtifact      `json:"artifactLocation"`
		Replacements     []sarifReplacement `json:"replacements"`
	}
	sarifReplacement struct {
		DeletedRegion   sarifRegion `json:"deletedRegion"`
		InsertedContent *sarifText  `json:"insertedContent,omitempty"`
	}
	sarifSuppression struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification,omitempty"`
	}
)

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.Critical, finding.High:
		return "error"
	case finding.Medium:
		return "warning"
	}
	return "note"
}

// SecuritySeverity is the CVSS-like score GitHub code scanning reads to
// rank a rule.
func SecuritySeverity(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	case finding.Low:
		return "2.0"
	}
	return "0.0"
}

// RuleMarkdown renders a rule's documentation as Markdown.
func RuleMarkdown(r *rule.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** (%s, default severity %s)\n\n%s\n\n", r.Title, r.Slug, r.Severity, r.Why)
	fmt.Fprintf(&b, "Bad:\n\n```%s\n%s\n```\n\nGood:\n\n```%s\n%s\n```\n\n", fence(r, r.Bad), r.Bad, fence(r, r.Good), r.Good)
	fmt.Fprintf(&b, "Remediation: %s\n", r.Remediation)
	if len(r.Peers) > 0 {
		fmt.Fprintf(&b, "\nCorresponds to: %s\n", strings.Join(r.Peers, ", "))
	}
	return b.String()
}

// fence names the language of a rule's example for a Markdown code fence:
// Dockerfile rules' examples are Dockerfiles; the others are command lines
// (docker run ...), JSON (engine settings) or YAML (Compose files and
// Kubernetes manifests).
func fence(r *rule.Rule, example string) string {
	switch {
	case r.Kind == rule.Dockerfile:
		return "dockerfile"
	case strings.HasPrefix(example, "docker ") || strings.HasPrefix(example, "podman "):
		return "sh"
	case strings.HasPrefix(strings.TrimSpace(example), "{"):
		return "json"
	}
	return "yaml"
}

func region(l finding.Location) *sarifRegion {
	if l.Start.Line == 0 {
		return nil
	}
	rg := &sarifRegion{StartLine: l.Start.Line, StartColumn: l.Start.Column}
	if l.End.Line >= l.Start.Line && l.End.Line > 0 {
		rg.EndLine, rg.EndColumn = l.End.Line, l.End.Column
	}
	return rg
}

func location(l finding.Location) sarifLocation {
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: artifact(l.Path), Region: region(l)}}
	if l.Object != "" {
		loc.LogicalLocations = []sarifLogicalLoc{{FullyQualifiedName: l.Object}}
	}
	return loc
}

func ruleIndex(index map[string]int, id string) *int {
	if i, ok := index[id]; ok {
		return &i
	}
	return nil
}

// artifact turns a scanned path into a SARIF artifact location: a
// relative path becomes a percent-encoded URI reference against the source
// root (%SRCROOT%), an absolute one a file URI.
func artifact(p string) sarifArtifact {
	slash := strings.ReplaceAll(p, `\`, "/")
	abs := strings.HasPrefix(slash, "/") || len(slash) > 2 && slash[1] == ':' && slash[2] == '/'
	segs := strings.Split(slash, "/")
	for i, seg := range segs {
		if i == 0 && abs && strings.HasSuffix(seg, ":") {
			continue // a Windows drive letter
		}
		segs[i] = url.PathEscape(seg)
	}
	enc := strings.Join(segs, "/")
	if abs {
		if !strings.HasPrefix(enc, "/") {
			enc = "/" + enc
		}
		return sarifArtifact{URI: "file://" + enc}
	}
	return sarifArtifact{URI: strings.TrimPrefix(enc, "./"), URIBaseID: "%SRCROOT%"}
}

// imageArtifact turns an image reference into a SARIF artifact location:
// a URI reference with each segment percent-encoded, colons included (a
// colon in the first segment would read as a URI scheme).
func imageArtifact(ref string) sarifArtifact {
	segs := strings.Split(ref, "/")
	for i, seg := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(seg), ":", "%3A")
	}
	return sarifArtifact{URI: strings.Join(segs, "/")}
}

// vulnRule builds the rule descriptor of a vulnerability from a finding
// about it: the summary as description, the fixed version and references
// as help, the CVSS score (else the severity's) as security-severity.
func vulnRule(f *finding.Finding) sarifRule {
	v := f.Vulnerability
	short := v.Summary
	if short == "" {
		short = "Known vulnerability " + v.ID
	}
	fixed := v.FixedVersion
	if fixed == "" {
		fixed = "none known"
	}
	var text, md strings.Builder
	fmt.Fprintf(&text, "Vulnerability %s\nSeverity: %s\nPackage: %s\nFixed version: %s\n", v.ID, f.Severity, v.Package, fixed)
	fmt.Fprintf(&md, "**Vulnerability %s**\n\n| Severity | Package | Fixed version | Link |\n| --- | --- | --- | --- |\n| %s | %s | %s | [%s](%s) |\n",
		v.ID, f.Severity, v.Package, fixed, v.ID, v.URL)
	if len(v.Aliases) > 0 {
		fmt.Fprintf(&text, "Aliases: %s\n", strings.Join(v.Aliases, ", "))
		fmt.Fprintf(&md, "\nAliases: %s\n", strings.Join(v.Aliases, ", "))
	}
	if len(v.References) > 0 {
		text.WriteString("References:\n")
		md.WriteString("\nReferences:\n\n")
		for _, u := range v.References {
			fmt.Fprintf(&text, "  %s\n", u)
			fmt.Fprintf(&md, "- %s\n", u)
		}
	}
	score := SecuritySeverity(f.Severity)
	if v.CVSS != nil && v.CVSS.Score > 0 {
		score = fmt.Sprintf("%.1f", v.CVSS.Score)
	}
	level := sarifLevel(f.Severity)
	return sarifRule{
		ID:                   v.ID,
		Name:                 "PackageVulnerability",
		ShortDescription:     sarifText{Text: short},
		FullDescription:      sarifText{Text: short},
		Help:                 sarifHelp{Text: text.String(), Markdown: md.String()},
		HelpURI:              v.URL,
		DefaultConfiguration: sarifRuleConfig{Level: level},
		Properties: sarifRuleProps{
			Tags: []string{"vulnerability", "security", f.Severity.String()}, SecuritySeverity: score, Precision: "very-high",
			ProblemSeverity: map[string]string{"error": "error", "warning": "warning", "note": "recommendation"}[level],
		},
	}
}

func writeSARIF(w io.Writer, r *Report) error {
	driver := sarifDriver{Name: r.Tool, Version: r.Version, InformationURI: "https://github.com/bulwark-sec/bulwark", Rules: []sarifRule{}}
	index := map[string]int{}
	for _, rl := range r.Rules {
		index[rl.ID] = len(driver.Rules)
		tags := append([]string{"security"}, rl.Tags...)
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   rl.ID,
			Name:                 rl.Slug,
			ShortDescription:     sarifText{Text: rl.Title},
			FullDescription:      sarifText{Text: rl.Why},
			Help:                 sarifHelp{Text: rl.Remediation, Markdown: RuleMarkdown(rl)},
			HelpURI:              "https://github.com/bulwark-sec/bulwark/blob/main/docs/rules/" + rl.ID + ".md",
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(rl.Severity)},
			Properties: sarifRuleProps{
				Tags: tags, SecuritySeverity: SecuritySeverity(rl.Severity), Precision: "high",
				ProblemSeverity: map[string]string{"error": "error", "warning": "warning", "note": "recommendation"}[sarifLevel(rl.Severity)],
			},
		})
	}
	// Vulnerabilities have no rule in the registry: each ID gets a
	// descriptor built from its first finding.
	for _, f := range r.Findings {
		if f.Vulnerability == nil {
			continue
		}
		if _, ok := index[f.RuleID]; ok {
			continue
		}
		index[f.RuleID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, vulnRule(&f))
	}
	images := map[string]bool{}
	for _, img := range r.Images {
		images[img.Ref] = true
	}
	locate := func(l finding.Location) sarifLocation {
		loc := location(l)
		if images[l.Path] {
			loc.PhysicalLocation.ArtifactLocation = imageArtifact(l.Path)
		}
		return loc
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}, ColumnKind: "unicodeCodePoints"}
	inv := sarifInvocation{ExecutionSuccessful: len(r.Errors) == 0}
	for _, e := range r.Errors {
		n := sarifNotification{Level: "error", Message: sarifText{Text: e.Err}}
		if e.Path != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: artifact(e.Path)}}
			if images[e.Path] {
				loc.PhysicalLocation.ArtifactLocation = imageArtifact(e.Path)
			}
			if e.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: e.Line}
			}
			n.Locations = []sarifLocation{loc}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	for _, n := range r.Notes {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Level: "note", Message: sarifText{Text: n.Message}, Locations: []sarifLocation{locate(n.Location)}})
	}
	run.Invocations = []sarifInvocation{inv}
	for _, f := range r.Findings {
		res := sarifResult{
			RuleID:     f.RuleID,
			RuleIndex:  ruleIndex(index, f.RuleID),
			Level:      sarifLevel(f.Severity),
			Message:    sarifText{Text: f.Message},
			Locations:  []sarifLocation{locate(f.Location)},
			Properties: map[string]string{"severity": f.Severity.String()},
		}
		if v := f.Vulnerability; v != nil {
			for k, val := range map[string]string{
				"package": v.Package, "installedVersion": v.InstalledVersion, "fixedVersion": v.FixedVersion,
				"status": v.Status, "purl": v.PURL, "layerDiffID": v.Layer.DiffID, "layer": fmt.Sprint(v.Layer.Index),
			} {
				if val != "" {
					res.Properties[k] = val
				}
			}
		}
		if rd := f.Location.Render; rd != nil {
			res.Properties["renderKind"] = rd.Kind
			res.Properties["renderInput"] = rd.Input
			if rd.ValuesSet != "" {
				res.Properties["valuesSet"] = rd.ValuesSet
			}
		}
		for _, fx := range f.Fixes {
			ch := sarifArtifactChange{ArtifactLocation: artifact(f.Location.Path)}
			for _, e := range fx.Edits {
				rep := sarifReplacement{DeletedRegion: sarifRegion{
					StartLine: e.From.Line, StartColumn: e.From.Column, EndLine: e.To.Line, EndColumn: e.To.Column,
				}}
				if e.NewText != "" {
					rep.InsertedContent = &sarifText{Text: e.NewText}
				}
				ch.Replacements = append(ch.Replacements, rep)
			}
			res.Fixes = append(res.Fixes, sarifFix{Description: sarifText{Text: fx.Title}, ArtifactChanges: []sarifArtifactChange{ch}})
		}
		if s := f.Suppressed; s != nil {
			kind := "inSource"
			if s.Kind == "config" {
				kind = "external"
			}
			res.Suppressions = []sarifSuppression{{Kind: kind, Justification: s.Reason}}
		}
		run.Results = append(run.Results, res)
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}
