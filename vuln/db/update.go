package db

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/vuln/fetch"
)

// DefaultSource is OSV's public bucket; <source>/<Ecosystem>/all.zip is one
// ecosystem's archive.
const DefaultSource = "https://osv-vulnerabilities.storage.googleapis.com"

// defaultEcosystems are the OSV ecosystem folders whose packages Bulwark
// reads and orders: the distributions vuln/pkgdb/osrelease names (Red Hat
// and SUSE are left out: their OSV ecosystems are per repository or
// product, which Bulwark cannot name yet) and the language ecosystems of
// vuln/pkgdb/lang and vuln/version. Read-only.
var defaultEcosystems = []string{
	"Alpine", "AlmaLinux", "Chainguard", "Debian", "Rocky Linux", "Ubuntu", "Wolfi",
	"crates.io", "Go", "Maven", "npm", "Packagist", "PyPI", "RubyGems",
}

// DefaultEcosystems returns the ecosystems Update downloads by default.
func DefaultEcosystems() []string { return slices.Clone(defaultEcosystems) }

// ArchiveName is the file name of an ecosystem's archive under a source.
const ArchiveName = "all.zip"

// UpdateOptions tunes Update.
type UpdateOptions struct {
	// Sources are base URLs, tried in order for each archive (mirrors);
	// empty means DefaultSource.
	Sources []string
	// Ecosystems are the OSV ecosystem folders to download; empty means
	// DefaultEcosystems. Every one must be found on some source.
	Ecosystems []string
	// ArchiveDir keeps the downloaded archives and their validators so an
	// unchanged archive is not downloaded again; empty means
	// "osv-archives" beside the database.
	ArchiveDir string
	// Checksums maps "<Ecosystem>/all.zip" to its SHA-256 (hex), from a
	// manifest (ParseChecksums). When set, every archive must be listed
	// and match.
	Checksums map[string]string
	// RequireChecksum refuses an archive that no checksum verified.
	RequireChecksum bool
	// Force downloads every archive unconditionally and rebuilds.
	Force bool
	// Client downloads; nil means a zero fetch.Client.
	Client *fetch.Client
	// Import tunes the import of the archives (progress, clock).
	Import ImportOptions
}

// ArchiveResult is what Update did with one ecosystem's archive.
type ArchiveResult struct {
	Ecosystem string
	// Path is the kept archive.
	Path   string
	Origin Origin
	// NotModified is set when the source confirmed the kept copy current.
	NotModified bool
	// Size is the archive's size in bytes.
	Size int64
}

// UpdateResult is the outcome of Update.
type UpdateResult struct {
	Status   Status
	Archives []ArchiveResult
	// Rebuilt is false when every archive was unchanged and the database
	// already held exactly them: it was left as it was.
	Rebuilt bool
}

// MissingError reports ecosystems whose archive no source has (every
// source answered 404 or 410). It wraps fetch.ErrNotFound.
type MissingError struct {
	Ecosystems []string
	Sources    []string
}

func (e *MissingError) Error() string {
	q := make([]string, len(e.Ecosystems))
	for i, eco := range e.Ecosystems {
		q[i] = strconv.Quote(eco)
	}
	what := "ecosystem"
	if len(q) > 1 {
		what = "ecosystems"
	}
	return fmt.Sprintf("no OSV archive for %s %s at %s (looked for <source>/<Ecosystem>/%s)", what, strings.Join(q, ", "), strings.Join(e.Sources, ", "), ArchiveName)
}

// Unwrap returns fetch.ErrNotFound.
func (e *MissingError) Unwrap() error { return fetch.ErrNotFound }

// ValidEcosystem checks that name can be an OSV ecosystem folder: not
// empty, no path separators, "..", or control characters.
func ValidEcosystem(name string) error {
	if name == "" || len(name) > 100 || name == "." || name == ".." || strings.ContainsAny(name, "/\\") {
		return fmt.Errorf("%q is not an OSV ecosystem name", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q is not an OSV ecosystem name", name)
		}
	}
	return nil
}

// ValidSource checks that a source is an absolute http or https URL.
func ValidSource(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("source %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("source %q: want an http:// or https:// URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("source %q: a base URL takes no query or fragment", s)
	}
	return nil
}

// ArchiveURL returns the URL of an ecosystem's archive under a source:
// <source>/<Ecosystem, path-escaped>/all.zip.
func ArchiveURL(source, ecosystem string) string {
	return strings.TrimRight(source, "/") + "/" + url.PathEscape(ecosystem) + "/" + ArchiveName
}

