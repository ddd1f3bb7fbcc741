package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/runtime/alert"
	"github.com/bulwark-sec/bulwark/runtime/detect"
	"github.com/bulwark-sec/bulwark/runtime/docker"
	"github.com/bulwark-sec/bulwark/runtime/engine"
	"github.com/bulwark-sec/bulwark/runtime/fields"
	"github.com/bulwark-sec/bulwark/runtime/k8saudit"
	rulesfile "github.com/bulwark-sec/bulwark/runtime/rules"
	"github.com/bulwark-sec/bulwark/source/container"
)

// Event source names, as rules name them in `source:`.
const (
	sourceK8sAudit = "k8s_audit"
	sourceDocker   = "docker"
)

// watchFlags are the flags of bulwark watch.
type watchFlags struct {
	rules []string

	webhook   string
	tlsCert   string
	tlsKey    string
	clientCA  string
	tokenFile string
	maxBody   string
	queue     int

	auditFile string
	follow    bool

	docker bool

	output      string
	outputFile  string
	httpOutput  string
	minPriority string
	metrics     string
	match       string
}

// webhookOptions is what the audit webhook source needs, checked and
// loaded by the command.
type webhookOptions struct {
	// Addr is the listen address (":9765"); the handler serves Path.
	Addr string
	Path string
	// TLS is nil for plain HTTP; it holds the certificate and, with
	// --client-ca, requires client certificates signed by that CA.
	TLS *tls.Config
	// Token, when not empty, is the bearer token every request must
	// carry.
	Token string
	// MaxBody bounds a request body in bytes.
	MaxBody int64
	// Queue bounds the request bodies waiting for evaluation.
	Queue int
}

// watchSeams are the parts of bulwark watch that live in other packages:
// the rules loader and the event sources. Tests replace them with fakes.
type watchSeams struct {
	// loadRules loads and compiles the rules files in order; warnings
	// (rules skipped for an unknown source or field) do not stop the run.
	// prepare, when not nil, is the engine's Prepare option for the rules.
	loadRules func(files []string, docker bool) (rules []engine.Rule, prepare func(string, fields.Event) (fields.Event, func()), warnings []string, err error)
	// k8sWebhook serves the audit webhook until ctx ends, then drains
	// its queue.
	k8sWebhook func(ctx context.Context, o webhookOptions, s *eventSink) error
	// k8sFile reads an audit log to its end (follow: keeps following it,
	// across rotation, until ctx ends).
	k8sFile func(ctx context.Context, path string, follow bool, s *eventSink) error
	// docker follows the Docker engine's events until ctx ends.
	docker func(ctx context.Context, s *eventSink) error
	// hostname names this machine in alerts.
	hostname func() (string, error)
}

// defaultWatchSeams are the real implementations.
func defaultWatchSeams() watchSeams {
	return watchSeams{
		loadRules:  loadFalcoRules,
		k8sWebhook: runK8sAuditWebhook,
		k8sFile:    runK8sAuditFile,
		docker:     runDockerEvents,
		hostname:   os.Hostname,
	}
}

// maxRulesFile bounds a rules file read by watch.
const maxRulesFile = 32 << 20

// loadFalcoRules loads the rules files (after Bulwark's Docker rules and
// the launch prelude, with --docker) and compiles them against the
// sources; errors name the file, line and column, warnings are returned
// as text.
func loadFalcoRules(paths []string, withDocker bool) ([]engine.Rule, func(string, fields.Event) (fields.Event, func()), []string, error) {
	var files []rulesfile.File
	for _, p := range paths {
		data, err := readLimitedFile(p, maxRulesFile)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("rules file: %w", err)
		}
		files = append(files, rulesfile.File{Name: p, Data: data})
	}
	rs, err := detect.Load(files, detect.Options{Docker: withDocker})
	var warnings []string
	for _, d := range rs.Warnings() {
		warnings = append(warnings, d.String())
	}
	if err != nil {
		var msgs []string
		for _, d := range rs.Errors() {
			msgs = append(msgs, d.String())
		}
		return nil, nil, warnings, fmt.Errorf("rules do not load:\n  %s", strings.Join(msgs, "\n  "))
	}
	out, err := rs.EngineRules()
	return out, rs.Prepare(), warnings, err
}

// readLimitedFile reads at most max bytes of a file; a longer file is an
// error.
func readLimitedFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return data, nil
}

