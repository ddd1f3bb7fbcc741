package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"
)

// KustomizeOptions say how to build a kustomization.
type KustomizeOptions struct {
	// Root is the scan root: Rendered.Input and SourcePath are relative to
	// it, and no file outside it is read (bases in parent folders are fine
	// while they stay inside). Empty means the kustomization folder.
	Root string
	// Limits bound the build.
	Limits Limits
}

// originAnnotation is the annotation kustomize writes when buildMetadata
// holds originAnnotations.
const originAnnotation = "config.kubernetes.io/origin"

// BuildKustomization builds the kustomization in folder dir, like
// `kustomize build` with its default load restrictions, plugins and Helm
// inflation off, and without remote bases or files: a kustomization that
// names a URL or a git repository is an error before anything is fetched.
//
// The result holds one Rendered per object, in kustomize's output order,
// each with SourcePath the file that defined it (or the kustomization whose
// generator made it) and a LineMap into that file where the object's fields
// can be found there.
func BuildKustomization(ctx context.Context, dir string, opts KustomizeOptions) ([]Rendered, error) {
	lim := opts.Limits.withDefaults()
	absRoot, absDir, input, err := rootedPaths(opts.Root, dir)
	if err != nil {
		return nil, fmt.Errorf("build kustomization %s: %w", dir, err)
	}
	out, err := buildKustomization(ctx, absRoot, absDir, input, lim)
	if err != nil {
		return nil, fmt.Errorf("build kustomization %s: %w", input, err)
	}
	return out, nil
}

func buildKustomization(ctx context.Context, absRoot, absDir, input string, lim Limits) ([]Rendered, error) {
	realRoot, err := filepath.EvalSymlinks(absRoot)
	if err != nil {
		return nil, err
	}
	realDir, err := filepath.EvalSymlinks(absDir)
	if err != nil {
		return nil, err
	}
	if !within(realRoot, realDir) {
		return nil, fmt.Errorf("folder resolves to %s, outside %s", realDir, realRoot)
	}
	fs := &guardFS{FileSystem: filesys.MakeFsOnDisk(), root: realRoot, top: realDir, maxBytes: lim.MaxInputBytes}

	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	type result struct {
		m   resmap.ResMap
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{nil, fmt.Errorf("kustomize failed: %v", r)}
			}
		}()
		k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
		m, err := k.Run(fs, realDir)
		done <- result{m, err}
	}()
	var m resmap.ResMap
	select {
	case r := <-done:
		if err := fs.refusal(); err != nil {
			return nil, err
		}
		if r.err != nil {
			return nil, r.err
		}
		m = r.m
	case <-ctx.Done():
		return nil, fmt.Errorf("build stopped after %s: %w", lim.Timeout, ctx.Err())
	}

	if n := m.Size(); n > lim.MaxDocuments {
		return nil, fmt.Errorf("kustomization builds %d objects, more than the limit of %d", n, lim.MaxDocuments)
	}
	var out []Rendered
	var total int64
	for _, res := range m.Resources() {
		origin, err := res.GetOrigin()
		if err != nil {
			return nil, fmt.Errorf("object %s: origin: %w", res.CurId(), err)
		}
		res.RemoveBuildAnnotations()
		annotations := res.GetAnnotations()
		delete(annotations, originAnnotation)
		if err := res.SetAnnotations(annotations); err != nil {
			return nil, fmt.Errorf("object %s: %w", res.CurId(), err)
		}
		data, err := res.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("object %s: %w", res.CurId(), err)
		}
		total += int64(len(data))
		if total > lim.MaxOutputBytes {
			return nil, fmt.Errorf("output is larger than the limit of %d bytes", lim.MaxOutputBytes)
		}
		r := Rendered{Input: input, Data: data}
		switch {
		case origin == nil:
			// No origin (kustomize records one for every resource it
			// loads or generates); name the kustomization itself.
			r.SourcePath = joinRel(input, kustomizationFile(realDir))
		case origin.ConfiguredIn != "":
			r.SourcePath = joinRel(input, origin.ConfiguredIn)
			r.Generator = origin.ConfiguredBy.Kind
		default:
			r.SourcePath = joinRel(input, origin.Path)
			if src, err := os.ReadFile(filepath.Join(realDir, filepath.FromSlash(origin.Path))); err == nil {
				r.LineMap = lazyYAMLLineMap(src, data, res.OrgId().Kind, res.OrgId().Name)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// kustomizationFile names the kustomization file in a folder.
func kustomizationFile(dir string) string {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if fi, err := os.Stat(filepath.Join(dir, n)); err == nil && fi.Mode().IsRegular() {
			return n
		}
	}
	return konfig.DefaultKustomizationFileName()
}

// guardFS is the disk, read-only, confined to the scan root, with capped
// file sizes; it checks each kustomization file for remote references as
// kustomize reads it (before kustomize acts on any of them), and turns on
// origin annotations in the top one.
type guardFS struct {
	filesys.FileSystem
	root     string // real path of the scan root
	top      string // real path of the kustomization folder being built
	maxBytes int64

	mu      sync.Mutex
	refused error // the first read refused for a reason of ours
}

// refuse records why a read was refused and returns that error. Kustomize
// takes some read errors for "no such file" and goes on to a vaguer error
// of its own, so the build reports the recorded one instead.
func (g *guardFS) refuse(err error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refused == nil {
		g.refused = err
	}
	return err
}

func (g *guardFS) refusal() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.refused
}

var errReadOnly = errors.New("the file system is read-only while building")

