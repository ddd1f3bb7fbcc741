// Package suppress decides which findings are suppressed: inline comments
// in the scanned file (Bulwark's own and hadolint's pragmas) and entries of
// the configuration file. One matcher serves every kind of target.
package suppress

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
)

// Directive is an inline suppression found in a scanned file.
type Directive struct {
	// Names are rule IDs, slugs or peer IDs (such as hadolint's DL3008);
	// "all" matches every rule.
	Names []string
	// Reason is the text after "--", if any.
	Reason string
	// FromLine and ToLine bound the lines whose findings it suppresses;
	// both zero means the whole file.
	FromLine, ToLine int
	// Source names where the directive is written ("Dockerfile:3").
	Source string
}

var (
	bulwarkRe  = regexp.MustCompile(`^bulwark:(ignore-file|ignore)\s+(.+)$`)
	hadolintRe = regexp.MustCompile(`^hadolint\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\s-]+?)(?:\s*#.*)?$`)
)

// Scope says what lines a comment directive applies to.
type Scope int

// Scopes.
const (
	// ScopeNext applies to the line and the next instruction or object.
	ScopeNext Scope = iota
	// ScopeFile applies to the whole file.
	ScopeFile
)

// ParseComment reads a directive from a comment's text (without the
// leading '#'). It understands "bulwark:ignore ID[,ID...] [-- reason]",
// "bulwark:ignore-file ...", "hadolint ignore=DL3008,DL3009" and
// "hadolint global ignore=...".
func ParseComment(text string) (names []string, reason string, scope Scope, ok bool) {
	text = strings.TrimSpace(text)
	if m := bulwarkRe.FindStringSubmatch(text); m != nil {
		body := m[2]
		if i := strings.Index(body, "--"); i >= 0 {
			body, reason = body[:i], strings.TrimSpace(body[i+2:])
		}
		names = splitNames(body)
		if m[1] == "ignore-file" {
			scope = ScopeFile
		}
		return names, reason, scope, len(names) > 0
	}
	if m := hadolintRe.FindStringSubmatch(text); m != nil {
		names = splitNames(m[2])
		if m[1] != "" {
			scope = ScopeFile
		}
		return names, "", scope, len(names) > 0
	}
	return nil, "", 0, false
}

func splitNames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// Ignore is a configuration entry that suppresses findings.
type Ignore struct {
	// Rules are rule IDs, slugs or peer IDs; empty means every rule.
	Rules []string `yaml:"rules"`
	// Paths are doublestar globs matched against the finding's path.
	Paths []string `yaml:"paths"`
	// Reason says why; it is required.
	Reason string `yaml:"reason"`
	// Expires is the last day the entry applies (YYYY-MM-DD), if set.
	Expires string `yaml:"expires"`
	// Line is where the entry is written in the config file.
	Line int `yaml:"-"`
	// File is the config file's path.
	File string `yaml:"-"`
}

// Validate checks the entry's fields.
func (ig *Ignore) Validate() error {
	if strings.TrimSpace(ig.Reason) == "" {
		return errors.New("ignore entry: a reason is required")
	}
	if ig.Expires != "" {
		if _, err := time.Parse(time.DateOnly, ig.Expires); err != nil {
			return fmt.Errorf("ignore entry: expires %q is not a YYYY-MM-DD date", ig.Expires)
		}
	}
	for _, p := range ig.Paths {
		if !doublestar.ValidatePattern(p) {
			return fmt.Errorf("ignore entry: bad path glob %q", p)
		}
	}
	return nil
}

// Expired reports whether the entry no longer applies on day now.
func (ig *Ignore) Expired(now time.Time) bool {
	if ig.Expires == "" {
		return false
	}
	t, err := time.Parse(time.DateOnly, ig.Expires)
	if err != nil {
		return false
	}
	return !now.Before(t.Add(24 * time.Hour))
}

