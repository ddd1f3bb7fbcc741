package audit

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/auditpolicy"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
)

// refusedRule is AP001: the API server would refuse to start with the
// policy.
func refusedRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP001", Slug: "audit-policy-refused", Kind: rule.Kube, Severity: finding.High,
		Title: "The API server would refuse this audit policy",
		Tags:  []string{tagSeed, tagCISMin},
		Why: "kube-apiserver reads its --audit-policy-file when it starts and does not start when the policy is wrong: " +
			"a control plane that does not come back after an upgrade, or an audit log that was never switched on. " +
			"Reported are the checks of the API server itself (k8s.io/apiserver's policy loader and validation), at " +
			"the field: a field of the wrong type (`users: alice` for a list), an apiVersion other than " +
			"audit.k8s.io/v1 (v1beta1 and v1alpha1 are no longer read since Kubernetes 1.24), no rules, a missing or " +
			"unknown level, an unknown stage in omitStages, a non-resource URL that does not start with `/` or has a `*` " +
			"before its end, a rule with both nonResourceURLs and resources or namespaces, a group that is not an API " +
			"group name (`apps/v1`, with its version; `*` is accepted only from Kubernetes 1.36), resourceNames without " +
			"resources. The Kubernetes version of the settings (--kube-version) decides the version-dependent checks.",
		Bad:         "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources:\n  - group: apps/v1",
		Good:        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources:\n  - group: apps",
		Remediation: "Fix the field as the message says; `kube-apiserver --audit-policy-file` then starts with the policy.",
		Check: func(p *rule.Pass) error {
			minor := kubeMinor(p.Settings.KubeVersion)
			for _, d := range policies(p) {
				if d.err != nil {
					var de *auditpolicy.DecodeError
					loc := d.o.Loc
					if errors.As(d.err, &de) {
						loc = d.o.At(de.Path...)
					}
					p.Reportf(loc, "the policy does not decode, so the API server does not start: %s", d.err)
					continue
				}
				for _, is := range d.issues {
					if len(is.Path) == 1 && is.Path[0] == "apiVersion" && minor < 24 && auditpolicy.IsPolicy(d.p.APIVersion, auditpolicy.Kind) &&
						(strings.HasSuffix(d.p.APIVersion, "/v1beta1") || strings.HasSuffix(d.p.APIVersion, "/v1alpha1")) {
						continue // still read, with a deprecation warning, before 1.24
					}
					p.Report(d.o.At(is.Path...), is.String())
				}
				if minor < auditpolicy.WildcardGroupSince {
					for i, r := range d.p.Rules {
						for j, gr := range r.Resources {
							if gr.Group == "*" {
								p.Reportf(d.ruleAt(i, "resources", strconv.Itoa(j), "group"),
									"group \"*\" (every API group) is accepted only from Kubernetes 1.%d; the API server of 1.%d refuses it as an invalid group name: list the groups",
									auditpolicy.WildcardGroupSince, minor)
							}
						}
					}
				}
			}
			return nil
		},
	}
}

// ignoredFieldRule is AP008: a field the API server ignores.
func ignoredFieldRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP008", Slug: "audit-policy-ignored-field", Kind: rule.Kube, Severity: finding.Medium,
		Title: "Audit policy field is ignored by the API server",
		Tags:  []string{tagSeed},
		Why: "The API server reads an audit policy strictly first, and when that fails because of an unknown or " +
			"duplicated field it reads it again leniently: it starts, drops the unknown field and keeps the last of " +
			"duplicated ones, and says so only in its own log. A misspelt selector therefore widens its rule: `resource:` " +
			"or `verb:` instead of `resources:` and `verbs:` makes the rule match every resource or every verb, so a " +
			"rule meant for pods/exec at RequestResponse logs every request with its bodies, Secrets included, and a " +
			"`level: None` rule meant for health checks hides everything after it. A field written twice keeps only its " +
			"last value.",
		Bad:         "- level: None\n  nonResourceURL: [\"/healthz*\"]   # misspelt: the rule matches every request",
		Good:        "- level: None\n  nonResourceURLs: [\"/healthz*\"]",
		Remediation: "Spell the field as the audit.k8s.io/v1 Policy defines it (the message suggests the field meant), or remove it; write each field once.",
		Check: func(p *rule.Pass) error {
			for _, d := range policies(p) {
				if d.p == nil {
					continue
				}
				for _, is := range d.p.Ignored {
					msg := is.String()
					if len(is.Path) > 0 {
						if s := suggestField(is.Path); s != "" {
							msg += fmt.Sprintf(" (did you mean %s?)", s)
						}
						if len(is.Path) == 3 && is.Path[0] == "rules" && strings.HasPrefix(is.Message, "unknown") {
							msg += ": the rule is not limited by it, and matches more requests than written"
						}
					}
					p.Report(d.o.At(is.Path...), msg)
				}
			}
			return nil
		},
	}
}

// Field names of the policy kinds, for suggestions.
var (
	policyFieldNames   = []string{"apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields"}
	ruleFieldNames     = []string{"level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs", "omitStages", "omitManagedFields"}
	resourceFieldNames = []string{"group", "resources", "resourceNames"}
)

