package container

import (
	"context"
	"errors"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"
)

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
