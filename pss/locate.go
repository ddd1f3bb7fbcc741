package pss

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/policy"
)

// A locator returns the field paths that make the check function fn fail
// on the pod. It runs only on a pod fn has failed.
//
// Locators never copy the upstream allow-lists (capabilities, sysctls,
// SELinux types, seccomp and AppArmor values, volume types, proc mounts):
// where a check judges a value, the locator asks fn itself about that value
// alone, by running it on a minimal pod that holds only that value (plus the
// pod's OS and hostUsers, which switch some checks off). The version-specific
// allow-lists are thus the evaluator's own. Presence checks (a flag set to
// true, a field left unset) are read directly.
type locator func(fn policy.CheckPodFn, meta *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string

// locators maps each upstream check ID to its locator.
var locators = map[policy.CheckID]locator{
	"allowPrivilegeEscalation":   locateAllowPrivilegeEscalation,
	"appArmorProfile":            locateAppArmor,
	"capabilities_baseline":      locateCapabilitiesBaseline,
	"capabilities_restricted":    locateCapabilitiesRestricted,
	"hostNamespaces":             locateHostNamespaces,
	"hostPathVolumes":            locateHostPathVolumes,
	"hostPorts":                  locateHostPorts,
	"hostProbesAndHostLifecycle": locateProbeHosts,
	"privileged":                 locatePrivileged,
	"procMount":                  locateProcMount,
	"procMount_restricted":       locateProcMount,
	"restrictedVolumes":          locateRestrictedVolumes,
	"runAsNonRoot":               locateRunAsNonRoot,
	"runAsUser":                  locateRunAsUser,
	"seLinuxOptions":             locateSELinux,
	"seccompProfile_baseline":    locateSeccompBaseline,
	"seccompProfile_restricted":  locateSeccompRestricted,
	"sysctls":                    locateSysctls,
	"windowsHostProcess":         locateWindowsHostProcess,
}

// locate returns the paths for a failed check; a check without a locator
// (one added upstream after this package was written) gets the empty path,
// the pod spec itself.
func locate(id policy.CheckID, fn policy.CheckPodFn, meta *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	if l, ok := locators[id]; ok {
		if paths := l(fn, meta, spec); len(paths) > 0 {
			return paths
		}
	}
	return [][]string{{}}
}

// containerRef is a container with its path, in the order Pod Security
// Admission visits them: init containers, containers, ephemeral containers.
type containerRef struct {
	path []string
	c    *corev1.Container
}

func containers(spec *corev1.PodSpec) []containerRef {
	refs := make([]containerRef, 0, len(spec.InitContainers)+len(spec.Containers)+len(spec.EphemeralContainers))
	for i := range spec.InitContainers {
		refs = append(refs, containerRef{[]string{"initContainers", strconv.Itoa(i)}, &spec.InitContainers[i]})
	}
	for i := range spec.Containers {
		refs = append(refs, containerRef{[]string{"containers", strconv.Itoa(i)}, &spec.Containers[i]})
	}
	for i := range spec.EphemeralContainers {
		c := (*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon)
		refs = append(refs, containerRef{[]string{"ephemeralContainers", strconv.Itoa(i)}, c})
	}
	return refs
}

// at returns base followed by rest, in a new slice.
func at(base []string, rest ...string) []string {
	return append(slices.Clip(base), rest...)
}

// bare returns an empty pod spec carrying the fields that switch checks off
// (the OS for Windows exemptions, hostUsers for user namespaces).
func bare(spec *corev1.PodSpec) *corev1.PodSpec {
	return &corev1.PodSpec{OS: spec.OS, HostUsers: spec.HostUsers}
}

// withPodContext returns bare(spec) with the pod security context sc.
func withPodContext(spec *corev1.PodSpec, sc *corev1.PodSecurityContext) *corev1.PodSpec {
	p := bare(spec)
	p.SecurityContext = sc
	return p
}

// withContainer returns bare(spec) with one container whose security
// context is sc.
func withContainer(spec *corev1.PodSpec, sc *corev1.SecurityContext) *corev1.PodSpec {
	p := bare(spec)
	p.Containers = []corev1.Container{{Name: "c", SecurityContext: sc}}
	return p
}

// fails reports whether fn rejects the pod.
func fails(fn policy.CheckPodFn, meta *metav1.ObjectMeta, spec *corev1.PodSpec) bool {
	if meta == nil {
		meta = &metav1.ObjectMeta{}
	}
	return !fn(meta, spec).Allowed
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// failingAnnotations returns the paths of the annotations that fn rejects on
// their own, on the pod spec given.
func failingAnnotations(fn policy.CheckPodFn, meta *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	for _, k := range sortedKeys(meta.Annotations) {
		one := &metav1.ObjectMeta{Annotations: map[string]string{k: meta.Annotations[k]}}
		if fails(fn, one, spec) {
			paths = append(paths, []string{"metadata", "annotations", k})
		}
	}
	return paths
}

func isTrue(b *bool) bool { return b != nil && *b }

func locateAllowPrivilegeEscalation(_ policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	for _, r := range containers(spec) {
		sc := r.c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			paths = append(paths, at(r.path, "securityContext", "allowPrivilegeEscalation"))
		}
	}
	return paths
}

func locateAppArmor(fn policy.CheckPodFn, meta *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	if sc := spec.SecurityContext; sc != nil && sc.AppArmorProfile != nil &&
		fails(fn, nil, withPodContext(spec, &corev1.PodSecurityContext{AppArmorProfile: sc.AppArmorProfile})) {
		paths = append(paths, []string{"securityContext", "appArmorProfile", "type"})
	}
	for _, r := range containers(spec) {
		if sc := r.c.SecurityContext; sc != nil && sc.AppArmorProfile != nil &&
			fails(fn, nil, withContainer(spec, &corev1.SecurityContext{AppArmorProfile: sc.AppArmorProfile})) {
			paths = append(paths, at(r.path, "securityContext", "appArmorProfile", "type"))
		}
	}
	return append(paths, failingAnnotations(fn, meta, bare(spec))...)
}

func locateCapabilitiesBaseline(fn policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	for _, r := range containers(spec) {
		sc := r.c.SecurityContext
		if sc == nil || sc.Capabilities == nil {
			continue
		}
		for j, c := range sc.Capabilities.Add {
			one := &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{c}}}
			if fails(fn, nil, withContainer(spec, one)) {
				paths = append(paths, at(r.path, "securityContext", "capabilities", "add", strconv.Itoa(j)))
			}
		}
	}
	return paths
}

