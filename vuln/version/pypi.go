package version

import (
	"regexp"
	"strings"
)

// pep440Pattern is PEP 440's version grammar (Appendix B), anchored and
// case-insensitive.
var pep440Pattern = regexp.MustCompile(`(?i)^\s*v?` +
	`(?:(?P<epoch>[0-9]+)!)?` +
	`(?P<release>[0-9]+(?:\.[0-9]+)*)` +
	`(?:[-_.]?(?P<prel>alpha|beta|preview|pre|rc|a|b|c)[-_.]?(?P<pren>[0-9]+)?)?` +
	`(?:-(?P<postn1>[0-9]+)|[-_.]?(?P<postl>post|rev|r)[-_.]?(?P<postn2>[0-9]+)?)?` +
	`(?:[-_.]?(?P<devl>dev)[-_.]?(?P<devn>[0-9]+)?)?` +
	`(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

// legacyPart splits a legacy (pre-PEP 440) version as setuptools did.
var legacyPart = regexp.MustCompile(`[0-9]+|[a-z]+|\.|-`)

// PyPIVersion is a PEP 440 version, or a legacy version (which sorts before
// every PEP 440 version, as packaging's LegacyVersion did).
type PyPIVersion struct {
	legacy  []string // legacy sort key; nil for PEP 440 versions
	epoch   string
	release []string // trailing zeros removed
	preRank int      // 0: dev release of the final, 1: prerelease, 2: none
	preL    string   // "a", "b" or "rc"
	preN    string
	post    string // "" when absent
	dev     string // "" when absent
	local   []string
}

// ParsePyPI reads a PEP 440 version; strings outside the grammar are read
// as legacy versions. It never fails.
func ParsePyPI(s string) PyPIVersion {
	m := pep440Pattern.FindStringSubmatch(s)
	if m == nil {
		return PyPIVersion{legacy: legacyKey(strings.ToLower(strings.TrimSpace(s)))}
	}
	g := func(name string) string { return m[pep440Pattern.SubexpIndex(name)] }
	v := PyPIVersion{epoch: g("epoch"), preRank: 2}
	if v.epoch == "" {
		v.epoch = "0"
	}
	v.release = strings.Split(g("release"), ".")
	for len(v.release) > 0 && strings.TrimLeft(v.release[len(v.release)-1], "0") == "" {
		v.release = v.release[:len(v.release)-1]
	}
	num := func(n string) string {
		if n == "" {
			return "0"
		}
		return n
	}
	if l := strings.ToLower(g("prel")); l != "" {
		v.preRank = 1
		switch l {
		case "alpha":
			l = "a"
		case "beta":
			l = "b"
		case "c", "pre", "preview":
			l = "rc"
		}
		v.preL, v.preN = l, num(g("pren"))
	}
	if n := g("postn1"); n != "" {
		v.post = n
	} else if g("postl") != "" {
		v.post = num(g("postn2"))
	}
	if g("devl") != "" {
		v.dev = num(g("devn"))
		if v.preRank == 2 && v.post == "" {
			v.preRank = 0
		}
	}
	if l := g("local"); l != "" {
		v.local = strings.FieldsFunc(strings.ToLower(l), func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	}
	return v
}

// legacyKey is setuptools' legacy version key.
func legacyKey(s string) []string {
	var parts []string
	add := func(part string) {
		switch part {
		case "pre", "preview", "rc":
			part = "c"
		case "-":
			part = "final-"
		case "dev":
			part = "@"
		}
		if part == "" || part == "." {
			return
		}
		if isDigit(part[0]) {
			for len(part) < 8 {
				part = "0" + part
			}
		} else {
			part = "*" + part
		}
		if part[0] == '*' {
			if part < "*final" {
				for len(parts) > 0 && parts[len(parts)-1] == "*final-" {
					parts = parts[:len(parts)-1]
				}
			}
			for len(parts) > 0 && parts[len(parts)-1] == "00000000" {
				parts = parts[:len(parts)-1]
			}
		}
		parts = append(parts, part)
	}
	last := 0
	for _, loc := range legacyPart.FindAllStringIndex(s, -1) {
		add(s[last:loc[0]]) // text between matches stays a part, as re.split keeps it
		add(s[loc[0]:loc[1]])
		last = loc[1]
	}
	add(s[last:])
	add("final")
	return parts
}

func compareStrings(a, b []string, cmp func(x, y string) int) int {
	for i := range min(len(a), len(b)) {
		if c := cmp(a[i], b[i]); c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}

// Compare orders v and w as Python's packaging does.
func (v PyPIVersion) Compare(w PyPIVersion) int {
	switch {
	case v.legacy != nil && w.legacy != nil:
		return compareStrings(v.legacy, w.legacy, strings.Compare)
	case v.legacy != nil:
		return -1
	case w.legacy != nil:
		return 1
	}
	if c := cmpDigits(v.epoch, w.epoch); c != 0 {
		return c
	}
	if c := compareStrings(v.release, w.release, cmpDigits); c != 0 {
		return c
	}
	if v.preRank != w.preRank {
		return sign(v.preRank - w.preRank)
	}
	if v.preRank == 1 {
		if c := strings.Compare(v.preL, w.preL); c != 0 {
			return c
		}
		if c := cmpDigits(v.preN, w.preN); c != 0 {
			return c
		}
	}
	if c := cmpOptional(v.post, w.post, -1); c != 0 {
		return c
	}
	if c := cmpOptional(v.dev, w.dev, 1); c != 0 {
		return c
	}
	switch {
	case v.local == nil && w.local == nil:
		return 0
	case v.local == nil:
		return -1
	case w.local == nil:
		return 1
	}
	return compareStrings(v.local, w.local, func(x, y string) int {
		xn, yn := isNumeric(x), isNumeric(y)
		switch {
		case xn && yn:
			return cmpDigits(x, y)
		case xn:
			return 1
		case yn:
			return -1
		}
		return strings.Compare(x, y)
	})
}

// cmpOptional compares optional numbers; absent sorts as absentSign×∞.
func cmpOptional(a, b string, absentSign int) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return absentSign
	case b == "":
		return -absentSign
	}
	return cmpDigits(a, b)
}

// ComparePyPI compares two PEP 440 versions (PyPI ecosystem).
func ComparePyPI(a, b string) (int, error) {
	return ParsePyPI(a).Compare(ParsePyPI(b)), nil
}
