// Package netpol evaluates Kubernetes NetworkPolicy semantics over the
// manifests of a scan: which workloads a policy selects, which directions
// it isolates, and what traffic the policies of a namespace, added up,
// let in and out of each workload.
//
// The semantics are Kubernetes' own (the networking.k8s.io/v1 API
// reference and its defaulting):
//
//   - A pod is isolated for ingress when a policy of its namespace selects
//     it and has Ingress among its policy types; likewise for egress. A pod
//     no policy isolates in a direction allows everything in that direction.
//   - policyTypes defaults to Ingress, plus Egress when the policy has egress
//     rules.
//   - Policies add up: traffic to (from) an isolated pod is allowed when any
//     rule of any policy that isolates it allows it. A connection needs the
//     source's egress and the destination's ingress to allow it.
//   - A rule with no from (to) admits every peer; with no ports, every port
//     of every protocol. A peer's podSelector alone means pods of the
//     policy's namespace; namespaceSelector alone, every pod of the matching
//     namespaces; both, the matching pods of the matching namespaces; {}
//     selects everything. ipBlock admits the addresses of its CIDR outside
//     its excepts.
//   - A port's protocol defaults to TCP; a port given by name is looked up
//     among the containerPorts of the destination pod (the selected pod for
//     ingress, the peer for egress), with the same protocol; endPort makes a
//     numeric port a range.
//
// Namespaces carry the labels of their Namespace object, and always the
// kubernetes.io/metadata.name label the API server sets; a namespace that
// objects name but that no Namespace object of the scan declares has only
// that label. Selectors with matchExpressions are evaluated by
// k8s.io/apimachinery (metav1.LabelSelectorAsSelector).
//
// What the scan cannot tell is decided as follows, and the choices are
// documented in the README:
//
//   - Objects without metadata.namespace all share one namespace: the one
//     Options.DefaultNamespace names, else an unnamed namespace ("") with no
//     labels. kubectl apply -n, a Helm release and a kustomization all put
//     the objects of one application, written without a namespace, in one
//     namespace; which one is only known when applied, so the unnamed
//     namespace is matched by namespaceSelector {} and by selectors that
//     require the absence of a label, never by one that requires a label.
//   - Pods on the host network are not subject to NetworkPolicy (the API
//     leaves it undefined; the common plugins exempt them): no policy
//     selects them and no pod or namespace selector admits them.
//   - ipBlock admits a workload only when its address is known (a Pod's
//     status.podIPs); policy summaries list ipBlocks as they are written.
//   - A peer that sets nothing, or sets ipBlock together with a selector,
//     and selectors or CIDRs that do not parse, are refused by the API
//     server: they admit nothing here, and Model.Problems lists them.
package netpol

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulwark-sec/bulwark/source/kube"
)

// NameLabel is the label the API server puts on every namespace: its name.
const NameLabel = corev1.LabelMetadataName

// Options say how a model is built.
type Options struct {
	// DefaultNamespace is the namespace of objects that set none. Empty
	// keeps them in one shared unnamed namespace ("").
	DefaultNamespace string
}

// Model is the network-policy view of a set of manifests.
type Model struct {
	// Namespaces are sorted by name.
	Namespaces []*Namespace
	// Workloads are the objects that run pods, in the order of the set.
	Workloads []*Workload
	// Policies are the NetworkPolicies, in the order of the set.
	Policies []*Policy
	// Problems are parts of policies the API server would refuse; they
	// admit nothing.
	Problems []Problem

	byName map[string]*Namespace
	// inNamespace holds the workloads of each namespace, in order.
	inNamespace map[string][]*Workload
}

// Namespace is a namespace the set declares or names.
type Namespace struct {
	Name   string
	Labels labels.Set
	// Object is the Namespace object, nil when the set only names it.
	Object *kube.Object
}

// Port is a port a workload's containers declare.
type Port struct {
	Name     string
	Port     int32
	Protocol corev1.Protocol
}

// Workload is an object that runs pods: a Pod, or a controller's pod
// template.
type Workload struct {
	// Object is the manifest object; nil for a workload made by a caller.
	Object    *kube.Object
	Kind      string
	Name      string
	Namespace string
	// Labels are the pods' labels.
	Labels labels.Set
	// Ports are the containerPorts of its containers (and sidecars).
	Ports []Port
	// IPs are the pods' addresses when the manifest records them.
	IPs []netip.Addr
	// HostNetwork pods are not subject to NetworkPolicy.
	HostNetwork bool
	// Ingress and Egress are the policies that isolate the workload in
	// each direction, in the order of the set.
	Ingress, Egress []*Policy

	pos int // index in Model.Workloads
}

