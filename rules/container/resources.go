package container

import (
	"fmt"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// size writes a byte count the way Docker's flags take it.
func size(n int64) string {
	for _, u := range []struct {
		unit string
		mult int64
	}{{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}} {
		if n >= u.mult && n%u.mult == 0 {
			return fmt.Sprintf("%d%s", n/u.mult, u.unit)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

func resourceRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "RC026", Slug: "no-memory-limit", Kind: rule.Container, Severity: finding.Medium,
			Title: "container has no memory limit",
			Tags:  []string{tagResources, "cis-docker:5.11", "seed:kubernetes-hardening"},
			Peers: []string{"trivy:KSV-0018", "polaris:memoryLimitsMissing", "kube-score:container-resources", "kubescape:C-0271", "kubescape:C-0004"},
			Why: "Without a memory limit one container (a leak, a flood of requests, an attacker) can use all of the " +
				"host's memory, and the kernel's out-of-memory killer then picks victims among every process on the host.",
			Bad:         "docker run myapp:1.4",
			Good:        "docker run --memory 512m --memory-swap 512m myapp:1.4",
			Remediation: "Set a memory limit: `--memory 512m` (Compose `mem_limit:` or `deploy.resources.limits.memory`).",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				m := s.Memory
				if m.Unknown || m.Set && m.Value > 0 {
					return
				}
				absent(p, s, []setting{intAt(m)}, "has no memory limit: it can use all of the host's memory")
			}),
		},
		{
			ID: "RC027", Slug: "swap-not-limited", Kind: rule.Container, Severity: finding.Low,
			Title: "container may use swap beyond its memory limit",
			Tags:  []string{tagResources, "cis-docker:5.11", "seed:kubernetes-hardening"},
			Peers: []string{"trivy:KSV-0018", "polaris:memoryLimitsMissing", "kube-score:container-resources", "kubescape:C-0271"},
			Why: "When a memory limit is set but --memory-swap is not, Docker lets the container use as much swap again " +
				"(-1 means unlimited swap): past its limit it slows the whole host down with paging instead of being " +
				"stopped. Setting --memory-swap equal to --memory turns swap off for the container. Containers " +
				"without a memory limit are RC026's concern.",
			Bad:         "docker run --memory 512m myapp:1.4",
			Good:        "docker run --memory 512m --memory-swap 512m myapp:1.4",
			Remediation: "Set `--memory-swap` to the same value as `--memory` (Compose `memswap_limit:` equal to `mem_limit:`).",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				m, sw := s.Memory, s.MemorySwap
				if !m.Set || m.Unknown || m.Value <= 0 || sw.Unknown {
					return
				}
				switch {
				case sw.Set && sw.Value == m.Value:
				case sw.Set && sw.Value < 0:
					p.Reportf(sw.Loc, "allows unlimited swap beyond its %s memory limit", size(m.Value))
				case sw.Set && sw.Value > m.Value:
					p.Reportf(sw.Loc, "may use %s of swap beyond its %s memory limit", size(sw.Value-m.Value), size(m.Value))
				default:
					absent(p, s, []setting{intAt(sw)}, "limits memory to %s but not swap: it may use as much swap again", size(m.Value))
				}
			}),
		},
		{
			ID: "RC028", Slug: "no-cpu-limit", Kind: rule.Container, Severity: finding.Low,
			Title: "container has no CPU limit",
			Tags:  []string{tagResources, "cis-docker:5.12", "seed:kubernetes-hardening"},
			Peers: []string{"trivy:KSV-0011", "polaris:cpuLimitsMissing", "kube-score:container-resources", "kubescape:C-0270", "kubescape:C-0050"},
			Why: "Without a CPU limit one container can keep every core of the host busy and starve the others. " +
				"A limit is --cpus (Compose `cpus:` or `deploy.resources.limits.cpus`), --cpu-quota, or --cpuset-cpus. " +
				"--cpu-shares (the setting CIS 5.12 names) is only a relative weight under contention and caps nothing, " +
				"so it does not count as a limit here.",
			Bad:         "docker run --cpu-shares 512 myapp:1.4",
			Good:        "docker run --cpus 1.0 myapp:1.4",
			Remediation: "Set a CPU limit: `--cpus 1.0` (Compose `cpus:` or `deploy.resources.limits.cpus`).",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				n, q, set := s.NanoCPUs, s.CPUQuota, s.CpusetCpus
				switch {
				case n.Unknown || q.Unknown || set.Unknown:
				case n.Set && n.Value > 0, q.Set && q.Value > 0, set.Set && set.Value != "":
				case s.CPUShares.Set && !s.CPUShares.Unknown && s.CPUShares.Value > 0:
					absent(p, s, []setting{intAt(n), intAt(q)}, "has no CPU limit: --cpu-shares only weighs CPU time under contention")
				default:
					absent(p, s, []setting{intAt(n), intAt(q)}, "has no CPU limit: it can keep every core of the host busy")
				}
			}),
		},
		{
			ID: "RC029", Slug: "no-pids-limit", Kind: rule.Container, Severity: finding.Medium,
			Title: "container has no PIDs limit",
			Tags:  []string{tagResources, "cis-docker:5.29"},
			Why: "Without a PIDs limit a fork bomb or a runaway worker pool in one container exhausts the host's " +
				"process table, and nothing on the host can start a process any more. 0 and -1 mean unlimited.",
			Bad:         "docker run myapp:1.4",
			Good:        "docker run --pids-limit 100 myapp:1.4",
			Remediation: "Set `--pids-limit` (Compose `pids_limit:` or `deploy.resources.limits.pids`) a little above the number of processes and threads the application needs.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				if s.Source == ct.SourceKube {
					return // Kubernetes limits PIDs per node and pod (kubelet podPidsLimit), not per container
				}
				l := s.PidsLimit
				switch {
				case l.Unknown || l.Set && l.Value > 0:
				case l.Set:
					p.Reportf(l.Loc, "has no PIDs limit (%d means unlimited): a fork bomb can exhaust the host's process table", l.Value)
				default:
					missing(p, s, "has no PIDs limit: a fork bomb can exhaust the host's process table")
				}
			}),
		},
	}
}
