package docker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/image"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

func loadJSON[T any](t testing.TB, name string) *T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &v
}

// ref resolves a field as the compiler would: name and optional
// bracketed argument.
func ref(t testing.TB, name string) fields.Ref {
	t.Helper()
	arg, hasArg := "", false
	if i := strings.IndexByte(name, '['); i >= 0 && strings.HasSuffix(name, "]") {
		name, arg, hasArg = name[:i], name[i+1:len(name)-1], true
	}
	id, info, ok := fields.Lookup(Source{}, name)
	if !ok {
		t.Fatalf("no field %s", name)
	}
	if hasArg && info.Arg == fields.NoArg {
		t.Fatalf("%s takes no argument", name)
	}
	r := fields.Ref{ID: id, Arg: arg, HasArg: hasArg}
	if hasArg {
		n := 0
		isNum := arg != ""
		for _, c := range arg {
			if c < '0' || c > '9' {
				isNum = false
				break
			}
			n = n*10 + int(c-'0')
		}
		if isNum && info.Arg != fields.ArgKey {
			r.Index, r.HasIndex = n, true
		}
	}
	return r
}

// render turns extracted values into text for comparison: strings as is,
// numbers in decimal, several values joined by |; "<absent>" when the
// field does not apply.
func render(t testing.TB, ev fields.Event, name string) string {
	t.Helper()
	r := ref(t, name)
	vals, ok := ev.Extract(r, nil)
	if !ok {
		return "<absent>"
	}
	info := fieldTable[r.ID]
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch info.Type {
		case fields.String, fields.Buffer, fields.IPAddr, fields.IPNet:
			parts[i] = v.Str
		case fields.Bool:
			parts[i] = map[uint64]string{0: "false", 1: "true"}[v.Num]
		default:
			parts[i] = strconv.FormatUint(v.Num, 10)
		}
	}
	return strings.Join(parts, "|")
}

func privilegedEvent(t testing.TB, action string) *Event {
	doc := loadJSON[ctypes.InspectResponse](t, "container_privileged.json")
	img := loadJSON[image.InspectResponse](t, "image_imported.json")
	c := NewContainer(doc, img)
	msg := events.Message{
		Type: events.ContainerEventType, Action: events.Action(action), Scope: "local",
		Actor: events.Actor{ID: doc.ID, Attributes: map[string]string{
			"name": "k7-priv", "image": "bulwark-k7:test", "app": "web",
		}},
		Time: 1795793778, TimeNano: 1795793778431495579,
	}
	return NewEvent(msg, c)
}

