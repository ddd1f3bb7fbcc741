package audit_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/auditpolicy"
	"github.com/bulwark-sec/bulwark/rule"
)

// BenchmarkRules runs every audit rule over the generated policy and over
// the largest hand-written one of the tests (a policy shaped like
// kube-up's, 17 rules).
func BenchmarkRules(b *testing.B) {
	kubeUp, err := os.ReadFile(filepath.Join("..", "..", "auditpolicy", "testdata", "kube-up.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for name, data := range map[string][]byte{"generated": auditpolicy.Generate(auditpolicy.Options{}), "kube-up": kubeUp} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				scanPolicy(b, name, data, rule.Settings{})
			}
		})
	}
}
