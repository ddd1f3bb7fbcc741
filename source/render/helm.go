package render

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// DefaultKubeVersion is the Kubernetes version charts see as
// .Capabilities.KubeVersion when HelmOptions.KubeVersion is empty: the
// version of the k8s.io/api module this build uses, as a helm binary built
// against it reports.
const DefaultKubeVersion = "v1.37.0"

// DefaultReleaseName is `helm template`'s release name.
const DefaultReleaseName = "release-name"

// HelmOptions say how to render a chart.
type HelmOptions struct {
	// Root is the scan root: Rendered.Input and SourcePath are relative to
	// it. Empty means the chart folder.
	Root string
	// ReleaseName is .Release.Name; empty means DefaultReleaseName.
	ReleaseName string
	// Namespace is .Release.Namespace; empty means "default".
	Namespace string
	// KubeVersion is .Capabilities.KubeVersion ("1.31", "v1.31.2");
	// empty means DefaultKubeVersion. Charts whose kubeVersion constraint
	// it does not meet fail, as with helm install.
	KubeVersion string
	// ValueSets are rendered one after the other, each on its own; none
	// means one set named "default" with the chart's own values.
	ValueSets []ValueSet
	// Limits bound each values set's render.
	Limits Limits
}

// RenderChart renders the chart in folder dir once per values set.
//
// Each values set renders separately; the result holds, in values-set order
// and then template path order, one Rendered per template that produced
// anything (NOTES.txt and partials excluded, like helm template). When some
// sets fail, the result holds the sets that rendered and the error joins one
// error per failed set, each naming the chart and the set; a failure is never
// an empty result without an error.
func RenderChart(ctx context.Context, dir string, opts HelmOptions) ([]Rendered, error) {
	lim := opts.Limits.withDefaults()
	_, absDir, input, err := rootedPaths(opts.Root, dir)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", dir, err)
	}
	files, err := readChartDir(absDir, lim)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", input, err)
	}
	caps, err := capabilities(opts.KubeVersion)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", input, err)
	}
	sets := opts.ValueSets
	if len(sets) == 0 {
		sets = []ValueSet{{}}
	}
	var out []Rendered
	var errs []error
	for _, set := range sets {
		r, err := renderValueSet(ctx, files, input, set, caps, opts, lim)
		if err != nil {
			errs = append(errs, fmt.Errorf("render chart %s with values set %q: %w", input, set.name(), err))
			continue
		}
		out = append(out, r...)
	}
	return out, errors.Join(errs...)
}

func capabilities(kubeVersion string) (*chartutil.Capabilities, error) {
	if kubeVersion == "" {
		kubeVersion = DefaultKubeVersion
	}
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("kubernetes version %q: %w", kubeVersion, err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = *kv
	return caps, nil
}

func renderValueSet(ctx context.Context, files *chartFiles, input string, set ValueSet, caps *chartutil.Capabilities, opts HelmOptions, lim Limits) ([]Rendered, error) {
	chrt, origins, err := files.loadChart()
	if err != nil {
		return nil, err
	}
	if err := checkDependencies(chrt); err != nil {
		return nil, err
	}
	if chrt.Metadata.Type == "library" {
		return nil, errors.New("library charts are not installable")
	}
	if kv := chrt.Metadata.KubeVersion; kv != "" && !chartutil.IsCompatibleRange(kv, caps.KubeVersion.String()) {
		return nil, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", kv, caps.KubeVersion.String())
	}
	vals, err := set.values(lim.MaxInputBytes)
	if err != nil {
		return nil, err
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, fmt.Errorf("process dependencies: %w", err)
	}
	relOpts := chartutil.ReleaseOptions{
		Name:      opts.ReleaseName,
		Namespace: opts.Namespace,
		Revision:  1,
		IsInstall: true,
	}
	if relOpts.Name == "" {
		relOpts.Name = DefaultReleaseName
	}
	if relOpts.Namespace == "" {
		relOpts.Namespace = "default"
	}
	top, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, vals, relOpts, caps, true)
	if err != nil {
		return nil, err
	}
	if v, ok := top["Values"].(chartutil.Values); ok {
		if err := validateSchemas(chrt, v); err != nil {
			return nil, fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s", err)
		}
	}

	rendered, err := runEngine(ctx, chrt, top, lim)
	if err != nil {
		return nil, err
	}
	return collect(chrt, origins, rendered, input, set.name(), lim)
}

