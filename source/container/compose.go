package container

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/graph"
	interp "github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/tree"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/finding"
)

// Limits on the files a Compose file pulls in with include and extends.
const (
	maxComposeRefBytes = 4 << 20
	maxComposeRefFiles = 64
	maxComposeRefDepth = 8
)

// LoadCompose reads a Compose file into container specs with compose-go,
// the loader Docker Compose itself uses: every version of the format from
// 2 on, include, extends (also from other files, relative to the file's
// folder), profiles (every service is analysed, whatever its profile),
// deploy (Swarm stack files) and interpolation.
//
// Variables are looked up in the ".env" file beside the Compose file only,
// never in the scanner's own environment. A variable that is not set there
// does not fail the load: it is replaced as Compose does (by its default,
// else by an empty string), every value built from it is marked Unknown,
// and one Note names the missing variables.
//
// compose-go's model has no positions, so the file is also read as YAML
// nodes: each value points at its key or list entry in the file. A value
// inherited through extends from another file points at the service's key.
// Services pulled in by include are part of File.Compose (for the
// Compose-wide rules) but not of File.Specs: the included file is analysed
// on its own, and its findings belong there.
//
// A file compose-go rejects (malformed YAML, an unknown key, an include or
// depends_on cycle, the legacy v1 format) is returned as an *Error.
func LoadCompose(path string, data []byte) (*File, error) {
	l, err := newComposeLoader(path, data)
	if err != nil {
		return nil, err
	}
	return l.load()
}

// composeLoader holds the state of one LoadCompose call.
type composeLoader struct {
	path, abs, dir string
	data           []byte
	main           *ydoc
	// docs are the YAML files read, by absolute path: the Compose file and
	// the files it includes or extends.
	docs map[string]*ydoc
	// env holds the variables of the .env file beside the Compose file.
	env map[string]string

	mu      sync.Mutex
	missing map[string]bool
	notes   []Note
	// placeholder makes unset variables read as "0" instead of "": a
	// second try for files whose values only parse when set.
	placeholder bool
}

func newComposeLoader(p string, data []byte) (*composeLoader, error) {
	abs, err := filepath.Abs(filepath.FromSlash(p))
	if err != nil {
		return nil, &Error{Path: p, Msg: fmt.Sprintf("resolving the path: %v", err)}
	}
	l := &composeLoader{
		path: p, abs: abs, dir: filepath.Dir(abs), data: data,
		docs: map[string]*ydoc{}, env: map[string]string{}, missing: map[string]bool{},
	}
	return l, nil
}

func (l *composeLoader) load() (*File, error) {
	main, err := parseYAML(l.path, l.abs, l.data)
	if err != nil {
		return nil, err
	}
	l.main = main
	l.docs[l.abs] = main
	f := &File{Path: l.path, Compose: newCompose()}
	if main.root == nil {
		f.Notes = append(f.Notes, Note{Message: "empty Compose file: nothing to analyse", Loc: finding.Location{Path: l.path}})
		return f, nil
	}
	f.Directives = main.directives()
	if err := l.checkLegacy(); err != nil {
		return nil, err
	}
	l.readDotEnv()
	if err := l.preflight(main, 0); err != nil {
		return nil, err
	}
	project, err := l.loadProject()
	if err != nil {
		return nil, err
	}
	// The consistency check is skipped (a service may depend on one that
	// another file defines), but a depends_on cycle is an error Compose
	// reports whatever the other files say.
	if err := graph.CheckCycle(project); err != nil && strings.Contains(err.Error(), "cycle") {
		return nil, l.cycleError(err)
	}
	l.build(f, project)
	if len(l.missing) > 0 {
		names := make([]string, 0, len(l.missing))
		for n := range l.missing {
			names = append(names, n)
		}
		sort.Strings(names)
		l.notes = append([]Note{{
			Message: fmt.Sprintf("variables not set (no value in .env beside the file): %s; values built from them are treated as unknown", strings.Join(names, ", ")),
			Loc:     finding.Location{Path: l.path},
		}}, l.notes...)
	}
	f.Notes = append(f.Notes, l.notes...)
	return f, nil
}

