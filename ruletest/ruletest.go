// Package ruletest runs a rule over testdata files whose comments state
// what must and must not be found, in the manner of analysistest.
//
// In a Dockerfile, a comment line
//
//	# want DF001 "regexp" [DF002 "regexp" ...]
//
// expects each listed finding in the next instruction, and
//
//	# ok DF001 -- why it must not fire
//
// documents that the next instruction must not produce DF001. A "want"
// written at the end of an instruction's last line (after a shell comment
// '#') applies to that instruction. Every finding of the rule under test
// must be expected and every expectation met, and only a rule marked
// Fixable may attach fixes to its findings.
package ruletest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/config"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/fix"
	"github.com/bulwark-sec/bulwark/pss"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/source/dockerfile"
	"github.com/bulwark-sec/bulwark/suppress"
)

// Expectation is a finding a testdata line asks for.
type Expectation struct {
	RuleID   string
	Pattern  *regexp.Regexp
	From, To int
	Line     int // where the expectation is written
	met      bool
}

// Negative is an "ok" annotation.
type Negative struct {
	RuleID   string
	From, To int
	Line     int
}

var (
	wantRe = regexp.MustCompile(`#\s*want\s+(.*)$`)
	pairRe = regexp.MustCompile(`([A-Z]{2,4}[0-9]{3})\s+"((?:[^"\\]|\\.)*)"`)
	okRe   = regexp.MustCompile(`^#\s*ok\s+([A-Z]{2,4}[0-9]{3}(?:[\s,]+[A-Z]{2,4}[0-9]{3})*)`)
)

// Annotations reads the expectations of a Dockerfile.
func Annotations(f *dockerfile.File) ([]*Expectation, []Negative, error) {
	var wants []*Expectation
	var oks []Negative
	next := func(line int) (int, int) {
		for _, in := range f.Instructions {
			if in.StartLine > line {
				return in.StartLine, in.EndLine
			}
		}
		return line, line
	}
	containing := func(line int) (int, int) {
		if in := f.InstructionAt(line); in != nil {
			return in.StartLine, in.EndLine
		}
		return line, line
	}
	for n := 1; n <= f.LineCount(); n++ {
		text := f.Line(n)
		trimmed := strings.TrimSpace(text)
		if m := okRe.FindStringSubmatch(trimmed); m != nil {
			from, to := next(n)
			for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
				oks = append(oks, Negative{RuleID: id, From: from, To: to, Line: n})
			}
			continue
		}
		m := wantRe.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		var from, to int
		if strings.HasPrefix(trimmed, "#") {
			from, to = next(n)
		} else {
			from, to = containing(n)
		}
		pairs := pairRe.FindAllStringSubmatch(m[1], -1)
		if len(pairs) == 0 {
			return nil, nil, fmt.Errorf("%s:%d: malformed want comment", f.Path, n)
		}
		for _, p := range pairs {
			re, err := regexp.Compile(strings.ReplaceAll(p[2], `\"`, `"`))
			if err != nil {
				return nil, nil, fmt.Errorf("%s:%d: %v", f.Path, n, err)
			}
			wants = append(wants, &Expectation{RuleID: p[1], Pattern: re, From: from, To: to, Line: n})
		}
	}
	return wants, oks, nil
}

// LineAnnotations reads the expectations of a file with '#' comments
// (YAML, shell, Makefile). A comment line "# want ID \"re\"" or "# ok ID"
// applies to the next line that is neither blank nor a comment; the same
// written after code applies to its own line. Either way it covers the
// whole command that line belongs to: lines joined by a trailing
// backslash count as one.
func LineAnnotations(path string, src []byte) ([]*Expectation, []Negative, error) {
	lines := strings.Split(string(src), "\n")
	next := func(i int) int {
		for j := i + 1; j < len(lines); j++ {
			t := strings.TrimSpace(lines[j])
			if t != "" && !strings.HasPrefix(t, "#") {
				return j + 1
			}
		}
		return i + 1
	}
	continues := func(n int) bool { // line n (1-based) ends with a backslash
		return n >= 1 && n <= len(lines) && strings.HasSuffix(strings.TrimRight(lines[n-1], " \t\r"), "\\")
	}
	command := func(n int) (from, to int) {
		from, to = n, n
		for continues(from - 1) {
			from--
		}
		for continues(to) && to < len(lines) {
			to++
		}
		return from, to
	}
	var wants []*Expectation
	var oks []Negative
	for i, text := range lines {
		n := i + 1
		trimmed := strings.TrimSpace(text)
		target := n
		if strings.HasPrefix(trimmed, "#") {
			target = next(i)
		}
		from, to := command(target)
		if m := okRe.FindStringSubmatch(trimmed); m != nil {
			for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
				oks = append(oks, Negative{RuleID: id, From: from, To: to, Line: n})
			}
			continue
		}
		m := wantRe.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		ws, err := parseWants(path, n, m[1], from, to)
		if err != nil {
			return nil, nil, err
		}
		wants = append(wants, ws...)
	}
	return wants, oks, nil
}

