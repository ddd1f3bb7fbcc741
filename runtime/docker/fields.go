// Package docker is the `docker` event source of Bulwark's runtime
// detection: it follows a Docker engine's event stream (reconnecting and
// resuming without losing or repeating events), enriches container events
// with inspect data, and exposes the docker.* and container.* fields of
// runtime.md section 4.3 to the Falco-style rules engine through the
// runtime/fields contract.
//
//   - Follower reads the stream (Run), keeps a bounded inspect cache and
//     counts what happened (Stats).
//   - Event is one enriched event; Source describes its fields.
//   - LaunchEvent and LaunchSource show a container's create or start as
//     its first process starting, for rules of Falco's syscall source
//     that look at nothing else (the seed's "Launch Privileged
//     Container").
//   - DefaultRules is Bulwark's rules file for the docker source.
//
// The engine replays only its recent backlog (a few hundred events) on
// resume: what an outage longer than that produced is lost, and the
// counters cannot tell.
package docker

import "github.com/bulwark-sec/bulwark/runtime/fields"

// SourceName is the rules' `source:` value of this source.
const SourceName = "docker"

// Field IDs: the index of each field in the table Source.Fields returns.
const (
	fEvtTime = iota

	fDockerType
	fDockerAction
	fDockerActionRaw
	fDockerStatus
	fDockerID
	fDockerActorID
	fDockerFrom
	fDockerScope
	fDockerAttrName
	fDockerAttrImage
	fDockerAttrContainer
	fDockerAttrType
	fDockerAttrExitCode
	fDockerAttrSignal
	fDockerAttr
	fDockerExecID
	fDockerExecCmdline
	fDockerHealthStatus
	fDockerNodeID
	fDockerNodeStateNew
	fDockerNodeStateOld
	fDockerStackNamespace
	fDockerSwarmTask
	fDockerSwarmTaskID
	fDockerSwarmTaskName
	fDockerSwarmServiceName
	fDockerSwarmServiceID

	fContainerID
	fContainerFullID
	fContainerName
	fContainerType
	fContainerImage
	fContainerImageID
	fContainerImageRepository
	fContainerImageTag
	fContainerImageDigest
	fContainerPrivileged
	fContainerHostPID
	fContainerHostNetwork
	fContainerHostIPC
	fContainerMounts
	fContainerMount
	fContainerMountSource
	fContainerMountDest
	fContainerMountMode
	fContainerMountRdwr
	fContainerMountPropagation
	fContainerLabel
	fContainerLabels
	fContainerIP
	fContainerStartTS
	fContainerDuration
	fK8sPodName
	fK8sNsName
	fK8sPodUID
	fK8sPodLabel

	// Extensions (ours, not Falco's).
	fContainerUser
	fContainerCapAdd
	fContainerCapDrop
	fContainerSecurityOpt
	fContainerReadonlyRootfs
	fContainerDevices
	fContainerUsernsMode
	fContainerPidMode
	fContainerNetworkMode
	fContainerIpcMode
	fContainerEnv
	fContainerCmdline
	fContainerRestartCount
	fContainerMountSources
	fContainerMountDests
	fContainerAppArmorProfile

	numFields
)

func str(name, desc string) fields.Info {
	return fields.Info{Name: name, Type: fields.String, Desc: desc}
}

func boolean(name, desc string) fields.Info {
	return fields.Info{Name: name, Type: fields.Bool, Desc: desc}
}

func listField(name, desc string) fields.Info {
	return fields.Info{Name: name, Type: fields.String, IsList: true, Desc: desc}
}

func keyed(name, desc string) fields.Info {
	return fields.Info{Name: name, Type: fields.String, Arg: fields.ArgKey, ArgRequired: true, Desc: desc}
}

func mountField(name, desc string) fields.Info {
	return fields.Info{Name: name, Type: fields.String, Arg: fields.ArgIndexOrKey, ArgRequired: true, Desc: desc}
}

