package netpol_test

// Conformance: the cases of Kubernetes' own e2e NetworkPolicy suite
// (kubernetes/kubernetes test/e2e/network/netpol/network_policy.go, the
// "Netpol" SIG Network tests), replayed on the evaluator.
//
// The suite's world: namespaces x, y and z labelled ns=<name> (and the
// kubernetes.io/metadata.name label the API server adds); in each test
// only the pods it names (x/a, x/b, ...) exist, each labelled pod=<name>,
// with one container per port and protocol of the test whose containerPort
// is named serve-<port>-<protocol> ("serve-80-tcp"). A test applies
// policies and states the expected truth table of every client pod to
// every server pod on one port and protocol; it starts from "everything
// allowed" and flips entries (Expect, ExpectPeer, ExpectAllIngress,
// ExpectAllEgress), and ignores a pod talking to itself. The policies and
// the flips below are the suite's; the evaluator must reproduce every
// entry. Tests that change labels or policies between probes are replayed
// as phases.
//
// The CIDR tests use pod addresses: here x/a is 10.0.0.1, x/b 10.0.0.2,
// x/c 10.0.0.3, y/a 10.0.1.1, y/b 10.0.1.2, and so on. The suite's "large
// CIDR" around a pod is the /4 that holds its address.

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulwark-sec/bulwark/netpol"
)

var (
	tcp  = corev1.ProtocolTCP
	udp  = corev1.ProtocolUDP
	sctp = corev1.ProtocolSCTP
)

// world is the suite's cluster for one test.
type world struct {
	pods      []string // "x/a"
	ports     []int32
	protocols []corev1.Protocol
}

// nsPolicy is a policy created in a namespace of the world.
type nsPolicy struct {
	ns string
	np *networkingv1.NetworkPolicy
}

// phase is the state of a test between two probes: the policies in force,
// label changes, and the expected truth tables.
type phase struct {
	policies  []nsPolicy
	podLabels map[string]map[string]string // pod -> extra labels
	nsLabels  map[string]map[string]string // namespace -> extra labels
	probes    []probe
}

// probe is one truth table: on a port and protocol, flips from "all
// allowed".
type probe struct {
	port  int32
	proto corev1.Protocol
	flips func(*truth)
}

type e2eCase struct {
	name   string // the suite's test name
	world  world
	phases []phase
}

// truth is a reachability matrix, client -> server.
type truth struct {
	pods []string
	m    map[[2]string]bool
}

func newTruth(pods []string) *truth {
	t := &truth{pods: pods, m: map[[2]string]bool{}}
	for _, a := range pods {
		for _, b := range pods {
			t.m[[2]string{a, b}] = true
		}
	}
	return t
}

// match reports whether pod matches a peer pattern: "" every pod, "x"
// every pod of namespace x, "x/a" one pod.
func match(pattern, pod string) bool {
	if pattern == "" || pattern == pod {
		return true
	}
	ns, _, _ := strings.Cut(pod, "/")
	return !strings.Contains(pattern, "/") && pattern == ns
}

func (t *truth) peer(from, to string, v bool) {
	for _, a := range t.pods {
		for _, b := range t.pods {
			if match(from, a) && match(to, b) {
				t.m[[2]string{a, b}] = v
			}
		}
	}
}
func (t *truth) expect(from, to string, v bool) { t.m[[2]string{from, to}] = v }
func (t *truth) allIngress(pod string, v bool)  { t.peer("", pod, v) }
func (t *truth) allEgress(pod string, v bool)   { t.peer(pod, "", v) }

// ipOf is the address of a pod of the world: x/a 10.0.0.1, y/b 10.0.1.2.
func ipOf(pod string) netip.Addr {
	ns, name, _ := strings.Cut(pod, "/")
	return netip.AddrFrom4([4]byte{10, 0, byte(ns[0] - 'x'), byte(name[0]-'a') + 1})
}

