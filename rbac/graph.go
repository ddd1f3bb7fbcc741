// Package rbac resolves the RBAC objects of a set of Kubernetes manifests
// into effective rights: Roles and ClusterRoles (with aggregationRule),
// RoleBindings (which may grant a ClusterRole within their namespace) and
// ClusterRoleBindings, across every file of a kube.Set, into grants per
// subject (users, groups and service accounts, with the groups Kubernetes
// puts every service account and every authenticated user in), and the
// workloads that run as each service account. It answers "can this
// subject do this" and "who can do this" with Kubernetes' own matching
// semantics, and finds the shortest chain by which a subject reaches
// cluster-admin-equivalent power (escalate.go).
//
// Namespaces. An object that writes no metadata.namespace is created in
// the namespace it is applied to: kubectl's and Helm's "default" unless
// told otherwise (Options.Namespace). When a file's own bindings show
// where it is meant to go, that namespace is used instead: a file that
// defines ServiceAccount argocd-server without a namespace and binds
// ServiceAccount argocd/argocd-server is applied to argocd (Graph.Inferred
// lists these).
//
// Roles a binding names are looked up in the scan, the nearest definition
// first (same file, same folder, a folder above or below, then anywhere);
// ClusterRoles Kubernetes creates itself (cluster-admin, admin, edit,
// view, the system:aggregate-to-* roles and the discovery roles) are
// known without being scanned. Other system:* ClusterRoles are Kubernetes'
// own too; their rules are not modelled (Role.Unknown).
package rbac

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// DefaultNamespace is where objects without a namespace go unless
// Options or the files themselves say otherwise.
const DefaultNamespace = "default"

// Options tune how a set is resolved.
type Options struct {
	// Namespace is the namespace objects without one are applied to. ""
	// means "default", or the namespace a file's own bindings show
	// (Graph.Inferred); a namespace given here is used for every file.
	Namespace string
}

// Role is a Role or ClusterRole.
type Role struct {
	// Kind is "Role" or "ClusterRole".
	Kind string
	Name string
	// Namespace is a Role's namespace (resolved, see the package
	// documentation); "" for a ClusterRole.
	Namespace string
	// Object is the manifest object; nil for a built-in ClusterRole.
	Object *kube.Object
	// Builtin marks a ClusterRole Kubernetes creates itself.
	Builtin bool
	// Unknown marks a built-in ClusterRole whose rules Bulwark does not
	// model (a system:* role other than the few it knows).
	Unknown bool
	// Labels are the role's labels (they feed aggregation).
	Labels map[string]string
	// Aggregation is a ClusterRole's aggregationRule.
	Aggregation *rbacv1.AggregationRule
	// Rules are the role's effective rules: the ones it writes or, for a
	// ClusterRole with an aggregationRule, the rules of every ClusterRole
	// its selectors match, as Kubernetes' aggregation controller computes
	// them (it replaces whatever rules the role writes). An aggregated
	// rule keeps the role that writes it.
	Rules []*Rule
	// AggregatedInto are the ClusterRoles whose aggregationRule selects
	// this one.
	AggregatedInto []*Role

	written []*Rule
}

// String names the role: "ClusterRole/view", "Role/shop/reader".
func (r *Role) String() string {
	if r.Kind == "Role" {
		return r.Kind + "/" + r.Namespace + "/" + r.Name
	}
	return r.Kind + "/" + r.Name
}

// Written returns the rules the role's manifest writes, in order.
func (r *Role) Written() []*Rule { return r.written }

// Rule is one entry of a role's rules.
type Rule struct {
	rbacv1.PolicyRule
	// Role is the role that writes the rule; for an aggregated rule, the
	// ClusterRole it comes from.
	Role *Role
	// Index is the rule's position in that role's rules.
	Index int
}

// Location returns where the rule is written, or a zero Location for a
// built-in role's rule.
func (r *Rule) Location() finding.Location { return r.At() }

