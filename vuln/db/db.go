// Package db is Bulwark's vulnerability database: a bbolt file built from
// OSV data (per-ecosystem all.zip archives or folders of OSV JSON records)
// and opened read-only for matching.
//
// Layout (schema 1):
//
//	meta                        schema, built_at, status (JSON)
//	vuln                        ID -> record without affected[] (encoded JSON)
//	pkg/<ecosystem base>        suffix \x00 name \x00 ID \x00 index -> affected entry (encoded JSON)
//	alias                       alias \x00 ID -> empty
//
// Names in pkg keys are normalised per ecosystem (pkgdb.NormalizeName);
// unsuffixed ecosystems use an empty suffix. A package's entries share the
// key prefix suffix\x00name\x00, so a lookup is one B+tree seek followed by
// a walk over that package's entries only: the database is never scanned.
// Values start with one byte naming the encoding: 0 plain JSON, 1 JSON
// compressed with DEFLATE.
package db

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/bulwark-sec/bulwark/vuln/osv"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// SchemaVersion is the layout version written into and required from the
// meta bucket.
const SchemaVersion = "1"

var (
	bucketMeta  = []byte("meta")
	bucketVuln  = []byte("vuln")
	bucketPkg   = []byte("pkg")
	bucketAlias = []byte("alias")

	keySchema  = []byte("schema")
	keyBuiltAt = []byte("built_at")
	keyStatus  = []byte("status")
)

const (
	encRaw   byte = 0
	encFlate byte = 1
	// compressAbove is the size from which values are compressed: smaller
	// JSON barely shrinks and costs a decompressor on every lookup.
	compressAbove = 1024
)

// ErrNoDatabase is returned by Open when the database file does not exist.
var ErrNoDatabase = errors.New("vulnerability database not found")

// DefaultPath returns the default database location:
// <user cache dir>/bulwark/db/osv.db.
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate the user cache directory: %w", err)
	}
	return filepath.Join(dir, "bulwark", "db", "osv.db"), nil
}

// Entry is one affected[] entry of a record, as stored for its package.
type Entry struct {
	// ID is the OSV record's id.
	ID string
	// Index is the position of the entry in the record's affected list.
	Index int
	// Affected is the entry: package (ecosystem, name, purl), ranges,
	// versions, severity and the ecosystem- and database-specific data.
	Affected osv.Affected
}

// Status describes a built database.
type Status struct {
	// Path is the database file; Size its size in bytes.
	Path string `json:"-"`
	Size int64  `json:"-"`
	// Schema is the layout version.
	Schema string `json:"schema"`
	// BuiltAt is when the import finished.
	BuiltAt time.Time `json:"built_at"`
	// Records counts the stored records (withdrawn and invalid ones excluded).
	Records int `json:"records"`
	// Ecosystems counts records per ecosystem base name, sorted by name.
	Ecosystems []EcosystemCount `json:"ecosystems"`
	// Sources lists the imported inputs.
	Sources []Source `json:"sources"`
	// Withdrawn, Invalid and Duplicates count records left out: withdrawn
	// by their source, not valid OSV JSON, or an older copy of a record
	// imported twice.
	Withdrawn  int `json:"withdrawn"`
	Invalid    int `json:"invalid"`
	Duplicates int `json:"duplicates"`
	// InvalidSamples names up to a few invalid records and why.
	InvalidSamples []string `json:"invalid_samples,omitempty"`
}

// EcosystemCount is the number of records naming an ecosystem base.
type EcosystemCount struct {
	Name    string `json:"name"`
	Records int    `json:"records"`
}

// Source is one imported input.
type Source struct {
	Path    string `json:"path"`
	Kind    string `json:"kind"` // zip, dir or file
	Size    int64  `json:"size"`
	Records int    `json:"records"`
	// Origin says where a downloaded input came from (db update); nil
	// for local inputs.
	Origin *Origin `json:"origin,omitempty"`
}

