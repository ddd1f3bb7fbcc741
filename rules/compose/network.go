package compose

import (
	"net"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/source/container"
)

// dataImages are the repository names (last path part) of common
// databases, caches, queues and object stores.
var dataImages = map[string]bool{
	"postgres": true, "postgresql": true, "postgis": true, "timescaledb": true, "timescaledb-ha": true,
	"mysql": true, "mysql-server": true, "mariadb": true, "percona": true, "percona-server": true,
	"mongo": true, "mongodb": true, "mongodb-community-server": true, "mongodb-sharded": true,
	"redis": true, "redis-stack": true, "redis-stack-server": true, "redis-cluster": true, "valkey": true, "keydb": true,
	"memcached": true, "elasticsearch": true, "opensearch": true, "cassandra": true, "scylla": true,
	"couchdb": true, "couchbase": true, "rabbitmq": true, "kafka": true, "cp-kafka": true, "cp-server": true,
	"zookeeper": true, "cp-zookeeper": true, "etcd": true, "influxdb": true, "neo4j": true,
	"clickhouse": true, "clickhouse-server": true, "cockroach": true, "minio": true, "arangodb": true,
	"solr": true, "questdb": true, "surrealdb": true, "qdrant": true, "meilisearch": true, "typesense": true,
}

// dataImage returns the repository name when image is a data service's
// image ("bitnami/postgresql:16" gives "postgresql"), else "".
func dataImage(image string) string {
	ref := strings.ToLower(strings.TrimSpace(image))
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i >= 0 && !strings.Contains(ref[i:], "/") {
		ref = ref[:i]
	}
	if strings.HasSuffix(ref, "mssql/server") {
		return "mssql"
	}
	base := ref[strings.LastIndex(ref, "/")+1:]
	if dataImages[base] {
		return base
	}
	return ""
}

// isData returns the data image of a service, or "" when it is none.
// An image partly built from variables still counts when its repository
// name is a data service's: "postgres:${PG_VERSION}" is a database
// whatever the tag.
func isData(s *container.Spec) string {
	if !s.Image.Set {
		return ""
	}
	return dataImage(s.Image.Value)
}

// networksOf returns the Compose networks a service joins, with the
// location of each; ok is false when they cannot be known.
func networksOf(c *container.Compose, name string, depth int) (nets []string, locs []finding.Location, ok bool) {
	s := c.Services[name]
	if s == nil || depth > 8 {
		return nil, nil, false
	}
	if s.NetworkMode.Set {
		if s.NetworkMode.Unknown {
			return nil, nil, false
		}
		if other, isSvc := strings.CutPrefix(s.NetworkMode.Value, "service:"); isSvc {
			n, _, ok := networksOf(c, other, depth+1)
			return n, repeat(s.NetworkMode.Loc, len(n)), ok
		}
		return nil, nil, true // host, none, bridge, container:...: no Compose network
	}
	if c.UsesDefaultNetwork[name] {
		return []string{"default"}, []finding.Location{s.Loc}, true
	}
	for _, n := range s.Networks {
		if n.Unknown {
			return nil, nil, false
		}
		nets = append(nets, n.Value)
		locs = append(locs, loc(n.Loc, s.Loc))
	}
	return nets, locs, true
}

func repeat(l finding.Location, n int) []finding.Location {
	out := make([]finding.Location, n)
	for i := range out {
		out[i] = l
	}
	return out
}

// publicPorts returns the ports a service publishes on an address other
// than loopback ("" means every interface). Ports built from variables
// are left out.
func publicPorts(s *container.Spec) []container.Port {
	var out []container.Port
	for _, p := range s.Ports {
		if p.Unknown {
			continue
		}
		ip := strings.Trim(p.HostIP, "[]")
		if ip == "localhost" {
			continue
		}
		if addr := net.ParseIP(ip); addr != nil && addr.IsLoopback() {
			continue
		}
		out = append(out, p)
	}
	return out
}

