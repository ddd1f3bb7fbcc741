package docker

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// launchRender is render for the launch view.
func launchRender(t *testing.T, l *LaunchEvent, name string) string {
	t.Helper()
	arg, hasArg := "", false
	if i := strings.IndexByte(name, '['); i >= 0 {
		name, arg, hasArg = name[:i], name[i+1:len(name)-1], true
	}
	id, info, ok := fields.Lookup(LaunchSource{}, name)
	if !ok {
		t.Fatalf("no launch field %s", name)
	}
	vals, ok := l.Extract(fields.Ref{ID: id, Arg: arg, HasArg: hasArg}, nil)
	if !ok {
		return "<absent>"
	}
	var parts []string
	for _, v := range vals {
		switch info.Type {
		case fields.Bool:
			parts = append(parts, map[uint64]string{0: "false", 1: "true"}[v.Num])
		case fields.Uint64, fields.AbsTime, fields.RelTime:
			parts = append(parts, uitoa(v.Num))
		default:
			parts = append(parts, v.Str)
		}
	}
	return strings.Join(parts, "|")
}

func uitoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// TestLaunchViewOfPrivilegedCreate: the fields the seed's "Launch
// Privileged Container" rule reads (spawned_process and container are
// Falco's macros over evt.type, evt.dir and container.id).
func TestLaunchViewOfPrivilegedCreate(t *testing.T) {
	l, ok := NewLaunchEvent(privilegedEvent(t, "create"))
	if !ok {
		t.Fatal("a create event is a launch")
	}
	want := map[string]string{
		"evt.type":                              "execve",
		"evt.dir":                               "<",
		"evt.time":                              "1795793778431495579",
		"proc.vpid":                             "1",
		"proc.name":                             "hello",
		"proc.exe":                              "/hello",
		"proc.exepath":                          "/hello",
		"proc.cmdline":                          "hello a b",
		"proc.args":                             "a b",
		"user.name":                             "<absent>", // 1000:1000: a bare UID other than 0
		"user.uid":                              "1000",
		"container.id":                          "c8a3732f366b",
		"container.privileged":                  "true",
		"container.security_context.privileged": "true",
		"container.mount.dest[/var/run/*]":      "/var/run/docker.sock",
		"container.cap_add":                     "CAP_NET_ADMIN|CAP_SYS_ADMIN",
		"k8s.ns.name":                           "ns1",
	}
	got := map[string]string{}
	for name := range want {
		got[name] = launchRender(t, l, name)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("launch fields (-want +got):\n%s", d)
	}
}

func TestLaunchViewUsers(t *testing.T) {
	for _, tc := range []struct{ user, name, uid string }{
		{"", "root", "0"},
		{"root", "root", "0"},
		{"0:0", "root", "0"},
		{"nginx", "nginx", "<absent>"},
		{"65534", "<absent>", "65534"},
	} {
		c := NewContainer(&ctypes.InspectResponse{ID: "x", Path: "/bin/app", Config: &ctypes.Config{User: tc.user}}, nil)
		l, ok := NewLaunchEvent(NewEvent(events.Message{Type: "container", Action: "start", Actor: events.Actor{ID: "x"}}, c))
		if !ok {
			t.Fatal("start is a launch")
		}
		if n, u := launchRender(t, l, "user.name"), launchRender(t, l, "user.uid"); n != tc.name || u != tc.uid {
			t.Errorf("user %q: user.name %s user.uid %s, want %s %s", tc.user, n, u, tc.name, tc.uid)
		}
	}
}

func TestLaunchViewOnlyForInspectedLaunches(t *testing.T) {
	c := NewContainer(&ctypes.InspectResponse{ID: "x"}, nil)
	for _, tc := range []struct {
		msg  events.Message
		c    *Container
		want bool
	}{
		{events.Message{Type: "container", Action: "create", Actor: events.Actor{ID: "x"}}, c, true},
		{events.Message{Type: "container", Action: "start", Actor: events.Actor{ID: "x"}}, c, true},
		{events.Message{Type: "container", Action: "die", Actor: events.Actor{ID: "x"}}, c, false},
		{events.Message{Type: "container", Action: "exec_start: sh", Actor: events.Actor{ID: "x"}}, c, false},
		{events.Message{Type: "container", Action: "create", Actor: events.Actor{ID: "x"}}, nil, false}, // gone before inspect
		{events.Message{Type: "image", Action: "create", Actor: events.Actor{ID: "x"}}, nil, false},
	} {
		if _, got := NewLaunchEvent(NewEvent(tc.msg, tc.c)); got != tc.want {
			t.Errorf("%s %s (inspected %v): launch %v, want %v", tc.msg.Type, tc.msg.Action, tc.c != nil, got, tc.want)
		}
	}
}

func TestLaunchSourceFields(t *testing.T) {
	src := LaunchSource{}
	seen := map[string]bool{}
	for i, f := range src.Fields() {
		if seen[f.Name] {
			t.Errorf("%s twice", f.Name)
		}
		seen[f.Name] = true
		if id, _, _ := fields.Lookup(src, f.Name); id != i {
			t.Errorf("%s: Lookup %d, want %d", f.Name, id, i)
		}
	}
	if src.Name() != "syscall" {
		t.Errorf("Name() = %s", src.Name())
	}
	l, _ := NewLaunchEvent(privilegedEvent(t, "start"))
	buf := make([]fields.Value, 0, 8)
	for i, f := range src.Fields() {
		r := fields.Ref{ID: i}
		if f.Arg != fields.NoArg {
			r.Arg, r.HasArg = "/tmp/*", true
		}
		if n := testing.AllocsPerRun(50, func() { buf, _ = l.Extract(r, buf[:0]) }); n != 0 {
			t.Errorf("%s: %v allocs", f.Name, n)
		}
	}
	if _, ok := l.Extract(fields.Ref{ID: len(src.Fields())}, nil); ok {
		t.Error("an ID past the table extracts")
	}
}
