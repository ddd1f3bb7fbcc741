package filter

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// RefTable numbers the field references of programs and outputs compiled
// for one source. Programs compiled with the same RefTable (Env.Refs)
// share one Evaluator (RefTable.NewEvaluator), which extracts each field
// once per event for all of them: the rules engine evaluates every rule
// of a source on an event with one extraction per field. A RefTable is
// safe for concurrent use.
type RefTable struct {
	mu     sync.Mutex
	source string
	idx    map[string]int
	refs   []fields.Ref
	n      atomic.Int64
}

// NewRefTable returns an empty table.
func NewRefTable() *RefTable { return &RefTable{idx: map[string]int{}} }

// slot returns the slot of ref, adding it when new.
func (t *RefTable) slot(ref fields.Ref) int {
	key := strconv.Itoa(ref.ID) + "\x00" + strconv.FormatBool(ref.HasArg) + "\x00" + ref.Arg
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.idx[key]; ok {
		return i
	}
	i := len(t.refs)
	t.idx[key] = i
	t.refs = append(t.refs, ref)
	t.n.Store(int64(len(t.refs)))
	return i
}

// bind records the source of the table's programs; a table serves one
// source, whose field IDs its slots hold.
func (t *RefTable) bind(source string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.source == "" {
		t.source = source
	}
	return t.source == source
}

// NewEvaluator returns an Evaluator for every program compiled with t,
// for one goroutine. Call Reset before each event, then Program.EvalWith
// for each program.
func (t *RefTable) NewEvaluator() *Evaluator {
	ev := &Evaluator{table: t, vals: make([]fields.Value, 0, 128), arena: make([]byte, 0, 256)}
	ev.Reset()
	return ev
}

// Reset starts a new event: values extracted for the previous one are
// forgotten (and the strings they held may be overwritten).
func (ev *Evaluator) Reset() {
	ev.vals = ev.vals[:0]
	ev.arena = ev.arena[:0]
	if n := int(ev.table.n.Load()); len(ev.slots) < n {
		ev.slots = append(ev.slots, make([]slot, n-len(ev.slots))...)
	}
	clear(ev.slots)
}

// EvalWith evaluates p on e with ev, an Evaluator of the RefTable p was
// compiled with (or of p itself), keeping the values ev has already
// extracted for e. Call ev.Reset before moving to the next event. An
// Evaluator of another table is reset and used for p alone.
func (p *Program) EvalWith(ev *Evaluator, e fields.Event) bool {
	if ev.table != p.table {
		ev.table = p.table
		ev.p = p
		ev.slots = ev.slots[:0]
		ev.Reset()
	}
	return p.root.eval(ev, e)
}
