// Package netpol holds the NetworkPolicy rules (rule.KubeSet): they read
// every manifest of a scan at once and judge the policies by what they do,
// evaluated as Kubernetes evaluates them (package netpol).
//
// What the scan cannot see is handled so that a finding is trustworthy:
//
//   - The namespace-level rules (NP001, NP002) report a namespace at its
//     Namespace object when the scan holds it; else at its first workload,
//     and only when a NetworkPolicy or Namespace object is written near
//     that workload (the same folder, or one below the other): a scan of a
//     lone Deployment file says nothing about the cluster's policies. They
//     skip kube-system, kube-public and kube-node-lease.
//   - Objects without metadata.namespace share one namespace (as kubectl
//     apply -n, a Helm release or a kustomization installs them). A relation
//     that makes a finding (a policy that isolates a workload, a policy
//     whose namespace leaves a workload out) also needs the two written near
//     each other, in every namespace, so that unrelated projects scanned
//     together, that use one namespace name or none, do not judge each
//     other.
//   - "Missing" findings (a policy that selects nothing) need the scan to
//     hold workloads of the policy's namespace near it, and no custom
//     resource there that may make the pods (an operator's Prometheus).
package netpol

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/netpol"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/internal/relate"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// Tags every rule carries.
var tags = []string{"seed:network-policy-enforcement", "nsa:network-separation"}

// Rules returns the NetworkPolicy rules, newly built.
func Rules() []*rule.Rule {
	return []*rule.Rule{
		defaultDenyRule(netpol.Ingress), defaultDenyRule(netpol.Egress), notIsolatedRule(),
		anyPeerRule(netpol.Ingress), anyPeerRule(netpol.Egress), metadataRule(),
		danglingRule(), policyTypesRule(), dnsRule(), namedPortRule(), danglingPeerRule(),
	}
}

// index is the model of a pass's manifests and what the rules ask of it.
type index struct {
	m *netpol.Model
	// network holds the NetworkPolicy and Namespace objects of the scan.
	network []*kube.Object
	custom  []*kube.Object
}

func load(p *rule.Pass) (*index, error) {
	set, ok := kube.SetOf(p.Target)
	if !ok {
		return nil, fmt.Errorf("target is %T, not a set of Kubernetes manifests", p.Target)
	}
	return set.Memo(indexKey{}, func() any { return buildIndex(set) }).(*index), nil
}

// indexKey is the key of the index in a set's memo.
type indexKey struct{}

// buildIndex builds the model of a set and finds its policies, namespaces
// and custom resources.
func buildIndex(set *kube.Set) *index {
	ix := &index{m: netpol.Build(set, netpol.Options{})}
	for o := range set.Objects() {
		switch o.Typed.(type) {
		case *networkingv1.NetworkPolicy, *corev1.Namespace:
			ix.network = append(ix.network, o)
		case nil:
			if relate.CustomKind(o) {
				ix.custom = append(ix.custom, o)
			}
		}
	}
	return ix
}

// system namespaces are the cluster's own.
func system(ns string) bool {
	return ns == "kube-system" || ns == "kube-public" || ns == "kube-node-lease"
}

// applies reports whether policy p may be trusted to apply to workload w
// for a finding: they share a namespace (the model says so) and are
// written near each other, so that two projects that use one namespace
// name, or none, do not judge each other.
func applies(p *netpol.Policy, w *netpol.Workload) bool {
	return relate.Near(p.Object, w.Object)
}

// managed reports whether the scan holds, near o, a NetworkPolicy or a
// Namespace object: evidence that the network configuration of o's
// application is in the scan.
func (ix *index) managed(o *kube.Object) bool {
	return slices.ContainsFunc(ix.network, func(n *kube.Object) bool { return relate.Near(n, o) })
}

// nsName names a namespace in messages.
func nsName(ns string) string {
	if ns == "" {
		return "of the objects without a namespace"
	}
	return ns
}

// emptySelector reports whether a policy selects every pod of its
// namespace.
func emptySelector(p *netpol.Policy) bool {
	return p.Err == nil && len(p.Spec.PodSelector.MatchLabels) == 0 && len(p.Spec.PodSelector.MatchExpressions) == 0
}

