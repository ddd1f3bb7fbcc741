package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/runtime/alert"
	"github.com/bulwark-sec/bulwark/runtime/engine"
	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// verbEvent is a fake audit event: only its verb and user matter.
type verbEvent struct{ verb, user string }

func (verbEvent) Extract(fields.Ref, []fields.Value) ([]fields.Value, bool) { return nil, false }

// fakeRules stand for a loaded k8s_audit rules file and a docker one.
func fakeRules([]string, bool) ([]engine.Rule, func(string, fields.Event) (fields.Event, func()), []string, error) {
	is := func(verb string) func(fields.Event) bool {
		return func(ev fields.Event) bool { return ev.(verbEvent).verb == verb }
	}
	out := func(what string) func(fields.Event, []byte) []byte {
		return func(ev fields.Event, b []byte) []byte {
			return append(append(append(b, what...), " user="...), ev.(verbEvent).user...)
		}
	}
	ofs := func(ev fields.Event) map[string]any { return map[string]any{"ka.user.name": ev.(verbEvent).user} }
	return []engine.Rule{
		{Name: "Create Privileged Pod", Priority: alert.PriorityWarning, Source: sourceK8sAudit, Tags: []string{"k8s"}, Match: is("create"), Output: out("privileged pod"), OutputFields: ofs},
		{Name: "Exec into Pod", Priority: alert.PriorityNotice, Source: sourceK8sAudit, Tags: []string{"k8s"}, Match: is("exec"), Output: out("exec"), OutputFields: ofs},
		{Name: "Docker Privileged", Priority: alert.PriorityCritical, Source: sourceDocker, Match: is("create"), Output: out("privileged container")},
	}, nil, []string{"rule Read sensitive file untrusted: source syscall is not read by Bulwark, skipped"}, nil
}

// replay is a fake audit file source: it hands the events and ends.
func replay(evs ...verbEvent) func(context.Context, string, bool, *eventSink) error {
	return func(_ context.Context, _ string, _ bool, s *eventSink) error {
		for i, ev := range evs {
			s.Received(sourceK8sAudit)
			s.Event(sourceK8sAudit, time.Date(2025, 3, 4, 10, 11, 12, i, time.UTC), ev)
		}
		return nil
	}
}

// untilDone is a fake long-running source.
func untilDone(ctx context.Context, _ *eventSink) error { <-ctx.Done(); return ctx.Err() }

func fakeSeams() watchSeams {
	return watchSeams{
		loadRules: fakeRules,
		k8sWebhook: func(ctx context.Context, _ webhookOptions, _ *eventSink) error {
			<-ctx.Done()
			return nil
		},
		k8sFile:  replay(),
		docker:   untilDone,
		hostname: func() (string, error) { return "node-7", nil },
	}
}

// runWatchCLI runs bulwark watch with the given seams, as run does.
func runWatchCLI(t *testing.T, seams watchSeams, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, terminal: func(io.Writer) bool { return false }, getenv: getenv}
	if getenv == nil {
		e.getenv = func(string) string { return "" }
	}
	root := newRoot(e)
	for _, c := range root.Commands() {
		if c.Name() == "watch" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(newWatchCmdWith(e, seams))
	root.SetArgs(append([]string{"watch"}, args...))
	err := root.Execute()
	code := exitOK
	if err != nil {
		code = exitUsage
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		errb.WriteString("bulwark: " + err.Error() + "\n")
	}
	return code, out.String(), errb.String()
}

func TestWatchFlagValidation(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"no rules", []string{"--k8s-audit-file", "a.log"}, "--rules FILE is required"},
		{"no source", []string{"--rules", "r.yaml"}, "no event source"},
		{"bad output", []string{"--rules", "r.yaml", "--docker", "--output", "yaml"}, `--output: unknown alert format "yaml"`},
		{"bad priority", []string{"--rules", "r.yaml", "--docker", "--min-priority", "warn"}, `--min-priority: unknown priority "warn"`},
		{"bad match", []string{"--rules", "r.yaml", "--docker", "--match", "any"}, `--match: unknown rule matching policy "any"`},
		{"follow without file", []string{"--rules", "r.yaml", "--docker", "--follow"}, "--follow needs --k8s-audit-file"},
		{"tls without webhook", []string{"--rules", "r.yaml", "--docker", "--tls-cert", "c"}, "--tls-cert needs --k8s-audit-webhook"},
		{"token without webhook", []string{"--rules", "r.yaml", "--docker", "--token-file", "t"}, "--token-file needs --k8s-audit-webhook"},
		{"bad webhook address", []string{"--rules", "r.yaml", "--k8s-audit-webhook", "9765"}, "--k8s-audit-webhook: address 9765: missing port"},
		{"cert without key", []string{"--rules", "r.yaml", "--k8s-audit-webhook", ":9765", "--tls-cert", "c"}, "--tls-cert and --tls-key go together"},
		{"client CA without TLS", []string{"--rules", "r.yaml", "--k8s-audit-webhook", ":9765", "--client-ca", "ca"}, "--client-ca needs --tls-cert"},
		{"bad max body", []string{"--rules", "r.yaml", "--k8s-audit-webhook", ":9765", "--max-body", "lots"}, `--max-body: "lots" is not a positive size`},
		{"zero queue", []string{"--rules", "r.yaml", "--k8s-audit-webhook", ":9765", "--queue", "0"}, "--queue must be positive"},
		{"bad metrics address", []string{"--rules", "r.yaml", "--docker", "--metrics", "metrics"}, "--metrics: address metrics: missing port"},
		{"unreadable token", []string{"--rules", "r.yaml", "--k8s-audit-webhook", ":9765", "--token-file", filepath.Join(dir, "none")}, "--token-file: open"},
		{"unreadable cert", []string{"--rules", "r.yaml", "--k8s-audit-webhook", ":9765", "--tls-cert", filepath.Join(dir, "c"), "--tls-key", filepath.Join(dir, "k")}, "--tls-cert/--tls-key: open"},
		{"bad HTTP output", []string{"--rules", "r.yaml", "--docker", "--http-output", "falcosidekick:2801"}, "--http-output: HTTP alert output"},
		{"output file in a missing directory", []string{"--rules", "r.yaml", "--docker", "--output-file", filepath.Join(dir, "no", "a.log")}, "--output-file: opening alert file"},
		{"arguments", []string{"--rules", "r.yaml", "--docker", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runWatchCLI(t, fakeSeams(), nil, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not say %q", stderr, tt.want)
			}
		})
	}
	// The real command rejects an unknown flag as a usage error too.
	if code, _, stderr := runCLI(t, "watch", "--rule", "x"); code != exitUsage || !strings.Contains(stderr, "unknown flag: --rule") {
		t.Errorf("unknown flag: exit %d, %q", code, stderr)
	}
}