// Update downloads the ecosystems' archives and rebuilds the database at
// dst from them with Import. Archives are kept in ArchiveDir with their
// validators; an archive the source reports unchanged (304) is not
// downloaded again, and when the database was built from exactly these
// archives (same ecosystems and SHA-256) it is not rebuilt. Any failure (an archive
// missing from every source, a checksum mismatch, a network error after the
// retries, an archive that is not a zip, a failed import, a cancelled ctx)
// returns an error and leaves the database at dst as it was.
func Update(ctx context.Context, dst string, opts UpdateOptions) (UpdateResult, error) {
	sources := opts.Sources
	if len(sources) == 0 {
		sources = []string{DefaultSource}
	}
	for _, s := range sources {
		if err := ValidSource(s); err != nil {
			return UpdateResult{}, fmt.Errorf("db update: %w", err)
		}
	}
	ecos := opts.Ecosystems
	if len(ecos) == 0 {
		ecos = defaultEcosystems
	}
	var uniq []string
	for _, e := range ecos {
		if err := ValidEcosystem(e); err != nil {
			return UpdateResult{}, fmt.Errorf("db update: %w", err)
		}
		if !slices.Contains(uniq, e) {
			uniq = append(uniq, e)
		}
	}
	dir := opts.ArchiveDir
	if dir == "" {
		dir = filepath.Join(filepath.Dir(dst), "osv-archives")
	}
	client := opts.Client
	if client == nil {
		client = &fetch.Client{}
	}
	now := opts.Import.Now
	if now == nil {
		now = time.Now
	}

	removeStale(filepath.Dir(dst), staleAfter, ".osv-build-*.db", ".osv-compact-*.db")
	for _, eco := range uniq {
		removeStale(filepath.Join(dir, eco), staleAfter, "."+ArchiveName+"*.part-*", ArchiveName+".new")
	}

	var res UpdateResult
	// An ecosystem missing from every source does not stop the others'
	// downloads, so one error names every missing ecosystem.
	var missing []string
	for _, eco := range uniq {
		ar, err := fetchArchive(ctx, client, dir, eco, sources, opts, now)
		if errors.Is(err, fetch.ErrNotFound) {
			missing = append(missing, eco)
			continue
		}
		if err != nil {
			return UpdateResult{}, fmt.Errorf("db update: %w", err)
		}
		res.Archives = append(res.Archives, ar)
	}
	if len(missing) > 0 {
		return UpdateResult{}, fmt.Errorf("db update: %w", &MissingError{Ecosystems: missing, Sources: sources})
	}

	if !opts.Force {
		if st, ok := holds(dst, res.Archives); ok {
			res.Status = st
			return res, nil
		}
	}
	inputs := make([]string, len(res.Archives))
	iopts := opts.Import
	iopts.Origins = map[string]Origin{}
	for i, ar := range res.Archives {
		inputs[i] = ar.Path
		iopts.Origins[ar.Path] = ar.Origin
	}
	st, err := Import(ctx, dst, inputs, iopts)
	if err != nil {
		return UpdateResult{}, fmt.Errorf("db update: %w", err)
	}
	res.Status, res.Rebuilt = st, true
	return res, nil
}

// holds reports whether the database at dst was built from exactly the
// archives (same ecosystems, same SHA-256), returning its status.
func holds(dst string, archives []ArchiveResult) (Status, bool) {
	d, err := Open(dst)
	if err != nil {
		return Status{}, false
	}
	defer d.Close()
	st, err := d.Status()
	if err != nil || len(st.Sources) != len(archives) {
		return Status{}, false
	}
	have := map[string]string{}
	for _, s := range st.Sources {
		if s.Origin == nil {
			return Status{}, false
		}
		have[s.Origin.Ecosystem] = s.Origin.SHA256
	}
	for _, ar := range archives {
		if have[ar.Ecosystem] != ar.Origin.SHA256 {
			return Status{}, false
		}
	}
	return st, true
}

