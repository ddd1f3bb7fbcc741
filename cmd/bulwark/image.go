package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/config"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules"
	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/suppress"
	"github.com/bulwark-sec/bulwark/vuln/inventory"
	"github.com/bulwark-sec/bulwark/vuln/match"
)

// imageFlags are the flags of the image command besides the report flags.
type imageFlags struct {
	db                   dbFlags
	platform, configPath string
	// cacheDir holds the layer cache; noCache turns it off.
	cacheDir string
	noCache  bool
	// ignoreFile is a .trivyignore-style list of IDs to suppress.
	ignoreFile              string
	ignoreUnfixed, insecure bool
	disable, trusted        []string
}

func newImageCmd(e *env) *cobra.Command {
	var (
		f  imageFlags
		rf reportFlags
	)
	cmd := &cobra.Command{
		Use:   "image REF",
		Short: "Scan a container image's packages for known vulnerabilities",
		Long: `Scan the packages of a container image (dpkg, apk and rpm databases, language
package metadata, Go and Rust build information) against the vulnerability
database built by 'bulwark db import', and run the image rules on its config
and layers.

REF is a registry reference, or a prefixed source: registry:NAME,
docker-archive:FILE (docker save), oci:DIR (OCI layout), docker:NAME (daemon).
Without a prefix, a path (absolute, ./ or ../) or an existing file is read
locally (a directory as an OCI layout, a file as a docker save tarball).

Vulnerabilities are findings like those of 'bulwark scan': their rule ID is
the vulnerability ID (the CVE when there is one), and they go through the same
suppression (.bulwark.yaml ignore entries, by ID, image or package), severity
filter, gate and formats (table, json, sarif, junit). Each names the package,
its installed version, the version that fixes it and the layer that
installed it (for an OS package, the first of the layers whose database lists
it at that version; for a language package, the layer that wrote its metadata).

--severity filters what is shown (CRITICAL, HIGH, MEDIUM, LOW, INFO, UNKNOWN;
a NEGLIGIBLE rating is INFO); --fail-on sets the lowest severity of a shown,
unsuppressed finding that makes the run exit 1 (none: never). A vulnerability
of UNKNOWN severity never reaches a threshold, and one whose version could not
be evaluated (status not_evaluated) is shown but never fails the run.
--ignore-unfixed leaves out vulnerabilities with no fixed version.`,
		Example: `  bulwark db import alpine-all.zip
  bulwark image alpine:3.18
  bulwark image oci:./layout --format sarif --output image.sarif
  bulwark image debian:12 --fail-on CRITICAL --ignore-unfixed`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("image needs exactly one REF")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if f.platform != "" {
				if _, err := v1.ParsePlatform(f.platform); err != nil {
					return usageErr("--platform: %v", err)
				}
			}
			if strings.EqualFold(rf.format, "cyclonedx") {
				if err := checkSBOMFlags(rf); err != nil {
					return err
				}
				return runImageSBOM(ctx, e, &f, rf, args[0])
			}
			if !validFormat(report.Format(strings.ToLower(rf.format))) {
				return usageErr("--format: unknown format %q (want table, json, sarif, junit or cyclonedx)", rf.format)
			}
			return runImage(ctx, c, e, &f, rf, args[0])
		},
	}
	fl := cmd.Flags()
	f.db.register(fl)
	fl.StringVar(&f.cacheDir, "cache-dir", "", "layer cache directory: each layer's analysis is kept by diff ID, so a later scan reads only new layers (default <user cache dir>/bulwark/layers)")
	fl.BoolVar(&f.noCache, "no-cache", false, "neither read nor write the layer cache")
	fl.StringVar(&f.platform, "platform", "", "platform to pick from a multi-platform image, as os/arch[/variant]")
	fl.BoolVar(&f.insecure, "insecure", false, "allow plain-HTTP registries")
	fl.BoolVar(&f.ignoreUnfixed, "ignore-unfixed", false, "leave out vulnerabilities with no fixed version")
	fl.StringVar(&f.configPath, "config", "", "config file (default: .bulwark.yaml found by walking up from the working directory)")
	fl.StringVar(&f.ignoreFile, "ignore-file", "", "suppress the rule and vulnerability IDs listed in this file (one a line, as in .trivyignore: # comments, exp:YYYY-MM-DD)")
	fl.StringArrayVar(&f.disable, "disable", nil, "do not run this image rule (ID or slug; repeatable)")
	fl.StringArrayVar(&f.trusted, "trusted-registry", nil, "registry images may come from, for the image rules (host glob such as *.gcr.io; repeatable; default: any)")
	addReportFlags(cmd, &rf)
	cmd.Flags().Lookup("format").Usage = "output format: table, json, sarif, junit, or cyclonedx (the image's packages as a CycloneDX 1.6 SBOM; no database needed)"
	cmd.Flags().Lookup("severity").Usage = "show only these severities (comma-separated: CRITICAL,HIGH,MEDIUM,LOW,INFO,UNKNOWN)"
	return cmd
}

