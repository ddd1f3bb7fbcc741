package dockerfile

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/bulwark-sec/bulwark/source/shellword"
)

// Script is the shell code of one instruction, parsed with mvdan.cc/sh.
type Script struct {
	// Src is the shell source as the shell sees it.
	Src string
	// AST is the parsed shell, or nil when Err is set.
	AST *syntax.File
	// Err is the shell parse error, if any. Rules skip scripts that do not
	// parse; they never guess.
	Err error
	// Commands are the simple commands of the script in source order.
	Commands []*Command

	srcMap []int
}

// Command is one simple command, with wrappers such as sudo and env
// unwrapped.
type Command struct {
	// Name is the base name of the program ("apt-get" for /usr/bin/apt-get).
	Name string
	// NameArg is the word that names the program.
	NameArg Arg
	// Args are the words after the program name.
	Args []Arg
	// Wrappers are the programs that ran it ("sudo", "env").
	Wrappers []string
	// Call is the shell node.
	Call *syntax.CallExpr
	// Span covers the whole command in the Dockerfile.
	Span Span
}

// Arg is one shell word.
type Arg struct {
	// Value is the word with quotes removed; parameter expansions are kept
	// as written ("$VERSION").
	Value string
	// Literal is true when the word holds no expansion.
	Literal bool
	// Span is the word's span in the Dockerfile.
	Span Span
	Word *syntax.Word
}

// Span maps a shell node's range back to the Dockerfile.
func (s *Script) Span(n syntax.Node) Span {
	return s.spanOf(int(n.Pos().Offset()), int(n.End().Offset()))
}

func (s *Script) spanOf(start, end int) Span {
	if len(s.srcMap) == 0 {
		return Span{}
	}
	if start >= len(s.srcMap) {
		start = len(s.srcMap) - 1
	}
	if end > len(s.srcMap) {
		end = len(s.srcMap)
	}
	if end <= start {
		return Span{s.srcMap[start], s.srcMap[start]}
	}
	return Span{s.srcMap[start], s.srcMap[end-1] + 1}
}

// heredocScript reports whether a RUN whose arguments are args runs its
// heredoc body as a shell script: "<<EOF" alone (bare is then true), or
// the heredoc fed to a POSIX shell ("bash <<EOF", "<<EOF sh -e").
func heredocScript(args string) (bare, ok bool) {
	words := strings.Fields(args)
	var rest []string
	marks := 0
	for _, w := range words {
		if heredocOnlyRe.MatchString(w) {
			marks++
			continue
		}
		rest = append(rest, w)
	}
	if marks != 1 {
		return false, false
	}
	if len(rest) == 0 {
		return true, true
	}
	if !posixShell([]Word{{Value: rest[0]}}) {
		return false, false
	}
	for _, w := range rest[1:] {
		if !strings.HasPrefix(w, "-") || strings.Contains(w, "c") {
			return false, false
		}
	}
	return false, true
}

var (
	heredocOnlyRe = regexp.MustCompile(`^<<-?["']?([A-Za-z0-9_]+)["']?$`)
	shebangRe     = regexp.MustCompile(`^#!\s*(\S+)(?:\s+(\S+))?`)
)

// posixShell reports whether a SHELL instruction's exec form runs a POSIX
// shell.
func posixShell(args []Word) bool {
	if len(args) == 0 {
		return true
	}
	switch path.Base(strings.ToLower(args[0].Value)) {
	case "sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox":
		return true
	}
	return false
}

// ShellIsPOSIX reports whether shell-form instructions in the stage at
// the point of in run under a POSIX shell.
func (f *File) ShellIsPOSIX(in *Instruction) bool {
	if in.Stage == nil {
		return f.Escape != '`'
	}
	return f.stageShellPOSIX(in.Stage, in)
}

// stageShellPOSIX reports whether the SHELL in effect in stage s before
// instruction stop (nil: at the end of the stage) is POSIX, following the
// stages s builds on.
func (f *File) stageShellPOSIX(s *Stage, stop *Instruction) bool {
	posix := f.Escape != '`'
	if s.BaseStage != nil && s.BaseStage != s {
		posix = f.stageShellPOSIX(s.BaseStage, nil)
	}
	for _, x := range s.Instructions {
		if x == stop {
			break
		}
		if x.Cmd == "shell" {
			posix = posixShell(x.Args)
		}
	}
	return posix
}

