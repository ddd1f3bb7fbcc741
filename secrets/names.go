// Package secrets finds credentials: the heuristics the rules share to
// tell a credential from a setting (which variable or label names hold
// one, and which values are placeholders, switches or generated-looking
// strings), a text scanner for configuration documents (ScanText), and a
// scanner for the files of container image layers (Candidate and Scan).
package secrets

import (
	"regexp"
	"strings"
	"unicode"
)

// Kind classifies a variable or label name.
type Kind int

// Name kinds.
const (
	// None is a name that does not hold a credential, or points at one
	// (*_FILE, *_PATH, *_URL, ...).
	None Kind = iota
	// Weak is a name whose only credential-like part is the generic "key"
	// or "auth" (CACHE_KEY, LICENSE_KEY, com.example.auth): its value must
	// also look generated to be a credential.
	Weak
	// Strong is a name with a part that names a credential (DB_PASSWORD,
	// API_KEY, auth.token).
	Strong
)

// strongTokens are name parts that say the value is a credential.
var strongTokens = map[string]bool{
	"apikey": true, "credential": true, "credentials": true, "creds": true, "password": true, "passwd": true, "pword": true,
	"pwd": true, "secret": true, "token": true, "pass": true, "passphrase": true,
}

// strongSuffixes make a name part that ends with them a credential when
// the part is written as one word: adminpassword, clientsecret,
// accesstoken.
var strongSuffixes = []string{"password", "passwd", "secret", "token", "apikey", "passphrase"}

// keyQualifiers make a following "key" a credential: api_key,
// private-key, access_key.
var keyQualifiers = map[string]bool{"api": true, "private": true, "access": true}

// weakTokens are name parts that only sometimes name a credential
// (CACHE_KEY, SORT_KEY, com.example.auth): the value must look like one.
var weakTokens = map[string]bool{"key": true, "auth": true}

// allowTokens are name parts that make a name a setting about a
// credential, or a pointer to one, rather than the credential: a file or
// path (DB_PASSWORD_FILE), an identifier or a name (SECRET_NAME,
// existingSecret, secretRef), a public part (GPG_KEY, TLS_CERT), a rule
// about it (PASSWORD_MIN_LENGTH, password-policy, TOKEN_TTL).
var allowTokens = map[string]bool{
	// pointers to a credential kept elsewhere
	"file": true, "path": true, "dir": true, "store": true, "location": true, "env": true, "ref": true,
	"existing": true, "url": true, "uri": true, "endpoint": true, "keyring": true, "keyserver": true,
	// names, identities and public parts
	"public": true, "gpg": true, "pgp": true, "fingerprint": true, "keys": true, "id": true, "name": true,
	"host": true, "port": true, "user": true, "username": true, "cert": true, "region": true, "issuer": true,
	"audience": true, "scope": true, "provider": true, "namespace": true,
	// settings about a credential
	"version": true, "type": true, "method": true, "enabled": true, "length": true, "size": true, "mode": true,
	"policy": true, "min": true, "max": true, "required": true, "ttl": true, "timeout": true, "expiry": true,
	"expiration": true, "lifetime": true, "duration": true, "rotation": true, "regex": true, "pattern": true,
	"header": true, "prefix": true, "format": true, "field": true, "source": true, "strategy": true,
	"hint": true, "prompt": true, "algorithm": true, "complexity": true, "strength": true, "spec": true,
	"encryption": true, "hash": true, "hashing": true, "scheme": true, "cipher": true, "digest": true, "encoding": true,
	"helper": true, "plugin": true, "backend": true, "command": true,
}

