package version

import (
	"fmt"
	"strings"
)

// DebianVersion is a dpkg version split into its parts.
type DebianVersion struct {
	Epoch    string // digits, "" when absent (compares as 0)
	Upstream string
	Revision string // "" when absent (compares as "0")
}

// ParseDebian splits a dpkg version "[epoch:]upstream[-revision]".
func ParseDebian(s string) (DebianVersion, error) {
	var v DebianVersion
	rest := strings.TrimSpace(s)
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		v.Epoch = rest[:i]
		if v.Epoch == "" || digitRun(v.Epoch) != len(v.Epoch) {
			return v, fmt.Errorf("debian version %q: %w: epoch is not a number", s, ErrInvalid)
		}
		rest = rest[i+1:]
	}
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.Revision = rest[i+1:]
		rest = rest[:i]
		if v.Revision == "" {
			return v, fmt.Errorf("debian version %q: %w: empty revision", s, ErrInvalid)
		}
	}
	v.Upstream = rest
	if v.Upstream == "" {
		return v, fmt.Errorf("debian version %q: %w: empty upstream version", s, ErrInvalid)
	}
	for i := 0; i < len(v.Upstream); i++ {
		c := v.Upstream[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".+~-:", rune(c)) {
			return v, fmt.Errorf("debian version %q: %w: character %q in upstream version", s, ErrInvalid, c)
		}
	}
	for i := 0; i < len(v.Revision); i++ {
		c := v.Revision[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".+~", rune(c)) {
			return v, fmt.Errorf("debian version %q: %w: character %q in revision", s, ErrInvalid, c)
		}
	}
	return v, nil
}

// Compare orders v and w as dpkg --compare-versions does.
func (v DebianVersion) Compare(w DebianVersion) int {
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
	if c := dpkgVerRevCmp(v.Upstream, w.Upstream); c != 0 {
		return c
	}
	return dpkgVerRevCmp(v.Revision, w.Revision)
}

// CompareDebian compares two dpkg versions (Debian and Ubuntu ecosystems).
func CompareDebian(a, b string) (int, error) {
	va, err := ParseDebian(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseDebian(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

// dpkgOrder is the weight of one non-digit character in dpkg's verrevcmp:
// '~' sorts before the end of the string, letters before other characters.
func dpkgOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	default:
		return int(c) + 256
	}
}

// dpkgVerRevCmp is dpkg's verrevcmp from lib/dpkg/version.c.
func dpkgVerRevCmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := dpkgOrder(a, i), dpkgOrder(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		firstDiff := 0
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}
