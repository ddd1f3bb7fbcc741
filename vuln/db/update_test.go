package db

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/vuln/fetch"
)

// corpusEcosystems are the ecosystem folders of the OSV corpus.
var corpusEcosystems = []string{"Alpine", "Debian", "Go", "Maven", "Packagist", "PyPI", "Ubuntu", "npm"}

// ecosystemZip builds a real OSV all.zip from the corpus records of one
// ecosystem folder (flat, as OSV's archives are).
func ecosystemZip(t testing.TB, eco string) []byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir(t), eco, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("corpus %s: %v", eco, err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(filepath.Base(p))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// osvBucket serves archives like OSV's bucket: /<Ecosystem>/all.zip with
// x-goog-hash (crc32c and md5), an ETag and conditional requests. hook,
// when set, may answer a request itself.
type osvBucket struct {
	mu       sync.Mutex
	archives map[string][]byte
	hook     func(w http.ResponseWriter, r *http.Request, eco string) bool
	full     map[string]int // 200 answers per ecosystem
	requests int
}

func newBucket(t testing.TB, ecos ...string) *osvBucket {
	b := &osvBucket{archives: map[string][]byte{}, full: map[string]int{}}
	for _, e := range ecos {
		b.archives[e] = ecosystemZip(t, e)
	}
	return b
}

func (b *osvBucket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests++
	eco, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/all.zip")
	if b.hook != nil && b.hook(w, r, eco) {
		return
	}
	data, found := b.archives[eco]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	etag := `"` + sha256hex(data)[:20] + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	b.full[eco]++
	m := md5.Sum(data)
	w.Header().Add("X-Goog-Hash", "crc32c="+fetch.GoogCRC32C(data))
	w.Header().Add("X-Goog-Hash", "md5="+base64.StdEncoding.EncodeToString(m[:]))
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.Write(data)
}

func (b *osvBucket) fullCount(eco string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.full[eco]
}

func (b *osvBucket) setHook(h func(w http.ResponseWriter, r *http.Request, eco string) bool) {
	b.mu.Lock()
	b.hook = h
	b.mu.Unlock()
}

func quickClient() *fetch.Client {
	return &fetch.Client{
		Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond,
		Sleep: func(context.Context, time.Duration) error { return nil },
	}
}

func updateOpts(srcs ...string) UpdateOptions {
	return UpdateOptions{Sources: srcs, Ecosystems: corpusEcosystems, Client: quickClient(), Import: ImportOptions{Now: fixedNow}}
}

// mustHoldCorpus checks the database at path answers a lookup from the
// corpus and was built at builtAt.
func mustHoldCorpus(t *testing.T, path string, builtAt time.Time) {
	t.Helper()
	d, err := Open(path)
	if err != nil {
		t.Fatalf("the database is not usable: %v", err)
	}
	defer d.Close()
	es, err := d.Lookup("Alpine:v3.21", "musl")
	if err != nil || len(es) == 0 || es[0].ID != "ALPINE-CVE-2025-26519" {
		t.Errorf("lookup musl: %v %+v", err, es)
	}
	st, err := d.Status()
	if err != nil || !st.BuiltAt.Equal(builtAt) || st.Records != 34 {
		t.Errorf("status: %v built %v records %d, want built %v and 34 records", err, st.BuiltAt, st.Records, builtAt)
	}
}

func TestUpdate(t *testing.T) {
	bucket := newBucket(t, corpusEcosystems...)
	srv := httptest.NewServer(bucket)
	defer srv.Close()
	dir := t.TempDir()
	dbp := filepath.Join(dir, "osv.db")

	res, err := Update(context.Background(), dbp, updateOpts(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuilt || len(res.Archives) != len(corpusEcosystems) || res.Status.Records != 34 {
		t.Fatalf("result: rebuilt %v, %d archives, %d records", res.Rebuilt, len(res.Archives), res.Status.Records)
	}
	for _, ar := range res.Archives {
		if ar.NotModified || ar.Origin.URL != srv.URL+"/"+ar.Ecosystem+"/all.zip" || !slices.Equal(ar.Origin.Verified, []string{"crc32c", "md5"}) || ar.Origin.SHA256 != sha256hex(bucket.archives[ar.Ecosystem]) {
			t.Errorf("archive %+v", ar)
		}
		if _, err := os.Stat(filepath.Join(dir, "osv-archives", ar.Ecosystem, "all.zip")); err != nil {
			t.Errorf("archive not kept: %v", err)
		}
	}
	mustHoldCorpus(t, dbp, fixedNow())
	d := open(t, dbp)
	st, _ := d.Status()
	d.Close()
	if len(st.Sources) != len(corpusEcosystems) || st.Sources[0].Origin == nil || st.Sources[0].Origin.Ecosystem != "Alpine" {
		t.Errorf("sources %+v", st.Sources)
	}

	// Unchanged archives are not downloaded again and the database is not rebuilt.
	later := func() time.Time { return fixedNow().Add(time.Hour) }
	opts := updateOpts(srv.URL)
	opts.Import.Now = later
	res, err = Update(context.Background(), dbp, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rebuilt || bucket.fullCount("Debian") != 1 {
		t.Errorf("second update: rebuilt %v, Debian downloaded %d times", res.Rebuilt, bucket.fullCount("Debian"))
	}
	for _, ar := range res.Archives {
		if !ar.NotModified {
			t.Errorf("%s downloaded again", ar.Ecosystem)
		}
	}
	mustHoldCorpus(t, dbp, fixedNow())

	// One changed archive is downloaded; the database is rebuilt.
	bucket.mu.Lock()
	bucket.archives["npm"] = append([]byte(nil), ecosystemZip(t, "npm")...)
	bucket.archives["npm"] = rezip(t, bucket.archives["npm"])
	bucket.mu.Unlock()
	res, err = Update(context.Background(), dbp, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuilt || bucket.fullCount("npm") != 2 || bucket.fullCount("Debian") != 1 {
		t.Errorf("third update: rebuilt %v, npm %d, Debian %d", res.Rebuilt, bucket.fullCount("npm"), bucket.fullCount("Debian"))
	}
	mustHoldCorpus(t, dbp, later())

	// Force downloads everything again.
	opts.Force = true
	if res, err = Update(context.Background(), dbp, opts); err != nil || !res.Rebuilt || bucket.fullCount("Debian") != 2 {
		t.Errorf("forced update: %v rebuilt %v Debian %d", err, res.Rebuilt, bucket.fullCount("Debian"))
	}
}

// rezip returns the same records in a zip with a comment, so its bytes
// (and digest) differ.
func rezip(t *testing.T, data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	zw.SetComment("changed")
	zw.Close()
	return buf.Bytes()
}

func TestUpdateMirrorFallbackAndRetryAfter(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer down.Close()
	bucket := newBucket(t, corpusEcosystems...)
	throttled := map[string]bool{}
	bucket.hook = func(w http.ResponseWriter, r *http.Request, eco string) bool {
		if !throttled[eco] {
			throttled[eco] = true
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	srv := httptest.NewServer(bucket)
	defer srv.Close()
	var waits []time.Duration
	opts := updateOpts(down.URL, srv.URL+"/")
	opts.Client.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	dbp := filepath.Join(t.TempDir(), "osv.db")
	res, err := Update(context.Background(), dbp, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, ar := range res.Archives {
		if !strings.HasPrefix(ar.Origin.URL, srv.URL+"/") {
			t.Errorf("%s from %s", ar.Ecosystem, ar.Origin.URL)
		}
	}
	// Per ecosystem: two back-offs on the failing mirror (3 attempts), then
	// the Retry-After of the second mirror, honoured exactly.
	var ra int
	for _, d := range waits {
		if d == 2*time.Second {
			ra++
		} else if d > 2*time.Millisecond {
			t.Errorf("back-off %v above MaxDelay", d)
		}
	}
	if ra != len(corpusEcosystems) || len(waits) != 3*len(corpusEcosystems) {
		t.Errorf("waits %v", waits)
	}
	mustHoldCorpus(t, dbp, fixedNow())
}

// TestUpdateFailureKeepsDatabase: every failed update leaves the existing
// database readable and unchanged.
func TestUpdateFailureKeepsDatabase(t *testing.T) {
	tests := []struct {
		name    string
		hook    func(w http.ResponseWriter, r *http.Request, eco string) bool
		opts    func(*UpdateOptions)
		wantErr string
		is      error
	}{
		{
			name: "checksum mismatch",
			hook: func(w http.ResponseWriter, r *http.Request, eco string) bool {
				if eco != "Debian" {
					return false
				}
				w.Header().Add("X-Goog-Hash", "md5="+base64.StdEncoding.EncodeToString(make([]byte, 16)))
				w.Write([]byte("PK tampered"))
				return true
			},
			wantErr: `ecosystem "Debian"`, is: nil,
		},
		{
			name: "truncated download",
			hook: func(w http.ResponseWriter, r *http.Request, eco string) bool {
				if eco != "Go" {
					return false
				}
				w.Header().Set("Content-Length", "100000")
				w.Write(make([]byte, 5000))
				return true
			},
			wantErr: "read body after 5000 of 100000 bytes: unexpected EOF (after 3 attempts)",
		},
		{
			name: "connection closed mid-body",
			hook: func(w http.ResponseWriter, r *http.Request, eco string) bool {
				if eco != "PyPI" {
					return false
				}
				conn, buf, _ := w.(http.Hijacker).Hijack()
				fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: 50000\r\n\r\nPK\x03\x04partial")
				buf.Flush()
				conn.Close()
				return true
			},
			wantErr: "unexpected EOF",
		},
		{
			name: "oversize download",
			opts: func(o *UpdateOptions) { o.Client.MaxSize = 2000 },
			is:   fetch.ErrTooLarge,
		},
		{
			name: "one ecosystem missing (404)",
			opts: func(o *UpdateOptions) {
				o.Ecosystems = append([]string{"NoSuchEcosystem"}, append(o.Ecosystems, "Nope")...)
			},
			is: fetch.ErrNotFound, wantErr: `no OSV archive for ecosystems "NoSuchEcosystem", "Nope" at http://127.0.0.1:`,
		},
		{
			name: "not a zip (checksums match)",
			hook: func(w http.ResponseWriter, r *http.Request, eco string) bool {
				if eco != "npm" {
					return false
				}
				w.Write([]byte("<html>mirror error page</html>"))
				return true
			},
			wantErr: "not a zip archive",
		},
		{
			name: "a zip without records",
			hook: func(w http.ResponseWriter, r *http.Request, eco string) bool {
				if strings.HasSuffix(r.URL.Path, ".sha256") {
					http.NotFound(w, r)
					return true
				}
				var buf bytes.Buffer
				zip.NewWriter(&buf).Close()
				w.Write(buf.Bytes())
				return true
			},
			opts:    func(o *UpdateOptions) { o.Force = true },
			wantErr: "no OSV records",
		},
		{
			name:    "manifest digest mismatch",
			opts:    func(o *UpdateOptions) { o.Checksums = manifestOf(t, "bad") },
			wantErr: "sha256 checksum mismatch",
		},
		{
			name:    "ecosystem not in the manifest",
			opts:    func(o *UpdateOptions) { o.Checksums = map[string]string{"Debian/all.zip": strings.Repeat("0", 64)} },
			wantErr: "Alpine/all.zip is not listed in the checksum manifest",
		},
		{
			name: "checksum required, mirror gives none",
			hook: func(w http.ResponseWriter, r *http.Request, eco string) bool {
				if strings.HasSuffix(r.URL.Path, ".sha256") {
					http.NotFound(w, r)
					return true
				}
				w.Write(ecosystemZip(t, "Alpine"))
				return true
			},
			opts:    func(o *UpdateOptions) { o.RequireChecksum = true; o.Force = true },
			wantErr: "no checksum to verify",
		},
		{
			name:    "bad source",
			opts:    func(o *UpdateOptions) { o.Sources = []string{"ftp://example.com"} },
			wantErr: "want an http:// or https:// URL",
		},
		{
			name:    "bad ecosystem",
			opts:    func(o *UpdateOptions) { o.Ecosystems = []string{"../etc"} },
			wantErr: "not an OSV ecosystem name",
		},
	}
	bucket := newBucket(t, corpusEcosystems...)
	srv := httptest.NewServer(bucket)
	defer srv.Close()
	dir := t.TempDir()
	dbp := filepath.Join(dir, "osv.db")
	if _, err := Update(context.Background(), dbp, updateOpts(srv.URL)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(dbp)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bucket.setHook(tc.hook)
			defer bucket.setHook(nil)
			opts := updateOpts(srv.URL)
			// Each case downloads afresh, as a changed upstream would.
			opts.ArchiveDir = t.TempDir()
			opts.Import.Now = func() time.Time { return fixedNow().Add(time.Hour) }
			if tc.opts != nil {
				tc.opts(&opts)
			}
			_, err := Update(context.Background(), dbp, opts)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q, want %q", err, tc.wantErr)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if after, _ := os.ReadFile(dbp); !bytes.Equal(before, after) {
				t.Error("the database changed")
			}
			mustHoldCorpus(t, dbp, fixedNow())
			if m, _ := filepath.Glob(filepath.Join(dir, ".osv-*")); len(m) != 0 {
				t.Errorf("temporary files left: %v", m)
			}
		})
	}
}

// manifestOf returns a manifest of the corpus archives; with "bad", every
// digest is wrong.
func manifestOf(t *testing.T, kind string) map[string]string {
	var b strings.Builder
	for _, e := range corpusEcosystems {
		sum := sha256hex(ecosystemZip(t, e))
		if kind == "bad" {
			sum = sha256hex([]byte(e))
		}
		fmt.Fprintf(&b, "%s  %s/all.zip\n", sum, e)
	}
	m, err := ParseChecksums(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUpdateManifestAndSidecar(t *testing.T) {
	bucket := newBucket(t, corpusEcosystems...)
	// A plain mirror: no x-goog-hash; sidecars for every archive.
	bucket.hook = func(w http.ResponseWriter, r *http.Request, eco string) bool {
		if e, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/all.zip.sha256"); ok {
			fmt.Fprintf(w, "%s  all.zip\n", sha256hex(bucket.archives[e]))
			return true
		}
		w.Write(bucket.archives[eco])
		return true
	}
	srv := httptest.NewServer(bucket)
	defer srv.Close()
	dbp := filepath.Join(t.TempDir(), "osv.db")
	opts := updateOpts(srv.URL)
	opts.RequireChecksum = true
	res, err := Update(context.Background(), dbp, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Archives[0].Origin.Verified; !slices.Equal(v, []string{"sha256-sidecar"}) {
		t.Errorf("verified %v", v)
	}
	opts.Checksums = manifestOf(t, "good")
	opts.Force = true
	if res, err = Update(context.Background(), dbp, opts); err != nil {
		t.Fatal(err)
	}
	if v := res.Archives[0].Origin.Verified; !slices.Equal(v, []string{"sha256"}) {
		t.Errorf("verified %v", v)
	}
	mustHoldCorpus(t, dbp, fixedNow())
}

// TestUpdateCancelled: a cancelled update leaves the old database.
func TestUpdateCancelled(t *testing.T) {
	bucket := newBucket(t, corpusEcosystems...)
	srv := httptest.NewServer(bucket)
	defer srv.Close()
	dbp := filepath.Join(t.TempDir(), "osv.db")
	if _, err := Update(context.Background(), dbp, updateOpts(srv.URL)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	opts := updateOpts(srv.URL)
	opts.Force = true
	opts.Import.Progress = func(Progress) { cancel() }
	opts.Import.Now = func() time.Time { return fixedNow().Add(time.Hour) }
	if _, err := Update(ctx, dbp, opts); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	mustHoldCorpus(t, dbp, fixedNow())
}

// A kept archive whose bytes no longer match its recorded digest is not
// trusted for a conditional request: it is downloaded again.
func TestUpdateCorruptKeptArchive(t *testing.T) {
	bucket := newBucket(t, corpusEcosystems...)
	srv := httptest.NewServer(bucket)
	defer srv.Close()
	dir := t.TempDir()
	dbp := filepath.Join(dir, "osv.db")
	if _, err := Update(context.Background(), dbp, updateOpts(srv.URL)); err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(dir, "osv-archives", "Debian", "all.zip")
	if err := os.WriteFile(kept, []byte("corrupted on disk"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Update(context.Background(), dbp, updateOpts(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	// The same bytes again: the database already holds them.
	if bucket.fullCount("Debian") != 2 || bucket.fullCount("npm") != 1 || res.Rebuilt {
		t.Errorf("Debian %d npm %d rebuilt %v", bucket.fullCount("Debian"), bucket.fullCount("npm"), res.Rebuilt)
	}
}

func TestStatusAge(t *testing.T) {
	built := fixedNow()
	st := Status{BuiltAt: built}
	tests := []struct {
		now    time.Time
		maxAge time.Duration
		age    time.Duration
		stale  bool
	}{
		{built.Add(3 * time.Hour), 24 * time.Hour, 3 * time.Hour, false},
		{built.Add(25 * time.Hour), 24 * time.Hour, 25 * time.Hour, true}, // older than the maximum: stale
		{built.Add(24 * time.Hour), 24 * time.Hour, 24 * time.Hour, false},
		{built.Add(-time.Hour), time.Minute, 0, false},            // clock behind the build: age 0
		{built.Add(1000 * time.Hour), 0, 1000 * time.Hour, false}, // no maximum
	}
	for _, tc := range tests {
		if got := st.Age(tc.now); got != tc.age {
			t.Errorf("Age(%v) = %v, want %v", tc.now, got, tc.age)
		}
		err := st.CheckAge(tc.now, tc.maxAge)
		var se *StaleError
		if (err != nil) != tc.stale || (err != nil && (!errors.As(err, &se) || se.Age != tc.age)) {
			t.Errorf("CheckAge(%v, %v) = %v, stale want %v", tc.now, tc.maxAge, err, tc.stale)
		}
	}
	err := st.CheckAge(built.Add(50*time.Hour), 24*time.Hour)
	if want := "vulnerability database built 2026-05-01T12:00:00Z is 2d2h old, more than the maximum age of 1d"; err == nil || err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestParseChecksums(t *testing.T) {
	h := strings.Repeat("ab", 32)
	good := "# OSV mirror\n" + h + "  Debian/all.zip\n" + strings.ToUpper(h) + " *./npm/all.zip\n\n" + h + "  Rocky Linux/all.zip\n"
	m, err := ParseChecksums(strings.NewReader(good))
	if err != nil || len(m) != 3 || m["npm/all.zip"] != h || m["Rocky Linux/all.zip"] != h {
		t.Errorf("%v %v", m, err)
	}
	for _, bad := range []string{
		"",                      // no entries
		"# only a comment\n",    // no entries
		"abc  Debian/all.zip\n", // short digest
		h + "\n",                // no path
		strings.Repeat("zz", 32) + "  Debian/all.zip\n",                            // not hex
		h + "  Debian/all.zip\n" + strings.Repeat("cd", 32) + "  Debian/all.zip\n", // conflicting
	} {
		if _, err := ParseChecksums(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseChecksums(%q): no error", bad)
		}
	}
}

func FuzzParseChecksums(f *testing.F) {
	f.Add(strings.Repeat("ab", 32) + "  Debian/all.zip\n")
	f.Add("# c\n" + strings.Repeat("0", 64) + " *./x\n")
	f.Add("\x00\xff  \n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseChecksums(strings.NewReader(s))
		if err == nil && len(m) == 0 {
			t.Error("no error and no entries")
		}
		for k, v := range m {
			if k == "" || len(v) != 64 || v != strings.ToLower(v) {
				t.Errorf("entry %q -> %q", k, v)
			}
		}
	})
}

func TestArchiveURL(t *testing.T) {
	for _, tc := range []struct{ src, eco, want string }{
		{DefaultSource, "Debian", "https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip"},
		{"http://mirror.local/osv/", "Rocky Linux", "http://mirror.local/osv/Rocky%20Linux/all.zip"},
		{"http://mirror.local", "crates.io", "http://mirror.local/crates.io/all.zip"},
	} {
		if got := ArchiveURL(tc.src, tc.eco); got != tc.want {
			t.Errorf("ArchiveURL(%q, %q) = %q, want %q", tc.src, tc.eco, got, tc.want)
		}
	}
	for _, e := range DefaultEcosystems() {
		if err := ValidEcosystem(e); err != nil {
			t.Error(err)
		}
	}
}

// Temporary files a killed update left are removed by the next update once
// they are old; recent ones (a concurrent update's) are kept.
func TestUpdateRemovesStaleTemporaries(t *testing.T) {
	bucket := newBucket(t, "Alpine")
	srv := httptest.NewServer(bucket)
	defer srv.Close()
	dir := t.TempDir()
	old := time.Now().Add(-48 * time.Hour)
	files := map[string]bool{ // path -> removed
		filepath.Join(dir, ".osv-build-123.db"):                               true,
		filepath.Join(dir, ".osv-compact-456.db"):                             true,
		filepath.Join(dir, "osv-archives", "Alpine", ".all.zip.new.part-789"): true,
		filepath.Join(dir, "osv-archives", "Alpine", "all.zip.new"):           true,
		filepath.Join(dir, "unrelated.db"):                                    false,
	}
	for p := range files {
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
		os.Chtimes(p, old, old)
	}
	recent := filepath.Join(dir, ".osv-build-999.db")
	os.WriteFile(recent, []byte("x"), 0o644)
	files[recent] = false
	opts := updateOpts(srv.URL)
	opts.Ecosystems = []string{"Alpine"}
	if _, err := Update(context.Background(), filepath.Join(dir, "osv.db"), opts); err != nil {
		t.Fatal(err)
	}
	for p, removed := range files {
		if _, err := os.Stat(p); (err != nil) != removed {
			t.Errorf("%s: removed %v, want %v", p, err != nil, removed)
		}
	}
}
