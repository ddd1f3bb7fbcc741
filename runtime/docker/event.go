package docker

import (
	"sort"
	"strings"
	"time"

	"github.com/distribution/reference"
	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/image"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// Mount is one mount of a container, with its rendering precomputed.
type Mount struct {
	Source, Destination, Mode, RW, Propagation string
	// Rendered is Source:Destination:Mode:RW:Propagation.
	Rendered string
}

// Container is what inspecting a container tells the container.* fields,
// rendered once at enrichment time so that extraction allocates nothing.
// It is shared, read-only, by every event of the container until the
// next inspect.
type Container struct {
	ID, FullID, Name string
	Image            string
	ImageID          string
	ImageRepository  string
	ImageTag         string
	ImageDigest      string

	Privileged, HostPID, HostNetwork, HostIPC bool
	ReadonlyRootfs                            bool

	Mounts       []Mount
	MountsText   string
	MountSources []string
	MountDests   []string

	Labels     map[string]string
	LabelsText string
	IP         string
	// StartedAt is in nanoseconds since the epoch; 0 when never started.
	StartedAt int64

	User                                      string
	CapAdd, CapDrop, SecurityOpt, Devices     []string
	UsernsMode, PidMode, NetworkMode, IpcMode string
	Env                                       []string
	// Path and Args are the entry point and its arguments; Cmdline
	// joins them with spaces.
	Path            string
	Args            []string
	Cmdline         string
	RestartCount    uint64
	AppArmorProfile string
}

// NewContainer renders an inspected container (and, when known, its
// image) into the container.* fields. img may be nil.
func NewContainer(doc *ctypes.InspectResponse, img *image.InspectResponse) *Container {
	c := &Container{
		FullID:          doc.ID,
		ID:              shortID(doc.ID),
		Name:            strings.TrimPrefix(doc.Name, "/"),
		ImageID:         strings.TrimPrefix(doc.Image, "sha256:"),
		RestartCount:    uint64(max(doc.RestartCount, 0)),
		AppArmorProfile: doc.AppArmorProfile,
	}
	c.Path, c.Args = doc.Path, doc.Args
	if doc.Path != "" {
		c.Cmdline = strings.Join(append([]string{doc.Path}, doc.Args...), " ")
	}
	if cfg := doc.Config; cfg != nil {
		c.Image = cfg.Image
		c.User = cfg.User
		c.Env = cfg.Env
		c.Labels = cfg.Labels
	}
	if hc := doc.HostConfig; hc != nil {
		c.Privileged = hc.Privileged
		c.ReadonlyRootfs = hc.ReadonlyRootfs
		c.PidMode, c.NetworkMode = string(hc.PidMode), string(hc.NetworkMode)
		c.IpcMode, c.UsernsMode = string(hc.IpcMode), string(hc.UsernsMode)
		c.HostPID, c.HostNetwork, c.HostIPC = c.PidMode == "host", c.NetworkMode == "host", c.IpcMode == "host"
		c.CapAdd, c.CapDrop = capNames(hc.CapAdd), capNames(hc.CapDrop)
		c.SecurityOpt = hc.SecurityOpt
		for _, d := range hc.Devices {
			c.Devices = append(c.Devices, d.PathOnHost+":"+d.PathInContainer)
		}
	}
	if st := doc.State; st != nil {
		if t, err := time.Parse(time.RFC3339Nano, st.StartedAt); err == nil && t.Year() > 1 {
			c.StartedAt = t.UnixNano()
		}
	}
	var rendered []string
	for _, m := range doc.Mounts {
		rw := "false"
		if m.RW {
			rw = "true"
		}
		mt := Mount{Source: m.Source, Destination: m.Destination, Mode: m.Mode, RW: rw, Propagation: string(m.Propagation)}
		mt.Rendered = mt.Source + ":" + mt.Destination + ":" + mt.Mode + ":" + mt.RW + ":" + mt.Propagation
		c.Mounts = append(c.Mounts, mt)
		c.MountSources = append(c.MountSources, mt.Source)
		c.MountDests = append(c.MountDests, mt.Destination)
		rendered = append(rendered, mt.Rendered)
	}
	c.MountsText = strings.Join(rendered, ",")
	if len(c.Labels) > 0 {
		keys := make([]string, 0, len(c.Labels))
		for k := range c.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		pairs := make([]string, len(keys))
		for i, k := range keys {
			pairs[i] = k + ":" + c.Labels[k]
		}
		c.LabelsText = strings.Join(pairs, ",")
	}
	if ns := doc.NetworkSettings; ns != nil && len(ns.Networks) > 0 {
		names := make([]string, 0, len(ns.Networks))
		for n := range ns.Networks {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if ep := ns.Networks[n]; ep != nil && ep.IPAddress.IsValid() {
				c.IP = ep.IPAddress.String()
				break
			}
		}
	}
	c.setImageName(img)
	return c
}

// setImageName fills the repository, tag and digest from what the user
// asked for (Config.Image) and, where that does not say, from the image's
// RepoTags and RepoDigests.
func (c *Container) setImageName(img *image.InspectResponse) {
	if named, err := reference.ParseNormalizedNamed(c.Image); err == nil && !strings.HasPrefix(c.Image, "sha256:") {
		c.ImageRepository = reference.FamiliarName(named)
		if t, ok := named.(reference.Tagged); ok {
			c.ImageTag = t.Tag()
		}
		if d, ok := named.(reference.Digested); ok {
			c.ImageDigest = d.Digest().String()
		}
	}
	if img == nil {
		return
	}
	var digests []reference.Canonical
	for _, s := range img.RepoDigests {
		if n, err := reference.ParseNormalizedNamed(s); err == nil {
			if cn, ok := n.(reference.Canonical); ok {
				digests = append(digests, cn)
			}
		}
	}
	var tags []reference.NamedTagged
	for _, s := range img.RepoTags {
		if n, err := reference.ParseNormalizedNamed(s); err == nil {
			if nt, ok := n.(reference.NamedTagged); ok {
				tags = append(tags, nt)
			}
		}
	}
	if c.ImageRepository == "" {
		switch {
		case len(digests) > 0:
			c.ImageRepository = reference.FamiliarName(digests[0])
		case len(tags) > 0:
			c.ImageRepository = reference.FamiliarName(tags[0])
		}
	}
	if c.ImageTag == "" {
		for _, t := range tags {
			if reference.FamiliarName(t) == c.ImageRepository {
				c.ImageTag = t.Tag()
				break
			}
		}
	}
	if c.ImageDigest == "" {
		for _, d := range digests {
			if reference.FamiliarName(d) == c.ImageRepository {
				c.ImageDigest = d.Digest().String()
				break
			}
		}
		if c.ImageDigest == "" && len(digests) == 1 {
			c.ImageDigest = digests[0].Digest().String()
		}
	}
}

// capNames spells capabilities as CAP_* names in upper case, as the
// kernel and Falco's thread.cap_* fields do; ALL stays ALL.
func capNames(caps []string) []string {
	if len(caps) == 0 {
		return nil
	}
	out := make([]string, len(caps))
	for i, c := range caps {
		u := strings.ToUpper(strings.TrimSpace(c))
		if u != "ALL" && !strings.HasPrefix(u, "CAP_") {
			u = "CAP_" + u
		}
		out[i] = u
	}
	return out
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Event is one engine event, enriched: it implements fields.Event.
type Event struct {
	// Message is the event as the engine sent it.
	Message events.Message
	// Container is the inspect record of the container the event is
	// about; nil when it is not a container event or the container could
	// not be inspected (it vanished first): the inspect fields are then
	// absent, while container.id, full_id, name, type and image still
	// come from the event.
	Container *Container

	action, payload string
	execCmd, health string
	hasExec, hasHlt bool
	// Container identity, from inspect or from the event.
	cID, cFullID, cName, cImage string
	isContainer                 bool
}

// NewEvent prepares an engine event for extraction; c is its container's
// inspect record, or nil.
func NewEvent(msg events.Message, c *Container) *Event {
	e := &Event{Message: msg, Container: c}
	raw := string(msg.Action)
	e.action = raw
	if verb, payload, ok := strings.Cut(raw, ": "); ok {
		e.action, e.payload = verb, payload
		switch verb {
		case string(events.ActionExecCreate), string(events.ActionExecStart):
			e.execCmd, e.hasExec = payload, true
		case string(events.ActionHealthStatus):
			e.health, e.hasHlt = payload, true
		}
	}
	if msg.Type == events.ContainerEventType {
		e.isContainer = true
		e.cFullID = msg.Actor.ID
		e.cName = msg.Actor.Attributes["name"]
		e.cImage = msg.Actor.Attributes["image"]
		// The name in the event is the name at the time of the event
		// (a cached record may predate a rename).
		if c != nil {
			e.cFullID, e.cImage = c.FullID, c.Image
			if e.cName == "" {
				e.cName = c.Name
			}
		}
		e.cID = shortID(e.cFullID)
	}
	return e
}

// Action is the action verb (exec_start, not exec_start: sh).
func (e *Event) Action() string { return e.action }

// Time is the event's time.
func (e *Event) Time() time.Time { return time.Unix(0, e.timeNano()) }

func (e *Event) timeNano() int64 {
	if e.Message.TimeNano != 0 {
		return e.Message.TimeNano
	}
	return e.Message.Time * int64(time.Second)
}

func appendStr(buf []fields.Value, s string) ([]fields.Value, bool) {
	return append(buf, fields.Value{Str: s}), true
}

func appendBool(buf []fields.Value, b bool) ([]fields.Value, bool) {
	var n uint64
	if b {
		n = 1
	}
	return append(buf, fields.Value{Num: n}), true
}

func appendList(buf []fields.Value, l []string) ([]fields.Value, bool) {
	for _, s := range l {
		buf = append(buf, fields.Value{Str: s})
	}
	return buf, true
}

func (e *Event) attr(buf []fields.Value, key string) ([]fields.Value, bool) {
	if v, ok := e.Message.Actor.Attributes[key]; ok {
		return appendStr(buf, v)
	}
	return buf, false
}

// nonEmpty appends s when it is not empty: an empty value is absent.
func nonEmpty(buf []fields.Value, s string) ([]fields.Value, bool) {
	if s == "" {
		return buf, false
	}
	return appendStr(buf, s)
}

// Extract implements fields.Event. It does not allocate when buf has
// room for the values.
func (e *Event) Extract(ref fields.Ref, buf []fields.Value) ([]fields.Value, bool) {
	m := &e.Message
	switch ref.ID {
	case fEvtTime:
		return append(buf, fields.Value{Num: uint64(e.timeNano())}), true
	case fDockerType:
		return appendStr(buf, string(m.Type))
	case fDockerAction:
		return appendStr(buf, e.action)
	case fDockerActionRaw, fDockerStatus:
		return appendStr(buf, string(m.Action))
	case fDockerID, fDockerActorID:
		return nonEmpty(buf, m.Actor.ID)
	case fDockerFrom, fDockerAttrImage:
		return e.attr(buf, "image")
	case fDockerScope:
		return nonEmpty(buf, m.Scope)
	case fDockerAttrName:
		return e.attr(buf, "name")
	case fDockerAttrContainer:
		return e.attr(buf, "container")
	case fDockerAttrType:
		return e.attr(buf, "type")
	case fDockerAttrExitCode:
		return e.attr(buf, "exitCode")
	case fDockerAttrSignal:
		return e.attr(buf, "signal")
	case fDockerAttr:
		if !ref.HasArg {
			return buf, false
		}
		return e.attr(buf, ref.Arg)
	case fDockerExecID:
		return e.attr(buf, "execID")
	case fDockerExecCmdline:
		if !e.hasExec {
			return buf, false
		}
		return appendStr(buf, e.execCmd)
	case fDockerHealthStatus:
		if !e.hasHlt {
			return buf, false
		}
		return appendStr(buf, e.health)
	case fDockerNodeID:
		return e.attr(buf, "com.docker.swarm.node.id")
	case fDockerNodeStateNew:
		return e.attr(buf, "state.new")
	case fDockerNodeStateOld:
		return e.attr(buf, "state.old")
	case fDockerStackNamespace:
		return e.attr(buf, "com.docker.stack.namespace")
	case fDockerSwarmTask:
		return e.attr(buf, "com.docker.swarm.task")
	case fDockerSwarmTaskID:
		return e.attr(buf, "com.docker.swarm.task.id")
	case fDockerSwarmTaskName:
		return e.attr(buf, "com.docker.swarm.task.name")
	case fDockerSwarmServiceName:
		return e.attr(buf, "com.docker.swarm.service.name")
	case fDockerSwarmServiceID:
		return e.attr(buf, "com.docker.swarm.service.id")
	}
	if !e.isContainer {
		return buf, false
	}
	// Identity: from inspect, or from the event when not inspected.
	switch ref.ID {
	case fContainerID:
		return nonEmpty(buf, e.cID)
	case fContainerFullID:
		return nonEmpty(buf, e.cFullID)
	case fContainerName:
		return nonEmpty(buf, e.cName)
	case fContainerType:
		return appendStr(buf, "docker")
	case fContainerImage:
		return nonEmpty(buf, e.cImage)
	}
	c := e.Container
	if c == nil {
		return buf, false
	}
	switch ref.ID {
	case fContainerImageID:
		return nonEmpty(buf, c.ImageID)
	case fContainerImageRepository:
		return nonEmpty(buf, c.ImageRepository)
	case fContainerImageTag:
		return nonEmpty(buf, c.ImageTag)
	case fContainerImageDigest:
		return nonEmpty(buf, c.ImageDigest)
	case fContainerPrivileged:
		return appendBool(buf, c.Privileged)
	case fContainerHostPID:
		return appendBool(buf, c.HostPID)
	case fContainerHostNetwork:
		return appendBool(buf, c.HostNetwork)
	case fContainerHostIPC:
		return appendBool(buf, c.HostIPC)
	case fContainerMounts:
		return appendStr(buf, c.MountsText)
	case fContainerMount, fContainerMountSource, fContainerMountDest, fContainerMountMode,
		fContainerMountRdwr, fContainerMountPropagation:
		return c.extractMount(ref, buf)
	case fContainerLabel:
		if v, ok := c.Labels[ref.Arg]; ok && ref.HasArg {
			return appendStr(buf, v)
		}
		return buf, false
	case fContainerLabels:
		return appendStr(buf, c.LabelsText)
	case fContainerIP:
		return nonEmpty(buf, c.IP)
	case fContainerStartTS:
		if c.StartedAt == 0 {
			return buf, false
		}
		return append(buf, fields.Value{Num: uint64(c.StartedAt)}), true
	case fContainerDuration:
		t := e.timeNano()
		if c.StartedAt == 0 || t < c.StartedAt {
			return buf, false
		}
		return append(buf, fields.Value{Num: uint64(t - c.StartedAt)}), true
	case fK8sPodName:
		return c.label(buf, "io.kubernetes.pod.name")
	case fK8sNsName:
		return c.label(buf, "io.kubernetes.pod.namespace")
	case fK8sPodUID:
		return c.label(buf, "io.kubernetes.pod.uid")
	case fK8sPodLabel:
		return buf, false
	case fContainerUser:
		return appendStr(buf, c.User)
	case fContainerCapAdd:
		return appendList(buf, c.CapAdd)
	case fContainerCapDrop:
		return appendList(buf, c.CapDrop)
	case fContainerSecurityOpt:
		return appendList(buf, c.SecurityOpt)
	case fContainerReadonlyRootfs:
		return appendBool(buf, c.ReadonlyRootfs)
	case fContainerDevices:
		return appendList(buf, c.Devices)
	case fContainerUsernsMode:
		return appendStr(buf, c.UsernsMode)
	case fContainerPidMode:
		return appendStr(buf, c.PidMode)
	case fContainerNetworkMode:
		return appendStr(buf, c.NetworkMode)
	case fContainerIpcMode:
		return appendStr(buf, c.IpcMode)
	case fContainerEnv:
		return appendList(buf, c.Env)
	case fContainerCmdline:
		return nonEmpty(buf, c.Cmdline)
	case fContainerRestartCount:
		return append(buf, fields.Value{Num: c.RestartCount}), true
	case fContainerMountSources:
		return appendList(buf, c.MountSources)
	case fContainerMountDests:
		return appendList(buf, c.MountDests)
	case fContainerAppArmorProfile:
		return nonEmpty(buf, c.AppArmorProfile)
	}
	return buf, false
}

func (c *Container) label(buf []fields.Value, key string) ([]fields.Value, bool) {
	if v, ok := c.Labels[key]; ok {
		return appendStr(buf, v)
	}
	return buf, false
}

// extractMount serves container.mount and container.mount.*: [N] picks
// the Nth mount; [GLOB] the first whose Destination (for .source) or
// Source (for the others) matches the fnmatch-style glob over the whole
// path. No match, or no argument, is absent.
func (c *Container) extractMount(ref fields.Ref, buf []fields.Value) ([]fields.Value, bool) {
	if !ref.HasArg {
		return buf, false
	}
	idx := -1
	if ref.HasIndex {
		if ref.Index < len(c.Mounts) {
			idx = ref.Index
		}
	} else {
		for i := range c.Mounts {
			key := c.Mounts[i].Source
			if ref.ID == fContainerMountSource {
				key = c.Mounts[i].Destination
			}
			if globMatch(ref.Arg, key) {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		return buf, false
	}
	m := &c.Mounts[idx]
	switch ref.ID {
	case fContainerMount:
		return appendStr(buf, m.Rendered)
	case fContainerMountSource:
		return appendStr(buf, m.Source)
	case fContainerMountDest:
		return appendStr(buf, m.Destination)
	case fContainerMountMode:
		return appendStr(buf, m.Mode)
	case fContainerMountRdwr:
		return appendStr(buf, m.RW)
	default:
		return appendStr(buf, m.Propagation)
	}
}

var _ fields.Event = (*Event)(nil)
