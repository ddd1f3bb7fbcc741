package auditpolicy

import (
	"slices"
	"strings"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// Well-known users and groups.
const (
	Anonymous       = "system:anonymous"
	Authenticated   = "system:authenticated"
	Unauthenticated = "system:unauthenticated"
)

// StandardVerbs are the verbs of resource requests, in the order Explore
// tries them.
var StandardVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// Target is a kind of resource request: some verbs on one resource (or
// subresource) of one API group.
type Target struct {
	Verbs       []string
	APIGroup    string
	Resource    string
	Subresource string
	// Namespaced tells whether the resource lives in namespaces (its
	// requests then name one, or none for a list or watch across all);
	// requests for a cluster-scoped resource have namespace "".
	Namespaced bool
}

// Space is the set of requests Explore enumerates. The zero Space is
// every request.
type Space struct {
	// Targets, when set, limit the requests to these kinds of resource
	// request, made by anyone, in any namespace, on any object.
	Targets []Target
}

// MaxClasses bounds the request classes one Explore call visits.
const MaxClasses = 200_000

// Explore calls visit with one request of every class of requests of the
// space that the policy tells apart, and the policy's decision for it,
// until visit returns false. It returns false when it stopped early: at
// visit's word, or after MaxClasses classes.
//
// Two requests are in one class when every rule the policy could still
// apply to them matches both or neither, so that what holds for the
// request shown holds for the whole class: a class the first rule
// decides whatever the other fields are is visited once. The users tried
// are those the rules name, one they do not name, and the anonymous user;
// every user but the anonymous one is in system:authenticated (the API
// server adds it) and in at most one other group the rules name (a user
// in several gets the decision of one of them), a service account also in
// the groups of service accounts (GroupsOf); the anonymous user is in
// system:unauthenticated only; and requests whose authentication failed
// have no user at all (the API server logs them too). Verbs, namespaces, groups, resources,
// subresources, names and paths are likewise those named and one not
// named.
func (p *Policy) Explore(space Space, visit func(Request, Decision) bool) bool {
	e := explorer{p: p, visit: visit, budget: MaxClasses}
	all := make([]int, len(p.Rules))
	for i := range all {
		all[i] = i
	}
	if len(space.Targets) == 0 {
		return e.walk(Request{}, all, dimsAll, 0, nil)
	}
	// Every verb of a target is visited, even when no rule tells them
	// apart, so that callers can say which verbs a finding is about.
	for _, t := range space.Targets {
		for _, verb := range t.Verbs {
			tt := t
			tt.Verbs = []string{verb}
			var alive []int
			for _, i := range all {
				if targetPossible(&p.Rules[i], &tt) {
					alive = append(alive, i)
				}
			}
			r := Request{Verb: verb, APIGroup: t.APIGroup, Resource: t.Resource, Subresource: t.Subresource}
			if !e.walk(r, alive, dimsTarget, 0, &tt) {
				return false
			}
		}
	}
	return true
}

// GroupsOf returns the groups the API server always puts a user in: the
// anonymous user in system:unauthenticated; every other user in
// system:authenticated, and a service account
// (system:serviceaccount:NAMESPACE:NAME) also in system:serviceaccounts
// and system:serviceaccounts:NAMESPACE.
func GroupsOf(user string) []string {
	if user == Anonymous {
		return []string{Unauthenticated}
	}
	if rest, ok := strings.CutPrefix(user, "system:serviceaccount:"); ok {
		if ns, name, ok := strings.Cut(rest, ":"); ok && ns != "" && name != "" {
			return []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, Authenticated}
		}
	}
	return []string{Authenticated}
}

// A dimension of the request space.
type dim int

const (
	dUser dim = iota
	dGroup
	dVerb
	dKind // resource or non-resource request
	dNamespace
	dAPIGroup
	dResource
	dSubresource
	dName
	dPath
)

