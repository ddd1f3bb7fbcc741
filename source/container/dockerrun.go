package container

import (
	"encoding/csv"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/docker/go-units"

	"github.com/bulwark-sec/bulwark/finding"
)

// Word is one command-line argument as the shell would pass it.
type Word struct {
	// Value is the argument with quotes removed; expansions are kept as
	// written ("$MEM").
	Value string
	// Literal says the value holds no expansion.
	Literal bool
	// Splits says the word may expand to any number of arguments (an
	// unquoted variable, "$@").
	Splits bool
	Loc    finding.Location
}

// flagKind says how a docker run option takes its value.
type flagKind int

const (
	flagBool  flagKind = iota // --privileged, --privileged=false
	flagValue                 // --memory 512m, --memory=512m, -m512m
)

// runFlags are the options of `docker run` and `docker create` (Docker CLI
// 28), by every name they have. Values are the canonical long name.
var runFlags = map[string]struct {
	name string
	kind flagKind
}{
	"--add-host": {"add-host", flagValue}, "--annotation": {"annotation", flagValue},
	"-a": {"attach", flagValue}, "--attach": {"attach", flagValue},
	"--blkio-weight": {"blkio-weight", flagValue}, "--blkio-weight-device": {"blkio-weight-device", flagValue},
	"--cap-add": {"cap-add", flagValue}, "--cap-drop": {"cap-drop", flagValue},
	"--cgroup-parent": {"cgroup-parent", flagValue}, "--cgroupns": {"cgroupns", flagValue},
	"--cidfile": {"cidfile", flagValue}, "--cpu-count": {"cpu-count", flagValue}, "--cpu-percent": {"cpu-percent", flagValue},
	"--cpu-period": {"cpu-period", flagValue}, "--cpu-quota": {"cpu-quota", flagValue},
	"--cpu-rt-period": {"cpu-rt-period", flagValue}, "--cpu-rt-runtime": {"cpu-rt-runtime", flagValue},
	"-c": {"cpu-shares", flagValue}, "--cpu-shares": {"cpu-shares", flagValue}, "--cpus": {"cpus", flagValue},
	"--cpuset-cpus": {"cpuset-cpus", flagValue}, "--cpuset-mems": {"cpuset-mems", flagValue},
	"-d": {"detach", flagBool}, "--detach": {"detach", flagBool}, "--detach-keys": {"detach-keys", flagValue},
	"--device": {"device", flagValue}, "--device-cgroup-rule": {"device-cgroup-rule", flagValue},
	"--device-read-bps": {"device-read-bps", flagValue}, "--device-read-iops": {"device-read-iops", flagValue},
	"--device-write-bps": {"device-write-bps", flagValue}, "--device-write-iops": {"device-write-iops", flagValue},
	"--disable-content-trust": {"disable-content-trust", flagBool},
	"--dns":                   {"dns", flagValue}, "--dns-opt": {"dns-option", flagValue}, "--dns-option": {"dns-option", flagValue},
	"--dns-search": {"dns-search", flagValue}, "--domainname": {"domainname", flagValue},
	"--entrypoint": {"entrypoint", flagValue}, "-e": {"env", flagValue}, "--env": {"env", flagValue},
	"--env-file": {"env-file", flagValue}, "--expose": {"expose", flagValue}, "--gpus": {"gpus", flagValue},
	"--group-add": {"group-add", flagValue}, "--health-cmd": {"health-cmd", flagValue},
	"--health-interval": {"health-interval", flagValue}, "--health-retries": {"health-retries", flagValue},
	"--health-start-interval": {"health-start-interval", flagValue}, "--health-start-period": {"health-start-period", flagValue},
	"--health-timeout": {"health-timeout", flagValue}, "--help": {"help", flagBool},
	"-h": {"hostname", flagValue}, "--hostname": {"hostname", flagValue}, "--init": {"init", flagBool},
	"-i": {"interactive", flagBool}, "--interactive": {"interactive", flagBool},
	"--io-maxbandwidth": {"io-maxbandwidth", flagValue}, "--io-maxiops": {"io-maxiops", flagValue},
	"--ip": {"ip", flagValue}, "--ip6": {"ip6", flagValue}, "--ipc": {"ipc", flagValue},
	"--isolation": {"isolation", flagValue}, "--kernel-memory": {"kernel-memory", flagValue},
	"-l": {"label", flagValue}, "--label": {"label", flagValue}, "--label-file": {"label-file", flagValue},
	"--link": {"link", flagValue}, "--link-local-ip": {"link-local-ip", flagValue},
	"--log-driver": {"log-driver", flagValue}, "--log-opt": {"log-opt", flagValue},
	"--mac-address": {"mac-address", flagValue}, "-m": {"memory", flagValue}, "--memory": {"memory", flagValue},
	"--memory-reservation": {"memory-reservation", flagValue}, "--memory-swap": {"memory-swap", flagValue},
	"--memory-swappiness": {"memory-swappiness", flagValue}, "--mount": {"mount", flagValue},
	"--name": {"name", flagValue}, "--network": {"network", flagValue}, "--net": {"network", flagValue},
	"--network-alias": {"network-alias", flagValue}, "--net-alias": {"network-alias", flagValue},
	"--no-healthcheck": {"no-healthcheck", flagBool}, "--oom-kill-disable": {"oom-kill-disable", flagBool},
	"--oom-score-adj": {"oom-score-adj", flagValue}, "--pid": {"pid", flagValue}, "--pids-limit": {"pids-limit", flagValue},
	"--platform": {"platform", flagValue}, "--privileged": {"privileged", flagBool},
	"-p": {"publish", flagValue}, "--publish": {"publish", flagValue}, "-P": {"publish-all", flagBool},
	"--publish-all": {"publish-all", flagBool}, "--pull": {"pull", flagValue}, "-q": {"quiet", flagBool},
	"--quiet": {"quiet", flagBool}, "--read-only": {"read-only", flagBool}, "--restart": {"restart", flagValue},
	"--rm": {"rm", flagBool}, "--runtime": {"runtime", flagValue}, "--security-opt": {"security-opt", flagValue},
	"--shm-size": {"shm-size", flagValue}, "--sig-proxy": {"sig-proxy", flagBool},
	"--stop-signal": {"stop-signal", flagValue}, "--stop-timeout": {"stop-timeout", flagValue},
	"--storage-opt": {"storage-opt", flagValue}, "--sysctl": {"sysctl", flagValue}, "--tmpfs": {"tmpfs", flagValue},
	"-t": {"tty", flagBool}, "--tty": {"tty", flagBool}, "--ulimit": {"ulimit", flagValue},
	"--use-api-socket": {"use-api-socket", flagBool},
	"-u":               {"user", flagValue}, "--user": {"user", flagValue}, "--userns": {"userns", flagValue},
	"--uts": {"uts", flagValue}, "-v": {"volume", flagValue}, "--volume": {"volume", flagValue},
	"--volume-driver": {"volume-driver", flagValue}, "--volumes-from": {"volumes-from", flagValue},
	"-w": {"workdir", flagValue}, "--workdir": {"workdir", flagValue},
	// Podman's own options.
	"--pod": {"pod", flagValue}, "--secret": {"secret", flagValue}, "--uidmap": {"uidmap", flagValue},
	"--gidmap": {"gidmap", flagValue}, "--subuidname": {"subuidname", flagValue}, "--subgidname": {"subgidname", flagValue},
	"--passwd-entry": {"passwd-entry", flagValue}, "--pidfile": {"pidfile", flagValue}, "--sdnotify": {"sdnotify", flagValue},
	"--seccomp-policy": {"seccomp-policy", flagValue}, "--systemd": {"systemd", flagValue}, "--timezone": {"timezone", flagValue},
	"--umask": {"umask", flagValue}, "--arch": {"arch", flagValue}, "--os": {"os", flagValue}, "--variant": {"variant", flagValue},
	"--requires": {"requires", flagValue}, "--image-volume": {"image-volume", flagValue}, "--init-path": {"init-path", flagValue},
	"--rootfs": {"rootfs", flagBool}, "--replace": {"replace", flagBool}, "--http-proxy": {"http-proxy", flagBool},
	"--read-only-tmpfs": {"read-only-tmpfs", flagBool}, "--env-host": {"env-host", flagBool}, "--tls-verify": {"tls-verify", flagBool},
	"--hostuser": {"hostuser", flagValue}, "--chrootdirs": {"chrootdirs", flagValue}, "--cgroups": {"cgroups", flagValue},
	"--conmon-pidfile": {"conmon-pidfile", flagValue}, "--personality": {"personality", flagValue},
	"--preserve-fds": {"preserve-fds", flagValue}, "--preserve-fd": {"preserve-fd", flagValue}, "--retry": {"retry", flagValue},
	"--retry-delay": {"retry-delay", flagValue}, "--health-on-failure": {"health-on-failure", flagValue},
	"--decryption-key": {"decryption-key", flagValue}, "--authfile": {"authfile", flagValue}, "--cert-dir": {"cert-dir", flagValue},
	"--creds": {"creds", flagValue}, "--group-entry": {"group-entry", flagValue}, "--mount-from?": {"", flagValue},
}

