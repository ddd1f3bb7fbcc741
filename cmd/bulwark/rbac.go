package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rbac"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// rbacFlags are the flags of bulwark rbac and its subcommands.
type rbacFlags struct {
	scan      scanFlags
	format    string
	output    string
	namespace string // --default-namespace
}

func addRBACFlags(c *cobra.Command, f *rbacFlags) {
	c.Flags().StringVarP(&f.format, "format", "f", "table", "output format: table or json")
	c.Flags().StringVarP(&f.output, "output", "o", "", "write to this file instead of standard output")
	c.Flags().StringVar(&f.namespace, "default-namespace", "", "namespace of objects that write none, and of Helm releases (default: \"default\", or the one a file's own bindings show)")
	c.Flags().StringArrayVar(&f.scan.values, "values", nil, "render Helm charts with this values file (repeatable; replaces the config's values sets)")
	c.Flags().StringArrayVar(&f.scan.set, "set", nil, "render Helm charts with this value: key=value[,key=value] (repeatable)")
	c.Flags().StringArrayVar(&f.scan.setString, "set-string", nil, "render Helm charts with this string value: key=value[,key=value] (repeatable)")
	c.Flags().StringVar(&f.scan.releaseName, "release-name", "", "Helm release name charts are rendered with (default \"release-name\")")
	c.Flags().StringVar(&f.scan.configPath, "config", "", "config file (default: .bulwark.yaml found by walking up from the first path)")
	c.Flags().StringArrayVar(&f.scan.skip, "skip", nil, "skip paths matching this glob while walking (repeatable; ** allowed)")
	c.Flags().IntVar(&f.scan.workers, "workers", 0, "files read in parallel (default: the number of CPUs)")
	c.Flags().IntVar(&f.scan.maxBytes, "max-file-size", scan.DefaultMaxFileBytes, "largest file read, in bytes")
}

const rbacLong = `Rbac resolves the Roles, ClusterRoles (aggregationRule included), RoleBindings
and ClusterRoleBindings of the manifests under the given paths (default ".";
Helm charts and kustomizations are rendered as by scan) into the rights of
each subject: users, groups and service accounts, with the groups Kubernetes
puts every service account (system:serviceaccounts, system:serviceaccounts:NS)
and every user (system:authenticated) in, and the workloads that run as each
service account. Bindings to Kubernetes' own ClusterRoles (cluster-admin,
admin, edit, view, the discovery roles) resolve without the cluster.

'bulwark rbac list' (also plain 'bulwark rbac PATH...') prints each subject's
rights and, when it has one, its shortest path to cluster-admin-equivalent
power, step by step. 'bulwark rbac who-can VERB RESOURCE' prints who may do
something, and the bindings that grant it.

Objects without a namespace are taken to be in "default" (where kubectl and
Helm put them), or in the namespace a file's own bindings show
(--default-namespace sets it for every file). Input that cannot be read is
reported on standard error and the run exits 3.`

