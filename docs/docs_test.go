package docs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/docs"
	"github.com/bulwark-sec/bulwark/rules"
)

// TestGeneratedDocsUpToDate fails when docs/rules differs from what the
// registry generates.
func TestGeneratedDocsUpToDate(t *testing.T) {
	reg, err := rules.Registry()
	if err != nil {
		t.Fatal(err)
	}
	want := docs.Files(reg.All())
	for name, content := range want {
		got, err := os.ReadFile(filepath.Join("rules", name))
		if err != nil || string(got) != content {
			t.Errorf("docs/rules/%s is stale; run: go run ./docs/gen", name)
		}
	}
	existing, _ := filepath.Glob(filepath.Join("rules", "*.md"))
	for _, p := range existing {
		if _, ok := want[filepath.Base(p)]; !ok {
			t.Errorf("docs/rules/%s documents no rule; run: go run ./docs/gen", filepath.Base(p))
		}
	}
}
