package inventory

// Proof with real parts: images built from a real Debian root file system
// (debootstrap --variant=minbase, made by scripts/debootstrap-fixture.sh and
// named by BULWARK_DEBIAN_ROOTFS), written as an OCI layout, a docker save
// tarball and pushed to a registry on loopback, then inventoried and matched
// against OSV records.

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/source/image/imagetest"
	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/match"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// debianRootfs returns the debootstrap tarball BULWARK_DEBIAN_ROOTFS names.
// Unset, the test skips, unless CI=true, where it fails; set but missing,
// it fails.
func debianRootfs(t *testing.T) string {
	t.Helper()
	p := os.Getenv("BULWARK_DEBIAN_ROOTFS")
	if p == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but BULWARK_DEBIAN_ROOTFS is unset: .ci/run builds the Debian root file system with scripts/debootstrap-fixture.sh and sets it")
		}
		t.Skip("BULWARK_DEBIAN_ROOTFS unset: run BULWARK_DEBIAN_ROOTFS=$(scripts/debootstrap-fixture.sh) go test ... (as .ci/run does)")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("BULWARK_DEBIAN_ROOTFS: %v", err)
	}
	return p
}

// debPkg is what the test's own reader of the status file records.
type debPkg struct {
	Version, Source string
}

// rootfsFiles reads the named regular files out of the rootfs tar.
func rootfsFiles(t *testing.T, tarPath string, names ...string) map[string][]byte {
	t.Helper()
	f, err := os.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		n := strings.TrimPrefix(h.Name, "./")
		if h.Typeflag == tar.TypeReg && slices.Contains(names, n) {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			out[n] = b
		}
	}
}

// installedPackages is a deliberately simple reader of a dpkg status file
// (independent of vuln/pkgdb/dpkg): paragraphs, the Package, Version,
// Source and Status fields, installed packages only.
func installedPackages(status []byte) map[string]debPkg {
	out := map[string]debPkg{}
	for _, para := range strings.Split(string(status), "\n\n") {
		var pkg, ver, src, st string
		for _, line := range strings.Split(para, "\n") {
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				continue
			}
			switch k {
			case "Package":
				pkg = v
			case "Version":
				ver = v
			case "Source":
				src, _, _ = strings.Cut(v, " ") // "glibc (2.36-9)" for binNMUs
			case "Status":
				st = v
			}
		}
		if pkg == "" || !strings.HasSuffix(st, " installed") {
			continue
		}
		if src == "" {
			src = pkg
		}
		out[pkg] = debPkg{Version: ver, Source: src}
	}
	return out
}

