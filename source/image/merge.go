package image

import (
	"io/fs"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Why a wanted file written by a layer is absent from the final view.
const (
	// RemovedWhiteout: a later layer's ".wh.NAME" deleted the file or a parent.
	RemovedWhiteout = "whiteout"
	// RemovedOpaque: a later layer made a parent directory opaque.
	RemovedOpaque = "opaque"
	// RemovedOverwritten: a later layer wrote a file or link at the same path.
	RemovedOverwritten = "overwritten"
)

// LayerFile is a wanted file together with the layer that wrote it.
type LayerFile struct {
	*File
	LayerIndex int
	DiffID     v1.Hash
}

// RemovedFile is a wanted file that a later layer hid. Its content is still
// in the image (secrets in deleted files matter).
type RemovedFile struct {
	LayerFile
	// By is the index of the layer that hid it.
	By int
	// Reason is one of the Removed* constants.
	Reason string
}

// LayerLink is a link together with the layer that wrote it.
type LayerLink struct {
	Link
	LayerIndex int
}

// LayerNoted is a noted entry together with the layer that wrote it.
type LayerNoted struct {
	Mode       fs.FileMode
	LayerIndex int
}

// FS is the merged view of an image's wanted files.
type FS struct {
	// Noted are the noted entries (Selection.Note) visible in the final
	// image, by path.
	Noted map[string]LayerNoted
	// Secrets are the secrets of every layer, bottom first; RemovedBy says
	// which later layer hid the file (-1: visible in the final image).
	Secrets []Secret
	// live indexes Secrets still visible by path, while merging.
	live map[string][]int
	// Files are the wanted files visible in the final image, by path.
	Files map[string]LayerFile
	// Links are the links visible in the final image, by path.
	Links map[string]LayerLink
	// Removed are wanted files written by a layer and hidden by a later one,
	// in layer order.
	Removed []RemovedFile
}

// Merge replays layer results bottom-up (results must be ordered by layer):
// a layer's opaque directories and whiteouts delete lower content, then its
// own files and links are laid on top.
func Merge(results []*LayerResult) *FS {
	fsys := &FS{Files: map[string]LayerFile{}, Links: map[string]LayerLink{}, Noted: map[string]LayerNoted{}, live: map[string][]int{}}
	for _, r := range results {
		if r == nil {
			continue
		}
		fsys.deleteBelow(r)
		fsys.hideBelow(r)
		// A scanned file replaces what lower layers had there; the layer's
		// own kept files and links are laid on top next.
		for _, p := range r.Scanned {
			fsys.remove(p, r.Index, RemovedOverwritten)
		}
		for p, l := range r.Links {
			fsys.remove(p, r.Index, RemovedOverwritten)
			fsys.Links[p] = LayerLink{Link: l, LayerIndex: r.Index}
		}
		for p, f := range r.Files {
			fsys.remove(p, r.Index, RemovedOverwritten)
			fsys.Files[p] = LayerFile{File: f, LayerIndex: r.Index, DiffID: r.DiffID}
		}
		for p, m := range r.Noted {
			fsys.Noted[p] = LayerNoted{Mode: m, LayerIndex: r.Index}
		}
		for _, sec := range r.Secrets {
			sec.Layer, sec.RemovedBy = r.Index, -1
			fsys.live[sec.Path] = append(fsys.live[sec.Path], len(fsys.Secrets))
			fsys.Secrets = append(fsys.Secrets, sec)
		}
	}
	fsys.live = nil
	sort.SliceStable(fsys.Removed, func(a, b int) bool {
		x, y := fsys.Removed[a], fsys.Removed[b]
		if x.By != y.By {
			return x.By < y.By
		}
		return x.Path < y.Path
	})
	return fsys
}

// hideBelow applies what layer r's entries do to lower content of another
// type (overlay semantics, as mutate.Extract flattens): a non-directory
// (link, file, device) laid over a directory hides what the directory
// held; a directory or an unkept file laid over a lower file or link
// (kept, noted or scanned) replaces it.
func (fsys *FS) hideBelow(r *LayerResult) {
	for _, p := range r.Dirs {
		// Whatever sat exactly at p (a kept, noted or scanned file, a
		// link) is replaced; a lower directory there holds none of them.
		fsys.remove(p, r.Index, RemovedOverwritten)
	}
	plain := make(map[string]bool, len(r.Plain))
	for _, p := range r.Plain {
		plain[p] = true
		fsys.remove(p, r.Index, RemovedOverwritten)
	}
	if len(r.Links)+len(r.Files)+len(plain) == 0 {
		return
	}
	covered := func(p string) bool {
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			if _, ok := r.Links[d]; ok {
				return true
			}
			if _, ok := r.Files[d]; ok {
				return true
			}
			if plain[d] {
				return true
			}
		}
		return false
	}
	for p := range fsys.Files {
		if covered(p) {
			fsys.remove(p, r.Index, RemovedOverwritten)
		}
	}
	for p := range fsys.Links {
		if covered(p) {
			fsys.remove(p, r.Index, RemovedOverwritten)
		}
	}
	for p := range fsys.Noted {
		if covered(p) {
			delete(fsys.Noted, p)
		}
	}
	for p := range fsys.live {
		if covered(p) {
			fsys.remove(p, r.Index, RemovedOverwritten)
		}
	}
}

