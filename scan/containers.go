package scan

import (
	"context"
	"sort"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/container"
)

// AnalyzeContainers runs the rules over container files that did not come
// from a file on disk (a live engine): Container rules over every file,
// Compose rules over files with a Compose model, Daemon rules over files
// with a Daemon. Suppressions apply as for files; findings are sorted.
func AnalyzeContainers(ctx context.Context, files []*container.File, opts Options) *Result {
	res := &Result{}
	for _, f := range files {
		res.Paths = append(res.Paths, f.Path)
		if ctx.Err() != nil {
			res.Errors = append(res.Errors, FileError{Path: f.Path, Err: "scan cancelled: " + ctx.Err().Error()})
			continue
		}
		kinds := []rule.Kind{rule.Container}
		if f.Compose != nil {
			kinds = append(kinds, rule.Compose)
		}
		if f.Daemon != nil {
			kinds = append(kinds, rule.Daemon)
		}
		r := runKinds(kinds, f.Path, f, opts)
		if opts.Matcher != nil {
			opts.Matcher.Apply(r.findings, f.Directives)
		}
		res.Findings = append(res.Findings, r.findings...)
		res.Errors = append(res.Errors, r.errs...)
		res.Notes = append(res.Notes, Notes(f)...)
	}
	sort.SliceStable(res.Findings, func(i, j int) bool { return finding.Less(&res.Findings[i], &res.Findings[j]) })
	return res
}
