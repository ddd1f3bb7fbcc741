// Package render turns Helm charts and Kustomize overlays into plain
// Kubernetes YAML, in process and offline, and says where each piece of the
// output came from so that findings can point at the file a person edits.
//
// RenderChart renders a chart folder (one with Chart.yaml) once per values
// set with Helm's own chart loader, values coalescing, dependency processing
// and template engine. It never talks to a cluster: lookup returns an
// empty map, as `helm template` does. A render that runs past
// Limits.Timeout is abandoned with an error, and its output is checked
// against Limits.MaxOutputBytes; Helm's engine offers no way to interrupt a
// template that loops, so such a render goes on in the background until the
// process ends (running renders in a child process with resource limits
// would close this).
//
// BuildKustomization builds a kustomization folder with the kustomize API,
// with load restrictions on, plugins off and no remote bases or files.
//
// Both return []Rendered: YAML plus the file that produced it and, where it
// can be worked out, a map from output lines to that file's lines.
//
// Every render is bounded: a context (and a default timeout), a cap on the
// bytes templates write, on the number of documents, on the files and bytes
// read, and symlinks may not leave the input folder. Failures are errors that
// say why, naming the template and line when Helm does.
package render

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Rendered is one piece of rendered Kubernetes YAML and its origin.
type Rendered struct {
	// Input is the chart or kustomization folder that was rendered,
	// slash-separated and relative to Options.Root ("." for Root itself).
	Input string
	// Template is, for Helm, the template's path inside the chart:
	// "templates/deployment.yaml", or "charts/redis/templates/master.yaml"
	// for a subchart (named as Helm names it, so by alias when aliased).
	// Empty for Kustomize.
	Template string
	// SourcePath is the file on disk that produced Data, slash-separated and
	// relative to Options.Root. For Helm it is the template file, or the
	// .tgz of a packaged subchart the template came from (Packaged is then
	// true). For Kustomize it is the resource file that defined the object,
	// or the kustomization file whose generator made it.
	SourcePath string
	// Packaged is true when SourcePath is a chart archive rather than the
	// template itself; LineMap is then nil.
	Packaged bool
	// Generator is, for Kustomize objects made by a generator
	// (configMapGenerator, secretGenerator, ...), the generator's kind, e.g.
	// "ConfigMapGenerator"; SourcePath is then the kustomization file.
	Generator string
	// Data is the YAML. For Helm it is exactly what the template rendered,
	// possibly several documents, without the "# Source:" comment that helm
	// template adds: line 1 of Data is the template's first output line. For
	// Kustomize it is one object, without kustomize's origin annotation.
	Data []byte
	// ValuesSet names the Helm values set this output was rendered with.
	// Empty for Kustomize.
	ValuesSet string
	// LineMap, when not nil, maps a 1-based line of Data to the 1-based line
	// of SourcePath that produced it, with ok false when that line cannot be
	// determined reliably. Helm lines are matched against the template's
	// static text (linemap.go); Kustomize lines by their YAML path in the
	// source document (yamlmap.go); both files say how, and the limits.
	LineMap func(renderedLine int) (sourceLine int, ok bool)
}

// Limits bound a render. Zero fields take the defaults below.
type Limits struct {
	// Timeout bounds one render (one values set, or one kustomization), on
	// top of any deadline of the context passed in.
	Timeout time.Duration
	// MaxOutputBytes caps what templates write in one render (for Helm this
	// counts the output of nested include and tpl calls too) and the size of
	// kustomize's output.
	MaxOutputBytes int64
	// MaxDocuments caps the YAML documents (objects) one render produces.
	MaxDocuments int
	// MaxFiles caps the files read from a chart folder.
	MaxFiles int
	// MaxInputBytes caps the bytes read from a chart folder, and from each
	// values file.
	MaxInputBytes int64
}

// Default limits.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxOutputBytes = 64 << 20
	DefaultMaxDocuments   = 10000
	DefaultMaxFiles       = 10000
	DefaultMaxInputBytes  = 100 << 20
	// maxFileBytes is Helm's own limit on one file of a chart archive,
	// applied to chart folders too.
	maxFileBytes = 5 << 20
)

func (l Limits) withDefaults() Limits {
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if l.MaxDocuments <= 0 {
		l.MaxDocuments = DefaultMaxDocuments
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxInputBytes <= 0 {
		l.MaxInputBytes = DefaultMaxInputBytes
	}
	return l
}

// docSeparator is Helm's own splitter of a rendered template into documents
// (releaseutil.SplitManifests).
var docSeparator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

// countDocuments counts the non-empty YAML documents of a rendered text.
func countDocuments(s string) int {
	n := 0
	for _, d := range docSeparator.Split(strings.TrimSpace(s), -1) {
		if strings.TrimSpace(d) != "" {
			n++
		}
	}
	return n
}

// rootedPaths resolves an input folder and the scan root to absolute paths
// and returns the folder relative to the root. An empty root is the folder.
func rootedPaths(root, dir string) (absRoot, absDir, rel string, err error) {
	absDir, err = filepath.Abs(dir)
	if err != nil {
		return "", "", "", fmt.Errorf("resolve %s: %w", dir, err)
	}
	if root == "" {
		absRoot = absDir
	} else if absRoot, err = filepath.Abs(root); err != nil {
		return "", "", "", fmt.Errorf("resolve %s: %w", root, err)
	}
	fi, err := os.Stat(absDir)
	if err != nil {
		return "", "", "", err
	}
	if !fi.IsDir() {
		return "", "", "", fmt.Errorf("%s is not a folder", dir)
	}
	rel, err = filepath.Rel(absRoot, absDir)
	if err != nil {
		return "", "", "", fmt.Errorf("%s is not under %s: %w", dir, root, err)
	}
	return absRoot, absDir, filepath.ToSlash(rel), nil
}

// joinRel joins slash-separated path parts, dropping a leading ".".
func joinRel(parts ...string) string {
	return filepath.ToSlash(filepath.Clean(filepath.Join(parts...)))
}
