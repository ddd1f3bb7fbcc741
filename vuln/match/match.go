// Package match matches installed packages against the vulnerability
// database: for each package it looks up the affected entries filed under
// the package's ecosystem and name, evaluates the installed version against
// each entry's ranges with the ecosystem's version comparer, groups the hits
// that name the same flaw (a CVE and its DSA, DLA or GHSA) into one finding
// and chooses a severity for it.
//
// Keys: OS packages of Debian, Ubuntu, Alpine, Wolfi and Chainguard are
// looked up by source package (dpkg Source, apk origin) and source version,
// as those distros file their advisories; other OS packages (RPM distros
// file by binary package) and language packages by their own name and
// version. A Go package named "stdlib" (or "go", "toolchain") is looked up
// as "stdlib", the name Go's database gives the toolchain. Lookups use the
// package's ecosystem, base and suffix, exactly: a Debian 12 package is never
// matched against Debian:11 or upstream (GIT) data.
//
// Grouping: the findings of one package whose records share an identifier
// (the union of id, aliases and upstream) form one finding. Its VulnID is
// the CVE identifier when the group names one (the smallest, when several),
// else the smallest record id of the group; Aliases lists every other
// identifier of the group, sorted.
//
// A version that cannot be compared, an entry with no range this package's
// ecosystem can evaluate, or an ecosystem without a comparer give a finding
// with status not_evaluated: never a guessed "affected".
package match

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/osv"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
	"github.com/bulwark-sec/bulwark/vuln/version"
)

// Status is the outcome of a finding.
type Status string

// Finding statuses.
const (
	// StatusFixed: the installed version is affected and a fixed version
	// exists.
	StatusFixed Status = "fixed"
	// StatusAffected: the installed version is affected and no fix is
	// known.
	StatusAffected Status = "affected"
	// StatusNotEvaluated: an entry applies to the package but the version
	// could not be evaluated against it (see Finding.Reason).
	StatusNotEvaluated Status = "not_evaluated"
)

// Finding is one vulnerability of one installed package.
type Finding struct {
	// VulnID is the preferred identifier (see the package documentation);
	// Aliases the other identifiers of the group, sorted.
	VulnID  string   `json:"vuln_id"`
	Aliases []string `json:"aliases,omitempty"`
	// Records are the ids of the database records that matched, sorted.
	Records []string `json:"records"`
	// Package is the installed (binary) package.
	Package pkgdb.Package `json:"-"`
	// InstalledVersion is the version that was evaluated: the source
	// version for packages looked up by source.
	InstalledVersion string `json:"installed_version"`
	// FixedVersion is the version that fixes every matched record (the
	// highest of their fixed versions); "" when none names a fix.
	FixedVersion string `json:"fixed_version,omitempty"`
	Status       Status `json:"status"`
	// Reason says why a finding is not evaluated.
	Reason   string   `json:"reason,omitempty"`
	Severity Severity `json:"severity"`
	// Ecosystem is the OSV ecosystem the records were filed under.
	Ecosystem string `json:"ecosystem"`
	// LookupName is the name the records were looked up by (the source
	// package for most OS packages).
	LookupName string `json:"lookup_name"`
}

// Source is what matching reads: *db.DB satisfies it.
type Source interface {
	Lookup(ecosystem, name string) ([]db.Entry, error)
	Vulnerability(id string) (*osv.Vulnerability, error)
}

// Options tune matching.
type Options struct {
	// IgnoreUnfixed drops findings with no fixed version (status affected).
	// Not-evaluated findings are kept.
	IgnoreUnfixed bool
}

// Matcher matches packages against a Source. It is safe for concurrent use
// when the Source is.
type Matcher struct {
	src  Source
	opts Options
}

// New returns a Matcher reading src.
func New(src Source, opts Options) *Matcher {
	return &Matcher{src: src, opts: opts}
}

