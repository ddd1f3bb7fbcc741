package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/auditpolicy"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// bodiesRule is AP002: Secrets, ConfigMaps, tokens logged with bodies.
func bodiesRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP002", Slug: "audit-secret-bodies", Kind: rule.Kube, Severity: finding.High,
		Title: "Audit policy logs the bodies of Secrets, ConfigMaps or tokens",
		Tags:  []string{tagSeed, tagCISAudit},
		Peers: []string{peerPolicy},
		Why: "At Request level an audit event holds the request's body, at RequestResponse also the response's: a " +
			"Secret created or patched at Request, or read at RequestResponse, is copied in clear into the audit log, " +
			"which is shipped to log stores and SIEMs that many more people read than may read Secrets. The same goes " +
			"for ConfigMaps (which often hold credentials and connection strings), the tokens TokenRequest returns " +
			"(`serviceaccounts/token`) and the bearer tokens a TokenReview carries (`tokenreviews` of " +
			"authentication.k8s.io). These must be logged at Metadata: who touched what, when, never the content. The " +
			"simulator asks the policy about every request that would carry the data in a logged body (create, " +
			"update and patch from Request up; get, list and deletecollection at RequestResponse), by every user, " +
			"group, namespace and name the policy tells apart, and reports each rule that decides such a request: a " +
			"rule logging Secret reads at Request is not reported, as a read's request has no body. The Kubernetes " +
			"documentation's example policy logs ConfigMap changes in kube-system at Request, the Falco plugin's " +
			"every other ConfigMap at RequestResponse; the seed's logs Secrets and ConfigMaps at Metadata and passes.",
		Bad:         "- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [\"configmaps\"]",
		Good:        "- level: Metadata\n  resources:\n  - group: \"\"\n    resources: [\"secrets\", \"configmaps\", \"serviceaccounts/token\"]\n  - group: authentication.k8s.io\n    resources: [\"tokenreviews\"]",
		Remediation: "Put a rule that logs secrets, configmaps, serviceaccounts/token and tokenreviews at Metadata before any rule that logs them at Request or RequestResponse.",
		Check: func(p *rule.Pass) error {
			for _, d := range soundPolicies(p) {
				var v verdicts
				for _, bt := range bodyTargets {
					verbs := slices.Clone(bt.responseVerbs)
					for _, vb := range bt.requestVerbs {
						if !slices.Contains(verbs, vb) {
							verbs = append(verbs, vb)
						}
					}
					t := bt.target
					t.verbs = verbs
					d.p.Explore(space([]target{t}), func(r auditpolicy.Request, dec auditpolicy.Decision) bool {
						rank := auditpolicy.Rank(dec.Level)
						if rank >= 2 && slices.Contains(bt.requestVerbs, r.Verb) || rank >= 3 && slices.Contains(bt.responseVerbs, r.Verb) {
							v.add(dec, r)
						}
						return true
					})
				}
				for _, i := range v.rules {
					vd := v.by[i]
					p.Reportf(d.ruleAt(i, "level"), "%s logs %s at %s, so the audit log gets a copy of %s, for example %s",
						d.ruleName(i), vd.summary(4), vd.level, bodyWhat(vd), example(vd.example))
				}
			}
			return nil
		},
	}
}

// bodyWhat names what a verdict's bodies copy.
func bodyWhat(vd *verdict) string {
	var what []string
	for _, bt := range bodyTargets {
		if slices.Contains(vd.labels, bt.label()) {
			what = append(what, bt.what)
		}
	}
	return strings.Join(what, " and ")
}