// Origin is where 'db update' downloaded an archive from.
type Origin struct {
	// Ecosystem is the OSV ecosystem folder the archive holds.
	Ecosystem string `json:"ecosystem"`
	// URL is the mirror that served it.
	URL string `json:"url"`
	// SHA256 is the archive's digest (hex); ETag and LastModified the
	// server's validators.
	SHA256       string `json:"sha256"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// FetchedAt is when it was downloaded (or last confirmed unchanged).
	FetchedAt time.Time `json:"fetched_at"`
	// Verified names the checksums that matched ("crc32c", "md5",
	// "sha256", "sha256-sidecar"); empty when none was available.
	Verified []string `json:"verified,omitempty"`
}

// Age returns how old the database's data is at now: the time since it was
// built (never negative, so a clock set back does not make it "fresh
// forever" nor negative).
func (s Status) Age(now time.Time) time.Duration {
	if s.BuiltAt.IsZero() {
		return 0
	}
	return max(now.Sub(s.BuiltAt), 0)
}

// StaleError reports a database older than the allowed age.
type StaleError struct {
	BuiltAt time.Time
	Age     time.Duration
	MaxAge  time.Duration
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("vulnerability database built %s is %s old, more than the maximum age of %s",
		e.BuiltAt.Format(time.RFC3339), FormatAge(e.Age), FormatAge(e.MaxAge))
}

// CheckAge returns a *StaleError when the database is older than maxAge at
// now, else nil. maxAge <= 0 disables the check.
func (s Status) CheckAge(now time.Time, maxAge time.Duration) error {
	if maxAge <= 0 {
		return nil
	}
	if age := s.Age(now); age > maxAge {
		return &StaleError{BuiltAt: s.BuiltAt, Age: age, MaxAge: maxAge}
	}
	return nil
}

// FormatAge writes a duration as days and hours ("3d4h", "5h", "12m").
func FormatAge(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		days := d / (24 * time.Hour)
		h := (d % (24 * time.Hour)) / time.Hour
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd%dh", days, h)
	case d >= time.Hour:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// DB is an open, read-only vulnerability database. It is safe for
// concurrent use.
type DB struct {
	bolt *bolt.DB
	path string
}

// Open opens the database at path read-only. A missing file yields an
// error wrapping ErrNoDatabase; a database of another schema is an error.
func Open(path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open %s: %w", path, ErrNoDatabase)
		}
		return nil, fmt.Errorf("open vulnerability database: %w", err)
	}
	b, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open vulnerability database %s: %w", path, err)
	}
	d := &DB{bolt: b, path: path}
	var schema string
	_ = b.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket(bucketMeta); m != nil {
			schema = string(m.Get(keySchema))
		}
		return nil
	})
	if schema != SchemaVersion {
		b.Close()
		return nil, fmt.Errorf("open vulnerability database %s: schema %q, want %q (import it again)", path, schema, SchemaVersion)
	}
	return d, nil
}

// Close releases the database file.
func (d *DB) Close() error { return d.bolt.Close() }

// Path returns the database file's path.
func (d *DB) Path() string { return d.path }

// Lookup returns the affected entries recorded for the package name in the
// ecosystem ("Debian:12", "npm", "Ubuntu:Pro:22.04:LTS"): the base and
// suffix must both match, the name is normalised per ecosystem. Entries are
// ordered by record ID and entry index. No entries is not an error.
func (d *DB) Lookup(ecosystem, name string) ([]Entry, error) {
	eco := pkgdb.ParseEcosystem(ecosystem)
	base := eco.Base
	prefix := pkgPrefix(eco.Suffix, pkgdb.NormalizeName(base, name))
	var out []Entry
	err := d.bolt.View(func(tx *bolt.Tx) error {
		p := tx.Bucket(bucketPkg)
		if p == nil {
			return nil
		}
		b := p.Bucket([]byte(base))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			id, idx, ok := splitPkgKey(k[len(prefix):])
			if !ok {
				return fmt.Errorf("malformed key %q in pkg/%s", k, base)
			}
			e := Entry{ID: id, Index: idx}
			if err := decodeValue(v, &e.Affected); err != nil {
				return fmt.Errorf("entry %s[%d]: %w", id, idx, err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up %s %s: %w", ecosystem, name, err)
	}
	return out, nil
}

// Vulnerability returns the stored record with the id, without its
// affected list (use Lookup for the entries), or nil when there is none.
func (d *DB) Vulnerability(id string) (*osv.Vulnerability, error) {
	var v *osv.Vulnerability
	err := d.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketVuln)
		if b == nil {
			return nil
		}
		raw := b.Get([]byte(id))
		if raw == nil {
			return nil
		}
		v = new(osv.Vulnerability)
		return decodeValue(raw, v)
	})
	if err != nil {
		return nil, fmt.Errorf("read record %s: %w", id, err)
	}
	return v, nil
}

// AliasIDs returns the IDs of the records that list alias among their
// aliases or upstream records, sorted.
func (d *DB) AliasIDs(alias string) ([]string, error) {
	prefix := append([]byte(alias), 0)
	var out []string
	err := d.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAlias)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			out = append(out, string(k[len(prefix):]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read aliases of %s: %w", alias, err)
	}
	return out, nil
}

// Status returns what the database holds and when it was built.
func (d *DB) Status() (Status, error) {
	var s Status
	err := d.bolt.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if m == nil {
			return errors.New("no meta bucket")
		}
		raw := m.Get(keyStatus)
		if raw == nil {
			return errors.New("no status in meta")
		}
		return json.Unmarshal(raw, &s)
	})
	if err != nil {
		return Status{}, fmt.Errorf("read database status: %w", err)
	}
	s.Path = d.path
	if fi, err := os.Stat(d.path); err == nil {
		s.Size = fi.Size()
	}
	return s, nil
}

// pkgPrefix is the key prefix shared by one package's entries.
func pkgPrefix(suffix, name string) []byte {
	k := make([]byte, 0, len(suffix)+len(name)+2)
	k = append(k, suffix...)
	k = append(k, 0)
	k = append(k, name...)
	return append(k, 0)
}

// pkgKey is pkgPrefix followed by id \x00 and the 4-byte big-endian index.
func pkgKey(suffix, name, id string, idx int) []byte {
	k := pkgPrefix(suffix, name)
	k = append(k, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint32(k, uint32(idx))
}

func splitPkgKey(rest []byte) (string, int, bool) {
	if len(rest) < 6 || rest[len(rest)-5] != 0 {
		return "", 0, false
	}
	return string(rest[:len(rest)-5]), int(binary.BigEndian.Uint32(rest[len(rest)-4:])), true
}

// decodeValue decodes an encoded value into v.
func decodeValue(raw []byte, v any) error {
	if len(raw) == 0 {
		return errors.New("empty value")
	}
	switch raw[0] {
	case encRaw:
		return json.Unmarshal(raw[1:], v)
	case encFlate:
		r := flate.NewReader(bytes.NewReader(raw[1:]))
		defer r.Close()
		data, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("decompress: %w", err)
		}
		return json.Unmarshal(data, v)
	}
	return fmt.Errorf("unknown value encoding %d", raw[0])
}
