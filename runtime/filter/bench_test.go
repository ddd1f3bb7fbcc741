package filter

import (
	"fmt"
	"strings"
	"testing"
)

// benchCondition is shaped like the k8s audit rules: macros inlined, an
// `in` list of 50 items, string operators, a list field and a transformer.
func benchProgram(b testing.TB) *Program {
	cond := strings.Join([]string{
		"bench_kevt",
		"not ka.target.subresource exists",
		"ka.user.name != admin",
		"not ka.user.name in (bench_images)",
		"ka.target.namespace in (kube-system, kube-public, default)",
		"ka.uri startswith /api/v1",
		"ka.uri contains exec",
		"tolower(ka.target.name) icontains nginx",
		"ka.user.groups intersects (system:unauthenticated, system:masters)",
		"fd.name pmatch (/etc/kubernetes, /var/lib/kubelet)",
		"ka.response.code startswith 4",
		"evt.num > 10",
		"fd.name glob '/etc/*/manifests/*.yaml'",
		"(bench_privileged)",
		"not ka.uri endswith .json",
	}, " and ")
	p, _, err := compileString(b, cond)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkEval(b *testing.B) {
	p := benchProgram(b)
	ev := newEvent(testEvent)
	if !p.Eval(ev) {
		b.Fatal("the benchmark condition must match the event (all checks run)")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Eval(ev)
	}
}

func BenchmarkEvaluator(b *testing.B) {
	p := benchProgram(b)
	ev := newEvent(testEvent)
	e := p.NewEvaluator()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Eval(ev)
	}
}

func TestEvalDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	p := benchProgram(t)
	ev := newEvent(testEvent)
	p.Eval(ev)
	if a := testing.AllocsPerRun(1000, func() { p.Eval(ev) }); a != 0 {
		t.Fatalf("Eval allocates %v times per event", a)
	}
}

// benchImages is the 50-item list of the benchmark.
func benchImages() []string {
	items := make([]string, 50)
	for i := range items {
		items[i] = fmt.Sprintf("registry.example.com/team%d/app", i)
	}
	return items
}

// BenchmarkRuleset evaluates 20 programs sharing one RefTable on one
// event, as the engine does: each field is extracted once per event.
func BenchmarkRuleset(b *testing.B) {
	table := NewRefTable()
	env := testEnv()
	env.Refs = table
	p := benchProgram(b)
	cond := strings.Join([]string{"bench_kevt", "not ka.target.subresource exists", "ka.uri contains exec"}, " and ")
	var progs []*Program
	for i := 0; i < 20; i++ {
		ast, err := Parse(cond)
		if err != nil {
			b.Fatal(err)
		}
		q, _, err := Compile(ast, env)
		if err != nil {
			b.Fatal(err)
		}
		progs = append(progs, q)
	}
	_ = p
	e := newEvent(testEvent)
	ev := table.NewEvaluator()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev.Reset()
		for _, q := range progs {
			q.EvalWith(ev, e)
		}
	}
}
