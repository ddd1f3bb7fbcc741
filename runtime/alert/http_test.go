package alert

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// errs collects what a writer reports.
type errs struct {
	mu   sync.Mutex
	list []error
}

func (e *errs) add(err error) { e.mu.Lock(); e.list = append(e.list, err); e.mu.Unlock() }

func (e *errs) all() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.list...)
}

func TestHTTPWriterRetriesThenDelivers(t *testing.T) {
	var calls atomic.Int32
	var got []byte
	var ctype, agent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 { // fails twice
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		got, _ = io.ReadAll(r.Body)
		ctype, agent = r.Header.Get("Content-Type"), r.Header.Get("User-Agent")
	}))
	defer srv.Close()
	m := NewMetrics()
	var e errs
	w, err := NewHTTPWriter(HTTPOptions{
		URL: srv.URL, Encoder: Encoder{Format: JSON, Location: time.UTC},
		Backoff: time.Millisecond, MaxAttempts: 3, Metrics: m, OnError: e.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(sampleAlerts()[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d attempts, want 3", calls.Load())
	}
	var p falcosidekickPayload
	if err := json.Unmarshal(got, &p); err != nil || p.Rule != "Create Privileged Pod" {
		t.Errorf("body %s: %v", got, err)
	}
	if ctype != "application/json" || agent != "bulwark" {
		t.Errorf("Content-Type %q, User-Agent %q", ctype, agent)
	}
	if n := testutil.ToFloat64(m.httpFailures); n != 2 {
		t.Errorf("%v failed attempts counted, want 2", n)
	}
	if n := testutil.CollectAndCount(m.drops); n != 0 {
		t.Errorf("%d drop series, want none", n)
	}
	if len(e.all()) != 0 {
		t.Errorf("errors reported for a delivered alert: %v", e.all())
	}
}

func TestHTTPWriterGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		attempts int32
	}{
		{"server error is retried", http.StatusInternalServerError, 3},
		{"too many requests is retried", http.StatusTooManyRequests, 3},
		{"bad request is not retried", http.StatusBadRequest, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			m := NewMetrics()
			var e errs
			w, err := NewHTTPWriter(HTTPOptions{URL: srv.URL, Backoff: time.Millisecond, Metrics: m, OnError: e.add})
			if err != nil {
				t.Fatal(err)
			}
			_ = w.Write(sampleAlerts()[1])
			_ = w.Close()
			if calls.Load() != tc.attempts {
				t.Errorf("%d attempts, want %d", calls.Load(), tc.attempts)
			}
			if n := testutil.ToFloat64(m.drops.WithLabelValues(DropDeliveryFailed)); n != 1 {
				t.Errorf("delivery_failed drops = %v, want 1", n)
			}
			if l := e.all(); len(l) != 1 || !strings.Contains(l[0].Error(), "giving up") {
				t.Errorf("errors = %v", l)
			}
		})
	}
}

func TestHTTPWriterSlowEndpointDropsInsteadOfBlocking(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		<-release
	}))
	defer srv.Close()
	m := NewMetrics()
	var e errs
	w, err := NewHTTPWriter(HTTPOptions{URL: srv.URL, QueueSize: 2, Timeout: 10 * time.Second, Metrics: m, OnError: e.add})
	if err != nil {
		t.Fatal(err)
	}
	// The first alert is taken by the goroutine (waiting for the server),
	// two fill the queue, the rest are dropped.
	_ = w.Write(sampleAlerts()[1])
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	for i := 0; i < 10; i++ {
		if err := w.Write(sampleAlerts()[1]); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Write blocked for %v on a slow endpoint", d)
	}
	if n := testutil.ToFloat64(m.drops.WithLabelValues(DropOutputQueueFull)); n != 8 {
		t.Errorf("output_queue_full drops = %v, want 8", n)
	}
	if l := e.all(); len(l) != 1 || l[0] != ErrQueueFull {
		t.Errorf("errors = %v, want ErrQueueFull once", l)
	}
	close(release)
	_ = w.Close()
	if calls.Load() != 3 {
		t.Errorf("%d deliveries, want 3 (1 in flight + 2 queued)", calls.Load())
	}
	if err := w.Write(sampleAlerts()[1]); err != ErrClosed {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestHTTPWriterDrainDeadline(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never answers while the writer waits
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer srv.Close()
	defer close(stop)
	m := NewMetrics()
	w, err := NewHTTPWriter(HTTPOptions{URL: srv.URL, Timeout: time.Minute, DrainTimeout: 50 * time.Millisecond, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		_ = w.Write(sampleAlerts()[1])
	}
	start := time.Now()
	_ = w.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v, want about the drain timeout", d)
	}
	if n := testutil.ToFloat64(m.drops.WithLabelValues(DropShutdown)); n != 3 {
		t.Errorf("shutdown drops = %v, want 3", n)
	}
}

func TestNewHTTPWriterRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://host/", "http://", "localhost:2801", "http://a b/"} {
		if _, err := NewHTTPWriter(HTTPOptions{URL: u}); err == nil {
			t.Errorf("NewHTTPWriter(%q) must fail", u)
		}
	}
}

// TestHTTPWriterDrainDeadlineReported: the alerts left undelivered when
// the drain deadline passes are reported once through OnError with their
// number, not only counted (a replay that ends would lose them silently).
func TestHTTPWriterDrainDeadlineReported(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer srv.Close()
	defer close(stop)
	var e errs
	w, err := NewHTTPWriter(HTTPOptions{URL: srv.URL, Timeout: time.Minute, DrainTimeout: 50 * time.Millisecond, OnError: e.add})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		_ = w.Write(sampleAlerts()[1])
	}
	_ = w.Close()
	got := e.all()
	if len(got) != 1 || !strings.Contains(got[0].Error(), "3 alerts not delivered") {
		t.Errorf("reported %v, want one error naming 3 alerts not delivered", got)
	}
}

// TestHTTPWriterCleanCloseReportsNothing: every alert delivered, Close
// reports nothing.
func TestHTTPWriterCleanCloseReportsNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var e errs
	w, err := NewHTTPWriter(HTTPOptions{URL: srv.URL, OnError: e.add})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Write(sampleAlerts()[1])
	_ = w.Close()
	if got := e.all(); len(got) != 0 {
		t.Errorf("reported %v, want nothing", got)
	}
}