func newRBACCmd(e *env) *cobra.Command {
	var f rbacFlags
	c := &cobra.Command{
		Use:   "rbac [PATH...]",
		Short: "Resolve RBAC into each subject's rights, who-can answers and escalation paths",
		Long:  rbacLong,
		Example: `  bulwark rbac deploy/
  bulwark rbac who-can get secrets -n shop deploy/
  bulwark rbac who-can create pods/exec deploy/ --format json
  bulwark rbac list install.yaml --default-namespace argocd`,
		RunE: func(cmd *cobra.Command, args []string) error { return runRBACList(cmd, e, f, args) },
	}
	addRBACFlags(c, &f)

	var lf rbacFlags
	list := &cobra.Command{
		Use:   "list [PATH...]",
		Short: "Print each subject's rights and its path to cluster-admin",
		Long:  rbacLong,
		RunE:  func(cmd *cobra.Command, args []string) error { return runRBACList(cmd, e, lf, args) },
	}
	addRBACFlags(list, &lf)

	var wf rbacFlags
	var ns string
	who := &cobra.Command{
		Use:   "who-can VERB RESOURCE [PATH...]",
		Short: "Print the subjects that may do VERB on RESOURCE, and the bindings that grant it",
		Long: `Who-can prints the subjects the scanned bindings name that may do VERB on
RESOURCE, each with the binding, the role and the rule that grant it. A group
stands for all its members. RESOURCE is written as kubectl writes it: pods,
pods/exec, deployments.apps, deployments.apps/scale, widgets.example.com; a bare
built-in name takes its current API group (deployments is deployments.apps),
any other bare name the core group. A RESOURCE starting with / is a
non-resource URL (/metrics).

Without -n, grants of any namespace answer; with -n NS, only ClusterRoleBindings
and RoleBindings of NS do. Cluster-scoped resources (nodes, clusterroles, ...)
and non-resource URLs are granted by ClusterRoleBindings only.`,
		Example: `  bulwark rbac who-can get secrets -n kube-system manifests/
  bulwark rbac who-can create pods/exec
  bulwark rbac who-can impersonate users
  bulwark rbac who-can get /metrics`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := parseWhoCan(args[0], args[1], ns, cmd.Flags().Changed("namespace"))
			if err != nil {
				return err
			}
			return runRBACWhoCan(cmd, e, wf, q, args[2:])
		},
	}
	addRBACFlags(who, &wf)
	who.Flags().StringVarP(&ns, "namespace", "n", "", "the namespace of the request (default: any)")
	c.AddCommand(list, who)
	return c
}

// parseWhoCan reads who-can's VERB, RESOURCE and -n into a request.
func parseWhoCan(verb, resource, ns string, nsSet bool) (rbac.Request, error) {
	if verb == "" || strings.ContainsAny(verb, " \t/") {
		return rbac.Request{}, usageErr("verb %q: want a verb such as get, create or impersonate", verb)
	}
	if nsSet && ns == "" {
		return rbac.Request{}, usageErr("-n: empty namespace")
	}
	q := rbac.Request{Verb: verb, Namespace: rbac.AnyNamespace}
	if nsSet {
		q.Namespace = ns
	}
	if strings.HasPrefix(resource, "/") {
		q.Path, q.Namespace = resource, ""
		return q, nil
	}
	group, res, sub, err := rbac.ParseResource(resource)
	if err != nil {
		return rbac.Request{}, usageErr("%v", err)
	}
	q.Group, q.Resource, q.Subresource = group, res, sub
	if rbac.ClusterScoped(group, res) {
		q.Namespace = ""
	}
	return q, nil
}

// loadRBAC reads the manifests under paths and resolves their RBAC. The
// scan runs one rule: a KubeSet rule that keeps the set it is given, so
// charts and kustomizations are rendered and config excludes apply as in
// bulwark scan.
func loadRBAC(f rbacFlags, paths []string) (*rbac.Graph, *scan.Result, error) {
	if f.scan.workers < 0 {
		return nil, nil, usageErr("--workers must be positive")
	}
	f.scan.render = true
	f.scan.namespace = f.namespace
	p, err := newPipeline(f.scan, paths)
	if err != nil {
		return nil, nil, err
	}
	set, res, err := p.manifests(context.Background(), paths)
	if err != nil {
		return nil, nil, err
	}
	return rbac.ResolveWith(set, rbac.Options{Namespace: f.namespace}), res, nil
}

// rbacOutput opens where the output goes and checks the format.
func rbacOutput(e *env, f rbacFlags) (io.Writer, func() error, func(), error) {
	switch strings.ToLower(f.format) {
	case "table", "json":
	default:
		return nil, nil, nil, usageErr("--format: unknown format %q (want table or json)", f.format)
	}
	if f.output == "" {
		return e.stdout, func() error { return nil }, func() {}, nil
	}
	out, err := createAtomic(f.output)
	if err != nil {
		return nil, nil, nil, usageErr("--output: %v", err)
	}
	return out, out.commit, out.abort, nil
}

