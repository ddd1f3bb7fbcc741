package kube

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/source/yamlpos"
	"github.com/bulwark-sec/bulwark/suppress"
)

// Annotations that suppress findings on an object.
const (
	// IgnoreAnnotation holds "ID[,ID...] [-- reason]" on an object or its
	// pod template: the rules it names are suppressed on the whole object.
	IgnoreAnnotation = "bulwark.io/ignore"
	// IgnoreContainerAnnotationPrefix followed by a container's name
	// suppresses the rules it names on that container's definition.
	IgnoreContainerAnnotationPrefix = "bulwark.io/ignore."
	// KubeLinterAnnotationPrefix followed by a kube-linter check name, with
	// the reason as its value, suppresses the rules that correspond to
	// the check.
	KubeLinterAnnotationPrefix = "ignore-check.kube-linter.io/"
	// PolarisAnnotationPrefix, a Polaris check name and PolarisSuffix,
	// set to "true", suppress the rules that correspond to the check.
	PolarisAnnotationPrefix = "polaris.fairwinds.com/"
	PolarisSuffix           = "-exempt"
	// KubeScoreAnnotation lists kube-score checks, comma-separated, whose
	// rules are suppressed.
	KubeScoreAnnotation = "kube-score/ignore"
)

// span is a key or list entry of the YAML with the lines its value spans.
type span struct{ line, last int }