// templateLabels is the field of a workload's pod labels.
func templateLabels(o *kube.Object) []string {
	return append(kube.TemplateMetaPath(o), "labels")
}

func ruleField(r *netpol.Rule, more ...string) []string { return append(r.Field(), more...) }

func defaultDenyRule(d netpol.Direction) *rule.Rule {
	r := &rule.Rule{
		ID: "NP001", Slug: "netpol-no-default-deny-ingress", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "namespace has no default-deny ingress NetworkPolicy",
		Tags:  tags,
		Peers: []string{"kubescape:C-0054", "kubescape:C-0030"},
		Why: "A pod that no NetworkPolicy selects for ingress accepts connections from every pod of the cluster and from " +
			"outside it. A policy with podSelector: {} and policyTypes [Ingress] isolates every pod of the namespace, " +
			"present and future, so that only what other policies allow gets in; without it, each new workload starts " +
			"wide open. Reported at the namespace's Namespace object when the scan holds it, else at its first workload when a " +
			"NetworkPolicy or Namespace object is written near it (a lone Deployment says nothing about a cluster's policies); " +
			"system namespaces are skipped.",
		Bad:         "kind: Namespace\nmetadata:\n  name: shop\n# and no policy with podSelector: {} in shop",
		Good:        "kind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]",
		Remediation: "Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] (and no ingress rules) to the namespace, then allow what each workload needs.",
	}
	if d == netpol.Egress {
		r.ID, r.Slug, r.Severity = "NP002", "netpol-no-default-deny-egress", finding.Low
		r.Title = "namespace has no default-deny egress NetworkPolicy"
		r.Peers = []string{"kubescape:C-0030"}
		r.Why = "A pod that no NetworkPolicy selects for egress may connect anywhere: to every pod of the cluster, to the " +
			"cloud metadata address, to the internet. A policy with podSelector: {} and policyTypes [Egress] makes egress " +
			"opt-in for every pod of the namespace, which contains a compromised pod and stops data leaving. Reported under " +
			"the same conditions as NP001; lower severity, as egress control needs more care (DNS, APIs) to roll out."
		r.Bad = "kind: Namespace\nmetadata:\n  name: shop\n# and no egress policy with podSelector: {} in shop"
		r.Good = "kind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]"
		r.Remediation = "Add a NetworkPolicy with podSelector: {} and policyTypes: [Egress] to the namespace, allowing DNS, then allow what each workload needs."
	}
	r.Check = func(p *rule.Pass) error {
		ix, err := load(p)
		if err != nil || len(ix.network) == 0 {
			return err
		}
		for _, n := range ix.m.Namespaces {
			if system(n.Name) {
				continue
			}
			ws := ix.m.WorkloadsIn(n.Name)
			covered := slices.ContainsFunc(ix.m.Policies, func(pol *netpol.Policy) bool {
				return pol.Namespace == n.Name && emptySelector(pol) && pol.Isolates(d)
			})
			if covered {
				continue
			}
			msg := fmt.Sprintf("no NetworkPolicy of namespace %s selects every pod (podSelector: {}) for %s", nsName(n.Name), d)
			switch {
			case n.Object != nil:
				p.Reportf(n.Object.At("metadata", "name"), "%s: a pod no policy names is open to all %s", msg, direction(d))
			case len(ws) > 0 && ix.managed(ws[0].Object):
				p.Reportf(ws[0].Object.At("metadata", "name"), "%s (%s is its first workload of the scan): a pod no policy names is open to all %s", msg, ws[0].ID(), direction(d))
			}
		}
		return nil
	}
	return r
}

func direction(d netpol.Direction) string {
	if d == netpol.Egress {
		return "egress"
	}
	return "ingress"
}

