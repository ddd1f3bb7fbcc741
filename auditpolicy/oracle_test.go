package auditpolicy

import (
	"os"
	"path/filepath"
	"testing"

	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"k8s.io/apiserver/pkg/apis/audit/validation"
	"k8s.io/apiserver/pkg/audit/policy"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// The API server's own audit policy code is the oracle these tests compare
// the package with.

// oracle returns the API server's policy checker for p.
func oracle(t testing.TB, p *Policy) func(Request) Decision {
	t.Helper()
	var in auditinternal.Policy
	cp := p.Policy.DeepCopy()
	if err := auditv1.Convert_v1_Policy_To_audit_Policy(cp, &in, nil); err != nil {
		t.Fatalf("converting the policy: %v", err)
	}
	ev := policy.NewPolicyRuleEvaluator(&in)
	return func(r Request) Decision {
		attrs := authorizer.AttributesRecord{
			User:            userOf(r),
			Verb:            r.Verb,
			Namespace:       r.Namespace,
			APIGroup:        r.APIGroup,
			Resource:        r.Resource,
			Subresource:     r.Subresource,
			Name:            r.Name,
			ResourceRequest: r.IsResource(),
			Path:            r.Path,
		}
		c := ev.EvaluatePolicyRule(attrs)
		var omit StageSet
		for _, s := range c.OmitStages {
			omit |= stageBit(auditv1.Stage(s))
		}
		return Decision{Level: auditv1.Level(c.Level), Omit: omit, OmitManagedFields: c.OmitManagedFields}
	}
}

// userOf is the user of the request as the API server has it: none when
// authentication failed.
func userOf(r Request) user.Info {
	if r.Unauthenticated {
		return nil
	}
	return &user.DefaultInfo{Name: r.User, Groups: r.Groups}
}

// oracleValid reports whether the API server's validation accepts p.
func oracleValid(t testing.TB, p *Policy) bool {
	t.Helper()
	var in auditinternal.Policy
	cp := p.Policy.DeepCopy()
	if err := auditv1.Convert_v1_Policy_To_audit_Policy(cp, &in, nil); err != nil {
		t.Fatalf("converting the policy: %v", err)
	}
	return len(validation.ValidatePolicy(&in)) == 0
}

// sameDecision compares what the API server decides (no rule index).
func sameDecision(a, b Decision) bool {
	return a.Level == b.Level && a.Omit == b.Omit && a.OmitManagedFields == b.OmitManagedFields
}

func loadTestPolicies(t testing.TB) map[string]*Policy {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*Policy{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Read(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = p
	}
	return out
}

// TestEvaluateMatchesAPIServer runs every request class of the test
// policies, and of the generated one, through both the package and the
// API server's checker.
func TestEvaluateMatchesAPIServer(t *testing.T) {
	policies := loadTestPolicies(t)
	gen, err := Read(Generate(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	policies["generated"] = gen
	for name, p := range policies {
		check := oracle(t, p)
		n := 0
		complete := p.Explore(Space{}, func(r Request, d Decision) bool {
			n++
			if want := check(r); !sameDecision(d, want) {
				t.Errorf("%s: %s: got %+v, the API server decides %+v", name, r, d, want)
			}
			return true
		})
		if !complete {
			t.Errorf("%s: exploration stopped early", name)
		}
		if n == 0 {
			t.Errorf("%s: no request explored", name)
		}
	}
}

// TestMatchingCases pins the matching rules of runtime.md 6.2 with
// requests against single rules.
func TestMatchingCases(t *testing.T) {
	pods := Request{User: "alice", Groups: []string{Authenticated, "dev"}, Verb: "get", Namespace: "default", Resource: "pods", Name: "web"}
	exec := pods
	exec.Verb, exec.Subresource = "create", "exec"
	status := pods
	status.Verb, status.Subresource = "update", "status"
	deploy := pods
	deploy.APIGroup, deploy.Resource = "apps", "deployments"
	node := Request{User: "alice", Groups: []string{Authenticated}, Verb: "get", Resource: "nodes", Name: "n1"}
	healthz := Request{User: "alice", Groups: []string{Authenticated}, Verb: "get", Path: "/healthz/etcd"}
	cases := []struct {
		name string
		rule auditv1.PolicyRule
		req  Request
		want bool
	}{
		{"empty rule matches a resource request", auditv1.PolicyRule{}, pods, true},
		{"empty rule matches a non-resource request", auditv1.PolicyRule{}, healthz, true},
		{"users", auditv1.PolicyRule{Users: []string{"bob"}}, pods, false},
		{"userGroups any", auditv1.PolicyRule{UserGroups: []string{"ops", "dev"}}, pods, true},
		{"verbs", auditv1.PolicyRule{Verbs: []string{"list"}}, pods, false},
		{"pods does not match pods/exec", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Resources: []string{"pods"}}}}, exec, false},
		{"pods/exec", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Resources: []string{"pods/exec"}}}}, exec, true},
		{"pods/* matches pods/exec", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Resources: []string{"pods/*"}}}}, exec, true},
		{"pods/* matches pods", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Resources: []string{"pods/*"}}}}, pods, true},
		{"*/status", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Resources: []string{"*/status"}}}}, status, true},
		{"*/status not pods", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Resources: []string{"*/status"}}}}, pods, false},
		{"* matches subresources", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Resources: []string{"*"}}}}, exec, true},
		{"group is exact", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Resources: []string{"deployments"}}}}, deploy, false},
		{"group *", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Group: "*", Resources: []string{"deployments"}}}}, deploy, true},
		{"whole group", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Group: "apps"}}}, deploy, true},
		{"resourceNames", auditv1.PolicyRule{Resources: []auditv1.GroupResources{{Resources: []string{"pods"}, ResourceNames: []string{"db"}}}}, pods, false},
		{"namespaces", auditv1.PolicyRule{Namespaces: []string{"kube-system"}}, pods, false},
		{"namespace \"\" is cluster scope", auditv1.PolicyRule{Namespaces: []string{""}}, node, true},
		{"namespaces only resource requests", auditv1.PolicyRule{Namespaces: []string{""}}, healthz, false},
		{"nonResourceURLs prefix", auditv1.PolicyRule{NonResourceURLs: []string{"/healthz*"}}, healthz, true},
		{"nonResourceURLs exact", auditv1.PolicyRule{NonResourceURLs: []string{"/healthz"}}, healthz, false},
		{"nonResourceURLs only non-resource requests", auditv1.PolicyRule{NonResourceURLs: []string{"*"}}, pods, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Policy{Policy: auditv1.Policy{Rules: []auditv1.PolicyRule{withLevel(c.rule)}}}
			if got := RuleMatches(&p.Rules[0], c.req); got != c.want {
				t.Errorf("RuleMatches = %v, want %v", got, c.want)
			}
			want := oracle(t, p)(c.req).Level == auditv1.LevelMetadata
			if want != c.want {
				t.Errorf("the API server says %v: the case is wrong", want)
			}
		})
	}
}