// globalFlags are the engine CLIs' own options before the subcommand
// (docker's, and podman's most common ones).
var globalFlags = map[string]flagKind{
	"-H": flagValue, "--host": flagValue, "-c": flagValue, "--context": flagValue, "--config": flagValue, "-l": flagValue,
	"--log-level": flagValue, "-D": flagBool, "--debug": flagBool, "--tls": flagBool, "--tlsverify": flagBool,
	"--tlscacert": flagValue, "--tlscert": flagValue, "--tlskey": flagValue,
	"--remote": flagBool, "-r": flagBool, "--connection": flagValue, "--url": flagValue, "--identity": flagValue,
	"--root": flagValue, "--runroot": flagValue, "--storage-driver": flagValue, "--storage-opt": flagValue,
	"--cgroup-manager": flagValue, "--events-backend": flagValue, "--runtime": flagValue, "--namespace": flagValue,
	"--address": flagValue, "-a": flagValue, "-n": flagValue, "--snapshotter": flagValue,
}

// RunCommand reports whether words (the program name first) run a
// container: docker/podman/nerdctl run or create, also as "container
// run". It returns the arguments after the subcommand.
func RunCommand(words []Word) (rest []Word, ok bool) {
	if len(words) == 0 || !words[0].Literal {
		return nil, false
	}
	switch path.Base(words[0].Value) {
	case "docker", "podman", "nerdctl":
	default:
		return nil, false
	}
	i := 1
	for i < len(words) && strings.HasPrefix(words[i].Value, "-") {
		name, _, inline := strings.Cut(words[i].Value, "=")
		kind, known := globalFlags[name]
		if !known {
			return nil, false
		}
		i++
		if kind == flagValue && !inline {
			i++
		}
	}
	if i < len(words) && words[i].Value == "container" {
		i++
	}
	if i >= len(words) || words[i].Value != "run" && words[i].Value != "create" {
		return nil, false
	}
	return words[i+1:], true
}

