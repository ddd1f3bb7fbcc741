package image

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
)

const corpus = "/work/shared/corpus/vuln/pkgdb"

// scenario is a five-layer image exercising whiteouts, opaque dirs, links,
// a rewritten package DB and an escape attempt.
func scenario(t testing.TB, escape bool) v1.Image {
	t.Helper()
	dpkg := corpusEntries(t, filepath.Join(corpus, "dpkg/bookworm-sample"))
	base := append([]entry{
		dir("etc/"),
		reg("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
		symlink("etc/os-release", "../usr/lib/os-release"),
		reg("opt/app/old.conf", "old"),
		reg("opt/app/keep/x.conf", "lower"),
	}, dpkg...)
	layer1 := []entry{
		reg("root/secret.pem", "-----BEGIN PRIVATE KEY-----"),
		symlink("etc/abs", "/usr/lib/os-release"),
	}
	if escape {
		layer1 = append(layer1, reg("../escape", "evil"))
	}
	return buildImage(t,
		step{createdBy: "ADD rootfs.tar /", layer: tarBytes(t, base...)},
		step{createdBy: "ENV A=1"},
		step{createdBy: "COPY secret.pem /root/", layer: tarBytes(t, layer1...)},
		step{createdBy: "RUN rm /root/secret.pem && apt-get install -y curl", layer: tarBytes(t,
			reg("root/.wh.secret.pem", ""),
			reg("var/lib/dpkg/status", "Package: curl\nStatus: install ok installed\nVersion: 7.88.1-10\n"),
		)},
		step{createdBy: "COPY app /opt/app", layer: tarBytes(t,
			reg("opt/app/.wh..wh..opq", ""),
			reg("opt/app/new.conf", "new"),
		)},
	)
}

func wantConf(p string, _ fs.FileMode) bool {
	return strings.HasSuffix(p, ".conf") || strings.HasSuffix(p, ".pem") ||
		strings.HasSuffix(p, "os-release") || p == "var/lib/dpkg/status" || p == "lib/apk/db/installed"
}

func checkScenario(t *testing.T, img *Image) {
	t.Helper()
	if len(img.Layers) != 4 {
		t.Fatalf("layers = %d", len(img.Layers))
	}
	var createdBy []string
	for i, l := range img.Layers {
		// A docker save tarball holds layers uncompressed: no blob digest.
		wantDigest := img.Source == SourceRegistry || img.Source == SourceOCI
		if l.Index != i || l.DiffID.Hex == "" || (l.Digest.Hex != "") != wantDigest {
			t.Errorf("layer %d of a %s image: %+v", i, img.Source, l)
		}
		createdBy = append(createdBy, l.CreatedBy)
	}
	if diff := cmp.Diff([]string{
		"ADD rootfs.tar /",
		"COPY secret.pem /root/",
		"RUN rm /root/secret.pem && apt-get install -y curl",
		"COPY app /opt/app",
	}, createdBy); diff != "" {
		t.Errorf("created_by (-want +got):\n%s", diff)
	}
	results, err := img.Walk(context.Background(), wantConf, WalkOptions{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[1].Rejected; len(r) != 1 || r[0] != "../escape" {
		t.Errorf("rejected = %v", r)
	}
	fsys := Merge(results)
	got := map[string]int{}
	for p, f := range fsys.Files {
		got[p] = f.LayerIndex
		if f.DiffID != img.Layers[f.LayerIndex].DiffID {
			t.Errorf("%s: diff ID %v", p, f.DiffID)
		}
	}
	if diff := cmp.Diff(map[string]int{
		"usr/lib/os-release":  0,
		"var/lib/dpkg/status": 2,
		"opt/app/new.conf":    3,
	}, got); diff != "" {
		t.Errorf("final files (-want +got):\n%s", diff)
	}
	type rm struct {
		Path          string
		Layer, By     int
		Reason, Start string
	}
	var removed []rm
	for _, r := range fsys.Removed {
		removed = append(removed, rm{r.Path, r.LayerIndex, r.By, r.Reason, string(r.Content[:min(len(r.Content), 11)])})
	}
	if diff := cmp.Diff([]rm{
		{"root/secret.pem", 1, 2, RemovedWhiteout, "-----BEGIN "},
		{"var/lib/dpkg/status", 0, 2, RemovedOverwritten, "Package: ac"},
		{"opt/app/keep/x.conf", 0, 3, RemovedOpaque, "lower"},
		{"opt/app/old.conf", 0, 3, RemovedOpaque, "old"},
	}, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	for _, p := range []string{"etc/os-release", "/etc/abs"} {
		f, ok := fsys.Resolve(p)
		if !ok || f.Path != "usr/lib/os-release" || f.LayerIndex != 0 {
			t.Errorf("Resolve(%s) = %+v, %v", p, f, ok)
		}
	}
}

func TestOpenSources(t *testing.T) {
	img := scenario(t, true)
	dir := t.TempDir()

	ociDir := filepath.Join(dir, "oci")
	lp, err := layout.Write(ociDir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"})); err != nil {
		t.Fatal(err)
	}

	tarPath := filepath.Join(dir, "image.tar")
	tag, _ := name.NewTag("example.com/scenario:1")
	if err := tarball.WriteToFile(tarPath, tag, img); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	regRef := host + "/test/scenario:1"
	rtag, err := name.NewTag(regRef, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(rtag, img); err != nil {
		t.Fatal(err)
	}

	wantID, _ := img.ConfigName()
	for _, ref := range []string{
		"oci:" + ociDir,
		"oci-dir:" + ociDir,
		ociDir,
		"docker-archive:" + tarPath,
		tarPath,
		"registry:" + regRef,
		regRef,
	} {
		t.Run(ref, func(t *testing.T) {
			got, err := Open(context.Background(), ref, Options{Insecure: true, Keychain: authn.NewMultiKeychain()})
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != wantID {
				t.Errorf("ID = %v, want %v", got.ID, wantID)
			}
			checkScenario(t, got)
		})
	}
}

// TestMergeMatchesExtract checks the merged view against go-containerregistry's
// own squashing for every wanted regular file.
func TestMergeMatchesExtract(t *testing.T) {
	// mutate.Extract refuses "../escape" outright.
	img := scenario(t, false)
	want := map[string]string{}
	tr := tar.NewReader(mutate.Extract(img))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p, ok := NormalizePath(h.Name)
		if ok && h.Typeflag == tar.TypeReg && wantConf(p, 0) {
			b, _ := io.ReadAll(tr)
			want[p] = string(b)
		}
	}
	opened, err := describe(img, SourceOCI)
	if err != nil {
		t.Fatal(err)
	}
	results, err := opened.Walk(context.Background(), wantConf, WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for p, f := range Merge(results).Files {
		got[p] = string(f.Content)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merge vs mutate.Extract (-extract +merge):\n%s", diff)
	}
}

func TestCorpusPackageDBs(t *testing.T) {
	apk := corpusEntries(t, filepath.Join(corpus, "apk/alpine-3.18"))
	dpkg := corpusEntries(t, filepath.Join(corpus, "dpkg/bookworm-sample"))
	img := buildImage(t,
		step{createdBy: "ADD alpine /", layer: tarBytes(t, apk...)},
		step{createdBy: "RUN echo", layer: tarBytes(t, reg("tmp/x", "y"))},
		step{createdBy: "COPY dpkg /", layer: tarBytes(t, dpkg...)},
	)
	opened, err := describe(img, SourceOCI)
	if err != nil {
		t.Fatal(err)
	}
	results, err := opened.Walk(context.Background(), wantConf, WalkOptions{Parallel: 3})
	if err != nil {
		t.Fatal(err)
	}
	fsys := Merge(results)
	for p, layer := range map[string]int{"lib/apk/db/installed": 0, "var/lib/dpkg/status": 2, "etc/os-release": 0} {
		f, ok := fsys.Files[p]
		if !ok {
			t.Errorf("%s missing", p)
			continue
		}
		if f.LayerIndex != layer || f.DiffID != opened.Layers[layer].DiffID {
			t.Errorf("%s: layer %d %v, want %d", p, f.LayerIndex, f.DiffID, layer)
		}
		if !strings.Contains(string(f.Content), "P:") && !strings.Contains(string(f.Content), "Package:") && p != "etc/os-release" {
			t.Errorf("%s: unexpected content %.40q", p, f.Content)
		}
	}
}

func TestOpenPlatformFromIndex(t *testing.T) {
	amd := buildImage(t, step{createdBy: "amd", layer: tarBytes(t, reg("arch", "amd64"))})
	armCf, _ := buildImage(t, step{createdBy: "arm", layer: tarBytes(t, reg("arch", "arm64"))}).ConfigFile()
	arm := buildImage(t, step{createdBy: "arm", layer: tarBytes(t, reg("arch", "arm64"))})
	armCf = armCf.DeepCopy()
	armCf.Architecture, armCf.Variant = "arm64", "v8"
	arm, err := mutate.ConfigFile(arm, armCf)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	ociDir := t.TempDir()
	lp, err := layout.Write(ociDir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	regRef := strings.TrimPrefix(srv.URL, "http://") + "/multi:1"
	rtag, _ := name.NewTag(regRef, name.Insecure)
	if err := remote.WriteIndex(rtag, idx); err != nil {
		t.Fatal(err)
	}
	arch := func(img *Image) string {
		rs, err := img.Walk(context.Background(), wantAll, WalkOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return string(Merge(rs).Files["arch"].Content)
	}
	for _, ref := range []string{"oci:" + ociDir, "registry:" + regRef} {
		for platform, want := range map[string]string{"": "amd64", "linux/amd64": "amd64", "linux/arm64": "arm64", "linux/arm64/v8": "arm64"} {
			img, err := Open(context.Background(), ref, Options{Platform: platform, Insecure: true, Keychain: authn.NewMultiKeychain()})
			if err != nil {
				t.Errorf("%s %q: %v", ref, platform, err)
				continue
			}
			if got := arch(img); got != want {
				t.Errorf("%s %q: arch %q, want %q", ref, platform, got, want)
			}
		}
		if _, err := Open(context.Background(), ref, Options{Platform: "linux/s390x", Insecure: true, Keychain: authn.NewMultiKeychain()}); err == nil {
			t.Errorf("%s: s390x found", ref)
		}
	}
	if _, err := Open(context.Background(), "oci:"+ociDir, Options{Platform: "bad//"}); err == nil {
		t.Error("bad platform accepted")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for _, ref := range []string{
		"docker-archive:" + filepath.Join(dir, "missing.tar"),
		"oci:" + dir,
		"registry:UPPER/Case::bad",
	} {
		if _, err := Open(context.Background(), ref, Options{}); err == nil {
			t.Errorf("%s: no error", ref)
		}
	}
}

func TestWalkTruncatedLayerInImage(t *testing.T) {
	good := tarBytes(t, reg("a", strings.Repeat("x", 4000)))
	img := buildImage(t, step{createdBy: "x", layer: good})
	opened, err := describe(img, SourceOCI)
	if err != nil {
		t.Fatal(err)
	}
	// Swap the layer for one whose stream is cut but which claims the same diff ID.
	cut := layerOf(t, good[:1500])
	opened.Layers[0].Layer = cut
	_, err = opened.Walk(context.Background(), wantAll, WalkOptions{})
	if err == nil || !strings.Contains(err.Error(), "layer 0") {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("error: %v", err)
	}
}

func TestAlignHistory(t *testing.T) {
	h := []v1.History{{CreatedBy: "a"}, {CreatedBy: "env", EmptyLayer: true}, {CreatedBy: "b"}}
	if diff := cmp.Diff([]string{"a", "b"}, alignHistory(h, 2)); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{"", "", ""}, alignHistory(h, 3)); diff != "" {
		t.Error(diff)
	}
}

// TestSourceOfPaths: a reference written as a path (absolute, ./ or ../)
// is a local file or directory, never a registry repository, even when it
// does not exist or is not an OCI layout; a bare name stays a registry
// reference even when a directory of that name exists.
func TestSourceOfPaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "alpine"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	tests := map[string]string{
		filepath.Join(dir, "missing.tar"): SourceDockerArchive, // a typo'd path must not reach Docker Hub
		"./missing.tar":                   SourceDockerArchive,
		"../missing.tar":                  SourceDockerArchive,
		dir:                               SourceOCI, // a directory without index.json: Open says so
		"./alpine":                        SourceOCI,
		"alpine":                          SourceRegistry, // a bare name, even with a directory of that name
		"alpine:3.18":                     SourceRegistry,
		"ghcr.io/x/y:1":                   SourceRegistry,
	}
	for ref, want := range tests {
		if got := SourceOf(ref); got != want {
			t.Errorf("SourceOf(%q) = %s, want %s", ref, got, want)
		}
	}
	_, err := Open(context.Background(), filepath.Join(dir, "missing.tar"), Options{})
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("Open(missing path) = %v, want a missing-file error", err)
	}
	_, err = Open(context.Background(), dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "index.json") {
		t.Errorf("Open(directory without index.json) = %v, want an error naming index.json", err)
	}
}

// TestOpenPlatformOfSingleImage: --platform picks out of an index; an
// image that is not an index (a docker save tarball, a single-platform
// registry image) for another platform is an error naming both, not
// scanned as if it were the one asked for. An image whose config names
// no platform is taken as it is.
func TestOpenPlatformOfSingleImage(t *testing.T) {
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	bare := empty.Image
	dir := t.TempDir()
	tag, _ := name.NewTag("example.com/x:1")
	amd, none := filepath.Join(dir, "amd64.tar"), filepath.Join(dir, "none.tar")
	if err := tarball.WriteToFile(amd, tag, img); err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(none, tag, bare); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := Open(ctx, amd, Options{Platform: "linux/amd64"}); err != nil {
		t.Errorf("matching platform: %v", err)
	}
	if _, err := Open(ctx, amd, Options{Platform: "linux/arm64"}); err == nil || !strings.Contains(err.Error(), "linux/amd64") || !strings.Contains(err.Error(), "linux/arm64") {
		t.Errorf("other platform: err = %v, want one naming linux/amd64 and linux/arm64", err)
	}
	if _, err := Open(ctx, none, Options{Platform: "linux/arm64"}); err != nil {
		t.Errorf("config without a platform: %v", err)
	}
}
