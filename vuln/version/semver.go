package version

import "strings"

// SemVer is a leniently read Semantic Version: an optional "v", up to three
// numeric components (missing ones are 0), an optional "-prerelease" and an
// ignored "+build". Text after the third component that is not a
// prerelease is kept as build metadata, as osv.dev does.
type SemVer struct {
	Core [3]string // digits
	Pre  []string  // prerelease identifiers, nil for a release
}

// ParseSemVer reads s leniently; it never fails.
func ParseSemVer(s string) SemVer {
	var v SemVer
	v.Core = [3]string{"0", "0", "0"}
	rest := strings.TrimPrefix(strings.TrimSpace(s), "v")
	for i := 0; i < 3; i++ {
		if i > 0 {
			if len(rest) < 2 || rest[0] != '.' || !isDigit(rest[1]) {
				break
			}
			rest = rest[1:]
		}
		n := digitRun(rest)
		if n == 0 {
			break
		}
		v.Core[i] = rest[:n]
		rest = rest[n:]
	}
	if strings.HasPrefix(rest, "-") {
		pre := rest[1:]
		if i := strings.IndexByte(pre, '+'); i >= 0 {
			pre = pre[:i]
		}
		v.Pre = strings.Split(pre, ".")
	}
	return v
}

// Compare orders v and w by SemVer 2.0.0 precedence.
func (v SemVer) Compare(w SemVer) int {
	for i := range v.Core {
		if c := cmpDigits(v.Core[i], w.Core[i]); c != 0 {
			return c
		}
	}
	switch {
	case v.Pre == nil && w.Pre == nil:
		return 0
	case v.Pre == nil:
		return 1
	case w.Pre == nil:
		return -1
	}
	for i := range min(len(v.Pre), len(w.Pre)) {
		if c := comparePreIdent(v.Pre[i], w.Pre[i]); c != 0 {
			return c
		}
	}
	return sign(len(v.Pre) - len(w.Pre))
}

func isNumeric(s string) bool { return s != "" && digitRun(s) == len(s) }

func comparePreIdent(a, b string) int {
	an, bn := isNumeric(a), isNumeric(b)
	switch {
	case an && bn:
		return cmpDigits(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}

// CompareSemVer compares two Semantic Versions (npm, crates.io, Hex).
func CompareSemVer(a, b string) (int, error) {
	return ParseSemVer(a).Compare(ParseSemVer(b)), nil
}

// GoVersion turns a Go toolchain name into SemVer: "go1.21" becomes
// "1.21.0", "go1.22rc1" becomes "1.22.0-rc.1", "go1.9beta2" becomes
// "1.9.0-beta.2". Other strings come back without a leading "v".
func GoVersion(s string) string {
	if !strings.HasPrefix(s, "go") {
		return strings.TrimPrefix(s, "v")
	}
	s = s[2:]
	pre := ""
	for _, tag := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(s, tag); i > 0 {
			pre = "-" + tag + "." + s[i+len(tag):]
			if s[i+len(tag):] == "" {
				pre = "-" + tag
			}
			s = s[:i]
			break
		}
	}
	switch strings.Count(s, ".") {
	case 0:
		s += ".0.0"
	case 1:
		s += ".0"
	}
	return s + pre
}

// CompareGo compares two Go module or toolchain versions as SemVer; a "v"
// prefix, "+incompatible" and Go toolchain names ("go1.22rc1") are accepted.
func CompareGo(a, b string) (int, error) {
	return CompareSemVer(GoVersion(a), GoVersion(b))
}
