package container

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/bulwark-sec/bulwark/finding"
)

// ParseInspect reads docker inspect output into container specs: a JSON
// array of documents as `docker inspect` prints it, or a single document.
// Container documents are decoded with the Engine API's own types and
// become one Spec each; every value's location carries the line, column
// and JSON path ($[0].HostConfig.Privileged) it was read from.
//
// Image documents (docker image inspect) have no runtime settings: they
// add a Note, not a Spec. The container list of GET /containers/json
// (what `docker ps` reads) is read best-effort, with a Note: it shows only
// the image, network mode, mounts and published ports, so its specs are
// Partial. Anything else is an *Error with the line.
//
// In an inspect document every setting is stated, so a value is Set only
// when it differs from what Docker gives a container created without the
// corresponding flag: no memory limit (Memory 0) is Set=false, exactly as
// for a docker run line without -m. See inspectSpec for the defaults.
func ParseInspect(path string, data []byte) (*File, error) {
	base := 0
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		base = 3
	}
	if len(bytes.TrimSpace(data[base:])) == 0 {
		return nil, &Error{Path: path, Msg: "the file is empty, not docker inspect output"}
	}
	ix, err := indexJSON(path, data, base, keepInspectPath)
	if err != nil {
		return nil, err
	}
	root := ix.spans["$"]
	f := &File{Path: path}
	var docs []string
	if data[root.start] == '{' {
		docs = []string{"$"}
	} else {
		for i := 0; ; i++ {
			p := "$[" + strconv.Itoa(i) + "]"
			if _, ok := ix.spans[p]; !ok {
				break
			}
			docs = append(docs, p)
		}
		if len(docs) == 0 {
			f.Notes = append(f.Notes, Note{Message: "the array holds no inspect document", Loc: ix.location("$")})
		}
	}
	listNoted := false
	for _, p := range docs {
		sp := ix.spans[p]
		raw := data[sp.start:sp.end]
		kind, err := classify(raw)
		if err != nil {
			return nil, ix.errorAt(sp.start, fmt.Sprintf("%s: %v", p, err))
		}
		switch kind {
		case docContainer:
			var doc ctypes.InspectResponse
			if err := json.Unmarshal(raw, &doc); err != nil {
				return nil, decodeError(ix, p, sp.start, err)
			}
			locate := func(q string) finding.Location { return ix.location(p + q) }
			s := inspectSpec(&doc, locate)
			s.Source = SourceInspect
			s.Loc = ix.location(p)
			s.Loc.Object = ContainerObject(s.Name, doc.ID)
			f.Specs = append(f.Specs, s)
		case docSummary:
			var doc ctypes.Summary
			if err := json.Unmarshal(raw, &doc); err != nil {
				return nil, decodeError(ix, p, sp.start, err)
			}
			s := summarySpec(&doc, func(q string) finding.Location { return ix.location(p + q) })
			s.Loc = ix.location(p)
			s.Loc.Object = ContainerObject(s.Name, doc.ID)
			f.Specs = append(f.Specs, s)
			if !listNoted {
				listNoted = true
				f.Notes = append(f.Notes, Note{
					Message: "this is the container list (GET /containers/json, as docker ps reads it), not docker inspect output: " +
						"only the image, network mode, mounts and published ports are checked; run docker inspect on the containers for a full audit",
					Loc: ix.location("$"),
				})
			}
		case docImage:
			f.Notes = append(f.Notes, Note{
				Message: p + " is an image (docker image inspect), not a container: it has no runtime settings to check",
				Loc:     ix.location(p),
			})
		}
	}
	return f, nil
}

// keepInspectPath says which JSON paths the index records: the documents,
// their top-level keys, and everything under the keys specs are read from.
func keepInspectPath(p string, depth int) bool {
	if depth <= 2 {
		return true
	}
	// Strip the document step: "$[3]" or "$".
	rest := p[1:]
	if strings.HasPrefix(rest, "[") {
		if i := strings.IndexByte(rest, ']'); i > 0 {
			rest = rest[i+1:]
		}
	}
	for _, k := range []string{".HostConfig", ".Config", ".Mounts", ".Ports", ".Names"} {
		if strings.HasPrefix(rest, k) && (len(rest) == len(k) || rest[len(k)] == '.' || rest[len(k)] == '[') {
			return true
		}
	}
	// The names of the networks joined, not their settings.
	const nets = ".NetworkSettings.Networks"
	return strings.HasPrefix(rest, nets) && (len(rest) == len(nets) || rest[len(nets)] == '[' && strings.HasSuffix(rest, "']") && lastStepBracket(rest) == len(nets))
}

type docKind int

const (
	docContainer docKind = iota
	docSummary
	docImage
)