// ID names the workload: "Kind/namespace/name", or "Kind/name" in the
// unnamed namespace.
func (w *Workload) ID() string {
	if w.Namespace == "" {
		return w.Kind + "/" + w.Name
	}
	return w.Kind + "/" + w.Namespace + "/" + w.Name
}

// Direction is ingress or egress.
type Direction int

// Directions.
const (
	Ingress Direction = iota
	Egress
)

func (d Direction) String() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// Policy is a NetworkPolicy.
type Policy struct {
	Object    *kube.Object
	Name      string
	Namespace string
	Spec      *networkingv1.NetworkPolicySpec
	// IngressType and EgressType are the effective policy types, after
	// defaulting.
	IngressType, EgressType bool
	// Selected are the workloads of its namespace the pod selector
	// matches (host-network pods excepted).
	Selected []*Workload
	// Ingress and Egress are its rules.
	Ingress, Egress []*Rule
	// Err is set when the pod selector is invalid: the policy then
	// selects nothing.
	Err error

	selector labels.Selector
}

// Ref names the policy as "namespace/name" ("name" in the unnamed
// namespace).
func (p *Policy) Ref() string {
	if p.Namespace == "" {
		return p.Name
	}
	return p.Namespace + "/" + p.Name
}

// Isolates reports whether the policy isolates the pods it selects in
// direction d.
func (p *Policy) Isolates(d Direction) bool {
	if d == Egress {
		return p.EgressType
	}
	return p.IngressType
}

// Rules returns the policy's rules of direction d.
func (p *Policy) Rules(d Direction) []*Rule {
	if d == Egress {
		return p.Egress
	}
	return p.Ingress
}

// Rule is one ingress or egress rule of a policy.
type Rule struct {
	Policy    *Policy
	Direction Direction
	Index     int
	// All is set when the rule has no from (to): it admits every peer.
	All bool
	// Peers are the from (to) entries.
	Peers []*PeerRule
	// Ports are the ports entries; none means every port of every
	// protocol.
	Ports []PortRule
}

// Field returns the rule's field path in the policy object, such as
// ["spec", "ingress", "0"].
func (r *Rule) Field() []string {
	return []string{"spec", r.Direction.String(), fmt.Sprint(r.Index)}
}

// PeerField returns the name of the rule's peers list: "from" or "to".
func (r *Rule) PeerField() string {
	if r.Direction == Egress {
		return "to"
	}
	return "from"
}

// PeerRule is one from (to) entry of a rule.
type PeerRule struct {
	Index int
	// PodSelector and NamespaceSelector are as written (nil when unset);
	// Pods and Namespaces are their selectors.
	PodSelector, NamespaceSelector *metav1.LabelSelector
	Pods, Namespaces               labels.Selector
	// Block is the ipBlock, if the peer is one.
	Block *IPBlock
	// Matched are the workloads of the set the peer admits.
	Matched []*Workload
	// Err is set when the API server would refuse the peer: it then
	// admits nothing.
	Err error
}

// IPBlock is a CIDR less its excepts.
type IPBlock struct {
	CIDR   netip.Prefix
	Except []netip.Prefix
}

// Contains reports whether ip is in the block.
func (b *IPBlock) Contains(ip netip.Addr) bool {
	if !b.CIDR.Contains(ip) {
		return false
	}
	for _, e := range b.Except {
		if e.Contains(ip) {
			return false
		}
	}
	return true
}

func (b *IPBlock) String() string {
	s := b.CIDR.String()
	if len(b.Except) > 0 {
		ex := make([]string, len(b.Except))
		for i, e := range b.Except {
			ex[i] = e.String()
		}
		s += " except " + strings.Join(ex, ", ")
	}
	return s
}

// PortRule is one ports entry of a rule.
type PortRule struct {
	Protocol corev1.Protocol
	// Any is set when the entry gives no port: every port of Protocol.
	Any bool
	// Name is a named port, looked up in the destination's containerPorts.
	Name string
	// Port and End are a numeric port or range (End == Port for one port).
	Port, End int32
}

func (pr PortRule) String() string {
	switch {
	case pr.Any:
		return string(pr.Protocol) + " any"
	case pr.Name != "":
		return string(pr.Protocol) + " " + pr.Name
	case pr.End != pr.Port:
		return fmt.Sprintf("%s %d-%d", pr.Protocol, pr.Port, pr.End)
	}
	return fmt.Sprintf("%s %d", pr.Protocol, pr.Port)
}

