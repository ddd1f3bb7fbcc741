package container

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
	"mvdan.cc/sh/v3/syntax"

	"github.com/bulwark-sec/bulwark/source/shellword"
	"github.com/bulwark-sec/bulwark/suppress"
)

// snippet is shell code found in a file, with a map from each of its
// bytes to a byte offset in the file.
type snippet struct {
	src    string
	srcMap []int
	// where names the snippet in notes ("run: step at line 12").
	where string
}

// fileOffset maps a snippet position to a file offset.
func (s *snippet) fileOffset(p syntax.Pos) int {
	off := int(p.Offset())
	switch {
	case len(s.srcMap) == 0:
		return 0
	case off >= len(s.srcMap):
		return s.srcMap[len(s.srcMap)-1] + 1
	}
	return s.srcMap[off]
}

// identity returns a snippet of file text that starts at offset base.
func identity(src string, base int) snippet {
	m := make([]int, len(src))
	for i := range m {
		m[i] = base + i
	}
	return snippet{src: src, srcMap: m}
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
		snippets = []snippet{identity(string(data), 0)}
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
			if sn.where == "" {
				// A whole script that does not parse: the input is broken.
				return nil, &Error{Path: p, Line: line, Msg: "shell syntax error: " + shellErrorText(perr)}
			}
			// One recipe or CI step that does not parse: say so, read the rest.
			f.Notes = append(f.Notes, Note{
				Message: fmt.Sprintf("%s is not POSIX or bash shell (%s); its commands were not checked", sn.where, shellErrorText(perr)),
				Loc:     idx.loc(sn.fileOffset(pe0(perr)), sn.fileOffset(pe0(perr)), ""),
			})
			continue
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

// pe0 is the position of a shell parse error, or the start.
func pe0(err error) syntax.Pos {
	if pe, ok := err.(syntax.ParseError); ok {
		return pe.Pos
	}
	return syntax.Pos{}
}

func shellErrorText(err error) string {
	if pe, ok := err.(syntax.ParseError); ok {
		return pe.Text
	}
	return err.Error()
}

// wrapperOptions lists, for each program that runs another, its options
// that take a value.
var wrapperOptions = map[string]map[string]bool{
	"sudo":    {"-u": true, "-g": true, "-C": true, "-h": true, "-p": true, "-U": true, "-r": true, "-t": true, "-D": true},
	"doas":    {"-u": true, "-C": true},
	"env":     {"-u": true, "-C": true, "-S": true, "--unset": true, "--chdir": true},
	"nice":    {"-n": true, "--adjustment": true},
	"ionice":  {"-c": true, "-n": true, "-p": true},
	"stdbuf":  {"-i": true, "-o": true, "-e": true},
	"timeout": {"-s": true, "-k": true, "--signal": true, "--kill-after": true},
	"exec":    {"-a": true},
	"time":    {}, "nohup": {}, "command": {},
}

// unwrap drops programs that run the next one (sudo, env, timeout, ...)
// with their options.
func unwrap(words []Word) []Word {
	for len(words) > 1 && words[0].Literal {
		name := path.Base(words[0].Value)
		opts, ok := wrapperOptions[name]
		if !ok {
			return words
		}
		words = words[1:]
		for len(words) > 1 {
			v := words[0].Value
			switch {
			case v == "--":
				words = words[1:]
			case strings.HasPrefix(v, "-"):
				words = words[1:]
				if opts[v] && len(words) > 1 {
					words = words[1:]
				}
				continue
			case name == "env" && strings.Contains(v, "=") && !strings.HasPrefix(v, "/"):
				words = words[1:]
				continue
			case name == "timeout" && len(v) > 0 && (v[0] >= '0' && v[0] <= '9'):
				words = words[1:] // the duration
			}
			break
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
	return Word{Value: v, Literal: lit, Splits: splits, Loc: idx.loc(sn.fileOffset(w.Pos()), sn.fileOffset(w.End()), "")}
}

// makeSnippets returns the recipes of a Makefile as shell: each block of
// tab-indented lines, with the recipe prefixes (@, -, +) blanked, "$$"
// read as "$", and make expansions rewritten as shell parameters.
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
		if !strings.HasPrefix(line, "\t") {
			flush()
			off += len(line)
			continue
		}
		if cur == nil {
			cur = &snippet{where: fmt.Sprintf("the recipe at line %d", bytes.Count(data[:off], []byte("\n"))+1)}
		}
		body := []byte(line)
		body[0] = ' '
		for j := 1; j < len(body) && strings.IndexByte("@-+", body[j]) >= 0; j++ {
			body[j] = ' '
		}
		body = makeVars(body)
		for j := 0; j < len(body); j++ {
			if body[j] == '$' && j+1 < len(body) && body[j+1] == '$' {
				j++ // "$$" is one "$" for the shell
			}
			b.WriteByte(body[j])
			cur.srcMap = append(cur.srcMap, off+j)
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
// `jobs.*.steps[*].run` values whose shell is sh or bash, and GitLab CI
// `script:`, `before_script:` and `after_script:` entries of jobs and
// defaults. Aliases are followed.
func ciSnippets(p string, data []byte) ([]snippet, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{Path: p, Msg: "YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	idx := newLineIndex(p, data)
	doc := root.Content[0]
	var out []snippet
	add := func(n *yaml.Node, what string) {
		for _, sc := range scalars(n) {
			sn := scalarSnippet(idx, sc)
			sn.where = fmt.Sprintf("the %s at line %d", what, sc.Line)
			out = append(out, sn)
		}
	}
	if strings.Contains("/"+filepath.ToSlash(p), "/.github/workflows/") {
		defShell := shellOf(value(doc, "defaults"))
		for _, job := range values(value(doc, "jobs")) {
			jobShell := shellOf(value(job, "defaults"))
			for _, step := range deref(value(job, "steps")).Content {
				step = deref(step)
				run := value(step, "run")
				if run == nil {
					continue
				}
				sh := firstNonEmpty(scalarValue(value(step, "shell")), jobShell, defShell, "bash")
				if !posixShellName(sh) {
					continue
				}
				add(run, "run: step")
			}
		}
		return out, nil
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, job := doc.Content[i].Value, deref(doc.Content[i+1])
		switch key {
		case "before_script", "after_script", "script":
			add(job, key) // deprecated global form
			continue
		case "include", "stages", "variables", "workflow", "image", "services", "cache":
			continue
		}
		if job.Kind != yaml.MappingNode {
			continue
		}
		for _, k := range []string{"before_script", "script", "after_script"} {
			if v := value(job, k); v != nil {
				add(v, k)
			}
		}
	}
	return out, nil
}

// deref follows an alias.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n == nil {
		return &yaml.Node{}
	}
	return n
}

// value returns the value of key in mapping n, or nil.
func value(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

// values returns the values of mapping n.
func values(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	var out []*yaml.Node
	if n.Kind == yaml.MappingNode {
		for i := 1; i < len(n.Content); i += 2 {
			out = append(out, deref(n.Content[i]))
		}
	}
	return out
}

func scalarValue(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// shellOf returns defaults.run.shell.
func shellOf(defaults *yaml.Node) string {
	return scalarValue(value(value(defaults, "run"), "shell"))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// posixShellName reports whether a workflow shell runs POSIX shell code
// ("bash", "sh", "bash -e {0}", "/bin/sh -eo pipefail {0}").
func posixShellName(sh string) bool {
	fields := strings.Fields(sh)
	if len(fields) == 0 {
		return true
	}
	switch path.Base(fields[0]) {
	case "bash", "sh", "dash", "ash", "zsh", "ksh":
		return true
	}
	return false
}

// scalars returns the scalars of a script value: one string, or a list
// of strings (nested lists and aliases followed, as GitLab does).
func scalars(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range n.Content {
			out = append(out, scalars(c)...)
		}
		return out
	}
	return nil
}

// scalarSnippet maps a YAML scalar holding shell code back to the file:
// byte for byte for literal blocks and for single-line scalars written
// without escapes; otherwise every byte maps to the scalar's start.
func scalarSnippet(idx *lineIndex, n *yaml.Node) snippet {
	src := ciExpressions(n.Value)
	start := idx.offset(n.Line, n.Column)
	switch n.Style {
	case yaml.LiteralStyle:
		lines := strings.Split(n.Value, "\n")
		// Content starts on the line after the indicator; its indentation
		// is that of the first line that is not blank.
		indent := -1
		for i, l := range lines {
			if strings.TrimSpace(l) == "" {
				continue
			}
			text := lineText(idx, n.Line+1+i)
			indent = len(text) - len(strings.TrimLeft(text, " "))
			break
		}
		if indent < 0 {
			break
		}
		m := make([]int, 0, len(src))
		for i, l := range lines {
			base := idx.offset(n.Line+1+i, indent+1)
			for c := range len(l) {
				m = append(m, base+c)
			}
			if i < len(lines)-1 {
				m = append(m, base+len(l)) // the newline
			}
		}
		if len(m) == len(src) {
			return snippet{src: src, srcMap: m}
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, 0:
		if n.Style != 0 {
			start++
		}
		if start+len(n.Value) <= len(idx.src) && string(idx.src[start:start+len(n.Value)]) == n.Value {
			return identity(src, start)
		}
	}
	m := make([]int, len(src))
	for i := range m {
		m[i] = start
	}
	return snippet{src: src, srcMap: m}
}

// lineText returns the text of 1-based line n.
func lineText(idx *lineIndex, n int) string {
	if n < 1 || n > len(idx.starts) {
		return ""
	}
	end := len(idx.src)
	if n < len(idx.starts) {
		end = idx.starts[n] - 1
	}
	return string(idx.src[idx.starts[n-1]:max(end, idx.starts[n-1])])
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
