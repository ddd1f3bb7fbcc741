package kube

import (
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// exposureRules returns the rules about what a workload exposes and where
// it runs: host aliases, privileged and SSH ports, sudo, bare pods,
// NodePort Services and external IPs, Ingress TLS and snippets, the
// kube-system namespace, Tiller, and low user and group IDs.
func exposureRules() []*rule.Rule {
	return []*rule.Rule{
		hostAliasesRule(), privilegedPortRule(), sudoRule(), nakedPodRule(), nodePortRule(), externalIPsRule(),
		ingressTLSRule(), ingressSnippetRule(), kubeSystemRule(), tillerRule(), lowIDRule(),
	}
}

// expoPods calls fn for every object that runs pods, with its pod spec and
// the spec's field path.
func expoPods(p *rule.Pass, fn func(o *kube.Object, spec *corev1.PodSpec, prefix []string)) error {
	objects, err := cataObjects(p)
	if err != nil {
		return err
	}
	for _, o := range objects {
		if _, spec, prefix, ok := kube.PodSpecOf(o); ok {
			fn(o, spec, prefix)
		}
	}
	return nil
}

func hostAliasesRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS069", Slug: "kube-host-aliases", Kind: rule.Kube, Severity: finding.Low,
		Title: "pod rewrites /etc/hosts with hostAliases",
		Peers: []string{"trivy:KSV-0007"},
		Why: "hostAliases writes entries into every container's /etc/hosts, overriding DNS for those names: traffic " +
			"meant for a service goes to a fixed address that nobody sees in the cluster's DNS, and outlives the address.",
		Bad:         "spec:\n  hostAliases:\n  - ip: 10.0.0.5\n    hostnames: [db.example.com]",
		Good:        "kind: Service\nspec:\n  type: ExternalName\n  externalName: db.example.com",
		Remediation: "Resolve the name through DNS (an ExternalName Service, or a Service with Endpoints) instead of hostAliases.",
		Check: func(p *rule.Pass) error {
			return expoPods(p, func(o *kube.Object, spec *corev1.PodSpec, prefix []string) {
				if len(spec.HostAliases) == 0 {
					return
				}
				var names []string
				for _, a := range spec.HostAliases {
					names = append(names, a.Hostnames...)
				}
				p.Reportf(o.At(reliaPath(prefix, "hostAliases")...), "pod overrides /etc/hosts for %s", strings.Join(names, ", "))
			})
		},
	}
}

// expoSSHPorts are the ports SSH servers listen on.
var expoSSHPorts = map[int32]bool{22: true, 2222: true}

func privilegedPortRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS070", Slug: "kube-privileged-container-port", Kind: rule.Kube, Severity: finding.Low,
		Title: "container listens on a privileged port or the SSH port",
		Peers: []string{"trivy:KSV-0117", "kube-linter:privileged-ports", "kube-linter:ssh-port", "kubescape:C-0042"},
		Why: "Listening on a port below 1024 takes root or the NET_BIND_SERVICE capability, which a container should " +
			"not need: services inside a pod can listen on 8080 and let the Service map port 80 to it. An SSH server " +
			"(port 22 or 2222) in a container is a standing way in that bypasses `kubectl exec` and its audit trail. " +
			"Windows pods (spec.os.name windows) have no privileged ports.",
		Bad:         "ports:\n- containerPort: 80",
		Good:        "ports:\n- containerPort: 8080  # the Service maps port 80 to it",
		Remediation: "Make the program listen on a port of 1024 or above and map the public port in the Service; remove SSH servers from containers (use kubectl exec or debug).",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				// Windows has no privileged ports.
				_, spec, _, _ := kube.PodSpecOf(o)
				windows := spec != nil && spec.OS != nil && spec.OS.Name == corev1.Windows
				for _, c := range kube.Containers(o) {
					for i, pt := range c.Container.Ports {
						n := pt.ContainerPort
						loc := o.At(at(c, "ports", strconv.Itoa(i), "containerPort")...)
						switch {
						case expoSSHPorts[n]:
							p.Reportf(loc, "%s exposes port %d, where SSH servers listen", containerWord(c), n)
						case n > 0 && n < 1024 && !windows:
							p.Reportf(loc, "%s listens on privileged port %d: binding it takes root or NET_BIND_SERVICE unless the runtime lowers net.ipv4.ip_unprivileged_port_start", containerWord(c), n)
						}
					}
				}
			}
			return nil
		},
	}
}

