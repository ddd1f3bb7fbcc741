package version

import (
	"errors"
	"testing"
)

// TestPitfalls covers the cases research/vuln.md §4.2 asks to test
// explicitly, through the registry as the matcher will call it.
func TestPitfalls(t *testing.T) {
	tests := []struct {
		eco, a, b string
		want      int
	}{
		{"Debian:12", "1:2.5.1-4", "2.6-1", 1},
		{"Ubuntu:22.04:LTS", "1:4.14-1.2", "4.14-1.2", 1},
		{"Debian", "1.2.3-1~deb7u1", "1.2.3-1", -1},
		{"Debian", "1.0~rc1", "1.0", -1},
		{"Debian", "2.36.1-8+deb11u1", "2.36.1-8+b1", 1},
		{"Alpine:v3.18", "1-r1", "1-r01", 0},
		{"Alpine", "1.2.4_git20230717-r5", "1.2.4-r5", 1},
		{"Alpine", "1.2.4_rc1-r0", "1.2.4-r0", -1},
		{"Alpine", "1.2.4_p1-r0", "1.2.4_git1-r0", 1},
		{"Alpine", "1.2.3b-r0", "1.2.3-r9", 1},
		{"Red Hat", "1:1.0-1.el9", "2.0-1.el9", 1},
		{"Rocky Linux:9", "1.0~rc1-1", "1.0-1", -1},
		{"AlmaLinux:9", "1.0^20230101-1", "1.0-1", 1},
		{"AlmaLinux:9", "1.0^20230101-1", "1.0.1-1", -1},
		{"Go", "1.0.1-0.20211012131345-9c444070ec7b", "1.0.1", -1},
		{"Go", "v2.0.0+incompatible", "2.0.0", 0},
		{"Go", "go1.22rc1", "1.22.0", -1},
		{"Go", "go1.22rc1", "1.22.0-rc.1", 0},
		{"Go", "go1.21", "1.21.0", 0},
		{"Go", "1.18.0-0", "1.18.0-rc.1", -1},
		{"npm", "5.0.0", "4.17.21", 1},
		{"crates.io", "0.10.0", "0.9.9", 1},
		{"PyPI", "1.0", "1.0.0", 0},
		{"PyPI", "1!1.0", "2.0", 1},
		{"PyPI", "1.0.post1", "1.0", 1},
		{"PyPI", "1.0.dev1", "1.0a1", -1},
		{"PyPI", "1.0+local", "1.0", 1},
		{"Maven", "1.0-alpha-1", "1.0-beta-1", -1},
		{"Maven", "1.0-rc1", "1.0-SNAPSHOT", -1},
		{"Maven", "1.0-SNAPSHOT", "1.0", -1},
		{"Maven", "1.0", "1.0-sp1", -1},
		{"Maven", "1.0.0", "1", 0},
		{"Maven", "2.14.0-cr1", "2.14.0-rc1", 0},
		{"Packagist", "v1.0.2", "1.0.2", 0},
		{"Packagist", "1.0.0-RC1", "1.0.0", -1},
		{"Packagist", "1.0.0-beta2", "1.0.0-alpha10", 1},
		{"Packagist", "2.4.0-dev", "2.4.0-alpha1", -1},
		{"Packagist", "1.0-patch1", "1.0", 1},
		{"Packagist", "1.0.0", "1.0", 1}, // version_compare, unlike Composer's normaliser
		{"NuGet", "1.0", "1.0.0.0", 0},
		{"NuGet", "4.0.0-RC.2", "4.0.0-rc.10", -1},
		{"NuGet", "4.0.0-rc.2", "4.0.0", -1},
		{"NuGet", "6.0.0.1", "6.0.0", 1},
		{"NuGet", "1.0.0+build.7", "1.0.0", 0},
	}
	for _, tt := range tests {
		got, err := Compare(tt.eco, tt.a, tt.b)
		if err != nil {
			t.Errorf("Compare(%q, %q, %q): %v", tt.eco, tt.a, tt.b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Compare(%q, %q, %q) = %d, want %d", tt.eco, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := Compare("Nonexistent", "1", "2"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("unknown ecosystem: got %v, want ErrUnsupported", err)
	}
	for _, bad := range []string{"1.2.3-not-a-debian:version!@#$", "a:1.0", "", "1.0-", "1.0 beta"} {
		if _, err := CompareDebian("1.2.3", bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("CompareDebian(%q): got %v, want ErrInvalid", bad, err)
		}
	}
	if _, ok := For("Debian:12"); !ok {
		t.Error(`For("Debian:12") found nothing`)
	}
	if got := Base("Ubuntu:Pro:16.04:LTS"); got != "Ubuntu" {
		t.Errorf("Base = %q, want Ubuntu", got)
	}
}

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		eco, v string
		want   bool
	}{
		{"Alpine:v3.18", "1.2.4-r0", true},
		{"Alpine", "not a version!", false},
		{"Wolfi", "", false},
		{"Debian:12", "1:2.36-9+deb12u1", true},
		{"Debian", "1.18 25", false},
		{"npm", "4.17.20", true},
		{"CRAN", "1.0", false},
		{"Packagist", "v5.4.1", true},
		{"Packagist", "dev-main", false}, // a branch: no range speaks of it
		{"Packagist", "", false},
		{"NuGet", "13.0.3", true},
		{"NuGet", "1.2.3.4.5", false},
		{"NuGet", "1.0-", false},
		{"NuGet", "v1.0", false},
	} {
		if got := Valid(tc.eco, tc.v); got != tc.want {
			t.Errorf("Valid(%q, %q) = %v, want %v", tc.eco, tc.v, got, tc.want)
		}
	}
}
