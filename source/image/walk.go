package image

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"
)

// Whiteout markers of the OCI image spec (and Docker's AUFS heritage).
const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
	whiteoutMeta   = ".wh..wh."
)

// ErrLimit is wrapped by the errors returned when a walk bound is exceeded.
var ErrLimit = errors.New("limit exceeded")

// WantFunc decides whether the content of the regular file at path (clean,
// relative to the image root, no leading slash) should be kept.
type WantFunc func(path string, mode fs.FileMode) bool

// Limits bound what a layer walk reads and keeps. Zero fields take the
// Default* values.
type Limits struct {
	// MaxEntries is the largest number of tar entries read from one layer.
	MaxEntries int
	// MaxFileBytes is the largest content kept for one wanted file; longer
	// files are cut there and marked Truncated.
	MaxFileBytes int64
	// MaxTotalBytes is the largest content kept from one layer in total.
	MaxTotalBytes int64
	// MaxScanBytes is the largest file Selection.Scan is shown; larger
	// files are not scanned.
	MaxScanBytes int64
}

// Default limits.
const (
	DefaultMaxEntries    = 2_000_000
	DefaultMaxFileBytes  = 64 << 20
	DefaultMaxTotalBytes = 512 << 20
	DefaultMaxScanBytes  = 8 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if l.MaxScanBytes <= 0 {
		l.MaxScanBytes = DefaultMaxScanBytes
	}
	return l
}

// File is a wanted regular file found in a layer.
type File struct {
	Path string
	Mode fs.FileMode
	// Size is the size recorded in the tar header.
	Size int64
	// Content holds the file's bytes, at most Limits.MaxFileBytes of them.
	Content []byte
	// Truncated reports that Content holds only a prefix of the file.
	Truncated bool
	// Data is what an analyser derived from the content, for files whose
	// content is not kept once analysed (a cached layer, a large
	// executable); the walk never sets it.
	Data any
}

// Selection says what a walk keeps and notes of each layer. Every field
// may be nil. The functions may be called from several goroutines at once.
type Selection struct {
	// Want selects the regular files whose content is kept.
	Want WantFunc
	// Note selects regular files and links that are recorded by path and
	// mode, without content (setuid files, well-known programs).
	Note WantFunc
	// ScanWants selects the regular files whose content Scan sees as the
	// walk streams it; at most Limits.MaxScanBytes of a file are read and
	// the content is not kept.
	ScanWants func(path string, size int64) bool
	// Scan returns the secrets in the content of the file at path. It must
	// not keep content, which the walk reuses. Layer and RemovedBy of the
	// results are set by the walk and Merge.
	Scan func(path string, content []byte) []Secret
}

// Link is a symbolic or hard link recorded in a layer.
type Link struct {
	// Target is the link target as written in the tar: for symlinks as is
	// (absolute or relative to the link's directory), for hard links
	// normalised like entry paths.
	Target string
	// Hard marks a hard link.
	Hard bool
}

// LayerResult is what a walk keeps of one layer. It depends on that layer
// alone, so it can be cached by diff ID.
type LayerResult struct {
	Index  int
	DiffID v1.Hash
	// Files are the wanted regular files by path.
	Files map[string]*File
	// Links are all symbolic and hard links by path.
	Links map[string]Link
	// Whiteouts are paths deleted from lower layers (".wh.NAME").
	Whiteouts []string
	// OpaqueDirs are directories whose lower-layer content is hidden.
	OpaqueDirs []string
	// Rejected are entry names that climb out of the root ("../x"); they are
	// skipped.
	Rejected []string
	// Entries is the number of tar entries read.
	Entries int
	// Noted are the regular files and links Selection.Note selected, by
	// path, with their modes (fs.ModeSymlink set for symbolic links).
	Noted map[string]fs.FileMode
	// Scanned are the paths whose content Selection.Scan saw, in tar order.
	Scanned []string
	// Secrets are what Selection.Scan found, in tar order.
	Secrets []Secret
	// Dirs are the layer's directory entries, and Plain its other entries
	// not kept as files or links (unwanted regular files, devices, FIFOs):
	// Merge needs them to apply overlay semantics when an entry replaces
	// one of another type in a lower layer.
	Dirs, Plain []string
}

