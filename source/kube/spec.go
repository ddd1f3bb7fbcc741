package kube

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/source/container"
)

// ContainerFile returns the file's workload containers as container specs,
// with the file's suppressions, for the runtime rules.
func (f *File) ContainerFile() *container.File {
	cf := &container.File{Path: f.Path, Directives: f.Directives}
	for _, o := range f.Objects {
		cf.Specs = append(cf.Specs, Specs(o)...)
	}
	return cf
}

// Specs returns one runtime-neutral spec per container of a workload
// (containers, init containers, ephemeral containers), or nil for other
// objects.
//
// As for Compose, a manifest states only what it writes: a setting is Set
// when the manifest writes it, at the container's or the pod's level (a
// container's value wins), and its location is where it is written. The
// mapping:
//
//   - privileged, readOnlyRootFilesystem, capabilities add and drop, and
//     image are the container's own. In a Windows pod (spec.os.name
//     windows), where the API server refuses readOnlyRootFilesystem,
//     ReadOnlyRootfs is Unknown.
//   - User is runAsUser (with runAsGroup as "uid:gid"). runAsNonRoot: true
//     without a runAsUser gives a User that is Set but Unknown: Kubernetes
//     refuses to start the container as root, yet the user is not known.
//   - SecurityOpt: allowPrivilegeEscalation false is "no-new-privileges"
//     (true is "no-new-privileges:false"); seccompProfile (or the old
//     seccomp annotations) is "seccomp=unconfined", "seccomp=runtime/default"
//     or "seccomp=localhost/PROFILE"; appArmorProfile (or the AppArmor
//     annotation) likewise "apparmor=..."; each seLinuxOptions field is
//     "label=user:X", "label=role:X", "label=type:X", "label=level:X";
//     procMount Unmasked is "systempaths=unconfined".
//   - Memory and NanoCPUs are resources.limits. With a memory limit,
//     MemorySwap equals it: Kubernetes gives containers no swap unless a
//     node is set up for it. PidsLimit is never set (Kubernetes limits
//     PIDs per pod on each node, not in manifests).
//   - NetworkMode, PidMode and IpcMode are "host" for hostNetwork, hostPID
//     and hostIPC.
//   - Mounts are the container's volumeMounts: a hostPath volume is a
//     "bind" of the host path (with subPath), readOnly and
//     mountPropagation (Bidirectional is "rshared", HostToContainer
//     "rslave"); an emptyDir in memory is a "tmpfs" (and a Tmpfs entry);
//     other volumes are a "volume" named after the volume.
//   - Ports are the ports with a hostPort: they are bound on the node.
//   - Env is env: a literal value, or FromVariable for valueFrom and for
//     values that refer to other variables with $(NAME).
func Specs(o *Object) []*container.Spec {
	meta, pod, prefix, ok := PodSpecOf(o)
	if !ok {
		return nil
	}
	var out []*container.Spec
	for _, c := range Containers(o) {
		b := &specBuilder{o: o, pod: pod, prefix: prefix, metaPath: TemplateMetaPath(o), c: c}
		b.annotations = meta.Annotations
		out = append(out, b.build())
	}
	return out
}

// specBuilder builds the spec of one container.
type specBuilder struct {
	o           *Object
	pod         *corev1.PodSpec
	prefix      []string
	metaPath    []string
	annotations map[string]string
	c           Container
	s           *container.Spec
}

// cat joins field paths.
func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// at locates a field of the container.
func (b *specBuilder) at(p ...string) finding.Location { return b.o.At(cat(b.c.Path, p)...) }

// podAt locates a field of the pod spec.
func (b *specBuilder) podAt(p ...string) finding.Location { return b.o.At(cat(b.prefix, p)...) }

// annotationAt locates an annotation of the pod template.
func (b *specBuilder) annotationAt(key string) finding.Location {
	return b.o.At(cat(b.metaPath, []string{"annotations", key})...)
}