var (
	dimsAll    = []dim{dUser, dGroup, dVerb, dKind, dNamespace, dAPIGroup, dResource, dSubresource, dName, dPath}
	dimsTarget = []dim{dUser, dGroup, dNamespace, dName}
)

type explorer struct {
	p      *Policy
	visit  func(Request, Decision) bool
	budget int
}

// failedAuthMark is the user value of the class of requests whose
// authentication failed.
const failedAuthMark = "\x00failed"

// nonResourceMark is the Path of a request being explored that is a
// non-resource request before its path is chosen.
const nonResourceMark = "\x00"

// walk enumerates the classes of the dimensions dims[k:], given the
// request so far and the rules that still match it (in order).
func (e *explorer) walk(r Request, alive []int, dims []dim, k int, t *Target) bool {
	// Skip the dimensions that do not apply to this kind of request.
	for k < len(dims) && !applies(dims[k], r) {
		k++
	}
	if len(alive) == 0 || k == len(dims) || decidesAll(&e.p.Rules[alive[0]], r, dims[k:]) {
		return e.leaf(r, alive, dims, k, t)
	}
	d := dims[k]
	for _, v := range e.values(d, r, alive, t) {
		next := set(d, r, v)
		var still []int
		for _, i := range alive {
			if matchesDim(&e.p.Rules[i], d, next) {
				still = append(still, i)
			}
		}
		if !e.walk(next, still, dims, k+1, t) {
			return false
		}
	}
	return true
}

// leaf visits the class: the remaining dimensions get their first value.
func (e *explorer) leaf(r Request, alive []int, dims []dim, k int, t *Target) bool {
	if e.budget--; e.budget < 0 {
		return false
	}
	for ; k < len(dims); k++ {
		if applies(dims[k], r) {
			r = set(dims[k], r, e.values(dims[k], r, alive, t)[0])
		}
	}
	if r.Path == nonResourceMark {
		r.Path = "/"
	}
	d := e.p.Evaluate(r)
	return e.visit(r, d)
}

// applies tells whether a dimension is part of a request of r's kind.
func applies(d dim, r Request) bool {
	switch d {
	case dNamespace, dAPIGroup, dResource, dSubresource, dName:
		return r.Path != nonResourceMark
	case dPath:
		return r.Path == nonResourceMark
	}
	return true
}

// set returns r with dimension d set to v.
func set(d dim, r Request, v string) Request {
	switch d {
	case dUser:
		r.User, r.Unauthenticated = v, v == failedAuthMark
		if r.Unauthenticated {
			r.User, r.Groups = "", nil
		} else {
			r.Groups = GroupsOf(v)
		}
	case dGroup:
		if v != "" {
			r.Groups = append(slices.Clone(r.Groups), v)
		}
	case dVerb:
		r.Verb = v
	case dKind:
		if v == "resource" {
			r.Path = ""
		} else {
			r.Path = nonResourceMark
		}
	case dNamespace:
		r.Namespace = v
	case dAPIGroup:
		r.APIGroup = v
	case dResource:
		r.Resource = v
	case dSubresource:
		r.Subresource = v
	case dName:
		r.Name = v
	case dPath:
		r.Path = v
	}
	return r
}

