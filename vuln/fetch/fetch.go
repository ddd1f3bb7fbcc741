// Package fetch downloads files over HTTP(S) for the vulnerability
// database: mirrors tried in order, retries with exponential back-off and
// jitter on network errors, 429 and 5xx (Retry-After honoured, capped),
// bounded sizes, a stall timeout, checksums verified (Google Cloud
// Storage's x-goog-hash crc32c and md5, a SHA-256 from a manifest, or a
// "<url>.sha256" sidecar), conditional requests (If-None-Match,
// If-Modified-Since) and an atomic write of the result (a temporary file
// beside the destination, fsync, rename). It never prints: progress goes to
// a callback.
package fetch

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Defaults of the Client's zero fields.
const (
	DefaultAttempts      = 4
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 30 * time.Second
	DefaultMaxRetryAfter = 2 * time.Minute
	DefaultStallTimeout  = 60 * time.Second
	// DefaultMaxSize bounds one download. OSV's largest per-ecosystem
	// archives are a few hundred MiB.
	DefaultMaxSize int64 = 2 << 30
	// maxSidecarSize bounds a ".sha256" sidecar.
	maxSidecarSize = 4096
)

// ErrNotFound is wrapped by Fetch when every URL answered 404 or 410.
var ErrNotFound = errors.New("not found")

// ErrTooLarge is wrapped when a response is larger than the size limit.
var ErrTooLarge = errors.New("larger than the size limit")

// ErrOffline is returned by the Offline transport for every request.
var ErrOffline = errors.New("network access refused: offline mode")

// Offline is an http.RoundTripper that refuses every request without
// opening a socket.
type Offline struct{}

// RoundTrip returns an error wrapping ErrOffline.
func (Offline) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.Redacted(), ErrOffline)
}

