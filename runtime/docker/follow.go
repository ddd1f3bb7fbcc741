package docker

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
)

// Client is what a Follower needs of a Docker Engine API client;
// *client.Client has it.
type Client interface {
	Events(ctx context.Context, options client.EventsListOptions) client.EventsResult
	ContainerInspect(ctx context.Context, id string, options client.ContainerInspectOptions) (client.ContainerInspectResult, error)
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ContainerList(ctx context.Context, options client.ContainerListOptions) (client.ContainerListResult, error)
}

// Options tune a Follower. The zero value follows container events from
// now on with the defaults below.
type Options struct {
	// Filters are the engine-side event filters; nil means type=container.
	Filters client.Filters
	// Since, when set, replays the engine's backlog from that time first.
	Since time.Time
	// MinBackoff and MaxBackoff bound the wait before a reconnect
	// (defaults 100ms and 5s); it doubles after each failed attempt and
	// resets after an event arrives.
	MinBackoff, MaxBackoff time.Duration
	// CacheSize bounds the inspect cache (default 1024 containers).
	CacheSize int
	// InspectTimeout bounds one inspect call (default 5s).
	InspectTimeout time.Duration
	// DedupSize is how many recent event keys are kept to drop what a
	// resumed stream replays (default 4096).
	DedupSize int
	// OnStreamError, when set, is told why the stream dropped and how
	// long the follower waits before it reconnects (for logs: the
	// library itself never prints).
	OnStreamError func(err error, wait time.Duration)
}

// Stats are a Follower's counters.
type Stats struct {
	// Events delivered to the handler.
	Events uint64
	// Reconnects after the stream dropped.
	Reconnects uint64
	// Duplicates dropped (replayed after a reconnect).
	Duplicates uint64
	// InspectFailures counts inspects that failed for another reason
	// than the container being gone.
	InspectFailures uint64
	// InspectNotFound counts containers gone before they were inspected.
	InspectNotFound uint64
	// Inspects made (cache misses and refreshes).
	Inspects uint64
}

// Follower follows a Docker engine's event stream, enriches container
// events with inspect data and hands them to a handler. Create it with
// NewFollower. Run may be called again after it returns (never twice at
// once): it resumes where the last stream stopped, from the last handled
// event's time, dropping what it already handled.
type Follower struct {
	cli  Client
	opts Options

	events, reconnects, duplicates      atomic.Uint64
	inspectFail, inspectGone, inspectsN atomic.Uint64
	lastNano                            atomic.Int64
	sawEvent                            bool // touched only by Run

	cache  *lru[*Container]
	tombs  *lru[*Container]
	images *lru[*image.InspectResponse]
	seen   *keySet
}

// NewFollower returns a follower of the engine behind cli.
func NewFollower(cli Client, opts Options) *Follower {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(5*time.Second, opts.MinBackoff)
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 1024
	}
	if opts.InspectTimeout <= 0 {
		opts.InspectTimeout = 5 * time.Second
	}
	if opts.DedupSize <= 0 {
		opts.DedupSize = 4096
	}
	if opts.Filters == nil {
		opts.Filters = client.Filters{}.Add("type", string(events.ContainerEventType))
	}
	f := &Follower{
		cli:    cli,
		opts:   opts,
		cache:  newLRU[*Container](opts.CacheSize),
		tombs:  newLRU[*Container](256),
		images: newLRU[*image.InspectResponse](64),
		seen:   newKeySet(opts.DedupSize),
	}
	if !opts.Since.IsZero() {
		f.lastNano.Store(opts.Since.UnixNano())
	}
	return f
}

// Stats returns the counters so far; safe to call while Run runs.
func (f *Follower) Stats() Stats {
	return Stats{
		Events:          f.events.Load(),
		Reconnects:      f.reconnects.Load(),
		Duplicates:      f.duplicates.Load(),
		InspectFailures: f.inspectFail.Load(),
		InspectNotFound: f.inspectGone.Load(),
		Inspects:        f.inspectsN.Load(),
	}
}

// Prime inspects the containers that exist now (up to the cache's size,
// running ones first) so that the first events about them need not wait
// for an inspect. It returns how many it cached; an engine that cannot
// list its containers is an error, one container that cannot be
// inspected is not (its events will ask again). Call it before Run, not
// during.
func (f *Follower) Prime(ctx context.Context) (int, error) {
	list, err := f.cli.ContainerList(ctx, client.ContainerListOptions{All: true})
	if err != nil {
		return 0, fmt.Errorf("docker: listing containers: %w", err)
	}
	items := list.Items
	sort.SliceStable(items, func(i, j int) bool {
		return items[i].State == "running" && items[j].State != "running"
	})
	n := 0
	for _, it := range items {
		if n >= f.opts.CacheSize || ctx.Err() != nil {
			break
		}
		if f.inspect(ctx, it.ID) != nil {
			n++
		}
	}
	return n, ctx.Err()
}

