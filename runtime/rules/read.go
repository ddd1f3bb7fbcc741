package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	"gopkg.in/yaml.v3"
)

// itemError stops the reading of a file (Falco stops at a file's first
// error); it becomes one diagnostic.
type itemError struct {
	code       string
	msg        string
	pos        Pos
	kind, name string
}

func (e *itemError) Error() string { return e.msg }

// item is one rules-file item being read.
type item struct {
	l          *loader
	node       *yaml.Node
	keys       []string
	vals       map[string]*yaml.Node
	keyNodes   map[string]*yaml.Node
	kind, name string
}

func (it *item) fail(n *yaml.Node, code, format string, args ...any) error {
	if n == nil {
		n = it.node
	}
	return &itemError{code: code, msg: fmt.Sprintf(format, args...), pos: it.l.file.pos(n), kind: it.kind, name: it.name}
}

func (it *item) validate(n *yaml.Node, format string, args ...any) error {
	return it.fail(n, ErrYAMLValidate, format, args...)
}

func (it *item) warn(n *yaml.Node, code, format string, args ...any) {
	if n == nil {
		n = it.node
	}
	it.l.addDiag(Diagnostic{Severity: SevWarning, Code: code, Message: fmt.Sprintf(format, args...), ItemKind: it.kind, ItemName: it.name, CondOffset: -1}, it.l.file.pos(n))
}

func (it *item) has(key string) bool { _, ok := it.vals[key]; return ok }

// maxValuesBase (plus 8 per byte of the file) bounds the values read from
// one file: YAML aliases can make a small file name billions of values.
const maxValuesBase = 1 << 20

// spend takes n values from the file's budget.
func (it *item) spend(n *yaml.Node, count int) error {
	it.l.budget -= count
	if it.l.budget < 0 {
		return it.validate(n, "Too many values in this file (YAML aliases expanding without bound?)")
	}
	return nil
}

// maxAliasDepth bounds alias chains (hostile input).
const maxAliasDepth = 32

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// str reads a required (or optional) non-empty scalar.
func (it *item) str(key string, optional bool) (string, *yaml.Node, bool, error) {
	v, ok := it.vals[key]
	if !ok {
		if optional {
			return "", nil, false, nil
		}
		return "", nil, false, it.validate(nil, "Item has no mapping for key '%s'", key)
	}
	if isNull(v) {
		return "", v, false, it.validate(it.keyNodes[key], "Mapping for key '%s' is empty", key)
	}
	if v.Kind != yaml.ScalarNode {
		return "", v, false, it.validate(v, "Value for key '%s' is not a scalar value", key)
	}
	if v.Value == "" {
		return "", v, false, it.validate(v, "Value for key '%s' must be non-empty", key)
	}
	return v.Value, v, true, nil
}

func (it *item) boolean(key string) (bool, *yaml.Node, bool, error) {
	s, v, ok, err := it.str(key, true)
	if err != nil || !ok {
		return false, v, ok, err
	}
	var b bool
	if err := v.Decode(&b); err != nil {
		return false, v, false, it.validate(v, "Can't decode YAML scalar value for key '%s' as a boolean: %q", key, s)
	}
	return b, v, true, nil
}

// seq reads a sequence of scalars.
func (it *item) seq(key string, optional bool) ([]string, *yaml.Node, bool, error) {
	v, ok := it.vals[key]
	if !ok {
		if optional {
			return nil, nil, false, nil
		}
		return nil, nil, false, it.validate(nil, "Item has no mapping for key '%s'", key)
	}
	if isNull(v) && optional {
		return nil, v, true, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, v, false, it.validate(v, "Value for key '%s' is not a sequence", key)
	}
	if err := it.spend(v, len(v.Content)); err != nil {
		return nil, v, false, err
	}
	out := make([]string, 0, len(v.Content))
	for _, e := range v.Content {
		e = deref(e)
		if e == nil || e.Kind != yaml.ScalarNode {
			return nil, v, false, it.validate(orNode(e, v), "Sequence value for key '%s' is not scalar", key)
		}
		out = append(out, e.Value)
	}
	return out, v, true, nil
}