// NormalizePath turns a tar entry name into a clean path relative to the
// image root ("" for the root itself). ok is false for names that climb out
// of the root with "..".
func NormalizePath(name string) (p string, ok bool) {
	name = strings.TrimLeft(name, "/")
	if name == "" {
		return "", true
	}
	p = path.Clean(name)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	if p == "." {
		return "", true
	}
	return p, true
}

// WalkLayer reads one uncompressed layer tar from r and keeps what want asks
// for. When diffID is not zero, the stream's sha256 must match it, which
// catches truncated or altered layers that the tar format alone cannot.
func WalkLayer(ctx context.Context, r io.Reader, diffID v1.Hash, want WantFunc, lim Limits) (*LayerResult, error) {
	return WalkLayerSelection(ctx, r, diffID, Selection{Want: want}, lim)
}

// WalkLayerSelection is WalkLayer with the full selection: files kept,
// entries noted and contents scanned for secrets.
func WalkLayerSelection(ctx context.Context, r io.Reader, diffID v1.Hash, sel Selection, lim Limits) (*LayerResult, error) {
	lim = lim.withDefaults()
	want := sel.Want
	if want == nil {
		want = func(string, fs.FileMode) bool { return false }
	}
	var scanBuf []byte
	var h hash.Hash
	if diffID.Algorithm == "sha256" {
		h = sha256.New()
		r = io.TeeReader(r, h)
	}
	res := &LayerResult{DiffID: diffID, Files: map[string]*File{}, Links: map[string]Link{}, Noted: map[string]fs.FileMode{}}
	tr := tar.NewReader(r)
	var total int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar after %d entries: %w", res.Entries, err)
		}
		res.Entries++
		if res.Entries > lim.MaxEntries {
			return nil, fmt.Errorf("more than %d entries in layer: %w", lim.MaxEntries, ErrLimit)
		}
		if res.Entries%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		p, ok := NormalizePath(hdr.Name)
		if !ok {
			res.Rejected = append(res.Rejected, hdr.Name)
			continue
		}
		if p == "" {
			continue
		}
		dir, base := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		if base == whiteoutOpaque {
			res.OpaqueDirs = append(res.OpaqueDirs, dir)
			continue
		}
		if strings.HasPrefix(base, whiteoutMeta) {
			continue // other AUFS metadata (.wh..wh.plnk, ...)
		}
		if name, ok := strings.CutPrefix(base, whiteoutPrefix); ok {
			res.Whiteouts = append(res.Whiteouts, path.Join(dir, name))
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			res.Dirs = append(res.Dirs, p)
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			res.Plain = append(res.Plain, p)
		case tar.TypeSymlink:
			res.Links[p] = Link{Target: hdr.Linkname}
			if sel.Note != nil && sel.Note(p, fs.ModeSymlink|0o777) {
				res.Noted[p] = fs.ModeSymlink | 0o777
			}
		case tar.TypeLink:
			t, ok := NormalizePath(hdr.Linkname)
			if !ok || t == "" {
				res.Rejected = append(res.Rejected, hdr.Name)
				continue
			}
			res.Links[p] = Link{Target: t, Hard: true}
			if m, ok := res.Noted[t]; ok {
				res.Noted[p] = m
			} else if sel.Note != nil && sel.Note(p, 0) {
				res.Noted[p] = 0
			}
			// A hard link to a file kept earlier in this layer shares its content.
			if f, ok := res.Files[t]; ok && want(p, f.Mode) {
				cp := *f
				cp.Path = p
				res.Files[p] = &cp
			}
		case tar.TypeReg: // the reader turns the old TypeRegA into TypeReg or TypeDir
			mode := hdr.FileInfo().Mode()
			if sel.Note != nil && sel.Note(p, mode) {
				res.Noted[p] = mode
			}
			scan := sel.Scan != nil && sel.ScanWants != nil && hdr.Size <= lim.MaxScanBytes && sel.ScanWants(p, hdr.Size)
			if !want(p, mode) {
				res.Plain = append(res.Plain, p)
				if scan {
					if cap(scanBuf) < int(hdr.Size) {
						scanBuf = make([]byte, hdr.Size)
					}
					buf := scanBuf[:hdr.Size]
					if _, err := io.ReadFull(tr, buf); err != nil {
						return nil, fmt.Errorf("reading %s: %w", p, noEOF(err))
					}
					res.scan(sel, p, buf)
				}
				continue
			}
			n := min(hdr.Size, lim.MaxFileBytes)
			if total+n > lim.MaxTotalBytes {
				return nil, fmt.Errorf("wanted files exceed %d bytes at %s: %w", lim.MaxTotalBytes, p, ErrLimit)
			}
			buf, err := readContent(tr, n)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", p, noEOF(err))
			}
			total += n
			res.Files[p] = &File{Path: p, Mode: mode, Size: hdr.Size, Content: buf, Truncated: n < hdr.Size}
			if scan && n == hdr.Size {
				res.scan(sel, p, buf)
			}
		}
	}
	if h != nil {
		// Drain the end-of-archive padding so the digest covers the whole blob.
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, fmt.Errorf("reading tar trailer: %w", err)
		}
		if got := fmt.Sprintf("%x", h.Sum(nil)); got != diffID.Hex {
			return nil, fmt.Errorf("layer content sha256:%s does not match diff ID %s (truncated or corrupt layer)", got, diffID)
		}
	}
	return res, nil
}

