package version

import "strings"

// PackagistVersion is a Composer package version in the form PHP's
// version_compare reads it, the ordering OSV's Packagist ecosystem uses
// (and osv-scalibr's reading of it): a leading "v" or "V" dropped, "-",
// "_" and "+" read as ".", a "." put between a digit and a character that
// is neither a digit nor a dot, and the result split at the dots.
type PackagistVersion struct {
	parts []string
}

// ParsePackagist reads a Composer version. Like version_compare it orders
// any text, branch names ("dev-main") included; IsPackagistRelease tells
// whether a version is one an advisory range can speak about.
func ParsePackagist(s string) PackagistVersion {
	t := trimPackagistV(s)
	b := make([]byte, 0, len(t)+8)
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == '-' || c == '_' || c == '+' {
			c = '.'
		}
		if n := len(b); n > 0 {
			prev := b[n-1]
			if isDigit(prev) && !isDigit(c) && c != '.' || isDigit(c) && !isDigit(prev) && prev != '.' {
				b = append(b, '.')
			}
		}
		b = append(b, c)
	}
	return PackagistVersion{parts: strings.Split(string(b), ".")}
}

// trimPackagistV drops surrounding space and one leading "v" or "V".
func trimPackagistV(s string) string {
	t := strings.TrimSpace(s)
	if len(t) > 0 && (t[0] == 'v' || t[0] == 'V') {
		t = t[1:]
	}
	return t
}

// IsPackagistRelease reports whether s is a numbered version (a digit
// once its "v" is dropped) rather than a branch such as "dev-main", which
// no advisory range describes.
func IsPackagistRelease(s string) bool {
	t := trimPackagistV(s)
	return t != "" && isDigit(t[0])
}

// packagistForm weighs a non-numeric part as version_compare does, by
// prefix: "dev" < "alpha" = "a" < "beta" = "b" < "RC" = "rc" < a number
// ("#") < "pl" = "p"; any other text sorts before "dev".
func packagistForm(s string) int {
	for _, f := range [...]struct {
		prefix string
		weight int
	}{{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2}, {"RC", 3}, {"rc", 3}, {"#", 4}, {"pl", 5}, {"p", 5}} {
		if strings.HasPrefix(s, f.prefix) {
			return f.weight
		}
	}
	return -1
}

// packagistPart compares two parts: numbers numerically, words by form,
// and a number against a word as the form "#".
func packagistPart(a, b string) int {
	an, bn := isNumeric(a), isNumeric(b)
	switch {
	case an && bn:
		return cmpDigits(a, b)
	case an:
		return sign(packagistForm("#") - packagistForm(b))
	case bn:
		return sign(packagistForm(a) - packagistForm("#"))
	}
	return sign(packagistForm(a) - packagistForm(b))
}

// comparePackagistParts compares part lists. When one runs out, the
// longer is greater if its next part is a number ("1.0.0" > "1.0"), and
// otherwise its rest compares against "#" ("1.0" > "1.0rc1",
// "1.0" < "1.0pl1").
func comparePackagistParts(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if c := packagistPart(a[i], b[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a) > len(b):
		if isNumeric(a[len(b)]) {
			return 1
		}
		return comparePackagistParts(a[len(b):], []string{"#"})
	case len(a) < len(b):
		if isNumeric(b[len(a)]) {
			return -1
		}
		return comparePackagistParts([]string{"#"}, b[len(a):])
	}
	return 0
}

// Compare orders v and w as PHP's version_compare does.
func (v PackagistVersion) Compare(w PackagistVersion) int {
	return comparePackagistParts(v.parts, w.parts)
}

// ComparePackagist compares two Composer versions (the Packagist
// ecosystem). It never fails.
func ComparePackagist(a, b string) (int, error) {
	return ParsePackagist(a).Compare(ParsePackagist(b)), nil
}