// NewTransport returns an HTTP transport with bounded connection, TLS and
// response-header times, proxies from the environment, and dial as its
// dialer (nil: a net.Dialer with a 30-second timeout).
func NewTransport(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Client downloads files. The zero value is usable; a Client is safe for
// concurrent use when its callbacks are.
type Client struct {
	// Transport carries the requests; nil means NewTransport(nil).
	Transport http.RoundTripper
	// UserAgent is sent with every request.
	UserAgent string
	// Attempts is how many times one URL is tried before the next one;
	// 0 means DefaultAttempts.
	Attempts int
	// BaseDelay and MaxDelay bound the exponential back-off between
	// attempts (the n-th retry waits a random time between half and all
	// of min(MaxDelay, BaseDelay*2^(n-1))); 0 means the defaults.
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter caps how long a Retry-After header makes the client
	// wait; 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// StallTimeout abandons an attempt whose response body delivers no
	// byte for this long; 0 means DefaultStallTimeout.
	StallTimeout time.Duration
	// MaxSize bounds one download; 0 means DefaultMaxSize.
	MaxSize int64
	// Sleep waits between attempts; nil waits on a timer (or until ctx
	// is done). Tests pass a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for Retry-After dates; nil means time.Now.
	Now func() time.Time
	// Progress, when set, is told about attempts, retries and bytes read.
	Progress func(Progress)
}

// Progress reports a download's state.
type Progress struct {
	URL     string
	Attempt int
	// Bytes read so far and the expected total (-1 when unknown).
	Bytes, Total int64
	// Retry is set when the attempt failed and another follows after
	// Wait; Err says why.
	Retry bool
	Wait  time.Duration
	Err   error
	// Done is set once the body has been read completely.
	Done bool
}

// Request is one file to fetch.
type Request struct {
	// URLs are the mirrors of the file, tried in order.
	URLs []string
	// Dst is the file written on success; it is replaced atomically.
	Dst string
	// ETag and LastModified are the validators of a copy the caller
	// keeps: sent as If-None-Match and If-Modified-Since, so an unchanged
	// file is not downloaded again (Result.NotModified, Dst not written).
	// Empty: an unconditional GET.
	ETag, LastModified string
	// SHA256, hex, is the expected digest (from a manifest): a download
	// that does not match is refused.
	SHA256 string
	// Sidecar makes the client fetch "<url>.sha256" from the same mirror
	// and verify it when the response carried no x-goog-hash and SHA256
	// is empty. A mirror without a sidecar (404) is not an error.
	Sidecar bool
	// RequireChecksum refuses a download that no checksum verified.
	RequireChecksum bool
}

// Result describes a completed fetch.
type Result struct {
	// URL is the mirror that answered.
	URL string
	// NotModified is set when the server confirmed the caller's copy is
	// current (304); Dst was not written and the fields below are empty
	// except ETag and LastModified.
	NotModified bool
	// Size and SHA256 (hex) are of the file written to Dst.
	Size   int64
	SHA256 string
	// ETag and LastModified are the response's validators.
	ETag, LastModified string
	// Verified names the checksums that matched: "crc32c", "md5",
	// "sha256" (the request's) or "sha256-sidecar".
	Verified []string
}

// ChecksumError reports a download whose digest does not match.
type ChecksumError struct {
	URL       string
	Algorithm string
	Want, Got string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: %s checksum mismatch: want %s, got %s", e.URL, e.Algorithm, e.Want, e.Got)
}

// StatusError is an HTTP response that was not a success.
type StatusError struct {
	URL  string
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// attemptError classifies a failed attempt.
type attemptError struct {
	err        error
	retry      bool          // worth another attempt on the same URL
	retryAfter time.Duration // from a Retry-After header; -1 when none
}

// Fetch downloads the file from the first URL that serves it. Each URL is
// tried up to Attempts times on network errors, 429 and 5xx; a 404, other
// 4xx, an oversize body or a checksum mismatch moves on to the next URL.
// On failure Dst is left as it was and the error names every URL's
// failure; it wraps ErrNotFound when every URL answered 404 or 410.
func (c *Client) Fetch(ctx context.Context, req Request) (Result, error) {
	if len(req.URLs) == 0 {
		return Result{}, errors.New("fetch: no URLs")
	}
	if req.Dst == "" {
		return Result{}, errors.New("fetch: no destination")
	}
	if req.SHA256 != "" {
		if _, err := hex.DecodeString(req.SHA256); err != nil || len(req.SHA256) != 64 {
			return Result{}, fmt.Errorf("fetch: expected SHA-256 %q is not 64 hex digits", req.SHA256)
		}
		req.SHA256 = strings.ToLower(req.SHA256)
	}
	var errs []error
	notFound := 0
	for _, u := range req.URLs {
		res, err := c.fetchURL(ctx, u, req)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return Result{}, fmt.Errorf("fetch %s: %w", u, ctx.Err())
		}
		if errors.Is(err, ErrOffline) {
			return Result{}, err
		}
		var se *StatusError
		if errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone) {
			notFound++
		}
		errs = append(errs, err)
	}
	if notFound == len(req.URLs) {
		errs = append([]error{ErrNotFound}, errs...)
	}
	return Result{}, &mirrorsError{errs: errs, n: len(req.URLs)}
}

// mirrorsError holds every URL's failure.
type mirrorsError struct {
	errs []error
	n    int
}

func (e *mirrorsError) Error() string {
	parts := make([]string, len(e.errs))
	for i, err := range e.errs {
		parts[i] = err.Error()
	}
	msg := strings.Join(parts, "; ")
	if e.n > 1 {
		msg = fmt.Sprintf("all %d sources failed: %s", e.n, msg)
	}
	return msg
}

func (e *mirrorsError) Unwrap() []error { return e.errs }