func notIsolatedRule() *rule.Rule {
	return &rule.Rule{
		ID: "NP003", Slug: "netpol-pod-not-isolated", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "workload is selected by no NetworkPolicy",
		Tags:  tags,
		Peers: []string{"kube-linter:non-isolated-pod", "polaris:missingNetworkPolicy", "kube-score:pod-networkpolicy", "kubescape:C-0260"},
		Why: "The pods of a workload that no NetworkPolicy selects accept every connection and may open any: the policies " +
			"written for their neighbours do not protect them. Reported in namespaces whose policies the scan holds (for " +
			"objects without a namespace, a policy written near the workload), so that the finding names the workload the " +
			"policies forgot; a namespace with no policy at all is NP001's. Pods on the host network are not subject to NetworkPolicy and are skipped.",
		Bad:         "kind: Deployment\nmetadata:\n  name: cache\nspec:\n  template:\n    metadata:\n      labels: {app: cache}  # no policy selects app=cache",
		Good:        "kind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels: {app: cache}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]",
		Remediation: "Write a NetworkPolicy that selects the workload's pods and allows only the traffic it needs, or a default-deny policy (podSelector: {}) for the namespace.",
		Check: func(p *rule.Pass) error {
			ix, err := load(p)
			if err != nil {
				return err
			}
			for _, w := range ix.m.Workloads {
				if w.HostNetwork || len(w.Ingress)+len(w.Egress) > 0 {
					continue
				}
				policed := slices.ContainsFunc(ix.m.Policies, func(pol *netpol.Policy) bool {
					return pol.Namespace == w.Namespace && applies(pol, w)
				})
				if !policed {
					continue
				}
				p.Reportf(w.Object.At(templateLabels(w.Object)...), "no NetworkPolicy of namespace %s selects the pods of %s (labels %s): they accept and open any connection",
					nsName(w.Namespace), w.ID(), labelsOrNone(w.Labels))
			}
			return nil
		},
	}
}

func labelsOrNone(l labels.Set) string {
	if len(l) == 0 {
		return "none"
	}
	return l.String()
}

// admitsAll describes how a from (to) entry admits every peer, or "".
func admitsAll(pe *netpol.PeerRule) string {
	switch {
	case pe.Err != nil:
		return ""
	case pe.Block != nil:
		if pe.Block.CIDR.Bits() == 0 && len(pe.Block.Except) == 0 {
			return "ipBlock " + pe.Block.CIDR.String() + " (every address)"
		}
	case pe.Namespaces != nil && pe.Namespaces.Empty() && (pe.Pods == nil || pe.Pods.Empty()):
		return "namespaceSelector: {} (every pod of every namespace)"
	}
	return ""
}

// dnsOnly reports whether a rule's ports are all port 53: a DNS allowance.
func dnsOnly(r *netpol.Rule) bool {
	if len(r.Ports) == 0 {
		return false
	}
	for _, pr := range r.Ports {
		if pr.Any || pr.Name != "" && pr.Name != "dns" && pr.Name != "dns-tcp" || pr.Name == "" && (pr.Port != 53 || pr.End != 53) {
			return false
		}
	}
	return true
}

func portsText(r *netpol.Rule) string {
	if len(r.Ports) == 0 {
		return "on every port"
	}
	var s []string
	for _, pr := range r.Ports {
		s = append(s, pr.String())
	}
	return "on " + strings.Join(s, ", ")
}

