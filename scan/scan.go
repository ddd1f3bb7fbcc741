// Package scan finds the files to analyse, runs the rules over them with
// bounded concurrency, and applies suppressions.
package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/container"
	"github.com/bulwark-sec/bulwark/source/dockerfile"
	"github.com/bulwark-sec/bulwark/source/kube"
	"github.com/bulwark-sec/bulwark/suppress"
)

// DefaultMaxFileBytes is the largest file analysed unless Options says
// otherwise.
const DefaultMaxFileBytes = 4 << 20

// Options configure a scan.
type Options struct {
	// Rules are the rules to run.
	Rules []*rule.Rule
	// Severity overrides rules' default severities by rule ID.
	Severity map[string]finding.Severity
	// Workers bounds the files analysed at once; 0 means the number of CPUs.
	Workers int
	// Exclude holds doublestar globs of paths not to walk into or analyse.
	// A glob matches a path as scanned, relative to the scanned folder, or
	// relative to ExcludeBase.
	Exclude []string
	// ExcludeBase is the folder of the config file the globs come from.
	ExcludeBase string
	// Matcher applies suppressions; nil suppresses nothing.
	Matcher *suppress.Matcher
	// MaxFileBytes is the largest file read; 0 means DefaultMaxFileBytes.
	MaxFileBytes int
	// Settings are handed to every rule.
	Settings rule.Settings

	// onSet, when set, is handed every manifest of the scan (Manifests).
	onSet func(*kube.Set)
	// Render says how Helm charts and kustomizations are rendered.
	Render RenderOptions
}

// FileKind is the kind of an input file.
type FileKind string

// File kinds.
const (
	KindDockerfile FileKind = "dockerfile"
	KindCompose    FileKind = "compose"
	KindScript     FileKind = "script"
	KindInspect    FileKind = "inspect"
	// KindKube is a Kubernetes manifest: YAML or JSON whose documents are
	// objects with apiVersion and kind.
	KindKube FileKind = "kube"
)

// Supported reports whether files of kind k are analysed when found while
// walking. Kinds whose source is still being built are only analysed when
// named explicitly.
func Supported(k FileKind) bool {
	switch k {
	case KindDockerfile, KindCompose, KindScript, KindKube, KindHelm, KindKustomize:
		return true
	}
	return false
}

// RuleKinds returns the kinds of rules that run on a file kind.
func RuleKinds(k FileKind) []rule.Kind {
	switch k {
	case KindDockerfile:
		return []rule.Kind{rule.Dockerfile}
	case KindCompose:
		return []rule.Kind{rule.Container, rule.Compose}
	case KindScript, KindInspect:
		return []rule.Kind{rule.Container}
	case KindKube, KindHelm, KindKustomize:
		return []rule.Kind{rule.Container, rule.Kube}
	}
	return nil
}

// Target is a file to analyse and its kind.
type Target struct {
	Path string
	Kind FileKind
	// Root is the scanned folder the file was found under ("" for a file
	// named explicitly). Sources look no higher than Root for context.
	Root string
}

// FileError is a file that could not be analysed completely.
type FileError = finding.FileError

// Result is what a scan found.
type Result struct {
	// Paths are the files analysed, in order.
	Paths []string
	// Targets are the same files with their kinds.
	Targets []Target
	// Findings are sorted by path and position; suppressed ones are kept
	// and marked.
	Findings []finding.Finding
	// Errors lists files that could not be analysed completely.
	Errors []FileError
	// Notes are remarks about inputs that are not weaknesses.
	Notes []finding.Note
}

// skipDirs are never walked into.
var skipDirs = map[string]bool{".git": true, "vendor": true, "node_modules": true, ".hg": true, ".svn": true}

// notDockerfileSuffixes mark files named like Dockerfiles that are not:
// ignore files, docs, templates, backups and editor leftovers.
var notDockerfileSuffixes = []string{
	".dockerignore", ".md", ".template", ".tmpl", ".tpl", ".j2", ".jinja", ".jinja2", ".erb",
	".in", ".orig", ".bak", ".rej", ".swp", "~", ".golden",
}

