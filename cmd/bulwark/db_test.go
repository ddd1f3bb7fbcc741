package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const osvCorpus = "/work/shared/corpus/vuln/osv"

func TestDBImportAndStatus(t *testing.T) {
	if _, err := os.Stat(osvCorpus); err != nil {
		t.Skip("OSV corpus not available")
	}
	dbp := filepath.Join(t.TempDir(), "osv.db")

	code, _, stderr := runCLI(t, "db", "status", "--db", dbp)
	if code != exitIncomplete || !strings.Contains(stderr, "bulwark db import") {
		t.Errorf("status without database: %d %q", code, stderr)
	}

	code, stdout, stderr := runCLI(t, "db", "import", "--db", dbp, osvCorpus)
	if code != exitOK || !strings.Contains(stdout, "imported 34 records") || !strings.Contains(stdout, "2 withdrawn") || stderr != "" {
		t.Fatalf("import: %d %q %q", code, stdout, stderr)
	}

	code, stdout, _ = runCLI(t, "db", "status", "--db", dbp)
	if code != exitOK || !strings.Contains(stdout, "34 (left out: 2 withdrawn") || !strings.Contains(stdout, "Packagist  4") {
		t.Errorf("status: %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "db", "status", "--db", dbp, "--format", "json")
	var st struct {
		Path       string `json:"path"`
		Records    int    `json:"records"`
		Ecosystems []struct {
			Name    string `json:"name"`
			Records int    `json:"records"`
		} `json:"ecosystems"`
	}
	if err := json.Unmarshal([]byte(stdout), &st); err != nil || code != exitOK || st.Records != 34 || st.Path != dbp || len(st.Ecosystems) != 8 {
		t.Errorf("status json: %d %v %+v", code, err, st)
	}

	// A failed import exits 3 and leaves the database as it was.
	before, _ := os.ReadFile(dbp)
	code, _, stderr = runCLI(t, "db", "import", "--db", dbp, osvCorpus, filepath.Join(t.TempDir(), "missing.zip"))
	after, _ := os.ReadFile(dbp)
	if code != exitIncomplete || !strings.Contains(stderr, "unchanged") || string(before) != string(after) {
		t.Errorf("failed import: %d %q", code, stderr)
	}
}

func TestDBUsage(t *testing.T) {
	for _, args := range [][]string{
		{"db"},
		{"db", "import"},
		{"db", "status", "--format", "xml"},
		{"db", "status", "extra"},
	} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
