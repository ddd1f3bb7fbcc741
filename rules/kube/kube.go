// Package kube holds the Kubernetes manifest rules (rule.Kube): one rule
// per Pod Security Admission check, so that each weakness of a workload is
// reported at its own field, with the admission controller's own reason.
//
// The verdicts come from package pss, which runs the Pod Security
// Admission check functions themselves. Baseline checks are evaluated at
// the baseline level; restricted checks at the restricted level. Where a
// restricted check replaces a baseline one (restrictedVolumes replaces
// hostPathVolumes, capabilities_restricted replaces capabilities_baseline,
// ...), a field the baseline check already reports is not reported again
// by the restricted rule, so each field is reported once, at the level
// that forbids it first.
//
// Fixes (fix.go) fill in hardening fields a workload does not set, with
// the edits of package source/kube, where doing so cannot make the API
// server refuse the pod or the kubelet refuse to start it.
package kube

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/pss"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
	corev1 "k8s.io/api/core/v1"
)

// policyVersion is the Pod Security policy version the rules evaluate:
// that of the Kubernetes version in the settings, the newest when none is
// set. A version the command line did not check counts as the newest, as
// the admission controller does with a version label it cannot read.
func policyVersion(p *rule.Pass) string {
	v, err := pss.ParseVersion(p.Settings.KubeVersion)
	if err != nil {
		return pss.Latest
	}
	return v
}

// Tags of the two Pod Security Standards levels, which the rule of each
// check of the level carries, and of the summary rule KS000.
const (
	tagBaseline   = "pss:baseline"
	tagRestricted = "pss:restricted"
	tagSummary    = "pss"
)

// Blocks reports whether a finding of rule r means that a workload does not
// meet the Pod Security level l: r is the rule of a check of l or of a level
// below it. `bulwark scan --pss LEVEL` gates on these findings.
func Blocks(r *rule.Rule, l pss.Level) bool {
	switch l {
	case pss.Restricted:
		return slices.Contains(r.Tags, tagRestricted) || slices.Contains(r.Tags, tagBaseline)
	case pss.Baseline:
		return slices.Contains(r.Tags, tagBaseline)
	}
	return false
}

// Rules returns every Kubernetes rule, newly built.
func Rules() []*rule.Rule {
	out := make([]*rule.Rule, 0, len(checkRules)+1)
	out = append(out, levelRule())
	for _, c := range checkRules {
		out = append(out, c.rule())
	}
	out = append(out, secretRules()...)
	return append(append(out, workloadRules()...), catalogueRules()...)
}

// checkRule describes the rule of one Pod Security Admission check.
type checkRule struct {
	id, slug, check string
	level           pss.Level
	// replaces is the baseline check this restricted check replaces in a
	// restricted evaluation, if any.
	replaces    string
	title       string
	peers       []string
	why         string
	bad, good   string
	remediation string
	// fix builds the fix of a violation, if the check has one (fix.go).
	fix fixFunc
}

func (c checkRule) rule() *rule.Rule {
	sev, tag := finding.High, tagBaseline
	if c.level == pss.Restricted {
		sev, tag = finding.Medium, tagRestricted
	}
	return &rule.Rule{
		ID: c.id, Slug: c.slug, Kind: rule.Kube, Severity: sev,
		Title:       c.title,
		Tags:        []string{tag},
		Peers:       append([]string{"pss:" + c.check}, c.peers...),
		Why:         c.why,
		Bad:         c.bad,
		Good:        c.good,
		Remediation: c.remediation,
		Fixable:     c.fix != nil,
		Check:       c.run,
	}
}

// run reports every violation of the check on every workload of the file,
// one finding per field that causes it.
func (c checkRule) run(p *rule.Pass) error {
	f, err := kubeFile(p)
	if err != nil {
		return err
	}
	if f == nil {
		return nil
	}
	for _, o := range f.Objects {
		meta, spec, _, ok := kube.PodSpecOf(o)
		if !ok {
			continue
		}
		version := policyVersion(p)
		var seen map[string]bool
		if c.replaces != "" {
			seen = map[string]bool{}
			for _, v := range pss.Evaluate(meta, spec, pss.Baseline, version) {
				if v.Check == c.replaces {
					for _, path := range v.Paths {
						seen[strings.Join(path, "\x00")] = true
					}
				}
			}
		}
		for _, v := range pss.Evaluate(meta, spec, c.level, version) {
			if v.Check != c.check {
				continue
			}
			for _, path := range v.Paths {
				if seen[strings.Join(path, "\x00")] {
					continue
				}
				full, ok := pss.ObjectPath(o.Kind, path)
				if !ok {
					continue
				}
				loc, written := o.Lookup(full...)
				var fixes []finding.Fix
				if c.fix != nil {
					if fx, ok := c.fix(o, meta, spec, path, full); ok {
						fixes = append(fixes, fx)
					}
				}
				p.Report(loc, message(spec, path, written, v), fixes...)
			}
		}
	}
	return nil
}

