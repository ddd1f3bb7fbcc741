package kube

import (
	"fmt"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/internal/relate"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// The rules in this file relate objects to each other (rule.KubeSet): a
// Deployment and the PodDisruptionBudget or HorizontalPodAutoscaler that
// target it, a Service and the pods it selects, an Ingress and its
// Services, a pod and its ServiceAccount. They see every manifest of the
// scan at once, wherever each object is written.
//
// Which objects relate: an object without metadata.namespace goes
// wherever it is applied (kubectl -n, a Helm release, a kustomization), so
// it may share a namespace with any object. A relation that silences a
// finding (a PodDisruptionBudget that covers a Deployment, the Service an
// Ingress names) is looked for among every object of the scan in a
// namespace the object may share. A relation that makes a finding (the
// autoscaler that scales a Deployment which also sets replicas, the
// Service that sends traffic to a Deployment with one replica) must also
// be written near it: in the same folder, or one above or below. So two
// unrelated projects scanned together, each without a namespace, do not
// judge each other.
//
// "Missing" findings (a Service that selects no pods, a ServiceAccount
// that does not exist) are only as true as the scan is complete. They are
// reported only when the scan evidently holds the application: when
// objects of the kind that is missing are written near the object and in
// the very same namespace (both unset, or equal). A lone Service file, or
// a folder of Services whose workloads live elsewhere, gets no finding.

// relIndex holds the objects of a scan that the relation rules read.
type relIndex struct {
	objects   []*kube.Object
	workloads []*kube.Object // objects that run pods
	services  []*kube.Object
	pdbs      []*kube.Object
	hpas      []relHPA
	accounts  []*kube.Object
	custom    []*kube.Object // objects of kinds Bulwark does not decode
}

// relHPA is a HorizontalPodAutoscaler of either API shape.
type relHPA struct {
	o        *kube.Object
	kind     string
	name     string
	min, max int32
	minSet   bool
}

// relSet returns the pass's manifest set, indexed. A single manifest
// (*kube.File) is taken as a set of one.
func relSet(p *rule.Pass) (*relIndex, error) {
	set, ok := kube.SetOf(p.Target)
	if !ok {
		return nil, fmt.Errorf("target is %T, not a set of Kubernetes manifests", p.Target)
	}
	// The relation rules share one index per set.
	return set.Memo(relIndexKey{}, func() any { return relBuild(set) }).(*relIndex), nil
}

// relIndexKey is the key of the relation index in a set's memo.
type relIndexKey struct{}

// relBuild indexes the objects of a set the relation rules look at.
func relBuild(set *kube.Set) *relIndex {
	ix := &relIndex{}
	for o := range set.Objects() {
		if cataPatch(o) {
			continue
		}
		ix.objects = append(ix.objects, o)
		if _, _, _, ok := kube.PodSpecOf(o); ok {
			ix.workloads = append(ix.workloads, o)
		}
		switch t := o.Typed.(type) {
		case *corev1.Service:
			ix.services = append(ix.services, o)
		case *corev1.ServiceAccount:
			ix.accounts = append(ix.accounts, o)
		case *policyv1.PodDisruptionBudget:
			ix.pdbs = append(ix.pdbs, o)
		case *autoscalingv1.HorizontalPodAutoscaler:
			h := relHPA{o: o, kind: t.Spec.ScaleTargetRef.Kind, name: t.Spec.ScaleTargetRef.Name, min: 1, max: t.Spec.MaxReplicas}
			if t.Spec.MinReplicas != nil {
				h.min, h.minSet = *t.Spec.MinReplicas, true
			}
			ix.hpas = append(ix.hpas, h)
		case *autoscalingv2.HorizontalPodAutoscaler:
			h := relHPA{o: o, kind: t.Spec.ScaleTargetRef.Kind, name: t.Spec.ScaleTargetRef.Name, min: 1, max: t.Spec.MaxReplicas}
			if t.Spec.MinReplicas != nil {
				h.min, h.minSet = *t.Spec.MinReplicas, true
			}
			ix.hpas = append(ix.hpas, h)
		case nil:
			if relate.CustomKind(o) {
				ix.custom = append(ix.custom, o)
			}
		}
	}
	return ix
}

// relSameNamespace reports whether two objects may be in one namespace.
func relSameNamespace(a, b *kube.Object) bool {
	return a.Namespace == b.Namespace || a.Namespace == "" || b.Namespace == ""
}

// relEvidence reports whether the scan holds, near o and in its very
// namespace, one of candidates: the condition for trusting that something
// of that kind which is missing is really missing.
func relEvidence(o *kube.Object, candidates []*kube.Object) bool {
	for _, c := range candidates {
		if o.Namespace == c.Namespace && relate.Near(o, c) {
			return true
		}
	}
	return false
}

// relPodLabels returns the labels of the pods a workload runs: its pod
// template's, and those its controller adds to each pod that want asks
// for with a value that controller could give (a StatefulSet's
// statefulset.kubernetes.io/pod-name: web-0, a Deployment's
// pod-template-hash, a Job's job-name).
func relPodLabels(o *kube.Object, want map[string]string) labels.Set {
	meta, _, _, ok := kube.PodSpecOf(o)
	if !ok {
		return nil
	}
	out := labels.Set{}
	for k, v := range meta.Labels {
		out[k] = v
	}
	for k, v := range want {
		if _, set := out[k]; !set && relControllerLabel(o, k, v) {
			out[k] = v
		}
	}
	return out
}

// relControllerLabel reports whether the controller of workload o gives
// its pods label k with value v.
func relControllerLabel(o *kube.Object, k, v string) bool {
	ordinal := func(v string) bool {
		_, err := strconv.Atoi(v)
		return err == nil
	}
	switch o.Kind {
	case "Deployment", "ReplicaSet":
		return k == "pod-template-hash"
	case "StatefulSet":
		return k == "controller-revision-hash" || k == "apps.kubernetes.io/pod-index" && ordinal(v) ||
			k == "statefulset.kubernetes.io/pod-name" && strings.HasPrefix(v, o.Name+"-") && ordinal(strings.TrimPrefix(v, o.Name+"-"))
	case "DaemonSet":
		return k == "controller-revision-hash" || k == "pod-template-generation"
	case "Job":
		return (k == "job-name" || k == "batch.kubernetes.io/job-name") && v == o.Name
	}
	return false
}

// relPodsCarry reports whether the pods of workload o carry every label
// of sel, as relPodLabels(o, sel) matched against sel would, without
// building either (the relation rules match every Service of a scan
// against every workload).
func relPodsCarry(o *kube.Object, sel map[string]string) bool {
	meta, _, _, ok := kube.PodSpecOf(o)
	if !ok {
		return false
	}
	for k, v := range sel {
		if lv, set := meta.Labels[k]; set {
			if lv != v {
				return false
			}
		} else if !relControllerLabel(o, k, v) {
			return false
		}
	}
	return true
}

// relReplicated is a Deployment or StatefulSet: the workloads whose pods
// are interchangeable copies, where replica counts, disruption budgets
// and spreading make sense. DaemonSets run one pod per node, Jobs run to
// completion, bare Pods and ReplicaSets are not managed this way.
type relReplicated struct {
	o        *kube.Object
	replicas *int32
}

// relReplicatedOf returns o as a Deployment or StatefulSet.
func relReplicatedOf(o *kube.Object) (relReplicated, bool) {
	switch t := o.Typed.(type) {
	case *appsv1.Deployment:
		return relReplicated{o: o, replicas: t.Spec.Replicas}, true
	case *appsv1.StatefulSet:
		return relReplicated{o: o, replicas: t.Spec.Replicas}, true
	}
	return relReplicated{}, false
}

// hpaFor returns the autoscalers that scale w; near, only those written
// near it.
func (ix *relIndex) hpaFor(w *kube.Object, near bool) []relHPA {
	var out []relHPA
	for _, h := range ix.hpas {
		if h.kind == w.Kind && h.name == w.Name && relSameNamespace(h.o, w) && (!near || relate.Near(h.o, w)) {
			out = append(out, h)
		}
	}
	return out
}

// relMultiReplica reports whether a Deployment or StatefulSet runs more
// than one pod: replicas of 2 or more, or an autoscaler that may scale it
// to 2 or more. It also says how few pods it may run (for messages).
func (ix *relIndex) relMultiReplica(w relReplicated) (multi bool, least int32) {
	if hs := ix.hpaFor(w.o, true); len(hs) > 0 {
		least = hs[0].min
		for _, h := range hs {
			least = min(least, h.min)
			if h.max >= 2 {
				multi = true
			}
		}
		return multi, least
	}
	n := int32(1)
	if w.replicas != nil {
		n = *w.replicas
	}
	return n >= 2, n
}

// relPDBSelector returns the pods a PodDisruptionBudget selects. In
// policy/v1beta1 an empty selector selects no pod; in policy/v1 it
// selects every pod of the namespace.
func relPDBSelector(o *kube.Object) labels.Selector {
	pdb := o.Typed.(*policyv1.PodDisruptionBudget)
	sel := pdb.Spec.Selector
	if sel == nil || o.APIVersion == "policy/v1beta1" && len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return labels.Nothing()
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return labels.Nothing()
	}
	return s
}

