package secrets

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/bulwark-sec/bulwark/finding"
)

// Match is a credential found in a text.
type Match struct {
	// Line is the line of the text the credential is on, counted from 0.
	Line int
	// What says what the credential is, for messages: "an RSA private
	// key", "a GitHub token", "a literal credential".
	What string
	// Name is the setting that holds the credential ("db.password",
	// "DB_PASSWORD"), or "" when the credential was found by its form
	// alone (a key block, a token, a URL).
	Name string
}

// Literal credential, for Match.What.
const literalWhat = "a literal credential"

// tokenForms are credentials recognised by their form alone, whatever
// name holds them: the documented prefixes and lengths of the issuers'
// tokens.
var tokenForms = []struct {
	// hints are strings one of which every match contains: a line with
	// none of them is not run through re.
	hints []string
	what  string
	// kind and title name the credential in a Hit; sev is how bad its
	// leak is.
	kind, title string
	sev         finding.Severity
	re          *regexp.Regexp
}{
	{[]string{"AKIA", "ASIA", "ABIA", "ACCA"}, "an AWS access key ID", kindAWSKeyID, "AWS access key ID", finding.Low, regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b`)},
	{[]string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, "a GitHub token", "github-token", "GitHub token", finding.Critical, regexp.MustCompile(`\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b`)},
	{[]string{"github_pat_"}, "a GitHub token", "github-token", "GitHub fine-grained token", finding.Critical, regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{80,}`)},
	{[]string{"glpat-"}, "a GitLab token", "gitlab-token", "GitLab personal access token", finding.Critical, regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`)},
	{[]string{"xox"}, "a Slack token", "slack-token", "Slack token", finding.High, regexp.MustCompile(`\bxox[abposr]-[0-9]{8,}-[A-Za-z0-9-]{10,}`)},
	{[]string{"hooks.slack.com"}, "a Slack webhook URL", "slack-webhook", "Slack webhook URL", finding.Medium, regexp.MustCompile(`https://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{20,}`)},
	{[]string{"_live_"}, "a Stripe live key", "stripe-key", "Stripe live secret key", finding.Critical, regexp.MustCompile(`\b(?:sk|rk)_live_[A-Za-z0-9]{24,}`)},
	{[]string{"AIza"}, "a Google API key", "google-api-key", "Google API key", finding.High, regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},
	{[]string{"npm_"}, "an npm token", "npm-token", "npm access token", finding.Critical, regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`)},
	{[]string{"SG."}, "a SendGrid API key", "sendgrid-key", "SendGrid API key", finding.High, regexp.MustCompile(`\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b`)},
	{[]string{"T3BlbkFJ"}, "an OpenAI API key", "openai-key", "OpenAI API key", finding.High, regexp.MustCompile(`\bsk-(?:proj-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}`)},
	{[]string{"pypi-"}, "a PyPI token", "pypi-token", "PyPI upload token", finding.High, regexp.MustCompile(`\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`)},
	{[]string{"eyJ"}, "a JSON Web Token", "jwt", "JSON Web Token", finding.Medium, regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}`)},
	{[]string{"$2"}, "a bcrypt password hash", "bcrypt-hash", "bcrypt password hash", finding.Low, regexp.MustCompile(`\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{53}`)},
}

// dummyRe matches what documentation puts in a token's place: EXAMPLE
// (as in AWS's AKIAIOSFODNN7EXAMPLE) and runs of one character
// (XXXXXXXX, 00000000).
var dummyRe = regexp.MustCompile(`(?i)example|x{8,}|0{8,}|1{8,}|a{8,}|\*{4,}|(?:\.\.\.|…)$`)

// dummyWords are values that tests and API documentation write where a
// credential goes.
var dummyWords = map[string]bool{
	"string": true, "unused": true, "dummy": true, "fake": true, "sample": true, "test": true, "foo": true,
	"bar": true, "baz": true, "foobar": true,
}

// credentialWords are values that name a credential rather than hold
// one: in a configuration file, password: secret is a placeholder.
var credentialWords = map[string]bool{
	"secret": true, "password": true, "pass": true, "passwd": true, "token": true, "pwd": true, "pw": true,
}

