package kube

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/yamlpos"
)

// SetScalar returns an edit of the object's file that sets the field at
// path (keys and decimal list indexes, as for At) to value: a bool, an
// int or a string. An existing scalar (or null) is replaced; a missing
// field is inserted together with the mappings above it that are missing
// (securityContext:, capabilities:, ...). The text around the edit is
// kept as written: comments, indentation, block or flow style, CRLF line
// ends, and JSON quoting in JSON files.
//
// ok is false when the edit cannot be made safely: the path goes through
// an alias, an anchor, a merge key or a duplicate key, a list index is
// missing, a field on the path is not a mapping, or the edited document
// would not read back as the original with exactly this field changed.
// Every edit returned has been applied to a copy of its document and read
// back with the reader's own YAML rules. Its offsets and positions are in
// the data given to Parse: an edit of rendered output (Helm, Kustomize)
// does not apply to the template or resource file it came from.
func (o *Object) SetScalar(value any, path ...string) (finding.Edit, bool) {
	return o.edit(path, value, false)
}

// AddItem returns an edit of the object's file that appends value (a
// bool, an int or a string) to the list at path, creating the list, and
// the mappings above it that are missing, when it is not written. It
// refuses (ok false) where SetScalar does, and when the list already
// holds value.
func (o *Object) AddItem(value any, path ...string) (finding.Edit, bool) {
	return o.edit(path, value, true)
}

// editMaxDocBytes bounds the document an edit re-reads to prove itself.
const editMaxDocBytes = 4 << 20

// editor computes one edit of an object's text.
type editor struct {
	o    *Object
	src  *source
	eol  string
	json bool // the document is JSON: keys and strings are double-quoted
	// step is the file's mapping indentation; seqIndent is how far a
	// block list's dashes sit right of their key (0 when flush).
	step, seqIndent int
}

func (o *Object) edit(path []string, value any, add bool) (finding.Edit, bool) {
	if o == nil || o.src == nil || o.Node == nil || len(path) == 0 {
		return finding.Edit{}, false
	}
	if _, ok := editScalarText(value, false); !ok {
		return finding.Edit{}, false
	}
	doc, objPath := o.editDocument()
	if doc == nil {
		return finding.Edit{}, false
	}
	ed := &editor{o: o, src: o.src, eol: editEOL(o.src.data)}
	ed.json = isFlow(doc.Content[0]) && bytes.HasPrefix(bytes.TrimLeft(o.src.data[o.src.pos(doc.Content[0]).Offset:], " \t"), []byte("{"))
	ed.step, ed.seqIndent = editStyle(o.Node)
	e, ok := ed.compute(path, value, add)
	if !ok {
		return finding.Edit{}, false
	}
	e.From, e.To = o.src.offsetPos(e.Start), o.src.offsetPos(e.End)
	if !o.editProven(doc, objPath, e, path, value, add) {
		return finding.Edit{}, false
	}
	return e, true
}

// compute walks the path as far as it is written and builds the edit.
func (ed *editor) compute(path []string, value any, add bool) (finding.Edit, bool) {
	cur := ed.o.Node
	var curKey *yaml.Node // the key whose value cur is, nil for the object
	var parent *yaml.Node // the mapping holding curKey
	for i, seg := range path {
		if cur.Kind == yaml.AliasNode || cur.Anchor != "" {
			return finding.Edit{}, false
		}
		switch cur.Kind {
		case yaml.MappingNode:
			if editHasMerge(cur) {
				return finding.Edit{}, false
			}
			k, v, dup := editMapGet(cur, seg)
			if dup {
				return finding.Edit{}, false
			}
			if k == nil {
				return ed.insert(cur, path[i:], value, add)
			}
			parent, curKey, cur = cur, k, v
		case yaml.SequenceNode:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(cur.Content) || strconv.Itoa(n) != seg {
				return finding.Edit{}, false
			}
			parent, curKey, cur = nil, nil, cur.Content[n]
		case yaml.ScalarNode:
			if !isNull(cur) || curKey == nil {
				return finding.Edit{}, false
			}
			return ed.fillNull(parent, curKey, cur, path[i:], value, add)
		default:
			return finding.Edit{}, false
		}
	}
	if cur.Kind == yaml.AliasNode || cur.Anchor != "" || curKey == nil {
		return finding.Edit{}, false
	}
	switch {
	case cur.Kind == yaml.ScalarNode && isNull(cur):
		return ed.fillNull(parent, curKey, cur, nil, value, add)
	case cur.Kind == yaml.ScalarNode && !add:
		return ed.replace(cur, value)
	case cur.Kind == yaml.SequenceNode && add:
		return ed.appendItem(cur, value)
	}
	return finding.Edit{}, false
}

