package scan

import (
	"context"
	"fmt"
	"slices"
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
		var found []finding.Finding
		for _, rl := range opts.Rules {
			if !slices.Contains(kinds, rl.Kind) {
				continue
			}
			sev, override := opts.Severity[rl.ID]
			pass := rule.NewPass(rl, f, func(fd finding.Finding) {
				if override {
					fd.Severity = sev
				}
				found = append(found, fd)
			})
			pass.Settings = opts.Settings
			if err := runCheck(rl, pass); err != nil {
				res.Errors = append(res.Errors, FileError{Path: f.Path, Err: fmt.Sprintf("rule %s: %v", rl.ID, err)})
			}
		}
		if opts.Matcher != nil {
			opts.Matcher.Apply(found, f.Directives)
		}
		res.Findings = append(res.Findings, found...)
	}
	sort.SliceStable(res.Findings, func(i, j int) bool { return finding.Less(&res.Findings[i], &res.Findings[j]) })
	return res
}
