package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRulesLintGolden holds each output format of 'rules lint' to its
// golden file (BULWARK_UPDATE_GOLDEN=1 rewrites them).
func TestRulesLintGolden(t *testing.T) {
	dir := filepath.Join("testdata", "rules_lint")
	files := []string{filepath.Join(dir, "base.yaml"), filepath.Join(dir, "local.yaml")}
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			code, out, errs := runCLI(t, append([]string{"rules", "lint", "--format", format}, files...)...)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (one error)\n%s\n%s", code, out, errs)
			}
			golden := filepath.Join(dir, "lint."+format+".golden")
			if os.Getenv("BULWARK_UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s (BULWARK_UPDATE_GOLDEN=1 rewrites it):\n%s", golden, out)
			}
		})
	}
}
