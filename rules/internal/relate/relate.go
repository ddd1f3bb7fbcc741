// Package relate holds what the rules that relate Kubernetes objects across
// a scan share: when two objects are written near each other, which objects
// are custom resources an operator may turn into pods, and whether such a
// resource holds a set of labels.
package relate

import (
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/source/kube"
)

// maxDepth bounds the search of a YAML tree.
const maxDepth = 64

// Dir is the folder of the file an object is written in, slash-separated.
func Dir(o *kube.Object) string { return path.Dir(strings.ReplaceAll(o.Loc.Path, "\\", "/")) }

// Near reports whether two objects are written in the same folder, or one
// in a folder below the other's: the condition for trusting a relation
// between them in a scan of several projects. A nil object is near
// everything.
func Near(a, b *kube.Object) bool {
	if a == nil || b == nil {
		return true
	}
	da, db := Dir(a), Dir(b)
	within := func(x, y string) bool { return y == "." || x == y || strings.HasPrefix(x, y+"/") }
	return within(da, db) || within(db, da)
}

// CustomKind reports whether an object is a custom resource (of an API
// group outside Kubernetes' own), which an operator may turn into pods.
func CustomKind(o *kube.Object) bool {
	group, _, found := strings.Cut(o.APIVersion, "/")
	return found && strings.Contains(group, ".") && !strings.HasSuffix(group, ".k8s.io") && !kube.Known(o.APIVersion, o.Kind)
}

// Holds reports whether some mapping of a YAML tree holds every key and
// value of want: a custom resource that holds a selector's labels may make
// the pods it selects.
func Holds(n *yaml.Node, want map[string]string) bool { return holds(n, want, 0) }

func holds(n *yaml.Node, want map[string]string, depth int) bool {
	if n == nil || depth > maxDepth {
		return false
	}
	switch n.Kind {
	case yaml.MappingNode:
		found := 0
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if w, ok := want[k.Value]; ok && v.Kind == yaml.ScalarNode && v.Value == w {
				found++
			}
		}
		if found == len(want) {
			return true
		}
		for i := 1; i < len(n.Content); i += 2 {
			if holds(n.Content[i], want, depth+1) {
				return true
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			if holds(c, want, depth+1) {
				return true
			}
		}
	}
	return false
}
