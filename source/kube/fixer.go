package kube

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/container"
)

// specFixer edits a workload's manifest for the fixes of the runtime
// rules (container.Fixer).
type specFixer struct {
	o   *Object
	pod *corev1.PodSpec
	c   Container
}

var _ container.Fixer = specFixer{}

// ReadOnlyRootfs sets securityContext.readOnlyRootFilesystem: true in the
// container when it is not set. A Windows pod gets no fix: the API server
// refuses the field there.
func (f specFixer) ReadOnlyRootfs() (finding.Fix, bool) {
	if sc := f.c.Container.SecurityContext; sc != nil && sc.ReadOnlyRootFilesystem != nil {
		return finding.Fix{}, false
	}
	if f.pod == nil || f.pod.OS != nil && f.pod.OS.Name == corev1.Windows {
		return finding.Fix{}, false
	}
	e, ok := f.o.SetScalar(true, cat(f.c.Path, []string{"securityContext", "readOnlyRootFilesystem"})...)
	if !ok {
		return finding.Fix{}, false
	}
	return finding.Fix{Title: "Set securityContext.readOnlyRootFilesystem: true", Edits: []finding.Edit{e}}, true
}
