package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

type loader struct {
	opts      Options
	rs        *Ruleset
	file      *srcFile
	seq       int
	lists     map[string]*List
	macros    map[string]*Macro
	rules     map[string]*Rule
	ruleOrder []*Rule
	engine    *semver.Version
	maxReq    *semver.Version
	plugins   map[string]*semver.Version
	pluginErr error
	sources   map[string]fields.Source
	// budget is what is left of the current file's value budget.
	budget int
	// edges are the macro references (visible ones), macroNA the <NA>
	// comparisons of each macro.
	edges   map[*Macro][]*Macro
	macroNA map[*Macro][]int
	// broken marks macros with a syntax error (or using one).
	broken map[*Macro]bool
}

// Load reads the rules files in order and resolves them as Falco does
// (runtime.md section 1). The Ruleset is returned even when the files
// hold errors, with every diagnostic; the error is then a *LoadError. An
// error with a nil Ruleset means Options are invalid.
func Load(files []File, opts Options) (*Ruleset, error) {
	l := &loader{
		opts:    opts,
		rs:      &Ruleset{},
		lists:   map[string]*List{},
		macros:  map[string]*Macro{},
		rules:   map[string]*Rule{},
		plugins: map[string]*semver.Version{},
		sources: map[string]fields.Source{},
	}
	ev := opts.EngineVersion
	if ev == "" {
		ev = DefaultEngineVersion
	}
	v, err := semver.StrictNewVersion(ev)
	if err != nil {
		return nil, fmt.Errorf("engine version %q: %w", ev, err)
	}
	l.engine = v
	plugins := opts.Plugins
	if plugins == nil {
		plugins = BuiltinPlugins()
	}
	for name, pv := range plugins {
		v, err := semver.StrictNewVersion(pv)
		if err != nil {
			return nil, fmt.Errorf("plugin %s version %q: %w", name, pv, err)
		}
		l.plugins[name] = v
	}
	for _, s := range opts.Sources {
		if s != nil {
			l.sources[s.Name()] = s
		}
	}
	for _, f := range files {
		l.readFile(f)
	}
	l.resolve()
	order := map[string]int{}
	for i, f := range files {
		if _, ok := order[f.Name]; !ok {
			order[f.Name] = i
		}
	}
	sort.SliceStable(l.rs.Diagnostics, func(i, j int) bool {
		a, b := l.rs.Diagnostics[i], l.rs.Diagnostics[j]
		if order[a.File] != order[b.File] {
			return order[a.File] < order[b.File]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	if errs := l.rs.Errors(); len(errs) > 0 {
		return l.rs, &LoadError{Errors: errs}
	}
	return l.rs, nil
}

func (l *loader) addDiag(d Diagnostic, p Pos) {
	d.File, d.Line, d.Col = p.File, p.Line, p.Col
	l.rs.Diagnostics = append(l.rs.Diagnostics, d)
}

func (l *loader) resolve() {
	l.resolveLists()
	l.resolveMacros()
	l.resolveRules()
	for _, lst := range l.rs.Lists {
		if !lst.Used {
			l.addDiag(Diagnostic{Severity: SevWarning, Code: WarnUnusedList, ItemKind: "list", ItemName: lst.Name,
				Message: "List not referred to by any other list, macro or rule", CondOffset: -1}, lst.Pos)
		}
	}
	for _, m := range l.rs.Macros {
		if !m.Used {
			l.addDiag(Diagnostic{Severity: SevWarning, Code: WarnUnusedMacro, ItemKind: "macro", ItemName: m.Name,
				Message: "Macro not referred to by any other macro or rule", CondOffset: -1}, m.Pos)
		}
	}
}

// maxListItems bounds a list's expanded items (nested references can
// multiply).
const maxListItems = 1 << 20

// resolveLists expands, in each list, the items that name a list defined
// earlier (index < this list's visibility). Falco expands one level; we
// expand transitively and warn when that matters.
func (l *loader) resolveLists() {
	done := map[*List]bool{}
	tooBig := map[*List]bool{}
	expanded := map[*List]bool{}
	stack := map[*List]bool{}
	var res func(*List)
	res = func(lst *List) {
		if done[lst] {
			return
		}
		stack[lst] = true
		out := make([]string, 0, len(lst.Items))
		warned := false
		for _, it := range lst.Items {
			m := l.lists[it]
			if m == nil || m == lst || m.Index >= lst.Visibility || stack[m] {
				out = append(out, it)
				continue
			}
			res(m)
			m.Used = true
			expanded[lst] = true
			if len(out)+len(m.Resolved) > maxListItems {
				if !tooBig[lst] {
					tooBig[lst] = true
					l.addDiag(Diagnostic{Severity: SevError, Code: ErrValidate, ItemKind: "list", ItemName: lst.Name, CondOffset: -1,
						Message: fmt.Sprintf("List expands to more than %d items", maxListItems)}, lst.Pos)
				}
				continue
			}
			if expanded[m] && !warned {
				warned = true
				l.addDiag(Diagnostic{Severity: SevWarning, Code: WarnNestedList, ItemKind: "list", ItemName: lst.Name, CondOffset: -1,
					Message: fmt.Sprintf("List refers to list '%s', which itself refers to a list: Falco expands one level only (not portable)", m.Name)}, lst.Pos)
			}
			out = append(out, m.Resolved...)
		}
		lst.Resolved = out
		done[lst] = true
		delete(stack, lst)
	}
	for _, lst := range l.rs.Lists {
		res(lst)
	}
}

func (l *loader) condDiag(sev Severity, code, kind, name, msg string, off int, p Pos) {
	l.addDiag(Diagnostic{Severity: sev, Code: code, ItemKind: kind, ItemName: name, Message: msg, CondOffset: off}, p)
}

// markLists marks the lists a scanned condition refers to and reports the
// undefined bare list references; it returns how many errors it found.
func (l *loader) markLists(sr scanResult, report func(msg string, off int)) int {
	n := 0
	for _, lit := range sr.lits {
		for _, it := range lit.items {
			if m := l.lists[it.text]; it.bare && m != nil {
				m.Used = true
			}
		}
	}
	for _, r := range sr.refs {
		if r.kind != refListBare {
			continue
		}
		if m := l.lists[r.name]; m != nil {
			m.Used = true
		} else if report != nil {
			report(fmt.Sprintf("Undefined list '%s' used in filter.", r.name), r.start)
			n++
		}
	}
	return n
}

func (l *loader) resolveMacros() {
	edges := map[*Macro][]*Macro{}
	refAt := map[[2]*Macro]int{}
	l.broken = map[*Macro]bool{}
	l.macroNA = map[*Macro][]int{}
	for _, m := range l.rs.Macros {
		m.Condition = m.cond.String()
		if l.opts.Compiler == nil {
			continue
		}
		cond, lead := trim(m.Condition)
		ast, err := l.opts.Compiler.Parse(cond)
		if err != nil {
			off := condOffset(err)
			l.condDiag(SevError, ErrCompileCondition, "macro", m.Name, err.Error(), off, m.cond.locate(max(off, 0)+lead))
			l.broken[m] = true
			continue
		}
		m.AST = ast
	}
	for _, m := range l.rs.Macros {
		cond, lead := trim(m.Condition)
		sr := scanCondition(cond)
		report := func(msg string, off int) {
			if !l.broken[m] { // a syntax error was reported: the scan may misread
				l.condDiag(SevError, ErrValidate, "macro", m.Name, msg, off, m.cond.locate(off+lead))
			}
		}
		for _, r := range sr.refs {
			if r.kind != refMacro {
				continue
			}
			t := l.macros[r.name]
			if t == nil || t.Index >= m.Visibility {
				msg := fmt.Sprintf("Undefined macro '%s' used in filter.", r.name)
				if t != nil && t != m {
					msg += fmt.Sprintf(" (macro '%s' is defined later, at %s:%d:%d: a macro sees only the macros defined before it)", t.Name, t.Pos.File, t.Pos.Line, t.Pos.Col)
				}
				report(msg, r.start)
				continue
			}
			if t != m {
				t.Used = true
			}
			if _, seen := refAt[[2]*Macro{m, t}]; !seen {
				edges[m] = append(edges[m], t)
				refAt[[2]*Macro{m, t}] = r.start
			}
		}
		l.markLists(sr, report)
		for _, off := range sr.na {
			l.macroNA[m] = append(l.macroNA[m], off+lead)
		}
	}
	l.edges = edges
	// Macro reference loops.
	const (
		white = iota
		grey
		black
	)
	color := map[*Macro]int{}
	var path []*Macro
	var visit func(*Macro)
	visit = func(m *Macro) {
		color[m] = grey
		path = append(path, m)
		for _, t := range edges[m] {
			switch color[t] {
			case white:
				visit(t)
			case grey:
				i := len(path) - 1
				for path[i] != t {
					i--
				}
				names := []string{}
				for _, p := range path[i:] {
					names = append(names, p.Name)
				}
				names = append(names, t.Name)
				off := refAt[[2]*Macro{m, t}]
				_, lead := trim(m.Condition)
				l.condDiag(SevError, ErrValidate, "macro", t.Name,
					fmt.Sprintf("Reference loop in macro '%s': %s", t.Name, strings.Join(names, " -> ")), off, m.cond.locate(off+lead))
			}
		}
		path = path[:len(path)-1]
		color[m] = black
	}
	for _, m := range l.rs.Macros {
		if color[m] == white {
			visit(m)
		}
	}
	// A macro that uses a broken one is broken too: rules using either are
	// not compiled (the error was reported once, at the macro).
	for changed := true; changed; {
		changed = false
		for _, m := range l.rs.Macros {
			for _, t := range edges[m] {
				if l.broken[t] && !l.broken[m] {
					l.broken[m], changed = true, true
				}
			}
		}
	}
}

func trim(s string) (string, int) {
	t := strings.TrimLeft(s, " \t\r\n")
	lead := len(s) - len(t)
	return strings.TrimRight(t, " \t\r\n"), lead
}

// reach marks m and the macros it uses.
func (l *loader) reach(m *Macro, seen map[*Macro]bool) {
	if seen[m] {
		return
	}
	seen[m] = true
	for _, t := range l.edges[m] {
		l.reach(t, seen)
	}
}

func (l *loader) resolveRules() {
	// reached are the macros a rule of a known source uses: only their
	// <NA> comparisons are reported (as Falco checks compiled rules).
	reached := map[*Macro]bool{}
	defer func() {
		for _, m := range l.rs.Macros {
			if !reached[m] {
				continue
			}
			_, lead := trim(m.Condition)
			for _, off := range l.macroNA[m] {
				l.condDiag(SevWarning, WarnUnsafeNACheck, "macro", m.Name, "Unsafe <NA> comparison in condition: use 'exists' to check for a field's presence", off-lead, m.cond.locate(off))
			}
		}
	}()
	for _, r := range l.ruleOrder {
		r.Condition = r.cond.String()
		r.Output = r.output.String()
		cond, lead := trim(r.Condition)
		r.FullCondition, _ = fullCondition(cond, r.Exceptions)
		fieldSet := map[string]bool{}
		for _, e := range r.Exceptions {
			for _, f := range e.Fields {
				fieldSet[f] = true
			}
		}
		r.ExceptionFields = sortedKeys(fieldSet)
		locate := func(off int) Pos {
			if off >= 1 && off <= len(cond) {
				return r.cond.locate(off - 1 + lead)
			}
			for _, e := range r.Exceptions {
				if len(e.Values) > 0 {
					return e.Pos
				}
			}
			return r.Pos
		}
		src, known := l.sources[r.Source]
		var ast any
		parsed := true
		if known && l.opts.Compiler != nil {
			var err error
			if ast, err = l.opts.Compiler.Parse(r.FullCondition); err != nil {
				off := condOffset(err)
				// A syntax error of the condition itself is placed in its
				// text: parsed alone, the parentheses wrapped around it are
				// not blamed for one it leaves open.
				if _, cerr := l.opts.Compiler.Parse(cond); cerr != nil {
					if o := condOffset(cerr); o >= 0 {
						err, off = cerr, o+1
					}
				}
				l.condDiag(SevError, ErrCompileCondition, "rule", r.Name, err.Error(), off, locate(off))
				parsed = false
			}
		}
		sr := scanCondition(r.FullCondition)
		errs := 0
		report := func(msg string, off int) {
			if known && parsed {
				l.condDiag(SevError, ErrValidate, "rule", r.Name, msg, off, locate(off))
				errs++
			}
		}
		brokenMacro := false
		for _, ref := range sr.refs {
			if ref.kind != refMacro {
				continue
			}
			if m := l.macros[ref.name]; m != nil {
				m.Used = true
				brokenMacro = brokenMacro || l.broken[m]
				if known {
					l.reach(m, reached)
				}
			} else {
				report(fmt.Sprintf("Undefined macro '%s' used in filter.", ref.name), ref.start)
			}
		}
		l.markLists(sr, report)
		if !known {
			p := r.srcPos
			if p.File == "" {
				p = r.Pos
			}
			l.condDiag(SevWarning, WarnUnknownSource, "rule", r.Name, fmt.Sprintf("Unknown source %s, skipping", r.Source), -1, p)
			r.SkipReason = "unknown source " + r.Source
			l.rs.Skipped = append(l.rs.Skipped, r)
			continue
		}
		for _, off := range sr.na {
			l.condDiag(SevWarning, WarnUnsafeNACheck, "rule", r.Name, "Unsafe <NA> comparison in condition: use 'exists' to check for a field's presence", off, locate(off))
		}
		if errs > 0 || !parsed || brokenMacro {
			continue
		}
		if l.opts.Compiler != nil && !l.compileRule(r, ast, src, locate) {
			continue
		}
		l.rs.Rules = append(l.rs.Rules, r)
	}
}

// compileRule compiles the full condition and the output; false drops
// the rule (an error, or a skip with a warning).
func (l *loader) compileRule(r *Rule, ast any, src fields.Source, locate func(int) Pos) bool {
	c := l.opts.Compiler
	skip := func(err error, what string) bool {
		if (r.SkipIfUnknownFilter || slices.Contains(l.opts.PartialSources, r.Source)) && isUnknownField(err) {
			l.condDiag(SevWarning, WarnUnknownFilter, "rule", r.Name, fmt.Sprintf("Rule skipped: %s: %v", what, err), condOffset(err), r.Pos)
			r.SkipReason = "unknown field in " + what
			l.rs.Skipped = append(l.rs.Skipped, r)
			return true
		}
		return false
	}
	env := Env{
		Source: src,
		Macro: func(name string) (any, bool) {
			m := l.macros[name]
			if m == nil || m.AST == nil {
				return nil, false
			}
			return m.AST, true
		},
		List: func(name string) ([]string, bool) {
			lst := l.lists[name]
			if lst == nil {
				return nil, false
			}
			return lst.Resolved, true
		},
		SkipUnknown: r.SkipIfUnknownFilter,
	}
	prog, warns, err := c.Compile(ast, env)
	if err != nil {
		if skip(err, "condition") {
			return false
		}
		off := condOffset(err)
		l.condDiag(SevError, ErrCompileCondition, "rule", r.Name, err.Error(), off, locate(off))
		return false
	}
	for _, w := range warns {
		code := w.Code
		if code == "" {
			code = WarnCompileCondition
		}
		l.condDiag(SevWarning, code, "rule", r.Name, w.Msg, w.Offset, locate(w.Offset))
	}
	fm, err := c.ParseOutput(r.Output, src, r.SkipIfUnknownFilter)
	if err != nil {
		if skip(err, "output") {
			return false
		}
		off := condOffset(err)
		p := r.Pos
		if off >= 0 {
			p = r.output.locate(off)
		}
		l.condDiag(SevError, ErrCompileOutput, "rule", r.Name, err.Error(), off, p)
		return false
	}
	r.Program, r.Formatter = prog, fm
	return true
}

// maxExpand bounds ExpandCondition's output (macros can nest
// exponentially).
const maxExpand = 1 << 20

// ExpandCondition returns the rule's full condition with every macro
// inlined in parentheses and every list reference replaced by its items:
// the "effective condition" of runtime.md 1.11, for display and tests.
func (rs *Ruleset) ExpandCondition(r *Rule) (string, error) {
	macros := map[string]*Macro{}
	for _, m := range rs.Macros {
		macros[m.Name] = m
	}
	lists := map[string]*List{}
	for _, l := range rs.Lists {
		lists[l.Name] = l
	}
	budget := maxExpand
	return expand(r.FullCondition, macros, lists, 0, &budget)
}

func expand(cond string, macros map[string]*Macro, lists map[string]*List, depth int, budget *int) (string, error) {
	if depth > 100 {
		return "", fmt.Errorf("macros nest more than 100 deep (a reference loop?)")
	}
	sr := scanCondition(cond)
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for _, r := range sr.refs {
		switch r.kind {
		case refMacro:
			m := macros[r.name]
			if m == nil {
				continue
			}
			inner, _ := trim(m.Condition)
			x, err := expand(inner, macros, lists, depth+1, budget)
			if err != nil {
				return "", err
			}
			edits = append(edits, edit{r.start, r.end, "(" + x + ")"})
		case refListBare:
			if lst := lists[r.name]; lst != nil {
				edits = append(edits, edit{r.start, r.end, "(" + joinItems(lst.Resolved) + ")"})
			}
		}
	}
	for _, lit := range sr.lits {
		hit := false
		var items []string
		for _, it := range lit.items {
			if lst := lists[it.text]; it.bare && lst != nil {
				hit = true
				for _, s := range lst.Resolved {
					items = append(items, quoteValue(s))
				}
				continue
			}
			items = append(items, it.text)
		}
		if hit {
			edits = append(edits, edit{lit.start, lit.end, "(" + strings.Join(items, ", ") + ")"})
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		if e.start < last {
			continue
		}
		b.WriteString(cond[last:e.start])
		b.WriteString(e.text)
		last = e.end
		*budget -= len(e.text)
		if *budget < 0 {
			return "", fmt.Errorf("expanded condition exceeds %d bytes", maxExpand)
		}
	}
	b.WriteString(cond[last:])
	return b.String(), nil
}

func joinItems(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quoteValue(s)
	}
	return strings.Join(q, ", ")
}

// Rule returns the rule named name, loaded or skipped.
func (rs *Ruleset) Rule(name string) (*Rule, bool) {
	for _, rr := range [][]*Rule{rs.Rules, rs.Skipped} {
		for _, r := range rr {
			if r.Name == name {
				return r, true
			}
		}
	}
	return nil, false
}

// List returns the list named name.
func (rs *Ruleset) List(name string) (*List, bool) {
	for _, l := range rs.Lists {
		if l.Name == name {
			return l, true
		}
	}
	return nil, false
}

// Macro returns the macro named name.
func (rs *Ruleset) Macro(name string) (*Macro, bool) {
	for _, m := range rs.Macros {
		if m.Name == name {
			return m, true
		}
	}
	return nil, false
}