// KindOf returns the kind of file name by its base name, or "" when it is
// not a file Bulwark analyses.
func KindOf(name string) FileKind {
	base := strings.ToLower(path.Base(filepath.ToSlash(name)))
	for _, suffix := range notDockerfileSuffixes {
		if strings.HasSuffix(base, suffix) {
			return ""
		}
	}
	slash := "/" + strings.TrimPrefix(filepath.ToSlash(name), "/")
	yaml := strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")
	switch {
	case base == "dockerfile" || base == "containerfile",
		strings.HasPrefix(base, "dockerfile.") || strings.HasPrefix(base, "dockerfile-") || strings.HasPrefix(base, "dockerfile_"),
		strings.HasPrefix(base, "containerfile."),
		strings.HasSuffix(base, ".dockerfile") || strings.HasSuffix(base, ".containerfile"):
		return KindDockerfile
	case yaml && (strings.HasPrefix(base, "compose") || strings.HasPrefix(base, "docker-compose") ||
		strings.HasPrefix(base, "docker-stack") || strings.Contains(base, "-stack.") || strings.Contains(base, ".compose.")):
		return KindCompose
	case yaml && (strings.Contains(slash, "/.github/workflows/") || base == ".gitlab-ci.yml" || base == ".gitlab-ci.yaml"):
		return KindScript
	case strings.HasSuffix(base, ".sh") || strings.HasSuffix(base, ".bash"),
		base == "makefile" || base == "gnumakefile" || strings.HasSuffix(base, ".mk"):
		return KindScript
	}
	return ""
}

// sniffWhileWalking reports the kind of a walked file whose name alone
// does not tell: a YAML file with a top-level "services:" is a Compose
// file (stack files go by many names), one with a top-level apiVersion
// and kind a Kubernetes manifest (as is such a JSON file), and an
// extension-less file that starts with a shell #! line is a script.
func sniffWhileWalking(p, base string) FileKind {
	lower := strings.ToLower(base)
	switch {
	case strings.HasSuffix(lower, ".yml") || strings.HasSuffix(lower, ".yaml"):
		if k := SniffKind(p); k == KindCompose || k == KindKube {
			return k
		}
	case strings.HasSuffix(lower, ".json"):
		// JSON files are many (package.json, ...): read them only when
		// manifests are analysed while walking.
		if Supported(KindKube) && SniffKind(p) == KindKube {
			return KindKube
		}
	case !strings.Contains(base, "."):
		if k := SniffKind(p); k == KindScript {
			return k
		}
	}
	return ""
}

// manifestNamedLikeStack corrects the kind of a Kubernetes manifest whose
// name looks like a Docker stack file ("helloworld-dual-stack.yaml"): a
// name that says Compose only by "-stack." is checked against the content.
func manifestNamedLikeStack(p string, kind FileKind) FileKind {
	base := strings.ToLower(filepath.Base(p))
	if kind != KindCompose || !strings.Contains(base, "-stack.") || strings.HasPrefix(base, "docker-") || strings.HasPrefix(base, "compose") {
		return kind
	}
	if SniffKind(p) == KindKube {
		return KindKube
	}
	return kind
}

func excluded(globs []string, base, rel, full string) bool {
	candidates := []string{rel, full, path.Base(full)}
	if r := suppress.RelativeTo(base, full); r != "" {
		candidates = append(candidates, r)
	}
	for _, g := range globs {
		for _, p := range candidates {
			if ok, _ := doublestar.Match(g, p); ok {
				return true
			}
		}
	}
	return false
}

