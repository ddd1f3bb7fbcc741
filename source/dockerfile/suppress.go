package dockerfile

import (
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark/suppress"
)

// Suppressions returns the inline suppression directives of the file. A
// directive on its own comment line applies to itself and the next
// instruction; one written after an instruction on its last line applies
// to that instruction; "ignore-file" and hadolint's "global ignore" apply
// to the whole file.
func (f *File) Suppressions() []suppress.Directive {
	var out []suppress.Directive
	for _, c := range f.Comments {
		names, reason, scope, ok := suppress.ParseComment(c.Text)
		if !ok {
			continue
		}
		d := suppress.Directive{Names: names, Reason: reason, Source: fmt.Sprintf("%s:%d", f.Path, c.Line)}
		if scope == suppress.ScopeNext {
			d.FromLine, d.ToLine = c.Line, c.Line
			if in := f.InstructionAt(c.Line); in != nil {
				// A comment between continuation lines covers its own
				// instruction only.
				d.FromLine, d.ToLine = in.StartLine, in.EndLine
			} else {
				for _, in := range f.Instructions {
					if in.StartLine > c.Line {
						d.ToLine = in.EndLine
						break
					}
				}
			}
		}
		out = append(out, d)
	}
	// Trailing comments: "RUN make # bulwark:ignore DF040 -- reason".
	for _, in := range f.Instructions {
		line := f.Line(in.EndLine)
		i := strings.Index(line, "bulwark:ignore")
		if i < 0 {
			continue
		}
		hash := strings.LastIndex(line[:i], "#")
		if hash < 0 || strings.TrimSpace(line[:hash]) == "" {
			continue
		}
		names, reason, scope, ok := suppress.ParseComment(strings.TrimPrefix(line[hash:], "#"))
		if !ok {
			continue
		}
		d := suppress.Directive{Names: names, Reason: reason, Source: fmt.Sprintf("%s:%d", f.Path, in.EndLine)}
		if scope == suppress.ScopeNext {
			d.FromLine, d.ToLine = in.StartLine, in.EndLine
		}
		out = append(out, d)
	}
	return out
}