// Resume is the time (nanoseconds since the epoch) a new stream resumes
// from: the last event's timeNano, or the time the first stream opened,
// or Options.Since; 0 before any of those.
func (f *Follower) Resume() int64 { return f.lastNano.Load() }

// Run follows the stream until ctx is done (it then returns ctx.Err())
// or handle returns an error (returned wrapped), or the engine refuses
// the request itself (invalid filters, no permission). A dropped stream is
// reopened after a back-off, from the last event's time, and what the
// engine replays is dropped, so the handler sees each event once and
// none is lost while the engine keeps it in its backlog. An event whose
// container cannot be inspected is still handed over, without its inspect
// fields. Events are handled one at a time, in order.
func (f *Follower) Run(ctx context.Context, handle func(*Event) error) error {
	backoff := f.opts.MinBackoff
	for {
		opts := client.EventsListOptions{Filters: f.opts.Filters}
		if n := f.lastNano.Load(); n != 0 {
			opts.Since = formatSince(n)
		} else {
			// The first stream starts now: a reconnect before any event
			// resumes from here so that nothing in between is lost.
			f.lastNano.Store(time.Now().UnixNano())
		}
		got, err := f.stream(ctx, opts, handle)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var herr *handlerError
		if errors.As(err, &herr) {
			return herr.err
		}
		// What asking again will not mend (bad filters, no permission)
		// ends the run.
		if cerrdefs.IsInvalidArgument(err) || cerrdefs.IsPermissionDenied(err) || cerrdefs.IsUnauthorized(err) {
			return err
		}
		if got {
			backoff = f.opts.MinBackoff
		}
		if f.opts.OnStreamError != nil {
			f.opts.OnStreamError(err, backoff)
		}
		f.reconnects.Add(1)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, f.opts.MaxBackoff)
	}
}

type handlerError struct{ err error }

func (e *handlerError) Error() string { return e.err.Error() }

// stream reads one events stream until it fails; got says whether any
// event arrived.
func (f *Follower) stream(ctx context.Context, opts client.EventsListOptions, handle func(*Event) error) (got bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := f.cli.Events(sctx, opts)
	for {
		select {
		case msg, ok := <-res.Messages:
			if !ok {
				return got, errors.New("docker events: stream closed")
			}
			got = true
			if f.seen.seenOrAdd(eventKey(&msg)) {
				f.duplicates.Add(1)
				continue
			}
			ev := f.enrich(ctx, msg)
			// Events come in time order: the last one's time is where a
			// new stream resumes (replacing the time the first stream
			// opened, whatever the two clocks say).
			if n := ev.timeNano(); !f.sawEvent || n > f.lastNano.Load() {
				f.lastNano.Store(n)
				f.sawEvent = true
			}
			f.events.Add(1)
			if err := handle(ev); err != nil {
				return got, &handlerError{err: fmt.Errorf("docker event handler: %w", err)}
			}
		case err := <-res.Err:
			if err == nil {
				err = errors.New("docker events: stream ended")
			}
			return got, fmt.Errorf("docker events: %w", err)
		case <-ctx.Done():
			return got, ctx.Err()
		}
	}
}

// formatSince renders nanoseconds since the epoch as the engine's
// seconds.nanoseconds timestamp.
func formatSince(n int64) string {
	sec, nsec := n/int64(time.Second), n%int64(time.Second)
	return strconv.FormatInt(sec, 10) + "." + fmt.Sprintf("%09d", nsec)
}

// eventKey identifies an event for de-duplication: time, object and
// action.
type eventKeyT struct {
	nano   int64
	id     string
	action string
	typ    string
}

func eventKey(m *events.Message) eventKeyT {
	n := m.TimeNano
	if n == 0 {
		n = m.Time * int64(time.Second)
	}
	return eventKeyT{nano: n, id: m.Actor.ID, action: string(m.Action), typ: string(m.Type)}
}

// refreshActions are the container actions after which the inspect
// record is read again (the container's settings or state changed).
var refreshActions = map[string]bool{
	"create": true, "start": true, "restart": true, "update": true, "rename": true,
}

// enrich attaches the inspect record of the event's container: from the
// cache, or read again on the actions that change it (the cached record
// stays when that fails); a container gone before it was ever inspected
// (404) has none. On destroy the record is used one last time and moved
// from the cache to a short list of tombstones that late events of the
// container still resolve against.
func (f *Follower) enrich(ctx context.Context, msg events.Message) *Event {
	if msg.Type != events.ContainerEventType || msg.Actor.ID == "" {
		return NewEvent(msg, nil)
	}
	verb, _, _ := strings.Cut(string(msg.Action), ": ")
	id := msg.Actor.ID
	c, cached := f.cache.get(id)
	destroyed := false
	if !cached {
		c, destroyed = f.tombs.get(id)
	}
	switch {
	case verb == string(events.ActionDestroy):
		f.cache.remove(id)
		f.tombs.put(id, c)
	case destroyed:
		// A late event of a destroyed container: nothing to ask.
	case refreshActions[verb] || !cached:
		if nc := f.inspect(ctx, id); nc != nil {
			c = nc
		}
	}
	return NewEvent(msg, c)
}