// At returns the location of a field of the rule ("verbs", "resources",
// "resourceNames"...), or of the rule when the field is not written; a
// zero Location for a built-in role's rule.
func (r *Rule) At(field ...string) finding.Location {
	if r.Role == nil || r.Role.Object == nil {
		return finding.Location{}
	}
	return r.Role.Object.At(append([]string{"rules", strconv.Itoa(r.Index)}, field...)...)
}

// Binding is a RoleBinding or ClusterRoleBinding.
type Binding struct {
	// Kind is "RoleBinding" or "ClusterRoleBinding".
	Kind string
	Name string
	// Namespace is a RoleBinding's namespace (resolved); "" for a
	// ClusterRoleBinding.
	Namespace string
	Object    *kube.Object
	RoleRef   rbacv1.RoleRef
	// Role is the role roleRef names, nil when neither the scan nor
	// Kubernetes' defaults hold it (or roleRef is not valid).
	Role *Role
	// Subjects are the subjects the binding names, resolved; subjects that
	// match nobody (an unknown kind, a service account of a
	// ClusterRoleBinding without a namespace) are left out.
	Subjects []BoundSubject
}

// BoundSubject is a subject of a binding and its position in the
// binding's subjects.
type BoundSubject struct {
	Subject
	Index int
}

// String names the binding: "ClusterRoleBinding/admins",
// "RoleBinding/shop/readers".
func (b *Binding) String() string {
	if b.Kind == "RoleBinding" {
		return b.Kind + "/" + b.Namespace + "/" + b.Name
	}
	return b.Kind + "/" + b.Name
}

// Grant is one right of one subject: a rule of a bound role, and where it
// applies.
type Grant struct {
	// Subject is the subject the binding names (a group stands for its
	// members).
	Subject Subject
	Binding *Binding
	Rule    *Rule
	// Namespace is where the grant applies: a RoleBinding's namespace, or
	// "" for a ClusterRoleBinding (every namespace, and cluster-scoped
	// resources and non-resource URLs).
	Namespace string
}

// Allows reports whether the grant allows the request: its rule matches
// and the request is in its scope. Cluster-scoped resources and
// non-resource URLs are granted only by ClusterRoleBindings.
func (g *Grant) Allows(r Request) bool {
	if g.Namespace != "" {
		if r.Path != "" || ClusterScoped(r.Group, r.Resource) {
			return false
		}
		if r.Namespace != AnyNamespace && r.Namespace != g.Namespace {
			return false
		}
	}
	return RuleAllows(&g.Rule.PolicyRule, r)
}

// ScopeString says where the grant applies: "cluster-wide" or
// "namespace shop".
func (g *Grant) ScopeString() string {
	if g.Namespace == "" {
		return "cluster-wide"
	}
	return "namespace " + g.Namespace
}

// Account is a service account the scan knows of: defined, run by a
// workload, or named by a binding.
type Account struct {
	Subject
	// Object is the ServiceAccount manifest, when the scan holds it.
	Object *kube.Object
	// Workloads are the objects whose pods run as the account.
	Workloads []*kube.Object
	// TokenSecrets are Secrets of type kubernetes.io/service-account-token
	// that hold a long-lived token of the account.
	TokenSecrets []*kube.Object
}

// MountsToken reports whether the pods of workload w (one of the
// account's) get the account's token mounted: automountServiceAccountToken
// on the pod wins over the ServiceAccount's.
func (a *Account) MountsToken(w *kube.Object) bool {
	if _, spec, _, ok := kube.PodSpecOf(w); ok && spec.AutomountServiceAccountToken != nil {
		return *spec.AutomountServiceAccountToken
	}
	if a.Object != nil {
		if sa, ok := a.Object.Typed.(*corev1.ServiceAccount); ok && sa.AutomountServiceAccountToken != nil {
			return *sa.AutomountServiceAccountToken
		}
	}
	return true
}

// Inference records the namespace a file's objects without one were
// taken to be in, and the binding that shows it.
type Inference struct {
	Path      string
	Namespace string
	Evidence  *kube.Object
}

