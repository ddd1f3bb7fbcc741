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

// Ignore is a configuration entry that suppresses findings. An entry with
// Paths applies to file scans only; one with Images or Packages to image
// scans only; one with neither to both.
type Ignore struct {
	// Rules are rule IDs, slugs or peer IDs, or vulnerability IDs
	// (CVE-2024-1234, GHSA-..., DSA-...: any identifier of the finding's
	// alias group); empty means every rule.
	Rules []string `yaml:"rules"`
	// Paths are doublestar globs matched against the finding's path.
	Paths []string `yaml:"paths"`
	// Images are doublestar globs matched against the image reference
	// of an image scan, as given ("registry.example.com/team/**",
	// "oci:build/*") and without its source prefix.
	Images []string `yaml:"images"`
	// Packages are doublestar globs matched against the name (or source
	// package name) of a vulnerable package, or, when they start with
	// "pkg:", against its package URL ("pkg:npm/lodash@*").
	Packages []string `yaml:"packages"`
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
	for _, p := range ig.Images {
		if !doublestar.ValidatePattern(p) {
			return fmt.Errorf("ignore entry: bad image glob %q", p)
		}
	}
	for _, p := range ig.Packages {
		if !doublestar.ValidatePattern(p) {
			return fmt.Errorf("ignore entry: bad package glob %q", p)
		}
	}
	if len(ig.Paths) > 0 && len(ig.Images)+len(ig.Packages) > 0 {
		return errors.New("ignore entry: paths apply to files, images and packages to images; use one entry for each")
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
	images  bool           // matches the findings of image scans
}

// Stale describes a configuration entry that did not take effect.
type Stale struct {
	Entry  Ignore `json:"-"`
	Source string `json:"source"`
	Why    string `json:"why"` // "unused" or "expired"
}

// NewMatcher returns a matcher over the config entries for the findings
// of file scans (and engines): entries with Images or Packages never
// match them and are never reported stale.
func NewMatcher(reg *rule.Registry, ignores []Ignore, strict bool, now time.Time) *Matcher {
	return &Matcher{reg: reg, ignores: slices.Clone(ignores), strict: strict, now: now, used: make([]int, len(ignores))}
}

// NewImageMatcher returns a matcher over the config entries for the
// findings of image scans, whose Location.Path is the image reference:
// entries with Paths never match them and are never reported stale, nor
// are entries that name only rules of other kinds.
func NewImageMatcher(reg *rule.Registry, ignores []Ignore, now time.Time) *Matcher {
	m := NewMatcher(reg, ignores, true, now)
	m.images = true
	return m
}

// names reports whether one of names means the finding's rule: a rule ID,
// slug or peer ID of its rule, "all", or, for a vulnerability, its ID or
// one of its aliases.
func (m *Matcher) names(f *finding.Finding, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(n, "all") {
			return true
		}
		if v := f.Vulnerability; v != nil {
			if strings.EqualFold(n, f.RuleID) || slices.ContainsFunc(v.Aliases, func(a string) bool { return strings.EqualFold(n, a) }) {
				return true
			}
			continue
		}
		for _, r := range m.reg.Resolve(n) {
			if r.ID == f.RuleID {
				return true
			}
		}
	}
	return false
}

// Vulnerability identifiers: CVE and GHSA IDs in any case, and the IDs of
// the other databases of the OSV schema as they write them: an upper-case
// prefix, then a part with a digit (so no rule slug such as "kube-hpa" or
// "go-unpinned" reads as one).
var (
	cveRe    = regexp.MustCompile(`(?i)^CVE-\d{4}-\d{4,}$`)
	ghsaRe   = regexp.MustCompile(`(?i)^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$`)
	osvIDRe  = regexp.MustCompile(`^(GO|PYSEC|RUSTSEC|DSA|DLA|DTSA|ELA|USN|UBUNTU|ALPINE|DEBIAN|ALSA|ALBA|ALEA|RHSA|RHBA|RHEA|RLSA|RXSA|CGA|BIT|CURL|GSD|HSEC|JLSEC|KUBE|LBSEC|MAL|MGASA|OSV|PSF|PHSA|RSEC|SUSE|openSUSE|V8|MINI|ECHO|EEF|OESA|ASB|PUB|BELL|LSN|CHAINGUARD|WOLFI|DRUPAL)-[A-Za-z0-9._:-]+$`)
	hasDigit = regexp.MustCompile(`[0-9]`)
)

