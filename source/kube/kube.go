// Package kube reads Kubernetes manifests: YAML or JSON files, single
// objects or multi-document streams, `kind: List` and the typed *List
// kinds. Every object of a kind Bulwark knows is decoded into Kubernetes'
// own types (k8s.io/api) the way kubectl decodes it, while its YAML nodes
// are kept so that any field's line and column can be found (Object.At).
//
// Workloads (Pod, PodTemplate, Deployment, StatefulSet, DaemonSet,
// ReplicaSet, ReplicationController, Job, CronJob) expose their pod spec
// and containers (PodSpecOf, Containers); their containers also become
// runtime-neutral container specs (Specs, File.ContainerFile), so the
// runtime rules written for Docker and Compose run on them too.
//
// Inline suppressions come from `# bulwark:ignore` comments and from
// annotations: `bulwark.io/ignore` on an object or its pod template, and
// the exemption annotations of kube-linter, Polaris and kube-score.
//
// A document that claims a known kind but does not decode is an error
// naming the field and its line (File.Errors); fields Kubernetes does not
// know are dropped, as the API server drops them, and noted (File.Notes).
//
// Hostile input is bounded: document count, YAML node count, nesting
// depth and alias expansion all have limits (see the Max constants), and
// a document over a limit is an error, never a crash. At MaxNodes a file
// costs some 160 MB while it is read.
package kube

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/container"
	"github.com/bulwark-sec/bulwark/source/yamlpos"
	"github.com/bulwark-sec/bulwark/suppress"
)

// Source is the value of container.Spec.Source for containers read from
// Kubernetes manifests.
const Source = container.SourceKube

// Limits on what one input may make the reader do.
const (
	// MaxDocuments is the most documents read from one stream, empty
	// documents not counted; the rest of a longer stream is not read and
	// an error says so.
	MaxDocuments = 10000
	// MaxNodes is the most YAML nodes (scalars, mappings, sequences) one
	// file may hold, counted before aliases are expanded. Parsing stops
	// with an error at the document that passes it.
	MaxNodes = 500_000
	// MaxDepth is the deepest nesting of mappings and sequences a document
	// may have.
	MaxDepth = 512
	// MaxExpansion is the most nodes the objects of one file may expand
	// to, together, when they are converted for decoding with their
	// aliases followed: four times MaxNodes, as locating a field that
	// does not decode converts parts again. A "billion laughs" YAML bomb
	// is far beyond.
	MaxExpansion = 4 * MaxNodes
)

// File is one manifest file.
type File struct {
	// Path is the file as shown in findings.
	Path string
	// Objects are the Kubernetes objects of the file in order; the items
	// of a List come in place of the List. Objects of kinds Bulwark does
	// not know (CRDs, ...) are kept without Typed, as are objects that do
	// not decode (see Errors).
	Objects []*Object
	// Errors are documents that claim a kind Bulwark knows but do not
	// decode as that kind (`replicas: "three"`), and documents over a
	// limit. The other documents are still read.
	Errors []*Error
	// Directives are the inline suppressions: comments and annotations.
	Directives []suppress.Directive
	// Notes are remarks that are not weaknesses: fields of known kinds
	// that Kubernetes does not know (and drops), such as a misspelt
	// securityContext or a field of another API version.
	Notes []Note

	src    *source
	budget int // of MaxExpansion, left for decoding
}

// Object is one Kubernetes object of a file.
type Object struct {
	APIVersion string
	Kind       string
	// Name is metadata.name (metadata.generateName when there is no name).
	Name      string
	Namespace string
	// Index is the document the object is in, counted from 0.
	Index int
	// Typed is a pointer to the object decoded into its k8s.io/api type
	// (for example *appsv1.Deployment), nil for kinds Bulwark does not
	// know and for objects that do not decode. Older API versions decode
	// into the current shape where it is compatible: extensions/v1beta1,
	// apps/v1beta1 and apps/v1beta2 workloads into apps/v1, batch/v1beta1
	// CronJob into batch/v1, policy/v1beta1 PodDisruptionBudget into
	// policy/v1, rbac v1beta1 and v1alpha1 into rbac/v1, autoscaling
	// v2beta1 and v2beta2 into autoscaling/v2, extensions/v1beta1
	// NetworkPolicy into networking/v1; Ingress of extensions/v1beta1 and
	// networking.k8s.io/v1beta1 into networking/v1beta1. APIVersion keeps
	// the version the file writes.
	Typed any
	// Node is the object's mapping in the YAML tree.
	Node *yaml.Node
	// Loc is where the object starts; Loc.Object names it as
	// "Kind/namespace/name" ("Kind/name" without a namespace).
	Loc finding.Location

	src *source
	// doc is the YAML document the object is in (for a List's item, the
	// List's document).
	doc *yaml.Node
}

