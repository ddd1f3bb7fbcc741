// Package enginetest gives tests a real Docker engine: a client for the
// engine the environment names (skipping the test when none answers,
// failing it under CI=true, where .ci/run starts one) and test images
// imported from a tarball, since no registry is reachable.
package enginetest

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/bulwark-sec/bulwark/source/container"
)

// Client returns a client for the engine the environment names, or skips
// the test (fails it when CI=true) when none answers. It is closed when
// the test ends.
func Client(t testing.TB) *client.Client {
	t.Helper()
	cli, err := container.Connect("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no Docker engine answers at %s: %v", cli.DaemonHost(), err)
		}
		t.Skipf("no Docker engine answers at %s (%v); .ci/run installs and starts one", cli.DaemonHost(), err)
	}
	return cli
}

// Image imports, as ref, an image made of one small executable file
// /hello holding body, and removes it when the test ends.
func Image(t testing.TB, cli *client.Client, ref, body string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "hello", Mode: 0o755, Size: int64(len(body)), ModTime: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(tw, body); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	rc, err := cli.ImageImport(context.Background(), client.ImageImportSource{Source: &buf, SourceName: "-"}, ref, client.ImageImportOptions{})
	if err != nil {
		t.Fatalf("docker import: %v", err)
	}
	io.Copy(io.Discard, rc)
	rc.Close()
	t.Cleanup(func() { cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true}) })
}
