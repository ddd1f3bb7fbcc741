package inventory

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"github.com/bulwark-sec/bulwark/source/image/imagetest"
	"math/rand/v2"
	"os"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// benchLayers builds a base layer like a distribution's (a real Debian
// status file and 20,000 files of text, 40 MB) and an application layer
// (2,000 npm packages), or takes the base from the debootstrap root file
// system tarball that BULWARK_DEBIAN_ROOTFS names.
func benchLayers(b *testing.B) (base, app v1.Layer) {
	b.Helper()
	if p := os.Getenv("BULWARK_DEBIAN_ROOTFS"); p != "" {
		l, err := tarball.LayerFromFile(p)
		if err != nil {
			b.Fatal(err)
		}
		base = l
	} else {
		status, err := os.ReadFile("../../../shared/corpus/vuln/pkgdb/dpkg/bookworm-sample/var/lib/dpkg/status")
		if err != nil {
			b.Skip("corpus not found:", err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		text := make([]byte, 2048)
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		write := func(name string, body []byte) {
			if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
				b.Fatal(err)
			}
			if _, err := tw.Write(body); err != nil {
				b.Fatal(err)
			}
		}
		write("etc/os-release", []byte("ID=debian\nVERSION_ID=\"12\"\n"))
		write("var/lib/dpkg/status", status)
		for i := range 20_000 {
			for j := range text {
				text[j] = byte('a' + rng.IntN(26))
			}
			write(fmt.Sprintf("usr/share/base/%03d/file%d.txt", i%500, i), text)
		}
		if err := tw.Close(); err != nil {
			b.Fatal(err)
		}
		base = imagetest.BytesLayer(b, buf.Bytes())
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := range 2_000 {
		body := fmt.Appendf(nil, `{"name":"pkg%d","version":"1.%d.0"}`, i, i)
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("app/node_modules/pkg%d/package.json", i), Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			b.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			b.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	return base, imagetest.BytesLayer(b, buf.Bytes())
}

// BenchmarkCollect scans the same two-layer image (written as an OCI
// layout, so each scan decompresses its layers) cold (no cache), warm
// (both layers cached) and with a rebuilt application layer (the base
// cached, the application layer new: the seed's "scan the base daily, the
// application layer during the build").
//
//	go test -run '^$' -bench Collect -benchtime 5x ./vuln/inventory/
func BenchmarkCollect(b *testing.B) {
	base, app := benchLayers(b)
	im := openLayout(b, nil, base, app)
	ctx := context.Background()
	opts := func(c Cache) Options {
		o := testOptions(c)
		o.CacheSalt = "bench"
		return o
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Collect(ctx, im, opts(nil)); err != nil {
				b.Fatal(err)
			}
		}
	})
	cache := DirCache{Dir: b.TempDir()}
	if _, err := Collect(ctx, im, opts(cache)); err != nil {
		b.Fatal(err)
	}
	b.Run("warm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			inv, err := Collect(ctx, im, opts(cache))
			if err != nil || inv.Cache.Hits != 2 {
				b.Fatal(err, inv.Cache)
			}
		}
	})
	b.Run("new-app-layer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			fresh := DirCache{Dir: b.TempDir()}
			if _, err := Collect(ctx, openLayout(b, nil, base), opts(fresh)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			inv, err := Collect(ctx, im, opts(fresh))
			if err != nil || inv.Cache.Hits != 1 {
				b.Fatal(err, inv.Cache)
			}
		}
	})
}
