package kube

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-sec/bulwark/source/container"
)

func TestContainers(t *testing.T) {
	f := parseFile(t, "workloads.yaml")
	var got []string
	for _, o := range f.Objects {
		_, _, prefix, ok := PodSpecOf(o)
		line := fmt.Sprintf("%s/%s ok=%v prefix=%s meta=%s:", o.Kind, o.Name, ok, strings.Join(prefix, "."), strings.Join(TemplateMetaPath(o), "."))
		for _, c := range Containers(o) {
			loc, found := o.Lookup(c.Path...)
			if !found {
				t.Errorf("%s: path %v not found", o.Kind, c.Path)
			}
			line += fmt.Sprintf(" %s %s@%d", c.Kind, c.Name(), loc.Start.Line)
		}
		got = append(got, line)
	}
	want := []string{
		"Pod/pod ok=true prefix=spec meta=metadata: container main@7 init container init@6 ephemeral container debug@8",
		"PodTemplate/template ok=true prefix=template.spec meta=template.metadata: container main@18",
		"ReplicationController/rc ok=true prefix=spec.template.spec meta=spec.template.metadata: container main@27",
		"ReplicationController/rc-without-template ok=false prefix= meta=:",
		"Deployment/deploy ok=true prefix=spec.template.spec meta=spec.template.metadata: container main@43 container sidecar@43",
		"StatefulSet/sts ok=true prefix=spec.template.spec meta=spec.template.metadata: container main@52",
		"DaemonSet/ds ok=true prefix=spec.template.spec meta=spec.template.metadata: container main@61",
		"ReplicaSet/rs ok=true prefix=spec.template.spec meta=spec.template.metadata: container main@70",
		"Job/job ok=true prefix=spec.template.spec meta=spec.template.metadata: container main@79",
		"CronJob/cron ok=true prefix=spec.jobTemplate.spec.template.spec meta=spec.jobTemplate.spec.template.metadata: container main@92 init container init@91",
		"Service/not-a-workload ok=false prefix= meta=:",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
}

// specView is what a test compares of a container spec: each value with
// the line it is located at.
func specView(s *container.Spec) []string {
	var out []string
	add := func(what string, set bool, unknown bool, v any, line int) {
		if !set {
			return
		}
		u := ""
		if unknown {
			u = " (unknown)"
		}
		out = append(out, fmt.Sprintf("%s=%v%s @%d", what, v, u, line))
	}
	out = append(out, fmt.Sprintf("%s [%s] @%d", s.Name, s.Source, s.Loc.Start.Line))
	add("image", s.Image.Set, s.Image.Unknown, s.Image.Value, s.Image.Loc.Start.Line)
	add("privileged", s.Privileged.Set, false, s.Privileged.Value, s.Privileged.Loc.Start.Line)
	add("user", s.User.Set, s.User.Unknown, s.User.Value, s.User.Loc.Start.Line)
	add("readonly", s.ReadOnlyRootfs.Set, false, s.ReadOnlyRootfs.Value, s.ReadOnlyRootfs.Loc.Start.Line)
	for _, c := range s.CapAdd {
		add("cap-add", true, false, c.Value, c.Loc.Start.Line)
	}
	for _, c := range s.CapDrop {
		add("cap-drop", true, false, c.Value, c.Loc.Start.Line)
	}
	for _, o := range s.SecurityOpt {
		add("opt", true, false, o.Value, o.Loc.Start.Line)
	}
	add("memory", s.Memory.Set, false, s.Memory.Value, s.Memory.Loc.Start.Line)
	add("swap", s.MemorySwap.Set, false, s.MemorySwap.Value, s.MemorySwap.Loc.Start.Line)
	add("cpus", s.NanoCPUs.Set, false, s.NanoCPUs.Value, s.NanoCPUs.Loc.Start.Line)
	add("pids", s.PidsLimit.Set, false, s.PidsLimit.Value, s.PidsLimit.Loc.Start.Line)
	add("net", s.NetworkMode.Set, false, s.NetworkMode.Value, s.NetworkMode.Loc.Start.Line)
	add("pid", s.PidMode.Set, false, s.PidMode.Value, s.PidMode.Loc.Start.Line)
	add("ipc", s.IpcMode.Set, false, s.IpcMode.Value, s.IpcMode.Loc.Start.Line)
	for _, m := range s.Mounts {
		add("mount", true, m.Unknown, fmt.Sprintf("%s:%s->%s ro=%v prop=%s", m.Type, m.Source, m.Target, m.ReadOnly, m.Propagation), m.Loc.Start.Line)
	}
	for _, m := range s.Tmpfs {
		add("tmpfs", true, false, m.Value, m.Loc.Start.Line)
	}
	for _, p := range s.Ports {
		add("port", true, false, fmt.Sprintf("%s:%s->%s/%s", p.HostIP, p.HostPort, p.ContainerPort, p.Protocol), p.Loc.Start.Line)
	}
	for _, e := range s.Env {
		add("env", true, false, fmt.Sprintf("%s=%q has=%v from=%v", e.Name, e.Value, e.HasValue, e.FromVariable), e.Loc.Start.Line)
	}
	return out
}

func TestSpecs(t *testing.T) {
	f := parseFile(t, "pod.yaml")
	var got [][]string
	for _, s := range f.ContainerFile().Specs {
		got = append(got, specView(s))
	}
	want := [][]string{
		{
			"Deployment/weak container app [kubernetes] @34",
			"image=nginx @35",
			"privileged=true @37",
			"user=0:3000 @39", // the container's runAsUser wins, with the pod's runAsGroup
			"cap-add=SYS_ADMIN @42",
			"cap-add=NET_ADMIN @42",
			"opt=no-new-privileges:false @38",
			"opt=seccomp=unconfined @19", // the field wins over the annotation
			"opt=apparmor=unconfined @9",
			"opt=label=type:spc_t @21",
			"opt=label=level:s0:c123,c456 @22",
			"opt=systempaths=unconfined @40",
			"memory=536870912 @44",
			"swap=536870912 @44",
			"cpus=500000000 @44",
			"net=host @12",
			"pid=host @13",
			"ipc=host @14",
			"mount=bind:/var/run/docker.sock->/var/run/docker.sock ro=false prop= @51",
			"mount=bind:/etc->/host ro=false prop=rshared @53",
			"mount=tmpfs:->/tmp ro=false prop= @57",
			"mount=volume:config->/etc/app ro=true prop= @59",
			"tmpfs=/tmp @57",
			"port=0.0.0.0:8080->80/tcp @46",
			`env=DB_PASSWORD="hunter2" has=true from=false @63`,
			`env=API_TOKEN="" has=false from=true @65`,
			`env=URL="postgres://app:$(DB_PASSWORD)@db/app" has=true from=true @68`,
			`env=ESCAPED="$$(NOT_A_REF)" has=true from=false @70`,
		},
		{
			"Pod/hardened container app [kubernetes] @82",
			"image=registry.example.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef @83",
			"user= (unknown) @79", // runAsNonRoot: not root, but which user is not known
			"readonly=true @86",
			"cap-add=NET_BIND_SERVICE @89",
			"cap-drop=ALL @88",
			"opt=no-new-privileges @85",
			"opt=seccomp=runtime/default @80",
			"opt=apparmor=localhost/app-profile @91",
			"opt=label=type:container_t @93",
			"memory=134217728 @96",
			"swap=134217728 @96",
			"cpus=1000000000 @96",
		},
		{
			"Pod/hardened init container migrate [kubernetes] @98",
			"image=registry.example.com/migrate:2 @99",
			"user=2000 @101",
			"opt=seccomp=localhost/profiles/migrate.json @102",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("specs (-want +got):\n%s", diff)
	}
}
