package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/config"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/pss"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/rule"
	kuberules "github.com/bulwark-sec/bulwark/rules/kube"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/suppress"
)

// reportFlags are the flags of the commands that write a report (scan,
// docker).
type reportFlags struct {
	format    string
	output    string
	severity  []string
	failOn    string
	colorMode string
}

func addReportFlags(c *cobra.Command, f *reportFlags) {
	c.Flags().StringVarP(&f.format, "format", "f", "table", "output format: table, json, sarif or junit")
	c.Flags().StringVarP(&f.output, "output", "o", "", "write the report to this file instead of standard output")
	c.Flags().StringArrayVar(&f.severity, "severity", nil, "show only these severities (comma-separated: CRITICAL,HIGH,MEDIUM,LOW,INFO)")
	c.Flags().StringVar(&f.failOn, "fail-on", "HIGH", "exit 1 when a shown finding is at or above this severity (or 'none')")
	c.Flags().StringVar(&f.colorMode, "color", "auto", "colour the table: auto (only on a terminal), always or never")
}

// reporter writes a report as the flags say and turns it into an exit
// code.
type reporter struct {
	e       *env
	flags   reportFlags
	format  report.Format
	show    map[finding.Severity]bool
	failSev finding.Severity
	out     *atomicFile
	// pss, when set, is the Pod Security level every workload must meet:
	// a finding that says one does not fails the run whatever --fail-on
	// and --severity say.
	pss pss.Level
}

// checkReportFlags validates what needs no configuration, so a bad flag
// costs no config lookup.
func checkReportFlags(f reportFlags) (report.Format, map[finding.Severity]bool, error) {
	fmtName := report.Format(strings.ToLower(f.format))
	if !validFormat(fmtName) {
		return "", nil, usageErr("--format: unknown format %q (want table, json, sarif or junit)", f.format)
	}
	show, err := parseSeverities(f.severity)
	if err != nil {
		return "", nil, usageErr("--severity: %v", err)
	}
	return fmtName, show, nil
}

// newReporter validates the report flags, completes them with the
// configuration's defaults and opens the report file, before any scan, so
// a bad path costs no scan. Call abort when done.
func newReporter(cmd *cobra.Command, e *env, f reportFlags, fmtName report.Format, show map[finding.Severity]bool, cfg *config.Config) (*reporter, error) {
	if show == nil && len(cfg.Severity) > 0 {
		show, _ = parseSeverities(cfg.Severity)
	}
	threshold := f.failOn
	if !cmd.Flags().Changed("fail-on") && cfg.FailOn != "" {
		threshold = cfg.FailOn
	}
	failSev := finding.Severity(finding.Critical + 1)
	if !strings.EqualFold(threshold, "none") {
		var err error
		if failSev, err = finding.ParseSeverity(threshold); err != nil {
			return nil, usageErr("--fail-on: %v", err)
		}
	}
	r := &reporter{e: e, flags: f, format: fmtName, show: show, failSev: failSev}
	// The report file is renamed into place only once written in full.
	if f.output != "" {
		out, err := createAtomic(f.output)
		if err != nil {
			return nil, usageErr("--output: %v", err)
		}
		r.out = out
	}
	switch f.colorMode {
	case "auto", "always", "never":
	default:
		r.abort()
		return nil, usageErr("--color: want auto, always or never")
	}
	return r, nil
}

// abort removes an unfinished report file.
func (r *reporter) abort() {
	if r.out != nil {
		r.out.abort()
	}
}

// finish writes the report of res and returns the exit error: 3 when an
// input could not be analysed completely or the report not written, 1
// when a shown, unsuppressed finding reaches the threshold or, with
// --pss, a workload falls short of the level.
func (r *reporter) finish(res *scan.Result, rules []*rule.Rule, stale []suppress.Stale) error {
	rep := &report.Report{
		Tool: "bulwark", Version: toolVersion(), Paths: res.Paths, Notes: res.Notes,
		Errors: res.Errors, Stale: stale, Rules: rules, FailOn: r.failSev,
	}
	if err := r.write(rep, res.Findings); err != nil {
		return err
	}
	if r.pss != "" {
		if n := belowLevel(res.Findings, rules, r.pss); n > 0 {
			verb := "does"
			if n > 1 {
				verb = "do"
			}
			fmt.Fprintf(r.e.stderr, "bulwark: %d %s %s not meet the %s Pod Security Standard (--pss %s)\n",
				n, plural(n, "workload"), verb, r.pss, r.pss)
			return &exitError{code: exitFindings}
		}
	}
	return nil
}

// write adds the findings --severity shows to rep, writes it (in colour
// on a terminal, as --color says) and returns the exit error: 3 when rep
// has errors or could not be written, 1 when a shown, unsuppressed
// finding reaches the threshold, nil otherwise.
func (r *reporter) write(rep *report.Report, findings []finding.Finding) error {
	for _, fd := range findings {
		if r.show == nil || r.show[fd.Severity] {
			rep.Findings = append(rep.Findings, fd)
		}
	}
	var w io.Writer = r.e.stdout
	color := false
	if r.out != nil {
		w = r.out
	} else {
		color = r.flags.colorMode == "always" ||
			r.flags.colorMode == "auto" && r.e.terminal(r.e.stdout) && r.e.getenv("NO_COLOR") == "" && r.e.getenv("TERM") != "dumb"
	}
	err := report.Write(w, r.format, rep, report.Options{Color: color})
	if err == nil && r.out != nil {
		err = r.out.commit()
	}
	if err != nil {
		// The scan ran but its report is lost: as incomplete as it gets.
		return &exitError{code: exitIncomplete, err: fmt.Errorf("writing report: %w", err)}
	}
	switch {
	case len(rep.Errors) > 0:
		// The table lists errors itself; other formats and files get them
		// on standard error too.
		if r.out != nil || r.format != report.Table {
			for _, fe := range rep.Errors {
				fmt.Fprintf(r.e.stderr, "bulwark: %s\n", fe.Error())
			}
		}
		return &exitError{code: exitIncomplete}
	case rep.Failed():
		return &exitError{code: exitFindings}
	}
	return nil
}

// belowLevel counts the workloads that unsuppressed findings say do not meet
// the --pss level, shown or not.
func belowLevel(fs []finding.Finding, rules []*rule.Rule, level pss.Level) int {
	byID := map[string]*rule.Rule{}
	for _, rl := range rules {
		byID[rl.ID] = rl
	}
	workloads := map[string]bool{}
	for _, f := range fs {
		if rl := byID[f.RuleID]; f.Suppressed == nil && rl != nil && kuberules.Blocks(rl, level) {
			workloads[f.Location.Path+"\x00"+f.Location.Object] = true
		}
	}
	return len(workloads)
}
