package rbac

import (
	"fmt"
	"strings"
)

// resourceInfo is what Bulwark knows of a built-in resource without asking
// an API server for discovery: its preferred API group and its scope.
type resourceInfo struct {
	group   string
	cluster bool
}

// resources are Kubernetes' built-in resources by plural name: the group a
// bare name means (as kubectl's discovery would resolve it, preferring
// the current group over a deprecated one) and whether objects are
// cluster-scoped. Resources not listed are taken to be namespaced and, for
// a bare name, in the core group.
var resources = map[string]resourceInfo{
	// core
	"namespaces":             {"", true},
	"nodes":                  {"", true},
	"persistentvolumes":      {"", true},
	"componentstatuses":      {"", true},
	"pods":                   {"", false},
	"secrets":                {"", false},
	"configmaps":             {"", false},
	"serviceaccounts":        {"", false},
	"services":               {"", false},
	"endpoints":              {"", false},
	"events":                 {"", false},
	"persistentvolumeclaims": {"", false},
	"replicationcontrollers": {"", false},
	"limitranges":            {"", false},
	"resourcequotas":         {"", false},
	"podtemplates":           {"", false},
	"bindings":               {"", false},
	// the impersonation resources
	"users":  {"", true},
	"groups": {"", true},
	"uids":   {"", true},
	// apps, batch, autoscaling, policy
	"deployments":              {"apps", false},
	"daemonsets":               {"apps", false},
	"statefulsets":             {"apps", false},
	"replicasets":              {"apps", false},
	"controllerrevisions":      {"apps", false},
	"jobs":                     {"batch", false},
	"cronjobs":                 {"batch", false},
	"horizontalpodautoscalers": {"autoscaling", false},
	"poddisruptionbudgets":     {"policy", false},
	"podsecuritypolicies":      {"policy", true},
	// rbac
	"roles":               {"rbac.authorization.k8s.io", false},
	"rolebindings":        {"rbac.authorization.k8s.io", false},
	"clusterroles":        {"rbac.authorization.k8s.io", true},
	"clusterrolebindings": {"rbac.authorization.k8s.io", true},
	// authentication, authorization, certificates
	"tokenreviews":               {"authentication.k8s.io", true},
	"selfsubjectreviews":         {"authentication.k8s.io", true},
	"subjectaccessreviews":       {"authorization.k8s.io", true},
	"selfsubjectaccessreviews":   {"authorization.k8s.io", true},
	"selfsubjectrulesreviews":    {"authorization.k8s.io", true},
	"localsubjectaccessreviews":  {"authorization.k8s.io", false},
	"certificatesigningrequests": {"certificates.k8s.io", true},
	"signers":                    {"certificates.k8s.io", true},
	"clustertrustbundles":        {"certificates.k8s.io", true},
	// admission
	"mutatingwebhookconfigurations":     {"admissionregistration.k8s.io", true},
	"validatingwebhookconfigurations":   {"admissionregistration.k8s.io", true},
	"validatingadmissionpolicies":       {"admissionregistration.k8s.io", true},
	"validatingadmissionpolicybindings": {"admissionregistration.k8s.io", true},
	"mutatingadmissionpolicies":         {"admissionregistration.k8s.io", true},
	"mutatingadmissionpolicybindings":   {"admissionregistration.k8s.io", true},
	// networking, discovery
	"ingresses":       {"networking.k8s.io", false},
	"networkpolicies": {"networking.k8s.io", false},
	"ingressclasses":  {"networking.k8s.io", true},
	"ipaddresses":     {"networking.k8s.io", true},
	"servicecidrs":    {"networking.k8s.io", true},
	"endpointslices":  {"discovery.k8s.io", false},
	// storage, scheduling, node, coordination, extensions of the API
	"storageclasses":              {"storage.k8s.io", true},
	"volumeattachments":           {"storage.k8s.io", true},
	"csidrivers":                  {"storage.k8s.io", true},
	"csinodes":                    {"storage.k8s.io", true},
	"csistoragecapacities":        {"storage.k8s.io", false},
	"priorityclasses":             {"scheduling.k8s.io", true},
	"runtimeclasses":              {"node.k8s.io", true},
	"leases":                      {"coordination.k8s.io", false},
	"customresourcedefinitions":   {"apiextensions.k8s.io", true},
	"apiservices":                 {"apiregistration.k8s.io", true},
	"flowschemas":                 {"flowcontrol.apiserver.k8s.io", true},
	"prioritylevelconfigurations": {"flowcontrol.apiserver.k8s.io", true},
}

// ClusterScoped reports whether a built-in resource (of group, "" for the
// core group; a subresource such as "nodes/proxy" counts as its resource)
// is cluster-scoped. Unknown resources, custom resources included, are
// taken to be namespaced.
func ClusterScoped(group, resource string) bool {
	base, _, _ := strings.Cut(resource, "/")
	info, ok := resources[base]
	return ok && info.cluster && info.group == group
}

// ParseResource reads a resource as kubectl writes it: "pods",
// "pods/exec", "deployments.apps", "deployments.apps/scale". A bare
// built-in name takes its preferred group ("deployments" is
// deployments.apps); any other bare name is of the core group. "*" and
// "*/scale" are accepted.
func ParseResource(s string) (group, resource, subresource string, err error) {
	name, sub, hasSub := strings.Cut(s, "/")
	if name == "" || hasSub && (sub == "" || strings.Contains(sub, "/")) {
		return "", "", "", fmt.Errorf("resource %q: want RESOURCE[.GROUP][/SUBRESOURCE], such as pods, pods/exec or deployments.apps", s)
	}
	resource, group, qualified := strings.Cut(name, ".")
	if !qualified {
		group = resources[resource].group
	} else if group == "" {
		return "", "", "", fmt.Errorf("resource %q: empty API group after the dot", s)
	}
	if strings.ToLower(resource) != resource || strings.ContainsAny(resource, " \t") {
		return "", "", "", fmt.Errorf("resource %q: resource names are lower-case plurals, such as pods", s)
	}
	return group, resource, sub, nil
}

// FormatResource writes a resource the way ParseResource reads it: the
// core group's "pods/exec", "deployments.apps".
func FormatResource(group, resource string) string {
	if group == "" {
		return resource
	}
	name, sub, hasSub := strings.Cut(resource, "/")
	if hasSub {
		return name + "." + group + "/" + sub
	}
	return resource + "." + group
}