func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// readFile reads one file's items into the collector; it stops at the
// file's first error.
func (l *loader) readFile(f File) {
	l.file = newSrcFile(f)
	l.budget = maxValuesBase + 8*len(f.Data)
	dec := yaml.NewDecoder(bytes.NewReader(f.Data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d := Diagnostic{Severity: SevError, Code: ErrYAMLParse, Message: err.Error(), CondOffset: -1}
			p := Pos{File: f.Name}
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				p.Line, _ = strconv.Atoi(m[1])
				d.Message = m[2]
			}
			l.addDiag(d, p)
			return
		}
		docs = append(docs, &doc)
	}
	for _, doc := range docs {
		root := doc
		if root.Kind == yaml.DocumentNode {
			if len(root.Content) == 0 {
				continue
			}
			root = root.Content[0]
		}
		root = deref(root)
		if isNull(root) {
			continue
		}
		if root.Kind != yaml.SequenceNode {
			msg := "Rules content is not yaml array of objects"
			if root.Kind != yaml.MappingNode {
				msg = "Rules content is not yaml"
			}
			l.addDiag(Diagnostic{Severity: SevError, Code: ErrYAMLValidate, Message: msg, CondOffset: -1}, l.file.pos(root))
			return
		}
		for _, n := range root.Content {
			n = deref(n)
			if isNull(n) {
				continue
			}
			if err := l.readItem(n); err != nil {
				var ie *itemError
				if errors.As(err, &ie) {
					l.addDiag(Diagnostic{Severity: SevError, Code: ie.code, Message: ie.msg, ItemKind: ie.kind, ItemName: ie.name, CondOffset: -1}, ie.pos)
				} else {
					l.addDiag(Diagnostic{Severity: SevError, Code: ErrValidate, Message: err.Error(), CondOffset: -1}, l.file.pos(n))
				}
				return
			}
		}
	}
}

// Keys each item kind knows (others are warned about and ignored).
var knownKeys = map[string][]string{
	"required_engine_version":  {"required_engine_version"},
	"required_plugin_versions": {"required_plugin_versions"},
	"list":                     {"list", "items", "append", "override"},
	"macro":                    {"macro", "condition", "append", "override"},
	"rule": {"rule", "desc", "condition", "output", "priority", "source", "enabled", "tags", "exceptions",
		"warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration", "append", "override"},
}

var (
	listNameRE  = regexp.MustCompile(`^[^()"'\s=,]+$`)
	macroNameRE = regexp.MustCompile(`^[a-zA-Z]+[a-zA-Z0-9_]*$`)
)

func (l *loader) readItem(n *yaml.Node) error {
	it := &item{l: l, node: n, vals: map[string]*yaml.Node{}, keyNodes: map[string]*yaml.Node{}}
	if n.Kind != yaml.MappingNode {
		return it.validate(n, "Unexpected element type. Each element should be a yaml associative array.")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k == nil || k.Kind != yaml.ScalarNode {
			return it.validate(orNode(k, n), "Item keys must be scalars")
		}
		if _, dup := it.vals[k.Value]; dup {
			continue
		}
		it.keys = append(it.keys, k.Value)
		it.vals[k.Value] = v
		it.keyNodes[k.Value] = k
	}
	for _, kind := range []string{"required_engine_version", "required_plugin_versions", "list", "macro", "rule"} {
		if it.has(kind) {
			it.kind = kind
			break
		}
	}
	if it.kind == "" {
		it.warn(n, WarnUnknownItem, "Unknown top level item")
		return nil
	}
	if v := it.vals[it.kind]; v != nil && v.Kind == yaml.ScalarNode && (it.kind == "list" || it.kind == "macro" || it.kind == "rule") {
		it.name = v.Value
	}
	known := knownKeys[it.kind]
	for _, k := range it.keys {
		found := false
		for _, kk := range known {
			found = found || kk == k
		}
		if !found {
			it.warn(it.keyNodes[k], WarnUnknownKey, "Unknown key '%s', ignored", k)
		}
	}
	switch it.kind {
	case "required_engine_version":
		return l.readEngineVersion(it)
	case "required_plugin_versions":
		return l.readPluginVersions(it)
	case "list":
		return l.readList(it)
	case "macro":
		return l.readMacro(it)
	default:
		return l.readRule(it)
	}
}

