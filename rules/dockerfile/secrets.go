package dockerfile

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/secrets"
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
				"pull the image can read them with `docker inspect` or `docker history`. A name is a credential when a part of it " +
				"is password, passwd, pwd, pass, secret, token, credential(s), apikey, or key after api, private or access " +
				"(DB_PASSWORD, GITHUB_TOKEN, API_KEY); names that point at a secret (*_FILE, *_PATH, *_ID, *_URL, ...) are not. " +
				"Values that cannot be a credential are skipped: booleans and switches (true, false, yes, no, 0, 1, on, off), " +
				"none, null, empty, changeme and /run/secrets/ paths. When the only credential-like part is the generic `key` " +
				"or `auth` (CACHE_KEY, LICENSE_KEY, com.example.auth), the value must also look generated: no spaces and a run of " +
				"16 or more letters and digits mixed (the base64 or hex alphabet), so settings such as `created_at` or `oauth2` " +
				"are not reported.",
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
						switch {
						case kind == "ARG" && !kv.hasValue && secrets.Classify(kv.key) == secrets.Strong:
							report(p, f, kv.span, "ARG %s passes a credential as a build argument; its value is kept in the image history", kv.key)
						case secrets.Literal(kv.key, kv.value):
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
						if !hasPw || secrets.Placeholder(pw) {
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
