package container

import (
	"sort"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark/finding"
)

// lineIndex converts byte offsets of a file to positions.
type lineIndex struct {
	path   string
	src    []byte
	starts []int
}

func newLineIndex(path string, src []byte) *lineIndex {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{path: path, src: src, starts: starts}
}

// pos converts a byte offset to a position (1-based line, code-point
// column).
func (x *lineIndex) pos(off int) finding.Position {
	off = max(0, min(off, len(x.src)))
	i := sort.Search(len(x.starts), func(i int) bool { return x.starts[i] > off }) - 1
	return finding.Position{Line: i + 1, Column: utf8.RuneCount(x.src[x.starts[i]:off]) + 1, Offset: off}
}

// loc converts a byte range to a location.
func (x *lineIndex) loc(start, end int, object string) finding.Location {
	return finding.Location{Path: x.path, Start: x.pos(start), End: x.pos(max(start, end)), Object: object}
}

// offset converts a 1-based line and byte column to an offset.
func (x *lineIndex) offset(line, col int) int {
	if line < 1 || line > len(x.starts) {
		return len(x.src)
	}
	return min(x.starts[line-1]+max(col-1, 0), len(x.src))
}
