// Package compose holds the rules that only Compose files have: networks
// shared between services, the default network, build arguments, env
// files and named volumes. The runtime rules that read a container's
// settings (privileged, capabilities, mounts, ...) are Container rules
// and run on Compose services too.
package compose

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/secrets"
	"github.com/bulwark-sec/bulwark/source/container"
)

// Rules returns every Compose rule, newly built.
func Rules() []*rule.Rule {
	return []*rule.Rule{
		networkIsolation(),
		defaultNetwork(),
		buildArgSecret(),
		envFileSecret(),
		sharedVolume(),
	}
}

// check adapts a Compose check to rule.Rule's signature.
func check(fn func(p *rule.Pass, f *container.File, c *container.Compose)) func(*rule.Pass) error {
	return func(p *rule.Pass) error {
		f, ok := p.Target.(*container.File)
		if !ok {
			return fmt.Errorf("target is %T, not a container file", p.Target)
		}
		if f.Compose == nil {
			return nil
		}
		fn(p, f, f.Compose)
		return nil
	}
}

// serviceNames returns the Compose services in a stable order.
func serviceNames(c *container.Compose) []string {
	names := make([]string, 0, len(c.Services))
	for n := range c.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// own reports whether a spec is defined in the file itself (not pulled in
// by include): findings about a service belong to the file that defines
// it.
func own(f *container.File, s *container.Spec) bool {
	return slices.Contains(f.Specs, s)
}

// list joins names as "a, b and c".
func list(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// loc returns l, or fallback when l has no path.
func loc(l, fallback finding.Location) finding.Location {
	if l.Path == "" {
		return fallback
	}
	return l
}

func buildArgSecret() *rule.Rule {
	return &rule.Rule{
		ID: "CP003", Slug: "compose-build-arg-secret", Kind: rule.Compose, Severity: finding.High,
		Title: "credential passed as a build argument",
		Tags:  []string{"seed:hard-coded-secrets", "cis-docker:4.10"},
		Why: "A value given in `build.args` becomes an ARG of the build: it is kept in the image history " +
			"(`docker history`) and in the build cache, and it is committed with the Compose file. A name is a " +
			"credential when a part of it is password, secret, token, credential(s), apikey, or key after api, " +
			"private or access; names that point at a secret (*_FILE, *_PATH, ...) and placeholder values are " +
			"skipped, and values built from variables are not judged. Credentials in `environment` are the " +
			"business of the container rule on environment variables, which runs on Compose services too: this " +
			"rule covers build arguments only, so that one value is reported once.",
		Bad:         "services:\n  web:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: npm_8f3a9c2d1e",
		Good:        "services:\n  web:\n    build:\n      context: .\n      secrets: [npm_token]\nsecrets:\n  npm_token:\n    environment: NPM_TOKEN",
		Remediation: "Pass the credential as a build secret (`build.secrets` with a top-level `secrets:` entry, read with `RUN --mount=type=secret`), not as a build argument.",
		Check: check(func(p *rule.Pass, f *container.File, c *container.Compose) {
			for _, name := range serviceNames(c) {
				s := c.Services[name]
				if !own(f, s) {
					continue
				}
				for _, a := range c.BuildArgs[name] {
					if a.HasValue && !a.Unknown && secrets.Literal(a.Name, a.Value) {
						p.Reportf(loc(a.Loc, s.Loc), "build argument %s of service %s passes a credential; it is kept in the image history", a.Name, name)
					}
				}
			}
		}),
	}
}

func envFileSecret() *rule.Rule {
	return &rule.Rule{
		ID: "CP004", Slug: "compose-env-file-secret", Kind: rule.Compose, Severity: finding.Medium,
		Title: "env_file with credentials next to the Compose file",
		Tags:  []string{"seed:hard-coded-secrets"},
		Why: "An env_file that sits in the project with credential values (DB_PASSWORD=..., API_KEY=...) is " +
			"easily committed with it, and every container of the service gets the credentials in its " +
			"environment, where `docker inspect`, child processes and crash reports can read them. The rule reads " +
			"env files given by a path relative to the Compose file (files given by an absolute path are the " +
			"host's and are not read) and reports the credential-like keys that have a literal value. It cannot " +
			"tell whether the file is ignored by version control: if it is, suppress the finding with the reason.",
		Bad:         "services:\n  app:\n    env_file: app.env   # app.env: DB_PASSWORD=hunter2",
		Good:        "services:\n  app:\n    environment:\n      DB_PASSWORD_FILE: /run/secrets/db_password\n    secrets: [db_password]\nsecrets:\n  db_password:\n    file: ./db_password.txt   # not committed",
		Remediation: "Move the credentials to Compose secrets (mounted under /run/secrets, read through *_FILE variables) and keep env files for settings; never commit a file that holds credentials.",
		Check: check(func(p *rule.Pass, f *container.File, c *container.Compose) {
			for _, name := range serviceNames(c) {
				s := c.Services[name]
				if !own(f, s) {
					continue
				}
				for _, ef := range c.EnvFiles[name] {
					if !ef.Read {
						continue
					}
					var keys []string
					for _, v := range ef.Vars {
						if v.HasValue && !v.Unknown && secrets.Literal(v.Name, v.Value) {
							keys = append(keys, fmt.Sprintf("%s (line %d)", v.Name, v.Loc.Start.Line))
						}
					}
					if len(keys) > 0 {
						p.Reportf(loc(ef.Loc, s.Loc), "env_file %s of service %s holds credentials: %s", ef.Path, name, strings.Join(keys, ", "))
					}
				}
			}
		}),
	}
}

func sharedVolume() *rule.Rule {
	return &rule.Rule{
		ID: "CP005", Slug: "compose-shared-volume", Kind: rule.Compose, Severity: finding.Low,
		Title: "named volume mounted by several services",
		Why: "A named volume mounted by several services is a channel between them: a compromised service can " +
			"read the others' data or plant files they will load (configuration, scripts, static assets). KICS " +
			"reports the same (shared_volumes_between_containers). Share a volume only where the design needs it, " +
			"and mount it read-only in the services that only read it.",
		Bad:         "services:\n  web:\n    volumes: [data:/srv]\n  worker:\n    volumes: [data:/data]\nvolumes:\n  data:",
		Good:        "services:\n  web:\n    volumes: [web-data:/srv]\n  worker:\n    volumes: [worker-data:/data]\nvolumes:\n  web-data:\n  worker-data:",
		Remediation: "Give each service its own volume, or mount the shared one read-only (`:ro`) in every service that does not need to write to it.",
		Check: check(func(p *rule.Pass, f *container.File, c *container.Compose) {
			users := map[string][]string{}
			for _, name := range serviceNames(c) {
				for _, m := range c.Services[name].Mounts {
					if m.Type == "volume" && m.Source != "" && !m.Unknown && !slices.Contains(users[m.Source], name) {
						users[m.Source] = append(users[m.Source], name)
					}
				}
			}
			for _, name := range serviceNames(c) {
				s := c.Services[name]
				if !own(f, s) {
					continue
				}
				seen := map[string]bool{}
				for _, m := range s.Mounts {
					if m.Type != "volume" || m.Source == "" || m.Unknown || len(users[m.Source]) < 2 || seen[m.Source] {
						continue
					}
					seen[m.Source] = true
					others := slices.DeleteFunc(slices.Clone(users[m.Source]), func(n string) bool { return n == name })
					p.Reportf(loc(m.Loc, s.Loc), "named volume %s of service %s is also mounted by %s", m.Source, name, list(others))
				}
			}
		}),
	}
}
