package container

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"

	"github.com/bulwark-sec/bulwark/finding"
)

func readInspect(t *testing.T, name string) (*File, []byte) {
	t.Helper()
	p := filepath.Join("testdata", "inspect", name)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseInspect(p, data)
	if err != nil {
		t.Fatalf("ParseInspect: %v", err)
	}
	return f, data
}

// TestInspectEngineOutput reads real `docker inspect` output of Docker
// 20.10 (two containers made with many flags) and checks every mapped
// setting and where it points.
func TestInspectEngineOutput(t *testing.T) {
	f, data := readInspect(t, "engine-20.10.json")
	if len(f.Specs) != 2 || len(f.Notes) != 0 {
		t.Fatalf("got %d specs and notes %v, want 2 specs and no note", len(f.Specs), f.Notes)
	}
	loud, web := f.Specs[0], f.Specs[1]
	if loud.Name != "loud" || web.Name != "web" || loud.Source != SourceInspect {
		t.Fatalf("names %q %q source %q", loud.Name, web.Name, loud.Source)
	}
	if loud.Loc.Start.Line != 2 || !strings.HasPrefix(loud.Loc.Object, "container loud (") || len(loud.Loc.Object) != len("container loud (123456789012)") {
		t.Errorf("spec location %v", loud.Loc)
	}
	type kv = map[string]any
	got := kv{
		"image": loud.Image.Value, "privileged": loud.Privileged.True(), "user": loud.User.Value, "readonly": loud.ReadOnlyRootfs.True(),
		"capadd": strs(loud.CapAdd), "capdrop": strs(loud.CapDrop), "secopt": strs(loud.SecurityOpt),
		"memory": loud.Memory.Value, "swap": []any{loud.MemorySwap.Value, loud.MemorySwap.Set},
		"nanocpus": loud.NanoCPUs.Value, "shares": loud.CPUShares.Value, "cpuset": loud.CpusetCpus.Value, "pids": loud.PidsLimit.Value,
		"net": loud.NetworkMode.Value, "pid": loud.PidMode.Value, "ipc": loud.IpcMode.Is("host"), "uts": loud.UTSMode.Value,
		"userns": loud.UsernsMode.Value, "cgroupns": loud.CgroupnsMode.Is("host"), "cgparent": loud.CgroupParent.Value,
		"tmpfs": strs(loud.Tmpfs), "devices": strs(loud.Devices), "restart": loud.Restart.Value, "restartmax": loud.RestartMax.Set,
		"nohealth": loud.HealthcheckDisabled.True(),
	}
	want := kv{
		"image": "bulwark-probe:1", "privileged": true, "user": "0:0", "readonly": true,
		"capadd": []string{"CAP_NET_ADMIN", "CAP_SYS_ADMIN"}, "capdrop": []string{"CAP_MKNOD"},
		"secopt": []string{"seccomp=unconfined", "apparmor=unconfined"},
		"memory": int64(256 << 20), "swap": []any{int64(-1), true},
		"nanocpus": int64(1_500_000_000), "shares": int64(512), "cpuset": "0", "pids": int64(100),
		"net": "host", "pid": "host", "ipc": true, "uts": "host", "userns": "host", "cgroupns": false, "cgparent": "/custom",
		"tmpfs": []string{"/tmp"}, "devices": []string{"/dev/fuse:/dev/fuse:r"}, "restart": "always", "restartmax": false,
		"nohealth": true,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("loud (-want +got):\n%s", d)
	}
	wantMounts := []Mount{
		{Type: "bind", Source: "/", Target: "/host", ReadOnly: true, Propagation: "rshared"},
		{Type: "bind", Source: "/var/run/docker.sock", Target: "/var/run/docker.sock", Propagation: "rprivate"},
	}
	if d := cmp.Diff(wantMounts, stripMountLocs(loud.Mounts)); d != "" {
		t.Errorf("loud mounts (-want +got):\n%s", d)
	}
	env := map[string]EnvVar{}
	for _, e := range loud.Env {
		env[e.Name] = e
	}
	if e := env["AWS_SECRET_ACCESS_KEY"]; e.Value != "wJalrXUtnFEMI" || !e.HasValue || !strings.HasPrefix(e.Loc.Object, "$[0].Config.Env[") {
		t.Errorf("env credential: %+v", e)
	}
	// -e PLAIN, unset in the caller's environment, reaches the engine bare.
	if e, ok := env["PLAIN"]; !ok || e.HasValue {
		t.Errorf("bare variable: %+v", e)
	}

	// Defaults are not Set: the web container was made without these flags.
	for name, set := range map[string]bool{
		"Privileged": web.Privileged.Set, "User": web.User.Set, "ReadOnlyRootfs": web.ReadOnlyRootfs.Set,
		"MemorySwap (twice -m)": web.MemorySwap.Set, "PidsLimit (null)": web.PidsLimit.Set,
		"NetworkMode (default)": web.NetworkMode.Set, "IpcMode (private)": web.IpcMode.Set,
		"CgroupnsMode (private)": web.CgroupnsMode.Set, "CPUShares": web.CPUShares.Set,
		"HealthcheckDisabled": web.HealthcheckDisabled.Set,
	} {
		if set {
			t.Errorf("web: %s is Set, want unset", name)
		}
	}
	if !web.Memory.Set || web.Memory.Value != 128<<20 || !web.RestartMax.Set || web.RestartMax.Value != 5 || !web.Restart.Is("on-failure") {
		t.Errorf("web memory %+v restart %+v max %+v", web.Memory, web.Restart, web.RestartMax)
	}
	wantPorts := []Port{
		{HostIP: "", HostPort: "5353", ContainerPort: "53", Protocol: "udp"},
		{HostIP: "", HostPort: "80", ContainerPort: "80", Protocol: "tcp"},
		{HostIP: "127.0.0.1", HostPort: "8443", ContainerPort: "443", Protocol: "tcp"},
	}
	var ports []Port
	for _, p := range web.Ports {
		ports = append(ports, Port{HostIP: p.HostIP, HostPort: p.HostPort, ContainerPort: p.ContainerPort, Protocol: p.Protocol})
	}
	if d := cmp.Diff(wantPorts, ports); d != "" {
		t.Errorf("web ports (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]Mount{{Type: "volume", Source: "webdata", Target: "/data"}}, stripMountLocs(web.Mounts)); d != "" {
		t.Errorf("web mounts (-want +got):\n%s", d)
	}

	// Every location names its JSON path and points at the key of it.
	for _, c := range []struct {
		loc  finding.Location
		path string
		key  string
	}{
		{loud.Privileged.Loc, "$[0].HostConfig.Privileged", `"Privileged"`},
		{loud.Memory.Loc, "$[0].HostConfig.Memory", `"Memory"`},
		{loud.PidsLimit.Loc, "$[0].HostConfig.PidsLimit", `"PidsLimit"`},
		{loud.CapAdd[1].Loc, "$[0].HostConfig.CapAdd[1]", `"CAP_SYS_ADMIN"`},
		{loud.Tmpfs[0].Loc, "$[0].HostConfig.Tmpfs['/tmp']", `"/tmp"`},
		{loud.Mounts[1].Loc, "$[0].Mounts[1]", `{`},
		{loud.HealthcheckDisabled.Loc, "$[0].Config.Healthcheck.Test[0]", `"NONE"`},
		{web.Ports[2].Loc, "$[1].HostConfig.PortBindings['443/tcp'][0]", `{`},
		{web.PidsLimit.Loc, "$[1].HostConfig.PidsLimit", `"PidsLimit": null`},
		{web.Privileged.Loc, "$[1].HostConfig.Privileged", `"Privileged": false`},
	} {
		l := c.loc
		if l.Object != c.path {
			t.Errorf("object %q, want %q", l.Object, c.path)
			continue
		}
		if !strings.HasPrefix(string(data[l.Start.Offset:]), c.key) {
			t.Errorf("%s at %d:%d points at %.20q, want %q", c.path, l.Start.Line, l.Start.Column, data[l.Start.Offset:], c.key)
		}
		if l.End.Offset <= l.Start.Offset || l.Path != filepath.Join("testdata", "inspect", "engine-20.10.json") {
			t.Errorf("%s: bad range or path %v", c.path, l)
		}
	}
}

func strs(v []Str) []string {
	var out []string
	for _, s := range v {
		out = append(out, s.Value)
	}
	return out
}

func stripMountLocs(ms []Mount) []Mount {
	var out []Mount
	for _, m := range ms {
		m.Loc = finding.Location{}
		out = append(out, m)
	}
	return out
}

func TestInspectShapes(t *testing.T) {
	f, _ := readInspect(t, "single-object.json")
	if len(f.Specs) != 1 || f.Specs[0].Name != "app" || f.Specs[0].Loc.Start.Line != 1 {
		t.Fatalf("single object: %+v", f.Specs)
	}
	s := f.Specs[0]
	if s.Privileged.Loc.Object != "$.HostConfig.Privileged" || s.Privileged.Loc.Start.Line != 6 || s.Privileged.Loc.Start.Column != 5 {
		t.Errorf("privileged at %v", s.Privileged.Loc)
	}
	// No .Mounts: the binds and mounts of HostConfig are read instead.
	want := []Mount{
		{Type: "bind", Source: "/var/run/docker.sock", Target: "/var/run/docker.sock", ReadOnly: true},
		{Type: "volume", Source: "cache", Target: "/cache"},
		{Type: "bind", Source: "/srv", Target: "/srv", Propagation: "rshared"},
	}
	if d := cmp.Diff(want, stripMountLocs(s.Mounts)); d != "" {
		t.Errorf("mounts (-want +got):\n%s", d)
	}
	if s.Mounts[2].Loc.Object != "$.HostConfig.Mounts[0]" {
		t.Errorf("mount location %v", s.Mounts[2].Loc)
	}

	f, _ = readInspect(t, "image.json")
	if len(f.Specs) != 0 || len(f.Notes) != 1 || !strings.Contains(f.Notes[0].Message, "is an image") {
		t.Errorf("image: specs %d notes %v", len(f.Specs), f.Notes)
	}

	f, _ = readInspect(t, "list.json")
	if len(f.Specs) != 2 || len(f.Notes) != 1 || !strings.Contains(f.Notes[0].Message, "container list") {
		t.Fatalf("list: specs %d notes %v", len(f.Specs), f.Notes)
	}
	s = f.Specs[0]
	if !s.Partial || s.Name != "watchtower" || len(s.Mounts) != 1 || s.Mounts[0].Source != "/var/run/docker.sock" ||
		len(f.Specs[1].Ports) != 1 || f.Specs[1].Ports[0].HostIP != "0.0.0.0" || f.Specs[1].Ports[0].HostPort != "9000" || !f.Specs[1].NetworkMode.Is("host") {
		t.Errorf("list specs: %+v %+v", s, f.Specs[1])
	}

	// Networks: the user-defined ones joined, not the modes.
	f, err := ParseInspect("nets.json", []byte(`[{"Id":"n","Name":"/n","HostConfig":{"NetworkMode":"front"},
"NetworkSettings":{"Networks":{"front":{"IPAddress":"172.18.0.2"},"back-end":{},"bridge":{}}}},
{"Id":"h","Name":"/h","HostConfig":{"NetworkMode":"host"},"NetworkSettings":{"Networks":{"host":{}}}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strs(f.Specs[0].Networks); !cmp.Equal(got, []string{"front", "back-end"}) || len(f.Specs[1].Networks) != 0 {
		t.Errorf("networks %v %v", got, f.Specs[1].Networks)
	}
	if l := f.Specs[0].Networks[1].Loc; l.Object != "$[0].NetworkSettings.Networks['back-end']" || l.Start.Line != 2 {
		t.Errorf("network location %v", l)
	}

	// A BOM, an empty array, a duplicate key (the last wins, as in encoding/json).
	f, err = ParseInspect("bom.json", []byte("\xef\xbb\xbf[{\"Id\":\"abc\",\"Name\":\"/x\",\"HostConfig\":{\"Privileged\":false,\n\"Privileged\":true}}]"))
	if err != nil || len(f.Specs) != 1 || !f.Specs[0].Privileged.True() || f.Specs[0].Privileged.Loc.Start.Line != 2 || f.Specs[0].Loc.Start.Column != 3 {
		t.Errorf("bom/duplicate: %v %+v", err, f)
	}
	f, err = ParseInspect("empty.json", []byte("[]"))
	if err != nil || len(f.Specs) != 0 || len(f.Notes) != 1 {
		t.Errorf("empty array: %v %+v", err, f)
	}
}

// TestInspectBadInput: input that is not docker inspect output is a
// *Error naming the line, never a panic.
func TestInspectBadInput(t *testing.T) {
	deep := `[{"Id":"x","HostConfig":{"a":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "}}]"
	for _, tc := range []struct {
		name, data string
		line       int
		msg        string
	}{
		{"number", "42\n", 1, "is a number, not docker inspect output"},
		{"string", `"hello"`, 1, "is a string"},
		{"null", "null", 1, "is null"},
		{"empty", " \n", 0, "empty"},
		{"object not inspect", "{\n  \"foo\": 1,\n  \"bar\": 2\n}\n", 1, "not a docker inspect document: no HostConfig (container) nor RootFS/RepoTags (image); its keys are bar, foo"},
		{"array of numbers", "[\n  1,\n  2\n]", 2, "$[0] is a number, not an inspect document"},
		{"second element bad", "[\n{\"Id\":\"a\",\"Name\":\"/a\",\"HostConfig\":{}},\n\"x\"]", 3, "$[1] is a string"},
		{"truncated", "[\n  {\n    \"Id\": \"abc\",\n    \"HostConfig\": {\n      \"Privileged\": tr", 5, "invalid JSON"},
		{"truncated after key", "[{\"Id\": \"abc\",\n\"HostConfig\"", 2, "ends early"},
		{"syntax", "[\n{\"Id\": \"abc\",, }]", 2, "invalid JSON"},
		{"trailing data", "[]\n[]", 2, "unexpected data after the JSON value"},
		{"wrong type", "[\n {\n  \"Id\": \"abc\",\n  \"Name\": \"/a\",\n  \"HostConfig\": {\n   \"Privileged\": \"yes\"\n  }\n }\n]", 6, "$[0].HostConfig.Privileged: a JSON string where docker inspect has bool"},
		{"bad port key", `[{"Id":"a","Name":"/a","HostConfig":{"PortBindings":{"http/tcp":[]}}}]`, 1, "$[0]"},
		{"too deep", deep, 1, "nested deeper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseInspect("in.json", []byte(tc.data))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, %v; want a *container.Error", f, err)
			}
			if ce.Line != tc.line || !strings.Contains(ce.Msg, tc.msg) || ce.Path != "in.json" {
				t.Errorf("got %q at line %d, want %q at line %d", ce.Msg, ce.Line, tc.msg, tc.line)
			}
		})
	}
}

func TestJSONPathSteps(t *testing.T) {
	for key, want := range map[string]string{
		"HostConfig": ".HostConfig", "80/tcp": "['80/tcp']", "a'b": `['a\'b']`, "": "['']", "9lives": "['9lives']", "com.docker.x": "['com.docker.x']",
	} {
		if got := member(key); got != want {
			t.Errorf("member(%q) = %q, want %q", key, got, want)
		}
	}
	for p, want := range map[string]string{
		"$":                      "",
		"$[0]":                   "$",
		"$[0].HostConfig":        "$[0]",
		"$.A['80/tcp'][0]":       "$.A['80/tcp']",
		"$.A['80/tcp']":          "$.A",
		`$.A['x[\'y']`:           "$.A",
		"$.Labels['a.b'].c":      "$.Labels['a.b']",
		"$[0].Config.Env[12]":    "$[0].Config.Env",
		"$[0].HostConfig.CapAdd": "$[0].HostConfig",
	} {
		if got := parentPath(p); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestContainerObject(t *testing.T) {
	id := "0123456789abcdef0123"
	for _, c := range [][3]string{{"web", id, "container web (0123456789ab)"}, {"", id, "container 0123456789ab"}, {"web", "", "container web"}} {
		if got := ContainerObject(c[0], c[1]); got != c[2] {
			t.Errorf("ContainerObject(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

// TestCorpus reads every docker inspect file of the shared corpus
// (watchtower's mocks): none may fail or crash. Skipped without the corpus.
func TestCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "corpus", "inspect")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("no inspect corpus at %s", root)
	}
	var files, specs, notes int
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		f, err := ParseInspect(p, data)
		if err != nil {
			t.Errorf("%v", err)
			return nil
		}
		specs += len(f.Specs)
		notes += len(f.Notes)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files: %d container specs, %d notes", files, specs, notes)
	if files == 0 {
		t.Error("the corpus holds no JSON file")
	}
}

// TestInspectColumns: columns count code points, on long lines too.
func TestInspectColumns(t *testing.T) {
	pad := strings.Repeat("é", 700) // two bytes each, on the same line
	doc := `[{"Id":"x","Name":"/` + pad + `","HostConfig":{"Privileged":true}}]`
	f, err := ParseInspect("min.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := len(`[{"Id":"x","Name":"/`) + 700 + len(`","HostConfig":{`) + 1
	if got := f.Specs[0].Privileged.Loc.Start; got.Line != 1 || got.Column != want {
		t.Errorf("privileged at %d:%d, want 1:%d", got.Line, got.Column, want)
	}
}

// TestInspectLargeMinified: a 1 MiB document on one line (minified JSON)
// is read in linear time.
func TestInspectLargeMinified(t *testing.T) {
	env := strings.Repeat(`"A=1",`, (1<<20)/6-20)
	doc := `[{"Id":"x","Name":"/x","HostConfig":{},"Config":{"Env":[` + env + `"B=2"]}}]`
	start := time.Now()
	f, err := ParseInspect("env.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	last := f.Specs[0].Env[len(f.Specs[0].Env)-1]
	if last.Name != "B" || last.Loc.Start.Column != len(doc)-len(`"B=2"]}}]`)+1 {
		t.Errorf("last variable %+v", last)
	}
	if d := time.Since(start); d > 10*time.Second { // quadratic column counting took minutes
		t.Errorf("took %v", d)
	}
}

// fakeEngine answers like an engine, from memory.
type fakeEngine struct {
	host       string
	info       system.Info
	infoErr    error
	list       []ctypes.Summary
	docs       map[string]ctypes.InspectResponse
	inspectErr map[string]error
	bridge     *network.Inspect
	bridgeErr  error
}

func (f *fakeEngine) DaemonHost() string { return f.host }

func (f *fakeEngine) Info(context.Context, client.InfoOptions) (client.SystemInfoResult, error) {
	return client.SystemInfoResult{Info: f.info}, f.infoErr
}

func (f *fakeEngine) ContainerList(_ context.Context, o client.ContainerListOptions) (client.ContainerListResult, error) {
	if !o.All {
		return client.ContainerListResult{}, errors.New("stopped containers must be listed too")
	}
	return client.ContainerListResult{Items: f.list}, nil
}

func (f *fakeEngine) ContainerInspect(_ context.Context, id string, _ client.ContainerInspectOptions) (client.ContainerInspectResult, error) {
	if err := f.inspectErr[id]; err != nil {
		return client.ContainerInspectResult{}, err
	}
	return client.ContainerInspectResult{Container: f.docs[id]}, nil
}

func (f *fakeEngine) NetworkInspect(_ context.Context, id string, _ client.NetworkInspectOptions) (client.NetworkInspectResult, error) {
	if id != "bridge" {
		return client.NetworkInspectResult{}, errors.New("unexpected network " + id)
	}
	if f.bridge == nil {
		return client.NetworkInspectResult{}, f.bridgeErr
	}
	return client.NetworkInspectResult{Network: *f.bridge}, nil
}

func TestReadEngine(t *testing.T) {
	idA, idB, idGone, idBad := "aaaaaaaaaaaa1111", "bbbbbbbbbbbb2222", "cccccccccccc3333", "dddddddddddd4444"
	e := &fakeEngine{
		host: "unix:///var/run/docker.sock",
		info: system.Info{
			ServerVersion: "28.0.0", LiveRestoreEnabled: true, LoggingDriver: "journald", ExperimentalBuild: true,
			SecurityOptions: []string{"name=seccomp,profile=builtin", "name=userns", "name=rootless", "name=cgroupns"},
			Plugins:         system.PluginsInfo{Authorization: []string{"authz-broker"}},
		},
		list: []ctypes.Summary{{ID: idB}, {ID: idA}, {ID: idGone}, {ID: idBad}},
		docs: map[string]ctypes.InspectResponse{
			idA: {ID: idA, Name: "/alpha", HostConfig: &ctypes.HostConfig{Privileged: true}, Config: &ctypes.Config{Image: "alpine"}},
			idB: {ID: idB, Name: "/beta", HostConfig: &ctypes.HostConfig{}, Config: &ctypes.Config{}},
		},
		inspectErr: map[string]error{idGone: cerrdefs.ErrNotFound, idBad: errors.New("boom")},
		bridge:     &network.Inspect{Network: network.Network{Options: map[string]string{defaultBridgeICC: "false"}}},
	}
	var progress []int
	f, err := ReadEngine(context.Background(), e, EngineOptions{Progress: func(n int) { progress = append(progress, n) }})
	if f == nil {
		t.Fatalf("no file: %v", err)
	}
	if err == nil || !strings.Contains(err.Error(), "inspecting container dddddddddddd: boom") {
		t.Errorf("error %v, want the failed inspection", err)
	}
	if len(progress) != 1 || progress[0] != 4 {
		t.Errorf("progress %v", progress)
	}
	if f.Path != "docker:///var/run/docker.sock" || len(f.Specs) != 2 || f.Specs[0].Name != "alpha" || f.Specs[1].Name != "beta" {
		t.Fatalf("file %s specs %+v", f.Path, f.Specs)
	}
	a := f.Specs[0]
	if a.Source != SourceEngine || !a.Privileged.True() || a.Loc.Object != "container alpha (aaaaaaaaaaaa)" ||
		a.Privileged.Loc != a.Loc || a.Loc.Start.Line != 0 || a.Loc.Path != f.Path {
		t.Errorf("alpha: %+v", a)
	}
	if len(f.Notes) != 1 || !strings.Contains(f.Notes[0].Message, "cccccccccccc was removed") {
		t.Errorf("notes %v", f.Notes)
	}
	d := f.Daemon
	if d == nil || !d.UsernsRemap || !d.Rootless || !d.LiveRestore || !d.Experimental || d.LoggingDriver != "journald" ||
		d.ServerVersion != "28.0.0" || len(d.AuthzPlugins) != 1 || !d.ICCOnDefaultBridge.Is("false") || d.Loc.Path != f.Path {
		t.Errorf("daemon %+v", d)
	}

	// Without the icc option the bridge allows it (dockerd's default).
	e.bridge = &network.Inspect{}
	e.inspectErr = nil
	e.list = nil
	f, err = ReadEngine(context.Background(), e, EngineOptions{})
	if err != nil || !f.Daemon.ICCOnDefaultBridge.Is("true") {
		t.Errorf("default icc: %v %+v", err, f.Daemon.ICCOnDefaultBridge)
	}
	// No default bridge: ICC is not set, and a note says why.
	e.bridge, e.bridgeErr = nil, cerrdefs.ErrNotFound
	f, err = ReadEngine(context.Background(), e, EngineOptions{})
	if err != nil || f.Daemon.ICCOnDefaultBridge.Set || len(f.Notes) != 1 || !strings.Contains(f.Notes[0].Message, "no default bridge") {
		t.Errorf("no bridge: %v %+v %v", err, f.Daemon.ICCOnDefaultBridge, f.Notes)
	}

	// An engine that does not answer.
	e.infoErr = errors.New("connection refused")
	f, err = ReadEngine(context.Background(), e, EngineOptions{})
	var ee *EngineError
	if f != nil || !errors.As(err, &ee) || ee.Host != e.host || err.Error() != "cannot reach the Docker engine at unix:///var/run/docker.sock: connection refused" {
		t.Errorf("unreachable: %v %v", f, err)
	}
}

func TestEnginePath(t *testing.T) {
	for host, want := range map[string]string{
		"unix:///var/run/docker.sock":       "docker:///var/run/docker.sock",
		"tcp://10.0.0.5:2376":               "docker://10.0.0.5:2376",
		"ssh://admin@build-host":            "docker://build-host",
		"npipe:////./pipe/docker_engine":    "docker:////./pipe/docker_engine",
		"unix:///run/user/1000/docker.sock": "docker:///run/user/1000/docker.sock",
	} {
		if got := EnginePath(host); got != want {
			t.Errorf("EnginePath(%q) = %q, want %q", host, got, want)
		}
	}
}
