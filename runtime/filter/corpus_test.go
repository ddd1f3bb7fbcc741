package filter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const corpusDir = "/work/shared/corpus/falco"

// corpusConditions returns every rule and macro condition of the Falco
// rules files in the shared corpus, keyed by "file: name".
func corpusConditions(t testing.TB) map[string]string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	out := map[string]string{}
	err := filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var items []map[string]any
		if err := yaml.Unmarshal(data, &items); err != nil {
			t.Logf("%s: not a rules file: %v", path, err)
			return nil
		}
		for _, it := range items {
			cond, ok := it["condition"].(string)
			if !ok {
				continue
			}
			name, _ := it["rule"].(string)
			if name == "" {
				name, _ = it["macro"].(string)
			}
			out[path+": "+name] = cond
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseCorpus(t *testing.T) {
	conds := corpusConditions(t)
	if len(conds) < 300 {
		t.Fatalf("only %d conditions found in the corpus", len(conds))
	}
	for name, c := range conds {
		if _, err := Parse(c); err != nil {
			t.Errorf("%s: %v\n%s", name, err, c)
		}
	}
	t.Logf("%d conditions parsed", len(conds))
}
