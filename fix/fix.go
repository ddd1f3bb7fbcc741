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
		for _, e := range fx.Edits {
			if e.Start < 0 || e.End < e.Start || e.End > len(src) {
				ok = false
				break
			}
			for _, t := range taken {
				if e.Start < t.End && t.Start < e.End || e.Start == e.End && e.Start == t.Start && t.Start == t.End {
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
	sort.SliceStable(taken, func(i, j int) bool { return taken[i].Start < taken[j].Start })
	out := make([]byte, 0, len(src)+64)
	last := 0
	for _, e := range taken {
		out = append(out, src[last:e.Start]...)
		out = append(out, e.NewText...)
		last = e.End
	}
	out = append(out, src[last:]...)
	return out, outcomes
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
