package auditpolicy

import (
	"fmt"
	"strconv"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// Levels, from logging nothing to logging most.
var Levels = []auditv1.Level{auditv1.LevelNone, auditv1.LevelMetadata, auditv1.LevelRequest, auditv1.LevelRequestResponse}

// Stages, in the order a request goes through them.
var Stages = []auditv1.Stage{auditv1.StageRequestReceived, auditv1.StageResponseStarted, auditv1.StageResponseComplete, auditv1.StagePanic}

// Rank orders levels: None 0, Metadata 1, Request 2, RequestResponse 3;
// -1 for a level that is none of these.
func Rank(l auditv1.Level) int {
	for i, v := range Levels {
		if v == l {
			return i
		}
	}
	return -1
}

// WildcardGroupSince is the Kubernetes minor release (1.N) from which the
// API server accepts group "*" in a rule's resources, matching every API
// group. Older API servers refuse it as an invalid group name.
const WildcardGroupSince = 36

// Validate returns every reason the API server (of the newest Kubernetes
// release Bulwark knows) would refuse to start with the policy: an
// apiVersion other than audit.k8s.io/v1, no rules, a missing or unknown
// level, an unknown stage, a malformed non-resource URL, a rule for both
// resources and non-resource URLs, an invalid API group, resourceNames
// without resources. The checks and messages are those of
// k8s.io/apiserver's audit policy validation, with the exact field.
func Validate(p *Policy) []Issue {
	var out []Issue
	if p.APIVersion != APIVersion {
		msg := fmt.Sprintf("apiVersion %q: the API server reads only %s", p.APIVersion, APIVersion)
		if IsPolicy(p.APIVersion, Kind) {
			msg = fmt.Sprintf("%s is no longer read since Kubernetes 1.24: use %s", p.APIVersion, APIVersion)
		}
		out = append(out, Issue{Path: []string{"apiVersion"}, Message: msg})
	}
	if p.Kind != Kind {
		out = append(out, Issue{Path: []string{"kind"}, Message: fmt.Sprintf("kind %q: want %s", p.Kind, Kind)})
	}
	out = append(out, validateStages(p.OmitStages, []string{"omitStages"})...)
	if len(p.Rules) == 0 {
		out = append(out, Issue{Path: []string{"rules"}, Message: "a policy needs at least one rule (the API server refuses a policy with none)"})
	}
	for i := range p.Rules {
		out = append(out, validateRule(&p.Rules[i], []string{"rules", strconv.Itoa(i)})...)
	}
	return out
}

func at(path []string, more ...string) []string {
	return append(append(make([]string, 0, len(path)+len(more)), path...), more...)
}

func validateRule(r *auditv1.PolicyRule, path []string) []Issue {
	var out []Issue
	switch {
	case r.Level == "":
		out = append(out, Issue{Path: at(path, "level"), Message: "level is required: None, Metadata, Request or RequestResponse"})
	case Rank(r.Level) < 0:
		out = append(out, Issue{Path: at(path, "level"), Message: fmt.Sprintf("unknown level %q: want None, Metadata, Request or RequestResponse", r.Level)})
	}
	for i, url := range r.NonResourceURLs {
		if url == "*" {
			continue
		}
		p := at(path, "nonResourceURLs", strconv.Itoa(i))
		if !strings.HasPrefix(url, "/") {
			out = append(out, Issue{Path: p, Message: fmt.Sprintf("non-resource URL %q must begin with '/'", url)})
		}
		if url != "" && strings.ContainsRune(url[:len(url)-1], '*') {
			out = append(out, Issue{Path: p, Message: fmt.Sprintf("non-resource URL %q: a wildcard '*' must be its last character", url)})
		}
	}
	for i, gr := range r.Resources {
		p := at(path, "resources", strconv.Itoa(i))
		if gr.Group != "" && gr.Group != "*" {
			if len(apivalidation.NameIsDNSSubdomain(gr.Group, false)) > 0 {
				hint := ""
				if g, _, ok := strings.Cut(gr.Group, "/"); ok {
					hint = fmt.Sprintf(" (write the group without its version: %q)", g)
				}
				out = append(out, Issue{Path: at(p, "group"), Message: fmt.Sprintf("group %q is not a valid API group name (a lower-case DNS subdomain)%s", gr.Group, hint)})
			}
		}
		if len(gr.ResourceNames) > 0 && len(gr.Resources) == 0 {
			out = append(out, Issue{Path: at(p, "resourceNames"), Message: "resourceNames needs at least one resource in the same entry"})
		}
	}
	out = append(out, validateStages(r.OmitStages, at(path, "omitStages"))...)
	if len(r.NonResourceURLs) > 0 && (len(r.Resources) > 0 || len(r.Namespaces) > 0) {
		out = append(out, Issue{Path: at(path, "nonResourceURLs"), Message: "a rule cannot apply to both resources (resources, namespaces) and non-resource URLs"})
	}
	return out
}

func validateStages(stages []auditv1.Stage, path []string) []Issue {
	var out []Issue
	for i, s := range stages {
		if stageBit(s) == 0 {
			out = append(out, Issue{Path: at(path, strconv.Itoa(i)), Message: fmt.Sprintf("unknown stage %q: want RequestReceived, ResponseStarted, ResponseComplete or Panic", s)})
		}
	}
	return out
}