// option is one parsed option with its value and location.
type option struct {
	name  string
	value Word
}

// FromRun builds a Spec from the arguments of `docker run` (after "run").
// Options it cannot attribute (an unknown option, an unquoted variable in
// option position) make the spec Partial; values built from variables are
// Unknown and never guessed.
func FromRun(args []Word, loc finding.Location) *Spec {
	s := &Spec{Source: SourceRun, Loc: loc}
	s.Name = fmt.Sprintf("docker run at line %d", loc.Start.Line)
	var opts []option
	hidden := false
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a.Splits && !strings.HasPrefix(a.Value, "-") {
			if imageVariable(a.Value) {
				break // "$IMAGE": the image; what follows is the command
			}
			s.Partial = true // unknown options, or the image, may hide here
			hidden = true
			continue
		}
		v := a.Value
		if v == "--" {
			i++
			break
		}
		if !strings.HasPrefix(v, "-") || v == "-" {
			break // the image
		}
		name, inline, hasInline := strings.Cut(v, "=")
		def, known := runFlags[name]
		if !known && !strings.HasPrefix(v, "--") && len(v) > 2 {
			// Combined short options: -itd, -p8080:80, -eFOO=bar.
			if expanded, ok := splitShort(a); ok {
				opts = append(opts, expanded...)
				if last := expanded[len(expanded)-1]; last.value.Value == "\x00" {
					// The last short option takes its value from the next word.
					opts = opts[:len(opts)-1]
					if i+1 < len(args) {
						i++
						opts = append(opts, option{name: last.name, value: args[i]})
					}
				}
				continue
			}
		}
		if !known {
			s.Partial = true
			if !hasInline && i+1 < len(args) && !strings.HasPrefix(args[i+1].Value, "-") && looksLikeValue(args[i+1]) {
				i++ // most unknown options take a value
			}
			continue
		}
		val := Word{Value: "true", Literal: true, Loc: a.Loc}
		switch {
		case hasInline:
			val = Word{Value: inline, Literal: a.Literal, Loc: a.Loc}
		case def.kind == flagValue && i+1 < len(args):
			i++
			val = args[i]
		case def.kind == flagValue:
			s.Partial = true
			continue
		}
		opts = append(opts, option{name: def.name, value: val})
	}
	if i < len(args) {
		img := args[i]
		// After a word that may expand to anything, the next word may be
		// an argument of the command rather than the image.
		s.Image = Str{Value: img.Value, Set: true, Unknown: !img.Literal || hidden, Loc: img.Loc}
	} else {
		s.Partial = true
	}
	for _, o := range opts {
		s.apply(o)
	}
	return s
}