// Discover walks paths and returns the files to analyse. A file named
// explicitly is analysed whatever its name: by its name when that tells,
// as docker inspect output when it ends in .json, else by its content.
// Excluded directories are not walked into.
func Discover(paths []string, exclude []string, base string) ([]Target, []FileError, error) {
	var targets []Target
	var errs []FileError
	seen := map[string]bool{}
	add := func(t Target) {
		key := t.Path
		if abs, err := filepath.Abs(filepath.FromSlash(t.Path)); err == nil {
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				key = real
			} else {
				key = abs
			}
		}
		if !seen[key] {
			seen[key] = true
			targets = append(targets, t)
		}
	}
	for _, root := range paths {
		root = filepath.Clean(root)
		fi, err := os.Stat(root)
		if err != nil {
			return nil, nil, fmt.Errorf("scanning %s: %w", root, err)
		}
		if !fi.IsDir() {
			if t, ok := renderFile(root); ok {
				add(t)
				continue
			}
			kind := manifestNamedLikeStack(root, KindOf(root))
			switch {
			case kind != "":
			case strings.HasSuffix(strings.ToLower(root), ".json"):
				kind = KindInspect // docker inspect output, named explicitly
				if SniffKind(root) == KindKube {
					kind = KindKube
				}
			default:
				kind = SniffKind(root)
			}
			add(Target{Path: filepath.ToSlash(root), Kind: kind})
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			slash := filepath.ToSlash(p)
			if err != nil {
				errs = append(errs, FileError{Path: slash, Err: err.Error()})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if p != root && (skipDirs[d.Name()] || excluded(exclude, base, rel, slash) || helmTemplates(p, d.Name())) {
					return fs.SkipDir
				}
				if t, ok := renderFolder(p, root); ok {
					add(t)
				}
				return nil
			}
			if excluded(exclude, base, rel, slash) || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
				return nil
			}
			kind := manifestNamedLikeStack(p, KindOf(rel))
			if kind == "" {
				kind = sniffWhileWalking(p, d.Name())
			}
			if kind == "" || !Supported(kind) {
				return nil
			}
			add(Target{Path: slash, Kind: kind, Root: filepath.ToSlash(root)})
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("walking %s: %w", root, err)
		}
	}
	return dropPatches(targets), errs, nil
}

// helmTemplates reports whether the directory is the templates folder of a
// Helm chart (a sibling Chart.yaml): its YAML holds {{ }} template actions
// and is not a manifest until rendered.
func helmTemplates(p, name string) bool {
	if name != "templates" {
		return false
	}
	fi, err := os.Stat(filepath.Join(filepath.Dir(p), "Chart.yaml"))
	return err == nil && fi.Mode().IsRegular()
}

// fileResult is what analysing one file produced.
type fileResult struct {
	findings   []finding.Finding
	directives []suppress.Directive
	errs       []FileError
	notes      []finding.Note
	// kube is the parsed manifest, for the KubeSet rules that run over
	// every manifest of the scan at once.
	kube *kube.File
	// rendered holds, for a chart or kustomization, the result of each
	// rendered piece; origin, on such a result, where the piece came from
	// (render.go).
	rendered []fileResult
	origin   *renderOrigin
}

// Run discovers the files under paths and analyses them.
func Run(ctx context.Context, paths []string, opts Options) (*Result, error) {
	targets, errs, err := Discover(paths, opts.Exclude, opts.ExcludeBase)
	if err != nil {
		return nil, err
	}
	res := AnalyzeTargets(ctx, targets, opts)
	res.Errors = append(errs, res.Errors...)
	return res, nil
}

// AnalyzeTargets analyses the given targets.
func AnalyzeTargets(ctx context.Context, targets []Target, opts Options) *Result {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	results := make([]fileResult, len(targets))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = analyze(ctx, targets[i], opts)
			}
		}()
	}
feed:
	for i := range targets {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()

	res := &Result{}
	for _, t := range targets {
		res.Paths = append(res.Paths, t.Path)
		res.Targets = append(res.Targets, t)
	}
	targets, results = flattenRendered(targets, results)
	if ctx.Err() == nil {
		res.Errors = append(res.Errors, runSet(targets, results, opts)...)
	}
	for i := range results {
		r := &results[i]
		r.origin.placePaths(r)
		if opts.Matcher != nil {
			opts.Matcher.Apply(r.findings, r.directives)
		}
		r.origin.placeLines(r)
		res.Findings = append(res.Findings, r.findings...)
		res.Errors = append(res.Errors, r.errs...)
		res.Notes = append(res.Notes, r.notes...)
	}
	if ctx.Err() != nil {
		res.Errors = append(res.Errors, FileError{Path: "", Err: "scan cancelled: " + ctx.Err().Error()})
	}
	res.Findings = dedupeRendered(res.Findings)
	sort.SliceStable(res.Findings, func(i, j int) bool { return finding.Less(&res.Findings[i], &res.Findings[j]) })
	return res
}