// finishRBAC commits the output and turns input errors into exit 3.
func finishRBAC(e *env, res *scan.Result, commit func() error, werr error) error {
	if werr == nil {
		werr = commit()
	}
	if werr != nil {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("writing output: %w", werr)}
	}
	if len(res.Errors) > 0 {
		for _, fe := range res.Errors {
			fmt.Fprintf(e.stderr, "bulwark: %s\n", fe.Error())
		}
		return &exitError{code: exitIncomplete}
	}
	return nil
}

func runRBACList(_ *cobra.Command, e *env, f rbacFlags, paths []string) error {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	w, commit, abort, err := rbacOutput(e, f)
	if err != nil {
		return err
	}
	defer abort()
	g, res, err := loadRBAC(f, paths)
	if err != nil {
		return err
	}
	doc := listDoc(g, res)
	if strings.EqualFold(f.format, "json") {
		err = writeJSON(w, doc)
	} else {
		err = writeListTable(w, doc, f.namespace)
	}
	return finishRBAC(e, res, commit, err)
}

func runRBACWhoCan(_ *cobra.Command, e *env, f rbacFlags, q rbac.Request, paths []string) error {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	w, commit, abort, err := rbacOutput(e, f)
	if err != nil {
		return err
	}
	defer abort()
	g, res, err := loadRBAC(f, paths)
	if err != nil {
		return err
	}
	doc := whoDoc(g, res, q)
	if strings.EqualFold(f.format, "json") {
		err = writeJSON(w, doc)
	} else {
		err = writeWhoTable(w, doc)
	}
	return finishRBAC(e, res, commit, err)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// The JSON documents of bulwark rbac (docs/rbac-json.md). They change only
// by adding fields within a schema version.

const rbacSchemaVersion = "1"

type rbacTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// rbacObject names a manifest object and where it is written.
type rbacObject struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Path      string `json:"path,omitempty"`
	Line      int    `json:"line,omitempty"`
	// Builtin marks a ClusterRole Kubernetes creates itself; Unknown one
	// whose rules Bulwark does not model.
	Builtin bool `json:"builtin,omitempty"`
	Unknown bool `json:"unknown,omitempty"`
}

// rbacRight is one grant: a rule of a bound role and where it applies.
type rbacRight struct {
	Scope           string       `json:"scope"`
	Namespace       string       `json:"namespace,omitempty"`
	Verbs           []string     `json:"verbs"`
	APIGroups       []string     `json:"api_groups,omitempty"`
	Resources       []string     `json:"resources,omitempty"`
	ResourceNames   []string     `json:"resource_names,omitempty"`
	NonResourceURLs []string     `json:"non_resource_urls,omitempty"`
	ViaGroup        string       `json:"via_group,omitempty"`
	Binding         rbacObject   `json:"binding"`
	Role            rbacObject   `json:"role"`
	AggregatedFrom  *rbacObject  `json:"aggregated_from,omitempty"`
	Rule            rbacLocation `json:"rule"`
}

type rbacLocation struct {
	Path  string `json:"path,omitempty"`
	Line  int    `json:"line,omitempty"`
	Index int    `json:"index"`
}

type rbacStep struct {
	Subject rbac.Subject  `json:"subject"`
	Action  string        `json:"action"`
	Grants  []rbacRight   `json:"grants"`
	Becomes *rbac.Subject `json:"becomes,omitempty"`
	Goal    string        `json:"goal,omitempty"`
}

type rbacSubject struct {
	Subject    rbac.Subject `json:"subject"`
	Workloads  []rbacObject `json:"workloads,omitempty"`
	Rights     []rbacRight  `json:"rights"`
	Escalation []rbacStep   `json:"escalation,omitempty"`
}

type rbacInference struct {
	Path      string     `json:"path"`
	Namespace string     `json:"namespace"`
	Evidence  rbacObject `json:"evidence"`
}

type rbacListDoc struct {
	SchemaVersion string              `json:"schema_version"`
	Tool          rbacTool            `json:"tool"`
	Paths         []string            `json:"paths"`
	Summary       rbacSummary         `json:"summary"`
	Inferred      []rbacInference     `json:"inferred_namespaces"`
	Subjects      []rbacSubject       `json:"subjects"`
	Errors        []finding.FileError `json:"errors"`
}

