package netpol

import (
	"strconv"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/netpol"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/internal/relate"
)

// danglingPeerRule is NP011: a from (to) entry whose podSelector matches no
// pod of the policy's namespace.
func danglingPeerRule() *rule.Rule {
	return &rule.Rule{
		ID: "NP011", Slug: "netpol-peer-selects-nothing", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "NetworkPolicy rule admits pods that no workload of the scan has",
		Tags:  tags,
		Peers: []string{"kube-linter:dangling-networkpolicypeer-podselector"},
		Why: "A from (to) entry with a podSelector and no namespaceSelector admits pods of the policy's own namespace " +
			"that carry those labels. When no pod template there carries them, usually because of a typo, the traffic the " +
			"rule was written for stays blocked, and the next person to debug it may open the policy wide. Reported only " +
			"when the scan holds workloads of the namespace written near the policy, and no custom resource there holds " +
			"the labels (an operator may make those pods); entries with a namespaceSelector select pods of other " +
			"namespaces, which a scan rarely holds, and are not judged.",
		Bad:         "ingress:\n- from:\n  - podSelector:\n      matchLabels: {app: fronted}",
		Good:        "ingress:\n- from:\n  - podSelector:\n      matchLabels: {app: frontend}",
		Remediation: "Make the podSelector match the labels of the pod template it is meant for.",
		Check: func(p *rule.Pass) error {
			ix, err := load(p)
			if err != nil {
				return err
			}
			for _, pol := range ix.m.Policies {
				if pol.Err != nil || !peerEvidence(ix, pol) {
					continue
				}
				for _, d := range []netpol.Direction{netpol.Ingress, netpol.Egress} {
					for _, r := range pol.Rules(d) {
						for _, pe := range r.Peers {
							if pe.Err != nil || pe.Block != nil || pe.NamespaceSelector != nil || pe.PodSelector == nil ||
								len(pe.Matched) > 0 || len(pe.PodSelector.MatchLabels)+len(pe.PodSelector.MatchExpressions) == 0 ||
								peerHostNetwork(ix, pol, pe) || ix.customHolds(pol, pe.PodSelector.MatchLabels) {
								continue
							}
							path := append(r.Field(), r.PeerField(), strconv.Itoa(pe.Index), "podSelector")
							p.Reportf(pol.Object.At(path...), "NetworkPolicy %s %s rule %d admits pods %s, which no pod template of namespace %s in the scan carries",
								pol.Name, direction(d), r.Index, pe.Pods, nsName(pol.Namespace))
						}
					}
				}
			}
			return nil
		},
	}
}

// peerEvidence reports whether the scan holds workloads of the policy's
// namespace written near it: then a selector that matches none of them is
// trusted to match nothing.
func peerEvidence(ix *index, pol *netpol.Policy) bool {
	for _, w := range ix.m.WorkloadsIn(pol.Namespace) {
		if relate.Near(pol.Object, w.Object) && w.Object.Namespace == pol.Object.Namespace {
			return true
		}
	}
	return false
}

// peerHostNetwork reports whether the peer's labels are those of a
// host-network workload, which selectors never match but which exists.
func peerHostNetwork(ix *index, pol *netpol.Policy, pe *netpol.PeerRule) bool {
	for _, w := range ix.m.WorkloadsIn(pol.Namespace) {
		if w.HostNetwork && pe.Pods.Matches(labels.Set(w.Labels)) {
			return true
		}
	}
	return false
}

// customHolds reports whether a custom resource in the policy's namespace
// holds every pair of want (any custom resource there, for a selector of
// expressions only): an operator may make pods with those labels.
func (ix *index) customHolds(pol *netpol.Policy, want map[string]string) bool {
	for _, c := range ix.custom {
		if c.Namespace != pol.Object.Namespace && c.Namespace != "" && pol.Object.Namespace != "" {
			continue
		}
		if len(want) == 0 || relate.Holds(c.Node, want) {
			return true
		}
	}
	return false
}
