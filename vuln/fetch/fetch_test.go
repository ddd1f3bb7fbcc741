package fetch

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var payload = bytes.Repeat([]byte("bulwark osv archive bytes\n"), 4000) // ~100 KB

func md5b64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// serve writes data as GCS does: x-goog-hash lines, ETag, Content-Length.
func serve(w http.ResponseWriter, data []byte, goog bool) {
	if goog {
		w.Header().Add("X-Goog-Hash", "crc32c="+GoogCRC32C(data))
		w.Header().Add("X-Goog-Hash", "md5="+md5b64(data))
	}
	w.Header().Set("ETag", `"`+sha(data)[:16]+`"`)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.Write(data)
}

// sleeps records the client's waits instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return nil
}

func testClient(s *sleeps) *Client {
	return &Client{Sleep: s.sleep, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, StallTimeout: 5 * time.Second}
}

func dst(t *testing.T) string { return filepath.Join(t.TempDir(), "sub", "all.zip") }

func TestFetchVerifiesGoogHash(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "identity" {
			t.Errorf("Accept-Encoding %q: the bytes must be hashed as sent", r.Header.Get("Accept-Encoding"))
		}
		serve(w, payload, true)
	}))
	defer srv.Close()
	var s sleeps
	var prog []Progress
	c := testClient(&s)
	c.Progress = func(p Progress) { prog = append(prog, p) }
	d := dst(t)
	res, err := c.Fetch(context.Background(), Request{URLs: []string{srv.URL + "/Debian/all.zip"}, Dst: d, RequireChecksum: true})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(d)
	if !bytes.Equal(got, payload) || res.Size != int64(len(payload)) || res.SHA256 != sha(payload) || strings.Join(res.Verified, ",") != "crc32c,md5" || res.ETag == "" {
		t.Errorf("result %+v", res)
	}
	if len(prog) < 2 || !prog[len(prog)-1].Done || prog[len(prog)-1].Bytes != int64(len(payload)) {
		t.Errorf("progress %+v", prog)
	}
	if len(s.d) != 0 {
		t.Errorf("slept %v on a success", s.d)
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(d), ".*part*"))
	if len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestFetchFailures(t *testing.T) {
	old := []byte("the previous copy")
	tests := []struct {
		name    string
		handler http.HandlerFunc
		client  func(*Client)
		req     func(*Request)
		wantErr string
		is      error
		hits    int32 // requests expected (0: not checked)
	}{
		{
			name: "md5 mismatch is refused, not retried on the same URL",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("X-Goog-Hash", "md5="+md5b64([]byte("other")))
				serve(w, payload, false)
			},
			wantErr: "md5 checksum mismatch", hits: 1,
		},
		{
			name: "crc32c mismatch is refused",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("X-Goog-Hash", "crc32c="+GoogCRC32C([]byte("other"))+",md5="+md5b64(payload))
				serve(w, payload, false)
			},
			wantErr: "crc32c checksum mismatch", hits: 1,
		},
		{
			name:    "manifest sha256 mismatch",
			handler: func(w http.ResponseWriter, r *http.Request) { serve(w, payload, true) },
			req:     func(r *Request) { r.SHA256 = sha([]byte("other")) },
			wantErr: "sha256 checksum mismatch",
		},
		{
			name: "malformed x-goog-hash",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Goog-Hash", "md5=!!")
				serve(w, payload, false)
			},
			wantErr: "malformed x-goog-hash",
		},
		{
			name: "truncated body is retried, then fails",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
				w.Write(payload[:len(payload)/2])
			},
			wantErr: "after 4 attempts", hits: 4,
		},
		{
			name: "server closes the connection mid-body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				conn, buf, _ := w.(http.Hijacker).Hijack()
				fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(payload))
				buf.Write(payload[:1000])
				buf.Flush()
				conn.Close()
			},
			wantErr: "unexpected EOF",
		},
		{
			name:    "declared oversize is refused before reading",
			handler: func(w http.ResponseWriter, r *http.Request) { serve(w, payload, true) },
			client:  func(c *Client) { c.MaxSize = 1000 },
			is:      ErrTooLarge, hits: 1,
		},
		{
			name: "undeclared oversize is cut at the limit",
			handler: func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i < 10; i++ {
					w.Write(payload[:1000])
					w.(http.Flusher).Flush()
				}
			},
			client: func(c *Client) { c.MaxSize = 5000 },
			is:     ErrTooLarge, hits: 1,
		},
		{
			name:    "404 is not found, not retried",
			handler: http.NotFound,
			is:      ErrNotFound, hits: 1,
		},
		{
			name:    "403 is not retried",
			handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) },
			wantErr: "HTTP 403", hits: 1,
		},
		{
			name:    "500 is retried",
			handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) },
			wantErr: "HTTP 500 Internal Server Error (after 4 attempts)", hits: 4,
		},
		{
			name:    "no checksum when one is required",
			handler: func(w http.ResponseWriter, r *http.Request) { serve(w, payload, false) },
			req:     func(r *Request) { r.RequireChecksum = true },
			wantErr: "no checksum to verify",
		},
		{
			name: "sidecar mismatch",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, ".sha256") {
					fmt.Fprintf(w, "%s  all.zip\n", sha([]byte("other")))
					return
				}
				serve(w, payload, false)
			},
			req:     func(r *Request) { r.Sidecar = true },
			wantErr: "sha256 (sidecar) checksum mismatch",
		},
		{
			name: "body that stalls",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
				w.Write(payload[:100])
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			client:  func(c *Client) { c.StallTimeout = 50 * time.Millisecond; c.Attempts = 1 },
			wantErr: "no data for 50ms",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, ".sha256") {
					hits.Add(1)
				}
				tc.handler(w, r)
			}))
			defer srv.Close()
			var s sleeps
			c := testClient(&s)
			if tc.client != nil {
				tc.client(c)
			}
			d := dst(t)
			os.MkdirAll(filepath.Dir(d), 0o755)
			os.WriteFile(d, old, 0o644)
			req := Request{URLs: []string{srv.URL + "/x/all.zip"}, Dst: d}
			if tc.req != nil {
				tc.req(&req)
			}
			_, err := c.Fetch(context.Background(), req)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q, want %q", err, tc.wantErr)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if tc.hits != 0 && hits.Load() != tc.hits {
				t.Errorf("%d requests, want %d", hits.Load(), tc.hits)
			}
			if got, _ := os.ReadFile(d); !bytes.Equal(got, old) {
				t.Errorf("destination changed on failure: %q", got[:min(len(got), 40)])
			}
			if m, _ := filepath.Glob(filepath.Join(filepath.Dir(d), ".*part*")); len(m) != 0 {
				t.Errorf("temporary files left: %v", m)
			}
		})
	}
}