type rbacSummary struct {
	Roles       int `json:"roles"`
	Bindings    int `json:"bindings"`
	Subjects    int `json:"subjects"`
	Escalations int `json:"escalations"`
}

type rbacQuery struct {
	Verb           string `json:"verb"`
	APIGroup       string `json:"api_group"`
	Resource       string `json:"resource,omitempty"`
	Subresource    string `json:"subresource,omitempty"`
	Namespace      string `json:"namespace"`
	NonResourceURL string `json:"non_resource_url,omitempty"`
}

type rbacAccess struct {
	Subject rbac.Subject `json:"subject"`
	Grants  []rbacRight  `json:"grants"`
}

type rbacWhoDoc struct {
	SchemaVersion string              `json:"schema_version"`
	Tool          rbacTool            `json:"tool"`
	Paths         []string            `json:"paths"`
	Query         rbacQuery           `json:"query"`
	Subjects      []rbacAccess        `json:"subjects"`
	Errors        []finding.FileError `json:"errors"`
}

func objectOf(o *kube.Object, kind, name, ns string) rbacObject {
	out := rbacObject{Kind: kind, Name: name, Namespace: ns}
	if o != nil {
		out.Path, out.Line = o.Loc.Path, o.Loc.Start.Line
	}
	return out
}

func roleObject(r *rbac.Role) rbacObject {
	out := objectOf(r.Object, r.Kind, r.Name, r.Namespace)
	out.Builtin, out.Unknown = r.Builtin, r.Unknown
	return out
}

// rightOf describes a grant held by who (directly, or through the group
// the grant names).
func rightOf(gr *rbac.Grant, who rbac.Subject) rbacRight {
	rl := gr.Rule
	r := rbacRight{
		Scope: "cluster", Namespace: gr.Namespace,
		Verbs: rl.Verbs, APIGroups: rl.APIGroups, Resources: rl.Resources, ResourceNames: rl.ResourceNames, NonResourceURLs: rl.NonResourceURLs,
		Binding: objectOf(gr.Binding.Object, gr.Binding.Kind, gr.Binding.Name, gr.Binding.Namespace),
		Role:    roleObject(gr.Binding.Role),
		Rule:    rbacLocation{Index: rl.Index},
	}
	if r.Verbs == nil {
		r.Verbs = []string{}
	}
	if gr.Namespace != "" {
		r.Scope = "namespace"
	}
	if gr.Subject != who {
		r.ViaGroup = gr.Subject.Name
	}
	if rl.Role != gr.Binding.Role {
		from := roleObject(rl.Role)
		r.AggregatedFrom = &from
	}
	if loc := rl.Location(); loc.Path != "" {
		r.Rule.Path, r.Rule.Line = loc.Path, loc.Start.Line
	}
	return r
}

func rightsOf(grants []*rbac.Grant, who rbac.Subject) []rbacRight {
	out := make([]rbacRight, 0, len(grants))
	for _, gr := range grants {
		out = append(out, rightOf(gr, who))
	}
	return out
}

func errorsOf(res *scan.Result) []finding.FileError {
	if res.Errors == nil {
		return []finding.FileError{}
	}
	return res.Errors
}

