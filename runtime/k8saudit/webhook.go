package k8saudit

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sync/semaphore"
)

// Webhook defaults.
const (
	// DefaultWebhookPath is the path the Falco examples give the API
	// server's webhook backend.
	DefaultWebhookPath = "/k8s-audit"
	// DefaultQueueSize is the number of accepted payloads that may wait
	// for the consumer (the k8saudit plugin's buffer).
	DefaultQueueSize = 50
	// DefaultEnqueueTimeout is how long a request waits for room in a
	// full queue before its events are dropped.
	DefaultEnqueueTimeout = time.Second
	// DefaultMaxInFlight is the number of request bodies read and
	// decoded at once.
	DefaultMaxInFlight = 4
	// DefaultMaxQueuedBytes bounds the memory of the queued events.
	DefaultMaxQueuedBytes = 256 << 20
	// DefaultShutdownTimeout bounds the wait for requests in flight at
	// shutdown.
	DefaultShutdownTimeout = 5 * time.Second
)

// WebhookConfig configures a Webhook.
type WebhookConfig struct {
	// Limits bound a request body (MaxBatchSize: over it the answer is
	// 413) and one event (MaxEventSize: bigger events are skipped).
	Limits
	// Path is where the API server posts (DefaultWebhookPath when
	// empty); other paths get 404.
	Path string
	// CertFile and KeyFile are the server's PEM certificate and key;
	// with neither the server speaks plain HTTP.
	CertFile, KeyFile string
	// ClientCAFile, when set, makes the server require a client
	// certificate signed by one of the PEM certificates it holds.
	ClientCAFile string
	// BearerToken, when set, must be presented as
	// "Authorization: Bearer TOKEN" (else 401).
	BearerToken string
	// QueueSize is the number of accepted request bodies that may wait
	// for the consumer (DefaultQueueSize when zero).
	QueueSize int
	// MaxInFlight bounds the requests whose bodies are read and decoded
	// at once (DefaultMaxInFlight when zero); a request waits for its
	// turn up to EnqueueTimeout, then gets 503. With MaxQueuedBytes it
	// bounds the memory: about MaxInFlight × 4 × MaxBatchSize +
	// MaxQueuedBytes.
	MaxInFlight int
	// MaxQueuedBytes bounds the memory held by queued events (their
	// JSON and its index; DefaultMaxQueuedBytes when zero). A request
	// that would pass it waits like one facing a full queue.
	MaxQueuedBytes int64
	// EnqueueTimeout is how long a request waits for room in a full
	// queue (DefaultEnqueueTimeout when zero; negative: no wait). When
	// it passes, the request's events are dropped and counted, and the
	// answer is 503 with Retry-After, which the API server's webhook
	// backend retries.
	EnqueueTimeout time.Duration
	// ShutdownTimeout bounds the wait for requests in flight when Serve
	// stops (DefaultShutdownTimeout when zero).
	ShutdownTimeout time.Duration
	// OnError receives payloads (as *PayloadError) and events (as
	// *EventError) skipped (malformed JSON,
	// unknown versions, events over the limit) and server errors such as
	// failed TLS handshakes. Nil discards them; they are still counted.
	OnError func(error)
}

// Webhook receives audit events from the Kubernetes API server's webhook
// backend: POSTs of EventList batches (a single Event, or a JSON array
// of either, is accepted too). It answers as soon as a body is decoded
// and queued; Serve hands the queued events to the consumer in order.
type Webhook struct {
	cfg   WebhookConfig
	tls   *tls.Config
	queue chan batch
	mem   *semaphore.Weighted // bytes of queued events
	busy  *semaphore.Weighted // requests being read and decoded
	c     counters

	mu     sync.RWMutex // guards closed against sends on the closed queue
	closed bool
}