// relPDBSelects reports whether a PodDisruptionBudget selects w's pods.
func relPDBSelects(b, w *kube.Object) bool {
	var want map[string]string
	if sel := b.Typed.(*policyv1.PodDisruptionBudget).Spec.Selector; sel != nil {
		want = sel.MatchLabels
	}
	return relSameNamespace(b, w) && relPDBSelector(b).Matches(relPodLabels(w, want))
}

// pdbsFor returns the PodDisruptionBudgets that select w's pods.
func (ix *relIndex) pdbsFor(w *kube.Object) []*kube.Object {
	var out []*kube.Object
	for _, b := range ix.pdbs {
		if relPDBSelects(b, w) {
			out = append(out, b)
		}
	}
	return out
}

// relServiceSelects reports whether a Service selects the pods of w.
func relServiceSelects(svc, w *kube.Object) bool {
	sel := svc.Typed.(*corev1.Service).Spec.Selector
	return len(sel) > 0 && relSameNamespace(svc, w) && relPodsCarry(w, sel)
}

// relMetricsOnly reports whether a Service only exposes metrics: every
// port is named for metrics, or the Service is. Such a Service is scraped,
// not served to clients.
func relMetricsOnly(o *kube.Object) bool {
	if strings.HasSuffix(o.Name, "-metrics") {
		return true
	}
	ports := o.Typed.(*corev1.Service).Spec.Ports
	for _, sp := range ports {
		n := strings.ToLower(sp.Name)
		if !strings.Contains(n, "metrics") && !strings.Contains(n, "prometheus") {
			return false
		}
	}
	return len(ports) > 0
}

