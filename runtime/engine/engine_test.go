package engine

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bulwark-sec/bulwark/runtime/alert"
	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// fakeEvent has a verb and a user, as field IDs 0 and 1.
type fakeEvent struct{ verb, user string }

func (e fakeEvent) Extract(ref fields.Ref, buf []fields.Value) ([]fields.Value, bool) {
	switch ref.ID {
	case 0:
		return append(buf, fields.Value{Str: e.verb}), true
	case 1:
		if e.user == "" {
			return buf, false
		}
		return append(buf, fields.Value{Str: e.user}), true
	}
	return buf, false
}

// field extracts one string field of an event, allocation-free.
func field(ev fields.Event, id int) (string, bool) {
	var arr [1]fields.Value
	v, ok := ev.Extract(fields.Ref{ID: id}, arr[:0])
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0].Str, true
}

// verbIs is a fake compiled condition: verb == want. It reads the fake
// event directly so that benchmarks measure the engine, not the fake
// (a buffer handed to an interface method escapes).
func verbIs(want string) func(fields.Event) bool {
	return func(ev fields.Event) bool {
		if f, ok := ev.(fakeEvent); ok {
			return f.verb == want
		}
		v, ok := field(ev, 0)
		return ok && v == want
	}
}

// userOutput renders "<what> (user=%ka.user.name)".
func userOutput(what string) (func(fields.Event, []byte) []byte, func(fields.Event) map[string]any) {
	render := func(ev fields.Event, buf []byte) []byte {
		buf = append(buf, what...)
		buf = append(buf, " (user="...)
		u, ok := field(ev, 1)
		if !ok {
			u = "<NA>"
		}
		buf = append(buf, u...)
		return append(buf, ')')
	}
	fs := func(ev fields.Event) map[string]any {
		u, ok := field(ev, 1)
		if !ok {
			return map[string]any{"ka.user.name": nil}
		}
		return map[string]any{"ka.user.name": u}
	}
	return render, fs
}

func testRules() []Rule {
	out1, f1 := userOutput("create seen")
	out2, f2 := userOutput("create again")
	return []Rule{
		{Name: "Create", Priority: alert.PriorityWarning, Source: "k8s_audit", Tags: []string{"k8s"}, Match: verbIs("create"), Output: out1, OutputFields: f1},
		{Name: "Delete", Priority: alert.PriorityNotice, Source: "k8s_audit", Match: verbIs("delete")},
		{Name: "Create too", Priority: alert.PriorityCritical, Source: "k8s_audit", Match: verbIs("create"), Output: out2, OutputFields: f2},
		{Name: "Docker create", Priority: alert.PriorityError, Source: "docker", Match: verbIs("create")},
	}
}

