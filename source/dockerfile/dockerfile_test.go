package dockerfile

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPositions(t *testing.T) {
	src := "# syntax=docker/dockerfile:1\n" +
		"FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n" +
		"RUN apt-get update && \\\n" +
		"    # a comment inside the continuation\n" +
		"    sudo apt-get install -y \\\n" +
		"      curl=7.1 git\n" +
		"RUN <<EOF\n" +
		"apk add --no-cache jq\n" +
		"EOF\n" +
		"COPY --from=build /app /app\n"
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	at := func(s Span) string { return src[s.Start:s.End] }
	if got := f.Directives["syntax"].Value; got != "docker/dockerfile:1" {
		t.Errorf("syntax directive = %q", got)
	}
	st := f.Stages[0]
	if at(st.ImageSpan) != "golang:1.22" || st.Name != "build" || st.Platform != "$BUILDPLATFORM" {
		t.Errorf("stage: image %q name %q platform %q", at(st.ImageSpan), st.Name, st.Platform)
	}
	run := f.Instructions[1]
	if run.StartLine != 3 || run.EndLine != 6 {
		t.Errorf("RUN lines %d-%d", run.StartLine, run.EndLine)
	}
	cmds := run.Script.Commands
	if len(cmds) != 2 || cmds[1].Name != "apt-get" || cmds[1].Wrappers[0] != "sudo" {
		t.Fatalf("commands: %+v", cmds)
	}
	pin := cmds[1].Args[2]
	if at(pin.Span) != "curl=7.1" || f.Position(pin.Span.Start).Line != 6 || f.Position(pin.Span.Start).Column != 7 {
		t.Errorf("curl=7.1 at %q %+v", at(pin.Span), f.Position(pin.Span.Start))
	}
	here := f.Instructions[2].Script.Commands[0]
	if here.Name != "apk" || f.Position(here.Span.Start).Line != 8 {
		t.Errorf("heredoc command %q at %+v", here.Name, f.Position(here.Span.Start))
	}
	cp := f.Instructions[3]
	if v, _ := cp.Flag("from"); v != "build" {
		t.Errorf("COPY --from = %q", v)
	}
}

