package filter

import (
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// countingEvent counts extractions per field ID.
type countingEvent struct {
	*fakeEvent
	n map[int]int
}

func (c *countingEvent) Extract(ref fields.Ref, buf []fields.Value) ([]fields.Value, bool) {
	c.n[ref.ID]++
	return c.fakeEvent.Extract(ref, buf)
}

func TestSharedRefTable(t *testing.T) {
	table := NewRefTable()
	env := testEnv()
	env.Refs = table
	var progs []*Program
	for _, cond := range []string{
		"kcreate and pod", // true
		"ka.verb in (create, update) and not never_true", // true
		"ka.verb = delete",          // false
		"tolower(ka.verb) = create", // true
	} {
		ast, err := Parse(cond)
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := Compile(ast, env)
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, p)
	}
	ev := table.NewEvaluator()
	e := &countingEvent{fakeEvent: newEvent(testEvent), n: map[int]int{}}
	for round := 0; round < 2; round++ {
		ev.Reset()
		var got []bool
		for _, p := range progs {
			got = append(got, p.EvalWith(ev, e))
		}
		if want := []bool{true, true, false, true}; !equalBools(got, want) {
			t.Fatalf("round %d: got %v, want %v", round, got, want)
		}
	}
	verb, _, _ := fields.Lookup(fakeSource{}, "ka.verb")
	if e.n[verb] != 2 {
		t.Fatalf("ka.verb extracted %d times for two events, want 2 (once per event)", e.n[verb])
	}
	other := sourceNamed("other")
	if _, _, err := Compile(&MacroRef{Name: "kcreate"}, Env{Source: other, Refs: table}); err == nil {
		t.Fatal("a RefTable must serve one source")
	}
}

type sourceNamed string

func (s sourceNamed) Name() string        { return string(s) }
func (sourceNamed) Fields() []fields.Info { return fakeFields }

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestConcurrentEval(t *testing.T) {
	p := benchProgram(t)
	o, err := ParseOutput("%ka.user.name %tolower(ka.target.name) %ka.user.groups", fakeSource{}, false)
	if err != nil {
		t.Fatal(err)
	}
	e := newEvent(testEvent)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if !p.Eval(e) {
					t.Error("concurrent Eval gave false")
					return
				}
				if got := string(o.Render(e, nil)); got != "system:anonymous nginx-pod (system:unauthenticated,system:authenticated)" {
					t.Errorf("concurrent Render: %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