func listDoc(g *rbac.Graph, res *scan.Result) rbacListDoc {
	doc := rbacListDoc{
		SchemaVersion: rbacSchemaVersion, Tool: rbacTool{Name: "bulwark", Version: toolVersion()},
		Paths: res.Paths, Inferred: []rbacInference{}, Subjects: []rbacSubject{}, Errors: errorsOf(res),
		Summary: rbacSummary{Roles: len(g.Roles), Bindings: len(g.Bindings)},
	}
	if doc.Paths == nil {
		doc.Paths = []string{}
	}
	for _, inf := range g.Inferred {
		o := inf.Evidence
		doc.Inferred = append(doc.Inferred, rbacInference{Path: inf.Path, Namespace: inf.Namespace, Evidence: objectOf(o, o.Kind, o.Name, g.Namespace(o))})
	}
	paths := map[rbac.Subject]*rbac.Path{}
	for _, p := range g.Escalations() {
		paths[p.Subject] = p
	}
	for _, s := range g.Subjects() {
		grants := g.GrantsOf(s)
		if len(grants) == 0 {
			continue
		}
		sub := rbacSubject{Subject: s, Rights: rightsOf(grants, s)}
		for _, w := range g.Workloads(s) {
			sub.Workloads = append(sub.Workloads, objectOf(w, w.Kind, w.Name, g.Namespace(w)))
		}
		if p := paths[s]; p != nil {
			for _, st := range p.Steps {
				sub.Escalation = append(sub.Escalation, rbacStep{Subject: st.Subject, Action: st.Action, Grants: rightsOf(st.Grants, st.Subject), Becomes: st.Becomes, Goal: st.Goal})
			}
			doc.Summary.Escalations++
		}
		doc.Subjects = append(doc.Subjects, sub)
	}
	doc.Summary.Subjects = len(doc.Subjects)
	return doc
}

func whoDoc(g *rbac.Graph, res *scan.Result, q rbac.Request) rbacWhoDoc {
	doc := rbacWhoDoc{
		SchemaVersion: rbacSchemaVersion, Tool: rbacTool{Name: "bulwark", Version: toolVersion()},
		Paths: res.Paths, Subjects: []rbacAccess{}, Errors: errorsOf(res),
		Query: rbacQuery{Verb: q.Verb, APIGroup: q.Group, Resource: q.Resource, Subresource: q.Subresource, Namespace: q.Namespace, NonResourceURL: q.Path},
	}
	if doc.Paths == nil {
		doc.Paths = []string{}
	}
	for _, a := range g.Who(q) {
		doc.Subjects = append(doc.Subjects, rbacAccess{Subject: a.Subject, Grants: rightsOf(a.Grants, a.Subject)})
	}
	return doc
}

// Table output.

// resourcesText writes a right's resources as kubectl does:
// "deployments.apps", "pods/exec", "*.*", with resourceNames in brackets,
// or its non-resource URLs.
func resourcesText(r rbacRight) string {
	var parts []string
	for _, res := range r.Resources {
		for _, grp := range r.APIGroups {
			parts = append(parts, rbac.FormatResource(grp, res))
		}
	}
	for _, u := range r.NonResourceURLs {
		if !strings.HasPrefix(u, "/") {
			u = "non-resource URLs " + u // "*"
		}
		parts = append(parts, u)
	}
	text := strings.Join(parts, ",")
	if len(r.ResourceNames) > 0 {
		names := make([]string, len(r.ResourceNames))
		for i, n := range r.ResourceNames {
			names[i] = strconv.Quote(n)
			if n != "" && !strings.ContainsAny(n, " ,[]\"") {
				names[i] = n
			}
		}
		text += " [" + strings.Join(names, ",") + "]"
	}
	return text
}

func objectText(o rbacObject) string {
	s := o.Kind + "/" + o.Name
	if o.Namespace != "" {
		s = o.Kind + "/" + o.Namespace + "/" + o.Name
	}
	return s
}

// grantedBy writes how a right is granted: "binding -> role[ (from
// R)][ (as Group G)]", R being the ClusterRole an aggregated rule comes
// from.
func grantedBy(r rbacRight) string {
	s := objectText(r.Binding) + " -> " + objectText(r.Role)
	if r.AggregatedFrom != nil {
		s += " (from " + objectText(*r.AggregatedFrom) + ")"
	}
	if r.ViaGroup != "" {
		s += " (as Group " + r.ViaGroup + ")"
	}
	return s
}

func ruleText(r rbacRight) string {
	switch {
	case r.Rule.Path != "":
		return r.Rule.Path + ":" + strconv.Itoa(r.Rule.Line)
	case r.Role.Unknown:
		return "built in (rules not modelled)"
	}
	return "built in"
}

func scopeText(r rbacRight) string {
	if r.Scope == "cluster" {
		return "cluster-wide"
	}
	return "namespace " + r.Namespace
}

