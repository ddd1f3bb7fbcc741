package version

import "strings"

// RPMVersion is an RPM "[epoch:]version[-release]" split into its parts.
type RPMVersion struct {
	Epoch   string // digits, "" when absent (compares as 0)
	Version string
	Release string
	// HasRelease tells an empty release ("1-") from none ("1"); a version
	// without a release sorts before the same version with one.
	HasRelease bool
}

// ParseRPM splits an RPM EVR string. The epoch is the text before the first
// ':' when it is all digits; the release is the text after the last '-'.
func ParseRPM(s string) RPMVersion {
	var v RPMVersion
	rest := strings.TrimSpace(s)
	if i := strings.IndexByte(rest, ':'); i > 0 && digitRun(rest[:i]) == i {
		v.Epoch = rest[:i]
		rest = rest[i+1:]
	}
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.Release = rest[i+1:]
		v.HasRelease = true
		rest = rest[:i]
	}
	v.Version = rest
	return v
}

// Compare orders v and w as rpm's rpmVersionCompare does.
func (v RPMVersion) Compare(w RPMVersion) int {
	ea, eb := v.Epoch, w.Epoch
	if ea == "" {
		ea = "0"
	}
	if eb == "" {
		eb = "0"
	}
	if c := cmpDigits(ea, eb); c != 0 {
		return c
	}
	if c := RPMVerCmp(v.Version, w.Version); c != 0 {
		return c
	}
	if v.HasRelease != w.HasRelease {
		if v.HasRelease {
			return 1
		}
		return -1
	}
	return RPMVerCmp(v.Release, w.Release)
}

// CompareRPM compares two RPM EVR strings (Red Hat, AlmaLinux, Rocky Linux,
// SUSE and other RPM ecosystems).
func CompareRPM(a, b string) (int, error) {
	return ParseRPM(a).Compare(ParseRPM(b)), nil
}

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// RPMVerCmp is rpm's rpmvercmp: alternating runs of digits and letters,
// other characters as separators, '~' sorting before everything and '^'
// after the end of the string but before anything else.
func RPMVerCmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := byte(0), byte(0)
		if i < len(a) {
			ca = a[i]
		}
		if j < len(b) {
			cb = b[j]
		}
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		if ca == '^' || cb == '^' {
			switch {
			case i >= len(a):
				return -1
			case j >= len(b):
				return 1
			case ca != '^':
				return 1
			case cb != '^':
				return -1
			}
			i++
			j++
			continue
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		si, sj := i, j
		numeric := isDigit(a[i])
		if numeric {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlpha(a[i]) {
				i++
			}
			for j < len(b) && isAlpha(b[j]) {
				j++
			}
		}
		if sj == j {
			// different kinds of segment: numbers are newer
			if numeric {
				return 1
			}
			return -1
		}
		sa, sb := a[si:i], b[sj:j]
		if numeric {
			if c := cmpDigits(sa, sb); c != 0 {
				return c
			}
		} else if c := strings.Compare(sa, sb); c != 0 {
			return c
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i < len(a):
		return 1
	}
	return -1
}
