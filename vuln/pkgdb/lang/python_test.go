package lang

import (
	"strings"
	"testing"
)

func TestPythonWants(t *testing.T) {
	for path, want := range map[string]bool{
		"usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA": true,
		"/usr/local/lib/python3.12/site-packages/x.egg-info/PKG-INFO":      true,
		"usr/lib/python3/site-packages/x-1.0-py3.egg/EGG-INFO/PKG-INFO":    true,
		"usr/lib/python2.7/dist-packages/foo-1.0.egg-info":                 true,
		"usr/lib/python3/x.dist-info/RECORD":                               false,
		"usr/lib/python3/.dist-info/METADATA":                              false,
		"usr/lib/python3/x/METADATA":                                       false,
		"usr/lib/python3/x/PKG-INFO":                                       false,
		"METADATA":                                                         false,
		".egg-info":                                                        false,
	} {
		if got := (Python{}).Wants(path); got != want {
			t.Errorf("Wants(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestPythonCorpus(t *testing.T) {
	for _, tc := range []struct{ rel, path, name, version, purl string }{
		{"python/setuptools-51.3.3.dist-info/METADATA", "usr/lib/python3/dist-packages/setuptools-51.3.3.dist-info/METADATA", "setuptools", "51.3.3", "pkg:pypi/setuptools@51.3.3"},
		{"python/distlib-0.3.1.dist-info/METADATA", "usr/lib/python3/site-packages/distlib-0.3.1.dist-info/METADATA", "distlib", "0.3.1", "pkg:pypi/distlib@0.3.1"},
		{"python/distlib-0.3.1.egg-info/PKG-INFO", "usr/lib/python3/site-packages/distlib-0.3.1.egg-info/PKG-INFO", "distlib", "0.3.1", "pkg:pypi/distlib@0.3.1"},
	} {
		t.Run(tc.rel, func(t *testing.T) {
			one(t, parseFile(t, Python{}, tc.rel, tc.path), "PyPI", tc.name, tc.version, tc.purl, tc.path)
		})
	}
}

func TestPythonParse(t *testing.T) {
	for _, tc := range []struct {
		name, in, wantName, wantVersion, wantPURL string
	}{
		{"plain", "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n", "requests", "2.31.0", "pkg:pypi/requests@2.31.0"},
		{"crlf and case", "metadata-version: 1.0\r\nname:  Foo_Bar.baz \r\nversion: 1.0.post1\r\n", "Foo_Bar.baz", "1.0.post1", "pkg:pypi/foo-bar-baz@1.0.post1"},
		{"first wins", "Name: a\nName: b\nVersion: 1\nVersion: 2\n", "a", "1", "pkg:pypi/a@1"},
		{"continuation ignored", "Name: a\nSummary: x\n  Version: 9\nVersion: 1\n", "a", "1", "pkg:pypi/a@1"},
		{"body ignored", "Name: a\n\nVersion: 1\n", "", "", ""},
		{"no version", "Name: a\n", "", "", ""},
		{"empty", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := Python{}.Parse("x.dist-info/METADATA", strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantName == "" {
				if len(pkgs) != 0 {
					t.Fatalf("got %+v, want none", pkgs)
				}
				return
			}
			one(t, pkgs, "PyPI", tc.wantName, tc.wantVersion, tc.wantPURL, "x.dist-info/METADATA")
		})
	}
}

func FuzzPython(f *testing.F) {
	f.Add([]byte("Name: a\nVersion: 1\n"))
	f.Add([]byte("Name: a\r\n \r\nVersion: 1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := Python{}.Parse("x.dist-info/METADATA", strings.NewReader(string(data)))
		if err != nil {
			return
		}
		if len(pkgs) > 1 {
			t.Fatalf("%d packages", len(pkgs))
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || !strings.HasPrefix(p.PURL, "pkg:pypi/") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}