// suggestField returns the known field an unknown one most likely means:
// the same but for case, a plural s, or one letter.
func suggestField(path []string) string {
	var known []string
	switch len(path) {
	case 1:
		known = policyFieldNames
	case 3:
		known = ruleFieldNames
	case 5:
		known = resourceFieldNames
	default:
		return ""
	}
	name := path[len(path)-1]
	for _, k := range known {
		if strings.EqualFold(k, name) || strings.EqualFold(k, name+"s") || strings.EqualFold(k+"s", name) || editDistance1(strings.ToLower(k), strings.ToLower(name)) {
			return k
		}
	}
	return ""
}

// editDistance1 reports whether a and b differ by one edit.
func editDistance1(a, b string) bool {
	if a == b || len(a)-len(b) > 1 || len(b)-len(a) > 1 {
		return false
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:]
	}
	return a[i+1:] == b[i:]
}

// extensionsMoves are the resources the extensions group served and
// where they went, with the release that stopped serving them there.
var extensionsMoves = map[string]struct {
	group string
	minor int
}{
	"deployments": {"apps", 16}, "daemonsets": {"apps", 16}, "replicasets": {"apps", 16},
	"networkpolicies": {"networking.k8s.io", 16}, "podsecuritypolicies": {"policy", 16},
	"ingresses": {"networking.k8s.io", 22},
}

// unservedRule is AP010: a resource under a group that does not serve it.
func unservedRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP010", Slug: "audit-resource-wrong-group", Kind: rule.Kube, Severity: finding.Medium,
		Title: "Audit rule names a resource its API group does not serve",
		Tags:  []string{tagSeed},
		Why: "A rule's resources match by API group and resource name exactly: `deployments` under the core group " +
			"(`group: \"\"`) matches nothing, as Deployments are served by `apps`, and the Deployments the rule was " +
			"written for fall to a later rule, often the catch-all at Metadata or nothing. The same goes for a resource " +
			"misspelt or in the singular (`secret`, `Pods`) and for the groups Kubernetes no longer serves " +
			"(`extensions` stopped serving Deployments, DaemonSets, ReplicaSets and NetworkPolicies in 1.16, Ingresses " +
			"in 1.22). Only the API groups Kubernetes serves itself are checked, from the table of resources generated " +
			"from k8s.io/api; custom resources' groups are not. The Falco plugin's example policy writes `deployments` " +
			"under the core group.",
		Bad:         "- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [\"pods\", \"deployments\"]",
		Good:        "- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [\"pods\"]\n  - group: apps\n    resources: [\"deployments\"]",
		Remediation: "Move the resource under the API group that serves it (the message names it), or fix its spelling.",
		Check: func(p *rule.Pass) error {
			minor := kubeMinor(p.Settings.KubeVersion)
			builtin := auditpolicy.BuiltinGroups()
			for _, d := range soundPolicies(p) {
				for i, r := range d.p.Rules {
					for j, gr := range r.Resources {
						for k, spec := range gr.Resources {
							res, _, _ := strings.Cut(spec, "/")
							if res == "*" || res == "" {
								continue
							}
							msg := unservedMessage(gr.Group, res, minor, builtin)
							if msg != "" {
								p.Report(d.ruleAt(i, "resources", strconv.Itoa(j), "resources", strconv.Itoa(k)), msg)
							}
						}
					}
				}
			}
			return nil
		},
	}
}

// unservedMessage says why a group does not serve a resource, or "" when
// it does or Bulwark cannot tell.
func unservedMessage(group, res string, minor int, builtin []string) string {
	if group == "extensions" {
		if mv, ok := extensionsMoves[res]; ok && minor >= mv.minor {
			return fmt.Sprintf("the extensions group no longer serves %s (since Kubernetes 1.%d): the entry matches nothing; %s are served by %s", res, mv.minor, res, groupName(mv.group))
		}
		return ""
	}
	if !slices.Contains(builtin, group) {
		return ""
	}
	if _, ok := auditpolicy.LookupResource(group, res); ok {
		return ""
	}
	var elsewhere []string
	for _, r := range auditpolicy.BuiltinResources() {
		if r.Name == res && r.Group != group {
			elsewhere = append(elsewhere, groupName(r.Group))
		}
	}
	if len(elsewhere) > 0 {
		return fmt.Sprintf("%s does not serve %s, so the entry never matches %s: they are served by %s", groupName(group), res, res, strings.Join(elsewhere, " and "))
	}
	for _, r := range auditpolicy.BuiltinResources() {
		if r.Group == group && (strings.EqualFold(r.Name, res) || strings.EqualFold(r.Name, res+"s") || strings.EqualFold(r.Name, res+"es") || strings.EqualFold(r.Name, strings.TrimSuffix(res, "y")+"ies")) {
			return fmt.Sprintf("%s serves no resource %q, so the entry matches nothing: did you mean %s?", groupName(group), res, r.Name)
		}
	}
	return ""
}

func groupName(g string) string {
	if g == "" {
		return "the core group (\"\")"
	}
	return "group " + g
}