// pemBeginRe finds the start of a private key block; certificates and
// public keys are not credentials and do not match.
var pemBeginRe = regexp.MustCompile(`-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----`)

// pemBodyMax bounds how much of a key block's body is read.
const pemBodyMax = 4096

// pemBodyRe is the base64 body of a key block: a placeholder such as
// "..." or "<key>" has none.
var pemBodyRe = regexp.MustCompile(`[A-Za-z0-9+/]{40,}`)

// urlPasswordRe finds URLs with a user and password.
var urlPasswordRe = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'"]*:[^/\s@'"]+@[^\s'"/]+`)

// base64RunRe finds base64 text long enough to hold a key block; a
// private key block's header encodes as "LS0tLS1CRUdJTi".
var base64RunRe = regexp.MustCompile(`LS0tLS1CRUdJTi[A-Za-z0-9+/]{60,}`)

// htpasswdRe matches a line of an htpasswd file: a user and a password
// hash.
var htpasswdRe = regexp.MustCompile(`^[A-Za-z0-9_.@-]+:(?:\$apr1\$|\$2[abxy]?\$|\{SHA\}|\$[156]\$)\S{8,}$`)

// pemWhat names the credential of a key block's label.
func pemWhat(label string) string {
	switch {
	case strings.HasPrefix(label, "RSA "):
		return "an RSA private key"
	case strings.HasPrefix(label, "DSA "):
		return "a DSA private key"
	case strings.HasPrefix(label, "EC "):
		return "an EC private key"
	case strings.HasPrefix(label, "OPENSSH "):
		return "an OpenSSH private key"
	case strings.HasPrefix(label, "ENCRYPTED "):
		return "an encrypted private key"
	case strings.HasPrefix(label, "PGP "):
		return "a PGP private key"
	}
	return "a private key"
}

// Form returns what credential a single line holds by its form alone: a
// known token, a URL with a password, a base64-encoded private key block
// (kubeconfig's client-key-data), a password hash; "" when none.
// Tokens that documentation uses as examples (AKIAIOSFODNN7EXAMPLE,
// XXXXXXXX) and URLs whose password is a placeholder do not count.
func Form(line string) string {
	for _, f := range tokenForms {
		if !containsAny(line, f.hints) {
			continue
		}
		for _, m := range f.re.FindAllString(line, -1) {
			if !dummyRe.MatchString(m) {
				return f.what
			}
		}
	}
	if !strings.Contains(line, "://") || !strings.Contains(line, "@") {
		return formRest(line)
	}
	for _, m := range urlPasswordRe.FindAllString(line, -1) {
		if _, _, ok := urlPassword(m); ok {
			return "a URL with an embedded password"
		}
	}
	return formRest(line)
}

// formRest is the part of Form after tokens and URLs: encoded key blocks
// and password hashes.
func formRest(line string) string {
	if strings.Contains(line, "LS0tLS1CRUdJTi") {
		for _, m := range base64RunRe.FindAllString(line, -1) {
			// Enough of the run to decode the key block's header.
			n := min(len(m), 80) / 4 * 4
			if b, err := base64.StdEncoding.DecodeString(m[:n]); err == nil && pemBeginRe.Match(b) {
				return "a base64-encoded private key"
			}
		}
	}
	if strings.Contains(line, ":") && htpasswdRe.MatchString(strings.TrimSpace(line)) {
		return "an htpasswd entry (a user and a password hash)"
	}
	return ""
}

// containsAny reports whether s contains one of subs.
func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Templated reports whether a value is made, at least in part, by a
// template or variable: ${VAR}, $(VAR), $VAR at the start, {{ ... }},
// #{...}, %{...}, <% ... %>, %(name)s, and a format field at the start
// (%s, Falco's %ka.target.name).
func Templated(v string) bool {
	for _, s := range []string{"${", "$(", "{{", "#{", "%{", "<%", "%("} {
		if strings.Contains(v, s) {
			return true
		}
	}
	return len(v) > 1 && (v[0] == '$' || v[0] == '%') && (v[1] == '_' || v[1] >= 'A' && v[1] <= 'Z' || v[1] >= 'a' && v[1] <= 'z')
}

// referencePrefixes start values that name a credential kept elsewhere:
// secret managers, encrypted values, files.
var referencePrefixes = []string{
	"vault:", "ref+", "arn:", "sm://", "awssm://", "gcpsm://", "azkv://", "op://", "secret://", "secrets://",
	"enc(", "{cipher}", "file:", "env:", "/", "./", "../", "~/",
}

// envNameRe matches an environment variable's name, which a setting may
// hold to say where the credential comes from (password: DB_PASSWORD).
var envNameRe = regexp.MustCompile(`^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$`)

// Reference reports whether a value names a credential kept elsewhere
// rather than holding it: a secret manager reference (vault:, ref+,
// arn:, op://, ...), an encrypted value (ENC(...), {cipher}...), a path,
// a URL without a password, or an environment variable's name.
func Reference(v string) bool {
	lower := strings.ToLower(v)
	for _, p := range referencePrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil || u.User == nil {
			return true
		}
		_, has := u.User.Password()
		return !has
	}
	return envNameRe.MatchString(v)
}

// numericRe matches short numbers: counts and durations, not secrets.
var numericRe = regexp.MustCompile(`^[0-9]{1,5}[smhd]?$`)

// Dummy reports whether a value is what documentation and tests write in
// a credential's place: it contains "example", ends with "...", has a run
// of one character (xxxxxxxx, 00000000, ****), or is a word such as
// string, test, foo or dummy.
func Dummy(v string) bool {
	return dummyRe.MatchString(v) || dummyWords[strings.ToLower(strings.TrimSpace(v))]
}

// identifyingTokens are name parts of data that identifies or locates
// rather than authenticates: who, where, which certificate.
var identifyingTokens = map[string]bool{
	"username": true, "user": true, "userid": true, "login": true, "email": true, "host": true, "hostname": true,
	"server": true, "port": true, "database": true, "dbname": true, "namespace": true, "region": true, "url": true,
	"uri": true, "endpoint": true, "name": true, "crt": true, "cert": true, "certificate": true, "ca": true,
	"cabundle": true, "pub": true, "public": true, "id": true, "type": true, "zone": true, "project": true,
	"bucket": true, "fsid": true, "monitors": true, "address": true, "addr": true,
}

// identifyingSuffixes end one-word names of identifying data:
// azurestorageaccountname, clientid.
var identifyingSuffixes = []string{"username", "name", "user", "host", "hostname", "port", "url", "endpoint", "namespace", "region", "cert", "crt"}

// Identifying reports whether a name names data that identifies or
// locates rather than authenticates (a user name, host, port, URL,
// namespace, certificate, ID), and has no part that names a credential
// (password, secret, token, ...): the keys
// of a Secret that need not be secret. DB_USERNAME, tls.crt,
// azurestorageaccountname and auth.username_in are; DB_PASSWORD and
// secret_id are not.
func Identifying(name string) bool {
	parts := nameParts(name)
	for _, p := range parts {
		if strongTokens[p] || strongSuffix(p) {
			return false
		}
	}
	for _, p := range parts {
		if identifyingTokens[p] {
			return true
		}
	}
	if len(parts) == 1 {
		for _, s := range identifyingSuffixes {
			if strings.HasSuffix(parts[0], s) {
				return true
			}
		}
	}
	return false
}

// Setting reports whether a setting found in a configuration text (or a
// ConfigMap key and its value) holds a literal credential: Literal holds,
// and the value is not made by a template or variable, not a reference to
// a secret kept elsewhere, not a dummy (Dummy) nor a credential's name
// (password: secret), not a short number nor a version, not prose (five
// words or more), not a repeat of the name (token: token), and, for names
// ending in "secret", not the name of a Secret object (tlsSecret:
// wordpress-tls).
func Setting(name, value string) bool {
	value = strings.TrimSpace(value)
	return Literal(name, value) && !Templated(value) && !Reference(value) && !Dummy(value) && !numericRe.MatchString(value) &&
		!credentialWords[strings.ToLower(value)] && !versionRe.MatchString(value) && len(strings.Fields(value)) < 5 &&
		!echoesName(name, value) && !secretObjectName(name, value)
}

// versionRe matches versions and version ranges ("parse-passwd": "^1.0.0"
// in a package.json).
var versionRe = regexp.MustCompile(`^[\^~<>=v]*[0-9]+(?:\.[0-9x*]+)+(?:[-+][0-9A-Za-z.]+)?$`)

// flat lower-cases a name and drops its separators.
func flat(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// echoesName reports whether a value repeats its setting's name or the
// name's last word, as placeholders do: token: token,
// identitytoken: identity_token, password: password.
func echoesName(name, value string) bool {
	parts := nameParts(name)
	v := flat(value)
	return v != "" && (v == flat(name) || len(parts) > 0 && v == parts[len(parts)-1])
}

// k8sNameRe matches a Kubernetes object name (a DNS subdomain) made of
// several words.
var k8sNameRe = regexp.MustCompile(`^[a-z0-9]+(?:[-.][a-z0-9]+)+$`)

// secretObjectName reports whether a setting whose name ends in "secret"
// names a Secret object rather than holding a secret: tlsSecret:
// wordpress-tls, adminSecret: app-admin.
func secretObjectName(name, value string) bool {
	parts := nameParts(name)
	return len(parts) > 1 && parts[len(parts)-1] == "secret" && k8sNameRe.MatchString(value)
}

// settingRe matches a line that sets a value: "name = value",
// "name: value", "name=value", "\"name\": value", "export NAME=value".
// The caller requires a colon to be followed by a space, a quote or the
// end of the line, so that URLs and host:port are not settings.
var settingRe = regexp.MustCompile(`^(?:-\s+)?(?:export\s+)?["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*([=:])(.*)$`)

// xmlSettingRe matches <name>value</name>.
var xmlSettingRe = regexp.MustCompile(`^<([A-Za-z_][A-Za-z0-9_.\-]*)>([^<]*)</([A-Za-z_][A-Za-z0-9_.\-]*)>$`)

// inlinePairRe finds name=value pairs inside a line: connection strings
// (Server=db;Password=x), query strings (?user=u&password=x) and flags
// (--password=x).
var inlinePairRe = regexp.MustCompile(`(?:^|[\s;&?,"'])-{0,2}([A-Za-z_][A-Za-z0-9_.\-]*)=([^\s;&,"']+)`)

// jsonPairRe finds "name": "value" pairs inside a line.
var jsonPairRe = regexp.MustCompile(`"([A-Za-z_][A-Za-z0-9_.\-]*)"\s*:\s*"((?:[^"\\]|\\.)*)"`)

// settingValue cleans a value as written after a setting's name: quotes
// removed, a trailing comma (JSON) or semicolon and an inline comment cut.
// ok is false for values that open a structure (a YAML block, a mapping,
// a list), an anchor or alias, and for a comment alone.
func settingValue(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	switch v[0] {
	case '"', '\'':
		q := v[0]
		for i := 1; i < len(v); i++ {
			if q == '"' && v[i] == '\\' {
				i++
				continue
			}
			if v[i] == q {
				return v[1:i], true
			}
		}
		return strings.TrimRight(v[1:], `"',;`), true
	case '{', '[', '|', '>', '&', '*', '#':
		return "", false // a structure, an anchor or alias, or only a comment
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	if i := strings.Index(v, "\t#"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimRight(strings.TrimSpace(v), ",;"), true
}

// commentLine reports whether a line is a comment in the usual
// configuration formats.
func commentLine(t string) bool {
	for _, p := range []string{"#", "//", ";", "<!--", "--"} {
		if strings.HasPrefix(t, p) {
			return !strings.HasPrefix(t, "--") || strings.HasPrefix(t, "-- ") || t == "--"
		}
	}
	return false
}

// lineSetting returns the first setting of a line that holds a literal
// credential.
func lineSetting(line string) (name string, ok bool) {
	name, _, ok = lineSettingFunc(line, Setting)
	return name, ok
}

// lineSettingFunc returns the first setting of a line whose name and
// value accept takes.
func lineSettingFunc(line string, accept func(name, value string) bool) (name, value string, ok bool) {
	t := strings.TrimSpace(line)
	if t == "" || commentLine(t) {
		return "", "", false
	}
	// Each pattern runs only on lines holding the characters it needs.
	if t[0] == '<' {
		if m := xmlSettingRe.FindStringSubmatch(t); m != nil && m[1] == m[3] {
			if accept(m[1], m[2]) {
				return m[1], m[2], true
			}
			return "", "", false
		}
	}
	hasEq, hasColon := strings.IndexByte(t, '=') >= 0, strings.IndexByte(t, ':') >= 0
	if !hasEq && !hasColon {
		return "", "", false
	}
	if m := settingRe.FindStringSubmatch(t); m != nil && (m[2] == "=" || m[3] == "" || strings.ContainsAny(m[3][:1], " \t\"'")) {
		if v, ok := settingValue(m[3]); ok && accept(m[1], v) {
			return m[1], v, true
		}
	}
	if hasColon && strings.IndexByte(t, '"') >= 0 {
		for _, m := range jsonPairRe.FindAllStringSubmatch(t, -1) {
			if accept(m[1], m[2]) {
				return m[1], m[2], true
			}
		}
	}
	if hasEq {
		for _, m := range inlinePairRe.FindAllStringSubmatch(t, -1) {
			if accept(m[1], m[2]) {
				return m[1], m[2], true
			}
		}
	}
	return "", "", false
}

// ScanText finds the credentials of a text, such as a configuration file held
// in a ConfigMap: private key blocks (with a body), tokens of a known
// form, URLs with a password, password hashes, and settings whose name
// holds a credential and whose value is a literal one (Setting), written
// as properties, .env, INI, YAML, JSON or XML lines, or as pairs inside a
// line (connection and query strings, --flag=value). Settings on comment
// lines are not read; tokens are found there too. One match per line.
func ScanText(text string) []Match {
	var out []Match
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSuffix(lines[i], "\r")
		if m := pemBeginRe.FindStringSubmatchIndex(line); m != nil {
			what := pemWhat(line[m[2]:m[3]])
			// The body runs to the END line (or, JSON-escaped, on this
			// line); its first few kilobytes tell a key from a placeholder.
			var body strings.Builder
			rest, end := line[m[1]:], i
			for j := i + 1; ; j++ {
				if k := strings.Index(rest, "-----END"); k >= 0 {
					rest = rest[:k]
					if body.Len() < pemBodyMax {
						body.WriteString(rest)
					}
					break
				}
				if body.Len() < pemBodyMax {
					body.WriteString(rest)
				}
				if j >= len(lines) {
					break
				}
				rest, end = lines[j], j
			}
			if pemBodyRe.MatchString(strings.ReplaceAll(body.String(), `\n`, "")) {
				out = append(out, Match{Line: i, What: what})
			}
			i = end
			continue
		}
		if what := Form(line); what != "" {
			out = append(out, Match{Line: i, What: what})
			continue
		}
		if name, ok := lineSetting(line); ok {
			out = append(out, Match{Line: i, What: literalWhat, Name: name})
		}
	}
	return out
}

// Value judges a value held under a name, such as a ConfigMap key or a
// Secret key and its (decoded) value. A value of several lines is a
// document, read with ScanText. A single line is read with ScanText too (it may
// be a token or a connection string), and else is a credential when the
// name says so (Setting): its Match has Name set to name.
func Value(name, value string) []Match {
	value = strings.TrimRight(value, "\r\n")
	if strings.Contains(value, "\n") {
		return ScanText(value)
	}
	if ms := ScanText(value); len(ms) > 0 {
		return ms
	}
	if Setting(name, value) {
		return []Match{{Line: 0, What: literalWhat, Name: name}}
	}
	return nil
}

// PublicOnly reports whether a text holds only public material:
// certificates, public keys (PEM or OpenSSH), and no private key.
func PublicOnly(text string) bool {
	t := strings.TrimSpace(text)
	if pemBeginRe.MatchString(t) {
		return false
	}
	for _, p := range []string{"-----BEGIN CERTIFICATE", "-----BEGIN PUBLIC KEY", "-----BEGIN RSA PUBLIC KEY", "-----BEGIN X509 CRL",
		"-----BEGIN TRUSTED CERTIFICATE", "-----BEGIN PGP PUBLIC KEY", "ssh-rsa AAAA", "ssh-ed25519 AAAA", "ecdsa-sha2-"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}
