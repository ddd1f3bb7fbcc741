package audit

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/bulwark-sec/bulwark/auditpolicy"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// catchAllRule is AP004: requests that no rule matches are not logged.
func catchAllRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP004", Slug: "audit-no-catch-all", Kind: rule.Kube, Severity: finding.Medium,
		Title: "Audit policy leaves requests unlogged: no catch-all rule",
		Tags:  []string{tagSeed, tagCISMin},
		Why: "A request that matches no rule of an audit policy is not logged at all. A policy that lists only what " +
			"its author thought of misses the rest: writes to Deployments and RoleBindings, custom resources, API " +
			"groups that Kubernetes adds later, requests by users nobody expected, and requests whose authentication " +
			"failed (the API server logs them with no user, so a rule keyed on userGroups never matches them: " +
			"`userGroups: [system:authenticated]` is not a catch-all). The policies of Kubernetes' " +
			"documentation and of kube-up end with a rule without selectors (`- level: Metadata`) that logs everything " +
			"else. The simulator looks for a request that no rule matches, over every user, group, verb, namespace, " +
			"resource, name and URL the policy tells apart; a last rule without selectors at level None, which drops " +
			"everything else on purpose, is reported too. The seed's policy has no catch-all: a pod created, a " +
			"Deployment changed, a RoleBinding added are not logged.",
		Bad:         "rules:\n- level: Metadata\n  resources:\n  - group: \"\"\n    resources: [\"secrets\", \"configmaps\"]",
		Good:        "rules:\n- level: Metadata\n  resources:\n  - group: \"\"\n    resources: [\"secrets\", \"configmaps\"]\n- level: Metadata   # everything else",
		Remediation: "End the rules with `- level: Metadata` (no selectors), so that every request no other rule decides is logged.",
		Check: func(p *rule.Pass) error {
			for _, d := range soundPolicies(p) {
				var miss *auditpolicy.Request
				noneAll := -1
				complete := d.p.Explore(auditpolicy.Space{}, func(r auditpolicy.Request, dec auditpolicy.Decision) bool {
					if dec.Rule < 0 {
						miss = &r
						return false
					}
					if dec.Level == auditv1.LevelNone && noneAll < 0 && selectorFree(&d.p.Rules[dec.Rule]) {
						noneAll = dec.Rule
					}
					return true
				})
				switch {
				case miss != nil:
					p.Reportf(d.o.At("rules"), "requests that no rule matches are not logged, for example %s: the policy has no catch-all rule at the end",
						example(*miss))
				case complete && noneAll >= 0:
					p.Reportf(d.ruleAt(noneAll, "level"), "%s logs every request the rules before it do not decide at None: custom resources and new APIs go unlogged",
						d.ruleName(noneAll))
				}
			}
			return nil
		},
	}
}

// selectorFree tells whether a rule matches every request.
func selectorFree(r *auditv1.PolicyRule) bool {
	return len(r.Users) == 0 && len(r.UserGroups) == 0 && len(r.Verbs) == 0 && len(r.Resources) == 0 && len(r.Namespaces) == 0 && len(r.NonResourceURLs) == 0
}

// shadowedRule is AP005: a rule an earlier rule covers.
func shadowedRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP005", Slug: "audit-rule-shadowed", Kind: rule.Kube, Severity: finding.Medium,
		Title: "Audit rule can never match: an earlier rule matches all its requests",
		Tags:  []string{tagSeed},
		Why: "The first rule that matches a request decides, so a rule written after one that matches every request " +
			"it would match never applies: the requests it was written for get the earlier rule's level, often a " +
			"broad `level: None` or a Metadata rule placed before a RequestResponse one, and the author believes they " +
			"are logged as the later rule says. The test is exact over the selectors, not their text: the earlier rule " +
			"must allow every user, group and verb the later one does, and match every namespace, API group, resource, " +
			"subresource, name and URL it does (`pods/*` covers `pods/exec` and `pods`, `*` every resource, `/api*` " +
			"every `/apis/...` URL; `pods` does not cover `pods/exec`). A rule that only several earlier rules cover " +
			"together is not reported.",
		Bad:         "- level: Metadata\n  resources:\n  - group: \"\"\n- level: RequestResponse   # never matches: core is covered above\n  resources:\n  - group: \"\"\n    resources: [\"pods/exec\"]",
		Good:        "- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [\"pods/exec\"]\n- level: Metadata\n  resources:\n  - group: \"\"",
		Remediation: "Move the rule before the earlier rule that covers it (narrow rules first), or delete it if it is redundant.",
		Check: func(p *rule.Pass) error {
			for _, d := range soundPolicies(p) {
				rules := d.p.Rules
				for j := 1; j < len(rules); j++ {
					for i := 0; i < j; i++ {
						if !auditpolicy.Covers(&rules[i], &rules[j]) {
							continue
						}
						effect := "it is redundant: the earlier rule logs them the same way"
						if rules[i].Level != rules[j].Level {
							effect = "its requests are logged at " + string(rules[i].Level) + ", not " + string(rules[j].Level)
						} else if !sameStages(d.p, i, j) {
							effect = "its requests get the earlier rule's omitStages"
						}
						p.Reportf(d.ruleAt(j), "%s can never match: %s matches every request it does, so %s",
							d.ruleName(j), d.ruleName(i), effect)
						break
					}
				}
			}
			return nil
		},
	}
}

