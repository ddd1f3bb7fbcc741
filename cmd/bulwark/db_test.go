package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
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

	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/fetch"
)

const osvCorpus = "/work/shared/corpus/vuln/osv"

func TestDBImportAndStatus(t *testing.T) {
	if _, err := os.Stat(osvCorpus); err != nil {
		t.Skip("OSV corpus not available")
	}
	dbp := filepath.Join(t.TempDir(), "osv.db")

	code, _, stderr := runCLI(t, "db", "status", "--db", dbp)
	if code != exitIncomplete || !strings.Contains(stderr, "bulwark db import") {
		t.Errorf("status without database: %d %q", code, stderr)
	}

	code, stdout, stderr := runCLI(t, "db", "import", "--db", dbp, osvCorpus)
	if code != exitOK || !strings.Contains(stdout, "imported 34 records") || !strings.Contains(stdout, "2 withdrawn") || stderr != "" {
		t.Fatalf("import: %d %q %q", code, stdout, stderr)
	}

	code, stdout, _ = runCLI(t, "db", "status", "--db", dbp)
	if code != exitOK || !strings.Contains(stdout, "34 (left out: 2 withdrawn") || !strings.Contains(stdout, "Packagist  4") {
		t.Errorf("status: %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "db", "status", "--db", dbp, "--format", "json")
	var st struct {
		AgeSeconds *int64 `json:"age_seconds"`
		Path       string `json:"path"`
		Records    int    `json:"records"`
		Ecosystems []struct {
			Name    string `json:"name"`
			Records int    `json:"records"`
		} `json:"ecosystems"`
	}
	if err := json.Unmarshal([]byte(stdout), &st); err != nil || code != exitOK || st.Records != 34 || st.Path != dbp || len(st.Ecosystems) != 8 || st.AgeSeconds == nil || *st.AgeSeconds > 60 {
		t.Errorf("status json: %d %v %+v", code, err, st)
	}

	// A failed import exits 3 and leaves the database as it was.
	before, _ := os.ReadFile(dbp)
	code, _, stderr = runCLI(t, "db", "import", "--db", dbp, osvCorpus, filepath.Join(t.TempDir(), "missing.zip"))
	after, _ := os.ReadFile(dbp)
	if code != exitIncomplete || !strings.Contains(stderr, "unchanged") || string(before) != string(after) {
		t.Errorf("failed import: %d %q", code, stderr)
	}
}

func TestDBUsage(t *testing.T) {
	for _, args := range [][]string{
		{"db"},
		{"db", "import"},
		{"db", "status", "--format", "xml"},
		{"db", "status", "extra"},
	} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// corpusEcosystems are the ecosystem folders of the OSV corpus.
var corpusEcosystems = []string{"Alpine", "Debian", "Go", "Maven", "Packagist", "PyPI", "Ubuntu", "npm"}

// osvMirror serves the corpus as OSV's bucket does: /<Ecosystem>/all.zip,
// real zips of the corpus records, with x-goog-hash and ETags.
type osvMirror struct {
	mu       sync.Mutex
	archives map[string][]byte
	requests int
}

func newOSVMirror(t *testing.T) *osvMirror {
	t.Helper()
	if _, err := os.Stat(osvCorpus); err != nil {
		t.Skip("OSV corpus not available")
	}
	m := &osvMirror{archives: map[string][]byte{}}
	for _, eco := range corpusEcosystems {
		files, _ := filepath.Glob(filepath.Join(osvCorpus, eco, "*.json"))
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := zw.Create(filepath.Base(p))
			w.Write(data)
		}
		zw.Close()
		m.archives[eco] = buf.Bytes()
	}
	return m
}

func (m *osvMirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests++
	eco, _ := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/all.zip")
	data, ok := m.archives[eco]
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := md5.Sum(data)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Add("X-Goog-Hash", "crc32c="+fetch.GoogCRC32C(data)+",md5="+base64.StdEncoding.EncodeToString(sum[:]))
	w.Header().Set("ETag", etag)
	w.Write(data)
}

func (m *osvMirror) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests
}

// runCLIEnv is runCLI with environment variables.
func runCLIEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &env{
		stdout:   &out,
		stderr:   &errb,
		terminal: func(io.Writer) bool { return false },
		getenv:   func(k string) string { return vars[k] },
	})
	return code, out.String(), errb.String()
}

