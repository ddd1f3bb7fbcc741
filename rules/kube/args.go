package kube

import (
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/secrets"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// argsRule is KS044: a credential written into a container's command or
// arguments.
func argsRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS044", Slug: "kube-credential-in-args", Kind: rule.Kube, Severity: finding.High,
		Title: "credential written into a container's command or arguments",
		Tags:  []string{secretTagHardCoded},
		Why: "A container's command and arguments are part of the manifest, so a password written there is in version " +
			"control, in `kubectl get -o yaml` for anyone who may read pods (no access to Secrets needed), and in the " +
			"process list of the node. Arguments are judged like configuration settings: `--db-password=...`, " +
			"`--token ...`, a connection string or URL with a password, or a token of a known form; values built " +
			"from variables (`$(DB_PASSWORD)`), placeholders and file paths (`--password-file`) are not reported.",
		Bad:         "args: [\"--db-password=Xk29vL7qPz\"]",
		Good:        "args: [\"--db-password-file=/run/secrets/db/password\"]  # a secret volume mounted there",
		Remediation: "Read the credential from a file in a mounted Secret volume (a `--*-file` flag or a `*_FILE` variable), or from the environment through valueFrom.secretKeyRef and `$(VAR)` in the arguments; Vault Agent injection keeps it out of the cluster's objects altogether.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				for _, c := range kube.Containers(o) {
					argsCheck(p, o, c, "command", c.Container.Command)
					argsCheck(p, o, c, "args", c.Container.Args)
				}
			}
			return nil
		},
	}
}

// argsCheck reports the credentials of one list of a container: in one
// argument (a --flag=value pair, a token, a URL, a shell script given to
// sh -c) or in a flag and the argument after it.
func argsCheck(p *rule.Pass, o *kube.Object, c kube.Container, field string, list []string) {
	for i, arg := range list {
		loc := o.At(at(c, field, strconv.Itoa(i))...)
		if ms := secrets.ScanText(arg); len(ms) > 0 {
			m := ms[0]
			if m.Name != "" {
				p.Reportf(loc, "%s %s[%d] sets %s to a literal credential", containerWord(c), field, i, m.Name)
			} else {
				p.Reportf(loc, "%s %s[%d] holds %s", containerWord(c), field, i, m.What)
			}
			continue
		}
		name, isFlag := strings.CutPrefix(arg, "-")
		name = strings.TrimPrefix(name, "-")
		if !isFlag || name == "" || strings.ContainsAny(name, "= ") || i+1 >= len(list) {
			continue
		}
		if next := list[i+1]; !strings.HasPrefix(next, "-") && secrets.Setting(name, next) {
			p.Reportf(o.At(at(c, field, strconv.Itoa(i+1))...), "%s %s[%d] passes a literal credential to %s", containerWord(c), field, i+1, arg)
		}
	}
}
