package kube

import (
	"reflect"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// reliabilityRules returns the rules about one object's reliability
// settings: image pull policy, priority class, selectors, the service
// account field, environment, probes, ports, Job lifecycle and restart
// policy.
func reliabilityRules() []*rule.Rule {
	return []*rule.Rule{
		pullPolicyRule(), priorityClassRule(), selectorRule(), serviceAccountFieldRule(), duplicateEnvRule(),
		probeSettingsRule(), portNamesRule(), jobLifecycleRule(), restartPolicyRule(),
	}
}

// reliaPath joins a field path prefix and more segments into a new slice.
func reliaPath(prefix []string, more ...string) []string {
	return append(append([]string(nil), prefix...), more...)
}

func pullPolicyRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS028", Slug: "kube-pull-policy-latest", Kind: rule.Kube, Severity: finding.Low,
		Title: "latest or untagged image is not pulled every time",
		Peers: []string{"kubescape:C-0075", "kube-score:container-image-pull-policy", "polaris:pullPolicyNotAlways"},
		Why: "A `latest` (or untagged) image is meant to change. With imagePullPolicy IfNotPresent or Never, each node " +
			"keeps running whatever the tag pointed to when it first pulled it, so replicas on different nodes run " +
			"different code, and a pod can use a private image cached on the node without presenting the pull " +
			"credentials for it. Left unset, Kubernetes already pulls latest and untagged images Always; images pinned by " +
			"tag or digest are not reported (pulling a fixed tag again gains little).",
		Bad:         "image: registry.example.com/app:latest\nimagePullPolicy: IfNotPresent",
		Good:        "image: registry.example.com/app:1.4.2\nimagePullPolicy: IfNotPresent",
		Remediation: "Pin the image by tag or digest (see RC035 and KS022); otherwise remove imagePullPolicy or set it to Always.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				for _, c := range kube.Containers(o) {
					image, policy := c.Container.Image, c.Container.ImagePullPolicy
					if image == "" || templated(image) || policy == "" || policy == corev1.PullAlways {
						continue
					}
					tag, digest := imageTag(image)
					if digest != "" || tag != "" && tag != "latest" {
						continue
					}
					what := "untagged image " + strconv.Quote(image)
					if tag == "latest" {
						what = "image " + strconv.Quote(image)
					}
					p.Reportf(o.At(at(c, "imagePullPolicy")...), "%s runs %s with imagePullPolicy %s: nodes keep whatever image the tag named when they first pulled it", containerWord(c), what, policy)
				}
			}
			return nil
		},
	}
}

func priorityClassRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS033", Slug: "kube-priority-class", Kind: rule.Kube, Severity: finding.Info,
		Title: "long-running workload sets no priority class",
		Peers: []string{"polaris:priorityClassNotSet", "kube-linter:priority-class-name"},
		Why: "When a node runs short of resources, the scheduler preempts and the kubelet evicts lower-priority pods " +
			"first. Without priorityClassName every pod has the cluster's default priority, and a batch job can push out " +
			"a critical service. Reported for Deployments, StatefulSets and DaemonSets.",
		Bad:         "kind: Deployment\nspec:\n  template:\n    spec:\n      containers: [...]",
		Good:        "kind: Deployment\nspec:\n  template:\n    spec:\n      priorityClassName: business-critical",
		Remediation: "Define PriorityClasses for the cluster's tiers of workloads and set priorityClassName on each.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				switch o.Typed.(type) {
				case *appsv1.Deployment, *appsv1.StatefulSet, *appsv1.DaemonSet:
				default:
					continue
				}
				_, spec, prefix, _ := kube.PodSpecOf(o)
				if spec.PriorityClassName != "" {
					continue
				}
				p.Reportf(o.At(prefix...), "%s %s sets no priorityClassName: its pods have the cluster's default priority", o.Kind, o.Name)
			}
			return nil
		},
	}
}

