package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/inventory"
	"github.com/bulwark-sec/bulwark/vuln/match"
)

// vulnLevels are the severity levels of vulnerability findings, most severe
// first, as --severity and --fail-on accept them.
var vulnLevels = []match.Level{match.LevelCritical, match.LevelHigh, match.LevelMedium, match.LevelLow, match.LevelNegligible, match.LevelNone, match.LevelUnknown}

func parseVulnLevel(s string) (match.Level, bool) {
	for _, l := range vulnLevels {
		if strings.EqualFold(s, string(l)) {
			return l, true
		}
	}
	return "", false
}

// imageVuln is one vulnerability finding of the image command's output.
type imageVuln struct {
	Package   string `json:"package"`
	Installed string `json:"installed_version"`
	// SourcePackage is the package the advisory is filed under (dpkg
	// Source, apk origin), when it differs from Package.
	SourcePackage string          `json:"source_package,omitempty"`
	PURL          string          `json:"purl,omitempty"`
	Layer         inventory.Layer `json:"layer"`
	match.Finding
}

type imageReport struct {
	Image     string      `json:"image"`
	ID        string      `json:"id"`
	OS        string      `json:"os,omitempty"`
	Ecosystem string      `json:"ecosystem,omitempty"`
	Packages  int         `json:"packages"`
	Problems  []string    `json:"problems,omitempty"`
	Vulns     []imageVuln `json:"vulnerabilities"`
}

func newImageCmd(e *env) *cobra.Command {
	var (
		dbPath, platform, format, failOn string
		severities                       []string
		ignoreUnfixed, insecure          bool
	)
	cmd := &cobra.Command{
		Use:   "image REF",
		Short: "Scan a container image's OS packages for known vulnerabilities",
		Long: `Scan the OS packages of a container image (dpkg and apk databases) against the
vulnerability database built by 'bulwark db import'.

REF is a registry reference, or a prefixed source: registry:NAME,
docker-archive:FILE (docker save), oci:DIR (OCI layout), docker:NAME (daemon).

Each vulnerability names the package, its installed version, the version that
fixes it, the severity and the layer that last wrote the package database
(the layer that installed or upgraded the package, in a first approximation).

--severity filters what is shown; --fail-on sets the lowest severity of a shown
vulnerability that makes the run exit 1 (none: never). Findings whose version
could not be evaluated are shown with status not_evaluated and never fail the run.`,
		Example: `  bulwark db import alpine-all.zip
  bulwark image alpine:3.18
  bulwark image oci:./layout --format json --fail-on CRITICAL`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("image needs exactly one REF")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageErr("--format must be table or json, not %q", format)
			}
			var threshold match.Level
			if !strings.EqualFold(failOn, "none") {
				l, ok := parseVulnLevel(failOn)
				if !ok {
					return usageErr("--fail-on: unknown severity %q (want CRITICAL, HIGH, MEDIUM, LOW, NEGLIGIBLE, NONE, UNKNOWN or none)", failOn)
				}
				threshold = l
			}
			show := map[match.Level]bool{}
			for _, s := range severities {
				for _, part := range strings.Split(s, ",") {
					l, ok := parseVulnLevel(strings.TrimSpace(part))
					if !ok {
						return usageErr("--severity: unknown severity %q", part)
					}
					show[l] = true
				}
			}
			path := dbPath
			if path == "" {
				p, err := db.DefaultPath()
				if err != nil {
					return &exitError{code: exitUsage, err: fmt.Errorf("%w; pass --db", err)}
				}
				path = p
			}
			d, err := openDB(path)
			if err != nil {
				return err
			}
			defer d.Close()

			ctx := c.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			img, err := image.Open(ctx, args[0], image.Options{Platform: platform, Insecure: insecure})
			if err != nil {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("opening image: %w", err)}
			}
			inv, err := inventory.Collect(ctx, img, inventory.Options{})
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			rep := imageReport{Image: args[0], ID: img.ID.String(), OS: inv.Release.PrettyName, Packages: len(inv.Packages), Problems: inv.Problems, Vulns: []imageVuln{}}
			if !inv.Ecosystem.IsZero() {
				rep.Ecosystem = inv.Ecosystem.String()
			}
			m := match.New(d, match.Options{IgnoreUnfixed: ignoreUnfixed})
			fail := false
			for _, p := range inv.Packages {
				if p.Ecosystem.IsZero() {
					continue
				}
				fs, err := m.MatchPackage(p.Package)
				if err != nil {
					return &exitError{code: exitIncomplete, err: fmt.Errorf("matching %s: %w", p.Name, err)}
				}
				for _, f := range fs {
					if len(show) > 0 && !show[f.Severity.Level] {
						continue
					}
					v := imageVuln{Package: p.Name, Installed: p.Version, PURL: p.PURL, Layer: p.Layer, Finding: f}
					if p.SrcName != "" && p.SrcName != p.Name {
						v.SourcePackage = p.SrcName
					}
					rep.Vulns = append(rep.Vulns, v)
					if threshold != "" && f.Status != match.StatusNotEvaluated && f.Severity.Level.Rank() >= threshold.Rank() {
						fail = true
					}
				}
			}
			if err := writeImageReport(e.stdout, rep, format); err != nil {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("writing output: %w", err)}
			}
			if fail {
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dbPath, "db", "", "vulnerability database (default <user cache dir>/bulwark/db/osv.db)")
	fl.StringVar(&platform, "platform", "", "platform to pick from a multi-platform image, as os/arch[/variant]")
	fl.BoolVar(&insecure, "insecure", false, "allow plain-HTTP registries")
	fl.StringVar(&format, "format", "table", "output format: table or json")
	fl.StringVar(&failOn, "fail-on", "HIGH", "lowest severity of a shown vulnerability that makes the run exit 1, or none")
	fl.StringSliceVar(&severities, "severity", nil, "show only these severities (comma-separated; default all)")
	fl.BoolVar(&ignoreUnfixed, "ignore-unfixed", false, "leave out vulnerabilities with no fixed version")
	return cmd
}

func writeImageReport(w io.Writer, rep imageReport, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(w, "%s (%s)\n", rep.Image, rep.ID)
	osName := rep.OS
	if osName == "" {
		osName = "unknown OS"
	}
	fmt.Fprintf(w, "%s, ecosystem %s, %d packages, %d vulnerabilities\n", osName, orDash(rep.Ecosystem), rep.Packages, len(rep.Vulns))
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "warning: %s\n", p)
	}
	if len(rep.Vulns) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tINSTALLED\tFIXED\tVULNERABILITY\tSEVERITY\tLAYER")
	for _, v := range rep.Vulns {
		fixed := v.FixedVersion
		if v.Status == match.StatusNotEvaluated {
			fixed = "(not evaluated)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d %s\n", v.Package, v.Installed, orDash(fixed), v.VulnID, v.Severity.Level, v.Layer.Index, shortCreatedBy(v.Layer.CreatedBy))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func shortCreatedBy(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "/bin/sh -c #(nop)"))
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}