// Match matches every package and returns the findings in package order,
// each package's findings sorted by VulnID. A database read error stops
// matching; evaluation problems become not_evaluated findings instead.
func (m *Matcher) Match(pkgs []pkgdb.Package) ([]Finding, error) {
	records := map[string]*osv.Vulnerability{}
	var out []Finding
	for i := range pkgs {
		fs, err := m.matchPackage(&pkgs[i], records)
		if err != nil {
			return out, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// MatchPackage matches one package.
func (m *Matcher) MatchPackage(p pkgdb.Package) ([]Finding, error) {
	return m.matchPackage(&p, map[string]*osv.Vulnerability{})
}

// bySource lists the ecosystem bases whose advisories name source packages.
var bySource = map[string]bool{
	"Debian": true, "Ubuntu": true, "Alpine": true, "Wolfi": true, "Chainguard": true,
}

// lookupKey returns the name and version a package is looked up and
// evaluated by.
func lookupKey(p *pkgdb.Package) (name, ver string) {
	name, ver = p.Name, p.Version
	if p.Type == pkgdb.TypeOS && bySource[p.Ecosystem.Base] {
		if p.SrcName != "" {
			name = p.SrcName
		}
		if p.SrcVersion != "" {
			ver = p.SrcVersion
		}
	}
	if p.Ecosystem.Base == "Go" {
		switch name {
		case "stdlib", "go", "toolchain":
			name = "stdlib"
		}
	}
	return name, ver
}

// hit is the evaluation of one record against the package.
type hit struct {
	id       string
	ids      []string // id, aliases, upstream
	status   Status
	fixed    string
	reason   string
	severity Severity
}

func (m *Matcher) matchPackage(p *pkgdb.Package, records map[string]*osv.Vulnerability) ([]Finding, error) {
	if p.Ecosystem.Base == "" {
		return nil, nil
	}
	eco := p.Ecosystem.String()
	name, ver := lookupKey(p)
	entries, err := m.src.Lookup(eco, name)
	if err != nil {
		return nil, fmt.Errorf("match %s %s: %w", eco, p.Name, err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	cmp, hasCmp := version.For(p.Ecosystem.Base)
	osPkg := p.Type == pkgdb.TypeOS

	var hits []*hit
	byID := map[string]*hit{}
	for i := range entries {
		e := &entries[i]
		// The database keys by ecosystem already; this guards against a
		// Source that does not.
		if e.Affected.Package.Ecosystem != p.Ecosystem {
			continue
		}
		h := hit{id: e.ID}
		switch {
		case !hasCmp && ver != "" && slices.Contains(e.Affected.Versions, ver):
			// Listed exactly: affected without comparing; the fix
			// cannot be ordered.
			h.status = StatusAffected
		case !hasCmp:
			h.status, h.reason = StatusNotEvaluated, fmt.Sprintf("no version comparer for ecosystem %s", p.Ecosystem.Base)
		case ver == "":
			h.status, h.reason = StatusNotEvaluated, "no installed version"
		case !version.Valid(p.Ecosystem.Base, ver):
			h.status, h.reason = StatusNotEvaluated, fmt.Sprintf("installed version %q is not a valid %s version", ver, p.Ecosystem.Base)
		default:
			v, err := e.Affected.Evaluate(ver, cmp)
			switch {
			case err != nil:
				h.status, h.reason = StatusNotEvaluated, err.Error()
			case !v.Evaluated:
				h.status, h.reason = StatusNotEvaluated, "entry has no versions and no ECOSYSTEM or SEMVER range"
			case !v.Affected:
				continue
			case v.Fixed != "":
				h.status, h.fixed = StatusFixed, v.Fixed
			default:
				h.status = StatusAffected
			}
		}
		rec, err := m.record(e.ID, records)
		if err != nil {
			return nil, fmt.Errorf("match %s %s: %w", eco, p.Name, err)
		}
		h.ids = recordIDs(e.ID, rec)
		h.severity = chooseSeverity(rec, &e.Affected, osPkg)
		if prev, ok := byID[e.ID]; ok {
			mergeHit(prev, &h, cmp)
			continue
		}
		hp := &h
		byID[e.ID] = hp
		hits = append(hits, hp)
	}
	findings := group(hits, cmp)
	out := findings[:0]
	for _, f := range findings {
		if m.opts.IgnoreUnfixed && f.Status == StatusAffected {
			continue
		}
		f.Package = *p
		f.InstalledVersion = ver
		f.Ecosystem = eco
		f.LookupName = name
		out = append(out, f)
	}
	return out, nil
}

func (m *Matcher) record(id string, cache map[string]*osv.Vulnerability) (*osv.Vulnerability, error) {
	if v, ok := cache[id]; ok {
		return v, nil
	}
	v, err := m.src.Vulnerability(id)
	if err != nil {
		return nil, err
	}
	cache[id] = v
	return v, nil
}

// recordIDs returns id plus the record's aliases and upstream ids (not
// related: those name other flaws).
func recordIDs(id string, v *osv.Vulnerability) []string {
	ids := []string{id}
	if v != nil {
		ids = append(ids, v.Aliases...)
		ids = append(ids, v.Upstream...)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// statusRank orders statuses: an evaluated hit beats a not-evaluated one.
func statusRank(s Status) int {
	switch s {
	case StatusAffected, StatusFixed:
		return 2
	case StatusNotEvaluated:
		return 1
	}
	return 0
}

// mergeHit folds b into a (two entries of the same record, or two records
// of the same flaw). Evaluated beats not evaluated; among affected hits the
// fix is the highest fixed version, and the result is unfixed only when no
// hit names a fix.
func mergeHit(a, b *hit, cmp version.Comparer) {
	if b.severity.better(a.severity) {
		a.severity = b.severity
	}
	ra, rb := statusRank(a.status), statusRank(b.status)
	switch {
	case rb > ra:
		a.status, a.fixed, a.reason = b.status, b.fixed, b.reason
	case rb < ra || ra == 1:
		// keep a
	case b.fixed == "":
	case a.fixed == "":
		a.status, a.fixed = StatusFixed, b.fixed
	default:
		if c, err := cmp.Compare(b.fixed, a.fixed); err == nil && c > 0 {
			a.fixed = b.fixed
		}
	}
}

// group unions hits sharing an identifier and turns each group into a
// finding, sorted by VulnID.
func group(hits []*hit, cmp version.Comparer) []Finding {
	parent := make([]int, len(hits))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, h := range hits {
		for _, id := range h.ids {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	groups := map[int][]*hit{}
	var roots []int
	for i := range hits {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], hits[i])
	}
	out := make([]Finding, 0, len(roots))
	for _, r := range roots {
		members := groups[r]
		merged := *members[0]
		var ids, recs []string
		for i, h := range members {
			if i > 0 {
				mergeHit(&merged, h, cmp)
			}
			ids = append(ids, h.ids...)
			recs = append(recs, h.id)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		slices.Sort(recs)
		primary := recs[0]
		for _, id := range ids {
			if strings.HasPrefix(id, "CVE-") {
				primary = id
				break
			}
		}
		aliases := make([]string, 0, len(ids))
		for _, id := range ids {
			if id != primary {
				aliases = append(aliases, id)
			}
		}
		f := Finding{
			VulnID:       primary,
			Aliases:      aliases,
			Records:      recs,
			FixedVersion: merged.fixed,
			Status:       merged.status,
			Severity:     merged.severity,
		}
		if merged.status == StatusNotEvaluated {
			f.Reason = merged.reason
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Finding) int { return strings.Compare(a.VulnID, b.VulnID) })
	return out
}
