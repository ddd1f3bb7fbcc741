package k8saudit

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The event's JSON is validated and compacted by encoding/json
// (json.Compact) and then indexed once by tree: a flat array of nodes
// whose raw text and string values are views into the compact bytes.
// Composite values therefore render as compact JSON text without any
// work, and extraction never allocates.

// kind is the JSON type of a node.
type kind uint8

const (
	kNull kind = iota
	kFalse
	kTrue
	kNumber
	kString
	kArray
	kObject
)

// maxDepth bounds nesting; encoding/json allows 10000, far more than
// any audit event needs.
const maxDepth = 256

// none marks a missing node index.
const none = -1

// node is one JSON value (32 bytes).
type node struct {
	kind kind
	// start and end delimit the value's compact text in tree.raw.
	start, end int32
	// key and keyLen locate the member name when the node is an object
	// member: a view of raw when key >= 0, else strs[-key-1].
	key, keyLen int32
	// first is the first child of an array or object, next the next
	// sibling; n counts the children of an array or object. For a
	// string with escapes, n-1 indexes strs (0: a view of raw).
	first, next int32
	n           int32
}

// tree is a parsed JSON document.
type tree struct {
	raw   []byte
	nodes []node
	// strs holds the strings and keys that had escapes, unescaped.
	strs []string
}

// errDepth reports nesting beyond maxDepth.
var errDepth = fmt.Errorf("JSON nested deeper than %d levels", maxDepth)

// parseTree indexes compact, valid JSON (the output of json.Compact).
// Input that is not compact or not valid gets an error, never a panic.
func parseTree(raw []byte) (*tree, error) {
	t := &tree{raw: raw, nodes: make([]node, 0, estimateNodes(raw))}
	p := treeParser{t: t}
	if _, err := p.value(0); err != nil {
		return nil, err
	}
	if p.pos != len(raw) {
		return nil, fmt.Errorf("unexpected data at offset %d after the JSON value", p.pos)
	}
	return t, nil
}

// estimateNodes guesses the node count to size the array once: every
// value but the first follows a ',' or opens a container ('{', '[').
func estimateNodes(raw []byte) int {
	n := 1
	for _, c := range raw {
		if c == ',' || c == '{' || c == '[' {
			n++
		}
	}
	return n
}

type treeParser struct {
	t   *tree
	pos int
}

var errTruncated = errors.New("truncated JSON")

func (p *treeParser) value(depth int) (int32, error) {
	if depth > maxDepth {
		return none, errDepth
	}
	raw := p.t.raw
	if p.pos >= len(raw) {
		return none, errTruncated
	}
	idx := int32(len(p.t.nodes))
	p.t.nodes = append(p.t.nodes, node{start: int32(p.pos), first: none, next: none})
	switch c := raw[p.pos]; {
	case c == '{':
		p.t.nodes[idx].kind = kObject
		p.pos++
		if err := p.members(idx, depth); err != nil {
			return none, err
		}
	case c == '[':
		p.t.nodes[idx].kind = kArray
		p.pos++
		if err := p.elements(idx, depth); err != nil {
			return none, err
		}
	case c == '"':
		_, _, esc, err := p.str()
		if err != nil {
			return none, err
		}
		p.t.nodes[idx].kind = kString
		p.t.nodes[idx].n = esc
	case c == 't':
		if err := p.literal("true"); err != nil {
			return none, err
		}
		p.t.nodes[idx].kind = kTrue
	case c == 'f':
		if err := p.literal("false"); err != nil {
			return none, err
		}
		p.t.nodes[idx].kind = kFalse
	case c == 'n':
		if err := p.literal("null"); err != nil {
			return none, err
		}
		p.t.nodes[idx].kind = kNull
	case c == '-' || (c >= '0' && c <= '9'):
		for p.pos < len(raw) && isNumberByte(raw[p.pos]) {
			p.pos++
		}
		p.t.nodes[idx].kind = kNumber
	default:
		return none, fmt.Errorf("unexpected byte %q at offset %d", c, p.pos)
	}
	p.t.nodes[idx].end = int32(p.pos)
	return idx, nil
}

func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (p *treeParser) literal(lit string) error {
	if len(p.t.raw)-p.pos < len(lit) || string(p.t.raw[p.pos:p.pos+len(lit)]) != lit {
		return fmt.Errorf("bad literal at offset %d", p.pos)
	}
	p.pos += len(lit)
	return nil
}

