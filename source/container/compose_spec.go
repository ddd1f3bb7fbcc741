package container

import (
	"fmt"
	"math"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/finding"
)

// build turns compose-go's project into the file's specs and Compose
// model, with positions from the YAML nodes.
func (l *composeLoader) build(f *File, p *types.Project) {
	all := map[string]types.ServiceConfig{}
	for n, s := range p.DisabledServices {
		all[n] = s
	}
	for n, s := range p.Services {
		all[n] = s
	}
	_, svcs := mapGet(l.main.root, "services")
	var own, included []string
	seen := map[string]bool{}
	for _, kv := range mapPairs(svcs) {
		if _, ok := all[kv[0].Value]; ok && !seen[kv[0].Value] {
			own = append(own, kv[0].Value)
			seen[kv[0].Value] = true
		}
	}
	for n := range all {
		if !seen[n] {
			included = append(included, n)
		}
	}
	sort.Strings(included)
	for _, n := range own {
		s := l.service(n, all[n], false)
		f.Specs = append(f.Specs, s.spec)
		s.compose(f.Compose)
	}
	for _, n := range included {
		s := l.service(n, all[n], true)
		s.compose(f.Compose)
	}
	l.networks(f.Compose, p)
	_, secrets := mapGet(l.main.root, "secrets")
	for name := range p.Secrets {
		loc := finding.Location{Path: l.path, Object: "secrets." + name}
		if k, _ := mapGet(secrets, name); k != nil {
			loc.Start, loc.End = pos(k), l.main.end(k)
		}
		f.Compose.Secrets[name] = loc
	}
}

// networks fills the top-level networks. A network whose `internal` is
// built from an unset variable is recorded as internal, so that isolation
// rules stay silent on it, and a note says so.
func (l *composeLoader) networks(c *Compose, p *types.Project) {
	_, nets := mapGet(l.main.root, "networks")
	names := make([]string, 0, len(p.Networks))
	for n := range p.Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		nc := p.Networks[name]
		n := &Network{Name: name, Internal: nc.Internal, External: bool(nc.External), Driver: nc.Driver,
			Loc: finding.Location{Path: l.path, Object: "networks." + name}}
		if k, v := mapGet(nets, name); k != nil {
			n.Loc.Start, n.Loc.End = pos(k), l.main.end(k)
			if ik, iv := mapGet(v, "internal"); ik != nil && l.unknown(iv) {
				n.Unknown = true
				l.notes = append(l.notes, Note{
					Message: fmt.Sprintf("network %s: internal is built from an unset variable; rules do not judge it", name),
					Loc:     finding.Location{Path: l.path, Start: pos(ik), End: l.main.end(iv), Object: "networks." + name + ".internal"},
				})
			}
		}
		c.Networks[name] = n
	}
}

// svcRef is a service's definition in one file: the service itself, or a
// service it extends.
type svcRef struct {
	doc      *ydoc
	key, val *yaml.Node
}

// svcCtx builds one service's spec.
type svcCtx struct {
	l        *composeLoader
	name     string
	svc      types.ServiceConfig
	chain    []svcRef
	included bool
	spec     *Spec
}

// chain returns the definitions of a service: its own, then those it
// extends, in this file or others.
func (l *composeLoader) chain(d *ydoc, name string) []svcRef {
	var out []svcRef
	for range maxMergeDepth {
		if d == nil {
			break
		}
		_, svcs := mapGet(d.root, "services")
		k, v := mapGet(svcs, name)
		if k == nil {
			break
		}
		out = append(out, svcRef{d, k, v})
		_, ext := mapGet(v, "extends")
		switch {
		case ext == nil:
			return out
		case ext.Kind == yaml.ScalarNode:
			name = l.interpolate(ext.Value)
			continue
		}
		_, sn := mapGet(ext, "service")
		if sn == nil {
			break
		}
		name = l.interpolate(sn.Value)
		if _, fn := mapGet(ext, "file"); fn != nil {
			p := filepath.FromSlash(l.interpolate(fn.Value))
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(d.abs), p)
			}
			d = l.docs[filepath.Clean(p)]
		}
	}
	return out
}