// decidesAll tells whether a rule that matches r so far matches every
// request that completes r over the dimensions dims, so that it decides
// them all when it is the first rule still alive.
func decidesAll(rule *auditv1.PolicyRule, r Request, dims []dim) bool {
	resourceDims := false
	for _, d := range dims {
		if !applies(d, r) {
			continue
		}
		switch d {
		case dUser:
			if len(rule.Users) > 0 {
				return false
			}
		case dGroup:
			if len(rule.UserGroups) > 0 {
				return false
			}
		case dVerb:
			if len(rule.Verbs) > 0 {
				return false
			}
		case dKind:
			if len(rule.Resources) > 0 || len(rule.Namespaces) > 0 || len(rule.NonResourceURLs) > 0 {
				return false
			}
		case dNamespace:
			if len(rule.Namespaces) > 0 {
				return false
			}
		case dAPIGroup, dResource, dSubresource, dName:
			resourceDims = true
		case dPath:
			if len(rule.NonResourceURLs) > 0 && !slices.ContainsFunc(rule.NonResourceURLs, func(s string) bool { p, ok := urlPrefix(s); return ok && p == "/" }) {
				return false
			}
		}
	}
	if !resourceDims || len(rule.Resources) == 0 {
		return true
	}
	groupOpen := slices.Contains(dims, dAPIGroup)
	for _, gr := range rule.Resources {
		if gr.Group != "*" && (groupOpen || gr.Group != r.APIGroup) {
			continue
		}
		if len(gr.Resources) == 0 || len(gr.ResourceNames) == 0 && slices.Contains(gr.Resources, "*") {
			return true
		}
	}
	return false
}

// matchesDim tells whether a rule can still match r once dimension d is
// set: the selectors of d (and, at the last resource dimension, of the
// whole resource entry) match.
func matchesDim(rule *auditv1.PolicyRule, d dim, r Request) bool {
	switch d {
	case dUser:
		return len(rule.Users) == 0 || !r.Unauthenticated && slices.Contains(rule.Users, r.User)
	case dGroup:
		return len(rule.UserGroups) == 0 || !r.Unauthenticated && anyIn(r.Groups, rule.UserGroups)
	case dVerb:
		return len(rule.Verbs) == 0 || slices.Contains(rule.Verbs, r.Verb)
	case dKind:
		res, url := scopeOf(rule)
		if r.Path == nonResourceMark {
			return !res
		}
		return !url
	case dNamespace:
		return len(rule.Namespaces) == 0 || slices.Contains(rule.Namespaces, r.Namespace)
	case dAPIGroup, dResource, dSubresource, dName:
		if len(rule.Resources) == 0 {
			return true
		}
		for i := range rule.Resources {
			if entryPartial(&rule.Resources[i], d, r) {
				return true
			}
		}
		return false
	case dPath:
		for _, spec := range rule.NonResourceURLs {
			if PathMatches(r.Path, spec) {
				return true
			}
		}
		return len(rule.NonResourceURLs) == 0
	}
	return true
}

// entryPartial tells whether a resources entry can match r once the
// resource dimensions up to d are set.
func entryPartial(gr *auditv1.GroupResources, d dim, r Request) bool {
	if gr.Group != r.APIGroup && gr.Group != "*" {
		return false
	}
	if d == dAPIGroup || len(gr.Resources) == 0 {
		return true
	}
	if d == dName {
		return EntryMatches(gr, r.APIGroup, r.Resource, r.Subresource, r.Name)
	}
	for _, spec := range gr.Resources {
		if d == dSubresource {
			if resourceMatches(spec, r.Resource, r.Subresource) {
				return true
			}
			continue
		}
		res, _, _ := strings.Cut(spec, "/")
		if res == "*" || res == r.Resource {
			return true
		}
	}
	return false
}

// targetPossible tells whether a rule can match some request of target t.
func targetPossible(rule *auditv1.PolicyRule, t *Target) bool {
	if len(rule.NonResourceURLs) > 0 && len(rule.Resources) == 0 && len(rule.Namespaces) == 0 {
		return false
	}
	if len(rule.Verbs) > 0 && !slices.ContainsFunc(t.Verbs, func(v string) bool { return slices.Contains(rule.Verbs, v) }) {
		return false
	}
	if len(rule.Resources) == 0 {
		return true
	}
	for _, gr := range rule.Resources {
		if gr.Group != t.APIGroup && gr.Group != "*" {
			continue
		}
		if len(gr.Resources) == 0 || slices.ContainsFunc(gr.Resources, func(spec string) bool { return resourceMatches(spec, t.Resource, t.Subresource) }) {
			return true
		}
	}
	return false
}