// classify tells a container inspect document from an image inspect
// document and from an entry of the container list, by their keys.
func classify(raw []byte) (docKind, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return 0, err
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("Names") && !has("Name") && has("Id"):
		return docSummary, nil
	case has("HostConfig") && (has("Config") || has("Name") || has("State")):
		return docContainer, nil
	case has("RootFS") || has("RepoTags") || has("RepoDigests") || has("ContainerConfig") || has("Architecture") && has("Os"):
		return docImage, nil
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) > 6 {
		names = append(names[:6], "...")
	}
	return 0, fmt.Errorf("not a docker inspect document: no HostConfig (container) nor RootFS/RepoTags (image); its keys are %s", strings.Join(names, ", "))
}

// decodeError turns a decoding error in the document at p (starting at
// byte off) into an Error with the line of the offending value.
func decodeError(ix *jsonIndex, p string, off int, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// Field names Go's embedded structs too: HostConfig embeds Resources,
		// which is no key of the JSON.
		field := strings.Replace(te.Field, "HostConfig.Resources.", "HostConfig.", 1)
		if field != "" {
			field = "." + field
		}
		return ix.errorAt(off+int(te.Offset), fmt.Sprintf("%s%s: a JSON %s where docker inspect has %s", p, field, te.Value, te.Type))
	}
	return ix.errorAt(off, fmt.Sprintf("%s: %v", p, err))
}

// ContainerObject names a container in a Location's Object:
// "container NAME (ID12)".
func ContainerObject(name, id string) string {
	if len(id) > 12 {
		id = id[:12]
	}
	switch {
	case name == "":
		return "container " + id
	case id == "":
		return "container " + name
	}
	return "container " + name + " (" + id + ")"
}