func (l *loader) readEngineVersion(it *item) error {
	s, v, _, err := it.str("required_engine_version", false)
	if err != nil {
		return err
	}
	want, err := parseEngineVersion(s)
	if err != nil {
		return it.validate(v, "%s", err.Error())
	}
	if l.maxReq == nil || l.maxReq.LessThan(want) {
		l.maxReq = want
		l.rs.RequiredEngineVersion = want.String()
	}
	if !compatible(l.engine, want) {
		return it.fail(v, ErrValidate, "Rules require engine version %s, but engine version is %s", want, l.engine)
	}
	return nil
}

func (l *loader) readPluginVersions(it *item) error {
	v := it.vals["required_plugin_versions"]
	if v.Kind != yaml.SequenceNode {
		return it.validate(v, "Value of required_plugin_versions must be a sequence")
	}
	type req struct {
		name string
		ver  *semver.Version
		node *yaml.Node
	}
	readReq := func(n *yaml.Node, what string) (req, error) {
		sub := &item{l: l, node: n, vals: map[string]*yaml.Node{}, keyNodes: map[string]*yaml.Node{}, kind: it.kind}
		if n == nil || n.Kind != yaml.MappingNode {
			return req{}, it.validate(orNode(n, v), "%s must be a mapping", what)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := deref(n.Content[i]); k != nil && k.Kind == yaml.ScalarNode {
				sub.vals[k.Value] = deref(n.Content[i+1])
				sub.keyNodes[k.Value] = k
				if k.Value != "name" && k.Value != "version" && k.Value != "alternatives" {
					it.warn(k, WarnUnknownKey, "Unknown key '%s' in plugin requirement, ignored", k.Value)
				}
			}
		}
		name, _, _, err := sub.str("name", false)
		if err != nil {
			return req{}, err
		}
		sub.name = name
		vs, vn, _, err := sub.str("version", false)
		if err != nil {
			return req{}, err
		}
		ver, err := semver.StrictNewVersion(vs)
		if err != nil {
			return req{}, sub.validate(vn, "Plugin version '%s' is not a valid semver string", vs)
		}
		return req{name: name, ver: ver, node: n}, nil
	}
	for _, pn := range v.Content {
		pn = deref(pn)
		first, err := readReq(pn, "Plugin version")
		if err != nil {
			return err
		}
		group := []req{first}
		seen := map[string]bool{first.name: true}
		if alt, ok := mapGet(pn, "alternatives"); ok {
			if alt.Kind != yaml.SequenceNode {
				return it.validate(alt, "Value of plugin version alternatives must be a sequence")
			}
			for _, an := range alt.Content {
				r, err := readReq(deref(an), "Plugin version alternative")
				if err != nil {
					return err
				}
				if seen[r.name] {
					return it.validate(an, "Plugin '%s' is listed twice in the same requirement", r.name)
				}
				seen[r.name] = true
				group = append(group, r)
			}
		}
		l.checkPlugins(it, group[0].node, func(yield func(string, *semver.Version) bool) {
			for _, r := range group {
				if !yield(r.name, r.ver) {
					return
				}
			}
		})
		if l.pluginErr != nil {
			err := l.pluginErr
			l.pluginErr = nil
			return err
		}
	}
	return nil
}

// checkPlugins checks one requirement group: one alternative we provide
// at a compatible version satisfies it; one we provide at an older
// version is an error; none we know is a warning.
func (l *loader) checkPlugins(it *item, n *yaml.Node, group func(func(string, *semver.Version) bool)) {
	var names []string
	var incompatible string
	ok := false
	group(func(name string, want *semver.Version) bool {
		names = append(names, name)
		have, known := l.plugins[name]
		if !known {
			return true
		}
		if compatible(have, want) {
			ok = true
			return false
		}
		incompatible = fmt.Sprintf("Plugin '%s' version '%s' is not compatible with required plugin version '%s'", name, have, want)
		return true
	})
	switch {
	case ok:
	case incompatible != "":
		l.pluginErr = it.fail(n, ErrValidate, "%s", incompatible)
	default:
		it.warn(n, WarnUnknownPlugin, "Plugin '%s' required by this ruleset is not one Bulwark provides; requirement ignored", strings.Join(names, "' or '"))
	}
}