func TestDBUpdate(t *testing.T) {
	mirror := newOSVMirror(t)
	srv := httptest.NewServer(mirror)
	defer srv.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer down.Close()
	dir := t.TempDir()
	dbp := filepath.Join(dir, "osv.db")
	ecos := strings.Join(corpusEcosystems, ",")

	// The first mirror is down (retried, then skipped); the second serves.
	var waits atomic.Int32
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, terminal: func(io.Writer) bool { return false }, getenv: func(string) string { return "" }}
	cmd := newDBCmdWith(e, &dbFlags{sleep: func(context.Context, time.Duration) error { waits.Add(1); return nil }})
	cmd.SetArgs([]string{"update", "--db", dbp, "--source", down.URL, "--source", srv.URL, "--ecosystem", ecos})
	err := cmd.Execute()
	stdout, stderr := out.String(), errb.String()
	if err != nil || waits.Load() != int32(3*len(corpusEcosystems)) || !strings.Contains(stdout, "Debian: downloaded") || !strings.Contains(stdout, "verified crc32c, md5") ||
		!strings.Contains(stdout, "updated "+dbp+": 34 records") || stderr != "" {
		t.Fatalf("update: %v, %d waits\n%s\n%s", err, waits.Load(), stdout, stderr)
	}
	code, stdout, _ := runCLI(t, "db", "status", "--db", dbp)
	if code != exitOK || !strings.Contains(stdout, srv.URL+"/Debian/all.zip") || !strings.Contains(stdout, "s ago)") {
		t.Errorf("status: %d\n%s", code, stdout)
	}

	// Again, with the source from the environment: nothing changed.
	before := mirror.count()
	code, stdout, stderr = runCLIEnv(t, map[string]string{"BULWARK_DB_SOURCE": srv.URL}, "db", "update", "--db", dbp, "--ecosystem", ecos)
	if code != exitOK || !strings.Contains(stdout, "Debian: unchanged") || !strings.Contains(stdout, "is up to date: 34 records") || mirror.count()-before != len(corpusEcosystems) {
		t.Errorf("second update: %d\n%s\n%s", code, stdout, stderr)
	}

	// The default ecosystems include some the mirror lacks: the update
	// fails, says which, and leaves the database.
	old, _ := os.ReadFile(dbp)
	code, _, stderr = runCLI(t, "db", "update", "--db", dbp, "--source", srv.URL)
	if now, _ := os.ReadFile(dbp); code != exitIncomplete || !bytes.Equal(old, now) ||
		!strings.Contains(stderr, `bulwark: db update: no OSV archive for ecosystems "AlmaLinux", "Chainguard", "Rocky Linux", "Wolfi", "crates.io", "RubyGems" at `+srv.URL) || !strings.Contains(stderr, "ecosystems.txt") || !strings.Contains(stderr, "unchanged") {
		t.Errorf("missing ecosystem: %d %q", code, stderr)
	}
}

func TestDBUpdateUsage(t *testing.T) {
	for _, args := range [][]string{
		{"db", "update", "--offline"},
		{"db", "update", "--source", "ftp://mirror.example/osv"},
		{"db", "update", "--source", "mirror.example"},
		{"db", "update", "--ecosystem", "../../etc"},
		{"db", "update", "--checksum", "/nonexistent/osv.sha256"},
		{"db", "update", "extra"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr)
		}
	}
	code, _, stderr := runCLI(t, "db", "update", "--offline")
	if !strings.Contains(stderr, "bulwark: db update needs the network, which --offline forbids (use 'bulwark db import PATH' with archives fetched elsewhere)") {
		t.Errorf("offline: %d %q", code, stderr)
	}
}

// failDialer fails the test on any dial: the proof that nothing is dialed.
func failDialer(t *testing.T) func(context.Context, string, string) (net.Conn, error) {
	return func(_ context.Context, network, addr string) (net.Conn, error) {
		t.Errorf("dialed %s %s in offline mode", network, addr)
		return nil, errors.New("dial refused by the test")
	}
}

