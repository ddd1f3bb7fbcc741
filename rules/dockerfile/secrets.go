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
						nameKind := secretNameKind(kv.key)
						switch {
						case nameKind == secretNone:
							continue
						case kind == "ARG" && !kv.hasValue && nameKind == secretStrong:
							report(p, f, kv.span, "ARG %s passes a credential as a build argument; its value is kept in the image history", kv.key)
						case kv.value == "" || placeholder(kv.value) || secretSwitch(kv.value):
							continue
						case nameKind == secretWeak && !secretLooking(kv.value):
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

// secretStrongTokens are name parts that say the value is a credential.
var secretStrongTokens = map[string]bool{
	"apikey": true, "credential": true, "credentials": true, "password": true, "passwd": true, "pword": true,
	"pwd": true, "secret": true, "token": true, "pass": true,
}

// secretKeyQualifiers make a following "key" a credential: api_key,
// private-key, access_key.
var secretKeyQualifiers = map[string]bool{"api": true, "private": true, "access": true}

// secretWeakTokens are name parts that only sometimes name a credential
// (CACHE_KEY, SORT_KEY, com.example.auth): the value must look like one.
var secretWeakTokens = map[string]bool{"key": true, "auth": true}

var secretAllowRe = regexp.MustCompile(`(?i)(?:^|[_.-])(?:public|file|path|dir|version|gpg|pgp|fingerprint|keyring|keyserver|keys|id|url|uri|name|type|method|host|port|user|username|enabled|length|size|mode|cert|store|location|env|region)(?:$|[_.-])`)

// secretNameKind classifies a variable or label name: secretStrong when a
// part of it names a credential (DB_PASSWORD, API_KEY, auth.token),
// secretWeak when its only such part is the generic "key" or "auth"
// (LICENSE_KEY, CACHE_KEY), secretNone otherwise. *_FILE, *_PATH and
// similar names, which point at a secret rather than hold it, are
// secretNone.
func secretNameKind(name string) secretKind {
	name = strings.TrimSpace(name)
	if secretAllowRe.MatchString(name) {
		return secretNone
	}
	parts := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '_' || r == '.' || r == '-' })
	kind := secretNone
	for i, part := range parts {
		switch {
		case secretStrongTokens[part]:
			return secretStrong
		case part == "key" && i > 0 && secretKeyQualifiers[parts[i-1]]:
			return secretStrong
		case strings.HasSuffix(part, "key") && secretKeyQualifiers[strings.TrimSuffix(part, "key")]:
			return secretStrong // privatekey, accesskey
		case secretWeakTokens[part]:
			kind = secretWeak
		}
	}
	return kind
}

type secretKind int

const (
	secretNone secretKind = iota
	secretWeak
	secretStrong
)

// secretLooking reports whether a value looks like a generated credential
// rather than a setting: no spaces, no variable, and a run of at least 16
// characters of the base64/hex alphabet ([A-Za-z0-9+/=]) that mixes
// letters and digits. Identifiers such as "node-modules-cache-v2",
// "created_at" or "oauth2" have no such run.
func secretLooking(v string) bool {
	if strings.ContainsAny(v, " \t\n$") {
		return false
	}
	run, letters, digits := 0, false, false
	for i := 0; i <= len(v); i++ {
		var c byte
		if i < len(v) {
			c = v[i]
		}
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			run, letters = run+1, true
			continue
		case c >= '0' && c <= '9':
			run, digits = run+1, true
			continue
		case c == '+' || c == '/' || c == '=':
			run++
			continue
		}
		if run >= 16 && letters && digits {
			return true
		}
		run, letters, digits = 0, false, false
	}
	return false
}

// placeholder reports whether a value is a reference or obvious dummy, not
// a credential: an empty-ish marker, a "change me" text or a path to a
// mounted secret.
func placeholder(v string) bool {
	v = strings.TrimSpace(strings.Trim(v, `"'`))
	switch strings.ToLower(v) {
	case "", "changeme", "change-me", "change_me", "xxx", "none", "null", "nil", "empty", "<secret>", "-":
		return true
	}
	return strings.HasPrefix(v, "/run/secrets/") || strings.HasPrefix(v, "/var/run/secrets/")
}

// secretSwitch reports whether a value is a boolean or on/off switch, as
// in USE_AUTH=true or MYSQL_ALLOW_EMPTY_PASSWORD=yes: a setting about a
// credential, not one.
func secretSwitch(v string) bool {
	switch strings.ToLower(strings.TrimSpace(strings.Trim(v, `"'`))) {
	case "true", "false", "yes", "no", "0", "1", "on", "off", "y", "n", "enabled", "disabled":
		return true
	}
	return false
}
