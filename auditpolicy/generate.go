package auditpolicy

import (
	"fmt"
	"strings"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// Options tune the generated policy.
type Options struct {
	// Level is the level of the last rule, which logs every request no
	// other rule decides (custom resources, API groups Kubernetes adds
	// later, other non-resource URLs). "" is Metadata; None is refused
	// by the command line, as unmatched requests would go unlogged.
	Level auditv1.Level
	// KeepManagedFields logs the managedFields of request and response
	// bodies (the generated policy omits them: they are large and tell
	// little).
	KeepManagedFields bool
}

// Generate writes a strong audit policy, the seed's extended (Metadata
// for Secrets and ConfigMaps, RequestResponse for pods/exec and
// pods/portforward) in the structure of the policy kube-up writes for GCE:
//
//  1. no events for narrow, high-volume and low-risk traffic: kube-proxy
//     watching endpoints and services, nodes reading themselves and
//     renewing their leases, leader election, Events, health checks;
//  2. Metadata for Secrets, ConfigMaps, service account tokens and
//     TokenReviews, whose bodies hold credentials;
//  3. RequestResponse for interactive access to pods, services and nodes
//     (exec, attach, port-forward, proxy, ephemeral containers), keeping
//     the ResponseStarted stage that long-running sessions are logged at
//     when they start;
//  4. Request for reads of the built-in API groups (their responses are
//     large);
//  5. RequestResponse for every other request to the built-in API groups:
//     writes, with the objects written (a pod's securityContext, a
//     RoleBinding's subjects);
//  6. the catch-all at Options.Level.
//
// RequestReceived is omitted policy-wide (every request would otherwise
// be logged twice); managed fields are omitted unless asked for. Every
// rule carries a comment saying what it is for.
func Generate(opts Options) []byte {
	level := opts.Level
	if level == "" {
		level = auditv1.LevelMetadata
	}
	var b strings.Builder
	b.WriteString(`# Kubernetes API server audit policy written by bulwark audit-policy generate.
# Give it to kube-apiserver with --audit-policy-file (see 'bulwark audit-policy
# generate --help'). The first rule that matches a request decides its level.
apiVersion: audit.k8s.io/v1
kind: Policy
# Every request would be logged twice, when received and when answered: only
# the answer (and the start of long-running requests) is kept.
omitStages:
  - RequestReceived
`)
	if !opts.KeepManagedFields {
		b.WriteString("# managedFields make bodies large and tell little.\nomitManagedFields: true\n")
	}
	b.WriteString(`rules:
  # 1. High-volume, low-risk traffic of the control plane: not logged.
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: ""
        resources: ["endpoints", "services", "services/status"]
      - group: "discovery.k8s.io"
        resources: ["endpointslices"]
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["get"]
    resources:
      - group: ""
        resources: ["nodes", "nodes/status"]
  # Node heartbeats and leader election.
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["get", "update"]
    namespaces: ["kube-node-lease"]
    resources:
      - group: "coordination.k8s.io"
        resources: ["leases"]
  - level: None
    users: ["system:kube-controller-manager", "system:kube-scheduler", "system:cloud-controller-manager"]
    verbs: ["get", "update"]
    namespaces: ["kube-system"]
    resources:
      - group: "coordination.k8s.io"
        resources: ["leases"]
      - group: ""
        resources: ["endpoints", "configmaps"]
  - level: None
    resources:
      - group: ""
        resources: ["events"]
      - group: "events.k8s.io"
        resources: ["events"]
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"]

  # 2. Credentials: who touched them, never their content (a body would copy
  #    the secret into the log).
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
      - group: "authentication.k8s.io"
        resources: ["tokenreviews"]

  # 3. Interactive access: exec, attach, port-forward, proxy and ephemeral
  #    containers, with the command line (in the URL) and the bodies. Their
  #    ResponseStarted event records the start of the session.
  - level: RequestResponse
    resources:
      - group: ""
        resources: ["pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "pods/ephemeralcontainers", "services/proxy", "nodes/proxy"]

  # 4. Reads of the built-in API groups: the request, not the (large) response.
  - level: Request
    verbs: ["get", "list", "watch"]
    resources:
`)
	groups := BuiltinGroups()
	writeGroups(&b, groups)
	b.WriteString(`
  # 5. Everything else on the built-in API groups (writes to workloads, RBAC,
  #    admission webhooks, CRDs, certificates...): the request and the response.
  - level: RequestResponse
    resources:
`)
	writeGroups(&b, groups)
	fmt.Fprintf(&b, `
  # 6. Everything else (custom resources, API groups added later, other URLs).
  - level: %s
`, level)
	return []byte(b.String())
}

func writeGroups(b *strings.Builder, groups []string) {
	for _, g := range groups {
		fmt.Fprintf(b, "      - group: %q\n", g)
	}
}
