package container

import (
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// secOpt splits a security option at its first '=' or ':' (Docker accepts
// both: "seccomp=unconfined", "label:disable", "no-new-privileges:true").
func secOpt(v string) (key, val string, hasVal bool) {
	v = strings.TrimSpace(v)
	i := strings.IndexAny(v, "=:")
	if i < 0 {
		return strings.ToLower(v), "", false
	}
	return strings.ToLower(v[:i]), v[i+1:], true
}

// securityOpts calls fn with every known security option whose key is
// key, with its value.
func securityOpts(s *ct.Spec, key string, fn func(o ct.Str, val string)) {
	for _, o := range s.SecurityOpt {
		if o.Unknown {
			continue
		}
		if k, v, _ := secOpt(o.Value); k == key {
			fn(o, v)
		}
	}
}

// unconfinedSELinuxTypes are SELinux process types that the policy does
// not confine.
var unconfinedSELinuxTypes = map[string]bool{"spc_t": true, "unconfined_t": true}

func confineRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "RC009", Slug: "seccomp-unconfined", Kind: rule.Container, Severity: finding.High,
			Title: "container runs without a seccomp profile",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.22"},
			Why: "Docker's default seccomp profile blocks about fifty rarely needed system calls (keyctl, " +
				"unshare, mount, bpf, ...) that are a large part of the kernel attack surface exploited by container " +
				"escapes. `seccomp=unconfined` turns that filter off.",
			Bad:         "docker run --security-opt seccomp=unconfined myapp:1.4",
			Good:        "docker run --security-opt seccomp=./seccomp-profile.json myapp:1.4",
			Remediation: "Remove `seccomp=unconfined`; if a system call the default profile blocks is needed, start from Docker's default profile, allow just that call, and pass the file with `--security-opt seccomp=FILE`.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				securityOpts(s, "seccomp", func(o ct.Str, v string) {
					if strings.EqualFold(v, "unconfined") {
						p.Reportf(o.Loc, "turns seccomp off (%s): every system call reaches the host kernel", o.Value)
					}
				})
			}),
		},
		{
			ID: "RC010", Slug: "apparmor-unconfined", Kind: rule.Container, Severity: finding.Medium,
			Title: "container runs without an AppArmor profile",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.2"},
			Why: "On AppArmor hosts Docker confines each container with the docker-default profile, which denies " +
				"writes to /proc and /sys, mounting, and access to other sensitive kernel interfaces. " +
				"`apparmor=unconfined` removes that layer.",
			Bad:         "docker run --security-opt apparmor=unconfined myapp:1.4",
			Good:        "docker run --security-opt apparmor=docker-default myapp:1.4",
			Remediation: "Remove `apparmor=unconfined` so the default profile applies, or load a profile written for the application and name it with `--security-opt apparmor=PROFILE`.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				securityOpts(s, "apparmor", func(o ct.Str, v string) {
					if strings.EqualFold(v, "unconfined") {
						p.Reportf(o.Loc, "turns AppArmor confinement off (%s)", o.Value)
					}
				})
			}),
		},
		{
			ID: "RC011", Slug: "selinux-disabled", Kind: rule.Container, Severity: finding.Medium,
			Title: "container runs without SELinux separation",
			Tags:  []string{tagLeastPrivilege, "cis-docker:5.3"},
			Why: "On SELinux hosts each container gets its own label, so a process that escapes cannot read other " +
				"containers' or the host's files. `label=disable` turns the labelling off, and the spc_t and " +
				"unconfined_t types run the container unconfined.",
			Bad:         "docker run --security-opt label=disable myapp:1.4",
			Good:        "docker run -v /srv/data:/data:Z myapp:1.4",
			Remediation: "Remove `label=disable` (or the unconfined type); relabel the volumes the container needs with the `:z` or `:Z` mount option instead.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				securityOpts(s, "label", func(o ct.Str, v string) {
					k, typ, _ := strings.Cut(v, ":")
					switch {
					case strings.EqualFold(v, "disable"):
						p.Reportf(o.Loc, "turns SELinux labelling off (%s)", o.Value)
					case strings.EqualFold(k, "type") && unconfinedSELinuxTypes[typ]:
						p.Reportf(o.Loc, "runs with the unconfined SELinux type %s (%s)", typ, o.Value)
					}
				})
			}),
		},
		{
			ID: "RC012", Slug: "systempaths-unconfined", Kind: rule.Container, Severity: finding.High,
			Title: "container unmasks kernel paths under /proc and /sys",
			Tags:  []string{tagLeastPrivilege},
			Why: "Docker masks or mounts read-only the kernel interfaces under /proc and /sys that a container must " +
				"not touch (/proc/sys, /proc/sysrq-trigger, /proc/kcore, /sys/firmware, ...). " +
				"`systempaths=unconfined` (Podman: `unmask=`) removes that protection: root in the container can " +
				"then write host kernel settings such as /proc/sys/kernel/core_pattern, a known way out.",
			Bad:         "docker run --security-opt systempaths=unconfined myapp:1.4",
			Good:        "docker run myapp:1.4",
			Remediation: "Remove `systempaths=unconfined` (Podman `unmask=`); expose a single kernel setting with `--sysctl` instead.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				securityOpts(s, "systempaths", func(o ct.Str, v string) {
					if strings.EqualFold(v, "unconfined") {
						p.Reportf(o.Loc, "unmasks the kernel paths under /proc and /sys (%s)", o.Value)
					}
				})
				securityOpts(s, "unmask", func(o ct.Str, v string) {
					if v != "" {
						p.Reportf(o.Loc, "unmasks kernel paths under /proc and /sys (%s)", o.Value)
					}
				})
			}),
		},
	}
}