func (c e2eCase) run(t *testing.T) {
	var policies []nsPolicy
	for pi, ph := range c.phases {
		if ph.policies != nil {
			policies = ph.policies
		}
		var namespaces []*netpol.Namespace
		for _, n := range []string{"x", "y", "z"} {
			l := labels.Set{"ns": n}
			for k, v := range ph.nsLabels[n] {
				l[k] = v
			}
			namespaces = append(namespaces, &netpol.Namespace{Name: n, Labels: l})
		}
		var workloads []*netpol.Workload
		byPod := map[string]*netpol.Workload{}
		for _, pod := range c.world.pods {
			ns, name, _ := strings.Cut(pod, "/")
			w := &netpol.Workload{Kind: "Pod", Name: name, Namespace: ns, Labels: labels.Set{"pod": name}, IPs: []netip.Addr{ipOf(pod)}}
			for k, v := range ph.podLabels[pod] {
				w.Labels[k] = v
			}
			for _, port := range c.world.ports {
				for _, proto := range c.world.protocols {
					w.Ports = append(w.Ports, netpol.Port{Name: fmt.Sprintf("serve-%d-%s", port, strings.ToLower(string(proto))), Port: port, Protocol: proto})
				}
			}
			workloads = append(workloads, w)
			byPod[pod] = w
		}
		var ps []*netpol.Policy
		for _, p := range policies {
			ps = append(ps, &netpol.Policy{Name: p.np.Name, Namespace: p.ns, Spec: &p.np.Spec})
		}
		m := netpol.NewModel(namespaces, workloads, ps)
		if len(m.Problems) > 0 {
			t.Fatalf("phase %d: problems: %+v", pi+1, m.Problems)
		}
		for _, pr := range ph.probes {
			want := newTruth(c.world.pods)
			pr.flips(want)
			var wrong []string
			for _, from := range c.world.pods {
				for _, to := range c.world.pods {
					if from == to {
						continue // the suite ignores loopback
					}
					got := m.Allowed(netpol.Of(byPod[from]), netpol.Of(byPod[to]), pr.port, pr.proto)
					if w := want.m[[2]string{from, to}]; got != w {
						wrong = append(wrong, fmt.Sprintf("%s -> %s: got %v, want %v", from, to, got, w))
					}
				}
			}
			if len(wrong) > 0 {
				t.Errorf("phase %d, %s %d:\n  %s", pi+1, pr.proto, pr.port, strings.Join(wrong, "\n  "))
			}
		}
	}
}

// Policy builders, in the suite's terms: a policy selects pods by a
// selector; giving it ingress (egress) rules, even none, adds Ingress
// (Egress) to its policyTypes.

type opt func(*networkingv1.NetworkPolicy)

func policy(name string, podSelector metav1.LabelSelector, opts ...opt) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: networkingv1.NetworkPolicySpec{PodSelector: podSelector}}
	for _, o := range opts {
		o(np)
	}
	return np
}

func ingress(rules ...networkingv1.NetworkPolicyIngressRule) opt {
	return func(np *networkingv1.NetworkPolicy) {
		if np.Spec.Ingress == nil {
			np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{}
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		}
		np.Spec.Ingress = append(np.Spec.Ingress, rules...)
	}
}

func egress(rules ...networkingv1.NetworkPolicyEgressRule) opt {
	return func(np *networkingv1.NetworkPolicy) {
		if np.Spec.Egress == nil {
			np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{}
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
		np.Spec.Egress = append(np.Spec.Egress, rules...)
	}
}

func labelsSel(kv ...string) metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return metav1.LabelSelector{MatchLabels: m}
}

func exprSel(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

func ptr[T any](v T) *T { return &v }

func from(peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicyIngressRule {
	return networkingv1.NetworkPolicyIngressRule{From: peers}
}

func to(peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicyEgressRule {
	return networkingv1.NetworkPolicyEgressRule{To: peers}
}

func pods(s metav1.LabelSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{PodSelector: &s}
}

func nss(s *metav1.LabelSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: s}
}

func podsInNS(p metav1.LabelSelector, n *metav1.LabelSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{PodSelector: &p, NamespaceSelector: n}
}

func nsNamed(name string) *metav1.LabelSelector {
	s := labelsSel(netpol.NameLabel, name)
	return &s
}

func num(port int32, proto *corev1.Protocol) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Port: ptr(intstr.FromInt32(port)), Protocol: proto}
}

func named(name string, proto *corev1.Protocol) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Port: ptr(intstr.FromString(name)), Protocol: proto}
}

func inPorts(r networkingv1.NetworkPolicyIngressRule, ports ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicyIngressRule {
	r.Ports = ports
	return r
}

func outPorts(r networkingv1.NetworkPolicyEgressRule, ports ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicyEgressRule {
	r.Ports = ports
	return r
}

func block(cidr string, except ...string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr, Except: except}}
}

var everything = metav1.LabelSelector{}

func in(ns string, ps ...*networkingv1.NetworkPolicy) []nsPolicy {
	var out []nsPolicy
	for _, p := range ps {
		out = append(out, nsPolicy{ns, p})
	}
	return out
}

func tcp80(f func(*truth)) []probe { return []probe{{80, tcp, f}} }
func none(*truth)                  {}

