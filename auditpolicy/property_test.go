package auditpolicy

import (
	"math/rand/v2"
	"slices"
	"testing"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// Small vocabularies, so that random rules overlap often.
var (
	vocUsers  = []string{"alice", "bob", "system:kube-proxy", Anonymous}
	vocGroups = []string{"dev", "ops", "system:nodes", Authenticated, Unauthenticated}
	vocVerbs  = []string{"get", "list", "create", "delete", "watch"}
	vocNS     = []string{"", "default", "kube-system"}
	vocGroup  = []string{"", "apps", "*", "rbac.authorization.k8s.io"}
	vocRes    = []string{"pods", "pods/exec", "pods/*", "*/status", "*", "secrets", "deployments", "deployments/scale"}
	vocNames  = []string{"web", "db"}
	vocURLs   = []string{"/healthz", "/healthz*", "/api*", "*", "/version", "/apis/*"}
	vocStages = []auditv1.Stage{auditv1.StageRequestReceived, auditv1.StageResponseStarted, auditv1.StageResponseComplete, auditv1.StagePanic}
)

func pick[T any](r *rand.Rand, from []T, max int) []T {
	n := r.IntN(max + 1)
	var out []T
	for range n {
		out = append(out, from[r.IntN(len(from))])
	}
	return out
}

// randomRule makes a valid rule of the vocabularies.
func randomRule(r *rand.Rand) auditv1.PolicyRule {
	rule := auditv1.PolicyRule{
		Level:      Levels[r.IntN(len(Levels))],
		Users:      pick(r, vocUsers, 2),
		UserGroups: pick(r, vocGroups, 2),
		Verbs:      pick(r, vocVerbs, 2),
		OmitStages: pick(r, vocStages, 1),
	}
	if r.IntN(4) == 0 {
		b := r.IntN(2) == 0
		rule.OmitManagedFields = &b
	}
	switch r.IntN(3) {
	case 0: // resources
		rule.Namespaces = pick(r, vocNS, 2)
		for range r.IntN(3) {
			gr := auditv1.GroupResources{Group: vocGroup[r.IntN(len(vocGroup))], Resources: pick(r, vocRes, 2)}
			if len(gr.Resources) > 0 {
				gr.ResourceNames = pick(r, vocNames, 1)
			}
			rule.Resources = append(rule.Resources, gr)
		}
	case 1:
		rule.NonResourceURLs = pick(r, vocURLs, 2)
	}
	return rule
}

func randomPolicy(r *rand.Rand, n int) *Policy {
	p := &Policy{Policy: auditv1.Policy{OmitStages: pick(r, vocStages, 1), OmitManagedFields: r.IntN(2) == 0}}
	for range n {
		p.Rules = append(p.Rules, randomRule(r))
	}
	return p
}

// randomRequest makes a request of the vocabularies (and outside them).
func randomRequest(r *rand.Rand) Request {
	users := append(slices.Clone(vocUsers), "carol")
	req := Request{User: users[r.IntN(len(users))], Verb: append(slices.Clone(vocVerbs), "patch")[r.IntN(6)]}
	if r.IntN(10) == 0 {
		req.User, req.Unauthenticated = "", true
	} else if req.User == Anonymous {
		req.Groups = []string{Unauthenticated}
	} else {
		req.Groups = append([]string{Authenticated}, pick(r, []string{"dev", "ops", "system:nodes", "qa"}, 2)...)
	}
	if r.IntN(4) == 0 {
		req.Path = []string{"/healthz", "/healthz/etcd", "/api", "/apis/apps", "/version", "/metrics"}[r.IntN(6)]
		return req
	}
	req.Namespace = append(slices.Clone(vocNS), "team")[r.IntN(4)]
	req.APIGroup = []string{"", "apps", "rbac.authorization.k8s.io", "example.com"}[r.IntN(4)]
	req.Resource = []string{"pods", "secrets", "deployments", "widgets"}[r.IntN(4)]
	req.Subresource = []string{"", "", "exec", "status", "scale"}[r.IntN(5)]
	req.Name = []string{"", "web", "db", "other"}[r.IntN(4)]
	return req
}

// TestRandomPolicies compares the package with the API server's checker
// on every explored class and on random requests of random policies, and
// checks that every rule deciding a random request decides an explored
// class (the exploration misses no class).
func TestRandomPolicies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		p := randomPolicy(r, 1+r.IntN(6))
		check := oracle(t, p)
		deciders := map[int]bool{}
		complete := p.Explore(Space{}, func(req Request, d Decision) bool {
			deciders[d.Rule] = true
			if want := check(req); !sameDecision(d, want) {
				t.Fatalf("policy %d: %s: got %+v, API server %+v\n%+v", i, req, d, want, p.Rules)
			}
			return true
		})
		if !complete {
			t.Fatalf("policy %d: exploration incomplete", i)
		}
		for range 200 {
			req := randomRequest(r)
			d := p.Evaluate(req)
			if want := check(req); !sameDecision(d, want) {
				t.Fatalf("policy %d: %s: got %+v, API server %+v\n%+v", i, req, d, want, p.Rules)
			}
			if !deciders[d.Rule] {
				t.Fatalf("policy %d: rule %d decides %s but no explored class\n%+v", i, d.Rule, req, p.Rules)
			}
		}
	}
}

