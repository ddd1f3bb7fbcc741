package pkgdb

import "testing"

func TestEcosystem(t *testing.T) {
	for _, s := range []string{"Debian:12", "Ubuntu:Pro:18.04:LTS", "Alpine:v3.19", "Wolfi", "Packagist:https://packages.drupal.org/8"} {
		if got := ParseEcosystem(s).String(); got != s {
			t.Errorf("round trip %q = %q", s, got)
		}
	}
	if e := ParseEcosystem("Ubuntu:22.04:LTS"); e.Base != "Ubuntu" || e.Suffix != "22.04:LTS" {
		t.Errorf("got %+v", e)
	}
	if !(Ecosystem{}).IsZero() {
		t.Error("zero ecosystem not IsZero")
	}
}

func TestPURL(t *testing.T) {
	tests := []struct {
		typ, ns, name, ver string
		q                  map[string]string
		want               string
	}{
		{"deb", "debian", "libc6", "2.36-9+deb12u1", map[string]string{"distro": "debian-12", "arch": "amd64", "upstream": "glibc"},
			"pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12&upstream=glibc"},
		{"deb", "debian", "attr", "1:2.5.1-4", map[string]string{"arch": "", "distro": "debian-12"}, "pkg:deb/debian/attr@1:2.5.1-4?distro=debian-12"},
		{"npm", "@babel", "core", "7.0.0", nil, "pkg:npm/%40babel/core@7.0.0"},
		{"apk", "alpine", "a b", "", nil, "pkg:apk/alpine/a%20b"},
	}
	for _, tt := range tests {
		if got := PURL(tt.typ, tt.ns, tt.name, tt.ver, tt.q); got != tt.want {
			t.Errorf("PURL = %q, want %q", got, tt.want)
		}
	}
}

func TestCleanPath(t *testing.T) {
	tests := map[string]string{
		"/usr/bin/x": "usr/bin/x", "./usr//bin/": "usr/bin", "/.": "", "": "", "../../etc/x": "etc/x", "a/../b": "b",
	}
	for in, want := range tests {
		if got := CleanPath(in); got != want {
			t.Errorf("CleanPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ base, in, want string }{
		{"PyPI", "Flask_Cors", "flask-cors"},
		{"PyPI", "zope.interface", "zope-interface"},
		{"PyPI", "Foo__Bar-.-baz", "foo-bar-baz"},
		{"PyPI", "_private", "-private"},
		{"PyPI", "trailing_", "trailing-"},
		{"PyPI", "", ""},
		{"PyPI", "zope.interface", "zope-interface"},
		{"PyPI", "a-_.b", "a-b"},
		{"PyPI", "_x_", "-x-"},
		{"Packagist", "Drupal/Core", "drupal/core"},
		{"NuGet", "Newtonsoft.Json", "newtonsoft.json"},
		{"npm", "Foo", "Foo"},
		{"Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.base, tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q, %q) = %q, want %q", tt.base, tt.in, got, tt.want)
		}
	}
}

func TestEcosystemText(t *testing.T) {
	for _, in := range []string{"Debian:12", "Ubuntu:Pro:22.04:LTS", "Packagist:https://packages.drupal.org/8", "Go", ""} {
		var e Ecosystem
		if err := e.UnmarshalText([]byte(in)); err != nil {
			t.Fatal(err)
		}
		out, _ := e.MarshalText()
		if string(out) != in || e != ParseEcosystem(in) {
			t.Errorf("%q: round trip %q, %+v", in, out, e)
		}
	}
}