func TestE2EConformance(t *testing.T) {
	tcpOnly := []corev1.Protocol{tcp}
	p80 := []int32{80}
	cases := []e2eCase{
		{
			name:  "should support a 'default-deny-ingress' policy",
			world: world{[]string{"x/a", "x/b", "y/a", "y/b"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("deny-ingress", everything, ingress())),
				probes:   tcp80(func(r *truth) { r.peer("", "x", false) }),
			}},
		},
		{
			name:  "should support a 'default-deny-all' policy",
			world: world{[]string{"x/a", "x/b", "y/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("deny-all", everything, ingress(), egress())),
				probes: tcp80(func(r *truth) {
					r.peer("", "x", false)
					r.peer("x", "", false)
				}),
			}},
		},
		{
			name:  "should enforce policy to allow traffic from pods within server namespace based on PodSelector",
			world: world{[]string{"x/a", "x/b", "x/c", "y/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("x-a-allows-x-b", labelsSel("pod", "a"), ingress(from(pods(labelsSel("pod", "b")))))),
				probes: tcp80(func(r *truth) {
					r.allIngress("x/a", false)
					r.expect("x/b", "x/a", true)
				}),
			}},
		},
		{
			name:  "should enforce policy to allow ingress traffic for a target",
			world: world{[]string{"x/a", "x/b", "y/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x",
					policy("deny-all", everything, ingress()),
					policy("allow-all-to-a", labelsSel("pod", "a"), ingress(from(podsInNS(everything, &metav1.LabelSelector{}))))),
				probes: tcp80(func(r *truth) {
					r.allIngress("x/a", true)
					r.allIngress("x/b", false)
				}),
			}},
		},
		{
			name:  "should enforce policy to allow ingress traffic from pods in all namespaces",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-from-another-ns", labelsSel("pod", "a"), ingress(from(nss(&metav1.LabelSelector{MatchLabels: map[string]string{}}))))),
				probes:   tcp80(none),
			}},
		},
		{
			name:  "should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-client-a-via-ns-selector", labelsSel("pod", "a"), ingress(from(nss(nsNamed("y")))))),
				probes: tcp80(func(r *truth) {
					r.peer("x", "x/a", false)
					r.peer("z", "x/a", false)
				}),
			}},
		},
		{
			name:  "should enforce policy based on PodSelector with MatchExpressions",
			world: world{[]string{"x/a", "x/b", "y/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("x-a-allows-x-b", labelsSel("pod", "a"), ingress(from(pods(*exprSel("pod", metav1.LabelSelectorOpIn, "b")))))),
				probes: tcp80(func(r *truth) {
					r.allIngress("x/a", false)
					r.expect("x/b", "x/a", true)
				}),
			}},
		},
		{
			name:  "should enforce policy based on NamespaceSelector with MatchExpressions",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-ns-y-match-selector", labelsSel("pod", "a"), ingress(from(nss(exprSel(netpol.NameLabel, metav1.LabelSelectorOpIn, "y")))))),
				probes: tcp80(func(r *truth) {
					r.peer("x", "x/a", false)
					r.peer("z", "x/a", false)
				}),
			}},
		},
		{
			name:  "should enforce policy based on PodSelector or NamespaceSelector",
			world: world{[]string{"x/a", "x/b", "x/c", "y/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-ns-y-match-selector", labelsSel("pod", "a"), ingress(from(
					nss(exprSel(netpol.NameLabel, metav1.LabelSelectorOpNotIn, "x")),
					pods(labelsSel("pod", "b")))))),
				probes: tcp80(func(r *truth) {
					r.expect("x/a", "x/a", false)
					r.expect("x/c", "x/a", false)
				}),
			}},
		},
		{
			name:  "should enforce policy based on PodSelector and NamespaceSelector",
			world: world{[]string{"x/a", "x/b", "y/a", "y/b", "z/b"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-ns-y-podselector-and-nsselector", labelsSel("pod", "a"), ingress(from(
					podsInNS(labelsSel("pod", "b"), exprSel(netpol.NameLabel, metav1.LabelSelectorOpNotIn, "x")))))),
				probes: tcp80(func(r *truth) {
					r.allIngress("x/a", false)
					r.expect("y/b", "x/a", true)
					r.expect("z/b", "x/a", true)
				}),
			}},
		},
		{
			name:  "should enforce policy based on Multiple PodSelectors and NamespaceSelectors",
			world: world{[]string{"x/a", "x/b", "y/a", "y/b", "y/c"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-ns-y-z-pod-b-c", labelsSel("pod", "a"), ingress(from(
					podsInNS(*exprSel("pod", metav1.LabelSelectorOpIn, "b", "c"), exprSel(netpol.NameLabel, metav1.LabelSelectorOpNotIn, "x")))))),
				probes: tcp80(func(r *truth) {
					r.peer("x", "x/a", false)
					r.expect("y/a", "x/a", false)
				}),
			}},
		},
		{
			name:  "should enforce policy based on any PodSelectors",
			world: world{[]string{"x/a", "x/b", "x/c"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-ns-x-pod-b-c", labelsSel("pod", "a"), ingress(from(pods(labelsSel("pod", "b")), pods(labelsSel("pod", "c")))))),
				probes: tcp80(func(r *truth) {
					r.allIngress("x/a", false)
					r.expect("x/b", "x/a", true)
					r.expect("x/c", "x/a", true)
				}),
			}},
		},
		{
			name:  "should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector",
			world: world{[]string{"x/a", "x/b", "y/a", "y/b", "z/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-ns-y-pod-a-via-namespace-pod-selector", labelsSel("pod", "a"), ingress(from(podsInNS(labelsSel("pod", "a"), nsNamed("y")))))),
				probes: tcp80(func(r *truth) {
					r.allIngress("x/a", false)
					r.expect("y/a", "x/a", true)
				}),
			}},
		},
		{
			name:  "should enforce policy based on Ports",
			world: world{[]string{"x/a", "x/b", "y/a", "y/b", "z/a"}, []int32{81}, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-client-a-via-ns-selector", labelsSel("pod", "a"), ingress(inPorts(from(nss(nsNamed("y"))), num(81, &tcp))))),
				probes: []probe{{81, tcp, func(r *truth) {
					r.peer("x", "x/a", false)
					r.peer("y", "x/a", true)
					r.peer("z", "x/a", false)
				}}},
			}},
		},
		{
			name:  "should enforce multiple, stacked policies with overlapping podSelectors",
			world: world{[]string{"x/a", "x/b", "y/a", "y/b", "z/a"}, []int32{80, 81}, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("allow-client-a-via-ns-selector", labelsSel("pod", "a"), ingress(inPorts(from(nss(nsNamed("y"))), num(81, &tcp))))),
					probes: []probe{
						{81, tcp, func(r *truth) {
							r.peer("x", "x/a", false)
							r.peer("y", "x/a", true)
							r.peer("z", "x/a", false)
						}},
						{80, tcp, func(r *truth) { r.allIngress("x/a", false) }},
					},
				},
				{
					policies: in("x",
						policy("allow-client-a-via-ns-selector", labelsSel("pod", "a"), ingress(inPorts(from(nss(nsNamed("y"))), num(81, &tcp)))),
						policy("allow-client-a-via-ns-selector-80", labelsSel("pod", "a"), ingress(inPorts(from(nss(nsNamed("y"))), num(80, &tcp))))),
					probes: []probe{{80, tcp, func(r *truth) {
						r.peer("x", "x/a", false)
						r.peer("y", "x/a", true)
						r.peer("z", "x/a", false)
					}}},
				},
			},
		},
		{
			name:  "should support allow-all policy",
			world: world{[]string{"x/a", "x/b", "y/a"}, []int32{80, 81}, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-all", labelsSel(), ingress(networkingv1.NetworkPolicyIngressRule{}))),
				probes:   []probe{{80, tcp, none}, {81, tcp, none}},
			}},
		},
		{
			name:  "should allow ingress access on one named port",
			world: world{[]string{"x/a", "x/b", "y/a"}, []int32{80, 81}, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-all", labelsSel(), ingress(inPorts(networkingv1.NetworkPolicyIngressRule{}, named("serve-81-tcp", nil))))),
				probes: []probe{
					{81, tcp, none},
					{80, tcp, func(r *truth) { r.peer("", "x", false) }},
				},
			}},
		},
		{
			name:  "should allow ingress access from namespace on one named port",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, []int32{80, 81}, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-client-a-via-ns-selector-80", labelsSel("pod", "a"), ingress(inPorts(from(nss(nsNamed("y"))), named("serve-80-tcp", &tcp))))),
				probes: []probe{
					{80, tcp, func(r *truth) {
						r.peer("x", "x/a", false)
						r.peer("z", "x/a", false)
					}},
					{81, tcp, func(r *truth) { r.allIngress("x/a", false) }},
				},
			}},
		},
		{
			name:  "should allow egress access on one named port",
			world: world{[]string{"x/a", "y/a"}, []int32{80, 81}, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-egress", labelsSel(), egress(outPorts(networkingv1.NetworkPolicyEgressRule{}, named("serve-80-tcp", nil))))),
				probes: []probe{
					{80, tcp, none},
					{81, tcp, func(r *truth) { r.peer("x", "", false) }},
				},
			}},
		},
		{
			name:  "should enforce updated policy",
			world: world{[]string{"x/a", "y/a"}, []int32{81}, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("allow-all-mutate-to-deny-all", labelsSel(), ingress(networkingv1.NetworkPolicyIngressRule{}))),
					probes:   []probe{{81, tcp, none}},
				},
				{
					// The update empties the ingress rules; policyTypes keeps Ingress.
					policies: in("x", func() *networkingv1.NetworkPolicy {
						np := policy("allow-all-mutate-to-deny-all", labelsSel(), ingress(networkingv1.NetworkPolicyIngressRule{}))
						np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{}
						return np
					}()),
					probes: []probe{{81, tcp, func(r *truth) { r.peer("", "x", false) }}},
				},
			},
		},
		{
			name:  "should allow ingress access from updated namespace",
			world: world{[]string{"x/a", "y/a"}, p80, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("allow-client-a-via-ns-selector", labelsSel("pod", "a"), ingress(from(nss(ptr(labelsSel("ns2", "updated"))))))),
					probes:   tcp80(func(r *truth) { r.allIngress("x/a", false) }),
				},
				{
					nsLabels: map[string]map[string]string{"y": {"ns2": "updated"}},
					probes: tcp80(func(r *truth) {
						r.allIngress("x/a", false)
						r.peer("y", "", true)
					}),
				},
			},
		},
		{
			name:  "should allow ingress access from updated pod",
			world: world{[]string{"x/a", "x/b"}, p80, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("allow-client-a-via-pod-selector", labelsSel("pod", "a"), ingress(from(pods(labelsSel("pod", "b", "pod2", "updated")))))),
					probes:   tcp80(func(r *truth) { r.allIngress("x/a", false) }),
				},
				{
					podLabels: map[string]map[string]string{"x/b": {"pod2": "updated"}},
					probes: tcp80(func(r *truth) {
						r.allIngress("x/a", false)
						r.expect("x/b", "x/a", true)
					}),
				},
			},
		},
		{
			name:  "should deny ingress from pods on other namespaces",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("deny-empty-policy", everything, ingress(from(pods(metav1.LabelSelector{MatchLabels: map[string]string{}}))))),
				probes: tcp80(func(r *truth) {
					r.peer("y", "x", false)
					r.peer("z", "x", false)
				}),
			}},
		},
		{
			name:  "should deny ingress access to updated pod",
			world: world{[]string{"x/a", "y/a"}, p80, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("deny-ingress-via-label-selector", labelsSel("target", "isolated"), ingress())),
					probes:   tcp80(none),
				},
				{
					podLabels: map[string]map[string]string{"x/a": {"target": "isolated"}},
					probes:    tcp80(func(r *truth) { r.allIngress("x/a", false) }),
				},
			},
		},
		{
			name:  "should deny egress from pods based on PodSelector",
			world: world{[]string{"x/a", "x/b", "y/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("deny-egress-pod-a", labelsSel("pod", "a"), egress())),
				probes:   tcp80(func(r *truth) { r.allEgress("x/a", false) }),
			}},
		},
		{
			name:  "should deny egress from all pods in a namespace",
			world: world{[]string{"x/a", "x/b", "y/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("deny-egress-ns-x", everything, egress())),
				probes:   tcp80(func(r *truth) { r.peer("x", "", false) }),
			}},
		},
		{
			name:  "should work with Ingress, Egress specified together",
			world: world{[]string{"x/a", "x/b", "x/c", "y/a"}, []int32{80, 81}, tcpOnly},
			phases: []phase{{
				policies: in("x", func() *networkingv1.NetworkPolicy {
					np := policy("allow-client-a-via-pod-selector", labelsSel("pod", "a"), ingress(from(pods(labelsSel("pod", "b")))))
					np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{num(80, nil)}}}
					np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress, networkingv1.PolicyTypeIngress}
					return np
				}()),
				probes: []probe{
					{80, tcp, func(r *truth) {
						r.allIngress("x/a", false)
						r.expect("x/b", "x/a", true)
					}},
					{81, tcp, func(r *truth) {
						r.allIngress("x/a", false)
						r.allEgress("x/a", false)
						r.expect("x/b", "x/a", true)
					}},
				},
			}},
		},
		{
			name:  "should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)",
			world: world{[]string{"x/a", "y/a", "y/b"}, p80, tcpOnly},
			phases: []phase{{
				policies: append(
					in("x", policy("allow-to-ns-y-pod-a", labelsSel("pod", "a"), egress(to(podsInNS(labelsSel("pod", "a"), nsNamed("y")))))),
					in("y",
						policy("allow-from-xa-on-ya-match-selector", labelsSel("pod", "a"), ingress(from(podsInNS(labelsSel("pod", "a"), nsNamed("x"))))),
						policy("allow-from-xa-on-yb-match-selector", labelsSel("pod", "b"), ingress(from(podsInNS(labelsSel("pod", "a"), nsNamed("x"))))))...),
				probes: tcp80(func(r *truth) {
					r.peer("x/a", "", false)
					r.peer("", "y/a", false)
					r.peer("x/a", "y/a", true)
					r.peer("", "y/b", false)
				}),
			}},
		},
		{
			name:  "should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector",
			world: world{[]string{"x/a", "y/a", "y/b"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-to-ns-y-pod-a", labelsSel("pod", "a"), egress(to(podsInNS(labelsSel("pod", "a"), nsNamed("y")))))),
				probes: tcp80(func(r *truth) {
					r.allEgress("x/a", false)
					r.expect("x/a", "y/a", true)
				}),
			}},
		},
		{
			name:  "should enforce ingress policy allowing any port traffic to a server on a specific protocol",
			world: world{[]string{"x/a", "y/a"}, p80, []corev1.Protocol{tcp, udp}},
			phases: []phase{{
				policies: in("x", policy("allow-ingress-by-proto", labelsSel("pod", "a"), ingress(inPorts(networkingv1.NetworkPolicyIngressRule{}, networkingv1.NetworkPolicyPort{Protocol: &tcp})))),
				probes: []probe{
					{80, tcp, none},
					{80, udp, func(r *truth) { r.peer("", "x/a", false) }},
				},
			}},
		},
		{
			name:  "should enforce multiple ingress policies with ingress allow-all policy taking precedence",
			world: world{[]string{"x/a", "y/a"}, []int32{81}, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("allow-ingress-port-80", labelsSel(), ingress(inPorts(networkingv1.NetworkPolicyIngressRule{}, num(80, nil))))),
					probes:   []probe{{81, tcp, func(r *truth) { r.peer("", "x", false) }}},
				},
				{
					policies: in("x",
						policy("allow-ingress-port-80", labelsSel(), ingress(inPorts(networkingv1.NetworkPolicyIngressRule{}, num(80, nil)))),
						policy("allow-ingress", labelsSel(), ingress(networkingv1.NetworkPolicyIngressRule{}))),
					probes: []probe{{81, tcp, none}},
				},
			},
		},
		{
			name:  "should enforce multiple egress policies with egress allow-all policy taking precedence",
			world: world{[]string{"x/a", "y/a"}, []int32{81}, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("allow-egress-port-80", labelsSel(), egress(outPorts(networkingv1.NetworkPolicyEgressRule{}, num(80, nil))))),
					probes:   []probe{{81, tcp, func(r *truth) { r.peer("x", "", false) }}},
				},
				{
					policies: in("x",
						policy("allow-egress-port-80", labelsSel(), egress(outPorts(networkingv1.NetworkPolicyEgressRule{}, num(80, nil)))),
						policy("allow-egress", labelsSel(), egress(networkingv1.NetworkPolicyEgressRule{}))),
					probes: []probe{{81, tcp, none}},
				},
			},
		},
		{
			name:  "should stop enforcing policies after they are deleted",
			world: world{[]string{"x/a", "y/a"}, p80, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("deny-all", everything, ingress(), egress())),
					probes: tcp80(func(r *truth) {
						r.peer("x", "", false)
						r.peer("", "x", false)
					}),
				},
				{policies: []nsPolicy{}, probes: tcp80(none)},
			},
		},
		{
			name:  "should allow egress access to server in CIDR block",
			world: world{[]string{"x/a", "y/a", "y/b"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-client-a-via-cidr-egress-rule", labelsSel("pod", "a"), egress(to(block(ipOf("y/b").String()+"/32"))))),
				probes: tcp80(func(r *truth) {
					r.allEgress("x/a", false)
					r.expect("x/a", "y/b", true)
				}),
			}},
		},
		{
			name:  "should enforce except clause while egress access to server in CIDR block",
			world: world{[]string{"x/a", "x/b", "x/c"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-client-a-via-cidr-egress-rule", labelsSel("pod", "a"), egress(to(block("0.0.0.0/4", ipOf("x/b").String()+"/32"))))),
				probes:   tcp80(func(r *truth) { r.expect("x/a", "x/b", false) }),
			}},
		},
		{
			name:  "should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed",
			world: world{[]string{"x/a", "x/b", "x/c"}, p80, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("allow-client-a-via-cidr-egress-rule", labelsSel("pod", "a"), egress(to(block("0.0.0.0/4", ipOf("x/b").String()+"/32"))))),
					probes:   tcp80(func(r *truth) { r.expect("x/a", "x/b", false) }),
				},
				{
					// The policy of the same name is updated to allow only x/b's address.
					policies: in("x", policy("allow-client-a-via-cidr-egress-rule", labelsSel("pod", "a"), egress(to(block(ipOf("x/b").String()+"/32"))))),
					probes: tcp80(func(r *truth) {
						r.allEgress("x/a", false)
						r.expect("x/a", "x/b", true)
					}),
				},
			},
		},
		{
			name:  "should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector",
			world: world{[]string{"x/a", "x/b", "y/a"}, p80, tcpOnly},
			phases: []phase{
				{
					policies: in("x", policy("allow-egress-for-target", labelsSel("pod", "a"), egress(networkingv1.NetworkPolicyEgressRule{}))),
					probes:   tcp80(none),
				},
				{
					policies: in("x",
						policy("allow-egress-for-target", labelsSel("pod", "a"), egress(networkingv1.NetworkPolicyEgressRule{})),
						policy("deny-ingress-via-label-selector", labelsSel("pod", "a"), ingress())),
					probes: tcp80(func(r *truth) { r.allIngress("x/a", false) }),
				},
			},
		},
		{
			name:  "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
			world: world{[]string{"x/a", "y/a"}, []int32{81}, tcpOnly},
			phases: []phase{{
				policies: in("x",
					policy("deny-ingress", everything, ingress()),
					policy("allow-only-sctp-ingress-on-port-81", labelsSel("pod", "a"), ingress(inPorts(networkingv1.NetworkPolicyIngressRule{}, num(81, &sctp))))),
				probes: []probe{{81, tcp, func(r *truth) { r.peer("", "x", false) }}},
			}},
		},
		{
			name:  "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
			world: world{[]string{"x/a", "y/a"}, []int32{81}, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-only-sctp-ingress-on-port-80", labelsSel("pod", "a"), ingress(inPorts(networkingv1.NetworkPolicyIngressRule{}, num(80, &sctp))))),
				probes:   []probe{{81, tcp, func(r *truth) { r.allIngress("x/a", false) }}},
			}},
		},
		{
			name:  "should not allow access by TCP when a policy specifies only UDP",
			world: world{[]string{"x/a", "y/a"}, []int32{81}, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-only-udp-ingress-on-port-81", labelsSel("pod", "a"), ingress(inPorts(networkingv1.NetworkPolicyIngressRule{}, num(81, &udp))))),
				probes:   []probe{{81, tcp, func(r *truth) { r.allIngress("x/a", false) }}},
			}},
		},
		{
			name:  "should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-client-a-via-ns-selector-for-immutable-ns-label", labelsSel("pod", "a"), ingress(from(nss(nsNamed("y")))))),
				probes: tcp80(func(r *truth) {
					r.peer("x", "x/a", false)
					r.peer("z", "x/a", false)
				}),
			}},
		},
		{
			name:  "should enforce policy based on NamespaceSelector with MatchExpressions using default ns label",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, p80, tcpOnly},
			phases: []phase{{
				policies: in("x", policy("allow-ns-y-match-selector-for-immutable-ns-label", labelsSel("pod", "a"), egress(to(nss(exprSel(netpol.NameLabel, metav1.LabelSelectorOpNotIn, "y")))))),
				probes:   tcp80(func(r *truth) { r.peer("x/a", "y", false) }),
			}},
		},
		// NetworkPolicy between server and client using UDP.
		{
			name:  "UDP: should support a 'default-deny-ingress' policy",
			world: world{[]string{"x/a", "x/b", "y/a", "y/b"}, p80, []corev1.Protocol{udp}},
			phases: []phase{{
				policies: in("x", policy("deny-all", everything, ingress())),
				probes:   []probe{{80, udp, func(r *truth) { r.peer("", "x", false) }}},
			}},
		},
		{
			name:  "UDP: should enforce policy based on Ports",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, []int32{81}, []corev1.Protocol{udp}},
			phases: []phase{{
				policies: in("x", policy("allow-ingress-on-port-81-ns-x", labelsSel("pod", "a"), ingress(inPorts(from(nss(nsNamed("y"))), num(81, &udp))))),
				probes: []probe{{81, udp, func(r *truth) {
					r.peer("x", "x/a", false)
					r.peer("z", "x/a", false)
				}}},
			}},
		},
		{
			name:  "UDP: should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector",
			world: world{[]string{"x/a", "x/b", "y/a"}, p80, []corev1.Protocol{udp}},
			phases: []phase{{
				policies: in("x", policy("allow-ns-y-pod-a-via-namespace-pod-selector", labelsSel("pod", "a"), ingress(from(podsInNS(labelsSel("pod", "a"), nsNamed("y")))))),
				probes: []probe{{80, udp, func(r *truth) {
					r.allIngress("x/a", false)
					r.expect("y/a", "x/a", true)
				}}},
			}},
		},
		// NetworkPolicy between server and client using SCTP.
		{
			name:  "SCTP: should support a 'default-deny-ingress' policy",
			world: world{[]string{"x/a", "x/b", "y/a", "y/b"}, p80, []corev1.Protocol{sctp}},
			phases: []phase{{
				policies: in("x", policy("deny-all", everything, ingress())),
				probes:   []probe{{80, sctp, func(r *truth) { r.peer("", "x", false) }}},
			}},
		},
		{
			name:  "SCTP: should enforce policy based on Ports",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, []int32{81}, []corev1.Protocol{sctp}},
			phases: []phase{{
				policies: in("x", policy("allow-ingress-on-port-81-ns-x", labelsSel("pod", "a"), ingress(inPorts(from(nss(nsNamed("y"))), num(81, &sctp))))),
				probes: []probe{{81, sctp, func(r *truth) {
					r.peer("x", "x/a", false)
					r.peer("z", "x/a", false)
				}}},
			}},
		},
		{
			name:  "SCTP: should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector",
			world: world{[]string{"x/a", "x/b", "y/a"}, p80, []corev1.Protocol{sctp}},
			phases: []phase{{
				policies: in("x", policy("allow-ns-y-pod-a-via-namespace-pod-selector", labelsSel("pod", "a"), ingress(from(podsInNS(labelsSel("pod", "a"), nsNamed("y")))))),
				probes: []probe{{80, sctp, func(r *truth) {
					r.allIngress("x/a", false)
					r.expect("y/a", "x/a", true)
				}}},
			}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

// TestEndPort replays, in the suite's world, the port-range semantics of
// the API reference (NetworkPolicyPort.endPort: "the range of ports from
// port to endPort, inclusive"; KEP-2079). The e2e suite has no endPort
// case of its own, so these tables come from the API documentation.
func TestEndPort(t *testing.T) {
	ports := []int32{80, 81, 82}
	rangePort := func(from, to int32, proto *corev1.Protocol) networkingv1.NetworkPolicyPort {
		p := num(from, proto)
		p.EndPort = ptr(to)
		return p
	}
	cases := []e2eCase{
		{
			name:  "ingress from namespace y on ports 80-81",
			world: world{[]string{"x/a", "x/b", "y/a", "z/a"}, ports, []corev1.Protocol{tcp, udp}},
			phases: []phase{{
				policies: in("x", policy("allow-80-81", labelsSel("pod", "a"), ingress(inPorts(from(nss(nsNamed("y"))), rangePort(80, 81, nil))))),
				probes: []probe{
					{80, tcp, func(r *truth) { r.peer("x", "x/a", false); r.peer("z", "x/a", false) }},
					{81, tcp, func(r *truth) { r.peer("x", "x/a", false); r.peer("z", "x/a", false) }},
					{82, tcp, func(r *truth) { r.allIngress("x/a", false) }},
					{80, udp, func(r *truth) { r.allIngress("x/a", false) }},
				},
			}},
		},
		{
			name:  "egress to ports 81-82 only, and a range stacked with a single port",
			world: world{[]string{"x/a", "y/a"}, ports, []corev1.Protocol{tcp}},
			phases: []phase{
				{
					policies: in("x", policy("egress-81-82", labelsSel("pod", "a"), egress(outPorts(networkingv1.NetworkPolicyEgressRule{}, rangePort(81, 82, &tcp))))),
					probes: []probe{
						{80, tcp, func(r *truth) { r.allEgress("x/a", false) }},
						{81, tcp, none},
						{82, tcp, none},
					},
				},
				{
					policies: in("x",
						policy("egress-81-82", labelsSel("pod", "a"), egress(outPorts(networkingv1.NetworkPolicyEgressRule{}, rangePort(81, 82, &tcp)))),
						policy("egress-80", labelsSel("pod", "a"), egress(outPorts(networkingv1.NetworkPolicyEgressRule{}, num(80, nil))))),
					probes: []probe{{80, tcp, none}, {81, tcp, none}, {82, tcp, none}},
				},
			},
		},
		{
			name:  "a range of one port",
			world: world{[]string{"x/a", "y/a"}, ports, []corev1.Protocol{tcp}},
			phases: []phase{{
				policies: in("x", policy("only-81", labelsSel("pod", "a"), ingress(inPorts(networkingv1.NetworkPolicyIngressRule{}, rangePort(81, 81, nil))))),
				probes: []probe{
					{80, tcp, func(r *truth) { r.allIngress("x/a", false) }},
					{81, tcp, none},
					{82, tcp, func(r *truth) { r.allIngress("x/a", false) }},
				},
			}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}