// interactiveRule is AP003: exec, attach and port-forward below
// RequestResponse.
func interactiveRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP003", Slug: "audit-exec-not-logged", Kind: rule.Kube, Severity: finding.Medium,
		Title: "Audit policy does not log exec, attach or port-forward at RequestResponse",
		Tags:  []string{tagSeed, tagCISAudit},
		Peers: []string{peerPolicy},
		Why: "`kubectl exec`, `attach` and `port-forward` open an interactive session inside a container: the first " +
			"thing an attacker with API access does, and the request an investigation looks for. The seed logs " +
			"`pods/exec` and `pods/portforward` at RequestResponse; a session must at least be logged, with its " +
			"command (in the URL) and user, and its ResponseStarted event must be kept, as that is written when the " +
			"session starts (without it, the session is logged only when it ends, hours later maybe). The simulator " +
			"asks the policy about create (SPDY) and get (WebSocket) on pods/exec, pods/attach and pods/portforward by " +
			"every user, group, namespace and pod name it tells apart, and reports each rule deciding a lower level " +
			"or omitting ResponseStarted, and the sessions no rule matches (not logged at all). The seed's own policy " +
			"does not log `pods/attach`. A `level: None` rule that hides sessions is AP007's.",
		Bad:         "- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [\"pods/exec\", \"pods/portforward\"]   # pods/attach falls through",
		Good:        "- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [\"pods/exec\", \"pods/attach\", \"pods/portforward\"]",
		Remediation: "Add a rule for pods/exec, pods/attach and pods/portforward at RequestResponse, without omitting ResponseStarted, before any rule that matches them at a lower level.",
		Check: func(p *rule.Pass) error {
			for _, d := range soundPolicies(p) {
				var low, started verdicts
				d.p.Explore(space(sessionTargets), func(r auditpolicy.Request, dec auditpolicy.Decision) bool {
					switch {
					case dec.Rule >= 0 && dec.Level == auditv1.LevelNone:
						// AP007's
					case auditpolicy.Rank(dec.Level) < 3:
						low.add(dec, r)
					case dec.Omit.Has(auditv1.StageResponseStarted):
						started.add(dec, r)
					}
					return true
				})
				for _, i := range low.rules {
					vd := low.by[i]
					if i < 0 {
						p.Reportf(d.o.At("rules"), "no rule matches %s, so these sessions are not logged, for example %s",
							vd.summary(3), example(vd.example))
						continue
					}
					p.Reportf(d.ruleAt(i, "level"), "%s logs %s at %s only, not RequestResponse, for example %s",
						d.ruleName(i), vd.summary(3), vd.level, example(vd.example))
				}
				for _, i := range started.rules {
					vd := started.by[i]
					p.Reportf(omitLoc(d, i, auditv1.StageResponseStarted), "%s omits the ResponseStarted stage of %s: a session is logged only when it ends",
						d.ruleName(i), vd.summary(3))
				}
			}
			return nil
		},
	}
}

// omitLoc is where a stage is omitted for rule i: the rule's omitStages
// entry, else the policy's.
func omitLoc(d policyDoc, i int, st auditv1.Stage) finding.Location {
	if i >= 0 {
		if j := slices.Index(d.p.Rules[i].OmitStages, st); j >= 0 {
			return d.ruleAt(i, "omitStages", fmt.Sprint(j))
		}
	}
	if j := slices.Index(d.p.OmitStages, st); j >= 0 {
		return d.o.At("omitStages", fmt.Sprint(j))
	}
	if i >= 0 {
		return d.ruleAt(i)
	}
	return d.o.At("rules")
}

