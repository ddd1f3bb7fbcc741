package container

import (
	"path"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// engineSockets are the API sockets of container engines, with /var/run
// written as /run.
var engineSockets = map[string]string{
	"/run/docker.sock":                "Docker",
	"/run/podman/podman.sock":         "Podman",
	"/run/containerd/containerd.sock": "containerd",
	"/run/crio/crio.sock":             "CRI-O",
	"/run/cri-dockerd.sock":           "cri-dockerd",
	"/run/buildkit/buildkitd.sock":    "BuildKit",
}

// userSocketRe matches the sockets of rootless engines.
var userSocketRe = regexp.MustCompile(`^/run/user/[0-9]+/(?:docker\.sock|podman/podman\.sock)$`)

// socketDirs are host folders that hold an engine's socket.
var socketDirs = map[string]string{
	"/": "Docker", "/run": "Docker", "/run/containerd": "containerd", "/run/podman": "Podman",
	"/run/crio": "CRI-O", "/run/buildkit": "BuildKit",
}

// hostSource returns the cleaned host path of a bind mount, or "" when
// the mount is not a bind of a known absolute host path. The source of a
// docker run volume whose other parts are built from variables is still
// known when it holds no expansion itself.
func hostSource(s *ct.Spec, m ct.Mount) string {
	src := m.Source
	if m.Type == "tmpfs" || m.Type == "volume" && !strings.HasPrefix(src, "/") || !strings.HasPrefix(src, "/") {
		return ""
	}
	if m.Unknown && (s.Source != ct.SourceRun || strings.ContainsAny(src, "$`")) {
		return ""
	}
	return path.Clean(src)
}

// runPath writes /var/run/... as /run/... (one is a link to the other).
func runPath(p string) string {
	if p == "/var/run" || strings.HasPrefix(p, "/var/run/") {
		return p[len("/var"):]
	}
	return p
}

// engineSocket reports which engine's socket a host path is or holds.
func engineSocket(p string) (engine string, dir bool) {
	p = runPath(p)
	if e, ok := engineSockets[p]; ok {
		return e, false
	}
	if userSocketRe.MatchString(p) {
		return "rootless engine", false
	}
	if e, ok := socketDirs[p]; ok {
		return e, true
	}
	return "", false
}

// sensitiveDirs are host folders a container must not see: the CIS list
// and the other top-level system folders.
var sensitiveDirs = map[string]bool{
	"/": true, "/bin": true, "/boot": true, "/dev": true, "/etc": true, "/home": true, "/lib": true, "/lib32": true,
	"/lib64": true, "/proc": true, "/root": true, "/sbin": true, "/sys": true, "/usr": true, "/var": true, "/var/lib": true,
}

// sensitiveTrees are host paths that are sensitive with everything below
// them.
var sensitiveTrees = []string{
	"/boot", "/etc/kubernetes", "/etc/ssh", "/etc/sudoers.d", "/var/lib/docker", "/var/lib/containerd",
	"/var/lib/kubelet", "/proc/sys", "/sys/firmware",
}

// sensitiveFiles are single host files a container must not see.
var sensitiveFiles = map[string]bool{
	"/etc/shadow": true, "/etc/gshadow": true, "/etc/sudoers": true, "/proc/sysrq-trigger": true, "/proc/kcore": true,
	"/dev/mem": true, "/dev/kmem": true, "/dev/port": true,
}

// writeSensitiveFiles are host files that are world-readable anyway but
// must not be writable: /etc/passwd:ro is a common way to run as the
// caller.
var writeSensitiveFiles = map[string]bool{"/etc/passwd": true, "/etc/group": true}

// holdsSocket reports whether RC020 already reports a mount of path,
// because it is or holds an engine's API socket (/, /run, /var/run).
func holdsSocket(p string) bool {
	engine, _ := engineSocket(p)
	return engine != ""
}

// sensitivePath reports whether a cleaned host path is sensitive to mount
// with the given access.
func sensitivePath(p string, readOnly bool) bool {
	if sensitiveDirs[p] || sensitiveFiles[p] || !readOnly && writeSensitiveFiles[p] {
		return true
	}
	for _, t := range sensitiveTrees {
		if p == t || strings.HasPrefix(p, t+"/") {
			return true
		}
	}
	return false
}

// rawDeviceRe matches host devices that give raw access to disks or
// memory.
var rawDeviceRe = regexp.MustCompile(`^/dev/(?:(?:s|h|v|xv)d[a-z]+[0-9]*|nvme[0-9]+(?:n[0-9]+(?:p[0-9]+)?)?|mmcblk[0-9]+(?:p[0-9]+)?|dm-[0-9]+|md[0-9]+|nbd[0-9]+(?:p[0-9]+)?|mapper/.+|disk/.+|mem|kmem|port)$`)

// deviceHost returns the host path of a device mapping
// (HOST[:CONTAINER[:PERMISSIONS]]).
func deviceHost(v string) string {
	host, _, _ := strings.Cut(strings.TrimSpace(v), ":")
	return path.Clean(host)
}

func mountRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "RC020", Slug: "engine-socket-mounted", Kind: rule.Container, Severity: finding.Critical,
			Title: "container engine's API socket is mounted",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.32"},
			Peers: []string{"trivy:KSV-0006", "kube-linter:docker-sock", "kubescape:C-0074"},
			Why: "Whoever can talk to the Docker socket can start a privileged container that mounts the host's root: " +
				"mounting /var/run/docker.sock into a container hands root on the host to anything that compromises " +
				"it. Mounting it read-only does not help, since a socket can still be connected to. The same holds for " +
				"the Podman, containerd, CRI-O and BuildKit sockets, rootless engines' sockets, and the folders that " +
				"hold them (/run, /var/run, the host's root).",
			Bad:  "docker run -v /var/run/docker.sock:/var/run/docker.sock ci-agent:2.1",
			Good: "docker run -e DOCKER_HOST=tcp://docker-proxy:2375 ci-agent:2.1  # a socket proxy that allows only the calls needed",
			Remediation: "Do not mount the engine's socket; if the container must see containers, put a proxy that allows " +
				"only the API calls it needs (read-only listing, for example) in between, or use a rootless engine.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				if s.APISocket.True() {
					p.Reportf(s.APISocket.Loc, "--use-api-socket mounts the Docker API socket: the container can control the engine, and so the host")
				}
				for _, m := range s.Mounts {
					src := hostSource(s, m)
					if src == "" {
						continue
					}
					switch engine, dir := engineSocket(src); {
					case engine == "":
					case dir && src == "/":
						p.Reportf(m.Loc, "mounts the host's root, which holds the %s API socket: the container can control the engine", engine)
					case dir:
						p.Reportf(m.Loc, "mounts %s, which holds the %s API socket: the container can control the engine", src, engine)
					default:
						p.Reportf(m.Loc, "mounts the %s API socket %s: the container can control the engine, and so the host", engine, src)
					}
				}
			}),
		},
		{
			ID: "RC021", Slug: "sensitive-mount-writable", Kind: rule.Container, Severity: finding.High,
			Title: "sensitive host path is mounted read-write",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.6"},
			Peers: []string{"trivy:KSV-0121", "kube-linter:sensitive-host-mounts"},
			Why: "A container that can write the host's system folders (/, /boot, /dev, /etc, /lib, /proc, /sys, /usr, " +
				"/root, /var/lib/docker, /etc/kubernetes, ...) can plant binaries, cron jobs, SSH keys or kernel " +
				"settings that run on the host: it owns the host. /etc/passwd and /etc/group are reported only when writable.",
			Bad:         "docker run -v /etc:/host/etc myapp:1.4",
			Good:        "docker run -v /srv/myapp/config:/etc/myapp:ro myapp:1.4",
			Remediation: "Mount only the files the application needs, from a folder of its own, and read-only (`:ro`) where it need not write.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				for _, m := range s.Mounts {
					if src := hostSource(s, m); src != "" && !m.Unknown && !m.ReadOnly && sensitivePath(src, false) && !holdsSocket(src) {
						p.Reportf(m.Loc, "mounts host path %s read-write: the container can change the host's system files", src)
					}
				}
			}),
		},
		{
			ID: "RC022", Slug: "sensitive-mount", Kind: rule.Container, Severity: finding.Medium,
			Title: "sensitive host path is mounted read-only",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.6"},
			Peers: []string{"trivy:KSV-0121", "kube-linter:sensitive-host-mounts"},
			Why: "Even read-only, the host's system folders (/, /etc, /proc, /sys, /root, /var/lib/docker, ...) " +
				"show a container the host's configuration, password hashes, keys, other containers' files and process " +
				"information: material for the next step of an attack. Monitoring agents need some of them; other " +
				"workloads should not have them.",
			Bad:         "docker run -v /etc:/host/etc:ro myapp:1.4",
			Good:        "docker run -v /srv/myapp/config:/etc/myapp:ro myapp:1.4",
			Remediation: "Mount only the files the application needs from a folder of its own; for a monitoring agent that needs the host's view, suppress the finding with the reason.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				for _, m := range s.Mounts {
					if src := hostSource(s, m); src != "" && !m.Unknown && m.ReadOnly && sensitivePath(src, true) && !holdsSocket(src) {
						p.Reportf(m.Loc, "mounts host path %s (read-only): the container can read the host's system files", src)
					}
				}
			}),
		},
		{
			ID: "RC023", Slug: "shared-mount-propagation", Kind: rule.Container, Severity: finding.Medium,
			Title: "mount propagation is shared with the host",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.20"},
			Why: "With shared propagation, mounts made inside the container under the bind mount appear on the host " +
				"and the other way round: a container that can mount (SYS_ADMIN, privileged) can change what the " +
				"host sees.",
			Bad:         "docker run -v /mnt/data:/data:rshared myapp:1.4",
			Good:        "docker run -v /mnt/data:/data myapp:1.4",
			Remediation: "Drop the `shared`/`rshared` option (Compose `bind: propagation:`) so the default private propagation applies; use `slave` if the container must see host mounts.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				for _, m := range s.Mounts {
					if m.Propagation == "shared" || m.Propagation == "rshared" {
						p.Reportf(m.Loc, "mounts %s with %s propagation: mounts made in the container reach the host", m.Target, m.Propagation)
					}
				}
			}),
		},
		{
			ID: "RC024", Slug: "raw-device", Kind: rule.Container, Severity: finding.High,
			Title: "host disk or memory device is passed in",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.18"},
			Why: "A raw disk (/dev/sda, /dev/nvme0n1, /dev/mapper/...) or memory device (/dev/mem, /dev/kmem, /dev/port) " +
				"given to a container lets it read and write the host's file systems or memory underneath every " +
				"permission check: the host's data and root are one mount away.",
			Bad:         "docker run --device /dev/sda myapp:1.4",
			Good:        "docker run -v /srv/myapp/data:/data myapp:1.4",
			Remediation: "Give the container a mounted folder or volume instead of the raw device.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				for _, d := range s.Devices {
					if host := deviceHost(d.Value); !d.Unknown && rawDeviceRe.MatchString(host) {
						p.Reportf(d.Loc, "passes host device %s: raw access to the host's disks or memory", host)
					}
				}
			}),
		},
		{
			ID: "RC025", Slug: "host-device", Kind: rule.Container, Severity: finding.Low,
			Title: "host device is passed in",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.18"},
			Why: "Each host device given to a container (--device) is kernel attack surface and hardware it can use " +
				"directly. GPUs, /dev/fuse or /dev/net/tun are often needed; make sure each one is, and that the " +
				"cgroup permissions are no wider than needed (`:r` rather than `:rwm`). Raw disks and memory are RC024.",
			Bad:         "docker run --device /dev/ttyUSB0 myapp:1.4",
			Good:        "docker run --device /dev/ttyUSB0:/dev/ttyUSB0:r myapp:1.4  # bulwark:ignore RC025 -- the app reads the sensor",
			Remediation: "Remove devices the container does not need; suppress the finding with the reason for the ones it does.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				for _, d := range s.Devices {
					if host := deviceHost(d.Value); !d.Unknown && strings.HasPrefix(host, "/") && !rawDeviceRe.MatchString(host) {
						p.Reportf(d.Loc, "passes host device %s into the container", host)
					}
				}
			}),
		},
	}
}