// Graph is the resolved RBAC of a set of manifests. It is read-only once
// built and safe for concurrent use.
type Graph struct {
	// Roles are the Roles and ClusterRoles of the scan, in order.
	Roles []*Role
	// Bindings are the RoleBindings and ClusterRoleBindings of the scan.
	Bindings []*Binding
	// Accounts are the service accounts the scan knows of, sorted.
	Accounts []*Account
	// Inferred lists the files whose objects without a namespace were
	// taken to be in a namespace their bindings show.
	Inferred []Inference

	grants    []*Grant
	bySubject map[Subject][]*Grant
	byRole    map[*Role][]*Binding
	accounts  map[Subject]*Account
	subjects  []Subject
	nsOf      map[*kube.Object]string

	escOnce sync.Once
	esc     []*Path
}

// Resolve resolves the RBAC objects of a set with the default Options.
func Resolve(set *kube.Set) *Graph { return ResolveWith(set, Options{}) }

// ResolveWith resolves the RBAC objects of a set.
func ResolveWith(set *kube.Set, opts Options) *Graph {
	g := &Graph{bySubject: map[Subject][]*Grant{}, byRole: map[*Role][]*Binding{}, accounts: map[Subject]*Account{}, nsOf: map[*kube.Object]string{}}
	if set != nil {
		for _, f := range set.Files {
			if f != nil {
				g.readFile(f, opts)
			}
		}
	}
	clusterRoles := g.aggregate()
	roles := map[[2]string][]*Role{}
	for _, r := range g.Roles {
		if r.Kind == "Role" {
			k := [2]string{r.Namespace, r.Name}
			roles[k] = append(roles[k], r)
		}
	}
	for _, b := range g.Bindings {
		g.bind(b, roles, clusterRoles)
	}
	g.finish()
	return g
}

// readFile reads the RBAC objects, service accounts, workloads and token
// Secrets of a file.
func (g *Graph) readFile(f *kube.File, opts Options) {
	def := opts.Namespace
	if def == "" {
		def = DefaultNamespace
		if inf, ok := inferNamespace(f); ok {
			def = inf.Namespace
			g.Inferred = append(g.Inferred, inf)
		}
	}
	for _, o := range f.Objects {
		ns := o.Namespace
		if ns == "" {
			ns = def
		}
		switch t := o.Typed.(type) {
		case *rbacv1.Role:
			g.nsOf[o] = ns
			g.Roles = append(g.Roles, newRole("Role", o, ns, t.Labels, nil, t.Rules))
		case *rbacv1.ClusterRole:
			g.Roles = append(g.Roles, newRole("ClusterRole", o, "", t.Labels, t.AggregationRule, t.Rules))
		case *rbacv1.RoleBinding:
			g.nsOf[o] = ns
			g.Bindings = append(g.Bindings, newBinding("RoleBinding", o, ns, t.RoleRef, t.Subjects))
		case *rbacv1.ClusterRoleBinding:
			g.Bindings = append(g.Bindings, newBinding("ClusterRoleBinding", o, "", t.RoleRef, t.Subjects))
		case *corev1.ServiceAccount:
			g.nsOf[o] = ns
			a := g.account(ServiceAccount(ns, o.Name))
			if a.Object == nil {
				a.Object = o
			}
		case *corev1.Secret:
			if t.Type == corev1.SecretTypeServiceAccountToken {
				if name := t.Annotations[corev1.ServiceAccountNameKey]; name != "" {
					g.nsOf[o] = ns
					a := g.account(ServiceAccount(ns, name))
					a.TokenSecrets = append(a.TokenSecrets, o)
				}
			}
		default:
			if _, spec, _, ok := kube.PodSpecOf(o); ok {
				g.nsOf[o] = ns
				a := g.account(ServiceAccount(ns, accountOf(spec)))
				a.Workloads = append(a.Workloads, o)
			}
		}
	}
}

// accountOf returns the service account a pod runs as.
func accountOf(spec *corev1.PodSpec) string {
	switch {
	case spec.ServiceAccountName != "":
		return spec.ServiceAccountName
	case spec.DeprecatedServiceAccount != "":
		return spec.DeprecatedServiceAccount
	}
	return "default"
}

