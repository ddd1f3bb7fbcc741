package netpol

import (
	"fmt"
	"sort"
)

// Grant is what one from (to) entry of a policy rule, or a whole rule
// without from (to), lets into or out of the workloads the policy
// selects.
type Grant struct {
	Rule *Rule
	// Peer is nil when the rule admits every peer.
	Peer *PeerRule
	// Ports are the rule's ports entries; none means every port.
	Ports []PortRule
	// Workloads are the workloads of the model the entry admits (nil
	// when it admits every peer: that is every workload).
	Workloads []*Workload
}

// Describe names the peers a grant admits, such as "pods role=frontend in
// namespace shop".
func (g Grant) Describe() string {
	if g.Peer == nil {
		if g.Rule.Direction == Egress {
			return "any destination"
		}
		return "any source"
	}
	return DescribePeer(g.Peer, g.Rule.Policy.Namespace)
}

// DescribePeer names the peers a from (to) entry of a policy in namespace
// policyNS admits.
func DescribePeer(pe *PeerRule, policyNS string) string {
	switch {
	case pe.Err != nil:
		return "nothing (invalid peer: " + pe.Err.Error() + ")"
	case pe.Block != nil:
		return "addresses " + pe.Block.String()
	}
	pods := "every pod"
	if pe.Pods != nil && !pe.Pods.Empty() {
		pods = "pods " + pe.Pods.String()
	}
	if pe.Namespaces == nil {
		if policyNS == "" {
			return pods + " in the policy's namespace"
		}
		return pods + " in namespace " + policyNS
	}
	if pe.Namespaces.Empty() {
		return pods + " in every namespace"
	}
	return pods + " in namespaces " + pe.Namespaces.String()
}

// PortsString writes a grant's ports: "any" when it has none.
func (g Grant) PortsString() []string {
	if len(g.Ports) == 0 {
		return []string{"any"}
	}
	out := make([]string, len(g.Ports))
	for i, pr := range g.Ports {
		out[i] = pr.String()
	}
	return out
}

// Access is what a workload's policies let in (or out) in one direction.
type Access struct {
	Direction Direction
	// Isolated is false when no policy isolates the workload in this
	// direction: everything is allowed.
	Isolated bool
	// Policies isolate the workload in this direction.
	Policies []*Policy
	// Grants are what those policies allow, added up.
	Grants []Grant
}

// Access returns what the workload's policies allow in direction d.
func (m *Model) Access(w *Workload, d Direction) Access {
	a := Access{Direction: d, Isolated: w.Isolated(d)}
	if !a.Isolated {
		return a
	}
	a.Policies = w.Ingress
	if d == Egress {
		a.Policies = w.Egress
	}
	for _, p := range a.Policies {
		for _, r := range p.Rules(d) {
			if r.All {
				a.Grants = append(a.Grants, Grant{Rule: r, Ports: r.Ports})
				continue
			}
			for _, pe := range r.Peers {
				a.Grants = append(a.Grants, Grant{Rule: r, Peer: pe, Ports: r.Ports, Workloads: pe.Matched})
			}
		}
	}
	return a
}

// Flow is traffic the policies allow between two workloads of the model.
type Flow struct {
	From, To *Workload
	Ports    PortSet
}

// Flows returns the connections the policies allow between workloads of
// the model where a policy has a say: the destination is isolated for
// ingress or the source for egress, and the policies either limit the
// ports or name the peer (a selector or an ipBlock that admits it). Pairs
// allowed on every port only by rules without from/to ("from anywhere")
// or by a side no policy isolates are as open as unpoliced pairs, and are
// not listed. Named ports are resolved against the destination. Flows are
// ordered by source, then destination, in the model's order.
func (m *Model) Flows() []Flow {
	n := len(m.Workloads)
	type pair struct{ from, to int }
	done := map[pair]bool{}
	var out []Flow
	mark := make([]bool, n)
	candidates := func(w *Workload, d Direction) []*Workload {
		for i := range mark {
			mark[i] = false
		}
		var cs []*Workload
		for _, p := range w.Ingress {
			if d == Egress {
				break
			}
			for _, r := range p.Ingress {
				if r.All {
					return m.Workloads
				}
				for _, pe := range r.Peers {
					for _, c := range pe.Matched {
						if !mark[c.pos] {
							mark[c.pos] = true
							cs = append(cs, c)
						}
					}
				}
			}
		}
		for _, p := range w.Egress {
			if d == Ingress {
				break
			}
			for _, r := range p.Egress {
				if r.All {
					return m.Workloads
				}
				for _, pe := range r.Peers {
					for _, c := range pe.Matched {
						if !mark[c.pos] {
							mark[c.pos] = true
							cs = append(cs, c)
						}
					}
				}
			}
		}
		return cs
	}
	try := func(src, dst *Workload) {
		k := pair{src.pos, dst.pos}
		if done[k] {
			return
		}
		done[k] = true
		in := m.IngressPorts(Of(src), dst)
		if in.Empty() {
			return
		}
		ports := in.Intersect(m.EgressPorts(src, Of(dst)))
		if !ports.Empty() && (!ports.All() || m.names(src, dst)) {
			out = append(out, Flow{From: src, To: dst, Ports: ports})
		}
	}
	for _, dst := range m.Workloads {
		if dst.Isolated(Ingress) {
			for _, src := range candidates(dst, Ingress) {
				try(src, dst)
			}
		}
	}
	for _, src := range m.Workloads {
		if src.Isolated(Egress) {
			for _, dst := range candidates(src, Egress) {
				if !dst.Isolated(Ingress) {
					try(src, dst)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From.pos != out[j].From.pos {
			return out[i].From.pos < out[j].From.pos
		}
		return out[i].To.pos < out[j].To.pos
	})
	return out
}

// names reports whether a rule with peers (not a rule open to every peer)
// of an isolating policy admits the pair: dst's ingress naming src, or
// src's egress naming dst.
func (m *Model) names(src, dst *Workload) bool {
	if dst.Isolated(Ingress) {
		for _, p := range dst.Ingress {
			for _, r := range p.Ingress {
				if !r.All && m.RuleAdmits(r, Of(src)) {
					return true
				}
			}
		}
	}
	if src.Isolated(Egress) {
		for _, p := range src.Egress {
			for _, r := range p.Egress {
				if !r.All && m.RuleAdmits(r, Of(dst)) {
					return true
				}
			}
		}
	}
	return false
}

// String writes a flow: "Deployment/shop/web -> Deployment/shop/api: TCP 8080".
func (f Flow) String() string {
	return fmt.Sprintf("%s -> %s: %s", f.From.ID(), f.To.ID(), f.Ports)
}
