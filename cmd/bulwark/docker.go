package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/source/container"
)

func newDockerCmd(e *env) *cobra.Command {
	var (
		f       scanFlags
		rf      reportFlags
		host    string
		timeout time.Duration
	)
	c := &cobra.Command{
		Use:   "docker",
		Short: "Audit the containers and settings of a live Docker engine",
		Long: `Docker audits every container on a Docker engine, running or not, with the
same rules as docker run lines, Compose files and docker inspect output, and
the engine's own settings (user namespaces, live restore, inter-container
traffic on the default bridge, authorization plugins, logging, experimental
features).

The engine is the one the Docker CLI would use: --host, else DOCKER_HOST
(with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), else the default socket. The
API version is negotiated. Findings are located at docker://HOST and name
the container ("container NAME (ID12)").

An engine that cannot be reached is reported and the run exits 3.`,
		Example: `  bulwark docker
  DOCKER_HOST=ssh://admin@build-host bulwark docker --format sarif -o engine.sarif
  bulwark docker --fail-on CRITICAL`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmtName, show, err := checkReportFlags(rf)
			if err != nil {
				return err
			}
			if timeout <= 0 {
				return usageErr("--timeout must be positive")
			}
			p, err := newPipeline(f, nil)
			if err != nil {
				return err
			}
			rep, err := newReporter(cmd, e, rf, fmtName, show, p.cfg)
			if err != nil {
				return err
			}
			defer rep.abort()
			cli, err := container.Connect(host)
			if err != nil {
				return usageErr("%v", err)
			}
			defer cli.Close()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			opts := container.EngineOptions{}
			if e.terminal(e.stderr) {
				opts.Progress = func(n int) { fmt.Fprintf(e.stderr, "inspecting %d %s\n", n, plural(n, "container")) }
			}
			file, readErr := container.ReadEngine(ctx, cli, opts)
			res := &scan.Result{}
			if file != nil {
				res = scan.AnalyzeContainers(ctx, []*container.File{file}, p.opts)
			} else {
				res.Paths = []string{container.EnginePath(cli.DaemonHost())}
			}
			if readErr != nil {
				res.Errors = append(res.Errors, scan.FileError{Path: container.EnginePath(cli.DaemonHost()), Err: engineErrorText(readErr, cli.DaemonHost(), timeout)})
			}
			return rep.finish(res, p.rules, p.matcher.Stale())
		},
	}
	c.Flags().StringVarP(&host, "host", "H", "", "engine address (unix:///var/run/docker.sock, tcp://HOST:2376, ssh://USER@HOST; default: DOCKER_HOST or the default socket)")
	c.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "give up on the engine after this long")
	c.Flags().StringVar(&f.configPath, "config", "", "config file (default: .bulwark.yaml found by walking up from the working directory)")
	c.Flags().BoolVar(&f.strict, "strict", false, "ignore inline suppressions")
	c.Flags().StringArrayVar(&f.disable, "disable", nil, "do not run this rule (ID or slug; repeatable)")
	addReportFlags(c, &rf)
	return c
}

// engineErrorText says what went wrong with the engine at host, naming it.
func engineErrorText(err error, host string, timeout time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("the Docker engine at %s did not answer within %s (--timeout): %v", host, timeout, err)
	}
	return err.Error()
}
