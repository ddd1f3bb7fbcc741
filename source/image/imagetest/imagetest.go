// Package imagetest builds container images for tests: layers from tar
// entries or from a folder, images from layers with their history lines,
// written as OCI layouts. Every function fails the test on error.
package imagetest

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Entry is one tar entry of a layer.
type Entry struct {
	Name string
	// Body is a regular file's content.
	Body string
	// Link is a link's target.
	Link string
	// Mode defaults to 0o644 for files and 0o755 for directories.
	Mode int64
	// Type is tar.TypeReg when zero.
	Type byte
}

// File is a regular file entry (mode 0: 0o644).
func File(name, body string, mode int64) Entry { return Entry{Name: name, Body: body, Mode: mode} }

// Symlink is a symbolic link entry.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Link: target, Type: tar.TypeSymlink}
}

// Whiteout deletes path from the layers below (".wh.NAME").
func Whiteout(path string) Entry {
	dir, base := filepath.Split(path)
	return Entry{Name: dir + ".wh." + base}
}

// Tar returns the entries as an uncompressed tar.
func Tar(t testing.TB, entries ...Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Link, Mode: e.Mode, ModTime: time.Unix(0, 0)}
		switch h.Typeflag {
		case 0, tar.TypeReg:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.Body))
			if h.Mode == 0 {
				h.Mode = 0o644
			}
		case tar.TypeDir:
			if h.Mode == 0 {
				h.Mode = 0o755
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.WriteString(tw, e.Body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Layer is a layer of the entries.
func Layer(t testing.TB, entries ...Entry) v1.Layer {
	t.Helper()
	return BytesLayer(t, Tar(t, entries...))
}

// BytesLayer is a layer of an uncompressed tar.
func BytesLayer(t testing.TB, data []byte) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// DirLayer is a layer of the regular files under root, at their paths
// relative to root.
func DirLayer(t testing.TB, root string) v1.Layer {
	t.Helper()
	var entries []Entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		entries = append(entries, File(filepath.ToSlash(rel), string(b), 0))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return Layer(t, entries...)
}

// Step is a layer and the history line that made it.
type Step struct {
	Layer     v1.Layer
	CreatedBy string
}

// Image stacks the layers, bottom first, with their history.
func Image(t testing.TB, steps ...Step) v1.Image {
	t.Helper()
	img := empty.Image
	for _, s := range steps {
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: s.Layer, MediaType: types.DockerLayer, History: v1.History{CreatedBy: s.CreatedBy}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// WithConfig returns img with its config changed by edit.
func WithConfig(t testing.TB, img v1.Image, edit func(*v1.ConfigFile)) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	edit(cf)
	out, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Layout writes img as an OCI layout in a new temporary folder and
// returns the folder.
func Layout(t testing.TB, img v1.Image) string {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return dir
}
