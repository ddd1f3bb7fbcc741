package kube

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/yamlpos"
)

// source is the text of a file, for positions.
type source struct {
	path   string
	data   []byte
	starts []int // byte offset of each line
	docs   []*yaml.Node
}

func newSource(path string, data []byte) *source {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &source{path: path, data: data, starts: starts}
}

// line returns the text of a 1-based line without its newline, or "".
func (s *source) line(n int) string {
	if n < 1 || n > len(s.starts) {
		return ""
	}
	end := len(s.data)
	if n < len(s.starts) {
		end = s.starts[n] - 1
	}
	return strings.TrimSuffix(string(s.data[s.starts[n-1]:end]), "\r")
}

// at converts a 1-based line and code-point column to a position with
// its byte offset.
func (s *source) at(line, col int) finding.Position {
	if line < 1 || line > len(s.starts) {
		return finding.Position{}
	}
	off := s.starts[line-1]
	text := s.line(line)
	i := 0
	for c := 1; c < col && i < len(text); c++ {
		_, w := utf8.DecodeRuneInString(text[i:])
		i += w
	}
	return finding.Position{Line: line, Column: col, Offset: off + i}
}

// pos returns where a node starts.
func (s *source) pos(n *yaml.Node) finding.Position {
	if n == nil {
		return finding.Position{}
	}
	return s.at(n.Line, n.Column)
}

// end returns where a node's text ends: after the closing quote of a
// quoted scalar, after a plain scalar or an alias, after the last scalar
// of a collection. A block or multi-line scalar ends at the end of its
// first line.
func (s *source) end(n *yaml.Node) finding.Position {
	n = lastScalar(n, 0)
	if n == nil || n.Line < 1 || n.Line > len(s.starts) {
		return finding.Position{}
	}
	line := []rune(s.line(n.Line))
	start := n.Column - 1
	if start < 0 || start >= len(line) {
		return s.at(n.Line, len(line)+1)
	}
	endCol := len(line) + 1
	switch {
	case n.Kind == yaml.AliasNode:
		endCol = min(start+1+utf8.RuneCountInString(n.Value), len(line)) + 1
	case n.Kind != yaml.ScalarNode:
		// An empty flow collection: "{}" or "[]".
		if start+1 < len(line) && (line[start] == '{' || line[start] == '[') {
			endCol = start + 3
		}
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		q := line[start]
		for i := start + 1; i < len(line); i++ {
			if q == '"' && line[i] == '\\' {
				i++
				continue
			}
			if line[i] == q {
				if q == '\'' && i+1 < len(line) && line[i+1] == '\'' {
					i++
					continue
				}
				endCol = i + 2
				break
			}
		}
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
	default:
		v := []rune(n.Value)
		if start+len(v) <= len(line) && string(line[start:start+len(v)]) == n.Value {
			endCol = start + len(v) + 1
		} else {
			endCol = len([]rune(strings.TrimRight(yamlpos.StripComment(string(line)), " \t"))) + 1
		}
	}
	return s.at(n.Line, endCol)
}

// lastScalar returns the last scalar or alias under n, or the empty
// collection n itself.
func lastScalar(n *yaml.Node, depth int) *yaml.Node {
	if n == nil || depth > MaxDepth {
		return nil
	}
	if n.Kind == yaml.ScalarNode || n.Kind == yaml.AliasNode {
		return n
	}
	for i := len(n.Content) - 1; i >= 0; i-- {
		if c := lastScalar(n.Content[i], depth+1); c != nil {
			return c
		}
	}
	return n
}

var yamlLineRe = regexp.MustCompile(`^line (\d+): (.*)$`)

// maxAliasHops bounds how many aliases are followed in a row, and how
// deep merge keys are followed.
const maxAliasHops = 16

// resolve follows an alias.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == maxAliasHops {
			return nil
		}
		n = n.Alias
	}
	return n
}

// isMerge reports whether a mapping key is the merge key "<<".
func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && (k.Tag == "!!merge" || k.Value == "<<" && k.Style == 0 && k.Tag == "")
}

// maxMergeVisits bounds the mappings one lookup searches through merge
// keys.
const maxMergeVisits = 256

// mapGet returns the key and value nodes of key in mapping m, following
// merge keys: an explicit key wins over a merged one. The value is
// resolved; the key is as written. Each merged mapping is searched once,
// so that merge keys nested in merge keys cost no more than the mappings
// they name.
func mapGet(m *yaml.Node, key string) (k, v *yaml.Node) {
	var seen []*yaml.Node
	return mapGetSeen(m, key, 0, &seen)
}

func mapGetSeen(m *yaml.Node, key string, depth int, seen *[]*yaml.Node) (k, v *yaml.Node) {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode || depth > maxAliasHops {
		return nil, nil
	}
	// The last of duplicate keys wins, as in Kubernetes' decoder.
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		if kn := m.Content[i]; kn.Kind == yaml.ScalarNode && kn.Value == key && !isMerge(kn) {
			return kn, m.Content[i+1]
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMerge(m.Content[i]) {
			continue
		}
		for _, s := range mergeSources(m.Content[i+1]) {
			s = resolve(s)
			if s == nil || slices.Contains(*seen, s) || len(*seen) >= maxMergeVisits {
				continue
			}
			*seen = append(*seen, s)
			if k, v := mapGetSeen(s, key, depth+1, seen); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// mergeSources returns the mappings a merge key's value names, the first
// one winning.
func mergeSources(v *yaml.Node) []*yaml.Node {
	v = resolve(v)
	if v != nil && v.Kind == yaml.SequenceNode {
		return v.Content
	}
	return []*yaml.Node{v}
}

// child returns the node a path segment selects under n: for a mapping
// the key and its value, for a sequence the entry (twice).
func child(n *yaml.Node, seg string) (start, val *yaml.Node) {
	n = resolve(n)
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		return mapGet(n, seg)
	case yaml.SequenceNode:
		i, err := strconv.Atoi(seg)
		if err != nil || i < 0 || i >= len(n.Content) || strconv.Itoa(i) != seg {
			return nil, nil
		}
		return n.Content[i], n.Content[i]
	}
	return nil, nil
}

// scalarAt returns the string value of a scalar key of mapping m, or "".
func scalarAt(m *yaml.Node, key string) string {
	_, v := mapGet(m, key)
	v = resolve(v)
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return ""
	}
	return v.Value
}

// count returns the number of nodes under n and how deep they nest,
// aliases not followed.
func count(n *yaml.Node) (nodes, depth int) {
	type item struct {
		n *yaml.Node
		d int
	}
	stack := []item{{n, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nodes++
		depth = max(depth, it.d)
		for _, c := range it.n.Content {
			stack = append(stack, item{c, it.d + 1})
		}
	}
	return nodes, depth
}

// estimateNodes is a cheap upper estimate of the number of nodes a YAML
// text parses into, so that a file of millions of tiny nodes is refused
// before the parser spends memory on it: every node but the first of a
// document is introduced by one of ":-,[{?" or a line break.
func estimateNodes(data []byte) int {
	n := 1
	for _, c := range data {
		switch c {
		case ':', '-', ',', '[', '{', '?', '\n':
			n++
		}
	}
	return n
}
