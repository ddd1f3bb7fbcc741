package match

import (
	"encoding/json"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/osv"
)

// Level is a severity level.
type Level string

// Severity levels, from the most to the least severe. NEGLIGIBLE comes
// from distro ratings only (Ubuntu "negligible", Debian "unimportant");
// NONE is a CVSS score of 0.0.
const (
	LevelCritical   Level = "CRITICAL"
	LevelHigh       Level = "HIGH"
	LevelMedium     Level = "MEDIUM"
	LevelLow        Level = "LOW"
	LevelNegligible Level = "NEGLIGIBLE"
	LevelNone       Level = "NONE"
	LevelUnknown    Level = "UNKNOWN"
)

// Rank orders levels: CRITICAL 6 down to NONE 1, UNKNOWN 0.
func (l Level) Rank() int {
	switch l {
	case LevelCritical:
		return 6
	case LevelHigh:
		return 5
	case LevelMedium:
		return 4
	case LevelLow:
		return 3
	case LevelNegligible:
		return 2
	case LevelNone:
		return 1
	}
	return 0
}

// Where a severity came from.
const (
	// SourceDistro is the distribution's own rating: an OSV severity of
	// type "Ubuntu", or Debian's ecosystem_specific.urgency.
	SourceDistro = "distro"
	// SourceCVSS is a base score computed from a CVSS vector.
	SourceCVSS = "cvss"
	// SourceGHSA is GitHub's database_specific.severity.
	SourceGHSA = "ghsa"
)

// Severity is the severity chosen for a finding.
type Severity struct {
	Level Level `json:"level"`
	// Source is SourceDistro, SourceCVSS, SourceGHSA or "" (unknown).
	Source string `json:"source,omitempty"`
	// Vector is the CVSS vector that was scored (for SourceCVSS), or the
	// vector of the highest CVSS version present when none could be scored.
	Vector string `json:"vector,omitempty"`
	// Score is the CVSS base score (SourceCVSS only).
	Score float64 `json:"score,omitempty"`
}

// sourceRank orders severity sources by preference.
func sourceRank(s string) int {
	switch s {
	case SourceDistro:
		return 3
	case SourceCVSS:
		return 2
	case SourceGHSA:
		return 1
	}
	return 0
}

// better reports whether a is preferred to b: a better source, then a
// higher level, then a higher score.
func (a Severity) better(b Severity) bool {
	if ra, rb := sourceRank(a.Source), sourceRank(b.Source); ra != rb {
		return ra > rb
	}
	if ra, rb := a.Level.Rank(), b.Level.Rank(); ra != rb {
		return ra > rb
	}
	return a.Score > b.Score
}

// Band maps a CVSS base score to its qualitative rating (CVSS v3.1
// section 5): 0.0 NONE, 0.1–3.9 LOW, 4.0–6.9 MEDIUM, 7.0–8.9 HIGH, 9.0–10.0
// CRITICAL.
func Band(score float64) Level {
	switch {
	case score >= 9.0:
		return LevelCritical
	case score >= 7.0:
		return LevelHigh
	case score >= 4.0:
		return LevelMedium
	case score > 0:
		return LevelLow
	}
	return LevelNone
}

// distroLevel maps an Ubuntu priority or a Debian urgency to a level; ok is
// false for values that rate nothing ("not yet assigned", "end-of-life",
// "untriaged").
func distroLevel(s string) (Level, bool) {
	s = strings.ToLower(strings.TrimSpace(strings.TrimRight(s, "*")))
	switch s {
	case "critical":
		return LevelCritical, true
	case "high":
		return LevelHigh, true
	case "medium":
		return LevelMedium, true
	case "low":
		return LevelLow, true
	case "negligible", "unimportant":
		return LevelNegligible, true
	}
	return "", false
}

// ghsaLevel maps GitHub's advisory severity to a level.
func ghsaLevel(s string) (Level, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "CRITICAL":
		return LevelCritical, true
	case "HIGH":
		return LevelHigh, true
	case "MODERATE", "MEDIUM":
		return LevelMedium, true
	case "LOW":
		return LevelLow, true
	}
	return "", false
}

// cvssRank orders CVSS versions: 4.0 > 3.1 > 3.0 > 2.0.
func cvssRank(v string) int {
	switch v {
	case CVSS40:
		return 4
	case CVSS31:
		return 3
	case CVSS30:
		return 2
	case CVSS2:
		return 1
	}
	return 0
}

// chooseSeverity picks the severity of one affected entry of record v:
//
//  1. for OS packages, the distro rating: a severity of type "Ubuntu" (the
//     entry's, else the record's), else the entry's
//     ecosystem_specific.urgency (Debian);
//  2. the CVSS vector of the highest version present, 4.0 before 3.1
//     before 3.0 before 2.0 (research/vuln.md §9.4: the newest version is
//     the record author's latest judgement; GHSA records carry 4.0 alone
//     or beside 3.1), with the entry's severity list overriding the
//     record's, scored (the base score: v4 threat and environmental
//     metrics are ignored, as v3 temporal ones are) and banded; of several
//     vectors of that version, the highest score. A malformed vector is
//     passed over for the next one;
//  3. GitHub's database_specific.severity;
//  4. UNKNOWN, keeping the best vector seen.
func chooseSeverity(v *osv.Vulnerability, a *osv.Affected, osPackage bool) Severity {
	sevs := a.Severity
	if len(sevs) == 0 && v != nil {
		sevs = v.Severity
	}
	if osPackage {
		for _, s := range sevs {
			if strings.EqualFold(s.Type, "Ubuntu") {
				if l, ok := distroLevel(s.Score); ok {
					return Severity{Level: l, Source: SourceDistro}
				}
			}
		}
		if len(a.EcosystemSpecific) > 0 {
			var es struct {
				Urgency string `json:"urgency"`
			}
			if json.Unmarshal(a.EcosystemSpecific, &es) == nil {
				if l, ok := distroLevel(es.Urgency); ok {
					return Severity{Level: l, Source: SourceDistro}
				}
			}
		}
	}
	var best Severity
	bestRank := 0
	seen := ""
	seenRank := 0
	for _, s := range sevs {
		if !strings.HasPrefix(strings.ToUpper(s.Type), "CVSS_") {
			continue
		}
		ver := CVSSVersion(s.Score)
		r := cvssRank(ver)
		if r > seenRank {
			seen, seenRank = s.Score, r
		}
		score, _, err := ScoreCVSS(s.Score)
		if err != nil {
			continue
		}
		if r > bestRank || r == bestRank && score > best.Score {
			best = Severity{Level: Band(score), Source: SourceCVSS, Vector: s.Score, Score: score}
			bestRank = r
		}
	}
	if bestRank > 0 {
		return best
	}
	for _, raw := range [][]byte{a.DatabaseSpecific, recordSpecific(v)} {
		if len(raw) == 0 {
			continue
		}
		var ds struct {
			Severity string `json:"severity"`
		}
		if json.Unmarshal(raw, &ds) == nil {
			if l, ok := ghsaLevel(ds.Severity); ok {
				return Severity{Level: l, Source: SourceGHSA, Vector: seen}
			}
		}
	}
	return Severity{Level: LevelUnknown, Vector: seen}
}

func recordSpecific(v *osv.Vulnerability) []byte {
	if v == nil {
		return nil
	}
	return v.DatabaseSpecific
}