func (f *File) parseScript(in *Instruction) {
	switch in.Cmd {
	case "run", "cmd", "entrypoint":
	default:
		return
	}
	if in.JSON {
		f.parseExecShell(in)
		return
	}
	if !f.ShellIsPOSIX(in) {
		return
	}
	args := in.ArgText()
	argStart := len(in.logical) - len(args)
	var b strings.Builder
	var m []int
	if len(in.Heredocs) > 0 {
		body, bodyStart := f.heredocBody(in)
		if bare, ok := heredocScript(args); ok && len(in.Heredocs) == 1 {
			content := in.Heredocs[0].Content
			if sb := shebangRe.FindStringSubmatch(content); bare && sb != nil {
				interp := path.Base(sb[1])
				if interp == "env" {
					interp = path.Base(sb[2])
				}
				if !posixShell([]Word{{Value: interp}}) {
					return
				}
			}
			// The body runs as the script. BuildKit keeps it verbatim, so
			// it maps to the source byte for byte.
			verbatim := bodyStart+len(content) <= len(f.Source) && string(f.Source[bodyStart:bodyStart+len(content)]) == content
			b.WriteString(content)
			for i := range len(content) {
				if verbatim {
					m = append(m, bodyStart+i)
				} else {
					m = append(m, bodyStart)
				}
			}
		} else {
			b.WriteString(args)
			m = append(m, in.logicalMap[argStart:]...)
			b.WriteByte('\n')
			m = append(m, bodyStart)
			b.WriteString(body)
			for i := range len(body) {
				m = append(m, bodyStart+i)
			}
		}
	} else {
		b.WriteString(args)
		m = append(m, in.logicalMap[argStart:]...)
	}
	in.Script = newScript(b.String(), m)
}

// parseExecShell parses the script of an exec-form instruction that runs
// a POSIX shell with -c, such as RUN ["/bin/sh", "-c", "apt-get update"].
func (f *File) parseExecShell(in *Instruction) {
	if len(in.Args) < 3 || !posixShell(in.Args[:1]) || !strings.HasPrefix(in.Args[1].Value, "-") || !strings.HasSuffix(in.Args[1].Value, "c") {
		return
	}
	w := in.Args[2]
	m := make([]int, len(w.Value))
	verbatim := w.Span.End-w.Span.Start == len(w.Value) && string(f.Source[w.Span.Start:w.Span.End]) == w.Value
	for i := range m {
		if verbatim {
			m[i] = w.Span.Start + i
		} else {
			m[i] = w.Span.Start
		}
	}
	in.Script = newScript(w.Value, m)
}

func newScript(src string, m []int) *Script {
	s := &Script{Src: src, srcMap: m}
	p := syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(true))
	file, err := p.Parse(strings.NewReader(s.Src), "")
	if err != nil {
		s.Err = err
		return s
	}
	s.AST = file
	syntax.Walk(file, func(n syntax.Node) bool {
		if call, ok := n.(*syntax.CallExpr); ok && len(call.Args) > 0 {
			if c := s.newCommand(call); c != nil {
				s.Commands = append(s.Commands, c)
			}
		}
		return true
	})
	return s
}

// heredocBody returns the raw source after the instruction's command line
// (the heredoc bodies and terminators) and its offset.
func (f *File) heredocBody(in *Instruction) (string, int) {
	last := in.logicalMap[len(in.logicalMap)-1]
	pos := f.Position(last)
	if pos.Line >= len(f.lineStarts) {
		return "", len(f.Source)
	}
	start := f.lineStarts[pos.Line]
	return string(f.Source[start:in.Span.End]) + "\n", start
}

