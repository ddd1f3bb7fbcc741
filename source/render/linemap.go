package render

import (
	"strings"
	"text/template/parse"
)

// LINEMAP: how a rendered Helm line is traced back to its template line.
//
// Helm keeps no positions, so this works as other tools do, by matching. The
// template is parsed with text/template's own parser (so trim markers,
// comments and strings inside actions are handled exactly as Helm does) and
// flattened in source order into the text it always writes and the actions
// whose output is unknown. That stream is cut at its newlines into line
// patterns: literal text with wildcards where actions write, each knowing
// the template line its first literal character sits on. A rendered line
// maps to the template line of the pattern it matches; when several match,
// the one that follows the previous match in template order wins, and a
// jump back is taken only into the body of a range that encloses the
// previous match (a loop repeating).
//
// A rendered line that matches no pattern is attributed to the action that
// was writing at that point when that is clear: the previous matched pattern
// ends with an action (`labels: {{- include "x" . | nindent 4 }}`,
// `{{- toYaml .Values.resources | nindent 12 }}`), or the next pattern is an
// action alone on its line. Otherwise, and for blank lines, ok is false.
//
// Limits: a line written by an action that happens to equal a static
// template line further on is mapped to that static line; literals that
// follow an if/else inside one line are treated as unknown; output from a
// named template defined in the same file maps to the include, not to the
// define; templates that do not parse map nothing.

// piece is one part of a line pattern: literal text, or a wildcard.
type piece struct {
	lit  string
	wild bool
}

// patLine is one line pattern.
type patLine struct {
	pieces  []piece
	line    int  // template line of the first non-blank literal, else of the first action
	strong  bool // has non-blank literal text: usable for matching
	endsDyn bool // ends with an action's output
	dynLine int  // the template line of that last action
	dynOnly bool // no non-blank literal, at least one action
}

// span is the pattern-line range of a range body: from inclusive, to
// exclusive.
type span struct{ from, to int }

type lineBuilder struct {
	src      string
	lineAt   []int // byte offset of the start of each line
	pats     []patLine
	cur      patLine
	afterCtl bool // a control node occurred on the current line after content
	ranges   []span
}

// lineOf returns the 1-based line of byte offset off in the template.
func (b *lineBuilder) lineOf(off int) int {
	lo, hi := 0, len(b.lineAt)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if b.lineAt[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}

func (b *lineBuilder) addLit(s string, off int) {
	if s == "" {
		return
	}
	if b.afterCtl {
		b.addWild(0, false)
		return
	}
	if n := len(b.cur.pieces); n > 0 && !b.cur.pieces[n-1].wild {
		b.cur.pieces[n-1].lit += s
	} else {
		b.cur.pieces = append(b.cur.pieces, piece{lit: s})
	}
	if !b.cur.strong {
		if i := strings.IndexFunc(s, func(r rune) bool { return r != ' ' && r != '\t' && r != '\r' }); i >= 0 {
			b.cur.strong = true
			b.cur.line = b.lineOf(off + i)
		}
	}
	b.cur.endsDyn = false
}

// addWild adds an action's output; line is its template line (0 when the
// wildcard stands for branch-dependent literals).
func (b *lineBuilder) addWild(line int, dyn bool) {
	if n := len(b.cur.pieces); n == 0 || !b.cur.pieces[n-1].wild {
		b.cur.pieces = append(b.cur.pieces, piece{wild: true})
	}
	if dyn {
		if b.cur.line == 0 {
			b.cur.line = line
		}
		b.cur.endsDyn = true
		b.cur.dynLine = line
	}
}

func (b *lineBuilder) newline() {
	p := b.cur
	p.dynOnly = !p.strong && p.dynLine != 0
	b.pats = append(b.pats, p)
	b.cur = patLine{}
	b.afterCtl = false
}

func (b *lineBuilder) text(s string, off int) {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			b.addLit(s, off)
			return
		}
		b.addLit(s[:i], off)
		b.newline()
		s, off = s[i+1:], off+i+1
	}
}

// control marks an if/range/with boundary: what follows on the same output
// line depends on the branch taken.
func (b *lineBuilder) control() {
	if len(b.cur.pieces) > 0 {
		b.afterCtl = true
		b.addWild(0, false)
	}
}

func (b *lineBuilder) list(l *parse.ListNode) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		b.node(n)
	}
}

