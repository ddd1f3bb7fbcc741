package container

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
	"mvdan.cc/sh/v3/syntax"

	"github.com/bulwark-sec/bulwark/source/shellword"
	"github.com/bulwark-sec/bulwark/suppress"
)

// snippet is shell code found in a file, with a map from its lines to
// byte offsets in the file.
type snippet struct {
	src string
	// lineStart[i] is the file offset of the first byte of snippet line i.
	lineStart []int
	// dollar says "$$" stands for "$" (Makefile recipes).
	dollar bool
}

// fileOffset maps a snippet position to a file offset.
func (s *snippet) fileOffset(p syntax.Pos) int {
	line := int(p.Line()) - 1
	if line < 0 || line >= len(s.lineStart) {
		return s.lineStart[0]
	}
	return s.lineStart[line] + int(p.Col()) - 1
}

// ParseScript reads the `docker run` and `docker create` command lines of
// a shell script, a Makefile, or a CI workflow (GitHub Actions `run:`
// steps, GitLab CI `script:` entries) into container specs.
func ParseScript(p string, data []byte) (*File, error) {
	base := strings.ToLower(path.Base(p))
	idx := newLineIndex(p, data)
	var snippets []snippet
	var err error
	switch {
	case base == "makefile" || base == "gnumakefile" || strings.HasSuffix(base, ".mk"):
		snippets = makeSnippets(data)
	case strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml"):
		snippets, err = ciSnippets(p, data)
	default:
		snippets = []snippet{{src: string(data), lineStart: idx.starts}}
	}
	if err != nil {
		return nil, err
	}
	f := &File{Path: p}
	for i := range snippets {
		sn := &snippets[i]
		parser := syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(true))
		prog, perr := parser.Parse(strings.NewReader(sn.src), "")
		if perr != nil && !mentionsRuntime(sn.src) {
			continue // no container command to miss: not worth an error
		}
		if perr != nil {
			line := 0
			if pe, ok := perr.(syntax.ParseError); ok {
				line = idx.pos(sn.fileOffset(pe.Pos)).Line
			}
			return nil, &Error{Path: p, Line: line, Msg: "shell syntax error: " + shellErrorText(perr)}
		}
		syntax.Walk(prog, func(n syntax.Node) bool {
			call, ok := n.(*syntax.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			words := make([]Word, len(call.Args))
			for j, w := range call.Args {
				words[j] = sn.word(idx, w)
			}
			words = unwrap(words)
			if rest, ok := RunCommand(words); ok {
				start, end := sn.fileOffset(call.Pos()), sn.fileOffset(call.End())
				f.Specs = append(f.Specs, FromRun(rest, idx.loc(start, end, "")))
			}
			return true
		})
	}
	f.Directives = scriptDirectives(p, data, f.Specs)
	return f, nil
}

// mentionsRuntime reports whether code may run a container.
func mentionsRuntime(src string) bool {
	return strings.Contains(src, "docker") || strings.Contains(src, "podman") || strings.Contains(src, "nerdctl")
}

func shellErrorText(err error) string {
	if pe, ok := err.(syntax.ParseError); ok {
		return pe.Text
	}
	return err.Error()
}

// unwrap drops programs that run the next one: sudo, env, time, exec, ...
func unwrap(words []Word) []Word {
	for len(words) > 1 && words[0].Literal {
		switch path.Base(words[0].Value) {
		case "sudo", "exec", "time", "nohup", "command", "env":
			words = words[1:]
			for len(words) > 1 && (strings.HasPrefix(words[0].Value, "-") || strings.Contains(words[0].Value, "=") && !strings.HasPrefix(words[0].Value, "/")) {
				words = words[1:]
			}
		default:
			return words
		}
	}
	return words
}

// word converts a shell word.
func (sn *snippet) word(idx *lineIndex, w *syntax.Word) Word {
	v, lit, splits := shellword.Value(w)
	// Only a word that is nothing but an unquoted expansion ($FLAGS, $@)
	// is taken to stand for any number of arguments; ${IMG}:latest is one.
	splits = splits && (len(w.Parts) == 1 || shellword.QuotedAt(w))
	if sn.dollar {
		v = strings.ReplaceAll(v, "$$", "$")
	}
	return Word{Value: v, Literal: lit, Splits: splits, Loc: idx.loc(sn.fileOffset(w.Pos()), sn.fileOffset(w.End()), "")}
}

// makeSnippets returns the recipes of a Makefile as shell: each block of
// tab-indented lines, with the recipe prefixes (@, -, +) blanked and make
// variables $(X) rewritten as ${X} so offsets stay the same.
func makeSnippets(data []byte) []snippet {
	var out []snippet
	var cur *snippet
	var b strings.Builder
	off := 0
	flush := func() {
		if cur != nil {
			cur.src = b.String()
			out = append(out, *cur)
			cur = nil
			b.Reset()
		}
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "\t") {
			if cur == nil {
				cur = &snippet{dollar: true}
			}
			cur.lineStart = append(cur.lineStart, off)
			body := []byte(line)
			body[0] = ' '
			for j := 1; j < len(body) && strings.IndexByte("@-+", body[j]) >= 0; j++ {
				body[j] = ' '
			}
			b.Write(makeVars(body))
		} else {
			flush()
		}
		off += len(line)
	}
	flush()
	return out
}

