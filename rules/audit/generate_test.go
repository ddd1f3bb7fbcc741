package audit_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/auditpolicy"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/audit"
	"github.com/bulwark-sec/bulwark/source/kube"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// scanPolicy runs every audit rule over a policy file's text.
func scanPolicy(t testing.TB, name string, data []byte, set rule.Settings) []finding.Finding {
	t.Helper()
	f, err := kube.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	var out []finding.Finding
	for _, r := range audit.Rules() {
		pass := rule.NewPass(r, f, func(fd finding.Finding) { out = append(out, fd) })
		pass.Settings = set
		if err := r.Check(pass); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
	}
	return out
}

// TestGeneratedPolicyPasses requires the generated policy, with every
// catch-all level the command offers, to pass every audit rule, for every
// Kubernetes version from 1.24 (the first that reads only
// audit.k8s.io/v1).
func TestGeneratedPolicyPasses(t *testing.T) {
	for _, level := range []auditv1.Level{auditv1.LevelMetadata, auditv1.LevelRequest, auditv1.LevelRequestResponse} {
		for _, keep := range []bool{false, true} {
			data := auditpolicy.Generate(auditpolicy.Options{Level: level, KeepManagedFields: keep})
			for _, v := range []string{"", "v1.24", "v1.30"} {
				for _, fd := range scanPolicy(t, "generated.yaml", data, rule.Settings{KubeVersion: v}) {
					t.Errorf("level %s, kube %q: %s %s: %s", level, v, fd.Location, fd.RuleID, fd.Message)
				}
			}
		}
	}
}

// TestGeneratedPolicyDecisions runs requests through the generated policy
// with the simulator: what it promises in its comments is what it does,
// and the API server reads it.
func TestGeneratedPolicyDecisions(t *testing.T) {
	p, err := auditpolicy.Load(auditpolicy.Generate(auditpolicy.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	jane := auditpolicy.Request{User: "jane", Groups: []string{auditpolicy.Authenticated}}
	req := func(verb, group, resource, sub, ns, name string) auditpolicy.Request {
		r := jane
		r.Verb, r.APIGroup, r.Resource, r.Subresource, r.Namespace, r.Name = verb, group, resource, sub, ns, name
		return r
	}
	url := func(path string) auditpolicy.Request {
		r := jane
		r.Verb, r.Path = "get", path
		return r
	}
	node := req("get", "", "nodes", "", "", "n1")
	node.User, node.Groups = "system:node:n1", []string{"system:nodes", auditpolicy.Authenticated}
	cases := []struct {
		name string
		req  auditpolicy.Request
		want auditv1.Level
	}{
		{"secret read", req("get", "", "secrets", "", "default", "db"), auditv1.LevelMetadata},
		{"secret write", req("create", "", "secrets", "", "default", ""), auditv1.LevelMetadata},
		{"configmap write", req("update", "", "configmaps", "", "kube-system", "cfg"), auditv1.LevelMetadata},
		{"token request", req("create", "", "serviceaccounts", "token", "default", "sa"), auditv1.LevelMetadata},
		{"token review", req("create", "authentication.k8s.io", "tokenreviews", "", "", ""), auditv1.LevelMetadata},
		{"exec", req("create", "", "pods", "exec", "default", "web"), auditv1.LevelRequestResponse},
		{"exec over websocket", req("get", "", "pods", "exec", "default", "web"), auditv1.LevelRequestResponse},
		{"attach", req("create", "", "pods", "attach", "default", "web"), auditv1.LevelRequestResponse},
		{"port-forward", req("create", "", "pods", "portforward", "default", "web"), auditv1.LevelRequestResponse},
		{"node proxy", req("get", "", "nodes", "proxy", "", "n1"), auditv1.LevelRequestResponse},
		{"pod create", req("create", "", "pods", "", "default", ""), auditv1.LevelRequestResponse},
		{"deployment patch", req("patch", "apps", "deployments", "", "default", "web"), auditv1.LevelRequestResponse},
		{"rolebinding create", req("create", "rbac.authorization.k8s.io", "rolebindings", "", "default", ""), auditv1.LevelRequestResponse},
		{"webhook create", req("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", "", ""), auditv1.LevelRequestResponse},
		{"pod list", req("list", "", "pods", "", "", ""), auditv1.LevelRequest},
		{"deployment get", req("get", "apps", "deployments", "", "default", "web"), auditv1.LevelRequest},
		{"custom resource write", req("create", "example.com", "widgets", "", "default", ""), auditv1.LevelMetadata},
		{"event", req("create", "", "events", "", "default", ""), auditv1.LevelNone},
		{"node reads itself", node, auditv1.LevelNone},
		{"health check", url("/healthz/etcd"), auditv1.LevelNone},
		{"other URL", url("/metrics"), auditv1.LevelMetadata},
	}
	for _, c := range cases {
		d := p.Evaluate(c.req)
		if d.Level != c.want {
			t.Errorf("%s: %s gets %s (rule %d), want %s", c.name, c.req, d.Level, d.Rule+1, c.want)
		}
		if d.Logged() && (!d.Omit.Has(auditv1.StageRequestReceived) || d.Omit.Has(auditv1.StageResponseStarted) || d.Omit.Has(auditv1.StageResponseComplete)) {
			t.Errorf("%s: omits %v", c.name, d.Omit.List())
		}
		if !d.OmitManagedFields {
			t.Errorf("%s: managed fields kept", c.name)
		}
	}
}

// TestCorpusPolicies pins what the audit policies of the shared corpus
// get, so that a change in a rule's verdict on real policies is seen.
func TestCorpusPolicies(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "corpus", "audit")
	if _, err := os.Stat(root); err != nil {
		t.Skip("no shared corpus")
	}
	want := map[string][]string{
		"kubernetes__website/content/en/examples/audit/audit-policy.yaml":   {"AP002@43", "AP003@58", "AP009@64"},
		"falcosecurity__plugins/plugins/k8saudit/configs/audit-policy.yaml": {"AP010@13", "AP002@51", "AP002@60", "AP003@72", "AP009@78"},
		"falcosecurity__falco/examples/k8s_audit_config/audit-policy.yaml":  {"AP001@1", "AP010@13", "AP002@51", "AP002@60", "AP003@72", "AP009@78"},
	}
	for file, ids := range want {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, fd := range scanPolicy(t, file, data, rule.Settings{}) {
			got = append(got, fd.RuleID+"@"+itoa(fd.Location.Start.Line))
		}
		if !sameSet(got, ids) {
			t.Errorf("%s: got %v, want %v", file, got, ids)
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		if m[x]--; m[x] < 0 {
			return false
		}
	}
	return true
}
