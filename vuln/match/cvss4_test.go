package match

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/osv"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// TestScoreCVSS4 checks vectors whose scores were published elsewhere:
// the test suite of @pandatix/js-cvss 0.4.4 (tests/cvss40.test.ts, "pd"),
// FIRST's specification examples ("spec"), real GHSA and OSV records
// ("ghsa"), and the reference calculator on common shapes ("ref",
// ae-cvss-calculator 1.0.13).
func TestScoreCVSS4(t *testing.T) {
	tests := []struct {
		vector      string
		score, base float64 // full score, CVSS-B score
		nomen       string
		level       Level // rating of the base score
	}{
		// pd: Score test cases.
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0, 10.0, "CVSS-B", LevelCritical},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, 0.0, "CVSS-B", LevelNone},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, 9.3, "CVSS-B", LevelCritical},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H", 7.9, 7.9, "CVSS-B", LevelHigh},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U", 9.1, 10.0, "CVSS-BT", LevelCritical},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MVI:L/MSA:S", 9.8, 10.0, "CVSS-BE", LevelCritical},
		{"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0, 1.0, "CVSS-B", LevelLow},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L", 5.2, 5.2, "CVSS-B", LevelMedium},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L/E:P/CR:H/IR:M/AR:H/MAV:A/MAT:P/MPR:N/MVI:H/MVA:N/MSI:H/MSA:N/S:N/V:C/U:Amber", 4.7, 5.2, "CVSS-BTE", LevelMedium},
		{"CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:N/VC:N/VI:N/VA:H/SC:H/SI:H/SA:H/CR:L/IR:L/AR:L", 5.8, 7.2, "CVSS-BE", LevelHigh},
		{"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U", 0.4, 2.0, "CVSS-BT", LevelLow},
		// spec: section 7 examples.
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1, 5.1, "CVSS-B", LevelMedium},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:A", 5.1, 5.1, "CVSS-BT", LevelMedium},
		{"CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:P", 4.5, 5.4, "CVSS-BT", LevelMedium},
		{"CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:A/VC:N/VI:N/VA:L/SC:H/SI:H/SA:H/CR:H/IR:H/AR:M/MAV:N/MAC:L/MAT:P/MPR:L/MUI:A/MVC:N/MVI:H/MVA:L/MSC:L/MSI:S/MSA:H", 8.5, 5.0, "CVSS-BE", LevelMedium},
		{"CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:A/S:P/AU:Y/R:A/V:D/RE:L/U:Red", 5.4, 5.4, "CVSS-BT", LevelMedium},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U/CR:L/IR:H/AR:L/MAV:A/MAC:H/MAT:N/MPR:N/MUI:P/MVC:H/MVI:N/MVA:H/MSC:N/MSI:L/MSA:S/S:N/AU:N/R:I/V:C/RE:H/U:Green", 4.4, 5.1, "CVSS-BTE", LevelMedium},
		// ghsa: GHSA-3pxv-7cmr-fjr4 (log4j-core, the corpus record).
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N", 6.9, 6.9, "CVSS-B", LevelMedium},
		// ref: common shapes of GHSA vectors.
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 6.9, 6.9, "CVSS-B", LevelMedium},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7, 8.7, "CVSS-B", LevelHigh},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.7, 8.7, "CVSS-B", LevelHigh},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.3, 5.3, "CVSS-B", LevelMedium},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5, 8.5, "CVSS-B", LevelHigh},
		{"CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.2, 9.2, "CVSS-B", LevelCritical},
		{"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.2, 9.2, "CVSS-B", LevelCritical},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1, 5.1, "CVSS-B", LevelMedium},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 8.7, 8.7, "CVSS-B", LevelHigh},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:N/SC:N/SI:N/SA:N", 8.7, 8.7, "CVSS-B", LevelHigh},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9, 6.9, "CVSS-B", LevelMedium},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 6.9, 6.9, "CVSS-B", LevelMedium},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 5.3, 5.3, "CVSS-B", LevelMedium},
		{"CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 8.2, 8.2, "CVSS-B", LevelHigh},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 6.8, 6.8, "CVSS-B", LevelMedium},
		// The one vector where rounding without FIRST's epsilon gives 5.6.
		{"CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:N/VC:H/VI:N/VA:L/SC:L/SI:L/SA:L", 5.7, 5.7, "CVSS-B", LevelMedium},
		// Metrics out of the specification's order (as some GHSA records
		// write them): the same score.
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N", 8.7, 8.7, "CVSS-B", LevelHigh},
		// E:X and explicit X environmental values: CVSS-B.
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/MAV:X", 8.7, 8.7, "CVSS-B", LevelHigh},
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			got, err := ScoreCVSS4(tt.vector)
			if err != nil {
				t.Fatal(err)
			}
			want := CVSS4Score{Base: tt.base, Score: tt.score, Nomenclature: tt.nomen}
			if got != want {
				t.Errorf("ScoreCVSS4 = %+v, want %+v", got, want)
			}
			s, ver, err := ScoreCVSS(tt.vector)
			if err != nil || ver != CVSS40 || s != tt.base {
				t.Errorf("ScoreCVSS = %v %s %v, want the base score %v", s, ver, err, tt.base)
			}
			if l := Band(s); l != tt.level {
				t.Errorf("Band(%v) = %s, want %s", s, l, tt.level)
			}
		})
	}
}