func locateCapabilitiesRestricted(fn policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var drops, adds [][]string
	for _, r := range containers(spec) {
		drop := at(r.path, "securityContext", "capabilities", "drop")
		sc := r.c.SecurityContext
		if sc == nil || sc.Capabilities == nil {
			drops = append(drops, drop)
			continue
		}
		onlyDrop := &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Drop: sc.Capabilities.Drop}}
		if fails(fn, nil, withContainer(spec, onlyDrop)) {
			drops = append(drops, drop)
		}
		for j, c := range sc.Capabilities.Add {
			one := &corev1.SecurityContext{Capabilities: &corev1.Capabilities{
				Drop: []corev1.Capability{"ALL"},
				Add:  []corev1.Capability{c},
			}}
			if fails(fn, nil, withContainer(spec, one)) {
				adds = append(adds, at(r.path, "securityContext", "capabilities", "add", strconv.Itoa(j)))
			}
		}
	}
	// The detail names the missing drops first, then the additions.
	return append(drops, adds...)
}

func locateHostNamespaces(_ policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	if spec.HostNetwork {
		paths = append(paths, []string{"hostNetwork"})
	}
	if spec.HostPID {
		paths = append(paths, []string{"hostPID"})
	}
	if spec.HostIPC {
		paths = append(paths, []string{"hostIPC"})
	}
	return paths
}

func locateHostPathVolumes(_ policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	for i, v := range spec.Volumes {
		if v.HostPath != nil {
			paths = append(paths, []string{"volumes", strconv.Itoa(i), "hostPath"})
		}
	}
	return paths
}

func locateHostPorts(_ policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	for _, r := range containers(spec) {
		for j, p := range r.c.Ports {
			if p.HostPort != 0 {
				paths = append(paths, at(r.path, "ports", strconv.Itoa(j), "hostPort"))
			}
		}
	}
	return paths
}

