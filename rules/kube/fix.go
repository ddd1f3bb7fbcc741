package kube

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// The fixes of the Pod Security rules fill in a field that is not set
// (absent or null). A value written explicitly (allowPrivilegeEscalation:
// true, runAsNonRoot: false, a seccomp profile) is a decision someone
// made and is left to a person, as is any field whose fix would make the
// API server refuse the pod or the kubelet refuse to start it.

// fixFunc builds the fix of one violation: path is the field the
// violation names, relative to the pod spec (pss.Violation.Paths), full
// the same from the object's root.
type fixFunc func(o *kube.Object, meta *metav1.ObjectMeta, spec *corev1.PodSpec, path, full []string) (finding.Fix, bool)

// fixSet returns a fix that sets the field at full to value.
func fixSet(o *kube.Object, title string, value any, full []string) (finding.Fix, bool) {
	e, ok := o.SetScalar(value, full...)
	if !ok {
		return finding.Fix{}, false
	}
	return finding.Fix{Title: title, Edits: []finding.Edit{e}}, true
}

// fixContainer returns the container a violation path starts with
// (["containers", "0", ...]), or nil for a pod-level path.
func fixContainer(spec *corev1.PodSpec, path []string) *corev1.Container {
	if len(path) < 2 {
		return nil
	}
	i, err := strconv.Atoi(path[1])
	if err != nil || i < 0 {
		return nil
	}
	switch path[0] {
	case "containers":
		if i < len(spec.Containers) {
			return &spec.Containers[i]
		}
	case "initContainers":
		if i < len(spec.InitContainers) {
			return &spec.InitContainers[i]
		}
	case "ephemeralContainers":
		if i < len(spec.EphemeralContainers) {
			c := corev1.Container(spec.EphemeralContainers[i].EphemeralContainerCommon)
			return &c
		}
	}
	return nil
}

// fixPodWritten reports whether the pod spec that path (relative to it)
// and full (from the object's root) name is written: a workload without
// one (a Kustomize patch that deletes it) is not given a pod spec.
func fixPodWritten(o *kube.Object, path, full []string) bool {
	return len(full) > len(path) && o.Has(full[:len(full)-len(path)]...)
}

// fixIs reports whether path ends with the fields want.
func fixIs(path []string, want ...string) bool {
	return len(path) >= len(want) && slices.Equal(path[len(path)-len(want):], want)
}

// fixAllowPrivilegeEscalation sets allowPrivilegeEscalation: false in a
// container that does not set it, unless the container is privileged or
// adds CAP_SYS_ADMIN: the API server refuses either with the field false.
func fixAllowPrivilegeEscalation(o *kube.Object, _ *metav1.ObjectMeta, spec *corev1.PodSpec, path, full []string) (finding.Fix, bool) {
	c := fixContainer(spec, path)
	if c == nil || len(path) != 4 || !fixIs(path, "securityContext", "allowPrivilegeEscalation") {
		return finding.Fix{}, false
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.AllowPrivilegeEscalation != nil || sc.Privileged != nil && *sc.Privileged {
			return finding.Fix{}, false
		}
		if sc.Capabilities != nil {
			for _, cp := range sc.Capabilities.Add {
				if strings.EqualFold(strings.TrimPrefix(strings.ToUpper(string(cp)), "CAP_"), "SYS_ADMIN") {
					return finding.Fix{}, false
				}
			}
		}
	}
	return fixSet(o, "Set securityContext.allowPrivilegeEscalation: false", false, full)
}

// fixDropAll adds ALL to a container's capabilities.drop.
func fixDropAll(o *kube.Object, _ *metav1.ObjectMeta, spec *corev1.PodSpec, path, full []string) (finding.Fix, bool) {
	if fixContainer(spec, path) == nil || len(path) != 5 || !fixIs(path, "securityContext", "capabilities", "drop") {
		return finding.Fix{}, false
	}
	e, ok := o.AddItem("ALL", full...)
	if !ok {
		return finding.Fix{}, false
	}
	return finding.Fix{Title: "Drop ALL capabilities (securityContext.capabilities.drop: [ALL])", Edits: []finding.Edit{e}}, true
}