func (l *composeLoader) service(name string, svc types.ServiceConfig, included bool) *svcCtx {
	s := &svcCtx{l: l, name: name, svc: svc, included: included}
	spec := &Spec{Name: name, Source: SourceCompose}
	if len(svc.Profiles) > 0 {
		spec.Name = fmt.Sprintf("%s (profile: %s)", name, strings.Join(svc.Profiles, ", "))
	}
	s.spec = spec
	if !included {
		s.chain = l.chain(l.main, name)
	}
	switch {
	case len(s.chain) > 0:
		k := s.chain[0].key
		spec.Loc = finding.Location{Path: l.path, Start: pos(k), End: l.main.end(k), Object: "services." + name}
	default:
		spec.Loc = l.includeLoc(name)
	}
	s.fill()
	return s
}

// includeLoc points at the include entry a service comes from.
func (l *composeLoader) includeLoc(name string) finding.Location {
	loc := finding.Location{Path: l.path, Object: "services." + name + " (included)"}
	k, inc := mapGet(l.main.root, "include")
	if k == nil {
		return loc
	}
	loc.Start, loc.End = pos(k), l.main.end(k)
	for abs, d := range l.docs {
		if d == l.main {
			continue
		}
		if sk, _ := mapPath(d.root, "services", name); sk != nil {
			loc.Object = fmt.Sprintf("services.%s (included from %s)", name, d.path)
			for _, it := range items(inc) {
				pn := it
				if it.Kind == yaml.MappingNode {
					_, p := mapGet(it, "path")
					if ps := items(p); len(ps) > 0 {
						pn = ps[0]
					}
				}
				if pn.Kind != yaml.ScalarNode {
					continue
				}
				p := filepath.FromSlash(l.interpolate(pn.Value))
				if !filepath.IsAbs(p) {
					p = filepath.Join(l.dir, p)
				}
				if filepath.Clean(p) == abs {
					loc.Start, loc.End = pos(pn), l.main.end(pn)
				}
			}
			break
		}
	}
	return loc
}

// find returns the first definition in the chain that has the key path.
func (s *svcCtx) find(keys ...string) (svcRef, *yaml.Node, *yaml.Node, bool) {
	for _, r := range s.chain {
		if k, v := mapPath(r.val, keys...); k != nil {
			return r, k, v, true
		}
	}
	return svcRef{}, nil, nil, false
}

// loc is the location of a value: its text in this file, else the
// service's own location (a value inherited from another file, or from an
// included service).
func (s *svcCtx) loc(r svcRef, start, last *yaml.Node, object string) finding.Location {
	obj := "services." + s.name + object
	if r.doc == s.l.main && start != nil {
		return finding.Location{Path: s.l.path, Start: pos(start), End: r.doc.end(last), Object: obj}
	}
	lc := s.spec.Loc
	lc.Object = obj
	if r.doc != nil {
		lc.Object += " (from " + r.doc.path + ")"
	} else if s.included {
		lc.Object += " (included)"
	}
	return lc
}

func objPath(keys ...string) string { return "." + strings.Join(keys, ".") }

// str is a string setting at keys.
func (s *svcCtx) str(value string, keys ...string) Str {
	r, k, v, ok := s.find(keys...)
	if !ok {
		if !s.included || value == "" {
			return Str{}
		}
		return Str{Value: value, Set: true, Loc: s.loc(r, nil, nil, objPath(keys...))}
	}
	unknown := s.l.unknown(v)
	return Str{Value: value, Set: value != "" || unknown, Unknown: unknown, Loc: s.loc(r, k, v, objPath(keys...))}
}

// boolean is a boolean setting at keys.
func (s *svcCtx) boolean(value bool, keys ...string) Bool {
	r, k, v, ok := s.find(keys...)
	if !ok {
		if !s.included || !value {
			return Bool{}
		}
		return Bool{Value: value, Set: true, Loc: s.loc(r, nil, nil, objPath(keys...))}
	}
	return Bool{Value: value, Set: true, Unknown: s.l.unknown(v), Loc: s.loc(r, k, v, objPath(keys...))}
}

// integer is a numeric setting at keys.
func (s *svcCtx) integer(value int64, keys ...string) Int {
	r, k, v, ok := s.find(keys...)
	if !ok {
		if !s.included || value == 0 {
			return Int{}
		}
		return Int{Value: value, Set: true, Loc: s.loc(r, nil, nil, objPath(keys...))}
	}
	return Int{Value: value, Set: true, Unknown: s.l.unknown(v), Loc: s.loc(r, k, v, objPath(keys...))}
}

