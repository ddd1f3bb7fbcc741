package image

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/secrets"
	imgsrc "github.com/bulwark-sec/bulwark/source/image"
)

const secretRemedy = "Rebuild the image without the credential and rotate it (anyone who pulled the image has it): pass build " +
	"secrets with `RUN --mount=type=secret` and run-time secrets as mounted files (a `*_FILE` variable pointing at a Docker or Kubernetes secret)."

// configRules are the checks on the image config and history.
func configRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "IM001", Slug: "image-user-root", Kind: rule.Image, Severity: finding.High,
			Title: "image runs as root",
			Tags:  []string{"seed:secure-image-build", "cis-docker:4.1"},
			Peers: []string{"trivy:DS-0002"},
			Why: "The config's User is the user a container of the image runs as when nothing overrides it. Empty, `root`, `0` " +
				"or `0:0` means root: a process compromised as root inside a container is one kernel bug or one misconfigured mount " +
				"away from root on the host. This is DF005 and DF006 judged on the built image, so images built elsewhere (a vendor's, " +
				"a base image, a Bazel or ko build) are held to the same standard. Images that step down at start (an entrypoint " +
				"running gosu or su-exec) are reported too: the config cannot show it, and `runAsNonRoot` refuses them. Images with " +
				"no Cmd and no Entrypoint (build output for other images to copy) and Windows images are not reported.",
			Bad:         `{"config": {"User": "", "Cmd": ["node", "/app/server.js"]}}`,
			Good:        `{"config": {"User": "10001:10001", "Cmd": ["node", "/app/server.js"]}}`,
			Remediation: "Add `USER 10001:10001` (a non-root numeric UID) to the final stage of the Dockerfile, or run the container with `--user` / `runAsUser`.",
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				if windows(f) || buildOutputOnly(f) {
					return
				}
				u := strings.TrimSpace(f.Config.Config.User)
				switch {
				case u == "":
					p.Report(at(f, "config.User"), "the image sets no user, so it runs as root")
				case rootUser(u):
					p.Reportf(at(f, "config.User"), "the image runs as %q", u)
				}
			}),
		},
		{
			ID: "IM002", Slug: "image-user-non-numeric", Kind: rule.Image, Severity: finding.Info,
			Title: "image user is a name, not a numeric UID",
			Tags:  []string{"cis-docker:4.1"},
			Peers: []string{"hadolint:DL3066"},
			Why: "Kubernetes' `runAsNonRoot` can only verify a numeric UID: with a user name the kubelet refuses to start the pod. " +
				"This is DF009 judged on the built image. Windows images, whose users are names by design, are not reported.",
			Bad:         `{"config": {"User": "app"}}`,
			Good:        `{"config": {"User": "10001:10001"}}`,
			Remediation: "Use a numeric UID (and GID) in the final `USER` of the Dockerfile.",
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				u := strings.TrimSpace(f.Config.Config.User)
				name, _, _ := strings.Cut(u, ":")
				if windows(f) || u == "" || rootUser(u) || number(name) {
					return
				}
				p.Reportf(at(f, "config.User"), "user %q is a name; runAsNonRoot cannot verify it", u)
			}),
		},
		{
			ID: "IM003", Slug: "image-secret-in-config", Kind: rule.Image, Severity: finding.High,
			Title: "credential in the image's environment or labels",
			Tags:  []string{"seed:hard-coded-secrets", "cis-docker:4.10"},
			Peers: []string{"trivy:DS-0031"},
			Why: "Env and Labels are stored in the image config: anyone who can pull the image reads them with `docker inspect`, " +
				"and every container of the image inherits the environment. This is DF007 judged on the built image. A variable or label is reported when its " +
				"value is a credential by its form (a private key, a GitHub, GitLab, Slack, Stripe, npm, PyPI or AWS token, a URL " +
				"with a password), or when its name says it holds one (PASSWORD, TOKEN, SECRET, API_KEY, ...) and its value is a " +
				"literal: not empty, a placeholder (changeme, <password>, ${VAR}), a switch (true, yes, 0), a path, a reference " +
				"to a secret store, a documentation dummy or a number. Names that point at a secret (*_FILE, *_PATH, *_URL) are not credentials.",
			Bad:         `{"config": {"Env": ["DB_PASSWORD=Kx8vP2qLm9Rt"]}}`,
			Good:        `{"config": {"Env": ["DB_PASSWORD_FILE=/run/secrets/db_password"]}}`,
			Remediation: secretRemedy,
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				for _, kv := range f.Config.Config.Env {
					name, value, _ := strings.Cut(kv, "=")
					if what := credential(name, value); what != "" {
						p.Reportf(at(f, "config.Env["+name+"]"), "Env %s holds %s; `docker inspect` shows it to anyone who can pull the image", name, what)
					}
				}
				for _, name := range slices.Sorted(maps.Keys(f.Config.Config.Labels)) {
					if what := credential(name, f.Config.Config.Labels[name]); what != "" {
						p.Reportf(at(f, "config.Labels["+name+"]"), "label %s holds %s; `docker inspect` shows it to anyone who can pull the image", name, what)
					}
				}
			}),
		},
		{
			ID: "IM004", Slug: "image-secret-in-history", Kind: rule.Image, Severity: finding.High,
			Title: "credential recorded in the image history",
			Tags:  []string{"seed:hard-coded-secrets", "cis-docker:4.10"},
			Peers: []string{"hadolint:DL3064", "buildkit:SecretsUsedInArgOrEnv"},
			Why: "The history's created_by keeps each instruction's text, and `docker history --no-trunc` shows it to anyone who " +
				"can pull the image: ARG and ENV values, the build arguments a RUN used (`RUN |2 NPM_TOKEN=... /bin/sh -c npm ci`, " +
				"which is how `--build-arg` values end up in the image), and the commands themselves (tokens in curl headers, " +
				"URLs with a password, `--password=` flags). This is DF007 and DF008 judged on the built image. Values are " +
				"judged as in IM003; an ENV or LABEL whose value is still in the config is left to IM003.",
			Bad:         `{"history": [{"created_by": "RUN |1 NPM_TOKEN=npm_Jr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIx /bin/sh -c npm ci # buildkit"}]}`,
			Good:        `{"history": [{"created_by": "RUN /bin/sh -c npm ci # buildkit"}]}`,
			Remediation: secretRemedy,
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				env := map[string]bool{} // NAME=VALUE of Env and Labels, IM003's
				for _, kv := range f.Config.Config.Env {
					env[kv] = true
				}
				for k, v := range f.Config.Config.Labels {
					env[k+"="+v] = true
				}
				for i, h := range f.Config.History {
					for _, leak := range historySecrets(h.CreatedBy, env) {
						p.Reportf(at(f, fmt.Sprintf("history[%d]", i)), "%s; `docker history` shows it", leak)
					}
				}
			}),
		},
		{
			ID: "IM006", Slug: "image-healthcheck-missing", Kind: rule.Image, Severity: finding.Low,
			Title: "image has no HEALTHCHECK",
			Tags:  []string{"cis-docker:4.6"},
			Peers: []string{"hadolint:DL3057", "trivy:DS-0026"},
			Why: "Docker and Swarm use the image's health check to notice a container that runs but no longer serves, and to restart " +
				"or replace it. Kubernetes ignores it and uses probes, so images only run there can ignore this. This is DF045 judged " +
				"on the built image: an explicit `HEALTHCHECK NONE` (Test [\"NONE\"]) is a deliberate opt-out and is not reported, " +
				"nor is an image with no Cmd and no Entrypoint.",
			Bad:         `{"config": {"Cmd": ["nginx", "-g", "daemon off;"]}}`,
			Good:        `{"config": {"Cmd": ["nginx", "-g", "daemon off;"], "Healthcheck": {"Test": ["CMD", "wget", "-qO-", "http://localhost/"]}}}`,
			Remediation: "Add a HEALTHCHECK to the final stage that probes the service (or `HEALTHCHECK NONE` to opt out explicitly).",
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				hc := f.Config.Config.Healthcheck
				if buildOutputOnly(f) || hc != nil && len(hc.Test) > 0 {
					return
				}
				p.Report(at(f, "config.Healthcheck"), "the image defines no health check")
			}),
		},
		{
			ID: "IM007", Slug: "image-expose-ssh", Kind: rule.Image, Severity: finding.Medium,
			Title: "image exposes the SSH port 22",
			Tags:  []string{"cis-docker:5.6"},
			Peers: []string{"trivy:DS-0004"},
			Why: "Exposing port 22 means the image is meant to run an SSH server: one more service with credentials to manage " +
				"and attack, which bypasses the runtime's access control; `docker exec` and `kubectl exec` do the job. This is " +
				"DF024 judged on the built image.",
			Bad:         `{"config": {"ExposedPorts": {"22/tcp": {}}}}`,
			Good:        `{"config": {"ExposedPorts": {"8080/tcp": {}}}}`,
			Remediation: "Do not run an SSH server in the container; remove `EXPOSE 22` and use `docker exec` or `kubectl exec` to get a shell.",
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				for _, port := range exposed(f) {
					if n, proto := splitPort(port); n == 22 && proto == "tcp" {
						p.Reportf(at(f, "config.ExposedPorts["+port+"]"), "the image exposes %s, the SSH port", port)
					}
				}
			}),
		},
		{
			ID: "IM008", Slug: "image-expose-docker-api", Kind: rule.Image, Severity: finding.High,
			Title: "image exposes the Docker Engine API port",
			Tags:  []string{"cis-docker:2.7"},
			Why: "Ports 2375 and 2376 are the Docker Engine API, without and with TLS. An image that exposes them runs an engine " +
				"(Docker in Docker) or a proxy to one, and whoever reaches that port controls every container of the engine and, " +
				"through a privileged container, its host. 2375 has no authentication at all and is HIGH; 2376 is MEDIUM, as TLS " +
				"client certificates are only as safe as their distribution.",
			Bad:         `{"config": {"ExposedPorts": {"2375/tcp": {}}}}`,
			Good:        `{"config": {"ExposedPorts": {}}}`,
			Remediation: "Do not expose the engine API from an image; give builds a rootless builder (BuildKit, kaniko) or a socket proxy that allows only the calls they need.",
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				for _, port := range exposed(f) {
					switch n, proto := splitPort(port); {
					case n == 2375 && proto == "tcp":
						p.Reportf(at(f, "config.ExposedPorts["+port+"]"), "the image exposes %s, the Docker Engine API without TLS", port)
					case n == 2376 && proto == "tcp":
						reportSeverity(p, finding.Medium, at(f, "config.ExposedPorts["+port+"]"), "the image exposes %s, the Docker Engine API over TLS", port)
					}
				}
			}),
		},
		{
			ID: "IM011", Slug: "image-add-remote-no-checksum", Kind: rule.Image, Severity: finding.Medium,
			Title: "image history shows ADD from a URL without a checksum",
			Tags:  []string{"supply-chain", "cis-docker:4.12"},
			Why: "`ADD https://...` downloads at build time and trusts whatever the server returned; without `--checksum` a " +
				"compromised or changed download goes into the image unnoticed. This is DF071 judged on the image history " +
				"(BuildKit records the instruction as written; the classic builder records only the downloaded file and is not read). " +
				"A Git URL whose ref is a full commit SHA (`#<40 hex digits>`) is pinned and not reported.",
			Bad:         `{"history": [{"created_by": "ADD https://example.com/tool.tar.gz /opt/ # buildkit"}]}`,
			Good:        `{"history": [{"created_by": "ADD --checksum=sha256:24454f83... https://example.com/tool.tar.gz /opt/ # buildkit"}]}`,
			Remediation: "Add `--checksum=sha256:...` to the ADD, or download with a verified checksum in a build stage.",
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				for i, h := range f.Config.History {
					if u, ok := remoteAdd(h.CreatedBy); ok {
						p.Reportf(at(f, fmt.Sprintf("history[%d]", i)), "ADD downloads %s without --checksum", u)
					}
				}
			}),
		},
	}
}

