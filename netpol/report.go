package netpol

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// SchemaVersion is the version of the JSON reachability report
// (docs/netpol-report.md). It changes only when a field is removed or
// changes meaning; added fields keep it.
const SchemaVersion = "1"

// Report is what `bulwark netpol` writes: who can reach whom. Its JSON
// form is a stable interface (docs/netpol-report.md).
type Report struct {
	SchemaVersion string       `json:"schema_version"`
	Tool          ReportTool   `json:"tool"`
	Summary       Summary      `json:"summary"`
	Namespaces    []NSReport   `json:"namespaces"`
	Policies      []PolReport  `json:"policies"`
	Workloads     []WReport    `json:"workloads"`
	Flows         []FlowReport `json:"flows"`
	Problems      []ProbReport `json:"problems"`
	// Errors are inputs that could not be read, parsed or rendered.
	Errors []finding.FileError `json:"errors"`
}

// ReportTool names the program.
type ReportTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Summary counts what the report holds.
type Summary struct {
	Files      int `json:"files"`
	Namespaces int `json:"namespaces"`
	Workloads  int `json:"workloads"`
	Policies   int `json:"policies"`
	Flows      int `json:"flows"`
	// IngressIsolated and EgressIsolated count the workloads a policy
	// isolates in each direction.
	IngressIsolated int `json:"ingress_isolated"`
	EgressIsolated  int `json:"egress_isolated"`
	Errors          int `json:"errors"`
	// DefaultNamespace is the namespace given to objects that set none
	// ("" for the shared unnamed namespace).
	DefaultNamespace string `json:"default_namespace"`
}

// Where is a place in the scanned files.
type Where struct {
	Path string `json:"path"`
	// Line is 0 for objects of rendered charts and kustomizations, whose
	// lines are those of the rendered text.
	Line int `json:"line"`
}

// NSReport is a namespace.
type NSReport struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
	// Declared is true when a Namespace object of the scan declares it.
	Declared  bool   `json:"declared"`
	Location  *Where `json:"location,omitempty"`
	Workloads int    `json:"workloads"`
	Policies  int    `json:"policies"`
}

// PolReport is a NetworkPolicy.
type PolReport struct {
	Ref         string   `json:"ref"`
	Namespace   string   `json:"namespace"`
	Name        string   `json:"name"`
	Location    *Where   `json:"location,omitempty"`
	PolicyTypes []string `json:"policy_types"`
	Selects     []string `json:"selects"`
}

// WReport is a workload and what its policies let in and out.
type WReport struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Namespace   string            `json:"namespace"`
	Name        string            `json:"name"`
	Location    *Where            `json:"location,omitempty"`
	Labels      map[string]string `json:"labels"`
	Ports       []PortReport      `json:"ports"`
	HostNetwork bool              `json:"host_network"`
	Ingress     AccessReport      `json:"ingress"`
	Egress      AccessReport      `json:"egress"`
}

// PortReport is a containerPort.
type PortReport struct {
	Name     string `json:"name"`
	Port     int32  `json:"port"`
	Protocol string `json:"protocol"`
}

// AccessReport is what a workload's policies allow in one direction.
type AccessReport struct {
	// Isolated is false when no policy isolates the workload in this
	// direction: everything is allowed, and Allow is empty.
	Isolated bool          `json:"isolated"`
	Policies []string      `json:"policies"`
	Allow    []GrantReport `json:"allow"`
}

// GrantReport is one from (to) entry of a rule, or a rule without one.
type GrantReport struct {
	Policy      string     `json:"policy"`
	Rule        int        `json:"rule"`
	Peer        PeerReport `json:"peer"`
	Description string     `json:"description"`
	// Ports are "any" or entries such as "TCP 8080", "TCP 8000-8100",
	// "UDP any", "TCP http" (a named port; for ingress followed by the
	// numbers it resolves to on this workload: "TCP http (8080)").
	Ports []string `json:"ports"`
	// Workloads are the scanned workloads the peer admits ([] for an
	// "any" peer, which admits every workload and every address).
	Workloads []string `json:"workloads"`
}

// PeerReport is a peer as written.
type PeerReport struct {
	// Type is "any" (a rule without from/to), "pods" or "ip_block", or
	// "invalid" for a peer the API server would refuse.
	Type string `json:"type"`
	// PodSelector and NamespaceSelector are selectors in kubectl's
	// syntax, "" for {} (everything); absent when not written.
	PodSelector       *string `json:"pod_selector,omitempty"`
	NamespaceSelector *string `json:"namespace_selector,omitempty"`
	// Namespace is the policy's namespace, which a pod selector without a
	// namespace selector is limited to.
	Namespace *string  `json:"namespace,omitempty"`
	CIDR      string   `json:"cidr,omitempty"`
	Except    []string `json:"except,omitempty"`
}

