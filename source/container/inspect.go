package container

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// "host" is the engine's own default on cgroup v1 hosts, so an inspect
	// document cannot tell it from a choice: only "private" on v1 would be
	// one. Rules judge the namespace from command lines and Compose only.
	cg := string(hc.CgroupnsMode)
	s.CgroupnsMode = str(".HostConfig.CgroupnsMode", cg, false)
	s.CgroupParent = str(".HostConfig.CgroupParent", hc.CgroupParent, true)
	s.PublishAll = Bool{Value: hc.PublishAllPorts, Set: hc.PublishAllPorts, Loc: locate(".HostConfig.PublishAllPorts")}

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

// maxJSONDepth bounds the nesting of an inspect document; docker inspect
// output nests about eight levels deep.
const maxJSONDepth = 1000

// span is the byte range of a JSON value; for an object member it starts
// at the member's key.
type span struct{ start, end int }

// jsonIndex maps JSON paths ($[0].HostConfig.Privileged) to the byte range
// they occupy, so values decoded with encoding/json (which keeps no
// positions) can be pointed at.
type jsonIndex struct {
	path  string
	data  []byte
	spans map[string]span
	// lineStarts are the offsets at which each line starts.
	lineStarts []int
	// contBefore[k] counts the UTF-8 continuation bytes in
	// data[:k*contStride], so a column on a long line (minified JSON is
	// one line) costs no more than contStride bytes of counting.
	contBefore []int32
}

// contStride is the spacing of jsonIndex.contBefore.
const contStride = 256

// indexJSON indexes data, whose JSON text starts at offset base (after a
// byte-order mark). keep says which paths to record; every path is
// walked. The top-level value must be an object or an array of objects.
func indexJSON(path string, data []byte, base int, keep func(p string, depth int) bool) (*jsonIndex, error) {
	ix := &jsonIndex{path: path, data: data, spans: map[string]span{}}
	ix.lineStarts = append(ix.lineStarts, 0)
	ix.contBefore = make([]int32, 0, len(data)/contStride+1)
	var cont int32
	for i, b := range data {
		if i%contStride == 0 {
			ix.contBefore = append(ix.contBefore, cont)
		}
		switch {
		case b == '\n':
			ix.lineStarts = append(ix.lineStarts, i+1)
		case b&0xC0 == 0x80:
			cont++
		}
	}
	if len(data)%contStride == 0 {
		ix.contBefore = append(ix.contBefore, cont)
	}
	w := &walker{ix: ix, base: base, keep: keep, dec: json.NewDecoder(bytes.NewReader(data[base:]))}
	w.dec.UseNumber()
	if err := w.value("$", 0, -1); err != nil {
		return nil, err
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return nil, ix.errorAt(base+int(w.dec.InputOffset()), "unexpected data after the JSON value")
	}
	return ix, nil
}

type walker struct {
	ix   *jsonIndex
	dec  *json.Decoder
	base int
	keep func(string, int) bool
}

// value reads one JSON value at path. keyStart is the offset of the
// member's key, or -1 for an array element or the top-level value.
func (w *walker) value(p string, depth int, keyStart int) error {
	if depth > maxJSONDepth {
		return w.ix.errorAt(w.offset(), fmt.Sprintf("JSON nested deeper than %d levels", maxJSONDepth))
	}
	before := w.offset()
	tok, err := w.dec.Token()
	if err != nil {
		return w.syntaxError(err)
	}
	start := w.skipSeparators(before)
	if depth == 0 {
		if d, ok := tok.(json.Delim); !ok || d != '{' && d != '[' {
			return w.ix.errorAt(start, fmt.Sprintf("the JSON value is %s, not docker inspect output (an array of inspect documents, or one document)", describeToken(tok)))
		}
	}
	if depth == 1 && p[1] == '[' {
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return w.ix.errorAt(start, fmt.Sprintf("%s is %s, not an inspect document (a JSON object)", p, describeToken(tok)))
		}
	}
	switch tok {
	case json.Delim('{'):
		for w.dec.More() {
			kb := w.offset()
			kt, err := w.dec.Token()
			if err != nil {
				return w.syntaxError(err)
			}
			key, ok := kt.(string)
			if !ok {
				return w.ix.errorAt(kb, "object key is not a string")
			}
			if err := w.value(p+member(key), depth+1, w.skipSeparators(kb)); err != nil {
				return err
			}
		}
		if _, err := w.dec.Token(); err != nil {
			return w.syntaxError(err)
		}
	case json.Delim('['):
		for i := 0; w.dec.More(); i++ {
			if err := w.value(p+"["+strconv.Itoa(i)+"]", depth+1, -1); err != nil {
				return err
			}
		}
		if _, err := w.dec.Token(); err != nil {
			return w.syntaxError(err)
		}
	}
	if w.keep == nil || w.keep(p, depth) {
		if keyStart >= 0 {
			start = keyStart
		}
		w.ix.spans[p] = span{start: start, end: w.offset()} // a later duplicate key wins, as in encoding/json
	}
	return nil
}

