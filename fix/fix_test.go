package fix

import (
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
)

func TestApply(t *testing.T) {
	src := []byte("ADD a /a\nMAINTAINER me\n")
	edit := func(s, e int, text string) []finding.Fix {
		return []finding.Fix{{Title: "t", Edits: []finding.Edit{{Start: s, End: e, NewText: text}}}}
	}
	fs := []finding.Finding{
		{RuleID: "A", Fixes: edit(0, 3, "COPY")},
		{RuleID: "B", Fixes: edit(1, 2, "X")},    // overlaps A: skipped
		{RuleID: "C"},                            // no fix
		{RuleID: "D", Fixes: edit(0, 3, "COPY")}, // same edit as A: counted as applied once
		{RuleID: "E", Fixes: edit(9, 22, `LABEL org.opencontainers.image.authors="me"`)},
	}
	out, outcomes := Apply(src, fs)
	if want := "COPY a /a\nLABEL org.opencontainers.image.authors=\"me\"\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
	applied := map[string]bool{}
	for _, o := range outcomes {
		applied[o.Finding.RuleID] = o.Applied
	}
	if !applied["A"] || applied["B"] || applied["C"] || !applied["D"] || !applied["E"] {
		t.Errorf("outcomes %v", applied)
	}
}

// TestApplyNeverPanics covers a replacement taken before an insertion at
// its start, and overlapping edits inside one fix.
func TestApplyNeverPanics(t *testing.T) {
	src := []byte("0123456789abcdef")
	fix := func(es ...finding.Edit) []finding.Fix { return []finding.Fix{{Title: "t", Edits: es}} }
	fs := []finding.Finding{
		{RuleID: "A", Fixes: fix(finding.Edit{Start: 5, End: 10, NewText: "X"})},
		{RuleID: "B", Fixes: fix(finding.Edit{Start: 5, End: 5, NewText: "Y"})},
		{RuleID: "C", Fixes: fix(finding.Edit{Start: 1, End: 3, NewText: "P"}, finding.Edit{Start: 2, End: 2, NewText: "Q"})},
		{RuleID: "D", Fixes: fix(finding.Edit{Start: 12, End: 12, NewText: "Z"})},
	}
	out, outcomes := Apply(src, fs)
	if string(out) != "01234Xab"+"Z"+"cdef" {
		t.Errorf("got %q", out)
	}
	applied := ""
	for _, o := range outcomes {
		if o.Applied {
			applied += o.Finding.RuleID
		}
	}
	if applied != "AD" {
		t.Errorf("applied %q, want AD", applied)
	}
}