var t0 = time.Date(2025, 3, 4, 10, 11, 12, 5, time.UTC)

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		source string
		ev     fakeEvent
		want   []string // "rule|priority|message"
	}{
		{"all: both matching rules fire in load order", All, "k8s_audit", fakeEvent{"create", "alice"},
			[]string{"Create|Warning|create seen (user=alice)", "Create too|Critical|create again (user=alice)"}},
		{"first: only the first matching rule fires", First, "k8s_audit", fakeEvent{"create", "alice"},
			[]string{"Create|Warning|create seen (user=alice)"}},
		{"missing field renders <NA>", All, "k8s_audit", fakeEvent{"create", ""},
			[]string{"Create|Warning|create seen (user=<NA>)", "Create too|Critical|create again (user=<NA>)"}},
		{"no output renders the rule name", All, "k8s_audit", fakeEvent{"delete", "bob"},
			[]string{"Delete|Notice|Delete"}},
		{"no match, no alert", All, "k8s_audit", fakeEvent{"get", "bob"}, nil},
		{"rules of another source do not run", All, "docker", fakeEvent{"delete", "bob"}, nil},
		{"the docker rule fires on a docker event", All, "docker", fakeEvent{"create", ""},
			[]string{"Docker create|Error|Docker create"}},
		{"a source without rules raises nothing", All, "syscall", fakeEvent{"create", "x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(testRules(), Options{Policy: tt.policy, Hostname: "h1"})
			if err != nil {
				t.Fatal(err)
			}
			as, err := e.Evaluate(tt.source, t0, tt.ev, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range as {
				got = append(got, a.Rule+"|"+a.Priority.String()+"|"+a.Message)
				if a.Source != tt.source || a.Hostname != "h1" || !a.Time.Equal(t0) {
					t.Errorf("alert %+v: wrong source, host or time", a)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOutputFieldsAndTimeField(t *testing.T) {
	e, err := New(testRules(), Options{TimeField: "evt.time"})
	if err != nil {
		t.Fatal(err)
	}
	as, _ := e.Evaluate("k8s_audit", t0, fakeEvent{"create", "alice"}, nil)
	want := map[string]any{"ka.user.name": "alice", "evt.time": uint64(t0.UnixNano())}
	if diff := cmp.Diff(want, as[0].OutputFields); diff != "" {
		t.Errorf("output fields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"k8s"}, as[0].Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	as, _ = e.Evaluate("k8s_audit", t0, fakeEvent{"delete", "alice"}, nil)
	if diff := cmp.Diff(map[string]any{"evt.time": uint64(t0.UnixNano())}, as[0].OutputFields); diff != "" {
		t.Errorf("a rule without output fields still gets the time (-want +got):\n%s", diff)
	}
}

func TestMinPriority(t *testing.T) {
	min := alert.PriorityWarning
	e, err := New(testRules(), Options{MinPriority: &min})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.Rules("k8s_audit"); n != 2 {
		t.Errorf("%d k8s_audit rules kept, want 2 (Notice left out)", n)
	}
	as, _ := e.Evaluate("k8s_audit", t0, fakeEvent{"delete", "x"}, nil)
	if len(as) != 0 {
		t.Errorf("the Notice rule fired below the minimum: %v", as)
	}
	if diff := cmp.Diff([]string{"k8s_audit", "docker"}, e.Sources()); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
}

func TestNewRejectsBadRules(t *testing.T) {
	m := verbIs("x")
	tests := []struct {
		name  string
		rules []Rule
		want  string
	}{
		{"no name", []Rule{{Source: "s", Match: m}}, "rule 1 has no name"},
		{"twice", []Rule{{Name: "a", Source: "s", Match: m}, {Name: "a", Source: "s", Match: m}}, `rule "a" is defined twice`},
		{"no source", []Rule{{Name: "a", Match: m}}, `rule "a" has no source`},
		{"no condition", []Rule{{Name: "a", Source: "s"}}, `rule "a" has no compiled condition`},
		{"bad priority", []Rule{{Name: "a", Source: "s", Match: m, Priority: 8}}, `rule "a" has an invalid priority 8`},
	}
	for _, tt := range tests {
		_, err := New(tt.rules, Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := New(nil, Options{}); err != nil {
		t.Errorf("no rules is fine: %v", err)
	}
}

func TestPanickingRuleIsAnError(t *testing.T) {
	rules := []Rule{
		{Name: "ok", Source: "s", Match: func(fields.Event) bool { return true }},
		{Name: "boom", Source: "s", Match: func(fields.Event) bool { panic("index out of range") }},
	}
	e, err := New(rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	as, err := e.Evaluate("s", t0, fakeEvent{}, nil)
	if err == nil || !strings.Contains(err.Error(), `rule "boom"`) {
		t.Errorf("error %v, want one naming the rule", err)
	}
	if len(as) != 1 || as[0].Rule != "ok" {
		t.Errorf("alerts before the panic are kept: %v", as)
	}
}

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]Policy{"all": All, "FIRST": First, " first ": First} {
		got, err := ParsePolicy(in)
		if err != nil || got != want || (strings.TrimSpace(strings.ToLower(in)) != got.String()) {
			t.Errorf("ParsePolicy(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParsePolicy("any"); err == nil {
		t.Error("ParsePolicy(any) must fail")
	}
}

func TestConcurrentEvaluateAndMetrics(t *testing.T) {
	m := alert.NewMetrics()
	e, err := New(testRules(), Options{Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []*alert.Alert
			for i := 0; i < 500; i++ {
				dst, _ = e.Evaluate("k8s_audit", t0, fakeEvent{"create", "u"}, dst[:0])
				if len(dst) != 2 || dst[0].Message != "create seen (user=u)" {
					t.Errorf("got %d alerts, first %q", len(dst), dst[0].Message)
					return
				}
				dst, _ = e.Evaluate("k8s_audit", t0, fakeEvent{"get", "u"}, dst[:0])
			}
		}()
	}
	wg.Wait()
	if n := testutil.ToFloat64(m.Evaluated("k8s_audit")); n != 8000 {
		t.Errorf("evaluated = %v, want 8000", n)
	}
	if n := testutil.ToFloat64(m.Alerts("Create too", alert.PriorityCritical)); n != 4000 {
		t.Errorf("alerts of Create too = %v, want 4000", n)
	}
	if n := testutil.ToFloat64(m.Alerts("Delete", alert.PriorityNotice)); n != 0 {
		t.Errorf("alerts of Delete = %v, want 0", n)
	}
}

// benchRules are n rules of which one in ten matches "create".
func benchRules(n int) []Rule {
	rules := make([]Rule, n)
	for i := range rules {
		verb := "update"
		if i%10 == 0 {
			verb = "create"
		}
		out, fs := userOutput("r")
		rules[i] = Rule{Name: "rule " + strings.Repeat("x", i%7) + string(rune('A'+i%26)) + string(rune('a'+i/26)), Priority: alert.PriorityWarning, Source: "k8s_audit", Match: verbIs(verb), Output: out, OutputFields: fs}
	}
	return rules
}

// BenchmarkEvaluateNoMatch is the common case: 50 rules, none matching.
func BenchmarkEvaluateNoMatch(b *testing.B) {
	e, err := New(benchRules(50), Options{Metrics: alert.NewMetrics()})
	if err != nil {
		b.Fatal(err)
	}
	var ev fields.Event = fakeEvent{"get", "alice"}
	b.ReportAllocs()
	var dst []*alert.Alert
	for b.Loop() {
		dst, _ = e.Evaluate("k8s_audit", t0, ev, dst[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEvaluateMatch: 50 rules, 5 matching (policy all).
func BenchmarkEvaluateMatch(b *testing.B) {
	e, err := New(benchRules(50), Options{Metrics: alert.NewMetrics()})
	if err != nil {
		b.Fatal(err)
	}
	var ev fields.Event = fakeEvent{"create", "alice"}
	b.ReportAllocs()
	var dst []*alert.Alert
	for b.Loop() {
		dst, _ = e.Evaluate("k8s_audit", t0, ev, dst[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
