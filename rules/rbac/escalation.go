package rbac

import (
	"fmt"
	"strconv"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
)

func escalationPathRule() *rule.Rule {
	return &rule.Rule{
		ID: "RB016", Slug: "rbac-escalation-path", Kind: rule.KubeSet, Severity: finding.High,
		Title: "subject can become cluster-admin through other identities",
		Tags:  []string{tagSeed, tagCIS + "5.1.8"},
		Why: "Rights chain: a subject that can create pods in a namespace runs as any service account there; one " +
			"that can mint tokens, impersonate or exec into pods acts as their accounts. When one of those accounts " +
			"can read every Secret, bind any role, impersonate anyone, reach nodes/proxy or run pods in kube-system, " +
			"the first subject is cluster-admin in all but name, though no single role shows it. This rule follows " +
			"every binding of the scan and reports, per subject, the shortest such chain (two steps or more; a " +
			"subject that holds such a right itself is reported by the rule for that right). The moves modelled are " +
			"listed in the README (bulwark rbac).",
		Bad: "# ci may update Deployments in shop, where backup runs;\n# backup can list Secrets cluster-wide\nkind: Role\nmetadata: {name: deployer, namespace: shop}\n" +
			"rules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [update]",
		Good:        "# the same Role, with backup's rights confined to the Secrets it copies\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  resourceNames: [shop-db]\n  verbs: [get]",
		Remediation: "Break the chain at its cheapest link: move the powerful service account to a namespace of its own, narrow its rights, or take the first right (creating pods, minting tokens, exec) from the subject.",
		Check: func(p *rule.Pass) error {
			g, err := graphOf(p)
			if err != nil {
				return err
			}
			for _, path := range g.Escalations() {
				if len(path.Steps) < 2 || kubernetesOwn(path.Subject) {
					continue
				}
				first := path.Steps[0].Grants[0]
				loc := first.Rule.At("resources")
				if loc.Path == "" {
					// A built-in role: point at the binding's subject.
					loc = first.Binding.Object.At("subjects")
					for _, s := range first.Binding.Subjects {
						if s.Subject == first.Subject {
							loc = first.Binding.Object.At("subjects", strconv.Itoa(s.Index))
						}
					}
				}
				p.Report(loc, fmt.Sprintf("%s can become cluster-admin in %d steps: %s", path.Subject, len(path.Steps), path))
			}
			return nil
		},
	}
}
