package k8saudit

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pki is a throwaway CA with a server certificate for 127.0.0.1 and a
// client certificate, written as PEM files.
type pki struct {
	caFile, certFile, keyFile string
	pool                      *x509.CertPool
	client                    tls.Certificate
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "bulwark test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, ip bool) ([]byte, []byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		if ip {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), key
	}
	p := pki{caFile: filepath.Join(dir, "ca.pem"), certFile: filepath.Join(dir, "server.pem"), keyFile: filepath.Join(dir, "server-key.pem")}
	write := func(path string, b []byte) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(p.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	sc, sk, _ := issue(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, true)
	write(p.certFile, sc)
	write(p.keyFile, sk)
	cc, ck, _ := issue(3, "kube-apiserver", x509.ExtKeyUsageClientAuth, false)
	if p.client, err = tls.X509KeyPair(cc, ck); err != nil {
		t.Fatal(err)
	}
	p.pool = x509.NewCertPool()
	p.pool.AddCert(ca)
	return p
}

// server is a Webhook serving on loopback.
type server struct {
	w      *Webhook
	url    string
	client *http.Client
	stop   func() error // cancels and waits for Serve
}

func startWebhook(t *testing.T, p pki, cfg WebhookConfig, deliver func(*Event)) *server {
	t.Helper()
	cfg.CertFile, cfg.KeyFile = p.certFile, p.keyFile
	w, err := NewWebhook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Serve(ctx, ln, deliver) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(30 * time.Second):
				serveErr = errors.New("Serve did not return")
			}
		})
		return serveErr
	}
	t.Cleanup(func() { _ = stop() })
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.pool}, MaxIdleConnsPerHost: 8}
	t.Cleanup(tr.CloseIdleConnections)
	return &server{w: w, url: "https://" + ln.Addr().String() + w.Path(), client: &http.Client{Transport: tr, Timeout: 30 * time.Second}, stop: stop}
}