// Note is an informational remark about a manifest.
type Note struct {
	Message string
	Loc     finding.Location
}

// Error is a problem with a file or one of its documents, with the line
// when known.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Parse reads a manifest file. It returns the objects it could read; when
// the stream cannot be read to its end (a YAML syntax error, a limit) it
// also returns an *Error saying where, and the file then holds the
// documents before it. Documents that are read but do not decode are
// reported in File.Errors and do not stop the others. YAML that is not a
// Kubernetes object (no apiVersion and kind) is skipped without a word.
func Parse(path string, data []byte) (f *File, err error) {
	f = &File{Path: path, src: newSource(path, data), budget: MaxExpansion}
	defer func() {
		if p := recover(); p != nil {
			// yaml.v3 or a decoder panicked on hostile input: the file is
			// reported, the scan goes on.
			err = &Error{Path: path, Msg: fmt.Sprintf("internal error reading the manifest (please report it): %v", p)}
		}
	}()
	if n := estimateNodes(data); n > MaxNodes {
		return f, &Error{Path: path, Msg: fmt.Sprintf("the file holds some %d YAML nodes, more than the %d this reader accepts", n, MaxNodes)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	nodes, read := 0, 0
	for index := 0; ; index++ {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			err = f.syntaxError(err)
			f.finish()
			return f, err
		}
		if empty(&doc) {
			continue // "---" with nothing after it: costs nothing, counts for nothing
		}
		if read++; read > MaxDocuments {
			f.finish()
			return f, &Error{Path: path, Line: doc.Content[0].Line, Msg: fmt.Sprintf("more than %d documents: the rest of the stream is not read", MaxDocuments)}
		}
		n, depth := count(&doc)
		nodes += n
		if nodes > MaxNodes {
			f.finish()
			return f, &Error{Path: path, Line: doc.Content[0].Line, Msg: fmt.Sprintf("more than %d YAML nodes: the rest of the stream is not read", MaxNodes)}
		}
		if depth > MaxDepth {
			f.Errors = append(f.Errors, &Error{Path: path, Line: doc.Content[0].Line, Msg: fmt.Sprintf("document %d is nested more than %d levels deep; it is not read", index+1, MaxDepth)})
			continue
		}
		f.src.docs = append(f.src.docs, &doc)
		first := len(f.Objects)
		f.addObject(index, doc.Content[0], 0)
		for _, o := range f.Objects[first:] {
			o.doc = &doc
		}
	}
	f.finish()
	return f, nil
}

// empty reports whether a document holds nothing (or only null).
func empty(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	n := doc.Content[0]
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == ""
}

// finish gathers what needs every document: the suppressions.
func (f *File) finish() {
	f.Directives = append(f.commentDirectives(), f.annotationDirectives()...)
}

// maxListDepth bounds Lists nested in Lists.
const maxListDepth = 4

// addObject records n when it is a Kubernetes object, or the items of a
// List.
func (f *File) addObject(index int, n *yaml.Node, listDepth int) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	apiVersion, kind := scalarAt(n, "apiVersion"), scalarAt(n, "kind")
	if apiVersion == "" || kind == "" {
		return
	}
	if _, items := mapGet(n, "items"); strings.HasSuffix(kind, "List") && items != nil && items.Kind == yaml.SequenceNode && listDepth < maxListDepth {
		for _, it := range items.Content {
			f.addObject(index, it, listDepth+1)
		}
		return
	}
	_, meta := mapGet(n, "metadata")
	o := &Object{
		APIVersion: apiVersion, Kind: kind, Index: index, Node: n, src: f.src,
		Name: scalarAt(meta, "name"), Namespace: scalarAt(meta, "namespace"),
	}
	if o.Name == "" {
		o.Name = scalarAt(meta, "generateName")
	}
	o.Loc = finding.Location{Path: f.Path, Start: f.src.pos(n), End: f.src.end(firstLine(n)), Object: o.id()}
	if newTyped := typeOf(apiVersion, kind); newTyped != nil {
		typed := newTyped()
		unknown, err := decode(n, typed, &f.budget)
		if err != nil {
			f.Errors = append(f.Errors, o.decodeError(err))
		} else {
			o.Typed = typed
		}
		for _, u := range unknown {
			if strings.HasPrefix(u, "$") || strings.Contains(u, ".$") {
				continue // a strategic-merge-patch directive ($patch): the file is a patch
			}
			f.Notes = append(f.Notes, Note{
				Message: fmt.Sprintf("%s %s: unknown field %s: Kubernetes drops it (misspelt, or from another API version?)", o.Kind, o.displayName(), u),
				Loc:     o.At(fieldPath(u)...),
			})
		}
	}
	f.Objects = append(f.Objects, o)
}

