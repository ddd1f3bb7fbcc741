package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/scan"
)

func validGlob(g string) bool { return doublestar.ValidatePattern(g) }

func addScanFlags(c *cobra.Command, f *scanFlags) {
	c.Flags().StringVar(&f.configPath, "config", "", "config file (default: .bulwark.yaml found by walking up from the first path)")
	c.Flags().StringArrayVar(&f.skip, "skip", nil, "skip paths matching this glob while walking (repeatable; ** allowed)")
	c.Flags().IntVar(&f.workers, "workers", runtime.NumCPU(), "files analysed in parallel")
	c.Flags().BoolVar(&f.strict, "strict", false, "ignore inline suppression comments")
	c.Flags().StringArrayVar(&f.disable, "disable", nil, "do not run this rule (ID or slug; repeatable)")
	c.Flags().IntVar(&f.maxBytes, "max-file-size", scan.DefaultMaxFileBytes, "largest file analysed, in bytes")
	c.Flags().StringArrayVar(&f.trusted, "trusted-registry", nil, "registry base images may come from (host glob such as *.gcr.io; repeatable; default: any)")
}

func parseSeverities(list []string) (map[finding.Severity]bool, error) {
	if len(list) == 0 {
		return nil, nil
	}
	m := map[finding.Severity]bool{}
	for _, item := range list {
		for _, s := range strings.Split(item, ",") {
			sev, err := finding.ParseSeverity(s)
			if err != nil {
				return nil, err
			}
			m[sev] = true
		}
	}
	return m, nil
}

func newScanCmd(e *env) *cobra.Command {
	var (
		f         scanFlags
		format    string
		output    string
		severity  []string
		failOn    string
		colorMode string
	)
	c := &cobra.Command{
		Use:   "scan [PATH...]",
		Short: "Scan files and folders for weaknesses",
		Long: `Scan walks the given files and folders (default ".") and analyses every
Dockerfile it finds: Dockerfile, Dockerfile.*, *.Dockerfile, *.dockerfile,
Containerfile. A file named explicitly is analysed whatever its name. .git,
vendor and node_modules are never walked; --skip globs and the config's
exclude list are applied while walking.

--severity filters what is shown; --fail-on sets the lowest severity of a
shown, unsuppressed finding that makes the run exit 1.`,
		Example: `  bulwark scan
  bulwark scan examples/ --format sarif --output bulwark.sarif
  bulwark scan . --fail-on CRITICAL --severity CRITICAL,HIGH`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			fmtName := report.Format(strings.ToLower(format))
			if !validFormat(fmtName) {
				return usageErr("--format: unknown format %q (want table, json, sarif or junit)", format)
			}
			show, err := parseSeverities(severity)
			if err != nil {
				return usageErr("--severity: %v", err)
			}
			p, err := newPipeline(f, args)
			if err != nil {
				return err
			}
			if show == nil && len(p.cfg.Severity) > 0 {
				show, _ = parseSeverities(p.cfg.Severity)
			}
			threshold := failOn
			if !cmd.Flags().Changed("fail-on") && p.cfg.FailOn != "" {
				threshold = p.cfg.FailOn
			}
			failSev := finding.Severity(finding.Critical + 1)
			if !strings.EqualFold(threshold, "none") {
				failSev, err = finding.ParseSeverity(threshold)
				if err != nil {
					return usageErr("--fail-on: %v", err)
				}
			}
			// Open the report file before the scan, so a bad path costs no
			// scan; it is renamed into place only once written in full.
			var out *atomicFile
			if output != "" {
				if out, err = createAtomic(output); err != nil {
					return usageErr("--output: %v", err)
				}
				defer out.abort()
			}
			switch colorMode {
			case "auto", "always", "never":
			default:
				return usageErr("--color: want auto, always or never")
			}
			res, err := p.run(context.Background(), args)
			if err != nil {
				return err
			}
			rep := &report.Report{
				Tool: "bulwark", Version: toolVersion(), Paths: res.Paths,
				Errors: res.Errors, Stale: p.matcher.Stale(), Rules: p.rules, FailOn: failSev,
			}
			for _, fd := range res.Findings {
				if show == nil || show[fd.Severity] {
					rep.Findings = append(rep.Findings, fd)
				}
			}
			var w io.Writer = e.stdout
			color := false
			if out != nil {
				w = out
			} else {
				color = colorMode == "always" ||
					colorMode == "auto" && e.terminal(e.stdout) && e.getenv("NO_COLOR") == "" && e.getenv("TERM") != "dumb"
			}
			err = report.Write(w, fmtName, rep, report.Options{Color: color})
			if err == nil && out != nil {
				err = out.commit()
			}
			if err != nil {
				// The scan ran but its report is lost: as incomplete as it gets.
				return &exitError{code: exitIncomplete, err: fmt.Errorf("writing report: %w", err)}
			}
			switch {
			case len(res.Errors) > 0:
				if output != "" || fmtName != report.Table {
					for _, fe := range res.Errors {
						fmt.Fprintf(e.stderr, "bulwark: %s\n", fe.Error())
					}
				}
				return &exitError{code: exitIncomplete}
			case rep.Failed():
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
	addScanFlags(c, &f)
	c.Flags().StringVarP(&format, "format", "f", "table", "output format: table, json, sarif or junit")
	c.Flags().StringVarP(&output, "output", "o", "", "write the report to this file instead of standard output")
	c.Flags().StringArrayVar(&severity, "severity", nil, "show only these severities (comma-separated: CRITICAL,HIGH,MEDIUM,LOW,INFO)")
	c.Flags().StringVar(&failOn, "fail-on", "HIGH", "exit 1 when a shown finding is at or above this severity (or 'none')")
	c.Flags().StringVar(&colorMode, "color", "auto", "colour the table: auto (only on a terminal), always or never")
	return c
}

func validFormat(f report.Format) bool {
	for _, x := range report.Formats() {
		if x == f {
			return true
		}
	}
	return false
}

// atomicFile is a report file written under a temporary name and renamed
// into place when complete, so a failed write never leaves half a report.
type atomicFile struct {
	*os.File
	target string
	done   bool
}

func createAtomic(target string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &atomicFile{File: f, target: target}, nil
}

func (a *atomicFile) commit() error {
	if err := a.Sync(); err != nil {
		return err
	}
	if err := a.Close(); err != nil {
		return err
	}
	if err := os.Chmod(a.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(a.Name(), a.target); err != nil {
		return err
	}
	a.done = true
	return nil
}

func (a *atomicFile) abort() {
	if !a.done {
		a.Close()
		os.Remove(a.Name())
	}
}