// reliaSelector returns a workload's label selector and whether the kind
// has one to compare with its pod template.
func reliaSelector(o *kube.Object) (sel *metav1.LabelSelector, required bool, ok bool) {
	apps := o.APIVersion == "apps/v1"
	switch t := o.Typed.(type) {
	case *appsv1.Deployment:
		return t.Spec.Selector, apps, true
	case *appsv1.StatefulSet:
		return t.Spec.Selector, apps, true
	case *appsv1.DaemonSet:
		return t.Spec.Selector, apps, true
	case *appsv1.ReplicaSet:
		return t.Spec.Selector, apps, true
	case *corev1.ReplicationController:
		if len(t.Spec.Selector) == 0 {
			return nil, false, true // defaults to the template's labels
		}
		return &metav1.LabelSelector{MatchLabels: t.Spec.Selector}, false, true
	case *batchv1.Job:
		if t.Spec.ManualSelector != nil && *t.Spec.ManualSelector {
			return t.Spec.Selector, true, true
		}
	}
	return nil, false, false
}

func selectorRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS036", Slug: "kube-selector-mismatch", Kind: rule.Kube, Severity: finding.Medium,
		Title: "workload's selector does not match its pod template",
		Peers: []string{"kube-linter:mismatching-selector", "kube-score:deployment-pod-selector-labels-match-template-metadata-labels",
			"kube-score:statefulset-pod-selector-labels-match-template-metadata-labels", "kubescape:C-0296"},
		Why: "A controller manages the pods its selector matches. The API server rejects a Deployment, StatefulSet, " +
			"DaemonSet, ReplicaSet or ReplicationController whose selector does not match its own pod template's labels " +
			"(and, in apps/v1, one without a selector): the manifest does not apply.",
		Bad:         "spec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: website}",
		Good:        "spec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}",
		Remediation: "Make spec.selector match the labels of spec.template.metadata.labels.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				sel, required, ok := reliaSelector(o)
				if !ok {
					continue
				}
				var template map[string]string
				if meta, _, _, ok := kube.PodSpecOf(o); ok && meta != nil {
					template = meta.Labels
				}
				if sel == nil {
					if required {
						p.Reportf(o.At("spec"), "%s %s has no spec.selector, which %s requires", o.Kind, o.Name, o.APIVersion)
					}
					continue
				}
				s, err := metav1.LabelSelectorAsSelector(sel)
				switch {
				case err != nil:
					p.Reportf(o.At("spec", "selector"), "%s %s has an invalid selector: %v", o.Kind, o.Name, err)
				case s.Empty():
					p.Reportf(o.At("spec", "selector"), "%s %s has an empty selector, which would select every pod of the namespace", o.Kind, o.Name)
				case !s.Matches(labels.Set(template)):
					p.Reportf(o.At("spec", "selector"), "%s %s selects %s, but its pod template is %s", o.Kind, o.Name, s, reliaLabels(template))
				}
			}
			return nil
		},
	}
}

// reliaLabels writes a template's labels for a message.
func reliaLabels(l map[string]string) string {
	if len(l) == 0 {
		return "not labelled at all"
	}
	return "labelled " + labels.Set(l).String()
}

func serviceAccountFieldRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS061", Slug: "kube-deprecated-service-account-field", Kind: rule.Kube, Severity: finding.Low,
		Title: "pod uses the deprecated serviceAccount field",
		Peers: []string{"kube-linter:deprecated-service-account-field", "kubescape:C-0294"},
		Why: "spec.serviceAccount is a deprecated alias of serviceAccountName, kept only for old clients; when both are " +
			"written and differ, which one wins is easy to get wrong, and tools that read only serviceAccountName see the default account. " +
			"Both written with the same value (as `kubectl get -o yaml` prints a pod) is not reported.",
		Bad:         "spec:\n  serviceAccount: web",
		Good:        "spec:\n  serviceAccountName: web",
		Remediation: "Rename serviceAccount to serviceAccountName.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				_, spec, prefix, ok := kube.PodSpecOf(o)
				if !ok || spec.DeprecatedServiceAccount == "" || !o.Has(reliaPath(prefix, "serviceAccount")...) {
					continue // an empty value names no account
				}
				// The API server writes both fields, equal, into every pod it
				// returns: a manifest copied from `kubectl get -o yaml`
				// carries both and means no harm.
				if o.Has(reliaPath(prefix, "serviceAccountName")...) && spec.ServiceAccountName == spec.DeprecatedServiceAccount {
					continue
				}
				msg := "pod sets the deprecated serviceAccount field (" + strconv.Quote(spec.DeprecatedServiceAccount) + ")"
				if spec.ServiceAccountName != "" && spec.ServiceAccountName != spec.DeprecatedServiceAccount {
					msg += " and serviceAccountName " + strconv.Quote(spec.ServiceAccountName) + ": they differ"
				}
				p.Report(o.At(reliaPath(prefix, "serviceAccount")...), msg)
			}
			return nil
		},
	}
}

func duplicateEnvRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS062", Slug: "kube-duplicate-env", Kind: rule.Kube, Severity: finding.Low,
		Title: "container sets an environment variable twice",
		Peers: []string{"kube-linter:duplicate-env-var", "kube-score:environment-variable-key-duplication", "kubescape:C-0295"},
		Why: "When env names a variable twice, the last entry silently wins, and `kubectl apply` merges such lists by " +
			"name, so an edit of one entry can change or drop the other: the value the container gets is not the one the reader sees.",
		Bad:         "env:\n- name: LOG_LEVEL\n  value: info\n- name: LOG_LEVEL\n  value: debug",
		Good:        "env:\n- name: LOG_LEVEL\n  value: debug",
		Remediation: "Keep one entry per variable.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				for _, c := range kube.Containers(o) {
					seen := map[string]int{}
					for i, e := range c.Container.Env {
						if first, dup := seen[e.Name]; dup {
							p.Reportf(o.At(at(c, "env", strconv.Itoa(i))...), "%s sets %s again (first at env[%d]): the last entry wins", containerWord(c), e.Name, first)
							continue
						}
						seen[e.Name] = i
					}
				}
			}
			return nil
		},
	}
}

// reliaProbePort returns the named port a probe targets, with its field.
func reliaProbePort(pr *corev1.Probe) (name string, field []string) {
	if pr == nil {
		return "", nil
	}
	var port intstr.IntOrString
	switch {
	case pr.HTTPGet != nil:
		port, field = pr.HTTPGet.Port, []string{"httpGet", "port"}
	case pr.TCPSocket != nil:
		port, field = pr.TCPSocket.Port, []string{"tcpSocket", "port"}
	default:
		return "", nil
	}
	if port.Type != intstr.String {
		return "", nil
	}
	if _, err := strconv.Atoi(port.StrVal); err == nil {
		return "", nil // a number written as a string
	}
	return port.StrVal, field
}

func probeSettingsRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS063", Slug: "kube-probe-misconfigured", Kind: rule.Kube, Severity: finding.Low,
		Title: "probe targets an undeclared port, or liveness and readiness probes are identical",
		Peers: []string{"kube-linter:liveness-port", "kube-linter:readiness-port", "kube-linter:startup-port", "kube-score:pod-probes-identical"},
		Why: "A probe that names a port the container does not declare always fails: a failing liveness probe restarts " +
			"the container forever, a failing readiness probe keeps it out of its Service. (A probe on a port number is " +
			"not reported: the ports list is informational and the program may listen on it anyway.) Identical liveness " +
			"and readiness probes make a pod that is only busy or waiting for a dependency be restarted instead of " +
			"taken out of rotation, which turns a slowdown into a restart storm.",
		Bad:         "ports:\n- name: http\n  containerPort: 8080\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: metrics",
		Good:        "ports:\n- name: http\n  containerPort: 8080\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: http",
		Remediation: "Point probes at a declared port name, and give the liveness probe a cheaper check (or a higher failureThreshold) than the readiness probe.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				for _, c := range kube.Containers(o) {
					if c.Kind != kube.Regular {
						continue
					}
					ct := c.Container
					for _, pr := range []struct {
						field string
						probe *corev1.Probe
					}{{"livenessProbe", ct.LivenessProbe}, {"readinessProbe", ct.ReadinessProbe}, {"startupProbe", ct.StartupProbe}} {
						name, field := reliaProbePort(pr.probe)
						if name == "" || reliaHasPortName(ct, name) {
							continue
						}
						p.Reportf(o.At(at(c, append([]string{pr.field}, field...)...)...), "%s's %s targets port %q, which the container does not declare: the probe always fails", containerWord(c), pr.field, name)
					}
					if ct.LivenessProbe != nil && ct.ReadinessProbe != nil && reflect.DeepEqual(ct.LivenessProbe, ct.ReadinessProbe) {
						p.Reportf(o.At(at(c, "livenessProbe")...), "%s has identical liveness and readiness probes: a busy pod is restarted instead of taken out of rotation", containerWord(c))
					}
				}
			}
			return nil
		},
	}
}

