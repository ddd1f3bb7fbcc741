package db

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/bulwark-sec/bulwark/vuln/osv"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// DefaultMaxRecordSize bounds one OSV record (uncompressed JSON); larger
// entries of a hostile archive are refused rather than read.
const DefaultMaxRecordSize = 64 << 20

// recordsPerTx is how many records one write transaction holds before it
// is committed, bounding the dirty pages kept in memory.
const recordsPerTx = 5000

// maxInvalidSamples is how many invalid records Status names.
const maxInvalidSamples = 5

// ImportOptions tunes Import.
type ImportOptions struct {
	// Progress, when set, is called after every 1000 records and once at
	// the end of each input, from the importing goroutine.
	Progress func(Progress)
	// MaxRecordSize bounds one record; 0 means DefaultMaxRecordSize.
	MaxRecordSize int64
	// Now gives the build time; nil means time.Now.
	Now func() time.Time
	// Origins, keyed by input path, are recorded in the status's sources
	// (db update passes where each archive was downloaded from).
	Origins map[string]Origin
}

// Progress reports how far an import has got.
type Progress struct {
	Input   string // the input being read
	Records int    // records read so far across all inputs
	Done    bool   // the input is finished
}

// Import builds a database at dst from inputs: OSV all.zip archives,
// folders of OSV JSON records (walked recursively, *.json) or single JSON
// files. Withdrawn records are left out; records that are not valid OSV
// JSON are counted and skipped; a record imported twice keeps its newest
// version (by modified time). The database is written to a temporary file
// beside dst, compacted, and renamed over dst only when everything
// succeeded: a failed or cancelled import leaves an existing dst untouched.
func Import(ctx context.Context, dst string, inputs []string, opts ImportOptions) (Status, error) {
	if len(inputs) == 0 {
		return Status{}, errors.New("import: no inputs")
	}
	if opts.MaxRecordSize <= 0 {
		opts.MaxRecordSize = DefaultMaxRecordSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Status{}, fmt.Errorf("import: create %s: %w", dir, err)
	}
	build, err := tempPath(dir, ".osv-build-*.db")
	if err != nil {
		return Status{}, err
	}
	defer os.Remove(build)
	packed, err := tempPath(dir, ".osv-compact-*.db")
	if err != nil {
		return Status{}, err
	}
	defer os.Remove(packed)

	st, err := buildDB(ctx, build, inputs, opts)
	if err != nil {
		return Status{}, err
	}
	if err := compact(build, packed); err != nil {
		return Status{}, err
	}
	if err := os.Chmod(packed, 0o644); err != nil {
		return Status{}, fmt.Errorf("import: %w", err)
	}
	if err := os.Rename(packed, dst); err != nil {
		return Status{}, fmt.Errorf("import: replace %s: %w", dst, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	st.Path = dst
	if fi, err := os.Stat(dst); err == nil {
		st.Size = fi.Size()
	}
	return st, nil
}

func tempPath(dir, pattern string) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", fmt.Errorf("import: temporary file: %w", err)
	}
	name := f.Name()
	f.Close()
	return name, nil
}

// compact copies src into a fresh, densely packed file at dst.
func compact(src, dst string) error {
	s, err := bolt.Open(src, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("import: reopen build: %w", err)
	}
	defer s.Close()
	d, err := bolt.Open(dst, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		return fmt.Errorf("import: create compacted database: %w", err)
	}
	if err := bolt.Compact(d, s, 64<<20); err != nil {
		d.Close()
		return fmt.Errorf("import: compact: %w", err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("import: sync: %w", err)
	}
	if err := d.Close(); err != nil {
		return fmt.Errorf("import: close compacted database: %w", err)
	}
	return nil
}

// recInfo is what the builder remembers of each stored record so that a
// newer copy can replace it.
type recInfo struct {
	modified time.Time
	bases    []string
	pkgKeys  [][]byte // base \xff key, to delete on replacement
	alias    [][]byte
}

type builder struct {
	ctx     context.Context
	opts    ImportOptions
	db      *bolt.DB
	tx      *bolt.Tx
	inTx    int
	seen    map[string]*recInfo
	st      Status
	records int // records read, for progress
	input   string
	buf     bytes.Buffer
	zw      *flate.Writer
}

func buildDB(ctx context.Context, path string, inputs []string, opts ImportOptions) (Status, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true, NoGrowSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return Status{}, fmt.Errorf("import: create %s: %w", path, err)
	}
	zw, _ := flate.NewWriter(nil, flate.BestSpeed)
	bl := &builder{ctx: ctx, opts: opts, db: b, seen: make(map[string]*recInfo), zw: zw}
	err = bl.run(inputs)
	if bl.tx != nil {
		_ = bl.tx.Rollback()
	}
	if cerr := b.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("import: close build: %w", cerr)
	}
	return bl.st, err
}

