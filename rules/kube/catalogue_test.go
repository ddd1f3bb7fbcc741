package kube

import (
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// cataRunErr runs rules over one manifest for a Kubernetes version and
// returns the IDs of their findings in order.
func cataRunErr(doc, version string, rules ...*rule.Rule) ([]string, error) {
	f, err := kube.Parse("m.yaml", []byte(doc))
	if err != nil {
		return nil, err
	}
	var got []string
	for _, r := range rules {
		p := rule.NewPass(r, f, func(fd finding.Finding) { got = append(got, fd.RuleID) })
		p.Settings.KubeVersion = version
		if err := r.Check(p); err != nil {
			return got, err
		}
	}
	return got, nil
}

func cataRun(t *testing.T, doc, version string, rules ...*rule.Rule) []string {
	t.Helper()
	got, err := cataRunErr(doc, version, rules...)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
