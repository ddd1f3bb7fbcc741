package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/netpol"
	"github.com/bulwark-sec/bulwark/pss"
	"github.com/bulwark-sec/bulwark/scan"
)

// netpolFlags are the flags of `bulwark netpol`.
type netpolFlags struct {
	scan   scanFlags
	format string
	output string
}

func newNetpolCmd(e *env) *cobra.Command {
	nf := netpolFlags{scan: scanFlags{render: true}}
	f := &nf.scan
	c := &cobra.Command{
		Use:   "netpol [PATH...]",
		Short: "Show who can reach whom under the NetworkPolicies of Kubernetes manifests",
		Long: `Netpol reads the Kubernetes manifests under the given files and folders
(default "."), as scan finds them (Helm charts and kustomizations rendered),
and evaluates their NetworkPolicies the way Kubernetes does. It prints, per
workload, whether a policy isolates it for ingress and for egress, which
sources may come in and which destinations it may reach, on which ports;
then the flows the policies allow between the scanned workloads.

Objects that set no namespace all share one namespace: the one --namespace
names (also the namespace Helm charts are rendered for), else an unnamed
namespace that namespaceSelector {} matches but a selector requiring a label
does not.

Formats: table (default), json (a stable schema: docs/netpol-report.md) and
dot (Graphviz: 'bulwark netpol k8s/ -f dot | dot -Tsvg > netpol.svg').

Exit codes: 0 when every input was read, 2 on usage errors, 3 when an input
could not be read, parsed or rendered (the report is still written, and
says so).`,
		Example: `  bulwark netpol k8s/
  bulwark netpol deploy/chart --namespace shop --format json
  bulwark netpol manifests/ --format dot --output netpol.dot`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			return runNetpol(e, nf, args)
		},
	}
	c.Flags().StringVarP(&nf.format, "format", "f", "table", "output format: table, json or dot")
	c.Flags().StringVarP(&nf.output, "output", "o", "", "write the report to this file instead of standard output")
	c.Flags().StringVar(&f.configPath, "config", "", "config file (default: .bulwark.yaml found by walking up from the first path); its exclude list and helm section apply")
	c.Flags().StringArrayVar(&f.skip, "skip", nil, "skip paths matching this glob while walking (repeatable; ** allowed)")
	c.Flags().IntVar(&f.workers, "workers", runtime.NumCPU(), "files read in parallel")
	c.Flags().IntVar(&f.maxBytes, "max-file-size", scan.DefaultMaxFileBytes, "largest file read, in bytes")
	c.Flags().StringVar(&f.kubeVersion, "kube-version", "", "Kubernetes version Helm charts are rendered for, such as 1.30 (default: the newest)")
	c.Flags().StringArrayVar(&f.values, "values", nil, "render Helm charts with this values file (repeatable; replaces the config's values sets)")
	c.Flags().StringArrayVar(&f.set, "set", nil, "render Helm charts with this value: key=value[,key=value] (repeatable)")
	c.Flags().StringArrayVar(&f.setString, "set-string", nil, "render Helm charts with this string value: key=value[,key=value] (repeatable)")
	c.Flags().StringVar(&f.releaseName, "release-name", "", "Helm release name charts are rendered with (default \"release-name\")")
	c.Flags().StringVar(&f.namespace, "namespace", "", "namespace of objects that set none, and that Helm charts are rendered for (default: a shared unnamed namespace)")
	return c
}

// netpolKinds are the inputs netpol reads.
var netpolKinds = []scan.FileKind{scan.KindKube, scan.KindHelm, scan.KindKustomize}

func runNetpol(e *env, nf netpolFlags, args []string) error {
	format := strings.ToLower(nf.format)
	switch format {
	case "table", "json", "dot":
	default:
		return usageErr("--format: unknown format %q (want table, json or dot)", nf.format)
	}
	f := nf.scan
	if f.workers < 0 {
		return usageErr("--workers must be positive")
	}
	for _, g := range f.skip {
		if !validGlob(g) {
			return usageErr("--skip: bad glob %q", g)
		}
	}
	cfg, err := loadConfig(f.configPath, args)
	if err != nil {
		return usageErr("%v", err)
	}
	kubeVersion := cfg.KubeVersion
	if f.kubeVersion != "" {
		kubeVersion = f.kubeVersion
	}
	if _, err := pss.ParseVersion(kubeVersion); err != nil {
		return usageErr("--kube-version: %q is not a Kubernetes version such as 1.30 (or latest)", kubeVersion)
	}
	renderOpts, err := renderOptions(f, cfg)
	if err != nil {
		return err
	}
	renderOpts.KubeVersion = kubeVersion
	var out io.Writer = e.stdout
	var file *atomicFile
	if nf.output != "" {
		if file, err = createAtomic(nf.output); err != nil {
			return usageErr("--output: %v", err)
		}
		defer file.abort()
		out = file
	}

	opts := scan.Options{
		Workers: f.workers, MaxFileBytes: f.maxBytes,
		Exclude: append(slices.Clone(cfg.Exclude), f.skip...), ExcludeBase: configDir(cfg),
		Render: renderOpts,
	}
	targets, errs, err := scan.Discover(args, opts.Exclude, opts.ExcludeBase)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return usageErr("%v", err)
		}
		return err
	}
	var manifests []scan.Target
	for _, t := range targets {
		switch {
		case slices.Contains(netpolKinds, t.Kind):
			manifests = append(manifests, t)
		case t.Root == "":
			return usageErr("%s is not a Kubernetes manifest, Helm chart or kustomization", t.Path)
		}
	}
	set, readErrs := scan.Manifests(context.Background(), manifests, opts)
	errs = append(errs, readErrs...)
	npOpts := netpol.Options{DefaultNamespace: f.namespace}
	m := netpol.Build(set, npOpts)
	rep := netpol.NewReport(m, npOpts, "bulwark", toolVersion(), len(manifests), errs)
	switch format {
	case "json":
		err = rep.WriteJSON(out)
	case "dot":
		err = rep.WriteDOT(out)
	default:
		err = rep.WriteTable(out)
	}
	if err == nil && file != nil {
		err = file.commit()
	}
	if err != nil {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("writing report: %w", err)}
	}
	if len(errs) > 0 {
		if file != nil || format != "table" {
			for _, fe := range errs {
				fmt.Fprintf(e.stderr, "bulwark: %s\n", fe.Error())
			}
		}
		return &exitError{code: exitIncomplete}
	}
	return nil
}