// imageVariable reports whether an expansion is named for an image
// ($IMAGE, ${IMG}, $DOCKER_IMAGE, $REPO:$TAG).
func imageVariable(v string) bool {
	u := strings.ToUpper(v)
	for _, n := range []string{"IMAGE", "IMG", "REPO", "TAG"} {
		if strings.Contains(u, n) {
			return true
		}
	}
	return false
}

// looksLikeValue guesses whether the word after an unknown option is its
// value rather than the image: images rarely contain '=' or ','.
func looksLikeValue(w Word) bool {
	return strings.ContainsAny(w.Value, "=,") || !w.Literal
}

// splitShort expands a group of short options ("-itd", "-p80:80"). A
// value-taking option at the end with no value attached gets the value
// "\x00", meaning "the next word".
func splitShort(a Word) ([]option, bool) {
	v := a.Value[1:]
	var out []option
	for j := 0; j < len(v); j++ {
		def, ok := runFlags["-"+v[j:j+1]]
		if !ok {
			return nil, false
		}
		if def.kind == flagBool {
			out = append(out, option{name: def.name, value: Word{Value: "true", Literal: true, Loc: a.Loc}})
			continue
		}
		rest := v[j+1:]
		if rest == "" {
			rest = "\x00"
		}
		out = append(out, option{name: def.name, value: Word{Value: strings.TrimPrefix(rest, "="), Literal: a.Literal, Loc: a.Loc}})
		break
	}
	return out, len(out) > 0
}

func str(w Word) Str { return Str{Value: w.Value, Set: true, Unknown: !w.Literal, Loc: w.Loc} }

func boolean(w Word) Bool {
	b := Bool{Set: true, Unknown: !w.Literal, Loc: w.Loc}
	if w.Literal {
		v, err := strconv.ParseBool(w.Value)
		b.Value, b.Unknown = v, err != nil
	}
	return b
}

func bytesValue(w Word) Int {
	n := Int{Set: true, Unknown: !w.Literal, Loc: w.Loc}
	if w.Literal {
		v, err := ParseBytes(w.Value)
		n.Value, n.Unknown = v, err != nil
	}
	return n
}

func intValue(w Word) Int {
	n := Int{Set: true, Unknown: !w.Literal, Loc: w.Loc}
	if w.Literal {
		v, err := strconv.ParseInt(w.Value, 10, 64)
		n.Value, n.Unknown = v, err != nil
	}
	return n
}

func (s *Spec) apply(o option) {
	w := o.value
	switch o.name {
	case "privileged":
		s.Privileged = boolean(w)
	case "read-only":
		s.ReadOnlyRootfs = boolean(w)
	case "user":
		s.User = str(w)
	case "name":
		if w.Literal {
			s.Name = w.Value
		}
	case "cap-add":
		s.CapAdd = append(s.CapAdd, str(w))
	case "cap-drop":
		s.CapDrop = append(s.CapDrop, str(w))
	case "security-opt":
		s.SecurityOpt = append(s.SecurityOpt, str(w))
	case "memory":
		s.Memory = bytesValue(w)
	case "memory-swap":
		s.MemorySwap = bytesValue(w)
		if w.Value == "-1" {
			s.MemorySwap.Value, s.MemorySwap.Unknown = -1, false
		}
	case "cpus":
		n := Int{Set: true, Unknown: !w.Literal, Loc: w.Loc}
		if w.Literal {
			f, err := strconv.ParseFloat(w.Value, 64)
			n.Value, n.Unknown = int64(f*1e9), err != nil
		}
		s.NanoCPUs = n
	case "cpu-quota":
		s.CPUQuota = intValue(w)
	case "cpu-shares":
		s.CPUShares = intValue(w)
	case "cpuset-cpus":
		s.CpusetCpus = str(w)
	case "pids-limit":
		s.PidsLimit = intValue(w)
	case "network":
		s.NetworkMode = str(w)
		if w.Literal && !isNetworkMode(w.Value) {
			s.Networks = append(s.Networks, str(w))
		}
	case "pid":
		s.PidMode = str(w)
	case "ipc":
		s.IpcMode = str(w)
	case "uts":
		s.UTSMode = str(w)
	case "userns":
		s.UsernsMode = str(w)
	case "cgroupns":
		s.CgroupnsMode = str(w)
	case "cgroup-parent":
		s.CgroupParent = str(w)
	case "volume":
		s.Mounts = append(s.Mounts, ParseVolume(w))
	case "mount":
		s.Mounts = append(s.Mounts, ParseMount(w))
	case "tmpfs":
		p, _, _ := strings.Cut(w.Value, ":")
		s.Tmpfs = append(s.Tmpfs, Str{Value: p, Set: true, Unknown: !w.Literal, Loc: w.Loc})
	case "device":
		s.Devices = append(s.Devices, str(w))
	case "publish":
		s.Ports = append(s.Ports, ParsePort(w)...)
	case "restart":
		s.Restart = str(w)
		if name, n, ok := strings.Cut(w.Value, ":"); ok && w.Literal {
			s.Restart.Value = name
			s.RestartMax = intValue(Word{Value: n, Literal: true, Loc: w.Loc})
		}
	case "no-healthcheck":
		s.HealthcheckDisabled = boolean(w)
	case "publish-all":
		s.PublishAll = boolean(w)
	case "use-api-socket":
		s.APISocket = boolean(w)
	case "env":
		name, value, has := strings.Cut(w.Value, "=")
		s.Env = append(s.Env, EnvVar{Name: name, Value: value, HasValue: has, Unknown: !w.Literal, Loc: w.Loc})
	}
}