func TestScoreCVSS4Errors(t *testing.T) {
	for _, tt := range []struct{ vector, why string }{
		{"CVSS:4.0/AV:F/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", "invalid value"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/E:X", "given twice"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/ui:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", "missing base metric UI"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/SC:N/SI:N/SA:N", "missing base metric VA"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/XX:Y", "unknown metric XX"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:S/SA:N", "invalid value SI:S"}, // S only in MSI/MSA
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/", "malformed"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/U:red", "invalid value U:red"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/MAV:X/MAV:N", "given twice"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/E", "malformed"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/E:", "malformed"},
		{"CVSS:4.0/", "malformed"},
		{"CVSS:4.0", "prefix"},
		{"AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", "prefix"},
		{"cvss:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", "prefix"},
	} {
		t.Run(tt.vector, func(t *testing.T) {
			s, err := ScoreCVSS4(tt.vector)
			if err == nil || !strings.Contains(err.Error(), tt.why) {
				t.Errorf("ScoreCVSS4 = %+v, %v; want an error mentioning %q", s, err, tt.why)
			}
		})
	}
	// Through ScoreCVSS, a malformed v4 vector is an error with the
	// version known, never a score.
	if s, ver, err := ScoreCVSS("CVSS:4.0/AV:N/AC:L"); err == nil || ver != CVSS40 {
		t.Errorf("ScoreCVSS(short v4) = %v %s %v, want an error", s, ver, err)
	}
	if _, _, err := ScoreCVSS("CVSS:4.1/AV:N"); !errors.Is(err, ErrCVSSUnsupported) {
		t.Errorf("ScoreCVSS(4.1) err = %v, want ErrCVSSUnsupported", err)
	}
}

// cvss4Base lists the base metrics' values in the enumeration order of
// testdata/cvss4/gen.mjs.
var cvss4Base = [][2]string{{"AV", "NALP"}, {"AC", "LH"}, {"AT", "NP"}, {"PR", "NLH"}, {"UI", "NPA"},
	{"VC", "HLN"}, {"VI", "HLN"}, {"VA", "HLN"}, {"SC", "HLN"}, {"SI", "HLN"}, {"SA", "HLN"}}

// TestCVSS4AllBaseVectors scores every CVSS-B vector and compares with the
// reference calculator (testdata/cvss4/README.md).
func TestCVSS4AllBaseVectors(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "cvss4", "base-scores.bin.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, len(cvss4Base))
	n, bad := 0, 0
	for {
		parts := make([]string, len(cvss4Base))
		for i, m := range cvss4Base {
			parts[i] = m[0] + ":" + string(m[1][idx[i]])
		}
		vec := "CVSS:4.0/" + strings.Join(parts, "/")
		if n >= len(want) {
			t.Fatalf("reference has %d scores, enumeration goes on", len(want))
		}
		got, err := ScoreCVSS4(vec)
		if err != nil {
			t.Fatal(err)
		}
		if w := float64(want[n]) / 10; got.Score != w || got.Base != w {
			bad++
			if bad <= 10 {
				t.Errorf("%s = %v (base %v), reference %v", vec, got.Score, got.Base, w)
			}
		}
		n++
		// Odometer, last metric fastest (the generator's nested loops).
		i := len(idx) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(cvss4Base[i][1]) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			break
		}
	}
	if n != len(want) || n != 104976 {
		t.Errorf("scored %d vectors, reference has %d, want 104976", n, len(want))
	}
	if bad > 0 {
		t.Errorf("%d of %d vectors differ from the reference", bad, n)
	}
}

