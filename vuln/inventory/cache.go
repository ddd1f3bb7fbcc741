package inventory

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// AnalyzerVersion names the per-layer analysis. It is part of every cache
// key: a change to what a layer's analysis keeps or how it parses bumps
// it, so results of an older Bulwark are never reused.
const AnalyzerVersion = "layer-analysis/3"

// Cache stores per-layer analysis results by key. Get reports a miss as
// (nil, false, nil); an error means the cache could not be read. Put may
// be called from several goroutines at once.
type Cache interface {
	Get(key string) ([]byte, bool, error)
	Put(key string, data []byte) error
}

// DirCache is a Cache of files in a directory, one per key, written
// atomically (a temporary file renamed into place), so concurrent scans
// and interrupted writes never leave a partial entry.
type DirCache struct {
	Dir string
}

// DefaultCacheDir returns the layer cache directory under the user cache
// directory ($XDG_CACHE_HOME/bulwark/layers on Linux).
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the user cache directory: %w", err)
	}
	return filepath.Join(dir, "bulwark", "layers"), nil
}

func (c DirCache) path(key string) string { return filepath.Join(c.Dir, key) }

// Get implements Cache.
func (c DirCache) Get(key string) ([]byte, bool, error) {
	b, err := os.ReadFile(c.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading layer cache: %w", err)
	}
	return b, true, nil
}

// Put implements Cache.
func (c DirCache) Put(key string, data []byte) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("creating layer cache: %w", err)
	}
	f, err := os.CreateTemp(c.Dir, key+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing layer cache: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing layer cache: %w", errors.Join(werr, cerr))
	}
	if err := os.Rename(f.Name(), c.path(key)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing layer cache: %w", err)
	}
	return nil
}

// cacheKey names the analysis of one layer: its diff ID, the analyser
// version, the walk limits and the caller's salt (what its note and scan
// functions look for).
func cacheKey(diffID string, lim image.Limits, salt string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d/%d/%d/%d\x00%s", AnalyzerVersion, diffID, lim.MaxEntries, lim.MaxFileBytes, lim.MaxTotalBytes, lim.MaxScanBytes, salt)
	return strings.ReplaceAll(diffID, ":", "-") + "-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// cachedFile is a kept file of an analysed layer.
type cachedFile struct {
	Path      string
	Mode      fs.FileMode
	Size      int64
	Content   []byte
	Truncated bool
	Parsed    *parsedFile
}

// cachedLayer is the gob form of an analysed layer.
type cachedLayer struct {
	Version    string
	DiffID     string
	Entries    int
	Files      []cachedFile
	Links      map[string]image.Link
	Whiteouts  []string
	OpaqueDirs []string
	Rejected   []string
	Noted      map[string]fs.FileMode
	Scanned    []string
	Secrets    []image.Secret
	Dirs       []string
	Plain      []string
	// ExecutablesSkipped: the layer's executables exceeded the walk
	// limit and were not read.
	ExecutablesSkipped bool
	// JarsSkipped: its Java archives did too.
	JarsSkipped bool
}

// parsedFile is what the analysis read from a file whose content it does
// not keep: a language package manifest, a Java archive or an executable.
type parsedFile struct {
	Packages []pkgdb.Package
	// Problem is a non-fatal issue met reading the file.
	Problem string
}

func encodeLayer(a *analysed) ([]byte, error) {
	r := a.res
	c := cachedLayer{
		Version: AnalyzerVersion, DiffID: r.DiffID.String(), Entries: r.Entries,
		Links: r.Links, Whiteouts: r.Whiteouts, OpaqueDirs: r.OpaqueDirs, Rejected: r.Rejected,
		Noted: r.Noted, Scanned: r.Scanned, Secrets: r.Secrets, Dirs: r.Dirs, Plain: r.Plain,
		ExecutablesSkipped: a.execSkipped, JarsSkipped: a.jarsSkipped,
	}
	for _, f := range r.Files {
		cf := cachedFile{Path: f.Path, Mode: f.Mode, Size: f.Size, Content: f.Content, Truncated: f.Truncated}
		if pf, ok := f.Data.(*parsedFile); ok {
			cf.Parsed = pf
		}
		c.Files = append(c.Files, cf)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&c); err != nil {
		return nil, fmt.Errorf("encoding layer analysis: %w", err)
	}
	return buf.Bytes(), nil
}

func decodeLayer(b []byte, l image.Layer) (*analysed, error) {
	var c cachedLayer
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&c); err != nil {
		return nil, fmt.Errorf("decoding cached layer analysis: %w", err)
	}
	if c.Version != AnalyzerVersion || c.DiffID != l.DiffID.String() {
		return nil, fmt.Errorf("cached layer analysis is for %s %s", c.Version, c.DiffID)
	}
	r := &image.LayerResult{
		Index: l.Index, DiffID: l.DiffID, Entries: c.Entries,
		Files: make(map[string]*image.File, len(c.Files)), Links: c.Links,
		Whiteouts: c.Whiteouts, OpaqueDirs: c.OpaqueDirs, Rejected: c.Rejected,
		Noted: c.Noted, Scanned: c.Scanned, Secrets: c.Secrets, Dirs: c.Dirs, Plain: c.Plain,
	}
	if r.Links == nil {
		r.Links = map[string]image.Link{}
	}
	if r.Noted == nil {
		r.Noted = map[string]fs.FileMode{}
	}
	for _, cf := range c.Files {
		f := &image.File{Path: cf.Path, Mode: cf.Mode, Size: cf.Size, Content: cf.Content, Truncated: cf.Truncated}
		if cf.Parsed != nil {
			f.Data = cf.Parsed
		}
		r.Files[cf.Path] = f
	}
	for i := range r.Secrets {
		r.Secrets[i].Layer = l.Index
	}
	return &analysed{res: r, execSkipped: c.ExecutablesSkipped, jarsSkipped: c.JarsSkipped, cached: true}, nil
}
