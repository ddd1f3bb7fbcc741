// Package osv holds the Open Source Vulnerability (OSV) record model that
// Bulwark reads, and the evaluation of "is this version affected" that the
// OSV schema defines (https://ossf.github.io/osv-schema/).
//
// Only the fields Bulwark uses are modelled; unknown fields are ignored when
// decoding. Free-form objects (ecosystem_specific, database_specific) are kept
// as raw JSON so that they survive a round trip.
package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// Range types defined by the OSV schema.
const (
	RangeEcosystem = "ECOSYSTEM"
	RangeSemver    = "SEMVER"
	RangeGit       = "GIT"
)

// Vulnerability is one OSV record.
type Vulnerability struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is one severity score: a CVSS vector or an ecosystem-specific
// level (type "Ubuntu" with negligible|low|medium|high|critical).
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected is one entry of a record's affected list: a package, the
// version ranges and explicit versions of it that are affected.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package names the affected package.
type Package struct {
	Ecosystem pkgdb.Ecosystem `json:"ecosystem"`
	Name      string          `json:"name"`
	PURL      string          `json:"purl,omitempty"`
}

// Range is one version range: its type (ECOSYSTEM, SEMVER or GIT) and the
// events that open and close affected intervals.
type Range struct {
	Type             string          `json:"type"`
	Repo             string          `json:"repo,omitempty"`
	Events           []Event         `json:"events"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Event holds exactly one of its fields.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link about the vulnerability.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Decode reads one OSV record from r. Unknown fields are ignored; a record
// without an id is an error.
func Decode(r io.Reader) (*Vulnerability, error) {
	var v Vulnerability
	dec := json.NewDecoder(r)
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode OSV record: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decode OSV record %q: trailing data after the JSON object", v.ID)
	}
	if v.ID == "" {
		return nil, errors.New("decode OSV record: missing id")
	}
	return &v, nil
}

// Parse decodes one OSV record from data, as Decode does.
func Parse(data []byte) (*Vulnerability, error) {
	return Decode(bytes.NewReader(data))
}

// IsWithdrawn reports whether the record has been withdrawn by its source.
func (v *Vulnerability) IsWithdrawn() bool {
	return v.Withdrawn != nil && !v.Withdrawn.IsZero()
}
