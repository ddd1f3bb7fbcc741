package container

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/bulwark-sec/bulwark/finding"
)

// maxJSONDepth bounds the nesting of an inspect document; docker inspect
// output nests about eight levels deep.
const maxJSONDepth = 1000

// span is the byte range of a JSON value; for an object member it starts
// at the member's key.
type span struct{ start, end int }

// jsonIndex maps JSON paths ($[0].HostConfig.Privileged) to the byte range
// they occupy, so values decoded with encoding/json (which keeps no
// positions) can be pointed at.
type jsonIndex struct {
	path  string
	data  []byte
	spans map[string]span
	// lineStarts are the offsets at which each line starts.
	lineStarts []int
	// contBefore[k] counts the UTF-8 continuation bytes in
	// data[:k*contStride], so a column on a long line (minified JSON is
	// one line) costs no more than contStride bytes of counting.
	contBefore []int32
}

// contStride is the spacing of jsonIndex.contBefore.
const contStride = 256

// indexJSON indexes data, whose JSON text starts at offset base (after a
// byte-order mark). keep says which paths to record; every path is
// walked. The top-level value must be an object or an array of objects.
func indexJSON(path string, data []byte, base int, keep func(p string, depth int) bool) (*jsonIndex, error) {
	ix := &jsonIndex{path: path, data: data, spans: map[string]span{}}
	ix.lineStarts = append(ix.lineStarts, 0)
	ix.contBefore = make([]int32, 0, len(data)/contStride+1)
	var cont int32
	for i, b := range data {
		if i%contStride == 0 {
			ix.contBefore = append(ix.contBefore, cont)
		}
		switch {
		case b == '\n':
			ix.lineStarts = append(ix.lineStarts, i+1)
		case b&0xC0 == 0x80:
			cont++
		}
	}
	if len(data)%contStride == 0 {
		ix.contBefore = append(ix.contBefore, cont)
	}
	w := &walker{ix: ix, base: base, keep: keep, dec: json.NewDecoder(bytes.NewReader(data[base:]))}
	w.dec.UseNumber()
	if err := w.value("$", 0, -1); err != nil {
		return nil, err
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return nil, ix.errorAt(base+int(w.dec.InputOffset()), "unexpected data after the JSON value")
	}
	return ix, nil
}

type walker struct {
	ix   *jsonIndex
	dec  *json.Decoder
	base int
	keep func(string, int) bool
}

// value reads one JSON value at path. keyStart is the offset of the
// member's key, or -1 for an array element or the top-level value.
func (w *walker) value(p string, depth int, keyStart int) error {
	if depth > maxJSONDepth {
		return w.ix.errorAt(w.offset(), fmt.Sprintf("JSON nested deeper than %d levels", maxJSONDepth))
	}
	before := w.offset()
	tok, err := w.dec.Token()
	if err != nil {
		return w.syntaxError(err)
	}
	start := w.skipSeparators(before)
	if depth == 0 {
		if d, ok := tok.(json.Delim); !ok || d != '{' && d != '[' {
			return w.ix.errorAt(start, fmt.Sprintf("the JSON value is %s, not docker inspect output (an array of inspect documents, or one document)", describeToken(tok)))
		}
	}
	if depth == 1 && p[1] == '[' {
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return w.ix.errorAt(start, fmt.Sprintf("%s is %s, not an inspect document (a JSON object)", p, describeToken(tok)))
		}
	}
	switch tok {
	case json.Delim('{'):
		for w.dec.More() {
			kb := w.offset()
			kt, err := w.dec.Token()
			if err != nil {
				return w.syntaxError(err)
			}
			key, ok := kt.(string)
			if !ok {
				return w.ix.errorAt(kb, "object key is not a string")
			}
			if err := w.value(p+member(key), depth+1, w.skipSeparators(kb)); err != nil {
				return err
			}
		}
		if _, err := w.dec.Token(); err != nil {
			return w.syntaxError(err)
		}
	case json.Delim('['):
		for i := 0; w.dec.More(); i++ {
			if err := w.value(p+"["+strconv.Itoa(i)+"]", depth+1, -1); err != nil {
				return err
			}
		}
		if _, err := w.dec.Token(); err != nil {
			return w.syntaxError(err)
		}
	}
	if w.keep == nil || w.keep(p, depth) {
		if keyStart >= 0 {
			start = keyStart
		}
		w.ix.spans[p] = span{start: start, end: w.offset()} // a later duplicate key wins, as in encoding/json
	}
	return nil
}

