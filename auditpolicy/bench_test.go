package auditpolicy

import (
	"os"
	"path/filepath"
	"testing"
)

func benchPolicies(b *testing.B) map[string][]byte {
	b.Helper()
	kubeUp, err := os.ReadFile(filepath.Join("testdata", "kube-up.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	return map[string][]byte{"generated": Generate(Options{}), "kube-up": kubeUp}
}

// BenchmarkEvaluate decides one request of each of a few kinds: an
// early None rule, a rule in the middle, the catch-all.
func BenchmarkEvaluate(b *testing.B) {
	reqs := []Request{
		{User: "system:kube-proxy", Groups: []string{Authenticated}, Verb: "watch", Resource: "endpoints"},
		{User: "jane", Groups: []string{Authenticated}, Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "default", Name: "web"},
		{User: "jane", Groups: []string{Authenticated}, Verb: "patch", APIGroup: "apps", Resource: "deployments", Namespace: "default", Name: "web"},
		{User: "jane", Groups: []string{Authenticated}, Verb: "create", APIGroup: "example.com", Resource: "widgets", Namespace: "default"},
		{User: "jane", Groups: []string{Authenticated}, Verb: "get", Path: "/metrics"},
	}
	for name, data := range benchPolicies(b) {
		p, err := Load(data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, r := range reqs {
					p.Evaluate(r)
				}
			}
		})
	}
}

// BenchmarkExplore enumerates every request class a policy tells apart.
func BenchmarkExplore(b *testing.B) {
	for name, data := range benchPolicies(b) {
		p, err := Load(data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = 0
				p.Explore(Space{}, func(Request, Decision) bool { n++; return true })
			}
			b.ReportMetric(float64(n), "classes")
		})
	}
}

// BenchmarkLoad decodes and validates a policy.
func BenchmarkLoad(b *testing.B) {
	for name, data := range benchPolicies(b) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