// ReadFile reads at most limit bytes of a regular file.
func ReadFile(p string, limit int) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > int64(limit) {
		return nil, fmt.Errorf("file is %d bytes, larger than the %d-byte limit", fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("file is larger than the %d-byte limit", limit)
	}
	return data, nil
}

// AnalyzeData analyses data as the content of target t: it reports what
// a scan of t would if the file held data (fix re-scans a file it has
// edited, before writing it, this way). Suppressions and severity
// overrides apply as in AnalyzeTargets.
func AnalyzeData(t Target, data []byte, opts Options) *Result {
	r := analyzeData(t, data, opts)
	if opts.Matcher != nil {
		opts.Matcher.Apply(r.findings, r.directives)
	}
	res := &Result{Paths: []string{t.Path}, Targets: []Target{t}, Findings: r.findings, Errors: r.errs, Notes: r.notes}
	sort.SliceStable(res.Findings, func(i, j int) bool { return finding.Less(&res.Findings[i], &res.Findings[j]) })
	return res
}

func analyzeFile(t Target, opts Options) fileResult {
	limit := opts.MaxFileBytes
	if limit <= 0 {
		limit = DefaultMaxFileBytes
	}
	data, err := ReadFile(filepath.FromSlash(t.Path), limit)
	if err != nil {
		return fileResult{errs: []FileError{{Path: t.Path, Err: unwrapPathError(err)}}}
	}
	return analyzeData(t, data, opts)
}

func analyzeData(t Target, data []byte, opts Options) fileResult {
	limit := opts.MaxFileBytes
	if limit <= 0 {
		limit = DefaultMaxFileBytes
	}
	var err error
	switch t.Kind {
	case KindDockerfile:
		f, err := dockerfile.ParseWithLimits(t.Path, data, dockerfile.Limits{MaxBytes: limit})
		if err != nil {
			return fileResult{errs: []FileError{parseError(t.Path, err)}}
		}
		f.Context = readContext(t.Path, t.Root)
		r := runRules(t, f, opts)
		r.directives = f.Suppressions()
		return r
	case KindCompose, KindScript, KindInspect:
		var f *container.File
		switch t.Kind {
		case KindCompose:
			f, err = container.LoadCompose(t.Path, data)
		case KindScript:
			f, err = container.ParseScript(t.Path, data)
		default:
			f, err = container.ParseInspect(t.Path, data)
		}
		if err != nil {
			return fileResult{errs: []FileError{parseError(t.Path, err)}}
		}
		r := runRules(t, f, opts)
		r.directives = f.Directives
		r.notes = Notes(f)
		return r
	case KindKube:
		return analyzeManifest(t, data, opts)
	}
	return fileResult{errs: []FileError{{Path: t.Path, Err: fmt.Sprintf("no analyzer for kind %q", t.Kind)}}}
}

// analyzeManifest runs the rules over a Kubernetes manifest: Container
// rules over its workload containers, Kube rules over its objects. The
// documents that do not decode are errors; the others are still analysed.
func analyzeManifest(t Target, data []byte, opts Options) fileResult {
	f, err := kube.Parse(t.Path, data)
	var r fileResult
	for _, k := range RuleKinds(t.Kind) {
		if !slices.ContainsFunc(opts.Rules, func(rl *rule.Rule) bool { return rl.Kind == k }) {
			continue
		}
		var target any = f
		if k == rule.Container {
			target = f.ContainerFile()
		}
		kr := runKinds([]rule.Kind{k}, t.Path, target, opts)
		r.findings = append(r.findings, kr.findings...)
		r.errs = append(r.errs, kr.errs...)
	}
	r.directives = f.Directives
	if opts.onSet != nil || slices.ContainsFunc(opts.Rules, func(rl *rule.Rule) bool { return rl.Kind == rule.KubeSet }) {
		r.kube = f
	}
	for _, n := range f.Notes {
		r.notes = append(r.notes, finding.Note{Message: n.Message, Location: n.Loc})
	}
	for _, e := range f.Errors {
		r.errs = append(r.errs, parseError(t.Path, e))
	}
	if err != nil {
		r.errs = append(r.errs, parseError(t.Path, err))
	}
	return r
}