// insert adds the missing keys rest (and the value) to mapping m.
func (ed *editor) insert(m *yaml.Node, rest []string, value any, add bool) (finding.Edit, bool) {
	for _, k := range rest {
		if _, err := strconv.Atoi(k); err == nil {
			return finding.Edit{}, false // a list entry cannot be made up
		}
	}
	if isFlow(m) {
		entry, ok := ed.flowEntry(rest, value, add)
		if !ok {
			return finding.Edit{}, false
		}
		return ed.flowAppend(m, entry)
	}
	if len(m.Content) == 0 {
		return finding.Edit{}, false
	}
	last, ok := ed.blockEnd(m, false)
	if !ok {
		return finding.Edit{}, false
	}
	text, ok := ed.blockEntry(rest, value, add, m.Column-1)
	if !ok {
		return finding.Edit{}, false
	}
	at := ed.src.lineEnd(last)
	return finding.Edit{Start: at, End: at, NewText: ed.eol + text}, true
}

// fillNull gives the null value v of key k (in mapping parent) the
// missing keys rest and the value.
func (ed *editor) fillNull(parent, k, v *yaml.Node, rest []string, value any, add bool) (finding.Edit, bool) {
	for _, s := range rest {
		if _, err := strconv.Atoi(s); err == nil {
			return finding.Edit{}, false
		}
	}
	if k.Kind != yaml.ScalarNode || k.Line < 1 {
		return finding.Edit{}, false
	}
	flow := parent == nil || isFlow(parent) || ed.json
	if v.Value == "" && v.Style == 0 && v.Tag == "!!null" && !flow {
		// "key:" with nothing after it: the value goes on the next lines,
		// or after the colon when it is a scalar.
		if len(rest) == 0 && !add {
			s, ok := editScalarText(value, ed.json)
			if !ok {
				return finding.Edit{}, false
			}
			at, ok := ed.colonAfter(k)
			if !ok {
				return finding.Edit{}, false
			}
			return finding.Edit{Start: at, End: at, NewText: " " + s}, true
		}
		colon, ok := ed.colonAfter(k)
		if !ok || ed.src.offsetPos(colon).Line != k.Line {
			return finding.Edit{}, false
		}
		// Nothing but a comment may follow the colon on the key's line.
		if after := string(ed.src.data[colon:ed.src.lineEnd(k.Line)]); strings.TrimSpace(yamlpos.StripComment(after)) != "" {
			return finding.Edit{}, false
		}
		var body string
		if len(rest) == 0 {
			var s string
			s, ok = editScalarText(value, ed.json)
			body = strings.Repeat(" ", k.Column-1+ed.seqIndent) + "- " + s
		} else {
			body, ok = ed.blockEntry(rest, value, add, k.Column-1+ed.step)
		}
		if !ok {
			return finding.Edit{}, false
		}
		at := ed.src.lineEnd(k.Line)
		return finding.Edit{Start: at, End: at, NewText: ed.eol + body}, true
	}
	// "key: null", "key: ~", or an empty value in a flow mapping: the
	// value is written in flow style in place of the null.
	var s string
	var ok bool
	switch {
	case len(rest) == 0 && !add:
		s, ok = editScalarText(value, ed.json)
	case len(rest) == 0:
		s, ok = editScalarText(value, ed.json)
		s = "[" + s + "]"
	default:
		s, ok = ed.flowEntry(rest, value, add)
		s = "{" + s + "}"
	}
	if !ok {
		return finding.Edit{}, false
	}
	if v.Value == "" {
		at, ok := ed.colonAfter(k)
		if !ok {
			return finding.Edit{}, false
		}
		return finding.Edit{Start: at, End: at, NewText: " " + s}, true
	}
	start := ed.src.pos(v).Offset
	end := start + len(v.Value)
	if end > len(ed.src.data) || string(ed.src.data[start:end]) != v.Value {
		return finding.Edit{}, false
	}
	return finding.Edit{Start: start, End: end, NewText: s}, true
}

