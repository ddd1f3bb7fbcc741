// Package dockerfile holds the rules that examine Dockerfiles. Each rule is
// built by a function in a file named for it; Rules returns them all.
package dockerfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

// Rules returns every Dockerfile rule, newly built.
func Rules() []*rule.Rule {
	var out []*rule.Rule
	for _, fam := range families() {
		out = append(out, fam()...)
	}
	return out
}

// families lists the functions that build each family of rules.
func families() []func() []*rule.Rule {
	return []func() []*rule.Rule{
		baseRules,
		userRules,
		secretRules,
		stageRules,   // stages.go: FROM, stages, COPY/ADD, EXPOSE, WORKDIR (DF010-DF039)
		styleRules,   // style.go: instruction semantics and style (DF040-DF069)
		supplyRules,  // supply.go: supply-chain checks (DF070-DF099)
		packageRules, // packages.go: package managers and downloads (DF100-DF149)
	}
}

// check adapts a Dockerfile check to rule.Rule's signature.
func check(fn func(p *rule.Pass, f *df.File)) func(*rule.Pass) error {
	return func(p *rule.Pass) error {
		f, ok := p.Target.(*df.File)
		if !ok {
			return fmt.Errorf("target is %T, not a Dockerfile", p.Target)
		}
		fn(p, f)
		return nil
	}
}

// report records a finding at span.
func report(p *rule.Pass, f *df.File, s df.Span, format string, args ...any) {
	p.Report(f.Location(s), fmt.Sprintf(format, args...))
}

// reportFix records a finding at span with a fix. The fix is dropped (the
// finding kept) when the fixed Dockerfile would no longer parse to the
// same number of instructions: a fix must never break a build.
func reportFix(p *rule.Pass, f *df.File, s df.Span, fx finding.Fix, format string, args ...any) {
	for i := range fx.Edits {
		e := &fx.Edits[i]
		e.From, e.To = f.Position(e.Start), f.Position(e.End)
	}
	if !fixParses(f, fx) {
		p.Report(f.Location(s), fmt.Sprintf(format, args...))
		return
	}
	p.Report(f.Location(s), fmt.Sprintf(format, args...), fx)
}

// fixParses applies fx to the instruction it edits (or to the whole file
// when it edits several) and parses the result.
func fixParses(f *df.File, fx finding.Fix) bool {
	if len(fx.Edits) == 0 {
		return false
	}
	lo, hi := fx.Edits[0].Start, fx.Edits[0].End
	for _, e := range fx.Edits {
		if e.Start < 0 || e.End > len(f.Source) || e.End < e.Start {
			return false
		}
		lo, hi = min(lo, e.Start), max(hi, e.End)
	}
	var in *df.Instruction
	for _, x := range f.Instructions {
		if x.Span.Start <= lo && hi <= x.Span.End {
			in = x
		}
	}
	src, base, end := f.Source, 0, len(f.Source)
	want := len(f.Instructions)
	var prefix string
	if in != nil {
		base, end, want = in.Span.Start, in.Span.End, 1
		if f.Escape != '\\' {
			prefix = "# escape=" + string(f.Escape) + "\n"
		}
		if in.Cmd != "from" {
			prefix += "FROM scratch\n"
			want = 2
		}
	}
	edits := slices.Clone(fx.Edits)
	slices.SortFunc(edits, func(a, b finding.Edit) int { return a.Start - b.Start })
	var b strings.Builder
	b.WriteString(prefix)
	last := base
	for _, e := range edits {
		if e.Start < last {
			return false
		}
		b.Write(src[last:e.Start])
		b.WriteString(e.NewText)
		last = e.End
	}
	b.Write(src[last:end])
	b.WriteString("\n")
	g, err := df.Parse("fix", []byte(b.String()))
	return err == nil && len(g.Instructions) == want
}

// replace builds a fix that replaces span with text.
func replace(title string, s df.Span, text string) finding.Fix {
	return finding.Fix{Title: title, Edits: []finding.Edit{{Start: s.Start, End: s.End, NewText: text}}}
}

// insert builds a fix that inserts text at offset.
func insert(title string, at int, text string) finding.Fix {
	return finding.Fix{Title: title, Edits: []finding.Edit{{Start: at, End: at, NewText: text}}}
}

// keywordSpan is the span of an instruction's keyword.
func keywordSpan(in *df.Instruction) df.Span {
	return df.Span{Start: in.Span.Start, End: in.Span.Start + len(in.Keyword)}
}

// instructions returns the instructions named cmd in the stage, or in the
// whole file when s is nil.
func instructions(f *df.File, s *df.Stage, cmd string) []*df.Instruction {
	list := f.Instructions
	if s != nil {
		list = s.Instructions
	}
	var out []*df.Instruction
	for _, in := range list {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// commands calls fn for every parsed shell command in the file's RUN
// instructions.
func commands(f *df.File, fn func(in *df.Instruction, c *df.Command)) {
	for _, in := range f.Instructions {
		if in.Cmd != "run" || in.Script == nil {
			continue
		}
		for _, c := range in.Script.Commands {
			fn(in, c)
		}
	}
}

// isStageOrScratch reports whether the stage's base is scratch or an
// earlier stage.
func isStageOrScratch(s *df.Stage) bool {
	return s.BaseStage != nil || strings.EqualFold(s.Image, "scratch")
}

// buildOutputOnly reports whether stage s is a build-output image rather
// than something meant to run: its chain starts from scratch and sets no
// CMD or ENTRYPOINT, so it only carries files for `--output` or for other
// images to copy from. Rules about how a container runs do not apply.
func buildOutputOnly(f *df.File, s *df.Stage) bool {
	chain := s.Chain()
	if !strings.EqualFold(chain[0].Image, "scratch") {
		return false
	}
	for _, st := range chain {
		if len(instructions(f, st, "cmd")) > 0 || len(instructions(f, st, "entrypoint")) > 0 {
			return false
		}
	}
	return true
}