// Manifests reads the Kubernetes manifests among targets, rendering charts
// and kustomizations, and returns them as one set, with the errors of the
// targets that could not be read completely. It runs no rules: commands
// that analyse the set as a whole (bulwark netpol, bulwark rbac) start
// here.
func Manifests(ctx context.Context, targets []Target, opts Options) (*kube.Set, []FileError) {
	set := &kube.Set{}
	opts.Rules = nil
	opts.onSet = func(s *kube.Set) { set = s }
	res := AnalyzeTargets(ctx, targets, opts)
	return set, res.Errors
}

// runSet runs the KubeSet rules once over every manifest of the scan and
// files each finding with the result of the file it points into, so that
// the file's suppressions apply to it. It returns the errors of rules that
// could not run.
func runSet(targets []Target, results []fileResult, opts Options) []FileError {
	var set kube.Set
	byPath := map[string]int{}
	for i := range results {
		if f := results[i].kube; f != nil {
			set.Files = append(set.Files, f)
			byPath[targets[i].Path] = i
		}
	}
	if opts.onSet != nil {
		opts.onSet(&set)
	}
	if len(set.Files) == 0 {
		return nil
	}
	r := runKinds([]rule.Kind{rule.KubeSet}, "", &set, opts)
	for _, f := range r.findings {
		i, ok := byPath[f.Location.Path]
		if !ok {
			// Set rules report only inside the set's files.
			r.errs = append(r.errs, FileError{Path: f.Location.Path, Err: fmt.Sprintf("rule %s reported outside the scanned manifests", f.RuleID)})
			continue
		}
		results[i].findings = append(results[i].findings, f)
	}
	return r.errs
}

// Notes converts a container file's notes.
func Notes(f *container.File) []finding.Note {
	var out []finding.Note
	for _, n := range f.Notes {
		loc := n.Loc
		if loc.Path == "" {
			loc.Path = f.Path
		}
		out = append(out, finding.Note{Message: n.Message, Location: loc})
	}
	return out
}

// parseError turns a source's error into a FileError, with the line when
// the source knows it.
func parseError(path string, err error) FileError {
	fe := FileError{Path: path, Err: err.Error()}
	var pe *dockerfile.ParseError
	var ce *container.Error
	var ke *kube.Error
	switch {
	case errors.As(err, &pe):
		fe.Line, fe.Err = pe.Line, pe.Err.Error()
	case errors.As(err, &ce):
		fe.Line, fe.Err = ce.Line, ce.Msg
	case errors.As(err, &ke):
		fe.Line, fe.Err = ke.Line, ke.Msg
	}
	// One line per error, whatever the library wrote.
	fe.Err = strings.Join(strings.Fields(fe.Err), " ")
	return fe
}

func unwrapPathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// runRules runs every rule of the target's kind over target.
func runRules(t Target, target any, opts Options) fileResult {
	return runKinds(RuleKinds(t.Kind), t.Path, target, opts)
}

// runKinds runs every rule of the given kinds over target.
func runKinds(kinds []rule.Kind, path string, target any, opts Options) fileResult {
	var r fileResult
	for _, rl := range opts.Rules {
		if !slices.Contains(kinds, rl.Kind) {
			continue
		}
		sev, override := opts.Severity[rl.ID]
		pass := rule.NewPass(rl, target, func(f finding.Finding) {
			if override {
				f.Severity = sev
			}
			r.findings = append(r.findings, f)
		})
		pass.Settings = opts.Settings
		if err := runCheck(rl, pass); err != nil {
			r.errs = append(r.errs, FileError{Path: path, Err: fmt.Sprintf("rule %s: %v", rl.ID, err)})
		}
	}
	return r
}

func runCheck(rl *rule.Rule, pass *rule.Pass) (err error) {
	defer func() {
		if p := recover(); p != nil {
			// A bug in one rule must not stop the scan; keep the stack so
			// the report can be acted on.
			err = fmt.Errorf("internal error (please report it): %v\n%s", p, debug.Stack())
		}
	}()
	return rl.Check(pass)
}

