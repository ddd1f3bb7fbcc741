package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bulwark-sec/bulwark/source/container/enginetest"
)

// sleeperImage builds a static program that sleeps, and imports it as an
// image whose /sleeper runs it: a container of it can be started and
// exec'd into without any image from a registry.
func sleeperImage(t *testing.T, cli *client.Client, ref string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the test program")
	}
	dir := t.TempDir()
	src := "package main\n\nimport \"time\"\n\nfunc main() {\n\tfor {\n\t\ttime.Sleep(time.Hour)\n\t}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module sleeper\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", "sleeper", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test program: %v\n%s", err, out)
	}
	body, err := os.ReadFile(filepath.Join(dir, "sleeper"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "sleeper", Mode: 0o755, Size: int64(len(body)), ModTime: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	tw.Close()
	rc, err := cli.ImageImport(context.Background(), client.ImageImportSource{Source: &buf, SourceName: "-"}, ref, client.ImageImportOptions{})
	if err != nil {
		t.Fatalf("docker import: %v", err)
	}
	io.Copy(io.Discard, rc)
	rc.Close()
	t.Cleanup(func() { cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true}) })
}

// TestEngineExecInto starts a container, runs a command in it with the
// exec API, and checks the exec events carry the command line, the exec
// ID and the container's inspect fields.
func TestEngineExecInto(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	cli := enginetest.Client(t)
	stamp := time.Now().Format("20060102150405.000000000")
	r := &testRun{cli: cli, tag: "exec-" + stamp, image: "bulwark-runtime-docker-sleeper:test"}
	sleeperImage(t, cli, r.image)
	since := time.Now()
	res, err := cli.ContainerCreate(context.Background(), client.ContainerCreateOptions{
		Name:       r.tag,
		Config:     &ctypes.Config{Image: r.image, Cmd: []string{"/sleeper"}, Labels: map[string]string{testLabel: r.tag}},
		HostConfig: &ctypes.HostConfig{CapAdd: []string{"NET_ADMIN"}},
	})
	if err != nil {
		t.Fatalf("creating: %v", err)
	}
	id := res.ID
	t.Cleanup(func() { r.remove(id) })
	if _, err := cli.ContainerStart(context.Background(), id, client.ContainerStartOptions{}); err != nil {
		t.Skipf("this engine cannot start a container: %v", err)
	}
	ex, err := cli.ExecCreate(context.Background(), id, client.ExecCreateOptions{Cmd: []string{"/sleeper", "--probe", "x y"}})
	if err != nil {
		t.Fatalf("exec create: %v", err)
	}
	if _, err := cli.ExecStart(context.Background(), ex.ID, client.ExecStartOptions{Detach: true}); err != nil {
		t.Fatalf("exec start: %v", err)
	}

	f := NewFollower(cli, Options{Filters: r.filters(), Since: since})
	var actions []string
	follow(t, f, func(ev *Event) bool {
		actions = append(actions, ev.Action())
		switch ev.Action() {
		case "exec_create", "exec_start":
			for name, want := range map[string]string{
				"docker.exec.cmdline":    "/sleeper --probe x y",
				"docker.exec.id":         ex.ID,
				"container.id":           id[:12],
				"container.privileged":   "false",
				"container.cap_add":      "CAP_NET_ADMIN",
				"container.cmdline":      "/sleeper",
				"docker.action.raw":      ev.Action() + ": /sleeper --probe x y",
				"container.image":        r.image,
				"container.image.tag":    "test",
				"container.network_mode": "default",
			} {
				if got := render(t, ev, name); got != want {
					t.Errorf("%s event: %s = %q, want %q", ev.Action(), name, got, want)
				}
			}
			for _, name := range []string{"container.start_ts", "container.duration", "container.ip"} {
				if render(t, ev, name) == "<absent>" {
					t.Errorf("%s event: no %s", ev.Action(), name)
				}
			}
			t.Logf("%s: container.ip=%s container.duration=%sns", ev.Action(), render(t, ev, "container.ip"), render(t, ev, "container.duration"))
		}
		return ev.Action() == "exec_start"
	})
	want := []string{"create", "start", "exec_create", "exec_start"}
	if len(actions) != len(want) {
		t.Fatalf("actions %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("actions %v, want %v", actions, want)
		}
	}
}