// has reports whether the key path is written in the service's chain.
func (s *svcCtx) has(keys ...string) bool {
	_, _, _, ok := s.find(keys...)
	return ok
}

// entry is one list entry (or mapping pair) of a list-valued key.
type entry struct {
	ref   svcRef
	key   *yaml.Node // the mapping key, for a mapping form
	node  *yaml.Node // the list item, or the mapping value
	index int
	text  string // the interpolated scalar, for a scalar entry
}

func (e entry) start() *yaml.Node {
	if e.key != nil {
		return e.key
	}
	return e.node
}

// entries returns the entries of a list-valued key across the chain.
func (s *svcCtx) entries(keys ...string) []entry {
	var out []entry
	for _, r := range s.chain {
		_, v := mapPath(r.val, keys...)
		if v == nil {
			continue
		}
		if v.Kind == yaml.MappingNode {
			for i, kv := range mapPairs(v) {
				e := entry{ref: r, key: kv[0], node: kv[1], index: i, text: s.l.interpolate(kv[0].Value)}
				out = append(out, e)
			}
			continue
		}
		for i, it := range items(v) {
			e := entry{ref: r, node: it, index: i}
			if it.Kind == yaml.ScalarNode {
				e.text = s.l.interpolate(it.Value)
			}
			out = append(out, e)
		}
	}
	return out
}

