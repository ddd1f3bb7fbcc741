package kube

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// catalogueRules returns the rest of the peers' workload checks (sections
// 3 and 4 of the research catalogue, see docs/kubernetes-coverage.md):
// deprecated APIs (apis.go), reliability settings of one object
// (reliability.go), what a workload exposes (exposure.go), and the rules
// that relate objects across a scan (relations.go).
func catalogueRules() []*rule.Rule {
	out := []*rule.Rule{apiRule(true), apiRule(false)}
	out = append(out, reliabilityRules()...)
	out = append(out, exposureRules()...)
	return append(out, relationRules()...)
}

// cataObjects returns the objects of the pass's manifest that the rules of
// the catalogue judge: every object except strategic-merge patches (a
// document with a `$patch` directive, as Kustomize components write),
// which state only the fields they change.
func cataObjects(p *rule.Pass) ([]*kube.Object, error) {
	f, err := kubeFile(p)
	if err != nil || f == nil {
		return nil, err
	}
	out := make([]*kube.Object, 0, len(f.Objects))
	for _, o := range f.Objects {
		if !cataPatch(o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// cataPatch reports whether an object is a strategic-merge patch: its
// top-level mapping holds a directive key ($patch, $retainKeys, ...).
func cataPatch(o *kube.Object) bool {
	n := o.Node
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		if strings.HasPrefix(n.Content[i].Value, "$") {
			return true
		}
	}
	return false
}