// commentDirectives reads the `# bulwark:ignore` (and hadolint-style)
// comments. A comment on its own line applies to itself and the next key
// or list entry with everything under it, and to a whole object when the
// next thing is an object's first key; a comment after a key applies to
// that key (or list entry) with everything under it. Lines inside block
// scalars (a script in a ConfigMap) are not comments.
func (f *File) commentDirectives() []suppress.Directive {
	type candidate struct {
		line    int
		ownLine bool
		names   []string
		reason  string
		scope   suppress.Scope
	}
	var cands []candidate
	for n := 1; n <= len(f.src.starts); n++ {
		text := f.src.line(n)
		if !strings.Contains(text, "ignore") {
			continue
		}
		c := yamlpos.CommentStart(text)
		if c < 0 {
			continue
		}
		names, reason, scope, ok := suppress.ParseComment(strings.TrimPrefix(text[c:], "#"))
		if !ok {
			continue
		}
		cands = append(cands, candidate{line: n, ownLine: strings.TrimSpace(text[:c]) == "", names: names, reason: reason, scope: scope})
	}
	if len(cands) == 0 {
		return nil
	}
	var spans []span
	var blocks []span // lines inside block scalars
	objects := map[int]int{}
	for _, o := range f.Objects {
		objects[o.Loc.Start.Line] = max(objects[o.Loc.Start.Line], o.LastLine())
	}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > MaxDepth || n.Kind == yaml.AliasNode {
			return
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				spans = append(spans, span{k.Line, max(k.Line, yamlpos.LastLine(v))})
				walk(v, depth+1)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				spans = append(spans, span{c.Line, max(c.Line, yamlpos.LastLine(c))})
				walk(c, depth+1)
			}
		case yaml.ScalarNode:
			if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				if last := yamlpos.LastLine(n); last > n.Line {
					blocks = append(blocks, span{n.Line + 1, last})
				}
			}
		}
	}
	for _, d := range f.src.docs {
		walk(d, 0)
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].line < spans[j].line })
	inBlock := func(line int) bool {
		for _, b := range blocks {
			if b.line <= line && line <= b.last {
				return true
			}
		}
		return false
	}
	// first returns the first span starting at line (the outermost, as
	// the walk records parents before children), or the first after it.
	first := func(line int, after bool) (span, bool) {
		i := sort.Search(len(spans), func(i int) bool {
			if after {
				return spans[i].line > line
			}
			return spans[i].line >= line
		})
		if i == len(spans) || !after && spans[i].line != line {
			return span{}, false
		}
		return spans[i], true
	}
	var out []suppress.Directive
	for _, c := range cands {
		if inBlock(c.line) {
			continue
		}
		d := suppress.Directive{Names: c.names, Reason: c.reason, Source: fmt.Sprintf("%s:%d", f.Path, c.line)}
		if c.scope == suppress.ScopeNext {
			d.FromLine, d.ToLine = c.line, c.line
			var sp span
			var ok bool
			if c.ownLine {
				sp, ok = first(c.line, true)
			} else {
				sp, ok = first(c.line, false)
			}
			if ok {
				d.ToLine = max(d.ToLine, sp.last)
				if last, isObject := objects[sp.line]; isObject {
					d.ToLine = max(d.ToLine, last)
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// annotationDirectives reads the suppression annotations of every object
// and of its pod template.
func (f *File) annotationDirectives() []suppress.Directive {
	var out []suppress.Directive
	for _, o := range f.Objects {
		from, to := o.Loc.Start.Line, o.LastLine()
		metas := [][]string{{"metadata"}}
		if p := TemplateMetaPath(o); p != nil {
			metas = append(metas, p)
		}
		for _, mp := range metas {
			_, ann := child(o.nodeAt(mp...), "annotations")
			ann = resolve(ann)
			if ann == nil || ann.Kind != yaml.MappingNode {
				continue
			}
			for _, kv := range pairs(ann) {
				k, v := kv[0], resolve(kv[1])
				if v == nil || v.Kind != yaml.ScalarNode {
					continue
				}
				d, ok := annotationDirective(k.Value, v.Value)
				if !ok {
					continue
				}
				d.Source = fmt.Sprintf("%s:%d", f.Path, k.Line)
				d.FromLine, d.ToLine = from, to
				if name, isContainer := strings.CutPrefix(k.Value, IgnoreContainerAnnotationPrefix); isContainer {
					found := false
					for _, c := range containerNodes(o) {
						if c.name == name {
							d.FromLine, d.ToLine, found = c.node.Line, max(c.node.Line, yamlpos.LastLine(c.node)), true
							break
						}
					}
					if !found {
						continue // no such container: nothing to suppress
					}
				}
				out = append(out, d)
			}
		}
	}
	return out
}

// annotationDirective reads one annotation as a suppression.
func annotationDirective(key, value string) (suppress.Directive, bool) {
	switch {
	case key == IgnoreAnnotation || strings.HasPrefix(key, IgnoreContainerAnnotationPrefix):
		names, reason, scope, ok := suppress.ParseComment("bulwark:ignore " + value)
		if !ok || scope != suppress.ScopeNext {
			return suppress.Directive{}, false
		}
		return suppress.Directive{Names: names, Reason: reason}, true
	case strings.HasPrefix(key, KubeLinterAnnotationPrefix):
		check := strings.TrimPrefix(key, KubeLinterAnnotationPrefix)
		if check == "" {
			return suppress.Directive{}, false
		}
		return suppress.Directive{Names: []string{check}, Reason: strings.TrimSpace(value)}, true
	case strings.HasPrefix(key, PolarisAnnotationPrefix) && strings.HasSuffix(key, PolarisSuffix):
		check := strings.TrimSuffix(strings.TrimPrefix(key, PolarisAnnotationPrefix), PolarisSuffix)
		if check == "" || !strings.EqualFold(strings.TrimSpace(value), "true") {
			return suppress.Directive{}, false
		}
		return suppress.Directive{Names: []string{check}, Reason: "Polaris exemption annotation"}, true
	case key == KubeScoreAnnotation:
		var names []string
		for _, n := range strings.Split(value, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			return suppress.Directive{}, false
		}
		return suppress.Directive{Names: names, Reason: "kube-score ignore annotation"}, true
	}
	return suppress.Directive{}, false
}

// nodeAt returns the node at a field path, or nil.
func (o *Object) nodeAt(path ...string) *yaml.Node {
	cur := o.Node
	for _, seg := range path {
		_, v := child(cur, seg)
		if v == nil {
			return nil
		}
		cur = resolve(v)
	}
	return cur
}

// containerNode is a container's name and mapping in the YAML.
type containerNode struct {
	name string
	node *yaml.Node
}

// containerNodes returns the containers of a workload as YAML nodes.
func containerNodes(o *Object) []containerNode {
	var out []containerNode
	for _, c := range Containers(o) {
		if n := o.nodeAt(c.Path...); n != nil {
			out = append(out, containerNode{c.Name(), n})
		}
	}
	return out
}