func locateProbeHosts(_ policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	handler := func(base []string, h *corev1.HTTPGetAction, t *corev1.TCPSocketAction) {
		if h != nil && h.Host != "" {
			paths = append(paths, at(base, "httpGet", "host"))
		}
		if t != nil && t.Host != "" {
			paths = append(paths, at(base, "tcpSocket", "host"))
		}
	}
	for _, r := range containers(spec) {
		for _, p := range []struct {
			name  string
			probe *corev1.Probe
		}{{"livenessProbe", r.c.LivenessProbe}, {"readinessProbe", r.c.ReadinessProbe}, {"startupProbe", r.c.StartupProbe}} {
			if p.probe != nil {
				handler(at(r.path, p.name), p.probe.HTTPGet, p.probe.TCPSocket)
			}
		}
		if lc := r.c.Lifecycle; lc != nil {
			for _, h := range []struct {
				name    string
				handler *corev1.LifecycleHandler
			}{{"postStart", lc.PostStart}, {"preStop", lc.PreStop}} {
				if h.handler != nil {
					handler(at(r.path, "lifecycle", h.name), h.handler.HTTPGet, h.handler.TCPSocket)
				}
			}
		}
	}
	return paths
}

func locatePrivileged(_ policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	for _, r := range containers(spec) {
		if sc := r.c.SecurityContext; sc != nil && isTrue(sc.Privileged) {
			paths = append(paths, at(r.path, "securityContext", "privileged"))
		}
	}
	return paths
}

func locateProcMount(fn policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	for _, r := range containers(spec) {
		if sc := r.c.SecurityContext; sc != nil && sc.ProcMount != nil &&
			fails(fn, nil, withContainer(spec, &corev1.SecurityContext{ProcMount: sc.ProcMount})) {
			paths = append(paths, at(r.path, "securityContext", "procMount"))
		}
	}
	return paths
}

func locateRestrictedVolumes(fn policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	for i, v := range spec.Volumes {
		one := bare(spec)
		one.Volumes = []corev1.Volume{v}
		if !fails(fn, nil, one) {
			continue
		}
		p := []string{"volumes", strconv.Itoa(i)}
		if name := volumeSourceField(&v.VolumeSource); name != "" {
			p = append(p, name)
		}
		paths = append(paths, p)
	}
	return paths
}

// volumeSourceField returns the JSON name of the first source set in vs
// ("hostPath", "nfs", ...), or "" when none is.
func volumeSourceField(vs *corev1.VolumeSource) string {
	v := reflect.ValueOf(vs).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			return name
		}
	}
	return ""
}

// locateRunAsNonRoot names explicit runAsNonRoot=false settings first. A
// container that leaves the field unset while the pod does not set it to
// true is named by the pod-level field when no container sets the field
// (the one-line fix), or else by its own field.
func locateRunAsNonRoot(_ policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	podField := []string{"securityContext", "runAsNonRoot"}
	var explicit, implicit [][]string
	podSet, podTrue := false, false
	if sc := spec.SecurityContext; sc != nil && sc.RunAsNonRoot != nil {
		podSet, podTrue = true, *sc.RunAsNonRoot
		if !podTrue {
			explicit = append(explicit, podField)
		}
	}
	anyContainerSets := false
	for _, r := range containers(spec) {
		field := at(r.path, "securityContext", "runAsNonRoot")
		if sc := r.c.SecurityContext; sc != nil && sc.RunAsNonRoot != nil {
			anyContainerSets = true
			if !*sc.RunAsNonRoot {
				explicit = append(explicit, field)
			}
		} else if !podTrue {
			implicit = append(implicit, field)
		}
	}
	switch {
	case podSet:
		// true covers every unset container; false is named already and
		// fixing it covers them too.
		implicit = nil
	case len(implicit) > 0 && !anyContainerSets:
		implicit = [][]string{podField}
	}
	return append(explicit, implicit...)
}

func locateRunAsUser(_ policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	if sc := spec.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		paths = append(paths, []string{"securityContext", "runAsUser"})
	}
	for _, r := range containers(spec) {
		if sc := r.c.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			paths = append(paths, at(r.path, "securityContext", "runAsUser"))
		}
	}
	return paths
}

