package osv

import (
	"errors"
	"fmt"
	"slices"
)

// Comparer orders two versions of one ecosystem: it returns a negative
// number when a < b, zero when they are equal and a positive number when
// a > b, or an error when either version cannot be parsed.
// The per-ecosystem implementations live in package vuln/version.
type Comparer interface {
	Compare(a, b string) (int, error)
}

// Verdict is the outcome of evaluating one version against one affected
// entry.
type Verdict struct {
	// Affected reports whether the version is affected.
	Affected bool
	// Fixed is the smallest "fixed" version greater than the evaluated
	// version among the entry's ECOSYSTEM and SEMVER ranges; it is set only
	// when Affected is true and is empty when no fix is known.
	Fixed string
	// Evaluated is false when the entry has neither an explicit versions
	// list nor any ECOSYSTEM or SEMVER range (GIT ranges only), so nothing
	// could be decided about the version.
	Evaluated bool
}

// Evaluate decides whether version is affected by the entry, following the
// OSV schema's evaluation rules: a version listed in Versions is affected;
// otherwise each ECOSYSTEM or SEMVER range is evaluated with cmp (GIT
// ranges, which hold commit hashes, are skipped). The package name and
// ecosystem are not checked here: the caller picks the entries that name
// the package.
//
// An error (an empty or unparsable version, a malformed event) means the
// version could not be evaluated; it is never reported as affected.
func (a *Affected) Evaluate(version string, cmp Comparer) (Verdict, error) {
	if version == "" {
		return Verdict{}, errors.New("evaluate OSV entry: empty version")
	}
	var v Verdict
	if len(a.Versions) > 0 {
		v.Evaluated = true
		v.Affected = slices.Contains(a.Versions, version)
	}
	for i := range a.Ranges {
		r := &a.Ranges[i]
		if r.Type != RangeEcosystem && r.Type != RangeSemver {
			continue
		}
		v.Evaluated = true
		if v.Affected {
			continue
		}
		in, err := r.Includes(version, cmp)
		if err != nil {
			return Verdict{}, fmt.Errorf("evaluate %s %s %s: %w", a.Package.Ecosystem, a.Package.Name, version, err)
		}
		v.Affected = in
	}
	if !v.Affected {
		return v, nil
	}
	fixed, err := a.nextFixed(version, cmp)
	if err != nil {
		return Verdict{}, fmt.Errorf("evaluate %s %s %s: %w", a.Package.Ecosystem, a.Package.Name, version, err)
	}
	v.Fixed = fixed
	return v, nil
}

// nextFixed returns the smallest fixed event greater than version among
// the ECOSYSTEM and SEMVER ranges.
func (a *Affected) nextFixed(version string, cmp Comparer) (string, error) {
	best := ""
	for _, r := range a.Ranges {
		if r.Type != RangeEcosystem && r.Type != RangeSemver {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed == "" {
				continue
			}
			c, err := cmp.Compare(e.Fixed, version)
			if err != nil {
				return "", err
			}
			if c <= 0 {
				continue
			}
			if best != "" {
				if c, err = cmp.Compare(e.Fixed, best); err != nil {
					return "", err
				} else if c >= 0 {
					continue
				}
			}
			best = e.Fixed
		}
	}
	return best, nil
}

// eventKind ranks event kinds so that, at equal versions, an interval is
// opened before it is closed.
type eventKind int

const (
	kindIntroduced eventKind = iota
	kindLastAffected
	kindFixed
	kindLimit
)

func (e Event) kindValue() (eventKind, string, error) {
	n := 0
	var k eventKind
	var val string
	for _, f := range []struct {
		k eventKind
		v string
	}{{kindIntroduced, e.Introduced}, {kindLastAffected, e.LastAffected}, {kindFixed, e.Fixed}, {kindLimit, e.Limit}} {
		if f.v != "" {
			n++
			k, val = f.k, f.v
		}
	}
	if n != 1 {
		return 0, "", fmt.Errorf("event must hold exactly one of introduced, fixed, last_affected, limit (has %d)", n)
	}
	return k, val, nil
}

// Includes reports whether version falls in the range, per the OSV
// schema's algorithm: events sorted by version (introduced "0" first), an
// introduced event at or below the version opens, a fixed event at or below
// it closes, a last_affected event below it closes; and the version must be
// below at least one limit when the range has limits ("*" is no limit).
// The range's type is not checked: callers skip GIT ranges.
func (r *Range) Includes(version string, cmp Comparer) (bool, error) {
	type ev struct {
		kind eventKind
		val  string
	}
	evs := make([]ev, 0, len(r.Events))
	var limits []string
	for _, e := range r.Events {
		k, val, err := e.kindValue()
		if err != nil {
			return false, err
		}
		if k == kindLimit {
			if val != "*" {
				limits = append(limits, val)
			}
			continue
		}
		evs = append(evs, ev{k, val})
	}
	if len(limits) > 0 {
		below := false
		for _, l := range limits {
			c, err := cmp.Compare(version, l)
			if err != nil {
				return false, fmt.Errorf("compare with limit: %w", err)
			}
			if c < 0 {
				below = true
				break
			}
		}
		if !below {
			return false, nil
		}
	}
	var sortErr error
	slices.SortStableFunc(evs, func(x, y ev) int {
		xz := x.kind == kindIntroduced && x.val == "0"
		yz := y.kind == kindIntroduced && y.val == "0"
		switch {
		case xz && yz:
			return 0
		case xz:
			return -1
		case yz:
			return 1
		}
		c, err := cmp.Compare(x.val, y.val)
		if err != nil {
			if sortErr == nil {
				sortErr = err
			}
			return 0
		}
		if c != 0 {
			return c
		}
		return int(x.kind) - int(y.kind)
	})
	if sortErr != nil {
		return false, fmt.Errorf("sort range events: %w", sortErr)
	}
	affected := false
	for _, e := range evs {
		if e.kind == kindIntroduced && e.val == "0" {
			affected = true
			continue
		}
		c, err := cmp.Compare(version, e.val)
		if err != nil {
			return false, err
		}
		switch e.kind {
		case kindIntroduced:
			if c >= 0 {
				affected = true
			}
		case kindFixed:
			if c >= 0 {
				affected = false
			}
		case kindLastAffected:
			if c > 0 {
				affected = false
			}
		}
	}
	return affected, nil
}
