package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/runtime/detect"
	rulesfile "github.com/bulwark-sec/bulwark/runtime/rules"
)

// maxRulesFileSize bounds what 'rules lint' reads of one file.
const maxRulesFileSize = 32 << 20

// lintOptions are the loader options of 'rules lint': the sources Bulwark
// reads (k8s_audit, docker) and the condition compiler, so lint also
// compiles every condition and output against the source's fields.
func lintOptions() rulesfile.Options {
	return detect.RulesOptions(detect.Options{})
}

// lintReport is the JSON shape of 'rules lint --format json'.
type lintReport struct {
	Files                 []string               `json:"files"`
	EngineVersion         string                 `json:"engine_version"`
	RequiredEngineVersion string                 `json:"required_engine_version,omitempty"`
	Rules                 int                    `json:"rules"`
	Skipped               int                    `json:"skipped"`
	Lists                 int                    `json:"lists"`
	Macros                int                    `json:"macros"`
	Errors                int                    `json:"errors"`
	Warnings              int                    `json:"warnings"`
	Diagnostics           []rulesfile.Diagnostic `json:"diagnostics"`
}

func newRulesLintCmd(e *env) *cobra.Command {
	var format string
	var strict bool
	c := &cobra.Command{
		Use:   "lint FILE...",
		Short: "Check Falco rules files as Falco would load them",
		Long: `Load Falco rules files in order, as Falco does (later files append to and
override earlier ones), and report every error and warning with its file, line
and column: FILE:LINE:COL: error|warning: MESSAGE [FALCO_CODE].

Rules of sources Bulwark does not read (anything but k8s_audit and docker) are
skipped with a warning. Bulwark claims Falco engine version ` + rulesfile.DefaultEngineVersion + `.

Exit codes: 0 no error (warnings allowed unless --strict), 1 errors (or
warnings with --strict), 2 usage error, 3 a file could not be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			format = strings.ToLower(format)
			if format != "text" && format != "json" {
				return usageErr("--format: want text or json, not %q", format)
			}
			files := make([]rulesfile.File, 0, len(args))
			for _, p := range args {
				data, err := readRulesFile(p)
				if err != nil {
					return &exitError{code: exitIncomplete, err: err}
				}
				files = append(files, rulesfile.File{Name: p, Data: data})
			}
			opts := lintOptions()
			rs, err := rulesfile.Load(files, opts)
			var le *rulesfile.LoadError
			if err != nil && !errors.As(err, &le) {
				return &exitError{code: exitUsage, err: err}
			}
			nerr, nwarn := len(rs.Errors()), len(rs.Warnings())
			if format == "json" {
				rep := lintReport{Files: args, EngineVersion: rulesfile.DefaultEngineVersion, RequiredEngineVersion: rs.RequiredEngineVersion,
					Rules: len(rs.Rules), Skipped: len(rs.Skipped), Lists: len(rs.Lists), Macros: len(rs.Macros),
					Errors: nerr, Warnings: nwarn, Diagnostics: rs.Diagnostics}
				if rep.Diagnostics == nil {
					rep.Diagnostics = []rulesfile.Diagnostic{}
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return &exitError{code: exitIncomplete, err: fmt.Errorf("writing report: %w", err)}
				}
			} else {
				for _, d := range rs.Diagnostics {
					fmt.Fprintln(e.stdout, d.String())
				}
				fmt.Fprintf(e.stdout, "%d rules loaded, %d skipped, %d lists, %d macros: %d errors, %d warnings\n",
					len(rs.Rules), len(rs.Skipped), len(rs.Lists), len(rs.Macros), nerr, nwarn)
			}
			if nerr > 0 || strict && nwarn > 0 {
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	c.Flags().BoolVar(&strict, "strict", false, "exit 1 on warnings too")
	return c
}

func readRulesFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRulesFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxRulesFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, maxRulesFileSize>>20)
	}
	return data, nil
}
