// Package yamlpos answers position questions about YAML read with
// gopkg.in/yaml.v3 that the node tree does not: where a node's text ends,
// and where a comment starts on a line.
package yamlpos

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxDepth bounds how deep LastLine walks.
const MaxDepth = 512

// LastLine returns the last line of the text under n; aliases are not
// followed.
func LastLine(n *yaml.Node) int {
	best := 0
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > MaxDepth {
			return
		}
		best = max(best, n.Line)
		if n.Kind == yaml.ScalarNode && (n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || strings.Contains(n.Value, "\n")) {
			best = max(best, n.Line+strings.Count(strings.TrimRight(n.Value, "\n"), "\n")+1)
		}
		if n.Kind != yaml.AliasNode {
			for _, c := range n.Content {
				walk(c, depth+1)
			}
		}
	}
	walk(n, 0)
	return best
}

// StripComment removes a trailing "# ..." comment from a line of YAML,
// outside quotes.
func StripComment(line string) string {
	if i := CommentStart(line); i >= 0 {
		return line[:i]
	}
	return line
}

// CommentStart returns the byte index of the '#' that starts a comment on
// the line, or -1.
func CommentStart(line string) int {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			if i == 0 || strings.ContainsRune(" \t:[{,-", rune(line[i-1])) {
				quote = c
			}
		case c == '#':
			if i == 0 || line[i-1] == ' ' || line[i-1] == '\t' {
				return i
			}
		}
	}
	return -1
}
