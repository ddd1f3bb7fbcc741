package container

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	yaml4 "go.yaml.in/yaml/v4"
	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/yamlpos"
	"github.com/bulwark-sec/bulwark/suppress"
)

// ydoc is a YAML file parsed into nodes, for positions: compose-go's model
// has none.
type ydoc struct {
	// path is the file as shown in findings (slash-separated, relative
	// when the scanned path was); abs is its absolute path.
	path, abs string
	// root is the top-level mapping (nil for an empty document).
	root  *yaml.Node
	lines []string
}

// maxMergeDepth bounds how deep merge keys ("<<: *anchor") are followed.
const maxMergeDepth = 16

// parseYAML reads the first document of src into nodes. A syntax error
// comes back as an *Error with the line when the parser names one.
func parseYAML(path, abs string, src []byte) (*ydoc, error) {
	d := &ydoc{path: path, abs: abs, lines: strings.Split(string(src), "\n")}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, yamlError(path, src, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return d, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	switch {
	case root.Kind == yaml.ScalarNode && root.Tag == "!!null":
		return d, nil
	case root.Kind != yaml.MappingNode:
		return nil, &Error{Path: path, Line: root.Line, Msg: fmt.Sprintf("a Compose file must be a mapping at the top level, not %s", kindName(root))}
	}
	d.root = root
	return d, nil
}

var (
	yamlLineRe    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlScanRe    = regexp.MustCompile(`while scanning [^:]* at line (\d+)`)
	yamlV4LinesRe = regexp.MustCompile(`line (\d+)(?:, column \d+)?: ([^:]+)$`)
)

// yamlError reports a syntax error. yaml.v3 names the line where the
// enclosing block starts; the parser of YAML v4 (compose-go's) names the
// line of the problem itself, so its message is preferred.
func yamlError(path string, src []byte, err error) error {
	var n4 yaml4.Node
	if err4 := yaml4.Unmarshal(src, &n4); err4 != nil {
		m := yamlScanRe.FindStringSubmatch(err4.Error())
		if m == nil {
			m = yamlV4LinesRe.FindStringSubmatch(err4.Error())
		}
		if m != nil {
			var line int
			fmt.Sscanf(m[1], "%d", &line)
			return &Error{Path: path, Line: line, Msg: "invalid YAML: " + strings.TrimPrefix(err4.Error(), "yaml: ")}
		}
	}
	msg := err.Error()
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscanf(m[1], "%d", &line)
		return &Error{Path: path, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{Path: path, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", truncate(n.Value, 40))
	}
	return "this node"
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "..."
}

// resolve follows an alias.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxMergeDepth; i++ {
		n = n.Alias
	}
	return n
}

// mapGet returns the key and value nodes of key in mapping m, following
// merge keys: an explicit key wins over a merged one, as in YAML.
func mapGet(m *yaml.Node, key string) (k, v *yaml.Node) {
	return mapGetDepth(m, key, 0)
}

