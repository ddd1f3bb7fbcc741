package docker

// Tests against a real Docker engine (.ci/run starts one). They skip with
// the reason when no engine answers, and fail instead when CI=true. Each
// test labels its containers and follows only that label, so tests and
// other users of the engine do not see each other's events.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bulwark-sec/bulwark/source/container/enginetest"
)

const testLabel = "bulwark.test.runtime-docker"

// testRun is one test's label value, image and container names.
type testRun struct {
	cli   *client.Client
	tag   string
	image string
}

func newTestRun(t *testing.T) *testRun {
	cli := enginetest.Client(t)
	tag := fmt.Sprintf("%s-%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), time.Now().UnixNano())
	r := &testRun{cli: cli, tag: tag, image: "bulwark-runtime-docker-test:" + fmt.Sprint(time.Now().UnixNano())}
	enginetest.Image(t, cli, r.image, "bulwark runtime/docker test image\n")
	return r
}

// filters follows only this test's containers.
func (r *testRun) filters() client.Filters {
	return client.Filters{}.Add("type", "container").Add("label", testLabel+"="+r.tag)
}

// create creates (never starts) a container of this test.
func (r *testRun) create(t *testing.T, name string, hc *ctypes.HostConfig) string {
	t.Helper()
	if hc == nil {
		hc = &ctypes.HostConfig{}
	}
	res, err := r.cli.ContainerCreate(context.Background(), client.ContainerCreateOptions{
		Name:       name + "-" + r.tag,
		Config:     &ctypes.Config{Image: r.image, Cmd: []string{"/hello"}, Labels: map[string]string{testLabel: r.tag, "app": "k7"}},
		HostConfig: hc,
	})
	if err != nil {
		t.Fatalf("creating %s: %v", name, err)
	}
	t.Cleanup(func() { r.remove(res.ID) })
	return res.ID
}

func (r *testRun) remove(id string) {
	r.cli.ContainerRemove(context.Background(), id, client.ContainerRemoveOptions{Force: true})
}

// daemonSocket is the engine's socket path on the host, when it listens
// on one.
func daemonSocket(cli *client.Client) string {
	if u, err := url.Parse(cli.DaemonHost()); err == nil && u.Scheme == "unix" {
		return u.Path
	}
	return ""
}

// follow runs f until handle says stop or the time is up.
func follow(t *testing.T, f *Follower, handle func(*Event) (stop bool)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := f.Run(ctx, func(ev *Event) error {
		t.Logf("event: %s %s %s (inspected: %v)", ev.Message.Type, ev.Message.Action, shortID(ev.Message.Actor.ID), ev.Container != nil)
		if handle(ev) {
			cancel()
		}
		return nil
	})
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("timed out waiting for events")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
}

// TestEnginePrivilegedCreateEnriched drives the seed's privileged
// container rule from the create event: a privileged container cannot
// be started on the test machines, but it can be created and inspected.
func TestEnginePrivilegedCreateEnriched(t *testing.T) {
	r := newTestRun(t)
	since := time.Now()
	dir := t.TempDir()
	binds := []string{dir + ":/data:ro"}
	sock := daemonSocket(r.cli)
	if sock != "" {
		binds = append(binds, sock+":/var/run/docker.sock")
	}
	id := r.create(t, "priv", &ctypes.HostConfig{Privileged: true, CapAdd: []string{"SYS_ADMIN"}, Binds: binds})

	f := NewFollower(r.cli, Options{Filters: r.filters(), Since: since})
	n, err := f.Prime(context.Background())
	if err != nil || n < 1 {
		t.Fatalf("Prime: %d, %v; want at least the container just created", n, err)
	}
	if c, ok := f.cache.get(id); !ok || c == nil || !c.Privileged {
		t.Fatalf("Prime did not cache the privileged container: %+v", c)
	}
	var got *Event
	follow(t, f, func(ev *Event) bool {
		if ev.Action() == "create" && ev.Message.Actor.ID == id {
			got = ev
			return true
		}
		return false
	})
	want := map[string]string{
		"docker.type":                       "container",
		"docker.action":                     "create",
		"container.id":                      id[:12],
		"container.full_id":                 id,
		"container.name":                    "priv-" + r.tag,
		"container.image":                   r.image,
		"container.image.repository":        "bulwark-runtime-docker-test",
		"container.privileged":              "true",
		"container.cap_add":                 "CAP_SYS_ADMIN",
		"container.host_pid":                "false",
		"container.label[app]":              "k7",
		"container.mount.source[/data]":     dir,
		"container.mount.dest[" + dir + "]": "/data",
		"container.mount.rdwr[" + dir + "]": "false",
	}
	if sock != "" {
		want["container.mount.source[/var/run/docker.sock]"] = sock
	}
	gotFields := map[string]string{}
	for name := range want {
		gotFields[name] = render(t, got, name)
	}
	if d := cmp.Diff(want, gotFields); d != "" {
		t.Errorf("fields of the create event (-want +got):\n%s", d)
	}
	t.Logf("container.mounts=%s", render(t, got, "container.mounts"))

	// The launch view the seed's rule reads.
	l, ok := NewLaunchEvent(got)
	if !ok {
		t.Fatal("the create event has no launch view")
	}
	wantLaunch := map[string]string{
		"evt.type": "execve", "proc.vpid": "1", "proc.cmdline": "hello", "user.name": "root",
		"container.id": id[:12], "container.privileged": "true", "container.security_context.privileged": "true",
	}
	gotLaunch := map[string]string{}
	for name := range wantLaunch {
		gotLaunch[name] = launchRender(t, l, name)
	}
	if d := cmp.Diff(wantLaunch, gotLaunch); d != "" {
		t.Errorf("launch view of the create event (-want +got):\n%s", d)
	}
	if st := f.Stats(); st.InspectFailures != 0 || st.InspectNotFound != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestEngineVanishedBeforeInspect replays a container created and
// removed before the follower ran: its create event arrives when the
// container is gone (404), and still carries the docker.* fields and
// the container's ID and name from the event.
func TestEngineVanishedBeforeInspect(t *testing.T) {
	r := newTestRun(t)
	since := time.Now()
	id := r.create(t, "gone", nil)
	r.remove(id)

	f := NewFollower(r.cli, Options{Filters: r.filters(), Since: since})
	var seen []string
	follow(t, f, func(ev *Event) bool {
		seen = append(seen, ev.Action())
		if ev.Action() == "create" {
			if ev.Container != nil {
				t.Error("create event of a removed container has inspect data")
			}
			want := map[string]string{
				"docker.type": "container", "docker.action": "create", "docker.id": id,
				"container.id": id[:12], "container.name": "gone-" + r.tag, "container.image": r.image,
				"container.privileged": "<absent>", "container.mounts": "<absent>",
			}
			got := map[string]string{}
			for name := range want {
				got[name] = render(t, ev, name)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		}
		return ev.Action() == "destroy"
	})
	if d := cmp.Diff([]string{"create", "destroy"}, seen); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if st := f.Stats(); st.InspectNotFound != 1 || st.InspectFailures != 0 {
		t.Errorf("stats %+v, want one container not found", st)
	}
}

// TestEngineResume stops the follower mid-way, makes more events while
// it is not running, and runs it again: it resumes from the last handled
// event's time and hands over every later event exactly once.
func TestEngineResume(t *testing.T) {
	r := newTestRun(t)
	f := NewFollower(r.cli, Options{Filters: r.filters(), Since: time.Now()})
	a := r.create(t, "a", nil)
	b := r.create(t, "b", nil)

	type seen struct{ ID, Action string }
	var got []seen
	record := func(ev *Event) { got = append(got, seen{shortID(ev.Message.Actor.ID), ev.Action()}) }
	follow(t, f, func(ev *Event) bool {
		record(ev)
		return len(got) == 2
	})
	resume := f.Resume()

	// While the follower is stopped.
	if _, err := r.cli.ContainerRename(context.Background(), a, client.ContainerRenameOptions{NewName: "a2-" + r.tag}); err != nil {
		t.Fatal(err)
	}
	r.remove(a)
	c := r.create(t, "c", nil)
	r.remove(b)

	follow(t, f, func(ev *Event) bool {
		record(ev)
		return len(got) == 6
	})
	want := []seen{
		{shortID(a), "create"}, {shortID(b), "create"},
		{shortID(a), "rename"}, {shortID(a), "destroy"}, {shortID(c), "create"}, {shortID(b), "destroy"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	st := f.Stats()
	t.Logf("resumed from %s; stats %+v", formatSince(resume), st)
	if st.Events != 6 {
		t.Errorf("%d events handed over, want 6", st.Events)
	}
	// Give a late duplicate the chance to show: nothing more may come.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := f.Run(ctx, func(ev *Event) error {
		return fmt.Errorf("event handed over twice or unexpected: %s %s", ev.Message.Action, shortID(ev.Message.Actor.ID))
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error(err)
	}
}
