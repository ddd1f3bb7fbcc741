package detect

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/runtime/engine"
	"github.com/bulwark-sec/bulwark/runtime/k8saudit"
)

// TestSharedEvaluatorConcurrent: evaluations of different events at once
// (the shared per-event evaluator of a source, from its pool) give each
// event the alerts and outputs it gets alone: no value of one event leaks
// into another.
func TestSharedEvaluatorConcurrent(t *testing.T) {
	rs, err := Load(readFiles(t, k8sRules), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ers, err := rs.EngineRules()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ers, engine.Options{Prepare: rs.Prepare()})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(corpus, "audit/falcosecurity__falco/test/trace_files/k8s_audit/*.json"))
	if len(files) == 0 {
		t.Skip("audit corpus not found")
	}
	var evs []*k8saudit.Event
	for _, f := range files {
		r := k8saudit.NewFileReader(f, k8saudit.FileOptions{})
		if err := r.Run(context.Background(), func(ev *k8saudit.Event) { evs = append(evs, ev) }); err != nil {
			t.Fatal(err)
		}
	}
	render := func(ev *k8saudit.Event) string {
		as, err := eng.Evaluate(k8saudit.SourceName, ev.Time(), ev, nil)
		if err != nil {
			t.Error(err)
		}
		var b strings.Builder
		for _, a := range as {
			fmt.Fprintf(&b, "%s|%s|%v\n", a.Rule, a.Message, a.OutputFields)
		}
		return b.String()
	}
	want := make([]string, len(evs))
	for i, ev := range evs {
		want[i] = render(ev)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 20 {
				for k := range evs {
					i := (k + g*7 + round) % len(evs)
					if got := render(evs[i]); got != want[i] {
						t.Errorf("event %d evaluated concurrently:\n%s\nalone:\n%s", i, got, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
