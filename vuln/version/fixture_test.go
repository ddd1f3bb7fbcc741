package version

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureDir holds the ordering files ("a OP b" per line, OP one of <, =, >)
// copied from osv-scalibr's semantic/testdata; the test skips when absent.
const fixtureDir = "/work/shared/corpus/vuln/versions"

// fixtureEcosystems maps a fixture file's prefix (before "-versions") to the
// OSV ecosystems whose ordering it describes.
var fixtureEcosystems = map[string][]string{
	"alpine":    {"Alpine"},
	"cran":      {"CRAN"},
	"debian":    {"Debian", "Ubuntu"},
	"hackage":   {"Hackage"},
	"maven":     {"Maven"},
	"nuget":     {"NuGet"},
	"packagist": {"Packagist"},
	"pub":       {"Pub"},
	"pypi":      {"PyPI"},
	"redhat":    {"Red Hat", "AlmaLinux", "Rocky Linux"},
	"rubygems":  {"RubyGems"},
	"semver":    {"npm", "crates.io", "Go", "Hex"},
}

type fixtureLine struct {
	line int
	a, b string
	want int
}

func readFixture(t testing.TB, path string) []fixtureLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []fixtureLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "// ") {
			continue
		}
		parts := strings.Split(line, " ")
		if len(parts) != 3 {
			t.Fatalf("%s:%d: want \"a OP b\", got %q", path, n, line)
		}
		want := map[string]int{"<": -1, "=": 0, ">": 1}
		w, ok := want[parts[1]]
		if !ok {
			t.Fatalf("%s:%d: unknown operator %q", path, n, parts[1])
		}
		out = append(out, fixtureLine{line: n, a: parts[0], b: parts[2], want: w})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFixtures checks every line of every ordering file, both ways round,
// for each ecosystem the file describes. Ecosystems without a Comparer are
// skipped by name.
func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "*.txt"))
	if len(files) == 0 {
		t.Skip("version fixtures not present")
	}
	for _, path := range files {
		name := filepath.Base(path)
		prefix, _, _ := strings.Cut(name, "-versions")
		ecosystems, ok := fixtureEcosystems[prefix]
		if !ok {
			t.Errorf("%s: no ecosystem known for this fixture file", name)
			continue
		}
		lines := readFixture(t, path)
		for _, eco := range ecosystems {
			t.Run(name+"/"+eco, func(t *testing.T) {
				c, ok := For(eco)
				if !ok {
					t.Skipf("ecosystem %s has no comparer yet", eco)
				}
				failed := 0
				for _, l := range lines {
					for _, dir := range []struct {
						a, b string
						want int
					}{{l.a, l.b, l.want}, {l.b, l.a, -l.want}} {
						got, err := c.Compare(dir.a, dir.b)
						if err != nil {
							t.Errorf("%s:%d: Compare(%q, %q): %v", name, l.line, dir.a, dir.b, err)
							failed++
							continue
						}
						if got != dir.want {
							failed++
							if failed <= 20 {
								t.Errorf("%s:%d: Compare(%q, %q) = %d, want %d", name, l.line, dir.a, dir.b, got, dir.want)
							}
						}
					}
				}
				if failed > 0 {
					t.Errorf("%s: %d of %d comparisons failed", eco, failed, 2*len(lines))
				}
			})
		}
	}
}