// replace writes value over the scalar n.
func (ed *editor) replace(n *yaml.Node, value any) (finding.Edit, bool) {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || n.Tag != "" && n.Style&yaml.TaggedStyle != 0 {
		return finding.Edit{}, false
	}
	s, ok := editScalarText(value, ed.json)
	if !ok {
		return finding.Edit{}, false
	}
	start, end := ed.src.pos(n), ed.src.end(n)
	if start.Line != end.Line || end.Offset <= start.Offset {
		return finding.Edit{}, false
	}
	return finding.Edit{Start: start.Offset, End: end.Offset, NewText: s}, true
}

// appendItem adds value to the end of list s.
func (ed *editor) appendItem(s *yaml.Node, value any) (finding.Edit, bool) {
	for _, it := range s.Content {
		if it.Kind == yaml.ScalarNode && reflect.DeepEqual(resolveScalar(it), editNormal(value)) {
			return finding.Edit{}, false // already there
		}
	}
	text, ok := editScalarText(value, ed.json)
	if !ok {
		return finding.Edit{}, false
	}
	if isFlow(s) {
		return ed.flowAppend(s, text)
	}
	if len(s.Content) == 0 {
		return finding.Edit{}, false
	}
	last, ok := ed.blockEnd(s, true)
	if !ok {
		return finding.Edit{}, false
	}
	at := ed.src.lineEnd(last)
	return finding.Edit{Start: at, End: at, NewText: ed.eol + strings.Repeat(" ", s.Column-1) + "- " + text}, true
}

// flowAppend adds an entry ("key: value" or an item) at the end of the
// flow mapping or list n.
func (ed *editor) flowAppend(n *yaml.Node, entry string) (finding.Edit, bool) {
	open := ed.src.pos(n).Offset
	if open >= len(ed.src.data) || ed.src.data[open] != '{' && ed.src.data[open] != '[' {
		return finding.Edit{}, false
	}
	if len(n.Content) == 0 {
		end, ok := flowEnd(ed.src.data, open)
		if !ok {
			return finding.Edit{}, false
		}
		// Only blanks may sit between the brackets: "{}", "[ ]".
		if strings.TrimSpace(string(ed.src.data[open+1:end-1])) != "" {
			return finding.Edit{}, false
		}
		return finding.Edit{Start: open + 1, End: open + 1, NewText: entry}, true
	}
	last := n.Content[len(n.Content)-1]
	ref := last // the last entry's start, for its line and column
	if n.Kind == yaml.MappingNode {
		ref = n.Content[len(n.Content)-2]
	}
	var end int
	switch {
	case last.Kind == yaml.AliasNode:
		return finding.Edit{}, false
	case last.Kind == yaml.ScalarNode:
		if isNull(last) && last.Value == "" {
			return finding.Edit{}, false
		}
		p, e := ed.src.pos(last), ed.src.end(last)
		if p.Line != e.Line || e.Offset <= p.Offset {
			return finding.Edit{}, false
		}
		end = e.Offset
	default:
		if !isFlow(last) {
			return finding.Edit{}, false
		}
		var ok bool
		if end, ok = flowEnd(ed.src.data, ed.src.pos(last).Offset); !ok {
			return finding.Edit{}, false
		}
	}
	sep := ", "
	if ref.Line != n.Line {
		// One entry a line, as pretty-printed JSON writes them.
		sep = "," + ed.eol + strings.Repeat(" ", ref.Column-1)
	}
	return finding.Edit{Start: end, End: end, NewText: sep + entry}, true
}

// blockEntry renders the keys rest, nested, ending with the value (or a
// list holding it), as block YAML indented by indent spaces, without a
// final line end.
func (ed *editor) blockEntry(rest []string, value any, add bool, indent int) (string, bool) {
	s, ok := editScalarText(value, ed.json)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for i, k := range rest {
		key, ok := editScalarText(k, ed.json)
		if !ok {
			return "", false
		}
		pad := strings.Repeat(" ", indent+i*ed.step)
		if i > 0 {
			b.WriteString(ed.eol)
		}
		b.WriteString(pad + key + ":")
		if i == len(rest)-1 {
			if add {
				b.WriteString(ed.eol + pad + strings.Repeat(" ", ed.seqIndent) + "- " + s)
			} else {
				b.WriteString(" " + s)
			}
		}
	}
	return b.String(), true
}

