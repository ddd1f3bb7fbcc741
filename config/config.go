// Package config loads .bulwark.yaml: severity thresholds, path
// exclusions, rule settings, suppression entries, the Kubernetes version
// and how Helm charts are rendered.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/strvals"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/pss"
	"github.com/bulwark-sec/bulwark/suppress"
)

// FileNames returns the names searched for, in order, in each directory.
func FileNames() []string { return []string{".bulwark.yaml", ".bulwark.yml"} }

// Config is the content of a .bulwark.yaml file.
type Config struct {
	// FailOn is the lowest severity that fails the run.
	FailOn string `yaml:"fail-on"`
	// Severity lists the severities to show; empty shows all.
	Severity []string `yaml:"severity"`
	// Exclude holds doublestar globs of paths skipped while walking.
	Exclude []string `yaml:"exclude"`
	// Rules adjusts rules.
	Rules Rules `yaml:"rules"`
	// Ignore holds suppression entries.
	Ignore []suppress.Ignore `yaml:"ignore"`
	// TrustedRegistries lists the registries base images may come from
	// (host globs such as "*.gcr.io"); empty allows any.
	TrustedRegistries []string `yaml:"trusted-registries"`
	// KubeVersion is the Kubernetes version manifests are judged for and
	// Helm charts are rendered for ("1.30", "v1.30.2"); empty means the
	// newest Bulwark knows.
	KubeVersion string `yaml:"kube-version"`
	// Helm says how the Helm charts a scan finds are rendered.
	Helm Helm `yaml:"helm"`

	// Path is the file the configuration was read from, or "".
	Path string `yaml:"-"`
}

// Helm says how the Helm charts a scan finds are rendered.
type Helm struct {
	// ReleaseName is .Release.Name for every chart; empty means Helm's
	// "release-name".
	ReleaseName string `yaml:"release-name"`
	// Namespace is .Release.Namespace for every chart; empty means
	// "default".
	Namespace string `yaml:"namespace"`
	// Charts configure particular charts; the others render with their
	// own values.
	Charts []Chart `yaml:"charts"`
}

// Chart says how one chart is rendered.
type Chart struct {
	// Path is the chart's folder, relative to the config file's folder.
	Path string `yaml:"path"`
	// ReleaseName and Namespace override Helm's for this chart.
	ReleaseName string `yaml:"release-name"`
	Namespace   string `yaml:"namespace"`
	// Values are the values sets the chart is rendered with, each a render
	// of its own; none means the chart's own values.
	Values []ValuesSet `yaml:"values"`
	// Line is where the entry is written in the config file.
	Line int `yaml:"-"`
}

// ValuesSet is one set of values a chart is rendered with, merged as helm
// template merges them: files in order, then set, then set-string.
type ValuesSet struct {
	// Name names the set in findings; empty means the first file's base
	// name, else "default".
	Name string `yaml:"name"`
	// Files are values files, relative to the config file's folder.
	Files []string `yaml:"files"`
	// Set and SetString are --set and --set-string strings ("a.b=c,d=e").
	Set       []string `yaml:"set"`
	SetString []string `yaml:"set-string"`
	// Line is where the set is written in the config file.
	Line int `yaml:"-"`
}

// SetName is the name findings give the set.
func (v ValuesSet) SetName() string {
	switch {
	case v.Name != "":
		return v.Name
	case len(v.Files) > 0:
		return filepath.Base(v.Files[0])
	}
	return "default"
}

// Dir is the folder the config's relative paths start from: the config
// file's folder, or "" when there is no config file.
func (c *Config) Dir() string {
	if c.Path == "" {
		return ""
	}
	return filepath.Dir(c.Path)
}

// Rules adjusts the rule set.
type Rules struct {
	// Disable lists rule IDs or slugs that do not run.
	Disable []string `yaml:"disable"`
	// Severity overrides a rule's default severity.
	Severity map[string]string `yaml:"severity"`
}

// Error is a configuration problem, with the file and line.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Find looks for a config file in dir and its parents and returns its path,
// or "" when there is none.
func Find(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("finding config: %w", err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		abs = filepath.Dir(abs)
	}
	for {
		for _, n := range FileNames() {
			p := filepath.Join(abs, n)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p, nil
			}
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", nil
		}
		abs = parent
	}
}

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(path, data)
}

// Parse reads and validates config data named path.
func Parse(path string, data []byte) (*Config, error) {
	cfg := &Config{Path: path}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, decodeError(path, err)
	}
	cfg.Path = path
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	at := func(keys ...string) int { return lineOf(&root, keys...) }
	// Record where each ignore entry is written.
	if n := nodeOf(&root, "ignore"); n != nil {
		for j, item := range n.Content {
			if j < len(cfg.Ignore) {
				cfg.Ignore[j].Line = item.Line
			}
		}
	}
	for i := range cfg.Ignore {
		cfg.Ignore[i].File = path
		if err := cfg.Ignore[i].Validate(); err != nil {
			return nil, &Error{Path: path, Line: cfg.Ignore[i].Line, Msg: err.Error()}
		}
	}
	if cfg.FailOn != "" && !strings.EqualFold(cfg.FailOn, "none") {
		if _, err := finding.ParseSeverity(cfg.FailOn); err != nil {
			return nil, &Error{Path: path, Line: at("fail-on"), Msg: "fail-on: " + err.Error()}
		}
	}
	for _, s := range cfg.Severity {
		if _, err := finding.ParseSeverity(s); err != nil {
			return nil, &Error{Path: path, Line: at("severity"), Msg: "severity: " + err.Error()}
		}
	}
	for id, s := range cfg.Rules.Severity {
		if _, err := finding.ParseSeverity(s); err != nil {
			return nil, &Error{Path: path, Line: at("rules", "severity", id), Msg: fmt.Sprintf("rules.severity.%s: %v", id, err)}
		}
	}
	for _, g := range cfg.TrustedRegistries {
		if _, err := filepath.Match(g, ""); err != nil {
			return nil, &Error{Path: path, Line: at("trusted-registries"), Msg: fmt.Sprintf("trusted-registries: bad glob %q", g)}
		}
	}
	for _, g := range cfg.Exclude {
		if !doublestar.ValidatePattern(g) {
			return nil, &Error{Path: path, Line: at("exclude"), Msg: fmt.Sprintf("exclude: bad glob %q", g)}
		}
	}
	if cfg.KubeVersion != "" {
		if _, err := pss.ParseVersion(cfg.KubeVersion); err != nil {
			return nil, &Error{Path: path, Line: at("kube-version"), Msg: fmt.Sprintf("kube-version: %q is not a Kubernetes version such as 1.30", cfg.KubeVersion)}
		}
	}
	if err := cfg.checkHelm(&root); err != nil {
		return nil, err
	}
	return cfg, nil
}

