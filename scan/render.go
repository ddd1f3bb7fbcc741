package scan

// Helm charts and Kustomize overlays found while scanning are rendered in
// process (source/render) and each rendered piece is analysed as a
// manifest. Findings are first made on the rendered text; they are then
// moved to the file a person edits: the template (Helm) or the resource
// file (Kustomize) that wrote the object, at the line the render's line map
// gives.
//
// Order matters. Analysis gives each piece a path of its own (several
// pieces come from one template: one per values set), so that the rules
// over every manifest of a scan (runSet) file their findings with the
// right piece. Before suppressions apply, findings take their source path
// (config `ignore` globs match it) but keep their rendered lines, so inline
// `# bulwark:ignore` comments and suppression annotations in the rendered
// text cover exactly what they cover there; then the lines are mapped.
//
// Where a rendered line has no known source line (output of an action in a
// Helm template, a field a Kustomize patch or transformer set), a finding
// points at the start of its object in the source file (the first line of
// the object that maps), else at the nearest mapped line above it, else at
// the source file without a line. Objects from a packaged subchart (.tgz)
// point at the archive, without a line; objects a kustomize generator made
// point at the generator's entry in the kustomization file. Columns are
// moved by the difference in indentation between the rendered and the
// source line. Fixes are dropped: they would edit rendered text.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/konfig"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/kube"
	"github.com/bulwark-sec/bulwark/source/render"
)

// Kinds of folders that are rendered.
const (
	// KindHelm is a Helm chart: a folder with Chart.yaml. It is rendered
	// with its subcharts (charts/), which are not targets of their own.
	KindHelm FileKind = "helm"
	// KindKustomize is a folder with a kustomization file
	// (kustomization.yaml, kustomization.yml or Kustomization).
	KindKustomize FileKind = "kustomize"
)

// RenderOptions say how the Helm charts and kustomizations a scan finds
// are rendered.
type RenderOptions struct {
	// Off leaves charts and kustomizations unrendered (bulwark fix: what
	// is found in rendered output has no fix to apply).
	Off bool
	// Helm applies to every chart, except where Charts says otherwise for
	// a chart. Its Path is not used.
	Helm ChartOptions
	// Charts configure particular charts, found by folder.
	Charts []ChartOptions
	// KubeVersion is the Kubernetes version charts are rendered for
	// (.Capabilities.KubeVersion, and checked against a chart's
	// kubeVersion), such as "1.30" or "v1.30.2"; empty means
	// Options.Settings.KubeVersion, else the newest.
	KubeVersion string
	// Limits bound each render; zero fields take source/render's defaults.
	Limits render.Limits
}

// ChartOptions say how a chart is rendered.
type ChartOptions struct {
	// Path is the chart's folder (in RenderOptions.Charts).
	Path string
	// ReleaseName and Namespace are .Release.Name and .Release.Namespace;
	// empty takes RenderOptions.Helm's, else Helm's ("release-name",
	// "default").
	ReleaseName, Namespace string
	// ValueSets are rendered one after the other, each a render of its
	// own; none takes RenderOptions.Helm's, else the chart's own values (a
	// set named "default").
	ValueSets []render.ValueSet
}

// chart returns the options for the chart in folder dir.
func (o *RenderOptions) chart(dir string) ChartOptions {
	co := o.Helm
	for _, c := range o.Charts {
		if sameFolder(c.Path, dir) {
			if c.ReleaseName != "" {
				co.ReleaseName = c.ReleaseName
			}
			if c.Namespace != "" {
				co.Namespace = c.Namespace
			}
			if len(c.ValueSets) > 0 {
				co.ValueSets = c.ValueSets
			}
			break
		}
	}
	return co
}

func sameFolder(a, b string) bool {
	real := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return r
		}
		return abs
	}
	return real(a) == real(b)
}

func regularFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// kustomizationFile returns the kustomization file in folder dir, or "".
func kustomizationFile(dir string) string {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if p := filepath.Join(dir, n); regularFile(p) {
			return p
		}
	}
	return ""
}

// subchart reports whether folder p sits in the charts/ folder of a chart.
func subchart(p string) bool {
	parent := filepath.Dir(p)
	return filepath.Base(parent) == "charts" && regularFile(filepath.Join(filepath.Dir(parent), "Chart.yaml"))
}

