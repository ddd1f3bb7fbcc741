package lang

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

const corpus = "/work/shared/corpus/vuln/lang"

// parseFile parses a corpus file with p, skipping when the corpus is absent.
func parseFile(t *testing.T, p Parser, rel, imagePath string) []pkgdb.Package {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, rel))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	if !p.Wants(imagePath) {
		t.Fatalf("Wants(%q) = false", imagePath)
	}
	pkgs, err := p.Parse(imagePath, f)
	if err != nil {
		t.Fatalf("Parse(%s): %v", rel, err)
	}
	return pkgs
}

// one checks that pkgs is exactly one package with the given identity.
func one(t *testing.T, pkgs []pkgdb.Package, eco, name, version, purl, dbPath string) {
	t.Helper()
	if len(pkgs) != 1 {
		t.Fatalf("got %d packages %+v, want 1", len(pkgs), pkgs)
	}
	p := pkgs[0]
	if p.Type != pkgdb.TypeLang || p.Ecosystem.String() != eco || p.Name != name || p.Version != version || p.PURL != purl || p.DBPath != dbPath {
		t.Errorf("got %+v, want %s %s %s %s %s", p, eco, name, version, purl, dbPath)
	}
}

func TestParsersEcosystems(t *testing.T) {
	for _, p := range Parsers() {
		switch p.Ecosystem() {
		case EcosystemNPM, EcosystemPyPI, EcosystemMaven, EcosystemPackagist, EcosystemRubyGems:
		default:
			t.Errorf("%T: unexpected ecosystem %q", p, p.Ecosystem())
		}
	}
}

func TestReadLimited(t *testing.T) {
	if _, err := readLimited(strings.NewReader("abcd"), 3); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	if b, err := readLimited(strings.NewReader("abc"), 3); err != nil || string(b) != "abc" {
		t.Errorf("got %q, %v", b, err)
	}
}
