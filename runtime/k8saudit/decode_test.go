package k8saudit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDecode(t *testing.T) {
	ev := func(id string) string { return eventJSON(id) }
	withKV := func(id, kv string) string { return `{` + kv + `,` + eventJSON(id)[1:] }
	cases := []struct {
		name    string
		payload string
		lim     Limits
		ids     []string // events decoded
		items   int
		errs    []string // per-event errors (substrings), in order
		err     string   // payload error (substring); "" for none
	}{
		{name: "v1 EventList", payload: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[` + ev("a") + `,` + ev("b") + `]}`, ids: []string{"a", "b"}, items: 2},
		{name: "v1beta1 EventList", payload: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1beta1","items":[` + ev("a") + `]}`, ids: []string{"a"}, items: 1},
		{name: "single Event without apiVersion", payload: withKV("a", `"kind":"Event"`), ids: []string{"a"}, items: 1},
		{name: "array of an Event and a list", payload: `[` + withKV("a", `"kind":"Event"`) + `,{"kind":"EventList","items":[` + ev("b") + `]}]`, ids: []string{"a", "b"}, items: 2},
		{name: "empty list", payload: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}`, items: 0},
		{name: "null items", payload: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":null}`, items: 0},
		{name: "item kind Event accepted", payload: `{"kind":"EventList","items":[` + withKV("a", `"kind":"Event","apiVersion":"audit.k8s.io/v1"`) + `]}`, ids: []string{"a"}, items: 1},

		// Rejected events, each skipped with its reason; the others kept.
		{name: "unknown item version", payload: `{"kind":"EventList","items":[` + withKV("a", `"apiVersion":"audit.k8s.io/v2"`) + `,` + ev("b") + `]}`,
			ids: []string{"b"}, items: 2, errs: []string{`audit event 0 (auditID a): unknown audit apiVersion "audit.k8s.io/v2"`}},
		{name: "item of another kind", payload: `{"kind":"EventList","items":[` + withKV("a", `"kind":"Pod"`) + `]}`, items: 1, errs: []string{`(kind "Pod")`}},
		{name: "item not an object", payload: `{"kind":"EventList","items":[42]}`, items: 1, errs: []string{"audit event 0: not a Kubernetes audit Event or EventList: a JSON number"}},
		{name: "no auditID", payload: `{"kind":"Event","stageTimestamp":"2024-05-01T10:00:00Z"}`, items: 1, errs: []string{"no auditID"}},
		{name: "no stageTimestamp", payload: `{"kind":"Event","auditID":"x"}`, items: 1, errs: []string{"audit event 0 (auditID x): no stageTimestamp"}},
		{name: "bad stageTimestamp", payload: `{"kind":"Event","auditID":"x","stageTimestamp":"yesterday"}`, items: 1, errs: []string{`stageTimestamp: parsing time "yesterday"`}},
		{name: "event over the limit", payload: `{"kind":"EventList","items":[` + ev("a") + `,{"auditID":"small","stageTimestamp":"2024-05-01T10:00:00Z"}]}`, lim: Limits{MaxEventSize: 200},
			ids: []string{"small"}, items: 2, errs: []string{"is larger than the limit of 200"}},
		{name: "array element not audit", payload: `[` + withKV("a", `"kind":"Event"`) + `,"x"]`, ids: []string{"a"}, items: 2, errs: []string{"array element: not a Kubernetes audit Event or EventList: a JSON string"}},

		// Rejected payloads.
		{name: "malformed JSON", payload: `{"kind":"EventList",`, err: "malformed JSON: unexpected end of JSON input"},
		{name: "trailing data", payload: `{"kind":"EventList"} x`, err: "malformed JSON"},
		{name: "kind 0 (fal_01_003)", payload: `{"kind": 0}`, err: "not a Kubernetes audit Event or EventList (kind 0)"},
		{name: "no kind", payload: `{"auditID":"a"}`, err: "(no kind)"},
		{name: "unknown list version", payload: `{"kind":"EventList","apiVersion":"audit.k8s.io/v2","items":[]}`, err: `unknown audit apiVersion "audit.k8s.io/v2" (want audit.k8s.io/v1 or audit.k8s.io/v1beta1)`},
		{name: "not an object", payload: `"Event"`, err: "not a Kubernetes audit Event or EventList: a JSON string"},
		{name: "items not an array", payload: `{"kind":"EventList","items":{}}`, err: "items is a JSON object"},
		{name: "payload over the limit", payload: `{"kind":"EventList","items":[` + ev("a") + `]}`, lim: Limits{MaxBatchSize: 100}, err: "payload too large"},
		{name: "too deep", payload: `{"kind":"Event","x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, err: "nested deeper than 256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Decode([]byte(c.payload), c.lim)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			var ids []string
			for _, e := range res.Events {
				ids = append(ids, e.AuditID())
			}
			if strings.Join(ids, ",") != strings.Join(c.ids, ",") || res.Items != c.items {
				t.Errorf("events %v items %d, want %v %d", ids, res.Items, c.ids, c.items)
			}
			if len(res.Errors) != len(c.errs) {
				t.Fatalf("errors %v, want %q", res.Errors, c.errs)
			}
			for i, e := range res.Errors {
				var ee *EventError
				if !errors.As(e, &ee) || !strings.Contains(e.Error(), c.errs[i]) {
					t.Errorf("error %d: %v, want %q", i, e, c.errs[i])
				}
			}
		})
	}
	// Error identities for callers.
	_, err := Decode([]byte(`{"kind":"EventList","apiVersion":"audit.k8s.io/v9"}`), Limits{})
	if !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("unknown version: %v", err)
	}
	res, _ := Decode([]byte(`{"kind":"EventList","items":[`+withKV("a", `"apiVersion":"v1"`)+`]}`), Limits{})
	if len(res.Errors) != 1 || !errors.Is(res.Errors[0], ErrUnknownVersion) {
		t.Errorf("unknown item version: %v", res.Errors)
	}
}

// TestEventVersion keeps the list's apiVersion on its items.
func TestEventVersion(t *testing.T) {
	res, err := Decode([]byte(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1beta1","items":[`+eventJSON("a")+`]}`), Limits{})
	if err != nil || len(res.Events) != 1 {
		t.Fatal(err)
	}
	e := res.Events[0]
	if e.APIVersion() != APIVersionV1beta1 || e.Time().UnixNano() != 1714557600010000000 || e.Size() != len(eventJSON("a")) {
		t.Errorf("version %q time %v size %d", e.APIVersion(), e.Time(), e.Size())
	}
}