// makeVars rewrites make expansions as shell parameters of the same
// length: $(NAME) becomes ${NAME}; a function such as $(shell ...) or
// $(foreach ...) becomes ${_____}, unknown to the rules.
func makeVars(line []byte) []byte {
	for i := 0; i+1 < len(line); i++ {
		if line[i] == '$' && line[i+1] == '$' {
			i++
			continue
		}
		if line[i] != '$' || line[i+1] != '(' {
			continue
		}
		depth, end := 0, -1
		for j := i + 1; j < len(line); j++ {
			if line[j] == '(' {
				depth++
			} else if line[j] == ')' {
				depth--
				if depth == 0 {
					end = j
					break
				}
			}
		}
		if end < 0 {
			continue
		}
		if !simpleName(line[i+2 : end]) {
			for j := i + 2; j < end; j++ {
				line[j] = '_'
			}
		}
		line[i+1], line[end] = '{', '}'
		i = end
	}
	return line
}

func simpleName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ciExpressions replaces GitHub Actions expressions ${{ ... }} with shell
// parameters of the same length, unknown to the rules.
func ciExpressions(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] != '$' || b[i+1] != '{' || b[i+2] != '{' {
			continue
		}
		end := strings.Index(string(b[i:]), "}}")
		if end < 0 {
			break
		}
		end += i + 1 // the last '}'
		for j := i + 2; j < end; j++ {
			b[j] = '_'
		}
		b[end] = '}'
		i = end
	}
	return string(b)
}

// ciSnippets returns the shell steps of a CI workflow: GitHub Actions
// `run:` values and GitLab CI `script:`, `before_script:` and
// `after_script:` entries.
func ciSnippets(p string, data []byte) ([]snippet, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{Path: p, Msg: "YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	idx := newLineIndex(p, data)
	lines := strings.SplitAfter(string(data), "\n")
	var out []snippet
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch k.Value {
				case "run", "script", "before_script", "after_script":
					for _, s := range scalars(v) {
						out = append(out, scalarSnippet(idx, lines, s))
					}
				}
				visit(v)
			}
			return
		}
		for _, c := range n.Content {
			visit(c)
		}
	}
	visit(&root)
	return out, nil
}

func scalars(n *yaml.Node) []*yaml.Node {
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode {
				out = append(out, c)
			}
		}
		return out
	}
	return nil
}

// scalarSnippet maps a YAML scalar holding shell code back to the file.
func scalarSnippet(idx *lineIndex, lines []string, n *yaml.Node) snippet {
	sn := snippet{src: ciExpressions(n.Value)}
	count := strings.Count(n.Value, "\n") + 1
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// Content starts on the line after the indicator, indented.
		first := n.Line // 1-based line of the indicator; content from the next
		indent := -1
		for i := 0; i < count; i++ {
			ln := first + i // 0-based index of content line i
			if ln >= len(lines) {
				sn.lineStart = append(sn.lineStart, len(idx.src))
				continue
			}
			text := lines[ln]
			if indent < 0 {
				indent = len(text) - len(strings.TrimLeft(text, " "))
			}
			col := min(indent, len(text))
			sn.lineStart = append(sn.lineStart, idx.offset(ln+1, col+1))
		}
	default:
		start := idx.offset(n.Line, n.Column)
		if n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle {
			start++
		}
		for range count {
			sn.lineStart = append(sn.lineStart, start)
		}
	}
	return sn
}

// scriptDirectives reads `# bulwark:ignore` comments: on its own line a
// comment covers the next line and, when a container command starts
// there, the whole command; after code it covers its own line and the
// command it ends.
func scriptDirectives(p string, data []byte, specs []*Spec) []suppress.Directive {
	var out []suppress.Directive
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		n := i + 1
		j := strings.Index(line, "#")
		if j < 0 || !strings.Contains(line[j:], "bulwark:ignore") {
			continue
		}
		k := strings.Index(line, "bulwark:ignore")
		hash := strings.LastIndex(line[:k], "#")
		names, reason, scope, ok := suppress.ParseComment(line[hash+1:])
		if !ok {
			continue
		}
		d := suppress.Directive{Names: names, Reason: reason, Source: fmt.Sprintf("%s:%d", p, n)}
		if scope == suppress.ScopeNext {
			d.FromLine, d.ToLine = n, n
			ownLine := strings.TrimSpace(line[:hash]) == ""
			for _, s := range specs {
				start, end := s.Loc.Start.Line, s.Loc.End.Line
				switch {
				case ownLine && start == n+1, !ownLine && start <= n && n <= end:
					d.FromLine, d.ToLine = min(n, start), end
				case ownLine && d.ToLine < n+1:
					d.ToLine = n + 1
				}
			}
		}
		out = append(out, d)
	}
	return out
}
