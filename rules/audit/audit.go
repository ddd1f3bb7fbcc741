// Package audit holds the rules about Kubernetes API server audit
// policies (`audit.k8s.io/v1` Policy, the file of kube-apiserver's
// --audit-policy-file), AP001 onwards.
//
// Every judgment about what a policy logs comes from the simulator of
// package auditpolicy, which applies the rules first-match as the API
// server does: a rule asks which level and stages requests get (a
// secret read, a pod exec, a RoleBinding write, by every kind of user the
// policy tells apart, in every namespace it names) and reports the rule
// that decides, never the text of a rule. A policy the API server would
// refuse (AP001) is judged for nothing else but its ignored fields, as
// what it would log is not defined.
package audit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/auditpolicy"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// Tags of the audit rules: the seed's "audit log configuration" practice
// and CIS Kubernetes Benchmark 3.2 (logging).
const (
	tagSeed     = "seed:audit-log-configuration"
	tagCISAudit = "cis-k8s:3.2.2"
	tagCISMin   = "cis-k8s:3.2.1"
)

// peerPolicy is kubescape's control that reads the audit policy of a
// cluster (through its host sensor, not from a file).
const peerPolicy = "kubescape:C-0161"

// Rules returns every audit policy rule, newly built.
func Rules() []*rule.Rule {
	return []*rule.Rule{
		refusedRule(), bodiesRule(), interactiveRule(), catchAllRule(), shadowedRule(), receivedRule(),
		noneRule(), ignoredFieldRule(), writesRule(), unservedRule(), completeRule(),
	}
}

// policyDoc is one audit policy of a manifest file.
type policyDoc struct {
	o *kube.Object
	// p is nil when the policy does not decode (err says why).
	p   *auditpolicy.Policy
	err error
	// issues are the reasons the API server would refuse the policy.
	issues []auditpolicy.Issue
	// sound is set when the rules themselves are valid, so that what the
	// policy logs is defined (an apiVersion the API server no longer reads
	// does not change that).
	sound bool
}

// policies returns the audit policies of the pass's file.
func policies(p *rule.Pass) []policyDoc {
	f, ok := p.Target.(*kube.File)
	if !ok {
		return nil
	}
	var out []policyDoc
	for _, o := range f.Objects {
		if !auditpolicy.IsPolicy(o.APIVersion, o.Kind) {
			continue
		}
		d := policyDoc{o: o}
		d.p, d.err = auditpolicy.Decode(o.Node)
		if d.err == nil {
			d.issues = auditpolicy.Validate(d.p)
			d.sound = !slices.ContainsFunc(d.issues, func(is auditpolicy.Issue) bool {
				return len(is.Path) == 0 || is.Path[0] == "rules" || is.Path[0] == "omitStages"
			})
		}
		out = append(out, d)
	}
	return out
}

// sound returns the policies of the pass's file whose logging is defined.
func soundPolicies(p *rule.Pass) []policyDoc {
	var out []policyDoc
	for _, d := range policies(p) {
		if d.sound {
			out = append(out, d)
		}
	}
	return out
}

// ruleAt returns the location of a field of rule i.
func (d policyDoc) ruleAt(i int, path ...string) finding.Location {
	return d.o.At(append([]string{"rules", strconv.Itoa(i)}, path...)...)
}

// ruleName names rule i for messages: "rule 3 (line 12)".
func (d policyDoc) ruleName(i int) string {
	if i < len(d.p.RulePos) && d.p.RulePos[i].Line > 0 {
		return fmt.Sprintf("rule %d (line %d)", i+1, d.p.RulePos[i].Line)
	}
	return fmt.Sprintf("rule %d", i+1)
}

// kubeMinor reads the minor release of the Kubernetes version in the
// settings ("v1.30", "1.30.2"); "" and versions that do not read are the
// newest release Bulwark knows.
func kubeMinor(s string) int {
	const newest = 37
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".")
	if len(parts) < 2 || parts[0] != "1" {
		return newest
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 0 {
		return newest
	}
	return n
}

// target is a kind of request a rule asks the policy about.
type target struct {
	verbs []string
	group string
	// resource is "pods" or "pods/exec".
	resource string
}