func TestFetchMirrorFallback(t *testing.T) {
	var first atomic.Int32
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer bad.Close()
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w, payload, true) }))
	defer good.Close()
	var s sleeps
	c := testClient(&s)
	c.Attempts = 2
	res, err := c.Fetch(context.Background(), Request{URLs: []string{bad.URL + "/a", missing.URL + "/a", good.URL + "/a"}, Dst: dst(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.URL != good.URL+"/a" || first.Load() != 2 || len(s.d) != 1 {
		t.Errorf("url %s, first mirror hit %d times, slept %v", res.URL, first.Load(), s.d)
	}

	// Every mirror failing names each one.
	_, err = c.Fetch(context.Background(), Request{URLs: []string{bad.URL + "/a", missing.URL + "/a"}, Dst: dst(t)})
	if err == nil || !strings.Contains(err.Error(), "all 2 sources failed") || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "HTTP 500") || errors.Is(err, ErrNotFound) {
		t.Errorf("error %v", err)
	}
	_, err = c.Fetch(context.Background(), Request{URLs: []string{missing.URL + "/a", missing.URL + "/b"}, Dst: dst(t)})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("all 404: %v", err)
	}
}

func TestFetchRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		retryAfter string
		status     int
		want       time.Duration
	}{
		{"seconds", "3", http.StatusTooManyRequests, 3 * time.Second},
		{"HTTP-date", now.Add(7 * time.Second).Format(http.TimeFormat), http.StatusServiceUnavailable, 7 * time.Second},
		{"date in the past is no wait", now.Add(-time.Hour).Format(http.TimeFormat), http.StatusTooManyRequests, 0},
		{"capped", "3600", http.StatusTooManyRequests, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.retryAfter)
					w.WriteHeader(tc.status)
					return
				}
				serve(w, payload, true)
			}))
			defer srv.Close()
			var s sleeps
			c := testClient(&s)
			c.Now = func() time.Time { return now }
			c.MaxRetryAfter = 10 * time.Second
			if _, err := c.Fetch(context.Background(), Request{URLs: []string{srv.URL}, Dst: dst(t)}); err != nil {
				t.Fatal(err)
			}
			if len(s.d) != 1 || s.d[0] != tc.want {
				t.Errorf("slept %v, want [%v]", s.d, tc.want)
			}
		})
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	c := &Client{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for n, full := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for i := 0; i < 50; i++ {
			if d := c.backoff(n); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, full/2, full)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              -1,
		"-5":                            -1,
		"soon":                          -1,
		"0":                             0,
		"120":                           2 * time.Minute,
		"99999999999":                   24 * time.Hour,
		"Fri, 01 May 2026 12:01:00 GMT": time.Minute,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestFetchNotModified(t *testing.T) {
	etag := `"v1"`
	var full atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", etag)
		w.Write(payload)
	}))
	defer srv.Close()
	var s sleeps
	c := testClient(&s)
	d := dst(t)
	r1, err := c.Fetch(context.Background(), Request{URLs: []string{srv.URL}, Dst: d})
	if err != nil || r1.NotModified || r1.ETag != etag {
		t.Fatalf("first: %+v %v", r1, err)
	}
	os.Remove(d)
	r2, err := c.Fetch(context.Background(), Request{URLs: []string{srv.URL}, Dst: d, ETag: r1.ETag})
	if err != nil || !r2.NotModified || r2.ETag != etag || full.Load() != 1 {
		t.Fatalf("second: %+v %v (full downloads %d)", r2, err, full.Load())
	}
	if _, err := os.Stat(d); err == nil {
		t.Error("a 304 wrote the destination")
	}
}