func anyPeerRule(d netpol.Direction) *rule.Rule {
	r := &rule.Rule{
		ID: "NP004", Slug: "netpol-ingress-from-anywhere", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "NetworkPolicy admits ingress from every source",
		Tags:  tags,
		Peers: []string{"trivy:KSV-0038"},
		Why: "An ingress rule without from, a from entry with namespaceSelector: {} (and no narrower podSelector), or an " +
			"ipBlock of 0.0.0.0/0 or ::/0 lets every pod of the cluster (and, for the first and the last, every address " +
			"outside it) connect to the pods the policy selects: the policy isolates nothing on those ports. A public " +
			"entry point may want that on its serving port; say so with a suppression.",
		Bad:         "ingress:\n- from:\n  - namespaceSelector: {}",
		Good:        "ingress:\n- from:\n  - namespaceSelector:\n      matchLabels: {kubernetes.io/metadata.name: ingress-nginx}\n  ports: [{port: 8080}]",
		Remediation: "Name the sources that need the workload: a podSelector, a namespaceSelector with labels, or the CIDRs of the clients.",
	}
	if d == netpol.Egress {
		r.ID, r.Slug, r.Severity = "NP005", "netpol-egress-to-anywhere", finding.Low
		r.Title = "NetworkPolicy admits egress to every destination"
		r.Why = "An egress rule without to, a to entry with namespaceSelector: {} (and no narrower podSelector), or an ipBlock " +
			"of 0.0.0.0/0 or ::/0 lets the pods the policy selects connect to every pod of the cluster (and, for the first " +
			"and the last, to every address): a compromised pod can reach any service and send data anywhere. A rule that " +
			"only opens port 53 (a DNS allowance) is not reported."
		r.Bad = "egress:\n- {}"
		r.Good = "egress:\n- to:\n  - podSelector:\n      matchLabels: {app: db}\n  ports: [{port: 5432}]"
		r.Remediation = "Name the destinations the workload needs: a podSelector, a namespaceSelector with labels, or ipBlocks with except entries for private ranges and the metadata address."
	}
	r.Check = func(p *rule.Pass) error {
		ix, err := load(p)
		if err != nil {
			return err
		}
		who := "every source"
		if d == netpol.Egress {
			who = "every destination"
		}
		for _, pol := range ix.m.Policies {
			if !pol.Isolates(d) {
				continue
			}
			for _, rl := range pol.Rules(d) {
				if d == netpol.Egress && dnsOnly(rl) {
					continue
				}
				if rl.All {
					p.Reportf(pol.Object.At(rl.Field()...), "%s rule %d of NetworkPolicy %s has no %s: it admits %s %s", d, rl.Index+1, pol.Name, rl.PeerField(), who, portsText(rl))
					continue
				}
				for _, pe := range rl.Peers {
					if how := admitsAll(pe); how != "" {
						p.Reportf(pol.Object.At(ruleField(rl, rl.PeerField(), fmt.Sprint(pe.Index))...), "%s rule %d of NetworkPolicy %s admits %s with %s %s", d, rl.Index+1, pol.Name, who, how, portsText(rl))
					}
				}
			}
		}
		return nil
	}
	return r
}

// metadataAddrs are the cloud instance metadata addresses: AWS, GCP,
// Azure, OpenStack (IPv4) and AWS's IPv6 endpoint.
var metadataAddrs = []netip.Addr{netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("fd00:ec2::254")}

func metadataRule() *rule.Rule {
	return &rule.Rule{
		ID: "NP006", Slug: "netpol-egress-metadata", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "NetworkPolicy egress ipBlock includes the cloud metadata address",
		Tags:  tags,
		Why: "An egress ipBlock such as 0.0.0.0/0 that does not except 169.254.169.254/32 lets the selected pods query the " +
			"cloud's instance metadata service: from a server-side request forgery, an attacker reads the node's cloud " +
			"credentials. Egress policies that open the internet are the place to close it.",
		Bad:         "egress:\n- to:\n  - ipBlock:\n      cidr: 0.0.0.0/0",
		Good:        "egress:\n- to:\n  - ipBlock:\n      cidr: 0.0.0.0/0\n      except: [169.254.169.254/32]",
		Remediation: "Add 169.254.169.254/32 (and fd00:ec2::254/128 for IPv6 on AWS) to the ipBlock's except list.",
		Check: func(p *rule.Pass) error {
			ix, err := load(p)
			if err != nil {
				return err
			}
			for _, pol := range ix.m.Policies {
				if !pol.EgressType {
					continue
				}
				for _, rl := range pol.Egress {
					for _, pe := range rl.Peers {
						if pe.Block == nil || pe.Err != nil {
							continue
						}
						for _, a := range metadataAddrs {
							if pe.Block.Contains(a) {
								p.Reportf(pol.Object.At(ruleField(rl, "to", fmt.Sprint(pe.Index), "ipBlock", "cidr")...),
									"egress rule %d of NetworkPolicy %s allows %s, which holds the cloud metadata address %s, %s", rl.Index+1, pol.Name, pe.Block, a, portsText(rl))
								break
							}
						}
					}
				}
			}
			return nil
		},
	}
}

