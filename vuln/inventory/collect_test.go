package inventory

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/source/image/imagetest"
)

// TestCollectExecutablesOverLimit: when the executables kept exceed the
// walk limit, Collect walks again without them and says so.
func TestCollectExecutablesOverLimit(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		body string
	}{
		{"usr/local/bin/big", 0o755, "\x7fELF" + strings.Repeat("x", 4096)},
		{"app/node_modules/lodash/package.json", 0o644, `{"name":"lodash","version":"4.17.20"}`},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
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
	ctx := context.Background()
	im, err := image.Open(ctx, "oci:"+dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Collect(ctx, im, Options{Walk: image.WalkOptions{Limits: image.Limits{MaxTotalBytes: 1024}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) != 1 || inv.Packages[0].Name != "lodash" {
		t.Errorf("packages %+v", inv.Packages)
	}
	if !slices.ContainsFunc(inv.Problems, func(s string) bool { return strings.Contains(s, "executables exceed") }) {
		t.Errorf("problems %q", inv.Problems)
	}
}

// TestCollectImageKeptBytesBounded: the walk limit bounds what one layer
// keeps; what all layers keep together (package databases are kept until
// the merge) is bounded too, at twice the layer limit unless
// Options.MaxKeptBytes says otherwise, so a many-layer bomb of database
// files is an error and not an out-of-memory crash.
func TestCollectImageKeptBytesBounded(t *testing.T) {
	body := "Package: x\nVersion: 1\n" + strings.Repeat("#", 200<<10)
	var layers []v1.Layer
	for i := range 6 {
		layers = append(layers, imagetest.Layer(t, imagetest.Entry{Name: fmt.Sprintf("var/lib/dpkg/status.d/p%d", i), Body: body}))
	}
	img := openLayout(t, nil, layers...)
	ctx := context.Background()
	lim := image.Limits{MaxTotalBytes: 256 << 10} // each layer fits; six do not fit in twice that
	_, err := Collect(ctx, img, Options{Walk: image.WalkOptions{Limits: lim}})
	if !errors.Is(err, image.ErrLimit) {
		t.Errorf("six layers of 200 KiB databases, limit 2 x 256 KiB: err = %v, want ErrLimit", err)
	}
	if _, err := Collect(ctx, img, Options{Walk: image.WalkOptions{Limits: lim}, MaxKeptBytes: 2 << 20}); err != nil {
		t.Errorf("with MaxKeptBytes 2 MiB: %v", err)
	}
	if _, err := Collect(ctx, openLayout(t, nil, layers[:2]...), Options{Walk: image.WalkOptions{Limits: lim}}); err != nil {
		t.Errorf("two layers within the bound: %v", err)
	}
}

// TestCollectCachedProblemNamesItsLayer: a problem of a cached layer names
// the layer's index in the image scanned now, not in the image that
// filled the cache (the same layer sits at another index there).
func TestCollectCachedProblemNamesItsLayer(t *testing.T) {
	big := imagetest.Layer(t, imagetest.Entry{Name: "usr/local/bin/big", Mode: 0o755, Body: "\x7fELF" + strings.Repeat("x", 4096)})
	other := imagetest.Layer(t, imagetest.Entry{Name: "etc/motd", Body: "hi"})
	cache := DirCache{Dir: t.TempDir()}
	opts := Options{Walk: image.WalkOptions{Limits: image.Limits{MaxTotalBytes: 1024}}, Cache: cache}
	ctx := context.Background()
	for _, tt := range []struct {
		img  *image.Image
		want string
	}{
		{openLayout(t, nil, big), "layer 0: executables exceed"},        // fills the cache
		{openLayout(t, nil, other, big), "layer 1: executables exceed"}, // reads it
	} {
		inv, err := Collect(ctx, tt.img, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(inv.Problems, func(s string) bool { return strings.HasPrefix(s, tt.want) }) {
			t.Errorf("problems %q, want one starting %q (cache %+v)", inv.Problems, tt.want, inv.Cache)
		}
	}
}

// TestAttributeOSManyRewrittenDatabases: attribution looks up each older
// version of a database in time linear in what the layers removed, so
// an image rewriting thousands of status.d files in every layer (a
// hostile image, or a distroless image rebuilt layer on layer) is read in
// well under a second, and every package goes to the layer that first
// wrote it at its version.
func TestAttributeOSManyRewrittenDatabases(t *testing.T) {
	const files, layers = 4000, 20
	var results []*image.LayerResult
	for l := range layers {
		r := &image.LayerResult{Index: l, Files: map[string]*image.File{}}
		for i := range files {
			p := fmt.Sprintf("var/lib/dpkg/status.d/p%d", i)
			body := fmt.Sprintf("Package: p%d\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n", i)
			if l >= layers-2 && i%2 == 0 {
				body = strings.Replace(body, "1.0", "2.0", 1) // upgraded in the top two layers
			}
			r.Files[p] = &image.File{Path: p, Size: int64(len(body)), Content: []byte(body)}
		}
		results = append(results, r)
	}
	start := time.Now()
	inv, err := FromFS(image.Merge(results), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second && !raceEnabled {
		t.Errorf("FromFS took %v for %d databases rewritten in %d layers", d, files, layers)
	}
	if len(inv.Packages) != files {
		t.Fatalf("%d packages, want %d", len(inv.Packages), files)
	}
	for _, p := range inv.Packages {
		want := 0
		if p.Version == "2.0" {
			want = layers - 2
		}
		if p.Layer.Index != want {
			t.Fatalf("%s %s attributed to layer %d, want %d", p.Name, p.Version, p.Layer.Index, want)
		}
	}
}

// TestCollectJarsOverLimit: a layer whose Java archives alone exceed the
// walk limit (a Kafka or Spark image's hundreds of MiB of jars) still
// yields its other packages, with a problem naming what was not read,
// instead of failing the scan.
func TestCollectJarsOverLimit(t *testing.T) {
	l := imagetest.Layer(t,
		imagetest.Entry{Name: "usr/share/java/a.jar", Body: strings.Repeat("j", 700)},
		imagetest.Entry{Name: "usr/share/java/b.jar", Body: strings.Repeat("j", 700)},
		imagetest.Entry{Name: "app/node_modules/lodash/package.json", Body: `{"name":"lodash","version":"4.17.20"}`},
	)
	cache := DirCache{Dir: t.TempDir()}
	for _, run := range []string{"cold", "warm"} {
		inv, err := Collect(context.Background(), openLayout(t, nil, l), Options{Walk: image.WalkOptions{Limits: image.Limits{MaxTotalBytes: 1024}}, Cache: cache})
		if err != nil {
			t.Fatalf("%s: %v", run, err)
		}
		if len(inv.Packages) != 1 || inv.Packages[0].Name != "lodash" {
			t.Errorf("%s: packages %+v", run, inv.Packages)
		}
		if !slices.ContainsFunc(inv.Problems, func(s string) bool { return strings.HasPrefix(s, "layer 0: Java archives exceed") }) {
			t.Errorf("%s: problems %q", run, inv.Problems)
		}
	}
}
