package rbac

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func pol(verbs, groups, resources, names string) rbacv1.PolicyRule {
	split := func(s string) []string {
		if s == "-" {
			return nil
		}
		return strings.Split(s, ",")
	}
	return rbacv1.PolicyRule{Verbs: split(verbs), APIGroups: split(groups), Resources: split(resources), ResourceNames: split(names)}
}

// TestRuleAllows follows the cases of Kubernetes' own authorizer tests
// (plugin/pkg/auth/authorizer/rbac: TestRuleMatches) and the RBAC
// documentation.
func TestRuleAllows(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule rbacv1.PolicyRule
		req  Request
		want bool
	}{
		{"exact", pol("get", ",", "pods", "-"), Request{Verb: "get", Resource: "pods"}, true},
		{"other verb", pol("get", "", "pods", "-"), Request{Verb: "delete", Resource: "pods"}, false},
		{"star verb", pol("*", "", "pods", "-"), Request{Verb: "escalate", Resource: "pods"}, true},
		{"star group", pol("get", "*", "deployments", "-"), Request{Verb: "get", Group: "apps", Resource: "deployments"}, true},
		{"wrong group", pol("get", "", "deployments", "-"), Request{Verb: "get", Group: "apps", Resource: "deployments"}, false},
		{"star resource", pol("get", "", "*", "-"), Request{Verb: "get", Resource: "secrets"}, true},
		{"star resource covers subresources", pol("create", "", "*", "-"), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, true},
		{"resource does not cover subresource", pol("create", "", "pods", "-"), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, false},
		{"subresource", pol("create", "", "pods/exec", "-"), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, true},
		{"subresource does not cover resource", pol("get", "", "pods/log", "-"), Request{Verb: "get", Resource: "pods"}, false},
		{"star slash subresource", pol("update", "*", "*/scale", "-"), Request{Verb: "update", Group: "apps", Resource: "deployments", Subresource: "scale"}, true},
		{"star slash other subresource", pol("update", "*", "*/scale", "-"), Request{Verb: "update", Resource: "pods", Subresource: "status"}, false},
		{"star slash not the resource", pol("update", "*", "*/scale", "-"), Request{Verb: "update", Group: "apps", Resource: "deployments"}, false},
		{"resource slash star is no wildcard", pol("create", "", "pods/*", "-"), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, false},
		{"named object", pol("get", "", "secrets", "a,b"), Request{Verb: "get", Resource: "secrets", Name: "b"}, true},
		{"other object", pol("get", "", "secrets", "a,b"), Request{Verb: "get", Resource: "secrets", Name: "c"}, false},
		{"names restrict list", pol("list", "", "secrets", "a"), Request{Verb: "list", Resource: "secrets"}, false},
		{"names deny create", pol("create", "", "secrets", "a"), Request{Verb: "create", Resource: "secrets"}, false},
		{"empty name matches unnamed requests", pol("list,create", "", "secrets", ""), Request{Verb: "list", Resource: "secrets"}, true},
		{"names restrict subresource by object", pol("create", "", "pods/exec", "web-0"), Request{Verb: "create", Resource: "pods", Subresource: "exec", Name: "web-0"}, true},
		{"url", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}, Request{Verb: "get", Path: "/healthz"}, true},
		{"url prefix", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz/*"}}, Request{Verb: "get", Path: "/healthz/etcd"}, true},
		{"url star", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"*"}}, Request{Verb: "get", Path: "/metrics"}, true},
		{"url other", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}, Request{Verb: "get", Path: "/metrics"}, false},
		{"resource rule, url request", pol("get", "*", "*", "-"), Request{Verb: "get", Path: "/metrics"}, false},
		{"url rule, resource request", rbacv1.PolicyRule{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}, Request{Verb: "get", Resource: "pods"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RuleAllows(&tc.rule, tc.req); got != tc.want {
				t.Errorf("RuleAllows(%+v, %+v) = %v, want %v", tc.rule, tc.req, got, tc.want)
			}
		})
	}
}

func TestMatchRule(t *testing.T) {
	for _, tc := range []struct {
		name                                        string
		rule                                        rbacv1.PolicyRule
		verb, group, resource                       string
		ok, anyVerb, anyGroup, anyRes, unrestricted bool
	}{
		{"named", pol("get", "", "secrets", "-"), "get", "", "secrets", true, false, false, false, true},
		{"star verb", pol("*", "", "secrets", "-"), "get", "", "secrets", true, true, false, false, true},
		{"star resource", pol("get", "*", "*", "-"), "get", "", "secrets", true, false, true, true, true},
		{"star slash", pol("create", "", "*/exec", "-"), "create", "", "pods/exec", true, false, false, true, true},
		{"restricted", pol("get", "", "secrets", "a"), "get", "", "secrets", true, false, false, false, false},
		{"empty name", pol("get", "", "secrets", ""), "get", "", "secrets", true, false, false, false, true},
		{"no", pol("get", "", "pods", "-"), "get", "", "secrets", false, false, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := MatchRule(&tc.rule, tc.verb, tc.group, tc.resource)
			if m.OK != tc.ok || m.OK && (m.AnyVerb != tc.anyVerb || m.AnyGroup != tc.anyGroup || m.AnyResource != tc.anyRes || m.Unrestricted() != tc.unrestricted) {
				t.Errorf("MatchRule = %+v", m)
			}
		})
	}
}

func TestParseResource(t *testing.T) {
	for _, tc := range []struct {
		in, group, resource, sub string
		err                      bool
	}{
		{"pods", "", "pods", "", false},
		{"pods/exec", "", "pods", "exec", false},
		{"deployments", "apps", "deployments", "", false},
		{"deployments.apps/scale", "apps", "deployments", "scale", false},
		{"widgets.example.com", "example.com", "widgets", "", false},
		{"mutatingwebhookconfigurations", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", false},
		{"*", "", "*", "", false},
		{"", "", "", "", true},
		{"pods/", "", "", "", true},
		{"pods/exec/x", "", "", "", true},
		{"Pods", "", "", "", true},
		{"pods.", "", "", "", true},
	} {
		g, r, s, err := ParseResource(tc.in)
		if (err != nil) != tc.err || err == nil && (g != tc.group || r != tc.resource || s != tc.sub) {
			t.Errorf("ParseResource(%q) = %q %q %q %v", tc.in, g, r, s, err)
		}
		if err == nil && tc.in != "" {
			back := FormatResource(g, r)
			if s != "" {
				back = FormatResource(g, r+"/"+s)
			}
			if g2, r2, s2, _ := ParseResource(back); g2 != g || r2 != r || s2 != s {
				t.Errorf("FormatResource round trip of %q: %q", tc.in, back)
			}
		}
	}
}

func FuzzParseResource(f *testing.F) {
	for _, s := range []string{"pods", "pods/exec", "deployments.apps/scale", "*", "a.b.c/d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, r, sub, err := ParseResource(s)
		if err != nil {
			return
		}
		res := r
		if sub != "" {
			res += "/" + sub
		}
		if g2, r2, s2, err := ParseResource(FormatResource(g, res)); err != nil || g2 != g || r2 != r || s2 != sub {
			t.Errorf("round trip of %q: %q %q %q %v", s, g2, r2, s2, err)
		}
	})
}