// deliverAudit hands audit events to the sink.
func deliverAudit(s *eventSink) func(*k8saudit.Event) {
	return func(ev *k8saudit.Event) {
		s.Received(sourceK8sAudit)
		s.Event(sourceK8sAudit, ev.Time(), ev)
	}
}

// syncAuditDrops reports, once a second and at the end, the events an
// audit intake dropped or could not read since the last report.
func syncAuditDrops(ctx context.Context, stats func() k8saudit.Stats, s *eventSink) func() {
	var last k8saudit.Stats
	report := func() {
		st := stats()
		for range st.Dropped - last.Dropped {
			s.Drop(alert.DropQueueFull, nil)
		}
		last = st
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				report()
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		report()
	}
}

// runK8sAuditWebhook serves the Kubernetes audit webhook until ctx ends,
// then drains its queue.
func runK8sAuditWebhook(ctx context.Context, o webhookOptions, s *eventSink) error {
	w, err := k8saudit.NewWebhook(k8saudit.WebhookConfig{
		Limits:      k8saudit.Limits{MaxBatchSize: int(o.MaxBody)},
		Path:        o.Path,
		BearerToken: o.Token,
		QueueSize:   o.Queue,
		OnError: func(err error) {
			var ee *k8saudit.EventError
			var pe *k8saudit.PayloadError
			switch {
			case errors.Is(err, k8saudit.ErrPayloadTooLarge) && (errors.As(err, &pe) || errors.As(err, &ee)):
				s.Drop(alert.DropTooLarge, err)
				return
			case errors.As(err, &ee), errors.As(err, &pe):
				s.Drop(alert.DropMalformed, err)
				return
			}
			s.Warn(err)
		},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("audit webhook: %w", err)
	}
	if o.TLS != nil {
		ln = tls.NewListener(ln, o.TLS)
	}
	stop := syncAuditDrops(ctx, w.Stats, s)
	defer stop()
	return w.Serve(ctx, ln, deliverAudit(s))
}

// runK8sAuditFile reads (or follows) a Kubernetes audit log.
func runK8sAuditFile(ctx context.Context, path string, follow bool, s *eventSink) error {
	r := k8saudit.NewFileReader(path, k8saudit.FileOptions{
		Follow: follow,
		OnError: func(err error) {
			reason := alert.DropMalformed
			if errors.Is(err, k8saudit.ErrPayloadTooLarge) {
				reason = alert.DropTooLarge
			}
			s.Drop(reason, err)
		},
	})
	err := r.Run(ctx, deliverAudit(s))
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// runDockerEvents follows the Docker engine's events (the engine the
// Docker CLI would use): each container event is evaluated as a docker
// event and, when it is the container's launch (its create, or a start
// other than the one that follows the create), as the launch of its first
// process (source syscall).
func runDockerEvents(ctx context.Context, s *eventSink) error {
	cli, err := container.Connect("")
	if err != nil {
		return fmt.Errorf("docker: %w", err)
	}
	defer cli.Close()
	f := docker.NewFollower(cli, docker.Options{OnStreamError: func(err error, wait time.Duration) {
		s.Warn(fmt.Errorf("docker events: %w (reconnecting in %s)", err, wait))
	}})
	var ls launches
	err = f.Run(ctx, func(ev *docker.Event) error {
		s.Received(sourceDocker)
		s.Event(sourceDocker, ev.Time(), ev)
		if l, ok := ls.launch(ev); ok {
			s.Event(docker.LaunchSourceName, ev.Time(), l)
		}
		return nil
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// maxPendingLaunches bounds the containers remembered between their
// create and their first start.
const maxPendingLaunches = 4096

// launches decides which container events are the start of a
// container's first process: its create (all a machine that cannot start
// it sees) and every start but the one that follows the create (the same
// launch: docker run sends both).
type launches struct {
	pending map[string]struct{} // created, launch raised, not started yet
}

// launch returns the launch view of ev when it is a launch.
func (l *launches) launch(ev *docker.Event) (*docker.LaunchEvent, bool) {
	id := ev.Message.Actor.ID
	switch ev.Action() {
	case "destroy":
		delete(l.pending, id)
		return nil, false
	case "start":
		if _, ok := l.pending[id]; ok {
			delete(l.pending, id)
			return nil, false
		}
	}
	le, ok := docker.NewLaunchEvent(ev)
	if ok && ev.Action() == "create" && id != "" {
		if l.pending == nil || len(l.pending) >= maxPendingLaunches {
			l.pending = map[string]struct{}{}
		}
		l.pending[id] = struct{}{}
	}
	return le, ok
}

const watchLong = `Watch evaluates Falco rules files, loaded unchanged, on what happens to
the cluster and its containers, and raises an alert for each match:

  --k8s-audit-webhook ADDR  receive the API server's audit webhook batches
                            (EventList, audit.k8s.io/v1 or v1beta1) on
                            http(s)://ADDR/k8s-audit
  --k8s-audit-file FILE     read a JSON-lines audit log to its end (with
                            --follow: keep following it, across rotation)
  --docker                  follow the Docker engine's events (the engine
                            the Docker CLI would use)

Rules apply to the events of their source (k8s_audit, docker); a rule of a
source Bulwark does not read is skipped with a warning. With --docker,
Bulwark's Docker rules load first (privileged launch, the engine socket and
sensitive host paths mounted, host namespaces, dangerous capabilities,
unconfined profiles, exec into a container), so your files can override or
append to them, and a container's launch (its create, and each later start
but the one docker run sends right after the create) is also seen as its
first process starting (source syscall: proc.vpid=1, proc.cmdline,
user.name, container.*), so rules written for that, such as the classic "Launch
Privileged Container", fire as written; syscall rules needing fields Bulwark
does not have are skipped with a warning. With --match all (the default)
every matching rule raises an alert; with --match first only the first, in
load order, as Falco's rule_matching: first.

Alerts are Falco's: a text line "HH:MM:SS.nnnnnnnnn: Priority message", or
with --output json one JSON object per line with Falco's keys (time, rule,
priority, output, output_fields, source, tags, hostname), so the tools
built for Falco read them. They go to standard output, or to
--output-file (appended, created 0600), and with --http-output also to an
HTTP endpoint as JSON, one POST per alert, retried with back-off from a
bounded queue (a slow endpoint drops alerts, counted, and never slows
evaluation). BULWARK_HOSTNAME overrides the host name in alerts.

--metrics ADDR serves Prometheus counters on http://ADDR/metrics: events
received and evaluated per source, alerts per rule and priority, drops per
reason, failed HTTP deliveries.

The API server's webhook backend (kube-apiserver flags):
  --audit-policy-file=/etc/kubernetes/audit-policy.yaml
  --audit-webhook-config-file=/etc/kubernetes/audit-webhook.yaml
  --audit-webhook-mode=batch
with /etc/kubernetes/audit-webhook.yaml a kubeconfig naming Bulwark:
  apiVersion: v1
  kind: Config
  clusters:
  - name: bulwark
    cluster:
      server: https://bulwark.example:9765/k8s-audit
      certificate-authority: /etc/kubernetes/bulwark-ca.pem
  users:
  - name: kube-apiserver
    user:
      token: CONTENT-OF-THE-TOKEN-FILE   # or client-certificate/client-key with --client-ca
  contexts:
  - name: default
    context: {cluster: bulwark, user: kube-apiserver}
  current-context: default

Watch runs until interrupted (SIGINT, SIGTERM), then drains its queues;
with only --k8s-audit-file and no --follow it ends at the end of the file.

Exit codes: 0 the run ended normally; 2 usage or configuration error
(bad flag, unreadable rules, certificate or token); 3 a source or the
metrics listener failed.`

const watchExample = `  # Replay an audit log against Falco's Kubernetes audit rules
  bulwark watch --rules k8s_audit_rules.yaml --k8s-audit-file audit.log

  # Follow the API server's log file, JSON alerts to a file
  bulwark watch --rules k8s_audit_rules.yaml --k8s-audit-file /var/log/kube-audit.log --follow \
    --output json --output-file /var/log/bulwark-alerts.jsonl

  # Receive the audit webhook over TLS with a bearer token; metrics on :9090
  bulwark watch --rules k8s_audit_rules.yaml --rules local_rules.yaml \
    --k8s-audit-webhook :9765 --tls-cert tls.crt --tls-key tls.key --token-file token \
    --metrics :9090

  # Forward alerts to Falcosidekick (Slack, Loki, Elasticsearch, ...)
  bulwark watch --rules docker_rules.yaml --docker \
    --http-output http://falcosidekick:2801/ --min-priority warning`

func newWatchCmd(e *env) *cobra.Command { return newWatchCmdWith(e, defaultWatchSeams()) }

func newWatchCmdWith(e *env, seams watchSeams) *cobra.Command {
	var f watchFlags
	c := &cobra.Command{
		Use:     "watch",
		Short:   "Evaluate Falco rules on Kubernetes audit events and Docker events",
		Long:    watchLong,
		Example: watchExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runWatch(ctx, e, f, seams)
		},
	}
	fl := c.Flags()
	fl.StringArrayVar(&f.rules, "rules", nil, "Falco rules file, loaded in order (repeatable; required unless --docker)")
	fl.StringVar(&f.webhook, "k8s-audit-webhook", "", "receive the Kubernetes audit webhook on this address (:9765)")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "webhook TLS certificate (PEM; with --tls-key)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "webhook TLS private key (PEM; with --tls-cert)")
	fl.StringVar(&f.clientCA, "client-ca", "", "require webhook client certificates signed by this CA (PEM; needs TLS)")
	fl.StringVar(&f.tokenFile, "token-file", "", "require this bearer token (read from the file) on webhook requests")
	fl.StringVar(&f.maxBody, "max-body", "12MiB", "largest webhook request body")
	fl.IntVar(&f.queue, "queue", 50, "webhook request bodies waiting for evaluation before new ones are dropped")
	fl.StringVar(&f.auditFile, "k8s-audit-file", "", "read Kubernetes audit events from this JSON-lines log (or every file of this folder, oldest first, as Falco's k8saudit plugin does)")
	fl.BoolVar(&f.follow, "follow", false, "keep following --k8s-audit-file as it grows and rotates")
	fl.BoolVar(&f.docker, "docker", false, "follow the Docker engine's events")
	fl.StringVar(&f.output, "output", "text", "alert format: text or json")
	fl.StringVar(&f.outputFile, "output-file", "", "append alerts to this file instead of standard output")
	fl.StringVar(&f.httpOutput, "http-output", "", "also POST each alert as JSON to this URL (Falcosidekick: http://HOST:2801/)")
	fl.StringVar(&f.minPriority, "min-priority", "debug", "evaluate only rules at or above this priority (emergency, alert, critical, error, warning, notice, informational, debug)")
	fl.StringVar(&f.metrics, "metrics", "", "serve Prometheus counters on http://ADDR/metrics")
	fl.StringVar(&f.match, "match", "all", "matching rules that raise an alert per event: all, or first in load order")
	return c
}

// watchConfig is the checked form of the flags.
type watchConfig struct {
	format  alert.Format
	min     alert.Priority
	policy  engine.Policy
	maxBody int64
}

// checkWatchFlags validates what needs no file or network, so a typo
// costs nothing.
func checkWatchFlags(f watchFlags) (*watchConfig, error) {
	cfg := &watchConfig{}
	var err error
	if len(f.rules) == 0 && !f.docker {
		return nil, usageErr("watch: --rules FILE is required (a Falco rules file, e.g. k8s_audit_rules.yaml); only --docker has rules of its own")
	}
	for _, r := range f.rules {
		if strings.TrimSpace(r) == "" {
			return nil, usageErr("watch: --rules: empty file name")
		}
	}
	if f.webhook == "" && f.auditFile == "" && !f.docker {
		return nil, usageErr("watch: no event source: give --k8s-audit-webhook ADDR, --k8s-audit-file FILE or --docker")
	}
	if cfg.format, err = alert.ParseFormat(f.output); err != nil {
		return nil, usageErr("watch: --output: %v", err)
	}
	if cfg.min, err = alert.ParsePriority(f.minPriority); err != nil {
		return nil, usageErr("watch: --min-priority: %v", err)
	}
	if cfg.policy, err = engine.ParsePolicy(f.match); err != nil {
		return nil, usageErr("watch: --match: %v", err)
	}
	if f.follow && f.auditFile == "" {
		return nil, usageErr("watch: --follow needs --k8s-audit-file")
	}
	if f.webhook == "" {
		for _, fl := range []struct{ name, v string }{{"--tls-cert", f.tlsCert}, {"--tls-key", f.tlsKey}, {"--client-ca", f.clientCA}, {"--token-file", f.tokenFile}} {
			if fl.v != "" {
				return nil, usageErr("watch: %s needs --k8s-audit-webhook", fl.name)
			}
		}
	} else {
		if _, _, err := net.SplitHostPort(f.webhook); err != nil {
			return nil, usageErr("watch: --k8s-audit-webhook: %v (want HOST:PORT or :PORT)", err)
		}
		if (f.tlsCert == "") != (f.tlsKey == "") {
			return nil, usageErr("watch: --tls-cert and --tls-key go together")
		}
		if f.clientCA != "" && f.tlsCert == "" {
			return nil, usageErr("watch: --client-ca needs --tls-cert and --tls-key")
		}
		n, err := units.RAMInBytes(f.maxBody)
		if err != nil || n <= 0 {
			return nil, usageErr("watch: --max-body: %q is not a positive size (e.g. 12MiB)", f.maxBody)
		}
		cfg.maxBody = n
		if f.queue <= 0 {
			return nil, usageErr("watch: --queue must be positive")
		}
	}
	if f.metrics != "" {
		if _, _, err := net.SplitHostPort(f.metrics); err != nil {
			return nil, usageErr("watch: --metrics: %v (want HOST:PORT or :PORT)", err)
		}
	}
	return cfg, nil
}

// webhookConfig loads the certificate, client CA and token.
func webhookConfig(f watchFlags, cfg *watchConfig) (*webhookOptions, error) {
	o := &webhookOptions{Addr: f.webhook, Path: "/k8s-audit", MaxBody: cfg.maxBody, Queue: f.queue}
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return nil, usageErr("watch: --tls-cert/--tls-key: %v", err)
		}
		o.TLS = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		if f.clientCA != "" {
			pem, err := os.ReadFile(f.clientCA)
			if err != nil {
				return nil, usageErr("watch: --client-ca: %v", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, usageErr("watch: --client-ca: %s holds no PEM certificate", f.clientCA)
			}
			o.TLS.ClientCAs = pool
			o.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return nil, usageErr("watch: --token-file: %v", err)
		}
		o.Token = strings.TrimSpace(string(b))
		if o.Token == "" || strings.ContainsAny(o.Token, " \t\r\n") {
			return nil, usageErr("watch: --token-file: %s must hold one token on one line", f.tokenFile)
		}
	}
	return o, nil
}

// eventSink is what the sources hand their events to: it evaluates them
// against the rules and writes the alerts. Safe for concurrent use.
type eventSink struct {
	eng     *engine.Engine
	out     alert.Writer
	metrics *alert.Metrics
	warn    func(error)

	events atomic.Int64
	alerts atomic.Int64
	drops  atomic.Int64
}

// Received counts an event of source on intake, before any queue.
func (s *eventSink) Received(source string) { s.metrics.Received(source).Inc() }

// Event evaluates ev, an event of source that happened at t, and writes
// its alerts.
func (s *eventSink) Event(source string, t time.Time, ev fields.Event) {
	s.events.Add(1)
	as, err := s.eng.Evaluate(source, t, ev, nil)
	if err != nil {
		s.warn(err)
	}
	for _, a := range as {
		s.alerts.Add(1)
		if err := s.out.Write(a); err != nil {
			s.warn(err)
		}
	}
}

// Drop counts an event dropped for reason (an alert.Drop constant);
// err, when not nil, is reported.
func (s *eventSink) Drop(reason string, err error) {
	s.drops.Add(1)
	s.metrics.Drop(reason)
	if err != nil {
		s.warn(err)
	}
}

// Warn reports a problem that does not stop the run (a malformed event).
func (s *eventSink) Warn(err error) { s.warn(err) }

// warner prints warnings to standard error, at most limit of them.
type warner struct {
	mu    sync.Mutex
	e     *env
	n     int
	limit int
}

func (w *warner) warn(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	switch {
	case w.n <= w.limit:
		fmt.Fprintf(w.e.stderr, "bulwark: watch: %v\n", err)
	case w.n == w.limit+1:
		fmt.Fprintf(w.e.stderr, "bulwark: watch: further warnings not shown (see the metrics)\n")
	}
}

// runWatch checks the flags, loads the rules, sets up the outputs and
// metrics, runs the sources and waits for them.
func runWatch(parent context.Context, e *env, f watchFlags, seams watchSeams) error {
	cfg, err := checkWatchFlags(f)
	if err != nil {
		return err
	}
	var wh *webhookOptions
	if f.webhook != "" {
		if wh, err = webhookConfig(f, cfg); err != nil {
			return err
		}
		if wh.Token != "" && wh.TLS == nil {
			fmt.Fprintln(e.stderr, "bulwark: watch: warning: --token-file without TLS: the token crosses the network in clear")
		}
	}
	w := &warner{e: e, limit: 100}
	rules, prepare, warnings, err := seams.loadRules(f.rules, f.docker)
	if err != nil {
		return usageErr("watch: %v", err)
	}
	for _, msg := range warnings {
		fmt.Fprintf(e.stderr, "bulwark: watch: warning: %s\n", msg)
	}
	host := e.getenv("BULWARK_HOSTNAME")
	if host == "" {
		host, _ = seams.hostname()
	}
	metrics := alert.NewMetrics()
	eng, err := engine.New(rules, engine.Options{Policy: cfg.policy, MinPriority: &cfg.min, Hostname: host, Metrics: metrics, TimeField: "evt.time", Prepare: prepare})
	if err != nil {
		return usageErr("watch: %v", err)
	}
	for _, src := range enabledSources(f) {
		if eng.Rules(src) == 0 {
			fmt.Fprintf(e.stderr, "bulwark: watch: warning: no rule at or above %s applies to source %s: its events raise nothing\n", cfg.min, src)
		}
	}

	out, err := openAlertOutputs(e, f, cfg, metrics, w.warn)
	if err != nil {
		return err
	}
	var srv *http.Server
	if f.metrics != "" {
		ln, err := net.Listen("tcp", f.metrics)
		if err != nil {
			_ = out.Close()
			return &exitError{code: exitIncomplete, err: fmt.Errorf("watch: --metrics: %w", err)}
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { _, _ = rw.Write([]byte("ok\n")) })
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
	}

	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sink := &eventSink{eng: eng, out: out, metrics: metrics, warn: w.warn}

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []error
	)
	start := func(name string, run func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := run()
			if err == nil || (ctx.Err() != nil && errors.Is(err, context.Canceled)) {
				return
			}
			mu.Lock()
			failures = append(failures, fmt.Errorf("%s: %w", name, err))
			mu.Unlock()
			cancel() // one source failing ends the run
		}()
	}
	if wh != nil {
		start("--k8s-audit-webhook "+wh.Addr, func() error { return seams.k8sWebhook(ctx, *wh, sink) })
	}
	if f.auditFile != "" {
		start("--k8s-audit-file "+f.auditFile, func() error { return seams.k8sFile(ctx, f.auditFile, f.follow, sink) })
	}
	if f.docker {
		start("--docker", func() error { return seams.docker(ctx, sink) })
	}
	wg.Wait()

	if err := out.Close(); err != nil {
		w.warn(err)
	}
	if srv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(sctx)
		scancel()
	}
	fmt.Fprintf(e.stderr, "bulwark: watch: %d %s evaluated, %d %s, %d dropped\n",
		sink.events.Load(), plural(int(sink.events.Load()), "event"), sink.alerts.Load(), plural(int(sink.alerts.Load()), "alert"), sink.drops.Load())
	if len(failures) > 0 {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("watch: %w", errors.Join(failures...))}
	}
	return nil
}