// readFile runs a FileReader over content written to a temporary file.
func readFile(t *testing.T, content string, opts FileOptions) ([]string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	var ids, errs []string
	opts.OnError = func(err error) { errs = append(errs, strings.TrimPrefix(err.Error(), path)) }
	r := NewFileReader(path, opts)
	if err := r.Run(context.Background(), func(e *Event) { ids = append(ids, e.AuditID()) }); err != nil {
		t.Fatal(err)
	}
	return ids, errs
}

func TestFileReader(t *testing.T) {
	withKind := func(id string) string { return `{"kind":"Event",` + eventJSON(id)[1:] }
	pretty := `{
  "kind": "EventList",
  "apiVersion": "audit.k8s.io/v1",
  "items": [
    ` + eventJSON("p1") + `,
    ` + eventJSON("p2") + `
  ]
}
`
	cases := []struct {
		name    string
		content string
		lim     Limits
		ids     []string
		errs    []string // ":LINE: message" prefixes
	}{
		{name: "JSON lines", content: withKind("a") + "\n" + withKind("b") + "\n", ids: []string{"a", "b"}},
		{name: "no final newline, CRLF, blank lines", content: withKind("a") + "\r\n\n   \n" + withKind("b"), ids: []string{"a", "b"}},
		{name: "a list per line", content: string(eventList(1, 2)) + "\n" + string(eventList(3, 1)) + "\n", ids: []string{"ev-0000001", "ev-0000002", "ev-0000003"}},
		{name: "malformed line skipped", content: withKind("a") + "\n{\"kind\": 0}\n{not json}\n" + withKind("b") + "\n",
			ids: []string{"a", "b"}, errs: []string{":2: not a Kubernetes audit Event or EventList (kind 0)", ":3: malformed JSON: invalid character 'n'"}},
		{name: "bad event on line 2", content: withKind("a") + "\n" + `{"kind":"Event","auditID":"x"}` + "\n",
			ids: []string{"a"}, errs: []string{":2: audit event 0 (auditID x): no stageTimestamp"}},
		{name: "indented EventList document", content: pretty, ids: []string{"p1", "p2"}},
		{name: "two documents", content: pretty + "\n" + pretty, ids: []string{"p1", "p2", "p1", "p2"}},
		{name: "document then bad document", content: pretty + "{\n \"kind\": \"Pod\"\n}\n", ids: []string{"p1", "p2"},
			errs: []string{`:9: not a Kubernetes audit Event or EventList (kind "Pod")`}},
		{name: "truncated document", content: "{\n  \"kind\": \"EventList\",\n  \"items\": [\n", errs: []string{":1: malformed JSON: unexpected EOF"}},
		{name: "line over the limit", content: withKind("a") + "\n" + `{"kind":"Event","pad":"` + strings.Repeat("x", 70<<10) + `"}` + "\n" + withKind("b") + "\n",
			lim: Limits{MaxBatchSize: 64 << 10}, ids: []string{"a", "b"}, errs: []string{":2: payload too large"}},
		{name: "line far over the limit, not kept in memory", content: withKind("a") + "\n" + `{"kind":"Event","pad":"` + strings.Repeat("x", 200<<10) + `"}` + "\n" + withKind("b") + "\n" + `{"kind":"Event","auditID":"x"}` + "\n",
			lim: Limits{MaxBatchSize: 16 << 10}, ids: []string{"a", "b"}, errs: []string{":2: payload too large: line longer than 16384 bytes", ":4: audit event 0 (auditID x)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, errs := readFile(t, c.content, FileOptions{Limits: c.lim})
			if strings.Join(ids, ",") != strings.Join(c.ids, ",") {
				t.Errorf("events %v, want %v", ids, c.ids)
			}
			if len(errs) != len(c.errs) {
				t.Fatalf("errors %q, want %q", errs, c.errs)
			}
			for i := range errs {
				if !strings.HasPrefix(errs[i], c.errs[i]) {
					t.Errorf("error %q, want prefix %q", errs[i], c.errs[i])
				}
			}
		})
	}
}

