package main

// docker:NAME through the real Docker engine (.ci/run starts one): the
// Debian root file system made by scripts/debootstrap-fixture.sh
// (BULWARK_DEBIAN_ROOTFS) is `docker import`ed under a test tag, opened
// with go-containerregistry's daemon package, inventoried, and scanned by
// `bulwark image docker:NAME`. Outside CI, without the fixture, a tiny
// Debian-like tarball stands in; with CI=true a missing engine or fixture
// fails the test.

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/source/container/enginetest"
	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/inventory"
)

// engineRootfs returns a root file system tar to import: the debootstrap
// fixture, or (outside CI, when BULWARK_DEBIAN_ROOTFS is unset) a tiny one
// made of the corpus's bookworm dpkg sample.
func engineRootfs(t *testing.T, corpus string) (path string, real bool) {
	t.Helper()
	if p := os.Getenv("BULWARK_DEBIAN_ROOTFS"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("BULWARK_DEBIAN_ROOTFS: %v", err)
		}
		return p, true
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but BULWARK_DEBIAN_ROOTFS is unset: .ci/run builds it with scripts/debootstrap-fixture.sh")
	}
	t.Log("BULWARK_DEBIAN_ROOTFS unset: importing a tiny Debian-like tarball instead of the debootstrap rootfs")
	status, err := os.ReadFile(filepath.Join(corpus, "pkgdb/dpkg/bookworm-sample/var/lib/dpkg/status"))
	if err != nil {
		t.Skipf("vulnerability corpus: %v", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"},
		{"var/lib/dpkg/status", string(status)},
	} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), ModTime: time.Unix(0, 0)})
		io.WriteString(tw, f.body)
	}
	tw.WriteHeader(&tar.Header{Name: "etc/os-release", Typeflag: tar.TypeSymlink, Linkname: "../usr/lib/os-release", ModTime: time.Unix(0, 0)})
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "tiny-rootfs.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, false
}

// statusOf reads var/lib/dpkg/status out of a rootfs tar and returns the
// installed packages (name -> version) and each one's source package.
func statusOf(t *testing.T, tarPath string) (versions, sources map[string]string) {
	t.Helper()
	f, err := os.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no var/lib/dpkg/status in %s: %v", tarPath, err)
		}
		if strings.TrimPrefix(h.Name, "./") != "var/lib/dpkg/status" {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		versions, sources = map[string]string{}, map[string]string{}
		for _, para := range strings.Split(string(b), "\n\n") {
			fields := map[string]string{}
			for _, line := range strings.Split(para, "\n") {
				if k, v, ok := strings.Cut(line, ": "); ok {
					fields[k] = v
				}
			}
			if fields["Package"] == "" || !strings.HasSuffix(fields["Status"], " installed") {
				continue
			}
			src, _, _ := strings.Cut(fields["Source"], " ")
			if src == "" {
				src = fields["Package"]
			}
			versions[fields["Package"]] = fields["Version"]
			sources[fields["Package"]] = src
		}
		return versions, sources
	}
}

// dsaRecord is a DSA-shaped OSV record for a Debian source package.
func dsaRecord(id, ecosystem, pkg, fixed, cve string) []byte {
	b, _ := json.Marshal(map[string]any{
		"schema_version": "1.6.0", "id": id, "modified": "2026-01-01T00:00:00Z",
		"upstream": []string{cve}, "summary": pkg + " - security update",
		"affected": []any{map[string]any{
			"package":            map[string]any{"name": pkg, "ecosystem": ecosystem},
			"ecosystem_specific": map[string]any{"urgency": "high"}, // Debian's rating: HIGH
			"ranges": []any{map[string]any{"type": "ECOSYSTEM", "events": []any{
				map[string]string{"introduced": "0"}, map[string]string{"fixed": fixed},
			}}},
		}},
	})
	return b
}