// nameParts splits a name into lower-case words at '_', '.', '-', '/' and
// other separators, and at camelCase boundaries: "clientSecret" is client
// and secret, "HTTPPassword" http and password, "DB_PASSWORD" db and
// password.
func nameParts(name string) []string {
	var parts []string
	word := []rune{}
	flush := func() {
		if len(word) > 0 {
			parts = append(parts, strings.ToLower(string(word)))
			word = word[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		isUpper, isLower := unicode.IsUpper(r), unicode.IsLower(r)
		if !isUpper && !isLower && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if isUpper && len(word) > 0 {
			prev := word[len(word)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			// aB splits before B; ABc splits before B (HTTPPassword).
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				flush()
			}
		}
		word = append(word, r)
	}
	flush()
	return parts
}

// Classify classifies a variable, label or setting name: Strong when a
// part of it names a credential (DB_PASSWORD, API_KEY, auth.token,
// clientSecret, adminpassword), Weak when its only such part is the
// generic "key" or "auth" (LICENSE_KEY, CACHE_KEY), None otherwise.
// Names are split at separators and camelCase boundaries. Names with a
// part that points at a secret or is a setting about one (*_FILE,
// *_PATH, *_NAME, secretRef, PASSWORD_MIN_LENGTH, password-policy, ...)
// are None.
func Classify(name string) Kind {
	parts := nameParts(strings.TrimSpace(name))
	for _, part := range parts {
		if allowTokens[part] {
			return None
		}
	}
	kind := None
	for i, part := range parts {
		switch {
		case strongTokens[part]:
			return Strong
		case part == "key" && i > 0 && keyQualifiers[parts[i-1]]:
			return Strong
		case strings.HasSuffix(part, "key") && keyQualifiers[strings.TrimSuffix(part, "key")]:
			return Strong // privatekey, accesskey
		case strongSuffix(part):
			return Strong
		case weakTokens[part]:
			kind = Weak
		}
	}
	return kind
}

// strongSuffix reports whether a one-word part ends with a credential
// word: adminpassword, clientsecret.
func strongSuffix(part string) bool {
	for _, s := range strongSuffixes {
		if len(part) > len(s) && strings.HasSuffix(part, s) {
			return true
		}
	}
	return false
}

// Name reports whether a variable or label name may hold a credential
// (Classify is Weak or Strong).
func Name(name string) bool { return Classify(name) != None }

// Literal reports whether name=value sets a credential in the clear: the
// name may hold one, and the value is not empty, a placeholder or a
// switch; when the name is only Weak, the value must also look generated.
// The caller makes sure the value is literal text, not a reference to a
// variable.
func Literal(name, value string) bool {
	switch kind := Classify(name); {
	case kind == None:
		return false
	case Placeholder(value) || Switch(value):
		return false
	case kind == Weak:
		return Looking(value)
	}
	return true
}

// Looking reports whether a value looks like a generated credential
// rather than a setting: no spaces, no variable, and a run of at least 16
// characters of the base64/hex alphabet ([A-Za-z0-9+/=]) that mixes
// letters and digits. Identifiers such as "node-modules-cache-v2",
// "created_at" or "oauth2" have no such run.
func Looking(v string) bool {
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

// Placeholder reports whether a value is a reference or obvious dummy, not
// a credential: empty, an empty-ish marker, a "change me" or "replace me"
// text, a run of x or *, a marker in angle brackets (<password>), a value
// that is wholly a variable or template reference (${DB_PASSWORD},
// $(TOKEN), {{ .Values.password }}), or a path to a mounted secret.
func Placeholder(v string) bool {
	v = strings.TrimSpace(strings.Trim(v, `"'`))
	switch strings.ToLower(v) {
	case "", "changeme", "change-me", "change_me", "changeit", "replaceme", "replace-me", "replace_me",
		"xxx", "none", "null", "nil", "empty", "<secret>", "-", "redacted", "placeholder", "todo", "tbd":
		return true
	}
	return placeholderRe.MatchString(v) ||
		strings.HasPrefix(v, "/run/secrets/") || strings.HasPrefix(v, "/var/run/secrets/")
}

// placeholderRe matches dummy values: <your-password>, ${VAR}, $(VAR),
// {{ ... }}, xxxxxx, ******, and "replace/change ... me" (CHANGEME0000),
// "your_api_key" texts.
var placeholderRe = regexp.MustCompile(`^(?:<[^<>]+>|\$\{[^{}]+\}|\$\([A-Za-z_][A-Za-z0-9_]*\)|\{\{.*\}\}|[xX]{3,}|\*{3,}|\.{3,}|(?i:(?:please[-_ ])?(?:change|replace)[-_ ]?(?:me|this|it)(?:[^a-z].*)?|your[-_ ][a-z_ -]+|insert[-_ ].*))$`)

// Switch reports whether a value is a boolean or on/off switch, as in
// USE_AUTH=true or MYSQL_ALLOW_EMPTY_PASSWORD=yes: a setting about a
// credential, not one.
func Switch(v string) bool {
	switch strings.ToLower(strings.TrimSpace(strings.Trim(v, `"'`))) {
	case "true", "false", "yes", "no", "0", "1", "on", "off", "y", "n", "enabled", "disabled":
		return true
	}
	return false
}