// str reads a string starting at the opening quote. It returns the
// offset and length of its content in raw when the content can be used
// as is, else the index+1 of its unescaped value in strs.
func (p *treeParser) str() (off, length int32, esc int32, err error) {
	raw := p.t.raw
	start := p.pos
	escaped, high := false, false
	i := start + 1
	for ; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' {
			escaped = true
			i++
			continue
		}
		if c == '"' {
			break
		}
		if c >= utf8.RuneSelf {
			high = true
		}
	}
	if i >= len(raw) {
		return 0, 0, 0, errTruncated
	}
	p.pos = i + 1
	// Strings with escapes or invalid UTF-8 (replaced by U+FFFD, as
	// encoding/json does) are decoded by encoding/json.
	if !escaped && (!high || utf8.Valid(raw[start+1:i])) {
		return int32(start + 1), int32(i - start - 1), 0, nil
	}
	var s string
	if err := json.Unmarshal(raw[start:i+1], &s); err != nil {
		return 0, 0, 0, fmt.Errorf("string at offset %d: %w", start, err)
	}
	p.t.strs = append(p.t.strs, s)
	return 0, 0, int32(len(p.t.strs)), nil
}

func (p *treeParser) members(obj int32, depth int) error {
	raw := p.t.raw
	if p.pos < len(raw) && raw[p.pos] == '}' {
		p.pos++
		return nil
	}
	last := int32(none)
	for {
		if p.pos >= len(raw) || raw[p.pos] != '"' {
			return fmt.Errorf("expected a member name at offset %d", p.pos)
		}
		koff, klen, kesc, err := p.str()
		if err != nil {
			return err
		}
		if p.pos >= len(raw) || raw[p.pos] != ':' {
			return fmt.Errorf("expected ':' at offset %d", p.pos)
		}
		p.pos++
		child, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		if kesc > 0 {
			p.t.nodes[child].key = -kesc
		} else {
			p.t.nodes[child].key, p.t.nodes[child].keyLen = koff, klen
		}
		p.link(obj, last, child)
		last = child
		if p.pos >= len(raw) {
			return errTruncated
		}
		switch raw[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return nil
		default:
			return fmt.Errorf("expected ',' or '}' at offset %d", p.pos)
		}
	}
}

func (p *treeParser) elements(arr int32, depth int) error {
	raw := p.t.raw
	if p.pos < len(raw) && raw[p.pos] == ']' {
		p.pos++
		return nil
	}
	last := int32(none)
	for {
		child, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		p.link(arr, last, child)
		last = child
		if p.pos >= len(raw) {
			return errTruncated
		}
		switch raw[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return nil
		default:
			return fmt.Errorf("expected ',' or ']' at offset %d", p.pos)
		}
	}
}

func (p *treeParser) link(parent, last, child int32) {
	if last == none {
		p.t.nodes[parent].first = child
	} else {
		p.t.nodes[last].next = child
	}
	p.t.nodes[parent].n++
}

// get returns the member key of object n, or none.
func (t *tree) get(n int32, key string) int32 {
	if n == none || t.nodes[n].kind != kObject {
		return none
	}
	for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
		if t.keyOf(c) == key {
			return c
		}
	}
	return none
}

// path follows object members from n.
func (t *tree) path(n int32, keys ...string) int32 {
	for _, k := range keys {
		n = t.get(n, k)
		if n == none {
			return none
		}
	}
	return n
}

// index returns element i of array n, or none.
func (t *tree) index(n int32, i int) int32 {
	if n == none || t.nodes[n].kind != kArray || i < 0 || i >= int(t.nodes[n].n) {
		return none
	}
	c := t.nodes[n].first
	for ; i > 0; i-- {
		c = t.nodes[c].next
	}
	return c
}

// keyOf returns the member name of node n.
func (t *tree) keyOf(n int32) string {
	nd := &t.nodes[n]
	if nd.key < 0 {
		return t.strs[-nd.key-1]
	}
	return unsafeString(t.raw[nd.key : nd.key+nd.keyLen])
}

// strOf returns the value of string node n.
func (t *tree) strOf(n int32) string {
	nd := &t.nodes[n]
	if nd.n > 0 {
		return t.strs[nd.n-1]
	}
	return unsafeString(t.raw[nd.start+1 : nd.end-1])
}

// isString reports whether n is a string node equal to s.
func (t *tree) isString(n int32, s string) bool {
	return n != none && t.nodes[n].kind == kString && t.strOf(n) == s
}

// text renders node n as a field value: strings raw, anything else as
// its compact JSON text.
func (t *tree) text(n int32) string {
	nd := &t.nodes[n]
	if nd.kind == kString {
		return t.strOf(n)
	}
	return unsafeString(t.raw[nd.start:nd.end])
}

// isArray reports whether n is an array node.
func (t *tree) isArray(n int32) bool { return n != none && t.nodes[n].kind == kArray }