// servedBy reports whether a Service written near w, one that is not only
// for metrics, selects its pods.
func (ix *relIndex) servedBy(w *kube.Object) bool {
	for _, s := range ix.services {
		if relServiceSelects(s, w) && relate.Near(s, w) && !relMetricsOnly(s) {
			return true
		}
	}
	return false
}

// relName names an object for messages: "Deployment web".
func relName(o *kube.Object) string {
	if o.Name == "" {
		return fmt.Sprintf("%s (document %d)", o.Kind, o.Index+1)
	}
	return o.Kind + " " + o.Name
}

// relNameAt is the field findings about an object as a whole point at.
var relNameAt = []string{"metadata", "name"}

// relCustomHolds reports whether a custom resource in a namespace o shares
// holds, in some mapping of its YAML, every key and value of sel: an
// operator that makes pods from it (a Prometheus, an Alertmanager) may
// give them those labels.
func (ix *relIndex) relCustomHolds(o *kube.Object, sel map[string]string) bool {
	for _, c := range ix.custom {
		if relSameNamespace(o, c) && relate.Holds(c.Node, sel) {
			return true
		}
	}
	return false
}

// relIntOrPercent reads a PDB bound: a count, or a percentage.
func relIntOrPercent(v *intstr.IntOrString) (n int, percent bool, ok bool) {
	if v == nil {
		return 0, false, false
	}
	if v.Type == intstr.Int {
		return int(v.IntVal), false, true
	}
	s := strings.TrimSpace(v.StrVal)
	if !strings.HasSuffix(s, "%") {
		return 0, false, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
	return n, true, err == nil
}

// relIngressBackend is a Service an Ingress sends traffic to.
type relIngressBackend struct {
	service string
	port    intstr.IntOrString // Type Int with IntVal 0 when not given
	path    []string
}

// relIngressBackends returns every Service backend of an Ingress (v1 or
// v1beta1) with its field path.
func relIngressBackends(o *kube.Object) []relIngressBackend {
	var out []relIngressBackend
	switch t := o.Typed.(type) {
	case *networkingv1.Ingress:
		add := func(b *networkingv1.IngressBackend, p ...string) {
			if b == nil || b.Service == nil {
				return
			}
			port := intstr.FromInt32(b.Service.Port.Number)
			if b.Service.Port.Name != "" {
				port = intstr.FromString(b.Service.Port.Name)
			}
			out = append(out, relIngressBackend{service: b.Service.Name, port: port, path: append(p, "service", "name")})
		}
		add(t.Spec.DefaultBackend, "spec", "defaultBackend")
		for i, r := range t.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for j := range r.HTTP.Paths {
				add(&r.HTTP.Paths[j].Backend, "spec", "rules", strconv.Itoa(i), "http", "paths", strconv.Itoa(j), "backend")
			}
		}
	case *networkingv1beta1.Ingress:
		add := func(b *networkingv1beta1.IngressBackend, p ...string) {
			if b == nil || b.ServiceName == "" {
				return
			}
			out = append(out, relIngressBackend{service: b.ServiceName, port: b.ServicePort, path: append(p, "serviceName")})
		}
		add(t.Spec.Backend, "spec", "backend")
		for i, r := range t.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for j := range r.HTTP.Paths {
				add(&r.HTTP.Paths[j].Backend, "spec", "rules", strconv.Itoa(i), "http", "paths", strconv.Itoa(j), "backend")
			}
		}
	}
	return out
}

