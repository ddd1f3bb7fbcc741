package auditpolicy

//go:generate go run ./internal/resgen -out resources_table.go

import (
	"slices"
	"strings"
)

// Resource is a resource the Kubernetes API server serves.
type Resource struct {
	// Group is the API group, "" for core.
	Group string
	// Name is the resource name as requests and policies write it ("pods").
	Name string
	// Namespaced tells whether objects of the resource live in namespaces.
	Namespaced bool
	// Subresources are subresources the resource is known to serve (the
	// table is not complete: "status" of most resources is not listed).
	Subresources []string
}

// extraResources are resources the API server serves whose types are not
// in the modules the table is generated from: connect subresources
// (exec, attach, portforward, proxy, log), the aggregator's APIService,
// the metrics API most clusters add, and a few more.
var extraResources = []Resource{
	{Group: "", Name: "pods", Namespaced: true, Subresources: []string{"attach", "binding", "eviction", "exec", "log", "portforward", "proxy", "status"}},
	{Group: "", Name: "nodes", Subresources: []string{"proxy", "status"}},
	{Group: "", Name: "services", Namespaced: true, Subresources: []string{"proxy", "status"}},
	{Group: "", Name: "namespaces", Subresources: []string{"finalize", "status"}},
	{Group: "", Name: "bindings", Namespaced: true},
	{Group: "apiregistration.k8s.io", Name: "apiservices", Subresources: []string{"status"}},
	{Group: "metrics.k8s.io", Name: "pods", Namespaced: true},
	{Group: "metrics.k8s.io", Name: "nodes"},
	{Group: "certificates.k8s.io", Name: "certificatesigningrequests", Subresources: []string{"approval", "status"}},
}

// BuiltinResources returns the resources of every API group Kubernetes
// serves itself (and of metrics.k8s.io), ordered by group and name.
func BuiltinResources() []Resource {
	out := slices.Clone(generatedResources)
	for _, x := range extraResources {
		i := slices.IndexFunc(out, func(r Resource) bool { return r.Group == x.Group && r.Name == x.Name })
		if i < 0 {
			out = append(out, x)
			continue
		}
		subs := slices.Clone(out[i].Subresources)
		for _, s := range x.Subresources {
			if !slices.Contains(subs, s) {
				subs = append(subs, s)
			}
		}
		slices.Sort(subs)
		out[i].Subresources = subs
	}
	slices.SortFunc(out, func(a, b Resource) int {
		if c := strings.Compare(a.Group, b.Group); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// BuiltinGroups returns the API groups of BuiltinResources, core ("")
// first.
func BuiltinGroups() []string {
	var out []string
	for _, r := range BuiltinResources() {
		if !slices.Contains(out, r.Group) {
			out = append(out, r.Group)
		}
	}
	return out
}

// LookupResource finds a built-in resource by group and name.
func LookupResource(group, name string) (Resource, bool) {
	for _, r := range generatedResources {
		if r.Group == group && r.Name == name {
			return r, true
		}
	}
	for _, r := range extraResources {
		if r.Group == group && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}