func mapGet(n *yaml.Node, key string) (*yaml.Node, bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deref(n.Content[i]); k != nil && k.Value == key {
			return deref(n.Content[i+1]), true
		}
	}
	return nil, false
}

// overrides reads the override map: key -> "append" | "replace".
func (it *item) overrides(appendable, replaceable []string) (app, repl map[string]bool, err error) {
	v, ok := it.vals["override"]
	if !ok {
		return nil, nil, nil
	}
	if v == nil || v.Kind != yaml.MappingNode {
		return nil, nil, it.validate(orNode(v, it.node), "Value of 'override' must be a mapping of keys to append or replace")
	}
	app, repl = map[string]bool{}, map[string]bool{}
	in := func(k string, set []string) bool {
		for _, s := range set {
			if s == k {
				return true
			}
		}
		return false
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, op := deref(v.Content[i]), deref(v.Content[i+1])
		if k == nil || op == nil || k.Kind != yaml.ScalarNode || op.Kind != yaml.ScalarNode {
			return nil, nil, it.validate(orNode(k, v), "Entries of 'override' must be key: append|replace")
		}
		switch op.Value {
		case "append":
			if !in(k.Value, appendable) {
				return nil, nil, it.validate(k, "Key '%s' cannot be appended to, use 'replace' instead", k.Value)
			}
			app[k.Value] = true
		case "replace":
			if !in(k.Value, replaceable) {
				return nil, nil, it.validate(k, "Key '%s' cannot be replaced", k.Value)
			}
			repl[k.Value] = true
		default:
			var allowed []string
			if in(k.Value, appendable) {
				allowed = append(allowed, "append")
			}
			if in(k.Value, replaceable) {
				allowed = append(allowed, "replace")
			}
			return nil, nil, it.validate(op, "Invalid override operation for key '%s': '%s'. Allowed values are: %s", k.Value, op.Value, strings.Join(allowed, " "))
		}
	}
	return app, repl, nil
}

const (
	warnAppend        = "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."
	warnEnabled       = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace')."
	errOverrideAppend = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."
)

func (it *item) legacyAppend() (bool, error) {
	b, v, ok, err := it.boolean("append")
	if err != nil {
		return false, err
	}
	if ok && b {
		it.warn(v, WarnDeprecatedItem, warnAppend)
	}
	return ok && b, nil
}

func (l *loader) readList(it *item) error {
	name, nn, _, err := it.str("list", false)
	if err != nil {
		return err
	}
	it.name = name
	if !listNameRE.MatchString(name) {
		it.warn(nn, WarnInvalidListName, "List has an invalid name. List names must match a regular expression: %s", `([^()"'[:space:]=,]+)`)
	}
	items, _, _, err := it.seq("items", false)
	if err != nil {
		return err
	}
	app, err := it.legacyAppend()
	if err != nil {
		return err
	}
	oa, or, err := it.overrides([]string{"items"}, []string{"items"})
	if err != nil {
		return err
	}
	if app && len(oa)+len(or) > 0 {
		return it.validate(nil, errOverrideAppend)
	}
	l.seq++
	prev := l.lists[name]
	if app || oa["items"] {
		if prev == nil {
			return it.fail(nil, ErrValidate, "List uses 'append' or 'override.items: append' but no list by that name already exists")
		}
		prev.Items = append(prev.Items, items...)
		prev.Visibility = l.seq
		return nil
	}
	if prev != nil {
		prev.Items = items
		prev.Visibility = l.seq
		prev.Pos = l.file.pos(it.node)
		return nil
	}
	lst := &List{Name: name, Items: items, Pos: l.file.pos(it.node), Index: l.seq, Visibility: l.seq}
	l.lists[name] = lst
	l.rs.Lists = append(l.rs.Lists, lst)
	return nil
}

