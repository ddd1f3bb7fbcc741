package container

import (
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// dangerousCaps are capabilities beyond Docker's default set that open a
// way to the host or to other containers, with what each allows. NET_RAW
// and MKNOD are in Docker's default set: adding them back after dropping
// ALL is a deliberate narrowing, and keeping them is RC004's concern.
var dangerousCaps = map[string]string{
	"SYS_ADMIN":       "mount file systems and much else that only root may do; the usual first step out of a container",
	"SYS_MODULE":      "load modules into the host kernel",
	"SYS_PTRACE":      "trace and inject code into other processes",
	"SYS_RAWIO":       "do raw I/O on ports and memory",
	"SYS_BOOT":        "reboot the host",
	"SYS_TIME":        "set the host clock",
	"DAC_READ_SEARCH": "open any host file by handle, bypassing permission checks (the \"shocker\" escape)",
	"NET_ADMIN":       "reconfigure interfaces, routes and firewall rules",
	"BPF":             "load eBPF programs into the kernel",
	"PERFMON":         "observe the kernel and other processes through perf events",
	"MAC_ADMIN":       "change the AppArmor or SELinux policy",
	"MAC_OVERRIDE":    "bypass the AppArmor or SELinux policy",
	"SYSLOG":          "read the kernel log and kernel addresses",
	"AUDIT_CONTROL":   "change or turn off the kernel audit rules",
}

// capName normalises a capability as Docker does: upper case, without a
// "CAP_" prefix.
func capName(v string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(v)), "CAP_")
}

// rootUser reports whether a user value ("name[:group]", "uid[:gid]")
// names root.
func rootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return name == "0" || name == "root"
}

// engineView says the spec shows the container as the engine made it: an
// image's USER is already merged into an empty user there, so no user
// means root.
func engineView(s *ct.Spec) bool {
	return s.Source == ct.SourceInspect || s.Source == ct.SourceEngine
}

// noNewPrivileges reads the no-new-privileges security option: whether
// one is written, its value, and whether it or some option is unknown.
func noNewPrivileges(s *ct.Spec) (opt ct.Str, on, found, unknown bool) {
	for _, o := range s.SecurityOpt {
		if o.Unknown {
			unknown = true
			continue
		}
		key, val, has := secOpt(o.Value)
		if key != "no-new-privileges" {
			continue
		}
		on = true
		if has {
			b, err := strconv.ParseBool(val)
			if err != nil {
				unknown = true
				continue
			}
			on = b
		}
		opt, found = o, true
	}
	return opt, on, found, unknown
}

func privilegeRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "RC001", Slug: "privileged", Kind: rule.Container, Severity: finding.Critical,
			Title: "container runs privileged",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.5"},
			Why: "A privileged container gets every capability, every host device, and no seccomp, AppArmor or " +
				"SELinux confinement. Root in it is root on the host: it can mount the host's disks, load kernel modules " +
				"or write to /proc/sys, so one compromised process owns the machine.",
			Bad:  "docker run --privileged nginx\n# Compose\nprivileged: true",
			Good: "docker run --cap-drop ALL --cap-add NET_BIND_SERVICE nginx",
			Remediation: "Remove --privileged (Compose `privileged: true`); add back only the capabilities (--cap-add) and " +
				"devices (--device) the workload needs.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				if s.Privileged.True() {
					p.Report(s.Privileged.Loc, "runs privileged: every capability and host device, without seccomp, AppArmor or SELinux confinement")
				}
			}),
		},
		{
			ID: "RC002", Slug: "cap-add-all", Kind: rule.Container, Severity: finding.Critical,
			Title: "container is given every capability",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.4"},
			Why: "Adding ALL capabilities gives the container root's full powers over the kernel (SYS_ADMIN, SYS_MODULE, " +
				"SYS_RAWIO, ...): nearly as dangerous as --privileged, and a way out of the container for any process running as root in it.",
			Bad:         "docker run --cap-add ALL nginx\n# Compose\ncap_add: [ALL]",
			Good:        "docker run --cap-drop ALL --cap-add NET_BIND_SERVICE nginx",
			Remediation: "Replace `--cap-add ALL` (Compose `cap_add: [ALL]`) with `--cap-drop ALL` and add only the capabilities the workload needs.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				for _, c := range s.CapAdd {
					if !c.Unknown && capName(c.Value) == "ALL" {
						p.Reportf(c.Loc, "adds every capability (%s): nearly as powerful as --privileged", c.Value)
					}
				}
			}),
		},
		{
			ID: "RC003", Slug: "dangerous-capability", Kind: rule.Container, Severity: finding.High,
			Title: "container is given a dangerous capability",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.4"},
			Why: "Some capabilities beyond Docker's default set open a way to the host: SYS_ADMIN (mounts, the usual " +
				"escape), SYS_MODULE (kernel modules), SYS_PTRACE (other processes), SYS_RAWIO, SYS_BOOT, SYS_TIME, " +
				"DAC_READ_SEARCH (the \"shocker\" escape), NET_ADMIN (routing and firewall), BPF and PERFMON (kernel " +
				"programs and tracing), MAC_ADMIN and MAC_OVERRIDE (the LSM policy), SYSLOG and AUDIT_CONTROL. " +
				"Names are matched as Docker does, with or without CAP_ and in any case. NET_RAW and MKNOD are in " +
				"Docker's default set and are not reported here (see RC004).",
			Bad:         "docker run --cap-add SYS_ADMIN myapp:1.4\n# Compose\ncap_add: [SYS_ADMIN]",
			Good:        "docker run --cap-drop ALL --cap-add NET_BIND_SERVICE myapp:1.4",
			Remediation: "Remove the capability; if the workload truly needs it, isolate the container further (user namespaces, a dedicated host) and document why.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				for _, c := range s.CapAdd {
					if c.Unknown {
						continue
					}
					name := capName(c.Value)
					if why, ok := dangerousCaps[name]; ok {
						p.Reportf(c.Loc, "adds capability %s: it lets the container %s", name, why)
					}
				}
			}),
		},
		{
			ID: "RC004", Slug: "capabilities-not-dropped", Kind: rule.Container, Severity: finding.Medium,
			Title: "container does not drop all capabilities",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.4"},
			Why: "Docker gives every container a default set of capabilities (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, " +
				"MKNOD, NET_BIND_SERVICE, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, SYS_CHROOT, AUDIT_WRITE). Few " +
				"applications need any of them; NET_RAW alone allows ARP and DNS spoofing on the container network. " +
				"Dropping ALL and adding back what is needed is the least-privilege baseline.",
			Bad:         "docker run nginx",
			Good:        "docker run --cap-drop ALL --cap-add CHOWN --cap-add NET_BIND_SERVICE nginx",
			Remediation: "Add `--cap-drop ALL` (Compose `cap_drop: [ALL]`) and add back with --cap-add only the capabilities the application needs.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				some := false
				for _, c := range s.CapDrop {
					if c.Unknown || capName(c.Value) == "ALL" {
						return
					}
					some = true
				}
				if some {
					missing(p, s, "drops some capabilities but not ALL: the rest of Docker's default set is kept")
					return
				}
				missing(p, s, "does not drop capabilities: it keeps Docker's default set (NET_RAW, SETUID, DAC_OVERRIDE, ...)")
			}),
		},
		{
			ID: "RC005", Slug: "runs-as-root", Kind: rule.Container, Severity: finding.High,
			Title: "container runs as root",
			Tags:  []string{tagLeastPrivilege, "cis-docker:4.1"},
			Why: "A process running as root in a container is root on the host's kernel: any escape (a kernel bug, a " +
				"mounted socket, an added capability) lands as root, and it can modify everything in the container. " +
				"This rule fires when the user is set to root or 0 explicitly, and for docker inspect output or a live " +
				"engine, where an empty user means neither the image nor the container names one.",
			Bad:         "docker run --user root myapp:1.4\n# Compose\nuser: \"0\"",
			Good:        "docker run --user 1001:1001 myapp:1.4",
			Remediation: "Run as an unprivileged user: `--user 1001:1001` (Compose `user:`), or a USER in the image.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				u := s.User
				switch {
				case u.Unknown:
				case u.Set && u.Value != "":
					if rootUser(u.Value) {
						p.Reportf(u.Loc, "runs as root (user %q)", u.Value)
					}
				case engineView(s):
					absent(p, s, []setting{strAt(u)}, "runs as root: neither the image nor the container names a user")
				}
			}),
		},
		{
			ID: "RC006", Slug: "user-not-set", Kind: rule.Container, Severity: finding.Medium,
			Title: "container does not name a user",
			Tags:  []string{tagLeastPrivilege, "cis-docker:4.1"},
			Why: "Without --user (Compose `user:`) the container runs as the image's default user, which is root " +
				"unless the image sets USER, and many popular images do not. Naming an unprivileged user where the " +
				"container is started makes the choice explicit and does not depend on how the image was built. " +
				"(For docker inspect output and live engines, where the image's user is known, RC005 reports root instead.)",
			Bad:         "docker run myapp:1.4",
			Good:        "docker run --user 1001:1001 myapp:1.4",
			Remediation: "Name an unprivileged user with `--user 1001:1001` (Compose `user: \"1001:1001\"`), or make sure the image sets a non-root USER and suppress this finding.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				u := s.User
				if engineView(s) || u.Unknown || u.Set && u.Value != "" {
					return
				}
				absent(p, s, []setting{strAt(u)}, "names no user: it runs as the image's default user, which is root unless the image sets USER")
			}),
		},
		{
			ID: "RC007", Slug: "writable-rootfs", Kind: rule.Container, Severity: finding.Low,
			Title: "container root file system is writable",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.13"},
			Peers: []string{"trivy:KSV-0014", "kube-linter:no-read-only-root-fs", "polaris:notReadOnlyRootFilesystem", "kube-score:container-security-context-readonlyrootfilesystem", "kubescape:C-0017"},
			Why: "A writable root file system lets an intruder change binaries and configuration, drop tools and " +
				"persist for the life of the container. A read-only root, with tmpfs mounts or volumes for the few " +
				"paths the application writes, makes the container immutable.",
			Bad:  "docker run nginx",
			Good: "docker run --read-only --tmpfs /tmp --tmpfs /var/cache/nginx nginx",
			Remediation: "Run with `--read-only` (Compose `read_only: true`) and give each path the application writes a " +
				"`--tmpfs` mount (Compose `tmpfs:`) or a volume.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				if s.ReadOnlyRootfs.Unknown || s.ReadOnlyRootfs.True() {
					return
				}
				absent(p, s, []setting{boolAt(s.ReadOnlyRootfs)}, "root file system is writable")
			}),
		},
		{
			ID: "RC008", Slug: "no-new-privileges", Kind: rule.Container, Severity: finding.Medium,
			Title: "container does not set no-new-privileges",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.26"},
			Why: "Without no-new-privileges a process can gain privileges by executing a setuid or setgid binary or " +
				"one with file capabilities. The option makes the kernel refuse that, so an unprivileged user in the " +
				"container stays unprivileged. When the daemon sets no-new-privileges for every container (daemon.json), " +
				"a command line cannot show it: disable this rule in .bulwark.yaml for those hosts.",
			Bad:         "docker run --user 1001 myapp:1.4",
			Good:        "docker run --user 1001 --security-opt no-new-privileges myapp:1.4",
			Remediation: "Add `--security-opt no-new-privileges` (Compose `security_opt: [\"no-new-privileges:true\"]`), or set `\"no-new-privileges\": true` in the daemon's daemon.json.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				opt, on, found, unknown := noNewPrivileges(s)
				switch {
				case found && !on:
					p.Reportf(opt.Loc, "turns no-new-privileges off (%s): setuid binaries can raise a process's privileges", opt.Value)
				case found, unknown:
				default:
					missing(p, s, "does not set no-new-privileges: setuid binaries can raise a process's privileges")
				}
			}),
		},
	}
}