func writeListTable(w io.Writer, doc rbacListDoc, forced string) error {
	bw := &errWriter{w: w}
	fmt.Fprintf(bw, "%d %s, %d %s, %d %s with rights",
		doc.Summary.Roles, plural(doc.Summary.Roles, "role"), doc.Summary.Bindings, plural(doc.Summary.Bindings, "binding"),
		doc.Summary.Subjects, plural(doc.Summary.Subjects, "subject"))
	if doc.Summary.Escalations > 0 {
		fmt.Fprintf(bw, "; %d can become cluster-admin", doc.Summary.Escalations)
	}
	fmt.Fprintln(bw, ".")
	if forced != "" {
		fmt.Fprintf(bw, "Objects without a namespace are taken to be in %q (--default-namespace).\n", forced)
	} else {
		fmt.Fprintf(bw, "Objects without a namespace are taken to be in %q", rbac.DefaultNamespace)
		if len(doc.Inferred) > 0 {
			fmt.Fprint(bw, ", except")
			for i, inf := range doc.Inferred {
				if i > 0 {
					fmt.Fprint(bw, ";")
				}
				fmt.Fprintf(bw, " in %s: %q (%s binds its service accounts there)", inf.Path, inf.Namespace, objectText(inf.Evidence))
			}
		}
		fmt.Fprintln(bw, ".")
	}
	for _, s := range doc.Subjects {
		fmt.Fprintf(bw, "\n%s\n", s.Subject)
		for _, wl := range s.Workloads {
			fmt.Fprintf(bw, "  runs %s (%s:%d)\n", objectText(wl), wl.Path, wl.Line)
		}
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  SCOPE\tVERBS\tRESOURCES\tGRANTED BY\tRULE")
		for _, r := range s.Rights {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", scopeText(r), strings.Join(r.Verbs, ","), resourcesText(r), grantedBy(r), ruleText(r))
		}
		tw.Flush()
		if len(s.Escalation) > 0 {
			fmt.Fprintf(bw, "  path to cluster-admin (%d %s):\n", len(s.Escalation), plural(len(s.Escalation), "step"))
			for i, st := range s.Escalation {
				who := "it"
				if i > 0 {
					who = st.Subject.String()
				}
				fmt.Fprintf(bw, "    %d. %s %s\n", i+1, who, st.Action)
				for _, r := range st.Grants {
					fmt.Fprintf(bw, "       by %s, %s\n", grantedBy(r), ruleText(r))
				}
				if st.Becomes != nil {
					fmt.Fprintf(bw, "       -> acts as %s\n", st.Becomes)
				} else {
					fmt.Fprintf(bw, "       => %s\n", st.Goal)
				}
			}
		}
	}
	if len(doc.Subjects) == 0 {
		fmt.Fprintln(bw, "\nNo subject holds a right in the scanned manifests.")
	}
	return bw.err
}

func queryText(q rbacQuery) string {
	if q.NonResourceURL != "" {
		return q.Verb + " " + q.NonResourceURL
	}
	res := q.Resource
	if q.Subresource != "" {
		res += "/" + q.Subresource
	}
	s := q.Verb + " " + rbac.FormatResource(q.APIGroup, res)
	switch q.Namespace {
	case rbac.AnyNamespace:
		s += " in any namespace"
	case "":
		s += " cluster-wide"
	default:
		s += " in namespace " + q.Namespace
	}
	return s
}

func writeWhoTable(w io.Writer, doc rbacWhoDoc) error {
	bw := &errWriter{w: w}
	if len(doc.Subjects) == 0 {
		fmt.Fprintf(bw, "Nobody the scanned bindings name may %s.\n", queryText(doc.Query))
		return bw.err
	}
	fmt.Fprintf(bw, "%d %s may %s:\n\n", len(doc.Subjects), plural(len(doc.Subjects), "subject"), queryText(doc.Query))
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBJECT\tSCOPE\tGRANTED BY\tRULE")
	for _, a := range doc.Subjects {
		for i, r := range a.Grants {
			name := a.Subject.String()
			if i > 0 {
				name = ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, scopeText(r), grantedBy(r), ruleText(r))
		}
	}
	tw.Flush()
	return bw.err
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}