func isNetworkMode(v string) bool {
	switch {
	case v == "host", v == "none", v == "bridge", v == "default", strings.HasPrefix(v, "container:"):
		return true
	}
	return false
}

// ParseBytes reads a size as Docker does ("512m", "1.5g", "1 GB"), with
// Docker's own parser.
func ParseBytes(v string) (int64, error) {
	return units.RAMInBytes(strings.TrimSpace(v))
}

// ParseVolume reads a -v value, [SOURCE:]TARGET[:OPTIONS], with the
// Compose specification's parser (the syntax is the same, Windows paths
// included).
func ParseVolume(w Word) Mount {
	m := Mount{Type: "volume", Unknown: !w.Literal, Loc: w.Loc}
	v, err := format.ParseVolume(w.Value)
	if err != nil {
		m.Unknown = true
		return m
	}
	m.Source, m.Target, m.ReadOnly = v.Source, v.Target, v.ReadOnly
	if v.Type == "bind" || strings.HasPrefix(v.Source, "$") {
		m.Type = "bind"
	}
	if v.Bind != nil {
		m.Propagation = v.Bind.Propagation
	}
	return m
}

// ParseMount reads a --mount value: type=bind,source=/x,target=/y,readonly.
func ParseMount(w Word) Mount {
	m := Mount{Type: "volume", Unknown: !w.Literal, Loc: w.Loc}
	r := csv.NewReader(strings.NewReader(w.Value))
	fields, err := r.Read()
	if err != nil {
		m.Unknown = true
		return m
	}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "type":
			m.Type = v
		case "source", "src":
			m.Source = v
		case "target", "destination", "dst":
			m.Target = v
		case "readonly", "ro":
			m.ReadOnly = v == "" || v == "true" || v == "1"
		case "bind-propagation":
			m.Propagation = v
		}
	}
	return m
}

// ParsePort reads a -p value: [[HOST_IP:]HOST_PORT:]CONTAINER_PORT[/PROTO].
func ParsePort(w Word) []Port {
	p := Port{Protocol: "tcp", Unknown: !w.Literal, Loc: w.Loc}
	v := w.Value
	if spec, proto, ok := strings.Cut(v, "/"); ok {
		v, p.Protocol = spec, proto
	}
	// An IPv6 host address is written in brackets.
	if strings.HasPrefix(v, "[") {
		if end := strings.Index(v, "]:"); end > 0 {
			p.HostIP, v = v[1:end], v[end+2:]
			host, ctr, _ := strings.Cut(v, ":")
			p.HostPort, p.ContainerPort = host, ctr
			return []Port{p}
		}
	}
	parts := strings.Split(v, ":")
	switch len(parts) {
	case 1:
		p.ContainerPort = parts[0]
	case 2:
		p.HostPort, p.ContainerPort = parts[0], parts[1]
	default:
		p.HostIP = strings.Join(parts[:len(parts)-2], ":")
		p.HostPort, p.ContainerPort = parts[len(parts)-2], parts[len(parts)-1]
	}
	return []Port{p}
}