func TestExtractPrivilegedCreate(t *testing.T) {
	ev := privilegedEvent(t, "create")
	want := map[string]string{
		"evt.time":                    "1795793778431495579",
		"docker.type":                 "container",
		"docker.action":               "create",
		"docker.action.raw":           "create",
		"docker.status":               "create",
		"docker.id":                   "c8a3732f366b946d93c344ca3b90b34420a46b1bb315df9e5e11629206d4fc67",
		"docker.actor.id":             "c8a3732f366b946d93c344ca3b90b34420a46b1bb315df9e5e11629206d4fc67",
		"docker.from":                 "bulwark-k7:test",
		"docker.scope":                "local",
		"docker.attributes.name":      "k7-priv",
		"docker.attributes.image":     "bulwark-k7:test",
		"docker.attributes.container": "<absent>",
		"docker.attributes.type":      "<absent>",
		"docker.attributes.exitcode":  "<absent>",
		"docker.attributes.signal":    "<absent>",
		"docker.attr[app]":            "web",
		"docker.attr[nope]":           "<absent>",
		"docker.exec.id":              "<absent>",
		"docker.exec.cmdline":         "<absent>",
		"docker.health.status":        "<absent>",
		"docker.node.id":              "<absent>",
		"docker.swarm.servicename":    "<absent>",

		"container.id":               "c8a3732f366b",
		"container.full_id":          "c8a3732f366b946d93c344ca3b90b34420a46b1bb315df9e5e11629206d4fc67",
		"container.name":             "k7-priv",
		"container.type":             "docker",
		"container.image":            "bulwark-k7:test",
		"container.image.id":         "8eb070e0170cba555a2911393fb7c909e6e7ff7a3debdf547bb6563e8591e208",
		"container.image.repository": "bulwark-k7",
		"container.image.tag":        "test",
		"container.image.digest":     "<absent>",
		"container.privileged":       "true",
		"container.host_pid":         "true",
		"container.host_network":     "true",
		"container.host_ipc":         "true",
		"container.mounts":           "/var/run/docker.sock:/var/run/docker.sock::true:rprivate,/tmp/k7mnt:/data:ro,rslave:false:rslave",
		"container.mount[0]":         "/var/run/docker.sock:/var/run/docker.sock::true:rprivate",
		"container.mount[1]":         "/tmp/k7mnt:/data:ro,rslave:false:rslave",
		"container.mount[2]":         "<absent>",
		"container.mount[/tmp/*]":    "/tmp/k7mnt:/data:ro,rslave:false:rslave",
		// The key of .source matches the destination; of the others, the source.
		"container.mount.source[/data]":           "/tmp/k7mnt",
		"container.mount.source[/tmp/k7mnt]":      "<absent>",
		"container.mount.source[1]":               "/tmp/k7mnt",
		"container.mount.dest[/var/run/*.sock]":   "/var/run/docker.sock",
		"container.mount.dest[/var/*]":            "/var/run/docker.sock", // * matches /
		"container.mount.dest[/var]":              "<absent>",             // glob over the full path, not a prefix
		"container.mount.dest[/proc*]":            "<absent>",
		"container.mount.mode[/tmp/k7mnt]":        "ro,rslave",
		"container.mount.rdwr[/tmp/k7mnt]":        "false",
		"container.mount.rdwr[0]":                 "true",
		"container.mount.propagation[/tmp/k7m?t]": "rslave",
		"container.label[app]":                    "web",
		"container.label[missing]":                "<absent>",
		"container.labels":                        "app:web,io.kubernetes.pod.name:pod1,io.kubernetes.pod.namespace:ns1,io.kubernetes.pod.uid:uid-1",
		"container.ip":                            "<absent>", // host network: no address of its own
		"container.start_ts":                      "<absent>", // never started
		"container.duration":                      "<absent>",
		"k8s.pod.name":                            "pod1",
		"k8s.ns.name":                             "ns1",
		"k8s.pod.uid":                             "uid-1",
		"k8s.pod.label[app]":                      "<absent>",

		"container.user":             "1000:1000",
		"container.cap_add":          "CAP_NET_ADMIN|CAP_SYS_ADMIN",
		"container.cap_drop":         "ALL",
		"container.security_opt":     "seccomp=unconfined|apparmor=unconfined|label=disable",
		"container.readonly_rootfs":  "true",
		"container.devices":          "/dev/null:/dev/mynull",
		"container.userns_mode":      "",
		"container.pid_mode":         "host",
		"container.network_mode":     "host",
		"container.ipc_mode":         "host",
		"container.env":              "A=1",
		"container.cmdline":          "/hello a b",
		"container.restart_count":    "0",
		"container.mount.sources":    "/var/run/docker.sock|/tmp/k7mnt",
		"container.mount.dests":      "/var/run/docker.sock|/data",
		"container.apparmor_profile": "unconfined",
	}
	got := map[string]string{}
	for name := range want {
		got[name] = render(t, ev, name)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
}

// TestFieldTableCovered makes sure every field of the table is exercised
// by the tests above or below.
func TestFieldTableCovered(t *testing.T) {
	src := Source{}
	seen := map[string]bool{}
	for i, f := range src.Fields() {
		if i != 0 && f.Name == "" {
			t.Errorf("field %d has no name", i)
		}
		if seen[f.Name] {
			t.Errorf("field %s listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Desc == "" {
			t.Errorf("field %s has no description", f.Name)
		}
		if id, _, _ := fields.Lookup(src, f.Name); id != i {
			t.Errorf("field %s: Lookup gives %d, want %d", f.Name, id, i)
		}
	}
	if len(seen) != numFields {
		t.Errorf("%d fields, want %d", len(seen), numFields)
	}
	if src.Name() != "docker" {
		t.Errorf("Name() = %q", src.Name())
	}
}

func TestExtractWatchtowerRunning(t *testing.T) {
	doc := loadJSON[ctypes.InspectResponse](t, "watchtower_container_running.json")
	c := NewContainer(doc, nil)
	msg := events.Message{
		Type: events.ContainerEventType, Action: "start",
		Actor: events.Actor{ID: doc.ID, Attributes: map[string]string{"name": "portainer", "image": "portainer/portainer:latest"}},
		// One minute after the container started.
		TimeNano: 1555195104498745809 + 60e9,
	}
	ev := NewEvent(msg, c)
	want := map[string]string{
		"container.id":                               "b978af0b858a",
		"container.name":                             "portainer",
		"container.image":                            "portainer/portainer:latest",
		"container.image.id":                         "19d07168491a3f9e2798a9bed96544e34d57ddc4757a4ac5bb199dea896c87fd",
		"container.image.repository":                 "portainer/portainer",
		"container.image.tag":                        "latest",
		"container.privileged":                       "false",
		"container.host_network":                     "false",
		"container.host_pid":                         "false",
		"container.host_ipc":                         "false",
		"container.mounts":                           "/var/lib/docker/volumes/portainer_data/_data:/data:z:true:,/var/run/docker.sock:/var/run/docker.sock::true:rprivate",
		"container.mount.sources":                    "/var/lib/docker/volumes/portainer_data/_data|/var/run/docker.sock",
		"container.mount.dest[/var/run/docker.sock]": "/var/run/docker.sock",
		"container.ip":                               "172.17.0.2",
		"container.start_ts":                         "1555195104498745809",
		"container.duration":                         "60000000000",
		"container.labels":                           "",
		"container.cap_add":                          "",
		"container.user":                             "",
		"container.cmdline":                          "/portainer",
		"container.network_mode":                     "default",
		"container.ipc_mode":                         "shareable",
		"container.security_opt":                     "",
		"container.restart_count":                    "0",
		"k8s.pod.name":                               "<absent>",
	}
	got := map[string]string{}
	for name := range want {
		got[name] = render(t, ev, name)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
}

// TestExtractEventOnly covers events without inspect data: a container
// gone before it could be inspected, exec and health events, and events
// of other types.
func TestExtractEventOnly(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name string
		msg  events.Message
		want map[string]string
	}{{
		name: "container gone before inspect: identity from the event, inspect fields absent",
		msg: events.Message{Type: "container", Action: "create",
			Actor: events.Actor{ID: id, Attributes: map[string]string{"name": "gone", "image": "alpine:3"}}},
		want: map[string]string{
			"container.id": "0123456789ab", "container.full_id": id, "container.name": "gone",
			"container.image": "alpine:3", "container.type": "docker",
			"container.privileged": "<absent>", "container.mounts": "<absent>",
			"container.mount.sources": "<absent>", "container.cap_add": "<absent>",
			"container.image.repository": "<absent>", "container.label[x]": "<absent>",
			"docker.action": "create",
		},
	}, {
		name: "exec_start splits the verb from the command line",
		msg: events.Message{Type: "container", Action: "exec_start: /bin/sh -c echo hi: there",
			Actor: events.Actor{ID: id, Attributes: map[string]string{"execID": "e1", "name": "web"}}},
		want: map[string]string{
			"docker.action": "exec_start", "docker.action.raw": "exec_start: /bin/sh -c echo hi: there",
			"docker.exec.cmdline": "/bin/sh -c echo hi: there", "docker.exec.id": "e1",
			"docker.health.status": "<absent>",
		},
	}, {
		name: "exec_create carries the command too",
		msg:  events.Message{Type: "container", Action: "exec_create: ls", Actor: events.Actor{ID: id}},
		want: map[string]string{"docker.action": "exec_create", "docker.exec.cmdline": "ls"},
	}, {
		name: "exec_die has no command",
		msg:  events.Message{Type: "container", Action: "exec_die", Actor: events.Actor{ID: id, Attributes: map[string]string{"exitCode": "0", "execID": "e1"}}},
		want: map[string]string{"docker.action": "exec_die", "docker.exec.cmdline": "<absent>", "docker.attributes.exitcode": "0"},
	}, {
		name: "health_status",
		msg:  events.Message{Type: "container", Action: "health_status: unhealthy", Actor: events.Actor{ID: id}},
		want: map[string]string{"docker.action": "health_status", "docker.health.status": "unhealthy", "docker.exec.cmdline": "<absent>"},
	}, {
		name: "kill carries the signal",
		msg:  events.Message{Type: "container", Action: "kill", Actor: events.Actor{ID: id, Attributes: map[string]string{"signal": "9"}}},
		want: map[string]string{"docker.attributes.signal": "9"},
	}, {
		name: "network event: no container fields",
		msg: events.Message{Type: "network", Action: "connect", Scope: "local",
			Actor: events.Actor{ID: "netid", Attributes: map[string]string{"container": id, "name": "bridge", "type": "bridge"}}},
		want: map[string]string{
			"docker.type": "network", "docker.attributes.container": id, "docker.attributes.type": "bridge",
			"docker.attributes.name": "bridge", "container.id": "<absent>", "container.type": "<absent>",
			"container.privileged": "<absent>",
		},
	}, {
		name: "swarm attributes",
		msg: events.Message{Type: "container", Action: "start", Scope: "swarm", Actor: events.Actor{ID: id, Attributes: map[string]string{
			"com.docker.swarm.node.id": "n1", "com.docker.swarm.service.name": "web", "com.docker.swarm.service.id": "s1",
			"com.docker.swarm.task.id": "t1", "com.docker.swarm.task.name": "web.1.t1", "com.docker.swarm.task": "",
			"com.docker.stack.namespace": "shop",
		}}},
		want: map[string]string{
			"docker.scope": "swarm", "docker.node.id": "n1", "docker.swarm.servicename": "web",
			"docker.swarm.serviceid": "s1", "docker.swarm.taskid": "t1", "docker.swarm.taskname": "web.1.t1",
			"docker.swarm.task": "", "docker.stack.namespace": "shop", "docker.node.statenew": "<absent>",
		},
	}, {
		name: "node event",
		msg: events.Message{Type: "node", Action: "update", Scope: "swarm",
			Actor: events.Actor{ID: "n1", Attributes: map[string]string{"state.new": "down", "state.old": "ready"}}},
		want: map[string]string{"docker.node.statenew": "down", "docker.node.stateold": "ready", "docker.id": "n1"},
	}, {
		name: "time only in seconds",
		msg:  events.Message{Type: "image", Action: "pull", Time: 12, Actor: events.Actor{ID: "alpine:3"}},
		want: map[string]string{"evt.time": "12000000000", "docker.from": "<absent>", "docker.scope": "<absent>"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := NewEvent(tc.msg, nil)
			got := map[string]string{}
			for name := range tc.want {
				got[name] = render(t, ev, name)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
}

func TestImageName(t *testing.T) {
	tests := []struct {
		image             string
		img               *image.InspectResponse
		repo, tag, digest string
	}{
		{image: "nginx:1.27", repo: "nginx", tag: "1.27"},
		{image: "docker.io/library/nginx", img: &image.InspectResponse{RepoTags: []string{"nginx:latest"},
			RepoDigests: []string{"nginx@sha256:0000000000000000000000000000000000000000000000000000000000000001"}},
			repo: "nginx", tag: "latest", digest: "sha256:0000000000000000000000000000000000000000000000000000000000000001"},
		{image: "registry.k8s.io/kube-proxy:v1.30@sha256:0000000000000000000000000000000000000000000000000000000000000002",
			repo: "registry.k8s.io/kube-proxy", tag: "v1.30", digest: "sha256:0000000000000000000000000000000000000000000000000000000000000002"},
		// Named by ID: the name comes from the image.
		{image: "sha256:8eb070e0170cba555a2911393fb7c909e6e7ff7a3debdf547bb6563e8591e208",
			img:  &image.InspectResponse{RepoTags: []string{"bulwark-k7:test"}},
			repo: "bulwark-k7", tag: "test"},
		{image: "not a reference"},
	}
	for _, tc := range tests {
		c := &Container{Image: tc.image}
		c.setImageName(tc.img)
		if c.ImageRepository != tc.repo || c.ImageTag != tc.tag || c.ImageDigest != tc.digest {
			t.Errorf("%s: got %q %q %q, want %q %q %q", tc.image, c.ImageRepository, c.ImageTag, c.ImageDigest, tc.repo, tc.tag, tc.digest)
		}
	}
}

// BenchmarkExtract measures extraction of the fields the shipped rules
// read, with a reused buffer: 0 allocs/op.
func BenchmarkExtract(b *testing.B) {
	ev := privilegedEvent(b, "create")
	names := []string{
		"docker.type", "docker.action", "container.privileged", "container.image.repository",
		"container.mount.sources", "container.mount.dest[/proc*]", "container.mount.dest[/var/run/*.sock]",
		"container.cap_add", "container.security_opt", "container.host_pid", "container.mounts",
		"container.name", "container.id", "docker.exec.cmdline", "container.label[app]", "container.duration",
	}
	refs := make([]fields.Ref, len(names))
	for i, n := range names {
		refs[i] = ref(b, n)
	}
	buf := make([]fields.Value, 0, 16)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, r := range refs {
			buf, _ = ev.Extract(r, buf[:0])
		}
	}
}

func TestExtractDoesNotAllocate(t *testing.T) {
	ev := privilegedEvent(t, "create")
	buf := make([]fields.Value, 0, 16)
	for i, f := range fieldTable {
		name := f.Name
		switch f.Arg {
		case fields.ArgKey:
			name += "[app]"
		case fields.ArgIndexOrKey:
			name += "[/tmp/*]"
		}
		r := ref(t, name)
		if n := testing.AllocsPerRun(100, func() { buf, _ = ev.Extract(r, buf[:0]) }); n != 0 {
			t.Errorf("field %d %s: %v allocs", i, name, n)
		}
	}
}
