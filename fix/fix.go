// Package fix applies the text edits that rules attach to findings and
// renders a unified diff of the result.
package fix

import (
	"fmt"
	"sort"

	"github.com/bulwark-sec/bulwark/finding"
)

// Outcome says what happened to one finding's fix.
type Outcome struct {
	Finding finding.Finding
	Applied bool
	// Why tells why a fix was not applied.
	Why string
}

// Apply applies the first fix of each finding to src. A fix whose edits
// overlap an edit already taken is skipped and reported, so the result is
// always well formed; run the scan again to pick up the rest.
func Apply(src []byte, fs []finding.Finding) ([]byte, []Outcome) {
	var outcomes []Outcome
	var taken []finding.Edit
	for _, f := range fs {
		if len(f.Fixes) == 0 {
			outcomes = append(outcomes, Outcome{Finding: f, Why: "the rule has no mechanical fix for this finding"})
			continue
		}
		fx := f.Fixes[0]
		ok := true
		for i, e := range fx.Edits {
			if e.Start < 0 || e.End < e.Start || e.End > len(src) {
				ok = false
				break
			}
			for _, t := range append(taken[:len(taken):len(taken)], fx.Edits[:i]...) {
				if overlap(e, t) {
					ok = false
				}
			}
		}
		// Identical edits from two findings (the same cleanup asked twice)
		// are taken once.
		if !ok && allDuplicates(fx.Edits, taken) {
			outcomes = append(outcomes, Outcome{Finding: f, Applied: true})
			continue
		}
		if !ok {
			outcomes = append(outcomes, Outcome{Finding: f, Why: "its edits overlap another fix; run fix again"})
			continue
		}
		taken = append(taken, fx.Edits...)
		outcomes = append(outcomes, Outcome{Finding: f, Applied: true})
	}
	sort.SliceStable(taken, func(i, j int) bool {
		if taken[i].Start != taken[j].Start {
			return taken[i].Start < taken[j].Start
		}
		return taken[i].End < taken[j].End
	})
	out := make([]byte, 0, len(src)+64)
	last := 0
	for _, e := range taken {
		if e.Start < last {
			continue // cannot happen after the overlap checks; never corrupt the file
		}
		out = append(out, src[last:e.Start]...)
		out = append(out, e.NewText...)
		last = e.End
	}
	out = append(out, src[last:]...)
	return out, outcomes
}

// overlap reports whether two edits touch the same bytes. Two insertions
// at one offset overlap (their order would be arbitrary), and so does an
// insertion inside or at the start of a replaced range.
func overlap(a, b finding.Edit) bool {
	if a.Start < b.End && b.Start < a.End {
		return true
	}
	if a.Start == a.End && b.Start <= a.Start && a.Start < b.End {
		return true
	}
	if b.Start == b.End && a.Start <= b.Start && b.Start < a.End {
		return true
	}
	return a.Start == a.End && b.Start == b.End && a.Start == b.Start
}

func allDuplicates(es, taken []finding.Edit) bool {
	for _, e := range es {
		found := false
		for _, t := range taken {
			if t == e {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return len(es) > 0
}

// String describes an outcome.
func (o Outcome) String() string {
	if o.Applied {
		return fmt.Sprintf("%s %s: fixed", o.Finding.Location, o.Finding.RuleID)
	}
	return fmt.Sprintf("%s %s: not fixed: %s", o.Finding.Location, o.Finding.RuleID, o.Why)
}
