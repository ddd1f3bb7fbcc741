// Package rbac holds the rules about Kubernetes RBAC (RB001 onwards). They
// are rule.KubeSet rules: they resolve every Role, ClusterRole and binding
// of the scan (package rbac) so that a finding about a role's rule can say
// which bindings grant it to whom, and a finding about a binding can say
// what the role it binds allows, wherever each is written.
//
// Rules about what a role allows report at the rule entry (its verbs,
// resources or resourceNames line). An entry is reported for the right
// it names: a wildcard is RB001's alone, so `resources: ["*"]` is not also
// reported as reading Secrets, while `resources: [secrets]` with
// `verbs: ["*"]` is (the verb wildcard does not hide which resource is
// meant). Kubernetes' own ClusterRoles are never reported (they are not in
// the manifests); roles of operators and charts are, whatever their name.
package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulwark-sec/bulwark/rbac"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// Tags shared by the rules.
const (
	tagSeed = "seed:rbac-minimal-permissions"
	tagCIS  = "cis-kubernetes:"
)

// Rules returns the RBAC rules, newly built.
func Rules() []*rule.Rule {
	return []*rule.Rule{
		wildcardRule(), readSecretsClusterRule(), readSecretsRule(), podExecRule(), escalateBindRule(),
		impersonateRule(), createPodsRule(), nodesProxyRule(), tokenRequestRule(), csrApprovalRule(),
		webhookRule(), adminBindingRule(), defaultAccountRule(), publicSubjectRule(), resourceNamesRule(),
		escalationPathRule(),
	}
}

// graphKey is the key of the resolved graph in a set's memo.
type graphKey struct{}

// graphOf resolves the RBAC of the pass's manifest set. A single manifest
// (*kube.File) is taken as a set of one.
func graphOf(p *rule.Pass) (*rbac.Graph, error) {
	set, ok := kube.SetOf(p.Target)
	if !ok {
		return nil, fmt.Errorf("target is %T, not a set of Kubernetes manifests", p.Target)
	}
	return set.Memo(graphKey{}, func() any { return rbac.Resolve(set) }).(*rbac.Graph), nil
}

// roleName names a role as its manifest writes it: "ClusterRole
// argocd-server", "Role pod-reader".
func roleName(r *rbac.Role) string { return r.Kind + " " + r.Name }

// entryCheck examines one written rule of a role and returns the field to
// report at and the message, or ok false.
type entryCheck func(g *rbac.Graph, rl *rbac.Rule) (field, msg string, ok bool)

// checkEntries reports, for every rule written by a role of the scan, what
// check finds, followed by the subjects the role is bound to.
func checkEntries(check entryCheck) func(*rule.Pass) error {
	return func(p *rule.Pass) error {
		g, err := graphOf(p)
		if err != nil {
			return err
		}
		for _, r := range g.Roles {
			for _, rl := range r.Written() {
				if field, msg, ok := check(g, rl); ok {
					p.Report(rl.At(field), msg+boundText(g, r))
				}
			}
		}
		return nil
	}
}

// maxNamed is how many subjects a message names before "and N more".
const maxNamed = 3

// boundText says to whom the scan binds a role: "; bound to
// ServiceAccount shop/web (RoleBinding web)", or "" when it is not bound.
func boundText(g *rbac.Graph, r *rbac.Role) string {
	var named []string
	seen := map[string]bool{}
	for _, b := range g.BindingsOf(r) {
		for _, s := range b.Subjects {
			text := s.String() + " (" + b.Kind + " " + b.Name
			if b.Role != r {
				text += ", through " + roleName(b.Role)
			}
			text += ")"
			if !seen[text] {
				seen[text] = true
				named = append(named, text)
			}
		}
	}
	if len(named) == 0 {
		if len(r.AggregatedInto) > 0 {
			var into []string
			for _, a := range r.AggregatedInto {
				into = append(into, a.Name)
			}
			return "; aggregated into ClusterRole " + listText(into) + ", so whoever holds that holds this"
		}
		return ""
	}
	return "; bound to " + listText(named)
}

// listText joins items as "a, b, c and 4 more".
func listText(items []string) string {
	if len(items) > maxNamed {
		return strings.Join(items[:maxNamed], ", ") + fmt.Sprintf(" and %d more", len(items)-maxNamed)
	}
	if len(items) > 1 {
		return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
	}
	return strings.Join(items, "")
}

// clusterReach reports whether a role's rules may apply cluster-wide: a
// ClusterRole bound by a ClusterRoleBinding, or not bound in the scan at
// all (it is there to be bound). A Role, and a ClusterRole the scan binds
// only with RoleBindings, never grant cluster-scoped resources.
func clusterReach(g *rbac.Graph, r *rbac.Role) bool {
	if r.Kind != "ClusterRole" {
		return false
	}
	bindings := g.BindingsOf(r)
	return len(bindings) == 0 || slices.ContainsFunc(bindings, func(b *rbac.Binding) bool { return b.Kind == "ClusterRoleBinding" })
}

// named returns which of verbs a rule entry grants on which of resources
// (in group), naming the resource (not through "*" or "*/sub"); the verb
// may be "*". Verbs and resources come back in the order asked.
func named(rl *rbac.Rule, group string, verbs, resources []string) (vs, rs []string) {
	for _, res := range resources {
		for _, v := range verbs {
			m := rbac.MatchRule(&rl.PolicyRule, v, group, res)
			if !m.OK || m.AnyResource {
				continue
			}
			if !slices.Contains(vs, v) {
				vs = append(vs, v)
			}
			if !slices.Contains(rs, res) {
				rs = append(rs, res)
			}
		}
	}
	return vs, rs
}

// namesText describes a rule's resourceNames: "" when it has none, else
// " (only X, Y)".
func namesText(rl *rbac.Rule) string {
	if len(rl.ResourceNames) == 0 {
		return ""
	}
	return " (only " + strings.Join(quoteAll(rl.ResourceNames), ", ") + ")"
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}

// restricted reports whether resourceNames limit a rule to some objects:
// it has names, none of them the empty name (which matches every request
// that names no object).
func restricted(rl *rbac.Rule) bool {
	return len(rl.ResourceNames) > 0 && !slices.Contains(rl.ResourceNames, "")
}

// kubernetesOwn reports whether a subject is one of Kubernetes' internal
// identities (system:masters, system:nodes, system:kube-scheduler...),
// which the bootstrap policy binds to powerful roles by design; not the
// groups that stand for every service account or every user.
func kubernetesOwn(s rbac.Subject) bool {
	return s.System() && !s.Public() && !strings.HasPrefix(s.Name, "system:serviceaccounts")
}

// fullWildcard reports whether a role holds a rule granting every verb on
// every resource of every API group: cluster-admin's power.
func fullWildcard(r *rbac.Role) bool {
	for _, rl := range r.Rules {
		if rbac.RuleAllows(&rl.PolicyRule, rbac.Request{Verb: rbacv1.VerbAll, Group: rbacv1.APIGroupAll, Resource: rbacv1.ResourceAll}) {
			return true
		}
	}
	return false
}

// publicRoles are the ClusterRoles Kubernetes itself binds to every user
// (and, for system:public-info-viewer, to unauthenticated ones too).
var publicRoles = map[string]bool{"system:discovery": true, "system:basic-user": true, "system:public-info-viewer": true}