func danglingRule() *rule.Rule {
	return &rule.Rule{
		ID: "NP007", Slug: "netpol-selects-nothing", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "NetworkPolicy selects no pod of the scan",
		Tags:  tags,
		Peers: []string{"kube-linter:dangling-networkpolicy", "kube-score:networkpolicy-targets-pod", "kubescape:C-0299"},
		Why: "A NetworkPolicy whose podSelector matches no pod template protects nothing, usually because of a typo in a " +
			"label: the workload it was written for is not isolated. Reported only when the scan holds workloads of the " +
			"policy's namespace written near it (same folder, or one above or below), and no custom resource there holds the " +
			"selector's labels (an operator may make those pods).",
		Bad:         "spec:\n  podSelector:\n    matchLabels: {app: bakend}",
		Good:        "spec:\n  podSelector:\n    matchLabels: {app: backend}",
		Remediation: "Make the podSelector match the labels of the pod template it is meant for, or delete the policy.",
		Check: func(p *rule.Pass) error {
			ix, err := load(p)
			if err != nil {
				return err
			}
			for _, pol := range ix.m.Policies {
				if pol.Err != nil || len(pol.Selected) > 0 {
					continue
				}
				evidence, hostOnly := false, false
				sel := labels.SelectorFromSet(pol.Spec.PodSelector.MatchLabels)
				for _, w := range ix.m.WorkloadsIn(pol.Namespace) {
					if relate.Near(pol.Object, w.Object) && w.Object.Namespace == pol.Object.Namespace {
						evidence = true
					}
					if w.HostNetwork && sel.Matches(w.Labels) {
						hostOnly = true
					}
				}
				if !evidence || hostOnly || ix.customMakes(pol) {
					continue
				}
				p.Reportf(pol.Object.At("spec", "podSelector"), "NetworkPolicy %s selects %s, which no pod template of namespace %s in the scan carries: it protects nothing",
					pol.Name, selectorText(pol), nsName(pol.Namespace))
			}
			return nil
		},
	}
}

func selectorText(pol *netpol.Policy) string {
	return metav1.FormatLabelSelector(&pol.Spec.PodSelector)
}

// customMakes reports whether a custom resource in the policy's namespace
// may make the pods it selects: it holds every matchLabels pair in one of
// its mappings (any custom resource there, for a selector of expressions
// only).
func (ix *index) customMakes(pol *netpol.Policy) bool {
	return ix.customHolds(pol, pol.Spec.PodSelector.MatchLabels)
}

