package rules

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testSource is a source with a name and no field table.
type testSource string

func (s testSource) Name() string          { return string(s) }
func (s testSource) Fields() []fields.Info { return nil }

var ourSources = []fields.Source{testSource("k8s_audit"), testSource("docker")}

func readFiles(t *testing.T, paths ...string) []File {
	t.Helper()
	var fs []File
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, File{Name: p, Data: data})
	}
	return fs
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\ngot:  %s\nwant: %s", path, got, want)
	}
}

func diagText(rs *Ruleset) string {
	var b strings.Builder
	for _, d := range rs.Diagnostics {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

// The worked example of runtime.md 1.11: two files, a list append, an
// exception append and a priority replace.
func TestWorkedExample(t *testing.T) {
	rs, err := Load(readFiles(t, "testdata/worked_base.yaml", "testdata/worked_local.yaml"), Options{Sources: ourSources})
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, diagText(rs))
	}
	if len(rs.Rules) != 1 {
		t.Fatalf("rules: %d, want 1", len(rs.Rules))
	}
	r, ok := rs.Rule("Interactive exec into workload")
	if !ok || r != rs.Rules[0] {
		t.Fatal("Rule lookup")
	}
	if l, ok := rs.List("exec_allowed_users"); !ok || strings.Join(l.Resolved, ",") != "ci-bot,sre-oncall,release-bot" {
		t.Errorf("list %+v", l)
	}
	if m, ok := rs.Macro("pod_exec"); !ok || !m.Used {
		t.Errorf("macro %+v", m)
	}
	if _, ok := rs.Rule("nope"); ok {
		t.Error("found a rule that does not exist")
	}
	if r.Priority != Warning {
		t.Errorf("priority %v, want Warning (replaced)", r.Priority)
	}
	if got := strings.Join(r.Tags, ","); got != "k8s,mitre_execution" {
		t.Errorf("tags %q", got)
	}
	if got := strings.Join(r.ExceptionFields, ","); got != "ka.target.namespace,ka.user.name" {
		t.Errorf("exception fields %q", got)
	}
	if want := "exec into pod (user=%ka.user.name ns=%ka.target.namespace pod=%ka.target.name cmd=%ka.uri.param[command] src=%ka.sourceips)"; r.Output != want {
		t.Errorf("output %q", r.Output)
	}
	x, err := rs.ExpandCondition(r)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/worked.golden", x+"\n")
	if len(rs.Diagnostics) != 0 {
		t.Errorf("unexpected diagnostics:\n%s", diagText(rs))
	}
}

// Every rules file of the corpus loads with zero errors; the syscall
// rules are skipped for their source and counted.
func TestCorpus(t *testing.T) {
	root := "/work/shared/corpus/falco"
	if _, err := os.Stat(root); err != nil {
		t.Skip("no corpus")
	}
	k8s := root + "/falcosecurity__falco/test/rules/k8s_audit/"
	rulesRepo := root + "/falcosecurity__rules/rules/"
	cases := []struct {
		name           string
		files          []string
		rules, skipped int // -1: do not check
	}{
		{"plugins k8s_audit_rules", []string{root + "/falcosecurity__plugins/plugins/k8saudit/rules/k8s_audit_rules.yaml"}, -1, 0},
		{"falco k8s_audit_rules", []string{root + "/falcosecurity__falco/rules/k8s_audit_rules.yaml"}, -1, 0},
		{"gke", []string{root + "/falcosecurity__plugins/plugins/k8saudit/rules/k8s_audit_rules.yaml", root + "/falcosecurity__plugins/plugins/k8saudit-gke/rules/k8s_audit_rules_gke.yaml"}, -1, 0},
		{"engine v4 + local files", []string{k8s + "engine_v4_k8s_audit_rules.yaml", k8s + "engine_v4/allow_nginx_container.yaml", k8s + "engine_v4/allow_only_apache_container.yaml"}, -1, 0},
		{"falco k8s + appends", []string{root + "/falcosecurity__falco/rules/falco_rules.yaml", root + "/falcosecurity__falco/rules/k8s_audit_rules.yaml", k8s + "allow_namespace_foo.yaml", k8s + "allow_nginx_container.yaml", k8s + "allow_only_apache_container.yaml", k8s + "allow_user_some-user.yaml", k8s + "disallow_kactivity.yaml", k8s + "trust_nginx_container.yaml"}, -1, -1},
		{"json pointer", []string{k8s + "single_rule_with_json_pointer.yaml"}, 1, 0},
		{"falco_rules (syscall)", []string{rulesRepo + "falco_rules.yaml"}, 0, -1},
		{"incubating (syscall)", []string{rulesRepo + "falco_rules.yaml", rulesRepo + "falco-incubating_rules.yaml"}, 0, -1},
		{"sandbox (syscall)", []string{rulesRepo + "falco_rules.yaml", rulesRepo + "falco-sandbox_rules.yaml"}, 0, -1},
		{"archive deprecated", []string{rulesRepo + "falco_rules.yaml", root + "/falcosecurity__rules/archive/falco-deprecated_rules.yaml"}, 0, -1},
		{"archive application", []string{root + "/falcosecurity__rules/archive/application_rules.yaml"}, 0, -1},
		{"falco repo falco_rules", []string{root + "/falcosecurity__falco/rules/falco_rules.yaml", root + "/falcosecurity__falco/rules/falco_rules.local.yaml"}, 0, -1},
		{"falco repo application", []string{root + "/falcosecurity__falco/rules/application_rules.yaml"}, 0, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := Load(readFiles(t, c.files...), Options{Sources: ourSources})
			if err != nil {
				t.Fatalf("%v\n%s", err, diagText(rs))
			}
			if c.rules >= 0 && len(rs.Rules) != c.rules {
				t.Errorf("rules %d, want %d", len(rs.Rules), c.rules)
			}
			for _, r := range rs.Skipped {
				if r.SkipReason != "unknown source "+r.Source || r.Source == "k8s_audit" {
					t.Errorf("rule %q skipped: %s", r.Name, r.SkipReason)
				}
			}
			if c.skipped >= 0 && len(rs.Skipped) != c.skipped {
				t.Errorf("skipped %d, want %d", len(rs.Skipped), c.skipped)
			}
			t.Logf("%d rules, %d skipped, %d lists, %d macros, %d warnings", len(rs.Rules), len(rs.Skipped), len(rs.Lists), len(rs.Macros), len(rs.Warnings()))
		})
	}
}

// Each corpus file on its own never crashes and never gives a structural
// (YAML) error.
func TestCorpusEachFileAlone(t *testing.T) {
	var paths []string
	filepath.WalkDir("/work/shared/corpus/falco", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			paths = append(paths, p)
		}
		return nil
	})
	if len(paths) == 0 {
		t.Skip("no corpus")
	}
	for _, p := range paths {
		rs, _ := Load(readFiles(t, p), Options{Sources: ourSources})
		for _, d := range rs.Errors() {
			if d.Code == ErrYAMLParse || d.Code == ErrYAMLValidate {
				t.Errorf("%s", d)
			}
		}
	}
}

// BenchmarkLoadK8sAudit loads the shipped k8s audit rules (structure and
// references; no compiler).
func BenchmarkLoadK8sAudit(b *testing.B) {
	data, err := os.ReadFile("/work/shared/corpus/falco/falcosecurity__plugins/plugins/k8saudit/rules/k8s_audit_rules.yaml")
	if err != nil {
		b.Skip("no corpus")
	}
	files := []File{{Name: "k8s_audit_rules.yaml", Data: data}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(files, Options{Sources: ourSources}); err != nil {
			b.Fatal(err)
		}
	}
}
