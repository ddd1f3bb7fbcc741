package lang

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// Gemspec reads the specifications RubyGems writes for installed gems,
// <gem dir>/specifications/<name>-<version>[-<platform>].gemspec, and the
// default gems Ruby ships in specifications/default/. Gem dirs include
// /usr/local/bundle, /usr/lib/ruby/gems/<ver>, /var/lib/gems/<ver> and
// /usr/local/lib/ruby/gems/<ver>; any directory named specifications is
// accepted, as Trivy and Syft do.
//
// A gemspec is Ruby code. Without a Ruby interpreter only literal
// assignments are read: `s.name = "rake"`, `s.version = "13.0.6"` with
// double, single or %q quoting, an optional .freeze, and
// Gem::Version.new("…"), the forms RubyGems' Specification#to_ruby
// writes. A version computed by code (`s.version = Rake::VERSION`) yields
// no package rather than a guess.
type Gemspec struct{}

// Ecosystem returns "RubyGems".
func (Gemspec) Ecosystem() string { return EcosystemRubyGems }

// Wants accepts *.gemspec files directly in a directory named
// specifications or specifications/default.
func (Gemspec) Wants(path string) bool {
	p := pkgdb.CleanPath(path)
	dir, file := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, file = p[:i], p[i+1:]
	}
	if !strings.HasSuffix(file, ".gemspec") || len(file) == len(".gemspec") {
		return false
	}
	dir = strings.TrimSuffix(dir, "/default")
	return dir == "specifications" || strings.HasSuffix(dir, "/specifications")
}

var (
	// gemSpecNew finds the block variable of `Gem::Specification.new do |s|`.
	gemSpecNew = regexp.MustCompile(`Gem::Specification\.new\s*(?:do|\{)\s*\|\s*([a-z_][A-Za-z0-9_]*)\s*\|`)
	// gemAssign matches one `<var>.<field> = <literal>` line; the literal
	// is checked by gemLiteral.
	gemAssign = regexp.MustCompile(`^\s*([a-z_][A-Za-z0-9_]*)\.(name|version|platform)\s*=\s*(.+?)\s*$`)
	// gemStub is the "# stub: <name> <version> <platform> <paths>" line
	// RubyGems writes at the top of installed specifications.
	gemStub = regexp.MustCompile(`^# stub: (\S+) (\S+) (\S+)`)
	// gemName and gemVersion are the shapes RubyGems accepts
	// (Gem::Specification#validate, Gem::Version::PATTERN).
	gemName    = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	gemVersion = regexp.MustCompile(`^[0-9]+(\.[0-9A-Za-z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)
)

// gemLiteral returns the string a Ruby literal denotes when it is one
// RubyGems writes: "…" without interpolation or escapes, '…', %q{…} (and
// the (), [], <> delimiters), each optionally followed by .freeze, or
// Gem::Version.new of one of those. A trailing `if …` modifier is not
// accepted.
func gemLiteral(s string) (string, bool) {
	if inner, ok := strings.CutPrefix(s, "Gem::Version.new("); ok {
		inner, ok = strings.CutSuffix(inner, ")")
		if !ok {
			return "", false
		}
		return gemLiteral(strings.TrimSpace(inner))
	}
	s = strings.TrimSuffix(s, ".freeze")
	if len(s) < 2 {
		return "", false
	}
	var body string
	switch {
	case s[0] == '"' && s[len(s)-1] == '"':
		body = s[1 : len(s)-1]
		if strings.ContainsAny(body, `"\#`) {
			return "", false
		}
	case s[0] == '\'' && s[len(s)-1] == '\'':
		body = s[1 : len(s)-1]
		if strings.ContainsAny(body, `'\`) {
			return "", false
		}
	case strings.HasPrefix(s, "%q") && len(s) >= 4:
		closing := map[byte]byte{'{': '}', '(': ')', '[': ']', '<': '>'}[s[2]]
		if closing == 0 || s[len(s)-1] != closing {
			return "", false
		}
		body = s[3 : len(s)-1]
		if strings.ContainsAny(body, string([]byte{s[2], closing, '\\'})) {
			return "", false
		}
	default:
		return "", false
	}
	return body, true
}

// Parse reads the gem's name and version. The assignments inside the
// Gem::Specification.new block win; the "# stub:" comment line is the
// fallback when both are missing. A name or version that does not have
// the shape RubyGems accepts yields no package.
func (Gemspec) Parse(path string, r io.Reader) ([]pkgdb.Package, error) {
	data, err := readLimited(r, MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("gemspec %s: %w", path, err)
	}
	name, version, platform := gemspecFields(data)
	if !gemName.MatchString(name) || !gemVersion.MatchString(version) {
		return nil, nil
	}
	if platform == "ruby" {
		platform = ""
	}
	purl := pkgdb.PURL("gem", "", name, version, map[string]string{"platform": platform})
	return []pkgdb.Package{newPackage(EcosystemRubyGems, name, version, purl, path)}, nil
}

// gemspecFields returns the literal name, version and platform of a
// gemspec, "" for each one not found.
func gemspecFields(data []byte) (name, version, platform string) {
	m := gemSpecNew.FindSubmatch(data)
	if m == nil {
		return "", "", ""
	}
	block := string(m[1])
	var stub []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, MaxManifestSize)
	for sc.Scan() {
		line := sc.Text()
		if stub == nil {
			if s := gemStub.FindStringSubmatch(line); s != nil {
				stub = s
			}
		}
		a := gemAssign.FindStringSubmatch(line)
		if a == nil || a[1] != block {
			continue
		}
		v, ok := gemLiteral(a[3])
		if !ok {
			continue
		}
		switch field := a[2]; {
		case field == "name" && name == "":
			name = v
		case field == "version" && version == "":
			version = v
		case field == "platform" && platform == "":
			platform = v
		}
	}
	if name == "" && version == "" && stub != nil {
		name, version, platform = stub[1], stub[2], stub[3]
	}
	return name, version, platform
}
