// Package secrets holds the heuristics rules share to tell a credential
// from a setting: which variable names hold credentials and which values
// cannot be one. It is the home of the name heuristic of rules/dockerfile
// (DF007), for rules of every kind.
package secrets

import (
	"regexp"
	"strings"
)

// Kind classifies a variable or label name.
type Kind int

// Name kinds.
const (
	// None: the name does not hold a credential (or points at one:
	// *_FILE, *_PATH, *_URL, ...).
	None Kind = iota
	// Weak: the only credential-like part is the generic "key" or "auth"
	// (CACHE_KEY, LICENSE_KEY): the value must also look generated.
	Weak
	// Strong: a part names a credential (DB_PASSWORD, API_KEY, auth.token).
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

// weakTokens only sometimes name a credential.
var weakTokens = map[string]bool{"key": true, "auth": true}

var allowRe = regexp.MustCompile(`(?i)(?:^|[_.-])(?:public|file|path|dir|version|gpg|pgp|fingerprint|keyring|keyserver|keys|id|url|uri|name|type|method|host|port|user|username|enabled|length|size|mode|cert|store|location|env|region)(?:$|[_.-])`)

// NameKind classifies a variable or label name: Strong when a part of it
// names a credential, Weak when its only such part is "key" or "auth",
// None otherwise. Names that point at a secret rather than hold it
// (*_FILE, *_PATH, *_URL, *_USER, ...) are None.
func NameKind(name string) Kind {
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

// Looking reports whether a value looks like a generated credential
// rather than a setting: no spaces, no variable, and a run of at least 16
// characters of the base64/hex alphabet that mixes letters and digits.
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

// Placeholder reports whether a value is a reference or an obvious dummy:
// empty-ish, "changeme", or a path to a mounted secret.
func Placeholder(v string) bool {
	v = strings.TrimSpace(strings.Trim(v, `"'`))
	switch strings.ToLower(v) {
	case "", "changeme", "change-me", "change_me", "xxx", "none", "null", "nil", "empty", "<secret>", "-":
		return true
	}
	return strings.HasPrefix(v, "/run/secrets/") || strings.HasPrefix(v, "/var/run/secrets/")
}

// Switch reports whether a value is a boolean or on/off switch, as in
// MYSQL_ALLOW_EMPTY_PASSWORD=yes: a setting about a credential, not one.
func Switch(v string) bool {
	switch strings.ToLower(strings.TrimSpace(strings.Trim(v, `"'`))) {
	case "true", "false", "yes", "no", "0", "1", "on", "off", "y", "n", "enabled", "disabled":
		return true
	}
	return false
}

// Credential reports whether name=value sets a credential: a Strong name
// with a real value, or a Weak name whose value looks generated.
func Credential(name, value string) bool {
	k := NameKind(name)
	switch {
	case k == None, value == "", Placeholder(value), Switch(value):
		return false
	case k == Weak:
		return Looking(value)
	}
	return true
}