// inferNamespace finds the namespace a file is meant to be applied to
// from its own bindings: a binding of the file that names a service
// account with a namespace, which the file defines without one. Several
// such namespaces mean no inference.
func inferNamespace(f *kube.File) (Inference, bool) {
	unset := map[string]bool{}
	for _, o := range f.Objects {
		if _, ok := o.Typed.(*corev1.ServiceAccount); ok && o.Namespace == "" {
			unset[o.Name] = true
		}
	}
	if len(unset) == 0 {
		return Inference{}, false
	}
	var found Inference
	for _, o := range f.Objects {
		var subjects []rbacv1.Subject
		switch t := o.Typed.(type) {
		case *rbacv1.RoleBinding:
			subjects = t.Subjects
		case *rbacv1.ClusterRoleBinding:
			subjects = t.Subjects
		default:
			continue
		}
		for _, s := range subjects {
			if s.Kind != rbacv1.ServiceAccountKind || s.Namespace == "" || !unset[s.Name] {
				continue
			}
			if found.Namespace != "" && found.Namespace != s.Namespace {
				return Inference{}, false
			}
			if found.Namespace == "" {
				found = Inference{Path: f.Path, Namespace: s.Namespace, Evidence: o}
			}
		}
	}
	return found, found.Namespace != ""
}

func newRole(kind string, o *kube.Object, ns string, lbls map[string]string, agg *rbacv1.AggregationRule, rules []rbacv1.PolicyRule) *Role {
	r := &Role{Kind: kind, Name: o.Name, Namespace: ns, Object: o, Labels: lbls, Aggregation: agg}
	for i := range rules {
		r.written = append(r.written, &Rule{PolicyRule: rules[i], Role: r, Index: i})
	}
	return r
}

func newBinding(kind string, o *kube.Object, ns string, ref rbacv1.RoleRef, subjects []rbacv1.Subject) *Binding {
	b := &Binding{Kind: kind, Name: o.Name, Namespace: ns, Object: o, RoleRef: ref}
	for i, s := range subjects {
		if sub, ok := subjectOf(s, ns); ok {
			b.Subjects = append(b.Subjects, BoundSubject{Subject: sub, Index: i})
		}
	}
	return b
}

// account returns the account of subject s, made when new.
func (g *Graph) account(s Subject) *Account {
	a, ok := g.accounts[s]
	if !ok {
		a = &Account{Subject: s}
		g.accounts[s] = a
	}
	return a
}

// aggregate computes every ClusterRole's effective rules and returns the
// ClusterRoles by name: those of the scan, and Kubernetes' built-in ones
// the scan does not redefine.
func (g *Graph) aggregate() map[string][]*Role {
	byName := map[string][]*Role{}
	var all []*Role
	for _, r := range g.Roles {
		if r.Kind == "ClusterRole" {
			byName[r.Name] = append(byName[r.Name], r)
			all = append(all, r)
		} else {
			r.Rules = r.written
		}
	}
	for _, r := range newBuiltinRoles() {
		if _, defined := byName[r.Name]; !defined {
			byName[r.Name] = []*Role{r}
			all = append(all, r)
		}
	}
	// The roles each aggregating ClusterRole selects, by name as the
	// aggregation controller orders them.
	type aggregating struct {
		role     *Role
		selected []*Role
	}
	var aggs []aggregating
	for _, r := range all {
		if r.Aggregation == nil {
			r.Rules = r.written
			continue
		}
		var sels []labels.Selector
		for i := range r.Aggregation.ClusterRoleSelectors {
			if s, err := metav1.LabelSelectorAsSelector(&r.Aggregation.ClusterRoleSelectors[i]); err == nil {
				sels = append(sels, s)
			}
		}
		a := aggregating{role: r}
		for _, c := range all {
			if c == r {
				continue
			}
			set := labels.Set(c.Labels)
			if slices.ContainsFunc(sels, func(s labels.Selector) bool { return s.Matches(set) }) {
				a.selected = append(a.selected, c)
				c.AggregatedInto = append(c.AggregatedInto, r)
			}
		}
		slices.SortStableFunc(a.selected, func(x, y *Role) int { return cmp.Compare(x.Name, y.Name) })
		aggs = append(aggs, a)
	}
	// Aggregated roles may select each other (admin selects edit, which
	// selects view): repeat until nothing grows. Rules only ever grow, so
	// this ends.
	for changed := true; changed; {
		changed = false
		for _, a := range aggs {
			seen := map[string]bool{}
			var rules []*Rule
			for _, c := range a.selected {
				for _, rl := range c.Rules {
					if k := ruleKey(&rl.PolicyRule); !seen[k] {
						seen[k] = true
						rules = append(rules, rl)
					}
				}
			}
			if len(rules) != len(a.role.Rules) {
				a.role.Rules = rules
				changed = true
			}
		}
	}
	return byName
}