func (s *server) post(t *testing.T, contentType string, body []byte, hdr ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// eventJSON is a realistic v1 audit event (a pod creation) with the
// given auditID.
func eventJSON(id string) string {
	return `{"level":"RequestResponse","auditID":"` + id + `","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods","verb":"create","user":{"username":"system:serviceaccount:kube-system:replicaset-controller","groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.0.0.7"],"userAgent":"kube-controller-manager/v1.30.0","objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"generateName":"web-"},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27","securityContext":{"privileged":true}}],"securityContext":{}}},"responseObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-x1"}},"requestReceivedTimestamp":"2024-05-01T10:00:00.000000Z","stageTimestamp":"2024-05-01T10:00:00.010000Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}`
}

// eventList is an EventList as the API server's webhook backend sends
// it, holding n events numbered from first.
func eventList(first, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(eventJSON(fmt.Sprintf("ev-%07d", first+i)))
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// collector gathers delivered events.
type collector struct {
	mu  sync.Mutex
	ids []string
	num []uint64
}

func (c *collector) deliver(e *Event) {
	c.mu.Lock()
	c.ids = append(c.ids, e.AuditID())
	c.num = append(c.num, e.Num())
	c.mu.Unlock()
}

func TestWebhookRequests(t *testing.T) {
	p := newPKI(t)
	const token = "s3cret-token"
	var col collector
	var errMu sync.Mutex
	var errs []string
	s := startWebhook(t, p, WebhookConfig{
		BearerToken: token,
		Limits:      Limits{MaxBatchSize: 64 << 10},
		OnError:     func(err error) { errMu.Lock(); errs = append(errs, err.Error()); errMu.Unlock() },
	}, col.deliver)
	auth := []string{"Authorization", "Bearer " + token}
	cases := []struct {
		name        string
		contentType string
		body        []byte
		hdr         []string
		want        int
	}{
		{"good batch", "application/json", eventList(1, 3), auth, http.StatusOK},
		{"charset parameter", "application/json; charset=utf-8", eventList(4, 1), auth, http.StatusOK},
		{"wrong content type", "text/plain", eventList(100, 1), auth, http.StatusUnsupportedMediaType},
		{"no content type", "", eventList(100, 1), auth, http.StatusUnsupportedMediaType},
		{"body over the limit", "application/json", eventList(100, 100), auth, http.StatusRequestEntityTooLarge},
		{"no token", "application/json", eventList(100, 1), nil, http.StatusUnauthorized},
		{"wrong token", "application/json", eventList(100, 1), []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"basic auth", "application/json", eventList(100, 1), []string{"Authorization", "Basic " + token}, http.StatusUnauthorized},
		{"malformed JSON", "application/json", []byte(`{"kind":"EventList","items":[`), auth, http.StatusBadRequest},
		{"not audit", "application/json", []byte(`{"kind": 0}`), auth, http.StatusBadRequest},
		// One good event and one of an unknown version: 200, the bad one
		// skipped and reported.
		{"unknown version skipped", "application/json", []byte(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[` +
			eventJSON("ev-0000005") + `,` + strings.Replace(eventJSON("ev-bad"), `{"level"`, `{"apiVersion":"audit.k8s.io/v2","level"`, 1) + `]}`), auth, http.StatusOK},
		{"single event", "application/json", []byte(`{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1",` + eventJSON("ev-0000006")[1:]), auth, http.StatusOK},
	}
	for _, c := range cases {
		if got := s.post(t, c.contentType, c.body, c.hdr...); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	// GET is not allowed.
	req, _ := http.NewRequest(http.MethodGet, s.url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := s.client.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if err := s.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	want := []string{"ev-0000001", "ev-0000002", "ev-0000003", "ev-0000004", "ev-0000005", "ev-0000006"}
	if strings.Join(col.ids, " ") != strings.Join(want, " ") {
		t.Errorf("delivered %v, want %v", col.ids, want)
	}
	for i, n := range col.num {
		if n != uint64(i+1) {
			t.Errorf("event %d numbered %d", i, n)
		}
	}
	st := s.w.Stats()
	wantStats := Stats{Payloads: 6, Received: 7, Decoded: 6, Malformed: 3, Rejected: 7, Delivered: 6}
	if st != wantStats {
		t.Errorf("stats %+v, want %+v", st, wantStats)
	}
	errMu.Lock()
	defer errMu.Unlock()
	// The body over the limit (413) is reported too: its events are lost.
	if len(errs) != 4 || !strings.Contains(strings.Join(errs, "\n"), `unknown audit apiVersion "audit.k8s.io/v2"`) ||
		!strings.Contains(strings.Join(errs, "\n"), "payload too large: body larger than") {
		t.Errorf("errors reported: %q", errs)
	}
}

func TestWebhookClientCertificate(t *testing.T) {
	p := newPKI(t)
	var col collector
	cfg := WebhookConfig{ClientCAFile: p.caFile, OnError: func(error) {}}
	s := startWebhook(t, p, cfg, col.deliver)
	// Without a client certificate the handshake fails.
	req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(eventList(1, 1)))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := s.client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("no client certificate: status %d, want a TLS error", resp.StatusCode)
	}
	// With one signed by the CA it works.
	s.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{p.client}}}}
	if got := s.post(t, "application/json", eventList(1, 2)); got != http.StatusOK {
		t.Fatalf("client certificate: status %d", got)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if len(col.ids) != 2 {
		t.Errorf("delivered %v", col.ids)
	}
}

func TestWebhookQueueFull(t *testing.T) {
	p := newPKI(t)
	started := make(chan struct{})
	release := make(chan struct{})
	var delivered atomic.Int64
	var once sync.Once
	deliver := func(*Event) {
		once.Do(func() { close(started); <-release })
		delivered.Add(1)
	}
	s := startWebhook(t, p, WebhookConfig{QueueSize: 1, EnqueueTimeout: -1}, deliver)
	if got := s.post(t, "application/json", eventList(1, 2)); got != http.StatusOK {
		t.Fatalf("batch 1: %d", got)
	}
	<-started // the consumer holds batch 1
	if got := s.post(t, "application/json", eventList(3, 2)); got != http.StatusOK {
		t.Fatalf("batch 2 (queued): %d", got)
	}
	if got := s.post(t, "application/json", eventList(5, 3)); got != http.StatusServiceUnavailable {
		t.Fatalf("batch 3: %d, want 503", got)
	}
	close(release)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	st := s.w.Stats()
	if st.Dropped != 3 || st.Decoded != 7 || st.Delivered != 4 || delivered.Load() != 4 {
		t.Errorf("stats %+v, delivered %d; want 3 dropped, 4 delivered", st, delivered.Load())
	}
}

// TestWebhookMemoryBudget drops a batch when the queued events would
// hold more memory than allowed, though the queue has room.
func TestWebhookMemoryBudget(t *testing.T) {
	p := newPKI(t)
	started := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	var delivered atomic.Int64
	deliver := func(*Event) {
		once.Do(func() { close(started); <-release })
		delivered.Add(1)
	}
	s := startWebhook(t, p, WebhookConfig{QueueSize: 10, MaxQueuedBytes: 1, EnqueueTimeout: 20 * time.Millisecond}, deliver)
	if got := s.post(t, "application/json", eventList(1, 2)); got != http.StatusOK {
		t.Fatalf("batch 1: %d", got)
	}
	<-started // batch 1 holds the whole budget until delivered
	if got := s.post(t, "application/json", eventList(3, 1)); got != http.StatusServiceUnavailable {
		t.Fatalf("batch 2: %d, want 503", got)
	}
	close(release)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if st := s.w.Stats(); st.Dropped != 1 || st.Delivered != 2 || delivered.Load() != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestWebhookInFlight refuses a request while the only slot is held by
// one whose body is still arriving.
func TestWebhookInFlight(t *testing.T) {
	p := newPKI(t)
	var col collector
	s := startWebhook(t, p, WebhookConfig{MaxInFlight: 1, EnqueueTimeout: -1}, col.deliver)
	body := eventList(1, 2)
	pr, pw := io.Pipe()
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.url, pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.client.Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	if _, err := pw.Write(body[:100]); err != nil {
		t.Fatal(err)
	}
	// Probe with empty lists until the held slot turns one away.
	deadline := time.Now().Add(10 * time.Second)
	for s.post(t, "application/json", []byte(`{"kind":"EventList","items":[]}`)) != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("no 503 while the slot was held")
		}
		time.Sleep(5 * time.Millisecond)
	}
	pw.Write(body[100:])
	pw.Close()
	if code := <-first; code != http.StatusOK {
		t.Fatalf("held request: %d", code)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if len(col.ids) != 2 || s.w.Stats().Rejected == 0 {
		t.Errorf("delivered %v, stats %+v", col.ids, s.w.Stats())
	}
}

// TestWebhookLoad posts 100,000 events in batches of 500 from four
// clients over TLS on loopback, then shuts down at once: every event is
// delivered exactly once, the heap stays bounded and the queue drains.
func TestWebhookLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const total, batch, clients = 100_000, 500, 4
	p := newPKI(t)
	var count atomic.Int64
	seen := make([]atomic.Bool, total+1)
	var dup atomic.Int64
	var slow atomic.Bool
	deliver := func(e *Event) {
		var n int
		fmt.Sscanf(e.AuditID(), "ev-%d", &n)
		if n < 1 || n > total || seen[n].Swap(true) {
			dup.Add(1)
		}
		if slow.Load() && n%100 == 0 {
			time.Sleep(time.Millisecond)
		}
		count.Add(1)
	}
	s := startWebhook(t, p, WebhookConfig{QueueSize: 8, EnqueueTimeout: time.Minute}, deliver)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	bodies := make(chan int)
	var wg sync.WaitGroup
	var failed atomic.Int64
	var peak atomic.Uint64
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := range bodies {
				req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(eventList(first, batch)))
				req.Header.Set("Content-Type", "application/json")
				resp, err := s.client.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
					if err == nil {
						resp.Body.Close()
					}
					continue
				}
				resp.Body.Close()
				if first%(batch*20) == 1 {
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					if ms.HeapAlloc > peak.Load() {
						peak.Store(ms.HeapAlloc)
					}
				}
			}
		}()
	}
	for first := 1; first <= total; first += batch {
		if first == total-batch*4+1 {
			slow.Store(true) // leave work in the queue for the shutdown
		}
		bodies <- first
	}
	close(bodies)
	wg.Wait()
	queued := len(s.w.queue)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if failed.Load() != 0 {
		t.Fatalf("%d requests failed", failed.Load())
	}
	if count.Load() != total || dup.Load() != 0 {
		t.Fatalf("delivered %d events (%d duplicates or strangers), want %d", count.Load(), dup.Load(), total)
	}
	st := s.w.Stats()
	if st.Received != total || st.Decoded != total || st.Delivered != total || st.Dropped != 0 || st.Malformed != 0 || st.Payloads != total/batch {
		t.Errorf("stats %+v", st)
	}
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d events in %v (%.0f events/s), %d batches queued at shutdown, heap %d MiB → %d MiB (peak sampled %d MiB)",
		total, elapsed, float64(total)/elapsed.Seconds(), queued, before.HeapAlloc>>20, after.HeapAlloc>>20, peak.Load()>>20)
	if growth > 32<<20 {
		t.Errorf("heap grew by %d MiB", growth>>20)
	}
	if peak.Load() > 256<<20 {
		t.Errorf("heap peaked at %d MiB", peak.Load()>>20)
	}
}