func (l *loader) readMacro(it *item) error {
	name, nn, _, err := it.str("macro", false)
	if err != nil {
		return err
	}
	it.name = name
	if !macroNameRE.MatchString(name) {
		it.warn(nn, WarnInvalidMacroName, "Macro has an invalid name. Macro names must match a regular expression: %s", `([a-zA-Z]+[a-zA-Z0-9_]*)`)
	}
	cond, cn, _, err := it.str("condition", false)
	if err != nil {
		return err
	}
	app, err := it.legacyAppend()
	if err != nil {
		return err
	}
	oa, or, err := it.overrides([]string{"condition"}, []string{"condition"})
	if err != nil {
		return err
	}
	if app && len(oa)+len(or) > 0 {
		return it.validate(nil, errOverrideAppend)
	}
	l.seq++
	p := part{s: cond, file: l.file, node: cn}
	prev := l.macros[name]
	if app || oa["condition"] {
		if prev == nil {
			return it.fail(nil, ErrValidate, "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists")
		}
		if w := strings.Fields(cond); len(w) > 0 && w[0] != "and" && w[0] != "or" {
			it.warn(cn, WarnCompileCondition, "Appended condition does not start with 'and' or 'or'; it is joined to the macro's condition with a blank")
		}
		prev.cond.parts = append(prev.cond.parts, p)
		prev.Visibility = l.seq
		return nil
	}
	if prev != nil {
		prev.cond = text{parts: []part{p}}
		prev.Visibility = l.seq
		prev.Pos = l.file.pos(it.node)
		return nil
	}
	m := &Macro{Name: name, Pos: l.file.pos(it.node), Index: l.seq, Visibility: l.seq, cond: text{parts: []part{p}}}
	l.macros[name] = m
	l.rs.Macros = append(l.rs.Macros, m)
	return nil
}

var (
	ruleAppendable  = []string{"condition", "output", "desc", "tags", "exceptions"}
	ruleReplaceable = []string{"condition", "output", "desc", "priority", "tags", "exceptions", "enabled",
		"warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration"}
)

// ruleUpdate is what an append or replace carries.
type ruleUpdate struct {
	cond, output, desc *part
	tags               []string
	hasTags            bool
	exceptions         []*Exception
	hasExceptions      bool
	priority           *Priority
	bools              map[string]bool
	captureDuration    *int
}