// renderFolder returns the target that walked folder p is when it is a
// chart or a kustomization. A subchart is not a target unless it is the
// folder being scanned.
func renderFolder(p, root string) (Target, bool) {
	t := Target{Path: filepath.ToSlash(p), Root: filepath.ToSlash(root)}
	switch {
	case regularFile(filepath.Join(p, "Chart.yaml")):
		if p != root && subchart(p) {
			return Target{}, false
		}
		t.Kind = KindHelm
	case kustomizationFile(p) != "":
		t.Kind = KindKustomize
	default:
		return Target{}, false
	}
	return t, true
}

// renderFile returns the target a file named explicitly stands for when it
// is a chart's Chart.yaml or a kustomization file: its folder.
func renderFile(p string) (Target, bool) {
	base := filepath.Base(p)
	var kind FileKind
	switch {
	case base == "Chart.yaml":
		kind = KindHelm
	case slices.Contains(konfig.RecognizedKustomizationFileNames(), base):
		kind = KindKustomize
	default:
		return Target{}, false
	}
	return Target{Path: filepath.ToSlash(filepath.Dir(p)), Kind: kind}, true
}

// renderRoot is the folder a kustomization may read files from (bases in
// parent folders included): the repository it is in (the nearest folder
// above with .git), else the scanned folder, else its own folder.
func renderRoot(dir, scanned string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if scanned != "" {
		if s, err := filepath.Abs(filepath.FromSlash(scanned)); err == nil {
			if rel, err := filepath.Rel(s, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return s
			}
		}
	}
	return abs
}

// analyze analyses one target: a file, or a folder that is rendered. A
// panic in a parser or renderer (Helm's chart loader, kustomize, a YAML
// library) is the target's error, not the end of the scan.
func analyze(ctx context.Context, t Target, opts Options) (r fileResult) {
	defer func() {
		if p := recover(); p != nil {
			r = fileResult{errs: []FileError{{Path: t.Path, Err: fmt.Sprintf("internal error (please report it): %v\n%s", p, debug.Stack())}}}
		}
	}()
	if t.Kind == KindHelm || t.Kind == KindKustomize {
		return analyzeRender(ctx, t, opts)
	}
	return analyzeFile(t, opts)
}

// analyzeRender renders a chart or kustomization and analyses each piece.
func analyzeRender(ctx context.Context, t Target, opts Options) fileResult {
	if opts.Render.Off {
		return fileResult{}
	}
	dir := filepath.FromSlash(t.Path)
	var (
		out  []render.Rendered
		err  error
		kind string
	)
	switch t.Kind {
	case KindHelm:
		kind = finding.RenderHelm
		if chartType(dir) == "library" {
			return fileResult{notes: []finding.Note{{
				Message:  "library chart: not rendered on its own (it renders with the charts that use it)",
				Location: finding.Location{Path: t.Path},
			}}}
		}
		co := opts.Render.chart(dir)
		kv := opts.Render.KubeVersion
		if kv == "" {
			kv = opts.Settings.KubeVersion
		}
		out, err = render.RenderChart(ctx, dir, render.HelmOptions{
			Root: dir, ReleaseName: co.ReleaseName, Namespace: co.Namespace, KubeVersion: kv,
			ValueSets: co.ValueSets, Limits: opts.Render.Limits,
		})
	case KindKustomize:
		kind = finding.RenderKustomize
		if kustomizationKind(dir) == "Component" {
			// A component is built only as part of a kustomization.
			return fileResult{}
		}
		out, err = render.BuildKustomization(ctx, dir, render.KustomizeOptions{Root: renderRoot(dir, t.Root), Limits: opts.Render.Limits})
	}
	var r fileResult
	if err != nil {
		r.errs = renderErrors(t, err)
	}
	texts := map[string]*sourceText{}
	for i, piece := range out {
		o := newRenderOrigin(t, kind, piece, i, texts, opts)
		if excluded(opts.Exclude, opts.ExcludeBase, relTo(t.Root, o.source), o.source) {
			continue
		}
		pr := analyzeManifest(Target{Path: o.virtual, Kind: KindKube, Root: t.Root}, piece.Data, opts)
		pr.origin = o
		r.rendered = append(r.rendered, pr)
	}
	return r
}

// relTo returns slash path p relative to folder root, or p.
func relTo(root, p string) string {
	if root == "" {
		return p
	}
	rel, err := filepath.Rel(filepath.FromSlash(root), filepath.FromSlash(p))
	if err != nil {
		return p
	}
	return filepath.ToSlash(rel)
}