// Problem is a part of a policy the API server would refuse.
type Problem struct {
	Policy *Policy
	// Field is the field path in the policy object.
	Field   []string
	Message string
}

// Build makes the model of a set of manifests.
func Build(set *kube.Set, opts Options) *Model {
	m := &Model{byName: map[string]*Namespace{}, inNamespace: map[string][]*Workload{}}
	ns := func(o *kube.Object) string {
		if o.Namespace == "" {
			return opts.DefaultNamespace
		}
		return o.Namespace
	}
	named := map[string]bool{}
	for o := range set.Objects() {
		switch t := o.Typed.(type) {
		case *corev1.Namespace:
			if _, dup := m.byName[o.Name]; !dup && o.Name != "" {
				l := labels.Set{}
				for k, v := range t.Labels {
					l[k] = v
				}
				l[NameLabel] = o.Name
				m.addNamespace(&Namespace{Name: o.Name, Labels: l, Object: o})
			}
			continue
		case *networkingv1.NetworkPolicy:
			m.Policies = append(m.Policies, &Policy{Object: o, Name: o.Name, Namespace: ns(o), Spec: &t.Spec})
			named[ns(o)] = true
			continue
		}
		if w := workloadOf(o, ns(o)); w != nil {
			w.pos = len(m.Workloads)
			m.Workloads = append(m.Workloads, w)
			m.inNamespace[w.Namespace] = append(m.inNamespace[w.Namespace], w)
			named[w.Namespace] = true
		} else if o.Namespace != "" {
			named[o.Namespace] = true
		}
	}
	for name := range named {
		if _, ok := m.byName[name]; !ok {
			m.addNamespace(implicitNamespace(name))
		}
	}
	sort.Slice(m.Namespaces, func(i, j int) bool { return m.Namespaces[i].Name < m.Namespaces[j].Name })
	for _, p := range m.Policies {
		m.compile(p)
	}
	return m
}

// NewModel makes a model of namespaces, workloads and policies made by a
// caller (tests, and callers that do not read manifests). Namespaces that
// workloads or policies name but that are not given get only the
// kubernetes.io/metadata.name label; given namespaces get it too.
func NewModel(namespaces []*Namespace, workloads []*Workload, policies []*Policy) *Model {
	m := &Model{byName: map[string]*Namespace{}, inNamespace: map[string][]*Workload{}}
	for _, n := range namespaces {
		l := labels.Set{}
		for k, v := range n.Labels {
			l[k] = v
		}
		if n.Name != "" {
			l[NameLabel] = n.Name
		}
		m.addNamespace(&Namespace{Name: n.Name, Labels: l, Object: n.Object})
	}
	for _, w := range workloads {
		w.Ingress, w.Egress, w.pos = nil, nil, len(m.Workloads)
		m.Workloads = append(m.Workloads, w)
		m.inNamespace[w.Namespace] = append(m.inNamespace[w.Namespace], w)
		if _, ok := m.byName[w.Namespace]; !ok {
			m.addNamespace(implicitNamespace(w.Namespace))
		}
	}
	for _, p := range policies {
		m.Policies = append(m.Policies, p)
		if _, ok := m.byName[p.Namespace]; !ok {
			m.addNamespace(implicitNamespace(p.Namespace))
		}
	}
	sort.Slice(m.Namespaces, func(i, j int) bool { return m.Namespaces[i].Name < m.Namespaces[j].Name })
	for _, p := range m.Policies {
		m.compile(p)
	}
	return m
}

func implicitNamespace(name string) *Namespace {
	l := labels.Set{}
	if name != "" {
		l[NameLabel] = name
	}
	return &Namespace{Name: name, Labels: l}
}

func (m *Model) addNamespace(n *Namespace) {
	m.Namespaces = append(m.Namespaces, n)
	m.byName[n.Name] = n
}

// Namespace returns the namespace of that name, or nil.
func (m *Model) Namespace(name string) *Namespace { return m.byName[name] }

// WorkloadsIn returns the workloads of a namespace, in order.
func (m *Model) WorkloadsIn(namespace string) []*Workload { return m.inNamespace[namespace] }

// namespaceLabels returns the labels of a namespace, known or not.
func (m *Model) namespaceLabels(name string) labels.Set {
	if n := m.byName[name]; n != nil {
		return n.Labels
	}
	return implicitNamespace(name).Labels
}