func (w *walker) offset() int { return w.base + int(w.dec.InputOffset()) }

// skipSeparators returns the offset of the first byte at or after off that
// is not JSON whitespace, ':' or ','.
func (w *walker) skipSeparators(off int) int {
	for off < len(w.ix.data) {
		switch w.ix.data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

func (w *walker) syntaxError(err error) error {
	var se *json.SyntaxError
	off := w.offset()
	msg := err.Error()
	switch {
	case errors.As(err, &se):
		off = w.base + int(se.Offset)
		msg = se.Error()
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		off = len(w.ix.data)
		msg = "the JSON ends early (truncated?)"
	}
	return w.ix.errorAt(off, "invalid JSON: "+msg)
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// member returns the JSONPath step for an object key: .Key for plain
// identifiers, ['key'] otherwise.
func member(key string) string {
	plain := key != ""
	for i, r := range key {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return "." + key
	}
	var b bytes.Buffer
	b.WriteString("['")
	for _, r := range key {
		switch r {
		case '\'', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString("']")
	return b.String()
}

// position converts a byte offset to a line and a column counted in code
// points, both 1-based.
func (ix *jsonIndex) position(off int) finding.Position {
	if off > len(ix.data) {
		off = len(ix.data)
	}
	lo, hi := 0, len(ix.lineStarts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if ix.lineStarts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	ls := ix.lineStarts[lo]
	// Code points = bytes - continuation bytes (for valid UTF-8).
	col := off - ls - (ix.continuations(off) - ix.continuations(ls)) + 1
	return finding.Position{Line: lo + 1, Column: col, Offset: off}
}

// continuations counts the UTF-8 continuation bytes in data[:off].
func (ix *jsonIndex) continuations(off int) int {
	k := off / contStride
	n := int(ix.contBefore[k])
	for _, b := range ix.data[k*contStride : off] {
		if b&0xC0 == 0x80 {
			n++
		}
	}
	return n
}

// line returns the 1-based line of offset off.
func (ix *jsonIndex) line(off int) int { return ix.position(off).Line }

// errorAt returns an Error at the line of offset off.
func (ix *jsonIndex) errorAt(off int, msg string) *Error {
	return &Error{Path: ix.path, Line: ix.line(off), Msg: msg}
}

// location returns the location of path p, or of its nearest recorded
// ancestor when p is not in the document. The Object is the JSON path
// found.
func (ix *jsonIndex) location(p string) finding.Location {
	for q := p; q != ""; q = parentPath(q) {
		if sp, ok := ix.spans[q]; ok {
			return finding.Location{Path: ix.path, Start: ix.position(sp.start), End: ix.position(sp.end), Object: q}
		}
	}
	return finding.Location{Path: ix.path, Object: p}
}

// parentPath drops the last step of a JSON path; "" above "$".
func parentPath(p string) string {
	if p == "$" || p == "" {
		return ""
	}
	if p[len(p)-1] == ']' {
		// A [n] or ['key'] step: find its opening bracket, skipping quoted text.
		if i := lastStepBracket(p); i > 0 {
			return p[:i]
		}
	}
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '.' {
			return p[:i]
		}
	}
	return "$"
}

// lastStepBracket returns the index of the '[' that opens the final step
// of p, which ends with ']'.
func lastStepBracket(p string) int {
	if len(p) >= 2 && p[len(p)-2] == '\'' {
		for i := len(p) - 3; i >= 1; i-- {
			// Inside the key every ' is escaped, so an unescaped [' opens the step.
			if p[i] == '\'' && p[i-1] == '[' {
				return i - 1
			}
		}
		return -1
	}
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '[' {
			return i
		}
	}
	return -1
}