// containerLists names the container lists of a pod spec and the word for
// their containers.
var containerLists = map[string]string{
	"containers":          kube.Regular,
	"initContainers":      kube.Init,
	"ephemeralContainers": kube.Ephemeral,
}

// message says which container (or the pod) and which field cause the
// violation, with the admission controller's reason and detail.
func message(spec *corev1.PodSpec, path []string, written bool, v pss.Violation) string {
	subject, field := "pod", path
	if len(path) >= 2 {
		if word, ok := containerLists[path[0]]; ok {
			subject = fmt.Sprintf("%s #%s", word, path[1])
			if name := containerName(spec, path[0], path[1]); name != "" {
				subject = fmt.Sprintf("%s %q", word, name)
			}
			field = path[2:]
		}
	}
	what := "sets " + fieldString(field)
	if !written {
		what = "does not set " + fieldString(field)
	}
	if len(field) == 0 {
		what = "is the cause"
	}
	return fmt.Sprintf("%s %s: Pod Security %s check %q fails: %s (%s)", subject, what, v.Level, v.Check, v.Reason, v.Detail)
}

// fieldString renders a field path as "securityContext.capabilities.add[0]".
func fieldString(path []string) string {
	var b strings.Builder
	for i, seg := range path {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if strings.ContainsAny(seg, "./") {
			b.WriteString("[" + strconv.Quote(seg) + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// containerName returns the name of the container at index i of the list,
// or "" when there is none.
func containerName(spec *corev1.PodSpec, list, index string) string {
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || spec == nil {
		return ""
	}
	switch list {
	case "containers":
		if i < len(spec.Containers) {
			return spec.Containers[i].Name
		}
	case "initContainers":
		if i < len(spec.InitContainers) {
			return spec.InitContainers[i].Name
		}
	case "ephemeralContainers":
		if i < len(spec.EphemeralContainers) {
			return spec.EphemeralContainers[i].Name
		}
	}
	return ""
}

// levelRule is KS000: the highest Pod Security level each workload meets,
// and how many fields keep it from the next one.
func levelRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS000", Slug: "pss-level", Kind: rule.Kube, Severity: finding.Info,
		Title: "workload does not meet the restricted Pod Security Standard",
		Tags:  []string{tagSummary},
		Peers: []string{"trivy:KSV-0118", "kubescape:C-0211"},
		Why: "A namespace labelled pod-security.kubernetes.io/enforce=restricted (or baseline) rejects pods that do not " +
			"meet that level. This summary says which level each workload meets and how many fields stand between it " +
			"and the next; the KS001-KS019 findings name each field.",
		Bad:         "spec:\n  containers:\n  - name: app\n    image: app:1.0",
		Good:        "spec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: app:1.0\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]",
		Remediation: "Fix the fields the KS001-KS019 findings of the workload name, baseline ones first.",
		Check: func(p *rule.Pass) error {
			f, err := kubeFile(p)
			if err != nil {
				return err
			}
			if f == nil {
				return nil
			}
			for _, o := range f.Objects {
				meta, spec, _, ok := kube.PodSpecOf(o)
				if !ok {
					continue
				}
				level, vs := pss.Highest(meta, spec, policyVersion(p))
				if level == pss.Restricted {
					continue
				}
				next := pss.Restricted
				if level == pss.Privileged {
					next = pss.Baseline
				}
				seen := map[string]bool{}
				var checks, fields []string
				for _, v := range vs {
					if !slices.Contains(checks, v.Check) {
						checks = append(checks, v.Check)
					}
					for _, path := range v.Paths {
						if key := strings.Join(path, "\x00"); !seen[key] {
							seen[key] = true
							fields = append(fields, fieldOf(spec, path))
						}
					}
				}
				slices.Sort(checks)
				p.Reportf(o.Loc, "meets the %s Pod Security level; %s is blocked by %d %s (%s): %s",
					level, next, len(fields), plural(len(fields), "field", "fields"), strings.Join(checks, ", "), listFields(fields))
			}
			return nil
		},
	}
}

// maxListed bounds the fields KS000 names.
const maxListed = 5

// listFields joins fields, naming at most maxListed of them.
func listFields(fields []string) string {
	if len(fields) <= maxListed {
		return strings.Join(fields, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(fields[:maxListed], ", "), len(fields)-maxListed)
}

// fieldOf names the field at a pod spec path: `container "app"
// securityContext.privileged`, or `pod hostNetwork`.
func fieldOf(spec *corev1.PodSpec, path []string) string {
	if len(path) >= 2 {
		if word, ok := containerLists[path[0]]; ok {
			subject := fmt.Sprintf("%s #%s", word, path[1])
			if name := containerName(spec, path[0], path[1]); name != "" {
				subject = fmt.Sprintf("%s %q", word, name)
			}
			if len(path) == 2 {
				return subject
			}
			return subject + " " + fieldString(path[2:])
		}
	}
	return "pod " + fieldString(path)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
