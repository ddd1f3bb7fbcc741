package docker

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
)

// fakeEngine serves scripted event streams: stream i sends scripts[i]
// and then fails with errs[i] (nil: stays open until cancelled).
type fakeEngine struct {
	mu         sync.Mutex
	scripts    [][]events.Message
	errs       []error
	calls      []client.EventsListOptions
	containers map[string]*ctypes.InspectResponse
	inspects   map[string]int
	failWith   error
}

func (f *fakeEngine) Events(ctx context.Context, opts client.EventsListOptions) client.EventsResult {
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, opts)
	f.mu.Unlock()
	msgs := make(chan events.Message)
	errs := make(chan error, 1)
	go func() {
		if n < len(f.scripts) {
			for _, m := range f.scripts[n] {
				select {
				case msgs <- m:
				case <-ctx.Done():
					errs <- ctx.Err()
					return
				}
			}
			if n < len(f.errs) && f.errs[n] != nil {
				errs <- f.errs[n]
				return
			}
		}
		<-ctx.Done()
		errs <- ctx.Err()
	}()
	return client.EventsResult{Messages: msgs, Err: errs}
}

func (f *fakeEngine) ContainerInspect(ctx context.Context, id string, _ client.ContainerInspectOptions) (client.ContainerInspectResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inspects == nil {
		f.inspects = map[string]int{}
	}
	f.inspects[id]++
	if f.failWith != nil {
		return client.ContainerInspectResult{}, f.failWith
	}
	doc, ok := f.containers[id]
	if !ok {
		return client.ContainerInspectResult{}, fmt.Errorf("no such container: %s: %w", id, cerrdefs.ErrNotFound)
	}
	return client.ContainerInspectResult{Container: *doc}, nil
}

func (f *fakeEngine) ImageInspect(ctx context.Context, ref string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	return client.ImageInspectResult{}, fmt.Errorf("no such image %s: %w", ref, cerrdefs.ErrNotFound)
}

func (f *fakeEngine) ContainerList(ctx context.Context, _ client.ContainerListOptions) (client.ContainerListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var res client.ContainerListResult
	for id, doc := range f.containers {
		st := ctypes.ContainerState("created")
		if doc.State != nil {
			st = doc.State.Status
		}
		res.Items = append(res.Items, ctypes.Summary{ID: id, State: st})
	}
	sort.Slice(res.Items, func(i, j int) bool { return res.Items[i].ID < res.Items[j].ID })
	return res, nil
}

func msgAt(nano int64, id, action string) events.Message {
	return events.Message{Type: "container", Action: events.Action(action), TimeNano: nano, Time: nano / 1e9,
		Actor: events.Actor{ID: id, Attributes: map[string]string{"name": "n-" + id, "image": "img"}}}
}

type seenEvent struct {
	Nano          int64
	ID, Action    string
	Inspected     bool
	Privileged    string
	ContainerName string
}

