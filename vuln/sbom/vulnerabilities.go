package sbom

import (
	"fmt"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/bulwark-sec/bulwark/vuln/match"
)

// vulnerabilities turns findings into CycloneDX vulnerabilities: one per
// VulnID, sorted by it, each listing every package it was found in.
func vulnerabilities(findings []match.Finding, refs map[pkgKey][]string) ([]cdx.Vulnerability, error) {
	versionOf := map[string]string{}
	for k, rs := range refs {
		for _, r := range rs {
			versionOf[r] = k.version
		}
	}
	type group struct {
		ratings  []cdx.VulnerabilityRating
		aliases  []string
		records  []string
		affects  map[string]cdx.VulnerabilityStatus
		upgrades []string
		reasons  []string
	}
	groups := map[string]*group{}
	var ids []string
	for i := range findings {
		f := &findings[i]
		prefs := refs[keyOf(&f.Package)]
		if len(prefs) == 0 {
			return nil, fmt.Errorf("building CycloneDX vulnerabilities: %s names package %s %s (%s) that is not in the inventory", f.VulnID, f.Package.Name, f.Package.Version, f.Package.DBPath)
		}
		if f.VulnID == "" {
			return nil, fmt.Errorf("building CycloneDX vulnerabilities: finding for %s %s has no identifier", f.Package.Name, f.Package.Version)
		}
		g, ok := groups[f.VulnID]
		if !ok {
			g = &group{affects: map[string]cdx.VulnerabilityStatus{}}
			groups[f.VulnID] = g
			ids = append(ids, f.VulnID)
		}
		if r, ok := rating(f); ok && !slices.ContainsFunc(g.ratings, func(x cdx.VulnerabilityRating) bool { return sameRating(x, r) }) {
			g.ratings = append(g.ratings, r)
		}
		g.aliases = append(g.aliases, f.Aliases...)
		g.records = append(g.records, f.Records...)
		status := cdx.VulnerabilityStatusAffected
		if f.Status == match.StatusNotEvaluated {
			status = cdx.VulnerabilityStatusUnknown
			if f.Reason != "" {
				g.reasons = append(g.reasons, f.Package.Name+": "+f.Reason)
			}
		}
		for _, r := range prefs {
			g.affects[r] = status
		}
		if f.FixedVersion != "" {
			g.upgrades = append(g.upgrades, f.Package.Name+" to "+f.FixedVersion)
		}
	}
	slices.Sort(ids)
	out := make([]cdx.Vulnerability, 0, len(ids))
	for _, id := range ids {
		g := groups[id]
		v := cdx.Vulnerability{
			BOMRef: "vuln:" + id,
			ID:     id,
			Source: vulnSource(id),
		}
		if len(g.ratings) > 0 {
			slices.SortFunc(g.ratings, compareRatings)
			v.Ratings = &g.ratings
		}
		if aliases := sortedUnique(g.aliases); len(aliases) > 0 {
			vrefs := make([]cdx.VulnerabilityReference, 0, len(aliases))
			for _, a := range aliases {
				vrefs = append(vrefs, cdx.VulnerabilityReference{ID: a, Source: vulnSource(a)})
			}
			v.References = &vrefs
		}
		if up := sortedUnique(g.upgrades); len(up) > 0 {
			v.Recommendation = "Upgrade " + strings.Join(up, "; ")
		}
		refsSorted := make([]string, 0, len(g.affects))
		for r := range g.affects {
			refsSorted = append(refsSorted, r)
		}
		slices.Sort(refsSorted)
		affects := make([]cdx.Affects, 0, len(refsSorted))
		for _, r := range refsSorted {
			affects = append(affects, cdx.Affects{Ref: r, Range: &[]cdx.AffectedVersions{{
				Version: versionOf[r],
				Status:  g.affects[r],
			}}})
		}
		v.Affects = &affects
		var props []cdx.Property
		if recs := sortedUnique(g.records); len(recs) > 0 {
			props = append(props, cdx.Property{Name: PropRecords, Value: strings.Join(recs, ",")})
		}
		if rs := sortedUnique(g.reasons); len(rs) > 0 {
			props = append(props, cdx.Property{Name: PropReason, Value: strings.Join(rs, "; ")})
		}
		if len(props) > 0 {
			v.Properties = &props
		}
		out = append(out, v)
	}
	return out, nil
}

func sortedUnique(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// rating turns the finding's chosen severity into a CycloneDX rating; ok
// is false when there is nothing to say (no level at all).
func rating(f *match.Finding) (cdx.VulnerabilityRating, bool) {
	s := f.Severity
	r := cdx.VulnerabilityRating{Severity: cdxSeverity(s.Level)}
	switch s.Source {
	case match.SourceCVSS:
		score := s.Score
		r.Score = &score
		r.Vector = s.Vector
		r.Method = cvssMethod(s.Vector)
	case match.SourceDistro:
		base, _, _ := strings.Cut(f.Ecosystem, ":")
		r.Method = cdx.ScoringMethodOther
		r.Source = &cdx.Source{Name: base}
	case match.SourceGHSA:
		r.Method = cdx.ScoringMethodOther
		r.Source = &cdx.Source{Name: "GitHub Advisory Database", URL: "https://github.com/advisories"}
	default:
		if s.Level == "" {
			return r, false
		}
	}
	return r, true
}

func sameRating(a, b cdx.VulnerabilityRating) bool {
	return compareRatings(a, b) == 0
}

func compareRatings(a, b cdx.VulnerabilityRating) int {
	sa, sb := "", ""
	if a.Source != nil {
		sa = a.Source.Name
	}
	if b.Source != nil {
		sb = b.Source.Name
	}
	var fa, fb float64
	if a.Score != nil {
		fa = *a.Score
	}
	if b.Score != nil {
		fb = *b.Score
	}
	for _, c := range [][2]string{{string(a.Method), string(b.Method)}, {sa, sb}, {a.Vector, b.Vector}, {string(a.Severity), string(b.Severity)}} {
		if n := strings.Compare(c[0], c[1]); n != 0 {
			return n
		}
	}
	switch {
	case fa < fb:
		return -1
	case fa > fb:
		return 1
	}
	return 0
}

// cdxSeverity maps a match level to a CycloneDX severity; NEGLIGIBLE
// (Debian "unimportant", Ubuntu "negligible") becomes "info".
func cdxSeverity(l match.Level) cdx.Severity {
	switch l {
	case match.LevelCritical:
		return cdx.SeverityCritical
	case match.LevelHigh:
		return cdx.SeverityHigh
	case match.LevelMedium:
		return cdx.SeverityMedium
	case match.LevelLow:
		return cdx.SeverityLow
	case match.LevelNegligible:
		return cdx.SeverityInfo
	case match.LevelNone:
		return cdx.SeverityNone
	}
	return cdx.SeverityUnknown
}

// cvssMethod names the CycloneDX scoring method of a CVSS vector.
func cvssMethod(vector string) cdx.ScoringMethod {
	switch match.CVSSVersion(vector) {
	case match.CVSS2:
		return cdx.ScoringMethodCVSSv2
	case match.CVSS30:
		return cdx.ScoringMethodCVSSv3
	case match.CVSS31:
		return cdx.ScoringMethodCVSSv31
	case match.CVSS40:
		return cdx.ScoringMethodCVSSv4
	}
	return cdx.ScoringMethodOther
}

// vulnSource names the database an identifier belongs to, by its prefix.
func vulnSource(id string) *cdx.Source {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "CVE":
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case "GHSA":
		return &cdx.Source{Name: "GitHub Advisory Database", URL: "https://github.com/advisories/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}