func (b *specBuilder) build() *container.Spec {
	c := b.c.Container
	b.s = &container.Spec{Name: describe(b.o, b.c), Source: Source, Loc: b.at(), Fixer: specFixer{o: b.o, pod: b.pod, c: b.c}}
	s := b.s
	if c.Image != "" || b.o.Has(cat(b.c.Path, []string{"image"})...) {
		s.Image = container.Str{Value: c.Image, Set: true, Loc: b.at("image")}
	}
	sc := c.SecurityContext
	if sc != nil {
		if sc.Privileged != nil {
			s.Privileged = container.Bool{Value: *sc.Privileged, Set: true, Loc: b.at("securityContext", "privileged")}
		}
		if sc.ReadOnlyRootFilesystem != nil {
			s.ReadOnlyRootfs = container.Bool{Value: *sc.ReadOnlyRootFilesystem, Set: true, Loc: b.at("securityContext", "readOnlyRootFilesystem")}
		}
		if caps := sc.Capabilities; caps != nil {
			for i, v := range caps.Add {
				s.CapAdd = append(s.CapAdd, container.Str{Value: string(v), Set: true, Loc: b.at("securityContext", "capabilities", "add", strconv.Itoa(i))})
			}
			for i, v := range caps.Drop {
				s.CapDrop = append(s.CapDrop, container.Str{Value: string(v), Set: true, Loc: b.at("securityContext", "capabilities", "drop", strconv.Itoa(i))})
			}
		}
		if v := sc.AllowPrivilegeEscalation; v != nil {
			opt := "no-new-privileges"
			if *v {
				opt = "no-new-privileges:false"
			}
			b.opt(opt, b.at("securityContext", "allowPrivilegeEscalation"))
		}
	}
	if b.pod.OS != nil && b.pod.OS.Name == corev1.Windows {
		// A Windows pod has no read-only root: the API server refuses the
		// field there, so whether the root is writable is not the
		// manifest's to say.
		s.ReadOnlyRootfs = container.Bool{Unknown: true, Loc: s.Loc}
	}
	b.user()
	b.seccomp()
	b.apparmor()
	b.selinux()
	if sc != nil && sc.ProcMount != nil && *sc.ProcMount == corev1.UnmaskedProcMount {
		b.opt("systempaths=unconfined", b.at("securityContext", "procMount"))
	}
	b.resources()
	if b.pod.HostNetwork {
		s.NetworkMode = container.Str{Value: "host", Set: true, Loc: b.podAt("hostNetwork")}
	}
	if b.pod.HostPID {
		s.PidMode = container.Str{Value: "host", Set: true, Loc: b.podAt("hostPID")}
	}
	if b.pod.HostIPC {
		s.IpcMode = container.Str{Value: "host", Set: true, Loc: b.podAt("hostIPC")}
	}
	b.mounts()
	for i, p := range c.Ports {
		if p.HostPort == 0 {
			continue
		}
		s.Ports = append(s.Ports, container.Port{
			HostIP: p.HostIP, HostPort: strconv.Itoa(int(p.HostPort)), ContainerPort: strconv.Itoa(int(p.ContainerPort)),
			Protocol: protocol(p.Protocol), Loc: b.at("ports", strconv.Itoa(i)),
		})
	}
	b.env()
	return s
}

func (b *specBuilder) opt(v string, loc finding.Location) {
	b.s.SecurityOpt = append(b.s.SecurityOpt, container.Str{Value: v, Set: true, Loc: loc})
}

func protocol(p corev1.Protocol) string {
	if p == "" {
		return "tcp"
	}
	return strings.ToLower(string(p))
}

