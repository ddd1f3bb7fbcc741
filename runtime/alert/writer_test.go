package alert

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a Writer that keeps what it is given.
type recorder struct {
	mu     sync.Mutex
	rules  []string
	closed bool
	err    error
}

func (r *recorder) Write(a *Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rules = append(r.rules, a.Rule)
	return r.err
}

func (r *recorder) Close() error { r.closed = true; return nil }

func TestMinPriority(t *testing.T) {
	rec := &recorder{}
	w := MinPriority(rec, PriorityWarning)
	for _, p := range Priorities() {
		if err := w.Write(&Alert{Rule: p.String(), Priority: p}); err != nil {
			t.Fatal(err)
		}
	}
	// Warning and everything more severe pass; Notice and below do not.
	want := "Emergency Alert Critical Error Warning"
	if got := strings.Join(rec.rules, " "); got != want {
		t.Errorf("passed %q, want %q", got, want)
	}
	if err := w.Close(); err != nil || !rec.closed {
		t.Errorf("Close = %v, closed %v", err, rec.closed)
	}
}

func TestMulti(t *testing.T) {
	bad := &recorder{err: errors.New("disk full")}
	good := &recorder{}
	w := Multi(bad, good)
	err := w.Write(&Alert{Rule: "r"})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Write error = %v, want the failing writer's", err)
	}
	if len(good.rules) != 1 {
		t.Error("a failing writer must not stop the others")
	}
	if err := w.Close(); err != nil || !bad.closed || !good.closed {
		t.Errorf("Close = %v", err)
	}
}

func TestStreamWriterConcurrentLines(t *testing.T) {
	var buf bytes.Buffer
	w := NewStreamWriter(&buf, Encoder{Format: JSON, Location: time.UTC})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if err := w.Write(sampleAlerts()[0]); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines, want 400", len(lines))
	}
	for _, l := range lines {
		if l != lines[0] {
			t.Fatalf("interleaved line %q", l)
		}
	}
	if err := w.Close(); err != nil {
		t.Error(err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestStreamWriterError(t *testing.T) {
	w := NewStreamWriter(failingWriter{}, Encoder{})
	if err := w.Write(&Alert{}); err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("Write error = %v", err)
	}
}

func TestOpenFileAppendsWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	for i := 0; i < 2; i++ {
		w, err := OpenFile(path, Encoder{Format: JSON, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(sampleAlerts()[1]); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 2 {
		t.Errorf("%d lines, want 2 (appended, not truncated)", n)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := OpenFile(filepath.Join(t.TempDir(), "missing", "a.log"), Encoder{}); err == nil {
		t.Error("opening a file in a missing directory must fail")
	}
}
