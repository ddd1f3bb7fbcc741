package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aymanbagabas/go-udiff"
	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/fix"
	"github.com/bulwark-sec/bulwark/scan"
)

// maxFixRounds bounds how many times fix re-scans one file to apply the
// fixes that overlapped an earlier one.
const maxFixRounds = 10

func newFixCmd(e *env) *cobra.Command {
	var (
		f    scanFlags
		diff bool
		only []string
	)
	c := &cobra.Command{
		Use:   "fix [PATH...]",
		Short: "Apply the mechanical fixes of findings",
		Long: `Fix scans like 'bulwark scan' and applies the fix of every unsuppressed
finding that has one, rewriting the files in place. Fixes that edit the
same place (two settings added to one securityContext) are applied in
turns: the edited file is scanned again, in memory, until nothing more
applies. With --diff it only prints a unified diff. It lists the
findings it could not fix.

Exit codes: 0 when everything that could be fixed was, 2 on usage errors,
3 when an input could not be read, parsed or written.`,
		Example: `  bulwark fix --diff .
  bulwark fix Dockerfile --rule DF020`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			p, err := newPipeline(f, args)
			if err != nil {
				return err
			}
			want := map[string]bool{}
			for _, name := range only {
				r, ok := p.reg.Lookup(name)
				if !ok {
					return usageErr("--rule: unknown rule %q", name)
				}
				want[r.ID] = true
			}
			res, err := p.run(context.Background(), args)
			if err != nil {
				return err
			}
			keep := func(fd finding.Finding) bool {
				return fd.Suppressed == nil && (len(want) == 0 || want[fd.RuleID])
			}
			byFile := map[string][]finding.Finding{}
			for _, fd := range res.Findings {
				if keep(fd) {
					byFile[fd.Location.Path] = append(byFile[fd.Location.Path], fd)
				}
			}
			errCount := map[string]int{}
			for _, fe := range res.Errors {
				errCount[fe.Path]++
			}
			failed := len(res.Errors) > 0
			for _, fe := range res.Errors {
				fmt.Fprintf(e.stderr, "bulwark: %s\n", fe.Error())
			}
			fixed, unfixed := 0, 0
			for i, path := range res.Paths {
				fs := byFile[path]
				if len(fs) == 0 {
					continue
				}
				src, err := scan.ReadFile(filepath.FromSlash(path), maxBytes(f.maxBytes))
				if err != nil {
					fmt.Fprintf(e.stderr, "bulwark: %s: %v\n", path, err)
					failed = true
					continue
				}
				out, n, left := fixFile(p, res.Targets[i], src, fs, keep, errCount[path])
				fixed += n
				for _, o := range left {
					unfixed++
					fmt.Fprintf(e.stderr, "not fixed: %s %s: %s (%s)\n", o.Finding.Location, o.Finding.RuleID, o.Finding.Message, o.Why)
				}
				if string(out) == string(src) {
					continue
				}
				if diff {
					fmt.Fprint(e.stdout, udiff.Unified("a/"+path, "b/"+path, string(src), string(out)))
					continue
				}
				if err := writeFile(filepath.FromSlash(path), out); err != nil {
					fmt.Fprintf(e.stderr, "bulwark: %s: %v\n", path, err)
					failed = true
				}
			}
			verb := "fixed"
			if diff {
				verb = "fixable"
			}
			fmt.Fprintf(e.stderr, "%d %s %s, %d without a mechanical fix\n", fixed, plural(fixed, "finding"), verb, unfixed)
			if failed {
				return &exitError{code: exitIncomplete}
			}
			return nil
		},
	}
	addScanFlags(c, &f)
	c.Flags().BoolVar(&diff, "diff", false, "print a unified diff instead of writing files")
	c.Flags().StringArrayVar(&only, "rule", nil, "fix only findings of this rule (repeatable)")
	return c
}

// fixFile applies the fixes of the findings fs of one file to its
// content src. Fixes skipped because they overlap another are applied in
// later rounds: the edited content is scanned again and the fixes of its
// findings applied, until a round applies nothing, no fix is left, or
// maxFixRounds. A round whose scan reports more errors than the file had
// (errs) is not taken. It returns the new content, how many fixes were
// applied and the findings left unfixed.
func fixFile(p *pipeline, t scan.Target, src []byte, fs []finding.Finding, keep func(finding.Finding) bool, errs int) ([]byte, int, []fix.Outcome) {
	out, fixed := src, 0
	var left []fix.Outcome
	for round := 0; ; round++ {
		next, outcomes := fix.Apply(out, fs)
		var skipped []fix.Outcome
		applied := 0
		for _, o := range outcomes {
			switch {
			case o.Applied:
				applied++
			case len(o.Finding.Fixes) > 0:
				skipped = append(skipped, o)
			case round == 0:
				left = append(left, o) // later rounds see these again
			}
		}
		if round > 0 && applied > 0 {
			// Take the round only if the edited content still reads as well
			// as the file did.
			if res := scan.AnalyzeData(t, next, p.opts); len(res.Errors) > errs {
				return out, fixed, append(left, skipped...)
			}
		}
		out, fixed = next, fixed+applied
		if len(skipped) == 0 || applied == 0 || round+1 == maxFixRounds {
			return out, fixed, append(left, skipped...)
		}
		fs = fs[:0:0]
		for _, fd := range scan.AnalyzeData(t, out, p.opts).Findings {
			if len(fd.Fixes) > 0 && keep(fd) {
				fs = append(fs, fd)
			}
		}
		if len(fs) == 0 {
			return out, fixed, left
		}
	}
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

// maxBytes is the file size limit in effect.
func maxBytes(flag int) int {
	if flag > 0 {
		return flag
	}
	return scan.DefaultMaxFileBytes
}

// writeFile replaces path's content, keeping its mode. A symbolic link is
// followed, so the file it points at is rewritten and the link kept.
func writeFile(path string, data []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".bulwark-fix-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