// checkHelm records where each chart and values set is written and checks
// them.
func (cfg *Config) checkHelm(root *yaml.Node) error {
	fail := func(line int, format string, args ...any) error {
		return &Error{Path: cfg.Path, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if n := nodeOf(root, "helm", "charts"); n != nil {
		for i, item := range n.Content {
			if i >= len(cfg.Helm.Charts) {
				break
			}
			c := &cfg.Helm.Charts[i]
			c.Line = item.Line
			if vs := childOf(item, "values"); vs != nil {
				for j, v := range vs.Content {
					if j < len(c.Values) {
						c.Values[j].Line = v.Line
					}
				}
			}
		}
	}
	names := func(field, name string, line int) error {
		if name == "" {
			return nil
		}
		if err := chartutil.ValidateReleaseName(name); err != nil {
			return fail(line, "%s %q: %v", field, name, err)
		}
		return nil
	}
	if err := names("helm.release-name", cfg.Helm.ReleaseName, lineOf(root, "helm", "release-name")); err != nil {
		return err
	}
	seen := map[string]int{}
	for _, c := range cfg.Helm.Charts {
		if strings.TrimSpace(c.Path) == "" {
			return fail(c.Line, "helm.charts: path is required")
		}
		clean := filepath.Clean(filepath.FromSlash(c.Path))
		if l, dup := seen[clean]; dup {
			return fail(c.Line, "helm.charts: chart %s is already configured at line %d", c.Path, l)
		}
		seen[clean] = c.Line
		if err := names("release-name", c.ReleaseName, c.Line); err != nil {
			return err
		}
		sets := map[string]bool{}
		for _, v := range c.Values {
			if sets[v.SetName()] {
				return fail(v.Line, "chart %s: values set %q appears twice; give each set its own name", c.Path, v.SetName())
			}
			sets[v.SetName()] = true
			for _, s := range v.Set {
				if _, err := strvals.Parse(s); err != nil {
					return fail(v.Line, "chart %s: values set %q: set %q: %v", c.Path, v.SetName(), s, err)
				}
			}
			for _, s := range v.SetString {
				if _, err := strvals.ParseString(s); err != nil {
					return fail(v.Line, "chart %s: values set %q: set-string %q: %v", c.Path, v.SetName(), s, err)
				}
			}
			for _, f := range v.Files {
				if strings.TrimSpace(f) == "" {
					return fail(v.Line, "chart %s: values set %q: empty file name", c.Path, v.SetName())
				}
			}
		}
	}
	return nil
}

// childOf returns the value of key in mapping node n, or nil.
func childOf(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// nodeOf returns the value node at the key path in a YAML document, or nil.
func nodeOf(root *yaml.Node, keys ...string) *yaml.Node {
	if len(root.Content) == 0 {
		return nil
	}
	n := root.Content[0]
	for _, k := range keys {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

func lineOf(root *yaml.Node, keys ...string) int {
	if n := nodeOf(root, keys...); n != nil {
		return n.Line
	}
	return 0
}

var (
	lineRe     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownRe  = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	wrongTypes = strings.NewReplacer(
		"into []string", "(want a list of strings)",
		"into []suppress.Ignore", "(want a list of entries)",
		"into map[string]string", "(want a mapping)",
		"into config.Rules", "(want a mapping)",
		"into config.Config", "(want a mapping)",
		"into config.Helm", "(want a mapping)",
		"into []config.Chart", "(want a list of charts)",
		"into config.Chart", "(want a mapping)",
		"into []config.ValuesSet", "(want a list of values sets)",
		"into config.ValuesSet", "(want a mapping)",
		"into suppress.Ignore", "(want a mapping)",
		"into string", "(want a string)",
	)
)

// decodeError turns a YAML decoding error into one Error per problem,
// each with the file and line, and no Go type names.
func decodeError(path string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out []error
	for _, msg := range msgs {
		e := &Error{Path: path, Msg: strings.TrimPrefix(msg, "yaml: ")}
		if m := lineRe.FindStringSubmatch(msg); m != nil {
			fmt.Sscan(m[1], &e.Line)
			e.Msg = m[2]
		}
		if m := unknownRe.FindStringSubmatch(e.Msg); m != nil {
			e.Msg = fmt.Sprintf("unknown key %q", m[1])
		}
		e.Msg = wrongTypes.Replace(e.Msg)
		out = append(out, e)
	}
	return errors.Join(out...)
}
