package dockerfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/fix"
	"github.com/bulwark-sec/bulwark/rule"
	rules "github.com/bulwark-sec/bulwark/rules/dockerfile"
	"github.com/bulwark-sec/bulwark/source/dockerfile"
)

// FuzzParse feeds arbitrary bytes to the parser and every Dockerfile rule:
// nothing may panic or hang, every span and finding must lie inside the
// file, and applying the fixes must give a file that still parses.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../../rules/dockerfile/testdata/*/*")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("FROM alpine\nRUN <<EOF\necho hi\nEOF\n"))
	f.Add([]byte("# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir `\n  c:\\\n"))
	f.Add([]byte("FROM a\nONBUILD RUN apt-get install -y x\nHEALTHCHECK CMD curl -f http://x || exit 1\n"))
	all := rules.Rules()
	f.Fuzz(func(t *testing.T, data []byte) {
		df, err := dockerfile.Parse("Dockerfile", data)
		if err != nil {
			return
		}
		n := len(data)
		check := func(what string, s dockerfile.Span) {
			if s.Start < 0 || s.End > n || s.Start > s.End {
				t.Fatalf("%s span %+v outside file of %d bytes", what, s, n)
			}
		}
		for _, in := range df.Instructions {
			check("instruction", in.Span)
			check("args", in.ArgsSpan)
			for _, a := range in.Args {
				check("arg", a.Span)
			}
			for _, fl := range in.Flags {
				check("flag", fl.Span)
			}
			if in.Script != nil {
				for _, c := range in.Script.Commands {
					check("command", c.Span)
					for _, a := range c.Args {
						check("command arg", a.Span)
					}
				}
			}
		}
		df.Suppressions()
		var found []finding.Finding
		for _, r := range all {
			p := rule.NewPass(r, df, func(fd finding.Finding) { found = append(found, fd) })
			if err := r.Check(p); err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
		}
		for _, fd := range found {
			if fd.Location.Start.Line < 1 || fd.Location.Start.Offset > n || fd.Location.End.Offset > n {
				t.Fatalf("%s finding outside the file: %+v", fd.RuleID, fd.Location)
			}
		}
		fixed, _ := fix.Apply(data, found)
		if _, err := dockerfile.Parse("Dockerfile", fixed); err != nil {
			t.Fatalf("fixes broke the file: %v\n--- before ---\n%s\n--- after ---\n%s", err, data, fixed)
		}
	})
}