// collect runs the follower until it has handled want events, then
// cancels it.
func collect(t *testing.T, f *Follower, want int) []seenEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []seenEvent
	err := f.Run(ctx, func(ev *Event) error {
		got = append(got, seenEvent{
			Nano: ev.Message.TimeNano, ID: ev.Message.Actor.ID, Action: ev.Action(),
			Inspected: ev.Container != nil, Privileged: render(t, ev, "container.privileged"),
			ContainerName: render(t, ev, "container.name"),
		})
		if len(got) == want {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	return got
}

func TestFollowerResumesWithoutLossOrRepeat(t *testing.T) {
	const t0 = int64(1_700_000_000_000_000_000)
	eng := &fakeEngine{
		containers: map[string]*ctypes.InspectResponse{
			"aaa": {ID: "aaa", Name: "/web", HostConfig: &ctypes.HostConfig{Privileged: true}, Config: &ctypes.Config{Image: "img"}},
		},
		scripts: [][]events.Message{
			{msgAt(t0+1, "aaa", "create"), msgAt(t0+2, "aaa", "start")},
			// The engine replays from since (inclusive), then goes on.
			{msgAt(t0+2, "aaa", "start"), msgAt(t0+2, "bbb", "create"), msgAt(t0+3, "aaa", "exec_start: sh")},
			{msgAt(t0+3, "aaa", "exec_start: sh"), msgAt(t0+4, "aaa", "die"), msgAt(t0+5, "aaa", "destroy"), msgAt(t0+6, "aaa", "destroy")},
		},
		errs: []error{errors.New("unexpected EOF"), errors.New("connection reset")},
	}
	f := NewFollower(eng, Options{MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	got := collect(t, f, 7)
	want := []seenEvent{
		{t0 + 1, "aaa", "create", true, "true", "n-aaa"}, // the name as the event tells it
		{t0 + 2, "aaa", "start", true, "true", "n-aaa"},
		{t0 + 2, "bbb", "create", false, "<absent>", "n-bbb"}, // gone before inspect
		{t0 + 3, "aaa", "exec_start", true, "true", "n-aaa"},
		{t0 + 4, "aaa", "die", true, "true", "n-aaa"},
		{t0 + 5, "aaa", "destroy", true, "true", "n-aaa"}, // last use of the cache
		{t0 + 6, "aaa", "destroy", true, "true", "n-aaa"}, // a late event resolves against the tombstone
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if len(eng.calls) != 3 {
		t.Fatalf("%d streams opened, want 3", len(eng.calls))
	}
	if eng.calls[0].Since != "" {
		t.Errorf("first stream since %q, want none", eng.calls[0].Since)
	}
	if s := eng.calls[1].Since; s != "1700000000.000000002" {
		t.Errorf("second stream since %q", s)
	}
	if s := eng.calls[2].Since; s != "1700000000.000000003" {
		t.Errorf("third stream since %q", s)
	}
	if !eng.calls[0].Filters["type"]["container"] {
		t.Errorf("filters %v, want type=container", eng.calls[0].Filters)
	}
	st := f.Stats()
	wantStats := Stats{Events: 7, Reconnects: 2, Duplicates: 2, InspectNotFound: 1, Inspects: 3}
	if st != wantStats {
		t.Errorf("stats %+v, want %+v", st, wantStats)
	}
	// create and start inspect; exec, die and destroy use the cache.
	if eng.inspects["aaa"] != 2 {
		t.Errorf("aaa inspected %d times, want 2 (create, start)", eng.inspects["aaa"])
	}
	if f.Resume() != t0+6 {
		t.Errorf("Resume() = %d", f.Resume())
	}
}

func TestFollowerReconnectBeforeAnyEventResumesFromStart(t *testing.T) {
	eng := &fakeEngine{
		scripts: [][]events.Message{nil, {msgAt(time.Now().UnixNano(), "ccc", "kill")}},
		errs:    []error{errors.New("EOF")},
	}
	before := time.Now().UnixNano()
	f := NewFollower(eng, Options{MinBackoff: time.Millisecond})
	collect(t, f, 1)
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if len(eng.calls) != 2 || eng.calls[1].Since == "" {
		t.Fatalf("calls %+v: the second stream must resume from when the first opened", eng.calls)
	}
	var sec, nsec int64
	fmt.Sscanf(eng.calls[1].Since, "%d.%d", &sec, &nsec)
	if got := sec*1e9 + nsec; got < before || got > time.Now().UnixNano() {
		t.Errorf("since %s is not the time the first stream opened", eng.calls[1].Since)
	}
}

func TestFollowerInspectFailureKeepsStreaming(t *testing.T) {
	eng := &fakeEngine{
		failWith: errors.New("engine busy"),
		scripts:  [][]events.Message{{msgAt(10, "ddd", "create"), msgAt(11, "ddd", "start")}},
	}
	f := NewFollower(eng, Options{})
	got := collect(t, f, 2)
	if len(got) != 2 || got[0].Inspected || got[1].ContainerName != "n-ddd" {
		t.Errorf("got %+v", got)
	}
	if st := f.Stats(); st.InspectFailures != 2 || st.InspectNotFound != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestFollowerHandlerErrorStops(t *testing.T) {
	eng := &fakeEngine{scripts: [][]events.Message{{msgAt(10, "eee", "kill"), msgAt(11, "eee", "die")}}}
	f := NewFollower(eng, Options{})
	boom := errors.New("boom")
	err := f.Run(context.Background(), func(*Event) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Run: %v, want boom", err)
	}
	if st := f.Stats(); st.Events != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFollowerSinceOption(t *testing.T) {
	eng := &fakeEngine{scripts: [][]events.Message{{msgAt(10, "fff", "kill")}}}
	f := NewFollower(eng, Options{Since: time.Unix(5, 7)})
	collect(t, f, 1)
	if s := eng.calls[0].Since; s != "5.000000007" {
		t.Errorf("since %q", s)
	}
}

func TestLRUBounded(t *testing.T) {
	l := newLRU[int](2)
	l.put("a", 1)
	l.put("b", 2)
	l.get("a")
	l.put("c", 3) // evicts b, the least recently used
	if _, ok := l.get("b"); ok {
		t.Error("b not evicted")
	}
	if v, ok := l.get("a"); !ok || v != 1 {
		t.Error("a lost")
	}
	if l.len() != 2 {
		t.Errorf("len %d", l.len())
	}
	l.remove("a")
	if _, ok := l.get("a"); ok || l.len() != 1 {
		t.Error("remove")
	}
}

func TestKeySetForgetsOldest(t *testing.T) {
	s := newKeySet(2)
	k := func(n int64) eventKeyT { return eventKeyT{nano: n} }
	if s.seenOrAdd(k(1)) || s.seenOrAdd(k(2)) || !s.seenOrAdd(k(1)) {
		t.Fatal("basic")
	}
	s.seenOrAdd(k(3)) // forgets 1
	if s.seenOrAdd(k(1)) {
		t.Error("1 should be forgotten")
	}
	if !s.seenOrAdd(k(3)) {
		t.Error("3 should be remembered")
	}
}

func TestFollowerAsksOnceForAVanishedContainer(t *testing.T) {
	eng := &fakeEngine{scripts: [][]events.Message{{
		msgAt(10, "ggg", "kill"), msgAt(11, "ggg", "die"), msgAt(12, "ggg", "stop"),
		msgAt(13, "ggg", "destroy"), msgAt(14, "ggg", "die"),
	}}}
	f := NewFollower(eng, Options{})
	collect(t, f, 5)
	// kill asks and learns it is gone; die and stop do not ask again;
	// destroy leaves a tombstone that the late die resolves against.
	if n := eng.inspects["ggg"]; n != 1 {
		t.Errorf("inspected %d times, want 1", n)
	}
}

func TestFollowerIPOfSharedNetworkNamespace(t *testing.T) {
	doc := loadJSON[ctypes.InspectResponse](t, "watchtower_container_running.json")
	eng := &fakeEngine{
		containers: map[string]*ctypes.InspectResponse{
			"net-owner": doc,
			"sidecar":   {ID: "sidecar", HostConfig: &ctypes.HostConfig{NetworkMode: "container:net-owner"}},
		},
		scripts: [][]events.Message{{msgAt(10, "sidecar", "start")}},
	}
	f := NewFollower(eng, Options{})
	var ip string
	ctx, cancel := context.WithCancel(context.Background())
	f.Run(ctx, func(ev *Event) error { ip = render(t, ev, "container.ip"); cancel(); return nil })
	if ip != "172.17.0.2" {
		t.Errorf("container.ip = %q, want the network owner's 172.17.0.2", ip)
	}
}

func TestFollowerStopsOnWhatRetryingCannotMend(t *testing.T) {
	bad := fmt.Errorf("invalid filter 'nope': %w", cerrdefs.ErrInvalidArgument)
	eng := &fakeEngine{scripts: [][]events.Message{nil}, errs: []error{bad}}
	var told []error
	f := NewFollower(eng, Options{OnStreamError: func(err error, _ time.Duration) { told = append(told, err) }})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := f.Run(ctx, func(*Event) error { return nil })
	if !cerrdefs.IsInvalidArgument(err) {
		t.Fatalf("Run: %v, want the invalid argument", err)
	}
	if len(told) != 0 || f.Stats().Reconnects != 0 {
		t.Errorf("retried: told %v, stats %+v", told, f.Stats())
	}
}

func TestFollowerTellsWhyItReconnects(t *testing.T) {
	eng := &fakeEngine{scripts: [][]events.Message{nil, {msgAt(10, "hhh", "kill")}}, errs: []error{errors.New("connection reset")}}
	var told []string
	f := NewFollower(eng, Options{MinBackoff: time.Millisecond, OnStreamError: func(err error, wait time.Duration) {
		told = append(told, fmt.Sprintf("%v after %v", err, wait))
	}})
	collect(t, f, 1)
	if d := cmp.Diff([]string{"docker events: connection reset after 1ms"}, told); d != "" {
		t.Errorf("told (-want +got):\n%s", d)
	}
}

func TestFollowerPrime(t *testing.T) {
	eng := &fakeEngine{
		containers: map[string]*ctypes.InspectResponse{
			"a-created": {ID: "a-created", Name: "/one"},
			"b-running": {ID: "b-running", Name: "/two", State: &ctypes.State{Status: "running"}, HostConfig: &ctypes.HostConfig{Privileged: true}},
			"c-running": {ID: "c-running", Name: "/three", State: &ctypes.State{Status: "running"}},
		},
		scripts: [][]events.Message{{msgAt(10, "b-running", "exec_start: sh")}},
	}
	// A cache of two keeps the running ones.
	f := NewFollower(eng, Options{CacheSize: 2})
	n, err := f.Prime(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Prime: %d, %v; want 2", n, err)
	}
	if _, ok := f.cache.get("a-created"); ok {
		t.Error("the created container took the place of a running one")
	}
	got := collect(t, f, 1)
	if !got[0].Inspected || got[0].Privileged != "true" {
		t.Errorf("exec event %+v: want the primed record", got[0])
	}
	if eng.inspects["b-running"] != 1 {
		t.Errorf("b-running inspected %d times, want once (by Prime)", eng.inspects["b-running"])
	}
}
