// Package dockerfile parses a Dockerfile with BuildKit's parser into a model
// that keeps byte-exact positions: every instruction, flag and argument knows
// its span in the source, and every shell-form RUN, CMD and ENTRYPOINT is
// parsed with mvdan.cc/sh so that rules can reason about commands.
package dockerfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/bulwark-sec/bulwark/finding"
)

// Span is a half-open byte range [Start, End) of the source.
type Span struct {
	Start, End int
}

// File is a parsed Dockerfile.
type File struct {
	// Path is the file's path as reported in findings.
	Path string
	// Source is the file's content.
	Source []byte
	// Escape is the escape token (`\` unless an escape directive says "`").
	Escape rune
	// Directives are the parser directives at the top of the file
	// (syntax, escape, check), keyed by lower-case name.
	Directives map[string]Directive
	// Instructions lists every instruction in order.
	Instructions []*Instruction
	// GlobalArgs are the ARG instructions before the first FROM.
	GlobalArgs []*Instruction
	// Stages are the build stages in order.
	Stages []*Stage
	// Comments are the file's comment lines, in order.
	Comments []Comment
	// Warnings are problems the parser tolerated (for example empty
	// continuation lines).
	Warnings []Warning
	// Context describes the build context beside the Dockerfile, as far as
	// the source that read the file knows it.
	Context Context

	lineStarts []int
}

// Context is what is known of the build context: the .dockerignore that
// applies to the Dockerfile. Sources fill it in; rules only read it.
type Context struct {
	// Known says the context was looked at. When false, rules about the
	// context stay silent.
	Known bool
	// DockerIgnore is the path of the ignore file, or "" when none exists.
	DockerIgnore string
	// IgnorePatterns are the patterns of the ignore file.
	IgnorePatterns []string
}

// Directive is a parser directive such as "# syntax=docker/dockerfile:1".
type Directive struct {
	Name, Value string
	Span        Span
}

// Comment is one comment line.
type Comment struct {
	// Line is the 1-based line number.
	Line int
	// Text is the comment without the leading '#' and surrounding space.
	Text string
	Span Span
}

// Warning is a problem BuildKit's parser reported but tolerated.
type Warning struct {
	Message string
	Line    int
}

// Stage is one build stage: a FROM and the instructions after it.
type Stage struct {
	Index int
	// From is the stage's FROM instruction.
	From *Instruction
	// Image is the base as written (it may hold variables).
	Image string
	// ImageSpan is the span of the base image reference.
	ImageSpan Span
	// Name is the alias after AS, or "".
	Name string
	// NameSpan is the span of the alias.
	NameSpan Span
	// Platform is the value of --platform, or "".
	Platform string
	// BaseStage is the earlier stage this stage builds on, if the base
	// names one.
	BaseStage *Stage
	// Instructions are the stage's instructions, FROM first.
	Instructions []*Instruction
}

// Instruction is one Dockerfile instruction.
type Instruction struct {
	// Cmd is the lower-case instruction name ("run", "from").
	Cmd string
	// Keyword is the instruction name as written.
	Keyword string
	// Span covers the instruction from its keyword to the end of its last
	// line, heredoc bodies included.
	Span Span
	// StartLine and EndLine are 1-based and inclusive.
	StartLine, EndLine int
	// Flags are the builder flags (--from, --mount, ...).
	Flags []Flag
	// JSON says the arguments were written as a JSON array (exec form).
	JSON bool
	// Args are the parsed arguments. Spans are exact where the argument
	// appears verbatim in the source, else they cover all the arguments.
	Args []Word
	// ArgsSpan covers the arguments after the flags.
	ArgsSpan Span
	// Heredocs are the heredoc bodies attached to the instruction.
	Heredocs []parser.Heredoc
	// Node is BuildKit's parse node.
	Node *parser.Node
	// Stage is the stage the instruction belongs to; nil for global ARGs.
	Stage *Stage
	// Script is the parsed shell for shell-form RUN, CMD, ENTRYPOINT and
	// HEALTHCHECK CMD, or nil.
	Script *Script
	// OnBuild is the wrapped instruction of an ONBUILD, or nil.
	OnBuild *Instruction

	logical    string
	logicalMap []int
}