// ruleKey identifies a policy rule's content.
func ruleKey(r *rbacv1.PolicyRule) string {
	return strings.Join([]string{strings.Join(r.Verbs, ","), strings.Join(r.APIGroups, ","), strings.Join(r.Resources, ","),
		strings.Join(r.ResourceNames, ","), strings.Join(r.NonResourceURLs, ",")}, "\x00")
}

// bind resolves a binding's role and records its grants.
func (g *Graph) bind(b *Binding, roles map[[2]string][]*Role, clusterRoles map[string][]*Role) {
	switch {
	case b.RoleRef.Kind == "Role" && b.Kind == "RoleBinding":
		b.Role = nearest(roles[[2]string{b.Namespace, b.RoleRef.Name}], b.Object)
	case b.RoleRef.Kind == "ClusterRole":
		b.Role = nearest(clusterRoles[b.RoleRef.Name], b.Object)
		if b.Role == nil && strings.HasPrefix(b.RoleRef.Name, "system:") {
			b.Role = &Role{Kind: "ClusterRole", Name: b.RoleRef.Name, Builtin: true, Unknown: true}
		}
	}
	if b.Role != nil {
		g.byRole[b.Role] = append(g.byRole[b.Role], b)
	}
	for _, s := range b.Subjects {
		if s.Kind == rbacv1.ServiceAccountKind {
			g.account(s.Subject)
		}
		if b.Role == nil {
			continue
		}
		for _, rl := range b.Role.Rules {
			gr := &Grant{Subject: s.Subject, Binding: b, Rule: rl, Namespace: b.Namespace}
			g.grants = append(g.grants, gr)
			g.bySubject[s.Subject] = append(g.bySubject[s.Subject], gr)
		}
	}
}