// id names the object for locations.
func (o *Object) id() string {
	switch {
	case o.Name == "":
		return fmt.Sprintf("%s (document %d)", o.Kind, o.Index+1)
	case o.Namespace == "":
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// firstLine is the node that ends the object's first line: the value of
// its first key when that is a scalar, else the key.
func firstLine(n *yaml.Node) *yaml.Node {
	if len(n.Content) < 2 {
		return n
	}
	if v := n.Content[1]; v.Kind == yaml.ScalarNode && v.Line == n.Content[0].Line {
		return v
	}
	return n.Content[0]
}

// syntaxError turns yaml.v3's error into an *Error with the line.
func (f *File) syntaxError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		fmt.Sscanf(m[1], "%d", &line)
		msg = m[2]
	}
	return &Error{Path: f.Path, Line: line, Msg: "invalid YAML: " + msg}
}

// At returns the location of a field of the object: segments are mapping
// keys and decimal list indexes, such as At("spec", "template", "spec",
// "containers", "0", "securityContext", "privileged"). A location spans the
// key and its value (a list entry, the entry). When the field is absent,
// At returns the location of its nearest ancestor that is written, so
// that a finding about a missing field points at the closest parent.
func (o *Object) At(path ...string) finding.Location {
	loc, _ := o.Lookup(path...)
	return loc
}

// Lookup is At that also reports whether the whole path is written.
func (o *Object) Lookup(path ...string) (finding.Location, bool) {
	loc := o.Loc
	cur := o.Node
	for _, seg := range path {
		start, val := child(cur, seg)
		if start == nil {
			return loc, false
		}
		loc = finding.Location{Path: o.Loc.Path, Start: o.src.pos(start), End: o.src.end(val), Object: o.Loc.Object}
		cur = resolve(val)
	}
	return loc, true
}

// Has reports whether the field at path is written in the object.
func (o *Object) Has(path ...string) bool {
	_, ok := o.Lookup(path...)
	return ok
}

// LineAt returns the location of the text on one line of the object, from
// its first non-blank character to its end: for findings inside a literal
// block scalar, whose lines are the file's lines. ok is false for a blank
// line or one outside the object.
func (o *Object) LineAt(line int) (loc finding.Location, ok bool) {
	if line < o.Loc.Start.Line || line > o.LastLine() {
		return o.Loc, false
	}
	text := strings.TrimRight(o.src.line(line), " \t")
	body := strings.TrimLeft(text, " \t")
	if body == "" {
		return o.Loc, false
	}
	start := utf8.RuneCountInString(text[:len(text)-len(body)]) + 1
	end := utf8.RuneCountInString(text) + 1
	return finding.Location{Path: o.Loc.Path, Start: o.src.at(line, start), End: o.src.at(line, end), Object: o.Loc.Object}, true
}

// LastLine returns the last line of the object's text.
func (o *Object) LastLine() int { return max(o.Loc.Start.Line, yamlpos.LastLine(o.Node)) }
