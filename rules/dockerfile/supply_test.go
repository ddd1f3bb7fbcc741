package dockerfile_test

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/dockerfile"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

// supplyRun runs one rule over src with the given build context.
func supplyRun(t *testing.T, id, src string, ctx df.Context) []finding.Finding {
	t.Helper()
	f, err := df.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f.Context = ctx
	for _, r := range dockerfile.Rules() {
		if r.ID != id {
			continue
		}
		var out []finding.Finding
		if err := r.Check(rule.NewPass(r, f, func(fd finding.Finding) { out = append(out, fd) })); err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("no rule %s", id)
	return nil
}

// TestSupplyDockerIgnore covers the cases the testdata harness cannot:
// a .dockerignore that is present, complete or not, and an unknown context.
func TestSupplyDockerIgnore(t *testing.T) {
	const src = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"server.js\"]\n"
	ignore := func(patterns ...string) df.Context {
		return df.Context{Known: true, DockerIgnore: "ctx/.dockerignore", IgnorePatterns: patterns}
	}
	for _, tc := range []struct {
		name, id string
		ctx      df.Context
		want     string // substring of the one finding, or "" for none
	}{
		{"no ignore file", "DF076", df.Context{Known: true}, "no .dockerignore beside the Dockerfile"},
		{"ignore file present", "DF076", ignore("node_modules"), ""},
		{"context unknown", "DF076", df.Context{}, ""},
		{"ignore misses both", "DF077", ignore("node_modules"), "does not exclude .git or .env"},
		{"ignore misses .env", "DF077", ignore(".git", "node_modules"), "does not exclude .env"},
		{"ignore misses .git", "DF077", ignore("**/.env*"), "does not exclude .git"},
		{"ignore complete", "DF077", ignore(".git", ".env*"), ""},
		{"ignore by glob", "DF077", ignore(".*", "!.eslintrc"), ""},
		{"allow-list ignore", "DF077", ignore("*", "!src", "!package.json"), ""},
		{"no ignore file is DF076's", "DF077", df.Context{Known: true}, ""},
		{"context unknown, ignore misses both", "DF077", df.Context{DockerIgnore: "ctx/.dockerignore", IgnorePatterns: []string{"node_modules"}}, ""},
		{"context unknown, no ignore file", "DF077", df.Context{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := supplyRun(t, tc.id, src, tc.ctx)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("unexpected finding %q", got[0].Message)
			case tc.want != "" && len(got) != 1:
				t.Errorf("got %d findings, want 1 matching %q", len(got), tc.want)
			case tc.want != "" && !strings.Contains(got[0].Message, tc.want):
				t.Errorf("finding %q does not contain %q", got[0].Message, tc.want)
			}
		})
	}
}