// jsonManifest reports whether JSON text that mentions apiVersion and
// kind is a manifest: its first value has both at the top level, and is
// not a Kubernetes audit event or event list (an audit log, often one
// event per line, read by bulwark watch; old events have no apiVersion). A
// text that does not decode is left to the manifest reader to report.
func jsonManifest(head []byte) bool {
	var doc struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.NewDecoder(bytes.NewReader(head)).Decode(&doc); err != nil {
		return true
	}
	audit := doc.Kind == "Event" || doc.Kind == "EventList"
	return doc.APIVersion != "" && doc.Kind != "" && !(audit && strings.HasPrefix(doc.APIVersion, "audit.k8s.io/"))
}

// SniffKind guesses the kind of a file named explicitly whose name says
// nothing: a Kubernetes manifest (JSON with "apiVersion" and "kind", or
// YAML with both at the top level), docker inspect output (other JSON),
// a Compose file (YAML with a top-level "services:"), a shell script (a
// shell #! line), else a Dockerfile.
func SniffKind(p string) FileKind {
	data, err := ReadFile(p, DefaultMaxFileBytes)
	if err != nil {
		return KindDockerfile // reading fails again later, with the error reported
	}
	head := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	switch {
	case bytes.HasPrefix(head, []byte("[")) || bytes.HasPrefix(head, []byte("{")):
		if bytes.HasPrefix(head, []byte("{")) && jsonAPIVersionRe.Match(data) && jsonKindRe.Match(data) && jsonManifest(head) {
			return KindKube
		}
		return KindInspect
	case bytes.HasPrefix(head, []byte("#!")):
		line, _, _ := bytes.Cut(head, []byte("\n"))
		if shebangShellRe.Match(line) {
			return KindScript
		}
	case composeTopRe.Match(data):
		return KindCompose
	case yamlAPIVersionRe.Match(data) && yamlKindRe.Match(data):
		return KindKube
	}
	return KindDockerfile
}

var (
	shebangShellRe = regexp.MustCompile(`^#!\s*\S*/(?:env\s+)?(?:ba|da|z|k|a)?sh\b`)
	composeTopRe   = regexp.MustCompile(`(?m)^services:\s*(?:#.*)?$`)
	// A manifest's top-level apiVersion and kind, in YAML and JSON.
	yamlAPIVersionRe = regexp.MustCompile(`(?m)^["']?apiVersion["']?\s*:\s*["']?[A-Za-z0-9][A-Za-z0-9./-]*["']?\s*(?:#.*)?$`)
	yamlKindRe       = regexp.MustCompile(`(?m)^["']?kind["']?\s*:\s*["']?[A-Za-z][A-Za-z0-9]*["']?\s*(?:#.*)?$`)
	jsonAPIVersionRe = regexp.MustCompile(`"apiVersion"\s*:\s*"[A-Za-z0-9][A-Za-z0-9./-]*"`)
	jsonKindRe       = regexp.MustCompile(`"kind"\s*:\s*"[A-Za-z][A-Za-z0-9]*"`)
)

// readContext finds the ignore file that applies to the Dockerfile at p:
// "<name>.dockerignore" beside it, else ".dockerignore" in its folder.
// When there is none beside it but a folder above (up to root) has one,
// the build context is probably that folder: the context is then marked
// unknown rather than guessed.
func readContext(p, root string) dockerfile.Context {
	dir := filepath.Dir(filepath.FromSlash(p))
	for _, name := range []string{filepath.Base(p) + ".dockerignore", ".dockerignore"} {
		full := filepath.Join(dir, name)
		data, err := ReadFile(full, DefaultMaxFileBytes)
		if err != nil {
			continue
		}
		patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
		if err != nil {
			continue
		}
		return dockerfile.Context{Known: true, DockerIgnore: filepath.ToSlash(full), IgnorePatterns: patterns}
	}
	if root == "" {
		root = "." // a file named explicitly: look up to the working directory
	}
	stop, err1 := filepath.Abs(filepath.FromSlash(root))
	d, err2 := filepath.Abs(dir)
	if err1 == nil && err2 == nil {
		for d != stop && d != filepath.Dir(d) && strings.HasPrefix(d, stop+string(filepath.Separator)) {
			d = filepath.Dir(d)
			if _, err := os.Stat(filepath.Join(d, ".dockerignore")); err == nil {
				return dockerfile.Context{}
			}
		}
	}
	return dockerfile.Context{Known: true}
}