// runEngine renders with a deadline. The engine stops at its next write once
// the context is done; a template that loops without writing cannot be
// stopped (text/template has no hook for it), so then the render is
// abandoned: its goroutine runs on, but the caller gets its error in time.
func runEngine(ctx context.Context, chrt *chart.Chart, top chartutil.Values, lim Limits) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	type result struct {
		files map[string]string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		files, err := engine.Render(chrt, top)
		done <- result{files, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, shorten(r.err)
		}
		var total int64
		for _, out := range r.files {
			total += int64(len(out))
		}
		if total > lim.MaxOutputBytes {
			return nil, fmt.Errorf("the chart renders %d bytes, more than the %d-byte size limit", total, lim.MaxOutputBytes)
		}
		return r.files, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("rendering stopped after %s: %w", lim.Timeout, ctx.Err())
	}
}

// collect turns the engine's output into Rendered values.
func collect(chrt *chart.Chart, origins map[*chart.File]templateOrigin, rendered map[string]string, input, setName string, lim Limits) ([]Rendered, error) {
	// Find each rendered template's source: the engine keys templates by
	// chart full path (aliases included) and template name.
	type source struct {
		file   *chart.File
		origin templateOrigin
	}
	sources := make(map[string]source)
	var walk func(c *chart.Chart)
	walk = func(c *chart.Chart) {
		for _, t := range c.Templates {
			if t != nil {
				sources[path.Join(c.ChartFullPath(), t.Name)] = source{t, origins[t]}
			}
		}
		for _, d := range c.Dependencies() {
			walk(d)
		}
	}
	walk(chrt)

	keys := make([]string, 0, len(rendered))
	for k := range rendered {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Rendered
	docs := 0
	for _, key := range keys {
		text := rendered[key]
		if strings.HasSuffix(key, "/templates/NOTES.txt") || strings.TrimSpace(text) == "" {
			continue
		}
		docs += countDocuments(text)
		if docs > lim.MaxDocuments {
			return nil, fmt.Errorf("chart renders more than %d documents", lim.MaxDocuments)
		}
		src, ok := sources[key]
		if !ok {
			return nil, fmt.Errorf("rendered template %s has no source", key)
		}
		r := Rendered{
			Input:      input,
			Template:   strings.TrimPrefix(key, chrt.Name()+"/"),
			SourcePath: joinRel(input, src.origin.disk),
			Packaged:   src.origin.packaged,
			Data:       []byte(text),
			ValuesSet:  setName,
		}
		if !src.origin.packaged {
			r.LineMap = lazyLineMap(src.file.Name, string(src.file.Data), text)
		}
		out = append(out, r)
	}
	return out, nil
}

// lazyLineMap computes a template's line map on first use.
func lazyLineMap(name, tpl, out string) func(int) (int, bool) {
	var once sync.Once
	var m []int
	return func(line int) (int, bool) {
		once.Do(func() { m = mapTemplateLines(name, tpl, out) })
		if line < 1 || line > len(m) || m[line-1] == 0 {
			return 0, false
		}
		return m[line-1], true
	}
}

// nestedCall separates the layers of an error from nested include or tpl
// calls, which text/template reports one inside the other.
const nestedCall = ": error calling include: "

// shortError is an error whose message has been shortened.
type shortError struct {
	msg string
	err error
}

func (e *shortError) Error() string { return e.msg }
func (e *shortError) Unwrap() error { return e.err }

// shorten keeps an error from deeply nested includes readable: the outer
// call, where the chain started, and the innermost two, where it failed.
func shorten(err error) error {
	parts := strings.Split(err.Error(), nestedCall)
	if len(parts) <= 4 {
		return err
	}
	n := len(parts)
	msg := parts[0] + nestedCall + fmt.Sprintf("... %d nested include calls ...", n-3) + nestedCall +
		parts[n-2] + nestedCall + parts[n-1]
	return &shortError{msg: msg, err: err}
}