// workloadOf returns the workload an object runs, or nil.
func workloadOf(o *kube.Object, namespace string) *Workload {
	if o.Kind == "PodTemplate" {
		return nil // a template runs nothing
	}
	meta, spec, _, ok := kube.PodSpecOf(o)
	if !ok {
		return nil
	}
	w := &Workload{Object: o, Kind: o.Kind, Name: o.Name, Namespace: namespace, Labels: labels.Set{}, HostNetwork: spec.HostNetwork}
	if w.Name == "" {
		w.Name = fmt.Sprintf("(document %d)", o.Index+1)
	}
	for k, v := range meta.Labels {
		w.Labels[k] = v
	}
	w.Ports = podPorts(spec)
	if pod, ok := o.Typed.(*corev1.Pod); ok {
		for _, ip := range pod.Status.PodIPs {
			if a, err := netip.ParseAddr(ip.IP); err == nil {
				w.IPs = append(w.IPs, a)
			}
		}
		if a, err := netip.ParseAddr(pod.Status.PodIP); err == nil && !slices.Contains(w.IPs, a) {
			w.IPs = append(w.IPs, a)
		}
	}
	return w
}

// podPorts returns the containerPorts of a pod's containers and sidecars
// (init containers that keep running), protocol defaulted to TCP.
func podPorts(spec *corev1.PodSpec) []Port {
	var out []Port
	add := func(c *corev1.Container) {
		for _, p := range c.Ports {
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			out = append(out, Port{Name: p.Name, Port: p.ContainerPort, Protocol: proto})
		}
	}
	for i := range spec.Containers {
		add(&spec.Containers[i])
	}
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			add(c)
		}
	}
	return out
}

// compile resolves a policy: its types, selected workloads and rules.
func (m *Model) compile(p *Policy) {
	spec := p.Spec
	if len(spec.PolicyTypes) == 0 {
		p.IngressType = true
		p.EgressType = len(spec.Egress) > 0
	}
	for _, t := range spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			p.IngressType = true
		case networkingv1.PolicyTypeEgress:
			p.EgressType = true
		default:
			m.problem(p, []string{"spec", "policyTypes"}, fmt.Sprintf("unknown policy type %q (want Ingress or Egress)", t))
		}
	}
	sel, err := metav1.LabelSelectorAsSelector(&spec.PodSelector)
	if err != nil {
		p.Err = fmt.Errorf("podSelector: %w", err)
		m.problem(p, []string{"spec", "podSelector"}, p.Err.Error())
		sel = labels.Nothing()
	}
	p.selector = sel
	for _, w := range m.inNamespace[p.Namespace] {
		if w.HostNetwork || !sel.Matches(w.Labels) {
			continue
		}
		p.Selected = append(p.Selected, w)
		if p.IngressType {
			w.Ingress = append(w.Ingress, p)
		}
		if p.EgressType {
			w.Egress = append(w.Egress, p)
		}
	}
	for i := range spec.Ingress {
		r := &spec.Ingress[i]
		p.Ingress = append(p.Ingress, m.compileRule(p, Ingress, i, r.From, r.Ports))
	}
	for i := range spec.Egress {
		r := &spec.Egress[i]
		p.Egress = append(p.Egress, m.compileRule(p, Egress, i, r.To, r.Ports))
	}
}

func (m *Model) problem(p *Policy, field []string, msg string) {
	m.Problems = append(m.Problems, Problem{Policy: p, Field: field, Message: msg})
}

func (m *Model) compileRule(p *Policy, d Direction, index int, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) *Rule {
	r := &Rule{Policy: p, Direction: d, Index: index, All: len(peers) == 0}
	for i := range peers {
		pe := m.compilePeer(p, &peers[i], i)
		if pe.Err != nil {
			m.problem(p, append(r.Field(), r.PeerField(), fmt.Sprint(i)), pe.Err.Error())
		}
		r.Peers = append(r.Peers, pe)
	}
	for i, np := range ports {
		pr, err := compilePort(np)
		if err != nil {
			m.problem(p, append(r.Field(), "ports", fmt.Sprint(i)), err.Error())
			continue // a port the API server refuses: it admits nothing
		}
		r.Ports = append(r.Ports, pr)
	}
	if len(ports) > 0 && len(r.Ports) == 0 {
		// Every ports entry was refused: the rule must not widen to every port.
		r.Ports = []PortRule{{Protocol: "invalid", Port: -1, End: -1}}
	}
	return r
}

