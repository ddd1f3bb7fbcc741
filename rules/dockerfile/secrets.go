package dockerfile

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

const secretRemedy = "Remove the credential from the Dockerfile: pass it at build time with `RUN --mount=type=secret,id=...` " +
	"and at run time as a mounted file (for example a `*_FILE` variable pointing at a Docker or Kubernetes secret)."

func secretRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "DF007", Slug: "secret-in-env-arg", Kind: rule.Dockerfile, Severity: finding.High,
			Title: "credential in ENV, ARG or LABEL",
			Tags:  []string{"seed:hard-coded-secrets", "cis-docker:4.10"},
			Peers: []string{"hadolint:DL3064", "buildkit:SecretsUsedInArgOrEnv", "trivy:DS-0031"},
			Why: "ENV and LABEL values are stored in the image config and ARG values in the build history: anyone who can " +
				"pull the image can read them with `docker inspect` or `docker history`.",
			Bad:         "ENV DB_PASSWORD=hunter2",
			Good:        "ENV DB_PASSWORD_FILE=/run/secrets/db_password\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci",
			Remediation: secretRemedy,
			Check: check(func(p *rule.Pass, f *df.File) {
				for _, in := range f.Instructions {
					var kind string
					switch in.Cmd {
					case "env":
						kind = "ENV"
					case "arg":
						kind = "ARG"
					case "label":
						kind = "LABEL"
					default:
						continue
					}
					for _, kv := range keyValues(in) {
						if !secretName(kv.key) {
							continue
						}
						switch {
						case kind == "ARG" && !kv.hasValue:
							report(p, f, kv.span, "ARG %s passes a credential as a build argument; its value is kept in the image history", kv.key)
						case kv.value == "" || placeholder(kv.value):
							continue
						default:
							report(p, f, kv.span, "%s %s sets a credential in the image", kind, kv.key)
						}
					}
				}
			}),
		},
		{
			ID: "DF008", Slug: "credentials-in-url", Kind: rule.Dockerfile, Severity: finding.High,
			Title:       "URL with embedded credentials",
			Tags:        []string{"seed:hard-coded-secrets", "supply-chain"},
			Why:         "A `user:password@` URL in a Dockerfile is saved in the image layers or history and in version control.",
			Bad:         "RUN git clone https://bot:ghp_abc123@github.com/org/repo.git",
			Good:        "RUN --mount=type=secret,id=gh_token git clone https://github.com/org/repo.git",
			Remediation: secretRemedy,
			Check: check(func(p *rule.Pass, f *df.File) {
				for _, in := range f.Instructions {
					text := in.Text()
					for _, m := range urlCredRe.FindAllStringSubmatchIndex(text, -1) {
						u, err := url.Parse(text[m[0]:m[1]])
						if err != nil || u.User == nil {
							continue
						}
						pw, hasPw := u.User.Password()
						if !hasPw || pw == "" || placeholder(pw) {
							continue
						}
						report(p, f, in.LogicalSpan(m[2], m[3]), "URL to %s embeds the credentials of user %q", u.Host, u.User.Username())
					}
				}
			}),
		},
	}
}

var urlCredRe = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://([^/\s:@'"]+:[^/\s@'"]*)@[^\s'"]+`)

type keyValue struct {
	key, value string
	hasValue   bool
	span       df.Span
}

// keyValues returns the key=value pairs of an ENV, ARG or LABEL.
func keyValues(in *df.Instruction) []keyValue {
	var out []keyValue
	switch in.Cmd {
	case "arg":
		for _, a := range in.Args {
			k, v, ok := strings.Cut(a.Value, "=")
			out = append(out, keyValue{key: k, value: v, hasValue: ok, span: a.Span})
		}
	default: // ENV and LABEL: key, value and separator triples
		for i := 0; i+1 < len(in.Args); i += 3 {
			k, v := in.Args[i], in.Args[i+1]
			out = append(out, keyValue{key: k.Value, value: strings.Trim(v.Value, `"'`), hasValue: true, span: k.Span})
		}
	}
	return out
}

var (
	secretTokenRe = regexp.MustCompile(`(?i)(?:^|[_.-])(?:apikey|api[_-]?key|auth|credentials?|key|password|passwd|pword|pwd|secret|token|private[_-]?key|access[_-]?key|pass)(?:$|[_.-])`)
	secretAllowRe = regexp.MustCompile(`(?i)(?:^|[_.-])(?:public|file|path|dir|version|gpg|pgp|fingerprint|keyring|keyserver|keys|id|url|uri|name|type|method|host|port|user|username|enabled|length|size|mode|cert|store|location|env|region)(?:$|[_.-])`)
)

// secretName reports whether a variable or label name looks like it holds
// a credential. *_FILE names, which point at a secret file, do not.
func secretName(name string) bool {
	name = strings.TrimSpace(name)
	return secretTokenRe.MatchString(name) && !secretAllowRe.MatchString(name)
}

// placeholder reports whether a value is a reference or obvious dummy, not
// a credential: another variable, or an empty-ish marker.
func placeholder(v string) bool {
	v = strings.TrimSpace(strings.Trim(v, `"'`))
	switch strings.ToLower(v) {
	case "", "changeme", "change-me", "xxx", "none", "null", "false", "true", "<secret>", "secret", "password", "-":
		return v == ""
	}
	return strings.HasPrefix(v, "/run/secrets/") || strings.HasPrefix(v, "/var/run/secrets/")
}
