package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/strvals"

	"github.com/bulwark-sec/bulwark/config"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/source/render"
)

// addRenderFlags adds scan's flags for Helm charts. They apply to every
// chart scanned and override the config file's helm section.
func addRenderFlags(c *cobra.Command, f *scanFlags) {
	c.Flags().StringArrayVar(&f.values, "values", nil, "render Helm charts with this values file (repeatable; replaces the config's values sets)")
	c.Flags().StringArrayVar(&f.set, "set", nil, "render Helm charts with this value: key=value[,key=value] (repeatable)")
	c.Flags().StringArrayVar(&f.setString, "set-string", nil, "render Helm charts with this string value: key=value[,key=value] (repeatable)")
	c.Flags().StringVar(&f.releaseName, "release-name", "", "Helm release name charts are rendered with (default \"release-name\")")
	c.Flags().StringVar(&f.namespace, "namespace", "", "namespace Helm charts are rendered for (default \"default\")")
}

// renderOptions turns the config's helm section and the flags into how
// charts and kustomizations are rendered. Paths in the config are relative
// to its folder; files it or a flag names must exist.
func renderOptions(f scanFlags, cfg *config.Config) (scan.RenderOptions, error) {
	opts := scan.RenderOptions{Off: !f.render}
	if !f.render {
		return opts, nil
	}
	opts.Helm = scan.ChartOptions{ReleaseName: cfg.Helm.ReleaseName, Namespace: cfg.Helm.Namespace}
	base := cfg.Dir()
	for _, c := range cfg.Helm.Charts {
		dir := filepath.Join(base, filepath.FromSlash(c.Path))
		if fi, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err != nil || !fi.Mode().IsRegular() {
			return opts, usageErr("%s:%d: helm.charts: %s is not a chart folder (no Chart.yaml in %s)", cfg.Path, c.Line, c.Path, dir)
		}
		co := scan.ChartOptions{Path: dir, ReleaseName: c.ReleaseName, Namespace: c.Namespace}
		for _, v := range c.Values {
			set := render.ValueSet{Name: v.SetName(), Set: v.Set, SetString: v.SetString}
			for _, file := range v.Files {
				p := filepath.Join(base, filepath.FromSlash(file))
				if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
					return opts, usageErr("%s:%d: chart %s: values set %q: values file %s not found", cfg.Path, v.Line, c.Path, v.SetName(), p)
				}
				set.Files = append(set.Files, p)
			}
			co.ValueSets = append(co.ValueSets, set)
		}
		opts.Charts = append(opts.Charts, co)
	}

	// Flags override the config, for every chart.
	if f.releaseName != "" {
		if err := chartutil.ValidateReleaseName(f.releaseName); err != nil {
			return opts, usageErr("--release-name %q: %v", f.releaseName, err)
		}
		opts.Helm.ReleaseName = f.releaseName
		for i := range opts.Charts {
			opts.Charts[i].ReleaseName = ""
		}
	}
	if f.namespace != "" {
		opts.Helm.Namespace = f.namespace
		for i := range opts.Charts {
			opts.Charts[i].Namespace = ""
		}
	}
	if len(f.values)+len(f.set)+len(f.setString) > 0 {
		set := render.ValueSet{Files: f.values, Set: f.set, SetString: f.setString}
		if len(f.values) == 0 {
			set.Name = "command line"
		}
		for _, p := range f.values {
			if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
				return opts, usageErr("--values: %s not found", p)
			}
		}
		for _, s := range f.set {
			if _, err := strvals.Parse(s); err != nil {
				return opts, usageErr("--set %q: %v", s, err)
			}
		}
		for _, s := range f.setString {
			if _, err := strvals.ParseString(s); err != nil {
				return opts, usageErr("--set-string %q: %v", s, err)
			}
		}
		opts.Helm.ValueSets = []render.ValueSet{set}
		for i := range opts.Charts {
			opts.Charts[i].ValueSets = nil
		}
	}
	return opts, nil
}