// TestCoversAgainstExploration checks Covers(a, b) against the
// exploration of the policy [a, b]: b decides no request exactly when a
// covers it. Rules that name the anonymous user or the groups every user
// is in are left out, as the exploration knows that every user is in one
// of them and Covers does not.
func TestCoversAgainstExploration(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	plain := func(rule auditv1.PolicyRule) bool {
		return !slices.Contains(rule.Users, Anonymous) && !slices.Contains(rule.UserGroups, Authenticated) && !slices.Contains(rule.UserGroups, Unauthenticated)
	}
	covered, n := 0, 0
	for n < 3000 {
		a, b := randomRule(r), randomRule(r)
		if !plain(a) || !plain(b) {
			continue
		}
		n++
		p := &Policy{Policy: auditv1.Policy{Rules: []auditv1.PolicyRule{a, b}}}
		decides := false
		p.Explore(Space{}, func(_ Request, d Decision) bool {
			decides = decides || d.Rule == 1
			return !decides
		})
		got := Covers(&a, &b)
		if got == decides {
			t.Fatalf("Covers = %v but rule b decides some request: %v\na=%+v\nb=%+v", got, decides, a, b)
		}
		if got {
			covered++
		}
	}
	if covered < 50 {
		t.Errorf("only %d covered pairs: the test says little", covered)
	}
}

// TestValidateAgainstAPIServer compares Validate with the API server's
// validation on rules with invalid parts.
func TestValidateAgainstAPIServer(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	badLevels := []auditv1.Level{"", "metadata", "All"}
	badStages := []auditv1.Stage{"", "requestReceived", "Done"}
	badGroups := []string{"apps/v1", "Apps", "rbac.authorization.k8s.io/v1", "-x", "a..b"}
	badURLs := []string{"healthz", "/a*b", "**", "", "/x**"}
	for i := range 2000 {
		p := randomPolicy(r, 1+r.IntN(3))
		p.APIVersion, p.Kind = APIVersion, Kind
		for j := range p.Rules {
			rule := &p.Rules[j]
			switch r.IntN(8) {
			case 0:
				rule.Level = badLevels[r.IntN(len(badLevels))]
			case 1:
				rule.OmitStages = append(rule.OmitStages, badStages[r.IntN(len(badStages))])
			case 2:
				rule.Resources = append(rule.Resources, auditv1.GroupResources{Group: badGroups[r.IntN(len(badGroups))]})
			case 3:
				rule.NonResourceURLs = append(rule.NonResourceURLs, badURLs[r.IntN(len(badURLs))])
			case 4:
				rule.Resources = append(rule.Resources, auditv1.GroupResources{ResourceNames: []string{"x"}})
			case 5:
				rule.NonResourceURLs = append(rule.NonResourceURLs, "/x")
				rule.Namespaces = append(rule.Namespaces, "default")
			}
		}
		if r.IntN(10) == 0 {
			p.OmitStages = append(p.OmitStages, badStages[r.IntN(len(badStages))])
		}
		got := len(Validate(p)) == 0
		if want := oracleValid(t, p); got != want {
			t.Fatalf("policy %d: Validate says valid=%v, the API server %v: %v\n%+v", i, got, want, Validate(p), p.Policy)
		}
	}
}