// nearest picks, among definitions of one role, the one written nearest
// to the binding: in its file, its folder, a folder above or below it,
// else the first.
func nearest(cands []*Role, b *kube.Object) *Role {
	var best *Role
	bestD := 1 << 30
	for _, c := range cands {
		d := distance(c.Object, b)
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func distance(a, b *kube.Object) int {
	if a == nil || b == nil {
		return 4
	}
	pa, pb := slashPath(a.Loc.Path), slashPath(b.Loc.Path)
	if pa == pb {
		return 0
	}
	da, db := path.Dir(pa), path.Dir(pb)
	switch {
	case da == db:
		return 1
	case strings.HasPrefix(da, db+"/") || strings.HasPrefix(db, da+"/") || da == "." || db == ".":
		return 2
	}
	return 3
}

func slashPath(p string) string { return strings.ReplaceAll(p, "\\", "/") }

// finish indexes the subjects and sorts the accounts.
func (g *Graph) finish() {
	seen := map[Subject]bool{}
	for s := range g.bySubject {
		seen[s] = true
	}
	for _, b := range g.Bindings {
		for _, s := range b.Subjects {
			seen[s.Subject] = true
		}
	}
	for s, a := range g.accounts {
		seen[s] = true
		g.Accounts = append(g.Accounts, a)
	}
	for s := range seen {
		g.subjects = append(g.subjects, s)
	}
	slices.SortFunc(g.subjects, compareSubjects)
	slices.SortFunc(g.Accounts, func(a, b *Account) int { return compareSubjects(a.Subject, b.Subject) })
}

// Namespace returns the namespace an object of the scan was resolved to
// ("" for cluster-scoped objects and objects the graph did not read).
func (g *Graph) Namespace(o *kube.Object) string { return g.nsOf[o] }

// Subjects returns every subject the graph knows: those bindings name and
// every service account it knows of, ordered users, groups, service
// accounts.
func (g *Graph) Subjects() []Subject { return slices.Clone(g.subjects) }

// Grants returns every grant of the graph.
func (g *Graph) Grants() []*Grant { return slices.Clone(g.grants) }

// Account returns the service account s, or nil when the graph does not
// know it.
func (g *Graph) Account(s Subject) *Account { return g.accounts[s] }

// Workloads returns the objects whose pods run as service account s.
func (g *Graph) Workloads(s Subject) []*kube.Object {
	if a := g.accounts[s]; a != nil {
		return slices.Clone(a.Workloads)
	}
	return nil
}

// GrantsTo returns the grants whose binding names s itself.
func (g *Graph) GrantsTo(s Subject) []*Grant { return slices.Clone(g.bySubject[s]) }

// GrantsOf returns every grant s holds: those bindings give it by name,
// then those given to the groups Kubernetes puts it in (Subject.Groups).
func (g *Graph) GrantsOf(s Subject) []*Grant {
	out := slices.Clone(g.bySubject[s])
	for _, grp := range s.Groups() {
		out = append(out, g.bySubject[Group(grp)]...)
	}
	return out
}

// Why returns the grants that allow s the request; none means it is
// denied (as far as the scan shows).
func (g *Graph) Why(s Subject, r Request) []*Grant {
	var out []*Grant
	for _, gr := range g.GrantsOf(s) {
		if gr.Allows(r) {
			out = append(out, gr)
		}
	}
	return out
}

// Can reports whether s may do verb on resource (such as "pods" or
// "pods/exec") of API group group in namespace ns ("" for a
// cluster-scoped request, AnyNamespace for any namespace), on any object
// of it.
func (g *Graph) Can(s Subject, verb, group, resource, ns string) bool {
	return len(g.Why(s, newRequest(verb, group, resource, ns))) > 0
}

func newRequest(verb, group, resource, ns string) Request {
	res, sub, _ := strings.Cut(resource, "/")
	return Request{Verb: verb, Group: group, Resource: res, Subresource: sub, Namespace: ns}
}

// Access is a subject a binding names and the grants by which it may do
// what was asked. A group stands for every member.
type Access struct {
	Subject Subject
	Grants  []*Grant
}

// WhoCan returns the subjects that may do verb on resource (such as
// "pods" or "pods/exec") of group in namespace ns (see Can), each with the
// binding chain that grants it.
func (g *Graph) WhoCan(verb, group, resource, ns string) []Access {
	return g.Who(newRequest(verb, group, resource, ns))
}

// Who returns the subjects bindings name that are allowed the request,
// ordered users, groups, service accounts.
func (g *Graph) Who(r Request) []Access {
	var out []Access
	for _, s := range g.subjects {
		var grants []*Grant
		for _, gr := range g.bySubject[s] {
			if gr.Allows(r) {
				grants = append(grants, gr)
			}
		}
		if len(grants) > 0 {
			out = append(out, Access{Subject: s, Grants: grants})
		}
	}
	return out
}

// BindingsOf returns the bindings that grant role, directly or through a
// ClusterRole it is aggregated into.
func (g *Graph) BindingsOf(role *Role) []*Binding {
	targets := map[*Role]bool{role: true}
	queue := []*Role{role}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		for _, up := range r.AggregatedInto {
			if !targets[up] {
				targets[up] = true
				queue = append(queue, up)
			}
		}
	}
	var out []*Binding
	for r := range targets {
		out = append(out, g.byRole[r]...)
	}
	if len(targets) > 1 {
		// In the order of the scan.
		order := make(map[*Binding]int, len(g.Bindings))
		for i, b := range g.Bindings {
			order[b] = i
		}
		slices.SortFunc(out, func(a, b *Binding) int { return cmp.Compare(order[a], order[b]) })
	}
	return out
}