// TestOfflineNeverDials proves --offline opens no socket, through the seam
// the commands use (dbFlags.dial feeds every transport they build).
func TestOfflineNeverDials(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()

	// The transport of an offline command refuses every request.
	f := &dbFlags{offline: true, dial: failDialer(t)}
	_, err := (&http.Client{Transport: f.transport()}).Get(srv.URL)
	if !errors.Is(err, fetch.ErrOffline) {
		t.Errorf("offline GET: %v", err)
	}

	// db update --offline is refused before any request.
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, terminal: func(io.Writer) bool { return false }, getenv: func(string) string { return srv.URL }}
	cmd := newDBCmdWith(e, f)
	cmd.SetArgs([]string{"update", "--offline", "--db", filepath.Join(t.TempDir(), "osv.db"), "--source", srv.URL, "--ecosystem", "Debian"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	var ee *exitError
	if err := cmd.Execute(); !errors.As(err, &ee) || ee.code != exitUsage {
		t.Errorf("db update --offline: %v", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the server was reached %d times", hits.Load())
	}

	// The seam is real: without --offline the same command dials through it.
	var dialed atomic.Int32
	f = &dbFlags{dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	cmd = newDBCmdWith(e, f)
	cmd.SetArgs([]string{"update", "--db", filepath.Join(t.TempDir(), "osv.db"), "--source", srv.URL, "--ecosystem", "Debian"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	_ = cmd.Execute() // the server answers no archive; only the dial matters
	if dialed.Load() == 0 || hits.Load() == 0 {
		t.Errorf("online: dialed %d, server hit %d", dialed.Load(), hits.Load())
	}
}

func TestDBFlagsOpen(t *testing.T) {
	if _, err := os.Stat(osvCorpus); err != nil {
		t.Skip("OSV corpus not available")
	}
	dbp := filepath.Join(t.TempDir(), "osv.db")
	built := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	if _, err := db.Import(context.Background(), dbp, []string{osvCorpus}, db.ImportOptions{Now: func() time.Time { return built }}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		f          dbFlags
		code       int    // -1: opens
		wantStderr string // a warning
		wantErr    string
	}{
		{name: "fresh", f: dbFlags{path: dbp, maxAge: 7 * 24 * time.Hour, maxAgeAction: "warn", now: func() time.Time { return built.Add(time.Hour) }}, code: -1},
		{name: "stale warns", f: dbFlags{path: dbp, maxAge: 7 * 24 * time.Hour, maxAgeAction: "warn", now: func() time.Time { return built.Add(10 * 24 * time.Hour) }}, code: -1,
			wantStderr: "bulwark: warning: vulnerability database built 2026-05-01T12:00:00Z is 10d old, more than the maximum age of 7d: run 'bulwark db update'\n"},
		{name: "stale fails", f: dbFlags{path: dbp, maxAge: 24 * time.Hour, maxAgeAction: "fail", now: func() time.Time { return built.Add(50 * time.Hour) }}, code: exitIncomplete,
			wantErr: "is 2d2h old, more than the maximum age of 1d: run 'bulwark db update' (or raise --db-max-age)"},
		{name: "no limit", f: dbFlags{path: dbp, maxAge: 0, maxAgeAction: "fail", now: func() time.Time { return built.Add(5000 * time.Hour) }}, code: -1},
		{name: "missing", f: dbFlags{path: dbp + ".missing"}, code: exitIncomplete, wantErr: "download one with 'bulwark db update', or build one with 'bulwark db import PATH'"},
		{name: "bad action", f: dbFlags{path: dbp, maxAgeAction: "explode"}, code: exitUsage, wantErr: "warn or fail"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var errb bytes.Buffer
			d, err := tc.f.open(&env{stderr: &errb})
			if tc.code == -1 {
				if err != nil {
					t.Fatal(err)
				}
				d.Close()
			} else {
				var ee *exitError
				if !errors.As(err, &ee) || ee.code != tc.code || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want exit %d with %q", err, tc.code, tc.wantErr)
				}
			}
			if errb.String() != tc.wantStderr {
				t.Errorf("stderr %q, want %q", errb.String(), tc.wantStderr)
			}
		})
	}
}

func TestDBFlagsRegister(t *testing.T) {
	var f dbFlags
	cmd := newDBCmd(&env{})
	fs := cmd.Flags()
	fs.SortFlags = false
	f.register(fs)
	if err := fs.Parse([]string{"--db", "x.db", "--offline", "--db-max-age", "3d12h", "--db-max-age-action", "fail"}); err != nil {
		t.Fatal(err)
	}
	if f.path != "x.db" || !f.offline || f.maxAge != 84*time.Hour || f.maxAgeAction != "fail" {
		t.Errorf("%+v", f)
	}
	var g dbFlags
	g.register(newDBCmd(&env{}).Flags())
	if g.maxAge != 7*24*time.Hour || g.maxAgeAction != "warn" {
		t.Errorf("defaults %+v", g)
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0": 0, "7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "36h": 36 * time.Hour, "90m": 90 * time.Minute, " 2d ": 48 * time.Hour,
	} {
		if got, err := parseAge(in); err != nil || got != want {
			t.Errorf("parseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1h", "7dd", "x7d", "7d-1h", "1w", "99999999d"} {
		if got, err := parseAge(in); err == nil {
			t.Errorf("parseAge(%q) = %v, want an error", in, got)
		}
	}
}

// Progress goes to standard error, and only when it is a terminal
// (TestDBUpdate checks that a non-terminal gets none).
func TestDBUpdateProgressOnTerminal(t *testing.T) {
	mirror := newOSVMirror(t)
	srv := httptest.NewServer(mirror)
	defer srv.Close()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, terminal: func(w io.Writer) bool { return w == &errb }, getenv: func(string) string { return "" }}
	code := run([]string{"db", "update", "--db", filepath.Join(t.TempDir(), "osv.db"), "--source", srv.URL, "--ecosystem", "Debian,npm"}, e)
	if code != exitOK || !strings.Contains(errb.String(), "\rdownloading "+srv.URL+"/Debian/all.zip: ") || !strings.Contains(errb.String(), "\rimporting npm: ") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if strings.Contains(out.String(), "\r") || !strings.Contains(out.String(), "updated ") {
		t.Errorf("stdout %q", out.String())
	}
}