// reliaHasPortName reports whether a container declares a port name.
func reliaHasPortName(c *corev1.Container, name string) bool {
	for _, pt := range c.Ports {
		if pt.Name == name {
			return true
		}
	}
	return false
}

func portNamesRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS064", Slug: "kube-invalid-ports", Kind: rule.Kube, Severity: finding.Medium,
		Title: "container port or Service targetPort is invalid",
		Peers: []string{"kube-linter:invalid-target-ports", "kube-score:container-ports-check"},
		Why: "Port names must be IANA service names (at most 15 characters: lower-case letters, digits and single " +
			"hyphens, with at least one letter), unique within a container, and every port needs a containerPort. The " +
			"API server rejects an object that breaks these rules, so the manifest does not apply.",
		Bad:         "ports:\n- name: metrics_endpoint\n  containerPort: 9090",
		Good:        "ports:\n- name: metrics\n  containerPort: 9090",
		Remediation: "Rename the port to a valid IANA service name (and the Service targetPort with it), make names unique, and set containerPort.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				for _, c := range kube.Containers(o) {
					seen := map[string]bool{}
					for i, pt := range c.Container.Ports {
						idx := strconv.Itoa(i)
						if pt.ContainerPort == 0 {
							p.Reportf(o.At(at(c, "ports", idx)...), "%s's port #%d has no containerPort", containerWord(c), i)
						}
						if pt.Name == "" {
							continue
						}
						if errs := validation.IsValidPortName(pt.Name); len(errs) > 0 {
							p.Reportf(o.At(at(c, "ports", idx, "name")...), "%s's port name %q is invalid: %s", containerWord(c), pt.Name, errs[0])
						} else if seen[pt.Name] {
							p.Reportf(o.At(at(c, "ports", idx, "name")...), "%s declares port name %q twice", containerWord(c), pt.Name)
						}
						seen[pt.Name] = true
					}
				}
				svc, ok := o.Typed.(*corev1.Service)
				if !ok {
					continue
				}
				for i, sp := range svc.Spec.Ports {
					tp := sp.TargetPort
					if tp.Type != intstr.String || tp.StrVal == "" {
						continue
					}
					if _, err := strconv.Atoi(tp.StrVal); err == nil {
						continue
					}
					if errs := validation.IsValidPortName(tp.StrVal); len(errs) > 0 {
						p.Reportf(o.At("spec", "ports", strconv.Itoa(i), "targetPort"), "Service %s's targetPort %q is not a valid port name: %s", o.Name, tp.StrVal, errs[0])
					}
				}
			}
			return nil
		},
	}
}

// reliaHooked reports whether Helm or Argo CD runs the object as a hook,
// and deletes it by its own policy.
func reliaHooked(o *kube.Object) bool {
	m := reliaMeta(o)
	if m == nil {
		return false
	}
	_, helm := m.Annotations["helm.sh/hook"]
	_, argo := m.Annotations["argocd.argoproj.io/hook"]
	return helm || argo
}

// reliaMeta returns an object's own metadata, for the kinds the rules of
// this file read.
func reliaMeta(o *kube.Object) *metav1.ObjectMeta {
	switch t := o.Typed.(type) {
	case *batchv1.Job:
		return &t.ObjectMeta
	case *batchv1.CronJob:
		return &t.ObjectMeta
	case *corev1.Pod:
		return &t.ObjectMeta
	}
	return nil
}

func jobLifecycleRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS065", Slug: "kube-job-lifecycle", Kind: rule.Kube, Severity: finding.Low,
		Title: "Job is never cleaned up, or CronJob has no starting deadline",
		Peers: []string{"kube-linter:job-ttl-seconds-after-finished", "kube-score:cronjob-has-deadline"},
		Why: "A Job without ttlSecondsAfterFinished stays, with its pods and their logs, until someone deletes it, and " +
			"finished Jobs pile up in the namespace. A CronJob without startingDeadlineSeconds counts every missed " +
			"schedule since its last run: after more than 100 (a controller outage, a long suspension) it stops " +
			"scheduling altogether. Jobs made by CronJobs, and Helm and Argo CD hooks (deleted by their hook policy), are not reported.",
		Bad:         "kind: Job\nspec:\n  template: {...}",
		Good:        "kind: Job\nspec:\n  ttlSecondsAfterFinished: 86400\n  template: {...}",
		Remediation: "Set ttlSecondsAfterFinished on Jobs, and startingDeadlineSeconds (for example 300) on CronJobs.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				switch t := o.Typed.(type) {
				case *batchv1.Job:
					if t.Spec.TTLSecondsAfterFinished != nil || len(t.OwnerReferences) > 0 || reliaHooked(o) {
						continue
					}
					p.Reportf(o.At("spec"), "Job %s sets no ttlSecondsAfterFinished: it and its pods stay after it finishes", o.Name)
				case *batchv1.CronJob:
					if t.Spec.StartingDeadlineSeconds != nil {
						continue
					}
					p.Reportf(o.At("spec"), "CronJob %s sets no startingDeadlineSeconds: after more than 100 missed schedules it stops scheduling", o.Name)
				}
			}
			return nil
		},
	}
}

func restartPolicyRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS066", Slug: "kube-restart-policy", Kind: rule.Kube, Severity: finding.Medium,
		Title: "pod restart policy is not allowed for the workload kind",
		Peers: []string{"kube-score:cronjob-restartpolicy", "kube-linter:restart-policy"},
		Why: "Jobs and CronJobs must set restartPolicy to OnFailure or Never (unset means Always, which they do not " +
			"allow); Deployments, StatefulSets, DaemonSets, ReplicaSets and ReplicationControllers allow only Always. " +
			"The API server rejects anything else, so the manifest does not apply.",
		Bad:         "kind: CronJob\n...\n        spec:\n          containers: [...]",
		Good:        "kind: CronJob\n...\n        spec:\n          restartPolicy: OnFailure\n          containers: [...]",
		Remediation: "Set restartPolicy: OnFailure (or Never) in Job and CronJob pod templates, and remove it (or set Always) elsewhere.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				_, spec, prefix, ok := kube.PodSpecOf(o)
				if !ok {
					continue
				}
				rp := spec.RestartPolicy
				field := reliaPath(prefix, "restartPolicy")
				switch o.Typed.(type) {
				case *batchv1.Job, *batchv1.CronJob:
					if rp == corev1.RestartPolicyOnFailure || rp == corev1.RestartPolicyNever {
						continue
					}
					if rp == "" {
						p.Reportf(o.At(prefix...), "%s %s's pod template sets no restartPolicy (Always): a %s needs OnFailure or Never", o.Kind, o.Name, o.Kind)
						continue
					}
					p.Reportf(o.At(field...), "%s %s's pod template sets restartPolicy %s: a %s needs OnFailure or Never", o.Kind, o.Name, rp, o.Kind)
				case *appsv1.Deployment, *appsv1.StatefulSet, *appsv1.DaemonSet, *appsv1.ReplicaSet, *corev1.ReplicationController:
					if rp == "" || rp == corev1.RestartPolicyAlways {
						continue
					}
					p.Reportf(o.At(field...), "%s %s's pod template sets restartPolicy %s: a %s allows only Always", o.Kind, o.Name, rp, o.Kind)
				}
			}
			return nil
		},
	}
}
