package detect

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/runtime/engine"
	"github.com/bulwark-sec/bulwark/runtime/k8saudit"
)

// BenchmarkK8sAuditRuleset evaluates the k8saudit plugin's whole ruleset
// (48 rules) on every event of the audit corpus in turn, as watch does
// (all matching rules; alerts built for the matches), on one goroutine.
//
//	go test -run '^$' -bench K8sAuditRuleset -cpu 1 ./runtime/detect/
func BenchmarkK8sAuditRuleset(b *testing.B) {
	rs, err := Load(readFiles(b, k8sRules), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ers, err := rs.EngineRules()
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(ers, engine.Options{Prepare: rs.Prepare()})
	if err != nil {
		b.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(corpus, "audit/falcosecurity__falco/test/trace_files/k8s_audit/*.json"))
	var evs []*k8saudit.Event
	for _, f := range files {
		k8saudit.NewFileReader(f, k8saudit.FileOptions{}).Run(context.Background(), func(ev *k8saudit.Event) { evs = append(evs, ev) })
	}
	if len(evs) == 0 {
		b.Skip("audit corpus not found")
	}
	b.Run("all-events", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			ev := evs[n%len(evs)]
			n++
			if _, err := eng.Evaluate(k8saudit.SourceName, ev.Time(), ev, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	})
	// Most of an API server's events match no rule: the rules' cost alone.
	var quiet []*k8saudit.Event
	for _, ev := range evs {
		if as, _ := eng.Evaluate(k8saudit.SourceName, ev.Time(), ev, nil); len(as) == 0 {
			quiet = append(quiet, ev)
		}
	}
	b.Run("no-match", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			ev := quiet[n%len(quiet)]
			n++
			if _, err := eng.Evaluate(k8saudit.SourceName, ev.Time(), ev, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	})
}
