package filter

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// nameEvent answers every field with its own name (and argument), so a
// rendered output shows which token each %field became.
type nameEvent struct{ infos []fields.Info }

func (e nameEvent) Extract(ref fields.Ref, buf []fields.Value) ([]fields.Value, bool) {
	v := e.infos[ref.ID].Name
	if ref.HasArg {
		v += "<" + ref.Arg + ">"
	}
	return append(buf, fields.Value{Str: v}), true
}

var outputFieldRE = regexp.MustCompile(`%[0-9]*([a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+)`)

// TestOutputCorpus compiles the output of every corpus rule against a
// source made of the field names the outputs use, renders it, and
// compares with testdata/corpus_outputs.golden.
func TestOutputCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	type rule struct{ file, name, output string }
	var rules []rule
	err := filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var items []struct {
			Rule   string `yaml:"rule"`
			Output string `yaml:"output"`
		}
		if yaml.Unmarshal(data, &items) != nil {
			return nil
		}
		rel, _ := filepath.Rel(corpusDir, path)
		for _, it := range items {
			if it.Rule != "" && it.Output != "" {
				rules = append(rules, rule{rel, it.Rule, it.Output})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range rules {
		for _, m := range outputFieldRE.FindAllStringSubmatch(r.output, -1) {
			names[m[1]] = true
		}
	}
	src := permissiveSource{}
	for n := range names {
		src.infos = append(src.infos, fields.Info{Name: n, Type: fields.String, Arg: fields.ArgIndexOrKey})
	}
	sort.Slice(src.infos, func(i, j int) bool { return src.infos[i].Name < src.infos[j].Name })
	var b strings.Builder
	for _, r := range rules {
		o, err := ParseOutput(strings.TrimSpace(r.output), src, false)
		if err != nil {
			t.Errorf("%s: rule %q: %v", r.file, r.name, err)
			continue
		}
		b.WriteString(r.file + ": " + r.name + "\n\t")
		b.Write(o.Render(nameEvent(src), nil))
		b.WriteString("\n")
	}
	golden := filepath.Join("testdata", "corpus_outputs.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("rendered outputs differ from %s (run with -update and review the diff)", golden)
	}
	t.Logf("%d outputs rendered", len(rules))
}