// NewWebhook checks the configuration and loads the TLS files.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.Path == "" {
		cfg.Path = DefaultWebhookPath
	}
	if !strings.HasPrefix(cfg.Path, "/") {
		return nil, fmt.Errorf("audit webhook: path %q must start with /", cfg.Path)
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.MaxQueuedBytes <= 0 {
		cfg.MaxQueuedBytes = DefaultMaxQueuedBytes
	}
	if cfg.EnqueueTimeout == 0 {
		cfg.EnqueueTimeout = DefaultEnqueueTimeout
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	w := &Webhook{cfg: cfg, queue: make(chan batch, cfg.QueueSize), mem: semaphore.NewWeighted(cfg.MaxQueuedBytes),
		busy: semaphore.NewWeighted(int64(cfg.MaxInFlight))}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, errors.New("audit webhook: a TLS certificate needs its key and a key its certificate")
	}
	if cfg.CertFile == "" && cfg.ClientCAFile != "" {
		return nil, errors.New("audit webhook: client certificates need TLS (a certificate and key)")
	}
	if cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("audit webhook: TLS certificate: %w", err)
		}
		w.tls = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		if cfg.ClientCAFile != "" {
			pem, err := os.ReadFile(cfg.ClientCAFile)
			if err != nil {
				return nil, fmt.Errorf("audit webhook: client CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("audit webhook: client CA %s holds no PEM certificate", cfg.ClientCAFile)
			}
			w.tls.ClientCAs = pool
			w.tls.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	return w, nil
}

// Stats returns the webhook's counters.
func (w *Webhook) Stats() Stats { return w.c.snapshot() }

// Path is the path the webhook serves.
func (w *Webhook) Path() string { return w.cfg.Path }

// ServeHTTP handles one webhook request:
// 405 for a method other than POST, 401 for a missing or wrong bearer
// token, 415 for a content type other than application/json, 413 for a
// body over MaxBatchSize, 400 for a body that is not audit JSON, 503
// when too many requests were in flight or the queue stayed full, else
// 200.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	if req.URL.Path != w.cfg.Path {
		w.c.rejected.Add(1)
		http.NotFound(rw, req)
		return
	}
	if req.Method != http.MethodPost {
		w.c.rejected.Add(1)
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, req.Method+" not allowed", http.StatusMethodNotAllowed)
		return
	}
	if w.cfg.BearerToken != "" && !w.authorized(req) {
		w.c.rejected.Add(1)
		rw.Header().Set("WWW-Authenticate", `Bearer realm="bulwark"`)
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		w.c.rejected.Add(1)
		http.Error(rw, "content type must be application/json", http.StatusUnsupportedMediaType)
		return
	}
	if !w.turn(req.Context()) {
		w.c.rejected.Add(1)
		rw.Header().Set("Retry-After", "1")
		http.Error(rw, "too many requests in flight", http.StatusServiceUnavailable)
		return
	}
	defer w.busy.Release(1)
	body, err := io.ReadAll(http.MaxBytesReader(rw, req.Body, int64(w.cfg.MaxBatchSize)))
	if err != nil {
		w.c.rejected.Add(1)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			w.report(&PayloadError{Err: fmt.Errorf("%w: body larger than %d bytes", ErrPayloadTooLarge, w.cfg.MaxBatchSize)})
			http.Error(rw, fmt.Sprintf("body larger than %d bytes", w.cfg.MaxBatchSize), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(rw, "reading the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	res, err := Decode(body, w.cfg.Limits)
	w.c.count(res, err)
	if err != nil {
		w.report(&PayloadError{Err: err})
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	for _, e := range res.Errors {
		w.report(fmt.Errorf("audit webhook: %w", e))
	}
	if len(res.Events) > 0 && !w.enqueue(res.Events) {
		w.c.dropped.Add(uint64(len(res.Events)))
		rw.Header().Set("Retry-After", "1")
		http.Error(rw, fmt.Sprintf("queue full: %d events dropped", len(res.Events)), http.StatusServiceUnavailable)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

// PayloadError is the error OnError receives for a request body whose
// events are all lost: over MaxBatchSize (413; it wraps
// ErrPayloadTooLarge) or not audit JSON (400).
type PayloadError struct{ Err error }

func (e *PayloadError) Error() string { return "audit webhook: " + e.Err.Error() }

func (e *PayloadError) Unwrap() error { return e.Err }

func (w *Webhook) authorized(req *http.Request) bool {
	h := req.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(w.cfg.BearerToken)) == 1
}

// turn waits up to EnqueueTimeout for a request slot.
func (w *Webhook) turn(ctx context.Context) bool {
	if w.busy.TryAcquire(1) {
		return true
	}
	if w.cfg.EnqueueTimeout < 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.EnqueueTimeout)
	defer cancel()
	return w.busy.Acquire(ctx, 1) == nil
}

// batch is the events of one request and the bytes they hold.
type batch struct {
	events []*Event
	bytes  int64
}

// batchBytes is the memory a payload's events hold: its compact JSON
// and the index over it, shared by all of them.
func batchBytes(evs []*Event) int64 {
	t := evs[0].t
	return int64(cap(t.raw)) + int64(cap(t.nodes))*int64(unsafe.Sizeof(node{}))
}

// enqueue queues a batch, waiting up to EnqueueTimeout for room in the
// queue and in the memory budget; false when there was none or the
// queue is closed.
func (w *Webhook) enqueue(evs []*Event) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return false
	}
	b := batch{events: evs, bytes: min(batchBytes(evs), w.cfg.MaxQueuedBytes)}
	acquired := w.mem.TryAcquire(b.bytes)
	if acquired {
		select {
		case w.queue <- b:
			return true
		default:
		}
	}
	if w.cfg.EnqueueTimeout < 0 {
		if acquired {
			w.mem.Release(b.bytes)
		}
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.EnqueueTimeout)
	defer cancel()
	if !acquired && w.mem.Acquire(ctx, b.bytes) != nil {
		return false
	}
	select {
	case w.queue <- b:
		return true
	case <-ctx.Done():
		w.mem.Release(b.bytes)
		return false
	}
}

func (w *Webhook) report(err error) {
	if w.cfg.OnError != nil {
		w.cfg.OnError(err)
	}
}

// Serve serves the webhook on ln (TLS when configured) and calls deliver
// with every queued event, in order, from one goroutine. When ctx is
// cancelled it stops accepting, waits for requests in flight (up to
// ShutdownTimeout), delivers what is still queued, and returns nil; it
// returns the server's error if serving fails. A Webhook serves once.
func (w *Webhook) Serve(ctx context.Context, ln net.Listener, deliver func(*Event)) error {
	srv := &http.Server{
		Handler:           w,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(errorWriter{w}, "", 0),
	}
	if w.tls != nil {
		ln = tls.NewListener(ln, w.tls)
	}
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		var num uint64
		for b := range w.queue {
			for _, ev := range b.events {
				num++
				ev.num = num
				w.c.delivered.Add(1)
				deliver(ev)
			}
			w.mem.Release(b.bytes)
		}
	}()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	sctx, cancel := context.WithTimeout(context.Background(), w.cfg.ShutdownTimeout)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	if serveErr == nil {
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	w.mu.Lock()
	w.closed = true
	close(w.queue)
	w.mu.Unlock()
	<-consumed
	switch {
	case serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed):
		return fmt.Errorf("audit webhook: %w", serveErr)
	case shutErr != nil:
		return fmt.Errorf("audit webhook: shutdown: %w", shutErr)
	}
	return nil
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (w *Webhook) ListenAndServe(ctx context.Context, addr string, deliver func(*Event)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("audit webhook: %w", err)
	}
	return w.Serve(ctx, ln, deliver)
}

// errorWriter turns the HTTP server's log lines into OnError errors.
type errorWriter struct{ w *Webhook }

func (e errorWriter) Write(p []byte) (int, error) {
	e.w.report(errors.New("audit webhook: " + strings.TrimSpace(string(p))))
	return len(p), nil
}
