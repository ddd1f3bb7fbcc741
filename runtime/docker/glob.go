package docker

import "unicode/utf8"

// globMatch reports whether name matches pattern as fnmatch(3) with no
// flags does: `*` matches any run of characters, `/` included; `?` any
// one character; `[...]` a class with ranges, negated by a leading `!`
// or `^`; a backslash quotes the next character. A `[` without its `]`
// is an ordinary character. It does not allocate, and its work is bounded
// by len(pattern)*len(name).
func globMatch(pattern, name string) bool {
	px, nx := 0, 0
	// Where to resume after the last `*`: the pattern after it, and the
	// next name position it is to swallow.
	starP, starN := -1, 0
	for px < len(pattern) || nx < len(name) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starP, starN = px, nx
				px++
				continue
			case '?':
				if nx < len(name) {
					_, w := utf8.DecodeRuneInString(name[nx:])
					px++
					nx += w
					continue
				}
			case '[':
				if nx < len(name) {
					r, w := utf8.DecodeRuneInString(name[nx:])
					if ok, n, valid := matchClass(pattern[px:], r); valid {
						if ok {
							px += n
							nx += w
							continue
						}
						break
					}
				}
				// An unclosed class is a literal `[`.
				if nx < len(name) && name[nx] == '[' {
					px++
					nx++
					continue
				}
			case '\\':
				lit := byte('\\')
				step := 1
				if px+1 < len(pattern) {
					lit, step = pattern[px+1], 2
				}
				if nx < len(name) && name[nx] == lit {
					px += step
					nx++
					continue
				}
			default:
				if nx < len(name) && name[nx] == c {
					px++
					nx++
					continue
				}
			}
		}
		// Mismatch: let the last `*` swallow one more character.
		if starP >= 0 && starN < len(name) {
			_, w := utf8.DecodeRuneInString(name[starN:])
			starN += w
			px, nx = starP+1, starN
			continue
		}
		return false
	}
	return true
}

// matchClass matches r against the class at the start of p (p[0] is
// '['). It returns whether r is in it, the class's length in bytes, and
// whether the class is well formed (closed by `]`).
func matchClass(p string, r rune) (ok bool, n int, valid bool) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return ok != negate, i + 1, true
		}
		first = false
		lo, w := classChar(p, i)
		if w == 0 {
			return false, 0, false
		}
		i += w
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			h, w2 := classChar(p, i+1)
			if w2 == 0 {
				return false, 0, false
			}
			hi = h
			i += 1 + w2
		}
		if lo <= r && r <= hi {
			ok = true
		}
	}
	return false, 0, false
}

// classChar decodes the character at p[i] inside a class, honouring a
// backslash; w is 0 at the end of p.
func classChar(p string, i int) (rune, int) {
	if i >= len(p) {
		return 0, 0
	}
	if p[i] == '\\' && i+1 < len(p) {
		r, w := utf8.DecodeRuneInString(p[i+1:])
		return r, 1 + w
	}
	return utf8.DecodeRuneInString(p[i:])
}