// wrapperArgs says how many option words a wrapper takes before the
// command it runs, by option.
var wrappers = map[string]map[string]bool{
	"sudo":    {"-u": true, "-g": true, "-C": true, "-h": true, "-p": true, "-U": true},
	"env":     {"-u": true, "-C": true, "-S": true},
	"nice":    {"-n": true},
	"nohup":   {},
	"time":    {},
	"exec":    {"-a": true},
	"command": {},
	"chroot":  {},
	"timeout": {"-s": true, "-k": true},
	"stdbuf":  {"-i": true, "-o": true, "-e": true},
	"gosu":    {},
	"su-exec": {},
}

func (s *Script) newCommand(call *syntax.CallExpr) *Command {
	words := make([]Arg, len(call.Args))
	for i, w := range call.Args {
		words[i] = s.arg(w)
	}
	c := &Command{Call: call, Span: s.Span(call)}
	i := 0
	for i < len(words) {
		name := path.Base(words[i].Value)
		opts, isWrapper := wrappers[name]
		if !isWrapper || !words[i].Literal {
			break
		}
		c.Wrappers = append(c.Wrappers, name)
		i++
		switch name {
		case "chroot", "gosu", "su-exec":
			i++ // the root or user
		case "timeout":
			for i < len(words) && strings.HasPrefix(words[i].Value, "-") {
				if opts[words[i].Value] {
					i++
				}
				i++
			}
			i++ // the duration
			continue
		}
		for i < len(words) {
			v := words[i].Value
			if v == "--" {
				i++
				break
			}
			if name == "env" && strings.Contains(v, "=") && !strings.HasPrefix(v, "-") {
				i++
				continue
			}
			if !strings.HasPrefix(v, "-") || v == "-" {
				break
			}
			if opts[v] {
				i++
			}
			i++
		}
	}
	if i >= len(words) {
		if len(c.Wrappers) == 0 {
			return nil
		}
		// A bare wrapper such as "sudo" alone: report it as the command.
		i = len(words) - 1
		c.Wrappers = c.Wrappers[:len(c.Wrappers)-1]
	}
	c.NameArg = words[i]
	c.Name = path.Base(words[i].Value)
	c.Args = words[i+1:]
	return c
}

func (s *Script) arg(w *syntax.Word) Arg {
	v, lit, _ := shellword.Value(w)
	return Arg{Value: v, Literal: lit, Span: s.Span(w), Word: w}
}

// Flag reports whether the command has any of the given options. Short
// options are also found inside combined groups ("-yq" has "-y").
func (c *Command) Flag(names ...string) bool {
	_, ok := c.FlagArg(names...)
	return ok
}

// FlagArg returns the first argument that is one of the given options.
func (c *Command) FlagArg(names ...string) (Arg, bool) {
	for _, a := range c.Args {
		v := a.Value
		if v == "--" {
			break
		}
		for _, n := range names {
			switch {
			case v == n, strings.HasPrefix(n, "--") && strings.HasPrefix(v, n+"="):
				return a, true
			case len(n) == 2 && n[0] == '-' && n[1] != '-' && len(v) > 2 && v[0] == '-' && v[1] != '-' && strings.ContainsRune(v[1:], rune(n[1])) && isShortGroup(v):
				return a, true
			}
		}
	}
	return Arg{}, false
}

func isShortGroup(v string) bool {
	for _, r := range v[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// Positionals returns the arguments that are not options, skipping the
// values of the options listed in withValue.
func (c *Command) Positionals(withValue ...string) []Arg {
	var out []Arg
	takes := map[string]bool{}
	for _, n := range withValue {
		takes[n] = true
	}
	for i := 0; i < len(c.Args); i++ {
		v := c.Args[i].Value
		if v == "--" {
			out = append(out, c.Args[i+1:]...)
			break
		}
		if strings.HasPrefix(v, "-") && len(v) > 1 {
			if takes[v] {
				i++
			}
			continue
		}
		out = append(out, c.Args[i])
	}
	return out
}

// Subcommand returns the first positional argument, skipping the values of
// the options listed in withValue, or "".
func (c *Command) Subcommand(withValue ...string) string {
	p := c.Positionals(withValue...)
	if len(p) == 0 {
		return ""
	}
	return p[0].Value
}