// checkSBOMFlags validates the report flags an SBOM does not use, so
// that a wrong value is a usage error whatever the format.
func checkSBOMFlags(rf reportFlags) error {
	if _, err := imageSeverities(rf.severity); err != nil {
		return usageErr("--severity: %v", err)
	}
	if !strings.EqualFold(rf.failOn, "none") {
		if _, err := finding.ParseSeverity(rf.failOn); err != nil {
			return usageErr("--fail-on: %v", err)
		}
	}
	return nil
}

// imageSeverities reads --severity for images: the finding severities,
// UNKNOWN (a vulnerability with no usable rating), and NEGLIGIBLE and
// NONE (distro and CVSS ratings) as INFO.
func imageSeverities(list []string) (map[finding.Severity]bool, error) {
	if len(list) == 0 {
		return nil, nil
	}
	m := map[finding.Severity]bool{}
	for _, item := range list {
		for _, s := range strings.Split(item, ",") {
			switch strings.ToUpper(strings.TrimSpace(s)) {
			case "UNKNOWN":
				m[finding.Unknown] = true
			case "NEGLIGIBLE", "NONE":
				m[finding.Info] = true
			default:
				sev, err := finding.ParseSeverity(s)
				if err != nil {
					return nil, fmt.Errorf("unknown severity %q (want CRITICAL, HIGH, MEDIUM, LOW, INFO or UNKNOWN)", s)
				}
				m[sev] = true
			}
		}
	}
	return m, nil
}

// readIgnoreFile reads a .trivyignore-style list of IDs.
func readIgnoreFile(path string) ([]suppress.Ignore, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return suppress.ParseIgnoreFile(path, fh)
}

// imageRules returns the image rules to run, the registry and the
// severity overrides, after the config's and the flags' disable lists.
func imageRules(cfg *config.Config, disable []string) (*rule.Registry, []*rule.Rule, map[string]finding.Severity, error) {
	reg, err := rules.Registry()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("building rule registry: %w", err)
	}
	return imageRulesOf(reg, cfg, disable)
}

func imageRulesOf(reg *rule.Registry, cfg *config.Config, disable []string) (*rule.Registry, []*rule.Rule, map[string]finding.Severity, error) {
	off := map[string]bool{}
	for _, name := range append(slices.Clone(cfg.Rules.Disable), disable...) {
		rs := reg.Resolve(name)
		if len(rs) == 0 {
			return nil, nil, nil, usageErr("unknown rule %q (see 'bulwark rules')", name)
		}
		for _, r := range rs {
			off[r.ID] = true
		}
	}
	sev := map[string]finding.Severity{}
	for name, s := range cfg.Rules.Severity {
		r, ok := reg.Lookup(name)
		if !ok {
			return nil, nil, nil, usageErr("%s: rules.severity: unknown rule %q", cfg.Path, name)
		}
		sev[r.ID], _ = finding.ParseSeverity(s)
	}
	for _, ig := range cfg.Ignore {
		for _, name := range ig.Rules {
			if len(reg.Resolve(name)) == 0 && !strings.EqualFold(name, "all") && !suppress.IsVulnID(name) {
				return nil, nil, nil, usageErr("%s:%d: ignore: unknown rule or vulnerability ID %q", ig.File, ig.Line, name)
			}
		}
	}
	var run []*rule.Rule
	for _, r := range reg.ForKind(rule.Image) {
		if !off[r.ID] {
			run = append(run, r)
		}
	}
	return reg, run, sev, nil
}