func TestWatchHelp(t *testing.T) {
	code, out, _ := runCLI(t, "watch", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--audit-webhook-config-file", "http://falcosidekick:2801/", "--k8s-audit-file", "Exit codes", "--min-priority", "kind: Config"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestWatchReplayJSON(t *testing.T) {
	seams := fakeSeams()
	seams.k8sFile = replay(verbEvent{"create", "alice"}, verbEvent{"get", "bob"}, verbEvent{"exec", "eve"})
	getenv := func(k string) string {
		if k == "BULWARK_HOSTNAME" {
			return "pod-3"
		}
		return ""
	}
	code, stdout, stderr := runWatchCLI(t, seams, getenv, "--rules", "k8s.yaml", "--k8s-audit-file", "audit.log", "--output", "json")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d alerts, want 2 (create and exec; get matches nothing):\n%s", len(lines), stdout)
	}
	var a struct {
		Rule, Priority, Output, Source, Hostname, Time string
		OutputFields                                   map[string]any `json:"output_fields"`
		Tags                                           []string
	}
	if err := json.Unmarshal([]byte(lines[0]), &a); err != nil {
		t.Fatal(err)
	}
	if a.Rule != "Create Privileged Pod" || a.Priority != "Warning" || a.Source != "k8s_audit" || a.Hostname != "pod-3" ||
		a.Time != "2025-03-04T10:11:12.000000000Z" || !strings.HasSuffix(a.Output, ": Warning privileged pod user=alice") ||
		a.OutputFields["ka.user.name"] != "alice" || a.OutputFields["evt.time"] == nil || len(a.Tags) != 1 {
		t.Errorf("alert %+v", a)
	}
	for _, want := range []string{"warning: rule Read sensitive file untrusted", "3 events evaluated, 2 alerts, 0 dropped"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
}

func TestWatchMatchFirstAndMinPriority(t *testing.T) {
	seams := fakeSeams()
	seams.k8sFile = replay(verbEvent{"create", "alice"}, verbEvent{"exec", "eve"})
	// exec is a Notice rule: below --min-priority warning it never runs.
	code, stdout, stderr := runWatchCLI(t, seams, nil, "--rules", "k8s.yaml", "--k8s-audit-file", "a.log", "--min-priority", "WARNING", "--match", "first")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, ": Warning privileged pod user=alice") || strings.Contains(stdout, "exec") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestWatchNoRuleForSourceWarns(t *testing.T) {
	seams := fakeSeams()
	seams.loadRules = func([]string, bool) ([]engine.Rule, func(string, fields.Event) (fields.Event, func()), []string, error) {
		return nil, nil, nil, nil
	}
	_, _, stderr := runWatchCLI(t, seams, nil, "--rules", "r.yaml", "--k8s-audit-file", "a.log")
	if !strings.Contains(stderr, "no rule at or above Debug applies to source k8s_audit") {
		t.Errorf("stderr %q", stderr)
	}
	seams.loadRules = func([]string, bool) ([]engine.Rule, func(string, fields.Event) (fields.Event, func()), []string, error) {
		return nil, nil, nil, errors.New("r.yaml:3:5: undefined macro")
	}
	code, _, stderr := runWatchCLI(t, seams, nil, "--rules", "r.yaml", "--k8s-audit-file", "a.log")
	if code != exitUsage || !strings.Contains(stderr, "r.yaml:3:5: undefined macro") {
		t.Errorf("rules error: exit %d, %q", code, stderr)
	}
}

func TestWatchFileAndHTTPOutputs(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	defer srv.Close()
	seams := fakeSeams()
	seams.k8sFile = replay(verbEvent{"create", "alice"}, verbEvent{"exec", "eve"})
	file := filepath.Join(t.TempDir(), "alerts.log")
	code, stdout, stderr := runWatchCLI(t, seams, nil, "--rules", "r.yaml", "--k8s-audit-file", "a.log", "--output-file", file, "--http-output", srv.URL+"/")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("alerts went to stdout with --output-file: %q", stdout)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 2 || !strings.Contains(string(b), ": Notice exec user=eve") {
		t.Errorf("file holds %d text alerts:\n%s", n, b)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 {
		t.Fatalf("%d POSTs, want 2", len(bodies))
	}
	for _, body := range bodies {
		if !json.Valid([]byte(strings.TrimSpace(body))) {
			t.Errorf("HTTP output is JSON whatever --output says: %q", body)
		}
	}
}

func TestWatchSourceFailureExits3(t *testing.T) {
	seams := fakeSeams()
	seams.k8sFile = func(context.Context, string, bool, *eventSink) error {
		return errors.New("open audit.log: permission denied")
	}
	done := make(chan struct{})
	code, _, stderr := func() (int, string, string) {
		defer close(done)
		// --docker waits for the end: the failing file source must end it.
		return runWatchCLI(t, seams, nil, "--rules", "r.yaml", "--k8s-audit-file", "audit.log", "--docker")
	}()
	<-done
	if code != exitIncomplete || !strings.Contains(stderr, "--k8s-audit-file audit.log: open audit.log: permission denied") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestWatchMetricsEndpoint(t *testing.T) {
	addr := freeAddr(t)
	var scraped string
	seams := fakeSeams()
	seams.k8sFile = func(ctx context.Context, p string, f bool, s *eventSink) error {
		_ = replay(verbEvent{"create", "alice"}, verbEvent{"get", "bob"})(ctx, p, f, s)
		s.Drop(alert.DropMalformed, errors.New("audit.log:3: malformed event"))
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		scraped = string(b)
		return nil
	}
	code, _, stderr := runWatchCLI(t, seams, nil, "--rules", "r.yaml", "--k8s-audit-file", "a.log", "--metrics", addr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		`bulwark_runtime_events_received_total{source="k8s_audit"} 2`,
		`bulwark_runtime_events_evaluated_total{source="k8s_audit"} 2`,
		`bulwark_runtime_alerts_total{priority="Warning",rule="Create Privileged Pod"} 1`,
		`bulwark_runtime_drops_total{reason="malformed"} 1`,
	} {
		if !strings.Contains(scraped, want) {
			t.Errorf("metrics lack %q:\n%s", want, scraped)
		}
	}
	if !strings.Contains(stderr, "audit.log:3: malformed event") || !strings.Contains(stderr, "1 dropped") {
		t.Errorf("stderr %q", stderr)
	}
	// The address is free again after the run.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Errorf("metrics listener left open: %v", err)
	} else {
		ln.Close()
	}
}

func TestWatchMetricsListenFailureExits3(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := runWatchCLI(t, fakeSeams(), nil, "--rules", "r.yaml", "--k8s-audit-file", "a.log", "--metrics", ln.Addr().String())
	if code != exitIncomplete || !strings.Contains(stderr, "--metrics") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// writeCert writes a self-signed certificate and key for 127.0.0.1.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bulwark"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestWatchWebhookOptions(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got webhookOptions
	seams := fakeSeams()
	seams.k8sWebhook = func(_ context.Context, o webhookOptions, _ *eventSink) error { got = o; return nil }
	code, _, stderr := runWatchCLI(t, seams, nil, "--rules", "r.yaml", "--k8s-audit-webhook", "127.0.0.1:9765",
		"--tls-cert", cert, "--tls-key", key, "--client-ca", cert, "--token-file", token, "--max-body", "1MiB", "--queue", "7")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if got.Addr != "127.0.0.1:9765" || got.Path != "/k8s-audit" || got.Token != "s3cret" || got.MaxBody != 1<<20 || got.Queue != 7 {
		t.Errorf("options %+v", got)
	}
	if got.TLS == nil || len(got.TLS.Certificates) != 1 || got.TLS.ClientAuth != tls.RequireAndVerifyClientCert || got.TLS.ClientCAs == nil {
		t.Errorf("TLS config %+v", got.TLS)
	}

	// A token without TLS works, with a warning.
	code, _, stderr = runWatchCLI(t, seams, nil, "--rules", "r.yaml", "--k8s-audit-webhook", ":9765", "--token-file", token)
	if code != exitOK || !strings.Contains(stderr, "without TLS") || got.TLS != nil {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}

	// Bad client CA and an empty token are configuration errors.
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", cert, "--tls-key", key, "--client-ca", junk}, "holds no PEM certificate"},
		{[]string{"--token-file", empty}, "must hold one token on one line"},
	} {
		code, _, stderr := runWatchCLI(t, seams, nil, append([]string{"--rules", "r.yaml", "--k8s-audit-webhook", ":9765"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
}