func locateSELinux(fn policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	// check returns the seLinuxOptions fields under base that fail alone;
	// probe builds a pod holding only the given options.
	check := func(base []string, o *corev1.SELinuxOptions, probe func(*corev1.SELinuxOptions) *corev1.PodSpec) {
		for _, f := range []struct {
			name string
			opts corev1.SELinuxOptions
		}{
			{"user", corev1.SELinuxOptions{User: o.User}},
			{"role", corev1.SELinuxOptions{Role: o.Role}},
			{"type", corev1.SELinuxOptions{Type: o.Type}},
			{"level", corev1.SELinuxOptions{Level: o.Level}},
		} {
			if fails(fn, nil, probe(&f.opts)) {
				paths = append(paths, at(base, "seLinuxOptions", f.name))
			}
		}
	}
	if sc := spec.SecurityContext; sc != nil && sc.SELinuxOptions != nil {
		check([]string{"securityContext"}, sc.SELinuxOptions, func(o *corev1.SELinuxOptions) *corev1.PodSpec {
			return withPodContext(spec, &corev1.PodSecurityContext{SELinuxOptions: o})
		})
	}
	for _, r := range containers(spec) {
		if sc := r.c.SecurityContext; sc != nil && sc.SELinuxOptions != nil {
			check(at(r.path, "securityContext"), sc.SELinuxOptions, func(o *corev1.SELinuxOptions) *corev1.PodSpec {
				return withContainer(spec, &corev1.SecurityContext{SELinuxOptions: o})
			})
		}
	}
	return paths
}

// explicitSeccomp returns the seccompProfile.type fields, pod and
// containers, that fn rejects on their own.
func explicitSeccomp(fn policy.CheckPodFn, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	if sc := spec.SecurityContext; sc != nil && sc.SeccompProfile != nil &&
		fails(fn, nil, withPodContext(spec, &corev1.PodSecurityContext{SeccompProfile: sc.SeccompProfile})) {
		paths = append(paths, []string{"securityContext", "seccompProfile", "type"})
	}
	for _, r := range containers(spec) {
		if sc := r.c.SecurityContext; sc != nil && sc.SeccompProfile != nil &&
			fails(fn, nil, withContainer(spec, &corev1.SecurityContext{SeccompProfile: sc.SeccompProfile})) {
			paths = append(paths, at(r.path, "securityContext", "seccompProfile", "type"))
		}
	}
	return paths
}

// locateSeccompBaseline covers both versions of the check: the alpha
// annotations (before v1.19) and the seccompProfile fields (v1.19 on). The
// container annotations are keyed by container name, so they are probed on
// a pod that has the containers' names and nothing else.
func locateSeccompBaseline(fn policy.CheckPodFn, meta *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	names := bare(spec)
	for _, r := range containers(spec) {
		names.Containers = append(names.Containers, corev1.Container{Name: r.c.Name})
	}
	return append(explicitSeccomp(fn, spec), failingAnnotations(fn, meta, names)...)
}

// locateSeccompRestricted names rejected profiles first; containers left
// without a profile while the pod sets none are named like in
// locateRunAsNonRoot.
func locateSeccompRestricted(fn policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	paths := explicitSeccomp(fn, spec)
	if sc := spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		// The pod sets a profile: a valid one covers every container, a
		// rejected one is named already.
		return paths
	}
	var implicit [][]string
	anyContainerSets := false
	for _, r := range containers(spec) {
		if sc := r.c.SecurityContext; sc != nil && sc.SeccompProfile != nil {
			anyContainerSets = true
		} else {
			implicit = append(implicit, at(r.path, "securityContext", "seccompProfile", "type"))
		}
	}
	if len(implicit) > 0 && !anyContainerSets {
		implicit = [][]string{{"securityContext", "seccompProfile", "type"}}
	}
	return append(paths, implicit...)
}

func locateSysctls(fn policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	if spec.SecurityContext == nil {
		return nil
	}
	for j, s := range spec.SecurityContext.Sysctls {
		one := &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{s}}
		if fails(fn, nil, withPodContext(spec, one)) {
			paths = append(paths, []string{"securityContext", "sysctls", strconv.Itoa(j), "name"})
		}
	}
	return paths
}

func locateWindowsHostProcess(_ policy.CheckPodFn, _ *metav1.ObjectMeta, spec *corev1.PodSpec) [][]string {
	var paths [][]string
	if sc := spec.SecurityContext; sc != nil && sc.WindowsOptions != nil && isTrue(sc.WindowsOptions.HostProcess) {
		paths = append(paths, []string{"securityContext", "windowsOptions", "hostProcess"})
	}
	for _, r := range containers(spec) {
		if sc := r.c.SecurityContext; sc != nil && sc.WindowsOptions != nil && isTrue(sc.WindowsOptions.HostProcess) {
			paths = append(paths, at(r.path, "securityContext", "windowsOptions", "hostProcess"))
		}
	}
	return paths
}