// flowEntry renders "key: {key: value}" for the keys rest in flow style.
func (ed *editor) flowEntry(rest []string, value any, add bool) (string, bool) {
	s, ok := editScalarText(value, ed.json)
	if !ok {
		return "", false
	}
	if add {
		s = "[" + s + "]"
	}
	for i := len(rest) - 1; i >= 0; i-- {
		key, ok := editScalarText(rest[i], ed.json)
		if !ok {
			return "", false
		}
		s = key + ": " + s
		if i > 0 {
			s = "{" + s + "}"
		}
	}
	return s, true
}

// blockEnd returns the last line that holds text of the block mapping or
// list n: the lines after its first one that are indented deeper than its
// keys (or dashes), or as deep and another key (dash) of it, up to a line
// less indented or a document marker. Blank lines and comments as
// indented as its keys or less do not count.
func (ed *editor) blockEnd(n *yaml.Node, list bool) (int, bool) {
	if n.Line < 1 || n.Column < 1 || n.Line > len(ed.src.starts) {
		return 0, false
	}
	indent := n.Column - 1
	last := n.Line
	for l := n.Line + 1; l <= len(ed.src.starts); l++ {
		text := ed.src.line(l)
		t := strings.TrimLeft(text, " ")
		if strings.TrimSpace(t) == "" {
			continue
		}
		if editMarker(text) {
			break
		}
		ind := len(text) - len(t)
		switch {
		case ind > indent:
		case t[0] == '#':
			continue
		case ind < indent:
			return last, true
		case list && !(t == "-" || strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "-\t")):
			return last, true
		}
		last = l
	}
	return last, true
}

// colonAfter returns the offset just after the ':' that follows key k.
func (ed *editor) colonAfter(k *yaml.Node) (int, bool) {
	i := ed.src.end(k).Offset
	data := ed.src.data
	for i < len(data) && (data[i] == ' ' || data[i] == '\t') {
		i++
	}
	if i >= len(data) || data[i] != ':' {
		return 0, false
	}
	return i + 1, true
}

// editMarker reports whether a line is a document marker ("---" or "...").
func editMarker(line string) bool {
	for _, m := range []string{"---", "..."} {
		if line == m || strings.HasPrefix(line, m+" ") || strings.HasPrefix(line, m+"\t") {
			return true
		}
	}
	return false
}

// lineEnd returns the offset of the end of line n, before its "\n" or
// "\r\n".
func (s *source) lineEnd(n int) int {
	if n >= len(s.starts) {
		end := len(s.data)
		if end > 0 && s.data[end-1] == '\r' {
			end--
		}
		return end
	}
	end := s.starts[n] - 1
	if end > 0 && s.data[end-1] == '\r' {
		end--
	}
	return end
}

// offsetPos converts a byte offset to a position.
func (s *source) offsetPos(off int) finding.Position {
	off = max(0, min(off, len(s.data)))
	line := sort.Search(len(s.starts), func(i int) bool { return s.starts[i] > off })
	start := s.starts[line-1]
	return finding.Position{Line: line, Column: utf8.RuneCount(s.data[start:off]) + 1, Offset: off}
}

// editEOL returns the line end the file uses.
func editEOL(data []byte) string {
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// isFlow reports whether a collection is written in flow style.
func isFlow(n *yaml.Node) bool { return n.Style&yaml.FlowStyle != 0 }

// isNull reports whether a scalar is null ("", "~", "null").
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && resolveScalar(n) == nil
}

// editHasMerge reports whether a mapping has a merge key.
func editHasMerge(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isMerge(m.Content[i]) {
			return true
		}
	}
	return false
}

// editMapGet returns the key and value of key in m as written, and
// whether the key is written more than once.
func editMapGet(m *yaml.Node, key string) (k, v *yaml.Node, dup bool) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn := m.Content[i]
		if kn.Kind != yaml.ScalarNode || kn.Value != key {
			continue
		}
		if k != nil {
			return nil, nil, true
		}
		k, v = kn, m.Content[i+1]
	}
	return k, v, false
}