// inspectSpec converts a container inspect document to a Spec. locate
// gives the location of a JSON path relative to the document (".HostConfig.Privileged");
// a live engine passes one that names the container.
//
// Set semantics: an inspect document states every setting, so a value is
// Set when it differs from Docker's default for a container created
// without the flag, and its Loc always points at the field. The defaults
// taken as "not set": zero values; NetworkMode "default"; IpcMode
// "private" or "shareable"; CgroupnsMode "private"; restart policy "no"
// or ""; PidsLimit null or 0; MemorySwap equal to twice Memory (what the
// engine sets when only -m is given); SecurityOpt "label=disable" on a
// privileged container or one in the host's IPC or PID namespace (the
// engine adds it). Config comes merged with the
// image's config, so User, Env and Healthcheck include what the image
// sets. Networks are the user-defined networks joined (NetworkMode when it
// names one, then NetworkSettings.Networks), not the modes.
func inspectSpec(doc *ctypes.InspectResponse, locate func(string) finding.Location) *Spec {
	s := &Spec{Name: strings.TrimPrefix(doc.Name, "/")}
	if s.Name == "" {
		s.Name = shortID(doc.ID)
	}
	cfg := doc.Config
	if cfg == nil {
		cfg = &ctypes.Config{}
	}
	hc := doc.HostConfig
	if hc == nil {
		hc = &ctypes.HostConfig{}
	}
	str := func(p, v string, set bool) Str { return Str{Value: v, Set: set && v != "", Loc: locate(p)} }
	num := func(p string, v int64, set bool) Int { return Int{Value: v, Set: set && v != 0, Loc: locate(p)} }
	boolean := func(p string, v bool) Bool { return Bool{Value: v, Set: v, Loc: locate(p)} }

	s.Image = str(".Config.Image", cfg.Image, true)
	s.User = str(".Config.User", cfg.User, true)
	s.Privileged = boolean(".HostConfig.Privileged", hc.Privileged)
	s.ReadOnlyRootfs = boolean(".HostConfig.ReadonlyRootfs", hc.ReadonlyRootfs)
	for i, c := range hc.CapAdd {
		s.CapAdd = append(s.CapAdd, str(".HostConfig.CapAdd["+strconv.Itoa(i)+"]", c, true))
	}
	for i, c := range hc.CapDrop {
		s.CapDrop = append(s.CapDrop, str(".HostConfig.CapDrop["+strconv.Itoa(i)+"]", c, true))
	}
	// The engine adds label=disable by itself to a privileged container and
	// to one sharing the host's IPC or PID namespace: it is implied, not
	// configured.
	implied := hc.Privileged || hc.IpcMode == "host" || hc.PidMode == "host"
	for i, o := range hc.SecurityOpt {
		if implied && (o == "label=disable" || o == "label:disable") {
			continue
		}
		s.SecurityOpt = append(s.SecurityOpt, str(".HostConfig.SecurityOpt["+strconv.Itoa(i)+"]", o, true))
	}
	s.Memory = num(".HostConfig.Memory", hc.Memory, true)
	s.MemorySwap = num(".HostConfig.MemorySwap", hc.MemorySwap, !(hc.Memory > 0 && hc.MemorySwap == 2*hc.Memory))
	s.NanoCPUs = num(".HostConfig.NanoCpus", hc.NanoCPUs, true)
	s.CPUQuota = num(".HostConfig.CpuQuota", hc.CPUQuota, true)
	s.CPUShares = num(".HostConfig.CpuShares", hc.CPUShares, true)
	s.CpusetCpus = str(".HostConfig.CpusetCpus", hc.CpusetCpus, true)
	s.PidsLimit = Int{Loc: locate(".HostConfig.PidsLimit")}
	if hc.PidsLimit != nil {
		s.PidsLimit.Value = *hc.PidsLimit
		s.PidsLimit.Set = *hc.PidsLimit != 0
	}
	nm := string(hc.NetworkMode)
	s.NetworkMode = str(".HostConfig.NetworkMode", nm, nm != "default")
	ipc := string(hc.IpcMode)
	s.IpcMode = str(".HostConfig.IpcMode", ipc, ipc != "private" && ipc != "shareable")
	s.PidMode = str(".HostConfig.PidMode", string(hc.PidMode), true)
	s.UTSMode = str(".HostConfig.UTSMode", string(hc.UTSMode), true)
	s.UsernsMode = str(".HostConfig.UsernsMode", string(hc.UsernsMode), true)
	cg := string(hc.CgroupnsMode)
	s.CgroupnsMode = str(".HostConfig.CgroupnsMode", cg, cg != "private")
	s.CgroupParent = str(".HostConfig.CgroupParent", hc.CgroupParent, true)

	s.Networks = inspectNetworks(doc, locate)
	s.Mounts = inspectMounts(doc, locate)
	tmpfs := make([]string, 0, len(hc.Tmpfs))
	for t := range hc.Tmpfs {
		tmpfs = append(tmpfs, t)
	}
	sort.Strings(tmpfs)
	for _, t := range tmpfs {
		s.Tmpfs = append(s.Tmpfs, str(".HostConfig.Tmpfs"+member(t), t, true))
	}
	for i, d := range hc.Devices {
		s.Devices = append(s.Devices, str(".HostConfig.Devices["+strconv.Itoa(i)+"]", deviceString(d), true))
	}
	s.Ports = inspectPorts(hc.PortBindings, locate)

	rp := string(hc.RestartPolicy.Name)
	s.Restart = str(".HostConfig.RestartPolicy.Name", rp, rp != "no")
	s.RestartMax = num(".HostConfig.RestartPolicy.MaximumRetryCount", int64(hc.RestartPolicy.MaximumRetryCount), true)
	s.HealthcheckDisabled = Bool{Loc: locate(".Config.Healthcheck")}
	if hc := cfg.Healthcheck; hc != nil && len(hc.Test) > 0 && hc.Test[0] == "NONE" {
		s.HealthcheckDisabled = Bool{Value: true, Set: true, Loc: locate(".Config.Healthcheck.Test[0]")}
	}
	for i, e := range cfg.Env {
		name, value, has := strings.Cut(e, "=")
		s.Env = append(s.Env, EnvVar{Name: name, Value: value, HasValue: has, Loc: locate(".Config.Env[" + strconv.Itoa(i) + "]")})
	}
	return s
}

// networkModes are the --network values that are modes, not networks.
var networkModes = map[string]bool{"": true, "default": true, "bridge": true, "host": true, "none": true}

// inspectNetworks lists the user-defined networks the container joins: the
// one of NetworkMode, then the others it is connected to, by name.
func inspectNetworks(doc *ctypes.InspectResponse, locate func(string) finding.Location) []Str {
	var out []Str
	seen := map[string]bool{}
	add := func(name, p string) {
		if networkModes[name] || strings.HasPrefix(name, "container:") || seen[name] {
			return
		}
		seen[name] = true
		out = append(out, Str{Value: name, Set: true, Loc: locate(p)})
	}
	if doc.HostConfig != nil {
		add(string(doc.HostConfig.NetworkMode), ".HostConfig.NetworkMode")
	}
	if doc.NetworkSettings != nil {
		names := make([]string, 0, len(doc.NetworkSettings.Networks))
		for n := range doc.NetworkSettings.Networks {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			add(n, ".NetworkSettings.Networks"+member(n))
		}
	}
	return out
}

