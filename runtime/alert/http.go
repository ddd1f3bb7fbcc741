package alert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// ErrQueueFull is reported (once per run of drops) when the HTTP
// writer's queue is full and alerts are dropped.
var ErrQueueFull = errors.New("HTTP alert output: queue full, dropping alerts")

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("alert writer closed")

// HTTPOptions configure an HTTPWriter. Zero values take the defaults.
type HTTPOptions struct {
	// URL receives one POST per alert (Falcosidekick: http://HOST:2801/).
	URL string
	// Encoder renders the body. Falcosidekick needs JSON.
	Encoder Encoder
	// Client sends the requests; nil means a client with default
	// transport. Its own Timeout, if any, applies too.
	Client *http.Client
	// Timeout bounds one attempt (default 5s).
	Timeout time.Duration
	// MaxAttempts bounds the tries per alert, the first included
	// (default 3).
	MaxAttempts int
	// Backoff is the wait before the first retry (default 500ms),
	// doubled after each failed retry up to MaxBackoff (default 10s).
	Backoff, MaxBackoff time.Duration
	// QueueSize bounds the alerts waiting for delivery (default 1000);
	// when it is full new alerts are dropped and counted, so a slow
	// endpoint never blocks rule evaluation.
	QueueSize int
	// DrainTimeout bounds how long Close keeps delivering what is queued
	// (default 10s); what is left is dropped and counted.
	DrainTimeout time.Duration
	// UserAgent is sent with each request (default "bulwark").
	UserAgent string
	// Metrics counts failures and drops (may be nil).
	Metrics *Metrics
	// OnError receives delivery failures; nil discards them.
	OnError func(error)
}

// HTTPWriter POSTs alerts to an endpoint from a bounded queue, with
// retries and exponential back-off, in one goroutine so they arrive in
// order.
type HTTPWriter struct {
	opts   HTTPOptions
	client *http.Client
	queue  chan []byte

	mu     sync.RWMutex
	closed bool
	// dropping is set when a drop was reported and no alert was queued
	// since.
	dropping atomic.Bool

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	// unsent counts the alerts dropped at the drain deadline; written by
	// the delivery goroutine, read by Close after it ends.
	unsent int
}

// NewHTTPWriter checks the options and starts the delivery goroutine.
func NewHTTPWriter(opts HTTPOptions) (*HTTPWriter, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("HTTP alert output: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("HTTP alert output: %q is not an http:// or https:// URL with a host", opts.URL)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1000
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = 10 * time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "bulwark"
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &HTTPWriter{
		opts:   opts,
		client: client,
		queue:  make(chan []byte, opts.QueueSize),
		ctx:    ctx,
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go w.run()
	return w, nil
}

// Write renders a and queues it without waiting. When the queue is full
// the alert is dropped and counted, and OnError hears of it once per run
// of drops; Write still returns nil.
func (w *HTTPWriter) Write(a *Alert) error {
	body, err := w.opts.Encoder.Append(nil, a)
	if err != nil {
		return err
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	select {
	case w.queue <- body:
		w.dropping.Store(false)
	default:
		w.opts.Metrics.Drop(DropOutputQueueFull)
		if w.dropping.CompareAndSwap(false, true) {
			w.fail(ErrQueueFull)
		}
	}
	return nil
}

// Close stops accepting alerts, delivers what is queued for at most
// DrainTimeout, counts the rest as dropped (OnError hears how many) and
// waits for the goroutine.
func (w *HTTPWriter) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	close(w.queue)
	w.mu.Unlock()
	t := time.AfterFunc(w.opts.DrainTimeout, w.cancel)
	<-w.done
	t.Stop()
	w.cancel()
	if w.unsent > 0 {
		w.fail(fmt.Errorf("HTTP alert output: %d alerts not delivered before the drain deadline (%s)", w.unsent, w.opts.DrainTimeout))
	}
	return nil
}

func (w *HTTPWriter) run() {
	defer close(w.done)
	for body := range w.queue {
		if w.ctx.Err() != nil {
			w.opts.Metrics.Drop(DropShutdown)
			w.unsent++
			continue
		}
		if err := w.deliver(body); err != nil {
			if w.ctx.Err() != nil {
				w.opts.Metrics.Drop(DropShutdown)
				w.unsent++
				continue
			}
			w.opts.Metrics.Drop(DropDeliveryFailed)
			w.fail(err)
		}
	}
}

// deliver POSTs body until it is accepted, a permanent error, or the
// attempts run out.
func (w *HTTPWriter) deliver(body []byte) error {
	wait := w.opts.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		var retry bool
		retry, err = w.post(body)
		if err == nil {
			return nil
		}
		w.opts.Metrics.HTTPFailure()
		if !retry || attempt >= w.opts.MaxAttempts {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-w.ctx.Done():
			t.Stop()
			return w.ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, w.opts.MaxBackoff)
	}
	return fmt.Errorf("HTTP alert output: giving up on an alert after %d attempt(s): %w", w.opts.MaxAttempts, err)
}

// post makes one attempt and says whether a failure is worth retrying
// (network errors, 429 and 5xx are; other statuses are not).
func (w *HTTPWriter) post(body []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(w.ctx, w.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.opts.URL, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("HTTP alert output: %w", err)
	}
	req.Header.Set("Content-Type", w.opts.Encoder.Format.ContentType())
	req.Header.Set("User-Agent", w.opts.UserAgent)
	resp, err := w.client.Do(req)
	if err != nil {
		return true, fmt.Errorf("HTTP alert output: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	err = fmt.Errorf("HTTP alert output: POST %s: %s", w.opts.URL, resp.Status)
	return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500, err
}

func (w *HTTPWriter) fail(err error) {
	if w.opts.OnError != nil {
		w.opts.OnError(err)
	}
}