// editStyle returns the indentation step of the object's mappings and how
// far its block lists' dashes sit right of their keys: the most common of
// each, 2 and 0 when the object shows none.
func editStyle(root *yaml.Node) (step, seqIndent int) {
	steps, seqs := map[int]int{}, map[int]int{}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > MaxDepth || n.Kind == yaml.AliasNode {
			return
		}
		if n.Kind == yaml.MappingNode && !isFlow(n) {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Line <= k.Line || isFlow(v) {
					continue
				}
				switch v.Kind {
				case yaml.MappingNode:
					if d := v.Column - k.Column; d > 0 {
						steps[d]++
					}
				case yaml.SequenceNode:
					if d := v.Column - k.Column; d >= 0 {
						seqs[d]++
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	return editMode(steps, 2), editMode(seqs, 0)
}

// editMode returns the most frequent key of counts (the smallest on a
// tie), or def.
func editMode(counts map[int]int, def int) int {
	best, n := def, 0
	for k, c := range counts {
		if c > n || c == n && k < best {
			best, n = k, c
		}
	}
	return best
}

// editPlain matches strings that can be written as plain scalars; those
// YAML would read as something else (true, null, 1e3) are quoted too.
var editPlain = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./-]*$`)

// editNormal converts a value as a scalar of it reads back.
func editNormal(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	}
	return v
}

// editScalarText renders a value as a scalar: JSON-quoted strings in
// JSON documents and where a plain scalar would be read differently.
func editScalarText(v any, jsonDoc bool) (string, bool) {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case string:
		if !jsonDoc && editPlain.MatchString(x) && resolveScalar(&yaml.Node{Kind: yaml.ScalarNode, Value: x}) == x {
			return x, true
		}
		b, err := json.Marshal(x)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
	return "", false
}

// flowEnd returns the offset just after the bracket that closes the flow
// collection opening at data[open], skipping quoted text and comments.
func flowEnd(data []byte, open int) (int, bool) {
	depth := 0
	for i := open; i < len(data); i++ {
		c := data[i]
		prev := byte(' ')
		if i > 0 {
			prev = data[i-1]
		}
		switch {
		case c == '"' || c == '\'':
			if !strings.ContainsRune(" \t\r\n{[,:", rune(prev)) {
				continue // an apostrophe inside a plain scalar
			}
			for i++; i < len(data); i++ {
				if c == '"' && data[i] == '\\' {
					i++
					continue
				}
				if data[i] == c {
					if c == '\'' && i+1 < len(data) && data[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case c == '#' && (prev == ' ' || prev == '\t' || prev == '\n' || prev == '\r'):
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return 0, false
}

// editDocument returns the document holding the object and the path from
// the document's root to the object (the items of Lists).
func (o *Object) editDocument() (*yaml.Node, []string) {
	if o.doc != nil && len(o.doc.Content) > 0 {
		if p, ok := editFind(o.doc.Content[0], o.Node, 0); ok {
			return o.doc, p
		}
	}
	for _, doc := range o.src.docs {
		if len(doc.Content) == 0 {
			continue
		}
		if p, ok := editFind(doc.Content[0], o.Node, 0); ok {
			return doc, p
		}
	}
	return nil, nil
}

// editFind returns the path from n to target through Lists' items.
func editFind(n, target *yaml.Node, depth int) ([]string, bool) {
	if n == target {
		return nil, true
	}
	if n == nil || n.Kind != yaml.MappingNode || depth > maxListDepth {
		return nil, false
	}
	_, items, _ := editMapGet(n, "items")
	if items == nil || items.Kind != yaml.SequenceNode {
		return nil, false
	}
	for i, it := range items.Content {
		if p, ok := editFind(it, target, depth+1); ok {
			return append([]string{"items", strconv.Itoa(i)}, p...), true
		}
	}
	return nil, false
}

// editRegion returns the byte range of the text of the document whose
// root starts at line root: from the document marker before it (or the
// start of the file) to the next marker (or the end).
func (s *source) editRegion(root, last int) (start, end int) {
	end = len(s.data)
	for l := root; l >= 1; l-- {
		if editMarker(s.line(l)) {
			start = s.starts[l-1]
			break
		}
	}
	for l := max(root, last) + 1; l <= len(s.starts); l++ {
		if editMarker(s.line(l)) {
			end = s.starts[l-1]
			break
		}
	}
	return start, end
}

// editProven applies e to a copy of the object's document, reads it back
// and requires it to equal the original with the one change made. An item
// of a List is read back on its own: the List may hold thousands.
func (o *Object) editProven(doc *yaml.Node, objPath []string, e finding.Edit, path []string, value any, add bool) bool {
	root := doc.Content[0]
	var start, end, blank int
	if len(objPath) == 0 {
		start, end = o.src.editRegion(root.Line, max(yamlLastLine(root), o.LastLine()))
	} else {
		var ok bool
		if start, end, blank, ok = o.editWindow(); !ok {
			return false
		}
		root, objPath = o.Node, nil
	}
	if e.Start < start+blank || e.End > end || e.End < e.Start || end-start > editMaxDocBytes {
		return false
	}
	var edited []byte
	edited = append(edited, o.src.data[start:e.Start]...)
	edited = append(edited, e.NewText...)
	edited = append(edited, o.src.data[e.End:end]...)
	for i := range blank {
		edited[i] = ' '
	}

	want, err := editGeneric(root)
	if err != nil {
		return false
	}
	leaf := value
	if n, ok := editNormal(value).(int64); ok {
		leaf = json.Number(strconv.FormatInt(n, 10))
	}
	want, ok := editApply(want, append(append([]string(nil), objPath...), path...), leaf, add)
	if !ok {
		return false
	}
	dec := yaml.NewDecoder(bytes.NewReader(edited))
	var got *yaml.Node
	for {
		var d yaml.Node
		if err := dec.Decode(&d); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return false
		}
		if empty(&d) {
			continue
		}
		if got != nil {
			return false // the edit split the document
		}
		got = d.Content[0]
	}
	if got == nil {
		return false
	}
	have, err := editGeneric(got)
	if err != nil {
		return false
	}
	return reflect.DeepEqual(want, have)
}

// editWindow returns the byte range of the object's own text, for an item
// of a List: a flow mapping from its brace to the closing one, a block
// mapping from the start of its first line to the end of its last, the
// first line's "- " (blank bytes) to be read as spaces.
func (o *Object) editWindow() (start, end, blank int, ok bool) {
	n := o.Node
	p := o.src.pos(n)
	if n.Line < 1 || n.Line > len(o.src.starts) || p.Offset >= len(o.src.data) {
		return 0, 0, 0, false
	}
	if isFlow(n) {
		end, ok := flowEnd(o.src.data, p.Offset)
		return p.Offset, end, 0, ok
	}
	last, ok := (&editor{src: o.src}).blockEnd(n, false)
	if !ok {
		return 0, 0, 0, false
	}
	start = o.src.starts[n.Line-1]
	for _, c := range o.src.data[start:p.Offset] {
		if c != ' ' && c != '-' {
			return 0, 0, 0, false
		}
	}
	return start, o.src.lineEnd(last), p.Offset - start, true
}

// yamlLastLine is the last line of n's text that the node tree shows.
func yamlLastLine(n *yaml.Node) int {
	last := n.Line
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > MaxDepth {
			return
		}
		last = max(last, n.Line)
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return last
}

// editGeneric reads a YAML tree as the reader decodes it (YAML 1.1
// scalars, merge keys) into maps, slices and scalars.
func editGeneric(n *yaml.Node) (any, error) {
	budget := MaxExpansion
	c := converter{budget: &budget}
	if err := c.value(n, 0); err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(c.out))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// editApply makes the intended change in a generic tree: sets the value
// at path, or appends it to the list there, creating missing mappings.
func editApply(v any, path []string, leaf any, add bool) (any, bool) {
	if len(path) == 0 {
		switch l := v.(type) {
		case nil:
			if add {
				return []any{leaf}, true
			}
			return leaf, true
		case []any:
			if add {
				return append(l, leaf), true
			}
		case map[string]any:
			return nil, false
		}
		return leaf, !add
	}
	switch node := v.(type) {
	case nil:
		child, ok := editApply(nil, path[1:], leaf, add)
		return map[string]any{path[0]: child}, ok
	case map[string]any:
		child, ok := editApply(node[path[0]], path[1:], leaf, add)
		node[path[0]] = child
		return node, ok
	case []any:
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(node) {
			return nil, false
		}
		child, ok := editApply(node[i], path[1:], leaf, add)
		node[i] = child
		return node, ok
	}
	return nil, false
}
