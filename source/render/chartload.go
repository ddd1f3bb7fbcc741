package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/ignore"
)

// chartFiles is a chart folder read into memory, as Helm's loader.LoadDir
// reads it, but bounded: symlinks must stay inside the folder, loops are
// refused, and the file count and sizes are capped. Helm's LoadDir follows
// every symlink wherever it points and logs about it; this does not.
type chartFiles struct {
	dir   string // absolute folder
	files []*loader.BufferedFile
}

var utf8bom = []byte{0xEF, 0xBB, 0xBF}

// readChartDir reads the chart folder dir honouring .helmignore.
func readChartDir(dir string, lim Limits) (*chartFiles, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve chart folder: %w", err)
	}
	rules := ignore.Empty()
	ifile := filepath.Join(dir, ignore.HelmIgnore)
	if fi, err := os.Lstat(ifile); err == nil {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file", ignore.HelmIgnore)
		}
		r, err := ignore.ParseFile(ifile)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", ignore.HelmIgnore, err)
		}
		rules = r
	}
	rules.AddDefaults()

	w := &chartWalker{real: real, rules: rules, lim: lim, onStack: map[string]bool{real: true}}
	if err := w.walkDir(dir, ""); err != nil {
		return nil, err
	}
	return &chartFiles{dir: dir, files: w.files}, nil
}

type chartWalker struct {
	real    string // the chart folder with symlinks resolved
	rules   *ignore.Rules
	lim     Limits
	files   []*loader.BufferedFile
	total   int64
	onStack map[string]bool // real paths of the folders being walked
}

