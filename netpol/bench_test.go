package netpol_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/netpol"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// synthetic writes a cluster of n workloads, one file per namespace of 50
// apps: each namespace with a default deny of both directions and a DNS
// allowance, each app (app-i) with a policy letting app-(i+1), app-(i+2)
// and the monitoring namespace in (on named ports) and itself out to
// app-(i-1): some 1.04 policies per workload.
func synthetic(n int) []string {
	var files []string
	var b strings.Builder
	const perNS = 50
	for i := 0; i < n; i++ {
		if i%perNS == 0 && i > 0 {
			files = append(files, b.String())
			b.Reset()
		}
		ns := fmt.Sprintf("team-%d", i/perNS)
		app := fmt.Sprintf("app-%d", i%perNS)
		if i%perNS == 0 {
			fmt.Fprintf(&b, `apiVersion: v1
kind: Namespace
metadata: {name: %[1]s, labels: {tier: apps}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: %[1]s}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: dns, namespace: %[1]s}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
---
`, ns)
		}
		fmt.Fprintf(&b, `apiVersion: apps/v1
kind: Deployment
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: %[2]s}}
  template:
    metadata: {labels: {app: %[2]s, tier: backend}}
    spec:
      containers:
      - name: main
        image: registry.example.com/%[2]s:1
        ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {app: %[2]s}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchExpressions: [{key: app, operator: In, values: [app-%[3]d, app-%[4]d]}]}
    ports: [{port: http}]
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
    ports: [{port: metrics}]
  egress:
  - to:
    - podSelector: {matchLabels: {app: app-%[5]d}}
    ports: [{port: 8080, endPort: 8090}]
---
`, ns, app, (i+1)%perNS, (i+2)%perNS, (i+perNS-1)%perNS)
	}
	return append(files, b.String())
}

func syntheticSet(tb testing.TB, n int) *kube.Set {
	tb.Helper()
	set := &kube.Set{}
	for i, text := range synthetic(n) {
		f, err := kube.Parse(fmt.Sprintf("team-%d.yaml", i), []byte(text))
		if err != nil {
			tb.Fatal(err)
		}
		set.Files = append(set.Files, f)
	}
	return set
}

// TestSynthetic checks the synthetic cluster evaluates as designed.
func TestSynthetic(t *testing.T) {
	m := netpol.Build(syntheticSet(t, 100), netpol.Options{})
	if len(m.Workloads) != 100 || len(m.Policies) != 104 || len(m.Problems) != 0 {
		t.Fatalf("workloads %d, policies %d, problems %v", len(m.Workloads), len(m.Policies), m.Problems)
	}
	flows := m.Flows()
	// app-i lets app-(i+1) and app-(i+2) in on http (8080), but only
	// app-(i+1) may go out to it (on 8080-8090): one flow per app, on 8080.
	if len(flows) != 100 || flows[1].String() != "Deployment/team-0/app-1 -> Deployment/team-0/app-0: TCP 8080" {
		t.Errorf("%d flows, want 100", len(flows))
	}
	for _, f := range flows[:3] {
		t.Log(f)
	}
}

// BenchmarkBuild measures building the model of a thousand workloads (and
// 1,040 policies), then every workload's summary in both directions and
// the flows between them: what `bulwark netpol` computes after parsing.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		set := syntheticSet(b, n)
		b.Run(fmt.Sprintf("workloads=%d", n), func(b *testing.B) {
			for b.Loop() {
				m := netpol.Build(set, netpol.Options{})
				for _, w := range m.Workloads {
					m.Access(w, netpol.Ingress)
					m.Access(w, netpol.Egress)
				}
				m.Flows()
			}
		})
	}
}
