package container

import (
	"fmt"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// namespaceRule describes a rule that fires when the container joins one
// of the host's namespaces.
type namespaceRule struct {
	id, slug, ns string
	sev          finding.Severity
	tags         []string
	field        func(*ct.Spec) ct.Str
	why          string
	bad, good    string
	remedy       string
	consequence  string
}

func (n namespaceRule) build() *rule.Rule {
	return &rule.Rule{
		ID: n.id, Slug: n.slug, Kind: rule.Container, Severity: n.sev,
		Title:       fmt.Sprintf("container shares the host's %s namespace", n.ns),
		Tags:        n.tags,
		Why:         n.why,
		Bad:         n.bad,
		Good:        n.good,
		Remediation: n.remedy,
		Check: each(func(p *rule.Pass, s *ct.Spec) {
			if v := n.field(s); v.Is("host") {
				p.Reportf(v.Loc, "shares the host's %s namespace: %s", n.ns, n.consequence)
			}
		}),
	}
}

func namespaceRules() []*rule.Rule {
	return []*rule.Rule{
		namespaceRule{id: "RC013", slug: "host-network", ns: "network", sev: finding.High, tags: []string{tagNetwork, "cis-docker:5.10"},
			field: func(s *ct.Spec) ct.Str { return s.NetworkMode },
			why: "With the host's network namespace the container sees every host interface, can bind any host port, " +
				"reach services listening only on localhost (the engine's API, cloud metadata proxies, databases) and " +
				"sniff traffic if it has NET_RAW. Network isolation and published-port control are gone.",
			bad: "docker run --network host myapp:1.4", good: "docker run myapp:1.4",
			remedy:      "Remove `--network host` (Compose `network_mode: host`); publish the ports the service needs with -p on a user-defined network.",
			consequence: "it reaches every host interface and localhost-only service"}.build(),
		namespaceRule{id: "RC014", slug: "host-pid", ns: "PID", sev: finding.High, tags: []string{tagLeastPrivilege, "cis-docker:5.16"},
			field: func(s *ct.Spec) ct.Str { return s.PidMode },
			why: "With the host's PID namespace the container sees every process on the host, their command lines and " +
				"environment, and as root can signal or trace them: a short step to the host.",
			bad: "docker run --pid host myapp:1.4", good: "docker run myapp:1.4",
			remedy:      "Remove `--pid host` (Compose `pid: host`); a sidecar that must see another container's processes can use `--pid container:NAME`.",
			consequence: "it sees and can signal every host process"}.build(),
		namespaceRule{id: "RC015", slug: "host-ipc", ns: "IPC", sev: finding.Medium, tags: []string{tagLeastPrivilege, "cis-docker:5.17"},
			field: func(s *ct.Spec) ct.Str { return s.IpcMode },
			why: "With the host's IPC namespace the container can read and write the shared memory segments, semaphores " +
				"and message queues of host processes.",
			bad: "docker run --ipc host myapp:1.4", good: "docker run myapp:1.4",
			remedy:      "Remove `--ipc host` (Compose `ipc: host`); containers that must share memory can use `--ipc container:NAME` or `--ipc shareable`.",
			consequence: "it can reach host processes' shared memory"}.build(),
		namespaceRule{id: "RC016", slug: "host-uts", ns: "UTS", sev: finding.Low, tags: []string{tagLeastPrivilege, "cis-docker:5.21"},
			field: func(s *ct.Spec) ct.Str { return s.UTSMode },
			why: "With the host's UTS namespace the container shares the host's hostname and domain name and, with " +
				"SYS_ADMIN, can change them for the whole host.",
			bad: "docker run --uts host myapp:1.4", good: "docker run myapp:1.4",
			remedy:      "Remove `--uts host` (Compose `uts: host`); set the container's own name with --hostname.",
			consequence: "it shares the host's hostname"}.build(),
		namespaceRule{id: "RC017", slug: "host-userns", ns: "user", sev: finding.Medium, tags: []string{tagLeastPrivilege, "cis-docker:5.31"},
			field: func(s *ct.Spec) ct.Str { return s.UsernsMode },
			why: "When the daemon remaps users (userns-remap), root in a container is an unprivileged user on the host. " +
				"`--userns host` opts the container out: its root is the host's root again.",
			bad: "docker run --userns host myapp:1.4", good: "docker run myapp:1.4",
			remedy:      "Remove `--userns host` (Compose `userns_mode: host`) so the container keeps the daemon's user remapping.",
			consequence: "root in the container is root on the host even when the daemon remaps users"}.build(),
		namespaceRule{id: "RC018", slug: "host-cgroupns", ns: "cgroup", sev: finding.Low, tags: []string{tagLeastPrivilege},
			field: func(s *ct.Spec) ct.Str { return s.CgroupnsMode },
			why: "With the host's cgroup namespace the container sees the host's whole cgroup tree under /sys/fs/cgroup, " +
				"which reveals the other containers and, where the tree is writable, lets it move or limit them.",
			bad: "docker run --cgroupns host myapp:1.4", good: "docker run myapp:1.4",
			remedy:      "Remove `--cgroupns host` (Compose `cgroup: host`) so the container gets a private cgroup namespace.",
			consequence: "it sees the host's whole cgroup tree"}.build(),
		{
			ID: "RC019", Slug: "default-bridge", Kind: rule.Container, Severity: finding.Low,
			Title: "container joins Docker's default bridge network",
			Tags:  []string{tagNetwork, "cis-docker:5.30"},
			Why: "Every container started without a network joins the default bridge (docker0), where, unless the " +
				"daemon turns inter-container communication off, each can reach every other container's ports, " +
				"whatever project it belongs to. A user-defined network per application keeps unrelated containers apart. " +
				"Compose services are on their project's own network unless they say `network_mode: bridge`; a live engine whose " +
				"default bridge has inter-container communication turned off is not reported.",
			Bad:         "docker run -d myapp:1.4",
			Good:        "docker network create myapp-net\ndocker run -d --network myapp-net myapp:1.4",
			Remediation: "Create a network for the application (`docker network create NAME`) and start its containers with `--network NAME`, or `--network none` when the container needs no network.",
			Check: eachInFile(func(p *rule.Pass, f *ct.File, s *ct.Spec) {
				if s.Source == ct.SourceKube {
					return // pods use the cluster network, not Docker's bridge
				}
				if f.Daemon != nil && f.Daemon.ICCOnDefaultBridge.Is("false") {
					return // the engine keeps containers on docker0 apart
				}
				n := s.NetworkMode
				switch {
				case n.Unknown:
				case !n.Set || n.Value == "":
					if s.Source == ct.SourceCompose {
						return // Compose puts services on the project's own network
					}
					absent(p, s, []setting{strAt(n)}, "joins Docker's default bridge network, where containers can reach each other")
				case n.Value == "bridge" || n.Value == "default":
					p.Reportf(n.Loc, "joins Docker's default bridge network (%s), where containers can reach each other", n.Value)
				}
			}),
		},
	}
}