// FlowReport is traffic the policies allow between two workloads.
type FlowReport struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Ports []string `json:"ports"`
}

// ProbReport is a part of a policy the API server would refuse.
type ProbReport struct {
	Policy   string `json:"policy"`
	Location *Where `json:"location,omitempty"`
	Field    string `json:"field"`
	Message  string `json:"message"`
}

var renderedSuffix = regexp.MustCompile(` \[rendered #\d+\]$`)

// where locates an object; objects of rendered pieces point at the
// template or resource file, without a line.
func where(o *kube.Object) *Where {
	if o == nil {
		return nil
	}
	if p := renderedSuffix.ReplaceAllString(o.Loc.Path, ""); p != o.Loc.Path {
		return &Where{Path: p}
	}
	return &Where{Path: o.Loc.Path, Line: o.Loc.Start.Line}
}

func whereField(o *kube.Object, field []string) *Where {
	w := where(o)
	if w != nil && w.Line > 0 {
		w.Line = o.At(field...).Start.Line
	}
	return w
}

// NewReport describes the model. files counts the files read; errs are
// the inputs that could not be read, parsed or rendered.
func NewReport(m *Model, opts Options, tool, version string, files int, errs []finding.FileError) *Report {
	r := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          ReportTool{Name: tool, Version: version},
		Namespaces:    []NSReport{}, Policies: []PolReport{}, Workloads: []WReport{},
		Flows: []FlowReport{}, Problems: []ProbReport{}, Errors: []finding.FileError{},
	}
	r.Errors = append(r.Errors, errs...)
	perNS := map[string]int{}
	for _, p := range m.Policies {
		perNS[p.Namespace]++
	}
	for _, n := range m.Namespaces {
		r.Namespaces = append(r.Namespaces, NSReport{
			Name: n.Name, Labels: nonNil(n.Labels), Declared: n.Object != nil, Location: where(n.Object),
			Workloads: len(m.WorkloadsIn(n.Name)), Policies: perNS[n.Name],
		})
	}
	for _, p := range m.Policies {
		pr := PolReport{Ref: p.Ref(), Namespace: p.Namespace, Name: p.Name, Location: where(p.Object), PolicyTypes: []string{}, Selects: []string{}}
		if p.IngressType {
			pr.PolicyTypes = append(pr.PolicyTypes, "Ingress")
		}
		if p.EgressType {
			pr.PolicyTypes = append(pr.PolicyTypes, "Egress")
		}
		for _, w := range p.Selected {
			pr.Selects = append(pr.Selects, w.ID())
		}
		r.Policies = append(r.Policies, pr)
	}
	for _, w := range m.Workloads {
		wr := WReport{
			ID: w.ID(), Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Location: where(w.Object),
			Labels: nonNil(w.Labels), Ports: []PortReport{}, HostNetwork: w.HostNetwork,
			Ingress: accessReport(m, w, Ingress), Egress: accessReport(m, w, Egress),
		}
		for _, p := range w.Ports {
			wr.Ports = append(wr.Ports, PortReport{Name: p.Name, Port: p.Port, Protocol: string(p.Protocol)})
		}
		if wr.Ingress.Isolated {
			r.Summary.IngressIsolated++
		}
		if wr.Egress.Isolated {
			r.Summary.EgressIsolated++
		}
		r.Workloads = append(r.Workloads, wr)
	}
	for _, f := range m.Flows() {
		r.Flows = append(r.Flows, FlowReport{From: f.From.ID(), To: f.To.ID(), Ports: f.Ports.Strings()})
	}
	for _, pb := range m.Problems {
		r.Problems = append(r.Problems, ProbReport{
			Policy: pb.Policy.Ref(), Location: whereField(pb.Policy.Object, pb.Field),
			Field: strings.Join(pb.Field, "."), Message: pb.Message,
		})
	}
	r.Summary.Files = files
	r.Summary.Namespaces = len(r.Namespaces)
	r.Summary.Workloads = len(r.Workloads)
	r.Summary.Policies = len(r.Policies)
	r.Summary.Flows = len(r.Flows)
	r.Summary.Errors = len(r.Errors)
	r.Summary.DefaultNamespace = opts.DefaultNamespace
	return r
}

