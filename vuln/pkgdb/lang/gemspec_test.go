package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGemspecWants(t *testing.T) {
	for path, want := range map[string]bool{
		"usr/local/bundle/specifications/rake-13.0.6.gemspec":                         true,
		"/usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.4.gemspec":                  true,
		"var/lib/gems/3.1.0/specifications/nokogiri-1.15.4-x86_64-linux.gemspec":      true,
		"usr/local/lib/ruby/gems/3.2.0/specifications/default/json-2.6.3.gemspec":     true,
		"home/app/vendor/bundle/ruby/3.2.0/specifications/puma-6.4.0.gemspec":         true,
		"specifications/x-1.gemspec":                                                  true,
		"app/foo.gemspec":                                                             false, // a gem's source, not an installed gem
		"usr/local/bundle/gems/rake-13.0.6/rake.gemspec":                              false,
		"usr/local/bundle/specifications/.gemspec":                                    false,
		"usr/local/bundle/specifications/rake-13.0.6.gemspec.bak":                     false,
		"usr/local/bundle/specifications/sub/rake-13.0.6.gemspec":                     false,
		"usr/local/lib/ruby/gems/3.2.0/specificationsdefault/json-2.6.3.gemspec":      false,
		"usr/local/lib/ruby/gems/3.2.0/notspecifications/default/json-2.6.3.gemspec":  false,
		"usr/local/lib/ruby/gems/3.2.0/specifications/default/x/default/json.gemspec": false,
	} {
		if got := (Gemspec{}).Wants(path); got != want {
			t.Errorf("Wants(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestGemspecFiles(t *testing.T) {
	for _, tc := range []struct{ file, path, name, version, purl string }{
		// RubyGems 3 output, strings frozen
		{"rake-13.0.6.gemspec", "usr/local/bundle/specifications/rake-13.0.6.gemspec", "rake", "13.0.6", "pkg:gem/rake@13.0.6"},
		// a platform gem: the platform goes into the purl only
		{"nokogiri-1.15.4-x86_64-linux.gemspec", "var/lib/gems/3.1.0/specifications/nokogiri-1.15.4-x86_64-linux.gemspec", "nokogiri", "1.15.4", "pkg:gem/nokogiri@1.15.4?platform=x86_64-linux"},
		// RubyGems 1.3 output, %q{} quoting
		{"rack-1.2.1.gemspec", "usr/lib/ruby/gems/1.8/specifications/rack-1.2.1.gemspec", "rack", "1.2.1", "pkg:gem/rack@1.2.1"},
		// a default gem shipped with Ruby
		{"json-2.6.3.gemspec", "usr/local/lib/ruby/gems/3.2.0/specifications/default/json-2.6.3.gemspec", "json", "2.6.3", "pkg:gem/json@2.6.3"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "gemspec", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if !(Gemspec{}).Wants(tc.path) {
				t.Fatalf("Wants(%q) = false", tc.path)
			}
			pkgs, err := Gemspec{}.Parse(tc.path, f)
			if err != nil {
				t.Fatal(err)
			}
			one(t, pkgs, "RubyGems", tc.name, tc.version, tc.purl, tc.path)
		})
	}
}

func TestGemspecParse(t *testing.T) {
	const open = "Gem::Specification.new do |s|\n"
	for _, tc := range []struct {
		name, in, wantName, wantVersion string
	}{
		{"single quotes", open + "  s.name = 'a'\n  s.version = '1.0'\nend\n", "a", "1.0"},
		{"Gem::Version", open + "  s.name = \"a\"\n  s.version = Gem::Version.new(\"2.0.0.pre1\")\nend\n", "a", "2.0.0.pre1"},
		{"other block variable", "Gem::Specification.new do |spec|\n  spec.name = %q(b)\n  spec.version = %q<1-x>\nend\n", "b", "1-x"},
		{"brace block", "Gem::Specification.new { |s|\n s.name = \"c\"\n s.version = \"3\"\n}\n", "c", "3"},
		{"first assignment wins", open + "  s.name = \"a\"\n  s.version = \"1\"\n  s.version = \"2\"\nend\n", "a", "1"},
		{"stub fallback", "# stub: d 4.5 ruby lib\n" + open + "  s.name = NAME\n  s.version = D::VERSION\nend\n", "d", "4.5"},
		{"stub ignored when the block names the gem", "# stub: d 4.5 ruby lib\n" + open + "  s.name = \"e\"\n  s.version = \"6\"\nend\n", "e", "6"},
		// must not fire: values computed by code, or not of RubyGems' shape
		{"computed version", open + "  s.name = \"a\"\n  s.version = A::VERSION\nend\n", "", ""},
		{"interpolation", open + "  s.name = \"a\"\n  s.version = \"#{V}\"\nend\n", "", ""},
		{"conditional", open + "  s.name = \"a\"\n  s.version = \"1\" if x\nend\n", "", ""},
		{"other receiver", open + "  t.name = \"a\"\n  t.version = \"1\"\nend\n", "", ""},
		{"no block", "s.name = \"a\"\ns.version = \"1\"\n", "", ""},
		{"bad version", open + "  s.name = \"a\"\n  s.version = \"latest\"\nend\n", "", ""},
		{"bad name", open + "  s.name = \"a b\"\n  s.version = \"1\"\nend\n", "", ""},
		{"unbalanced %q", open + "  s.name = %q{a)\n  s.version = \"1\"\nend\n", "", ""},
		{"empty", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := Gemspec{}.Parse("specifications/x.gemspec", strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantName == "" {
				if len(pkgs) != 0 {
					t.Fatalf("got %+v, want none", pkgs)
				}
				return
			}
			if len(pkgs) != 1 || pkgs[0].Name != tc.wantName || pkgs[0].Version != tc.wantVersion {
				t.Fatalf("got %+v, want %s %s", pkgs, tc.wantName, tc.wantVersion)
			}
		})
	}
}

func FuzzGemspec(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "gemspec", "*.gemspec"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Gem::Specification.new do |s|\n s.name = %q{\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := Gemspec{}.Parse("specifications/x.gemspec", strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			if !gemName.MatchString(p.Name) || !gemVersion.MatchString(p.Version) {
				t.Fatalf("package %q %q outside RubyGems' grammar", p.Name, p.Version)
			}
		}
	})
}