// relationRules returns the rules that relate objects of a scan.
func relationRules() []*rule.Rule {
	return []*rule.Rule{
		replicasRule(), pdbMissingRule(), pdbBlocksRule(), spreadRule(), hpaRule(),
		danglingServiceRule(), danglingIngressRule(), missingServiceAccountRule(),
		strategyRule(), statefulSetServiceRule(),
	}
}

func replicasRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS029", Slug: "kube-single-replica", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "a Service's pods run as a single replica",
		Peers: []string{"kube-score:deployment-replicas", "polaris:deploymentMissingReplicas", "kube-linter:minimum-three-replicas"},
		Why: "With one replica, every rollout, node drain, eviction or crash leaves the Service without a pod: an outage " +
			"each time. Reported for Deployments and StatefulSets whose pods a Service of the scan selects (as kube-score " +
			"does: a worker nobody connects to may well run alone, and Services that only expose metrics do not count), unless a HorizontalPodAutoscaler scales them; " +
			"replicas: 0 (scaled down on purpose) is not reported.",
		Bad:         "kind: Deployment\nspec:\n  replicas: 1",
		Good:        "kind: Deployment\nspec:\n  replicas: 2",
		Remediation: "Run at least two replicas (and spread them: see KS032), or let a HorizontalPodAutoscaler with minReplicas: 2 scale the workload.",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			for _, o := range ix.workloads {
				w, ok := relReplicatedOf(o)
				if !ok || len(ix.hpaFor(o, false)) > 0 || !ix.servedBy(o) {
					continue
				}
				switch {
				case w.replicas == nil:
					p.Reportf(o.At("spec"), "%s sets no replicas, so it runs one pod, and a Service sends traffic to it: every rollout or node drain interrupts the service", relName(o))
				case *w.replicas == 1:
					p.Reportf(o.At("spec", "replicas"), "%s runs one replica, and a Service sends traffic to it: every rollout or node drain interrupts the service", relName(o))
				}
			}
			return nil
		},
	}
}

func pdbMissingRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS030", Slug: "kube-pdb-missing", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "replicated workload has no PodDisruptionBudget",
		Peers: []string{"kube-score:deployment-has-poddisruptionbudget", "kube-score:statefulset-has-poddisruptionbudget", "polaris:missingPodDisruptionBudget"},
		Why: "Without a PodDisruptionBudget, a node drain (an upgrade, the cluster autoscaler) may evict every replica at " +
			"once. Reported for Deployments and StatefulSets that run two or more pods (replicas, or an autoscaler's " +
			"maxReplicas) when no PodDisruptionBudget of the scan selects their pods; keep the budgets in the scan.",
		Bad:  "kind: Deployment\nspec:\n  replicas: 3\n  template:\n    metadata:\n      labels: {app: web}",
		Good: "kind: PodDisruptionBudget\napiVersion: policy/v1\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: web}",
		Remediation: "Add a policy/v1 PodDisruptionBudget whose selector matches the pod template's labels, with " +
			"maxUnavailable: 1 (or a minAvailable below the replica count).",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			for _, o := range ix.workloads {
				w, ok := relReplicatedOf(o)
				if !ok {
					continue
				}
				if multi, _ := ix.relMultiReplica(w); !multi || len(ix.pdbsFor(o)) > 0 {
					continue
				}
				p.Reportf(o.At(relNameAt...), "%s runs several replicas but no PodDisruptionBudget selects its pods: a node drain may evict them all at once", relName(o))
			}
			return nil
		},
	}
}

func pdbBlocksRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS031", Slug: "kube-pdb-ineffective", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "PodDisruptionBudget blocks every eviction or states no policy",
		Peers: []string{"kube-linter:pdb-max-unavailable", "kube-linter:pdb-min-available", "kube-linter:pdb-unhealthy-pod-eviction-policy",
			"polaris:pdbDisruptionsIsZero", "polaris:pdbMinAvailableGreaterThanHPAMinReplicas", "kube-score:poddisruptionbudget-has-policy"},
		Why: "A budget that allows no disruption (maxUnavailable: 0, minAvailable: 100%, or a minAvailable at least the " +
			"replica count or the autoscaler's minReplicas) makes every node drain hang until someone deletes it, so " +
			"upgrades stall; a budget with neither minAvailable nor maxUnavailable states no policy. Without " +
			"unhealthyPodEvictionPolicy: AlwaysAllow, pods that never become ready still count against the budget and " +
			"block drains too (asked for when the target Kubernetes is 1.27 or later, where the field is on by default).",
		Bad:         "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 0",
		Good:        "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: AlwaysAllow",
		Remediation: "Allow at least one disruption (maxUnavailable: 1, or a minAvailable below the replica count), and set unhealthyPodEvictionPolicy: AlwaysAllow.",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			target, err := apiParseVersion(p.Settings.KubeVersion)
			if err != nil {
				return err
			}
			// unhealthyPodEvictionPolicy is on by default from 1.27 (beta);
			// older API servers do not know it.
			evictionPolicy := target.atLeast(kubeMinor{1, 27})
			for _, b := range ix.pdbs {
				pdb := b.Typed.(*policyv1.PodDisruptionBudget)
				spec := pdb.Spec
				if spec.MinAvailable == nil && spec.MaxUnavailable == nil {
					p.Reportf(b.At("spec"), "PodDisruptionBudget %s sets neither minAvailable nor maxUnavailable: it states no policy", b.Name)
				}
				if n, pct, ok := relIntOrPercent(spec.MaxUnavailable); ok && n == 0 {
					what := "0"
					if pct {
						what = "0%"
					}
					p.Reportf(b.At("spec", "maxUnavailable"), "PodDisruptionBudget %s sets maxUnavailable: %s: no pod may ever be evicted, so node drains hang", b.Name, what)
				}
				if n, pct, ok := relIntOrPercent(spec.MinAvailable); ok {
					switch {
					case pct && n >= 100:
						p.Reportf(b.At("spec", "minAvailable"), "PodDisruptionBudget %s sets minAvailable: %d%%: no pod may ever be evicted, so node drains hang", b.Name, n)
					case !pct && n > 0:
						ix.pdbMinAgainstReplicas(p, b, n)
					}
				}
				if evictionPolicy && b.APIVersion == "policy/v1" && (spec.MinAvailable != nil || spec.MaxUnavailable != nil) &&
					(spec.UnhealthyPodEvictionPolicy == nil || *spec.UnhealthyPodEvictionPolicy != policyv1.AlwaysAllow) {
					path := []string{"spec", "unhealthyPodEvictionPolicy"}
					if !b.Has(path...) {
						path = path[:1]
					}
					p.Reportf(b.At(path...), "PodDisruptionBudget %s does not set unhealthyPodEvictionPolicy: AlwaysAllow: pods that never become ready still block node drains", b.Name)
				}
			}
			return nil
		},
	}
}

// pdbMinAgainstReplicas reports a minAvailable count that leaves the
// workloads a budget selects no room for an eviction.
func (ix *relIndex) pdbMinAgainstReplicas(p *rule.Pass, b *kube.Object, minAvail int) {
	for _, o := range ix.workloads {
		w, ok := relReplicatedOf(o)
		if !ok || !relate.Near(b, o) || !relPDBSelects(b, o) {
			continue
		}
		if hs := ix.hpaFor(o, true); len(hs) > 0 {
			for _, h := range hs {
				if int32(minAvail) >= h.min {
					p.Reportf(b.At("spec", "minAvailable"), "PodDisruptionBudget %s requires %d pods available, but HorizontalPodAutoscaler %s may scale %s down to %d: then no pod may be evicted", b.Name, minAvail, h.o.Name, relName(o), h.min)
					return
				}
			}
			continue
		}
		replicas := int32(1)
		if w.replicas != nil {
			replicas = *w.replicas
		}
		if replicas > 0 && int32(minAvail) >= replicas {
			p.Reportf(b.At("spec", "minAvailable"), "PodDisruptionBudget %s requires %d pods available, and %s runs %d: no pod may ever be evicted, so node drains hang", b.Name, minAvail, relName(o), replicas)
			return
		}
	}
}

// relSpreadKeys are the topology keys that put replicas on different nodes
// or zones.
var relSpreadKeys = map[string]bool{
	"kubernetes.io/hostname":                 true,
	"topology.kubernetes.io/zone":            true,
	"failure-domain.beta.kubernetes.io/zone": true,
}

