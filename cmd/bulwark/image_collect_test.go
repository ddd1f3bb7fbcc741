package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/bulwark-sec/bulwark/source/image/imagetest"
)

// TestImageCycloneDX: --format cyclonedx writes the inventory as an SBOM
// without a database (--db names a file that does not exist).
func TestImageCycloneDX(t *testing.T) {
	fx := newImageFixture(t, "")
	out := filepath.Join(t.TempDir(), "bom.json")
	code, _, errOut := runCLI(t, "image", fx.ref, "--db", filepath.Join(t.TempDir(), "missing.db"), "--format", "cyclonedx", "--output", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var bom struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		Components  []struct {
			Name, Version, PURL string
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &bom); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	got := map[string]string{}
	for _, c := range bom.Components {
		got[c.Name] = c.Version
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.6" || got["musl"] != "1.2.4-r0" || got["lodash"] != "4.17.20" {
		t.Errorf("bom %s %s, components %v", bom.BOMFormat, bom.SpecVersion, got)
	}
	// The schema validation of the document is vuln/sbom's test.
}

// TestImageOffline: --offline refuses registry references (exit 2, saying
// what to do instead) and scans local sources.
func TestImageOffline(t *testing.T) {
	fx := newImageFixture(t, "")
	code, _, errOut := runCLI(t, "image", "registry.example.com/app:1", "--db", fx.db, "--offline")
	if code != exitUsage || !strings.Contains(errOut, "--offline") || !strings.Contains(errOut, "oci:DIR") {
		t.Errorf("registry ref offline: exit %d: %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "image", "registry.example.com/app:1", "--offline", "--format", "cyclonedx")
	if code != exitUsage {
		t.Errorf("registry ref offline, cyclonedx: exit %d: %s", code, errOut)
	}
	if code, _, errOut := fx.scan(t, "--offline", "--fail-on", "none"); code != exitOK {
		t.Errorf("OCI layout offline: exit %d: %s", code, errOut)
	}
}

// TestImageLayerCache: the first scan writes one cache entry per layer,
// a second scan gives the same report, and --no-cache writes nothing.
func TestImageLayerCache(t *testing.T) {
	fx := newImageFixture(t, "")
	cache := t.TempDir()
	code1, out1, _ := fx.scan(t, "--format", "json", "--cache-dir", cache)
	entries, _ := filepath.Glob(filepath.Join(cache, "sha256-*"))
	if len(entries) != 2 {
		t.Fatalf("cache entries %v, want one per layer", entries)
	}
	code2, out2, _ := fx.scan(t, "--format", "json", "--cache-dir", cache)
	if code1 != code2 || out1 != out2 {
		t.Errorf("warm scan differs: exit %d vs %d\n%s\n---\n%s", code1, code2, out1, out2)
	}
	empty := t.TempDir()
	fx.scan(t, "--format", "json", "--cache-dir", empty, "--no-cache")
	if entries, _ := filepath.Glob(filepath.Join(empty, "*")); len(entries) != 0 {
		t.Errorf("--no-cache wrote %v", entries)
	}
}

// TestImageUsageErrors: flag values that cannot be right are usage errors
// (exit 2) before the image is opened, whatever the format; the format
// error names every format image accepts.
func TestImageUsageErrors(t *testing.T) {
	fx := newImageFixture(t, "")
	for _, tt := range []struct {
		args []string
		want string // in the message
	}{
		{[]string{"--platform", "a/b/c/d"}, "--platform"},
		{[]string{"--platform", "a/b/c/d", "--format", "cyclonedx"}, "--platform"},
		{[]string{"--format", "cyclonedx", "--fail-on", "bogus"}, "--fail-on"},
		{[]string{"--format", "cyclonedx", "--severity", "bogus"}, "--severity"},
		{[]string{"--format", "xml"}, "cyclonedx"},
	} {
		code, _, errOut := fx.scan(t, tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d naming %s", tt.args, code, errOut, exitUsage, tt.want)
		}
	}
}

// TestImageOfflineRemoteDaemon: docker:NAME is allowed under --offline
// because the local engine is reached through its socket; an engine that
// DOCKER_HOST puts on the network is refused like a registry (exit 2),
// and a unix socket stays allowed.
func TestImageOfflineRemoteDaemon(t *testing.T) {
	for _, host := range []string{"tcp://127.0.0.1:9", "ssh://build@example.com", "https://docker.example.com:2376"} {
		t.Setenv("DOCKER_HOST", host) // what the engine client reads
		code, _, errOut := runCLIEnv(t, map[string]string{"DOCKER_HOST": host}, "image", "docker:app:1", "--offline", "--format", "cyclonedx")
		if code != exitUsage || !strings.Contains(errOut, "DOCKER_HOST") {
			t.Errorf("DOCKER_HOST=%s: exit %d, stderr %q; want %d naming DOCKER_HOST", host, code, errOut, exitUsage)
		}
	}
	sock := "unix://" + filepath.Join(t.TempDir(), "docker.sock") // nothing listens: the open fails (3), not the flag check
	t.Setenv("DOCKER_HOST", sock)
	if code, _, errOut := runCLIEnv(t, map[string]string{"DOCKER_HOST": sock}, "image", "docker:app:1", "--offline", "--format", "cyclonedx", "--no-cache"); code != exitIncomplete {
		t.Errorf("DOCKER_HOST=%s: exit %d, stderr %q; want %d", sock, code, errOut, exitIncomplete)
	}
}

// TestImageUnreadableDatabase: a package database that cannot be read at
// all makes the scan incomplete (exit 3, naming it), as its packages'
// vulnerabilities would be missed.
func TestImageUnreadableDatabase(t *testing.T) {
	fx := newImageFixture(t, "")
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: imagetest.Layer(t,
		imagetest.File("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0),
		imagetest.File("var/lib/dpkg/status", "Package: a\nDescription: "+strings.Repeat("x", 2<<20)+"\n", 0), // a line over the parser's bound
	)})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "image", "oci:"+dir, "--db", fx.db, "--format", "json", "--fail-on", "none")
	if code != exitIncomplete || !strings.Contains(errOut, "var/lib/dpkg/status: database not read") {
		t.Errorf("exit %d, stderr %q; want 3 naming the database", code, errOut)
	}
}