func (l *loader) readRule(it *item) error {
	name, _, _, err := it.str("rule", false)
	if err != nil {
		return err
	}
	it.name = name
	app, err := it.legacyAppend()
	if err != nil {
		return err
	}
	oa, or, err := it.overrides(ruleAppendable, ruleReplaceable)
	if err != nil {
		return err
	}
	if app && len(oa)+len(or) > 0 {
		return it.validate(nil, errOverrideAppend)
	}
	switch {
	case len(oa)+len(or) > 0:
		expected := map[string]bool{}
		for _, k := range append(append([]string{}, ruleAppendable...), ruleReplaceable...) {
			if it.has(k) {
				expected[k] = true
			}
		}
		for _, set := range []struct {
			m  map[string]bool
			op string
		}{{oa, "append"}, {or, "replace"}} {
			for _, k := range sortedKeys(set.m) {
				if !it.has(k) {
					return it.validate(nil, "An %s override for '%s' was specified but '%s' is not defined", set.op, k, k)
				}
				delete(expected, k)
			}
		}
		for _, k := range sortedKeys(expected) {
			return it.validate(it.keyNodes[k], "Unexpected key '%s': no corresponding entry under 'override' is defined.", k)
		}
		if len(oa) > 0 {
			u, err := l.readUpdate(it, oa, true)
			if err != nil {
				return err
			}
			if err := l.appendRule(it, u, "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"); err != nil {
				return err
			}
		}
		if len(or) > 0 {
			u, err := l.readUpdate(it, or, false)
			if err != nil {
				return err
			}
			return l.replaceRule(it, u)
		}
		return nil
	case app:
		keys := map[string]bool{}
		for _, k := range []string{"condition", "exceptions"} {
			if it.has(k) {
				keys[k] = true
			}
		}
		u, err := l.readUpdate(it, keys, true)
		if err != nil {
			return err
		}
		return l.appendRule(it, u, "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists")
	case !it.has("condition") && !it.has("output") && !it.has("desc") && !it.has("priority"):
		en, v, ok, err := it.boolean("enabled")
		if err != nil {
			return err
		}
		if !ok {
			return it.validate(nil, "Item has no mapping for key 'enabled'")
		}
		it.warn(v, WarnDeprecatedItem, warnEnabled)
		l.seq++
		prev := l.rules[name]
		if prev == nil {
			return it.fail(nil, ErrValidate, "Rule has 'enabled' key but no rule by that name already exists")
		}
		prev.Enabled = en
		return nil
	}
	return l.defineRule(it)
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

func (l *loader) defineRule(it *item) error {
	r := &Rule{Name: it.name, Enabled: true, WarnEvttypes: true, Source: "syscall", Pos: l.file.pos(it.node)}
	cond, cn, _, err := it.str("condition", false)
	if err != nil {
		return err
	}
	out, on, _, err := it.str("output", false)
	if err != nil {
		return err
	}
	desc, _, _, err := it.str("desc", false)
	if err != nil {
		return err
	}
	ps, pn, _, err := it.str("priority", false)
	if err != nil {
		return err
	}
	p, ok := ParsePriority(ps)
	if !ok {
		return it.validate(pn, "Invalid priority '%s' (want one of emergency, alert, critical, error, warning, notice, informational, debug)", ps)
	}
	r.cond = text{parts: []part{{s: cond, file: l.file, node: cn}}}
	r.output = text{parts: []part{{s: strings.TrimSpace(out), file: l.file, node: on}}}
	r.Desc, r.Priority = desc, p
	if s, sn, ok, err := it.str("source", true); err != nil {
		return err
	} else if ok {
		r.Source = s
		r.srcPos = l.file.pos(sn)
	}
	for _, k := range []string{"enabled", "warn_evttypes", "skip-if-unknown-filter", "capture"} {
		b, _, ok, err := it.boolean(k)
		if err != nil {
			return err
		}
		if ok {
			setRuleBool(r, k, b)
		}
	}
	if d, err := it.captureDuration(); err != nil {
		return err
	} else if d != nil {
		r.CaptureDuration = *d
	}
	tags, _, _, err := it.seq("tags", true)
	if err != nil {
		return err
	}
	r.Tags = union(nil, tags)
	exs, err := l.readExceptions(it, false)
	if err != nil {
		return err
	}
	for _, e := range exs {
		if err := it.checkException(e); err != nil {
			return err
		}
	}
	r.Exceptions = exs
	l.seq++
	if prev := l.rules[r.Name]; prev != nil {
		if prev.Source != r.Source {
			return it.fail(nil, ErrValidate, "Rule has been re-defined with a different source (was '%s', now '%s')", prev.Source, r.Source)
		}
		r.Index = prev.Index
		*prev = *r
		return nil
	}
	r.Index = l.seq
	l.rules[r.Name] = r
	l.ruleOrder = append(l.ruleOrder, r)
	return nil
}

func setRuleBool(r *Rule, k string, b bool) {
	switch k {
	case "enabled":
		r.Enabled = b
	case "warn_evttypes":
		r.WarnEvttypes = b
	case "skip-if-unknown-filter":
		r.SkipIfUnknownFilter = b
	case "capture":
		r.Capture = b
	}
}

func (it *item) captureDuration() (*int, error) {
	s, v, ok, err := it.str("capture_duration", true)
	if err != nil || !ok {
		return nil, err
	}
	d, err := strconv.Atoi(s)
	if err != nil || d < 0 {
		return nil, it.validate(v, "Value for key 'capture_duration' must be a non-negative integer (milliseconds)")
	}
	return &d, nil
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// readUpdate reads the keys of an append or replace.
func (l *loader) readUpdate(it *item, keys map[string]bool, appending bool) (*ruleUpdate, error) {
	u := &ruleUpdate{bools: map[string]bool{}}
	for _, k := range []string{"condition", "output", "desc"} {
		if !keys[k] {
			continue
		}
		s, n, _, err := it.str(k, false)
		if err != nil {
			return nil, err
		}
		if k == "output" {
			s = strings.TrimSpace(s)
		}
		p := &part{s: s, file: l.file, node: n}
		switch k {
		case "condition":
			u.cond = p
		case "output":
			u.output = p
		default:
			u.desc = p
		}
	}
	if keys["tags"] {
		tags, _, _, err := it.seq("tags", false)
		if err != nil {
			return nil, err
		}
		u.tags, u.hasTags = tags, true
	}
	if keys["exceptions"] {
		exs, err := l.readExceptions(it, true)
		if err != nil {
			return nil, err
		}
		u.exceptions, u.hasExceptions = exs, true
	}
	if keys["priority"] {
		ps, pn, _, err := it.str("priority", false)
		if err != nil {
			return nil, err
		}
		p, ok := ParsePriority(ps)
		if !ok {
			return nil, it.validate(pn, "Invalid priority '%s' (want one of emergency, alert, critical, error, warning, notice, informational, debug)", ps)
		}
		u.priority = &p
	}
	for _, k := range []string{"enabled", "warn_evttypes", "skip-if-unknown-filter", "capture"} {
		if !keys[k] {
			continue
		}
		b, _, ok, err := it.boolean(k)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, it.validate(nil, "Item has no mapping for key '%s'", k)
		}
		u.bools[k] = b
	}
	if keys["capture_duration"] {
		d, err := it.captureDuration()
		if err != nil {
			return nil, err
		}
		u.captureDuration = d
	}
	return u, nil
}

func (l *loader) appendRule(it *item, u *ruleUpdate, missing string) error {
	l.seq++
	prev := l.rules[it.name]
	if prev == nil {
		return it.fail(nil, ErrValidate, "%s", missing)
	}
	if u.cond != nil {
		prev.cond.parts = append(prev.cond.parts, *u.cond)
	}
	if u.output != nil {
		prev.output.parts = append(prev.output.parts, *u.output)
	}
	if u.desc != nil {
		prev.Desc += " " + u.desc.s
	}
	if u.hasTags {
		prev.Tags = union(prev.Tags, u.tags)
	}
	for _, e := range u.exceptions {
		var old *Exception
		for _, pe := range prev.Exceptions {
			if pe.Name == e.Name {
				old = pe
			}
		}
		if old == nil {
			if len(e.Fields) == 0 {
				return it.fail(nil, ErrValidate, "Rule exception new item %s: must have fields property with a list of values", e.Name)
			}
			if len(e.Values) == 0 {
				return it.fail(nil, ErrValidate, "Rule exception new item %s: must have values property with a list of values", e.Name)
			}
			if err := it.checkException(e); err != nil {
				return err
			}
			prev.Exceptions = append(prev.Exceptions, e)
			continue
		}
		if e.state.hasFields || e.state.hasComps {
			return it.fail(nil, ErrValidate, "Can not append exception fields or comps to existing exception %s, only values", e.Name)
		}
		probe := *old
		probe.Values = e.Values
		probe.Pos = e.Pos
		if err := it.checkException(&probe); err != nil {
			return err
		}
		old.Values = append(old.Values, e.Values...)
	}
	return nil
}

func (l *loader) replaceRule(it *item, u *ruleUpdate) error {
	l.seq++
	prev := l.rules[it.name]
	if prev == nil {
		return it.fail(nil, ErrValidate, "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists")
	}
	if u.cond != nil {
		prev.cond = text{parts: []part{*u.cond}}
	}
	if u.output != nil {
		prev.output = text{parts: []part{*u.output}}
	}
	if u.desc != nil {
		prev.Desc = u.desc.s
	}
	if u.hasTags {
		prev.Tags = union(nil, u.tags)
	}
	if u.hasExceptions {
		for _, e := range u.exceptions {
			if err := it.checkException(e); err != nil {
				return err
			}
		}
		prev.Exceptions = u.exceptions
	}
	if u.priority != nil {
		prev.Priority = *u.priority
	}
	for k, b := range u.bools {
		setRuleBool(prev, k, b)
	}
	if u.captureDuration != nil {
		prev.CaptureDuration = *u.captureDuration
	}
	return nil
}
