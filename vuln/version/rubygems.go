package version

import "strings"

// gemSegment is one segment of a RubyGems version: digits or letters.
type gemSegment struct {
	s   string
	num bool
}

// GemVersion is a RubyGems version as Gem::Version reads it: "-" stands
// for ".pre.", segments are runs of digits or of letters, and trailing
// zeros are dropped from the numeric part and from the part after the
// first letters.
type GemVersion struct {
	segments []gemSegment
}

// ParseGem reads a RubyGems version. It never fails.
func ParseGem(s string) GemVersion {
	s = strings.ReplaceAll(strings.TrimSpace(s), "-", ".pre.")
	var segs []gemSegment
	for i := 0; i < len(s); {
		switch {
		case isDigit(s[i]):
			n := digitRun(s[i:])
			segs = append(segs, gemSegment{s: strings.TrimLeft(s[i:i+n], "0"), num: true})
			i += n
		case isAlpha(s[i]):
			j := i
			for j < len(s) && isAlpha(s[j]) {
				j++
			}
			segs = append(segs, gemSegment{s: s[i:j]})
			i = j
		default:
			i++
		}
	}
	split := len(segs)
	for i, sg := range segs {
		if !sg.num {
			split = i
			break
		}
	}
	trim := func(p []gemSegment) []gemSegment {
		for len(p) > 0 && p[len(p)-1].num && p[len(p)-1].s == "" {
			p = p[:len(p)-1]
		}
		return p
	}
	head := trim(segs[:split:split])
	tail := trim(segs[split:])
	return GemVersion{segments: append(head, tail...)}
}

// Compare orders v and w as Gem::Version#<=> does.
func (v GemVersion) Compare(w GemVersion) int {
	zero := gemSegment{num: true}
	for i := range max(len(v.segments), len(w.segments)) {
		a, b := zero, zero
		if i < len(v.segments) {
			a = v.segments[i]
		}
		if i < len(w.segments) {
			b = w.segments[i]
		}
		switch {
		case a == b:
			continue
		case !a.num && b.num:
			return -1
		case a.num && !b.num:
			return 1
		case a.num:
			return cmpDigits(a.s, b.s)
		}
		return strings.Compare(a.s, b.s)
	}
	return 0
}

// CompareGem compares two RubyGems versions.
func CompareGem(a, b string) (int, error) {
	return ParseGem(a).Compare(ParseGem(b)), nil
}
