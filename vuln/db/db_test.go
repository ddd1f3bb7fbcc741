package db

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-sec/bulwark/vuln/osv"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

const corpus = "/work/shared/corpus/vuln/osv"

func corpusDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("BULWARK_VULN_CORPUS"); d != "" {
		return filepath.Join(d, "osv")
	}
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("OSV corpus not available: %v", err)
	}
	return corpus
}

var fixedNow = func() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) }

func importOK(t testing.TB, dst string, inputs ...string) Status {
	t.Helper()
	st, err := Import(context.Background(), dst, inputs, ImportOptions{Now: fixedNow})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return st
}

func open(t testing.TB, path string) *DB {
	t.Helper()
	d, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// zipCorpus writes the corpus records into one zip at path, flat as in
// OSV's all.zip, plus a directory entry and a non-JSON file that must be
// ignored. With store, entries are not compressed.
func zipCorpus(t testing.TB, dir, path string, store bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("corpus: %v", err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	method := zip.Deflate
	if store {
		method = zip.Store
	}
	if _, err := zw.Create("docs/"); err != nil {
		t.Fatal(err)
	}
	w, _ := zw.Create("docs/README.txt")
	w.Write([]byte("not a record"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.Base(p), Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

var wantEcosystems = []EcosystemCount{
	{"Alpine", 1}, {"Debian", 4}, {"Go", 10}, {"Maven", 3}, {"Packagist", 4}, {"PyPI", 6}, {"Ubuntu", 2}, {"npm", 4},
}

type lookupCase struct {
	eco, name string
	want      []string // ID[index]
}

var lookupCases = []lookupCase{
	{"Alpine:v3.18", "musl", []string{"ALPINE-CVE-2025-26519[2]"}},
	{"Alpine:v3.16", "musl", []string{"ALPINE-CVE-2025-26519[0]"}},
	{"Alpine", "musl", nil},
	{"Alpine:v3.25", "musl", nil},
	{"npm", "semver", []string{"GHSA-c2qf-rxjj-qqgw[0]", "GHSA-c2qf-rxjj-qqgw[1]", "GHSA-c2qf-rxjj-qqgw[2]"}},
	{"npm", "lodash", []string{"GHSA-35jh-r3h4-6jhm[0]"}},
	{"npm", "lodash-es", []string{"GHSA-35jh-r3h4-6jhm[1]"}},
	{"PyPI", "Flask_Cors", []string{"PYSEC-2020-43[0]"}},
	{"PyPI", "flask.cors", []string{"PYSEC-2020-43[0]"}},
	{"Packagist:https://packages.drupal.org/8", "drupal/simple_sitemap", []string{"DRUPAL-CONTRIB-2025-083[0]"}},
	{"Packagist", "drupal/simple_sitemap", nil},
	{"Packagist", "Drupal/Core", []string{"DRUPAL-CORE-2025-005[0]", "DRUPAL-CORE-2026-001[0]"}},
	{"Ubuntu:Pro:14.04:LTS", "apache2", []string{"UBUNTU-CVE-2006-20001[0]"}},
	{"Ubuntu:14.04:LTS", "apache2", nil},
	{"Ubuntu:22.04:LTS", "seahorse", nil}, // withdrawn
	{"Ubuntu:14.04:LTS", "a2ps", nil},     // withdrawn
	{"Ubuntu:22.04:LTS", "curl", []string{"UBUNTU-CVE-2023-38545[0]"}},
	{"Go", "stdlib", []string{"GO-2022-0493[0]", "GO-2022-0969[0]"}},
	{"Go", "net/http", []string{"GHSA-4v7x-pqxf-cx7m[0]", "GHSA-4v7x-pqxf-cx7m[1]"}},
	{"Debian:9", "dpkg", []string{"DLA-3022-1[0]"}},
	{"Debian:12", "dpkg", nil},
	{"Maven", "org.apache.logging.log4j:log4j-core", []string{"GHSA-3pxv-7cmr-fjr4[0]", "GHSA-3pxv-7cmr-fjr4[1]"}},
	{"crates.io", "anything", nil},
	{"", "", nil},
}

func checkLookups(t *testing.T, d *DB) {
	t.Helper()
	for _, c := range lookupCases {
		got, err := d.Lookup(c.eco, c.name)
		if err != nil {
			t.Errorf("Lookup(%q, %q): %v", c.eco, c.name, err)
			continue
		}
		var ids []string
		for _, e := range got {
			ids = append(ids, fmt.Sprintf("%s[%d]", e.ID, e.Index))
			if e.Affected.Package.Ecosystem != pkgdb.ParseEcosystem(c.eco) {
				t.Errorf("Lookup(%q, %q): entry of %q", c.eco, c.name, e.Affected.Package.Ecosystem)
			}
		}
		if diff := cmp.Diff(c.want, ids); diff != "" {
			t.Errorf("Lookup(%q, %q) (-want +got):\n%s", c.eco, c.name, diff)
		}
	}
	// The stored entry is the whole affected entry.
	got, _ := d.Lookup("Go", "stdlib")
	if len(got) == 0 || len(got[0].Affected.Ranges) != 1 || len(got[0].Affected.Ranges[0].Events) != 4 || len(got[0].Affected.EcosystemSpecific) == 0 {
		t.Errorf("stdlib entry incomplete: %+v", got)
	}
	got, _ = d.Lookup("Packagist", "drupal/core")
	if len(got) == 0 || len(got[0].Affected.Versions) != 417 {
		t.Errorf("drupal/core versions list lost")
	}
}

func checkRecords(t *testing.T, d *DB) {
	t.Helper()
	v, err := d.Vulnerability("GO-2022-0493")
	if err != nil || v == nil {
		t.Fatalf("Vulnerability: %v %v", v, err)
	}
	if v.Summary == "" || v.Details == "" || len(v.Aliases) != 3 || v.Affected != nil || v.Modified.IsZero() {
		t.Errorf("GO-2022-0493: %+v", v)
	}
	if v, err := d.Vulnerability("UBUNTU-CVE-2008-7320"); v != nil || err != nil {
		t.Errorf("withdrawn record stored: %v %v", v, err)
	}
	for alias, want := range map[string][]string{
		"CVE-2022-29526":       {"GO-2022-0493"},
		"DEBIAN-CVE-2022-1664": {"DLA-3022-1"}, // from upstream
		"CVE-9999-0001":        nil,
	} {
		got, err := d.AliasIDs(alias)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("AliasIDs(%s) = %v %v, want %v", alias, got, err, want)
		}
	}
}

func TestImportFolder(t *testing.T) {
	dir := corpusDir(t)
	dst := filepath.Join(t.TempDir(), "db", "osv.db")
	st := importOK(t, dst, dir)
	if st.Records != 34 || st.Withdrawn != 2 || st.Invalid != 0 {
		t.Errorf("import status %+v", st)
	}
	d := open(t, dst)
	s, err := d.Status()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantEcosystems, s.Ecosystems); diff != "" {
		t.Errorf("ecosystems (-want +got):\n%s", diff)
	}
	if s.Records != 34 || !s.BuiltAt.Equal(fixedNow()) || s.Schema != SchemaVersion || s.Path != dst || s.Size == 0 {
		t.Errorf("status %+v", s)
	}
	if len(s.Sources) != 1 || s.Sources[0].Kind != "dir" || s.Sources[0].Records != 36 {
		t.Errorf("sources %+v", s.Sources)
	}
	checkLookups(t, d)
	checkRecords(t, d)
}

func TestImportZip(t *testing.T) {
	dir := corpusDir(t)
	tmp := t.TempDir()
	zp := filepath.Join(tmp, "all.zip")
	zipCorpus(t, dir, zp, false)
	dst := filepath.Join(tmp, "osv.db")
	st := importOK(t, dst, zp)
	if st.Records != 34 || st.Withdrawn != 2 || len(st.Sources) != 1 || st.Sources[0].Kind != "zip" {
		t.Errorf("status %+v", st)
	}
	d := open(t, dst)
	checkLookups(t, d)
	checkRecords(t, d)
}

func TestImportSingleFileAndDuplicates(t *testing.T) {
	dir := corpusDir(t)
	tmp := t.TempDir()
	dst := filepath.Join(tmp, "osv.db")
	// Same records twice: kept once.
	st := importOK(t, dst, dir, filepath.Join(dir, "npm", "GHSA-c2qf-rxjj-qqgw.json"))
	if st.Records != 34 || st.Duplicates != 1 {
		t.Errorf("status %+v", st)
	}
	// A newer copy replaces the older one, whatever the input order.
	data, err := os.ReadFile(filepath.Join(dir, "npm", "GHSA-c2qf-rxjj-qqgw.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := osv.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	newer := fmt.Sprintf(`{"id":%q,"modified":%q,"aliases":["CVE-NEW-1"],"affected":[{"package":{"ecosystem":"npm","name":"semver"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"9.9.9"}]}]}]}`,
		v.ID, v.Modified.Add(time.Hour).Format(time.RFC3339))
	np := filepath.Join(tmp, "newer.json")
	os.WriteFile(np, []byte(newer), 0o644)
	for _, order := range [][]string{{dir, np}, {np, dir}} {
		importOK(t, dst, order...)
		d := open(t, dst)
		got, err := d.Lookup("npm", "semver")
		if err != nil || len(got) != 1 || got[0].Affected.Ranges[0].Events[1].Fixed != "9.9.9" {
			t.Errorf("order %v: newer copy not kept: %+v %v", order, got, err)
		}
		if ids, _ := d.AliasIDs("CVE-2022-25883"); len(ids) != 0 {
			t.Errorf("order %v: alias of the replaced copy kept: %v", order, ids)
		}
		if ids, _ := d.AliasIDs("CVE-NEW-1"); len(ids) != 1 {
			t.Errorf("order %v: alias of the newer copy missing", order)
		}
		d.Close()
	}
}

func TestInvalidRecordsSkipped(t *testing.T) {
	tmp := t.TempDir()
	in := filepath.Join(tmp, "in")
	os.MkdirAll(filepath.Join(in, "sub"), 0o755)
	os.WriteFile(filepath.Join(in, "bad.json"), []byte(`{"id": `), 0o644)
	os.WriteFile(filepath.Join(in, "noid.json"), []byte(`{"modified":"2024-01-01T00:00:00Z"}`), 0o644)
	os.WriteFile(filepath.Join(in, "notes.txt"), []byte(`ignored`), 0o644)
	os.WriteFile(filepath.Join(in, "sub", "ok.json"), []byte(`{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"crates.io","name":"x"},"versions":["1.0.0"]}]}`), 0o644)
	dst := filepath.Join(tmp, "osv.db")
	st := importOK(t, dst, in)
	if st.Records != 1 || st.Invalid != 2 || len(st.InvalidSamples) != 2 {
		t.Errorf("status %+v", st)
	}
	d := open(t, dst)
	if got, _ := d.Lookup("crates.io", "x"); len(got) != 1 {
		t.Errorf("lookup %+v", got)
	}
	// Nothing valid at all is a failure.
	os.Remove(filepath.Join(in, "sub", "ok.json"))
	if _, err := Import(context.Background(), filepath.Join(tmp, "empty.db"), []string{in}, ImportOptions{}); err == nil {
		t.Error("import of no records succeeded")
	}
}

// snapshot returns the database file's bytes and status.
func snapshot(t *testing.T, path string) ([]byte, Status) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := open(t, path)
	s, err := d.Status()
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	return data, s
}

func TestFailedImportKeepsDatabase(t *testing.T) {
	dir := corpusDir(t)
	tmp := t.TempDir()
	dbDir := filepath.Join(tmp, "db")
	dst := filepath.Join(dbDir, "osv.db")
	importOK(t, dst, dir)
	before, st := snapshot(t, dst)

	// A zip whose last entry is corrupt: the reader fails on its checksum
	// after the folder and most of the zip have been imported.
	zp := filepath.Join(tmp, "corrupt.zip")
	zipCorpus(t, dir, zp, true)
	data, _ := os.ReadFile(zp)
	i := bytes.LastIndex(data, []byte(`"id": "`))
	if i < 0 {
		i = bytes.LastIndex(data, []byte(`"id":`))
	}
	if i < 0 {
		t.Fatal("no record in zip")
	}
	data[i+len(`"id"`)+3] ^= 0x01
	os.WriteFile(zp, data, 0o644)

	// An existing reader keeps working throughout.
	reader := open(t, dst)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	failures := map[string]struct {
		ctx    context.Context
		inputs []string
	}{
		"corrupt zip":   {context.Background(), []string{dir, zp}},
		"truncated zip": {context.Background(), []string{dir, truncated(t, zp)}},
		"missing input": {context.Background(), []string{dir, filepath.Join(tmp, "nope.zip")}},
		"cancelled":     {ctx, []string{dir}},
	}
	for name, f := range failures {
		if _, err := Import(f.ctx, dst, f.inputs, ImportOptions{Now: fixedNow}); err == nil {
			t.Errorf("%s: import succeeded", name)
		} else if t.Logf("%s: %v", name, err); name == "cancelled" && !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v", name, err)
		}
		after, st2 := snapshot(t, dst)
		if !bytes.Equal(before, after) || !cmp.Equal(st, st2) {
			t.Errorf("%s: database changed", name)
		}
	}
	checkLookups(t, reader)
	entries, _ := os.ReadDir(dbDir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left behind: %v", names)
	}
}

func truncated(t *testing.T, zp string) string {
	data, _ := os.ReadFile(zp)
	p := zp + ".trunc.zip"
	os.WriteFile(p, data[:len(data)/2], 0o644)
	return p
}

func TestOpenErrors(t *testing.T) {
	tmp := t.TempDir()
	if _, err := Open(filepath.Join(tmp, "missing.db")); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("missing: %v", err)
	}
	junk := filepath.Join(tmp, "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("x", 8192)), 0o644)
	if _, err := Open(junk); err == nil {
		t.Error("junk file opened")
	}
	if _, err := Import(context.Background(), filepath.Join(tmp, "x.db"), nil, ImportOptions{}); err == nil {
		t.Error("no inputs accepted")
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/tmp/cachehome")
	t.Setenv("HOME", "/tmp/home")
	p, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p, filepath.Join("bulwark", "db", "osv.db")) {
		t.Errorf("DefaultPath() = %q", p)
	}
}

func TestProgress(t *testing.T) {
	dir := corpusDir(t)
	var last Progress
	calls := 0
	_, err := Import(context.Background(), filepath.Join(t.TempDir(), "osv.db"), []string{dir}, ImportOptions{Progress: func(p Progress) { last = p; calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || !last.Done || last.Records != 36 || last.Input != dir {
		t.Errorf("progress %d %+v", calls, last)
	}
}

// synthZip writes an all.zip of n synthetic records shaped like GHSA
// records: a few hundred bytes of details, two affected entries (one of
// them in a second ecosystem), aliases and references.
func synthZip(b testing.TB, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	zw := zip.NewWriter(f)
	rng := rand.New(rand.NewPCG(1, 2))
	details := strings.Repeat("A flaw in the parser allows a crafted input to exhaust memory. ", 8)
	for i := range n {
		id := fmt.Sprintf("SYN-%06d", i)
		pkg := fmt.Sprintf("pkg-%d", rng.IntN(n/4+1))
		rec := fmt.Sprintf(`{"schema_version":"1.6.0","id":%q,"modified":"2025-01-02T03:04:05Z","published":"2024-01-02T03:04:05Z","aliases":["CVE-2024-%d"],"summary":"Denial of service in %s","details":%q,"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],"affected":[{"package":{"ecosystem":"npm","name":%q,"purl":"pkg:npm/%s"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.%d.0"},{"introduced":"2.0.0"},{"fixed":"2.%d.1"}]}],"database_specific":{"source":"synthetic"}},{"package":{"ecosystem":"Debian:12","name":%q},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.%d-1+deb12u1"}]}],"versions":["1.0-1","1.1-1","1.2-1"]}],"references":[{"type":"ADVISORY","url":"https://example.org/%s"},{"type":"WEB","url":"https://example.org/%s/fix"}]}`,
			id, i, pkg, details, pkg, pkg, i%20, i%7, pkg, i%9, id, id)
		w, err := zw.Create(id + ".json")
		if err != nil {
			b.Fatal(err)
		}
		w.Write([]byte(rec))
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

func BenchmarkImport50k(b *testing.B) {
	tmp := b.TempDir()
	zp := filepath.Join(tmp, "all.zip")
	synthZip(b, zp, 50000)
	fi, _ := os.Stat(zp)
	b.ResetTimer()
	var st Status
	for range b.N {
		var err error
		st, err = Import(context.Background(), filepath.Join(tmp, "osv.db"), []string{zp}, ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(fi.Size())/(1<<20), "zipMiB")
	b.ReportMetric(float64(st.Size)/(1<<20), "dbMiB")
	b.ReportMetric(float64(st.Records), "records")
}

func BenchmarkLookup(b *testing.B) {
	tmp := b.TempDir()
	zp := filepath.Join(tmp, "all.zip")
	synthZip(b, zp, 50000)
	dst := filepath.Join(tmp, "osv.db")
	importOK(b, dst, zp)
	d := open(b, dst)
	rng := rand.New(rand.NewPCG(3, 4))
	b.ResetTimer()
	found := 0
	for range b.N {
		got, err := d.Lookup("npm", fmt.Sprintf("pkg-%d", rng.IntN(12501)))
		if err != nil {
			b.Fatal(err)
		}
		found += len(got)
	}
	b.ReportMetric(float64(found)/float64(b.N), "entries/op")
}