func mapGetDepth(m *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode || depth > maxMergeDepth {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key && m.Content[i].Tag != "!!merge" {
			return m.Content[i], resolve(m.Content[i+1])
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag != "!!merge" {
			continue
		}
		src := resolve(m.Content[i+1])
		var sources []*yaml.Node
		if src != nil && src.Kind == yaml.SequenceNode {
			sources = src.Content
		} else {
			sources = []*yaml.Node{src}
		}
		for _, s := range sources {
			if k, v := mapGetDepth(s, key, depth+1); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// mapPath follows keys from m.
func mapPath(m *yaml.Node, keys ...string) (k, v *yaml.Node) {
	v = m
	for _, key := range keys {
		k, v = mapGet(v, key)
		if k == nil {
			return nil, nil
		}
	}
	return k, v
}

// mapPairs returns the key/value pairs of a mapping in order, merged keys
// after explicit ones and without duplicates.
func mapPairs(m *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	seen := map[string]bool{}
	var walk func(m *yaml.Node, depth int)
	walk = func(m *yaml.Node, depth int) {
		m = resolve(m)
		if m == nil || m.Kind != yaml.MappingNode || depth > maxMergeDepth {
			return
		}
		var merges []*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if k.Tag == "!!merge" {
				merges = append(merges, m.Content[i+1])
				continue
			}
			if k.Kind != yaml.ScalarNode || seen[k.Value] {
				continue
			}
			seen[k.Value] = true
			out = append(out, [2]*yaml.Node{k, resolve(m.Content[i+1])})
		}
		for _, mg := range merges {
			mg = resolve(mg)
			if mg != nil && mg.Kind == yaml.SequenceNode {
				for _, s := range mg.Content {
					walk(s, depth+1)
				}
			} else {
				walk(mg, depth+1)
			}
		}
	}
	walk(m, 0)
	return out
}

// items returns the entries of a sequence, or the node itself for a
// scalar written where a list is allowed ("tmpfs: /run").
func items(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.SequenceNode:
		out := make([]*yaml.Node, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, resolve(c))
		}
		return out
	case n.Kind == yaml.ScalarNode && n.Tag != "!!null":
		return []*yaml.Node{n}
	}
	return nil
}

// pos returns the start of a node.
func pos(n *yaml.Node) finding.Position {
	return finding.Position{Line: n.Line, Column: n.Column}
}

// end returns where a node's text ends: after the closing quote of a
// quoted scalar, after a plain scalar, after the last scalar of a
// collection. A block or multi-line scalar ends at the end of its first
// line.
func (d *ydoc) end(n *yaml.Node) finding.Position {
	n = lastScalar(n, 0)
	if n == nil || n.Line < 1 || n.Line > len(d.lines) {
		return finding.Position{}
	}
	line := []rune(strings.TrimRight(d.lines[n.Line-1], "\r"))
	start := n.Column - 1
	if start < 0 || start > len(line) {
		return finding.Position{Line: n.Line, Column: len(line) + 1}
	}
	endCol := len(line) + 1
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		q := line[start]
		for i := start + 1; i < len(line); i++ {
			if n.Style == yaml.DoubleQuotedStyle && line[i] == '\\' {
				i++
				continue
			}
			if line[i] == q {
				if n.Style == yaml.SingleQuotedStyle && i+1 < len(line) && line[i+1] == '\'' {
					i++
					continue
				}
				endCol = i + 2
				break
			}
		}
	case yaml.LiteralStyle, yaml.FoldedStyle:
	default:
		v := []rune(n.Value)
		if start+len(v) <= len(line) && string(line[start:start+len(v)]) == n.Value {
			endCol = start + len(v) + 1
		} else {
			endCol = len([]rune(strings.TrimRight(yamlpos.StripComment(string(line)), " \t"))) + 1
		}
	}
	return finding.Position{Line: n.Line, Column: endCol}
}

func lastScalar(n *yaml.Node, depth int) *yaml.Node {
	n = resolve(n)
	if n == nil || depth > 64 {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return n
	}
	for i := len(n.Content) - 1; i >= 0; i-- {
		if c := lastScalar(n.Content[i], depth+1); c != nil {
			return c
		}
	}
	return n
}

// keyRange is a key of the file with the lines its value spans.
type keyRange struct{ line, last int }

// directives reads the inline suppressions of the file: a comment on its
// own line applies to itself and the next key with everything under it; a
// comment after a key applies to that key with everything under it.
func (d *ydoc) directives() []suppress.Directive {
	var keys []keyRange
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 64 || n.Kind == yaml.AliasNode {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				keys = append(keys, keyRange{k.Line, max(k.Line, yamlpos.LastLine(v))})
				walk(v, depth+1)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				keys = append(keys, keyRange{c.Line, max(c.Line, yamlpos.LastLine(c))})
				walk(c, depth+1)
			}
		}
	}
	walk(d.root, 0)
	at := func(line int) (keyRange, bool) {
		for _, k := range keys {
			if k.line == line {
				return k, true
			}
		}
		return keyRange{}, false
	}
	next := func(line int) (keyRange, bool) {
		best := keyRange{}
		for _, k := range keys {
			if k.line > line && (best.line == 0 || k.line < best.line) {
				best = k
			}
		}
		return best, best.line != 0
	}
	var out []suppress.Directive
	for i, text := range d.lines {
		n := i + 1
		c := yamlpos.CommentStart(text)
		if c < 0 || !strings.Contains(text[c:], "ignore") {
			continue
		}
		names, reason, scope, ok := suppress.ParseComment(strings.TrimPrefix(text[c:], "#"))
		if !ok {
			continue
		}
		dir := suppress.Directive{Names: names, Reason: reason, Source: fmt.Sprintf("%s:%d", d.path, n)}
		if scope == suppress.ScopeNext {
			dir.FromLine, dir.ToLine = n, n
			own := strings.TrimSpace(text[:c]) == ""
			if own {
				if k, ok := next(n); ok {
					dir.ToLine = k.last
				}
			} else if k, ok := at(n); ok {
				dir.ToLine = k.last
			}
		}
		out = append(out, dir)
	}
	return out
}

// varRefRe finds variable references: $NAME, ${NAME...}; "$$" escapes.
var varRefRe = regexp.MustCompile(`\$(\$|\{?([_a-zA-Z][_a-zA-Z0-9]*))`)

// variables returns the variables a scalar refers to.
func variables(s string) []string {
	if !strings.Contains(s, "$") {
		return nil
	}
	var out []string
	for _, m := range varRefRe.FindAllStringSubmatch(s, -1) {
		if m[1] == "$" {
			continue
		}
		out = append(out, m[2])
	}
	return out
}