// SidecarAnnotations reads expectations for a file that cannot hold
// comments (JSON) from a sidecar file: one line each, "LINE want ID
// \"re\"" or "LINE ok ID".
func SidecarAnnotations(path string) ([]*Expectation, []Negative, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("expectations for a JSON input go in %s: %w", path, err)
	}
	var wants []*Expectation
	var oks []Negative
	for i, text := range strings.Split(string(data), "\n") {
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "//") {
			continue
		}
		var line int
		var rest string
		if _, err := fmt.Sscanf(text, "%d", &line); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: want a line number first", path, i+1)
		}
		rest = strings.TrimSpace(strings.TrimLeft(text, "0123456789"))
		switch {
		case strings.HasPrefix(rest, "want "):
			ws, err := parseWants(path, i+1, strings.TrimPrefix(rest, "want "), line, line)
			if err != nil {
				return nil, nil, err
			}
			wants = append(wants, ws...)
		case strings.HasPrefix(rest, "ok "):
			for _, id := range strings.Fields(strings.TrimPrefix(rest, "ok "))[:1] {
				oks = append(oks, Negative{RuleID: id, From: line, To: line, Line: i + 1})
			}
		default:
			return nil, nil, fmt.Errorf("%s:%d: want \"LINE want ID \\\"re\\\"\" or \"LINE ok ID\"", path, i+1)
		}
	}
	return wants, oks, nil
}

func parseWants(path string, n int, text string, from, to int) ([]*Expectation, error) {
	pairs := pairRe.FindAllStringSubmatch(text, -1)
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%s:%d: malformed want comment", path, n)
	}
	var out []*Expectation
	for _, p := range pairs {
		re, err := regexp.Compile(strings.ReplaceAll(p[2], `\"`, `"`))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		out = append(out, &Expectation{RuleID: p[1], Pattern: re, From: from, To: to, Line: n})
	}
	return out, nil
}

// Counts is what a Run saw, for meta-tests.
type Counts struct {
	Wants, Oks, Goldens int
}

// Run runs r over every file in dir, checks the annotations, and checks
// each fix against a "<file>.golden" beside the input. A .bulwark.yaml in
// dir supplies rule settings (trusted-registries, kube-version) for every file
// of a second pass over the folder's files whose names contain
// ".settings".
func Run(t testing.TB, reg *rule.Registry, r *rule.Rule, dir string) Counts {
	t.Helper()
	var counts Counts
	var settings rule.Settings
	if cfg, err := config.Load(filepath.Join(dir, ".bulwark.yaml")); err == nil {
		settings.TrustedRegistries = cfg.TrustedRegistries
		if cfg.KubeVersion != "" {
			// The config has checked it; the command line passes it on in
			// this canonical form.
			settings.KubeVersion, _ = pss.ParseVersion(cfg.KubeVersion)
		}
	} else if !os.IsNotExist(errors.Unwrap(err)) {
		t.Fatalf("testdata config: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading testdata: %v", err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".golden") || strings.HasSuffix(e.Name(), ".dockerignore") ||
			strings.HasSuffix(e.Name(), ".want") || strings.HasSuffix(e.Name(), ".env") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		var set rule.Settings
		if strings.Contains(e.Name(), ".settings") {
			set = settings
		}
		c := checkFile(t, reg, r, p, set)
		counts.Wants += c.Wants
		counts.Oks += c.Oks
		counts.Goldens += c.Goldens
	}
	return counts
}

// Findings runs rules over one Dockerfile with inline suppressions applied.
func Findings(reg *rule.Registry, rules []*rule.Rule, path string) ([]finding.Finding, []scan.FileError) {
	return FindingsWith(reg, rules, path, rule.Settings{})
}

