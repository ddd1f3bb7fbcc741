package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bulwark-sec/bulwark/source/container/enginetest"
)

const (
	k8sAuditRulesFile = "../../../shared/corpus/falco/falcosecurity__plugins/plugins/k8saudit/rules/k8s_audit_rules.yaml"
	auditTraces       = "../../../shared/corpus/audit/falcosecurity__falco/test/trace_files/k8s_audit"
)

// lockedBuffer is a buffer written by the command and read by the test
// while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// alertLine is the part of a JSON alert the tests read.
type alertLine struct {
	Rule     string `json:"rule"`
	Priority string `json:"priority"`
	Source   string `json:"source"`
	Output   string `json:"output"`
}

func alertsOf(t *testing.T, out string) []alertLine {
	t.Helper()
	var as []alertLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var a alertLine
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("not a JSON alert: %q: %v", sc.Text(), err)
		}
		as = append(as, a)
	}
	return as
}

func ruleNames(as []alertLine) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Rule)
	}
	sort.Strings(out)
	return out
}

// auditLog writes the named corpus traces, one event a line, and a line
// that is not an event, as a JSON-lines audit log.
func auditLog(t *testing.T, traces ...string) string {
	t.Helper()
	var buf bytes.Buffer
	for _, name := range traces {
		b, err := os.ReadFile(filepath.Join(auditTraces, name))
		if err != nil {
			t.Skip("audit corpus not found:", err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			t.Fatal(err)
		}
		buf.Write(compact.Bytes())
		buf.WriteByte('\n')
	}
	buf.WriteString(`{"kind":"NotAnEvent"}` + "\n")
	p := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWatchAuditFile replays an audit log through bulwark watch with the
// k8saudit plugin's rules, as JSON alerts, and reports the bad line.
func TestWatchAuditFile(t *testing.T) {
	log := auditLog(t, "create_nginx_pod_privileged.json", "create_nginx_pod_hostnetwork.json", "exec_pod.json", "create_nginx_pod_unprivileged.json")
	code, out, errOut := runCLI(t, "watch", "--rules", k8sAuditRulesFile, "--k8s-audit-file", log, "--output", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	as := alertsOf(t, out)
	want := []string{"Attach/Exec Pod", "Create HostNetwork Pod", "Create Privileged Pod"} // the unprivileged pod raises nothing
	if got := ruleNames(as); !slices.Equal(got, want) {
		t.Errorf("alerts %q, want %q", got, want)
	}
	for _, a := range as {
		if a.Source != "k8s_audit" || a.Priority == "" || !strings.Contains(a.Output, a.Priority) {
			t.Errorf("alert shape %+v", a)
		}
	}
	if !strings.Contains(errOut, "audit.log:5") {
		t.Errorf("the bad line is not reported with its number: %s", errOut)
	}
}

// TestWatchBadRules: rules that do not load are a usage error naming the
// file and line: a macro loop, an undefined list.
func TestWatchBadRules(t *testing.T) {
	for name, tc := range map[string]struct{ rules, want string }{
		"macro loop": {`- macro: a
  condition: b
- macro: b
  condition: a
- macro: a
  condition: b and ka.verb=get
- rule: r
  desc: d
  condition: a
  output: o
  priority: WARNING
  source: k8s_audit
`, "loop"},
		"undefined list": {`- rule: r
  desc: d
  condition: ka.verb in nosuchlist
  output: o
  priority: WARNING
  source: k8s_audit
`, "nosuchlist"},
		"bad condition": {`- rule: r
  desc: d
  condition: ka.verb = = get
  output: o
  priority: WARNING
  source: k8s_audit
`, "bad.yaml:3:"},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.yaml")
			os.WriteFile(p, []byte(tc.rules), 0o600)
			code, _, errOut := runCLI(t, "watch", "--rules", p, "--k8s-audit-file", "/dev/null")
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}

// startWatch runs bulwark watch with the real sources until the returned
// stop is called; stop returns the command's error.
func startWatch(t *testing.T, f watchFlags) (out *lockedBuffer, errOut *lockedBuffer, stop func() error) {
	t.Helper()
	out, errOut = &lockedBuffer{}, &lockedBuffer{}
	e := &env{stdout: out, stderr: errOut, terminal: func(io.Writer) bool { return false }, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runWatch(ctx, e, f, defaultWatchSeams()) }()
	return out, errOut, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("watch did not stop")
			return nil
		}
	}
}

// waitFor polls until cond holds or the time is up.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lineCounter counts the lines written to it and keeps the last one.
type lineCounter struct {
	mu    sync.Mutex
	lines int
	last  []byte
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines += bytes.Count(p, []byte("\n"))
	c.last = append(c.last[:0], p...)
	return len(p), nil
}

func (c *lineCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lines
}

// TestWatchWebhook posts EventList batches to the audit webhook as the
// API server does, 100,000 events in all (5,000 with -short), and gets
// exactly one alert per privileged pod, with the heap bounded and every
// queued event evaluated before watch stops.
func TestWatchWebhook(t *testing.T) {
	pod, err := os.ReadFile(filepath.Join(auditTraces, "create_nginx_pod_privileged.json"))
	if err != nil {
		t.Skip("audit corpus not found")
	}
	batches, perBatch := 2000, 50
	if testing.Short() {
		batches = 100
	}
	total := batches * perBatch
	addr := freeAddr(t)
	f := defaultWatchFlags()
	f.rules = []string{k8sAuditRulesFile}
	f.webhook = addr
	f.output = "json"
	out, errOut := &lineCounter{}, &lockedBuffer{}
	e := &env{stdout: out, stderr: errOut, terminal: func(io.Writer) bool { return false }, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runWatch(ctx, e, f, defaultWatchSeams()) }()

	var body bytes.Buffer
	body.WriteString(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[`)
	var c bytes.Buffer
	json.Compact(&c, pod)
	for i := range perBatch {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(c.Bytes())
	}
	body.WriteString("]}")
	waitFor(t, "the webhook to listen", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	var peak uint64
	sampled := make(chan struct{})
	stopSampling := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stopSampling:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	for i := range batches {
		resp, err := http.Post("http://"+addr+"/k8s-audit", "application/json", bytes.NewReader(body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("batch %d: %s", i, resp.Status)
		}
	}
	resp, err := http.Post("http://"+addr+"/k8s-audit", "text/plain", strings.NewReader("x"))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("text/plain: %s, want 415", resp.Status)
		}
	}
	// Stop at once: what is queued must still be evaluated.
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("watch: %v; stderr %s", err, errOut)
	}
	elapsed := time.Since(start)
	close(stopSampling)
	<-sampled
	if n := out.count(); n != total {
		t.Errorf("%d alerts, want %d", n, total)
	}
	var last alertLine
	if err := json.Unmarshal(out.last[bytes.LastIndexByte(out.last[:len(out.last)-1], '\n')+1:], &last); err != nil || last.Rule != "Create Privileged Pod" {
		t.Errorf("last alert %q: %v", out.last, err)
	}
	if !strings.Contains(errOut.String(), fmt.Sprintf("%d events evaluated, %d alerts, 0 dropped", total, total)) {
		t.Errorf("summary: %s", errOut)
	}
	if peak > 512<<20 {
		t.Errorf("heap peaked at %d MiB", peak>>20)
	}
	t.Logf("%d events in %s (%.0f events/s), heap peak %d MiB", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), peak>>20)
}

// seedRules is the seed article's rule as written there.
const seedRules = `- rule: Launch Privileged Container
  desc: Detect the initial process started in a privileged container
  condition: >
    spawned_process and container and proc.vpid=1 and
    (container.privileged=true or container.security_context.privileged=true)
  output: >
    Privileged container spawned (user=%user.name command=%proc.cmdline %container.info)
  priority: WARNING
`

// TestWatchDockerPrivileged: on a real engine, creating a privileged
// container (it cannot be started on this machine) raises the seed's rule
// and Bulwark's Docker rule from the create event.
func TestWatchDockerPrivileged(t *testing.T) {
	cli := enginetest.Client(t)
	ref := "bulwark-watch-test:latest"
	enginetest.Image(t, cli, ref, "bulwark test image\n")
	seed := filepath.Join(t.TempDir(), "seed.yaml")
	os.WriteFile(seed, []byte(seedRules), 0o600)
	f := defaultWatchFlags()
	f.rules = []string{seed}
	f.docker = true
	f.output = "json"
	out, errOut, stop := startWatch(t, f)
	time.Sleep(500 * time.Millisecond) // the event stream opens
	ctx := context.Background()
	name := fmt.Sprintf("bulwark-watch-priv-%d", time.Now().UnixNano())
	res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:       name,
		Config:     &ctypes.Config{Image: ref, Cmd: []string{"/hello"}},
		HostConfig: &ctypes.HostConfig{Privileged: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cli.ContainerRemove(context.Background(), res.ID, client.ContainerRemoveOptions{Force: true})
	})
	want := []string{"Launch Privileged Container", "Launch Privileged Container (Docker)"}
	waitFor(t, "the alerts", func() bool {
		got := out.String()
		return strings.Contains(got, `"rule":"`+want[0]+`"`) && strings.Contains(got, `"rule":"`+want[1]+`"`)
	})
	if err := stop(); err != nil {
		t.Fatalf("watch: %v; stderr %s", err, errOut)
	}
	for _, a := range alertsOf(t, out.String()) {
		t.Logf("%s (%s): %s", a.Rule, a.Source, a.Output)
	}
}

// defaultWatchFlags are the flags' defaults, as bulwark watch registers
// them.
func defaultWatchFlags() watchFlags {
	return watchFlags{maxBody: "12MiB", queue: 50, output: "text", minPriority: "debug", match: "all"}
}

// TestWatchWebhookRejectedBodiesCounted: a webhook body that is not audit
// JSON (400) or is over --max-body (413) loses its events, as a bad line
// of an audit log does; each is counted as a drop, like the file's.
func TestWatchWebhookRejectedBodiesCounted(t *testing.T) {
	addr := freeAddr(t)
	f := defaultWatchFlags()
	f.rules = []string{k8sAuditRulesFile}
	if _, err := os.Stat(k8sAuditRulesFile); err != nil {
		t.Skip("rules corpus not found")
	}
	f.webhook = addr
	f.maxBody = "1KiB"
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	e := &env{stdout: out, stderr: errOut, terminal: func(io.Writer) bool { return false }, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runWatch(ctx, e, f, defaultWatchSeams()) }()
	waitFor(t, "the webhook to listen", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	for _, c := range []struct {
		body string
		want int
	}{
		{"garbage", http.StatusBadRequest},                                        // dropped: malformed
		{`[` + strings.Repeat(" ", 2048) + `]`, http.StatusRequestEntityTooLarge}, // dropped: too large
	} {
		resp, err := http.Post("http://"+addr+"/k8s-audit", "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Fatalf("%.20q: %s, want %d", c.body, resp.Status, c.want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("watch: %v; stderr %s", err, errOut)
	}
	if !strings.Contains(errOut.String(), "0 events evaluated, 0 alerts, 2 dropped") {
		t.Errorf("summary: %s", errOut)
	}
}