func withLevel(r auditv1.PolicyRule) auditv1.PolicyRule {
	r.Level = auditv1.LevelMetadata
	return r
}

// TestCoversServiceAccounts: a rule for service account users is covered
// by one for their group, which they are always in.
func TestCoversServiceAccounts(t *testing.T) {
	sa := auditv1.PolicyRule{Level: auditv1.LevelNone, Users: []string{"system:serviceaccount:ci:bot"}}
	group := auditv1.PolicyRule{Level: auditv1.LevelMetadata, UserGroups: []string{"system:serviceaccounts:ci"}}
	other := auditv1.PolicyRule{Level: auditv1.LevelMetadata, UserGroups: []string{"system:serviceaccounts:prod"}}
	person := auditv1.PolicyRule{Level: auditv1.LevelNone, Users: []string{"alice"}}
	if !Covers(&group, &sa) {
		t.Error("the group of the namespace covers its service accounts")
	}
	if Covers(&other, &sa) || Covers(&group, &person) || Covers(&sa, &group) {
		t.Error("covered too much")
	}
	p := &Policy{Policy: auditv1.Policy{Rules: []auditv1.PolicyRule{group, sa}}}
	p.Explore(Space{}, func(r Request, d Decision) bool {
		if d.Rule == 1 {
			t.Errorf("%s decided by the covered rule", r)
		}
		return true
	})
}