// fetchURL tries one URL up to Attempts times.
func (c *Client) fetchURL(ctx context.Context, u string, req Request) (Result, error) {
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	for n := 1; ; n++ {
		res, ae := c.attempt(ctx, u, n, req)
		if ae == nil {
			return res, nil
		}
		if !ae.retry || n >= attempts || ctx.Err() != nil {
			if ae.retry && n >= attempts {
				return Result{}, fmt.Errorf("%w (after %d attempts)", ae.err, n)
			}
			return Result{}, ae.err
		}
		wait := c.backoff(n)
		if ae.retryAfter >= 0 {
			wait = min(ae.retryAfter, c.maxRetryAfter())
		}
		c.progress(Progress{URL: u, Attempt: n, Total: -1, Retry: true, Wait: wait, Err: ae.err})
		if err := c.sleep(ctx, wait); err != nil {
			return Result{}, fmt.Errorf("%s: %w", u, err)
		}
	}
}

func (c *Client) maxRetryAfter() time.Duration {
	if c.MaxRetryAfter > 0 {
		return c.MaxRetryAfter
	}
	return DefaultMaxRetryAfter
}

// backoff returns the wait before retry n (n >= 1): a random time between
// half and all of min(MaxDelay, BaseDelay*2^(n-1)).
func (c *Client) backoff(n int) time.Duration {
	base, maxD := c.BaseDelay, c.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if maxD <= 0 {
		maxD = DefaultMaxDelay
	}
	d := base
	for i := 1; i < n && d < maxD; i++ {
		d *= 2
	}
	d = min(d, maxD)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) progress(p Progress) {
	if c.Progress != nil {
		c.Progress(p)
	}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) maxSize() int64 {
	if c.MaxSize > 0 {
		return c.MaxSize
	}
	return DefaultMaxSize
}

func (c *Client) httpClient() *http.Client {
	t := c.Transport
	if t == nil {
		t = NewTransport(nil)
	}
	return &http.Client{Transport: t}
}

// get sends a GET with the client's headers; the caller closes the body.
// cancel ends the request (used by the stall timer).
func (c *Client) get(ctx context.Context, u string, hdr map[string]string) (*http.Response, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if c.UserAgent != "" {
		r.Header.Set("User-Agent", c.UserAgent)
	}
	// The bytes are hashed as sent: no transparent decompression.
	r.Header.Set("Accept-Encoding", "identity")
	for k, v := range hdr {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	return c.httpClient().Do(r)
}

// classify turns a response status into an attempt error.
func (c *Client) classify(u string, resp *http.Response) *attemptError {
	se := &StatusError{URL: u, Code: resp.StatusCode}
	retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500
	ra := time.Duration(-1)
	if retry {
		ra = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	}
	return &attemptError{err: se, retry: retry, retryAfter: ra}
}

// parseRetryAfter reads a Retry-After value, delay-seconds or an
// HTTP-date, as a wait from now; -1 when absent or unreadable. A date in
// the past is no wait.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return -1
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return -1
}