// fieldTable is read-only: Source.Fields hands out copies.
var fieldTable = [numFields]fields.Info{
	fEvtTime: {Name: "evt.time", Type: fields.AbsTime, Desc: "time of the event (timeNano)"},

	fDockerType:             str("docker.type", "object type of the event (container, image, network, volume, ...)"),
	fDockerAction:           str("docker.action", "action verb (create, start, exec_start, health_status, ...) without its payload"),
	fDockerActionRaw:        str("docker.action.raw", "the Action string as the engine sent it (exec_start: sh -c ...)"),
	fDockerStatus:           str("docker.status", "deprecated status of the event (the raw action)"),
	fDockerID:               str("docker.id", "ID of the object the event is about (Actor.ID)"),
	fDockerActorID:          str("docker.actor.id", "Actor.ID"),
	fDockerFrom:             str("docker.from", "image of the container (deprecated from; Actor.Attributes.image)"),
	fDockerScope:            str("docker.scope", "scope of the event: local or swarm"),
	fDockerAttrName:         str("docker.attributes.name", "Actor.Attributes.name"),
	fDockerAttrImage:        str("docker.attributes.image", "Actor.Attributes.image"),
	fDockerAttrContainer:    str("docker.attributes.container", "Actor.Attributes.container (network and volume events)"),
	fDockerAttrType:         str("docker.attributes.type", "Actor.Attributes.type"),
	fDockerAttrExitCode:     str("docker.attributes.exitcode", "Actor.Attributes.exitCode (die events)"),
	fDockerAttrSignal:       str("docker.attributes.signal", "Actor.Attributes.signal (kill events)"),
	fDockerAttr:             keyed("docker.attr", "Actor.Attributes[KEY], any attribute (container events carry the container's labels)"),
	fDockerExecID:           str("docker.exec.id", "Actor.Attributes.execID (exec events)"),
	fDockerExecCmdline:      str("docker.exec.cmdline", "command line of an exec_create or exec_start event"),
	fDockerHealthStatus:     str("docker.health.status", "payload of a health_status event (healthy, unhealthy, ...)"),
	fDockerNodeID:           str("docker.node.id", "swarm node ID (com.docker.swarm.node.id)"),
	fDockerNodeStateNew:     str("docker.node.statenew", "new state of a swarm node (state.new)"),
	fDockerNodeStateOld:     str("docker.node.stateold", "old state of a swarm node (state.old)"),
	fDockerStackNamespace:   str("docker.stack.namespace", "stack namespace (com.docker.stack.namespace)"),
	fDockerSwarmTask:        str("docker.swarm.task", "swarm task (com.docker.swarm.task)"),
	fDockerSwarmTaskID:      str("docker.swarm.taskid", "swarm task ID (com.docker.swarm.task.id)"),
	fDockerSwarmTaskName:    str("docker.swarm.taskname", "swarm task name (com.docker.swarm.task.name)"),
	fDockerSwarmServiceName: str("docker.swarm.servicename", "swarm service name (com.docker.swarm.service.name)"),
	fDockerSwarmServiceID:   str("docker.swarm.serviceid", "swarm service ID (com.docker.swarm.service.id)"),

	fContainerID:              str("container.id", "container ID, first 12 characters"),
	fContainerFullID:          str("container.full_id", "full container ID"),
	fContainerName:            str("container.name", "container name without the leading /"),
	fContainerType:            str("container.type", "container runtime type (docker)"),
	fContainerImage:           str("container.image", "image as the user named it (Config.Image)"),
	fContainerImageID:         str("container.image.id", "image ID without sha256:"),
	fContainerImageRepository: str("container.image.repository", "image repository"),
	fContainerImageTag:        str("container.image.tag", "image tag"),
	fContainerImageDigest:     str("container.image.digest", "image digest"),
	fContainerPrivileged:      boolean("container.privileged", "the container runs privileged (HostConfig.Privileged)"),
	fContainerHostPID:         boolean("container.host_pid", "the container shares the host's PID namespace"),
	fContainerHostNetwork:     boolean("container.host_network", "the container shares the host's network namespace"),
	fContainerHostIPC:         boolean("container.host_ipc", "the container shares the host's IPC namespace"),
	fContainerMounts:          str("container.mounts", "all mounts as Source:Destination:Mode:RW:Propagation, comma-separated"),
	fContainerMount:           mountField("container.mount", "one mount rendered as in container.mounts: [N] by position, [GLOB] the first whose source matches"),
	fContainerMountSource:     mountField("container.mount.source", "a mount's host source: [N] by position, [GLOB] the first whose destination matches"),
	fContainerMountDest:       mountField("container.mount.dest", "a mount's destination: [N] by position, [GLOB] the first whose host source matches"),
	fContainerMountMode:       mountField("container.mount.mode", "a mount's mode: [N] by position, [GLOB] the first whose host source matches"),
	fContainerMountRdwr:       mountField("container.mount.rdwr", "a mount's RW flag (true/false): [N] by position, [GLOB] the first whose host source matches"),
	fContainerMountPropagation: mountField("container.mount.propagation",
		"a mount's propagation: [N] by position, [GLOB] the first whose host source matches"),
	fContainerLabel:   keyed("container.label", "container label [KEY] (Config.Labels)"),
	fContainerLabels:  str("container.labels", "all container labels as key:value, comma-separated"),
	fContainerIP:      str("container.ip", "container IP address"),
	fContainerStartTS: {Name: "container.start_ts", Type: fields.AbsTime, Desc: "time the container last started"},
	fContainerDuration: {Name: "container.duration", Type: fields.RelTime,
		Desc: "time from the container's start to the event"},
	fK8sPodName:  str("k8s.pod.name", "pod name (label io.kubernetes.pod.name)"),
	fK8sNsName:   str("k8s.ns.name", "pod namespace (label io.kubernetes.pod.namespace)"),
	fK8sPodUID:   str("k8s.pod.uid", "pod UID (label io.kubernetes.pod.uid)"),
	fK8sPodLabel: keyed("k8s.pod.label", "pod label [KEY]; not known to Docker, always absent"),

	fContainerUser:            str("container.user", "extension: user the container runs as (Config.User)"),
	fContainerCapAdd:          listField("container.cap_add", "extension: added capabilities as CAP_* names (ALL stays ALL)"),
	fContainerCapDrop:         listField("container.cap_drop", "extension: dropped capabilities as CAP_* names (ALL stays ALL)"),
	fContainerSecurityOpt:     listField("container.security_opt", "extension: security options as given (seccomp=unconfined, apparmor=unconfined, no-new-privileges, ...)"),
	fContainerReadonlyRootfs:  boolean("container.readonly_rootfs", "extension: the root file system is read-only"),
	fContainerDevices:         listField("container.devices", "extension: devices as PathOnHost:PathInContainer"),
	fContainerUsernsMode:      str("container.userns_mode", "extension: user namespace mode (HostConfig.UsernsMode)"),
	fContainerPidMode:         str("container.pid_mode", "extension: PID namespace mode (HostConfig.PidMode)"),
	fContainerNetworkMode:     str("container.network_mode", "extension: network mode (HostConfig.NetworkMode)"),
	fContainerIpcMode:         str("container.ipc_mode", "extension: IPC mode (HostConfig.IpcMode)"),
	fContainerEnv:             listField("container.env", "extension: environment as NAME=value; values may be secrets: match them, do not print them"),
	fContainerCmdline:         str("container.cmdline", "extension: the container's command line (Path and Args)"),
	fContainerRestartCount:    {Name: "container.restart_count", Type: fields.Uint64, Desc: "extension: how many times the engine restarted the container"},
	fContainerMountSources:    listField("container.mount.sources", "extension: host sources of all mounts"),
	fContainerMountDests:      listField("container.mount.dests", "extension: destinations of all mounts"),
	fContainerAppArmorProfile: str("container.apparmor_profile", "extension: AppArmor profile (unconfined when disabled)"),
}

// Source describes the docker source to the rules compiler. Its zero
// value is ready.
type Source struct{}

// Name returns "docker".
func (Source) Name() string { return SourceName }

// Fields returns a copy of the field table; a fields.Ref's ID indexes it.
func (Source) Fields() []fields.Info {
	out := make([]fields.Info, numFields)
	copy(out, fieldTable[:])
	return out
}

var _ fields.Source = Source{}
