package auditpolicy

import (
	"encoding/json"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"
)

// maxExpansion is the most YAML nodes a policy may expand to when its
// aliases are followed: a "billion laughs" bomb is far beyond it. (The
// YAML is read by kube.ToJSON, which also bounds the nesting.)
const maxExpansion = 1 << 20

// resolve follows aliases and enters documents.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < 64; i++ {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return nil
}

// mapGet returns the key and value nodes of a mapping's member.
func mapGet(m *yaml.Node, key string) (k, v *yaml.Node) {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		if m.Content[i].Value == key && !isMerge(m.Content[i]) {
			return m.Content[i], resolve(m.Content[i+1])
		}
	}
	return nil, nil
}

// isMerge reports whether a mapping key is YAML's merge key (<<).
func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Tag == "")
}

// Field types of a policy, for finding the field a decode error is at.
type fieldType int

const (
	tString fieldType = iota
	tBool
	tStrings
	tObject // metadata: not looked into
	tRules
	tResources
)

var policyFields = map[string]fieldType{
	"apiVersion": tString, "kind": tString, "metadata": tObject,
	"rules": tRules, "omitStages": tStrings, "omitManagedFields": tBool,
}

var ruleFields = map[string]fieldType{
	"level": tString, "users": tStrings, "userGroups": tStrings, "verbs": tStrings,
	"resources": tResources, "namespaces": tStrings, "nonResourceURLs": tStrings,
	"omitStages": tStrings, "omitManagedFields": tBool,
}

var resourceFields = map[string]fieldType{
	"group": tString, "resources": tStrings, "resourceNames": tStrings,
}

// locateTypeError finds the first field of the policy JSON whose value
// has a type the policy does not allow.
func locateTypeError(data []byte) []string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil
	}
	return checkObject(v, policyFields, nil)
}

func checkObject(v any, fields map[string]fieldType, path []string) []string {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil
		}
		return path
	}
	for _, key := range sortedKeys(m) {
		t, known := fields[key]
		if !known {
			continue
		}
		if p := checkValue(m[key], t, append(slices.Clone(path), key)); p != nil {
			return p
		}
	}
	return nil
}

func checkValue(v any, t fieldType, path []string) []string {
	if v == nil {
		return nil
	}
	switch t {
	case tString:
		if _, ok := v.(string); !ok {
			return path
		}
	case tBool:
		if _, ok := v.(bool); !ok {
			return path
		}
	case tObject:
		if _, ok := v.(map[string]any); !ok {
			return path
		}
	case tStrings, tRules, tResources:
		list, ok := v.([]any)
		if !ok {
			return path
		}
		for i, it := range list {
			p := append(slices.Clone(path), strconv.Itoa(i))
			var bad []string
			switch t {
			case tStrings:
				if _, ok := it.(string); !ok && it != nil {
					bad = p
				}
			case tRules:
				bad = checkObject(it, ruleFields, p)
			case tResources:
				bad = checkObject(it, resourceFields, p)
			}
			if bad != nil {
				return bad
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