// Matcher applies suppressions to findings. Build it with NewMatcher.
type Matcher struct {
	reg     *rule.Registry // resolves slugs and peer IDs
	ignores []Ignore       // configuration entries
	strict  bool           // disables inline directives
	now     time.Time      // for expiry
	used    []int          // findings each entry suppressed
}

// Stale describes a configuration entry that did not take effect.
type Stale struct {
	Entry  Ignore `json:"-"`
	Source string `json:"source"`
	Why    string `json:"why"` // "unused" or "expired"
}

// NewMatcher returns a matcher over the config entries.
func NewMatcher(reg *rule.Registry, ignores []Ignore, strict bool, now time.Time) *Matcher {
	return &Matcher{reg: reg, ignores: slices.Clone(ignores), strict: strict, now: now, used: make([]int, len(ignores))}
}

func (m *Matcher) names(ruleID string, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(n, "all") {
			return true
		}
		for _, r := range m.reg.Resolve(n) {
			if r.ID == ruleID {
				return true
			}
		}
	}
	return false
}

// Apply marks the findings of one file that a directive or config entry
// suppresses. It is not safe for concurrent use.
func (m *Matcher) Apply(fs []finding.Finding, directives []Directive) {
	for i := range fs {
		f := &fs[i]
		if !m.strict {
			for _, d := range directives {
				inRange := d.FromLine == 0 && d.ToLine == 0 ||
					d.FromLine <= f.Location.Start.Line && f.Location.Start.Line <= d.ToLine
				if inRange && m.names(f.RuleID, d.Names) {
					f.Suppressed = &finding.Suppression{Kind: "inline", Reason: d.Reason, Source: d.Source}
					break
				}
			}
		}
		for j := range m.ignores {
			ig := &m.ignores[j]
			if ig.Expired(m.now) || !m.matches(ig, f) {
				continue
			}
			// An entry that matches counts as used even when an inline
			// comment suppressed the finding first.
			m.used[j]++
			if f.Suppressed == nil {
				f.Suppressed = &finding.Suppression{Kind: "config", Reason: ig.Reason, Source: fmt.Sprintf("%s:%d", ig.File, ig.Line)}
			}
			break
		}
	}
}

func (m *Matcher) matches(ig *Ignore, f *finding.Finding) bool {
	if len(ig.Rules) > 0 && !m.names(f.RuleID, ig.Rules) {
		return false
	}
	if len(ig.Paths) == 0 {
		return true
	}
	candidates := []string{f.Location.Path, strings.TrimPrefix(f.Location.Path, "./")}
	if rel := RelativeTo(filepath.Dir(ig.File), f.Location.Path); rel != "" {
		candidates = append(candidates, rel)
	}
	for _, p := range ig.Paths {
		for _, c := range candidates {
			if ok, _ := doublestar.Match(p, c); ok {
				return true
			}
		}
	}
	return false
}

// RelativeTo returns p relative to the folder base, slash-separated, or ""
// when p is not below base. Config globs are written relative to the
// config file's folder, whatever folder the scan runs from.
func RelativeTo(base, p string) string {
	if base == "" {
		return ""
	}
	ab, err1 := filepath.Abs(base)
	ap, err2 := filepath.Abs(filepath.FromSlash(p))
	if err1 != nil || err2 != nil {
		return ""
	}
	rel, err := filepath.Rel(ab, ap)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	return filepath.ToSlash(rel)
}

// Stale returns the config entries that expired or matched nothing.
func (m *Matcher) Stale() []Stale {
	var out []Stale
	for j, ig := range m.ignores {
		src := fmt.Sprintf("%s:%d", ig.File, ig.Line)
		switch {
		case ig.Expired(m.now):
			out = append(out, Stale{Entry: ig, Source: src, Why: "expired on " + ig.Expires})
		case m.used[j] == 0:
			out = append(out, Stale{Entry: ig, Source: src, Why: "matched no finding"})
		}
	}
	return out
}