func TestFileReaderMissing(t *testing.T) {
	r := NewFileReader(filepath.Join(t.TempDir(), "nope.log"), FileOptions{})
	if err := r.Run(context.Background(), func(*Event) {}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("error %v", err)
	}
}

// TestFollow follows a log as it grows, is rotated (renamed and created
// anew, with a last line written to the old file after the rename) and
// truncated (copytruncate).
func TestFollow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	line := func(id string) string { return `{"kind":"Event",` + eventJSON(id)[1:] + "\n" }
	appendTo := func(p, s string) {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	appendTo(path, line("old-1"))

	var mu sync.Mutex
	var ids []string
	got := func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), ids...) }
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(got()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("got %v, want %d events", got(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := NewFileReader(path, FileOptions{Follow: true, PollInterval: 10 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, func(e *Event) { mu.Lock(); ids = append(ids, e.AuditID()); mu.Unlock() })
	}()
	waitFor(1)

	// Growth, a line written in two parts included.
	appendTo(path, line("grow-1"))
	full := line("grow-2")
	appendTo(path, full[:40])
	time.Sleep(30 * time.Millisecond)
	appendTo(path, full[40:])
	waitFor(3)

	// Rotation: rename, a late line to the old file, then a new file.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(path+".1", line("late-old"))
	time.Sleep(30 * time.Millisecond)
	appendTo(path, line("new-1")+line("new-2"))
	waitFor(6)

	// Truncation: the file emptied in place, then written again.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	appendTo(path, line("trunc-1"))
	waitFor(7)

	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	want := "old-1,grow-1,grow-2,late-old,new-1,new-2,trunc-1"
	if strings.Join(got(), ",") != want {
		t.Errorf("events %v, want %s", got(), want)
	}
	if st := r.Stats(); st.Delivered != 7 || st.Malformed != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestFollowFromEnd skips what the file held when following began.
func TestFollowFromEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	line := func(id string) string { return `{"kind":"Event",` + eventJSON(id)[1:] + "\n" }
	if err := os.WriteFile(path, []byte(line("before")), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evs := make(chan string, 4)
	r := NewFileReader(path, FileOptions{Follow: true, FromEnd: true, PollInterval: 5 * time.Millisecond})
	go r.Run(ctx, func(e *Event) { evs <- e.AuditID() })
	// Append until the reader reports an event: whenever it started, the
	// line written before it must never come.
	deadline := time.After(10 * time.Second)
	for i := 0; ; i++ {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(f, line(fmt.Sprintf("after-%d", i)))
		f.Close()
		select {
		case id := <-evs:
			if !strings.HasPrefix(id, "after-") {
				t.Errorf("first event %s, want one written after the start", id)
			}
			return
		case <-deadline:
			t.Fatal("no event")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestFileReaderDirectory reads a directory's files oldest first and
// refuses to follow one.
func TestFileReaderDirectory(t *testing.T) {
	dir := t.TempDir()
	line := func(id string) string { return `{"kind":"Event",` + eventJSON(id)[1:] + "\n" }
	write := func(name, content string, age time.Duration) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		mt := time.Now().Add(-age)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	write("a.log", line("newest"), time.Minute)
	write("b.log", line("oldest-1")+line("oldest-2"), time.Hour)
	write("c.log", "{oops}\n", 30*time.Minute)
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	var ids, errs []string
	r := NewFileReader(dir, FileOptions{OnError: func(err error) { errs = append(errs, err.Error()) }})
	if err := r.Run(context.Background(), func(e *Event) { ids = append(ids, e.AuditID()) }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "oldest-1,oldest-2,newest" {
		t.Errorf("events %v", ids)
	}
	if len(errs) != 1 || !strings.HasPrefix(errs[0], filepath.Join(dir, "c.log")+":1: malformed JSON") {
		t.Errorf("errors %q", errs)
	}
	r = NewFileReader(dir, FileOptions{Follow: true})
	if err := r.Run(context.Background(), func(*Event) {}); err == nil || !strings.Contains(err.Error(), "cannot be followed") {
		t.Errorf("follow a directory: %v", err)
	}
}

// TestJSONObj renders the whole event indented, as json.obj does.
func TestJSONObj(t *testing.T) {
	res, err := Decode([]byte(`{"kind":"Event","auditID":"a","stageTimestamp":"2024-05-01T10:00:00Z","x":[1,{"y":true}]}`), Limits{})
	if err != nil || len(res.Events) != 1 {
		t.Fatal(err)
	}
	vals, ok := res.Events[0].Extract(ref(t, "json.obj"), nil)
	want := "{\n  \"kind\": \"Event\",\n  \"auditID\": \"a\",\n  \"stageTimestamp\": \"2024-05-01T10:00:00Z\",\n  \"x\": [\n    1,\n    {\n      \"y\": true\n    }\n  ]\n}"
	if !ok || len(vals) != 1 || vals[0].Str != want {
		t.Errorf("json.obj %q, want %q", strs(vals), want)
	}
}

// TestDecodeEventOverLimitIsTooLarge: an event over MaxEventSize is
// skipped with an error that wraps ErrPayloadTooLarge, so it is counted as
// too large, not malformed.
func TestDecodeEventOverLimitIsTooLarge(t *testing.T) {
	big := `{"kind":"Event","auditID":"big","stageTimestamp":"2024-05-01T10:00:00Z","requestURI":"` + strings.Repeat("a", 300) + `"}`
	res, err := Decode([]byte(`{"kind":"EventList","items":[`+big+`]}`), Limits{MaxEventSize: 200})
	if err != nil || len(res.Errors) != 1 {
		t.Fatalf("errors %v, %v; want one event error", res.Errors, err)
	}
	if !errors.Is(res.Errors[0], ErrPayloadTooLarge) {
		t.Errorf("%v does not wrap ErrPayloadTooLarge", res.Errors[0])
	}
}
