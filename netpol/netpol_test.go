package netpol_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/bulwark-sec/bulwark/netpol"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// load builds the model of manifests given as text (path -> YAML).
func load(t testing.TB, opts netpol.Options, files map[string]string) *netpol.Model {
	t.Helper()
	var set kube.Set
	var names []string
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f, err := kube.Parse(name, []byte(files[name]))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, e := range f.Errors {
			t.Fatalf("%s: %v", name, e)
		}
		set.Files = append(set.Files, f)
	}
	return netpol.Build(&set, opts)
}

func loadFile(t testing.TB, path string) *netpol.Model {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return load(t, netpol.Options{}, map[string]string{filepath.ToSlash(path): string(data)})
}

func workload(t testing.TB, m *netpol.Model, id string) *netpol.Workload {
	t.Helper()
	for _, w := range m.Workloads {
		if w.ID() == id {
			return w
		}
	}
	t.Fatalf("no workload %s", id)
	return nil
}

// TestSeed: with the seed's deny-all-ingress and allow-frontend-to-backend,
// only role=frontend pods reach role=backend pods, and only on TCP 8080.
func TestSeed(t *testing.T) {
	m := loadFile(t, "testdata/seed.yaml")
	fe, be, wk := workload(t, m, "Deployment/frontend"), workload(t, m, "Deployment/backend"), workload(t, m, "Deployment/worker")
	outside := netpol.Address(netip.MustParseAddr("203.0.113.7"))
	for _, c := range []struct {
		src, dst netpol.Peer
		port     int32
		proto    corev1.Protocol
		want     bool
	}{
		{netpol.Of(fe), netpol.Of(be), 8080, corev1.ProtocolTCP, true},
		{netpol.Of(fe), netpol.Of(be), 80, corev1.ProtocolTCP, false},
		{netpol.Of(fe), netpol.Of(be), 8081, corev1.ProtocolTCP, false},
		{netpol.Of(fe), netpol.Of(be), 8080, corev1.ProtocolUDP, false},
		{netpol.Of(fe), netpol.Of(be), 8080, corev1.ProtocolSCTP, false},
		{netpol.Of(wk), netpol.Of(be), 8080, corev1.ProtocolTCP, false},
		{netpol.Of(be), netpol.Of(be), 8080, corev1.ProtocolTCP, false},
		{outside, netpol.Of(be), 8080, corev1.ProtocolTCP, false},
		{netpol.Of(be), netpol.Of(fe), 80, corev1.ProtocolTCP, false},
		{netpol.Of(wk), netpol.Of(fe), 80, corev1.ProtocolTCP, false},
		{outside, netpol.Of(fe), 80, corev1.ProtocolTCP, false},
		// Egress is not isolated: pods reach the world.
		{netpol.Of(be), outside, 443, corev1.ProtocolTCP, true},
	} {
		if got := m.Allowed(c.src, c.dst, c.port, c.proto); got != c.want {
			t.Errorf("%s -> %s %s %d: got %v, want %v", name(c.src), name(c.dst), c.proto, c.port, got, c.want)
		}
	}
	var flows []string
	for _, f := range m.Flows() {
		flows = append(flows, f.String())
	}
	want := []string{"Deployment/frontend -> Deployment/backend: TCP 8080"}
	if diff := cmp.Diff(want, flows); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
}

func name(p netpol.Peer) string {
	if p.Workload != nil {
		return p.Workload.ID()
	}
	return p.IP.String()
}

func TestNamespaces(t *testing.T) {
	m := load(t, netpol.Options{}, map[string]string{
		"ns.yaml": `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: payments, kubernetes.io/metadata.name: spoofed}
`,
		"apps.yaml": `apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: ops, labels: {app: probe}}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: loose, labels: {app: loose}}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ops}}
    ports: [{port: http}]
  - from:
    - namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}
      podSelector: {matchLabels: {app: loose}}
`,
	})
	var names []string
	for _, n := range m.Namespaces {
		names = append(names, n.Name+" "+n.Labels.String())
	}
	want := []string{" ", "ops kubernetes.io/metadata.name=ops", "shop kubernetes.io/metadata.name=shop,team=payments"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("namespaces (-want +got):\n%s", diff)
	}
	api, probe, loose := workload(t, m, "Pod/shop/api"), workload(t, m, "Pod/ops/probe"), workload(t, m, "Pod/loose")
	tcp := corev1.ProtocolTCP
	if !m.Allowed(netpol.Of(probe), netpol.Of(api), 8080, tcp) {
		t.Error("ops/probe should reach shop/api on its named port http (8080)")
	}
	if m.Allowed(netpol.Of(probe), netpol.Of(api), 80, tcp) {
		t.Error("ops/probe should not reach shop/api on 80")
	}
	// The unnamed namespace has no labels: team DoesNotExist matches it.
	if !m.Allowed(netpol.Of(loose), netpol.Of(api), 9999, tcp) {
		t.Error("loose, in the unnamed namespace, should match namespaceSelector team DoesNotExist")
	}

	// With a default namespace, objects without one land there.
	m = load(t, netpol.Options{DefaultNamespace: "ops"}, map[string]string{"a.yaml": `apiVersion: v1
kind: Pod
metadata: {name: loose, labels: {app: loose}}
spec:
  containers: [{name: c, image: x}]
`})
	if w := workload(t, m, "Pod/ops/loose"); w.Namespace != "ops" || m.Namespace("ops").Labels[netpol.NameLabel] != "ops" {
		t.Errorf("default namespace not applied: %+v", w)
	}
}

