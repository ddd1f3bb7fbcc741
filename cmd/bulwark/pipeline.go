package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/config"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/pss"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/source/kube"
	"github.com/bulwark-sec/bulwark/suppress"
)

// scanFlags are the flags shared by scan and fix.
type scanFlags struct {
	configPath string
	skip       []string
	workers    int
	strict     bool
	disable    []string
	maxBytes   int
	trusted    []string
	// kubeVersion is --kube-version.
	kubeVersion string
	// render says whether charts and kustomizations are rendered (scan);
	// the rest are scan's Helm flags.
	render      bool
	values      []string
	set         []string
	setString   []string
	releaseName string
	namespace   string
}

// pipeline is a configured scan.
type pipeline struct {
	reg     *rule.Registry
	cfg     *config.Config
	rules   []*rule.Rule
	matcher *suppress.Matcher
	opts    scan.Options
}

// loadConfig finds and loads the config for paths.
func loadConfig(explicit string, paths []string) (*config.Config, error) {
	p := explicit
	if p == "" {
		start := "."
		if len(paths) > 0 {
			start = paths[0]
		}
		found, err := config.Find(start)
		if err != nil {
			return nil, err
		}
		p = found
	} else if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	if p == "" {
		return &config.Config{}, nil
	}
	return config.Load(p)
}

func newPipeline(f scanFlags, paths []string) (*pipeline, error) {
	reg, err := rules.Registry()
	if err != nil {
		return nil, fmt.Errorf("building rule registry: %w", err)
	}
	cfg, err := loadConfig(f.configPath, paths)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	disabled := map[string]bool{}
	for _, name := range append(slices.Clone(cfg.Rules.Disable), f.disable...) {
		rs := reg.Resolve(name)
		if len(rs) == 0 {
			return nil, usageErr("unknown rule %q (see 'bulwark rules')", name)
		}
		for _, r := range rs {
			disabled[r.ID] = true
		}
	}
	sev := map[string]finding.Severity{}
	for name, s := range cfg.Rules.Severity {
		r, ok := reg.Lookup(name)
		if !ok {
			return nil, usageErr("%s: rules.severity: unknown rule %q", cfg.Path, name)
		}
		sev[r.ID], _ = finding.ParseSeverity(s)
	}
	var enabled []*rule.Rule
	for _, r := range reg.All() {
		if !disabled[r.ID] {
			enabled = append(enabled, r)
		}
	}
	for _, g := range f.skip {
		if !validGlob(g) {
			return nil, usageErr("--skip: bad glob %q", g)
		}
	}
	for _, ig := range cfg.Ignore {
		for _, name := range ig.Rules {
			// Vulnerability IDs are for image scans, which share the config.
			if len(reg.Resolve(name)) == 0 && !strings.EqualFold(name, "all") && !suppress.IsVulnID(name) {
				return nil, usageErr("%s:%d: ignore: unknown rule %q", cfg.Path, ig.Line, name)
			}
		}
	}
	if f.workers < 0 {
		return nil, usageErr("--workers must be positive")
	}
	// The config's kube-version was checked when it was read.
	kubeVersion := cfg.KubeVersion
	if f.kubeVersion != "" {
		kubeVersion = f.kubeVersion
	}
	canonical, err := pss.ParseVersion(kubeVersion)
	if err != nil {
		return nil, usageErr("--kube-version: %q is not a Kubernetes version such as 1.30 (or latest)", kubeVersion)
	}
	if canonical == pss.Latest {
		canonical, kubeVersion = "", ""
	}
	renderOpts, err := renderOptions(f, cfg)
	if err != nil {
		return nil, err
	}
	renderOpts.KubeVersion = kubeVersion
	m := suppress.NewMatcher(reg, cfg.Ignore, f.strict, time.Now())
	return &pipeline{
		reg: reg, cfg: cfg, rules: enabled, matcher: m,
		opts: scan.Options{
			Rules: enabled, Severity: sev, Workers: f.workers, Matcher: m,
			Exclude: append(slices.Clone(cfg.Exclude), f.skip...), ExcludeBase: configDir(cfg), MaxFileBytes: f.maxBytes,
			Settings: rule.Settings{
				TrustedRegistries: append(slices.Clone(cfg.TrustedRegistries), f.trusted...),
				KubeVersion:       canonical,
			},
			Render: renderOpts,
		},
	}, nil
}

// configDir is the folder config globs are relative to, or "".
func configDir(cfg *config.Config) string {
	if cfg.Path == "" {
		return ""
	}
	return filepath.Dir(cfg.Path)
}

// manifests reads the Kubernetes manifests under paths, rendering charts
// and kustomizations, without running rules: for the commands that
// analyse them as a whole. The result holds the paths read and the errors.
func (p *pipeline) manifests(ctx context.Context, paths []string) (*kube.Set, *scan.Result, error) {
	targets, errs, err := scan.Discover(paths, p.opts.Exclude, p.opts.ExcludeBase)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, nil, usageErr("%v", err)
		}
		return nil, nil, err
	}
	set, readErrs := scan.Manifests(ctx, targets, p.opts)
	res := &scan.Result{Errors: append(errs, readErrs...)}
	for _, t := range targets {
		res.Paths = append(res.Paths, t.Path)
		res.Targets = append(res.Targets, t)
	}
	return set, res, nil
}

func (p *pipeline) run(ctx context.Context, paths []string) (*scan.Result, error) {
	res, err := scan.Run(ctx, paths, p.opts)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, usageErr("%v", err)
		}
		return nil, err
	}
	return res, nil
}