// chartType reads the type of the chart in dir ("application", "library"
// or "" when unknown).
func chartType(dir string) string {
	var c struct {
		Type string `yaml:"type"`
	}
	if data, err := ReadFile(filepath.Join(dir, "Chart.yaml"), DefaultMaxFileBytes); err == nil {
		_ = yaml.Unmarshal(data, &c)
	}
	return c.Type
}

// kustomizationKind reads the kind of the kustomization file in dir
// ("Kustomization", "Component" or "").
func kustomizationKind(dir string) string {
	var k struct {
		Kind string `yaml:"kind"`
	}
	if data, err := ReadFile(kustomizationFile(dir), DefaultMaxFileBytes); err == nil {
		_ = yaml.Unmarshal(data, &k)
	}
	return k.Kind
}

// helmErrorPlace finds the template and line a Helm error names, as
// "(web/templates/pod.yaml:11:14)" or "template: web/templates/pod.yaml:11:".
var helmErrorPlace = regexp.MustCompile(`[\s(]([^\s():]+/templates/[^\s():]+):(\d+)`)

// renderErrors turns a render's error into one FileError per failure
// (RenderChart fails each values set on its own), naming the template
// file and line when Helm does.
func renderErrors(t Target, err error) []FileError {
	errs := []error{err}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		errs = joined.Unwrap()
	}
	var out []FileError
	for _, e := range errs {
		msg := e.Error()
		fe := FileError{Path: t.Path}
		switch t.Kind {
		case KindHelm:
			// RenderChart's errors start "render chart . with values set
			// ..." (the chart folder is its root).
			rest, ok := strings.CutPrefix(msg, "render chart .")
			if !ok {
				rest = ": " + msg
			}
			fe.Err = "chart " + t.Path + ": render failed" + rest
			if m := helmErrorPlace.FindStringSubmatch(" " + msg); m != nil {
				// The engine names templates by chart name; the chart's
				// own folder may be named differently.
				if _, inChart, ok := strings.Cut(m[1], "/"); ok {
					p := path.Join(t.Path, inChart)
					if regularFile(filepath.FromSlash(p)) {
						fe.Path = p
						fe.Line, _ = strconv.Atoi(m[2])
					}
				}
			}
		default:
			rest := msg
			if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "build kustomization ") {
				rest = msg[i+2:]
			}
			fe.Err = "kustomize build failed: " + rest
		}
		fe.Err = strings.Join(strings.Fields(fe.Err), " ")
		out = append(out, fe)
	}
	return out
}

// sourceText is a source file's text, for columns and line ends.
type sourceText struct {
	data   []byte
	starts []int // byte offset of each line
}

func readSourceText(p string, limit int) *sourceText {
	data, err := ReadFile(filepath.FromSlash(p), limit)
	if err != nil {
		return nil
	}
	s := &sourceText{data: data, starts: []int{0}}
	for i, b := range data {
		if b == '\n' {
			s.starts = append(s.starts, i+1)
		}
	}
	return s
}

// line returns line n (1-based) without its line break, or "".
func (s *sourceText) line(n int) string {
	if s == nil || n < 1 || n > len(s.starts) {
		return ""
	}
	end := len(s.data)
	if n < len(s.starts) {
		end = s.starts[n] - 1
	}
	return strings.TrimSuffix(string(s.data[s.starts[n-1]:end]), "\r")
}

// offset returns the byte offset of column col (code points) of line n.
func (s *sourceText) offset(n, col int) int {
	if s == nil || n < 1 || n > len(s.starts) {
		return 0
	}
	l := s.line(n)
	i := 0
	for c := 1; c < col && i < len(l); c++ {
		_, size := utf8.DecodeRuneInString(l[i:])
		i += size
	}
	return s.starts[n-1] + i
}

func indent(s string) int {
	return len(s) - len(strings.TrimLeft(s, " \t"))
}

// renderOrigin says where one rendered piece came from and moves its
// findings there.
type renderOrigin struct {
	virtual string // the piece's own path during analysis
	source  string // the template or resource file, as scanned
	render  *finding.Render
	// lineMap maps rendered lines to source lines; nil when none do.
	lineMap func(int) (int, bool)
	// fixedLine, for a piece without a line map, is the source line all of
	// it points at (a generator's entry), or 0.
	fixedLine int
	packaged  bool
	rendered  []string // the rendered lines
	objects   [][2]int // rendered first and last line of each object
	text      *sourceText
}