// attempt makes one request to u and, on success, writes Dst.
func (c *Client) attempt(ctx context.Context, u string, n int, req Request) (Result, *attemptError) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	hdr := map[string]string{"If-None-Match": req.ETag, "If-Modified-Since": req.LastModified}
	c.progress(Progress{URL: u, Attempt: n, Total: -1})
	resp, err := c.get(actx, u, hdr)
	if err != nil {
		return Result{}, netError(u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && (hdr["If-None-Match"] != "" || hdr["If-Modified-Since"] != ""):
		return Result{URL: u, NotModified: true, ETag: firstNonEmpty(resp.Header.Get("ETag"), req.ETag), LastModified: firstNonEmpty(resp.Header.Get("Last-Modified"), req.LastModified)}, nil
	case resp.StatusCode != http.StatusOK:
		return Result{}, c.classify(u, resp)
	}
	limit := c.maxSize()
	if resp.ContentLength > limit {
		return Result{}, &attemptError{err: fmt.Errorf("%s: %d bytes: %w of %d bytes", u, resp.ContentLength, ErrTooLarge, limit)}
	}
	goog, err := parseGoogHash(resp.Header.Values("X-Goog-Hash"))
	if err != nil {
		return Result{}, &attemptError{err: fmt.Errorf("%s: %w", u, err)}
	}

	dir := filepath.Dir(req.Dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, &attemptError{err: fmt.Errorf("create %s: %w", dir, err)}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(req.Dst)+".part-*")
	if err != nil {
		return Result{}, &attemptError{err: fmt.Errorf("temporary file: %w", err)}
	}
	tmpName := tmp.Name()
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()

	sum := sha256.New()
	md := md5.New()
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	stall := c.StallTimeout
	if stall <= 0 {
		stall = DefaultStallTimeout
	}
	body := &stallReader{r: resp.Body, timer: time.AfterFunc(stall, cancel), d: stall}
	defer body.timer.Stop()
	pw := &progressWriter{c: c, p: Progress{URL: u, Attempt: n, Total: resp.ContentLength}}
	// Only the digests the server announced are computed besides SHA-256.
	ws := []io.Writer{tmp, sum, pw}
	if _, ok := goog["md5"]; ok {
		ws = append(ws, md)
	}
	if _, ok := goog["crc32c"]; ok {
		ws = append(ws, crc)
	}
	w := io.MultiWriter(ws...)
	written, err := io.Copy(w, io.LimitReader(body, limit+1))
	if err != nil {
		if body.stalled() {
			err = fmt.Errorf("no data for %s", stall)
		}
		if resp.ContentLength >= 0 {
			return Result{}, netError(u, fmt.Errorf("read body after %d of %d bytes: %w", written, resp.ContentLength, err))
		}
		return Result{}, netError(u, fmt.Errorf("read body after %d bytes: %w", written, err))
	}
	if written > limit {
		return Result{}, &attemptError{err: fmt.Errorf("%s: %w of %d bytes", u, ErrTooLarge, limit)}
	}
	if resp.ContentLength >= 0 && written != resp.ContentLength {
		return Result{}, netError(u, fmt.Errorf("truncated: %d of %d bytes: %w", written, resp.ContentLength, io.ErrUnexpectedEOF))
	}
	pw.done()

	res := Result{URL: u, Size: written, SHA256: hex.EncodeToString(sum.Sum(nil)), ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if want, ok := goog["crc32c"]; ok {
		if got := crc.Sum(nil); string(got) != string(want) {
			return Result{}, checksumErr(u, "crc32c", base64.StdEncoding.EncodeToString(want), base64.StdEncoding.EncodeToString(got))
		}
		res.Verified = append(res.Verified, "crc32c")
	}
	if want, ok := goog["md5"]; ok {
		if got := md.Sum(nil); string(got) != string(want) {
			return Result{}, checksumErr(u, "md5", base64.StdEncoding.EncodeToString(want), base64.StdEncoding.EncodeToString(got))
		}
		res.Verified = append(res.Verified, "md5")
	}
	if req.SHA256 != "" {
		if res.SHA256 != req.SHA256 {
			return Result{}, checksumErr(u, "sha256", req.SHA256, res.SHA256)
		}
		res.Verified = append(res.Verified, "sha256")
	} else if req.Sidecar && len(res.Verified) == 0 {
		want, ok, ae := c.sidecar(ctx, u+".sha256")
		if ae != nil {
			return Result{}, ae
		}
		if ok {
			if res.SHA256 != want {
				return Result{}, checksumErr(u, "sha256 (sidecar)", want, res.SHA256)
			}
			res.Verified = append(res.Verified, "sha256-sidecar")
		}
	}
	if req.RequireChecksum && len(res.Verified) == 0 {
		return Result{}, &attemptError{err: fmt.Errorf("%s: no checksum to verify the download against (no x-goog-hash header, no .sha256 sidecar, not in the checksum manifest)", u)}
	}

	if err := tmp.Sync(); err != nil {
		return Result{}, &attemptError{err: fmt.Errorf("sync %s: %w", tmpName, err)}
	}
	if err := tmp.Close(); err != nil {
		return Result{}, &attemptError{err: fmt.Errorf("close %s: %w", tmpName, err)}
	}
	if err := os.Chmod(tmpName, 0o644); err != nil {
		return Result{}, &attemptError{err: err}
	}
	if err := os.Rename(tmpName, req.Dst); err != nil {
		return Result{}, &attemptError{err: fmt.Errorf("replace %s: %w", req.Dst, err)}
	}
	committed = true
	SyncDir(dir)
	return res, nil
}

// sidecar fetches a ".sha256" file: the first field of its first line is
// the hex digest. ok is false when the mirror has none (404, 403, 410).
func (c *Client) sidecar(ctx context.Context, u string) (digest string, ok bool, ae *attemptError) {
	resp, err := c.get(ctx, u, nil)
	if err != nil {
		return "", false, netError(u, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone, http.StatusForbidden:
		return "", false, nil
	default:
		return "", false, c.classify(u, resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSidecarSize+1))
	if err != nil {
		return "", false, netError(u, err)
	}
	if len(data) > maxSidecarSize {
		return "", false, &attemptError{err: fmt.Errorf("%s: more than %d bytes", u, maxSidecarSize)}
	}
	f := strings.Fields(string(data))
	if len(f) == 0 || !isSHA256(f[0]) {
		return "", false, &attemptError{err: fmt.Errorf("%s: not a SHA-256 digest", u)}
	}
	return strings.ToLower(f[0]), true, nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func checksumErr(u, alg, want, got string) *attemptError {
	return &attemptError{err: &ChecksumError{URL: u, Algorithm: alg, Want: want, Got: got}}
}

// netError is a retryable transport or body error.
func netError(u string, err error) *attemptError {
	if errors.Is(err, ErrOffline) {
		return &attemptError{err: err}
	}
	if !strings.Contains(err.Error(), u) {
		err = fmt.Errorf("%s: %w", u, err)
	}
	return &attemptError{err: err, retry: true, retryAfter: -1}
}

// parseGoogHash reads x-goog-hash values ("crc32c=BASE64,md5=BASE64", one
// or more header lines) into algorithm -> raw digest. Unknown algorithms
// are ignored; a malformed known one is an error.
func parseGoogHash(values []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			alg = strings.ToLower(strings.TrimSpace(alg))
			want := map[string]int{"crc32c": 4, "md5": md5.Size}[alg]
			if want == 0 {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(val))
			if err != nil || len(raw) != want {
				return nil, fmt.Errorf("malformed x-goog-hash %s value %q", alg, val)
			}
			out[alg] = raw
		}
	}
	return out, nil
}

// GoogCRC32C returns data's CRC32C as x-goog-hash writes it (base64 of
// the big-endian value); for tests and mirrors that serve the header.
func GoogCRC32C(data []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))))
}

// SyncDir fsyncs a directory so a rename in it is durable; errors are
// ignored (some file systems cannot sync directories).
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// stallReader fires its timer when a read has not returned data for d.
type stallReader struct {
	r     io.Reader
	timer *time.Timer
	d     time.Duration
	fired bool
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 && !s.timer.Reset(s.d) {
		s.fired = true
	}
	return n, err
}

func (s *stallReader) stalled() bool {
	return s.fired || !s.timer.Stop()
}

// progressWriter reports bytes as they are written, at most every MiB.
type progressWriter struct {
	c    *Client
	p    Progress
	last int64
}

func (w *progressWriter) Write(b []byte) (int, error) {
	w.p.Bytes += int64(len(b))
	if w.p.Bytes-w.last >= 1<<20 {
		w.last = w.p.Bytes
		w.c.progress(w.p)
	}
	return len(b), nil
}

func (w *progressWriter) done() {
	w.p.Done = true
	w.c.progress(w.p)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