// values returns one value of every class of dimension d that the rules
// still alive tell apart, the most telling first.
func (e *explorer) values(d dim, r Request, alive []int, t *Target) []string {
	rules := e.p.Rules
	var named []string
	add := func(vs ...string) {
		for _, v := range vs {
			if !slices.Contains(named, v) {
				named = append(named, v)
			}
		}
	}
	switch d {
	case dUser:
		for _, i := range alive {
			add(rules[i].Users...)
		}
		out := []string{freshValue(named, "jane")}
		out = append(out, named...)
		if !slices.Contains(out, Anonymous) {
			out = append(out, Anonymous)
		}
		return append(out, failedAuthMark)
	case dGroup:
		if r.User == Anonymous || r.Unauthenticated {
			return []string{""}
		}
		out := []string{""}
		for _, i := range alive {
			for _, g := range rules[i].UserGroups {
				if g != Authenticated && g != Unauthenticated && !slices.Contains(out, g) {
					out = append(out, g)
				}
			}
		}
		return out
	case dVerb:
		if t != nil {
			return t.Verbs
		}
		for _, i := range alive {
			add(rules[i].Verbs...)
		}
		for _, v := range StandardVerbs {
			if !slices.Contains(named, v) {
				return append([]string{v}, named...)
			}
		}
		return append([]string{freshValue(named, "use")}, named...)
	case dKind:
		return []string{"resource", "non-resource"}
	case dNamespace:
		for _, i := range alive {
			for _, ns := range rules[i].Namespaces {
				if t == nil || !t.Namespaced || ns != "" {
					add(ns)
				}
			}
		}
		if t != nil && !t.Namespaced {
			return []string{""}
		}
		out := []string{freshValue(named, "default")}
		if t == nil || r.Verb == "list" || r.Verb == "watch" {
			if !slices.Contains(named, "") {
				out = append(out, "")
			}
		}
		return append(out, named...)
	case dAPIGroup:
		for _, i := range alive {
			for _, gr := range rules[i].Resources {
				if gr.Group != "*" {
					add(gr.Group)
				}
			}
		}
		return append([]string{freshValue(named, "example.com")}, named...)
	case dResource:
		for _, i := range alive {
			for _, gr := range rules[i].Resources {
				if gr.Group == r.APIGroup || gr.Group == "*" {
					for _, spec := range gr.Resources {
						if res, _, _ := strings.Cut(spec, "/"); res != "*" && res != "" {
							add(res)
						}
					}
				}
			}
		}
		return append([]string{freshValue(named, "widgets")}, named...)
	case dSubresource:
		for _, i := range alive {
			for _, gr := range rules[i].Resources {
				if gr.Group == r.APIGroup || gr.Group == "*" {
					for _, spec := range gr.Resources {
						if res, sub, ok := strings.Cut(spec, "/"); ok && (res == r.Resource || res == "*") && sub != "*" && sub != "" {
							add(sub)
						}
					}
				}
			}
		}
		out := []string{""}
		out = append(out, named...)
		return append(out, freshValue(named, "status"))
	case dName:
		for _, i := range alive {
			for _, gr := range rules[i].Resources {
				add(gr.ResourceNames...)
			}
		}
		fresh := freshValue(named, "example")
		if t != nil && r.Subresource == "" {
			switch r.Verb {
			case "list", "create", "deletecollection":
				return []string{""}
			case "watch":
				return append([]string{"", fresh}, named...)
			}
		}
		if t != nil {
			return append([]string{fresh}, named...)
		}
		return append([]string{"", fresh}, named...)
	case dPath:
		for _, i := range alive {
			for _, spec := range rules[i].NonResourceURLs {
				if p, ok := urlPrefix(spec); ok {
					add(p, p+"~probe")
				} else {
					add(spec)
				}
			}
		}
		return append([]string{freshValue(named, "/~probe")}, named...)
	}
	return []string{""}
}