// field returns the interpolated value of a key in a mapping entry.
func (s *svcCtx) field(n *yaml.Node, key string) string {
	_, v := mapGet(n, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return s.l.interpolate(v.Value)
}

// at locates a list entry.
func (s *svcCtx) at(e *entry, keys ...string) finding.Location {
	obj := objPath(keys...)
	if e == nil {
		if r, k, v, ok := s.find(keys...); ok {
			return s.loc(r, k, v, obj)
		}
		return s.loc(svcRef{}, nil, nil, obj)
	}
	if e.key != nil {
		obj += "." + e.key.Value
	} else {
		obj += fmt.Sprintf("[%d]", e.index)
	}
	return s.loc(e.ref, e.start(), e.node, obj)
}

func (s *svcCtx) unknownEntry(e *entry) bool {
	if e == nil {
		return false
	}
	return s.l.unknown(e.node) || e.key != nil && s.l.unknown(e.key)
}

// match finds the first unused entry satisfying pred.
func match(es []entry, used map[int]bool, pred func(e entry) bool) *entry {
	for i := range es {
		if !used[i] && pred(es[i]) {
			used[i] = true
			return &es[i]
		}
	}
	return nil
}

func (s *svcCtx) fill() {
	sp, svc := s.spec, s.svc
	sp.Image = s.str(svc.Image, "image")
	sp.Privileged = s.boolean(svc.Privileged, "privileged")
	sp.APISocket = s.boolean(svc.UseAPISocket, "use_api_socket")
	sp.Built = svc.Build != nil
	sp.User = s.str(svc.User, "user")
	sp.ReadOnlyRootfs = s.boolean(svc.ReadOnly, "read_only")
	sp.CapAdd = s.strList(svc.CapAdd, true, "cap_add")
	sp.CapDrop = s.strList(svc.CapDrop, true, "cap_drop")
	sp.SecurityOpt = s.strList(svc.SecurityOpt, false, "security_opt")
	sp.NetworkMode = s.str(svc.NetworkMode, "network_mode")
	sp.PidMode = s.str(svc.Pid, "pid")
	sp.IpcMode = s.str(svc.Ipc, "ipc")
	sp.UTSMode = s.str(svc.Uts, "uts")
	sp.UsernsMode = s.str(svc.UserNSMode, "userns_mode")
	sp.CgroupnsMode = s.str(svc.Cgroup, "cgroup")
	sp.CgroupParent = s.str(svc.CgroupParent, "cgroup_parent")
	sp.CpusetCpus = s.str(svc.CPUSet, "cpuset")
	sp.CPUQuota = s.integer(svc.CPUQuota, "cpu_quota")
	sp.CPUShares = s.integer(svc.CPUShares, "cpu_shares")
	sp.MemorySwap = s.integer(int64(svc.MemSwapLimit), "memswap_limit")

	var limits *types.Resource
	if svc.Deploy != nil {
		limits = svc.Deploy.Resources.Limits
	}
	sp.Memory = s.integer(int64(svc.MemLimit), "mem_limit")
	if !sp.Memory.Set && limits != nil {
		sp.Memory = s.integer(int64(limits.MemoryBytes), "deploy", "resources", "limits", "memory")
	}
	sp.NanoCPUs = s.integer(nano(float64(svc.CPUS)), "cpus")
	if !sp.NanoCPUs.Set && limits != nil {
		sp.NanoCPUs = s.integer(nano(float64(limits.NanoCPUs)), "deploy", "resources", "limits", "cpus")
	}
	sp.PidsLimit = s.integer(svc.PidsLimit, "pids_limit")
	if !sp.PidsLimit.Set && limits != nil {
		sp.PidsLimit = s.integer(limits.Pids, "deploy", "resources", "limits", "pids")
	}
	s.restart()
	s.healthcheck()
	s.mounts()
	s.tmpfs()
	s.devices()
	s.ports()
	sp.Env = s.envVars(svc.Environment, "environment")
	s.networkList()
}

func nano(cpus float64) int64 { return int64(math.Round(cpus * 1e9)) }

// strList matches a list of strings from the model to its entries.
func (s *svcCtx) strList(values []string, fold bool, key string) []Str {
	es := s.entries(key)
	used := map[int]bool{}
	var out []Str
	for _, v := range values {
		e := match(es, used, func(e entry) bool {
			return e.text == v || fold && strings.EqualFold(strings.TrimPrefix(strings.ToUpper(e.text), "CAP_"), strings.TrimPrefix(strings.ToUpper(v), "CAP_"))
		})
		if e == nil && !s.included {
			if len(es) == 0 {
				continue // not written: a default of compose-go's
			}
		}
		out = append(out, Str{Value: v, Set: true, Unknown: s.unknownEntry(e), Loc: s.at(e, key)})
	}
	return out
}

func (s *svcCtx) restart() {
	sp, svc := s.spec, s.svc
	if svc.Restart != "" && (s.has("restart") || s.included) {
		name, maxRetries, _ := strings.Cut(svc.Restart, ":")
		sp.Restart = s.str(name, "restart")
		if n, err := strconv.ParseInt(maxRetries, 10, 64); err == nil {
			sp.RestartMax = s.integer(n, "restart")
		}
		return
	}
	if svc.Deploy == nil || svc.Deploy.RestartPolicy == nil {
		return
	}
	rp := svc.Deploy.RestartPolicy
	if rp.Condition != "" {
		cond := map[string]string{"any": "always", "none": "no"}[rp.Condition]
		if cond == "" {
			cond = rp.Condition
		}
		sp.Restart = s.str(cond, "deploy", "restart_policy", "condition")
	}
	if rp.MaxAttempts != nil {
		sp.RestartMax = s.integer(int64(*rp.MaxAttempts), "deploy", "restart_policy", "max_attempts")
	}
}

func (s *svcCtx) healthcheck() {
	hc := s.svc.HealthCheck
	if hc == nil {
		return
	}
	switch {
	case hc.Disable:
		s.spec.HealthcheckDisabled = s.boolean(true, "healthcheck", "disable")
	case len(hc.Test) > 0 && strings.EqualFold(hc.Test[0], "NONE"):
		s.spec.HealthcheckDisabled = s.boolean(true, "healthcheck", "test")
	default:
		s.spec.HealthcheckDisabled = s.boolean(false, "healthcheck")
	}
	if !s.spec.HealthcheckDisabled.Set && s.included {
		s.spec.HealthcheckDisabled = Bool{Value: hc.Disable, Set: true, Loc: s.spec.Loc}
	}
}

// volumeTarget returns the container path of a volumes entry.
func (s *svcCtx) volumeTarget(e entry) string {
	if e.node.Kind == yaml.MappingNode {
		return s.field(e.node, "target")
	}
	v, err := format.ParseVolume(e.text)
	if err != nil {
		return ""
	}
	return v.Target
}

func (s *svcCtx) mounts() {
	es := s.entries("volumes")
	used := map[int]bool{}
	for _, v := range s.svc.Volumes {
		e := match(es, used, func(e entry) bool { return path.Clean(s.volumeTarget(e)) == path.Clean(v.Target) })
		m := Mount{Type: v.Type, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly, Unknown: s.unknownEntry(e), Loc: s.at(e, "volumes")}
		if v.Bind != nil {
			m.Propagation = v.Bind.Propagation
		}
		s.spec.Mounts = append(s.spec.Mounts, m)
		if v.Type == types.VolumeTypeTmpfs {
			s.spec.Tmpfs = append(s.spec.Tmpfs, Str{Value: v.Target, Set: true, Unknown: m.Unknown, Loc: m.Loc})
		}
	}
}

func (s *svcCtx) tmpfs() {
	es := s.entries("tmpfs")
	used := map[int]bool{}
	var out []Str
	for _, t := range s.svc.Tmpfs {
		target, _, _ := strings.Cut(t, ":")
		e := match(es, used, func(e entry) bool { return e.text == t })
		out = append(out, Str{Value: target, Set: true, Unknown: s.unknownEntry(e), Loc: s.at(e, "tmpfs")})
	}
	s.spec.Tmpfs = append(out, s.spec.Tmpfs...)
}

func (s *svcCtx) devices() {
	es := s.entries("devices")
	used := map[int]bool{}
	for _, d := range s.svc.Devices {
		e := match(es, used, func(e entry) bool {
			if e.node.Kind == yaml.MappingNode {
				return s.field(e.node, "source") == d.Source
			}
			src, _, _ := strings.Cut(e.text, ":")
			return src == d.Source
		})
		v := d.Source
		if d.Target != "" && d.Target != d.Source || d.Permissions != "" && d.Permissions != "rwm" {
			v += ":" + cmpOr(d.Target, d.Source)
		}
		if d.Permissions != "" && d.Permissions != "rwm" {
			v += ":" + d.Permissions
		}
		s.spec.Devices = append(s.spec.Devices, Str{Value: v, Set: true, Unknown: s.unknownEntry(e), Loc: s.at(e, "devices")})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func normProto(p string) string {
	if p == "" {
		return "tcp"
	}
	return strings.ToLower(p)
}

// ports groups the model's published ports (compose-go expands ranges
// into one entry per port) by the entry of the file they come from.
func (s *svcCtx) ports() {
	es := s.entries("ports")
	parsed := make([][]types.ServicePortConfig, len(es))
	for i, e := range es {
		if e.node.Kind == yaml.MappingNode {
			t, _ := strconv.ParseUint(s.field(e.node, "target"), 10, 32)
			parsed[i] = []types.ServicePortConfig{{
				Target: uint32(t), Published: s.field(e.node, "published"), HostIP: s.field(e.node, "host_ip"),
				Protocol: s.field(e.node, "protocol"),
			}}
			continue
		}
		parsed[i], _ = types.ParsePortConfig(e.text)
	}
	same := func(a, b types.ServicePortConfig) bool {
		return a.Target == b.Target && a.Published == b.Published && a.HostIP == b.HostIP && normProto(a.Protocol) == normProto(b.Protocol)
	}
	groups := make([][]types.ServicePortConfig, len(es))
	var loose []types.ServicePortConfig
	for _, mp := range s.svc.Ports {
		found := false
		for i := range es {
			if slices.ContainsFunc(parsed[i], func(p types.ServicePortConfig) bool { return same(p, mp) }) {
				groups[i] = append(groups[i], mp)
				found = true
				break
			}
		}
		if !found {
			loose = append(loose, mp)
		}
	}
	for i := range es {
		if len(groups[i]) > 0 {
			s.spec.Ports = append(s.spec.Ports, s.port(groups[i], &es[i]))
		}
	}
	for _, mp := range loose {
		s.spec.Ports = append(s.spec.Ports, s.port([]types.ServicePortConfig{mp}, nil))
	}
}

func (s *svcCtx) port(g []types.ServicePortConfig, e *entry) Port {
	p := Port{HostIP: g[0].HostIP, Protocol: normProto(g[0].Protocol), Unknown: s.unknownEntry(e), Loc: s.at(e, "ports")}
	first, last := g[0], g[len(g)-1]
	p.HostPort = first.Published
	if last.Published != first.Published && last.Published != "" {
		p.HostPort += "-" + last.Published
	}
	p.ContainerPort = strconv.FormatUint(uint64(first.Target), 10)
	if last.Target != first.Target {
		p.ContainerPort += "-" + strconv.FormatUint(uint64(last.Target), 10)
	}
	return p
}

// envName returns the variable an environment or args entry sets.
func envName(e entry) string {
	if e.key != nil {
		return e.text
	}
	n, _, _ := strings.Cut(e.text, "=")
	return n
}

// envVars lists a mapping-with-equals (environment, build args) in the
// order the file writes it.
func (s *svcCtx) envVars(m types.MappingWithEquals, keys ...string) []EnvVar {
	es := s.entries(keys...)
	var out []EnvVar
	done := map[string]bool{}
	add := func(name string, e *entry) {
		v, ok := m[name]
		if !ok || done[name] {
			return
		}
		done[name] = true
		ev := EnvVar{Name: name, HasValue: v != nil, Unknown: s.unknownEntry(e), FromVariable: e != nil && e.node != nil && strings.Contains(e.node.Value, "$"), Loc: s.at(e, keys...)}
		if v != nil {
			ev.Value = *v
		}
		out = append(out, ev)
	}
	for i := range es {
		add(envName(es[i]), &es[i])
	}
	var rest []string
	for name := range m {
		if !done[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		add(name, nil)
	}
	return out
}

func (s *svcCtx) networkList() {
	es := s.entries("networks")
	done := map[string]bool{}
	for i := range es {
		name := es[i].text
		if _, ok := s.svc.Networks[name]; !ok || done[name] {
			continue
		}
		done[name] = true
		s.spec.Networks = append(s.spec.Networks, Str{Value: name, Set: true, Unknown: s.unknownEntry(&es[i]), Loc: s.at(&es[i], "networks")})
	}
	var rest []string
	for name := range s.svc.Networks {
		if !done[name] && (name != "default" || s.included && len(s.svc.Networks) > 1) {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		s.spec.Networks = append(s.spec.Networks, Str{Value: name, Set: true, Loc: s.at(nil, "networks")})
	}
}

// usesDefaultNetwork reports whether the service is left on the implicit
// default network: no networks and no network_mode.
func (s *svcCtx) usesDefaultNetwork() bool {
	if s.included {
		_, onDefault := s.svc.Networks["default"]
		return s.svc.NetworkMode == "" && len(s.svc.Networks) == 1 && onDefault
	}
	return !s.has("networks") && !s.has("network_mode")
}

// compose records the service in the Compose model.
func (s *svcCtx) compose(c *Compose) {
	c.Services[s.name] = s.spec
	if len(s.svc.Profiles) > 0 {
		c.Profiles[s.name] = slices.Clone(s.svc.Profiles)
	}
	if s.usesDefaultNetwork() {
		c.UsesDefaultNetwork[s.name] = true
	}
	if s.svc.Build != nil && len(s.svc.Build.Args) > 0 {
		c.BuildArgs[s.name] = s.envVars(s.svc.Build.Args, "build", "args")
	}
	if len(s.svc.EnvFiles) > 0 {
		c.EnvFiles[s.name] = s.envFiles()
	}
}

// envFiles reads each env_file (relative to the Compose file's folder,
// bounded in size). Files given by an absolute path are not read: they
// are the host's, not the project's.
func (s *svcCtx) envFiles() []EnvFile {
	es := s.entries("env_file")
	used := map[int]bool{}
	var out []EnvFile
	for _, ef := range s.svc.EnvFiles {
		// compose-go makes env_file paths absolute whatever ResolvePaths
		// says: show them relative to the Compose file again.
		rel := ef.Path
		if filepath.IsAbs(rel) {
			if r, err := filepath.Rel(s.l.dir, rel); err == nil && !strings.HasPrefix(r, "..") {
				rel = r
			}
		}
		same := func(written string) bool {
			return filepath.Clean(filepath.FromSlash(written)) == filepath.Clean(rel) || written == ef.Path
		}
		e := match(es, used, func(e entry) bool {
			if e.node.Kind == yaml.MappingNode {
				return same(s.field(e.node, "path"))
			}
			return same(e.text)
		})
		p := filepath.ToSlash(rel)
		shown := p
		if !path.IsAbs(p) {
			shown = path.Join(path.Dir(s.l.path), p)
		}
		out1 := EnvFile{Path: shown, Loc: s.at(e, "env_file")}
		if !path.IsAbs(p) && !s.unknownEntry(e) {
			if data, err := readBounded(filepath.Join(s.l.dir, filepath.FromSlash(p)), maxEnvFileBytes); err == nil {
				out1.Read = true
				out1.Vars = parseEnvFile(shown, data)
			}
		}
		out = append(out, out1)
	}
	return out
}
