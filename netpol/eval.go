package netpol

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
)

// Peer is one end of a connection: a workload of the model (or one made
// by the caller, matched by its namespace and labels), or an address.
type Peer struct {
	// Workload is nil for an address outside the workloads.
	Workload *Workload
	// IP is the peer's address when known; ipBlocks match only it.
	IP netip.Addr
}

// Of returns the peer for a workload, with its first known address.
func Of(w *Workload) Peer {
	p := Peer{Workload: w}
	if len(w.IPs) > 0 {
		p.IP = w.IPs[0]
	}
	return p
}

// Address returns the peer for an address outside the workloads.
func Address(ip netip.Addr) Peer { return Peer{IP: ip} }

// Allowed reports whether the policies let src open a connection to dst
// on port and protocol: src's egress must allow it, and dst's ingress.
// An address peer has no policies of its own.
func (m *Model) Allowed(src, dst Peer, port int32, proto corev1.Protocol) bool {
	return m.EgressAllows(src, dst, port, proto) && m.IngressAllows(src, dst, port, proto)
}

// IngressAllows reports whether dst's ingress policies admit a connection
// from src (true when dst is not isolated for ingress).
func (m *Model) IngressAllows(src, dst Peer, port int32, proto corev1.Protocol) bool {
	w := dst.Workload
	if w == nil || w.HostNetwork || len(w.Ingress) == 0 {
		return true
	}
	for _, p := range w.Ingress {
		for _, r := range p.Ingress {
			if m.RuleAdmits(r, src) && portsAllow(r.Ports, w, port, proto) {
				return true
			}
		}
	}
	return false
}

// EgressAllows reports whether src's egress policies let it connect to dst
// (true when src is not isolated for egress).
func (m *Model) EgressAllows(src, dst Peer, port int32, proto corev1.Protocol) bool {
	w := src.Workload
	if w == nil || w.HostNetwork || len(w.Egress) == 0 {
		return true
	}
	for _, p := range w.Egress {
		for _, r := range p.Egress {
			if m.RuleAdmits(r, dst) && portsAllow(r.Ports, dst.Workload, port, proto) {
				return true
			}
		}
	}
	return false
}

// RuleAdmits reports whether a rule's from (to) admits the peer, whatever
// the port.
func (m *Model) RuleAdmits(r *Rule, peer Peer) bool {
	if r.All {
		return true
	}
	for _, pe := range r.Peers {
		if m.PeerAdmits(pe, r.Policy.Namespace, peer) {
			return true
		}
	}
	return false
}

// PeerAdmits reports whether one from (to) entry of a policy in
// namespace policyNS admits the peer.
func (m *Model) PeerAdmits(pe *PeerRule, policyNS string, peer Peer) bool {
	if pe.Err != nil {
		return false
	}
	if pe.Block != nil {
		if peer.IP.IsValid() && pe.Block.Contains(peer.IP) {
			return true
		}
		if w := peer.Workload; w != nil && !w.HostNetwork {
			for _, ip := range w.IPs {
				if pe.Block.Contains(ip) {
					return true
				}
			}
		}
		return false
	}
	w := peer.Workload
	if w == nil || w.HostNetwork {
		return false
	}
	if pe.Namespaces == nil {
		if w.Namespace != policyNS {
			return false
		}
	} else if !pe.Namespaces.Matches(m.namespaceLabels(w.Namespace)) {
		return false
	}
	return pe.Pods == nil || pe.Pods.Matches(w.Labels)
}

// portsAllow reports whether a rule's ports admit port and protocol on the
// destination dst (nil for an address: named ports then admit nothing).
func portsAllow(ports []PortRule, dst *Workload, port int32, proto corev1.Protocol) bool {
	if len(ports) == 0 {
		return true
	}
	for _, pr := range ports {
		if pr.Admits(dst, port, proto) {
			return true
		}
	}
	return false
}

// Admits reports whether the ports entry admits port and protocol on the
// destination dst; a named port is looked up in dst's containerPorts.
func (pr PortRule) Admits(dst *Workload, port int32, proto corev1.Protocol) bool {
	if pr.Protocol != proto {
		return false
	}
	switch {
	case pr.Any:
		return true
	case pr.Name != "":
		if dst == nil {
			return false
		}
		for _, p := range dst.Ports {
			if p.Name == pr.Name && p.Protocol == proto && p.Port == port {
				return true
			}
		}
		return false
	}
	return port >= pr.Port && port <= pr.End
}

// Resolve returns the ports a ports entry admits on destination dst: its
// range, or the containerPorts of dst that bear its name (none when dst is
// nil or defines no such port).
func (pr PortRule) Resolve(dst *Workload) PortSet {
	var s PortSet
	switch {
	case pr.Any:
		s.add(pr.Protocol, 1, 65535)
	case pr.Name != "":
		if dst != nil {
			for _, p := range dst.Ports {
				if p.Name == pr.Name && p.Protocol == pr.Protocol {
					s.add(pr.Protocol, p.Port, p.Port)
				}
			}
		}
	case pr.Port > 0:
		s.add(pr.Protocol, pr.Port, pr.End)
	}
	return s
}

// rulePorts returns what a rule's ports admit on destination dst.
func rulePorts(r *Rule, dst *Workload) PortSet {
	if len(r.Ports) == 0 {
		return AllPorts()
	}
	var s PortSet
	for _, pr := range r.Ports {
		s = s.Union(pr.Resolve(dst))
	}
	return s
}

// IngressPorts returns the ports on which dst's ingress admits src: every
// port when dst is not isolated.
func (m *Model) IngressPorts(src Peer, dst *Workload) PortSet {
	if dst.HostNetwork || len(dst.Ingress) == 0 {
		return AllPorts()
	}
	var s PortSet
	for _, p := range dst.Ingress {
		for _, r := range p.Ingress {
			if m.RuleAdmits(r, src) {
				s = s.Union(rulePorts(r, dst))
			}
		}
	}
	return s
}

// EgressPorts returns the ports on which src's egress lets it reach dst:
// every port when src is not isolated.
func (m *Model) EgressPorts(src *Workload, dst Peer) PortSet {
	if src.HostNetwork || len(src.Egress) == 0 {
		return AllPorts()
	}
	var s PortSet
	for _, p := range src.Egress {
		for _, r := range p.Egress {
			if m.RuleAdmits(r, dst) {
				s = s.Union(rulePorts(r, dst.Workload))
			}
		}
	}
	return s
}

// Isolated reports whether the workload is isolated in direction d.
func (w *Workload) Isolated(d Direction) bool {
	if w.HostNetwork {
		return false
	}
	if d == Egress {
		return len(w.Egress) > 0
	}
	return len(w.Ingress) > 0
}
