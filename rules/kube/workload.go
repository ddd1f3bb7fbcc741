package kube

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
	corev1 "k8s.io/api/core/v1"
)

// tagSeed marks the practices of the seed article's "Harden Kubernetes"
// section.
const tagSeed = "seed:kubernetes-hardening"

// workloadRules returns the workload hygiene rules KS020 onwards:
// resource requests, image digests, probes, service accounts and
// namespaces. Memory and CPU limits and untagged or latest images are
// not among them: the runtime rules RC026, RC028 and RC035 report them on
// Kubernetes containers too, at the same fields.
func workloadRules() []*rule.Rule {
	return []*rule.Rule{
		resourceRule("KS020", "kube-memory-request", corev1.ResourceMemory, "requests", finding.Low,
			[]string{"trivy:KSV-0016", "kube-linter:unset-memory-requirements", "polaris:memoryRequestsMissing", "kube-score:container-resources", "kubescape:C-0269", "kubescape:C-0004"},
			"Without a memory request the scheduler places the pod as if it needed no memory, overcommits the node, and "+
				"the pod is among the first evicted under memory pressure.",
			"Set resources.requests.memory to what the container uses normally."),
		resourceRule("KS021", "kube-cpu-request", corev1.ResourceCPU, "requests", finding.Low,
			[]string{"trivy:KSV-0015", "kube-linter:unset-cpu-requirements", "polaris:cpuRequestsMissing", "kube-score:container-resources", "kubescape:C-0268", "kubescape:C-0050"},
			"Without a CPU request the scheduler places the pod as if it needed no CPU, and under contention the "+
				"container gets the smallest share of the node.",
			"Set resources.requests.cpu (for example \"100m\")."),
		imageDigestRule(),
		probeRule("KS023", "kube-liveness-probe", "livenessProbe", "liveness",
			[]string{"kube-linter:no-liveness-probe", "polaris:livenessProbeMissing", "kube-score:pod-probes", "kubescape:C-0056"},
			"Without a liveness probe a container that hangs (deadlock, exhausted pool) keeps running and is never restarted."),
		probeRule("KS024", "kube-readiness-probe", "readinessProbe", "readiness",
			[]string{"kube-linter:no-readiness-probe", "polaris:readinessProbeMissing", "kube-score:pod-probes", "kubescape:C-0018"},
			"Without a readiness probe the pod receives Service traffic as soon as its containers start, before the "+
				"program is ready, and keeps receiving it when the program stops answering."),
		automountRule(),
		defaultServiceAccountRule(),
		defaultNamespaceRule(),
	}
}

// kubeFile returns the pass's manifest, or nil when there is none.
func kubeFile(p *rule.Pass) (*kube.File, error) {
	f, ok := p.Target.(*kube.File)
	if !ok {
		return nil, fmt.Errorf("target is %T, not a Kubernetes manifest", p.Target)
	}
	return f, nil
}

// eachContainer calls fn for every regular and init container of every
// workload of the pass's manifest.
func eachContainer(p *rule.Pass, fn func(o *kube.Object, c kube.Container)) error {
	f, err := kubeFile(p)
	if err != nil || f == nil {
		return err
	}
	for _, o := range f.Objects {
		for _, c := range kube.Containers(o) {
			if c.Kind == kube.Ephemeral {
				continue // ephemeral containers take no resources nor probes
			}
			fn(o, c)
		}
	}
	return nil
}

// containerWord names a container for messages: `container "app"`.
func containerWord(c kube.Container) string {
	if c.Name() == "" {
		return fmt.Sprintf("%s #%d", c.Kind, c.Index)
	}
	return fmt.Sprintf("%s %q", c.Kind, c.Name())
}

// at returns the path of a field of a container.
func at(c kube.Container, p ...string) []string {
	return append(append([]string(nil), c.Path...), p...)
}

// resourceRule reports containers without a request or limit (list) of a
// resource.
func resourceRule(id, slug string, res corev1.ResourceName, list string, sev finding.Severity, peers []string, why, remediation string) *rule.Rule {
	word := map[string]string{"limits": "limit", "requests": "request"}[list]
	title := fmt.Sprintf("container has no %s %s", res, word)
	return &rule.Rule{
		ID: id, Slug: slug, Kind: rule.Kube, Severity: sev,
		Title: title,
		Tags:  []string{tagSeed},
		Peers: peers,
		Why:   why,
		Bad:   "containers:\n- name: app\n  image: app:1.0",
		Good: "containers:\n- name: app\n  image: app:1.0\n  resources:\n    requests:\n      cpu: 100m\n      memory: 128Mi\n" +
			"    limits:\n      cpu: 500m\n      memory: 256Mi",
		Remediation: remediation + " The seed's secure pod sets CPU and memory requests and limits on every container.",
		Check: func(p *rule.Pass) error {
			return eachContainer(p, func(o *kube.Object, c kube.Container) {
				r := c.Container.Resources
				m := r.Limits
				if list == "requests" {
					m = r.Requests
					// A limit without a request sets the request to the limit.
					if _, ok := r.Limits[res]; ok {
						return
					}
				}
				if _, ok := m[res]; ok {
					return
				}
				p.Reportf(o.At(at(c, "resources", list)...), "%s sets no %s %s (resources.%s.%s)", containerWord(c), res, word, list, res)
			})
		},
	}
}

