package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rbac"
	"github.com/bulwark-sec/bulwark/rule"
)

// builtinGroups are Kubernetes' own API groups: a wildcard that reaches
// one of them reaches Secrets, pods, RBAC or admission. A wildcard
// confined to an operator's own group (monitoring.coreos.com, an
// aggregated metrics API) is left alone.
var builtinGroups = map[string]bool{
	"": true, "*": true, "apps": true, "batch": true, "extensions": true, "policy": true, "autoscaling": true,
	"rbac.authorization.k8s.io": true, "admissionregistration.k8s.io": true, "certificates.k8s.io": true,
	"authentication.k8s.io": true, "authorization.k8s.io": true, "networking.k8s.io": true, "storage.k8s.io": true,
	"apiextensions.k8s.io": true, "apiregistration.k8s.io": true, "coordination.k8s.io": true, "discovery.k8s.io": true,
	"node.k8s.io": true, "scheduling.k8s.io": true, "events.k8s.io": true, "flowcontrol.apiserver.k8s.io": true,
	"resource.k8s.io": true,
}

func wildcardRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB001", Slug: "rbac-wildcard", Kind: rule.KubeSet, Severity: finding.High,
		Title: "role grants every verb or every resource (`*`)",
		Tags:  []string{tagSeed, tagCIS + "5.1.3"},
		Peers: []string{"trivy:KSV-0044", "trivy:KSV-0045", "trivy:KSV-0046", "trivy:KSV-0112", "kube-linter:wildcard-in-rules", "kubescape:C-0187"},
		Why: "A `*` grants everything that exists and everything added later: every verb includes escalate, bind, " +
			"impersonate and deletecollection; every resource includes Secrets, pods/exec, nodes/proxy and the RBAC " +
			"objects themselves, and every resource type a future CRD or Kubernetes release adds. A role with `*` cannot be " +
			"reviewed, because what it grants is not written in it. Reported when the wildcard reaches one of Kubernetes' " +
			"own API groups (a wildcard confined to an operator's own API group is left alone), and for " +
			"`nonResourceURLs: [\"*\"]` (the API server's /logs, /debug and /metrics endpoints).",
		Bad:         "rules:\n- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"*\"]",
		Good:        "rules:\n- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"get\", \"watch\", \"list\"]",
		Remediation: "List the verbs, API groups and resources the workload needs; `kubectl auth can-i --list --as=system:serviceaccount:NS:NAME` and the API server's audit log show what it uses.",
		Check:       checkEntries(checkWildcard),
	}
}

func checkWildcard(_ *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
	if slices.Contains(rl.NonResourceURLs, rbacv1.NonResourceAll) && len(rl.Verbs) > 0 {
		return "nonResourceURLs", fmt.Sprintf("%s grants %s on every non-resource URL (`*`): the API server's /logs, /debug and /metrics endpoints included",
			roleName(rl.Role), verbsText(rl.Verbs)), true
	}
	anyVerb := slices.Contains(rl.Verbs, rbacv1.VerbAll)
	anyRes := slices.Contains(rl.Resources, rbacv1.ResourceAll)
	if !anyVerb && !anyRes || len(rl.Resources) == 0 || !slices.ContainsFunc(rl.APIGroups, func(g string) bool { return builtinGroups[g] }) {
		return "", "", false
	}
	field := "verbs"
	if !anyVerb {
		field = "resources"
	}
	res := "on " + strings.Join(rl.Resources, ", ")
	if anyRes {
		res = "on every resource (`*`)"
	}
	return field, fmt.Sprintf("%s grants %s %s %s%s", roleName(rl.Role), verbsText(rl.Verbs), res, groupsText(rl.APIGroups), namesText(rl)), true
}

// verbsText writes verbs for messages: "every verb (`*`)" or "get, list".
func verbsText(verbs []string) string {
	if slices.Contains(verbs, rbacv1.VerbAll) {
		return "every verb (`*`)"
	}
	return strings.Join(verbs, ", ")
}

// groupsText writes API groups for messages.
func groupsText(groups []string) string {
	if slices.Contains(groups, rbacv1.APIGroupAll) {
		return "of every API group"
	}
	var names []string
	for _, g := range groups {
		if g == "" {
			g = "core"
		}
		names = append(names, g)
	}
	if len(names) == 1 {
		return "of the " + names[0] + " API group"
	}
	return "of the " + listText(names) + " API groups"
}

