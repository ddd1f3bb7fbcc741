package image

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// TestOpenReadsNoLayerBlob: opening an image should read its manifest and
// config only, leaving the layers to the one streaming pass of Walk (which
// checks each stream against the config's diff ID). A layer blob cut short
// on disk shows whether Open already read it.
func TestOpenReadsNoLayerBlob(t *testing.T) {
	img := buildImage(t, step{createdBy: "ADD x /", layer: tarBytes(t, reg("etc/a.conf", strings.Repeat("a", 20000)))})
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	dg, err := ls[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, "blobs", dg.Algorithm, dg.Hex), 40); err != nil {
		t.Fatal(err)
	}
	opened, err := Open(context.Background(), "oci:"+dir, Options{})
	if err != nil {
		t.Fatalf("Open read a layer blob: %v", err)
	}
	if _, err := opened.Walk(context.Background(), wantAll, WalkOptions{}); err == nil || !strings.Contains(err.Error(), "layer 0") {
		t.Fatalf("Walk over the cut blob: err = %v", err)
	}
}
