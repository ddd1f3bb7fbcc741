package container

import (
	"github.com/bulwark-sec/bulwark/rule"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// kubeRemedies are the remediations of runtime rules in Kubernetes terms,
// by rule ID: a finding on a Kubernetes container tells the user which
// manifest field to write, not which docker run flag.
var kubeRemedies = map[string]string{
	"RC002": "Remove ALL from securityContext.capabilities.add; drop ALL and add back only the capabilities the container needs.",
	"RC007": "Set securityContext.readOnlyRootFilesystem: true, as the seed's secure pod does, and mount an emptyDir at each path the application writes (/tmp, caches).",
	"RC020": "Remove the hostPath volume of the engine's socket; if the workload must see containers, give it a proxy that allows only the API calls it needs, or read the kubelet or metrics API instead.",
	"RC021": "Replace the hostPath volume with a configMap, secret, emptyDir or persistentVolumeClaim; if the workload needs the host path, mount it with readOnly: true.",
	"RC022": "Replace the hostPath volume with a configMap, secret, emptyDir or persistentVolumeClaim; for a node agent that needs the host's view, suppress the finding with the reason.",
	"RC023": "Remove mountPropagation: Bidirectional from the volume mount (HostToContainer at most); only privileged node agents need it.",
	"RC026": "Set resources.limits.memory on every container, as the seed's secure pod does (limits: memory: 512Mi); a LimitRange can give a namespace a default.",
	"RC028": "Set resources.limits.cpu on every container, as the seed's secure pod does (limits: cpu: 500m); a LimitRange can give a namespace a default.",
	"RC030": "Remove hostPort and reach the container through a Service; ports below 1024 inside the pod need only NET_BIND_SERVICE.",
	"RC031": "Remove hostPort and reach the container through a Service, or set hostIP to the one node address it should listen on.",
	"RC035": "Set the container's image to a version tag (nginx:1.27.3) or a digest (nginx@sha256:...) and update it deliberately.",
	"RC036": "Keep the credential in a Secret mounted as a file (a secret volume, with a *_FILE variable naming the path) or injected by an external store such as Vault Agent (vault.hashicorp.com/agent-inject annotations); valueFrom.secretKeyRef or envFrom at least keep it out of the manifest.",
}

// forKube wraps a check so that its findings on Kubernetes containers carry
// the rule's Kubernetes remediation. The containers of one file all come
// from the same source.
func forKube(check func(*rule.Pass) error, remedy string) func(*rule.Pass) error {
	return func(p *rule.Pass) error {
		f, ok := p.Target.(*ct.File)
		if !ok || len(f.Specs) == 0 || f.Specs[0] == nil || f.Specs[0].Source != ct.SourceKube {
			return check(p)
		}
		orig := p.Rule
		r := *orig
		r.Remediation = remedy
		p.Rule = &r
		defer func() { p.Rule = orig }()
		return check(p)
	}
}
