package osv

import "strings"

// Ecosystem is an OSV ecosystem string: a base name from the schema's enum,
// optionally followed by ":" and a free-form suffix ("Debian:12",
// "Ubuntu:Pro:22.04:LTS", "Packagist:https://packages.drupal.org/8").
type Ecosystem string

// Split returns the base name and the suffix (empty when there is none).
// Only the first ":" separates them: the suffix of "Ubuntu:Pro:22.04:LTS"
// is "Pro:22.04:LTS".
func (e Ecosystem) Split() (base, suffix string) {
	base, suffix, _ = strings.Cut(string(e), ":")
	return base, suffix
}

// Base returns the ecosystem's base name ("Debian" for "Debian:12").
func (e Ecosystem) Base() string {
	b, _ := e.Split()
	return b
}

// Suffix returns what follows the first ":" ("12" for "Debian:12").
func (e Ecosystem) Suffix() string {
	_, s := e.Split()
	return s
}

// NormalizeName returns the form of a package name under which two names
// of the ecosystem base are the same package: PyPI names per PEP 503
// (lower case, runs of "-", "_" and "." become "-"), Packagist and NuGet
// names lower-cased. Other ecosystems compare names exactly.
func NormalizeName(base, name string) string {
	switch base {
	case "PyPI":
		var b strings.Builder
		b.Grow(len(name))
		sep := false
		for _, r := range strings.ToLower(name) {
			if r == '-' || r == '_' || r == '.' {
				if !sep {
					b.WriteByte('-')
				}
				sep = true
				continue
			}
			sep = false
			b.WriteRune(r)
		}
		return b.String()
	case "Packagist", "NuGet":
		return strings.ToLower(name)
	}
	return name
}