func (m *Model) compilePeer(p *Policy, np *networkingv1.NetworkPolicyPeer, index int) *PeerRule {
	pe := &PeerRule{Index: index, PodSelector: np.PodSelector, NamespaceSelector: np.NamespaceSelector}
	switch {
	case np.IPBlock != nil && (np.PodSelector != nil || np.NamespaceSelector != nil):
		pe.Err = fmt.Errorf("a peer may not set ipBlock together with podSelector or namespaceSelector")
		return pe
	case np.IPBlock != nil:
		b, err := parseBlock(np.IPBlock)
		if err != nil {
			pe.Err = err
			return pe
		}
		pe.Block = b
		for _, w := range m.Workloads {
			if !w.HostNetwork && slices.ContainsFunc(w.IPs, b.Contains) {
				pe.Matched = append(pe.Matched, w)
			}
		}
		return pe
	case np.PodSelector == nil && np.NamespaceSelector == nil:
		pe.Err = fmt.Errorf("a peer must set podSelector, namespaceSelector or ipBlock")
		return pe
	}
	var err error
	if np.PodSelector != nil {
		if pe.Pods, err = metav1.LabelSelectorAsSelector(np.PodSelector); err != nil {
			pe.Err = fmt.Errorf("podSelector: %w", err)
			return pe
		}
	}
	if np.NamespaceSelector != nil {
		if pe.Namespaces, err = metav1.LabelSelectorAsSelector(np.NamespaceSelector); err != nil {
			pe.Err = fmt.Errorf("namespaceSelector: %w", err)
			return pe
		}
	}
	match := func(ws []*Workload) {
		for _, w := range ws {
			if !w.HostNetwork && (pe.Pods == nil || pe.Pods.Matches(w.Labels)) {
				pe.Matched = append(pe.Matched, w)
			}
		}
	}
	if pe.Namespaces == nil {
		match(m.inNamespace[p.Namespace])
		return pe
	}
	for _, n := range m.Namespaces {
		if pe.Namespaces.Matches(n.Labels) {
			match(m.inNamespace[n.Name])
		}
	}
	// Workloads come out grouped by namespace; keep the set's order.
	sort.SliceStable(pe.Matched, func(i, j int) bool { return m.order(pe.Matched[i]) < m.order(pe.Matched[j]) })
	return pe
}

// order is a workload's position in the model.
func (m *Model) order(w *Workload) int { return w.pos }

func parseBlock(b *networkingv1.IPBlock) (*IPBlock, error) {
	cidr, err := netip.ParsePrefix(strings.TrimSpace(b.CIDR))
	if err != nil {
		return nil, fmt.Errorf("ipBlock.cidr %q is not a CIDR", b.CIDR)
	}
	out := &IPBlock{CIDR: cidr.Masked()}
	for _, e := range b.Except {
		ex, err := netip.ParsePrefix(strings.TrimSpace(e))
		if err != nil {
			return nil, fmt.Errorf("ipBlock.except %q is not a CIDR", e)
		}
		out.Except = append(out.Except, ex.Masked())
	}
	return out, nil
}

func compilePort(np networkingv1.NetworkPolicyPort) (PortRule, error) {
	pr := PortRule{Protocol: corev1.ProtocolTCP}
	if np.Protocol != nil {
		pr.Protocol = *np.Protocol
	}
	switch pr.Protocol {
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
	default:
		return pr, fmt.Errorf("protocol %q is not TCP, UDP or SCTP", pr.Protocol)
	}
	switch {
	case np.Port == nil:
		if np.EndPort != nil {
			return pr, fmt.Errorf("endPort needs a port")
		}
		pr.Any = true
	case np.Port.Type == intstr.String:
		if np.EndPort != nil {
			return pr, fmt.Errorf("endPort needs a numeric port, not the named port %q", np.Port.StrVal)
		}
		pr.Name = np.Port.StrVal
		if !validPortName(pr.Name) {
			return pr, fmt.Errorf("port %q is neither a number nor a valid port name", pr.Name)
		}
	default:
		pr.Port, pr.End = np.Port.IntVal, np.Port.IntVal
		if pr.Port < 1 || pr.Port > 65535 {
			return pr, fmt.Errorf("port %d is outside 1-65535", pr.Port)
		}
		if np.EndPort != nil {
			pr.End = *np.EndPort
			if pr.End < pr.Port || pr.End > 65535 {
				return pr, fmt.Errorf("endPort %d is not between port %d and 65535", pr.End, pr.Port)
			}
		}
	}
	return pr, nil
}

// validPortName reports whether s is an IANA service name, as named ports
// must be: 1 to 15 lower-case letters, digits and inner hyphens, at least
// one letter, no two hyphens in a row.
func validPortName(s string) bool {
	if len(s) == 0 || len(s) > 15 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	letter := false
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9', c == '-':
		default:
			return false
		}
	}
	return letter
}
