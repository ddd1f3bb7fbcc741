package inventory

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/source/image/imagetest"
)

// openLayout writes the layers as an OCI layout image and opens it.
func openLayout(t testing.TB, history []string, layers ...v1.Layer) *image.Image {
	t.Helper()
	steps := make([]imagetest.Step, len(layers))
	for i, l := range layers {
		steps[i].Layer = l
		if i < len(history) {
			steps[i].CreatedBy = history[i]
		}
	}
	im, err := image.Open(context.Background(), "oci:"+imagetest.Layout(t, imagetest.Image(t, steps...)), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

const apkBase = `P:musl
V:1.2.4-r0
A:x86_64
o:musl

P:busybox
V:1.36.1-r0
A:x86_64
o:busybox
`

// apkAdded is apkBase after "apk add curl" and "apk upgrade musl".
const apkAdded = `P:musl
V:1.2.4-r2
A:x86_64
o:musl

P:busybox
V:1.36.1-r0
A:x86_64
o:busybox

P:curl
V:8.1.2-r0
A:x86_64
o:curl
`

// testImageLayers is a base layer (Alpine with two packages, a setuid su,
// a shell link and a credential file) and an application layer (apk add
// curl, apk upgrade musl, lodash, the credential file deleted).
func testImageLayers(t *testing.T) (base, app v1.Layer) {
	base = imagetest.Layer(t,
		imagetest.Entry{Name: "etc/os-release", Body: "ID=alpine\nVERSION_ID=3.18.4\n"},
		imagetest.Entry{Name: "lib/apk/db/installed", Body: apkBase},
		imagetest.Entry{Name: "bin/busybox", Body: "#!elf", Mode: 0o755},
		imagetest.Entry{Name: "bin/su", Body: "#!elf", Mode: 0o4755},
		imagetest.Entry{Name: "bin/sh", Link: "/bin/busybox", Type: tar.TypeSymlink},
		imagetest.Entry{Name: "root/.env", Body: "USER=me\nSECRET=hunter2\n"},
	)
	app = imagetest.Layer(t,
		imagetest.Entry{Name: "lib/apk/db/installed", Body: apkAdded},
		imagetest.Entry{Name: "app/node_modules/lodash/package.json", Body: `{"name":"lodash","version":"4.17.20"}`},
		imagetest.Entry{Name: "root/.wh..env"},
	)
	return base, app
}

// testOptions note bin/sh and find SECRET= lines in .env files.
func testOptions(cache Cache) Options {
	return Options{
		Programs:  []string{"bin/sh", "usr/bin/apt-get"},
		ScanWants: func(p string, _ int64) bool { return strings.HasSuffix(p, ".env") },
		Scan: func(p string, content []byte) []image.Secret {
			var out []image.Secret
			for i, line := range strings.Split(string(content), "\n") {
				if strings.HasPrefix(line, "SECRET=") {
					out = append(out, image.Secret{Kind: "test", Line: i + 1, Redacted: "SECRET=***"})
				}
			}
			return out
		},
		Cache:     cache,
		CacheSalt: "test/1",
	}
}

// pkgLayers maps name@version to the layer index each package is
// attributed to.
func pkgLayers(inv *Inventory) map[string]int {
	out := map[string]int{}
	for _, p := range inv.Packages {
		out[p.Name+"@"+p.Version] = p.Layer.Index
	}
	return out
}

func TestCollectLayersAndFacts(t *testing.T) {
	base, app := testImageLayers(t)
	im := openLayout(t, []string{"ADD rootfs /", "RUN apk add curl && apk upgrade musl"}, base, app)
	inv, err := Collect(context.Background(), im, testOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"busybox@1.36.1-r0": 0, // in both versions of the database: the base installed it
		"musl@1.2.4-r2":     1, // upgraded by the application layer
		"curl@8.1.2-r0":     1, // added by the application layer
		"lodash@4.17.20":    1,
	}
	if d := cmp.Diff(want, pkgLayers(inv)); d != "" {
		t.Errorf("package layers (-want +got):\n%s", d)
	}
	for _, p := range inv.Packages {
		if p.Name == "busybox" && p.Layer.CreatedBy != "ADD rootfs /" {
			t.Errorf("busybox created_by %q", p.Layer.CreatedBy)
		}
	}
	f := inv.Facts
	if f.Ref != im.Ref || f.Config == nil || len(f.Layers) != 2 {
		t.Errorf("facts identity: ref %q config %v layers %d", f.Ref, f.Config != nil, len(f.Layers))
	}
	if d := cmp.Diff([]image.FileFact{{Path: "bin/su", Mode: os.ModeSetuid | 0o755, Layer: 0}}, f.Special); d != "" {
		t.Errorf("special (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]image.FileFact{{Path: "bin/sh", Mode: os.ModeSymlink | 0o777, Layer: 0}}, f.Programs); d != "" {
		t.Errorf("programs (-want +got):\n%s", d)
	}
	wantSecrets := []image.Secret{{Path: "root/.env", Layer: 0, RemovedBy: 1, Kind: "test", Line: 2, Redacted: "SECRET=***"}}
	if d := cmp.Diff(wantSecrets, f.Secrets); d != "" {
		t.Errorf("secrets (-want +got):\n%s", d)
	}
}

// failingLayer is a layer whose content cannot be read: a scan that needs
// it fails, so a scan that succeeds did not read it.
type failingLayer struct{ v1.Layer }

func (failingLayer) Uncompressed() (io.ReadCloser, error) {
	return nil, errors.New("layer content read although cached")
}
func (failingLayer) Compressed() (io.ReadCloser, error) {
	return nil, errors.New("layer content read although cached")
}

func TestCollectCache(t *testing.T) {
	ctx := context.Background()
	base, app := testImageLayers(t)
	im := openLayout(t, []string{"ADD rootfs /", "RUN apk add curl"}, base, app)
	cache := DirCache{Dir: t.TempDir()}

	cold, err := Collect(ctx, im, testOptions(cache))
	if err != nil {
		t.Fatal(err)
	}
	if cold.Cache.Hits != 0 || cold.Cache.Misses != 2 || cold.Cache.Err != nil {
		t.Fatalf("cold scan cache stats %+v, want 0 hits, 2 misses", cold.Cache)
	}

	// A warm scan must not read any layer.
	warmImg := *im
	warmImg.Layers = append([]image.Layer(nil), im.Layers...)
	for i := range warmImg.Layers {
		warmImg.Layers[i].Layer = failingLayer{warmImg.Layers[i].Layer}
	}
	warm, err := Collect(ctx, &warmImg, testOptions(cache))
	if err != nil {
		t.Fatal(err)
	}
	if warm.Cache.Hits != 2 || warm.Cache.Misses != 0 {
		t.Errorf("warm scan cache stats %+v, want 2 hits", warm.Cache)
	}
	ignore := cmp.Options{cmpopts.IgnoreFields(Inventory{}, "Cache"), cmpopts.IgnoreFields(image.Layer{}, "Layer"), cmpopts.EquateEmpty()}
	if d := cmp.Diff(cold, warm, ignore); d != "" {
		t.Errorf("warm inventory differs from cold (-cold +warm):\n%s", d)
	}

	// Another image on the same base reads only its own layer.
	other := imagetest.Layer(t, imagetest.Entry{Name: "app/node_modules/left-pad/package.json", Body: `{"name":"left-pad","version":"1.3.0"}`})
	im2 := openLayout(t, []string{"ADD rootfs /", "COPY app /app"}, base, other)
	inv2, err := Collect(ctx, im2, testOptions(cache))
	if err != nil {
		t.Fatal(err)
	}
	if inv2.Cache.Hits != 1 || inv2.Cache.Misses != 1 {
		t.Errorf("shared-base scan cache stats %+v, want 1 hit 1 miss", inv2.Cache)
	}
	if got := pkgLayers(inv2); got["left-pad@1.3.0"] != 1 || got["busybox@1.36.1-r0"] != 0 {
		t.Errorf("shared-base packages %v", got)
	}

	// Another secret scanner (salt) does not reuse the entries.
	opts := testOptions(cache)
	opts.CacheSalt = "test/2"
	inv3, err := Collect(ctx, im, opts)
	if err != nil {
		t.Fatal(err)
	}
	if inv3.Cache.Hits != 0 {
		t.Errorf("new salt cache stats %+v, want no hits", inv3.Cache)
	}

	// A damaged entry is ignored and rewritten.
	entries, err := filepath.Glob(filepath.Join(cache.Dir, "*"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("cache entries %v %v", entries, err)
	}
	for _, e := range entries {
		if err := os.WriteFile(e, []byte("not gob"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	again, err := Collect(ctx, im, testOptions(cache))
	if err != nil {
		t.Fatal(err)
	}
	if again.Cache.Hits != 0 || again.Cache.Misses != 2 {
		t.Errorf("damaged cache stats %+v, want 2 misses", again.Cache)
	}
	if d := cmp.Diff(pkgLayers(cold), pkgLayers(again)); d != "" {
		t.Errorf("after damaged cache (-cold +again):\n%s", d)
	}
	if _, err := Collect(ctx, &warmImg, testOptions(cache)); err != nil {
		t.Errorf("entries not rewritten after damage: %v", err)
	}
}

func TestCacheKey(t *testing.T) {
	a := cacheKey("sha256:abc", image.Limits{}, "s1")
	for _, other := range []string{
		cacheKey("sha256:abd", image.Limits{}, "s1"),
		cacheKey("sha256:abc", image.Limits{MaxTotalBytes: 1}, "s1"),
		cacheKey("sha256:abc", image.Limits{}, "s2"),
	} {
		if other == a {
			t.Errorf("cache key %s does not change", a)
		}
	}
	if strings.ContainsAny(a, "/:") {
		t.Errorf("cache key %q is not a plain file name", a)
	}
}