// fixRunAsNonRoot sets runAsNonRoot: true where the violation names it
// missing: at the pod, or in a container. Never where the user in force
// is UID 0 (runAsUser: 0) or Windows' ContainerAdministrator: the kubelet
// would refuse to start the container.
func fixRunAsNonRoot(o *kube.Object, _ *metav1.ObjectMeta, spec *corev1.PodSpec, path, full []string) (finding.Fix, bool) {
	if !fixIs(path, "securityContext", "runAsNonRoot") {
		return finding.Fix{}, false
	}
	psc := spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	root := func(c *corev1.Container) bool {
		uid, user := psc.RunAsUser, ""
		if psc.WindowsOptions != nil && psc.WindowsOptions.RunAsUserName != nil {
			user = *psc.WindowsOptions.RunAsUserName
		}
		if sc := c.SecurityContext; sc != nil {
			if sc.RunAsUser != nil {
				uid = sc.RunAsUser
			}
			if sc.WindowsOptions != nil && sc.WindowsOptions.RunAsUserName != nil {
				user = *sc.WindowsOptions.RunAsUserName
			}
		}
		return uid != nil && *uid == 0 || strings.EqualFold(user, "ContainerAdministrator")
	}
	if len(path) == 2 {
		if psc.RunAsNonRoot != nil || !fixPodWritten(o, path, full) {
			return finding.Fix{}, false
		}
		for _, list := range [][]corev1.Container{spec.Containers, spec.InitContainers} {
			for i := range list {
				if root(&list[i]) {
					return finding.Fix{}, false
				}
			}
		}
		for i := range spec.EphemeralContainers {
			c := corev1.Container(spec.EphemeralContainers[i].EphemeralContainerCommon)
			if root(&c) {
				return finding.Fix{}, false
			}
		}
		if psc.RunAsUser != nil && *psc.RunAsUser == 0 {
			return finding.Fix{}, false
		}
		return fixSet(o, "Set securityContext.runAsNonRoot: true for the pod", true, full)
	}
	c := fixContainer(spec, path)
	if c == nil || len(path) != 4 || c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil || root(c) {
		return finding.Fix{}, false
	}
	return fixSet(o, "Set securityContext.runAsNonRoot: true", true, full)
}

// seccompAnnotation is the prefix of the seccomp annotations older
// manifests use; the API server requires a profile field to agree with
// them.
const seccompAnnotation = "seccomp.security.alpha.kubernetes.io/"

// fixSeccomp sets seccompProfile.type: RuntimeDefault where the violation
// names it missing (at the pod, or in a container), when no seccompProfile
// is written there and the pod has no seccomp annotation.
func fixSeccomp(o *kube.Object, meta *metav1.ObjectMeta, spec *corev1.PodSpec, path, full []string) (finding.Fix, bool) {
	if !fixIs(path, "securityContext", "seccompProfile", "type") {
		return finding.Fix{}, false
	}
	if meta != nil {
		for k := range meta.Annotations {
			if strings.HasPrefix(k, seccompAnnotation) || strings.HasPrefix(k, "container."+seccompAnnotation) {
				return finding.Fix{}, false
			}
		}
	}
	if spec.OS != nil && spec.OS.Name == corev1.Windows {
		return finding.Fix{}, false
	}
	if len(path) == 3 {
		if spec.SecurityContext != nil && spec.SecurityContext.SeccompProfile != nil || !fixPodWritten(o, path, full) {
			return finding.Fix{}, false
		}
		return fixSet(o, "Set securityContext.seccompProfile.type: RuntimeDefault for the pod", "RuntimeDefault", full)
	}
	c := fixContainer(spec, path)
	if c == nil || len(path) != 5 || c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil {
		return finding.Fix{}, false
	}
	return fixSet(o, "Set securityContext.seccompProfile.type: RuntimeDefault", "RuntimeDefault", full)
}

// fixAutomount sets automountServiceAccountToken: false in a pod spec
// that does not set it, when the pod runs as the default service account
// and no binding of the file grants that account anything: a pod whose
// account holds permissions is likely to call the API, and would lose its
// token.
func fixAutomount(f *kube.File, o *kube.Object, spec *corev1.PodSpec, prefix []string) (finding.Fix, bool) {
	if spec.AutomountServiceAccountToken != nil || serviceAccountOf(spec) != "default" || fixAccountBound(f, o.Namespace, "default") || !o.Has(prefix...) {
		return finding.Fix{}, false
	}
	return fixSet(o, "Set automountServiceAccountToken: false", false, append(append([]string(nil), prefix...), "automountServiceAccountToken"))
}

// fixAccountBound reports whether a RoleBinding or ClusterRoleBinding of
// the file names the service account.
func fixAccountBound(f *kube.File, namespace, name string) bool {
	for _, o := range f.Objects {
		var subjects []rbacv1.Subject
		switch b := o.Typed.(type) {
		case *rbacv1.RoleBinding:
			subjects = b.Subjects
		case *rbacv1.ClusterRoleBinding:
			subjects = b.Subjects
		default:
			continue
		}
		for _, s := range subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Name == name && (s.Namespace == "" || namespace == "" || s.Namespace == namespace) {
				return true
			}
		}
	}
	return false
}
