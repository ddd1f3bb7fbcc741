// Package config loads .bulwark.yaml: severity thresholds, path
// exclusions, rule settings and suppression entries.
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

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/suppress"
)

// FileNames are the names searched for, in order, in each directory.
var FileNames = []string{".bulwark.yaml", ".bulwark.yml"}

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

	// Path is the file the configuration was read from, or "".
	Path string `yaml:"-"`
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
		for _, n := range FileNames {
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

var lineRe = regexp.MustCompile(`^yaml: (?:unmarshal errors:\n\s*)?line (\d+): (.*)$`)

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
		msg := err.Error()
		if m := lineRe.FindStringSubmatch(msg); m != nil {
			var line int
			fmt.Sscan(m[1], &line)
			return nil, &Error{Path: path, Line: line, Msg: strings.Replace(m[2], "field ", "unknown key ", 1)}
		}
		return nil, &Error{Path: path, Msg: msg}
	}
	cfg.Path = path
	// Record where each ignore entry is written.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil && len(root.Content) > 0 {
		doc := root.Content[0]
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if doc.Content[i].Value == "ignore" {
				for j, item := range doc.Content[i+1].Content {
					if j < len(cfg.Ignore) {
						cfg.Ignore[j].Line = item.Line
					}
				}
			}
		}
	}
	for i := range cfg.Ignore {
		cfg.Ignore[i].File = path
		if err := cfg.Ignore[i].Validate(); err != nil {
			return nil, &Error{Path: path, Line: cfg.Ignore[i].Line, Msg: err.Error()}
		}
	}
	if cfg.FailOn != "" {
		if _, err := finding.ParseSeverity(cfg.FailOn); err != nil {
			return nil, &Error{Path: path, Msg: "fail-on: " + err.Error()}
		}
	}
	for _, s := range cfg.Severity {
		if _, err := finding.ParseSeverity(s); err != nil {
			return nil, &Error{Path: path, Msg: "severity: " + err.Error()}
		}
	}
	for id, s := range cfg.Rules.Severity {
		if _, err := finding.ParseSeverity(s); err != nil {
			return nil, &Error{Path: path, Msg: fmt.Sprintf("rules.severity.%s: %v", id, err)}
		}
	}
	for _, g := range cfg.TrustedRegistries {
		if _, err := filepath.Match(g, ""); err != nil {
			return nil, &Error{Path: path, Msg: fmt.Sprintf("trusted-registries: bad glob %q", g)}
		}
	}
	for _, g := range cfg.Exclude {
		if !doublestar.ValidatePattern(g) {
			return nil, &Error{Path: path, Msg: fmt.Sprintf("exclude: bad glob %q", g)}
		}
	}
	return cfg, nil
}