// dpkgQuery lists the installed packages of the status file with the real
// dpkg-query, on a copy in a temporary admin directory.
func dpkgQuery(t *testing.T, status []byte) (map[string]debPkg, bool) {
	t.Helper()
	bin, err := exec.LookPath("dpkg-query")
	if err != nil {
		return nil, false
	}
	admin := t.TempDir()
	if err := os.MkdirAll(filepath.Join(admin, "info"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(admin, "status"), status, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--admindir="+admin, "-W", "-f", "${db:Status-Status}\t${Package}\t${Version}\t${source:Package}\n").Output()
	if err != nil {
		t.Fatalf("dpkg-query: %v", err)
	}
	m := map[string]debPkg{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) == 4 && f[0] == "installed" {
			m[f[1]] = debPkg{Version: f[2], Source: f[3]}
		}
	}
	return m, true
}

// osReleaseField reads one field of an os-release file.
func osReleaseField(b []byte, key string) string {
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// gzipFile compresses a file once (fast level) so every image form reuses
// the same blob.
func gzipFile(t *testing.T, p string) []byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := io.Copy(zw, f); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func appendLayers(t *testing.T, base v1.Image, adds ...mutate.Addendum) v1.Image {
	t.Helper()
	img, err := mutate.Append(base, adds...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// imageForms writes img as an OCI layout, a docker save tarball and to a
// registry on loopback, and returns the references Open takes for each.
func imageForms(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	dir := t.TempDir()
	oci := filepath.Join(dir, "oci")
	p, err := layout.Write(oci, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "image.tar")
	tag, _ := name.NewTag("example.com/debian-minbase:test")
	if err := tarball.WriteToFile(archive, tag, img); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	ref := strings.TrimPrefix(srv.URL, "http://") + "/debian/minbase:test"
	rtag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(rtag, img); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"oci":            "oci:" + oci,
		"docker-archive": "docker-archive:" + archive,
		"registry":       "registry:" + ref,
	}
}

// rewriteStatus returns status with the paragraphs of drop removed and the
// Version of each package in bump replaced: what apt leaves after a purge
// and an upgrade.
func rewriteStatus(status []byte, drop string, bump map[string]string) []byte {
	var out []string
	for _, para := range strings.Split(strings.TrimRight(string(status), "\n"), "\n\n") {
		pkg := ""
		for _, line := range strings.Split(para, "\n") {
			if v, ok := strings.CutPrefix(line, "Package: "); ok {
				pkg = v
			}
		}
		if pkg == drop {
			continue
		}
		if v, ok := bump[pkg]; ok {
			lines := strings.Split(para, "\n")
			for i, line := range lines {
				if strings.HasPrefix(line, "Version: ") {
					lines[i] = "Version: " + v
				}
			}
			para = strings.Join(lines, "\n")
		}
		out = append(out, para)
	}
	return []byte(strings.Join(out, "\n\n") + "\n")
}

// osPackages returns the OS packages of inv by name.
func osPackages(t *testing.T, inv *Inventory) map[string]Package {
	t.Helper()
	out := map[string]Package{}
	for _, p := range inv.Packages {
		if p.Type != pkgdb.TypeOS {
			continue
		}
		if _, dup := out[p.Name]; dup {
			t.Errorf("package %s listed twice", p.Name)
		}
		out[p.Name] = p
	}
	return out
}

func asDebPkgs(m map[string]Package) map[string]debPkg {
	out := map[string]debPkg{}
	for n, p := range m {
		out[n] = debPkg{Version: p.Version, Source: p.SrcName}
	}
	return out
}

// TestDebianRootfsImage inventories images built from the real Debian root
// file system in every form Open reads, and checks what it finds against
// the rootfs's own status file (read by a simple reader and by dpkg-query).
func TestDebianRootfsImage(t *testing.T) {
	rootfs := debianRootfs(t)
	ctx := context.Background()
	files := rootfsFiles(t, rootfs, "var/lib/dpkg/status", "usr/lib/os-release")
	status, osr := files["var/lib/dpkg/status"], files["usr/lib/os-release"]
	if status == nil || osr == nil {
		t.Fatalf("%s holds no var/lib/dpkg/status or usr/lib/os-release", rootfs)
	}
	want := installedPackages(status)
	if len(want) < 50 {
		t.Fatalf("the simple reader found %d packages in the rootfs's status", len(want))
	}
	if q, ok := dpkgQuery(t, status); ok {
		if d := cmp.Diff(q, want); d != "" {
			t.Fatalf("the test's status reader and dpkg-query disagree (-dpkg-query +reader):\n%s", d)
		}
		t.Logf("dpkg-query --admindir: %d installed packages", len(q))
	} else {
		t.Log("dpkg-query not found; the expected list comes from the test's own reader only")
	}
	if want["libc6"].Source != "glibc" {
		t.Fatalf("libc6 in the rootfs: %+v, want source glibc", want["libc6"])
	}
	versionID := osReleaseField(osr, "VERSION_ID")

	start := time.Now()
	gz := gzipFile(t, rootfs)
	base := imagetest.BytesLayer(t, gz)
	baseDiff, err := base.DiffID()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rootfs %s: gzip %d MiB, layer built in %v", filepath.Base(rootfs), len(gz)>>20, time.Since(start))
	const baseBy = "ADD debian-minbase.tar / # debootstrap --variant=minbase"
	app := imagetest.Tar(t,
		imagetest.Entry{Name: "app/README", Body: "hello\n"},
		imagetest.Entry{Name: "usr/local/bin/hello", Body: "#!/bin/sh\necho hello\n", Mode: 0o755},
	)
	img := appendLayers(t, empty.Image,
		mutate.Addendum{Layer: base, History: v1.History{CreatedBy: baseBy}},
		mutate.Addendum{Layer: imagetest.BytesLayer(t, app), History: v1.History{CreatedBy: "COPY app /app"}},
	)

	for form, ref := range imageForms(t, img) {
		t.Run(form, func(t *testing.T) {
			start := time.Now()
			opened, err := image.Open(ctx, ref, image.Options{Insecure: true, Keychain: authn.NewMultiKeychain()})
			if err != nil {
				t.Fatal(err)
			}
			opening := time.Since(start)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			inv, err := Collect(ctx, opened, Options{})
			if err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			t.Logf("%s: open %v, collect %v (%d MiB allocated)", form, opening, time.Since(start)-opening, (after.TotalAlloc-before.TotalAlloc)>>20)
			if inv.Release.ID != "debian" || inv.Release.VersionID != versionID || inv.Ecosystem.String() != "Debian:"+versionID {
				t.Errorf("release %+v ecosystem %v, want debian %s", inv.Release, inv.Ecosystem, versionID)
			}
			if len(inv.Problems) != 0 {
				t.Errorf("problems: %q", inv.Problems)
			}
			got := osPackages(t, inv)
			if d := cmp.Diff(want, asDebPkgs(got)); d != "" {
				t.Errorf("packages (-rootfs status +inventory):\n%s", d)
			}
			for n, p := range got {
				if p.Layer.Index != 0 || p.Layer.DiffID != baseDiff.String() || p.Layer.CreatedBy != baseBy {
					t.Errorf("%s attributed to %+v, want the base layer", n, p.Layer)
				}
				if p.DBPath != "var/lib/dpkg/status" || p.Ecosystem.String() != "Debian:"+versionID {
					t.Errorf("%s: db %s ecosystem %v", n, p.DBPath, p.Ecosystem)
				}
			}
			if d := got["dpkg"]; !slices.Contains(d.Files, "usr/bin/dpkg") {
				t.Errorf("dpkg's files (from info/dpkg.list) lack usr/bin/dpkg: %d files", len(d.Files))
			}
			if p := got["libc6"]; p.SrcName != "glibc" || !strings.HasPrefix(p.PURL, "pkg:deb/debian/libc6@") {
				t.Errorf("libc6: source %q purl %q", p.SrcName, p.PURL)
			}
		})
	}

	// An apt-style upgrade layer: the status rewritten with one package
	// upgraded and one purged, the purged package's files whited out.
	t.Run("upgrade layer", func(t *testing.T) {
		const purged, upgraded, newVersion = "hostname", "tzdata", "2099a-0+deb12u1"
		if _, ok := want[purged]; !ok {
			t.Skipf("%s not in this rootfs", purged)
		}
		up := imagetest.Tar(t,
			imagetest.Entry{Name: "var/lib/dpkg/status", Body: string(rewriteStatus(status, purged, map[string]string{upgraded: newVersion}))},
			imagetest.Entry{Name: "var/lib/dpkg/info/.wh." + purged + ".list"},
			imagetest.Entry{Name: "var/lib/dpkg/info/.wh." + purged + ".md5sums"},
			imagetest.Entry{Name: "usr/bin/.wh." + purged},
		)
		const upBy = "RUN apt-get purge -y hostname && apt-get upgrade -y"
		img2 := appendLayers(t, img, mutate.Addendum{Layer: imagetest.BytesLayer(t, up), History: v1.History{CreatedBy: upBy}})
		dir := t.TempDir()
		p, err := layout.Write(dir, empty.Index)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AppendImage(img2); err != nil {
			t.Fatal(err)
		}
		opened, err := image.Open(ctx, "oci:"+dir, image.Options{})
		if err != nil {
			t.Fatal(err)
		}
		inv, err := Collect(ctx, opened, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := osPackages(t, inv)
		if len(got) != len(want)-1 {
			t.Errorf("%d packages, want %d (one purged)", len(got), len(want)-1)
		}
		if _, ok := got[purged]; ok {
			t.Errorf("purged %s still listed", purged)
		}
		if v := got[upgraded].Version; v != newVersion {
			t.Errorf("%s version %q, want %q", upgraded, v, newVersion)
		}
		// The upgraded package comes from the layer that upgraded it; the
		// others from the base, although layer 2 rewrote the status file.
		for n, p := range got {
			wantLayer := 0
			if n == upgraded {
				wantLayer = 2
			}
			if p.Layer.Index != wantLayer {
				t.Errorf("%s attributed to %+v, want layer %d", n, p.Layer, wantLayer)
			}
		}
		if p := got[upgraded]; p.Layer.CreatedBy != upBy {
			t.Errorf("%s created_by %q, want %q", upgraded, p.Layer.CreatedBy, upBy)
		}
		// The .list files of the untouched packages still come from the base.
		if !slices.Contains(got["dpkg"].Files, "usr/bin/dpkg") {
			t.Error("dpkg lost its file list")
		}
	})
}

// osvRecord is a DSA-shaped OSV record for one Debian source package.
func osvRecord(id, ecosystem, pkg, fixed, cve string) []byte {
	b, _ := json.MarshalIndent(map[string]any{
		"schema_version": "1.6.0",
		"id":             id,
		"modified":       "2026-01-01T00:00:00Z",
		"published":      "2026-01-01T00:00:00Z",
		"upstream":       []string{cve},
		"summary":        pkg + " - security update",
		"affected": []any{map[string]any{
			"package": map[string]any{"name": pkg, "ecosystem": ecosystem, "purl": "pkg:deb/debian/" + pkg + "?arch=source"},
			"ranges": []any{map[string]any{"type": "ECOSYSTEM", "events": []any{
				map[string]string{"introduced": "0"}, map[string]string{"fixed": fixed},
			}}},
		}},
	}, "", "  ")
	return b
}

// TestDebianRootfsVulnMatch matches the real rootfs's packages end to end:
// the corpus's real Debian records (DLAs filed under Debian:9) must not fire
// on Debian 12; the DLA for dpkg refiled under the rootfs's release must
// not fire either (its fix is older than the installed dpkg); a DSA-shaped
// record whose fix is above the installed glibc fires for every glibc
// binary package, by source name and version.
func TestDebianRootfsVulnMatch(t *testing.T) {
	rootfs := debianRootfs(t)
	corpus := os.Getenv("BULWARK_VULN_CORPUS")
	if corpus == "" {
		corpus = "/work/shared/corpus/vuln"
	}
	debianOSV := filepath.Join(corpus, "osv", "Debian")
	if _, err := os.Stat(debianOSV); err != nil {
		t.Skipf("vulnerability corpus not available: %v", err)
	}
	ctx := context.Background()
	status := rootfsFiles(t, rootfs, "var/lib/dpkg/status")["var/lib/dpkg/status"]
	want := installedPackages(status)
	osr := rootfsFiles(t, rootfs, "usr/lib/os-release")["usr/lib/os-release"]
	eco := "Debian:" + osReleaseField(osr, "VERSION_ID")

	var glibcVersion string
	var glibcBins []string
	for n, p := range want {
		if p.Source == "glibc" {
			glibcBins = append(glibcBins, n)
			glibcVersion = p.Version // binaries of one source share its version in a debootstrap
		}
	}
	sort.Strings(glibcBins)
	if len(glibcBins) == 0 {
		t.Fatal("no glibc binary package in the rootfs")
	}
	fixed := glibcVersion + "+bulwark1" // sorts above the installed version
	recs := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(recs, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("DSA-9999-1.json", osvRecord("DSA-9999-1", eco, "glibc", fixed, "CVE-2099-0001"))
	// The installed version itself as the fix: not affected.
	write("DSA-9998-1.json", osvRecord("DSA-9998-1", eco, "glibc", glibcVersion, "CVE-2099-0002"))
	// The real DLA-3022-1 (dpkg, fixed 1.18.26) refiled under this release.
	dla, err := os.ReadFile(filepath.Join(debianOSV, "DLA-3022-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	write("DLA-3022-1-refiled.json", bytes.ReplaceAll(bytes.ReplaceAll(dla, []byte(`"Debian:9"`), []byte(`"`+eco+`"`)), []byte(`"DLA-3022-1"`), []byte(`"DLA-3022-1-REFILED"`)))

	dbFile := filepath.Join(t.TempDir(), "osv.db")
	st, err := db.Import(ctx, dbFile, []string{debianOSV, recs}, db.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 7 {
		t.Fatalf("imported %d records, want 4 corpus DLAs + 3 written here", st.Records)
	}
	d, err := db.Open(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	l := imagetest.BytesLayer(t, gzipFile(t, rootfs))
	img := appendLayers(t, empty.Image, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "debootstrap"}})
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	opened, err := image.Open(ctx, "oci:"+dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Collect(ctx, opened, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := match.New(d, match.Options{})
	var hits []string
	for _, p := range inv.Packages {
		fs, err := m.MatchPackage(p.Package)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			hits = append(hits, fmt.Sprintf("%s %s %s", p.Name, f.VulnID, f.Status))
			if f.FixedVersion != fixed || f.InstalledVersion != glibcVersion || f.LookupName != "glibc" || f.Ecosystem != eco || !slices.Equal(f.Records, []string{"DSA-9999-1"}) {
				t.Errorf("%s: finding %+v", p.Name, f)
			}
		}
	}
	sort.Strings(hits)
	var wantHits []string
	for _, b := range glibcBins {
		wantHits = append(wantHits, b+" CVE-2099-0001 fixed")
	}
	if d := cmp.Diff(wantHits, hits); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