// IsVulnID reports whether name looks like a vulnerability identifier
// (CVE-2024-1234, GHSA-xxxx-xxxx-xxxx, DSA-5678-1, GO-2024-0001): a name
// a config entry may give besides rule IDs.
func IsVulnID(name string) bool {
	if cveRe.MatchString(name) || ghsaRe.MatchString(name) {
		return true
	}
	if !osvIDRe.MatchString(name) {
		return false
	}
	_, rest, _ := strings.Cut(name, "-")
	return hasDigit.MatchString(rest)
}

// scope reports whether an entry can apply to the findings of file scans
// and of image scans.
func (m *Matcher) scope(ig *Ignore) (files, images bool) {
	files = len(ig.Images) == 0 && len(ig.Packages) == 0
	images = len(ig.Paths) == 0
	if len(ig.Rules) == 0 {
		return files, images
	}
	var fileRule, imageRule bool
	for _, n := range ig.Rules {
		if strings.EqualFold(n, "all") {
			return files, images
		}
		rs := m.reg.Resolve(n)
		if len(rs) == 0 {
			imageRule = true // a vulnerability ID
		}
		for _, r := range rs {
			if r.Kind == rule.Image {
				imageRule = true
			} else {
				fileRule = true
			}
		}
	}
	return files && fileRule, images && imageRule
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
				if inRange && m.names(f, d.Names) {
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
	if len(ig.Rules) > 0 && !m.names(f, ig.Rules) {
		return false
	}
	if m.images {
		return len(ig.Paths) == 0 && imageMatches(ig.Images, f.Location.Path) && packageMatches(ig.Packages, f.Vulnerability)
	}
	if len(ig.Images) > 0 || len(ig.Packages) > 0 {
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

// imageSources are the source prefixes an image reference may carry.
var imageSources = []string{"registry:", "docker-archive:", "oci:", "oci-dir:", "docker:"}

// imageMatches reports whether one of the globs matches ref, as given or
// without its source prefix; no globs match every image.
func imageMatches(globs []string, ref string) bool {
	if len(globs) == 0 {
		return true
	}
	candidates := []string{ref}
	for _, p := range imageSources {
		if rest, ok := strings.CutPrefix(ref, p); ok {
			candidates = append(candidates, rest)
		}
	}
	for _, g := range globs {
		for _, c := range candidates {
			if ok, _ := doublestar.Match(g, c); ok {
				return true
			}
		}
	}
	return false
}

// packageMatches reports whether one of the globs matches the vulnerable
// package: its name or source package name, or, for a glob starting with
// "pkg:", its package URL with or without qualifiers. No globs match every
// finding; globs never match a finding about no package.
func packageMatches(globs []string, v *finding.Vulnerability) bool {
	if len(globs) == 0 {
		return true
	}
	if v == nil {
		return false
	}
	for _, g := range globs {
		var candidates []string
		if strings.HasPrefix(g, "pkg:") {
			purl, _, _ := strings.Cut(v.PURL, "?")
			candidates = []string{v.PURL, purl}
		} else {
			candidates = []string{v.Package, v.SourcePackage}
		}
		for _, c := range candidates {
			if c == "" {
				continue
			}
			if ok, _ := doublestar.Match(g, c); ok {
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

// Stale returns the config entries that expired or matched nothing, of
// those that can apply to the matcher's kind of scan.
func (m *Matcher) Stale() []Stale {
	var out []Stale
	for j, ig := range m.ignores {
		if files, images := m.scope(&ig); m.images && !images || !m.images && !files {
			continue
		}
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
