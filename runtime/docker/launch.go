package docker

import (
	"path"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// LaunchSourceName is the source of the launch view: Falco's `syscall`,
// the default source of a rule that names none (as the seed's "Launch
// Privileged Container" rule does).
const LaunchSourceName = "syscall"

// Launch field IDs, then the container fields of the docker source.
const (
	lEvtType = iota
	lEvtDir
	lEvtTime
	lProcVpid
	lProcName
	lProcExe
	lProcExepath
	lProcCmdline
	lProcArgs
	lUserName
	lUserUID
	lSecurityContextPrivileged
	numLaunchOwn
)

var launchOwnFields = [numLaunchOwn]fields.Info{
	lEvtType:     str("evt.type", "execve: the container's first process"),
	lEvtDir:      str("evt.dir", "<: the exit of the execve"),
	lEvtTime:     {Name: "evt.time", Type: fields.AbsTime, Desc: "time of the engine event"},
	lProcVpid:    {Name: "proc.vpid", Type: fields.Uint64, Desc: "1: the container's first process"},
	lProcName:    str("proc.name", "base name of the container's entry point (Path)"),
	lProcExe:     str("proc.exe", "the container's entry point (Path)"),
	lProcExepath: str("proc.exepath", "the container's entry point (Path)"),
	lProcCmdline: str("proc.cmdline", "proc.name and the arguments, space-separated"),
	lProcArgs:    str("proc.args", "the arguments, space-separated"),
	lUserName:    str("user.name", "user of the container (Config.User; root when empty or 0); absent for a bare UID other than 0"),
	lUserUID:     {Name: "user.uid", Type: fields.Uint64, Desc: "UID of the container's user when Config.User names it by number (0 when empty or root)"},
	lSecurityContextPrivileged: boolean("container.security_context.privileged",
		"the seed rule's name for container.privileged"),
}

// launchContainerFields are the docker source's fields the launch view
// also serves, in order after its own.
var launchContainerFields = [...]int{
	fContainerID, fContainerFullID, fContainerName, fContainerType, fContainerImage, fContainerImageID,
	fContainerImageRepository, fContainerImageTag, fContainerImageDigest, fContainerPrivileged,
	fContainerHostPID, fContainerHostNetwork, fContainerHostIPC, fContainerMounts, fContainerMount,
	fContainerMountSource, fContainerMountDest, fContainerMountMode, fContainerMountRdwr,
	fContainerMountPropagation, fContainerLabel, fContainerLabels, fContainerIP, fContainerStartTS,
	fContainerDuration, fK8sPodName, fK8sNsName, fK8sPodUID, fK8sPodLabel,
	fContainerUser, fContainerCapAdd, fContainerCapDrop, fContainerSecurityOpt, fContainerReadonlyRootfs,
	fContainerDevices, fContainerUsernsMode, fContainerPidMode, fContainerNetworkMode, fContainerIpcMode,
	fContainerEnv, fContainerCmdline, fContainerRestartCount, fContainerMountSources, fContainerMountDests,
	fContainerAppArmorProfile,
}

// LaunchSource is a view of container launches as Falco's syscall source
// would see them: the container's first process starting (evt.type
// execve, proc.vpid 1), with the container.* fields, so that rules
// written for the syscall source about a container's first process (the
// seed's "Launch Privileged Container") run on Docker engine events,
// without a kernel module. Only what the engine knows is there: no file
// descriptors, no other process, and the process fields come from the
// container's configured entry point. Its zero value is ready.
type LaunchSource struct{}

// Name returns "syscall".
func (LaunchSource) Name() string { return LaunchSourceName }

// Fields lists the launch fields, then the container fields.
func (LaunchSource) Fields() []fields.Info {
	out := make([]fields.Info, 0, numLaunchOwn+len(launchContainerFields))
	out = append(out, launchOwnFields[:]...)
	for _, id := range launchContainerFields {
		out = append(out, fieldTable[id])
	}
	return out
}

var _ fields.Source = LaunchSource{}

// LaunchEvent is a container launch in the launch view; it implements
// fields.Event for LaunchSource's field IDs.
type LaunchEvent struct {
	ev                  *Event
	name, cmdline, args string
	user                string
	hasUser             bool
	uid                 uint64
	hasUID              bool
	exe                 string
	hasExe              bool
}

// NewLaunchEvent returns the launch view of a container event: create
// (a container that cannot be started here still shows what it would
// run) and start, with the container inspected. Other events are not
// launches (false).
func NewLaunchEvent(ev *Event) (*LaunchEvent, bool) {
	if !ev.isContainer || ev.Container == nil || (ev.action != "create" && ev.action != "start") {
		return nil, false
	}
	c := ev.Container
	l := &LaunchEvent{ev: ev}
	if c.Path != "" {
		l.exe, l.hasExe = c.Path, true
		l.name = path.Base(c.Path)
		l.args = strings.Join(c.Args, " ")
		l.cmdline = l.name
		if l.args != "" {
			l.cmdline += " " + l.args
		}
	}
	u, _, _ := strings.Cut(c.User, ":")
	switch {
	case u == "" || u == "root" || u == "0":
		l.user, l.hasUser, l.uid, l.hasUID = "root", true, 0, true
	default:
		if n, err := strconv.ParseUint(u, 10, 32); err == nil {
			l.uid, l.hasUID = n, true
		} else {
			l.user, l.hasUser = u, true
		}
	}
	return l, true
}

// Event is the engine event the launch comes from.
func (l *LaunchEvent) Event() *Event { return l.ev }

// Extract implements fields.Event for LaunchSource's fields. It does not
// allocate when buf has room.
func (l *LaunchEvent) Extract(ref fields.Ref, buf []fields.Value) ([]fields.Value, bool) {
	switch ref.ID {
	case lEvtType:
		return appendStr(buf, "execve")
	case lEvtDir:
		return appendStr(buf, "<")
	case lEvtTime:
		return append(buf, fields.Value{Num: uint64(l.ev.timeNano())}), true
	case lProcVpid:
		return append(buf, fields.Value{Num: 1}), true
	case lProcName:
		return ifSet(buf, l.name, l.hasExe)
	case lProcExe, lProcExepath:
		return ifSet(buf, l.exe, l.hasExe)
	case lProcCmdline:
		return ifSet(buf, l.cmdline, l.hasExe)
	case lProcArgs:
		return ifSet(buf, l.args, l.hasExe)
	case lUserName:
		return ifSet(buf, l.user, l.hasUser)
	case lUserUID:
		if !l.hasUID {
			return buf, false
		}
		return append(buf, fields.Value{Num: l.uid}), true
	case lSecurityContextPrivileged:
		return appendBool(buf, l.ev.Container.Privileged)
	}
	i := ref.ID - numLaunchOwn
	if i < 0 || i >= len(launchContainerFields) {
		return buf, false
	}
	r := ref
	r.ID = launchContainerFields[i]
	return l.ev.Extract(r, buf)
}

func ifSet(buf []fields.Value, s string, ok bool) ([]fields.Value, bool) {
	if !ok {
		return buf, false
	}
	return appendStr(buf, s)
}

var _ fields.Event = (*LaunchEvent)(nil)
