package filter

import "testing"

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		fold   bool
		want   bool
	}{
		{"*", "", false, true},
		{"*", "/a/b", false, true}, // '*' crosses '/' (fnmatch without FNM_PATHNAME)
		{"/a/*", "/a/b/c", false, true},
		{"/a/*/c", "/a/b/x/c", false, true},
		{"/a/?", "/a/b", false, true},
		{"/a/?", "/a/", false, false},
		{"a?c", "a/c", false, true}, // '?' matches '/' too
		{"a?c", "aéc", false, true}, // one character, not one byte
		{"[abc]x", "bx", false, true},
		{"[abc]x", "dx", false, false},
		{"[!abc]x", "dx", false, true},
		{"[!abc]x", "ax", false, false},
		{"[^abc]x", "ax", false, false},
		{"[a-c]", "b", false, true},
		{"[a-c]", "d", false, false},
		{"[]]", "]", false, true}, // ']' first in a class is literal
		{"[a-]", "-", false, true},
		{"[", "[", false, true},     // unclosed class: literal '['
		{"[ab", "[ab", false, true}, // unclosed class: literal
		{`\*`, "*", false, true},
		{`\*`, "a", false, false},
		{`a\[b`, "a[b", false, true},
		{"*.YAML", "x.yaml", false, false},
		{"*.YAML", "x.yaml", true, true},
		{"[A-Z]x", "bx", true, true},
		{"a*b*c", "aXbYbZc", false, true},
		{"a*b*c", "aXbYbZ", false, false},
		{"", "", false, true},
		{"", "a", false, false},
	}
	for _, tc := range cases {
		if got := globMatch(tc.pat, tc.s, tc.fold); got != tc.want {
			t.Errorf("glob(%q, %q, fold=%v) = %v, want %v", tc.pat, tc.s, tc.fold, got, tc.want)
		}
	}
}

func TestPathMatcher(t *testing.T) {
	m := newPathMatcher([]string{"/etc", "/var/lib/", "/opt/*/bin", "/srv/a?"})
	cases := []struct {
		path string
		want bool
	}{
		{"/etc", true},
		{"/etc/", true},
		{"/etc/passwd", true},
		{"/etcd", false}, // not at a '/' boundary
		{"/var/lib", true},
		{"/var/lib/docker/x", true},
		{"/var/li", false},
		{"/opt/app/bin", true},
		{"/opt/app/bin/tool", true},
		{"/opt/app/sbin", false},
		{"/opt/bin", false},
		{"/srv/ab/c", true},
		{"/srv/abc", false},
		{"", false},
		{"relative/etc", false},
	}
	for _, tc := range cases {
		if got := m.match(tc.path); got != tc.want {
			t.Errorf("pmatch(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	root := newPathMatcher([]string{"/"})
	if !root.match("/anything") || root.match("relative") {
		t.Error("'/' must match every absolute path and only those")
	}
}

func TestIndexFold(t *testing.T) {
	cases := []struct {
		s, needle string
		want      int
	}{
		{"Hello World", "world", 6},
		{"HELLO", "hello", 0},
		{"abc", "abcd", -1},
		{"abc", "", 0},
		{"ÄBC", "bc", 2}, // ASCII fold only; the UTF-8 bytes of Ä stay as they are
	}
	for _, tc := range cases {
		if got := indexFold(tc.s, tc.needle); got != tc.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", tc.s, tc.needle, got, tc.want)
		}
	}
}