// label names the target as policies write it: "pods/exec",
// "deployments.apps", "tokenreviews.authentication.k8s.io".
func (t target) label() string {
	res, sub, _ := strings.Cut(t.resource, "/")
	if t.group != "" {
		res += "." + t.group
	}
	if sub != "" {
		res += "/" + sub
	}
	return res
}

// space turns targets into the simulator's request space.
func space(ts []target) auditpolicy.Space {
	var s auditpolicy.Space
	for _, t := range ts {
		res, sub, _ := strings.Cut(t.resource, "/")
		namespaced := true
		if r, ok := auditpolicy.LookupResource(t.group, res); ok {
			namespaced = r.Namespaced
		}
		s.Targets = append(s.Targets, auditpolicy.Target{Verbs: t.verbs, APIGroup: t.group, Resource: res, Subresource: sub, Namespaced: namespaced})
	}
	return s
}

// targetLabel names the target of a request.
func targetLabel(r auditpolicy.Request) string {
	return target{group: r.APIGroup, resource: strings.TrimSuffix(r.Resource+"/"+r.Subresource, "/")}.label()
}

// verdicts collects, per deciding rule, the requests a check found wrong,
// in the order found.
type verdicts struct {
	rules []int
	by    map[int]*verdict
}

type verdict struct {
	level   auditv1.Level
	example auditpolicy.Request
	// verbs per target label, labels in order found.
	labels []string
	verbs  map[string][]string
}

func (v *verdicts) add(d auditpolicy.Decision, r auditpolicy.Request) {
	if v.by == nil {
		v.by = map[int]*verdict{}
	}
	vd, ok := v.by[d.Rule]
	if !ok {
		vd = &verdict{level: d.Level, example: r, verbs: map[string][]string{}}
		v.by[d.Rule] = vd
		v.rules = append(v.rules, d.Rule)
	}
	l := targetLabel(r)
	if _, seen := vd.verbs[l]; !seen {
		vd.labels = append(vd.labels, l)
	}
	if !slices.Contains(vd.verbs[l], r.Verb) {
		vd.verbs[l] = append(vd.verbs[l], r.Verb)
	}
}

// summary lists what a verdict found, the targets with the same verbs
// together: "secrets, configmaps (get, list), tokenreviews (create)", at
// most max targets and a count of the others.
func (vd *verdict) summary(max int) string {
	type group struct {
		verbs  string
		labels []string
	}
	var groups []*group
	shown := vd.labels
	if len(shown) > max {
		shown = shown[:max]
	}
	for _, l := range shown {
		verbs := strings.Join(vd.verbs[l], ", ")
		i := slices.IndexFunc(groups, func(g *group) bool { return g.verbs == verbs })
		if i < 0 {
			groups = append(groups, &group{verbs: verbs})
			i = len(groups) - 1
		}
		groups[i].labels = append(groups[i].labels, l)
	}
	var parts []string
	for _, g := range groups {
		parts = append(parts, fmt.Sprintf("%s (%s)", strings.Join(g.labels, ", "), g.verbs))
	}
	s := strings.Join(parts, ", ")
	if n := len(vd.labels) - len(shown); n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}

// who names the user of an example request, for messages.
func who(r auditpolicy.Request) string {
	if r.Unauthenticated {
		return "a client that failed to authenticate"
	}
	if r.User == auditpolicy.Anonymous {
		return "the anonymous user"
	}
	var extra []string
	for _, g := range r.Groups {
		if g != auditpolicy.Authenticated {
			extra = append(extra, g)
		}
	}
	if len(extra) > 0 {
		return fmt.Sprintf("user %s in group %s", r.User, strings.Join(extra, ", "))
	}
	return "user " + r.User
}

// example writes a request for messages: "create pods/exec web -n default
// by user jane".
func example(r auditpolicy.Request) string {
	s := r.Verb + " "
	if !r.IsResource() {
		s += r.Path
	} else {
		s += targetLabel(r)
		if r.Name != "" {
			s += " " + r.Name
		}
		if r.Namespace != "" {
			s += " in namespace " + r.Namespace
		}
	}
	return s + " by " + who(r)
}