// fetchArchive brings <dir>/<eco>/all.zip up to date.
func fetchArchive(ctx context.Context, client *fetch.Client, dir, eco string, sources []string, opts UpdateOptions, now func() time.Time) (ArchiveResult, error) {
	edir := filepath.Join(dir, eco)
	path := filepath.Join(edir, ArchiveName)
	metaPath := path + ".json"
	key := eco + "/" + ArchiveName
	want := ""
	if opts.Checksums != nil {
		w, ok := opts.Checksums[key]
		if !ok {
			return ArchiveResult{}, fmt.Errorf("%s is not listed in the checksum manifest", key)
		}
		want = w
	}
	urls := make([]string, len(sources))
	for i, s := range sources {
		urls[i] = ArchiveURL(s, eco)
	}

	// The kept copy is trusted for a conditional request only when its
	// digest is still the one recorded (and the manifest's, when given).
	var kept *Origin
	if !opts.Force {
		if o, err := readOrigin(metaPath); err == nil {
			if sum, err := fileSHA256(path); err == nil && sum == o.SHA256 && (want == "" || strings.EqualFold(want, sum)) && (!opts.RequireChecksum || len(o.Verified) > 0) {
				kept = &o
			}
		}
	}
	// A new archive is fetched beside the kept copy and replaces it only
	// once it is known to be a zip.
	req := fetch.Request{URLs: urls, Dst: path + ".new", SHA256: want, Sidecar: true, RequireChecksum: opts.RequireChecksum}
	defer os.Remove(req.Dst)
	if kept != nil {
		req.ETag, req.LastModified = kept.ETag, kept.LastModified
	}
	r, err := client.Fetch(ctx, req)
	if err != nil {
		if errors.Is(err, fetch.ErrNotFound) {
			return ArchiveResult{}, fmt.Errorf("ecosystem %q: no archive at %s: %w", eco, strings.Join(urls, ", "), fetch.ErrNotFound)
		}
		return ArchiveResult{}, fmt.Errorf("ecosystem %q: %w", eco, err)
	}
	if r.NotModified {
		o := *kept
		o.ETag, o.LastModified, o.FetchedAt = r.ETag, r.LastModified, now().UTC().Truncate(time.Second)
		o.URL = r.URL
		if err := writeOrigin(metaPath, o); err != nil {
			return ArchiveResult{}, err
		}
		fi, _ := os.Stat(path)
		var size int64
		if fi != nil {
			size = fi.Size()
		}
		return ArchiveResult{Ecosystem: eco, Path: path, Origin: o, NotModified: true, Size: size}, nil
	}
	got := req.Dst
	if err := checkZip(got); err != nil {
		return ArchiveResult{}, fmt.Errorf("ecosystem %q: %s: %w", eco, r.URL, err)
	}
	if err := os.Rename(got, path); err != nil {
		return ArchiveResult{}, fmt.Errorf("ecosystem %q: keep archive: %w", eco, err)
	}
	fetch.SyncDir(edir)
	o := Origin{Ecosystem: eco, URL: r.URL, SHA256: r.SHA256, ETag: r.ETag, LastModified: r.LastModified, FetchedAt: now().UTC().Truncate(time.Second), Verified: r.Verified}
	if err := writeOrigin(metaPath, o); err != nil {
		return ArchiveResult{}, err
	}
	return ArchiveResult{Ecosystem: eco, Path: path, Origin: o, Size: r.Size}, nil
}

// staleAfter is the age from which a temporary file of an update or
// import is taken for the leftover of a killed process.
const staleAfter = 24 * time.Hour

// removeStale removes files matching the patterns in dir that were last
// modified more than age ago: what a killed update or import left behind
// (a cancelled one removes its own). Errors are ignored.
func removeStale(dir string, age time.Duration, patterns ...string) {
	for _, p := range patterns {
		matches, _ := filepath.Glob(filepath.Join(dir, p))
		for _, m := range matches {
			if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > age {
				os.Remove(m)
			}
		}
	}
}

// checkZip opens path as a zip archive (its central directory is read, so
// a truncated archive is refused here rather than mid-import).
func checkZip(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("not a zip archive: %w", err)
	}
	return zr.Close()
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func readOrigin(path string) (Origin, error) {
	var o Origin
	data, err := os.ReadFile(path)
	if err != nil {
		return o, err
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return o, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

// writeOrigin writes the archive's metadata atomically.
func writeOrigin(path string, o Origin) error {
	data, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".part-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	fetch.SyncDir(dir)
	return nil
}

// ParseChecksums reads a checksum manifest in the format of sha256sum:
// one "<64 hex digits>  <Ecosystem>/all.zip" line per archive (a "*"
// before the path and a leading "./" are accepted; blank lines and lines
// starting with "#" are skipped). It returns path -> lower-case digest.
func ParseChecksums(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, path, ok := strings.Cut(line, " ")
		path = strings.TrimPrefix(strings.TrimLeft(path, " "), "*")
		path = strings.TrimPrefix(path, "./")
		if _, err := hex.DecodeString(sum); !ok || err != nil || len(sum) != 64 || path == "" {
			return nil, fmt.Errorf("checksum manifest line %d: want \"<sha256>  <Ecosystem>/all.zip\"", n)
		}
		if old, dup := out[path]; dup && !strings.EqualFold(old, sum) {
			return nil, fmt.Errorf("checksum manifest line %d: %s listed twice with different digests", n, path)
		}
		out[path] = strings.ToLower(sum)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("checksum manifest: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("checksum manifest: no entries")
	}
	return out, nil
}