// FindingsWith is Findings with rule settings.
func FindingsWith(reg *rule.Registry, rules []*rule.Rule, path string, set rule.Settings) ([]finding.Finding, []scan.FileError) {
	m := suppress.NewMatcher(reg, nil, false, time.Now())
	res := scan.AnalyzeTargets(context.Background(), []scan.Target{{Path: path, Kind: KindOf(path)}}, scan.Options{Rules: rules, Matcher: m, Workers: 1, Settings: set})
	var out []finding.Finding
	for _, f := range res.Findings {
		if f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out, res.Errors
}

// KindOf is the file kind a testdata file is analysed as: by name, else by
// content.
func KindOf(path string) scan.FileKind {
	if k := scan.KindOf(path); k != "" {
		return k
	}
	return scan.SniffKind(path)
}

func checkFile(t testing.TB, reg *rule.Registry, r *rule.Rule, path string, set rule.Settings) Counts {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wants []*Expectation
	var oks []Negative
	switch kind := KindOf(path); kind {
	case scan.KindDockerfile:
		f, perr := dockerfile.Parse(path, src)
		if perr != nil {
			t.Errorf("%s: %v", path, perr)
			return Counts{}
		}
		wants, oks, err = Annotations(f)
	case scan.KindInspect:
		wants, oks, err = SidecarAnnotations(path + ".want")
	default:
		wants, oks, err = LineAnnotations(path, src)
	}
	if err != nil {
		t.Error(err)
		return Counts{}
	}
	found, errs := FindingsWith(reg, []*rule.Rule{r}, path, set)
	for _, e := range errs {
		t.Errorf("%s", e.Error())
	}
	var c Counts
	for _, w := range wants {
		if w.RuleID == r.ID {
			c.Wants++
		}
	}
	for _, o := range oks {
		if o.RuleID == r.ID {
			c.Oks++
		}
	}
	for _, fd := range found {
		line := fd.Location.Start.Line
		if len(fd.Fixes) > 0 && !r.Fixable {
			t.Errorf("%s:%d: %s finding carries a fix but the rule is not Fixable", path, line, fd.RuleID)
		}
		matched := false
		for _, w := range wants {
			if !w.met && w.RuleID == fd.RuleID && w.From <= line && line <= w.To && w.Pattern.MatchString(fd.Message) {
				w.met, matched = true, true
				break
			}
		}
		if !matched {
			t.Errorf("%s:%d:%d: unexpected finding %s %q", path, line, fd.Location.Start.Column, fd.RuleID, fd.Message)
		}
		for _, o := range oks {
			if o.RuleID == fd.RuleID && o.From <= line && line <= o.To {
				t.Errorf("%s:%d: %s fired where line %d says it must not", path, line, fd.RuleID, o.Line)
			}
		}
	}
	for _, w := range wants {
		if w.RuleID == r.ID && !w.met {
			t.Errorf("%s:%d: expected %s matching %q at lines %d-%d, found none", path, w.Line, w.RuleID, w.Pattern, w.From, w.To)
		}
	}
	golden := path + ".golden"
	if want, err := os.ReadFile(golden); err == nil {
		c.Goldens++
		checkGolden(t, reg, r, path, src, found, want, set)
	}
	return c
}

// checkGolden applies the findings' fixes, compares the result with the
// golden file, and re-scans the result to prove the fixed findings gone.
func checkGolden(t testing.TB, reg *rule.Registry, r *rule.Rule, path string, src []byte, found []finding.Finding, want []byte, set rule.Settings) {
	t.Helper()
	got, outcomes := fix.Apply(src, found)
	fixed := 0
	for _, o := range outcomes {
		if o.Applied {
			fixed++
		}
	}
	if fixed == 0 {
		t.Errorf("%s: a golden file exists but no finding carries a fix", path)
	}
	if !bytes.Equal(got, want) {
		if os.Getenv("BULWARK_UPDATE_GOLDEN") != "" {
			if err := os.WriteFile(path+".golden", got, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s: fixed output differs from %s.golden:\n--- got ---\n%s\n--- want ---\n%s", path, filepath.Base(path), got, want)
		return
	}
	tmp := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(tmp, got, 0o644); err != nil {
		t.Fatal(err)
	}
	again, errs := FindingsWith(reg, []*rule.Rule{r}, tmp, set)
	for _, e := range errs {
		t.Errorf("re-scanning fixed %s: %s", path, e.Error())
	}
	var still []string
	for _, fd := range again {
		if len(fd.Fixes) > 0 {
			still = append(still, fmt.Sprintf("line %d: %s", fd.Location.Start.Line, fd.Message))
		}
	}
	sort.Strings(still)
	if len(still) > 0 {
		t.Errorf("%s: after fixing, %s still reports fixable findings: %v", path, r.ID, still)
	}
}

// RunRules runs every rule in rules over testdata/<ID>/ below dir and
// requires each to have at least one case that fires and one that must
// not, and each fixable rule a golden fix.
func RunRules(t *testing.T, rules []*rule.Rule, dir string) {
	t.Helper()
	reg, err := rule.NewRegistry(rules...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reg.All() {
		t.Run(r.ID, func(t *testing.T) {
			rd := filepath.Join(dir, r.ID)
			if _, err := os.Stat(rd); err != nil {
				t.Fatalf("rule %s has no testdata folder %s", r.ID, rd)
			}
			c := Run(t, reg, r, rd)
			if c.Wants == 0 {
				t.Errorf("testdata for %s has no '# want %s' case", r.ID, r.ID)
			}
			if c.Oks == 0 {
				t.Errorf("testdata for %s has no '# ok %s' case", r.ID, r.ID)
			}
			if r.Fixable && c.Goldens == 0 {
				t.Errorf("%s is fixable but has no .golden file", r.ID)
			}
		})
	}
}