// imageRef matches what can be an image reference: template leftovers
// ({{ .Values.image }}), variables (${IMAGE}) and placeholders
// (<YOUR-IMAGE>) are not judged.
var imageRef = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$`)

// templated reports whether an image is not a reference to judge.
func templated(image string) bool { return !imageRef.MatchString(image) }

// imageTag splits an image reference into its tag and digest ("" when
// absent).
func imageTag(image string) (tag, digest string) {
	name := image
	if i := strings.Index(name, "@"); i >= 0 {
		name, digest = name[:i], name[i+1:]
	}
	last := name[strings.LastIndex(name, "/")+1:]
	if i := strings.LastIndex(last, ":"); i >= 0 {
		tag = last[i+1:]
	}
	return tag, digest
}

func imageDigestRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS022", Slug: "kube-image-digest", Kind: rule.Kube, Severity: finding.Low,
		Title: "image is not pinned by digest",
		Peers: []string{"kubescape:C-0306"},
		Why: "A tag can be moved to another image by whoever can push to the repository; only a digest names " +
			"exactly the image that was reviewed and scanned.",
		Bad:         "image: nginx:1.27.3",
		Good:        "image: nginx:1.27.3@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a",
		Remediation: "Append the image's digest to the reference (docker buildx imagetools inspect IMAGE prints it), and let a bot such as Renovate update it.",
		Check: func(p *rule.Pass) error {
			return eachContainer(p, func(o *kube.Object, c kube.Container) {
				image := c.Container.Image
				if image == "" || templated(image) {
					return
				}
				if _, digest := imageTag(image); digest != "" {
					return
				}
				p.Reportf(o.At(at(c, "image")...), "%s runs image %q, not pinned by digest", containerWord(c), image)
			})
		},
	}
}

// runsToCompletion reports whether the workload's pods run to completion,
// where probes are not expected.
func runsToCompletion(o *kube.Object) bool {
	if o.Kind == "Job" || o.Kind == "CronJob" {
		return true
	}
	_, spec, _, ok := kube.PodSpecOf(o)
	return ok && (spec.RestartPolicy == corev1.RestartPolicyNever || spec.RestartPolicy == corev1.RestartPolicyOnFailure)
}

// probeRule reports regular containers of long-running workloads without
// the probe field.
func probeRule(id, slug, field, word string, peers []string, why string) *rule.Rule {
	return &rule.Rule{
		ID: id, Slug: slug, Kind: rule.Kube, Severity: finding.Low,
		Title: "container has no " + word + " probe",
		Peers: peers,
		Why:   why,
		Bad:   "containers:\n- name: app\n  image: app:1.0",
		Good:  "containers:\n- name: app\n  image: app:1.0\n  " + field + ":\n    httpGet:\n      path: /healthz\n      port: 8080",
		Remediation: "Add a " + field + " that checks the program itself (an HTTP endpoint, a TCP port or a command). " +
			"Jobs, CronJobs, pods that run to completion and init containers are not checked.",
		Check: func(p *rule.Pass) error {
			return eachContainer(p, func(o *kube.Object, c kube.Container) {
				if c.Kind != kube.Regular || runsToCompletion(o) {
					return
				}
				probe := c.Container.LivenessProbe
				if field == "readinessProbe" {
					probe = c.Container.ReadinessProbe
				}
				if probe != nil {
					return
				}
				p.Reportf(o.At(c.Path...), "%s has no %s", containerWord(c), field)
			})
		},
	}
}

// serviceAccountOf returns the service account a pod runs as.
func serviceAccountOf(spec *corev1.PodSpec) string {
	switch {
	case spec.ServiceAccountName != "":
		return spec.ServiceAccountName
	case spec.DeprecatedServiceAccount != "":
		return spec.DeprecatedServiceAccount
	}
	return "default"
}

// accountsOf returns the ServiceAccounts of a file by namespace and name.
func accountsOf(f *kube.File) map[[2]string]*corev1.ServiceAccount {
	out := map[[2]string]*corev1.ServiceAccount{}
	for _, o := range f.Objects {
		if sa, ok := o.Typed.(*corev1.ServiceAccount); ok {
			out[[2]string{o.Namespace, o.Name}] = sa
		}
	}
	return out
}

func automountRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS025", Slug: "kube-service-account-token-automount", Kind: rule.Kube, Severity: finding.Medium,
		Title: "pod mounts a service account token it may not need",
		Peers: []string{"trivy:KSV-0036", "polaris:automountServiceAccountToken", "kubescape:C-0034", "kubescape:C-0190", "kubescape:C-0261"},
		Why: "Unless automountServiceAccountToken is false, every container of the pod gets a token of its service " +
			"account at /var/run/secrets/kubernetes.io/serviceaccount: whoever takes over the container can call the " +
			"Kubernetes API with the account's permissions.",
		Bad:  "spec:\n  containers:\n  - name: app\n    image: app:1.0",
		Good: "spec:\n  automountServiceAccountToken: false\n  containers:\n  - name: app\n    image: app:1.0",
		Remediation: "Set automountServiceAccountToken: false in the pod spec (or on its ServiceAccount); pods that " +
			"call the API can mount a short-lived token through a projected volume. `bulwark fix` sets it in pods of the " +
			"default account that no binding of the same file grants anything.",
		Fixable: true,
		Check: func(p *rule.Pass) error {
			f, err := kubeFile(p)
			if err != nil || f == nil {
				return err
			}
			accounts := accountsOf(f)
			for _, o := range f.Objects {
				_, spec, prefix, ok := kube.PodSpecOf(o)
				if !ok {
					continue
				}
				if v := spec.AutomountServiceAccountToken; v != nil {
					if *v {
						p.Reportf(o.At(append(append([]string(nil), prefix...), "automountServiceAccountToken")...),
							"pod sets automountServiceAccountToken: true: its containers get a token of service account %q", serviceAccountOf(spec))
					}
					continue
				}
				name := serviceAccountOf(spec)
				if sa := accounts[[2]string{o.Namespace, name}]; sa != nil && sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken {
					continue
				}
				msg := fmt.Sprintf("pod does not set automountServiceAccountToken: false: its containers get a token of service account %q", name)
				if fx, ok := fixAutomount(f, o, spec, prefix); ok {
					p.Report(o.At(prefix...), msg, fx)
					continue
				}
				p.Report(o.At(prefix...), msg)
			}
			return nil
		},
	}
}

func defaultServiceAccountRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS026", Slug: "kube-default-service-account", Kind: rule.Kube, Severity: finding.Low,
		Title: "pod runs as the default service account",
		Tags:  []string{tagSeed},
		Peers: []string{"kube-linter:default-service-account", "kubescape:C-0189"},
		Why: "Every pod of a namespace without its own service account shares the default one: permissions granted " +
			"to it for one workload reach all of them, and its token identifies none of them.",
		Bad:  "spec:\n  containers:\n  - name: app\n    image: app:1.0",
		Good: "spec:\n  serviceAccountName: app\n  automountServiceAccountToken: false\n  containers:\n  - name: app\n    image: app:1.0",
		Remediation: "Create a ServiceAccount for the workload and set serviceAccountName to it, as the seed does " +
			"(serviceAccountName: myapp, bound to a least-privilege Role); pods that do not call the API need no token " +
			"(automountServiceAccountToken: false).",
		Check: func(p *rule.Pass) error {
			f, err := kubeFile(p)
			if err != nil || f == nil {
				return err
			}
			for _, o := range f.Objects {
				_, spec, prefix, ok := kube.PodSpecOf(o)
				if !ok || serviceAccountOf(spec) != "default" {
					continue
				}
				// Without a token the account's identity is not usable.
				if v := spec.AutomountServiceAccountToken; v != nil && !*v {
					continue
				}
				path := append(append([]string(nil), prefix...), "serviceAccountName")
				if !o.Has(path...) {
					path[len(path)-1] = "serviceAccount"
				}
				p.Reportf(o.At(path...), "pod runs as the namespace's default service account")
			}
			return nil
		},
	}
}

func defaultNamespaceRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS027", Slug: "kube-default-namespace", Kind: rule.Kube, Severity: finding.Info,
		Title:       "workload is placed in the default namespace",
		Peers:       []string{"trivy:KSV-0110", "kube-linter:use-namespace", "kubescape:C-0061", "kubescape:C-0212"},
		Why:         "The default namespace is where everything lands by accident: sharing it makes RBAC, NetworkPolicies, quotas and Pod Security labels apply to unrelated workloads at once.",
		Bad:         "metadata:\n  name: web\n  namespace: default",
		Good:        "metadata:\n  name: web\n  namespace: shop",
		Remediation: "Put the workload in a namespace of its own application, with its own Pod Security labels, quotas and policies.",
		Check: func(p *rule.Pass) error {
			f, err := kubeFile(p)
			if err != nil || f == nil {
				return err
			}
			for _, o := range f.Objects {
				if _, _, _, ok := kube.PodSpecOf(o); !ok || o.Namespace != "default" {
					continue
				}
				p.Reportf(o.At("metadata", "namespace"), "%s %q is placed in the default namespace", o.Kind, o.Name)
			}
			return nil
		},
	}
}