func (bl *builder) run(inputs []string) error {
	for _, in := range inputs {
		src, err := bl.importInput(in)
		if err != nil {
			return err
		}
		bl.st.Sources = append(bl.st.Sources, src)
	}
	if len(bl.seen) == 0 {
		return fmt.Errorf("import: no OSV records found in %s", strings.Join(inputs, ", "))
	}
	counts := map[string]int{}
	for _, r := range bl.seen {
		for _, b := range r.bases {
			counts[b]++
		}
	}
	for name, n := range counts {
		bl.st.Ecosystems = append(bl.st.Ecosystems, EcosystemCount{Name: name, Records: n})
	}
	sort.Slice(bl.st.Ecosystems, func(i, j int) bool { return bl.st.Ecosystems[i].Name < bl.st.Ecosystems[j].Name })
	bl.st.Records = len(bl.seen)
	bl.st.Schema = SchemaVersion
	bl.st.BuiltAt = bl.opts.Now().UTC().Truncate(time.Second)
	raw, err := json.Marshal(bl.st)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	tx, err := bl.begin()
	if err != nil {
		return err
	}
	m := tx.Bucket(bucketMeta)
	for k, v := range map[string]string{string(keySchema): SchemaVersion, string(keyBuiltAt): bl.st.BuiltAt.Format(time.RFC3339), string(keyStatus): string(raw)} {
		if err := m.Put([]byte(k), []byte(v)); err != nil {
			return fmt.Errorf("import: write meta: %w", err)
		}
	}
	return bl.commit()
}

func (bl *builder) begin() (*bolt.Tx, error) {
	if bl.tx != nil {
		return bl.tx, nil
	}
	tx, err := bl.db.Begin(true)
	if err != nil {
		return nil, fmt.Errorf("import: begin: %w", err)
	}
	for _, name := range [][]byte{bucketMeta, bucketVuln, bucketPkg, bucketAlias} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("import: bucket %s: %w", name, err)
		}
	}
	bl.tx, bl.inTx = tx, 0
	return tx, nil
}

func (bl *builder) commit() error {
	if bl.tx == nil {
		return nil
	}
	err := bl.tx.Commit()
	bl.tx = nil
	if err != nil {
		return fmt.Errorf("import: commit: %w", err)
	}
	return nil
}

// importInput reads one input: a directory, a JSON file or a zip archive.
func (bl *builder) importInput(in string) (Source, error) {
	fi, err := os.Stat(in)
	if err != nil {
		return Source{}, fmt.Errorf("import %s: %w", in, err)
	}
	bl.input = in
	before := bl.records
	src := Source{Path: in, Size: fi.Size()}
	switch {
	case fi.IsDir():
		src.Kind, src.Size = "dir", 0
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() || !strings.HasSuffix(strings.ToLower(p), ".json") {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return bl.record(p, f)
		})
	case strings.HasSuffix(strings.ToLower(in), ".json"):
		src.Kind = "file"
		var f *os.File
		if f, err = os.Open(in); err == nil {
			err = bl.record(in, f)
			f.Close()
		}
	default:
		src.Kind = "zip"
		err = bl.importZip(in, fi.Size())
	}
	if err != nil {
		return Source{}, fmt.Errorf("import %s: %w", in, err)
	}
	src.Records = bl.records - before
	if o, ok := bl.opts.Origins[in]; ok {
		src.Origin = &o
	}
	if bl.opts.Progress != nil {
		bl.opts.Progress(Progress{Input: in, Records: bl.records, Done: true})
	}
	return src, nil
}

func (bl *builder) importZip(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return fmt.Errorf("read zip: %w", err)
	}
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !strings.HasSuffix(strings.ToLower(zf.Name), ".json") {
			continue
		}
		if zf.UncompressedSize64 > uint64(bl.opts.MaxRecordSize) {
			return fmt.Errorf("%s: %d bytes, more than the %d-byte limit for one record", zf.Name, zf.UncompressedSize64, bl.opts.MaxRecordSize)
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("%s: %w", zf.Name, err)
		}
		err = bl.record(zf.Name, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// record reads, decodes and stores one record. Read errors abort the
// import; decode errors count the record as invalid.
func (bl *builder) record(name string, r io.Reader) error {
	if err := bl.ctx.Err(); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r, bl.opts.MaxRecordSize+1))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > bl.opts.MaxRecordSize {
		return fmt.Errorf("%s: more than the %d-byte limit for one record", name, bl.opts.MaxRecordSize)
	}
	bl.records++
	if bl.opts.Progress != nil && bl.records%1000 == 0 {
		bl.opts.Progress(Progress{Input: bl.input, Records: bl.records})
	}
	v, err := osv.Parse(data)
	if err == nil {
		err = validate(v)
	}
	if err != nil {
		bl.st.Invalid++
		if len(bl.st.InvalidSamples) < maxInvalidSamples {
			bl.st.InvalidSamples = append(bl.st.InvalidSamples, fmt.Sprintf("%s: %v", name, err))
		}
		return nil
	}
	if v.IsWithdrawn() {
		bl.st.Withdrawn++
		return nil
	}
	return bl.store(v)
}