// Flag is a builder flag such as --mount=type=cache,target=/root/.cache.
type Flag struct {
	Name  string
	Value string
	Span  Span
}

// Word is an argument with its span.
type Word struct {
	Value string
	Span  Span
}

// Text returns the instruction's logical text: continuation lines joined and
// comment lines dropped, as BuildKit sees it.
func (in *Instruction) Text() string { return in.logical }

// Flag returns the value of the named flag and whether it is present.
func (in *Instruction) Flag(name string) (string, bool) {
	for _, f := range in.Flags {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// ArgText returns the text of the arguments as written on the logical line.
func (in *Instruction) ArgText() string {
	start, _ := in.logicalOffset(in.ArgsSpan.Start)
	return in.logical[start:]
}

func (in *Instruction) logicalOffset(src int) (int, bool) {
	i := sort.SearchInts(in.logicalMap, src)
	if i < len(in.logicalMap) && in.logicalMap[i] == src {
		return i, true
	}
	return len(in.logical), false
}

// sourceSpan maps a byte range of the logical text to the source.
func (in *Instruction) sourceSpan(start, end int) Span {
	if len(in.logicalMap) == 0 {
		return in.Span
	}
	if start < 0 {
		start = 0
	}
	if end > len(in.logical) {
		end = len(in.logical)
	}
	if start >= len(in.logicalMap) {
		start = len(in.logicalMap) - 1
	}
	s := in.logicalMap[start]
	e := s
	if end > start {
		e = in.logicalMap[end-1] + 1
	}
	return Span{s, e}
}

// LogicalSpan maps a byte range of Text() back to the source.
func (in *Instruction) LogicalSpan(start, end int) Span { return in.sourceSpan(start, end) }

// Limits bound the work done on one file.
type Limits struct {
	// MaxBytes is the largest file accepted.
	MaxBytes int
}

// DefaultLimits returns the limits Parse uses.
func DefaultLimits() Limits { return Limits{MaxBytes: 4 << 20} }

// ParseError is returned when a file cannot be read as a Dockerfile.
type ParseError struct {
	Path string
	Line int
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

var knownInstructions = map[string]bool{
	"add": true, "arg": true, "cmd": true, "copy": true, "entrypoint": true, "env": true,
	"expose": true, "from": true, "healthcheck": true, "label": true, "maintainer": true,
	"onbuild": true, "run": true, "shell": true, "stopsignal": true, "user": true,
	"volume": true, "workdir": true,
}

// Parse parses src as a Dockerfile named path.
func Parse(path string, src []byte) (*File, error) {
	return ParseWithLimits(path, src, DefaultLimits())
}

// ParseWithLimits is Parse with explicit limits.
func ParseWithLimits(path string, src []byte, lim Limits) (*File, error) {
	if limit := lim.MaxBytes; limit > 0 && len(src) > limit {
		return nil, &ParseError{Path: path, Err: fmt.Errorf("file is %d bytes, larger than the %d-byte limit", len(src), lim.MaxBytes)}
	}
	if !utf8.Valid(src) {
		line := 1 + bytes.Count(src[:firstInvalidUTF8(src)], []byte("\n"))
		return nil, &ParseError{Path: path, Line: line, Err: errors.New("invalid UTF-8")}
	}
	if bytes.IndexByte(src, 0) >= 0 {
		line := 1 + bytes.Count(src[:bytes.IndexByte(src, 0)], []byte("\n"))
		return nil, &ParseError{Path: path, Line: line, Err: errors.New("binary content (NUL byte): not a Dockerfile")}
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		line := 0
		cause := err
		var le *parser.LocationError
		if errors.As(err, &le) {
			cause = le.Unwrap()
			if len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
				line = le.Locations[0][0].Start.Line
			}
		}
		if strings.Contains(cause.Error(), "max allowed size") {
			line = firstLongLine(src)
		}
		return nil, &ParseError{Path: path, Line: line, Err: errors.New(cause.Error())}
	}
	f := &File{Path: path, Source: src, Escape: res.EscapeToken, Directives: map[string]Directive{}}
	f.lineStarts = lineStarts(src)
	f.collectComments()
	for _, w := range res.Warnings {
		ln := 0
		if w.Location != nil {
			ln = w.Location.Start.Line
		}
		f.Warnings = append(f.Warnings, Warning{Message: w.Short, Line: ln})
	}
	known := 0
	for _, n := range res.AST.Children {
		in := f.newInstruction(n)
		if knownInstructions[in.Cmd] {
			known++
		}
		f.Instructions = append(f.Instructions, in)
	}
	if known == 0 {
		return nil, &ParseError{Path: path, Line: 1, Err: errors.New("no Dockerfile instructions found: not a Dockerfile")}
	}
	f.dropHeredocComments()
	f.buildStages()
	for _, in := range f.Instructions {
		f.parseScript(in)
		if in.OnBuild != nil {
			f.parseScript(in.OnBuild)
		}
	}
	return f, nil
}

// firstLongLine returns the first line too long for BuildKit's scanner.
func firstLongLine(src []byte) int {
	for i, l := range bytes.Split(src, []byte("\n")) {
		if len(l) >= bufio.MaxScanTokenSize-1 {
			return i + 1
		}
	}
	return 0
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// line returns the text of 1-based line n without its line ending, and its
// start offset.
func (f *File) line(n int) (string, int) {
	if n < 1 || n > len(f.lineStarts) {
		return "", len(f.Source)
	}
	start := f.lineStarts[n-1]
	end := len(f.Source)
	if n < len(f.lineStarts) {
		end = f.lineStarts[n]
	}
	if n == 1 && bytes.HasPrefix(f.Source, utf8BOM) {
		start += len(utf8BOM) // BuildKit strips the byte-order mark
	}
	return strings.TrimRight(string(f.Source[start:end]), "\r\n"), start
}

var utf8BOM = []byte("\xef\xbb\xbf")

// LineCount returns the number of lines.
func (f *File) LineCount() int { return len(f.lineStarts) }

// Line returns the text of the 1-based line n without its line ending.
func (f *File) Line(n int) string { s, _ := f.line(n); return s }

// Position converts a byte offset to a position.
func (f *File) Position(off int) finding.Position {
	if off > len(f.Source) {
		off = len(f.Source)
	}
	if off < 0 {
		off = 0
	}
	i := sort.Search(len(f.lineStarts), func(i int) bool { return f.lineStarts[i] > off }) - 1
	start := f.lineStarts[i]
	if i == 0 && off >= len(utf8BOM) && bytes.HasPrefix(f.Source, utf8BOM) {
		start = len(utf8BOM) // the invisible mark takes no column
	}
	col := utf8.RuneCount(f.Source[start:off]) + 1
	return finding.Position{Line: i + 1, Column: col, Offset: off}
}

// Location converts a span to a finding location.
func (f *File) Location(s Span) finding.Location {
	end := s.End
	if end < s.Start {
		end = s.Start
	}
	return finding.Location{Path: f.Path, Start: f.Position(s.Start), End: f.Position(end)}
}

var directiveRe = regexp.MustCompile(`^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`)

func (f *File) collectComments() {
	inDirectives := true
	for n := 1; n <= len(f.lineStarts); n++ {
		text, start := f.line(n)
		trimmed := strings.TrimLeftFunc(text, unicode.IsSpace)
		if !strings.HasPrefix(trimmed, "#") {
			if strings.TrimSpace(text) != "" || n > 1 {
				inDirectives = false
			}
			continue
		}
		if inDirectives {
			if m := directiveRe.FindStringSubmatch(trimmed); m != nil {
				name := strings.ToLower(m[1])
				if name == "syntax" || name == "escape" || name == "check" {
					f.Directives[name] = Directive{Name: name, Value: m[2], Span: Span{start, start + len(text)}}
					continue
				}
			}
			inDirectives = false
		}
		off := start + len(text) - len(trimmed)
		f.Comments = append(f.Comments, Comment{
			Line: n,
			Text: strings.TrimSpace(trimmed[1:]),
			Span: Span{off, start + len(text)},
		})
	}
}

// dropHeredocComments removes the "comments" that are really lines of
// heredoc bodies.
func (f *File) dropHeredocComments() {
	var bodies [][2]int
	for _, in := range f.Instructions {
		if len(in.Heredocs) > 0 && len(in.logicalMap) > 0 {
			last := f.Position(in.logicalMap[len(in.logicalMap)-1]).Line
			bodies = append(bodies, [2]int{last + 1, in.EndLine})
		}
	}
	if len(bodies) == 0 {
		return
	}
	kept := f.Comments[:0]
	for _, c := range f.Comments {
		inBody := false
		for _, b := range bodies {
			if b[0] <= c.Line && c.Line <= b[1] {
				inBody = true
			}
		}
		if !inBody {
			kept = append(kept, c)
		}
	}
	f.Comments = kept
}

// continuationRe reports whether a line ends with the escape token.
func (f *File) continues(line string) (string, bool) {
	trimmed := strings.TrimRight(line, " \t")
	esc := string(f.Escape)
	if strings.HasSuffix(trimmed, esc) {
		body := trimmed[:len(trimmed)-len(esc)]
		// An escaped escape token ("\\") does not continue... except that
		// BuildKit only looks at the one character before; mirror it.
		if body == "" || !strings.HasSuffix(body, esc) {
			return body, true
		}
	}
	return line, false
}

func (f *File) newInstruction(n *parser.Node) *Instruction {
	in := &Instruction{
		Cmd:       strings.ToLower(n.Value),
		Node:      n,
		StartLine: n.StartLine,
		EndLine:   n.EndLine,
		JSON:      n.Attributes["json"],
		Heredocs:  n.Heredocs,
	}
	_, start := f.line(n.StartLine)
	endText, endStart := f.line(n.EndLine)
	in.Span = Span{start, endStart + len(endText)}

	// Rebuild the logical line with a map back to source offsets.
	var b strings.Builder
	var m []int
	for ln := n.StartLine; ln <= n.EndLine; ln++ {
		text, off := f.line(ln)
		if ln == n.StartLine {
			trimmed := strings.TrimLeftFunc(text, unicode.IsSpace)
			off += len(text) - len(trimmed)
			text = trimmed
			in.Span.Start = off
		} else {
			t := strings.TrimSpace(text)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
		}
		body, more := f.continues(text)
		b.WriteString(body)
		for i := range len(body) {
			m = append(m, off+i)
		}
		if !more {
			break
		}
	}
	in.logical = b.String()
	in.logicalMap = m
	if in.logical != n.Original {
		// Could not mirror the parser exactly: map everything to the start.
		in.logical = n.Original
		in.logicalMap = make([]int, len(n.Original))
		for i := range in.logicalMap {
			in.logicalMap[i] = in.Span.Start
		}
	}
	f.splitFlagsAndArgs(in)
	if in.Cmd == "onbuild" && n.Next != nil && len(n.Next.Children) > 0 {
		sub := n.Next.Children[0]
		inner := &Instruction{
			Cmd:        strings.ToLower(sub.Value),
			Node:       sub,
			StartLine:  n.StartLine,
			EndLine:    n.EndLine,
			JSON:       sub.Attributes["json"],
			Heredocs:   sub.Heredocs,
			Span:       in.ArgsSpan,
			logical:    in.ArgText(),
			logicalMap: in.logicalMap[len(in.logical)-len(in.ArgText()):],
		}
		f.splitFlagsAndArgs(inner)
		in.OnBuild = inner
	}
	return in
}

// splitFlagsAndArgs finds the keyword, flags and arguments in the logical
// line and gives each its span.
func (f *File) splitFlagsAndArgs(in *Instruction) {
	s := in.logical
	i := 0
	for i < len(s) && unicode.IsSpace(rune(s[i])) {
		i++
	}
	kwStart := i
	for i < len(s) && !unicode.IsSpace(rune(s[i])) {
		i++
	}
	in.Keyword = s[kwStart:i]
	for _, raw := range in.Node.Flags {
		for i < len(s) && unicode.IsSpace(rune(s[i])) {
			i++
		}
		fs := i
		var quote byte
		for i < len(s) {
			c := s[i]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
			} else if c == '"' || c == '\'' {
				quote = c
			} else if unicode.IsSpace(rune(c)) {
				break
			}
			i++
		}
		name, value, _ := strings.Cut(strings.TrimPrefix(raw, "--"), "=")
		in.Flags = append(in.Flags, Flag{Name: strings.ToLower(name), Value: value, Span: in.sourceSpan(fs, i)})
	}
	for i < len(s) && unicode.IsSpace(rune(s[i])) {
		i++
	}
	argStart := i
	argEnd := len(strings.TrimRightFunc(s, unicode.IsSpace))
	if argEnd < argStart {
		argEnd = argStart
	}
	in.ArgsSpan = in.sourceSpan(argStart, argEnd)
	if argStart == argEnd {
		in.ArgsSpan = Span{in.sourceSpan(argStart, argStart).Start, in.sourceSpan(argStart, argStart).Start}
	}
	// Locate each parsed argument verbatim, left to right.
	cursor := argStart
	// ENV and LABEL arguments come in triples: key, value, and the
	// separator ("=" or "" for the legacy "ENV key value" form).
	triples := in.Cmd == "env" || in.Cmd == "label"
	i = 0
	for nx := in.Node.Next; nx != nil; nx, i = nx.Next, i+1 {
		v := nx.Value
		w := Word{Value: v, Span: in.ArgsSpan}
		if triples && i%3 == 2 {
			w.Span = Span{in.sourceSpan(cursor, cursor).Start, in.sourceSpan(cursor, cursor).Start}
			in.Args = append(in.Args, w)
			continue
		}
		if v != "" && cursor <= len(s) {
			if j := strings.Index(s[cursor:argEnd], v); j >= 0 && cursor+j+len(v) <= argEnd {
				w.Span = in.sourceSpan(cursor+j, cursor+j+len(v))
				cursor += j + len(v)
			}
		}
		in.Args = append(in.Args, w)
	}
}

var stageRefRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func (f *File) buildStages() {
	var cur *Stage
	for _, in := range f.Instructions {
		if in.Cmd == "from" {
			cur = &Stage{Index: len(f.Stages), From: in}
			if len(in.Args) > 0 {
				cur.Image, cur.ImageSpan = in.Args[0].Value, in.Args[0].Span
			}
			if len(in.Args) >= 3 && strings.EqualFold(in.Args[1].Value, "as") {
				cur.Name, cur.NameSpan = in.Args[2].Value, in.Args[2].Span
			}
			cur.Platform, _ = in.Flag("platform")
			for _, prev := range f.Stages {
				if prev.Name != "" && strings.EqualFold(prev.Name, cur.Image) && stageRefRe.MatchString(cur.Image) {
					cur.BaseStage = prev
				}
			}
			f.Stages = append(f.Stages, cur)
		}
		if cur == nil {
			if in.Cmd == "arg" {
				f.GlobalArgs = append(f.GlobalArgs, in)
			}
			continue
		}
		in.Stage = cur
		cur.Instructions = append(cur.Instructions, in)
	}
}

// Chain returns the stage and the earlier stages it builds on, the oldest
// first: the stages whose instructions shape this stage's filesystem and
// configuration.
func (s *Stage) Chain() []*Stage {
	var chain []*Stage
	for st := s; st != nil; st = st.BaseStage {
		chain = append(chain, st)
	}
	slices.Reverse(chain)
	return chain
}

// Root returns the first stage of the chain: the one whose base is an
// image (or scratch). It is nil for a nil stage.
func (s *Stage) Root() *Stage {
	if s == nil {
		return nil
	}
	return s.Chain()[0]
}

// StageByName finds the stage named name (case-insensitively) or, for a
// number, the stage with that index, among the stages before limit.
func (f *File) StageByName(name string, limit int) *Stage {
	for _, s := range f.Stages {
		if s.Index >= limit {
			break
		}
		if s.Name != "" && strings.EqualFold(s.Name, name) {
			return s
		}
		if fmt.Sprint(s.Index) == name {
			return s
		}
	}
	return nil
}

// FinalStage returns the last stage, or nil when the file has none.
func (f *File) FinalStage() *Stage {
	if len(f.Stages) == 0 {
		return nil
	}
	return f.Stages[len(f.Stages)-1]
}

// InstructionAt returns the instruction whose lines include line, or nil.
func (f *File) InstructionAt(line int) *Instruction {
	for _, in := range f.Instructions {
		if in.StartLine <= line && line <= in.EndLine {
			return in
		}
	}
	return nil
}