func newCompose() *Compose {
	return &Compose{
		Services:           map[string]*Spec{},
		Networks:           map[string]*Network{},
		Secrets:            map[string]finding.Location{},
		Profiles:           map[string][]string{},
		EnvFiles:           map[string][]EnvFile{},
		BuildArgs:          map[string][]EnvVar{},
		UsesDefaultNetwork: map[string]bool{},
	}
}

// topLevelKeys are the keys the Compose specification allows at the top.
var topLevelKeys = map[string]bool{
	"version": true, "name": true, "services": true, "networks": true, "volumes": true, "secrets": true,
	"configs": true, "include": true, "models": true, "jobs": true,
}

// checkLegacy rejects the v1 format, whose services sit at the top level:
// Compose v2 (and compose-go) no longer read it.
func (l *composeLoader) checkLegacy() error {
	if k, _ := mapGet(l.main.root, "services"); k != nil {
		return nil
	}
	for _, kv := range mapPairs(l.main.root) {
		k, v := kv[0], kv[1]
		if topLevelKeys[k.Value] || strings.HasPrefix(k.Value, "x-") || v == nil || v.Kind != yaml.MappingNode {
			continue
		}
		if ik, _ := mapGet(v, "image"); ik != nil {
			return l.legacyError(k)
		}
		if bk, _ := mapGet(v, "build"); bk != nil {
			return l.legacyError(k)
		}
	}
	return nil
}

func (l *composeLoader) legacyError(k *yaml.Node) error {
	return &Error{Path: l.path, Line: k.Line, Msg: fmt.Sprintf(
		"legacy Compose file format v1 (service %q at the top level, no `services:` key): Compose v2 no longer reads it; move the services under a top-level `services:` key to have them analysed", k.Value)}
}

// readDotEnv reads the .env file beside the Compose file, the variables
// Compose interpolates by default. Values that refer to other variables
// are left out: they depend on the caller's environment.
func (l *composeLoader) readDotEnv() {
	p := filepath.Join(l.dir, ".env")
	data, err := readBounded(p, maxEnvFileBytes)
	if err != nil {
		return
	}
	for _, v := range parseEnvFile(".env", data) {
		if v.HasValue && !v.Unknown {
			l.env[v.Name] = v.Value
		}
	}
}

// lookup finds a variable for interpolation in the .env file.
func (l *composeLoader) lookup(name string) (string, bool) {
	v, ok := l.env[name]
	return v, ok
}

// substitute interpolates one string as Compose does, except that a
// missing variable never fails: it is recorded, and a required one
// (${VAR:?message}) is replaced by an empty string like any other.
func (l *composeLoader) substitute(s string, mapping template.Mapping) (string, error) {
	if l.placeholder {
		s = placeholders(s, mapping)
	}
	record := func(name string) (string, bool) {
		v, ok := mapping(name)
		if !ok {
			l.mu.Lock()
			l.missing[name] = true
			l.mu.Unlock()
			if l.placeholder {
				return "0", true
			}
		}
		return v, ok
	}
	out, err := template.SubstituteWithOptions(s, record, template.WithoutLogging)
	var req *template.MissingRequiredError
	if errors.As(err, &req) {
		lenient := func(name string) (string, bool) {
			if v, ok := record(name); ok && v != "" {
				return v, true
			}
			return "0", true
		}
		out, err = template.SubstituteWithOptions(s, lenient, template.WithoutLogging)
	}
	return out, err
}

var plainRefRe = regexp.MustCompile(`\$+(?:\{([_a-zA-Z][_a-zA-Z0-9]*)\}|([_a-zA-Z][_a-zA-Z0-9]*))`)