var readVerbs = []string{"get", "list", "watch", rbacv1.VerbAll}

// secretsCheck finds a rule entry that names Secrets with a read verb,
// for every object; cluster says which of the two rules asks.
func secretsCheck(cluster bool) entryCheck {
	return func(g *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
		if restricted(rl) || clusterReach(g, rl.Role) != cluster {
			return "", "", false
		}
		vs, rs := named(rl, "", readVerbs, []string{"secrets"})
		if len(rs) == 0 {
			return "", "", false
		}
		where := "in its namespace"
		switch {
		case cluster:
			where = "in every namespace (when bound by a ClusterRoleBinding)"
			if len(g.BindingsOf(rl.Role)) > 0 {
				where = "in every namespace"
			}
		case rl.Role.Kind == "ClusterRole":
			where = "in the namespaces of its RoleBindings"
		}
		verbs := strings.Join(vs, ", ")
		if slices.Contains(vs, rbacv1.VerbAll) {
			verbs = "do anything (`*`) to"
		}
		return "resources", fmt.Sprintf("%s can %s every Secret %s: service account tokens, credentials and keys", roleName(rl.Role), verbs, where), true
	}
}

func readSecretsClusterRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB002", Slug: "rbac-read-secrets-cluster", Kind: rule.KubeSet, Severity: finding.High,
		Title: "ClusterRole reads Secrets of every namespace",
		Tags:  []string{tagSeed, tagCIS + "5.1.2"},
		Peers: []string{"trivy:KSV-0041", "kube-linter:access-to-secrets", "kubescape:C-0015", "rbac-police:retrieve_secrets", "kubiscan:risky-get-secrets", "kubiscan:risky-list-secrets"},
		Why: "Secrets hold service account tokens, registry and cloud credentials, TLS keys and database passwords. " +
			"get, list or watch on Secrets cluster-wide reads those of every namespace, kube-system's included: " +
			"whoever holds it holds every credential in the cluster, which is as good as cluster-admin. list and " +
			"watch return the Secrets' contents, not only their names. Reported for a ClusterRole bound by a " +
			"ClusterRoleBinding, or not bound in the scan; RB003 reports reading Secrets within a namespace.",
		Bad:         "kind: ClusterRole\nrules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  verbs: [\"get\", \"list\"]",
		Good:        "kind: Role\nmetadata:\n  namespace: shop\nrules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  resourceNames: [\"shop-db\"]\n  verbs: [\"get\"]",
		Remediation: "Grant Secrets with a Role in the namespace that needs them, restricted with resourceNames to the Secrets the workload reads; mount Secrets into pods instead of reading them through the API.",
		Check:       checkEntries(secretsCheck(true)),
	}
}

func readSecretsRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB003", Slug: "rbac-read-secrets", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "role reads every Secret of a namespace",
		Tags:  []string{tagSeed, tagCIS + "5.1.2"},
		Peers: []string{"trivy:KSV-0113", "kubescape:C-0186"},
		Why: "get, list or watch on Secrets without resourceNames reads every Secret of the namespace: the tokens of " +
			"its service accounts (so their rights), and every credential stored there, now and in future. Workloads " +
			"rarely need more than one or two named Secrets, and those are better mounted than read through the API.",
		Bad:         "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  verbs: [\"get\", \"list\", \"watch\"]",
		Good:        "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  resourceNames: [\"app-tls\"]\n  verbs: [\"get\"]",
		Remediation: "Restrict the rule with resourceNames to the Secrets the workload reads (and drop list and watch), or mount those Secrets into its pods.",
		Check:       checkEntries(secretsCheck(false)),
	}
}

func podExecRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB004", Slug: "rbac-pod-exec", Kind: rule.KubeSet, Severity: finding.High,
		Title: "role can exec, attach, port-forward or add ephemeral containers to pods",
		Tags:  []string{tagSeed},
		Peers: []string{"trivy:KSV-0053", "trivy:KSV-0054", "polaris:clusterrolePodExecAttach", "polaris:rolePodExecAttach",
			"kubescape:C-0002", "kubescape:C-0063", "rbac-police:pods_exec", "rbac-police:pods_ephemeral_ctrs", "kubiscan:risky-exec-pods", "kubiscan:risky-attach-pods"},
		Why: "pods/exec and pods/attach run commands in a running container, with its service account token, its " +
			"mounted Secrets and its network position; pods/ephemeralcontainers adds a container of one's choosing to " +
			"a running pod; pods/portforward reaches ports the network policy was meant to hide. These are rights " +
			"for people debugging, not for workloads, and they reach whatever the pods can. exec and attach are " +
			"authorised as create (and as get, over a WebSocket, on older clusters).",
		Bad:         "rules:\n- apiGroups: [\"\"]\n  resources: [\"pods/exec\"]\n  verbs: [\"create\"]",
		Good:        "rules:\n- apiGroups: [\"\"]\n  resources: [\"pods\", \"pods/log\"]\n  verbs: [\"get\", \"list\"]",
		Remediation: "Keep exec, attach, port-forward and ephemeral containers out of workload roles; grant them to people only, per namespace, ideally just in time, and audit their use.",
		Check: checkEntries(func(_ *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
			var parts, effects []string
			for _, x := range []struct {
				resource, effect string
				verbs            []string
			}{
				{"pods/exec", "runs commands in running containers, with their tokens and Secrets", []string{"create", "get", rbacv1.VerbAll}},
				{"pods/attach", "runs commands in running containers, with their tokens and Secrets", []string{"create", "get", rbacv1.VerbAll}},
				{"pods/ephemeralcontainers", "adds containers of its choosing to running pods", []string{"update", "patch", rbacv1.VerbAll}},
				{"pods/portforward", "reaches pods' ports past network policies", []string{"create", "get", rbacv1.VerbAll}},
			} {
				if vs, rs := named(rl, "", x.verbs, []string{x.resource}); len(rs) > 0 {
					parts = append(parts, strings.Join(vs, ", ")+" "+x.resource)
					if !slices.Contains(effects, x.effect) {
						effects = append(effects, x.effect)
					}
				}
			}
			if len(parts) == 0 {
				return "", "", false
			}
			return "resources", fmt.Sprintf("%s can %s%s: it %s", roleName(rl.Role), listText(parts), namesText(rl), strings.Join(effects, "; it ")), true
		}),
	}
}

// powerfulRoles are ClusterRoles whose binding is as good as an escalation.
var powerfulRoles = []string{"cluster-admin", "admin", "edit"}

func escalateBindRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB005", Slug: "rbac-escalate-bind", Kind: rule.KubeSet, Severity: finding.Critical,
		Title: "role can escalate or bind roles",
		Tags:  []string{tagSeed, tagCIS + "5.1.8"},
		Peers: []string{"trivy:KSV-0050", "trivy:KSV-0051", "trivy:KSV-0052", "kubescape:C-0191", "rbac-police:escalate_roles", "rbac-police:bind_roles"},
		Why: "Kubernetes stops a subject from granting rights it does not hold, unless it has escalate (create or " +
			"edit a role with any rights) or bind (bind a role whatever its rights). With either, and the right to " +
			"write roles or bindings, a subject gives itself cluster-admin. Reported unless resourceNames restrict " +
			"bind to roles other than cluster-admin, admin and edit.",
		Bad:         "rules:\n- apiGroups: [\"rbac.authorization.k8s.io\"]\n  resources: [\"clusterroles\"]\n  verbs: [\"bind\"]",
		Good:        "rules:\n- apiGroups: [\"rbac.authorization.k8s.io\"]\n  resources: [\"clusterroles\"]\n  resourceNames: [\"widget-viewer\"]\n  verbs: [\"bind\"]",
		Remediation: "Drop escalate; restrict bind with resourceNames to the roles the subject hands out, which must not include cluster-admin, admin or edit.",
		Check: checkEntries(func(_ *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
			vs, rs := named(rl, "rbac.authorization.k8s.io", []string{"escalate", "bind"}, []string{"roles", "clusterroles"})
			if len(vs) == 0 {
				return "", "", false
			}
			if restricted(rl) && !slices.Contains(vs, "escalate") && !slices.ContainsFunc(rl.ResourceNames, func(n string) bool { return slices.Contains(powerfulRoles, n) }) {
				return "", "", false
			}
			return "verbs", fmt.Sprintf("%s can %s %s%s: it can grant itself any right", roleName(rl.Role), strings.Join(vs, " and "), strings.Join(rs, " and "), namesText(rl)), true
		}),
	}
}

func impersonateRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB006", Slug: "rbac-impersonate", Kind: rule.KubeSet, Severity: finding.Critical,
		Title: "role can impersonate users, groups or service accounts",
		Tags:  []string{tagSeed, tagCIS + "5.1.8"},
		Peers: []string{"trivy:KSV-0043", "kubescape:C-0065", "rbac-police:impersonate", "kubiscan:risky-impersonate-groups"},
		Why: "impersonate lets a subject send requests as another user, group or service account (kubectl --as, " +
			"--as-group): it holds the rights of whoever it may impersonate. On users or groups without resourceNames " +
			"that is everyone, the group system:masters included, which bypasses RBAC altogether.",
		Bad:         "rules:\n- apiGroups: [\"\"]\n  resources: [\"users\", \"groups\"]\n  verbs: [\"impersonate\"]",
		Good:        "rules:\n- apiGroups: [\"\"]\n  resources: [\"serviceaccounts\"]\n  resourceNames: [\"report-reader\"]\n  verbs: [\"impersonate\"]",
		Remediation: "Remove impersonate from workload roles; where a proxy must impersonate, restrict it with resourceNames to the identities it serves, and never to system:masters.",
		Check: checkEntries(func(_ *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
			var rs []string
			for _, grp := range []string{"", "authentication.k8s.io"} {
				_, got := named(rl, grp, []string{"impersonate"}, []string{"users", "groups", "serviceaccounts", "uids", "userextras"})
				for _, r := range got {
					if !slices.Contains(rs, r) {
						rs = append(rs, r)
					}
				}
			}
			if len(rs) == 0 {
				return "", "", false
			}
			return "verbs", fmt.Sprintf("%s can impersonate %s%s: it acts with their rights", roleName(rl.Role), strings.Join(rs, ", "), namesText(rl)), true
		}),
	}
}

// workloadResources are the resources whose write runs a pod of one's
// choosing, by API group, with the verbs that do it.
var workloadResources = []struct {
	group     string
	resources []string
	verbs     []string
}{
	{"", []string{"pods"}, []string{"create", rbacv1.VerbAll}},
	{"", []string{"replicationcontrollers"}, []string{"create", "update", "patch", rbacv1.VerbAll}},
	{"apps", []string{"deployments", "daemonsets", "statefulsets", "replicasets"}, []string{"create", "update", "patch", rbacv1.VerbAll}},
	{"batch", []string{"jobs", "cronjobs"}, []string{"create", "update", "patch", rbacv1.VerbAll}},
	{"extensions", []string{"deployments", "daemonsets", "replicasets"}, []string{"create", "update", "patch", rbacv1.VerbAll}},
}

func createPodsRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB007", Slug: "rbac-create-pods", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "role can create pods or write workloads",
		Tags:  []string{tagSeed, tagCIS + "5.1.4"},
		Peers: []string{"trivy:KSV-0048", "kube-linter:access-to-create-pods", "kubescape:C-0188", "rbac-police:assign_sa", "rbac-police:modify_pods", "kubiscan:risky-create-pod"},
		Why: "Whoever creates a pod chooses its service account, its volumes and its command: it runs code as any " +
			"service account of the namespace (and reads every Secret and ConfigMap of it by mounting them), and, " +
			"where Pod Security admission allows, as root on a node. Creating or updating a Deployment, DaemonSet, " +
			"StatefulSet, ReplicaSet, Job, CronJob or ReplicationController does the same through its controller. " +
			"The message names the service accounts in reach that can become cluster-admin, when the scan shows them.",
		Bad:         "rules:\n- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"create\", \"update\"]",
		Good:        "rules:\n- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\", \"list\", \"watch\"]",
		Remediation: "Grant pod and workload writes only to deployment pipelines and controllers that need them, in namespaces whose service accounts hold no more than the workloads need; enforce Pod Security admission there.",
		Check:       checkEntries(checkCreatePods),
	}
}