func sameStages(p *auditpolicy.Policy, i, j int) bool {
	return auditpolicy.StagesOf(p.Rules[i].OmitStages...) == auditpolicy.StagesOf(p.Rules[j].OmitStages...)
}

// stageFindings finds the rules that decide a logged request whose
// decision omits stage st (omitted) or keeps it (!omitted); all is set
// when that holds for every logged request (and the exploration was
// complete).
func stageFindings(d policyDoc, st auditv1.Stage, omitted bool) (all bool, rules []int) {
	var logged, bad int
	seen := map[int]bool{}
	complete := d.p.Explore(auditpolicy.Space{}, func(_ auditpolicy.Request, dec auditpolicy.Decision) bool {
		if !dec.Logged() {
			return true
		}
		logged++
		if dec.Omit.Has(st) == omitted {
			bad++
			if !seen[dec.Rule] {
				seen[dec.Rule] = true
				rules = append(rules, dec.Rule)
			}
		}
		return true
	})
	if bad == 0 {
		return false, nil
	}
	return complete && bad == logged, rules
}

// receivedRule is AP006: RequestReceived is not omitted.
func receivedRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP006", Slug: "audit-request-received", Kind: rule.Kube, Severity: finding.Low,
		Title: "Audit policy does not omit the RequestReceived stage",
		Tags:  []string{tagSeed},
		Why: "Every logged request gets an event at RequestReceived, when the API server starts handling it, and " +
			"another at ResponseComplete (long-running ones also at ResponseStarted). The first holds nothing the " +
			"last does not, except for requests that never complete: it about doubles the volume of the log, its " +
			"cost and the load on the webhook or log backend, for no information. The policies of Kubernetes' " +
			"documentation, of kube-up and of Falco omit it (`omitStages: [RequestReceived]`), policy-wide or in " +
			"every rule. The simulator reports the policy when no logged request omits it, else each rule that " +
			"decides a logged request without omitting it. The seed's policy does not omit it.",
		Bad:         "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata",
		Good:        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [\"RequestReceived\"]\nrules:\n- level: Metadata",
		Remediation: "Add `omitStages: [\"RequestReceived\"]` at the top of the policy.",
		Fixable:     true,
		Check: func(p *rule.Pass) error {
			for _, d := range soundPolicies(p) {
				all, rules := stageFindings(d, auditv1.StageRequestReceived, false)
				if all {
					loc := d.o.Loc
					if l, ok := d.o.Lookup("omitStages"); ok {
						loc = l
					}
					p.Report(loc, "no rule omits the RequestReceived stage: every logged request is written twice, when received and when answered",
						omitFix(d, "omitStages")...)
					continue
				}
				for _, i := range rules {
					p.Report(d.ruleAt(i, "level"), fmt.Sprintf("%s does not omit the RequestReceived stage (the others do): its requests are written twice", d.ruleName(i)),
						omitFix(d, "rules", strconv.Itoa(i), "omitStages")...)
				}
			}
			return nil
		},
	}
}

// omitFix adds RequestReceived to the omitStages list at path.
func omitFix(d policyDoc, path ...string) []finding.Fix {
	e, ok := d.o.AddItem(string(auditv1.StageRequestReceived), path...)
	if !ok {
		return nil
	}
	return []finding.Fix{{Title: "omit the RequestReceived stage", Edits: []finding.Edit{e}}}
}

// completeRule is AP011: ResponseComplete is omitted.
func completeRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP011", Slug: "audit-response-complete-omitted", Kind: rule.Kube, Severity: finding.Medium,
		Title: "Audit policy omits the ResponseComplete stage",
		Tags:  []string{tagSeed},
		Why: "The ResponseComplete event is the one that says how a request ended (its response code: allowed, " +
			"forbidden, failed) and, at Request and RequestResponse levels, the one that carries the bodies. Omitting " +
			"it keeps only RequestReceived (and ResponseStarted for long-running requests), so the log records attempts " +
			"without outcomes, or nothing at all when RequestReceived is omitted too. The simulator reports the policy " +
			"when every logged request omits it, else each rule that omits it for a logged request.",
		Bad:         "omitStages: [\"RequestReceived\", \"ResponseComplete\"]",
		Good:        "omitStages: [\"RequestReceived\"]",
		Remediation: "Remove ResponseComplete from omitStages.",
		Check: func(p *rule.Pass) error {
			for _, d := range soundPolicies(p) {
				_, rules := stageFindings(d, auditv1.StageResponseComplete, true)
				if len(rules) > 0 && slices.Contains(d.p.OmitStages, auditv1.StageResponseComplete) {
					p.Report(omitLoc(d, -1, auditv1.StageResponseComplete), "the policy omits the ResponseComplete stage: no logged request records how it ended")
					continue
				}
				for _, i := range rules {
					p.Reportf(omitLoc(d, i, auditv1.StageResponseComplete), "%s omits the ResponseComplete stage: its requests are logged without how they ended",
						d.ruleName(i))
				}
			}
			return nil
		},
	}
}
