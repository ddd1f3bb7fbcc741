package container

import (
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// hostPort returns the first host port of a published port (a range
// "8000-8010" starts at 8000), or 0 when there is none or it is not a
// number.
func hostPort(pt ct.Port) int {
	first, _, _ := strings.Cut(pt.HostPort, "-")
	n, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// allInterfaces reports whether a host address means every interface.
func allInterfaces(ip string) bool {
	switch strings.Trim(strings.TrimSpace(ip), "[]") {
	case "", "0.0.0.0", "::":
		return true
	}
	return false
}

// portName writes a port with its protocol when that is not TCP.
func portName(port string, pt ct.Port) string {
	if pt.Protocol != "" && !strings.EqualFold(pt.Protocol, "tcp") {
		return port + "/" + pt.Protocol
	}
	return port
}

// portKey identifies a published port regardless of the address family:
// inspect output lists 0.0.0.0 and :: bindings of one port separately.
func portKey(pt ct.Port) string {
	return pt.HostPort + ">" + pt.ContainerPort + "/" + pt.Protocol
}

func exposureRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "RC030", Slug: "privileged-host-port", Kind: rule.Container, Severity: finding.Low,
			Title: "container publishes a privileged host port",
			Tags:  []string{tagNetwork, "cis-docker:5.8"},
			Why: "Ports below 1024 are reserved for services the host's administrator runs; publishing a container " +
				"on one takes such a port for it, hiding or replacing a host service, and the Docker daemon binds it " +
				"as root on the container's behalf.",
			Bad:         "docker run -p 80:8080 myapp:1.4",
			Good:        "docker run -p 127.0.0.1:8080:8080 myapp:1.4  # a reverse proxy listens on 80",
			Remediation: "Publish the service on a host port of 1024 or above and let a reverse proxy or load balancer own the privileged port.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				if s.NetworkMode.Is("host") {
					return // published ports are ignored on the host network (RC013 covers it)
				}
				seen := map[string]bool{}
				for _, pt := range s.Ports {
					if n := hostPort(pt); !pt.Unknown && n > 0 && n < 1024 && !seen[portKey(pt)] {
						seen[portKey(pt)] = true
						p.Reportf(pt.Loc, "publishes privileged host port %s", portName(strconv.Itoa(n), pt))
					}
				}
			}),
		},
		{
			ID: "RC031", Slug: "port-on-all-interfaces", Kind: rule.Container, Severity: finding.Low,
			Title: "published port listens on every host interface",
			Tags:  []string{tagNetwork, "cis-docker:5.14"},
			Why: "A port published without a host address listens on every interface of the host, public ones " +
				"included, and Docker's own firewall rules let the traffic in ahead of the host firewall (ufw and " +
				"firewalld do not see it). A database or admin port meant for the host alone ends up on the internet.",
			Bad:         "docker run -p 5432:5432 postgres:16",
			Good:        "docker run -p 127.0.0.1:5432:5432 postgres:16",
			Remediation: "Bind the port to the address it is meant for: `-p 127.0.0.1:5432:5432` (Compose `\"127.0.0.1:5432:5432\"`), or the one interface that should receive it.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				if s.NetworkMode.Is("host") {
					return // published ports are ignored on the host network (RC013 covers it)
				}
				if s.PublishAll.True() {
					p.Reportf(s.PublishAll.Loc, "publishes every exposed port of the image on random ports of every host interface")
				}
				seen := map[string]bool{}
				for _, pt := range s.Ports {
					if pt.Unknown || !allInterfaces(pt.HostIP) || seen[portKey(pt)] {
						continue
					}
					seen[portKey(pt)] = true
					if pt.HostPort == "" {
						p.Reportf(pt.Loc, "publishes container port %s on a random port of every host interface", portName(pt.ContainerPort, pt))
						continue
					}
					p.Reportf(pt.Loc, "publishes host port %s on every host interface", portName(pt.HostPort, pt))
				}
			}),
		},
		{
			ID: "RC032", Slug: "restart-retries", Kind: rule.Container, Severity: finding.Low,
			Title: "on-failure restart policy has no retry cap of 5 or less",
			Tags:  []string{tagResources, "cis-docker:5.15"},
			Why: "A container that restarts on failure without a retry cap retries forever: a crash loop keeps " +
				"consuming the host's resources and can turn a failed attack into a denial of service. CIS " +
				"recommends at most 5 retries.",
			Bad:         "docker run --restart on-failure myapp:1.4",
			Good:        "docker run --restart on-failure:5 myapp:1.4",
			Remediation: "Cap the retries: `--restart on-failure:5` (Compose `deploy.restart_policy.max_attempts: 5`).",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				r, limit := s.Restart, s.RestartMax
				if !r.Is("on-failure") || limit.Unknown {
					return
				}
				switch {
				case !limit.Set || limit.Value <= 0:
					p.Report(r.Loc, "restarts on failure without a retry cap")
				case limit.Value > 5:
					p.Reportf(r.Loc, "restarts on failure up to %d times (more than 5)", limit.Value)
				}
			}),
		},
		{
			ID: "RC033", Slug: "cgroup-parent", Kind: rule.Container, Severity: finding.Low,
			Title: "container uses a non-default cgroup parent",
			Tags:  []string{tagResources, "cis-docker:5.25"},
			Why: "The cgroup parent decides which resource limits and accounting apply to the container. Placing it " +
				"under another cgroup can take it out of the limits the daemon applies to containers, or put it " +
				"beside host services.",
			Bad:         "docker run --cgroup-parent /system.slice myapp:1.4",
			Good:        "docker run myapp:1.4",
			Remediation: "Remove --cgroup-parent (Compose `cgroup_parent:`) unless the host's resource plan requires it, and then document why.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				if c := s.CgroupParent; c.Set && !c.Unknown && c.Value != "" {
					p.Reportf(c.Loc, "places the container under cgroup parent %s", c.Value)
				}
			}),
		},
		{
			ID: "RC034", Slug: "healthcheck-disabled", Kind: rule.Container, Severity: finding.Low,
			Title: "container health check is disabled",
			Tags:  []string{tagResources, "cis-docker:5.27"},
			Why: "A health check lets the engine and orchestrators notice a container that runs but no longer works " +
				"(hung, deadlocked, or tampered with) and act on it. Turning off the image's health check hides that. " +
				"A container with no health check on its command line is not reported, since the image may define one.",
			Bad:         "docker run --no-healthcheck myapp:1.4",
			Good:        "docker run --health-cmd 'wget -qO- http://localhost:8080/healthz || exit 1' myapp:1.4",
			Remediation: "Remove --no-healthcheck (Compose `healthcheck: disable: true`), or define a health check suited to the container.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				if h := s.HealthcheckDisabled; h.True() {
					p.Report(h.Loc, "disables the container's health check")
				}
			}),
		},
	}
}