func TestCommandFlags(t *testing.T) {
	f, err := Parse("Dockerfile", []byte("FROM x\nRUN env DEBIAN_FRONTEND=noninteractive apt-get -yq install --no-install-recommends a=1 \"b\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Instructions[1].Script.Commands[0]
	if c.Name != "apt-get" || !c.Flag("-y") || !c.Flag("-q") || !c.Flag("--no-install-recommends") || c.Flag("-s") {
		t.Errorf("flags wrong: %+v", c)
	}
	if sub := c.Subcommand(); sub != "install" {
		t.Errorf("subcommand %q", sub)
	}
	if p := c.Positionals(); len(p) != 3 || p[2].Value != "b" || !p[2].Literal {
		t.Errorf("positionals %+v", p)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		line            int
	}{
		{"invalid utf-8", "FROM alpine\nRUN echo \xff\n", "invalid UTF-8", 2},
		{"binary", "FROM alpine\x00\x01", "binary content", 1},
		{"not a dockerfile", "hello world\nthis is prose\n", "not a Dockerfile", 1},
		{"only comments", "# nothing here\n", "no instructions", 1},
		{"unterminated heredoc", "FROM alpine\nRUN <<EOF\necho\n", "unterminated heredoc", 2},
		{"million-character line", "FROM alpine\nRUN echo " + strings.Repeat("a", 1_000_000) + "\n", "max allowed size", 2},
		{"too large", "FROM alpine\n" + strings.Repeat("RUN true\n", 600_000), "larger than", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("Dockerfile", []byte(tc.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("want a ParseError, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "Dockerfile") {
				t.Errorf("error %q should name the file and say %q", err, tc.want)
			}
			if tc.line != 0 && pe.Line != tc.line {
				t.Errorf("line %d, want %d", pe.Line, tc.line)
			}
		})
	}
}

// TestManyHeredocsIsFast guards against quadratic work on hostile input.
func TestManyHeredocsIsFast(t *testing.T) {
	var b strings.Builder
	b.WriteString("FROM alpine\nRUN cat")
	for i := range 2000 {
		b.WriteString(" <<E" + strings.Repeat("x", i%7) + "\n")
	}
	for i := range 200 {
		b.WriteString("RUN <<EOF" + strings.Repeat(" <<EOF", i%5) + "\necho $((1+" + strings.Repeat("(", 50) + "1" + strings.Repeat(")", 50) + "))\nEOF\n")
	}
	start := time.Now()
	_, _ = Parse("Dockerfile", []byte(b.String()))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("parse took %v", d)
	}
}

func TestParseImageRef(t *testing.T) {
	for _, tc := range []struct{ in, reg, repo, tag, digest string }{
		{"ubuntu", "", "ubuntu", "", ""},
		{"ubuntu:22.04", "", "ubuntu", "22.04", ""},
		{"localhost:5000/a/b", "localhost:5000", "a/b", "", ""},
		{"gcr.io/distroless/static:nonroot@sha256:abc", "gcr.io", "distroless/static", "nonroot", "sha256:abc"},
		{"team/app:1", "", "team/app", "1", ""},
	} {
		r := ParseImageRef(tc.in)
		if r.Registry != tc.reg || r.Repository != tc.repo || r.Tag != tc.tag || r.Digest != tc.digest {
			t.Errorf("%s: %+v", tc.in, r)
		}
	}
}

func TestExecFormShell(t *testing.T) {
	src := "FROM x\nRUN [\"/bin/sh\", \"-c\", \"apt-get install -y curl\"]\nCMD [\"app\", \"-c\", \"x\"]\n"
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Instructions[1].Script
	if s == nil || len(s.Commands) != 1 || s.Commands[0].Name != "apt-get" {
		t.Fatalf("exec-form sh -c not parsed: %+v", s)
	}
	a := s.Commands[0].Args[2]
	if src[a.Span.Start:a.Span.End] != "curl" {
		t.Errorf("arg span %q", src[a.Span.Start:a.Span.End])
	}
	if f.Instructions[2].Script != nil {
		t.Error("a non-shell exec form got a script")
	}
}

func TestEnvLabelSpans(t *testing.T) {
	src := "FROM x\nENV A=1 B=\"two words\" C=3\nLABEL a=b c=d\n"
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range f.Instructions[1:] {
		for i, a := range in.Args {
			if i%3 != 2 {
				got = append(got, src[a.Span.Start:a.Span.End])
			}
		}
	}
	want := []string{"A", "1", "B", `"two words"`, "C", "3", "a", "b", "c", "d"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("spans %q, want %q", got, want)
	}
}

func TestShellFollowsParentStage(t *testing.T) {
	src := "FROM mcr.microsoft.com/powershell AS base\nSHELL [\"pwsh\", \"-Command\"]\nFROM base\nRUN Get-ChildItem | Select-Object Name\n"
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if f.Instructions[3].Script != nil {
		t.Error("a RUN under a PowerShell SHELL inherited from the parent stage was parsed as sh")
	}
}

func TestByteOrderMark(t *testing.T) {
	src := "\xef\xbb\xbf# syntax=docker/dockerfile:1\nFROM --platform=$TARGETPLATFORM alpine:3.19 as base\n"
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if f.Directives["syntax"].Value != "docker/dockerfile:1" {
		t.Errorf("directive after a BOM lost: %+v", f.Directives)
	}
	st := f.Stages[0]
	if src[st.ImageSpan.Start:st.ImageSpan.End] != "alpine:3.19" || f.Position(st.ImageSpan.Start).Line != 2 {
		t.Errorf("image span %+v", st.ImageSpan)
	}
	src = "\xef\xbb\xbfFROM alpine:3.19\n"
	f, err = Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	kw := f.Instructions[0]
	if src[kw.Span.Start:kw.Span.Start+4] != "FROM" || f.Position(kw.Span.Start).Column != 1 {
		t.Errorf("first instruction starts at %d (column %d)", kw.Span.Start, f.Position(kw.Span.Start).Column)
	}
}

func TestHeredocScripts(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // command names
	}{
		{"inner heredoc with a prefix name", "FROM x\nRUN <<EOF\ncat <<EOFX\nhi\nEOFX\napk add jq\nEOF\n", []string{"cat", "apk"}},
		{"chomped terminator", "FROM x\nRUN <<-EOT\n\tapk add jq\n\tEOT\n", []string{"apk"}},
		{"interpreter named", "FROM x\nRUN <<EOF bash\napk add jq\nEOF\n", []string{"apk"}},
		{"shell reads stdin", "FROM x\nRUN bash -e <<EOF\napk add jq\nEOF\n", []string{"apk"}},
		{"python body is not shell", "FROM x\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n", nil},
		{"heredoc as data", "FROM x\nRUN cat <<EOF > /etc/motd\napk add jq\nEOF\n", []string{"cat"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("Dockerfile", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if s := f.Instructions[1].Script; s != nil {
				if s.Err != nil {
					t.Fatalf("shell parse error: %v", s.Err)
				}
				for _, c := range s.Commands {
					got = append(got, c.Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("commands %v, want %v", got, tc.want)
			}
			if s := f.Instructions[1].Script; s != nil && len(s.Commands) > 0 {
				c := s.Commands[len(s.Commands)-1]
				if !strings.HasPrefix(tc.src[c.Span.Start:], c.Name) {
					t.Errorf("span of %s points at %q", c.Name, tc.src[c.Span.Start:c.Span.End])
				}
			}
		})
	}
}
