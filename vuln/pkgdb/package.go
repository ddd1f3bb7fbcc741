// Package pkgdb holds the package model shared by the OS and language
// package catalogues: what was found installed in an image, under which OSV
// ecosystem, and which files it owns. The parsers live in the
// sub-packages (osrelease, dpkg, apk, rpm).
package pkgdb

import (
	"path"
	"sort"
	"strings"
)

// Type says whether a package comes from the OS package manager or from a
// language ecosystem.
type Type string

// Package types.
const (
	TypeOS   Type = "os"
	TypeLang Type = "lang"
)

// Ecosystem is an OSV ecosystem split into its base name (an enum of the
// OSV schema, e.g. "Debian") and its free-text suffix (e.g. "12"). OSV
// records are matched on both, exactly.
type Ecosystem struct {
	Base   string
	Suffix string
}

// String returns the ecosystem as OSV writes it: "Debian:12",
// "Ubuntu:22.04:LTS", "Alpine:v3.19", or the bare base name when there is
// no suffix ("Wolfi").
func (e Ecosystem) String() string {
	if e.Suffix == "" {
		return e.Base
	}
	return e.Base + ":" + e.Suffix
}

// IsZero reports whether the ecosystem is unknown.
func (e Ecosystem) IsZero() bool { return e.Base == "" && e.Suffix == "" }

// MarshalText writes the ecosystem as OSV does (String).
func (e Ecosystem) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText reads an OSV ecosystem string (ParseEcosystem).
func (e *Ecosystem) UnmarshalText(b []byte) error {
	*e = ParseEcosystem(string(b))
	return nil
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

// ParseEcosystem splits an OSV ecosystem string at its first colon.
func ParseEcosystem(s string) Ecosystem {
	base, suffix, _ := strings.Cut(s, ":")
	return Ecosystem{Base: base, Suffix: suffix}
}

// Package is one installed package.
type Package struct {
	Type      Type
	Ecosystem Ecosystem
	// Name and Version identify the binary package as installed (what a
	// user can install or upgrade). A Debian version keeps its epoch.
	Name    string
	Version string
	// SrcName and SrcVersion identify the source package that distro
	// advisories are keyed by (dpkg Source, apk origin). They equal Name
	// and Version when the database names no source.
	SrcName    string
	SrcVersion string
	Arch       string
	// PURL is the package URL (https://github.com/package-url/purl-spec).
	PURL string
	// DBPath is the path, inside the image and without a leading slash,
	// of the database the package was read from.
	DBPath string
	// Files are the paths the package owns, without a leading slash
	// ("usr/bin/curl"), as the package manager lists them; dpkg lists
	// directories too.
	Files []string
}

// PURL builds a package URL from its parts, percent-encoding each part as
// the purl specification asks and sorting the qualifiers by key. Empty
// qualifier values are left out.
func PURL(typ, namespace, name, version string, qualifiers map[string]string) string {
	var b strings.Builder
	b.WriteString("pkg:")
	b.WriteString(typ)
	b.WriteByte('/')
	if namespace != "" {
		for i, seg := range strings.Split(namespace, "/") {
			if i > 0 {
				b.WriteByte('/')
			}
			b.WriteString(purlEscape(seg))
		}
		b.WriteByte('/')
	}
	b.WriteString(purlEscape(name))
	if version != "" {
		b.WriteByte('@')
		b.WriteString(purlEscape(version))
	}
	keys := make([]string, 0, len(qualifiers))
	for k, v := range qualifiers {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(strings.ToLower(k))
		b.WriteByte('=')
		b.WriteString(purlEscape(qualifiers[k]))
	}
	return b.String()
}

// purlEscape percent-encodes every byte outside the purl specification's
// unreserved set (ALPHA DIGIT "." "-" "_" "~") and ":".
func purlEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '-' || c == '_' || c == '~' || c == ':' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// CleanPath turns a path as a package database writes it ("/usr/bin/x",
// "./usr/bin/x", "usr//bin/x") into the form used for image paths: slash
// separated, no leading slash, no "." or ".." segments. It returns "" for
// the root.
func CleanPath(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}
