package auditpolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// Limits on what one policy may make the reader do.
const (
	// maxExpansion is the most YAML nodes a policy may expand to when its
	// aliases are followed: a "billion laughs" bomb is far beyond it.
	maxExpansion = 1 << 20
	// maxDepth is the deepest nesting a policy may have.
	maxDepth = 128
)

// converter writes a YAML node as the JSON the API server's YAML reader
// (sigs.k8s.io/yaml, YAML 1.1) makes of the same text.
type converter struct {
	out    []byte
	budget int
}

var errBomb = fmt.Errorf("the policy expands to more than %d YAML nodes when its aliases are followed", maxExpansion)

func (c *converter) value(n *yaml.Node, depth int) error {
	if c.budget--; c.budget < 0 {
		return errBomb
	}
	if depth > maxDepth {
		return fmt.Errorf("the policy is nested more than %d levels deep", maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.out = append(c.out, "null"...)
			return nil
		}
		return c.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return errors.New("an alias names no anchor")
		}
		return c.value(n.Alias, depth+1)
	case yaml.ScalarNode:
		c.out = append(c.out, scalarJSON(n)...)
		return nil
	case yaml.SequenceNode:
		c.out = append(c.out, '[')
		for i, it := range n.Content {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			if err := c.value(it, depth+1); err != nil {
				return err
			}
		}
		c.out = append(c.out, ']')
		return nil
	case yaml.MappingNode:
		c.out = append(c.out, '{')
		first := true
		if err := c.members(n, depth, &first, nil); err != nil {
			return err
		}
		c.out = append(c.out, '}')
		return nil
	}
	return fmt.Errorf("unexpected YAML node kind %d", n.Kind)
}

// members writes the members of mapping m, those of the mappings merged
// into it (<<) first unless m writes the same key. seen holds the keys
// already written by the mappings that merge m.
func (c *converter) members(m *yaml.Node, depth int, first *bool, seen []string) error {
	own := make([]string, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMerge(m.Content[i]) {
			key, err := keyString(m.Content[i])
			if err != nil {
				return err
			}
			own = append(own, key)
		}
	}
	skip := append(slices.Clone(seen), own...)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMerge(m.Content[i]) {
			continue
		}
		for _, src := range mergeSources(m.Content[i+1]) {
			s := resolve(src)
			if s == nil || s.Kind != yaml.MappingNode {
				return errors.New("a merge key (<<) must name a mapping or a list of mappings")
			}
			if c.budget--; c.budget < 0 {
				return errBomb
			}
			if depth > maxDepth {
				return fmt.Errorf("the policy is nested more than %d levels deep", maxDepth)
			}
			if err := c.members(s, depth+1, first, skip); err != nil {
				return err
			}
			for j := 0; j+1 < len(s.Content); j += 2 {
				if k, err := keyString(s.Content[j]); err == nil {
					skip = append(skip, k)
				}
			}
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if isMerge(k) {
			continue
		}
		key, _ := keyString(k)
		if slices.Contains(seen, key) {
			continue
		}
		if !*first {
			c.out = append(c.out, ',')
		}
		*first = false
		c.out = appendString(c.out, key)
		c.out = append(c.out, ':')
		if err := c.value(m.Content[i+1], depth+1); err != nil {
			return err
		}
	}
	return nil
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Tag == "")
}

func mergeSources(v *yaml.Node) []*yaml.Node {
	v = resolve(v)
	if v != nil && v.Kind == yaml.SequenceNode {
		return v.Content
	}
	return []*yaml.Node{v}
}

// keyString is the JSON member name of a mapping key.
func keyString(k *yaml.Node) (string, error) {
	k = resolve(k)
	if k == nil || k.Kind != yaml.ScalarNode {
		return "", errors.New("a mapping key is not a scalar")
	}
	if quoted(k) || plainString(k.Value) {
		return k.Value, nil
	}
	j := scalarJSON(k)
	if len(j) > 0 && j[0] == '"' {
		var s string
		if err := json.Unmarshal(j, &s); err == nil {
			return s, nil
		}
	}
	return string(j), nil
}

// scalarJSON is the JSON value of a scalar as YAML 1.1 reads it: plain
// words that YAML 1.1 reads as booleans, null or numbers become those;
// quoted and block scalars, and anything else, are strings.
func scalarJSON(n *yaml.Node) []byte {
	if quoted(n) || plainString(n.Value) {
		return appendString(nil, n.Value)
	}
	// The API server's own YAML reader decides.
	j, err := sigsyaml.YAMLToJSON([]byte(n.Value))
	j = []byte(strings.TrimSpace(string(j)))
	if err != nil || len(j) == 0 || j[0] == '{' || j[0] == '[' {
		return appendString(nil, n.Value)
	}
	return j
}

// quoted tells whether a scalar is a string whatever its text: quoted, a
// block, or tagged !!str.
func quoted(n *yaml.Node) bool {
	return n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 || n.Tag == "!!str" && n.Style&yaml.TaggedStyle != 0
}

// yaml11Words are the plain words YAML 1.1 does not read as strings.
var yaml11Words = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "n": true, "N": true, "no": true, "No": true, "NO": true,
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
	"null": true, "Null": true, "NULL": true,
}

// plainString reports whether a plain scalar is certainly a string in
// YAML 1.1: it starts with a letter or a slash and is no special word.
func plainString(s string) bool {
	if s == "" || yaml11Words[s] {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r == '/' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// appendString appends s as a JSON string.
func appendString(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(out, b...)
		}
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}

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
