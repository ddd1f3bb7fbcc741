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
finding that has one, rewriting the files in place. With --diff it only
prints a unified diff. It lists the findings it could not fix.

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
			byFile := map[string][]finding.Finding{}
			for _, fd := range res.Findings {
				if fd.Suppressed != nil || len(want) > 0 && !want[fd.RuleID] {
					continue
				}
				byFile[fd.Location.Path] = append(byFile[fd.Location.Path], fd)
			}
			failed := len(res.Errors) > 0
			for _, fe := range res.Errors {
				fmt.Fprintf(e.stderr, "bulwark: %s\n", fe.Error())
			}
			fixed, unfixed := 0, 0
			for _, path := range res.Paths {
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
				out, outcomes := fix.Apply(src, fs)
				for _, o := range outcomes {
					if o.Applied {
						fixed++
					} else {
						unfixed++
						fmt.Fprintf(e.stderr, "not fixed: %s %s: %s (%s)\n", o.Finding.Location, o.Finding.RuleID, o.Finding.Message, o.Why)
					}
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
