package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels that aggregate a ClusterRole into Kubernetes' user-facing roles.
const (
	AggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin"
	AggregateToEdit  = "rbac.authorization.k8s.io/aggregate-to-edit"
	AggregateToView  = "rbac.authorization.k8s.io/aggregate-to-view"
)

// builtinRole is a ClusterRole every Kubernetes cluster has (the API
// server's bootstrap policy), modelled so that bindings to it resolve:
// cluster-admin, the aggregated admin, edit and view roles and the roles
// that feed them, and the discovery roles every user is bound to. Their
// rules are those of current Kubernetes releases, summarised where the
// detail does not change what a subject can reach (view's read rules).
type builtinRole struct {
	name        string
	labels      map[string]string
	aggregation string // the aggregate-to label it collects, if any
	rules       []rbacv1.PolicyRule
}

func rule(groups, resources, verbs string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: strings.Split(groups, ","), Resources: strings.Split(resources, ","), Verbs: strings.Split(verbs, ",")}
}

func urls(paths, verbs string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{NonResourceURLs: strings.Split(paths, ","), Verbs: strings.Split(verbs, ",")}
}

const (
	writeVerbs = "create,delete,deletecollection,patch,update"
	readVerbs  = "get,list,watch"
)

var builtinRoles = []builtinRole{
	{name: "cluster-admin", rules: []rbacv1.PolicyRule{rule("*", "*", "*"), urls("*", "*")}},
	{name: "admin", aggregation: AggregateToAdmin},
	{name: "edit", aggregation: AggregateToEdit, labels: map[string]string{AggregateToAdmin: "true"}},
	{name: "view", aggregation: AggregateToView, labels: map[string]string{AggregateToEdit: "true"}},
	{name: "system:aggregate-to-admin", labels: map[string]string{AggregateToAdmin: "true"}, rules: []rbacv1.PolicyRule{
		rule("authorization.k8s.io", "localsubjectaccessreviews", "create"),
		rule("rbac.authorization.k8s.io", "rolebindings,roles", writeVerbs+","+readVerbs),
	}},
	{name: "system:aggregate-to-edit", labels: map[string]string{AggregateToEdit: "true"}, rules: []rbacv1.PolicyRule{
		rule("", "pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,services/proxy", readVerbs),
		rule("", "serviceaccounts", "impersonate"),
		rule("", "pods,pods/attach,pods/exec,pods/portforward,pods/proxy", writeVerbs),
		rule("", "pods/eviction", "create"),
		rule("", "configmaps,events,persistentvolumeclaims,replicationcontrollers,replicationcontrollers/scale,secrets,serviceaccounts,services,services/proxy", writeVerbs),
		rule("", "serviceaccounts/token", "create"),
		rule("apps", "daemonsets,deployments,deployments/rollback,deployments/scale,replicasets,replicasets/scale,statefulsets,statefulsets/scale", writeVerbs),
		rule("autoscaling", "horizontalpodautoscalers", writeVerbs),
		rule("batch", "cronjobs,jobs", writeVerbs),
		rule("extensions", "daemonsets,deployments,deployments/rollback,deployments/scale,ingresses,networkpolicies,replicasets,replicasets/scale,replicationcontrollers/scale", writeVerbs),
		rule("policy", "poddisruptionbudgets", writeVerbs),
		rule("networking.k8s.io", "ingresses,networkpolicies", writeVerbs),
		rule("coordination.k8s.io", "leases", writeVerbs+","+readVerbs),
	}},
	{name: "system:aggregate-to-view", labels: map[string]string{AggregateToView: "true"}, rules: []rbacv1.PolicyRule{
		rule("", "configmaps,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,pods,replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,services/status", readVerbs),
		rule("", "bindings,events,limitranges,namespaces/status,pods/log,pods/status,replicationcontrollers/status,resourcequotas,resourcequotas/status", readVerbs),
		rule("", "namespaces", readVerbs),
		rule("discovery.k8s.io", "endpointslices", readVerbs),
		rule("apps", "controllerrevisions,daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,replicasets,replicasets/scale,replicasets/status,statefulsets,statefulsets/scale,statefulsets/status", readVerbs),
		rule("autoscaling", "horizontalpodautoscalers,horizontalpodautoscalers/status", readVerbs),
		rule("batch", "cronjobs,cronjobs/status,jobs,jobs/status", readVerbs),
		rule("policy", "poddisruptionbudgets,poddisruptionbudgets/status", readVerbs),
		rule("networking.k8s.io", "ingresses,ingresses/status,networkpolicies", readVerbs),
	}},
	{name: "system:auth-delegator", rules: []rbacv1.PolicyRule{
		rule("authentication.k8s.io", "tokenreviews", "create"),
		rule("authorization.k8s.io", "subjectaccessreviews", "create"),
	}},
	{name: "system:basic-user", rules: []rbacv1.PolicyRule{
		rule("authorization.k8s.io", "selfsubjectaccessreviews,selfsubjectrulesreviews", "create"),
		rule("authentication.k8s.io", "selfsubjectreviews", "create"),
	}},
	{name: "system:discovery", rules: []rbacv1.PolicyRule{
		urls("/api,/api/*,/apis,/apis/*,/healthz,/livez,/openapi,/openapi/*,/readyz,/version,/version/", "get"),
	}},
	{name: "system:public-info-viewer", rules: []rbacv1.PolicyRule{
		urls("/healthz,/livez,/readyz,/version,/version/", "get"),
	}},
}

// newBuiltinRoles returns fresh Roles for Kubernetes' bootstrap
// ClusterRoles.
func newBuiltinRoles() []*Role {
	out := make([]*Role, 0, len(builtinRoles))
	for _, b := range builtinRoles {
		r := &Role{Kind: "ClusterRole", Name: b.name, Builtin: true, Labels: b.labels}
		if b.aggregation != "" {
			r.Aggregation = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{b.aggregation: "true"}}}}
		}
		for i := range b.rules {
			r.written = append(r.written, &Rule{PolicyRule: b.rules[i], Role: r, Index: i})
		}
		out = append(out, r)
	}
	return out
}