func policyTypesRule() *rule.Rule {
	return &rule.Rule{
		ID: "NP008", Slug: "netpol-policy-types-ignore-rules", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "NetworkPolicy policyTypes leaves out a direction whose rules it writes",
		Tags:  tags,
		Why: "When policyTypes is written, Kubernetes enforces only the directions it lists: egress rules under policyTypes: " +
			"[Ingress] are ignored, and the pods stay free to connect anywhere, while the manifest reads as if egress were " +
			"restricted (likewise ingress rules under policyTypes: [Egress]). Without policyTypes, Egress is implied by egress rules.",
		Bad:         "spec:\n  policyTypes: [Ingress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: db}}}]",
		Good:        "spec:\n  policyTypes: [Ingress, Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: db}}}]",
		Remediation: "Add the missing direction to policyTypes, or delete the rules that are not meant to apply.",
		Check: func(p *rule.Pass) error {
			ix, err := load(p)
			if err != nil {
				return err
			}
			for _, pol := range ix.m.Policies {
				if len(pol.Spec.PolicyTypes) == 0 {
					continue
				}
				if len(pol.Spec.Egress) > 0 && !pol.EgressType {
					p.Reportf(pol.Object.At("spec", "policyTypes"), "NetworkPolicy %s writes %d egress %s but policyTypes does not list Egress: they are ignored and its pods may connect anywhere",
						pol.Name, len(pol.Spec.Egress), plural(len(pol.Spec.Egress), "rule"))
				}
				if len(pol.Spec.Ingress) > 0 && !pol.IngressType {
					p.Reportf(pol.Object.At("spec", "policyTypes"), "NetworkPolicy %s writes %d ingress %s but policyTypes does not list Ingress: they are ignored and its pods accept any connection",
						pol.Name, len(pol.Spec.Ingress), plural(len(pol.Spec.Ingress), "rule"))
				}
			}
			return nil
		},
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// kubeDNS stands for the cluster's DNS pods: k8s-app=kube-dns in
// kube-system, serving dns (53/UDP) and dns-tcp (53/TCP).
func kubeDNS() *netpol.Workload {
	return &netpol.Workload{
		Kind: "Deployment", Name: "coredns", Namespace: "kube-system",
		Labels: labels.Set{"k8s-app": "kube-dns"},
		Ports: []netpol.Port{
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
			{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP},
		},
	}
}

// allowsDNS reports whether an egress rule lets pods query DNS: it admits
// port 53 (UDP or TCP, or the named ports dns and dns-tcp) and may reach
// the cluster's DNS: every destination, an address block (the DNS
// service's or a node-local cache's address cannot be known), another
// namespace, or the kube-dns pods themselves.
func allowsDNS(m *netpol.Model, r *netpol.Rule, kubeDNS *netpol.Workload) bool {
	port := len(r.Ports) == 0
	for _, pr := range r.Ports {
		if pr.Admits(kubeDNS, 53, corev1.ProtocolUDP) || pr.Admits(kubeDNS, 53, corev1.ProtocolTCP) {
			port = true
		}
	}
	if !port {
		return false
	}
	if r.All || m.RuleAdmits(r, netpol.Peer{Workload: kubeDNS}) {
		return true
	}
	for _, pe := range r.Peers {
		if pe.Err == nil && (pe.Block != nil || pe.Namespaces != nil) {
			return true
		}
	}
	return false
}

func dnsRule() *rule.Rule {
	return &rule.Rule{
		ID: "NP009", Slug: "netpol-egress-no-dns", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "egress-isolated workload may not reach DNS",
		Tags:  tags,
		Why: "Once a NetworkPolicy isolates a pod for egress, DNS queries are blocked too unless a rule allows port 53 " +
			"(UDP and TCP) to the cluster's DNS: every service name stops resolving, and the usual 'fix' is to delete the " +
			"default deny. Reported once per isolating policy (a default deny first), naming the workloads; a rule that " +
			"opens port 53 to every destination, an address block, another namespace or the kube-dns pods counts as an " +
			"allowance. Pods with dnsPolicy: None are skipped.",
		Bad:         "spec:\n  podSelector: {}\n  policyTypes: [Egress]",
		Good:        "spec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels: {kubernetes.io/metadata.name: kube-system}\n      podSelector:\n        matchLabels: {k8s-app: kube-dns}\n    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]",
		Remediation: "Allow egress to the kube-dns pods in kube-system on port 53, UDP and TCP, for every pod the policy isolates.",
		Check: func(p *rule.Pass) error {
			ix, err := load(p)
			if err != nil {
				return err
			}
			dns := kubeDNS()
			var order []*netpol.Policy
			blamed := map[*netpol.Policy][]*netpol.Workload{}
			for _, w := range ix.m.Workloads {
				if _, spec, _, ok := kube.PodSpecOf(w.Object); !ok || spec.DNSPolicy == corev1.DNSNone {
					continue
				}
				var pols []*netpol.Policy
				for _, pol := range w.Egress {
					if applies(pol, w) {
						pols = append(pols, pol)
					}
				}
				if len(pols) == 0 {
					continue
				}
				ok := slices.ContainsFunc(pols, func(pol *netpol.Policy) bool {
					return slices.ContainsFunc(pol.Egress, func(r *netpol.Rule) bool { return allowsDNS(ix.m, r, dns) })
				})
				if ok {
					continue
				}
				blame := pols[0]
				if i := slices.IndexFunc(pols, func(pol *netpol.Policy) bool { return len(pol.Egress) == 0 }); i >= 0 {
					blame = pols[i]
				}
				if _, seen := blamed[blame]; !seen {
					order = append(order, blame)
				}
				blamed[blame] = append(blamed[blame], w)
			}
			for _, pol := range order {
				ws := blamed[pol]
				names := make([]string, 0, 3)
				for _, w := range ws[:min(3, len(ws))] {
					names = append(names, w.ID())
				}
				more := ""
				if len(ws) > 3 {
					more = fmt.Sprintf(" and %d more", len(ws)-3)
				}
				field := []string{"spec", "policyTypes"}
				if !pol.Object.Has(field...) {
					field = []string{"spec", "egress"}
				}
				p.Reportf(pol.Object.At(field...), "NetworkPolicy %s isolates the egress of %s%s, and no egress rule of their policies allows DNS (port 53 to kube-dns): name resolution fails",
					pol.Name, strings.Join(names, ", "), more)
			}
			return nil
		},
	}
}

func namedPortRule() *rule.Rule {
	return &rule.Rule{
		ID: "NP010", Slug: "netpol-named-port-undefined", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "NetworkPolicy names a port no selected container defines",
		Tags:  tags,
		Why: "A named port in a policy is looked up in the containerPorts of the destination pods: for an ingress rule, the " +
			"pods the policy selects; for an egress rule, the peers. When none of them defines a port of that name and " +
			"protocol, the entry allows nothing, and the traffic it was written for is blocked (a renamed port, a typo). " +
			"Egress rules are checked only when their peers are pods of the policy's namespace that the scan holds.",
		Bad:         "ingress:\n- ports: [{port: http}]   # the container names its port web",
		Good:        "ingress:\n- ports: [{port: web}]",
		Remediation: "Use the name a containerPort of the destination pods defines (with the same protocol), or the port number.",
		Check: func(p *rule.Pass) error {
			ix, err := load(p)
			if err != nil {
				return err
			}
			defines := func(ws []*netpol.Workload, pr netpol.PortRule) bool {
				return slices.ContainsFunc(ws, func(w *netpol.Workload) bool {
					return slices.ContainsFunc(w.Ports, func(port netpol.Port) bool { return port.Name == pr.Name && port.Protocol == pr.Protocol })
				})
			}
			for _, pol := range ix.m.Policies {
				var selected []*netpol.Workload
				for _, w := range pol.Selected {
					if applies(pol, w) {
						selected = append(selected, w)
					}
				}
				for _, d := range []netpol.Direction{netpol.Ingress, netpol.Egress} {
					if !pol.Isolates(d) {
						continue
					}
					for _, rl := range pol.Rules(d) {
						dst, what := selected, "the pods it selects"
						if d == netpol.Egress {
							dst, what = egressPeers(pol, rl), "the pods its egress rule admits"
						}
						if len(dst) == 0 {
							continue
						}
						for i, pr := range portEntries(pol, d, rl.Index) {
							if pr.Name == "" || defines(dst, pr) {
								continue
							}
							p.Reportf(pol.Object.At(ruleField(rl, "ports", fmt.Sprint(i), "port")...), "%s rule %d of NetworkPolicy %s names port %q (%s), which no container of %s defines: the entry allows nothing",
								d, rl.Index+1, pol.Name, pr.Name, pr.Protocol, what)
						}
					}
				}
			}
			return nil
		},
	}
}

// portEntries returns the ports entries of a rule as written, by index
// (entries the API server refuses have a zero PortRule).
func portEntries(pol *netpol.Policy, d netpol.Direction, index int) []netpol.PortRule {
	var ports []networkingv1.NetworkPolicyPort
	if d == netpol.Egress {
		ports = pol.Spec.Egress[index].Ports
	} else {
		ports = pol.Spec.Ingress[index].Ports
	}
	out := make([]netpol.PortRule, len(ports))
	for i, np := range ports {
		if np.Port == nil || np.Port.Type != intstr.String || np.EndPort != nil {
			continue
		}
		proto := corev1.ProtocolTCP
		if np.Protocol != nil {
			proto = *np.Protocol
		}
		out[i] = netpol.PortRule{Protocol: proto, Name: np.Port.StrVal}
	}
	return out
}

// egressPeers returns the destinations of an egress rule when they are all
// pods of the policy's namespace (podSelector alone), else nil.
func egressPeers(pol *netpol.Policy, r *netpol.Rule) []*netpol.Workload {
	if r.All {
		return nil
	}
	var out []*netpol.Workload
	for _, pe := range r.Peers {
		if pe.Err != nil || pe.Block != nil || pe.Namespaces != nil {
			return nil
		}
		for _, w := range pe.Matched {
			if applies(pol, w) {
				out = append(out, w)
			}
		}
	}
	return out
}