// relSpreads reports whether a pod spec keeps its own replicas apart: a pod
// anti-affinity term or a topology spread constraint, over nodes or
// zones, whose selector matches the pod's own labels.
func relSpreads(spec *corev1.PodSpec, own labels.Set) bool {
	matches := func(sel *metav1.LabelSelector) bool {
		if sel == nil {
			return false
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		return err == nil && !s.Empty() && s.Matches(own)
	}
	for _, c := range spec.TopologySpreadConstraints {
		if relSpreadKeys[c.TopologyKey] && matches(c.LabelSelector) {
			return true
		}
	}
	if spec.Affinity == nil || spec.Affinity.PodAntiAffinity == nil {
		return false
	}
	anti := spec.Affinity.PodAntiAffinity
	for _, t := range anti.RequiredDuringSchedulingIgnoredDuringExecution {
		if relSpreadKeys[t.TopologyKey] && matches(t.LabelSelector) {
			return true
		}
	}
	for _, w := range anti.PreferredDuringSchedulingIgnoredDuringExecution {
		if relSpreadKeys[w.PodAffinityTerm.TopologyKey] && matches(w.PodAffinityTerm.LabelSelector) {
			return true
		}
	}
	return false
}

func spreadRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS032", Slug: "kube-replicas-not-spread", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "replicas are not spread over nodes or zones",
		Peers: []string{"kube-linter:no-anti-affinity", "kube-score:deployment-has-host-podantiaffinity",
			"kube-score:statefulset-has-host-podantiaffinity", "polaris:topologySpreadConstraint"},
		Why: "The scheduler may put every replica on the same node (or zone): one node failure then takes them all down, " +
			"and the replicas protect against nothing. Reported for Deployments and StatefulSets that run two or more pods " +
			"(replicas, or an autoscaler's maxReplicas) without a pod anti-affinity term or a topology spread constraint " +
			"over kubernetes.io/hostname or topology.kubernetes.io/zone that selects their own pods.",
		Bad: "kind: Deployment\nspec:\n  replicas: 3",
		Good: "spec:\n  topologySpreadConstraints:\n  - maxSkew: 1\n    topologyKey: kubernetes.io/hostname\n" +
			"    whenUnsatisfiable: ScheduleAnyway\n    labelSelector:\n      matchLabels: {app: web}",
		Remediation: "Add a topologySpreadConstraint (or a preferred podAntiAffinity term) over kubernetes.io/hostname, and over topology.kubernetes.io/zone in multi-zone clusters, that selects the workload's own pods.",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			for _, o := range ix.workloads {
				w, ok := relReplicatedOf(o)
				if !ok {
					continue
				}
				_, spec, prefix, _ := kube.PodSpecOf(o)
				if multi, _ := ix.relMultiReplica(w); !multi || relSpreads(spec, relPodLabels(o, nil)) {
					continue
				}
				p.Reportf(o.At(prefix...), "%s runs several replicas with no pod anti-affinity or topology spread constraint over nodes or zones: they may all land on one node", relName(o))
			}
			return nil
		},
	}
}

func hpaRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS037", Slug: "kube-hpa", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "HorizontalPodAutoscaler cannot keep the workload available",
		Peers: []string{"kube-linter:hpa-minimum-three-replicas", "kube-linter:dangling-horizontalpodautoscaler",
			"polaris:hpaMinAvailability", "polaris:hpaMaxAvailability", "kube-score:horizontalpodautoscaler-has-target",
			"kube-score:horizontalpodautoscaler-replicas", "kube-score:deployment-targeted-by-hpa-does-not-have-replicas-configured", "kubescape:C-0300"},
		Why: "An autoscaler with minReplicas 1 scales the workload down to a single pod, which any rollout or drain takes " +
			"away; one whose maxReplicas is not above minReplicas cannot scale; one whose target is not in the scan " +
			"(while the scan holds workloads of that kind beside it) scales nothing. A Deployment or StatefulSet that sets " +
			"spec.replicas while an autoscaler scales it is reset to that count on every apply.",
		Bad:         "kind: HorizontalPodAutoscaler\nspec:\n  minReplicas: 1\n  maxReplicas: 1",
		Good:        "kind: HorizontalPodAutoscaler\nspec:\n  minReplicas: 2\n  maxReplicas: 10",
		Remediation: "Set minReplicas to 2 or more and maxReplicas above it, point scaleTargetRef at the workload, and remove spec.replicas from the workload the autoscaler scales.",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			for _, h := range ix.hpas {
				o := h.o
				switch {
				case h.min < 1 && h.minSet:
					p.Reportf(o.At("spec", "minReplicas"), "HorizontalPodAutoscaler %s has minReplicas %d: it scales %s %s down to no pod at all", o.Name, h.min, h.kind, h.name)
				case h.min < 2 && h.minSet:
					p.Reportf(o.At("spec", "minReplicas"), "HorizontalPodAutoscaler %s has minReplicas %d: it scales %s %s down to a single pod", o.Name, h.min, h.kind, h.name)
				case h.min < 2:
					p.Reportf(o.At("spec"), "HorizontalPodAutoscaler %s sets no minReplicas (1): it scales %s %s down to a single pod", o.Name, h.kind, h.name)
				}
				if h.max > 0 && h.max <= h.min {
					p.Reportf(o.At("spec", "maxReplicas"), "HorizontalPodAutoscaler %s has maxReplicas %d, not above minReplicas %d: it cannot scale", o.Name, h.max, h.min)
				}
				var kindObjects []*kube.Object
				found := false
				for _, w := range ix.objects {
					if w.Kind != h.kind {
						continue
					}
					kindObjects = append(kindObjects, w)
					if w.Name == h.name && relSameNamespace(o, w) {
						found = true
					}
				}
				if !found && h.name != "" && relEvidence(o, kindObjects) {
					p.Reportf(o.At("spec", "scaleTargetRef", "name"), "HorizontalPodAutoscaler %s scales %s %s, which is not among the scanned manifests", o.Name, h.kind, h.name)
				}
			}
			for _, o := range ix.workloads {
				hs := ix.hpaFor(o, true)
				if _, ok := relReplicatedOf(o); !ok || len(hs) == 0 || !o.Has("spec", "replicas") {
					continue
				}
				p.Reportf(o.At("spec", "replicas"), "%s sets spec.replicas although HorizontalPodAutoscaler %s scales it: every apply resets the replica count", relName(o), hs[0].o.Name)
			}
			return nil
		},
	}
}

func danglingServiceRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS038", Slug: "kube-service-selects-nothing", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "Service selects no pods of the scan",
		Peers: []string{"kube-linter:dangling-service", "kube-score:service-targets-pod", "kubescape:C-0293"},
		Why: "A Service whose selector matches no pod template has no endpoints: clients get connection errors, usually " +
			"from a typo in a label. Reported only when the scan holds workloads near the Service (same folder, or one " +
			"above or below) in its namespace, and no custom resource there holds the selector's labels (an operator " +
			"may make those pods). Services without a selector (endpoints managed by hand) and ExternalName Services are not checked.",
		Bad:         "kind: Service\nspec:\n  selector: {app: wbe}",
		Good:        "kind: Service\nspec:\n  selector: {app: web}",
		Remediation: "Make the Service's selector match the labels of the pod template it fronts.",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			for _, s := range ix.services {
				svc := s.Typed.(*corev1.Service)
				if len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName || !relEvidence(s, ix.workloads) {
					continue
				}
				found := false
				for _, w := range ix.workloads {
					if relServiceSelects(s, w) {
						found = true
						break
					}
				}
				if found || ix.relCustomHolds(s, svc.Spec.Selector) {
					continue
				}
				p.Reportf(s.At("spec", "selector"), "Service %s selects %s, which no pod template of the scanned manifests carries", s.Name, labels.SelectorFromSet(svc.Spec.Selector))
			}
			return nil
		},
	}
}

func danglingIngressRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS039", Slug: "kube-ingress-backend-missing", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "Ingress sends traffic to a Service or port that does not exist",
		Peers: []string{"kube-linter:dangling-ingress", "kube-score:ingress-targets-service", "kubescape:C-0298"},
		Why: "An Ingress backend naming a Service (or a Service port) that does not exist answers 503: usually a typo or " +
			"a renamed Service. Reported only when the scan holds Services near the Ingress (same folder, or one above or " +
			"below) in its namespace.",
		Bad:         "backend:\n  service:\n    name: wbe\n    port: {number: 80}",
		Good:        "backend:\n  service:\n    name: web\n    port: {number: 80}",
		Remediation: "Point the backend at an existing Service and one of its ports.",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			for _, in := range ix.objects {
				backends := relIngressBackends(in)
				if len(backends) == 0 || !relEvidence(in, ix.services) {
					continue
				}
				for _, b := range backends {
					named, hasPort, near := 0, false, false
					for _, so := range ix.services {
						if so.Name != b.service || !relSameNamespace(in, so) {
							continue
						}
						named++
						hasPort = hasPort || relServiceHasPort(so.Typed.(*corev1.Service), b.port)
						near = near || relate.Near(in, so)
					}
					switch {
					case named == 0:
						p.Reportf(in.At(b.path...), "Ingress %s sends traffic to Service %s, which is not among the scanned manifests", in.Name, b.service)
					case !hasPort && near:
						p.Reportf(in.At(b.path...), "Ingress %s sends traffic to port %s of Service %s, which has no such port", in.Name, b.port.String(), b.service)
					}
				}
			}
			return nil
		},
	}
}

// relServiceHasPort reports whether a Service has the port (a number, a
// name, or none given).
func relServiceHasPort(svc *corev1.Service, port intstr.IntOrString) bool {
	if port.Type == intstr.Int && port.IntVal == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return true
	}
	for _, sp := range svc.Spec.Ports {
		if port.Type == intstr.Int && sp.Port == port.IntVal || port.Type == intstr.String && sp.Name == port.StrVal {
			return true
		}
	}
	return false
}

func missingServiceAccountRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS060", Slug: "kube-service-account-missing", Kind: rule.KubeSet, Severity: finding.Medium,
		Title: "pod runs as a ServiceAccount that does not exist",
		Peers: []string{"kube-linter:non-existent-service-account", "kubescape:C-0307"},
		Why: "Kubernetes refuses to create a pod whose ServiceAccount does not exist: the workload never starts. A scan " +
			"cannot see the cluster, so this is reported only when the scan holds ServiceAccounts near the workload (same " +
			"folder, or one above or below) in its namespace, none of them with the name the pod uses; the default account is never reported.",
		Bad:         "kind: ServiceAccount\nmetadata: {name: web}\n---\nspec:\n  serviceAccountName: wbe",
		Good:        "kind: ServiceAccount\nmetadata: {name: web}\n---\nspec:\n  serviceAccountName: web",
		Remediation: "Create the ServiceAccount with the workload, or correct serviceAccountName.",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			for _, o := range ix.workloads {
				_, spec, prefix, _ := kube.PodSpecOf(o)
				name := serviceAccountOf(spec)
				if name == "default" || !relEvidence(o, ix.accounts) {
					continue
				}
				found := false
				for _, a := range ix.accounts {
					if a.Name == name && relSameNamespace(o, a) {
						found = true
						break
					}
				}
				if found {
					continue
				}
				field := append(append([]string(nil), prefix...), "serviceAccountName")
				if !o.Has(field...) {
					field[len(field)-1] = "serviceAccount"
				}
				p.Reportf(o.At(field...), "%s runs as ServiceAccount %s, which is not among the scanned manifests' ServiceAccounts", relName(o), name)
			}
			return nil
		},
	}
}

func strategyRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS067", Slug: "kube-recreate-strategy", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "Deployment behind a Service is updated by recreating it",
		Peers: []string{"kube-score:deployment-strategy", "kube-linter:no-rolling-update-strategy", "kubescape:C-0305"},
		Why: "The Recreate strategy stops every old pod before starting the new ones: the Service has no endpoints for " +
			"the length of every rollout. Reported, as kube-score does, for Deployments a Service of the scan sends traffic to.",
		Bad:         "kind: Deployment\nspec:\n  strategy:\n    type: Recreate",
		Good:        "kind: Deployment\nspec:\n  strategy:\n    type: RollingUpdate",
		Remediation: "Use the RollingUpdate strategy; if the pods cannot overlap (a ReadWriteOnce volume), suppress the finding with that reason.",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			for _, o := range ix.workloads {
				d, ok := o.Typed.(*appsv1.Deployment)
				if !ok || d.Spec.Strategy.Type == "" || d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType || !ix.servedBy(o) {
					continue
				}
				p.Reportf(o.At("spec", "strategy", "type"), "%s uses the %s strategy and a Service sends traffic to it: every rollout stops all pods first", relName(o), d.Spec.Strategy.Type)
			}
			return nil
		},
	}
}

func statefulSetServiceRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS068", Slug: "kube-statefulset-service", Kind: rule.KubeSet, Severity: finding.Low,
		Title: "StatefulSet has no headless governing Service",
		Peers: []string{"kube-score:statefulset-has-servicename"},
		Why: "A StatefulSet's pods get their stable DNS names (web-0.web.ns.svc) from the headless Service its " +
			"serviceName names. Without serviceName, or with a Service that is not headless (clusterIP: None), peers " +
			"cannot address each other by name. A missing Service is reported only when the scan holds Services near the " +
			"StatefulSet (same folder, or one above or below) in its namespace.",
		Bad:         "kind: StatefulSet\nspec:\n  serviceName: \"\"",
		Good:        "kind: StatefulSet\nspec:\n  serviceName: db\n---\nkind: Service\nmetadata: {name: db}\nspec:\n  clusterIP: None",
		Remediation: "Set serviceName to a headless Service (clusterIP: None) that selects the StatefulSet's pods.",
		Check: func(p *rule.Pass) error {
			ix, err := relSet(p)
			if err != nil {
				return err
			}
			for _, o := range ix.workloads {
				ss, ok := o.Typed.(*appsv1.StatefulSet)
				if !ok {
					continue
				}
				name := ss.Spec.ServiceName
				if name == "" {
					p.Reportf(o.At("spec"), "StatefulSet %s sets no serviceName: its pods get no stable DNS names", o.Name)
					continue
				}
				var named, near []*kube.Object
				good := false
				for _, so := range ix.services {
					if so.Name != name || !relSameNamespace(o, so) {
						continue
					}
					named = append(named, so)
					headless := so.Typed.(*corev1.Service).Spec.ClusterIP == corev1.ClusterIPNone
					good = good || headless && relServiceSelects(so, o)
					if relate.Near(o, so) {
						near = append(near, so)
					}
				}
				switch {
				case len(named) == 0:
					if relEvidence(o, ix.services) {
						p.Reportf(o.At("spec", "serviceName"), "StatefulSet %s names Service %s, which is not among the scanned manifests", o.Name, name)
					}
				case good || len(near) == 0:
				case near[0].Typed.(*corev1.Service).Spec.ClusterIP != corev1.ClusterIPNone:
					p.Reportf(o.At("spec", "serviceName"), "StatefulSet %s names Service %s, which is not headless (clusterIP: None)", o.Name, name)
				default:
					p.Reportf(o.At("spec", "serviceName"), "StatefulSet %s names Service %s, which does not select its pods", o.Name, name)
				}
			}
			return nil
		},
	}
}