// placeholders replaces each plain reference to an unset variable (no
// default) by a value that parses where it stands: "0.0.0.0" for the host
// address of a port ("${IP}:8080:80"), "0" elsewhere (a port, a size, a
// volume name, a path part).
func placeholders(s string, mapping template.Mapping) string {
	return plainRefRe.ReplaceAllStringFunc(s, func(ref string) string {
		dollars := len(ref) - len(strings.TrimLeft(ref, "$"))
		if dollars%2 == 0 {
			return ref // escaped: "$$NAME"
		}
		m := plainRefRe.FindStringSubmatch(ref)
		name := m[1] + m[2]
		if _, ok := mapping(name); ok {
			return ref
		}
		prefix := strings.Repeat("$", dollars-1)
		if strings.HasPrefix(s, ref) && strings.Count(s, ":") >= 2 && strings.HasPrefix(s[len(ref):], ":") {
			return prefix + "0.0.0.0"
		}
		return prefix + "0"
	})
}

// interpolate is substitute over the .env variables, for values read from
// the YAML nodes.
func (l *composeLoader) interpolate(s string) string {
	out, err := l.substitute(s, l.lookup)
	if err != nil {
		return s
	}
	return out
}

// unknown reports whether a node's text refers to a variable that .env
// does not set.
func (l *composeLoader) unknown(n *yaml.Node) bool {
	found := false
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		n = resolve(n)
		if n == nil || found || depth > 64 {
			return
		}
		if n.Kind == yaml.ScalarNode {
			for _, v := range variables(n.Value) {
				if _, ok := l.env[v]; !ok {
					found = true
				}
			}
			return
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return found
}

// typeCasts wraps compose-go's casts of interpolated values (booleans,
// numbers): an empty value from a missing variable becomes the type's
// zero value instead of an error, and YAML 1.1 booleans (yes, no, on, off)
// are read without compose-go's warning on the global logger.
func typeCasts() map[tree.Path]interp.Cast {
	base := loader.ToOptions(&types.ConfigDetails{}, nil).Interpolate.TypeCastMapping
	out := make(map[tree.Path]interp.Cast, len(base))
	for p, cast := range base {
		isBool := false
		if v, err := cast("true"); err == nil {
			_, isBool = v.(bool)
		}
		out[p] = func(s string) (any, error) {
			if isBool {
				switch strings.ToLower(strings.TrimSpace(s)) {
				case "true", "y", "yes", "on", "1":
					return true, nil
				case "false", "n", "no", "off", "0", "":
					return false, nil
				}
			}
			if strings.TrimSpace(s) == "" {
				return cast("0")
			}
			return cast(s)
		}
	}
	return out
}

// preflight checks the files d pulls in with include and extends before
// compose-go reads them: each must be a regular file of bounded size (not
// a device, FIFO or folder that would block or never end). It parses them
// for positions and follows their own references.
func (l *composeLoader) preflight(d *ydoc, depth int) error {
	if depth > maxComposeRefDepth {
		return l.refError(d, nil, "", "include and extends nest too deeply")
	}
	type ref struct {
		node *yaml.Node
		kind string
		path string
	}
	var refs []ref
	_, inc := mapGet(d.root, "include")
	for _, it := range items(inc) {
		if it.Kind == yaml.ScalarNode {
			refs = append(refs, ref{it, "include", it.Value})
			continue
		}
		_, p := mapGet(it, "path")
		for _, pn := range items(p) {
			refs = append(refs, ref{pn, "include", pn.Value})
		}
		_, ef := mapGet(it, "env_file")
		for _, en := range items(ef) {
			refs = append(refs, ref{en, "include env_file", en.Value})
		}
	}
	_, svcs := mapGet(d.root, "services")
	for _, kv := range mapPairs(svcs) {
		if fk, fv := mapPath(kv[1], "extends", "file"); fk != nil && fv != nil && fv.Kind == yaml.ScalarNode {
			refs = append(refs, ref{fv, "extends file", fv.Value})
		}
	}
	for _, r := range refs {
		p := l.interpolate(r.path)
		if p == "/dev/null" && r.kind == "include env_file" {
			continue
		}
		if strings.Contains(p, "://") || strings.HasPrefix(p, "oci:") {
			return l.refError(d, r.node, r.kind, fmt.Sprintf("%s is a remote resource, which cannot be analysed offline", p))
		}
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(filepath.Dir(d.abs), filepath.FromSlash(p))
		}
		abs = filepath.Clean(abs)
		if _, seen := l.docs[abs]; seen {
			continue // cycles are compose-go's to report
		}
		data, err := readBounded(abs, maxComposeRefBytes)
		if err != nil {
			return l.refError(d, r.node, r.kind, fmt.Sprintf("%s: %v", p, unwrapPath(err)))
		}
		if r.kind == "include env_file" {
			continue
		}
		if len(l.docs) >= maxComposeRefFiles {
			return l.refError(d, r.node, r.kind, fmt.Sprintf("more than %d files pulled in with include and extends", maxComposeRefFiles))
		}
		shown := p
		if !filepath.IsAbs(p) {
			shown = path.Join(path.Dir(d.path), filepath.ToSlash(p))
		}
		sub, err := parseYAML(shown, abs, data)
		if err != nil {
			return l.refError(d, r.node, r.kind, fmt.Sprintf("%s: %v", p, err))
		}
		l.docs[abs] = sub
		if sub.root != nil {
			if err := l.preflight(sub, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func unwrapPath(err error) error {
	var pe interface{ Unwrap() error }
	if errors.As(err, &pe) {
		if inner := pe.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// refError reports a problem with a file that d refers to. When d is not
// the Compose file itself, the line is named in the message.
func (l *composeLoader) refError(d *ydoc, n *yaml.Node, kind, msg string) error {
	if kind != "" {
		msg = kind + " " + msg
	}
	if d == l.main {
		e := &Error{Path: l.path, Msg: msg}
		if n != nil {
			e.Line = n.Line
		}
		return e
	}
	where := d.path
	if n != nil {
		where = fmt.Sprintf("%s:%d", d.path, n.Line)
	}
	return &Error{Path: l.path, Msg: fmt.Sprintf("in %s: %s", where, msg)}
}

// loaderContent is the file as handed to compose-go: the obsolete
// top-level `version` key is dropped and the deprecated `external: {name:
// X}` is rewritten `name: X` with `external: true`, both meaning the same
// to Compose, so that compose-go has nothing to warn about on its global
// logger.
func (l *composeLoader) loaderContent() []byte {
	root := l.main.root
	need := false
	if k, _ := mapGet(root, "version"); k != nil {
		need = true
	}
	for _, kind := range []string{"networks", "volumes", "secrets", "configs"} {
		_, m := mapGet(root, kind)
		for _, kv := range mapPairs(m) {
			if _, ext := mapGet(kv[1], "external"); ext != nil && ext.Kind == yaml.MappingNode {
				need = true
			}
		}
	}
	if !need {
		return l.data
	}
	cp := copyNode(root, map[*yaml.Node]*yaml.Node{})
	var kept []*yaml.Node
	for i := 0; i+1 < len(cp.Content); i += 2 {
		if cp.Content[i].Value == "version" && cp.Content[i].Tag != "!!merge" {
			continue
		}
		kept = append(kept, cp.Content[i], cp.Content[i+1])
	}
	cp.Content = kept
	for _, kind := range []string{"networks", "volumes", "secrets", "configs"} {
		_, m := mapGet(cp, kind)
		if m == nil || m.Kind != yaml.MappingNode {
			continue
		}
		for i := 1; i < len(m.Content); i += 2 {
			res := m.Content[i]
			if res.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(res.Content); j += 2 {
				if res.Content[j].Value != "external" || res.Content[j+1].Kind != yaml.MappingNode {
					continue
				}
				_, extName := mapGet(res.Content[j+1], "name")
				_, name := mapGet(res, "name")
				if extName == nil || name != nil && name.Value != extName.Value {
					continue
				}
				res.Content[j+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}
				if name == nil {
					res.Content = append(res.Content,
						&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "name"},
						&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: extName.Value, Style: yaml.DoubleQuotedStyle})
				}
			}
		}
	}
	out, err := yaml.Marshal(cp)
	if err != nil {
		return l.data
	}
	return out
}

// copyNode copies a node tree, keeping aliases pointing into the copy.
func copyNode(n *yaml.Node, seen map[*yaml.Node]*yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := seen[n]; ok {
		return c
	}
	c := *n
	seen[n] = &c
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, ch := range n.Content {
		c.Content[i] = copyNode(ch, seen)
	}
	if n.Alias != nil {
		c.Alias = copyNode(n.Alias, seen)
	}
	return &c
}

// loadProject runs compose-go over the file.
func (l *composeLoader) loadProject() (*types.Project, error) {
	name := loader.NormalizeProjectName(filepath.Base(l.dir))
	if name == "" {
		name = "project"
	}
	if _, ok := l.env["COMPOSE_PROJECT_NAME"]; !ok {
		l.env["COMPOSE_PROJECT_NAME"] = name // Compose sets it
	}
	env := types.Mapping{}
	for k, v := range l.env {
		env[k] = v
	}
	details := types.ConfigDetails{
		WorkingDir:  l.dir,
		ConfigFiles: []types.ConfigFile{{Filename: l.abs, Content: l.loaderContent()}},
		Environment: env,
	}
	project, err := l.loadWith(details, name)
	if err != nil && len(l.missing) > 0 {
		// An unset variable replaced by "" can leave a value that does not
		// parse (":/data" for "${DIR}:/data"): try again with "0".
		l.placeholder = true
		if p2, err2 := l.loadWith(details, name); err2 == nil {
			l.notes = append(l.notes, Note{
				Message: "some values only parse with the unset variables given a value: they were read with \"0\" in their place",
				Loc:     finding.Location{Path: l.path},
			})
			return p2, nil
		}
	}
	if err != nil {
		return nil, l.loaderError(err)
	}
	return project, nil
}

func (l *composeLoader) loadWith(details types.ConfigDetails, name string) (*types.Project, error) {
	casts := typeCasts()
	details.ConfigFiles = slices.Clone(details.ConfigFiles)
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName(name, true)
		o.SkipResolveEnvironment = true // env_file is read by us, bounded, and kept apart
		o.SkipResolveLabels = true
		o.SkipConsistencyCheck = true // a service may depend on one defined in another file
		o.ResolvePaths = false        // keep host paths as written
		o.Profiles = []string{"*"}
		o.Interpolate = &interp.Options{
			LookupValue:     l.lookup,
			TypeCastMapping: casts,
			Substitute:      l.substitute,
		}
	})
}

var (
	validatingRe = regexp.MustCompile(`^validating [^:]+: `)
	schemaPathRe = regexp.MustCompile(`^((?:services|networks|volumes|secrets|configs|include)(?:\.[^\s]+)?|\(root\)|)\s*(.*)$`)
	additionalRe = regexp.MustCompile(`additional propert(?:y|ies) '([^']+)'`)
)

var cycleRe = regexp.MustCompile(`cycle detected: ([^\s]+) ->`)

func (l *composeLoader) cycleError(err error) error {
	e := &Error{Path: l.path, Msg: "depends_on " + err.Error()}
	if m := cycleRe.FindStringSubmatch(err.Error()); m != nil {
		if k, _ := mapPath(l.main.root, "services", m[1], "depends_on"); k != nil {
			e.Line = k.Line
		}
	}
	return e
}

// loaderError turns compose-go's error into an *Error naming the file as
// scanned, with the line of the offending key when it can be found.
func (l *composeLoader) loaderError(err error) error {
	msg := err.Error()
	msg = strings.ReplaceAll(msg, l.abs, l.path)
	msg = strings.ReplaceAll(msg, l.dir+string(filepath.Separator), "")
	msg = validatingRe.ReplaceAllString(msg, "")
	msg = strings.TrimSpace(msg)
	e := &Error{Path: l.path, Msg: msg}
	if m := schemaPathRe.FindStringSubmatch(msg); m != nil {
		var keys []string
		if m[1] != "(root)" && m[1] != "" {
			keys = strings.Split(m[1], ".")
		}
		if a := additionalRe.FindStringSubmatch(m[2]); a != nil {
			keys = append(keys, strings.Split(a[1], "', '")[0])
		}
		for len(keys) > 0 {
			if k, _ := mapPath(l.main.root, keys...); k != nil {
				e.Line = k.Line
				break
			}
			keys = keys[:len(keys)-1]
		}
	}
	return e
}
