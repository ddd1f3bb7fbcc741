package kube

//go:generate go run ./internal/apigen -out apis_table.go

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
)

// kubeMinor is a Kubernetes release, major and minor.
type kubeMinor [2]int

func (v kubeMinor) String() string { return fmt.Sprintf("%d.%d", v[0], v[1]) }

// atLeast reports whether v is release w or later.
func (v kubeMinor) atLeast(w kubeMinor) bool {
	return v[0] > w[0] || v[0] == w[0] && v[1] >= w[1]
}

// apiLifecycle is when Kubernetes deprecates and stops serving one kind of
// one API version, and what replaces it ("group/version Kind", "" when
// nothing does).
type apiLifecycle struct {
	APIVersion, Kind    string
	Deprecated, Removed kubeMinor
	Replacement         string
}

// retiredAPILifecycles are the kinds of API versions that k8s.io/api no
// longer holds, so that apis_table.go cannot list them: from Kubernetes'
// deprecation guide (kubernetes.io/docs/reference/using-api/deprecation-guide)
// and the lifecycle tags the types had before they were deleted.
var retiredAPILifecycles = []apiLifecycle{
	{APIVersion: "extensions/v1beta1", Kind: "PodSecurityPolicy", Deprecated: kubeMinor{1, 11}, Removed: kubeMinor{1, 16}, Replacement: "policy/v1beta1 PodSecurityPolicy"},
	{APIVersion: "policy/v1beta1", Kind: "PodSecurityPolicy", Deprecated: kubeMinor{1, 21}, Removed: kubeMinor{1, 25}},
	{APIVersion: "autoscaling/v2beta1", Kind: "HorizontalPodAutoscaler", Deprecated: kubeMinor{1, 22}, Removed: kubeMinor{1, 25}, Replacement: "autoscaling/v2 HorizontalPodAutoscaler"},
	{APIVersion: "autoscaling/v2beta2", Kind: "HorizontalPodAutoscaler", Deprecated: kubeMinor{1, 23}, Removed: kubeMinor{1, 26}, Replacement: "autoscaling/v2 HorizontalPodAutoscaler"},
	{APIVersion: "apiregistration.k8s.io/v1beta1", Kind: "APIService", Deprecated: kubeMinor{1, 19}, Removed: kubeMinor{1, 22}, Replacement: "apiregistration.k8s.io/v1 APIService"},
}

// apiLifecycleOf returns the lifecycle of a kind of an API version, if
// Kubernetes deprecates it.
func apiLifecycleOf(apiVersion, kind string) (apiLifecycle, bool) {
	for _, table := range [][]apiLifecycle{generatedAPILifecycles, retiredAPILifecycles} {
		for _, l := range table {
			if l.APIVersion == apiVersion && l.Kind == kind {
				return l, true
			}
		}
	}
	return apiLifecycle{}, false
}

// apiParseVersion reads a Kubernetes version as rule.Settings.KubeVersion
// holds it ("v1.30", "1.30", "v1.30.2"); "" is the newest release Bulwark
// knows.
func apiParseVersion(s string) (kubeMinor, error) {
	if s == "" {
		return newestKubeMinor, nil
	}
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return kubeMinor{}, fmt.Errorf("kubernetes version %q: want v1.N", s)
	}
	var v kubeMinor
	for i := range 2 {
		n, err := strconv.Atoi(parts[i])
		if err != nil || n < 0 {
			return kubeMinor{}, fmt.Errorf("kubernetes version %q: want v1.N", s)
		}
		v[i] = n
	}
	return v, nil
}

// apiReplacementText says what to use instead.
func apiReplacementText(l apiLifecycle) string {
	if l.Replacement == "" {
		return "no replacement is served: remove the object or move to what replaced the feature"
	}
	av, kind, _ := strings.Cut(l.Replacement, " ")
	if kind == l.Kind {
		return "use apiVersion: " + av
	}
	return "use " + av + " " + kind
}

// apiRule reports objects whose API version is removed (removed true) or
// only deprecated in the Kubernetes version the scan targets.
func apiRule(removed bool) *rule.Rule {
	r := &rule.Rule{
		ID: "KS034", Slug: "kube-api-removed", Kind: rule.Kube, Severity: finding.High,
		Title: "object uses an API version the target Kubernetes no longer serves",
		Peers: []string{"trivy:KSV-0107", "kube-linter:no-extensions-v1beta", "kube-score:stable-version"},
		Why: "The API server rejects an object whose apiVersion it no longer serves: `kubectl apply` fails, and a chart " +
			"or GitOps sync that contains it stops at that object. The versions and releases come from the lifecycle " +
			"code Kubernetes generates for each API (the same the API server reads) and its deprecation guide, judged " +
			"against the Kubernetes version of the scan (--kube-version, default the newest).",
		Bad:         "apiVersion: extensions/v1beta1\nkind: Ingress",
		Good:        "apiVersion: networking.k8s.io/v1\nkind: Ingress",
		Remediation: "Move the object to the API version that replaces it (kubectl convert helps), adjusting the fields that changed.",
	}
	if !removed {
		r.ID, r.Slug, r.Severity = "KS035", "kube-api-deprecated", finding.Low
		r.Title = "object uses a deprecated API version"
		r.Why = "A deprecated API version still works but will stop being served in a later Kubernetes release; the API " +
			"server warns on every request. Versions and releases come from Kubernetes' own generated lifecycle code, " +
			"judged against the Kubernetes version of the scan (--kube-version, default the newest)."
		r.Bad = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema  # deprecated in 1.29"
		r.Good = "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: FlowSchema"
		r.Remediation = "Move the object to the API version that replaces it before the release that removes the old one."
	}
	r.Check = func(p *rule.Pass) error {
		objects, err := cataObjects(p)
		if err != nil {
			return err
		}
		target, err := apiParseVersion(p.Settings.KubeVersion)
		if err != nil {
			return err
		}
		for _, o := range objects {
			l, ok := apiLifecycleOf(o.APIVersion, o.Kind)
			if !ok {
				continue
			}
			gone := target.atLeast(l.Removed)
			switch {
			case removed && gone:
				p.Reportf(o.At("apiVersion"), "%s %s is not served since Kubernetes %s (target %s): %s",
					o.APIVersion, o.Kind, l.Removed, target, apiReplacementText(l))
			case !removed && !gone && target.atLeast(l.Deprecated):
				p.Reportf(o.At("apiVersion"), "%s %s is deprecated since Kubernetes %s and removed in %s: %s",
					o.APIVersion, o.Kind, l.Deprecated, l.Removed, apiReplacementText(l))
			}
		}
		return nil
	}
	return r
}
