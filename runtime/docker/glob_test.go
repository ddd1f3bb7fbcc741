package docker

import (
	"testing"
	"unicode/utf8"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"/proc*", "/proc", true},
		{"/proc*", "/proc/sys/kernel", true}, // * matches / (fnmatch without FNM_PATHNAME)
		{"/proc*", "/procfs", true},
		{"/proc*", "/host/proc", false}, // over the full path, not a search
		{"/etc", "/etc", true},
		{"/etc", "/etc/kubernetes", false}, // exact: not a prefix
		{"/etc/*", "/etc", false},
		{"/var/run/*.sock", "/var/run/docker.sock", true},
		{"/var/run/*.sock", "/var/run/docker.sock.bak", false},
		{"*", "", true},
		{"", "", true},
		{"", "/", false},
		{"?", "é", true}, // one character, not one byte
		{"??", "é", false},
		{"/dev/[sv]d?", "/dev/sda", true},
		{"/dev/[sv]d?", "/dev/hda", false},
		{"/dev/[!sv]d?", "/dev/hda", true},
		{"/dev/[^sv]d?", "/dev/sda", false},
		{"/dev/sd[a-c]", "/dev/sdb", true},
		{"/dev/sd[a-c]", "/dev/sdd", false},
		{"[]]", "]", true},   // ] first in a class is literal
		{"[!]]", "a", true},  // negated class holding ]
		{"[a-]", "-", true},  // - last is literal
		{"a[", "a[", true},   // unclosed class: literal [
		{"a[b", "ab", false}, // unclosed class: literal [
		{`\*`, "*", true},    // backslash quotes
		{`\*`, "x", false},   // ... and the star is literal
		{`a\`, `a\`, true},   // trailing backslash is itself
		{`[\]]`, "]", true},  // quoted ] in a class
		{"*a*b*c", "xxaxxbxxc", true},
		{"*a*b*c", "xxaxxbxxcx", false},
		{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pattern, tc.name); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

// FuzzGlobMatch checks that the matcher never panics and agrees with the
// obvious cases: a pattern without metacharacters matches only itself,
// and "*" plus anything plus "*" matches any name holding that text.
func FuzzGlobMatch(f *testing.F) {
	for _, s := range [][2]string{{"/proc*", "/proc/1"}, {"[!a-z]*", "Zed"}, {`\[`, "["}, {"a[", "a["}, {"*?*", "é"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := globMatch(pattern, name)
		plain := true
		for i := 0; i < len(pattern); i++ {
			switch pattern[i] {
			case '*', '?', '[', '\\':
				plain = false
			}
		}
		if plain && got != (pattern == name) {
			t.Errorf("plain pattern %q vs %q: %v", pattern, name, got)
		}
		if utf8.ValidString(name) && !globMatch("*", name) {
			t.Errorf("* does not match %q", name)
		}
	})
}