// inspect reads a container (and its image, cached by image ID) and
// caches the record; nil when it cannot.
func (f *Follower) inspect(ctx context.Context, id string) *Container {
	ictx, cancel := context.WithTimeout(ctx, f.opts.InspectTimeout)
	defer cancel()
	f.inspectsN.Add(1)
	res, err := f.cli.ContainerInspect(ictx, id, client.ContainerInspectOptions{})
	if err != nil {
		// A container gone keeps its last record, if any, for its
		// remaining events; its destroy event evicts it.
		// One never inspected is remembered as gone (nil), so that its
		// later events do not ask again.
		if cerrdefs.IsNotFound(err) {
			f.inspectGone.Add(1)
			if _, ok := f.cache.get(id); !ok {
				f.cache.put(id, nil)
			}
		} else if ctx.Err() == nil {
			f.inspectFail.Add(1)
		}
		return nil
	}
	doc := &res.Container
	var img *image.InspectResponse
	if doc.Image != "" {
		var ok bool
		if img, ok = f.images.get(doc.Image); !ok {
			if ir, err := f.cli.ImageInspect(ictx, doc.Image); err == nil {
				img = &ir.InspectResponse
				f.images.put(doc.Image, img)
			}
		}
	}
	c := NewContainer(doc, img)
	// A container in another's network namespace has that one's address.
	if other, ok := strings.CutPrefix(c.NetworkMode, "container:"); ok && c.IP == "" && other != "" {
		c.IP = f.peerIP(ictx, other)
	}
	f.cache.put(id, c)
	return c
}

// peerIP is the address of the container whose network namespace
// another joins (by ID or name): from the cache, or inspected once
// (without following it further).
func (f *Follower) peerIP(ctx context.Context, ref string) string {
	if c, ok := f.cache.get(ref); ok && c != nil {
		return c.IP
	}
	f.inspectsN.Add(1)
	res, err := f.cli.ContainerInspect(ctx, ref, client.ContainerInspectOptions{})
	if err != nil {
		return ""
	}
	return NewContainer(&res.Container, nil).IP
}

// ContainerFromInspect is NewContainer for a client's inspect result.
func ContainerFromInspect(res *client.ContainerInspectResult, img *client.ImageInspectResult) *Container {
	var ir *image.InspectResponse
	if img != nil {
		ir = &img.InspectResponse
	}
	return NewContainer(&res.Container, ir)
}

// lru is a small bounded cache, least recently used out first.
type lru[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[string]*list.Element
}

type lruEntry[V any] struct {
	key string
	val V
}

func newLRU[V any](n int) *lru[V] {
	return &lru[V]{max: n, order: list.New(), items: make(map[string]*list.Element)}
}

func (l *lru[V]) get(k string) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[k]; ok {
		l.order.MoveToFront(e)
		return e.Value.(*lruEntry[V]).val, true
	}
	var zero V
	return zero, false
}

func (l *lru[V]) put(k string, v V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[k]; ok {
		e.Value.(*lruEntry[V]).val = v
		l.order.MoveToFront(e)
		return
	}
	l.items[k] = l.order.PushFront(&lruEntry[V]{key: k, val: v})
	for l.order.Len() > l.max {
		last := l.order.Back()
		l.order.Remove(last)
		delete(l.items, last.Value.(*lruEntry[V]).key)
	}
}

func (l *lru[V]) remove(k string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[k]; ok {
		l.order.Remove(e)
		delete(l.items, k)
	}
}

func (l *lru[V]) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}

// keySet remembers the last n event keys.
type keySet struct {
	ring []eventKeyT
	next int
	set  map[eventKeyT]struct{}
}

func newKeySet(n int) *keySet {
	return &keySet{ring: make([]eventKeyT, 0, n), set: make(map[eventKeyT]struct{}, n)}
}

// seenOrAdd reports whether k was seen; if not, it remembers it,
// forgetting the oldest key when full.
func (s *keySet) seenOrAdd(k eventKeyT) bool {
	if _, ok := s.set[k]; ok {
		return true
	}
	if len(s.ring) < cap(s.ring) {
		s.ring = append(s.ring, k)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = k
		s.next = (s.next + 1) % len(s.ring)
	}
	s.set[k] = struct{}{}
	return false
}
