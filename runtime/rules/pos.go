package rules

import (
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// srcFile is a rules file being read, for positions.
type srcFile struct {
	name       string
	data       []byte
	lineStarts []int
}

func newSrcFile(f File) *srcFile {
	s := &srcFile{name: f.Name, data: f.Data, lineStarts: []int{0}}
	for i, c := range f.Data {
		if c == '\n' {
			s.lineStarts = append(s.lineStarts, i+1)
		}
	}
	return s
}

func (s *srcFile) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: s.name}
	}
	return Pos{File: s.name, Line: n.Line, Col: n.Column}
}

// byteOffset converts a 1-based line and (rune) column to a byte offset.
func (s *srcFile) byteOffset(line, col int) (int, bool) {
	if line < 1 || line > len(s.lineStarts) {
		return 0, false
	}
	off := s.lineStarts[line-1]
	for c := 1; c < col && off < len(s.data) && s.data[off] != '\n'; c++ {
		_, w := utf8.DecodeRune(s.data[off:])
		off += w
	}
	return off, true
}

// lineCol converts a byte offset to a 1-based line and rune column.
func (s *srcFile) lineCol(off int) (int, int) {
	lo, hi := 0, len(s.lineStarts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if s.lineStarts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, utf8.RuneCount(s.data[s.lineStarts[lo]:off]) + 1
}

// part is one piece of a text assembled from YAML scalars (a definition
// and its appends).
type part struct {
	s    string
	file *srcFile
	node *yaml.Node
}

// text is a condition or output built by define and append operations;
// appends are joined with a blank, as Falco does.
type text struct {
	parts []part
}

func (t text) String() string {
	ss := make([]string, len(t.parts))
	for i, p := range t.parts {
		ss[i] = p.s
	}
	return strings.Join(ss, " ")
}

// locate maps a byte offset in String() to the file position of that
// character. YAML folding and quoting change only blanks and escapes, so
// the value's characters are matched against the source in order from
// the scalar's start.
func (t text) locate(off int) Pos {
	for _, p := range t.parts {
		if off <= len(p.s) {
			return p.locate(off)
		}
		off -= len(p.s) + 1
	}
	if len(t.parts) > 0 {
		p := t.parts[len(t.parts)-1]
		return p.locate(len(p.s))
	}
	return Pos{}
}

func (p part) locate(off int) Pos {
	if p.file == nil || p.node == nil {
		return Pos{}
	}
	base := p.file.pos(p.node)
	start, ok := p.file.byteOffset(p.node.Line, p.node.Column)
	if !ok {
		return base
	}
	data := p.file.data
	src := start
	// Skip the scalar's header: a block indicator line or an opening quote.
	switch p.node.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		if i := strings.IndexByte(string(data[src:]), '\n'); i >= 0 {
			src += i + 1
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		src++
	}
	const maxSkip = 4096 // bound the search on odd input
	for i := 0; i < len(p.s) && i <= off; i++ {
		c := p.s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		j := src
		for j < len(data) && j-src < maxSkip && data[j] != c {
			j++
		}
		if j >= len(data) || data[j] != c {
			return base
		}
		if i == off {
			l, col := p.file.lineCol(j)
			return Pos{File: p.file.name, Line: l, Col: col}
		}
		src = j + 1
	}
	// off points at a blank or past the end: the next source character.
	for src < len(data) && (data[src] == ' ' || data[src] == '\n' || data[src] == '\r' || data[src] == '\t') {
		src++
	}
	l, col := p.file.lineCol(min(src, len(data)))
	return Pos{File: p.file.name, Line: l, Col: col}
}
