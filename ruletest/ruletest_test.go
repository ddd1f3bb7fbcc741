package ruletest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/ruletest"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

// recorder captures the harness's errors instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Helper() {}

// lowerFrom reports every FROM keyword written in capitals with a fix that
// lower-cases it.
func lowerFrom(fixable bool) *rule.Rule {
	return &rule.Rule{
		ID: "TT001", Slug: "test-rule", Title: "test", Severity: finding.Info, Kind: rule.Dockerfile,
		Why: "test", Bad: "FROM x", Good: "from x", Remediation: "Lower-case it.", Fixable: fixable,
		Check: func(p *rule.Pass) error {
			f := p.Target.(*df.File)
			for _, in := range f.Instructions {
				if in.Keyword != "FROM" {
					continue
				}
				s := df.Span{Start: in.Span.Start, End: in.Span.Start + 4}
				fx := finding.Fix{Title: "Lower-case FROM", Edits: []finding.Edit{{
					Start: s.Start, End: s.End, From: f.Position(s.Start), To: f.Position(s.End), NewText: "from",
				}}}
				p.Report(f.Location(s), "FROM in capitals", fx)
			}
			return nil
		},
	}
}

// TestFixesNeedFixable checks that the harness rejects a finding that
// carries fixes when its rule is not marked Fixable, and accepts it when
// the rule is.
func TestFixesNeedFixable(t *testing.T) {
	dir := t.TempDir()
	src := "# want TT001 \"FROM in capitals\"\nFROM alpine:3.20\n# ok TT001 -- already lower-case\nfrom alpine:3.20\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	golden := strings.Replace(src, "FROM alpine", "from alpine", 1)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile.golden"), []byte(golden), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, fixable := range []bool{false, true} {
		r := lowerFrom(fixable)
		reg, err := rule.NewRegistry(r)
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{TB: t}
		ruletest.Run(rec, reg, r, dir)
		var flagged bool
		for _, e := range rec.errs {
			if strings.Contains(e, "carries a fix but the rule is not Fixable") {
				flagged = true
			} else {
				t.Errorf("fixable=%v: unexpected harness error: %s", fixable, e)
			}
		}
		if flagged == fixable {
			t.Errorf("fixable=%v: harness flagged the fix: %v, want %v", fixable, flagged, !fixable)
		}
	}
}