// rootUser reports whether a User value means root: the name root or the
// UID 0 (written as 0, 00, 0:0, root:root, 0:1000).
func rootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	if name == "root" {
		return true
	}
	n, err := strconv.Atoi(name)
	return err == nil && n == 0
}

// number reports whether s is a decimal number.
func number(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// exposed returns the exposed ports of the config, sorted.
func exposed(f *imgsrc.Facts) []string {
	var out []string
	for p := range f.Config.Config.ExposedPorts {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// splitPort reads "22/tcp" (or "22", tcp by default) into its number and
// protocol; the number is 0 when it is not one (a range, a variable).
func splitPort(p string) (int, string) {
	num, proto, _ := strings.Cut(strings.TrimSpace(p), "/")
	if proto == "" {
		proto = "tcp"
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, proto
	}
	return n, strings.ToLower(proto)
}

// credential says what credential name=value holds ("" for none): a
// credential by the value's form, or a literal value of a name that
// holds one (secrets.Setting). Public keys and certificates are not
// credentials.
func credential(name, value string) string {
	if secrets.PublicOnly(value) {
		return ""
	}
	for _, m := range secrets.Value(name, value) {
		if m.What != "" {
			return m.What
		}
	}
	return ""
}

// instruction splits a history created_by into the Dockerfile
// instruction and its text: "/bin/sh -c #(nop)  ENV A=1" (the classic
// builder) and "ENV A=1" (BuildKit) are ENV and "A=1"; "|2 A=1 B=2
// /bin/sh -c make" and "RUN |2 A=1 B=2 /bin/sh -c make # buildkit" are
// RUN and "|2 A=1 B=2 /bin/sh -c make"; "/bin/sh -c make" is RUN.
func instruction(createdBy string) (cmd, rest string) {
	s := strings.TrimSpace(createdBy)
	s = strings.TrimSpace(strings.TrimSuffix(s, "# buildkit"))
	if t, ok := strings.CutPrefix(s, "/bin/sh -c #(nop)"); ok {
		s = strings.TrimSpace(t)
	} else if strings.HasPrefix(s, "|") || strings.HasPrefix(s, "/bin/sh -c ") {
		return "RUN", s
	}
	word, rest, _ := strings.Cut(s, " ")
	if strings.ToUpper(word) == word && word != "" {
		return word, strings.TrimSpace(rest)
	}
	return "", s
}

// buildArgs splits the "|N A=1 B=2" prefix of a RUN's created_by into
// the N build arguments it names and the command after them.
func buildArgs(run string) (args [][2]string, command string) {
	if !strings.HasPrefix(run, "|") {
		return nil, run
	}
	fields := strings.Fields(run)
	n, err := strconv.Atoi(fields[0][1:])
	if err != nil || n < 0 {
		return nil, run
	}
	i := 1
	for ; i < len(fields) && i <= n; i++ {
		k, v, ok := strings.Cut(fields[i], "=")
		if !ok {
			break
		}
		args = append(args, [2]string{k, v})
	}
	return args, strings.Join(fields[i:], " ")
}

// headerTokenRe finds a literal token in an HTTP authorization header of
// a command (curl -H "Authorization: Bearer ...", PRIVATE-TOKEN: ...).
var headerTokenRe = regexp.MustCompile(`(?i)\b(?:authorization:\s*(?:bearer|token|basic)|private-token:|x-api-key:|x-auth-token:)\s*([A-Za-z0-9._~+/=-]{16,})`)

// historySecrets returns what credentials a history entry records, as
// messages that never show the value. env holds the config's Env entries
// and labels ("NAME=VALUE"): an ENV or LABEL that set one of them is
// IM003's.
func historySecrets(createdBy string, env map[string]bool) []string {
	var out []string
	cmd, rest := instruction(createdBy)
	switch cmd {
	case "ENV", "ARG", "LABEL":
		for _, kv := range pairs(rest) {
			if cmd != "ARG" && env[kv[0]+"="+kv[1]] {
				continue
			}
			if what := credential(kv[0], kv[1]); what != "" {
				out = append(out, fmt.Sprintf("%s %s holds %s", cmd, kv[0], what))
			}
		}
		return out
	case "RUN":
		args, command := buildArgs(rest)
		for _, kv := range args {
			if what := credential(kv[0], kv[1]); what != "" {
				out = append(out, fmt.Sprintf("RUN records build argument %s holding %s", kv[0], what))
			}
		}
		rest = command
	}
	if cmd == "" {
		cmd = "the instruction"
	}
	for _, m := range headerTokenRe.FindAllStringSubmatch(rest, -1) {
		if !secrets.Dummy(m[1]) && secrets.Looking(m[1]) {
			out = append(out, fmt.Sprintf("%s sends a literal token in an HTTP header", cmd))
			break
		}
	}
	for _, m := range secrets.ScanText(rest) {
		if m.Name != "" {
			out = append(out, fmt.Sprintf("%s passes %s as %s", cmd, m.What, m.Name))
		} else {
			out = append(out, fmt.Sprintf("%s holds %s", cmd, m.What))
		}
	}
	return slices.Compact(out)
}

// pairs reads the NAME=VALUE pairs of an ENV or ARG text (quotes
// removed), or the legacy "NAME VALUE" form.
func pairs(text string) [][2]string {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return nil
	}
	if !strings.Contains(fields[0], "=") {
		return [][2]string{{fields[0], strings.Trim(strings.TrimSpace(strings.TrimPrefix(text, fields[0])), `"'`)}}
	}
	var out [][2]string
	for _, f := range fields {
		if k, v, ok := strings.Cut(f, "="); ok {
			out = append(out, [2]string{k, strings.Trim(v, `"'`)})
		}
	}
	return out
}

// remoteAddRe matches an ADD from a URL as BuildKit records it.
var remoteAddRe = regexp.MustCompile(`^ADD\s+((?:--\S+\s+)*)(https?://\S+)`)

// commitRefRe matches a Git URL pinned to a commit.
var commitRefRe = regexp.MustCompile(`#[0-9a-f]{40}$`)

// remoteAdd returns the URL of an ADD that downloads without --checksum.
func remoteAdd(createdBy string) (string, bool) {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(createdBy), "# buildkit"))
	m := remoteAddRe.FindStringSubmatch(s)
	if m == nil || strings.Contains(m[1], "--checksum") || commitRefRe.MatchString(m[2]) {
		return "", false
	}
	return redactURL(m[2]), true
}

// redactURL drops a URL's user information and query, which may hold
// credentials.
func redactURL(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	if at := strings.LastIndexByte(strings.SplitN(rest, "/", 2)[0], '@'); at >= 0 {
		rest = rest[at+1:]
	}
	rest, _, _ = strings.Cut(rest, "?")
	return scheme + "://" + rest
}