func validate(v *osv.Vulnerability) error {
	if strings.IndexByte(v.ID, 0) >= 0 {
		return errors.New("NUL in id")
	}
	for _, a := range v.Affected {
		if strings.IndexByte(a.Package.Name, 0) >= 0 || strings.IndexByte(a.Package.Ecosystem.String(), 0) >= 0 {
			return errors.New("NUL in package")
		}
	}
	return nil
}

func (bl *builder) store(v *osv.Vulnerability) error {
	tx, err := bl.begin()
	if err != nil {
		return err
	}
	if old := bl.seen[v.ID]; old != nil {
		bl.st.Duplicates++
		if !v.Modified.After(old.modified) {
			return nil
		}
		if err := bl.remove(tx, old); err != nil {
			return err
		}
	}
	info := &recInfo{modified: v.Modified}
	pkg := tx.Bucket(bucketPkg)
	for i := range v.Affected {
		a := &v.Affected[i]
		base, suffix := a.Package.Ecosystem.Base, a.Package.Ecosystem.Suffix
		if base == "" || a.Package.Name == "" {
			continue
		}
		b, err := pkg.CreateBucketIfNotExists([]byte(base))
		if err != nil {
			return fmt.Errorf("bucket pkg/%s: %w", base, err)
		}
		val, err := bl.encode(a)
		if err != nil {
			return err
		}
		key := pkgKey(suffix, pkgdb.NormalizeName(base, a.Package.Name), v.ID, i)
		if err := b.Put(key, val); err != nil {
			return fmt.Errorf("store %s: %w", v.ID, err)
		}
		info.pkgKeys = append(info.pkgKeys, append(append([]byte(base), 0xff), key...))
		if !containsString(info.bases, base) {
			info.bases = append(info.bases, base)
		}
	}
	alias := tx.Bucket(bucketAlias)
	for _, list := range [][]string{v.Aliases, v.Upstream} {
		for _, al := range list {
			if al == "" || al == v.ID || strings.IndexByte(al, 0) >= 0 {
				continue
			}
			k := append(append([]byte(al), 0), v.ID...)
			if err := alias.Put(k, nil); err != nil {
				return fmt.Errorf("store alias of %s: %w", v.ID, err)
			}
			info.alias = append(info.alias, k)
		}
	}
	v.Affected = nil
	val, err := bl.encode(v)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketVuln).Put([]byte(v.ID), val); err != nil {
		return fmt.Errorf("store %s: %w", v.ID, err)
	}
	bl.seen[v.ID] = info
	bl.inTx++
	if bl.inTx >= recordsPerTx {
		return bl.commit()
	}
	return nil
}

// remove deletes the keys an older copy of a record wrote.
func (bl *builder) remove(tx *bolt.Tx, old *recInfo) error {
	pkg := tx.Bucket(bucketPkg)
	for _, k := range old.pkgKeys {
		i := bytes.IndexByte(k, 0xff)
		if b := pkg.Bucket(k[:i]); b != nil {
			if err := b.Delete(k[i+1:]); err != nil {
				return fmt.Errorf("replace record: %w", err)
			}
		}
	}
	alias := tx.Bucket(bucketAlias)
	for _, k := range old.alias {
		if err := alias.Delete(k); err != nil {
			return fmt.Errorf("replace record: %w", err)
		}
	}
	return nil
}

// encode marshals v and compresses it when that pays.
func (bl *builder) encode(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if len(data) < compressAbove {
		return append([]byte{encRaw}, data...), nil
	}
	bl.buf.Reset()
	bl.buf.WriteByte(encFlate)
	bl.zw.Reset(&bl.buf)
	if _, err := bl.zw.Write(data); err != nil {
		return nil, fmt.Errorf("compress: %w", err)
	}
	if err := bl.zw.Close(); err != nil {
		return nil, fmt.Errorf("compress: %w", err)
	}
	return bytes.Clone(bl.buf.Bytes()), nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
