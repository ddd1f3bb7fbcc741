package auditpolicy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
	"k8s.io/apiserver/pkg/audit/policy"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/bulwark-sec/bulwark/source/kube"
)

// loadSeeds are policies that exercise the reader: YAML 1.1 scalars,
// aliases and merge keys, wrong types, unknown and duplicate fields.
var loadSeeds = []string{
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nomitManagedFields: yes\nrules:\n- level: Metadata\n  omitManagedFields: off\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  users: [yes]\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  users: alice\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resource: [{group: \"\"}]\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  level: None\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- &r {level: None, verbs: [get]}\n- <<: *r\n  level: Metadata\n",
	"apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: Metadata\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: 1\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources:\n  - group: apps/v1\n    resourceNames: [x]\n",
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  nonResourceURLs: [healthz, /a*b]\n  namespaces: [\"\"]\n",
	`{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Request","verbs":["get"]}]}`,
	"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  users: [0x1F, ~, 2001-12-14]\n",
}

// FuzzLoad reads arbitrary policy files with the package and with the API
// server's own loader: both must accept or refuse the same files, and on
// the ones both accept decide the same for every request class. Files
// whose YAML the two YAML libraries read differently are skipped: that
// is a difference of YAML parsers, not of audit policies.
func FuzzLoad(f *testing.F) {
	for _, s := range loadSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		mine, err := Load(data)
		if mine != nil {
			// Whatever the verdict, a decoded policy evaluates without a
			// panic.
			mine.Explore(Space{}, func(Request, Decision) bool { return true })
		}
		if !sameYAML(data) {
			return
		}
		theirs, aerr := policy.LoadPolicyFromBytes(data)
		if (err == nil) != (aerr == nil) {
			t.Fatalf("package error %v, API server error %v\n%s", err, aerr, data)
		}
		if err != nil {
			return
		}
		ev := policy.NewPolicyRuleEvaluator(theirs)
		mine.Explore(Space{}, func(r Request, d Decision) bool {
			c := ev.EvaluatePolicyRule(authorizer.AttributesRecord{
				User: userOf(r), Verb: r.Verb,
				Namespace: r.Namespace, APIGroup: r.APIGroup, Resource: r.Resource, Subresource: r.Subresource,
				Name: r.Name, ResourceRequest: r.IsResource(), Path: r.Path,
			})
			var omit StageSet
			for _, s := range c.OmitStages {
				omit |= stageBit(Stages[indexStage(string(s))])
			}
			if string(c.Level) != string(d.Level) || omit != d.Omit || c.OmitManagedFields != d.OmitManagedFields {
				t.Fatalf("%s: package %+v, API server %+v\n%s", r, d, c, data)
			}
			return true
		})
	})
}

func indexStage(s string) int {
	for i, v := range Stages {
		if string(v) == s {
			return i
		}
	}
	return 0
}

// sameYAML reports whether yaml.v3 (which Bulwark reads manifests with)
// and sigs.k8s.io/yaml (which the API server reads the policy file with)
// read the first document of data as the same JSON value.
func sameYAML(data []byte) bool {
	var doc yaml.Node
	v3err := yaml.Unmarshal(data, &doc)
	j, err := sigsyaml.YAMLToJSON(data)
	if v3err != nil || err != nil || len(doc.Content) == 0 {
		return false
	}
	budget := maxExpansion
	out, err := kube.ToJSON(&doc, &budget)
	if err != nil {
		return false
	}
	return bytes.Equal(normalizeJSON(out), normalizeJSON(j))
}

func normalizeJSON(j []byte) []byte {
	var v any
	if sigsyaml.Unmarshal(j, &v) != nil {
		return nil
	}
	out, _ := sigsyaml.Marshal(v)
	return out
}