// scan runs the selection's scanner over one file's content.
func (res *LayerResult) scan(sel Selection, p string, content []byte) {
	res.Scanned = append(res.Scanned, p)
	for _, s := range sel.Scan(p, content) {
		s.Path = p
		s.Layer = res.Index
		s.RemovedBy = -1
		res.Secrets = append(res.Secrets, s)
	}
}

// readChunk is the first allocation for a kept file's content; it doubles
// as bytes arrive, so a header claiming more than the stream holds costs
// memory for the bytes really present only.
const readChunk = 1 << 20

// readContent reads exactly n bytes from r.
func readContent(r io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, 0, min(n, readChunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(n-int64(len(buf)), int64(cap(buf)))))
		}
		m, err := r.Read(buf[len(buf):int(min(int64(cap(buf)), n))])
		buf = buf[:len(buf)+m]
		if err == io.EOF && int64(len(buf)) < n {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
	}
	return buf, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// WalkOptions control Image.Walk.
type WalkOptions struct {
	Limits
	// Parallel is the number of layers walked at once; 0 means
	// min(GOMAXPROCS, 4).
	Parallel int
}

// Walk streams every layer of the image once, concurrently up to
// opts.Parallel, and returns one result per layer, bottom first. want may be
// called from several goroutines at once.
func (img *Image) Walk(ctx context.Context, want WantFunc, opts WalkOptions) ([]*LayerResult, error) {
	return img.WalkSelection(ctx, Selection{Want: want}, opts)
}

// WalkSelection is Walk with the full selection.
func (img *Image) WalkSelection(ctx context.Context, sel Selection, opts WalkOptions) ([]*LayerResult, error) {
	n := opts.Parallel
	if n <= 0 {
		n = min(runtime.GOMAXPROCS(0), 4)
	}
	out := make([]*LayerResult, len(img.Layers))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for i, l := range img.Layers {
		g.Go(func() error {
			res, err := WalkOne(gctx, l, sel, opts.Limits)
			if err != nil {
				return err
			}
			out[i] = res
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// WalkOne streams one layer of an image (downloading it when it comes
// from a registry) and keeps what sel selects.
func WalkOne(ctx context.Context, l Layer, sel Selection, lim Limits) (*LayerResult, error) {
	res, err := walkOne(ctx, l, sel, lim)
	if err != nil {
		return nil, fmt.Errorf("layer %d (%s): %w", l.Index, l.DiffID, err)
	}
	return res, nil
}

func walkOne(ctx context.Context, l Layer, sel Selection, lim Limits) (*LayerResult, error) {
	rc, err := l.Layer.Uncompressed()
	if err != nil {
		return nil, fmt.Errorf("opening: %w", err)
	}
	defer rc.Close()
	res, err := WalkLayerSelection(ctx, rc, l.DiffID, sel, lim)
	if err != nil {
		return nil, err
	}
	res.Index = l.Index
	for i := range res.Secrets {
		res.Secrets[i].Layer = l.Index
	}
	return res, nil
}