func newRenderOrigin(t Target, kind string, piece render.Rendered, i int, texts map[string]*sourceText, opts Options) *renderOrigin {
	rel, err := filepath.Rel(filepath.FromSlash(piece.Input), filepath.FromSlash(piece.SourcePath))
	if err != nil {
		rel = piece.SourcePath
	}
	source := path.Join(t.Path, filepath.ToSlash(rel))
	o := &renderOrigin{
		virtual:  fmt.Sprintf("%s [rendered #%d]", source, i+1),
		source:   source,
		render:   &finding.Render{Kind: kind, Input: t.Path, ValuesSet: piece.ValuesSet},
		lineMap:  piece.LineMap,
		packaged: piece.Packaged,
		rendered: strings.Split(string(piece.Data), "\n"),
	}
	if o.packaged {
		return o
	}
	text, ok := texts[source]
	if !ok {
		limit := opts.MaxFileBytes
		if limit <= 0 {
			limit = DefaultMaxFileBytes
		}
		text = readSourceText(source, limit)
		texts[source] = text
	}
	o.text = text
	// The pieces' objects, for findings on lines that do not map. Parse
	// errors are reported by the analysis of the piece.
	f, _ := kube.Parse(o.virtual, piece.Data)
	for _, obj := range f.Objects {
		o.objects = append(o.objects, [2]int{obj.Loc.Start.Line, obj.LastLine()})
	}
	if piece.Generator != "" && text != nil && len(f.Objects) > 0 {
		o.fixedLine = generatorLine(text.data, piece.Generator, f.Objects[0].Name)
	}
	return o
}

// generatorLine finds the entry of a kustomization's generator that made
// the object named name (kustomize adds prefixes, suffixes and a hash to
// the entry's name): the line of the longest entry name contained in it,
// else the generator's key, else 0.
func generatorLine(src []byte, generator, name string) int {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	key := strings.ToLower(generator[:1]) + generator[1:]
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			continue
		}
		line, best := m.Content[i].Line, -1
		for _, item := range m.Content[i+1].Content {
			if item.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(item.Content); j += 2 {
				n := item.Content[j+1].Value
				if item.Content[j].Value == "name" && n != "" && strings.Contains(name, n) && len(n) > best {
					line, best = item.Line, len(n)
				}
			}
		}
		return line
	}
	return 0
}

// exact maps a rendered line to its source line.
func (o *renderOrigin) exact(rl int) (int, bool) {
	if o.lineMap == nil || rl < 1 {
		return 0, false
	}
	return o.lineMap(rl)
}

// fallback is the source line a rendered line without a mapping points
// at: the first mapped line of the YAML block it starts (a list item whose
// first field changed still has its name), else the nearest mapped line
// above it in its object (the field's parent), else its object's first
// mapped line, else the nearest mapped line above, else 0.
func (o *renderOrigin) fallback(rl int) int {
	if o.lineMap == nil {
		return o.fixedLine
	}
	obj := [2]int{1, len(o.rendered)}
	found := false
	for _, sp := range o.objects {
		if sp[0] <= rl && rl <= sp[1] && (!found || sp[0] >= obj[0]) {
			obj, found = sp, true
		}
	}
	for l := rl + 1; l <= o.blockEnd(rl, obj[1]); l++ {
		if s, ok := o.exact(l); ok {
			return s
		}
	}
	for l := rl - 1; l >= obj[0]; l-- {
		if s, ok := o.exact(l); ok {
			return s
		}
	}
	for l := obj[0]; found && l <= obj[1]; l++ {
		if s, ok := o.exact(l); ok {
			return s
		}
	}
	for l := obj[0] - 1; l >= 1; l-- {
		if s, ok := o.exact(l); ok {
			return s
		}
	}
	return 0
}

// blockEnd returns the last rendered line, at most limit, of the YAML
// block that rendered line rl starts: the lines indented deeper, and for a
// key, the items of a list written at the key's own indentation.
func (o *renderOrigin) blockEnd(rl, limit int) int {
	if rl < 1 || rl > len(o.rendered) {
		return rl
	}
	head := o.rendered[rl-1]
	ind := indent(head)
	item := func(s string) bool {
		t := strings.TrimSpace(s)
		return t == "-" || strings.HasPrefix(t, "- ")
	}
	key := !item(head) && strings.HasSuffix(strings.TrimSpace(head), ":")
	end := rl
	for l := rl + 1; l <= limit && l <= len(o.rendered); l++ {
		s := o.rendered[l-1]
		if strings.TrimSpace(s) == "" {
			continue
		}
		if i := indent(s); i > ind || i == ind && key && item(s) {
			end = l
			continue
		}
		break
	}
	return end
}

