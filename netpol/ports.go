package netpol

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// protocols are the protocols NetworkPolicy knows, in the order port sets
// are written.
var protocols = [3]corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}

func protoIndex(p corev1.Protocol) int {
	for i, x := range protocols {
		if x == p {
			return i
		}
	}
	return -1
}

// Span is an inclusive range of ports.
type Span struct{ From, To int32 }

// PortSet is a set of ports of each protocol. The zero value is empty.
type PortSet struct {
	spans [3][]Span // per protocol, sorted, disjoint, not adjacent
}

// AllPorts returns every port of every protocol.
func AllPorts() PortSet {
	var s PortSet
	for _, p := range protocols {
		s.add(p, 1, 65535)
	}
	return s
}

// Empty reports whether the set holds no port.
func (s PortSet) Empty() bool {
	return len(s.spans[0])+len(s.spans[1])+len(s.spans[2]) == 0
}

// All reports whether the set holds every port of every protocol.
func (s PortSet) All() bool {
	for i := range protocols {
		if !s.allOf(i) {
			return false
		}
	}
	return true
}

func (s PortSet) allOf(i int) bool {
	return len(s.spans[i]) == 1 && s.spans[i][0] == Span{1, 65535}
}

// Spans returns the ranges of one protocol.
func (s PortSet) Spans(p corev1.Protocol) []Span {
	if i := protoIndex(p); i >= 0 {
		return slices.Clone(s.spans[i])
	}
	return nil
}

// Has reports whether the set holds a port.
func (s PortSet) Has(p corev1.Protocol, port int32) bool {
	i := protoIndex(p)
	if i < 0 {
		return false
	}
	for _, sp := range s.spans[i] {
		if port >= sp.From && port <= sp.To {
			return true
		}
	}
	return false
}

// add puts a range into the set.
func (s *PortSet) add(p corev1.Protocol, from, to int32) {
	i := protoIndex(p)
	if i < 0 || from > to {
		return
	}
	s.spans[i] = normalize(append(slices.Clone(s.spans[i]), Span{from, to}))
}

func normalize(in []Span) []Span {
	slices.SortFunc(in, func(a, b Span) int { return int(a.From - b.From) })
	out := in[:0]
	for _, sp := range in {
		if n := len(out); n > 0 && sp.From <= out[n-1].To+1 {
			out[n-1].To = max(out[n-1].To, sp.To)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// Union returns the ports in either set.
func (s PortSet) Union(o PortSet) PortSet {
	var out PortSet
	for i := range protocols {
		switch {
		case len(o.spans[i]) == 0:
			out.spans[i] = s.spans[i]
		case len(s.spans[i]) == 0:
			out.spans[i] = o.spans[i]
		default:
			out.spans[i] = normalize(slices.Concat(s.spans[i], o.spans[i]))
		}
	}
	return out
}

// Intersect returns the ports in both sets.
func (s PortSet) Intersect(o PortSet) PortSet {
	var out PortSet
	for i := range protocols {
		a, b := s.spans[i], o.spans[i]
		var r []Span
		for x, y := 0, 0; x < len(a) && y < len(b); {
			lo, hi := max(a[x].From, b[y].From), min(a[x].To, b[y].To)
			if lo <= hi {
				r = append(r, Span{lo, hi})
			}
			if a[x].To < b[y].To {
				x++
			} else {
				y++
			}
		}
		out.spans[i] = r
	}
	return out
}

// Strings writes the set as "TCP 8080", "TCP 8000-8100", "UDP any"; a set
// of every port is "any".
func (s PortSet) Strings() []string {
	if s.All() {
		return []string{"any"}
	}
	var out []string
	for i, p := range protocols {
		if s.allOf(i) {
			out = append(out, string(p)+" any")
			continue
		}
		for _, sp := range s.spans[i] {
			if sp.From == sp.To {
				out = append(out, fmt.Sprintf("%s %d", p, sp.From))
			} else {
				out = append(out, fmt.Sprintf("%s %d-%d", p, sp.From, sp.To))
			}
		}
	}
	return out
}

func (s PortSet) String() string {
	if s.Empty() {
		return "none"
	}
	return strings.Join(s.Strings(), ", ")
}