// noneRule is AP007: a level None rule hiding security-relevant requests.
func noneRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP007", Slug: "audit-none-hides", Kind: rule.Kube, Severity: finding.Medium,
		Title: "A level None rule hides security-relevant requests",
		Tags:  []string{tagSeed, tagCISAudit},
		Peers: []string{peerPolicy},
		Why: "`level: None` rules keep the audit log small by dropping noisy, harmless traffic (kube-proxy watching " +
			"endpoints, health checks, Events). Written too broadly, or placed before the rules it should not " +
			"override, such a rule drops what an investigation needs: Secrets read or changed, exec, attach, " +
			"port-forward and proxy into pods and nodes, service account tokens minted, pods, Deployments, DaemonSets, " +
			"StatefulSets, Jobs and CronJobs created or changed, Roles and bindings written or bound, admission " +
			"webhooks, CRDs and certificate approvals changed. The simulator asks the policy about each of these by " +
			"every user, group, namespace and name it tells apart (the anonymous user included) and reports each None " +
			"rule that decides one, with an example. A None rule for a system user is reported too when it hides such " +
			"a request: a stolen controller token is used as that user.",
		Bad:         "- level: None\n  userGroups: [\"system:serviceaccounts\"]   # every service account's requests, exec included",
		Good:        "- level: None\n  users: [\"system:kube-proxy\"]\n  verbs: [\"watch\"]\n  resources:\n  - group: \"\"\n    resources: [\"endpoints\", \"services\"]",
		Remediation: "Narrow the None rule to the noisy requests it is meant for (users, verbs and resources), or move the rules for security-relevant requests before it.",
		Check: func(p *rule.Pass) error {
			for _, d := range soundPolicies(p) {
				var v verdicts
				d.p.Explore(space(securityTargets), func(r auditpolicy.Request, dec auditpolicy.Decision) bool {
					if dec.Rule >= 0 && dec.Level == auditv1.LevelNone {
						v.add(dec, r)
					}
					return true
				})
				for _, i := range v.rules {
					vd := v.by[i]
					p.Reportf(d.ruleAt(i, "level"), "%s (level None) hides %s from the audit log, for example %s",
						d.ruleName(i), vd.summary(4), example(vd.example))
				}
			}
			return nil
		},
	}
}

// writesRule is AP009: workload and RBAC writes logged without bodies.
func writesRule() *rule.Rule {
	return &rule.Rule{
		ID: "AP009", Slug: "audit-writes-without-body", Kind: rule.Kube, Severity: finding.Low,
		Title: "Audit policy logs workload and RBAC changes without their bodies",
		Tags:  []string{tagCISAudit},
		Why: "At Metadata level an audit event says that a Deployment was patched, not what the patch did: whether it " +
			"added a privileged container, a hostPath mount or hostNetwork, which subjects a RoleBinding grants, which " +
			"URL a new admission webhook calls. CIS Kubernetes 3.2.2 asks for the modification of pod and deployment " +
			"objects to be logged in detail, and the policy Kubernetes ships for GCE logs the writes of every built-in " +
			"group at RequestResponse. The simulator asks the policy about the writes to pods (and ephemeral " +
			"containers), ReplicationControllers, Deployments, DaemonSets, StatefulSets, ReplicaSets, Jobs, CronJobs, " +
			"ServiceAccounts, Roles and bindings, admission webhooks and policies, CRDs and certificate approvals, and " +
			"reports each rule that logs one at Metadata. Writes no rule logs are AP004's and AP007's.",
		Bad:         "- level: Metadata   # the catch-all decides Deployment and RoleBinding writes",
		Good:        "- level: RequestResponse\n  verbs: [\"create\", \"update\", \"patch\", \"delete\"]\n  resources:\n  - group: \"\"\n  - group: apps\n  - group: batch\n  - group: rbac.authorization.k8s.io\n- level: Metadata",
		Remediation: "Log writes to the built-in API groups at Request or RequestResponse (after the Metadata rule for Secrets and ConfigMaps), as `bulwark audit-policy generate` does.",
		Check: func(p *rule.Pass) error {
			for _, d := range soundPolicies(p) {
				var v verdicts
				d.p.Explore(space(workloadWrites), func(r auditpolicy.Request, dec auditpolicy.Decision) bool {
					if dec.Level == auditv1.LevelMetadata {
						v.add(dec, r)
					}
					return true
				})
				for _, i := range v.rules {
					vd := v.by[i]
					p.Reportf(d.ruleAt(i, "level"), "%s logs %s at Metadata, without the object written, for example %s",
						d.ruleName(i), vd.summary(4), example(vd.example))
				}
			}
			return nil
		},
	}
}
