package auditpolicy

import (
	"slices"
	"strings"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// Covers reports whether rule a matches every request rule b matches, so
// that b, written after a, can never decide. The test is exact over the
// selectors (not their text): each selector of a must allow every value
// b's allows, and for resources every (group, resource, subresource,
// name) b's entries match must be matched by one of a's entries.
// Non-resource paths are taken to start with "/", as every URL path does,
// and the users b names to be in the groups the API server puts them in
// (GroupsOf).
func Covers(a, b *auditv1.PolicyRule) bool {
	if !subset(b.Users, a.Users) || !groupsCovered(a, b) || !subset(b.Verbs, a.Verbs) {
		return false
	}
	aRes, aURL := scopeOf(a)
	bRes, bURL := scopeOf(b)
	switch {
	case !aRes && !aURL:
		return true // a matches every request that passes the selectors above
	case !bRes && !bURL:
		return false // b matches both kinds of request, a only one
	case aRes && bURL || aURL && bRes:
		return false
	case aURL:
		for _, spec := range b.NonResourceURLs {
			if !urlCovered(spec, a.NonResourceURLs) {
				return false
			}
		}
		return true
	}
	if !subset(b.Namespaces, a.Namespaces) {
		return false
	}
	if len(a.Resources) == 0 {
		return true
	}
	if len(b.Resources) == 0 {
		// b matches every resource of every group.
		return entriesCover(a.Resources, auditv1.GroupResources{Group: "*"})
	}
	for _, e := range b.Resources {
		if !entriesCover(a.Resources, e) {
			return false
		}
	}
	return true
}

// groupsCovered tells whether every user b matches is in a group of a's
// userGroups: by b's own userGroups, or by the groups the API server
// always puts b's users in (a service account is in
// system:serviceaccounts).
func groupsCovered(a, b *auditv1.PolicyRule) bool {
	if subset(b.UserGroups, a.UserGroups) {
		return true
	}
	if len(b.Users) == 0 {
		return false
	}
	for _, u := range b.Users {
		if !anyIn(GroupsOf(u), a.UserGroups) {
			return false
		}
	}
	return true
}

// scopeOf tells whether a rule is limited to resource requests or to
// non-resource requests (neither: both kinds).
func scopeOf(r *auditv1.PolicyRule) (resource, nonResource bool) {
	if len(r.Resources) > 0 || len(r.Namespaces) > 0 {
		return true, false
	}
	return false, len(r.NonResourceURLs) > 0
}

// subset reports whether selector b (empty: any value) allows no value
// selector a (empty: any value) does not.
func subset(b, a []string) bool {
	if len(a) == 0 {
		return true
	}
	if len(b) == 0 {
		return false
	}
	for _, v := range b {
		if !slices.Contains(a, v) {
			return false
		}
	}
	return true
}

// urlCovered reports whether the specs match every path spec matches.
// Every URL path starts with "/", so "*", "/*" and "**" match the same
// paths.
func urlCovered(spec string, specs []string) bool {
	prefix, isPrefix := urlPrefix(spec)
	for _, s := range specs {
		if !isPrefix {
			if PathMatches(spec, s) {
				return true
			}
			continue
		}
		if q, ok := urlPrefix(s); ok && strings.HasPrefix(prefix, q) {
			return true
		}
	}
	return false
}

// urlPrefix returns the prefix every path a wildcard spec matches starts
// with ("/" for "*"), and false for a spec that matches one path.
func urlPrefix(spec string) (string, bool) {
	if !strings.HasSuffix(spec, "*") {
		return "", false
	}
	p := strings.TrimRight(spec, "*")
	if p == "" {
		p = "/"
	}
	return p, true
}

// entriesCover reports whether the entries as match every request entry e
// matches: every class of (group, resource, subresource, name) that the
// entries tell apart is tried.
func entriesCover(as []auditv1.GroupResources, e auditv1.GroupResources) bool {
	all := append(slices.Clone(as), e)
	groups := []string{e.Group}
	if e.Group == "*" {
		groups = append(distinctGroups(all), freshValue(distinctGroups(all), "example.com"))
	}
	res, subs, names := resourceValues(all)
	for _, g := range groups {
		for _, r := range res {
			for _, s := range subs {
				for _, n := range names {
					if EntryMatches(&e, g, r, s, n) && !slices.ContainsFunc(as, func(a auditv1.GroupResources) bool { return EntryMatches(&a, g, r, s, n) }) {
						return false
					}
				}
			}
		}
	}
	return true
}

func distinctGroups(es []auditv1.GroupResources) []string {
	var out []string
	for _, e := range es {
		if e.Group != "*" && !slices.Contains(out, e.Group) {
			out = append(out, e.Group)
		}
	}
	return out
}

// resourceValues returns one value of every class of resource,
// subresource and name the entries tell apart: those they name, a
// resource and a subresource they do not, no subresource, and a name
// they do not name and no name.
func resourceValues(es []auditv1.GroupResources) (res, subs, names []string) {
	subs = []string{""}
	names = []string{""}
	for _, e := range es {
		for _, spec := range e.Resources {
			r, s, _ := strings.Cut(spec, "/")
			if r != "*" && r != "" && !slices.Contains(res, r) {
				res = append(res, r)
			}
			if s != "*" && s != "" && !slices.Contains(subs, s) {
				subs = append(subs, s)
			}
		}
		for _, n := range e.ResourceNames {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	res = append(res, freshValue(res, "widgets"))
	subs = append(subs, freshValue(subs, "scale"))
	names = append(names, freshValue(names, "probe"))
	return res, subs, names
}

// freshValue returns a value not in used, based on base.
func freshValue(used []string, base string) string {
	v := base
	for i := 2; slices.Contains(used, v); i++ {
		v = base + "-" + itoa(i)
	}
	return v
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
