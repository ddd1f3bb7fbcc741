// Package daemon holds the rules that examine a Docker engine's own
// settings, as its API shows them (CIS Docker Benchmark v1.6.0, section 2).
//
// The API does not show every daemon setting. Not checked, because no
// endpoint reports them: default ulimits (2.8), the log level (2.3),
// iptables management (2.4), TLS on the daemon socket (2.7: only the
// client's side is known), the default cgroup parent (2.10), the base
// device size (2.11), the daemon-wide no-new-privileges default (2.14) and
// the userland proxy (2.16). Insecure registries (2.5) and the storage
// driver (2.6) are in /info but not yet in container.Daemon.
package daemon

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/container"
)

// Rules returns every daemon rule, newly built.
func Rules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "DM001", Slug: "daemon-userns-remap-disabled", Kind: rule.Daemon, Severity: finding.Medium,
			Title: "the engine does not remap container users into a user namespace",
			Tags:  []string{"cis-docker:2.9"},
			Why: "Without user-namespace remapping, root in a container is root on the host: a process that escapes " +
				"the container (a kernel bug, a mounted socket, a writable host path) acts with full host privileges. " +
				"With --userns-remap, container root maps to an unprivileged range of host IDs. A rootless engine " +
				"already runs inside a user namespace and is not reported.",
			Bad:         `{"userns-remap": ""}`,
			Good:        `{"userns-remap": "default"}`,
			Remediation: "Start dockerd with --userns-remap=default (or \"userns-remap\" in daemon.json), or run the engine rootless.",
			Check: check(func(p *rule.Pass, d *container.Daemon) {
				if !d.UsernsRemap && !d.Rootless {
					p.Report(d.Loc, "user-namespace remapping is not enabled: root in a container is root on the host")
				}
			}),
		},
		{
			ID: "DM002", Slug: "daemon-icc-enabled", Kind: rule.Daemon, Severity: finding.Medium,
			Title: "containers on the default bridge can reach each other",
			Tags:  []string{"cis-docker:2.2"},
			Why: "By default every container on the default bridge network can open connections to every other one. " +
				"One compromised container can then probe and attack unrelated services on the same host. " +
				"Turning inter-container communication off makes links and user-defined networks the only paths.",
			Bad:         `{"icc": true}`,
			Good:        `{"icc": false}`,
			Remediation: "Start dockerd with --icc=false (\"icc\": false in daemon.json) and connect containers that must talk through user-defined networks.",
			Check: check(func(p *rule.Pass, d *container.Daemon) {
				if d.ICCOnDefaultBridge.Is("true") {
					p.Report(d.ICCOnDefaultBridge.Loc, "inter-container communication is enabled on the default bridge network (com.docker.network.bridge.enable_icc=true)")
				}
			}),
		},
		{
			ID: "DM003", Slug: "daemon-live-restore-disabled", Kind: rule.Daemon, Severity: finding.Low,
			Title: "live restore is disabled",
			Tags:  []string{"cis-docker:2.15"},
			Why: "Without live restore, stopping or upgrading the daemon stops every container. Security updates of the " +
				"engine are then postponed because they cost an outage. (Live restore does not apply to swarm services.)",
			Bad:         `{"live-restore": false}`,
			Good:        `{"live-restore": true}`,
			Remediation: "Set \"live-restore\": true in daemon.json (or start dockerd with --live-restore) so containers keep running while the daemon restarts.",
			Check: check(func(p *rule.Pass, d *container.Daemon) {
				if !d.LiveRestore {
					p.Report(d.Loc, "live restore is disabled: restarting or upgrading the daemon stops every container")
				}
			}),
		},
		{
			ID: "DM004", Slug: "daemon-no-authorization-plugin", Kind: rule.Daemon, Severity: finding.Low,
			Title: "no authorization plugin controls the engine's API",
			Tags:  []string{"cis-docker:2.12"},
			Why: "Anyone who can reach the Docker socket can do anything: start a privileged container, mount the host's " +
				"root, read every secret. An authorization plugin lets you allow or deny API requests per user, such as " +
				"refusing --privileged or host mounts.",
			Bad:         `{"authorization-plugins": []}`,
			Good:        `{"authorization-plugins": ["opa-docker-authz"]}`,
			Remediation: "Install an authorization plugin and start dockerd with --authorization-plugin=PLUGIN, or restrict who can reach the socket.",
			Check: check(func(p *rule.Pass, d *container.Daemon) {
				if len(d.AuthzPlugins) == 0 {
					p.Report(d.Loc, "no authorization plugin is configured: whoever reaches the API controls the host")
				}
			}),
		},
		{
			ID: "DM005", Slug: "daemon-experimental", Kind: rule.Daemon, Severity: finding.Low,
			Title: "experimental features are enabled",
			Tags:  []string{"cis-docker:2.18"},
			Why: "Experimental features have had less testing and no API stability promise; in production they widen " +
				"the attack surface for little gain.",
			Bad:         `{"experimental": true}`,
			Good:        `{"experimental": false}`,
			Remediation: "Remove --experimental (or \"experimental\": true from daemon.json) on production engines.",
			Check: check(func(p *rule.Pass, d *container.Daemon) {
				if d.Experimental {
					p.Report(d.Loc, "the engine runs with experimental features enabled")
				}
			}),
		},
		{
			ID: "DM006", Slug: "daemon-logging-disabled", Kind: rule.Daemon, Severity: finding.Medium,
			Title: "the default logging driver discards container logs",
			Tags:  []string{"cis-docker:2.13"},
			Why: "With the \"none\" logging driver, what containers print is thrown away: an intrusion or a failure leaves " +
				"no trace to investigate.",
			Bad:         `{"log-driver": "none"}`,
			Good:        `{"log-driver": "syslog", "log-opts": {"syslog-address": "tcp://logs.example.com:514"}}`,
			Remediation: "Set a logging driver that keeps logs, preferably one that ships them to a central store (syslog, gelf, fluentd, journald with forwarding).",
			Check: check(func(p *rule.Pass, d *container.Daemon) {
				if d.LoggingDriver == "none" {
					p.Report(d.Loc, "the default logging driver is \"none\": container logs are discarded")
				}
			}),
		},
		{
			ID: "DM007", Slug: "daemon-logs-not-centralized", Kind: rule.Daemon, Severity: finding.Info,
			Title: "container logs stay on the host",
			Tags:  []string{"cis-docker:2.13"},
			Why: "Logs kept only on the host (json-file, local) are lost with the host and can be erased by whoever " +
				"compromises it. Shipping them to a central store keeps the evidence. A log agent reading the files " +
				"also achieves this, which the API cannot see: hence only informational.",
			Bad:         `{"log-driver": "json-file"}`,
			Good:        `{"log-driver": "fluentd", "log-opts": {"fluentd-address": "logs.example.com:24224"}}`,
			Remediation: "Use a remote logging driver (syslog, gelf, fluentd, awslogs, splunk, gcplogs) or make sure an agent ships the local log files.",
			Check: check(func(p *rule.Pass, d *container.Daemon) {
				if localLogDrivers[d.LoggingDriver] {
					p.Reportf(d.Loc, "the default logging driver %q keeps container logs on the host only", d.LoggingDriver)
				}
			}),
		},
		{
			ID: "DM008", Slug: "daemon-seccomp-unconfined", Kind: rule.Daemon, Severity: finding.High,
			Title: "the engine's default seccomp profile is unconfined",
			Tags:  []string{"cis-docker:2.17"},
			Why: "The default seccomp profile blocks about 44 dangerous system calls (kernel module loading, kexec, " +
				"mount, keyctl, ...). A daemon started with --seccomp-profile=unconfined gives every container that " +
				"does not ask for a profile none at all, widening the kernel attack surface for all of them.",
			Bad:         `{"seccomp-profile": "unconfined"}`,
			Good:        `{"seccomp-profile": "/etc/docker/seccomp-custom.json"}`,
			Remediation: "Remove the unconfined default (--seccomp-profile / \"seccomp-profile\") so Docker's default profile applies, or point it at a reviewed custom profile.",
			Check: check(func(p *rule.Pass, d *container.Daemon) {
				for _, o := range d.SecurityOptions {
					fields := strings.Split(o, ",")
					if slices.Contains(fields, "name=seccomp") && slices.Contains(fields, "profile=unconfined") {
						p.Report(d.Loc, "the daemon's default seccomp profile is unconfined: containers run without syscall filtering")
					}
				}
			}),
		},
		{
			ID: "DM009", Slug: "daemon-not-rootless", Kind: rule.Daemon, Severity: finding.Info,
			Title: "the engine runs as root",
			Tags:  []string{"cis-docker:2.1"},
			Why: "A daemon running as root means any escape from a container, or any abuse of the API, yields root on " +
				"the host. Rootless mode runs the daemon and its containers as an ordinary user. It is not possible " +
				"everywhere (some storage and network features need root), hence only informational.",
			Bad:         "dockerd    # started by root",
			Good:        "dockerd-rootless.sh    # started by an unprivileged user",
			Remediation: "Where the workload allows it, run the engine in rootless mode (dockerd-rootless-setuptool.sh install).",
			Check: check(func(p *rule.Pass, d *container.Daemon) {
				if !d.Rootless {
					p.Report(d.Loc, "the daemon runs as root (not in rootless mode)")
				}
			}),
		},
	}
}

// localLogDrivers keep logs on the engine's host only.
var localLogDrivers = map[string]bool{"json-file": true, "local": true}

// check adapts a daemon check to rule.Rule's signature; files that carry
// no daemon (every file on disk) are left alone.
func check(fn func(p *rule.Pass, d *container.Daemon)) func(*rule.Pass) error {
	return func(p *rule.Pass) error {
		f, ok := p.Target.(*container.File)
		if !ok {
			return fmt.Errorf("target is %T, not a container file", p.Target)
		}
		if f.Daemon != nil {
			fn(p, f.Daemon)
		}
		return nil
	}
}
