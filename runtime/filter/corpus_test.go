package filter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/runtime/fields"
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

// rulesFile is the part of a Falco rules file the corpus compile test
// needs.
type rulesItem struct {
	Rule      string   `yaml:"rule"`
	Macro     string   `yaml:"macro"`
	List      string   `yaml:"list"`
	Condition string   `yaml:"condition"`
	Items     []string `yaml:"items"`
	Append    bool     `yaml:"append"`
}

// permissiveSource has every field a set of conditions names, as an
// optional-argument string (a buffer when a b-operator uses it).
type permissiveSource struct{ infos []fields.Info }

func (permissiveSource) Name() string            { return "permissive" }
func (s permissiveSource) Fields() []fields.Info { return s.infos }

// TestCompileCorpus compiles every rule of each corpus file with its own
// macros and lists (later definitions and appends applied in order)
// against a source that has every field the file names: macro and list
// resolution, operators and values are exercised on real rules.
func TestCompileCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	var files []string
	_ = filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	compiled := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var items []rulesItem
		if yaml.Unmarshal(data, &items) != nil {
			continue
		}
		macros := map[string]Node{}
		lists := map[string][]string{}
		seen := map[string]fields.Info{}
		var rules []rulesItem
		for _, it := range items {
			switch {
			case it.List != "":
				if it.Append {
					lists[it.List] = append(lists[it.List], it.Items...)
				} else {
					lists[it.List] = it.Items
				}
			case it.Macro != "" || it.Rule != "":
				if it.Condition == "" {
					continue
				}
				n, err := Parse(it.Condition)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				Walk(n, func(n Node) bool {
					if c, ok := n.(*BinaryCheck); ok && (c.Op == "bcontains" || c.Op == "bstartswith") {
						if f, ok := c.Operand.(*Field); ok {
							seen[f.Name] = fields.Info{Name: f.Name, Type: fields.Buffer, Arg: fields.ArgIndexOrKey}
						}
					}
					if f, ok := n.(*Field); ok {
						if _, dup := seen[f.Name]; !dup {
							seen[f.Name] = fields.Info{Name: f.Name, Type: fields.String, Arg: fields.ArgIndexOrKey}
						}
					}
					return true
				})
				if it.Macro != "" && !it.Append {
					macros[it.Macro] = n
				} else if it.Rule != "" && !it.Append {
					rules = append(rules, it)
				}
			}
		}
		src := permissiveSource{}
		for _, f := range seen {
			src.infos = append(src.infos, f)
		}
		env := Env{
			Source: src,
			Macro:  func(name string) (Node, bool) { n, ok := macros[name]; return n, ok },
			List:   func(name string) ([]string, bool) { l, ok := lists[name]; return l, ok },
		}
		for _, r := range rules {
			n, _ := Parse(r.Condition)
			if _, _, err := Compile(n, env); err != nil {
				t.Errorf("%s: rule %q: %v", path, r.Rule, err)
				continue
			}
			compiled++
		}
	}
	if compiled < 200 {
		t.Fatalf("only %d rules compiled", compiled)
	}
	t.Logf("%d rules compiled", compiled)
}