// TestCVSS4ReferenceVectors checks vectors with threat and environmental
// metrics against the reference calculator.
func TestCVSS4ReferenceVectors(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "cvss4", "vectors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		vec, ws, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		want, err := strconv.ParseFloat(ws, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ScoreCVSS4(vec)
		if err != nil {
			t.Errorf("%s: %v", vec, err)
			continue
		}
		if got.Score != want {
			t.Errorf("%s = %v, reference %v", vec, got.Score, want)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 600 {
		t.Errorf("%d reference vectors, want 600", n)
	}
}

// TestCVSS4Tables checks the transcribed tables' shape: 270 macro vectors,
// none with EQ3=2 and EQ6=0, scores in (0, 10], and a highest-severity
// vector and a depth for every level.
func TestCVSS4Tables(t *testing.T) {
	if len(cvss4Lookup) != 270 {
		t.Errorf("lookup has %d macro vectors, want 270", len(cvss4Lookup))
	}
	for e1 := range 3 {
		for e2 := range 2 {
			for e3 := range 3 {
				for e4 := range 3 {
					for e5 := range 3 {
						for e6 := range 2 {
							s, ok := lookup([6]int{e1, e2, e3, e4, e5, e6})
							if ok == (e3 == 2 && e6 == 0) {
								t.Errorf("macro vector %d%d%d%d%d%d present = %v", e1, e2, e3, e4, e5, e6, ok)
							}
							if ok && (s <= 0 || s > 10) {
								t.Errorf("macro vector %d%d%d%d%d%d score %v", e1, e2, e3, e4, e5, e6, s)
							}
						}
					}
				}
			}
		}
	}
}

// TestChooseSeverityV4 checks where v4 stands in the severity order: it
// is the highest CVSS version (research/vuln.md §9.4), so it is preferred
// to v3.1; a malformed v4 vector is passed over for the next version.
func TestChooseSeverityV4(t *testing.T) {
	v4 := osv.Severity{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N"}
	bad4 := osv.Severity{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L"}
	v31 := osv.Severity{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
	ghsa := json.RawMessage(`{"severity":"HIGH"}`)
	tests := []struct {
		name string
		rec  osv.Vulnerability
		os   bool
		want Severity
	}{
		{"only v4", osv.Vulnerability{Severity: []osv.Severity{v4}}, false,
			Severity{LevelMedium, SourceCVSS, v4.Score, 6.9}},
		{"v4 over v3.1", osv.Vulnerability{Severity: []osv.Severity{v31, v4}}, false,
			Severity{LevelMedium, SourceCVSS, v4.Score, 6.9}},
		{"v4 over GHSA", osv.Vulnerability{Severity: []osv.Severity{v4}, DatabaseSpecific: ghsa}, false,
			Severity{LevelMedium, SourceCVSS, v4.Score, 6.9}},
		{"malformed v4: v3.1", osv.Vulnerability{Severity: []osv.Severity{bad4, v31}}, false,
			Severity{LevelCritical, SourceCVSS, v31.Score, 9.8}},
		{"malformed v4 only: GHSA, keeping the vector", osv.Vulnerability{Severity: []osv.Severity{bad4}, DatabaseSpecific: ghsa}, false,
			Severity{Level: LevelHigh, Source: SourceGHSA, Vector: bad4.Score}},
		{"distro rating still first for OS packages", osv.Vulnerability{Severity: []osv.Severity{v4, {Type: "Ubuntu", Score: "low"}}}, true,
			Severity{Level: LevelLow, Source: SourceDistro}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseSeverity(&tt.rec, &osv.Affected{}, tt.os); got != tt.want {
				t.Errorf("chooseSeverity = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestMatchCVSS4Only imports an OSV record whose only severity is a CVSS
// v4 vector (the corpus' GHSA-3pxv-7cmr-fjr4, log4j-core, with its GHSA
// rating removed) and matches a vulnerable and a fixed version: the
// finding's severity is the v4 score.
func TestMatchCVSS4Only(t *testing.T) {
	rec := map[string]any{
		"schema_version": "1.6.0",
		"id":             "GHSA-3pxv-7cmr-fjr4",
		"modified":       "2026-04-10T21:16:41Z",
		"aliases":        []string{"CVE-2026-34477"},
		"severity":       []map[string]string{{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N"}},
		"affected": []map[string]any{{
			"package": map[string]string{"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
			"ranges":  []map[string]any{{"type": "ECOSYSTEM", "events": []map[string]string{{"introduced": "2.0-alpha1"}, {"fixed": "2.25.4"}}}},
		}},
	}
	// Prefer the real record when the corpus is there, minus its GHSA
	// rating so that only the vector can rate it.
	if b, err := os.ReadFile(filepath.Join(corpusRoot(), "osv", "Maven", "GHSA-3pxv-7cmr-fjr4.json")); err == nil {
		var real map[string]any
		if err := json.Unmarshal(b, &real); err != nil {
			t.Fatal(err)
		}
		delete(real, "database_specific")
		rec = real
	}
	dir := t.TempDir()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "GHSA-3pxv-7cmr-fjr4.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "osv.db")
	if _, err := db.Import(context.Background(), path, []string{dir}, db.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m := New(d, Options{})
	pkg := func(v string) pkgdb.Package {
		return pkgdb.Package{Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "Maven"},
			Name: "org.apache.logging.log4j:log4j-core", Version: v, SrcName: "org.apache.logging.log4j:log4j-core", SrcVersion: v}
	}
	fs, err := m.MatchPackage(pkg("2.17.1")) // vulnerable: 2.0-alpha1 <= 2.17.1 < 2.25.4
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("findings = %+v, want one", fs)
	}
	want := Severity{Level: LevelMedium, Source: SourceCVSS, Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N", Score: 6.9}
	if fs[0].Severity != want || fs[0].FixedVersion != "2.25.4" {
		t.Errorf("finding = %+v, want severity %+v and fix 2.25.4", fs[0], want)
	}
	fs, err = m.MatchPackage(pkg("2.25.4")) // fixed: no finding
	if err != nil || len(fs) != 0 {
		t.Errorf("fixed version: findings %+v, %v; want none", fs, err)
	}
}

func corpusRoot() string {
	if d := os.Getenv("BULWARK_VULN_CORPUS"); d != "" {
		return d
	}
	return "/work/shared/corpus/vuln"
}

func FuzzScoreCVSS4(f *testing.F) {
	for _, s := range []string{
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U/CR:L/IR:H/AR:L/MAV:A/MAC:H/MAT:N/MPR:N/MUI:P/MVC:H/MVI:N/MVA:H/MSC:N/MSI:L/MSA:S/S:N/AU:N/R:I/V:C/RE:H/U:Green",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N",
		"CVSS:4.0/AV:N",
		"CVSS:4.0//",
		"CVSS:4.0/AV:N/AV:N",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, vector string) {
		s, err := ScoreCVSS4(vector)
		if err != nil {
			return
		}
		for _, x := range []float64{s.Base, s.Score} {
			if x < 0 || x > 10 || x*10 != float64(int(x*10+0.5)) {
				t.Fatalf("%q scored %+v", vector, s)
			}
		}
	})
}

func BenchmarkScoreCVSS4(b *testing.B) {
	const v = "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ScoreCVSS4(v); err != nil {
			b.Fatal(err)
		}
	}
}
