package audit

// Verb lists.
var (
	writeVerbs = []string{"create", "update", "patch", "delete", "deletecollection"}
	allVerbs   = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
	// sessionVerbs are the verbs of exec, attach and port-forward: create
	// for SPDY streams, get for WebSocket upgrades.
	sessionVerbs = []string{"create", "get"}
)

// sessionTargets are the interactive sessions into pods: the seed logs
// pods/exec and pods/portforward at RequestResponse.
var sessionTargets = []target{
	{sessionVerbs, "", "pods/exec"},
	{sessionVerbs, "", "pods/attach"},
	{sessionVerbs, "", "pods/portforward"},
}

// bodyTargets are the requests whose logged bodies would copy credentials
// into the log: the verbs whose request body holds the data (requestVerbs,
// logged from Request up) and those whose response does (responseVerbs,
// logged at RequestResponse). A watch's events and a delete's Status are
// not logged as bodies.
var bodyTargets = []struct {
	target
	requestVerbs, responseVerbs []string
	what                        string
}{
	{target{group: "", resource: "secrets"}, []string{"create", "update", "patch"}, []string{"get", "list", "create", "update", "patch", "deletecollection"}, "Secret data"},
	{target{group: "", resource: "configmaps"}, []string{"create", "update", "patch"}, []string{"get", "list", "create", "update", "patch", "deletecollection"}, "ConfigMap data (often credentials and connection strings)"},
	{target{group: "", resource: "serviceaccounts/token"}, nil, []string{"create"}, "service account tokens"},
	{target{group: "authentication.k8s.io", resource: "tokenreviews"}, []string{"create"}, []string{"create"}, "the bearer tokens being reviewed"},
}

// workloadWrites are the writes that change what runs, and with which
// rights: their request body is what an investigation needs (a pod's
// securityContext and hostPath volumes, a RoleBinding's subjects, a
// webhook's URL).
var workloadWrites = []target{
	{writeVerbs[:4], "", "pods"},
	{[]string{"update", "patch"}, "", "pods/ephemeralcontainers"},
	{writeVerbs[:4], "", "replicationcontrollers"},
	{writeVerbs[:4], "apps", "deployments"},
	{writeVerbs[:4], "apps", "daemonsets"},
	{writeVerbs[:4], "apps", "statefulsets"},
	{writeVerbs[:4], "apps", "replicasets"},
	{writeVerbs[:4], "batch", "jobs"},
	{writeVerbs[:4], "batch", "cronjobs"},
	{writeVerbs[:4], "", "serviceaccounts"},
	{writeVerbs[:4], "rbac.authorization.k8s.io", "roles"},
	{writeVerbs[:4], "rbac.authorization.k8s.io", "clusterroles"},
	{writeVerbs[:4], "rbac.authorization.k8s.io", "rolebindings"},
	{writeVerbs[:4], "rbac.authorization.k8s.io", "clusterrolebindings"},
	{writeVerbs[:4], "admissionregistration.k8s.io", "mutatingwebhookconfigurations"},
	{writeVerbs[:4], "admissionregistration.k8s.io", "validatingwebhookconfigurations"},
	{writeVerbs[:4], "admissionregistration.k8s.io", "validatingadmissionpolicies"},
	{writeVerbs[:4], "admissionregistration.k8s.io", "validatingadmissionpolicybindings"},
	{writeVerbs[:4], "apiextensions.k8s.io", "customresourcedefinitions"},
	{[]string{"update", "patch"}, "certificates.k8s.io", "certificatesigningrequests/approval"},
}

// securityTargets are the requests an investigation of a compromise
// needs to see at all: reading or changing Secrets, interactive access
// to pods and nodes, minting tokens, escalating RBAC rights, and the
// writes of workloadWrites.
var securityTargets = append([]target{
	{allVerbs, "", "secrets"},
	{sessionVerbs, "", "pods/exec"},
	{sessionVerbs, "", "pods/attach"},
	{sessionVerbs, "", "pods/portforward"},
	{[]string{"get", "create"}, "", "pods/proxy"},
	{[]string{"get", "create"}, "", "services/proxy"},
	{[]string{"get", "create"}, "", "nodes/proxy"},
	{[]string{"create"}, "", "serviceaccounts/token"},
	{[]string{"bind", "escalate"}, "rbac.authorization.k8s.io", "roles"},
	{[]string{"bind", "escalate"}, "rbac.authorization.k8s.io", "clusterroles"},
}, workloadWrites...)
