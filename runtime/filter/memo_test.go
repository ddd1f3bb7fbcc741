package filter

import (
	"fmt"
	"strings"
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

// TestExpansionBounded: a macro or list used twice at each of 40 levels
// would expand to 2^40 nodes or items; compilation stops with an error.
func TestExpansionBounded(t *testing.T) {
	macros := map[string]Node{}
	lists := map[string][]string{"l0": {"a", "b"}}
	m0, _ := Parse("ka.verb=create")
	macros["m0"] = m0
	for i := 1; i <= 40; i++ {
		n, err := Parse(fmt.Sprintf("m%d and m%d", i-1, i-1))
		if err != nil {
			t.Fatal(err)
		}
		macros[fmt.Sprintf("m%d", i)] = n
		lists[fmt.Sprintf("l%d", i)] = []string{fmt.Sprintf("l%d", i-1), fmt.Sprintf("l%d", i-1)}
	}
	env := Env{
		Source: fakeSource{},
		Macro:  func(name string) (Node, bool) { n, ok := macros[name]; return n, ok },
		List:   func(name string) ([]string, bool) { l, ok := lists[name]; return l, ok },
	}
	for _, tc := range []struct {
		cond  string
		limit int
	}{{"m40", MaxExpandedSize}, {"ka.verb in (l40)", MaxListItems}, {"ka.verb in l40", MaxListItems}} {
		cond := tc.cond
		n, _ := Parse(cond)
		if _, _, err := Compile(n, env); err == nil || !strings.Contains(err.Error(), fmt.Sprint(tc.limit)) {
			t.Errorf("%s: error %v, want the expansion limit", cond, err)
		}
	}
	n, _ := Parse("m10 and ka.verb in (l10)") // 2^10: fine
	if _, _, err := Compile(n, env); err != nil {
		t.Fatal(err)
	}
}