// enabledSources names the sources the flags turn on.
func enabledSources(f watchFlags) []string {
	var s []string
	if f.webhook != "" || f.auditFile != "" {
		s = append(s, sourceK8sAudit)
	}
	if f.docker {
		s = append(s, sourceDocker)
	}
	return s
}

// openAlertOutputs makes the writers: standard output or the file, and
// the HTTP endpoint.
func openAlertOutputs(e *env, f watchFlags, cfg *watchConfig, m *alert.Metrics, warn func(error)) (alert.Writer, error) {
	enc := alert.Encoder{Format: cfg.format}
	var primary alert.Writer = alert.NewStreamWriter(e.stdout, enc)
	if f.outputFile != "" {
		fw, err := alert.OpenFile(f.outputFile, enc)
		if err != nil {
			return nil, usageErr("watch: --output-file: %v", err)
		}
		primary = fw
	}
	if f.httpOutput == "" {
		return primary, nil
	}
	hw, err := alert.NewHTTPWriter(alert.HTTPOptions{
		URL:       f.httpOutput,
		Encoder:   alert.Encoder{Format: alert.JSON},
		UserAgent: "bulwark/" + toolVersion(),
		Metrics:   m,
		OnError:   warn,
	})
	if err != nil {
		_ = primary.Close()
		return nil, usageErr("watch: --http-output: %v", err)
	}
	return alert.Multi(primary, hw), nil
}
