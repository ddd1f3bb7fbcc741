package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/pss"
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
	c.Flags().StringArrayVar(&f.trusted, "trusted-registry", nil, "registry base and container images may come from (host glob such as *.gcr.io; repeatable; default: any)")
	c.Flags().StringVar(&f.kubeVersion, "kube-version", "", "Kubernetes version manifests are judged for and Helm charts rendered for, such as 1.30 (default: the newest)")
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
		f        = scanFlags{render: true}
		rf       reportFlags
		pssLevel string
	)
	c := &cobra.Command{
		Use:   "scan [PATH...]",
		Short: "Scan files and folders for weaknesses",
		Long: `Scan walks the given files and folders (default ".") and analyses what it
finds:

  Dockerfiles      Dockerfile, Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile
  Compose files    compose*.yaml, docker-compose*.yml, *-stack.yml, any YAML with services:
  scripts          *.sh, *.bash, shell #! files, Makefile, *.mk, GitHub and GitLab CI
                   workflows: their docker/podman run and create command lines
  Kubernetes       YAML and JSON manifests (documents with apiVersion and kind)
  Helm charts      folders with Chart.yaml, rendered in process (subcharts in
                   charts/ with their parent); findings point at the template
                   line and name the values set
  Kustomize        folders with kustomization.yaml, .yml or Kustomization,
                   built in process (no remote bases, no plugins); the files
                   they use are still scanned on their own, except patches

A file named explicitly is analysed whatever its name (a .json file as docker
inspect output). .git, vendor and node_modules are never walked; --skip globs
and the config's exclude list are applied while walking.

Charts render with their own values unless the config's helm section lists
values sets for them; --values, --set and --set-string replace those with one
set for every chart, and --release-name, --namespace and --kube-version
override the config. A chart or kustomization that does not render makes the
scan incomplete (exit 3), with the reason.

--severity filters what is shown; --fail-on sets the lowest severity of a
shown, unsuppressed finding that makes the run exit 1. --pss baseline (or
restricted) also makes it exit 1 when a workload does not meet that Pod
Security Standard level, whatever the severity of the findings that say so.`,
		Example: `  bulwark scan
  bulwark scan examples/ --format sarif --output bulwark.sarif
  bulwark scan . --fail-on CRITICAL --severity CRITICAL,HIGH
  bulwark scan k8s/ --pss restricted --fail-on none
  bulwark scan deploy/chart --values deploy/chart/values-prod.yaml --set replicaCount=3`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			fmtName, show, err := checkReportFlags(rf)
			if err != nil {
				return err
			}
			var level pss.Level
			if pssLevel != "" {
				if level, err = pss.ParseLevel(pssLevel); err != nil {
					return usageErr("--pss: want baseline or restricted")
				}
			}
			p, err := newPipeline(f, args)
			if err != nil {
				return err
			}
			rep, err := newReporter(cmd, e, rf, fmtName, show, p.cfg)
			if err != nil {
				return err
			}
			defer rep.abort()
			rep.pss = level
			res, err := p.run(context.Background(), args)
			if err != nil {
				return err
			}
			return rep.finish(res, p.rules, p.matcher.Stale())
		},
	}
	addScanFlags(c, &f)
	addRenderFlags(c, &f)
	addReportFlags(c, &rf)
	c.Flags().StringVar(&pssLevel, "pss", "", "exit 1 when a Kubernetes workload does not meet this Pod Security Standard level (baseline or restricted)")
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
