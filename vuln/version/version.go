// Package version compares package versions with the ordering of each OSV
// ecosystem: dpkg for Debian and Ubuntu, apk for Alpine, rpmvercmp for the
// Red Hat family, SemVer for npm, Go and crates.io, PEP 440 for PyPI, Maven's
// ComparableVersion, RubyGems, Packagist and NuGet.
//
// Comparers are looked up by the OSV ecosystem base name (the part before the
// first ':' in an affected[].package.ecosystem such as "Debian:12").
package version

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by the errors returned for versions that an
// ecosystem's grammar rejects.
var ErrInvalid = errors.New("invalid version")

// ErrUnsupported is wrapped by the errors returned for ecosystems without a
// Comparer.
var ErrUnsupported = errors.New("unsupported ecosystem")

// Comparer orders the versions of one ecosystem.
type Comparer interface {
	// Compare returns -1, 0 or +1 as a sorts before, equal to or after b.
	// It fails only when a or b cannot be read as a version of the ecosystem.
	Compare(a, b string) (int, error)
}

// ComparerFunc adapts a function to the Comparer interface.
type ComparerFunc func(a, b string) (int, error)

// Compare calls f(a, b).
func (f ComparerFunc) Compare(a, b string) (int, error) { return f(a, b) }

// comparers maps OSV ecosystem base names to their comparer. Read-only.
var comparers = map[string]Comparer{
	"Debian":      ComparerFunc(CompareDebian),
	"Ubuntu":      ComparerFunc(CompareDebian),
	"Alpine":      ComparerFunc(CompareAlpine),
	"Wolfi":       ComparerFunc(CompareAlpine),
	"Chainguard":  ComparerFunc(CompareAlpine),
	"npm":         ComparerFunc(CompareSemVer),
	"crates.io":   ComparerFunc(CompareSemVer),
	"Go":          ComparerFunc(CompareGo),
	"Hex":         ComparerFunc(CompareSemVer),
	"PyPI":        ComparerFunc(ComparePyPI),
	"Maven":       ComparerFunc(CompareMaven),
	"RubyGems":    ComparerFunc(CompareGem),
	"Packagist":   ComparerFunc(ComparePackagist),
	"NuGet":       ComparerFunc(CompareNuGet),
	"Red Hat":     ComparerFunc(CompareRPM),
	"AlmaLinux":   ComparerFunc(CompareRPM),
	"Rocky Linux": ComparerFunc(CompareRPM),
	"openSUSE":    ComparerFunc(CompareRPM),
	"SUSE":        ComparerFunc(CompareRPM),
	"Mageia":      ComparerFunc(CompareRPM),
	"openEuler":   ComparerFunc(CompareRPM),
}

// Base returns the base name of an OSV ecosystem: "Debian" for "Debian:12".
func Base(ecosystem string) string {
	if i := strings.IndexByte(ecosystem, ':'); i >= 0 {
		return ecosystem[:i]
	}
	return ecosystem
}

// For returns the Comparer for an OSV ecosystem, given with or without its
// suffix ("Debian:12", "Ubuntu:22.04:LTS", "npm").
func For(ecosystem string) (Comparer, bool) {
	c, ok := comparers[Base(ecosystem)]
	return c, ok
}

// Valid reports whether v is a version of the ecosystem that its Comparer
// orders by the ecosystem's grammar. Most comparers refuse a version they
// cannot read; apk's and Packagist's, like apk and PHP's version_compare,
// order any text (their fixtures need it), so a matcher asks Valid before
// trusting a "not affected" for a version that fits no grammar (or, for
// Packagist, a branch such as "dev-main"). An ecosystem without a Comparer has no
// valid versions.
func Valid(ecosystem, v string) bool {
	switch Base(ecosystem) {
	case "Alpine", "Wolfi", "Chainguard":
		return v != "" && !ParseAlpine(v).Invalid()
	case "Packagist":
		return IsPackagistRelease(v)
	}
	c, ok := For(ecosystem)
	if !ok {
		return false
	}
	_, err := c.Compare(v, v)
	return err == nil
}

// Ecosystems returns the OSV ecosystem base names that have a Comparer.
func Ecosystems() []string {
	out := make([]string, 0, len(comparers))
	for k := range comparers {
		out = append(out, k)
	}
	return out
}

// Compare compares a and b with the ordering of ecosystem.
func Compare(ecosystem, a, b string) (int, error) {
	c, ok := For(ecosystem)
	if !ok {
		return 0, fmt.Errorf("compare versions: %w: %q", ErrUnsupported, ecosystem)
	}
	return c.Compare(a, b)
}

// cmpDigits compares two non-empty runs of ASCII digits numerically, of any
// length.
func cmpDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// digitRun returns the length of the run of ASCII digits at the start of s.
func digitRun(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}
