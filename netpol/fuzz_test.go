package netpol_test

import (
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulwark-sec/bulwark/netpol"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// FuzzBuild builds the model of arbitrary manifests and asks it every
// question `bulwark netpol` asks: the model must never panic, whatever
// selectors, CIDRs, ports and labels a policy writes.
func FuzzBuild(f *testing.F) {
	if seed, err := os.ReadFile("testdata/seed.yaml"); err == nil {
		f.Add(seed)
	}
	f.Add([]byte(synthetic(3)[0]))
	f.Add([]byte(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p}
spec:
  podSelector: {matchExpressions: [{key: a, operator: NotIn, values: [x]}]}
  egress:
  - to: [{ipBlock: {cidr: "::/0", except: ["fd00::/8", "0.0.0.0/0"]}}]
    ports: [{port: dns, protocol: UDP}, {port: 1, endPort: 65535}]
  ingress:
  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {"": ""}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: a, labels: {a: y}}
spec:
  containers: [{name: c, image: x, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]
status: {podIP: "fd00::1"}
`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, _ := kube.Parse("fuzz.yaml", data)
		if file == nil {
			return
		}
		m := netpol.Build(&kube.Set{Files: []*kube.File{file}}, netpol.Options{})
		for _, w := range m.Workloads {
			for _, d := range []netpol.Direction{netpol.Ingress, netpol.Egress} {
				for _, g := range m.Access(w, d).Grants {
					_ = g.Describe()
					_ = g.PortsString()
				}
			}
			for _, v := range m.Workloads {
				m.Allowed(netpol.Of(w), netpol.Of(v), 53, corev1.ProtocolUDP)
			}
		}
		for _, fl := range m.Flows() {
			_ = fl.String()
		}
	})
}