// position moves a rendered position to source line sl, shifting the
// column by the difference in indentation.
func (o *renderOrigin) position(sl int, p finding.Position) finding.Position {
	src := o.text.line(sl)
	var rendered string
	if p.Line >= 1 && p.Line <= len(o.rendered) {
		rendered = o.rendered[p.Line-1]
	}
	col := p.Column
	if o.text != nil {
		col = min(col-indent(rendered)+indent(src), utf8.RuneCountInString(src)+1)
	}
	col = max(col, 1)
	return finding.Position{Line: sl, Column: col, Offset: o.text.offset(sl, col)}
}

// lineStart is the first column of what source line sl writes (after a
// list item's "- "); lineEnd the column past its end.
func (o *renderOrigin) lineStart(sl int) finding.Position {
	l := o.text.line(sl)
	col := indent(l) + 1
	if rest := l[indent(l):]; strings.HasPrefix(rest, "- ") {
		col += 2 + indent(rest[2:])
	}
	return finding.Position{Line: sl, Column: col, Offset: o.text.offset(sl, col)}
}

func (o *renderOrigin) lineEnd(sl int) finding.Position {
	col := utf8.RuneCountInString(o.text.line(sl)) + 1
	return finding.Position{Line: sl, Column: col, Offset: o.text.offset(sl, col)}
}

// location moves a location in the rendered piece to the source file.
func (o *renderOrigin) location(loc finding.Location) finding.Location {
	out := finding.Location{Path: o.source, Object: loc.Object, Render: o.render}
	if o.packaged || loc.Start.Line == 0 {
		return out
	}
	// A location spanning lines (a container, a pod spec) starts at the
	// first source line its lines map to: Kustomize sorts keys, so the
	// first rendered line of a list item may be a later field.
	first, last := 0, 0
	for l := loc.Start.Line; l <= max(loc.Start.Line, loc.End.Line); l++ {
		if s, ok := o.exact(l); ok {
			if first == 0 || s < first {
				first = s
			}
			last = max(last, s)
		}
	}
	if first == 0 {
		if sl := o.fallback(loc.Start.Line); sl > 0 {
			out.Start, out.End = o.lineStart(sl), o.lineEnd(sl)
		}
		return out
	}
	if s, ok := o.exact(loc.Start.Line); ok && s == first {
		out.Start = o.position(first, loc.Start)
	} else {
		out.Start = o.lineStart(first)
	}
	if s, ok := o.exact(loc.End.Line); ok && s == last && loc.End.Line >= loc.Start.Line {
		out.End = o.position(last, loc.End)
	} else {
		out.End = o.lineEnd(last)
	}
	if out.End.Line < out.Start.Line || out.End.Line == out.Start.Line && out.End.Column < out.Start.Column {
		out.End = o.lineEnd(first)
	}
	return out
}

// sourceLine is the source line a rendered line stands for, or 0.
func (o *renderOrigin) sourceLine(rl int) int {
	if o.packaged {
		return 0
	}
	if sl, ok := o.exact(rl); ok {
		return sl
	}
	return o.fallback(rl)
}

// ref names a rendered line in the source file: "path:line" or "path".
func (o *renderOrigin) ref(rl int) string {
	if sl := o.sourceLine(rl); sl > 0 {
		return fmt.Sprintf("%s:%d", o.source, sl)
	}
	return o.source
}

// placePaths runs before suppressions: findings, notes, errors and
// directives of a rendered piece name the source file and the render;
// finding lines stay rendered lines, which the piece's directives are
// written in. It is a no-op on a result that was not rendered.
func (o *renderOrigin) placePaths(r *fileResult) {
	if o == nil {
		return
	}
	for i := range r.findings {
		f := &r.findings[i]
		f.Location.Path = o.source
		f.Location.Render = o.render
		f.Message = strings.ReplaceAll(f.Message, o.virtual, o.source)
		f.Fixes = nil
	}
	for i := range r.directives {
		d := &r.directives[i]
		if rest, ok := strings.CutPrefix(d.Source, o.virtual+":"); ok {
			if n, err := strconv.Atoi(rest); err == nil {
				d.Source = o.ref(n)
			}
		}
	}
	for i := range r.notes {
		n := &r.notes[i]
		n.Location = o.location(n.Location)
		n.Message = strings.ReplaceAll(n.Message, o.virtual, o.source) + " (" + o.render.String() + ")"
	}
	for i := range r.errs {
		e := &r.errs[i]
		line := 0
		if e.Line > 0 {
			line = o.sourceLine(e.Line)
		}
		e.Path, e.Line = o.source, line
		e.Err = "rendered from " + o.render.String() + ": " + strings.ReplaceAll(e.Err, o.virtual, o.source)
	}
}