func runImage(ctx context.Context, c *cobra.Command, e *env, f *imageFlags, rf reportFlags, ref string) error {
	sevFlags := rf.severity
	rf.severity = nil
	fmtName, _, err := checkReportFlags(rf)
	if err != nil {
		return err
	}
	show, err := imageSeverities(sevFlags)
	if err != nil {
		return usageErr("--severity: %v", err)
	}
	cfg, err := loadConfig(f.configPath, nil)
	if err != nil {
		return usageErr("%v", err)
	}
	if f.ignoreFile != "" {
		listed, err := readIgnoreFile(f.ignoreFile)
		if err != nil {
			return usageErr("--ignore-file: %v", err)
		}
		merged := *cfg
		merged.Ignore = append(slices.Clone(cfg.Ignore), listed...)
		cfg = &merged
	}
	reg, imgRules, sevOverride, err := imageRules(cfg, f.disable)
	if err != nil {
		return err
	}
	rep, err := newReporter(c, e, rf, fmtName, show, cfg)
	if err != nil {
		return err
	}
	defer rep.abort()

	if err := f.checkOffline(e, ref); err != nil {
		return err
	}
	d, err := f.db.open(e)
	if err != nil {
		return err
	}
	defer d.Close()

	img, inv, err := f.collect(ctx, e, ref)
	if err != nil {
		return err
	}
	res, err := scanImage(ref, img, inv, d, imageScanOptions{
		IgnoreUnfixed: f.ignoreUnfixed, Rules: imgRules, Severity: sevOverride,
		Settings: rule.Settings{TrustedRegistries: append(slices.Clone(cfg.TrustedRegistries), f.trusted...)},
	})
	if err != nil {
		return &exitError{code: exitIncomplete, err: err}
	}
	m := suppress.NewImageMatcher(reg, cfg.Ignore, time.Now())
	m.Apply(res.Findings, nil)
	return finishImage(rep, res, imgRules, m.Stale())
}

// imageScanOptions tune scanImage.
type imageScanOptions struct {
	// IgnoreUnfixed leaves out vulnerabilities with no fixed version.
	IgnoreUnfixed bool
	// Rules are the image rules to run; Severity overrides their
	// severities by rule ID; Settings are handed to them.
	Rules    []*rule.Rule
	Severity map[string]finding.Severity
	Settings rule.Settings
}

// imageResult is what an image scan found, before suppression and the
// severity filter.
type imageResult struct {
	Image    report.Image
	Findings []finding.Finding
	Notes    []finding.Note
	Errors   []finding.FileError
}

// imageFacts builds what image rules examine: the opened image's identity
// and config, with the layer walk's notes (special files, programs,
// secrets) from the inventory; inv may be nil.
func imageFacts(ref string, img *image.Image, inv *inventory.Inventory) *image.Facts {
	var facts image.Facts
	if inv != nil {
		facts = inv.Facts
	}
	facts.Ref, facts.ID, facts.Layers = ref, img.ID.String(), img.Layers
	facts.Config = img.Config
	if facts.Config == nil {
		facts.Config = &v1.ConfigFile{}
	}
	return &facts
}

// scanImage matches the inventory's packages against the database and runs
// the image rules on the image's facts. Findings are sorted as
// finding.Less orders them.
func scanImage(ref string, img *image.Image, inv *inventory.Inventory, src vulnSource, opts imageScanOptions) (*imageResult, error) {
	res := &imageResult{Image: report.Image{Ref: ref, ID: img.ID.String(), OS: inv.Release.PrettyName, Packages: len(inv.Packages)}}
	if !inv.Ecosystem.IsZero() {
		res.Image.Ecosystem = inv.Ecosystem.String()
	}
	for _, p := range inv.Problems {
		res.Notes = append(res.Notes, finding.Note{Message: p, Location: finding.Location{Path: ref}})
	}
	// A package database that could not be read hides its packages'
	// vulnerabilities: the scan is incomplete (exit 3).
	for _, u := range inv.Unread {
		res.Errors = append(res.Errors, finding.FileError{Path: ref, Err: u})
	}
	facts := imageFacts(ref, img, inv)
	for _, r := range opts.Rules {
		pass := rule.NewPass(r, facts, func(fd finding.Finding) {
			if s, ok := opts.Severity[fd.RuleID]; ok {
				fd.Severity = s
			}
			res.Findings = append(res.Findings, fd)
		})
		pass.Settings = opts.Settings
		if err := r.Check(pass); err != nil {
			res.Errors = append(res.Errors, finding.FileError{Path: ref, Err: fmt.Sprintf("rule %s: %v", r.ID, err)})
		}
	}
	vf, err := vulnFindings(ref, inv, src, opts.IgnoreUnfixed)
	if err != nil {
		return nil, err
	}
	res.Findings = append(res.Findings, vf...)
	slices.SortStableFunc(res.Findings, func(a, b finding.Finding) int {
		switch {
		case finding.Less(&a, &b):
			return -1
		case finding.Less(&b, &a):
			return 1
		}
		return 0
	})
	return res, nil
}

// finishImage writes the report of an image scan and returns the exit
// error, as reporter.finish does for files.
func finishImage(r *reporter, res *imageResult, rules []*rule.Rule, stale []suppress.Stale) error {
	rep := &report.Report{
		Tool: "bulwark", Version: toolVersion(), Images: []report.Image{res.Image}, Notes: res.Notes,
		Errors: res.Errors, Stale: stale, Rules: rules, FailOn: r.failSev,
	}
	return r.write(rep, res.Findings)
}

// vulnSource is what vulnerability matching reads: *db.DB satisfies it.
type vulnSource = match.Source
