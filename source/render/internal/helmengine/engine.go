/*
Copyright The Helm Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// This file is adapted from helm.sh/helm/v3 v3.22.0 pkg/engine/engine.go; the
// changes are listed in doc.go.

package helmengine

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
)

// Limits bound the work of one Render call. Zero fields take the defaults.
type Limits struct {
	// MaxBytes caps the bytes that templates write, counting the output of
	// nested include and tpl calls as well as the final output.
	MaxBytes int64
	// MaxCount caps the count argument of until, untilStep, seq, repeat,
	// indent, nindent and the rand* functions.
	MaxCount int
	// MaxIncludeDepth caps the nesting of include and tpl calls across all
	// names (Helm itself caps only each name, at 1000).
	MaxIncludeDepth int
}

// Default limits.
const (
	DefaultMaxBytes        = 256 << 20
	DefaultMaxCount        = 1 << 20
	DefaultMaxIncludeDepth = 10000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxCount <= 0 {
		l.MaxCount = DefaultMaxCount
	}
	if l.MaxIncludeDepth <= 0 {
		l.MaxIncludeDepth = DefaultMaxIncludeDepth
	}
	return l
}

// ErrOutputLimit is returned (wrapped) when templates write more than
// Limits.MaxBytes.
var ErrOutputLimit = errors.New("rendered output exceeds the size limit")

// Engine renders a chart's templates like Helm's engine in client-only mode
// (the lookup function returns an empty map, DNS lookups return "").
type Engine struct {
	// Strict makes a reference to a missing value an error.
	Strict bool
	// Limits bound the work of a render.
	Limits Limits
}

// renderable is an object that can be rendered.
type renderable struct {
	// tpl is the current template.
	tpl string
	// vals are the values to be supplied to the template.
	vals chartutil.Values
	// namespace prefix to the templates of the current chart
	basePath string
}

const warnStartDelim = "HELM_ERR_START"
const warnEndDelim = "HELM_ERR_END"
const recursionMaxNums = 1000

var warnRegex = regexp.MustCompile(warnStartDelim + `((?s).*)` + warnEndDelim)

func warnWrap(warn string) string {
	return warnStartDelim + warn + warnEndDelim
}

// budget is shared by every writer of one render: it counts bytes and stops
// the template when the context is done or the byte limit is reached.
type budget struct {
	done    <-chan struct{}
	ctx     context.Context
	left    int64
	max     int64
	depth   int
	maxDeep int
}

func (b *budget) check(n int) error {
	select {
	case <-b.done:
		return fmt.Errorf("rendering stopped: %w", b.ctx.Err())
	default:
	}
	b.left -= int64(n)
	if b.left < 0 {
		return fmt.Errorf("%w (%d bytes)", ErrOutputLimit, b.max)
	}
	return nil
}

// limitedBuilder is a strings.Builder whose writes are charged to a budget.
// text/template stops executing at the first failed write.
type limitedBuilder struct {
	strings.Builder
	b *budget
}

func (w *limitedBuilder) Write(p []byte) (int, error) {
	if err := w.b.check(len(p)); err != nil {
		return 0, err
	}
	return w.Builder.Write(p)
}

func (w *limitedBuilder) WriteString(s string) (int, error) {
	if err := w.b.check(len(s)); err != nil {
		return 0, err
	}
	return w.Builder.WriteString(s)
}

// 'include' needs to be defined in the scope of a 'tpl' template as
// well as regular file-loaded templates.
func includeFun(t *template.Template, includedNames map[string]int, b *budget) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		buf := limitedBuilder{b: b}
		if v, ok := includedNames[name]; ok {
			if v > recursionMaxNums {
				return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
			}
			includedNames[name]++
		} else {
			includedNames[name] = 1
		}
		if b.depth >= b.maxDeep {
			includedNames[name]--
			return "", fmt.Errorf("include %s: nesting deeper than %d include/tpl calls", name, b.maxDeep)
		}
		b.depth++
		err := t.ExecuteTemplate(&buf, name, data)
		b.depth--
		includedNames[name]--
		return buf.String(), err
	}
}

// As does 'tpl', so that nested calls to 'tpl' see the templates
// defined by their enclosing contexts.
func tplFun(parent *template.Template, includedNames map[string]int, strict bool, b *budget) func(string, interface{}) (string, error) {
	return func(tpl string, vals interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}

		// Re-inject the missingkey option, see text/template issue https://github.com/golang/go/issues/43022
		// We have to go by strict from our engine configuration, as the option fields are private in Template.
		if strict {
			t.Option("missingkey=error")
		} else {
			t.Option("missingkey=zero")
		}

		// Re-inject 'include' so that it can close over our clone of t;
		// this lets any 'define's inside tpl be 'include'd.
		t.Funcs(template.FuncMap{
			"include": includeFun(t, includedNames, b),
			"tpl":     tplFun(t, includedNames, strict, b),
		})

		// We need a .New template, as template text which is just blanks
		// or comments after parsing out defines just adds new named
		// template definitions without changing the main template.
		// https://pkg.go.dev/text/template#Template.Parse
		// Use the parent's name for lack of a better way to identify the tpl
		// text string. (Maybe we could use a hash appended to the name?)
		t, err = t.New(parent.Name()).Parse(tpl)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", tpl, err)
		}

		if b.depth >= b.maxDeep {
			return "", fmt.Errorf("tpl: nesting deeper than %d include/tpl calls", b.maxDeep)
		}
		b.depth++
		defer func() { b.depth-- }()
		buf := limitedBuilder{b: b}
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", tpl, err)
		}

		// See comment in renderWithReferences explaining the <no value> hack.
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// initFunMap creates the Engine's FuncMap and adds context-specific functions.
func (e Engine) initFunMap(t *template.Template, b *budget) {
	funcMap := funcMap()
	includedNames := make(map[string]int)

	// Add the template-rendering functions here so we can close over t.
	funcMap["include"] = includeFun(t, includedNames, b)
	funcMap["tpl"] = tplFun(t, includedNames, e.Strict, b)

	funcMap["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warnWrap(warn))
		} else if _, ok := val.(string); ok {
			if val == "" {
				return val, errors.New(warnWrap(warn))
			}
		}
		return val, nil
	}

	// Override sprig fail function for wrapping message
	funcMap["fail"] = func(msg string) (string, error) {
		return "", errors.New(warnWrap(msg))
	}

	// DNS lookups are never enabled here.
	funcMap["getHostByName"] = func(_ string) string {
		return ""
	}

	boundCounts(funcMap, e.Limits.MaxCount, b)

	t.Funcs(funcMap)
}

// Render renders every template of the chart and its dependencies, like
// helm.sh/helm/v3/pkg/engine.Engine.Render, but stops when ctx is done or
// the limits are reached. The result maps "chart/templates/x.yaml" (the
// chart's full path, so subcharts read "chart/charts/sub/templates/x.yaml")
// to the rendered text.
func (e Engine) Render(ctx context.Context, chrt *chart.Chart, values chartutil.Values) (map[string]string, error) {
	e.Limits = e.Limits.withDefaults()
	tmap := allTemplates(chrt, values)
	b := &budget{done: ctx.Done(), ctx: ctx, left: e.Limits.MaxBytes, max: e.Limits.MaxBytes, maxDeep: e.Limits.MaxIncludeDepth}
	return e.render(tmap, b)
}

// render takes a map of templates/values and renders them.
func (e Engine) render(tpls map[string]renderable, b *budget) (rendered map[string]string, err error) {
	// Basically, what we do here is start with an empty parent template and then
	// build up a list of templates -- one for each file. Once all of the templates
	// have been parsed, we loop through again and execute every template.
	//
	// The idea with this process is to make it possible for more complex templates
	// to share common blocks, but to make the entire thing feel like a file-based
	// template engine.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	t := template.New("gotpl")
	if e.Strict {
		t.Option("missingkey=error")
	} else {
		// Not that zero will attempt to add default values for types it knows,
		// but will still emit <no value> for others. We mitigate that later.
		t.Option("missingkey=zero")
	}

	e.initFunMap(t, b)

	// We want to parse the templates in a predictable order. The order favors
	// higher-level (in file system) templates over deeply nested templates.
	keys := sortTemplates(tpls)

	for _, filename := range keys {
		r := tpls[filename]
		if _, err := t.New(filename).Parse(r.tpl); err != nil {
			return map[string]string{}, cleanupParseError(filename, err)
		}
	}

	rendered = make(map[string]string, len(keys))
	for _, filename := range keys {
		// Don't render partials. We don't care out the direct output of partials.
		// They are only included from other templates.
		if strings.HasPrefix(path.Base(filename), "_") {
			continue
		}
		// At render time, add information about the template that is being rendered.
		vals := tpls[filename].vals
		vals["Template"] = chartutil.Values{"Name": filename, "BasePath": tpls[filename].basePath}
		buf := limitedBuilder{b: b}
		if err := t.ExecuteTemplate(&buf, filename, vals); err != nil {
			return map[string]string{}, cleanupExecError(filename, err)
		}

		// Work around the issue where Go will emit "<no value>" even if Options(missing=zero)
		// is set. Since missing=error will never get here, we do not need to handle
		// the Strict case.
		rendered[filename] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}

	return rendered, nil
}

func cleanupParseError(filename string, err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		// This might happen if a non-templating error occurs
		return fmt.Errorf("parse error in (%s): %s", filename, err)
	}
	// The first token is "template"
	// The second token is either "filename:lineno" or "filename:lineNo:columnNo"
	location := tokens[1]
	// The remaining tokens make up a stacktrace-like chain, ending with the relevant error
	errMsg := tokens[len(tokens)-1]
	return fmt.Errorf("parse error at (%s): %s", string(location), errMsg)
}

func cleanupExecError(filename string, err error) error {
	var execErr template.ExecError
	if !errors.As(err, &execErr) {
		// Write errors (limits, cancellation) and other failures keep their
		// own wording; name the template they stopped.
		return fmt.Errorf("render %s: %w", filename, err)
	}

	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		// This might happen if a non-templating error occurs
		return fmt.Errorf("execution error in (%s): %w", filename, err)
	}

	// The first token is "template"
	// The second token is either "filename:lineno" or "filename:lineNo:columnNo"
	location := tokens[1]

	parts := warnRegex.FindStringSubmatch(tokens[2])
	if len(parts) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", string(location), parts[1])
	}

	return err
}

func sortTemplates(tpls map[string]renderable) []string {
	keys := make([]string, len(tpls))
	i := 0
	for key := range tpls {
		keys[i] = key
		i++
	}
	sort.Sort(sort.Reverse(byPathLen(keys)))
	return keys
}

type byPathLen []string

func (p byPathLen) Len() int      { return len(p) }
func (p byPathLen) Swap(i, j int) { p[j], p[i] = p[i], p[j] }
func (p byPathLen) Less(i, j int) bool {
	a, b := p[i], p[j]
	ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
	if ca == cb {
		return strings.Compare(a, b) == -1
	}
	return ca < cb
}

// allTemplates returns all templates for a chart and its dependencies.
//
// As it goes, it also prepares the values in a scope-sensitive manner.
func allTemplates(c *chart.Chart, vals chartutil.Values) map[string]renderable {
	templates := make(map[string]renderable)
	recAllTpls(c, templates, vals)
	return templates
}

// recAllTpls recurses through the templates in a chart.
//
// As it recurses, it also sets the values to be appropriate for the template
// scope.
func recAllTpls(c *chart.Chart, templates map[string]renderable, vals chartutil.Values) map[string]interface{} {
	subCharts := make(map[string]interface{})
	chartMetaData := struct {
		chart.Metadata
		IsRoot bool
	}{*c.Metadata, c.IsRoot()}

	next := map[string]interface{}{
		"Chart":        chartMetaData,
		"Files":        newFiles(c.Files),
		"Release":      vals["Release"],
		"Capabilities": vals["Capabilities"],
		"Values":       make(chartutil.Values),
		"Subcharts":    subCharts,
	}

	// If there is a {{.Values.ThisChart}} in the parent metadata,
	// copy that into the {{.Values}} for this template.
	if c.IsRoot() {
		next["Values"] = vals["Values"]
	} else if vs, err := vals.Table("Values." + c.Name()); err == nil {
		next["Values"] = vs
	}

	for _, child := range c.Dependencies() {
		subCharts[child.Name()] = recAllTpls(child, templates, next)
	}

	newParentID := c.ChartFullPath()
	for _, t := range c.Templates {
		if t == nil {
			continue
		}
		if !isTemplateValid(c, t.Name) {
			continue
		}
		templates[path.Join(newParentID, t.Name)] = renderable{
			tpl:      string(t.Data),
			vals:     next,
			basePath: path.Join(newParentID, "templates"),
		}
	}

	return next
}

// isTemplateValid returns true if the template is valid for the chart type
func isTemplateValid(ch *chart.Chart, templateName string) bool {
	if isLibraryChart(ch) {
		return strings.HasPrefix(filepath.Base(templateName), "_")
	}
	return true
}

// isLibraryChart returns true if the chart is a library chart
func isLibraryChart(c *chart.Chart) bool {
	return strings.EqualFold(c.Metadata.Type, "library")
}
