package filter

import (
	"strings"
	"unicode/utf8"
)

// globMatch reports whether s matches the fnmatch(3) pattern pat with no
// flags: `*` matches any run of characters including '/', `?` any one
// character, `[...]` and `[!...]` (or `[^...]`) classes with ranges, and
// a backslash quotes the next character. With fold, ASCII letters match
// case-insensitively (iglob). An unclosed '[' matches itself.
func globMatch(pat, s string, fold bool) bool {
	px, sx := 0, 0
	starP, starS := -1, -1
	for sx < len(s) || px < len(pat) {
		if px < len(pat) {
			switch pat[px] {
			case '*':
				starP, starS = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					_, n := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += n
					continue
				}
			case '[':
				if sx < len(s) {
					r, n := utf8.DecodeRuneInString(s[sx:])
					if ok, matched, plen := matchClass(pat[px:], r, fold); ok {
						if matched {
							px += plen
							sx += n
							continue
						}
					} else if foldEq(s[sx], '[', fold) {
						px++
						sx++
						continue
					}
				}
			default:
				c := pat[px]
				plen := 1
				if c == '\\' && px+1 < len(pat) {
					c = pat[px+1]
					plen = 2
				}
				if sx < len(s) && foldEq(s[sx], c, fold) {
					px += plen
					sx++
					continue
				}
			}
		}
		if starP >= 0 && starS < len(s) {
			_, n := utf8.DecodeRuneInString(s[starS:])
			starS += n
			px, sx = starP+1, starS
			continue
		}
		return false
	}
	return true
}

func foldEq(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	return fold && lowerASCII(a) == lowerASCII(b)
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// lowerASCIIString lower-cases the ASCII letters of s and leaves every
// other byte as it is (what indexFold compares against).
func lowerASCIIString(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerASCII(c)
	}
	return string(b)
}

func lowerRune(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// matchClass matches r against the class at the start of pat ("[...]").
// ok is false when the class is not closed; plen is its length.
func matchClass(pat string, r rune, fold bool) (ok, matched bool, plen int) {
	i := 1
	neg := false
	if i < len(pat) && (pat[i] == '!' || pat[i] == '^') {
		neg = true
		i++
	}
	first := true
	for i < len(pat) {
		if pat[i] == ']' && !first {
			return true, matched != neg, i + 1
		}
		first = false
		lo, n := classChar(pat[i:])
		if n == 0 {
			return false, false, 0
		}
		i += n
		hi := lo
		if i+1 < len(pat) && pat[i] == '-' && pat[i+1] != ']' {
			h, m := classChar(pat[i+1:])
			if m == 0 {
				return false, false, 0
			}
			hi = h
			i += 1 + m
		}
		if lo <= r && r <= hi || fold && lo <= lowerRune(r) && lowerRune(r) <= hi ||
			fold && lowerRune(lo) <= lowerRune(r) && lowerRune(r) <= lowerRune(hi) {
			matched = true
		}
	}
	return false, false, 0
}

func classChar(s string) (rune, int) {
	if s[0] == '\\' {
		if len(s) < 2 {
			return 0, 0
		}
		r, n := utf8.DecodeRuneInString(s[1:])
		return r, n + 1
	}
	r, n := utf8.DecodeRuneInString(s)
	return r, n
}

// indexFold is strings.Index with ASCII case folding; needle is already
// lower-case.
func indexFold(s, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n && lowerASCII(s[i+j]) == needle[j] {
			j++
		}
		if j == n {
			return i
		}
	}
	return -1
}

// pathMatcher answers pmatch: whether a path equals or lies below (at a
// '/' boundary) one of a set of paths, whose segments may hold glob
// wildcards.
type pathMatcher struct {
	exact map[string]struct{} // normalised paths without wildcards
	root  bool                // "/" is in the set: every absolute path matches
	globs [][]string          // wildcard paths, split into segments
}

func hasGlobMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

func newPathMatcher(paths []string) *pathMatcher {
	m := &pathMatcher{exact: map[string]struct{}{}}
	for _, p := range paths {
		if p == "/" {
			m.root = true
			continue
		}
		p = strings.TrimRight(p, "/")
		if p == "" {
			continue
		}
		if hasGlobMeta(p) {
			m.globs = append(m.globs, strings.Split(p, "/"))
			continue
		}
		m.exact[p] = struct{}{}
	}
	return m
}

func (m *pathMatcher) match(v string) bool {
	if m.root && strings.HasPrefix(v, "/") {
		return true
	}
	if len(m.exact) > 0 {
		v := strings.TrimRight(v, "/")
		for i := 1; i <= len(v); i++ {
			if i == len(v) || v[i] == '/' {
				if _, ok := m.exact[v[:i]]; ok {
					return true
				}
			}
		}
	}
	for _, g := range m.globs {
		if globPrefix(g, v) {
			return true
		}
	}
	return false
}

// globPrefix reports whether the segments of pattern g match the leading
// segments of path v.
func globPrefix(g []string, v string) bool {
	for i, seg := range g {
		j := strings.IndexByte(v, '/')
		cur := v
		if j >= 0 {
			cur = v[:j]
		}
		if !globMatch(seg, cur, false) {
			return false
		}
		if j < 0 {
			return i == len(g)-1
		}
		v = v[j+1:]
	}
	return true
}
