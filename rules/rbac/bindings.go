package rbac

import (
	"fmt"
	"strconv"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rbac"
	"github.com/bulwark-sec/bulwark/rule"
)

// bindingCheck examines one subject of a binding and returns the message,
// or ok false.
type bindingCheck func(g *rbac.Graph, b *rbac.Binding, s rbac.BoundSubject) (msg string, ok bool)

// checkSubjects reports at each subject entry of the scan's bindings what
// check finds.
func checkSubjects(check bindingCheck) func(*rule.Pass) error {
	return func(p *rule.Pass) error {
		g, err := graphOf(p)
		if err != nil {
			return err
		}
		for _, b := range g.Bindings {
			for _, s := range b.Subjects {
				if msg, ok := check(g, b, s); ok {
					p.Report(b.Object.At("subjects", strconv.Itoa(s.Index)), msg)
				}
			}
		}
		return nil
	}
}

// whereText says where a binding grants: "cluster-wide" or "in namespace
// shop".
func whereText(b *rbac.Binding) string {
	if b.Kind == "ClusterRoleBinding" {
		return "cluster-wide"
	}
	return "in namespace " + b.Namespace
}

// adminRole reports whether a binding's role is cluster-admin or holds a
// rule with every verb on every resource.
func adminRole(b *rbac.Binding) bool {
	if b.Role == nil {
		return b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == "cluster-admin"
	}
	return b.Role.Builtin && b.Role.Name == "cluster-admin" || fullWildcard(b.Role)
}

// defaultAccount reports whether a subject is a namespace's default
// service account.
func defaultAccount(s rbac.Subject) bool {
	return s.Kind == rbacv1.ServiceAccountKind && s.Name == "default"
}

func adminBindingRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB012", Slug: "rbac-admin-binding", Kind: rule.KubeSet, Severity: finding.High,
		Title: "cluster-admin or a wildcard role is bound to a subject",
		Tags:  []string{tagSeed, tagCIS + "5.1.1"},
		Peers: []string{"trivy:KSV-0111", "kube-linter:cluster-admin-role-binding", "polaris:clusterrolebindingClusterAdmin",
			"polaris:rolebindingClusterAdminClusterRole", "polaris:rolebindingClusterAdminRole", "kubescape:C-0185", "kubescape:C-0035", "rbac-police:cluster_admin"},
		Why: "cluster-admin, or any role with every verb on every resource, is every right there is: bound by a " +
			"ClusterRoleBinding it owns the cluster, bound by a RoleBinding it owns the namespace (its Secrets, its " +
			"service accounts, its RoleBindings). A workload holding it turns any bug in the workload into a cluster " +
			"compromise; a person holding it permanently makes every stolen credential one. Bound to a namespace's " +
			"default service account, it goes to every pod that names no service account. Kubernetes' own identities " +
			"(system:masters, system:kube-*) are not reported; the groups of all users are RB014's.",
		Bad:         "kind: ClusterRoleBinding\nsubjects:\n- kind: ServiceAccount\n  name: deployer\n  namespace: ci\nroleRef:\n  kind: ClusterRole\n  name: cluster-admin",
		Good:        "kind: RoleBinding\nmetadata:\n  namespace: shop\nsubjects:\n- kind: ServiceAccount\n  name: deployer\n  namespace: ci\nroleRef:\n  kind: Role\n  name: shop-deployer",
		Remediation: "Bind a role with the rights the subject needs, in the namespaces it needs them; keep cluster-admin for break-glass accounts.",
		Check: checkSubjects(func(_ *rbac.Graph, b *rbac.Binding, s rbac.BoundSubject) (string, bool) {
			if !adminRole(b) || kubernetesOwn(s.Subject) || s.Public() {
				return "", false
			}
			what := "ClusterRole cluster-admin"
			if b.Role != nil && !(b.Role.Builtin && b.Role.Name == "cluster-admin") {
				what = roleName(b.Role) + " (every verb on every resource)"
			}
			msg := fmt.Sprintf("%s %s gives %s to %s %s", b.Kind, b.Name, what, s.Subject, whereText(b))
			if defaultAccount(s.Subject) {
				msg += ": every pod of the namespace that names no service account gets it"
			}
			return msg, true
		}),
	}
}

func defaultAccountRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB013", Slug: "rbac-default-service-account", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "a role is bound to a namespace's default service account",
		Tags:  []string{tagSeed, tagCIS + "5.1.5"},
		Peers: []string{"kubescape:C-0189"},
		Why: "Every pod that does not name a service account runs as its namespace's default one, with its token " +
			"mounted unless told otherwise. Rights bound to it go to all those pods, today's and tomorrow's, " +
			"including ones deployed by people who never saw the binding. Give a workload that needs rights a " +
			"service account of its own. (cluster-admin bound to a default account is RB012's.)",
		Bad:         "kind: RoleBinding\nsubjects:\n- kind: ServiceAccount\n  name: default\nroleRef:\n  kind: Role\n  name: config-reader",
		Good:        "kind: RoleBinding\nsubjects:\n- kind: ServiceAccount\n  name: web\nroleRef:\n  kind: Role\n  name: config-reader",
		Remediation: "Create a ServiceAccount for the workload that needs the rights, bind the role to it and set serviceAccountName; leave the default account without bindings.",
		Check: checkSubjects(func(g *rbac.Graph, b *rbac.Binding, s rbac.BoundSubject) (string, bool) {
			if !defaultAccount(s.Subject) || adminRole(b) || b.Role != nil && len(b.Role.Rules) == 0 && !b.Role.Unknown {
				return "", false
			}
			role := b.RoleRef.Kind + " " + b.RoleRef.Name
			msg := fmt.Sprintf("%s %s binds %s to %s, the account of every pod of the namespace that names none", b.Kind, b.Name, role, s.Subject)
			if n := len(g.Workloads(s.Subject)); n > 0 {
				msg += fmt.Sprintf(" (%d %s in the scan)", n, plural(n, "workload"))
			}
			return msg, true
		}),
	}
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

func publicSubjectRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB014", Slug: "rbac-public-subject", Kind: rule.KubeSet, Severity: finding.Critical,
		Title: "a role is bound to every user, or to anonymous users",
		Tags:  []string{tagSeed},
		Peers: []string{"trivy:KSV-0122", "kubescape:C-0262", "kubescape:C-0265"},
		Why: "system:unauthenticated and system:anonymous are every request without credentials, from anyone who " +
			"can reach the API server; system:authenticated is everyone with any credential, every service account " +
			"of every namespace included, and on managed clusters often anyone with an account at the cloud provider. " +
			"Rights bound to them are public. Kubernetes binds only discovery roles to them by default " +
			"(system:discovery, system:basic-user, system:public-info-viewer), which are not reported.",
		Bad:         "kind: ClusterRoleBinding\nsubjects:\n- kind: Group\n  name: system:authenticated\nroleRef:\n  kind: ClusterRole\n  name: view",
		Good:        "kind: ClusterRoleBinding\nsubjects:\n- kind: Group\n  name: platform-readers\nroleRef:\n  kind: ClusterRole\n  name: view",
		Remediation: "Bind the role to the groups or service accounts that need it; leave system:authenticated, system:unauthenticated and system:anonymous with Kubernetes' defaults.",
		Check: checkSubjects(func(_ *rbac.Graph, b *rbac.Binding, s rbac.BoundSubject) (string, bool) {
			if !s.Public() || b.RoleRef.Kind == "ClusterRole" && publicRoles[b.RoleRef.Name] {
				return "", false
			}
			who := "everyone who can reach the API server"
			if s.Name == "system:authenticated" {
				who = "every authenticated user and service account"
			}
			return fmt.Sprintf("%s %s gives %s %s to %s (%s) %s", b.Kind, b.Name, b.RoleRef.Kind, b.RoleRef.Name, s.Subject, who, whereText(b)), true
		}),
	}
}
