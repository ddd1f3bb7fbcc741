package version

import "strings"

// alpineSuffixes lists apk's suffixes in sort order; the empty string marks
// where a version without a suffix sorts.
var alpineSuffixes = [...]string{"alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"}

const alpineNoSuffix = 4

type alpineSuffix struct {
	weight int
	number string // digits, "0" when absent
}

// AlpineVersion is an apk version
// "number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}" split into
// its parts. A version with text left over that fits none of the parts is
// Invalid; two invalid versions compare as strings.
type AlpineVersion struct {
	original  string
	numbers   []string
	letter    byte
	suffixes  []alpineSuffix
	hash      string
	build     string // digits of -rN, "0" when absent
	remainder string
	invalid   bool
}

// Invalid reports whether s left text that fits no part of the apk grammar.
func (v AlpineVersion) Invalid() bool { return v.invalid }

// ParseAlpine reads an apk version. It never fails: text that does not fit
// the grammar marks the version invalid, as apk itself tolerates it.
func ParseAlpine(s string) AlpineVersion {
	v := AlpineVersion{original: s, build: "0"}
	rest := s
	// numbers separated by single dots
	if n := digitRun(rest); n > 0 {
		v.numbers = append(v.numbers, rest[:n])
		rest = rest[n:]
		for len(rest) > 1 && rest[0] == '.' && isDigit(rest[1]) {
			n := digitRun(rest[1:])
			v.numbers = append(v.numbers, rest[1:1+n])
			rest = rest[1+n:]
		}
	}
	if len(rest) > 0 && rest[0] >= 'a' && rest[0] <= 'z' {
		v.letter = rest[0]
		rest = rest[1:]
	}
	for len(rest) > 1 && rest[0] == '_' {
		w := -1
		for i := len(alpineSuffixes) - 1; i >= 0; i-- {
			name := alpineSuffixes[i]
			if name != "" && strings.HasPrefix(rest[1:], name) {
				// "pre" and "p" share a prefix: take the longest name.
				if w < 0 || len(name) > len(alpineSuffixes[w]) {
					w = i
				}
			}
		}
		if w < 0 {
			break
		}
		rest = rest[1+len(alpineSuffixes[w]):]
		n := digitRun(rest)
		num := "0"
		if n > 0 {
			num = rest[:n]
		}
		v.suffixes = append(v.suffixes, alpineSuffix{weight: w, number: num})
		rest = rest[n:]
	}
	if len(rest) > 1 && rest[0] == '~' {
		n := 1
		for n < len(rest) && (isDigit(rest[n]) || rest[n] >= 'a' && rest[n] <= 'f') {
			n++
		}
		if n > 1 {
			v.hash = rest[:n]
			rest = rest[n:]
		}
	}
	if rest != "" {
		if !strings.HasPrefix(rest, "-r") {
			v.invalid = true
		} else {
			rest = rest[2:]
			if n := digitRun(rest); n > 0 {
				v.build = rest[:n]
				rest = rest[n:]
			}
		}
	}
	v.remainder = rest
	return v
}

func (v AlpineVersion) number(i int) string {
	if i < len(v.numbers) {
		return v.numbers[i]
	}
	return "0"
}

func (v AlpineVersion) suffix(i int) alpineSuffix {
	if i < len(v.suffixes) {
		return v.suffixes[i]
	}
	return alpineSuffix{weight: alpineNoSuffix, number: "0"}
}

// Compare orders v and w as apk does.
func (v AlpineVersion) Compare(w AlpineVersion) int {
	if v.invalid && w.invalid {
		return strings.Compare(v.original, w.original)
	}
	for i := range max(len(v.numbers), len(w.numbers)) {
		a, b := v.number(i), w.number(i)
		var c int
		if i > 0 && i < len(v.numbers) && i < len(w.numbers) && (a[0] == '0' || b[0] == '0') {
			// apk compares a component with a leading zero as a fraction.
			c = strings.Compare(a, b)
		} else {
			c = cmpDigits(a, b)
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case v.letter == 0 && w.letter != 0:
		return -1
	case v.letter != 0 && w.letter == 0:
		return 1
	case v.letter != w.letter:
		return sign(int(v.letter) - int(w.letter))
	}
	for i := range max(len(v.suffixes), len(w.suffixes)) {
		a, b := v.suffix(i), w.suffix(i)
		if a.weight != b.weight {
			return sign(a.weight - b.weight)
		}
		if c := cmpDigits(a.number, b.number); c != 0 {
			return c
		}
	}
	if c := cmpDigits(v.build, w.build); c != 0 {
		return c
	}
	switch {
	case v.remainder == "" && w.remainder != "":
		return 1
	case v.remainder != "" && w.remainder == "":
		return -1
	}
	return 0
}

// CompareAlpine compares two apk versions (Alpine, Wolfi and Chainguard).
func CompareAlpine(a, b string) (int, error) {
	return ParseAlpine(a).Compare(ParseAlpine(b)), nil
}
