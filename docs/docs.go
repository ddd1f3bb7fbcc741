// Package docs renders the rule reference from the rule registry: the
// markdown pages under docs/rules, the index, and the JSON catalogue.
// The pages in the repository are generated; a test fails when they are
// stale. Regenerate them with:
//
//	go run ./docs/gen
package docs

import (
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark/rule"
)

// CatalogEntry is one rule in the JSON catalogue.
type CatalogEntry struct {
	ID          string   `json:"id"`
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Severity    string   `json:"severity"`
	Kind        string   `json:"kind"`
	Tags        []string `json:"tags"`
	Peers       []string `json:"peers"`
	Why         string   `json:"why"`
	Bad         string   `json:"bad"`
	Good        string   `json:"good"`
	Remediation string   `json:"remediation"`
	Fixable     bool     `json:"fixable"`
}

// Catalog returns the catalogue entries of rules.
func Catalog(rules []*rule.Rule) []CatalogEntry {
	out := make([]CatalogEntry, 0, len(rules))
	for _, r := range rules {
		out = append(out, CatalogEntry{
			ID: r.ID, Slug: r.Slug, Title: r.Title, Severity: r.Severity.String(), Kind: string(r.Kind),
			Tags: nonNil(r.Tags), Peers: nonNil(r.Peers), Why: r.Why, Bad: r.Bad, Good: r.Good,
			Remediation: r.Remediation, Fixable: r.Fixable,
		})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// lang is the code-fence language of a rule's examples.
func lang(k rule.Kind) string {
	switch k {
	case rule.Dockerfile:
		return "dockerfile"
	case rule.Container:
		return "sh"
	case rule.Daemon:
		return "text"
	}
	return "yaml"
}

// Page renders one rule's reference page in markdown.
func Page(r *rule.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n", r.ID, r.Title)
	fmt.Fprintf(&b, "| | |\n|---|---|\n| Slug | `%s` |\n| Default severity | %s |\n| Applies to | %s |\n", r.Slug, r.Severity, r.Kind)
	fix := "no"
	if r.Fixable {
		fix = "yes (`bulwark fix`)"
	}
	fmt.Fprintf(&b, "| Fix | %s |\n", fix)
	if len(r.Peers) > 0 {
		fmt.Fprintf(&b, "| Corresponds to | %s |\n", strings.Join(r.Peers, ", "))
	}
	if len(r.Tags) > 0 {
		fmt.Fprintf(&b, "| Tags | %s |\n", strings.Join(r.Tags, ", "))
	}
	fmt.Fprintf(&b, "\n## Why it matters\n\n%s\n\n", r.Why)
	fmt.Fprintf(&b, "## Bad\n\n```%s\n%s\n```\n\n", lang(r.Kind), r.Bad)
	fmt.Fprintf(&b, "## Good\n\n```%s\n%s\n```\n\n", lang(r.Kind), r.Good)
	fmt.Fprintf(&b, "## Remediation\n\n%s\n\n", r.Remediation)
	fmt.Fprintf(&b, "## Suppress\n\n```%s\n# bulwark:ignore %s -- reason\n```\n", lang(r.Kind), r.ID)
	return b.String()
}

// Index renders the rule index in markdown.
func Index(rules []*rule.Rule) string {
	var b strings.Builder
	b.WriteString("# Rule reference\n\nGenerated from the rule registry by `go run ./docs/gen`; do not edit.\n\n")
	b.WriteString("| ID | Severity | Slug | Title | Fix | Corresponds to |\n|---|---|---|---|---|---|\n")
	for _, r := range rules {
		fix := ""
		if r.Fixable {
			fix = "yes"
		}
		fmt.Fprintf(&b, "| [%s](%s.md) | %s | `%s` | %s | %s | %s |\n", r.ID, r.ID, r.Severity, r.Slug, r.Title, fix, strings.Join(r.Peers, ", "))
	}
	return b.String()
}

// Files returns every generated file, by path relative to docs/rules.
func Files(rules []*rule.Rule) map[string]string {
	out := map[string]string{"README.md": Index(rules)}
	for _, r := range rules {
		out[r.ID+".md"] = Page(r)
	}
	return out
}
