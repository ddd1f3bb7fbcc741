// Package secrets holds the heuristics the rules share to tell a
// credential from a setting: which variable or label names hold one, and
// which values are placeholders, switches or generated-looking strings.
package secrets

import (
	"regexp"
	"strings"
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
	"apikey": true, "credential": true, "credentials": true, "password": true, "passwd": true, "pword": true,
	"pwd": true, "secret": true, "token": true, "pass": true,
}

// keyQualifiers make a following "key" a credential: api_key,
// private-key, access_key.
var keyQualifiers = map[string]bool{"api": true, "private": true, "access": true}

// weakTokens are name parts that only sometimes name a credential
// (CACHE_KEY, SORT_KEY, com.example.auth): the value must look like one.
var weakTokens = map[string]bool{"key": true, "auth": true}

var allowRe = regexp.MustCompile(`(?i)(?:^|[_.-])(?:public|file|path|dir|version|gpg|pgp|fingerprint|keyring|keyserver|keys|id|url|uri|name|type|method|host|port|user|username|enabled|length|size|mode|cert|store|location|env|region)(?:$|[_.-])`)

// Classify classifies a variable or label name: Strong when a part of it
// names a credential (DB_PASSWORD, API_KEY, auth.token), Weak when its
// only such part is the generic "key" or "auth" (LICENSE_KEY, CACHE_KEY),
// None otherwise. *_FILE, *_PATH and similar names, which point at a
// secret rather than hold it, are None.
func Classify(name string) Kind {
	name = strings.TrimSpace(name)
	if allowRe.MatchString(name) {
		return None
	}
	parts := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '_' || r == '.' || r == '-' })
	kind := None
	for i, part := range parts {
		switch {
		case strongTokens[part]:
			return Strong
		case part == "key" && i > 0 && keyQualifiers[parts[i-1]]:
			return Strong
		case strings.HasSuffix(part, "key") && keyQualifiers[strings.TrimSuffix(part, "key")]:
			return Strong // privatekey, accesskey
		case weakTokens[part]:
			kind = Weak
		}
	}
	return kind
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
// a credential: empty, an empty-ish marker, a "change me" text or a path
// to a mounted secret.
func Placeholder(v string) bool {
	v = strings.TrimSpace(strings.Trim(v, `"'`))
	switch strings.ToLower(v) {
	case "", "changeme", "change-me", "change_me", "xxx", "none", "null", "nil", "empty", "<secret>", "-":
		return true
	}
	return strings.HasPrefix(v, "/run/secrets/") || strings.HasPrefix(v, "/var/run/secrets/")
}

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