// remove drops whatever sits exactly at p.
func (fsys *FS) remove(p string, by int, reason string) {
	if f, ok := fsys.Files[p]; ok {
		fsys.Removed = append(fsys.Removed, RemovedFile{LayerFile: f, By: by, Reason: reason})
		delete(fsys.Files, p)
	}
	delete(fsys.Links, p)
	delete(fsys.Noted, p)
	for _, i := range fsys.live[p] {
		fsys.Secrets[i].RemovedBy = by
	}
	delete(fsys.live, p)
}

// deleteBelow applies layer r's opaque directories (everything below
// them) and whiteouts (the path and everything below it) to what lower
// layers left, in one pass over it whatever the number of whiteouts: a
// path's ancestors are looked up in the layer's sets. An opaque directory
// is the reason when both apply. "" is the root.
func (fsys *FS) deleteBelow(r *LayerResult) {
	if len(r.OpaqueDirs)+len(r.Whiteouts) == 0 {
		return
	}
	opaque := make(map[string]bool, len(r.OpaqueDirs))
	for _, d := range r.OpaqueDirs {
		opaque[d] = true
	}
	whiteout := make(map[string]bool, len(r.Whiteouts))
	for _, w := range r.Whiteouts {
		whiteout[w] = true
	}
	reason := func(p string) string {
		switch {
		case ancestor(p, opaque):
			return RemovedOpaque
		case whiteout[p], ancestor(p, whiteout):
			return RemovedWhiteout
		}
		return ""
	}
	hidden := map[string]string{}
	for p := range fsys.Files {
		if why := reason(p); why != "" {
			hidden[p] = why
		}
	}
	for p := range fsys.live {
		if why := reason(p); why != "" {
			hidden[p] = why
		}
	}
	for p, why := range hidden {
		fsys.remove(p, r.Index, why)
	}
	for p := range fsys.Links {
		if reason(p) != "" {
			delete(fsys.Links, p)
		}
	}
	for p := range fsys.Noted {
		if reason(p) != "" {
			delete(fsys.Noted, p)
		}
	}
}

// ancestor reports whether a directory above p (the root "" included)
// is in set.
func ancestor(p string, set map[string]bool) bool {
	for p != "" {
		if p = path.Dir(p); p == "." {
			p = ""
		}
		if set[p] {
			return true
		}
	}
	return false
}

// maxLinkHops bounds symlink resolution (Linux allows 40).
const maxLinkHops = 40

// Resolve follows symbolic and hard links in the merged view, confined to
// the image root, and returns the file p finally names.
func (fsys *FS) Resolve(p string) (LayerFile, bool) {
	p, ok := NormalizePath(p)
	if !ok {
		return LayerFile{}, false
	}
	for range maxLinkHops {
		if f, ok := fsys.Files[p]; ok {
			return f, true
		}
		next, ok := fsys.step(p)
		if !ok {
			return LayerFile{}, false
		}
		p = next
	}
	return LayerFile{}, false
}

// step resolves one link: at p itself or at its deepest linked parent.
func (fsys *FS) step(p string) (string, bool) {
	for cur := p; cur != "" && cur != "."; cur = path.Dir(cur) {
		l, ok := fsys.Links[cur]
		if !ok {
			continue
		}
		rest := strings.TrimPrefix(p[len(cur):], "/")
		var target string
		switch {
		case l.Hard, strings.HasPrefix(l.Target, "/"):
			target = l.Target
		default:
			target = path.Join(path.Dir(cur), l.Target)
		}
		// Climbing above the root stays at the root, as in a chroot.
		target = path.Clean("/" + target)
		return strings.TrimPrefix(path.Join(target, rest), "/"), true
	}
	return "", false
}