// expoSudoRe finds sudo run as a command in a command line.
var expoSudoRe = regexp.MustCompile("(?:^|[\\s;&|(`]|\\$\\()sudo(?:\\s|$)")

func sudoRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS071", Slug: "kube-sudo-in-command", Kind: rule.Kube, Severity: finding.Medium,
		Title: "container command runs sudo",
		Peers: []string{"kubescape:C-0062"},
		Why: "A container whose command uses sudo has a setuid sudo binary and a user allowed to become root: anyone who " +
			"gets a shell in it can do the same, which defeats running as a non-root user.",
		Bad:         "command: [\"sh\", \"-c\", \"sudo chown app /data && exec app\"]",
		Good:        "securityContext:\n  fsGroup: 10001\ncommand: [\"app\"]",
		Remediation: "Do the privileged step at build time, in an init container, or with securityContext (fsGroup, capabilities) instead of sudo, and remove sudo from the image.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				for _, c := range kube.Containers(o) {
					for _, list := range []struct {
						field string
						args  []string
					}{{"command", c.Container.Command}, {"args", c.Container.Args}} {
						for i, a := range list.args {
							if expoSudoRe.MatchString(a) {
								p.Reportf(o.At(at(c, list.field, strconv.Itoa(i))...), "%s runs sudo in its %s", containerWord(c), list.field)
								break
							}
						}
					}
				}
			}
			return nil
		},
	}
}

func nakedPodRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS072", Slug: "kube-naked-pod", Kind: rule.Kube, Severity: finding.Low,
		Title: "bare Pod is not managed by a controller",
		Peers: []string{"kubescape:C-0073"},
		Why: "A Pod written directly is not recreated when its node fails or it is evicted, and cannot be rolled out " +
			"or scaled: the workload silently disappears. Helm and Argo CD hook pods (tests and the like) are not reported.",
		Bad:         "kind: Pod\nmetadata:\n  name: web",
		Good:        "kind: Deployment\nmetadata:\n  name: web",
		Remediation: "Run the pod from a Deployment (or a StatefulSet, DaemonSet or Job, as fits the workload).",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				pod, ok := o.Typed.(*corev1.Pod)
				if !ok || len(pod.OwnerReferences) > 0 || reliaHooked(o) {
					continue
				}
				p.Reportf(o.At("kind"), "Pod %s is not managed by a controller: nothing recreates it if its node fails", o.Name)
			}
			return nil
		},
	}
}

func nodePortRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS073", Slug: "kube-nodeport-service", Kind: rule.Kube, Severity: finding.Low,
		Title: "Service is exposed on every node's address",
		Peers: []string{"kube-score:service-type", "kube-linter:exposed-services", "kubescape:C-0256"},
		Why: "A NodePort Service opens its port on every node of the cluster, on all of the node's interfaces, " +
			"outside Ingress and load-balancer controls; firewalls must then guard a high port range on every node. " +
			"LoadBalancer Services, which are meant to be reached from outside, are not reported.",
		Bad:         "kind: Service\nspec:\n  type: NodePort",
		Good:        "kind: Service\nspec:\n  type: ClusterIP",
		Remediation: "Use a ClusterIP Service behind an Ingress or a LoadBalancer Service.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				if svc, ok := o.Typed.(*corev1.Service); ok && svc.Spec.Type == corev1.ServiceTypeNodePort {
					p.Reportf(o.At("spec", "type"), "Service %s is of type NodePort: its ports are open on every node", o.Name)
				}
			}
			return nil
		},
	}
}

func externalIPsRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS074", Slug: "kube-service-external-ips", Kind: rule.Kube, Severity: finding.High,
		Title: "Service claims external IPs",
		Peers: []string{"trivy:KSV-0108"},
		Why: "spec.externalIPs makes every node route traffic for those addresses to the Service, whoever owns them: " +
			"anyone who may create a Service can intercept another workload's or an outside host's traffic " +
			"(CVE-2020-8554). Clusters should deny the field with the DenyServiceExternalIPs admission plugin.",
		Bad:         "kind: Service\nspec:\n  externalIPs: [203.0.113.10]",
		Good:        "kind: Service\nspec:\n  type: LoadBalancer",
		Remediation: "Remove externalIPs and expose the Service through a LoadBalancer or an Ingress.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				if svc, ok := o.Typed.(*corev1.Service); ok && len(svc.Spec.ExternalIPs) > 0 {
					p.Reportf(o.At("spec", "externalIPs"), "Service %s claims external IPs %s: the nodes route traffic for them to it", o.Name, strings.Join(svc.Spec.ExternalIPs, ", "))
				}
			}
			return nil
		},
	}
}

// expoTLSElsewhere are annotations that terminate TLS at a cloud load
// balancer instead of the Ingress's tls section.
var expoTLSElsewhere = []string{
	"alb.ingress.kubernetes.io/certificate-arn",
	"networking.gke.io/managed-certificates",
	"ingress.gcp.kubernetes.io/pre-shared-cert",
	"appgw.ingress.kubernetes.io/appgw-ssl-certificate",
	"service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
}

// expoIngress returns an Ingress's metadata, whether it has TLS, and
// whether it routes anything.
func expoIngress(o *kube.Object) (meta *metav1.ObjectMeta, tls, routes, ok bool) {
	switch t := o.Typed.(type) {
	case *networkingv1.Ingress:
		return &t.ObjectMeta, len(t.Spec.TLS) > 0, len(t.Spec.Rules) > 0 || t.Spec.DefaultBackend != nil, true
	case *networkingv1beta1.Ingress:
		return &t.ObjectMeta, len(t.Spec.TLS) > 0, len(t.Spec.Rules) > 0 || t.Spec.Backend != nil, true
	}
	return nil, false, false, false
}

func ingressTLSRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS075", Slug: "kube-ingress-without-tls", Kind: rule.Kube, Severity: finding.Medium,
		Title: "Ingress serves without TLS",
		Peers: []string{"polaris:tlsSettingsMissing", "kubescape:C-0263"},
		Why: "An Ingress without a tls section serves its hosts over plain HTTP: credentials, cookies and data cross " +
			"the network readable and alterable. Ingresses whose TLS is terminated by a cloud load balancer (an AWS, " +
			"GCP or Azure certificate annotation) are not reported.",
		Bad:         "kind: Ingress\nspec:\n  rules:\n  - host: shop.example.com",
		Good:        "kind: Ingress\nspec:\n  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n  rules:\n  - host: shop.example.com",
		Remediation: "Add a tls section with a certificate Secret for the Ingress's hosts (cert-manager can issue and renew it).",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				meta, tls, routes, ok := expoIngress(o)
				if !ok || tls || !routes {
					continue
				}
				elsewhere := false
				for _, a := range expoTLSElsewhere {
					if _, set := meta.Annotations[a]; set {
						elsewhere = true
					}
				}
				if !elsewhere {
					p.Reportf(o.At("spec"), "Ingress %s has no tls section: it serves over plain HTTP", o.Name)
				}
			}
			return nil
		},
	}
}

// expoSnippetAnnotations are the ingress-nginx annotations that insert raw
// NGINX configuration.
var expoSnippetAnnotations = []string{
	"nginx.ingress.kubernetes.io/configuration-snippet",
	"nginx.ingress.kubernetes.io/server-snippet",
	"nginx.ingress.kubernetes.io/auth-snippet",
	"nginx.ingress.kubernetes.io/stream-snippet",
	"nginx.ingress.kubernetes.io/modsecurity-snippet",
}

func ingressSnippetRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS076", Slug: "kube-ingress-nginx-snippet", Kind: rule.Kube, Severity: finding.Critical,
		Title: "ingress-nginx snippet annotations insert raw NGINX configuration",
		Peers: []string{"trivy:KCV-0093", "kubescape:C-0059"},
		Why: "Snippet annotations copy text into the controller's NGINX configuration: whoever may edit an Ingress can " +
			"make the controller read files and serve its service account token, which can read every Secret of the " +
			"cluster (CVE-2021-25742, CVE-2023-5044; the admission flaw of CVE-2025-1974 made it reachable without any " +
			"Ingress). Reported on Ingresses that use them and on ingress-nginx ConfigMaps that set " +
			"allow-snippet-annotations: \"true\" (off by default since controller 1.9).",
		Bad:         "metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"X-Frame-Options: DENY\";",
		Good:        "metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/custom-headers: ingress-nginx/frame-headers",
		Remediation: "Replace snippets with the dedicated annotations or controller settings, keep allow-snippet-annotations off, and run an ingress-nginx release with the CVE-2025-1974 fixes (1.11.5, 1.12.1 or later).",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				if cm, ok := o.Typed.(*corev1.ConfigMap); ok {
					if v, set := cm.Data["allow-snippet-annotations"]; set && strings.EqualFold(strings.TrimSpace(v), "true") {
						p.Reportf(o.At("data", "allow-snippet-annotations"), "ConfigMap %s lets Ingress snippet annotations insert raw NGINX configuration", o.Name)
					}
					continue
				}
				meta, _, _, ok := expoIngress(o)
				if !ok {
					continue
				}
				for _, a := range expoSnippetAnnotations {
					if _, set := meta.Annotations[a]; set {
						p.Reportf(o.At("metadata", "annotations", a), "Ingress %s inserts raw NGINX configuration with %s", o.Name, a)
					}
				}
			}
			return nil
		},
	}
}

func kubeSystemRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS077", Slug: "kube-system-namespace", Kind: rule.Kube, Severity: finding.Medium,
		Title: "workload runs in the kube-system namespace",
		Peers: []string{"trivy:KSV-0037"},
		Why: "kube-system holds the cluster's own components and their powerful service accounts and Secrets; a workload " +
			"placed there shares their namespace-wide RBAC grants and policies, and is often exempt from Pod Security " +
			"admission. Cluster add-ons that belong there (DNS, CNI, metrics) can be suppressed with a reason.",
		Bad:         "metadata:\n  namespace: kube-system",
		Good:        "metadata:\n  namespace: monitoring",
		Remediation: "Move the workload to a namespace of its own.",
		Check: func(p *rule.Pass) error {
			return expoPods(p, func(o *kube.Object, _ *corev1.PodSpec, _ []string) {
				if o.Namespace == metav1.NamespaceSystem {
					p.Reportf(o.At("metadata", "namespace"), "%s %s runs in kube-system, beside the cluster's own components", o.Kind, o.Name)
				}
			})
		},
	}
}

// expoTillerRe matches Helm 2's Tiller image.
var expoTillerRe = regexp.MustCompile(`(?:^|/)tiller(?:[:@]|$)`)

func tillerRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS078", Slug: "kube-tiller", Kind: rule.Kube, Severity: finding.Critical,
		Title: "Helm 2 Tiller is deployed",
		Peers: []string{"trivy:KSV-0102"},
		Why: "Tiller, the server side of Helm 2 (unsupported since 2020), installs whatever any client that reaches its " +
			"unauthenticated gRPC port asks, usually with cluster-admin rights: anyone in the cluster can take it over.",
		Bad:         "image: gcr.io/kubernetes-helm/tiller:v2.16.12",
		Good:        "# Helm 3 needs nothing in the cluster",
		Remediation: "Migrate the releases to Helm 3 (helm-2to3) and delete Tiller's Deployment, Service and service account.",
		Check: func(p *rule.Pass) error {
			objects, err := cataObjects(p)
			if err != nil {
				return err
			}
			for _, o := range objects {
				for _, c := range kube.Containers(o) {
					name, _, _ := strings.Cut(c.Container.Image, "@")
					if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
						name = name[:i]
					}
					if expoTillerRe.MatchString(name) {
						p.Reportf(o.At(at(c, "image")...), "%s runs Helm 2's Tiller (%s)", containerWord(c), c.Container.Image)
					}
				}
			}
			return nil
		},
	}
}

// expoLowID is the highest ID kube-score and Trivy count as low: IDs up to
// it are likely to belong to a user or group of the node as well.
const expoLowID = 10000

func lowIDRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS079", Slug: "kube-low-user-group-id", Kind: rule.Kube, Severity: finding.Low,
		Title: "pod runs with a low user or group ID, or the root group",
		Peers: []string{"trivy:KSV-0020", "trivy:KSV-0021", "trivy:KSV-0116", "kube-score:container-security-context-user-group-id"},
		Why: "Without user namespaces, a UID or GID in a container is the same number on the node: a low one (10000 or " +
			"below) likely belongs to a real user or group of the node, whose files an escaped process could then use. " +
			"Group 0 (runAsGroup, fsGroup or supplementalGroups) is the root group, which owns many system files. Only " +
			"IDs written in the manifest are judged; runAsUser: 0 is KS015's.",
		Bad:         "securityContext:\n  runAsUser: 1000\n  runAsGroup: 0",
		Good:        "securityContext:\n  runAsUser: 10001\n  runAsGroup: 10001\n  fsGroup: 10001",
		Remediation: "Run as a UID and GID above 10000 (10001 is common) and never in group 0.",
		Check: func(p *rule.Pass) error {
			return expoPods(p, func(o *kube.Object, spec *corev1.PodSpec, prefix []string) {
				if spec.OS != nil && spec.OS.Name == corev1.Windows {
					return
				}
				check := func(base []string, who string, user, group *int64) {
					if user != nil && *user > 0 && *user <= expoLowID {
						p.Reportf(o.At(reliaPath(base, "runAsUser")...), "%s runs as UID %d, at or below %d", who, *user, expoLowID)
					}
					switch {
					case group == nil:
					case *group == 0:
						p.Reportf(o.At(reliaPath(base, "runAsGroup")...), "%s runs in the root group (runAsGroup: 0)", who)
					case *group <= expoLowID:
						p.Reportf(o.At(reliaPath(base, "runAsGroup")...), "%s runs as GID %d, at or below %d", who, *group, expoLowID)
					}
				}
				if sc := spec.SecurityContext; sc != nil {
					base := reliaPath(prefix, "securityContext")
					check(base, "pod", sc.RunAsUser, sc.RunAsGroup)
					if g := sc.FSGroup; g != nil {
						if *g == 0 {
							p.Reportf(o.At(reliaPath(base, "fsGroup")...), "pod's volumes are owned by the root group (fsGroup: 0)")
						} else if *g <= expoLowID {
							p.Reportf(o.At(reliaPath(base, "fsGroup")...), "pod's fsGroup %d is at or below %d", *g, expoLowID)
						}
					}
					for i, g := range sc.SupplementalGroups {
						if g == 0 {
							p.Reportf(o.At(reliaPath(base, "supplementalGroups", strconv.Itoa(i))...), "pod adds the root group to its supplementalGroups")
						}
					}
				}
				for _, c := range kube.Containers(o) {
					if sc := c.Container.SecurityContext; sc != nil {
						check(at(c, "securityContext"), containerWord(c), sc.RunAsUser, sc.RunAsGroup)
					}
				}
			})
		},
	}
}