func (b *lineBuilder) node(n parse.Node) {
	switch n := n.(type) {
	case *parse.TextNode:
		b.text(string(n.Text), int(n.Pos))
	case *parse.ActionNode:
		b.addWild(b.lineOf(int(n.Pos)), true)
	case *parse.TemplateNode:
		b.addWild(b.lineOf(int(n.Pos)), true)
	case *parse.IfNode:
		b.branch(&n.BranchNode, false)
	case *parse.WithNode:
		b.branch(&n.BranchNode, false)
	case *parse.RangeNode:
		b.branch(&n.BranchNode, true)
	case *parse.BreakNode, *parse.ContinueNode:
		b.control()
	}
}

func (b *lineBuilder) branch(n *parse.BranchNode, loop bool) {
	b.control()
	from := len(b.pats)
	b.list(n.List)
	if loop {
		// The line being built when the body ends belongs to it too.
		b.ranges = append(b.ranges, span{from, len(b.pats) + 1})
	}
	b.control()
	b.list(n.ElseList)
	b.control()
}

// buildPatterns flattens a template into line patterns.
func buildPatterns(name, src string) ([]patLine, []span, bool) {
	t := parse.New(name)
	t.Mode = parse.ParseComments | parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := t.Parse(src, "", "", trees); err != nil {
		return nil, nil, false
	}
	main := trees[name]
	if main == nil {
		return nil, nil, false
	}
	b := &lineBuilder{src: src, lineAt: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			b.lineAt = append(b.lineAt, i+1)
		}
	}
	b.list(main.Root)
	b.newline()
	return b.pats, b.ranges, true
}

// matches reports whether line s fits pattern pieces.
func matches(pieces []piece, s string) bool {
	if len(pieces) == 0 {
		return s == ""
	}
	i := 0
	// Anchor the first literal at the start.
	if !pieces[0].wild {
		if !strings.HasPrefix(s, pieces[0].lit) {
			return false
		}
		s = s[len(pieces[0].lit):]
		i = 1
	}
	last := len(pieces) - 1
	for ; i < len(pieces); i++ {
		p := pieces[i]
		if p.wild {
			continue
		}
		if i == last {
			// Anchor the last literal at the end (a wildcard precedes it).
			return strings.HasSuffix(s, p.lit)
		}
		j := strings.Index(s, p.lit)
		if j < 0 {
			return false
		}
		s = s[j+len(p.lit):]
	}
	// The pattern ends with a wildcard, or had only its first literal.
	return pieces[last].wild || s == ""
}

// mapTemplateLines returns, for each line of out, the template line that
// produced it, or 0.
func mapTemplateLines(name, tpl, out string) []int {
	lines := strings.Split(out, "\n")
	if strings.HasSuffix(out, "\n") {
		lines = lines[:len(lines)-1]
	}
	res := make([]int, len(lines))
	pats, ranges, ok := buildPatterns(name, tpl)
	if !ok {
		return res
	}
	// Index exact static patterns; the rest are checked one by one.
	exact := make(map[string][]int)
	var wild []int
	for i, p := range pats {
		if !p.strong {
			continue
		}
		if len(p.pieces) == 1 && !p.pieces[0].wild {
			exact[p.pieces[0].lit] = append(exact[p.pieces[0].lit], i)
		} else {
			wild = append(wild, i)
		}
	}
	// cost of moving from pattern cur to pattern j; -1 when not possible.
	cost := func(cur, j int) int {
		if cur < 0 || j > cur {
			return j - cur
		}
		// Repeating (j == cur) or jumping back needs a loop around both.
		best := -1
		for _, r := range ranges {
			if cur >= r.from && cur < r.to && j >= r.from && j < r.to {
				c := (r.to - cur) + (j - r.from)
				if best < 0 || c < best {
					best = c
				}
			}
		}
		return best
	}

	cur := -1
	for li, s := range lines {
		s = strings.TrimSuffix(s, "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		bestJ, bestC := -1, -1
		consider := func(j int) {
			c := cost(cur, j)
			if c < 0 {
				return
			}
			if bestC < 0 || c < bestC {
				bestJ, bestC = j, c
			}
		}
		for _, j := range exact[s] {
			consider(j)
		}
		for _, j := range wild {
			if matches(pats[j].pieces, s) {
				consider(j)
			}
		}
		if bestJ >= 0 {
			cur = bestJ
			res[li] = pats[bestJ].line
			continue
		}
		// No pattern fits: the line was written by an action.
		if cur >= 0 && pats[cur].endsDyn {
			res[li] = pats[cur].dynLine
			continue
		}
		next := cur + 1
		for next < len(pats) && !pats[next].strong && !pats[next].dynOnly {
			next++
		}
		if next < len(pats) && pats[next].dynOnly {
			cur = next
			res[li] = pats[next].dynLine
		}
	}
	return res
}