// walkDir reads the folder at disk path p, whose name inside the chart is
// name ("" for the chart folder itself).
func (w *chartWalker) walkDir(p, name string) error {
	entries, err := os.ReadDir(p)
	if err != nil {
		return fmt.Errorf("read chart folder %s: %w", displayName(name), err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, base := range names {
		child := filepath.Join(p, base)
		n := path.Join(name, base)
		fi, err := os.Lstat(child)
		if err != nil {
			return fmt.Errorf("chart file %s: %w", n, err)
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(child)
			if err != nil {
				return fmt.Errorf("chart file %s: symlink: %w", n, err)
			}
			if !within(w.real, target) {
				return fmt.Errorf("chart file %s is a symlink to %s, outside the chart folder: not followed", n, target)
			}
			if fi, err = os.Stat(target); err != nil {
				return fmt.Errorf("chart file %s: %w", n, err)
			}
		}
		if fi.IsDir() {
			if w.rules.Ignore(n, fi) {
				continue
			}
			real, err := filepath.EvalSymlinks(child)
			if err != nil {
				return fmt.Errorf("chart folder %s: %w", n, err)
			}
			if w.onStack[real] {
				return fmt.Errorf("chart folder %s: symlink loop", n)
			}
			w.onStack[real] = true
			err = w.walkDir(child, n)
			delete(w.onStack, real)
			if err != nil {
				return err
			}
			continue
		}
		if w.rules.Ignore(n, fi) {
			continue
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("chart file %s is not a regular file (mode %s)", n, fi.Mode().Type())
		}
		if len(w.files) >= w.lim.MaxFiles {
			return fmt.Errorf("chart has more than %d files", w.lim.MaxFiles)
		}
		if fi.Size() > maxFileBytes {
			return fmt.Errorf("chart file %s is larger than the limit of %d bytes", n, maxFileBytes)
		}
		data, err := readFileLimited(child, maxFileBytes)
		if err != nil {
			return fmt.Errorf("chart file %s: %w", n, err)
		}
		w.total += int64(len(data))
		if w.total > w.lim.MaxInputBytes {
			return fmt.Errorf("chart is larger than the limit of %d bytes", w.lim.MaxInputBytes)
		}
		w.files = append(w.files, &loader.BufferedFile{Name: n, Data: bytes.TrimPrefix(data, utf8bom)})
	}
	return nil
}

func displayName(name string) string {
	if name == "" {
		return "."
	}
	return name
}

// within reports whether path p is dir or inside it.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// readFileLimited reads at most max bytes of a file, failing if it is longer.
func readFileLimited(p string, max int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("larger than the limit of %d bytes", max)
	}
	return data, nil
}

// templateOrigin is where a loaded template came from.
type templateOrigin struct {
	disk     string // slash path relative to the chart folder
	packaged bool   // disk names the archive holding the template
}

// loadChart builds Helm's chart from the files read, like loader.LoadFiles,
// but loads the subcharts in charts/ itself so that it knows which folder or
// archive each template came from. It returns a fresh chart each call:
// dependency processing changes the chart, so each values set needs its own.
func (cf *chartFiles) loadChart() (*chart.Chart, map[*chart.File]templateOrigin, error) {
	origins := make(map[*chart.File]templateOrigin)
	c, err := loadChartFiles(cf.files, "", origins)
	if err != nil {
		return nil, nil, err
	}
	return c, origins, nil
}

// loadChartFiles loads one (sub)chart whose files are named relative to it;
// prefix is its folder relative to the top chart folder.
func loadChartFiles(files []*loader.BufferedFile, prefix string, origins map[*chart.File]templateOrigin) (*chart.Chart, error) {
	var top []*loader.BufferedFile
	subcharts := make(map[string][]*loader.BufferedFile)
	var extra []*chart.File
	for _, f := range files {
		rest, ok := strings.CutPrefix(f.Name, "charts/")
		if !ok {
			top = append(top, f)
			continue
		}
		// As loader.LoadFiles: provenance files stay with the chart, the
		// rest is grouped by the first element under charts/.
		if filepath.Ext(f.Name) == ".prov" {
			extra = append(extra, &chart.File{Name: f.Name, Data: f.Data})
			continue
		}
		group := strings.SplitN(rest, "/", 2)[0]
		subcharts[group] = append(subcharts[group], &loader.BufferedFile{Name: rest, Data: f.Data})
	}
	c, err := loader.LoadFiles(top)
	if err != nil {
		if prefix == "" {
			return nil, fmt.Errorf("load chart: %w", err)
		}
		return nil, err
	}
	c.Files = append(c.Files, extra...)
	for _, t := range c.Templates {
		origins[t] = templateOrigin{disk: path.Join(prefix, t.Name)}
	}

	groups := make([]string, 0, len(subcharts))
	for g := range subcharts {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		sub := subcharts[g]
		where := path.Join(prefix, "charts", g)
		var sc *chart.Chart
		switch {
		case strings.IndexAny(g, "_.") == 0:
			continue
		case filepath.Ext(g) == ".tgz":
			if sub[0].Name != g {
				return nil, fmt.Errorf("subchart %s in %s: expected a file", where, c.Name())
			}
			sc, err = loader.LoadArchive(bytes.NewReader(sub[0].Data))
			if err == nil {
				markPackaged(sc, where, origins)
			}
		default:
			buff := make([]*loader.BufferedFile, 0, len(sub))
			for _, f := range sub {
				parts := strings.SplitN(f.Name, "/", 2)
				if len(parts) < 2 {
					continue
				}
				buff = append(buff, &loader.BufferedFile{Name: parts[1], Data: f.Data})
			}
			sc, err = loadChartFiles(buff, where, origins)
		}
		if err != nil {
			return nil, fmt.Errorf("load subchart %s of chart %s: %w", where, c.Name(), err)
		}
		c.AddDependency(sc)
	}
	return c, nil
}

// markPackaged records that every template of c and its subcharts comes from
// the archive at where.
func markPackaged(c *chart.Chart, where string, origins map[*chart.File]templateOrigin) {
	for _, t := range c.Templates {
		origins[t] = templateOrigin{disk: where, packaged: true}
	}
	for _, d := range c.Dependencies() {
		markPackaged(d, where, origins)
	}
}

// checkDependencies fails, like Helm's install, when Chart.yaml declares a
// dependency that charts/ does not hold: Bulwark never downloads charts.
func checkDependencies(c *chart.Chart) error {
	if c.Metadata == nil {
		return nil
	}
	var missing []string
	for _, r := range c.Metadata.Dependencies {
		if r == nil {
			continue
		}
		found := false
		for _, d := range c.Dependencies() {
			if d.Name() == r.Name {
				found = true
				break
			}
		}
		if !found {
			where := r.Repository
			if where == "" {
				where = "no repository"
			}
			missing = append(missing, fmt.Sprintf("%s %s (%s)", r.Name, r.Version, where))
		}
	}
	if len(missing) > 0 {
		return errors.New("dependencies declared in Chart.yaml but not vendored in charts/: " +
			strings.Join(missing, ", ") + "; run `helm dependency build` to vendor them (charts are never downloaded)")
	}
	return nil
}