// placeLines runs after suppressions: findings of a rendered piece take
// their source lines. It is a no-op on a result that was not rendered.
func (o *renderOrigin) placeLines(r *fileResult) {
	if o == nil {
		return
	}
	for i := range r.findings {
		r.findings[i].Location = o.location(r.findings[i].Location)
	}
}

// flattenRendered puts the result of each rendered piece after the result
// of its chart or kustomization, as a target of its own, so that runSet
// sees every rendered manifest.
func flattenRendered(targets []Target, results []fileResult) ([]Target, []fileResult) {
	n := 0
	for i := range results {
		n += len(results[i].rendered)
	}
	if n == 0 {
		return targets, results
	}
	ts := make([]Target, 0, len(targets)+n)
	rs := make([]fileResult, 0, len(results)+n)
	for i := range results {
		parts := results[i].rendered
		results[i].rendered = nil
		ts, rs = append(ts, targets[i]), append(rs, results[i])
		for _, p := range parts {
			ts = append(ts, Target{Path: p.origin.virtual, Kind: KindKube, Root: targets[i].Root})
			rs = append(rs, p)
		}
	}
	return ts, rs
}

// dedupeRendered drops the findings of Kustomize builds that repeat, in
// the same words, a finding already reported at the same line of the same
// file: by the plain scan of a resource file (which has exact columns and
// fixes, and whose suppression comments then apply), or by another
// kustomization over the same base. Helm findings are kept: each values
// set is a configuration of its own.
func dedupeRendered(fs []finding.Finding) []finding.Finding {
	type key struct {
		rule, path string
		line       int
		msg        string
	}
	kustomize := func(f *finding.Finding) bool {
		return f.Location.Render != nil && f.Location.Render.Kind == finding.RenderKustomize
	}
	keyOf := func(f *finding.Finding) key {
		return key{f.RuleID, f.Location.Path, f.Location.Start.Line, f.Message}
	}
	seen := map[key]bool{}
	for i := range fs {
		if !kustomize(&fs[i]) {
			seen[keyOf(&fs[i])] = true
		}
	}
	out := fs[:0]
	for i := range fs {
		if kustomize(&fs[i]) {
			k := keyOf(&fs[i])
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, fs[i])
	}
	return out
}

// dropPatches removes from targets the files that the kustomizations among
// them use as patches. A strategic-merge patch looks like a manifest but is
// a fragment (a Deployment with only the fields it changes): analysed on
// its own it would miss every field it leaves out. It is judged as part of
// the overlay that applies it.
func dropPatches(targets []Target) []Target {
	real := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return r
		}
		return abs
	}
	patches := map[string]bool{}
	for _, t := range targets {
		if t.Kind != KindKustomize {
			continue
		}
		dir := filepath.FromSlash(t.Path)
		for _, p := range kustomizationPatches(dir) {
			patches[real(filepath.Join(dir, filepath.FromSlash(p)))] = true
		}
	}
	if len(patches) == 0 {
		return targets
	}
	out := targets[:0]
	for _, t := range targets {
		if t.Kind == KindKube && patches[real(filepath.FromSlash(t.Path))] {
			continue
		}
		out = append(out, t)
	}
	return out
}

// kustomizationPatches lists the patch files a kustomization names.
func kustomizationPatches(dir string) []string {
	data, err := ReadFile(kustomizationFile(dir), DefaultMaxFileBytes)
	if err != nil {
		return nil
	}
	var k struct {
		Patches []struct {
			Path string `yaml:"path"`
		} `yaml:"patches"`
		PatchesJSON6902 []struct {
			Path string `yaml:"path"`
		} `yaml:"patchesJson6902"`
		PatchesStrategicMerge []string `yaml:"patchesStrategicMerge"`
	}
	if yaml.Unmarshal(data, &k) != nil {
		return nil
	}
	var out []string
	for _, p := range k.Patches {
		out = append(out, p.Path)
	}
	for _, p := range k.PatchesJSON6902 {
		out = append(out, p.Path)
	}
	for _, p := range k.PatchesStrategicMerge {
		if !strings.Contains(p, "\n") {
			out = append(out, p)
		}
	}
	return slices.DeleteFunc(out, func(p string) bool { return strings.TrimSpace(p) == "" })
}