func (w *walker) offset() int { return w.base + int(w.dec.InputOffset()) }

// skipSeparators returns the offset of the first byte at or after off that
// is not JSON whitespace, ':' or ','.
func (w *walker) skipSeparators(off int) int {
	for off < len(w.ix.data) {
		switch w.ix.data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

func (w *walker) syntaxError(err error) error {
	var se *json.SyntaxError
	off := w.offset()
	msg := err.Error()
	switch {
	case errors.As(err, &se):
		off = w.base + int(se.Offset)
		msg = se.Error()
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		off = len(w.ix.data)
		msg = "the JSON ends early (truncated?)"
	}
	return w.ix.errorAt(off, "invalid JSON: "+msg)
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// member returns the JSONPath step for an object key: .Key for plain
// identifiers, ['key'] otherwise.
func member(key string) string {
	plain := key != ""
	for i, r := range key {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return "." + key
	}
	var b bytes.Buffer
	b.WriteString("['")
	for _, r := range key {
		switch r {
		case '\'', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString("']")
	return b.String()
}

// position converts a byte offset to a line and a column counted in code
// points, both 1-based.
func (ix *jsonIndex) position(off int) finding.Position {
	if off > len(ix.data) {
		off = len(ix.data)
	}
	lo, hi := 0, len(ix.lineStarts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if ix.lineStarts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	ls := ix.lineStarts[lo]
	// Code points = bytes - continuation bytes (for valid UTF-8).
	col := off - ls - (ix.continuations(off) - ix.continuations(ls)) + 1
	return finding.Position{Line: lo + 1, Column: col, Offset: off}
}

// continuations counts the UTF-8 continuation bytes in data[:off].
func (ix *jsonIndex) continuations(off int) int {
	k := off / contStride
	n := int(ix.contBefore[k])
	for _, b := range ix.data[k*contStride : off] {
		if b&0xC0 == 0x80 {
			n++
		}
	}
	return n
}

// line returns the 1-based line of offset off.
func (ix *jsonIndex) line(off int) int { return ix.position(off).Line }

// errorAt returns an Error at the line of offset off.
func (ix *jsonIndex) errorAt(off int, msg string) *Error {
	return &Error{Path: ix.path, Line: ix.line(off), Msg: msg}
}

// location returns the location of path p, or of its nearest recorded
// ancestor when p is not in the document. The Object is the JSON path
// found.
func (ix *jsonIndex) location(p string) finding.Location {
	for q := p; q != ""; q = parentPath(q) {
		if sp, ok := ix.spans[q]; ok {
			return finding.Location{Path: ix.path, Start: ix.position(sp.start), End: ix.position(sp.end), Object: q}
		}
	}
	return finding.Location{Path: ix.path, Object: p}
}

// parentPath drops the last step of a JSON path; "" above "$".
func parentPath(p string) string {
	if p == "$" || p == "" {
		return ""
	}
	if p[len(p)-1] == ']' {
		// A [n] or ['key'] step: find its opening bracket, skipping quoted text.
		if i := lastStepBracket(p); i > 0 {
			return p[:i]
		}
	}
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '.' {
			return p[:i]
		}
	}
	return "$"
}

// lastStepBracket returns the index of the '[' that opens the final step
// of p, which ends with ']'.
func lastStepBracket(p string) int {
	if len(p) >= 2 && p[len(p)-2] == '\'' {
		for i := len(p) - 3; i >= 1; i-- {
			// Inside the key every ' is escaped, so an unescaped [' opens the step.
			if p[i] == '\'' && p[i-1] == '[' {
				return i - 1
			}
		}
		return -1
	}
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '[' {
			return i
		}
	}
	return -1
}
