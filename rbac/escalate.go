package rbac

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apiserver/pkg/authentication/serviceaccount"

	"k8s.io/apiserver/pkg/authentication/user"
)

// Escalation paths.
//
// A subject is cluster-admin-equivalent when its rights (GrantsOf: its own
// and its groups') let it take over the cluster in one move. The moves
// modelled, each a goal:
//
//   - every verb on every resource cluster-wide;
//   - get or list Secrets cluster-wide (service account tokens,
//     credentials, TLS keys);
//   - bind (ClusterRole cluster-admin) and create ClusterRoleBindings;
//   - escalate and update or patch ClusterRoles;
//   - impersonate any user, or the group system:masters;
//   - get or create nodes/proxy (the kubelet API: exec in any pod);
//   - create, update or patch MutatingWebhookConfigurations;
//   - create CertificateSigningRequests, approve them and use the
//     kube-apiserver-client signer (a client certificate for
//     system:masters);
//   - act as any service account of kube-system (below), where the
//     controllers that hold such rights run.
//
// And the moves by which a subject acts as a service account, the edges:
//
//   - create pods, or create, update or patch workload controllers
//     (Deployments, DaemonSets, StatefulSets, ReplicaSets, Jobs, CronJobs,
//     ReplicationControllers) in a namespace: a pod may run as any service
//     account of that namespace;
//   - bind roles and create RoleBindings in a namespace: it gives itself
//     any right there, and so the above;
//   - create serviceaccounts/token in a namespace (for the accounts its
//     resourceNames allow);
//   - impersonate serviceaccounts in a namespace, or users named
//     system:serviceaccount:NS:NAME;
//   - create or get pods/exec or pods/attach, or update or patch
//     pods/ephemeralcontainers, in a namespace: a shell in a pod of a
//     workload that runs as the account, with its token mounted;
//   - get or list Secrets in a namespace that holds a
//     kubernetes.io/service-account-token Secret of the account; create
//     and get Secrets in a namespace (a new token Secret is filled in for
//     any account).
//
// At cluster scope these reach every service account, kube-system's
// included. The service accounts are those the scan knows of. The
// shortest chain of such moves from each subject to a goal is found with
// a breadth-first search over subjects (and one node per namespace, "any
// service account of N").
//
// Not modelled: privileged pods taking over a node (Pod Security
// admission decides), CRD operators that act on a subject's behalf, and
// the rights of system:* ClusterRoles Bulwark does not know.

// Path is the shortest chain of moves by which a subject reaches
// cluster-admin-equivalent power.
type Path struct {
	Subject Subject
	Steps   []Step
}

// Step is one move of a path: a subject uses some of its rights either to
// act as another identity (Becomes) or, at the last step, to take over the
// cluster (Goal).
type Step struct {
	// Subject is who moves.
	Subject Subject
	// Action says what its rights let it do: "can create pods in
	// namespace shop".
	Action string
	// Grants are the rights it uses.
	Grants []*Grant
	// Becomes is the identity the move gains; nil at the last step.
	Becomes *Subject
	// Goal, at the last step, says the power gained.
	Goal string
}

