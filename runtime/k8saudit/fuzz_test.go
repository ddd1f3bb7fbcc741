package k8saudit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// fuzzArgs are the arguments tried on every field that takes one.
var fuzzArgs = []string{"", "0", "1", "command", "/", "/requestObject/spec", "a~1b/~0/0", "/*", "12345678901234567890"}

// FuzzDecode decodes arbitrary payloads: never a panic, every event's
// JSON valid, and every field extractable.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"kind": 0}`))
	f.Add([]byte(`{"kind":"Event","auditID":"a","stageTimestamp":"2024-05-01T10:00:00Z","requestURI":"/x?a=%zz&a=1"}`))
	f.Add([]byte(`[{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{"auditID":"\u00e9\"","stageTimestamp":"2024-05-01T10:00:00.1Z"}]}]`))
	f.Add(eventList(1, 2))
	for _, dir := range []string{"testdata", corpusDir} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json*"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				for _, line := range bytes.Split(b, []byte("\n")) {
					f.Add(line)
				}
				f.Add(b)
			}
		}
	}
	table := Source{}.Fields()
	f.Fuzz(func(t *testing.T, payload []byte) {
		res, err := Decode(payload, Limits{MaxEventSize: 64 << 10, MaxBatchSize: 1 << 20})
		if err != nil {
			return
		}
		if len(res.Events)+len(res.Errors) != res.Items {
			t.Fatalf("%d events + %d errors != %d items", len(res.Events), len(res.Errors), res.Items)
		}
		buf := make([]fields.Value, 0, 8)
		for _, ev := range res.Events {
			if !json.Valid(ev.JSON()) {
				t.Fatalf("event JSON not valid: %q", ev.JSON())
			}
			for id, info := range table {
				r := fields.Ref{ID: id}
				if info.Arg == fields.NoArg {
					buf, _ = ev.Extract(r, buf[:0])
					continue
				}
				for i, a := range fuzzArgs {
					r.Arg, r.HasArg = a, true
					r.Index, r.HasIndex = i, info.Arg == fields.ArgIndex
					buf, _ = ev.Extract(r, buf[:0])
				}
			}
		}
	})
}

// FuzzTree checks the index against encoding/json on compact input.
func FuzzTree(f *testing.F) {
	f.Add([]byte(`{"a":[1,-2.5e3,true,false,null,"x\"y"],"b":{}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`"\ud83d\ude00"`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var compact bytes.Buffer
		if json.Compact(&compact, in) != nil {
			return
		}
		tr, err := parseTree(compact.Bytes())
		if err != nil {
			if err == errDepth {
				return
			}
			t.Fatalf("valid JSON %q rejected: %v", compact.Bytes(), err)
		}
		// Every string value agrees with encoding/json.
		for i, n := range tr.nodes {
			if n.kind != kString {
				continue
			}
			var s string
			if err := json.Unmarshal(tr.raw[n.start:n.end], &s); err != nil || s != tr.strOf(int32(i)) {
				t.Fatalf("string %q: %q, encoding/json %q (%v)", tr.raw[n.start:n.end], tr.strOf(int32(i)), s, err)
			}
		}
		if got := tr.text(0); tr.nodes[0].kind != kString && got != compact.String() {
			t.Fatalf("root text %q, want %q", got, compact.String())
		}
	})
}