func (g *guardFS) confine(p string) error {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return err
	}
	if !within(g.root, real) {
		if real != p {
			return g.refuse(fmt.Errorf("%s resolves to %s, outside the scanned folder %s: not read", p, real, g.root))
		}
		return g.refuse(fmt.Errorf("%s is outside the scanned folder %s: not read", p, g.root))
	}
	return nil
}

// show names a path inside the root relative to it.
func (g *guardFS) show(p string) string {
	if rel, err := filepath.Rel(g.root, p); err == nil && within(g.root, p) {
		return filepath.ToSlash(rel)
	}
	return p
}

// ReadFile reads a file inside the root.
func (g *guardFS) ReadFile(p string) ([]byte, error) {
	if err := g.confine(p); err != nil {
		return nil, err
	}
	data, err := readFileLimited(p, g.maxBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	// Kustomize expands aliases without limit when it converts documents:
	// a billion-laughs file would run it out of memory.
	if err := checkAliases(data, maxExpandedNodes); err != nil {
		return nil, g.refuse(fmt.Errorf("%s: %w", g.show(p), err))
	}
	if !slices.Contains(konfig.RecognizedKustomizationFileNames(), filepath.Base(p)) {
		return data, nil
	}
	if err := checkRemote(data, g.show(p)); err != nil {
		return nil, g.refuse(err)
	}
	if filepath.Dir(p) == g.top {
		return withOriginAnnotations(data)
	}
	return data, nil
}

// Open opens a file inside the root.
func (g *guardFS) Open(p string) (filesys.File, error) {
	if err := g.confine(p); err != nil {
		return nil, err
	}
	return g.FileSystem.Open(p)
}

// Create refuses: building writes nothing.
func (g *guardFS) Create(p string) (filesys.File, error) { return nil, errReadOnly }

// Mkdir refuses: building writes nothing.
func (g *guardFS) Mkdir(p string) error { return errReadOnly }

// MkdirAll refuses: building writes nothing.
func (g *guardFS) MkdirAll(p string) error { return errReadOnly }

// RemoveAll refuses: building writes nothing.
func (g *guardFS) RemoveAll(p string) error { return errReadOnly }

// WriteFile refuses: building writes nothing.
func (g *guardFS) WriteFile(p string, data []byte) error { return errReadOnly }

// scpUser is kustomize's SCP-style user prefix of a git URL ("git@host:").
var scpUser = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

// isRemote reports whether kustomize would fetch a reference: an http(s)
// file, or anything its git URL parser accepts (a scheme of ssh, http,
// https or file, an SCP-style user@host, or a github.com path), with or
// without a "git::" prefix.
func isRemote(ref string) bool {
	s := strings.ToLower(strings.TrimSpace(ref))
	s = strings.TrimPrefix(s, "git::")
	for _, p := range []string{"ssh://", "https://", "http://", "file://", "github.com/", "github.com:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return scpUser.MatchString(s) || strings.Contains(s, "://")
}

// checkRemote fails when a kustomization names a remote resource, base,
// component or file anywhere kustomize takes a path.
func checkRemote(data []byte, p string) error {
	var k types.Kustomization
	if err := yaml.Unmarshal(data, &k); err != nil {
		// Kustomize reports its own parse errors.
		return nil
	}
	type ref struct{ field, value string }
	var refs []ref
	add := func(field string, values ...string) {
		for _, v := range values {
			refs = append(refs, ref{field, v})
		}
	}
	add("resources", k.Resources...)
	add("bases", k.Bases...)
	add("components", k.Components...)
	add("crds", k.Crds...)
	add("configurations", k.Configurations...)
	add("generators", k.Generators...)
	add("transformers", k.Transformers...)
	add("validators", k.Validators...)
	add("openapi.path", k.OpenAPI["path"])
	for _, ps := range k.PatchesStrategicMerge {
		if !strings.Contains(string(ps), "\n") {
			add("patchesStrategicMerge", string(ps))
		}
	}
	for _, pt := range append(slices.Clone(k.Patches), k.PatchesJson6902...) {
		add("patches", pt.Path)
	}
	for _, r := range k.Replacements {
		add("replacements", r.Path)
	}
	sources := func(field string, s types.KvPairSources) {
		for _, f := range s.FileSources {
			if _, path, ok := strings.Cut(f, "="); ok {
				f = path
			}
			add(field+".files", f)
		}
		add(field+".envs", s.EnvSources...)
		add(field+".env", s.EnvSource)
	}
	for _, g := range k.ConfigMapGenerator {
		sources("configMapGenerator", g.KvPairSources)
	}
	for _, g := range k.SecretGenerator {
		sources("secretGenerator", g.KvPairSources)
	}
	for _, r := range refs {
		if r.value != "" && isRemote(r.value) {
			return fmt.Errorf("%s: %s entry %q is remote: remote bases and files are never fetched; vendor it into the repository", p, r.field, r.value)
		}
	}
	return nil
}

// withOriginAnnotations adds originAnnotations to a kustomization's
// buildMetadata, so that kustomize records where each object came from.
func withOriginAnnotations(data []byte) ([]byte, error) {
	node, err := kyaml.Parse(string(data))
	if err != nil {
		// Let kustomize report it.
		return data, nil
	}
	seq, err := node.Pipe(kyaml.LookupCreate(kyaml.SequenceNode, "buildMetadata"))
	if err != nil || seq == nil {
		return data, nil
	}
	for _, n := range seq.YNode().Content {
		if n.Value == types.OriginAnnotations {
			return data, nil
		}
	}
	if err := seq.PipeE(kyaml.Append(kyaml.NewScalarRNode(types.OriginAnnotations).YNode())); err != nil {
		return data, nil
	}
	s, err := node.String()
	if err != nil {
		return data, nil
	}
	return []byte(s), nil
}
