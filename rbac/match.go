package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// AnyNamespace, as a Request's namespace, asks about every namespace and
// the cluster scope at once: grants of any scope answer it.
const AnyNamespace = "*"

// Request is what a subject asks the API server, in the terms the RBAC
// authorizer sees: a verb on a resource (with its API group, subresource,
// object name and namespace), or a verb on a non-resource URL.
type Request struct {
	Verb string
	// Group is the API group ("" for the core group).
	Group string
	// Resource is the resource's plural name ("pods"); Subresource is
	// "exec" for pods/exec.
	Resource, Subresource string
	// Name is the object's name; "" for requests that name none (list,
	// watch, create, deletecollection).
	Name string
	// Namespace is the request's namespace: "" for cluster-scoped requests
	// (and requests across every namespace), AnyNamespace for "anywhere".
	Namespace string
	// Path is a non-resource URL such as "/metrics"; a request with a Path
	// is a non-resource request and its resource fields are ignored.
	Path string
}

// CombinedResource returns the resource as RBAC rules write it:
// "pods/exec" for the exec subresource of pods.
func (r Request) CombinedResource() string {
	if r.Subresource == "" {
		return r.Resource
	}
	return r.Resource + "/" + r.Subresource
}

// RuleAllows reports whether a policy rule allows a request, with the
// semantics of Kubernetes' RBAC authorizer (plugin/pkg/auth/authorizer/rbac
// RuleAllows and the rbac/v1 evaluation helpers): "*" matches every verb,
// API group and resource; "*/scale" matches the scale subresource of every
// resource, while "pods/*" is not a wildcard; resourceNames restrict the
// request to objects of those names, so a request that names no object
// (list, watch, create, deletecollection) is allowed only by a rule
// without resourceNames (or one listing the empty name); a non-resource
// URL ending in "*" matches every URL under its prefix.
func RuleAllows(rule *rbacv1.PolicyRule, r Request) bool {
	if !verbMatches(rule, r.Verb) {
		return false
	}
	if r.Path != "" {
		return nonResourceURLMatches(rule, r.Path)
	}
	return apiGroupMatches(rule, r.Group) &&
		resourceMatches(rule, r.CombinedResource(), r.Subresource) &&
		resourceNameMatches(rule, r.Name)
}

func verbMatches(rule *rbacv1.PolicyRule, verb string) bool {
	for _, v := range rule.Verbs {
		if v == rbacv1.VerbAll || v == verb {
			return true
		}
	}
	return false
}

func apiGroupMatches(rule *rbacv1.PolicyRule, group string) bool {
	for _, g := range rule.APIGroups {
		if g == rbacv1.APIGroupAll || g == group {
			return true
		}
	}
	return false
}

func resourceMatches(rule *rbacv1.PolicyRule, combined, subresource string) bool {
	for _, res := range rule.Resources {
		switch {
		case res == rbacv1.ResourceAll, res == combined:
			return true
		case subresource != "" && res == "*/"+subresource:
			return true
		}
	}
	return false
}

func resourceNameMatches(rule *rbacv1.PolicyRule, name string) bool {
	if len(rule.ResourceNames) == 0 {
		return true
	}
	for _, n := range rule.ResourceNames {
		if n == name {
			return true
		}
	}
	return false
}

func nonResourceURLMatches(rule *rbacv1.PolicyRule, path string) bool {
	for _, u := range rule.NonResourceURLs {
		switch {
		case u == rbacv1.NonResourceAll, u == path:
			return true
		case strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")):
			return true
		}
	}
	return false
}

// Match says how a policy rule grants a verb on a resource, for checks
// that tell a rule naming a right from one that grants it only through a
// wildcard.
type Match struct {
	// OK says the rule grants the verb on the resource (to some object).
	OK bool
	// AnyVerb, AnyGroup and AnyResource say the verb, the API group or the
	// resource is matched only through a wildcard ("*", or "*/sub" for a
	// subresource).
	AnyVerb, AnyGroup, AnyResource bool
	// Names are the resourceNames the grant is restricted to; nil means
	// every object.
	Names []string
}

// Unrestricted reports whether the grant covers every object: no
// resourceNames, or resourceNames listing the empty name, which matches
// every request that names no object (list, watch, create,
// deletecollection).
func (m Match) Unrestricted() bool {
	if len(m.Names) == 0 {
		return true
	}
	for _, n := range m.Names {
		if n == "" {
			return true
		}
	}
	return false
}

// MatchRule reports whether and how a rule grants verb on resource (which
// may be "pods/exec") in group, whatever the object's name.
func MatchRule(rule *rbacv1.PolicyRule, verb, group, resource string) Match {
	var m Match
	if len(rule.NonResourceURLs) > 0 && len(rule.Resources) == 0 {
		return m
	}
	exact, any := contains(rule.Verbs, verb), contains(rule.Verbs, rbacv1.VerbAll)
	if !exact && !any {
		return m
	}
	m.AnyVerb = !exact
	exact, any = contains(rule.APIGroups, group), contains(rule.APIGroups, rbacv1.APIGroupAll)
	if !exact && !any {
		return m
	}
	m.AnyGroup = !exact
	_, sub, _ := strings.Cut(resource, "/")
	exact = contains(rule.Resources, resource)
	any = contains(rule.Resources, rbacv1.ResourceAll) || sub != "" && contains(rule.Resources, "*/"+sub)
	if !exact && !any {
		return m
	}
	m.AnyResource = !exact
	m.OK = true
	m.Names = rule.ResourceNames
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