// String writes the path on one line.
func (p *Path) String() string {
	parts := make([]string, 0, len(p.Steps))
	for _, s := range p.Steps {
		text := s.Subject.String() + " " + s.Action
		if s.Becomes != nil {
			text += " and so act as " + s.Becomes.String()
		} else {
			text += ": " + s.Goal
		}
		if via := viaText(s.Grants, s.Subject); via != "" {
			text += " (" + via + ")"
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "; then ")
}

// viaText names the bindings and roles of grants that subject who holds:
// "ClusterRoleBinding/x -> ClusterRole/y", "as Group g, ..." for a grant
// to one of its groups.
func viaText(grants []*Grant, who Subject) string {
	var out []string
	for _, gr := range grants {
		t := gr.Binding.String() + " -> " + gr.Binding.Role.String()
		if gr.Subject != who {
			t = "as " + gr.Subject.String() + ", " + t
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, ", ")
}

// Escalations returns the path of every subject that can reach
// cluster-admin-equivalent power, ordered by subject.
func (g *Graph) Escalations() []*Path {
	g.escOnce.Do(g.escalate)
	return slices.Clone(g.esc)
}

// Escalation returns the shortest path by which s reaches
// cluster-admin-equivalent power, or nil.
func (g *Graph) Escalation(s Subject) *Path {
	for _, p := range g.Escalations() {
		if p.Subject == s {
			return p
		}
	}
	return nil
}

// goalNode is where a move that takes over the cluster leads.
const goalNode = -1

// escEdge is a move: from a node to another, costing one step (or none,
// from a namespace node to one of its accounts).
type escEdge struct {
	from, to int
	cost     int
	action   string
	grants   []*Grant
	goal     string
}

// escGraph is the graph the search runs over: subjects first, then one
// node per namespace ("any service account of N") and one for every
// namespace at once.
type escGraph struct {
	g        *Graph
	subjects []Subject
	index    map[Subject]int
	nsNode   map[string]int // namespace -> node; "" is every namespace
	edges    []escEdge
	// accounts are the service accounts by namespace; withWorkloads and
	// withTokens those that run workloads and have token Secrets, by
	// namespace and all of them under "".
	accounts                  map[string][]*Account
	withWorkloads, withTokens map[string][]*Account
	allNamespaces             []string
}

func (eg *escGraph) node(ns string) int {
	if n, ok := eg.nsNode[ns]; ok {
		return n
	}
	n := len(eg.subjects) + len(eg.nsNode)
	eg.nsNode[ns] = n
	return n
}

func (eg *escGraph) add(e escEdge) { eg.edges = append(eg.edges, e) }

const kubeSystem = "kube-system"

func (g *Graph) escalate() {
	eg := &escGraph{g: g, subjects: g.subjects, index: map[Subject]int{}, nsNode: map[string]int{},
		accounts: map[string][]*Account{}, withWorkloads: map[string][]*Account{}, withTokens: map[string][]*Account{}}
	for i, s := range eg.subjects {
		eg.index[s] = i
	}
	// Namespace nodes: every account of N; kube-system's and every
	// namespace's are goals.
	all := eg.node("")
	eg.add(escEdge{from: all, to: goalNode, goal: "runs as any service account of the cluster, those of kube-system's controllers included"})
	ks := eg.node(kubeSystem)
	eg.add(escEdge{from: ks, to: goalNode, goal: "runs as any service account of kube-system, where Kubernetes' own controllers run"})
	for _, a := range g.Accounts {
		if len(eg.accounts[a.Namespace]) == 0 {
			eg.allNamespaces = append(eg.allNamespaces, a.Namespace)
		}
		eg.accounts[a.Namespace] = append(eg.accounts[a.Namespace], a)
		if len(a.Workloads) > 0 {
			eg.withWorkloads[a.Namespace] = append(eg.withWorkloads[a.Namespace], a)
			eg.withWorkloads[""] = append(eg.withWorkloads[""], a)
		}
		if len(a.TokenSecrets) > 0 {
			eg.withTokens[a.Namespace] = append(eg.withTokens[a.Namespace], a)
			eg.withTokens[""] = append(eg.withTokens[""], a)
		}
		i := eg.index[a.Subject]
		eg.add(escEdge{from: eg.node(a.Namespace), to: i})
		eg.add(escEdge{from: all, to: i})
	}
	for i, s := range eg.subjects {
		eg.movesOf(i, g.GrantsOf(s))
	}
	g.esc = eg.search()
}

// req makes a request for the checks below.
func req(verb, group, resource, name, ns string) Request {
	r := newRequest(verb, group, resource, ns)
	r.Name = name
	return r
}

// allowing returns the first grant of rs that allows one of the
// requests, or nil.
func allowing(rs []*Grant, reqs ...Request) *Grant {
	for _, r := range reqs {
		for _, gr := range rs {
			if gr.Allows(r) {
				return gr
			}
		}
	}
	return nil
}

// allowingAll returns a grant for each group of alternative requests, or
// nil when one group is not allowed.
func allowingAll(rs []*Grant, groups ...[]Request) []*Grant {
	var out []*Grant
	for _, alts := range groups {
		gr := allowing(rs, alts...)
		if gr == nil {
			return nil
		}
		if !slices.Contains(out, gr) {
			out = append(out, gr)
		}
	}
	return out
}

// workloadWrites are the requests that run a pod of one's choosing, in
// the namespace allowingIn gives them.
var workloadWrites = func() []Request {
	out := []Request{req("create", "", "pods", "", "")}
	for _, w := range []struct{ group, resource string }{
		{"apps", "deployments"}, {"apps", "daemonsets"}, {"apps", "statefulsets"}, {"apps", "replicasets"},
		{"batch", "jobs"}, {"batch", "cronjobs"}, {"", "replicationcontrollers"},
	} {
		for _, verb := range []string{"create", "update", "patch"} {
			out = append(out, req(verb, w.group, w.resource, "", ""))
		}
	}
	return out
}()

// allowingIn is allowing with every request made in namespace ns.
func allowingIn(rs []*Grant, ns string, reqs []Request) *Grant {
	for _, r := range reqs {
		r.Namespace = ns
		for _, gr := range rs {
			if gr.Allows(r) {
				return gr
			}
		}
	}
	return nil
}

const rbacGroup = "rbac.authorization.k8s.io"

// movesOf adds the moves subject i's grants allow.
func (eg *escGraph) movesOf(i int, rs []*Grant) {
	if len(rs) == 0 {
		return
	}
	goal := func(action, goal string, grants []*Grant) {
		if len(grants) > 0 {
			eg.add(escEdge{from: i, to: goalNode, cost: 1, action: action, goal: goal, grants: grants})
		}
	}
	// Cluster-wide goals.
	goal("has every verb on every resource cluster-wide", "it is cluster-admin",
		one(allowing(rs, req("*", "*", "*", "", ""))))
	goal("can read every Secret of the cluster", "service account tokens, credentials and keys of every namespace",
		one(allowing(rs, req("list", "", "secrets", "", ""), req("get", "", "secrets", "", ""))))
	goal("can bind any ClusterRole and create ClusterRoleBindings", "it can bind cluster-admin to itself",
		allowingAll(rs, []Request{req("bind", rbacGroup, "clusterroles", "cluster-admin", "")},
			[]Request{req("create", rbacGroup, "clusterrolebindings", "", "")}))
	goal("can escalate and update ClusterRoles", "it can add any right to a ClusterRole bound to it",
		allowingAll(rs, []Request{req("escalate", rbacGroup, "clusterroles", "", "")},
			[]Request{req("update", rbacGroup, "clusterroles", "", ""), req("patch", rbacGroup, "clusterroles", "", "")}))
	goal("can impersonate any user or the group system:masters", "it acts as a cluster administrator",
		one(allowing(rs, req("impersonate", "", "users", "", ""), req("impersonate", "", "groups", user.SystemPrivilegedGroup, ""))))
	goal("can reach the kubelet API through nodes/proxy", "it runs commands in any pod of any node",
		one(allowing(rs, req("get", "", "nodes/proxy", "", ""), req("create", "", "nodes/proxy", "", ""))))
	goal("can write MutatingWebhookConfigurations", "it can rewrite every object the API server admits (inject containers, copy Secrets)",
		one(allowing(rs, req("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", ""),
			req("update", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", ""),
			req("patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", ""))))
	goal("can create and approve CertificateSigningRequests for the kube-apiserver-client signer", "it can issue itself a client certificate in the group system:masters",
		allowingAll(rs, []Request{req("create", "certificates.k8s.io", "certificatesigningrequests", "", "")},
			[]Request{req("update", "certificates.k8s.io", "certificatesigningrequests/approval", "", ""), req("patch", "certificates.k8s.io", "certificatesigningrequests/approval", "", "")},
			[]Request{req("approve", "certificates.k8s.io", "signers", "kubernetes.io/kube-apiserver-client", ""), req("approve", "certificates.k8s.io", "signers", "kubernetes.io/*", "")}))

	// Moves to service accounts, cluster-wide (by ClusterRoleBindings) and
	// per namespace (by its RoleBindings).
	var cluster []*Grant
	for _, gr := range rs {
		if gr.Namespace == "" {
			cluster = append(cluster, gr)
		}
	}
	eg.accountMoves(i, cluster, "")
	var namespaces []string
	for _, gr := range rs {
		if gr.Namespace != "" && !slices.Contains(namespaces, gr.Namespace) {
			namespaces = append(namespaces, gr.Namespace)
		}
	}
	slices.Sort(namespaces)
	for _, ns := range namespaces {
		var local []*Grant
		for _, gr := range rs {
			if gr.Namespace == ns {
				local = append(local, gr)
			}
		}
		eg.accountMoves(i, local, ns)
	}
}

// accountMoves adds the moves by which subject i acts as service accounts
// of namespace ns ("" for every namespace) with grants rs.
func (eg *escGraph) accountMoves(i int, rs []*Grant, ns string) {
	if len(rs) == 0 {
		return
	}
	where := "in namespace " + ns
	if ns == "" {
		where = "in every namespace"
	}
	toAll := func(action string, grants []*Grant) bool {
		if len(grants) == 0 {
			return false
		}
		eg.add(escEdge{from: i, to: eg.node(ns), cost: 1, action: action, grants: grants})
		return true
	}
	to := func(s Subject, gr *Grant, action func() string) {
		if j, ok := eg.index[s]; ok && gr != nil {
			eg.add(escEdge{from: i, to: j, cost: 1, action: action(), grants: []*Grant{gr}})
		}
	}
	if gr := allowingIn(rs, ns, workloadWrites); gr != nil {
		verb := "create pods"
		if !gr.Allows(req("create", "", "pods", "", ns)) {
			verb = "write workloads"
		}
		toAll("can "+verb+" "+where+", which may run as any of its service accounts", []*Grant{gr})
	}
	toAll("can bind roles and create RoleBindings "+where+", so give itself any right there",
		allowingAll(rs, []Request{req("bind", rbacGroup, "clusterroles", "", ns), req("bind", rbacGroup, "clusterroles", "cluster-admin", ns),
			req("bind", rbacGroup, "clusterroles", "admin", ns), req("bind", rbacGroup, "roles", "", ns)},
			[]Request{req("create", rbacGroup, "rolebindings", "", ns)}))
	toAll("can create and read Secrets "+where+" (a new service-account-token Secret holds a token of any account)",
		allowingAll(rs, []Request{req("create", "", "secrets", "", ns)}, []Request{req("get", "", "secrets", "", ns), req("list", "", "secrets", "", ns)}))
	anyToken := toAll("can create tokens for any service account "+where, one(allowing(rs, req("create", "", "serviceaccounts/token", "", ns))))
	anyImpersonation := toAll("can impersonate any service account "+where, one(allowing(rs, req("impersonate", "", "serviceaccounts", "", ns))))

	// Moves to particular accounts: by the names a grant lists, to the
	// accounts whose pods a subject may exec into, and to those whose
	// token Secrets it may read.
	inScope := func(a *Account) bool { return ns == "" || a.Namespace == ns }
	named := func(verb, resource string, names func(string) []Subject, action func(Subject) string) {
		for _, gr := range rs {
			if !MatchRule(&gr.Rule.PolicyRule, verb, "", resource).OK {
				continue
			}
			for _, n := range gr.Rule.ResourceNames {
				for _, s := range names(n) {
					if a := eg.g.accounts[s]; a != nil && inScope(a) && gr.Allows(req(verb, "", resource, n, a.Namespace)) {
						to(a.Subject, gr, func() string { return action(a.Subject) })
					}
				}
			}
		}
	}
	// accountsNamed are the accounts in scope of a name.
	accountsNamed := func(name string) []Subject {
		var out []Subject
		for _, n := range eg.namespaces(ns) {
			out = append(out, ServiceAccount(n, name))
		}
		return out
	}
	if !anyToken {
		named("create", "serviceaccounts/token", accountsNamed, func(s Subject) string { return "can create tokens for " + s.String() })
	}
	if !anyImpersonation {
		named("impersonate", "serviceaccounts", accountsNamed, func(s Subject) string { return "can impersonate " + s.String() })
	}
	if ns == "" {
		named("impersonate", "users", func(name string) []Subject {
			if n, sa, err := serviceaccount.SplitUsername(name); err == nil {
				return []Subject{ServiceAccount(n, sa)}
			}
			return nil
		}, func(s Subject) string { return "can impersonate user " + s.Username() })
	}
	if holds(rs, execRights) {
		for _, a := range eg.withWorkloads[ns] {
			for _, w := range a.Workloads {
				if !a.MountsToken(w) {
					continue
				}
				if gr := allowing(rs, req("create", "", "pods/exec", "", a.Namespace), req("get", "", "pods/exec", "", a.Namespace),
					req("create", "", "pods/attach", "", a.Namespace), req("get", "", "pods/attach", "", a.Namespace),
					req("update", "", "pods/ephemeralcontainers", "", a.Namespace), req("patch", "", "pods/ephemeralcontainers", "", a.Namespace)); gr != nil {
					to(a.Subject, gr, func() string { return fmt.Sprintf("can exec into the pods of %s/%s %s", w.Kind, w.Name, where) })
					break
				}
			}
		}
	}
	if holds(rs, secretRights) {
		for _, a := range eg.withTokens[ns] {
			for _, sec := range a.TokenSecrets {
				if gr := allowing(rs, req("get", "", "secrets", sec.Name, a.Namespace), req("list", "", "secrets", "", a.Namespace)); gr != nil {
					to(a.Subject, gr, func() string {
						return fmt.Sprintf("can read Secret %s/%s, a token of %s", a.Namespace, sec.Name, a.Subject)
					})
					break
				}
			}
		}
	}
}

// namespaces returns the namespaces of the accounts in scope ns (every
// namespace for "").
func (eg *escGraph) namespaces(ns string) []string {
	if ns != "" {
		return []string{ns}
	}
	return eg.allNamespaces
}

type right struct{ verb, resource string }

var (
	execRights = []right{{"create", "pods/exec"}, {"get", "pods/exec"}, {"create", "pods/attach"}, {"get", "pods/attach"},
		{"update", "pods/ephemeralcontainers"}, {"patch", "pods/ephemeralcontainers"}}
	secretRights = []right{{"get", "secrets"}, {"list", "secrets"}}
)

// holds reports whether some grant of rs holds one of rights (in the core
// group), whatever the object's name.
func holds(rs []*Grant, rights []right) bool {
	for _, gr := range rs {
		for _, r := range rights {
			if MatchRule(&gr.Rule.PolicyRule, r.verb, "", r.resource).OK {
				return true
			}
		}
	}
	return false
}

func one(gr *Grant) []*Grant {
	if gr == nil {
		return nil
	}
	return []*Grant{gr}
}

// search finds, by a breadth-first search backwards from the goal (with
// free moves from a namespace node to its accounts), each subject's
// shortest path.
func (eg *escGraph) search() []*Path {
	n := len(eg.subjects) + len(eg.nsNode)
	goal := n // the goal's slot
	reverse := make([][]int, n+1)
	for k, e := range eg.edges {
		to := e.to
		if to == goalNode {
			to = goal
		}
		reverse[to] = append(reverse[to], k)
	}
	const inf = 1 << 30
	dist := make([]int, n+1)
	next := make([]int, n+1) // the edge each node takes towards the goal
	for k := range dist {
		dist[k], next[k] = inf, -1
	}
	dist[goal] = 0
	// Breadth-first by levels: a free move keeps a node in the level of
	// the node it leads to.
	level := []int{goal}
	for len(level) > 0 {
		var following []int
		for q := 0; q < len(level); q++ {
			v := level[q]
			for _, k := range reverse[v] {
				e := eg.edges[k]
				if d := dist[v] + e.cost; d < dist[e.from] {
					dist[e.from], next[e.from] = d, k
					if e.cost == 0 {
						level = append(level, e.from)
					} else {
						following = append(following, e.from)
					}
				}
			}
		}
		level = following
	}
	var out []*Path
	for i, s := range eg.subjects {
		if dist[i] >= inf {
			continue
		}
		p := &Path{Subject: s}
		for node := i; node != goal && len(p.Steps) <= len(eg.subjects); {
			e := eg.edges[next[node]]
			step := Step{Subject: eg.subjects[node], Action: e.action, Grants: e.grants, Goal: e.goal}
			to := e.to
			if to >= len(eg.subjects) { // a namespace node: its free move
				f := eg.edges[next[to]]
				step.Goal = f.goal
				to = f.to
			}
			if to == goalNode || to == goal {
				p.Steps = append(p.Steps, step)
				break
			}
			becomes := eg.subjects[to]
			step.Becomes = &becomes
			p.Steps = append(p.Steps, step)
			node = to
		}
		out = append(out, p)
	}
	return out
}