func TestHostNetworkAndIPs(t *testing.T) {
	m := load(t, netpol.Options{}, map[string]string{"a.yaml": `apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: ns1, labels: {app: agent}}
spec:
  hostNetwork: true
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: ns1, labels: {app: db}}
spec:
  containers: [{name: c, image: x}]
status:
  podIP: 10.1.2.3
  podIPs: [{ip: 10.1.2.3}, {ip: "fd00::3"}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: ns1}
spec:
  podSelector: {}
  ingress:
  - from: [{podSelector: {}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: ns1}
spec:
  podSelector: {matchLabels: {app: web}}
  egress:
  - to: [{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.9.0/24]}}]
`})
	agent, db := workload(t, m, "Pod/ns1/agent"), workload(t, m, "Pod/ns1/db")
	if agent.Isolated(netpol.Ingress) || len(agent.Ingress) != 0 {
		t.Error("a host-network pod is not subject to NetworkPolicy")
	}
	if m.Allowed(netpol.Of(agent), netpol.Of(db), 5432, corev1.ProtocolTCP) {
		t.Error("podSelector {} must not admit a host-network pod")
	}
	if got := []netip.Addr{netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("fd00::3")}; !slices.Equal(db.IPs, got) {
		t.Errorf("IPs = %v", db.IPs)
	}
	out := m.Policies[1]
	if !out.EgressType || !out.IngressType {
		t.Errorf("policyTypes default: ingress %v egress %v, want both", out.IngressType, out.EgressType)
	}
	if got := out.Egress[0].Peers[0].Matched; len(got) != 1 || got[0] != db {
		t.Errorf("ipBlock matched %v, want db by its address", got)
	}
}

func TestProblems(t *testing.T) {
	m := load(t, netpol.Options{}, map[string]string{"a.yaml": `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns1}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: ns1}
spec:
  podSelector: {}
  ingress:
  - from:
    - {}
    - ipBlock: {cidr: 10.0.0.0/8}
      podSelector: {}
    - ipBlock: {cidr: not-a-cidr}
    - podSelector: {matchExpressions: [{key: a, operator: Within}]}
    ports:
    - {port: 80, endPort: 70}
    - {port: HTTP}
    - {port: http, endPort: 90}
    - {protocol: ICMP}
  - ports:
    - {port: 0}
`})
	var got []string
	for _, p := range m.Problems {
		got = append(got, strings.Join(p.Field, ".")+": "+p.Message)
	}
	want := []string{
		"spec.ingress.0.from.0: a peer must set podSelector, namespaceSelector or ipBlock",
		"spec.ingress.0.from.1: a peer may not set ipBlock together with podSelector or namespaceSelector",
		`spec.ingress.0.from.2: ipBlock.cidr "not-a-cidr" is not a CIDR`,
		`spec.ingress.0.from.3: podSelector: "Within" is not a valid label selector operator`,
		"spec.ingress.0.ports.0: endPort 70 is not between port 80 and 65535",
		`spec.ingress.0.ports.1: port "HTTP" is neither a number nor a valid port name`,
		`spec.ingress.0.ports.2: endPort needs a numeric port, not the named port "http"`,
		`spec.ingress.0.ports.3: protocol "ICMP" is not TCP, UDP or SCTP`,
		"spec.ingress.1.ports.0: port 0 is outside 1-65535",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	// A rule whose every port is refused admits nothing, not every port.
	w := workload(t, m, "Pod/ns1/p")
	if ps := m.IngressPorts(netpol.Of(w), w); !ps.Empty() {
		t.Errorf("refused ports admit %v", ps)
	}
}

func TestPortSet(t *testing.T) {
	var a, b netpol.PortSet
	a = a.Union(portRange(corev1.ProtocolTCP, 80, 90)).Union(portRange(corev1.ProtocolTCP, 91, 100)).Union(portRange(corev1.ProtocolUDP, 53, 53))
	b = b.Union(portRange(corev1.ProtocolTCP, 95, 200)).Union(portRange(corev1.ProtocolUDP, 1, 65535))
	if got := a.String(); got != "TCP 80-100, UDP 53" {
		t.Errorf("a = %s", got)
	}
	if got := a.Intersect(b).String(); got != "TCP 95-100, UDP 53" {
		t.Errorf("a ∩ b = %s", got)
	}
	if got := netpol.AllPorts().String(); got != "any" {
		t.Errorf("all = %s", got)
	}
	if got := b.String(); got != "TCP 95-200, UDP any" {
		t.Errorf("b = %s", got)
	}
	if !a.Has(corev1.ProtocolTCP, 91) || a.Has(corev1.ProtocolSCTP, 91) {
		t.Error("Has")
	}
}

func portRange(p corev1.Protocol, from, to int32) netpol.PortSet {
	return netpol.PortRule{Protocol: p, Port: from, End: to}.Resolve(nil)
}

func TestAccess(t *testing.T) {
	m := loadFile(t, "testdata/seed.yaml")
	be := workload(t, m, "Deployment/backend")
	in := m.Access(be, netpol.Ingress)
	if !in.Isolated || len(in.Policies) != 2 || len(in.Grants) != 1 {
		t.Fatalf("backend ingress = %+v", in)
	}
	g := in.Grants[0]
	if got := g.Describe(); got != "pods role=frontend in the policy's namespace" {
		t.Errorf("describe = %q", got)
	}
	if got := g.PortsString(); !slices.Equal(got, []string{"TCP 8080"}) {
		t.Errorf("ports = %v", got)
	}
	if len(g.Workloads) != 1 || g.Workloads[0].Name != "frontend" {
		t.Errorf("workloads = %v", g.Workloads)
	}
	if out := m.Access(be, netpol.Egress); out.Isolated || len(out.Grants) != 0 {
		t.Errorf("backend egress = %+v", out)
	}
}