func nonNil(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func accessReport(m *Model, w *Workload, d Direction) AccessReport {
	a := m.Access(w, d)
	ar := AccessReport{Isolated: a.Isolated, Policies: []string{}, Allow: []GrantReport{}}
	for _, p := range a.Policies {
		ar.Policies = append(ar.Policies, p.Ref())
	}
	for _, g := range a.Grants {
		gr := GrantReport{Policy: g.Rule.Policy.Ref(), Rule: g.Rule.Index, Peer: peerReport(g), Description: g.Describe(), Workloads: []string{}}
		for _, v := range g.Workloads {
			gr.Workloads = append(gr.Workloads, v.ID())
		}
		gr.Ports = grantPorts(g, w, d)
		ar.Allow = append(ar.Allow, gr)
	}
	return ar
}

// grantPorts writes a grant's ports; for ingress, named ports with the
// numbers they resolve to on the workload.
func grantPorts(g Grant, w *Workload, d Direction) []string {
	if len(g.Ports) == 0 {
		return []string{"any"}
	}
	var out []string
	for _, pr := range g.Ports {
		s := pr.String()
		if pr.Name != "" && d == Ingress {
			var nums []string
			for _, sp := range pr.Resolve(w).Spans(pr.Protocol) {
				nums = append(nums, fmt.Sprint(sp.From))
			}
			if len(nums) == 0 {
				s += " (not defined by this workload)"
			} else {
				s += " (" + strings.Join(nums, ", ") + ")"
			}
		}
		out = append(out, s)
	}
	return out
}

func peerReport(g Grant) PeerReport {
	pe := g.Peer
	switch {
	case pe == nil:
		return PeerReport{Type: "any"}
	case pe.Err != nil:
		return PeerReport{Type: "invalid"}
	case pe.Block != nil:
		pr := PeerReport{Type: "ip_block", CIDR: pe.Block.CIDR.String()}
		for _, e := range pe.Block.Except {
			pr.Except = append(pr.Except, e.String())
		}
		return pr
	}
	pr := PeerReport{Type: "pods"}
	if pe.Pods != nil {
		s := pe.Pods.String()
		pr.PodSelector = &s
	}
	if pe.Namespaces != nil {
		s := pe.Namespaces.String()
		pr.NamespaceSelector = &s
	} else {
		ns := g.Rule.Policy.Namespace
		pr.Namespace = &ns
	}
	return pr
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// nsTitle names a namespace for people.
func nsTitle(name string) string {
	if name == "" {
		return "(unset: objects without a namespace)"
	}
	return name
}

func (wh *Where) String() string {
	if wh == nil {
		return ""
	}
	if wh.Line == 0 {
		return wh.Path
	}
	return fmt.Sprintf("%s:%d", wh.Path, wh.Line)
}

// WriteTable writes the report for people: per namespace, each workload
// with what may come in and go out, then the flows between workloads.
func (r *Report) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	s := r.Summary
	ew.printf("%d %s, %d %s in %d %s; %d ingress-isolated, %d egress-isolated\n",
		s.Workloads, plural(s.Workloads, "workload"), s.Policies, plural(s.Policies, "NetworkPolicy"),
		s.Namespaces, plural(s.Namespaces, "namespace"), s.IngressIsolated, s.EgressIsolated)
	byNS := map[string][]WReport{}
	for _, wr := range r.Workloads {
		byNS[wr.Namespace] = append(byNS[wr.Namespace], wr)
	}
	for _, n := range r.Namespaces {
		ws := byNS[n.Name]
		if len(ws) == 0 && n.Policies == 0 {
			continue
		}
		ew.printf("\nnamespace %s: %d %s, %d %s\n", nsTitle(n.Name), len(ws), plural(len(ws), "workload"), n.Policies, plural(n.Policies, "policy"))
		for _, wr := range ws {
			ew.printf("  %s  %s\n", wr.ID, wr.Location)
			if wr.HostNetwork {
				ew.printf("    host network: not subject to NetworkPolicy\n")
				continue
			}
			writeAccess(ew, "in ", "from", wr.Ingress)
			writeAccess(ew, "out", "to", wr.Egress)
		}
	}
	if len(r.Flows) > 0 {
		ew.printf("\nflows between workloads that a policy restricts:\n")
		for _, f := range r.Flows {
			ew.printf("  %s -> %s  %s\n", f.From, f.To, strings.Join(f.Ports, ", "))
		}
	}
	if len(r.Problems) > 0 {
		ew.printf("\npolicy parts the API server would refuse (they allow nothing):\n")
		for _, p := range r.Problems {
			ew.printf("  %s  %s: %s: %s\n", p.Location, p.Policy, p.Field, p.Message)
		}
	}
	if len(r.Errors) > 0 {
		ew.printf("\nerrors (the picture is incomplete):\n")
		for _, e := range r.Errors {
			ew.printf("  %s\n", e.Error())
		}
	}
	return ew.err
}

func writeAccess(ew *errWriter, label, prep string, a AccessReport) {
	if !a.Isolated {
		ew.printf("    %s  not isolated: %s anywhere, any port\n", label, prep)
		return
	}
	ew.printf("    %s  isolated by %s\n", label, strings.Join(a.Policies, ", "))
	if len(a.Allow) == 0 {
		ew.printf("         nothing allowed\n")
	}
	for _, g := range a.Allow {
		ew.printf("         %s %s  %s  (%s)\n", prep, g.Description, strings.Join(g.Ports, ", "), g.Policy)
		if g.Peer.Type == "pods" || len(g.Workloads) > 0 {
			if len(g.Workloads) == 0 {
				ew.printf("           = no scanned workload\n")
			} else {
				ew.printf("           = %s\n", strings.Join(g.Workloads, ", "))
			}
		}
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	switch {
	case strings.HasSuffix(word, "y"):
		return strings.TrimSuffix(word, "y") + "ies"
	}
	return word + "s"
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// WriteDOT writes the report as a Graphviz graph: a box per workload,
// grouped by namespace; an edge per flow, labelled with its ports; edges
// from "any source" to workloads whose ingress is not isolated or that a
// rule opens to every source, and likewise to "any destination"; and
// address blocks as ellipses.
func (r *Report) WriteDOT(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("digraph netpol {\n  graph [rankdir=LR, fontname=\"Helvetica\"];\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	byNS := map[string][]WReport{}
	for _, wr := range r.Workloads {
		byNS[wr.Namespace] = append(byNS[wr.Namespace], wr)
	}
	i := 0
	for _, n := range r.Namespaces {
		ws := byNS[n.Name]
		if len(ws) == 0 {
			continue
		}
		ew.printf("  subgraph %s {\n    label=%s;\n", dotQuote(fmt.Sprintf("cluster_%d", i)), dotQuote("namespace "+nsTitle(n.Name)))
		i++
		for _, wr := range ws {
			style := ""
			if wr.HostNetwork {
				style = ", style=dashed"
			}
			ew.printf("    %s [label=%s%s];\n", dotQuote(wr.ID), dotQuote(wr.Kind+" "+wr.Name), style)
		}
		ew.printf("  }\n")
	}
	type edge struct{ from, to, label, style string }
	var edges []edge
	ext := map[string]string{} // node id -> label
	anySrc, anyDst := "any source", "any destination"
	for _, wr := range r.Workloads {
		if wr.HostNetwork {
			continue
		}
		if !wr.Ingress.Isolated {
			ext[anySrc] = anySrc
			edges = append(edges, edge{anySrc, wr.ID, "any (not isolated)", "dashed"})
		}
		if !wr.Egress.Isolated {
			ext[anyDst] = anyDst
			edges = append(edges, edge{wr.ID, anyDst, "any (not isolated)", "dashed"})
		}
		for _, g := range wr.Ingress.Allow {
			switch g.Peer.Type {
			case "any":
				ext[anySrc] = anySrc
				edges = append(edges, edge{anySrc, wr.ID, strings.Join(g.Ports, ", "), ""})
			case "ip_block":
				id := "addresses " + blockLabel(g.Peer)
				ext[id] = id
				edges = append(edges, edge{id, wr.ID, strings.Join(g.Ports, ", "), ""})
			}
		}
		for _, g := range wr.Egress.Allow {
			switch g.Peer.Type {
			case "any":
				ext[anyDst] = anyDst
				edges = append(edges, edge{wr.ID, anyDst, strings.Join(g.Ports, ", "), ""})
			case "ip_block":
				id := "addresses " + blockLabel(g.Peer)
				ext[id] = id
				edges = append(edges, edge{wr.ID, id, strings.Join(g.Ports, ", "), ""})
			}
		}
	}
	var ids []string
	for id := range ext {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ew.printf("  %s [shape=ellipse, label=%s];\n", dotQuote(id), dotQuote(ext[id]))
	}
	for _, f := range r.Flows {
		edges = append(edges, edge{f.From, f.To, strings.Join(f.Ports, ", "), ""})
	}
	slices.SortStableFunc(edges, func(a, b edge) int { return cmp.Compare(a.style, b.style) })
	for _, e := range edges {
		attrs := "label=" + dotQuote(e.label)
		if e.style != "" {
			attrs += ", style=" + e.style + ", color=gray50, fontcolor=gray50"
		}
		ew.printf("  %s -> %s [%s];\n", dotQuote(e.from), dotQuote(e.to), attrs)
	}
	ew.printf("}\n")
	return ew.err
}

func blockLabel(p PeerReport) string {
	s := p.CIDR
	if len(p.Except) > 0 {
		s += " except " + strings.Join(p.Except, ", ")
	}
	return s
}

// dotQuote writes a DOT string.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
