// Command gen writes the rule reference under docs/rules from the rule
// registry. Run it from the repository root: go run ./docs/gen
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark/docs"
	"github.com/bulwark-sec/bulwark/rules"
)

func main() {
	if err := run("docs/rules"); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	reg, err := rules.Registry()
	if err != nil {
		return err
	}
	files := docs.Files(reg.All())
	old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, p := range old {
		if _, keep := files[filepath.Base(p)]; !keep && strings.HasSuffix(p, ".md") {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
