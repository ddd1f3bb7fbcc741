package version

import (
	"strconv"
	"strings"
)

// mavenItem is one item of a Maven ComparableVersion: an integer, a
// qualifier string or a nested list (opened by '-' or by a switch between
// digits and letters).
type mavenItem struct {
	kind int    // mavenInt, mavenString or mavenList
	num  string // digits without leading zeros, for mavenInt
	qual string // comparable qualifier, for mavenString
	list []mavenItem
}

const (
	mavenInt = iota
	mavenString
	mavenList
)

// mavenQualifiers are the known qualifiers in order; "" is a release.
var mavenQualifiers = [...]string{"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"}

const mavenRelease = "5" // index of "" in mavenQualifiers

func mavenQualifier(s string, followedByDigit bool) mavenItem {
	if followedByDigit && len(s) == 1 {
		switch s {
		case "a":
			s = "alpha"
		case "b":
			s = "beta"
		case "m":
			s = "milestone"
		}
	}
	switch s {
	case "ga", "final", "release":
		s = ""
	case "cr":
		s = "rc"
	}
	for i, q := range mavenQualifiers {
		if s == q {
			return mavenItem{kind: mavenString, qual: strconv.Itoa(i)}
		}
	}
	return mavenItem{kind: mavenString, qual: strconv.Itoa(len(mavenQualifiers)) + "-" + s}
}

func mavenNumber(s string) mavenItem {
	return mavenItem{kind: mavenInt, num: strings.TrimLeft(s, "0")}
}

func (it mavenItem) isNull() bool {
	switch it.kind {
	case mavenInt:
		return it.num == ""
	case mavenString:
		return it.qual == mavenRelease
	}
	return len(it.list) == 0
}

// normalize drops trailing null items, stopping at the first non-null
// item that is not a list. A null qualifier followed by a list is dropped with
// the list's nesting, as the Maven version order specification trims nulls
// before each hyphen ("1-ga-1" = "1-1").
func normalizeMaven(l []mavenItem) []mavenItem {
	for i := len(l) - 1; i >= 0; i-- {
		if l[i].isNull() {
			if l[i].kind == mavenString && i == len(l)-2 && l[i+1].kind == mavenList {
				l = append(l[:i], l[i+1].list...)
				continue
			}
			l = append(l[:i], l[i+1:]...)
		} else if l[i].kind != mavenList {
			break
		}
	}
	return l
}

// MavenVersion is a version read with the rules of Maven's
// ComparableVersion.
type MavenVersion struct {
	items []mavenItem
}

// ParseMaven reads a Maven version. It never fails.
func ParseMaven(s string) MavenVersion {
	s = strings.ToLower(strings.TrimSpace(s))
	// stack[i] is a pointer path: lists are built bottom-up with indices.
	type frame struct{ items []mavenItem }
	stack := []*frame{{}}
	cur := stack[0]
	push := func() {
		f := &frame{}
		stack = append(stack, f)
		cur = f
	}
	digit := false
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if i == start {
				cur.items = append(cur.items, mavenItem{kind: mavenInt})
			} else {
				cur.items = append(cur.items, mavenParseItem(digit, s[start:i]))
			}
			start = i + 1
		case c == '-':
			if i == start {
				cur.items = append(cur.items, mavenItem{kind: mavenInt})
			} else {
				cur.items = append(cur.items, mavenParseItem(digit, s[start:i]))
			}
			start = i + 1
			push()
		case isDigit(c):
			if !digit && i > start {
				cur.items = append(cur.items, mavenQualifier(s[start:i], true))
				start = i
				push()
			}
			digit = true
		default:
			if digit && i > start {
				cur.items = append(cur.items, mavenParseItem(true, s[start:i]))
				start = i
				push()
			}
			digit = false
		}
	}
	if len(s) > start {
		cur.items = append(cur.items, mavenParseItem(digit, s[start:]))
	}
	// Fold the stack: each frame is a list nested as the last item of the
	// frame below it, normalized from the innermost out.
	var inner []mavenItem
	for i := len(stack) - 1; i >= 0; i-- {
		items := stack[i].items
		if i < len(stack)-1 {
			items = append(items, mavenItem{kind: mavenList, list: inner})
		}
		inner = normalizeMaven(items)
	}
	return MavenVersion{items: inner}
}

func mavenParseItem(digit bool, s string) mavenItem {
	if digit {
		return mavenNumber(s)
	}
	return mavenQualifier(s, false)
}

// compareMavenItem compares a with b; nil b stands for a missing item.
func compareMavenItem(a mavenItem, b *mavenItem) int {
	switch a.kind {
	case mavenInt:
		if b == nil {
			if a.num == "" {
				return 0
			}
			return 1
		}
		switch b.kind {
		case mavenInt:
			return cmpDigits(a.num, b.num)
		default:
			return 1
		}
	case mavenString:
		if b == nil {
			return strings.Compare(a.qual, mavenRelease)
		}
		switch b.kind {
		case mavenString:
			return strings.Compare(a.qual, b.qual)
		default:
			return -1
		}
	}
	if b == nil {
		for _, it := range a.list {
			if c := compareMavenItem(it, nil); c != 0 {
				return c
			}
		}
		return 0
	}
	switch b.kind {
	case mavenInt:
		return -1
	case mavenString:
		return 1
	}
	return compareMavenLists(a.list, b.list)
}

func compareMavenLists(a, b []mavenItem) int {
	for i := range max(len(a), len(b)) {
		var c int
		switch {
		case i >= len(a):
			c = -compareMavenItem(b[i], nil)
		case i >= len(b):
			c = compareMavenItem(a[i], nil)
		default:
			c = compareMavenItem(a[i], &b[i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// Compare orders v and w as Maven's ComparableVersion does.
func (v MavenVersion) Compare(w MavenVersion) int {
	return sign(compareMavenLists(v.items, w.items))
}

// CompareMaven compares two Maven versions.
func CompareMaven(a, b string) (int, error) {
	return ParseMaven(a).Compare(ParseMaven(b)), nil
}