func checkCreatePods(g *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
	var parts []string
	for _, w := range workloadResources {
		for _, res := range w.resources {
			vs, rs := named(rl, w.group, w.verbs, []string{res})
			if len(rs) == 0 || restricted(rl) && slices.Equal(vs, []string{"create"}) {
				continue // resourceNames leave create with nothing it can match
			}
			if w.group != "" {
				res += "." + w.group
			}
			if !slices.Contains(parts, res) {
				parts = append(parts, res)
			}
		}
	}
	if len(parts) == 0 {
		return "", "", false
	}
	r := rl.Role
	where := "namespace " + r.Namespace
	var reach []string
	switch {
	case clusterReach(g, r):
		where = "every namespace, kube-system's included"
	default:
		var namespaces []string
		if r.Kind == "Role" {
			namespaces = []string{r.Namespace}
		} else {
			for _, b := range g.BindingsOf(r) {
				if !slices.Contains(namespaces, b.Namespace) {
					namespaces = append(namespaces, b.Namespace)
				}
			}
			where = "namespace " + strings.Join(namespaces, ", ")
		}
		for _, p := range g.Escalations() {
			if p.Subject.Kind == rbacv1.ServiceAccountKind && len(p.Steps) == 1 && slices.Contains(namespaces, p.Subject.Namespace) {
				reach = append(reach, p.Subject.String())
			}
		}
	}
	msg := fmt.Sprintf("%s can write %s: its subjects run pods as any service account of %s", roleName(r), strings.Join(parts, ", "), where)
	if len(reach) > 0 {
		msg += fmt.Sprintf(", %s among them, which can become cluster-admin", listText(reach))
	}
	return "resources", msg, true
}

func nodesProxyRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB008", Slug: "rbac-nodes-proxy", Kind: rule.KubeSet, Severity: finding.High,
		Title: "ClusterRole grants nodes/proxy",
		Tags:  []string{tagSeed, tagCIS + "5.1.10"},
		Peers: []string{"trivy:KSV-0047", "kubescape:C-0279", "rbac-police:nodes_proxy"},
		Why: "nodes/proxy reaches the kubelet API of every node through the API server: /exec and /run execute " +
			"commands in any pod of the node, /pods lists them with their specs, and requests made this way are not " +
			"audited as pod exec. Even get on nodes/proxy is enough, because the kubelet authorises a WebSocket " +
			"upgrade as get. Monitoring agents usually need nodes/metrics or nodes/stats instead.",
		Bad:         "rules:\n- apiGroups: [\"\"]\n  resources: [\"nodes/proxy\"]\n  verbs: [\"get\"]",
		Good:        "rules:\n- apiGroups: [\"\"]\n  resources: [\"nodes/metrics\", \"nodes/stats\"]\n  verbs: [\"get\"]",
		Remediation: "Replace nodes/proxy with nodes/metrics, nodes/stats or nodes/log (whatever the agent reads), or scrape the kubelet's read-only metrics endpoint.",
		Check: checkEntries(func(g *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
			if !clusterReach(g, rl.Role) {
				return "", "", false
			}
			vs, rs := named(rl, "", []string{rbacv1.VerbAll, "get", "create", "update", "patch", "delete"}, []string{"nodes/proxy"})
			if len(rs) == 0 {
				return "", "", false
			}
			return "resources", fmt.Sprintf("%s can %s nodes/proxy%s: the kubelet API of every node, exec into any pod included", roleName(rl.Role), verbsText(vs), namesText(rl)), true
		}),
	}
}

func tokenRequestRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB009", Slug: "rbac-token-request", Kind: rule.KubeSet, Severity: finding.High,
		Title: "role can create service account tokens",
		Tags:  []string{tagSeed, tagCIS + "5.1.13"},
		Peers: []string{"rbac-police:token_request", "kubescape:C-0282"},
		Why: "create on serviceaccounts/token issues a token for a service account (the TokenRequest API): whoever " +
			"holds it acts with the rights of every service account in reach, for as long as the token lives. Without " +
			"resourceNames that is every service account of the namespace, or of the cluster for a ClusterRole bound " +
			"cluster-wide.",
		Bad:         "rules:\n- apiGroups: [\"\"]\n  resources: [\"serviceaccounts/token\"]\n  verbs: [\"create\"]",
		Good:        "rules:\n- apiGroups: [\"\"]\n  resources: [\"serviceaccounts/token\"]\n  resourceNames: [\"builder\"]\n  verbs: [\"create\"]",
		Remediation: "Restrict token creation with resourceNames to the service accounts the subject must act as, and keep those accounts' rights small.",
		Check: checkEntries(func(_ *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
			if _, rs := named(rl, "", []string{"create", rbacv1.VerbAll}, []string{"serviceaccounts/token"}); len(rs) == 0 {
				return "", "", false
			}
			who := "any service account in reach"
			if restricted(rl) {
				who = "service accounts " + strings.Join(quoteAll(rl.ResourceNames), ", ")
			}
			return "resources", fmt.Sprintf("%s can create tokens for %s: it acts with their rights", roleName(rl.Role), who), true
		}),
	}
}

func csrApprovalRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB010", Slug: "rbac-csr-approval", Kind: rule.KubeSet, Severity: finding.High,
		Title: "subject can approve certificate signing requests for a signer",
		Tags:  []string{tagSeed, tagCIS + "5.1.11"},
		Peers: []string{"kubescape:C-0280", "rbac-police:approve_csrs"},
		Why: "Approving a CertificateSigningRequest takes update on certificatesigningrequests/approval and approve on " +
			"the signer (signers, named by signer). With the kube-apiserver-client signer a subject that also creates " +
			"CSRs issues itself a client certificate for any user and group, system:masters included: it is " +
			"cluster-admin, and a certificate cannot be revoked. The kubelet signers let it impersonate nodes. " +
			"Reported at the approval rule when the same role, or a subject the role is bound to, also holds " +
			"approve on a signer.",
		Bad:         "rules:\n- apiGroups: [\"certificates.k8s.io\"]\n  resources: [\"certificatesigningrequests/approval\"]\n  verbs: [\"update\"]\n- apiGroups: [\"certificates.k8s.io\"]\n  resources: [\"signers\"]\n  verbs: [\"approve\"]",
		Good:        "rules:\n- apiGroups: [\"certificates.k8s.io\"]\n  resources: [\"certificatesigningrequests\"]\n  verbs: [\"get\", \"list\", \"watch\"]",
		Remediation: "Leave CSR approval to the controller manager and to narrowly scoped approvers; restrict approve on signers with resourceNames to a signer of your own, never kubernetes.io/kube-apiserver-client.",
		Check:       checkEntries(checkCSR),
	}
}

func checkCSR(g *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
	const certs = "certificates.k8s.io"
	if !clusterReach(g, rl.Role) {
		return "", "", false
	}
	if _, rs := named(rl, certs, []string{"update", "patch", rbacv1.VerbAll}, []string{"certificatesigningrequests/approval"}); len(rs) == 0 {
		return "", "", false
	}
	signers := func(rules []*rbac.Rule) []string {
		var out []string
		for _, r := range rules {
			if vs, _ := named(r, certs, []string{"approve", rbacv1.VerbAll}, []string{"signers"}); len(vs) > 0 {
				if len(r.ResourceNames) == 0 {
					return []string{"every signer"}
				}
				out = append(out, r.ResourceNames...)
			}
		}
		return out
	}
	if s := signers(rl.Role.Rules); len(s) > 0 {
		return "resources", fmt.Sprintf("%s can approve certificate signing requests for %s", roleName(rl.Role), strings.Join(s, ", ")), true
	}
	for _, b := range g.BindingsOf(rl.Role) {
		for _, s := range b.Subjects {
			var rules []*rbac.Rule
			for _, gr := range g.GrantsOf(s.Subject) {
				if gr.Namespace == "" {
					rules = append(rules, gr.Rule)
				}
			}
			if sg := signers(rules); len(sg) > 0 {
				return "resources", fmt.Sprintf("%s can approve certificate signing requests, and %s, bound to it, also holds approve on %s", roleName(rl.Role), s.Subject, strings.Join(sg, ", ")), true
			}
		}
	}
	return "", "", false
}

func webhookRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB011", Slug: "rbac-admission-config", Kind: rule.KubeSet, Severity: finding.High,
		Title: "ClusterRole can write admission webhook or policy configurations",
		Tags:  []string{tagSeed, tagCIS + "5.1.12"},
		Peers: []string{"trivy:KSV-0114", "kubescape:C-0281", "rbac-police:control_webhooks"},
		Why: "The API server sends every matching request to the webhooks of MutatingWebhookConfigurations and " +
			"ValidatingWebhookConfigurations: whoever writes them receives every object admitted (Secrets included) " +
			"and, with a mutating webhook, rewrites it (adds a container to every pod). Deleting or loosening a " +
			"validating webhook or admission policy turns off the controls it enforces. Reported for writes " +
			"without resourceNames (an operator patching the caBundle of its own webhook names it).",
		Bad:         "rules:\n- apiGroups: [\"admissionregistration.k8s.io\"]\n  resources: [\"mutatingwebhookconfigurations\"]\n  verbs: [\"create\", \"update\", \"patch\"]",
		Good:        "rules:\n- apiGroups: [\"admissionregistration.k8s.io\"]\n  resources: [\"mutatingwebhookconfigurations\"]\n  resourceNames: [\"my-operator-webhook\"]\n  verbs: [\"get\", \"update\", \"patch\"]",
		Remediation: "Install webhook and policy configurations with the release, not from a running workload; where an operator must update its own, restrict the rule with resourceNames to it.",
		Check: checkEntries(func(g *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
			if !clusterReach(g, rl.Role) || restricted(rl) {
				return "", "", false
			}
			vs, rs := named(rl, "admissionregistration.k8s.io", []string{rbacv1.VerbAll, "create", "update", "patch", "delete", "deletecollection"},
				[]string{"mutatingwebhookconfigurations", "validatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings", "mutatingadmissionpolicies", "mutatingadmissionpolicybindings"})
			if len(rs) == 0 {
				return "", "", false
			}
			return "resources", fmt.Sprintf("%s can %s %s: it controls what the API server admits", roleName(rl.Role), verbsText(vs), strings.Join(rs, ", ")), true
		}),
	}
}

func resourceNamesRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB015", Slug: "rbac-resource-names", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "resourceNames do not narrow the rule",
		Tags:  []string{tagSeed},
		Why: "resourceNames look like they confine a rule to a few objects, but two things undo that. The empty " +
			"name `\"\"` matches every request that names no object: list and watch of all objects, create of any, " +
			"deletecollection. And a subject bound to the role that gets the same verb on the same resource without " +
			"resourceNames from another rule or binding can do it to every object anyway. (resourceNames cannot " +
			"restrict create or deletecollection at all: such a rule grants no create, which is not an over-grant; " +
			"and list or watch with resourceNames need a metadata.name field selector, which keeps them narrow.)",
		Bad:         "rules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  resourceNames: [\"\"]\n  verbs: [\"get\", \"list\"]",
		Good:        "rules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  resourceNames: [\"app-tls\"]\n  verbs: [\"get\"]",
		Remediation: "Name real objects in resourceNames, and remove the broader grant that makes the restriction moot (or the restricted rule, if the broad grant is intended).",
		Check:       checkEntries(checkNames),
	}
}

// anyName is a name no rule lists: a grant that allows a request for it
// covers every object.
const anyName = "\x00any object"

func checkNames(g *rbac.Graph, rl *rbac.Rule) (string, string, bool) {
	if len(rl.ResourceNames) == 0 || len(rl.Resources) == 0 {
		return "", "", false
	}
	if slices.Contains(rl.ResourceNames, "") {
		return "resourceNames", fmt.Sprintf("%s lists the empty name in resourceNames, which matches every request that names no object: %s on %s are not restricted for list, watch, create and deletecollection",
			roleName(rl.Role), verbsText(rl.Verbs), strings.Join(rl.Resources, ", ")), true
	}
	for _, b := range g.BindingsOf(rl.Role) {
		for _, s := range b.Subjects {
			grants := g.GrantsOf(s.Subject)
			for _, verb := range rl.Verbs {
				if verb == "create" || verb == "deletecollection" {
					continue // resourceNames never restrict these: nothing to undo
				}
				for _, grp := range rl.APIGroups {
					for _, res := range rl.Resources {
						base, sub, _ := strings.Cut(res, "/")
						ns := b.Namespace
						if ns == "" {
							ns = rbac.AnyNamespace
						}
						req := rbac.Request{Verb: verb, Group: grp, Resource: base, Subresource: sub, Name: anyName, Namespace: ns}
						for _, gr := range grants {
							if gr.Rule != rl && gr.Allows(req) {
								return "resourceNames", fmt.Sprintf("%s restricts %s %s to %s, but %s may %s all %s through %s -> %s%s",
									roleName(rl.Role), verb, res, strings.Join(quoteAll(rl.ResourceNames), ", "), s.Subject, verb, res,
									gr.Binding.String(), gr.Binding.Role.String(), locText(gr.Rule)), true
							}
						}
					}
				}
			}
		}
	}
	return "", "", false
}

// locText writes where a rule is written: " (path:line)", or "" for a
// built-in role's.
func locText(rl *rbac.Rule) string {
	loc := rl.Location()
	if loc.Path == "" {
		return ""
	}
	return fmt.Sprintf(" (%s:%d)", loc.Path, loc.Start.Line)
}