// inspectMounts reads the mounts in effect (.Mounts); a document without
// them (one saved from a create request) falls back to HostConfig.Binds
// and HostConfig.Mounts.
func inspectMounts(doc *ctypes.InspectResponse, locate func(string) finding.Location) []Mount {
	var out []Mount
	if doc.Mounts != nil {
		for i, m := range doc.Mounts {
			out = append(out, mountPoint(m, locate(".Mounts["+strconv.Itoa(i)+"]")))
		}
		return out
	}
	if doc.HostConfig == nil {
		return nil
	}
	for i, b := range doc.HostConfig.Binds {
		out = append(out, parseBind(b, locate(".HostConfig.Binds["+strconv.Itoa(i)+"]")))
	}
	for i, m := range doc.HostConfig.Mounts {
		mt := Mount{Type: string(m.Type), Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly,
			Loc: locate(".HostConfig.Mounts[" + strconv.Itoa(i) + "]")}
		if m.BindOptions != nil {
			mt.Propagation = string(m.BindOptions.Propagation)
		}
		out = append(out, mt)
	}
	return out
}

// mountPoint converts an entry of .Mounts; a volume's Source is its name.
func mountPoint(m ctypes.MountPoint, loc finding.Location) Mount {
	src := m.Source
	if m.Type == "volume" && m.Name != "" {
		src = m.Name
	}
	return Mount{Type: string(m.Type), Source: src, Target: m.Destination, ReadOnly: !m.RW, Propagation: string(m.Propagation), Loc: loc}
}

// parseBind reads a HostConfig.Binds entry: SRC:DST[:OPTIONS], where a SRC
// that is not an absolute path names a volume.
func parseBind(b string, loc finding.Location) Mount {
	parts := strings.Split(b, ":")
	m := Mount{Type: "bind", Loc: loc}
	switch len(parts) {
	case 1:
		m.Type, m.Target = "volume", parts[0]
		return m
	default:
		m.Source, m.Target = parts[0], parts[1]
	}
	if !strings.HasPrefix(m.Source, "/") {
		m.Type = "volume"
	}
	if len(parts) > 2 {
		for _, o := range strings.Split(parts[2], ",") {
			switch o {
			case "ro":
				m.ReadOnly = true
			case "shared", "rshared", "slave", "rslave", "private", "rprivate":
				m.Propagation = o
			}
		}
	}
	return m
}

// deviceString writes a device mapping as --device takes it: the host
// path alone when the container path and permissions are the defaults.
func deviceString(d ctypes.DeviceMapping) string {
	s := d.PathOnHost
	perms := d.CgroupPermissions
	if perms == "rwm" {
		perms = ""
	}
	if d.PathInContainer != "" && (d.PathInContainer != d.PathOnHost || perms != "") {
		s += ":" + d.PathInContainer
	}
	if perms != "" {
		s += ":" + perms
	}
	return s
}

// inspectPorts reads HostConfig.PortBindings in port order.
func inspectPorts(pm network.PortMap, locate func(string) finding.Location) []Port {
	keys := make([]network.Port, 0, len(pm))
	for k := range pm {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Num() != keys[j].Num() {
			return keys[i].Num() < keys[j].Num()
		}
		return keys[i].Proto() < keys[j].Proto()
	})
	var out []Port
	for _, k := range keys {
		for i, b := range pm[k] {
			out = append(out, Port{
				HostIP: addrString(b.HostIP), HostPort: b.HostPort,
				ContainerPort: k.Port(), Protocol: string(k.Proto()),
				Loc: locate(".HostConfig.PortBindings" + member(k.String()) + "[" + strconv.Itoa(i) + "]"),
			})
		}
	}
	return out
}

// addrString is an address as written, "" for none.
func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// summarySpec reads an entry of the container list: only the image,
// network mode, mounts and published ports are known, so the spec is
// Partial and rules about missing settings stay silent.
func summarySpec(doc *ctypes.Summary, locate func(string) finding.Location) *Spec {
	s := &Spec{Source: SourceInspect, Partial: true}
	if len(doc.Names) > 0 {
		s.Name = strings.TrimPrefix(doc.Names[0], "/")
	} else {
		s.Name = shortID(doc.ID)
	}
	s.Image = Str{Value: doc.Image, Set: doc.Image != "", Loc: locate(".Image")}
	nm := doc.HostConfig.NetworkMode
	s.NetworkMode = Str{Value: nm, Set: nm != "" && nm != "default", Loc: locate(".HostConfig.NetworkMode")}
	for i, m := range doc.Mounts {
		s.Mounts = append(s.Mounts, mountPoint(m, locate(".Mounts["+strconv.Itoa(i)+"]")))
	}
	for i, p := range doc.Ports {
		if p.PublicPort == 0 {
			continue // exposed, not published
		}
		s.Ports = append(s.Ports, Port{
			HostIP: addrString(p.IP), HostPort: strconv.Itoa(int(p.PublicPort)),
			ContainerPort: strconv.Itoa(int(p.PrivatePort)), Protocol: p.Type,
			Loc: locate(".Ports[" + strconv.Itoa(i) + "]"),
		})
	}
	return s
}
