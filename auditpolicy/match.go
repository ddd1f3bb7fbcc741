package auditpolicy

import (
	"fmt"
	"slices"
	"strings"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// Request is what an audit policy sees of an API request: the
// authorization attributes of k8s.io/apiserver. A resource request has a
// Resource; a request without one is a non-resource request for Path.
type Request struct {
	// User is the user name, Groups the user's groups (the API server adds
	// system:authenticated, or system:unauthenticated for the anonymous
	// user).
	User   string
	Groups []string
	// Unauthenticated marks a request whose authentication failed: the
	// API server logs it with no user at all, and rules that name users
	// or groups do not match it. User and Groups are then empty.
	Unauthenticated bool
	// Verb is the Kubernetes verb of a resource request (get, list, watch,
	// create, update, patch, delete, deletecollection, or a special verb
	// such as impersonate, bind, escalate), or the lower-case HTTP method of
	// a non-resource request.
	Verb string
	// Namespace is "" for cluster-scoped objects and for requests across
	// all namespaces.
	Namespace string
	// APIGroup is "" for the core group.
	APIGroup    string
	Resource    string
	Subresource string
	// Name is the object's name, "" when the request names none (list,
	// create, deletecollection).
	Name string
	// Path is the URL path of a non-resource request, such as "/healthz".
	Path string
}

// IsResource reports whether r is a resource request.
func (r Request) IsResource() bool { return r.Resource != "" }

// String writes the request the way kubectl auth can-i reads one: "create
// pods/exec -n default web as alice (system:authenticated)".
func (r Request) String() string {
	var b strings.Builder
	b.WriteString(r.Verb)
	b.WriteByte(' ')
	if !r.IsResource() {
		b.WriteString(r.Path)
	} else {
		b.WriteString(r.Resource)
		if r.APIGroup != "" {
			b.WriteString("." + r.APIGroup)
		}
		if r.Subresource != "" {
			b.WriteString("/" + r.Subresource)
		}
		if r.Name != "" {
			b.WriteString(" " + r.Name)
		}
		if r.Namespace != "" {
			b.WriteString(" -n " + r.Namespace)
		}
	}
	if r.Unauthenticated {
		b.WriteString(" (authentication failed)")
	} else if r.User != "" || len(r.Groups) > 0 {
		fmt.Fprintf(&b, " as %s", r.User)
		if len(r.Groups) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(r.Groups, ", "))
		}
	}
	return b.String()
}

// StageSet is a set of audit stages.
type StageSet uint8

func stageBit(s auditv1.Stage) StageSet {
	for i, v := range Stages {
		if v == s {
			return 1 << i
		}
	}
	return 0
}

// StagesOf returns the set of the stages named.
func StagesOf(stages ...auditv1.Stage) StageSet {
	var s StageSet
	for _, st := range stages {
		s |= stageBit(st)
	}
	return s
}

// Has reports whether s holds stage st.
func (s StageSet) Has(st auditv1.Stage) bool {
	b := stageBit(st)
	return b != 0 && s&b != 0
}

// List returns the stages of s in request order.
func (s StageSet) List() []auditv1.Stage {
	var out []auditv1.Stage
	for i, v := range Stages {
		if s&(1<<i) != 0 {
			out = append(out, v)
		}
	}
	return out
}

// Decision is what a policy decides for a request.
type Decision struct {
	Level auditv1.Level
	// Omit are the stages no event is written for: the policy's
	// omitStages and the deciding rule's.
	Omit StageSet
	// OmitManagedFields is the deciding rule's setting, else the policy's.
	OmitManagedFields bool
	// Rule is the index of the deciding rule, -1 when no rule matches
	// (the request is then not logged).
	Rule int
}

// Logged reports whether the request is logged at all.
func (d Decision) Logged() bool { return Rank(d.Level) > 0 }

// Evaluate returns the decision of the policy for a request: the first
// rule that matches it decides the level and the omitted stages, as in
// the API server's policy checker (k8s.io/apiserver/pkg/audit/policy).
func (p *Policy) Evaluate(r Request) Decision {
	policyOmit := StagesOf(p.OmitStages...)
	for i := range p.Rules {
		rule := &p.Rules[i]
		if RuleMatches(rule, r) {
			d := Decision{Level: rule.Level, Omit: policyOmit | StagesOf(rule.OmitStages...), OmitManagedFields: p.OmitManagedFields, Rule: i}
			if rule.OmitManagedFields != nil {
				d.OmitManagedFields = *rule.OmitManagedFields
			}
			return d
		}
	}
	return Decision{Level: auditv1.LevelNone, Omit: policyOmit, OmitManagedFields: p.OmitManagedFields, Rule: -1}
}

