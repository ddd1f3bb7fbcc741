package docker

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/client"
)

// cutProxy forwards connections to the engine and can drop them all and
// refuse new ones, as a restarting engine or a broken network would.
type cutProxy struct {
	ln    net.Listener
	dial  func() (net.Conn, error)
	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func newCutProxy(t *testing.T, network, addr string) *cutProxy {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "engine.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, dial: func() (net.Conn, error) { return net.Dial(network, addr) }}
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		d, err := p.dial()
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, d)
		p.mu.Unlock()
		go func() { io.Copy(d, c); d.Close() }()
		go func() { io.Copy(c, d); c.Close() }()
	}
}

// setDown drops every connection and refuses new ones (true), or lets
// them through again (false).
func (p *cutProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

func (p *cutProxy) close() {
	p.setDown(true)
	p.ln.Close()
}

// TestEngineReconnect cuts the connection to a real engine under a
// running follower, makes events while the engine cannot be reached, and
// lets it back: the follower reconnects by itself, resumes from the last
// event's time, and hands over every event once.
func TestEngineReconnect(t *testing.T) {
	r := newTestRun(t)
	u, err := url.Parse(r.cli.DaemonHost())
	if err != nil || (u.Scheme != "unix" && u.Scheme != "tcp") || os.Getenv("DOCKER_TLS_VERIFY") != "" {
		t.Skipf("the proxy handles plain unix and tcp engines, not %s", r.cli.DaemonHost())
	}
	addr := u.Host
	if u.Scheme == "unix" {
		addr = u.Path
	}
	proxy := newCutProxy(t, u.Scheme, addr)
	pcli, err := client.New(client.FromEnv, client.WithHost("unix://"+proxy.ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	defer pcli.Close()

	f := NewFollower(pcli, Options{Filters: r.filters(), Since: time.Now(), MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	evc := make(chan *Event, 16)
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, func(ev *Event) error { evc <- ev; return nil }) }()
	next := func() *Event {
		t.Helper()
		select {
		case ev := <-evc:
			t.Logf("event: %s %s %s (inspected: %v)", ev.Message.Type, ev.Message.Action, shortID(ev.Message.Actor.ID), ev.Container != nil)
			return ev
		case <-ctx.Done():
			t.Fatal("timed out waiting for an event")
			return nil
		}
	}

	type seen struct{ ID, Action string }
	var got []seen
	a := r.create(t, "a", nil)
	ev := next()
	got = append(got, seen{shortID(ev.Message.Actor.ID), ev.Action()})

	proxy.setDown(true)
	b := r.create(t, "b", nil) // made through the direct client
	r.remove(a)
	// Let the follower fail to reconnect a few times.
	deadline := time.Now().Add(5 * time.Second)
	for f.Stats().Reconnects < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	proxy.setDown(false)

	for len(got) < 3 {
		ev := next()
		got = append(got, seen{shortID(ev.Message.Actor.ID), ev.Action()})
	}
	// Nothing more may come: no replayed duplicate.
	select {
	case ev := <-evc:
		t.Errorf("unexpected event %s %s", ev.Message.Action, shortID(ev.Message.Actor.ID))
	case <-time.After(500 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	want := []seen{{shortID(a), "create"}, {shortID(b), "create"}, {shortID(a), "destroy"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	st := f.Stats()
	t.Logf("stats %+v", st)
	if st.Reconnects < 2 || st.Events != 3 {
		t.Errorf("stats %+v: want 3 events and at least 2 reconnects", st)
	}
}