func TestFetchSidecar(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/with/all.zip.sha256":
			fmt.Fprintf(w, "%s *all.zip\n", strings.ToUpper(sha(payload)))
		case "/with/all.zip", "/without/all.zip":
			serve(w, payload, false)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var s sleeps
	c := testClient(&s)
	res, err := c.Fetch(context.Background(), Request{URLs: []string{srv.URL + "/with/all.zip"}, Dst: dst(t), Sidecar: true, RequireChecksum: true})
	if err != nil || strings.Join(res.Verified, ",") != "sha256-sidecar" {
		t.Errorf("with sidecar: %+v %v", res, err)
	}
	// A mirror without a sidecar is not an error unless a checksum is required.
	res, err = c.Fetch(context.Background(), Request{URLs: []string{srv.URL + "/without/all.zip"}, Dst: dst(t), Sidecar: true})
	if err != nil || len(res.Verified) != 0 {
		t.Errorf("without sidecar: %+v %v", res, err)
	}
}

// TestOfflineNeverDials proves the Offline transport opens no socket: the
// client's transport is Offline and the dialer of a real transport would
// fail the test.
func TestOfflineNeverDials(t *testing.T) {
	var dialed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the server was reached")
	}))
	defer srv.Close()
	c := &Client{Transport: Offline{}, Sleep: (&sleeps{}).sleep}
	_, err := c.Fetch(context.Background(), Request{URLs: []string{srv.URL, srv.URL + "/mirror"}, Dst: dst(t)})
	if !errors.Is(err, ErrOffline) {
		t.Errorf("error %v, want ErrOffline", err)
	}
	if strings.Contains(err.Error(), "attempts") {
		t.Errorf("offline was retried: %v", err)
	}
	// The seam is real: the same client with a dialing transport dials.
	c.Transport = NewTransport(func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	})
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w, payload, true) })
	if _, err := c.Fetch(context.Background(), Request{URLs: []string{srv.URL}, Dst: dst(t)}); err != nil || dialed.Load() == 0 {
		t.Errorf("online: %v, dialed %d", err, dialed.Load())
	}
}

func TestFetchCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }}
	_, err := c.Fetch(ctx, Request{URLs: []string{srv.URL, srv.URL}, Dst: dst(t)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
}

func TestSidecarMalformedNotRetried(t *testing.T) {
	var side atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".sha256") {
			side.Add(1)
			w.Write([]byte("<html>not a digest</html>"))
			return
		}
		serve(w, payload, false)
	}))
	defer srv.Close()
	var s sleeps
	_, err := testClient(&s).Fetch(context.Background(), Request{URLs: []string{srv.URL + "/a"}, Dst: dst(t), Sidecar: true})
	if err == nil || !strings.Contains(err.Error(), "not a SHA-256 digest") || side.Load() != 1 {
		t.Errorf("error %v after %d sidecar requests", err, side.Load())
	}
}

func FuzzParseGoogHash(f *testing.F) {
	f.Add("crc32c=n03x6A==,md5=Ojk9c3dhfxgoKVVHYwFbHQ==")
	f.Add("md5=!!")
	f.Add("crc32c=,=,,md5")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseGoogHash([]string{s})
		if err != nil {
			return
		}
		for alg, raw := range m {
			if (alg == "md5" && len(raw) != 16) || (alg == "crc32c" && len(raw) != 4) || (alg != "md5" && alg != "crc32c") {
				t.Errorf("%s: %d bytes", alg, len(raw))
			}
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	f.Add("120")
	f.Add("Fri, 01 May 2026 12:01:00 GMT")
	f.Add("-1")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, now); d < -1 {
			t.Errorf("parseRetryAfter(%q) = %v", s, d)
		}
	})
}

// BenchmarkFetch measures a loopback download with every digest computed
// (SHA-256, MD5, CRC32C) and the atomic write.
func BenchmarkFetch(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16*8) // 32 MiB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w, data, true) }))
	defer srv.Close()
	c := &Client{}
	d := filepath.Join(b.TempDir(), "all.zip")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := c.Fetch(context.Background(), Request{URLs: []string{srv.URL}, Dst: d}); err != nil {
			b.Fatal(err)
		}
	}
}

// The CRC32C check value of "123456789" is 0xE3069283 (RFC 3720, B.4);
// GCS writes it big-endian, base64-encoded.
func TestGoogCRC32C(t *testing.T) {
	if got := GoogCRC32C([]byte("123456789")); got != "4waSgw==" {
		t.Errorf("GoogCRC32C = %q, want 4waSgw==", got)
	}
	m, err := parseGoogHash([]string{"crc32c=4waSgw==", "md5=JfnnlDI7RTiF9RgfG2JNCw=="})
	if err != nil || len(m["crc32c"]) != 4 || len(m["md5"]) != 16 {
		t.Errorf("%v %v", m, err)
	}
}
