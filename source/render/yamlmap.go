package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Kustomize re-serialises objects, so its output lines are mapped back by
// structure, not text: each output line starts a node with a path (keys, and
// sequence items by their name field, else by index), and maps to the line
// where the same path sits in the source document. A scalar maps only when
// the source holds the same value, so a field an overlay patched, or one a
// transformer added (labels, namespace), is not pinned on the base's line:
// ok is false there.

// lazyYAMLLineMap maps lines of out (one object) into the document of src
// that defined it, found by kind and name.
func lazyYAMLLineMap(src, out []byte, kind, name string) func(int) (int, bool) {
	var once sync.Once
	var m map[int]int
	return func(line int) (int, bool) {
		once.Do(func() { m = mapYAMLLines(src, out, kind, name) })
		l, ok := m[line]
		return l, ok
	}
}

func mapYAMLLines(src, out []byte, kind, name string) map[int]int {
	outDocs := decodeDocs(out, 1)
	if len(outDocs) != 1 {
		return nil
	}
	doc := findDoc(decodeDocs(src, 10000), kind, name)
	if doc == nil {
		return nil
	}
	srcPaths := map[string]*yaml.Node{}
	indexPaths(doc, "", func(path string, key, val *yaml.Node) {
		if _, dup := srcPaths[path]; !dup {
			srcPaths[path] = val
			srcPaths[path+"#key"] = key
		}
	})
	// The node a line stands for is the first mapping key on it, else the
	// sequence item starting there: "- image: x" is about the image.
	type entry struct {
		path     string
		key, val *yaml.Node
	}
	byLine := map[int]entry{}
	indexPaths(outDocs[0], "", func(path string, key, val *yaml.Node) {
		if key == nil {
			if _, seen := byLine[val.Line]; !seen {
				byLine[val.Line] = entry{path, nil, val}
			}
			return
		}
		if e, seen := byLine[key.Line]; !seen || e.key == nil {
			byLine[key.Line] = entry{path, key, val}
		}
	})
	res := map[int]int{}
	for line, e := range byLine {
		sv := srcPaths[e.path]
		if sv == nil {
			continue
		}
		if e.val.Kind == yaml.ScalarNode && (sv.Kind != yaml.ScalarNode || sv.Value != e.val.Value) {
			continue
		}
		if sk := srcPaths[e.path+"#key"]; sk != nil {
			res[line] = sk.Line
		} else {
			res[line] = sv.Line
		}
	}
	return res
}

// decodeDocs decodes up to max YAML documents; a decoding error ends the
// list.
func decodeDocs(data []byte, max int) []*yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for len(docs) < max {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if !errors.Is(err, io.EOF) {
				return docs
			}
			break
		}
		if len(n.Content) == 1 {
			docs = append(docs, n.Content[0])
		}
	}
	return docs
}

// findDoc picks the document of kind named name; kustomize may have added a
// prefix or suffix to the name, so a name contained in it is next best, and a
// lone document of the kind last.
func findDoc(docs []*yaml.Node, kind, name string) *yaml.Node {
	var ofKind []*yaml.Node
	var best *yaml.Node
	bestLen := -1
	for _, d := range docs {
		if scalarAt(d, "kind") != kind {
			continue
		}
		ofKind = append(ofKind, d)
		n := scalarAt(d, "metadata", "name")
		if n == name {
			return d
		}
		if n != "" && strings.Contains(name, n) && len(n) > bestLen {
			best, bestLen = d, len(n)
		}
	}
	if best != nil {
		return best
	}
	if len(ofKind) == 1 {
		return ofKind[0]
	}
	return nil
}

func scalarAt(n *yaml.Node, keys ...string) string {
	for _, k := range keys {
		n = child(n, k)
		if n == nil {
			return ""
		}
	}
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func child(n *yaml.Node, key string) *yaml.Node {
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

// indexPaths calls f for every mapping value and sequence item under n, with
// its path, its key node (nil for sequence items) and the value node.
func indexPaths(n *yaml.Node, path string, f func(path string, key, val *yaml.Node)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := path + "/" + k.Value
			f(p, k, v)
			indexPaths(v, p, f)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			if name := scalarAt(item, "name"); name != "" {
				p = path + "[name=" + name + "]"
			}
			f(p, nil, item)
			indexPaths(item, p, f)
		}
	}
}

// maxExpandedNodes caps the YAML nodes a file may stand for once its aliases
// are expanded.
const maxExpandedNodes = 1_000_000

// checkAliases fails when the YAML documents in data, with every alias
// expanded, would have more than max nodes. Decoding into yaml.Node does not
// expand aliases, so this costs no more than the file's own size.
func checkAliases(data []byte, max int) error {
	if !bytes.Contains(data, []byte("*")) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	memo := map[*yaml.Node]int{}
	var size func(n *yaml.Node, depth int) int
	size = func(n *yaml.Node, depth int) int {
		if n == nil || depth > 10000 {
			return 1
		}
		if s, ok := memo[n]; ok {
			return s
		}
		memo[n] = max + 1 // an alias cycle counts as too big
		s := 1
		if n.Kind == yaml.AliasNode {
			s += size(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			s += size(c, depth+1)
			if s > max {
				break
			}
		}
		memo[n] = s
		return s
	}
	total := 0
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			// The caller's parser reports syntax errors.
			return nil
		}
		total += size(&n, 0)
		if total > max {
			return fmt.Errorf("YAML aliases expand to more than %d nodes: not loaded", max)
		}
	}
}