func networkIsolation() *rule.Rule {
	return &rule.Rule{
		ID: "CP001", Slug: "compose-data-network-isolation", Kind: rule.Compose, Severity: finding.Medium,
		Title: "data service on a network that is not internal, shared with an exposed service",
		Tags:  []string{"seed:network-isolation"},
		Why: "The seed's network isolation practice keeps databases and caches on a network of their own, marked " +
			"`internal: true`, that only the services which need them join: a service that publishes ports faces the " +
			"outside, and whoever takes it over can reach every service on its networks. The rule finds data " +
			"services (postgres, mysql, mariadb, mongo, redis, valkey, memcached, elasticsearch, opensearch, " +
			"cassandra, couchdb, rabbitmq, kafka, zookeeper, etcd, influxdb, neo4j, clickhouse, cockroach, minio " +
			"and others, by the image's repository name, with any registry prefix such as bitnami/postgresql) that " +
			"share a network which is not internal (the implicit default network included) with a service that " +
			"publishes ports on a non-loopback address, or with a service that also joins another network and so " +
			"bridges the data tier to another one (the seed's example without `internal: true`). A data service " +
			"that publishes its own ports on every host interface is reported by RC031. External networks, and networks or ports built from unset variables, are not " +
			"judged.",
		Bad: "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n    networks: [frontend]\n  db:\n    image: postgres\n" +
			"    networks: [frontend]\nnetworks:\n  frontend:",
		Good: "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n    networks: [frontend]\n  api:\n    image: myapi\n" +
			"    networks: [frontend, backend]\n  db:\n    image: postgres\n    networks: [backend]\nnetworks:\n  frontend:\n" +
			"  backend:\n    internal: true",
		Remediation: "Put the data service on its own network with `internal: true`, joined only by the services that query it, and publish its port on 127.0.0.1 at most.",
		Check: check(func(p *rule.Pass, f *container.File, c *container.Compose) {
			names := serviceNames(c)
			for _, name := range names {
				s := c.Services[name]
				img := isData(s)
				if img == "" || !own(f, s) {
					continue
				}
				nets, locs, ok := networksOf(c, name, 0)
				if !ok {
					continue
				}
				for i, n := range nets {
					nw := c.Networks[n]
					if nw == nil || nw.Internal || nw.External || nw.Unknown {
						continue
					}
					var exposed []string
					for _, other := range names {
						if other == name {
							continue
						}
						on, _, ok := networksOf(c, other, 0)
						if !ok || !slices.Contains(on, n) {
							continue
						}
						switch bridged := slices.DeleteFunc(slices.Clone(on), func(x string) bool { return x == n }); {
						case len(publicPorts(c.Services[other])) > 0:
							exposed = append(exposed, other+" (publishes ports)")
						case len(bridged) > 0:
							exposed = append(exposed, other+" (also on "+list(bridged)+")")
						}
					}
					if len(exposed) == 0 {
						continue
					}
					what := "network " + n + ", which is not internal,"
					if n == "default" {
						what = "the default network"
					}
					p.Reportf(locs[i], "data service %s (%s) shares %s with %s", name, img, what, list(exposed))
				}
			}
		}),
	}
}

func defaultNetwork() *rule.Rule {
	return &rule.Rule{
		ID: "CP002", Slug: "compose-default-network", Kind: rule.Compose, Severity: finding.Info,
		Title: "services left on the default network",
		Tags:  []string{"seed:network-isolation", "cis-docker:5.30"},
		Why: "A service without `networks:` or `network_mode` joins the project's implicit default network, and " +
			"the default network connects every service on it with every other: a web front end can reach the " +
			"database, the cache and the admin tools alike. Declaring networks per tier lets Compose enforce who " +
			"talks to whom. The rule reports each service on the default network when at least two are.",
		Bad:         "services:\n  web:\n    image: nginx\n  db:\n    image: postgres",
		Good:        "services:\n  web:\n    image: nginx\n    networks: [frontend]\n  db:\n    image: postgres\n    networks: [backend]\nnetworks:\n  frontend:\n  backend:\n    internal: true",
		Remediation: "Declare networks for each group of services that must talk to each other and list them under each service's `networks:`.",
		Check: check(func(p *rule.Pass, f *container.File, c *container.Compose) {
			var on []string
			for _, name := range serviceNames(c) {
				if c.UsesDefaultNetwork[name] {
					on = append(on, name)
				}
			}
			if len(on) < 2 {
				return
			}
			for _, name := range on {
				s := c.Services[name]
				if !own(f, s) {
					continue
				}
				others := slices.DeleteFunc(slices.Clone(on), func(n string) bool { return n == name })
				p.Reportf(s.Loc, "service %s is on the default network with %s: every service there can reach every other", name, list(others))
			}
		}),
	}
}