// RuleMatches reports whether a rule matches a request. Every selector a
// rule sets must match: users (the user's name), userGroups (any of the
// user's groups), verbs, and for resource requests namespaces ("" is a
// cluster-scoped object or a request across namespaces) and resources;
// for non-resource requests nonResourceURLs. A rule that sets resources
// or namespaces matches only resource requests, one that sets
// nonResourceURLs only non-resource requests, one that sets neither both.
func RuleMatches(rule *auditv1.PolicyRule, r Request) bool {
	if len(rule.Users) > 0 && (r.Unauthenticated || !slices.Contains(rule.Users, r.User)) {
		return false
	}
	if len(rule.UserGroups) > 0 && (r.Unauthenticated || !anyIn(r.Groups, rule.UserGroups)) {
		return false
	}
	if len(rule.Verbs) > 0 && !slices.Contains(rule.Verbs, r.Verb) {
		return false
	}
	if len(rule.Namespaces) > 0 || len(rule.Resources) > 0 {
		return r.IsResource() && matchesResource(rule, r)
	}
	if len(rule.NonResourceURLs) > 0 {
		if r.IsResource() {
			return false
		}
		for _, spec := range rule.NonResourceURLs {
			if PathMatches(r.Path, spec) {
				return true
			}
		}
		return false
	}
	return true
}

func anyIn(values, set []string) bool {
	for _, v := range values {
		if slices.Contains(set, v) {
			return true
		}
	}
	return false
}

// PathMatches reports whether a non-resource URL spec matches a path: "*"
// matches every path, a spec ending in "*" every path it is a prefix of
// (its stars removed), any other spec only itself.
func PathMatches(path, spec string) bool {
	return spec == "*" || spec == path || strings.HasSuffix(spec, "*") && strings.HasPrefix(path, strings.TrimRight(spec, "*"))
}

func matchesResource(rule *auditv1.PolicyRule, r Request) bool {
	if len(rule.Namespaces) > 0 && !slices.Contains(rule.Namespaces, r.Namespace) {
		return false
	}
	if len(rule.Resources) == 0 {
		return true
	}
	for i := range rule.Resources {
		if EntryMatches(&rule.Resources[i], r.APIGroup, r.Resource, r.Subresource, r.Name) {
			return true
		}
	}
	return false
}

// EntryMatches reports whether one entry of a rule's resources matches a
// resource request. The group must be equal (or "*", every group); an
// entry without resources matches every resource of the group; else, when
// the name is among resourceNames (or there are none), a resource matches
// as written: "*" every resource and subresource, "pods" the resource
// alone, "pods/log" that subresource, "*/status" that subresource of every
// resource, "pods/*" every subresource of pods and pods itself.
func EntryMatches(gr *auditv1.GroupResources, group, resource, subresource, name string) bool {
	if gr.Group != group && gr.Group != "*" {
		return false
	}
	if len(gr.Resources) == 0 {
		return true
	}
	if len(gr.ResourceNames) > 0 && !slices.Contains(gr.ResourceNames, name) {
		return false
	}
	for _, res := range gr.Resources {
		if resourceMatches(res, resource, subresource) {
			return true
		}
	}
	return false
}

// resourceMatches applies one resources entry ("pods", "pods/*", ...) to
// a resource and subresource, as the API server's checker does.
func resourceMatches(spec, resource, subresource string) bool {
	if spec == "*" {
		return true
	}
	if subresource == "" {
		if spec == resource {
			return true
		}
	} else if len(spec) == len(resource)+1+len(subresource) && strings.HasPrefix(spec, resource) && spec[len(resource)] == '/' && strings.HasSuffix(spec, subresource) {
		return true
	}
	if subresource != "" && strings.HasPrefix(spec, "*/") && spec[2:] == subresource {
		return true
	}
	return strings.HasSuffix(spec, "/*") && spec[:len(spec)-2] == resource
}