// user sets User from runAsUser and runAsGroup, the container's winning
// over the pod's.
func (b *specBuilder) user() {
	sc, psc := b.c.Container.SecurityContext, b.pod.SecurityContext
	var uid, gid *int64
	var uidAt, nonRootAt finding.Location
	var nr *bool
	if psc != nil {
		if psc.RunAsUser != nil {
			uid, uidAt = psc.RunAsUser, b.podAt("securityContext", "runAsUser")
		}
		gid = psc.RunAsGroup
		if psc.RunAsNonRoot != nil {
			nr, nonRootAt = psc.RunAsNonRoot, b.podAt("securityContext", "runAsNonRoot")
		}
	}
	if sc != nil {
		if sc.RunAsUser != nil {
			uid, uidAt = sc.RunAsUser, b.at("securityContext", "runAsUser")
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
		if sc.RunAsNonRoot != nil {
			nr, nonRootAt = sc.RunAsNonRoot, b.at("securityContext", "runAsNonRoot")
		}
	}
	switch {
	case uid != nil:
		v := strconv.FormatInt(*uid, 10)
		if gid != nil {
			v += ":" + strconv.FormatInt(*gid, 10)
		}
		b.s.User = container.Str{Value: v, Set: true, Loc: uidAt}
	case nr != nil && *nr:
		b.s.User = container.Str{Set: true, Unknown: true, Loc: nonRootAt}
	}
}

// profileOption writes a seccomp or AppArmor profile type (Unconfined,
// RuntimeDefault, Localhost; the same names for both) as the Docker-style
// security option the container spec holds.
func profileOption(kind, typ string, localhost *string) string {
	switch typ {
	case "Unconfined":
		return kind + "=unconfined"
	case "RuntimeDefault":
		return kind + "=runtime/default"
	case "Localhost":
		prof := ""
		if localhost != nil {
			prof = *localhost
		}
		return kind + "=localhost/" + prof
	}
	return kind + "=" + typ
}

// seccomp adds the seccomp profile: the container's field, the pod's, then
// the deprecated annotations.
func (b *specBuilder) seccomp() {
	sc, psc := b.c.Container.SecurityContext, b.pod.SecurityContext
	field := func(p *corev1.SeccompProfile, loc finding.Location) {
		b.opt(profileOption("seccomp", string(p.Type), p.LocalhostProfile), loc)
	}
	switch {
	case sc != nil && sc.SeccompProfile != nil:
		field(sc.SeccompProfile, b.at("securityContext", "seccompProfile", "type"))
		return
	case psc != nil && psc.SeccompProfile != nil:
		field(psc.SeccompProfile, b.podAt("securityContext", "seccompProfile", "type"))
		return
	}
	for _, key := range []string{corev1.SeccompContainerAnnotationKeyPrefix + b.c.Name(), corev1.SeccompPodAnnotationKey} {
		if v, ok := b.annotations[key]; ok {
			if v == corev1.DeprecatedSeccompProfileDockerDefault {
				v = corev1.SeccompProfileRuntimeDefault
			}
			b.opt("seccomp="+v, b.annotationAt(key))
			return
		}
	}
}

// apparmor adds the AppArmor profile: the container's field, the pod's,
// then the annotation.
func (b *specBuilder) apparmor() {
	sc, psc := b.c.Container.SecurityContext, b.pod.SecurityContext
	field := func(p *corev1.AppArmorProfile, loc finding.Location) {
		b.opt(profileOption("apparmor", string(p.Type), p.LocalhostProfile), loc)
	}
	switch {
	case sc != nil && sc.AppArmorProfile != nil:
		field(sc.AppArmorProfile, b.at("securityContext", "appArmorProfile", "type"))
		return
	case psc != nil && psc.AppArmorProfile != nil:
		field(psc.AppArmorProfile, b.podAt("securityContext", "appArmorProfile", "type"))
		return
	}
	key := corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + b.c.Name()
	if v, ok := b.annotations[key]; ok {
		b.opt("apparmor="+v, b.annotationAt(key))
	}
}

// selinux adds the SELinux options, the container's replacing the pod's.
func (b *specBuilder) selinux() {
	sc, psc := b.c.Container.SecurityContext, b.pod.SecurityContext
	var opts *corev1.SELinuxOptions
	var base func(p ...string) finding.Location
	switch {
	case sc != nil && sc.SELinuxOptions != nil:
		opts, base = sc.SELinuxOptions, func(p ...string) finding.Location {
			return b.at(cat([]string{"securityContext", "seLinuxOptions"}, p)...)
		}
	case psc != nil && psc.SELinuxOptions != nil:
		opts, base = psc.SELinuxOptions, func(p ...string) finding.Location {
			return b.podAt(cat([]string{"securityContext", "seLinuxOptions"}, p)...)
		}
	default:
		return
	}
	for _, f := range []struct{ key, value string }{{"user", opts.User}, {"role", opts.Role}, {"type", opts.Type}, {"level", opts.Level}} {
		if f.value != "" {
			b.opt("label="+f.key+":"+f.value, base(f.key))
		}
	}
}

// resources sets the memory and CPU limits.
func (b *specBuilder) resources() {
	lim := b.c.Container.Resources.Limits
	if q, ok := lim[corev1.ResourceMemory]; ok {
		loc := b.at("resources", "limits", "memory")
		b.s.Memory = container.Int{Value: q.Value(), Set: true, Loc: loc}
		b.s.MemorySwap = container.Int{Value: q.Value(), Set: true, Loc: loc}
	}
	if q, ok := lim[corev1.ResourceCPU]; ok {
		b.s.NanoCPUs = container.Int{Value: q.MilliValue() * 1_000_000, Set: true, Loc: b.at("resources", "limits", "cpu")}
	}
}

// mounts sets the volume mounts.
func (b *specBuilder) mounts() {
	vols := map[string]*corev1.Volume{}
	for i := range b.pod.Volumes {
		vols[b.pod.Volumes[i].Name] = &b.pod.Volumes[i]
	}
	for i, vm := range b.c.Container.VolumeMounts {
		loc := b.at("volumeMounts", strconv.Itoa(i))
		m := container.Mount{Type: "volume", Source: vm.Name, Target: vm.MountPath, ReadOnly: vm.ReadOnly, Loc: loc}
		v := vols[vm.Name]
		switch {
		case v == nil:
		case v.HostPath != nil:
			m.Type, m.Source = "bind", v.HostPath.Path
			switch {
			case vm.SubPathExpr != "":
				m.Unknown = true
			case vm.SubPath != "":
				m.Source = path.Join(m.Source, vm.SubPath)
			}
			if vm.MountPropagation != nil {
				switch *vm.MountPropagation {
				case corev1.MountPropagationBidirectional:
					m.Propagation = "rshared"
				case corev1.MountPropagationHostToContainer:
					m.Propagation = "rslave"
				}
			}
		case v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory:
			m.Type, m.Source = "tmpfs", ""
			b.s.Tmpfs = append(b.s.Tmpfs, container.Str{Value: vm.MountPath, Set: true, Loc: loc})
		}
		b.s.Mounts = append(b.s.Mounts, m)
	}
}

// varRefRe finds Kubernetes' dependent variable references $(NAME); "$$"
// escapes.
var varRefRe = regexp.MustCompile(`\$\$|\$\([A-Za-z_][A-Za-z0-9_.\-]*\)`)

func refersToVariable(v string) bool {
	for _, m := range varRefRe.FindAllString(v, -1) {
		if m != "$$" {
			return true
		}
	}
	return false
}

// env sets the environment variables.
func (b *specBuilder) env() {
	for i, e := range b.c.Container.Env {
		ev := container.EnvVar{Name: e.Name, Loc: b.at("env", strconv.Itoa(i))}
		if e.ValueFrom != nil {
			ev.FromVariable = true
		} else {
			ev.Value, ev.HasValue, ev.FromVariable = e.Value, true, refersToVariable(e.Value)
		}
		b.s.Env = append(b.s.Env, ev)
	}
}