func TestImageDockerEngine(t *testing.T) {
	cli := enginetest.Client(t)
	corpus := vulnCorpus(t)
	rootfs, real := engineRootfs(t, corpus)
	versions, sources := statusOf(t, rootfs)

	// A DSA-shaped record for acl (libacl1 is in every Debian base; the
	// tiny sample has acl and libacl1), fixed just above the installed
	// version, beside the corpus's real Debian:9 records, which must not
	// fire on Debian 12.
	var aclBins []string
	aclVersion := ""
	for n, s := range sources {
		if s == "acl" {
			aclBins = append(aclBins, n)
			aclVersion = versions[n]
		}
	}
	sort.Strings(aclBins)
	if len(aclBins) == 0 {
		t.Fatalf("no binary package of source acl in %s", rootfs)
	}
	recs := t.TempDir()
	if err := os.WriteFile(filepath.Join(recs, "DSA-9999-1.json"), dsaRecord("DSA-9999-1", "Debian:12", "acl", aclVersion+"+bulwark1", "CVE-2099-0001"), 0o644); err != nil {
		t.Fatal(err)
	}
	dbFile := filepath.Join(t.TempDir(), "osv.db")
	if _, err := db.Import(context.Background(), dbFile, []string{filepath.Join(corpus, "osv/Debian"), recs}, db.ImportOptions{}); err != nil {
		t.Fatal(err)
	}

	ref := fmt.Sprintf("bulwark-test-debian:%d", os.Getpid())
	ctx := context.Background()
	f, err := os.Open(rootfs)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	rc, err := cli.ImageImport(ctx, client.ImageImportSource{Source: f, SourceName: "-"}, ref, client.ImageImportOptions{})
	if err != nil {
		t.Fatalf("docker import: %v", err)
	}
	io.Copy(io.Discard, rc)
	rc.Close()
	t.Cleanup(func() {
		if _, err := cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true}); err != nil {
			t.Errorf("removing %s: %v", ref, err)
		}
	})
	t.Logf("docker import of %s (debootstrap fixture: %v): %v", filepath.Base(rootfs), real, time.Since(start))

	start = time.Now()
	img, err := image.Open(ctx, "docker:"+ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Collect(ctx, img, inventory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("open and collect through the engine: %v", time.Since(start))
	if img.Source != image.SourceDaemon || len(img.Layers) != 1 {
		t.Errorf("source %q, %d layers", img.Source, len(img.Layers))
	}
	if inv.Release.ID != "debian" || inv.Ecosystem.String() != "Debian:12" {
		t.Errorf("release %+v ecosystem %v", inv.Release, inv.Ecosystem)
	}
	got := map[string]string{}
	for _, p := range inv.Packages {
		got[p.Name] = p.Version
		if p.Layer.Index != 0 {
			t.Errorf("%s in layer %d", p.Name, p.Layer.Index)
		}
	}
	if len(got) != len(versions) || len(inv.Packages) != len(versions) {
		t.Errorf("%d packages (%d distinct), want %d", len(inv.Packages), len(got), len(versions))
	}
	for n, v := range versions {
		if got[n] != v {
			t.Errorf("%s: %q, want %q", n, got[n], v)
		}
	}

	code, out, errOut := runCLI(t, "image", "docker:"+ref, "--db", dbFile, "--format", "json", "--fail-on", "none")
	if code != exitOK {
		t.Fatalf("exit %d; stderr: %s\n%s", code, errOut, out)
	}
	var rep struct {
		Images   []report.Image    `json:"images"`
		Findings []finding.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Images) != 1 || rep.Images[0].ID != img.ID.String() || rep.Images[0].Ecosystem != "Debian:12" || rep.Images[0].Packages != len(versions) {
		t.Errorf("report images %+v; want %s Debian:12 %d packages", rep.Images, img.ID, len(versions))
	}
	var hits []string
	for _, f := range rep.Findings {
		v := f.Vulnerability
		if v == nil {
			continue // image rule findings
		}
		hits = append(hits, v.Package+" "+v.ID+" "+v.Status+" "+v.FixedVersion+" "+f.Severity.String())
	}
	sort.Strings(hits)
	var want []string
	for _, b := range aclBins {
		want = append(want, b+" CVE-2099-0001 fixed "+aclVersion+"+bulwark1 HIGH")
	}
	if !slices.Equal(hits, want) {
		t.Errorf("vulnerabilities %q, want %q", hits, want)
	}

	// The table, with the default --fail-on HIGH: the HIGH finding fails the run.
	code, out, _ = runCLI(t, "image", "docker:"+ref, "--db", dbFile)
	if code != exitFindings || !strings.Contains(out, "CVE-2099-0001") || !strings.Contains(out, "Debian:12") {
		t.Errorf("table: exit %d\n%s", code, out)
	}
}
