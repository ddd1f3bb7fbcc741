package version

import (
	"fmt"
	"strings"
)

// NuGetVersion is a NuGet package version: one to four numeric parts
// (missing ones are 0, leading zeros ignored), an optional SemVer 2
// "-prerelease" compared without regard to case, and "+metadata", which
// does not take part in the ordering.
type NuGetVersion struct {
	parts [4]string // digits
	pre   []string  // prerelease identifiers, nil for a release
}

// ParseNuGet reads a NuGet version, failing with ErrInvalid on text
// NuGet's grammar rejects.
func ParseNuGet(s string) (NuGetVersion, error) {
	bad := func() (NuGetVersion, error) {
		return NuGetVersion{}, fmt.Errorf("%w: NuGet version %q", ErrInvalid, s)
	}
	v := NuGetVersion{parts: [4]string{"0", "0", "0", "0"}}
	rest := strings.TrimSpace(s)
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		if !nugetIdents(rest[i+1:]) {
			return bad()
		}
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		pre := rest[i+1:]
		if !nugetIdents(pre) {
			return bad()
		}
		v.pre = strings.Split(pre, ".")
		rest = rest[:i]
	}
	nums := strings.Split(rest, ".")
	if len(nums) > 4 {
		return bad()
	}
	for i, n := range nums {
		if !isNumeric(n) {
			return bad()
		}
		v.parts[i] = n
	}
	return v, nil
}

// nugetIdents reports whether s is a dot-separated list of non-empty
// identifiers of ASCII letters, digits and hyphens.
func nugetIdents(s string) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			if !isAlnum(id[i]) && id[i] != '-' {
				return false
			}
		}
	}
	return true
}

// Compare orders v and w as NuGet's VersionComparer does: the numeric
// parts, then a release after its prereleases, then the prerelease
// identifiers (numbers numerically and before words, words without
// regard to case), a shorter list before a longer one it starts.
func (v NuGetVersion) Compare(w NuGetVersion) int {
	for i := range v.parts {
		if c := cmpDigits(v.parts[i], w.parts[i]); c != 0 {
			return c
		}
	}
	switch {
	case v.pre == nil && w.pre == nil:
		return 0
	case v.pre == nil:
		return 1
	case w.pre == nil:
		return -1
	}
	for i := range min(len(v.pre), len(w.pre)) {
		if c := comparePreIdent(strings.ToLower(v.pre[i]), strings.ToLower(w.pre[i])); c != 0 {
			return c
		}
	}
	return sign(len(v.pre) - len(w.pre))
}

// CompareNuGet compares two NuGet versions.
func CompareNuGet(a, b string) (int, error) {
	va, err := ParseNuGet(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseNuGet(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
