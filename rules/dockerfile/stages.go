package dockerfile

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"mvdan.cc/sh/v3/syntax"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

// stageRules builds the rules about FROM and build stages, COPY and ADD,
// EXPOSE and WORKDIR (DF010-DF039).
func stageRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "DF010", Slug: "from-platform-constant", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "FROM --platform pins a constant platform",
			Peers: []string{"buildkit:FromPlatformFlagConstDisallowed", "hadolint:DL3029"},
			Why: "A constant `--platform` makes the stage ignore the platform requested at build time: a multi-platform build " +
				"silently produces an image for the wrong architecture, or runs it under emulation. `--platform=$BUILDPLATFORM` " +
				"(cross-compiling stages) and the default (the target platform) follow the build.",
			Bad:         "FROM --platform=linux/amd64 node:20-slim",
			Good:        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM node:20-slim",
			Remediation: "Drop the constant `--platform` and pass `--platform` to the build instead, or use `$BUILDPLATFORM` for stages that cross-compile.",
			Check:       check(stageCheckPlatformConst),
		},
		{
			ID: "DF011", Slug: "from-platform-redundant", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "FROM --platform=$TARGETPLATFORM is redundant",
			Peers: []string{"hadolint:DL3065", "buildkit:RedundantTargetPlatform"},
			Why: "A stage is built for the target platform by default, so `--platform=$TARGETPLATFORM` changes nothing; it only " +
				"suggests to the reader that the stage is special.",
			Bad:         "FROM --platform=$TARGETPLATFORM alpine:3.20",
			Good:        "FROM alpine:3.20",
			Remediation: "Remove `--platform=$TARGETPLATFORM` from the FROM instruction.",
			Fixable:     true,
			Check:       check(stageCheckPlatformRedundant),
		},
		{
			ID: "DF012", Slug: "from-arg-undeclared", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "FROM uses a variable no global ARG declares",
			Peers: []string{"buildkit:UndefinedArgInFrom"},
			Why: "FROM can only expand ARGs declared before the first FROM (and the predefined platform ARGs). Any other variable " +
				"expands to an empty string and cannot be set with `--build-arg`, so the base image is not the one intended or the build fails.",
			Bad:         "FROM node:${NODE_VERSION}-slim",
			Good:        "ARG NODE_VERSION=20\nFROM node:${NODE_VERSION}-slim",
			Remediation: "Declare the variable with an `ARG` before the first FROM, preferably with a default value.",
			Check:       check(stageCheckUndeclaredArg),
		},
		{
			ID: "DF013", Slug: "from-arg-invalid-default", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "global ARG defaults give FROM an empty or invalid image",
			Peers: []string{"buildkit:InvalidDefaultArgInFrom"},
			Why: "When the global ARGs used in FROM keep their default values, the base image reference must still be valid. " +
				"Otherwise every build without the right `--build-arg` fails, and tools that read the Dockerfile cannot tell which image it uses.",
			Bad:         "ARG TAG\nFROM alpine:${TAG}",
			Good:        "ARG TAG=3.20\nFROM alpine:${TAG}",
			Remediation: "Give the ARGs used in FROM default values that form a valid image reference.",
			Check:       check(stageCheckInvalidDefault),
		},
		{
			ID: "DF014", Slug: "stage-name-duplicate", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "two build stages share a name",
			Peers: []string{"hadolint:DL3024", "trivy:DS-0012", "buildkit:DuplicateStageName"},
			Why: "Stage names are how COPY --from, FROM and `--target` pick a stage. With two stages of the same name only one " +
				"of them can be reached, and which one depends on the builder: the classic builder refuses the file.",
			Bad:         "FROM golang:1.22 AS build\nFROM node:20 AS build",
			Good:        "FROM golang:1.22 AS build-api\nFROM node:20 AS build-ui",
			Remediation: "Give every stage a unique name.",
			Check:       check(stageCheckDuplicateName),
		},
		{
			ID: "DF015", Slug: "stage-name-reserved", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "stage named with a reserved word",
			Peers: []string{"hadolint:DL3063", "buildkit:ReservedStageName"},
			Why: "`scratch` and `context` have a meaning of their own in FROM and COPY --from. A stage with one of these names " +
				"is confusing at best, and references to it may resolve to the reserved meaning instead of the stage.",
			Bad:         "FROM alpine:3.20 AS scratch",
			Good:        "FROM alpine:3.20 AS base",
			Remediation: "Rename the stage to something other than `scratch` or `context`.",
			Check:       check(stageCheckReservedName),
		},
		{
			ID: "DF016", Slug: "stage-name-casing", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "stage name is not lower-case",
			Peers: []string{"buildkit:StageNameCasing"},
			Why: "Stage names are matched case-insensitively, so `Build` and `build` are the same stage; mixed-case names " +
				"invite references that look different from the definition.",
			Bad:         "FROM golang:1.22 AS Build",
			Good:        "FROM golang:1.22 AS build",
			Remediation: "Write stage names, and the references to them, in lower case.",
			Fixable:     true,
			Check:       check(stageCheckNameCasing),
		},
		{
			ID: "DF017", Slug: "from-as-casing", Kind: rule.Dockerfile, Severity: finding.Info,
			Title:       "the AS keyword's casing differs from FROM's",
			Peers:       []string{"buildkit:FromAsCasing"},
			Why:         "`FROM image as name` mixes keyword casings, which makes the stage name harder to spot; BuildKit warns about it.",
			Bad:         "FROM golang:1.22 as build",
			Good:        "FROM golang:1.22 AS build",
			Remediation: "Write `AS` in the same case as `FROM`.",
			Fixable:     true,
			Check:       check(stageCheckAsCasing),
		},
		{
			ID: "DF018", Slug: "copy-from-own-stage", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "COPY --from names the stage it is in",
			Peers: []string{"hadolint:DL3023", "trivy:DS-0006"},
			Why: "A stage cannot copy from itself: the build fails with a circular dependency. It is usually a copy-paste " +
				"mistake where another stage was meant.",
			Bad:         "FROM golang:1.22 AS build\nCOPY --from=build /app /app",
			Good:        "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM alpine:3.20\nCOPY --from=build /app /app",
			Remediation: "Point `--from` at the stage that produces the files, or copy them from the build context.",
			Check:       check(stageCheckCopyFromSelf),
		},
		{
			ID: "DF019", Slug: "copy-from-unknown-stage", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "COPY --from names no stage of the Dockerfile",
			Peers: []string{"hadolint:DL3022"},
			Why: "A `--from` value that is not a stage name is taken as an image name: a misspelt or renamed stage makes the " +
				"builder pull `docker.io/library/<name>:latest` from Docker Hub, an image nobody chose, or fail. A stage index must " +
				"name an existing stage, and BuildKit does not expand variables in `--from`.",
			Bad:         "FROM golang:1.22 AS builder\nFROM alpine:3.20\nCOPY --from=buidler /app /app",
			Good:        "FROM golang:1.22 AS builder\nFROM alpine:3.20\nCOPY --from=builder /app /app",
			Remediation: "Name a stage defined in the Dockerfile, or write an image with its registry path and tag (for example `--from=docker.io/library/busybox:1.36`).",
			Check:       check(stageCheckCopyFromUnknown),
		},
		{
			ID: "DF020", Slug: "copy-whole-filesystem", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "COPY --from copies another stage's entire filesystem",
			Peers: []string{"hadolint:DL3067"},
			Why: "Copying `/` from another stage brings its whole root filesystem, shells, package managers, caches and " +
				"build tools included, into this stage. That defeats the point of a multi-stage build and can overwrite this stage's own files.",
			Bad:         "COPY --from=build / /",
			Good:        "COPY --from=build /out/app /usr/local/bin/app",
			Remediation: "Copy only the paths the stage needs, or collect the output in a `FROM scratch` stage and copy from that.",
			Check:       check(stageCheckCopyWholeFS),
		},
		{
			ID: "DF021", Slug: "first-instruction-not-from", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "an instruction other than ARG comes before the first FROM",
			Peers: []string{"hadolint:DL3061"},
			Why: "A Dockerfile must start with FROM, optionally preceded by ARG instructions, parser directives and comments. " +
				"Anything else before the first FROM has no stage to belong to and the build fails.",
			Bad:         "RUN apt-get update\nFROM debian:12-slim",
			Good:        "ARG DEBIAN_TAG=12-slim\nFROM debian:${DEBIAN_TAG}\nRUN apt-get update",
			Remediation: "Move the instruction after the first FROM; only ARG may precede it.",
			Check:       check(stageCheckFirstInstruction),
		},
		{
			ID: "DF022", Slug: "expose-invalid-port", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "EXPOSE port is out of range or invalid",
			Peers: []string{"hadolint:DL3011", "trivy:DS-0008"},
			Why: "Ports are numbers from 0 to 65535 with an optional `/tcp`, `/udp` or `/sctp`; anything else makes the build fail " +
				"or documents a port the container can never listen on.",
			Bad:         "EXPOSE 80800",
			Good:        "EXPOSE 8080",
			Remediation: "Expose a port number between 0 and 65535, or a range such as `8000-8010`, with an optional `/tcp`, `/udp` or `/sctp`.",
			Check:       check(stageCheckExposeRange),
		},
		{
			ID: "DF023", Slug: "expose-format", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "EXPOSE carries a host mapping, an IP or an upper-case protocol",
			Peers: []string{"buildkit:ExposeInvalidFormat", "buildkit:ExposeProtoCasing"},
			Why: "EXPOSE only documents the container port; an IP address or a `host:container` mapping is ignored (and will " +
				"become an error in BuildKit), so it misleads readers into thinking the port is published. The protocol is lower-case.",
			Bad:         "EXPOSE 0.0.0.0:8080:80/TCP",
			Good:        "EXPOSE 80/tcp",
			Remediation: "Expose only the container port with a lower-case protocol, and publish ports at run time with `-p`.",
			Fixable:     true,
			Check:       check(stageCheckExposeFormat),
		},
		{
			ID: "DF024", Slug: "expose-ssh", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "the SSH port 22 is exposed",
			Tags:  []string{"cis-docker:5.6"},
			Peers: []string{"trivy:DS-0004"},
			Why: "Exposing port 22 means the image is meant to run an SSH server. An sshd in a container is one more service " +
				"with credentials to manage and attack, and it bypasses the runtime's access control; `docker exec` and `kubectl exec` do the job.",
			Bad:         "EXPOSE 22",
			Good:        "EXPOSE 8080",
			Remediation: "Do not run an SSH server in the container; use `docker exec` or `kubectl exec` to get a shell.",
			Check:       check(stageCheckExposeSSH),
		},
		{
			ID: "DF025", Slug: "workdir-relative", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "relative WORKDIR without an absolute one before it",
			Peers: []string{"hadolint:DL3000", "trivy:DS-0009", "buildkit:WorkdirRelativePath"},
			Why: "A relative WORKDIR is resolved against the base image's working directory, which the Dockerfile does not " +
				"control: when the base image changes, files land somewhere else.",
			Bad:         "FROM node:20-slim\nWORKDIR app",
			Good:        "FROM node:20-slim\nWORKDIR /app",
			Remediation: "Use an absolute path in the stage's first WORKDIR.",
			Check:       check(stageCheckWorkdirRelative),
		},
		{
			ID: "DF026", Slug: "workdir-system-dir", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "WORKDIR points into a system directory",
			Peers: []string{"trivy:DS-0030"},
			Why: "`/proc`, `/dev`, `/boot`, `/initrd` and `/lost+found` belong to the kernel and the boot process; at run time " +
				"`/proc` and `/dev` are replaced by mounts, so anything written there is lost or interferes with the system.",
			Bad:         "WORKDIR /proc/app",
			Good:        "WORKDIR /app",
			Remediation: "Use an application directory such as `/app` or `/srv/app` as WORKDIR.",
			Check:       check(stageCheckWorkdirSystem),
		},
		{
			ID: "DF027", Slug: "run-cd", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "RUN starts with cd instead of using WORKDIR",
			Peers: []string{"hadolint:DL3003", "trivy:DS-0013"},
			Why: "A `cd` at the start of RUN only lasts for that RUN, which surprises readers, and a RUN that is only `cd` does " +
				"nothing at all. WORKDIR changes the directory for the instructions that follow and creates it if needed.",
			Bad:         "RUN cd /app && make",
			Good:        "WORKDIR /app\nRUN make",
			Remediation: "Replace the leading `cd` with a WORKDIR instruction before the RUN.",
			Check:       check(stageCheckRunCd),
		},
		{
			ID: "DF028", Slug: "copy-relative-no-workdir", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "COPY to a relative destination with no WORKDIR set",
			Peers: []string{"hadolint:DL3045"},
			Why: "A relative COPY or ADD destination is resolved against the working directory, which, without a WORKDIR in " +
				"the stage, is whatever the base image set: files land in `/` or in a directory the base image may change.",
			Bad:         "FROM node:20-slim\nCOPY package.json .",
			Good:        "FROM node:20-slim\nWORKDIR /app\nCOPY package.json .",
			Remediation: "Set an absolute WORKDIR before the COPY, or use an absolute destination.",
			Check:       check(stageCheckCopyRelative),
		},
		{
			ID: "DF029", Slug: "add-instead-of-copy", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "ADD used for local files where COPY would do",
			Tags:  []string{"cis-docker:4.9"},
			Peers: []string{"hadolint:DL3020", "trivy:DS-0005"},
			Why: "ADD does more than copy: it fetches URLs and unpacks local tar archives. Using it for plain files hides that " +
				"behaviour, so a later change of a source into an archive silently changes what lands in the image. COPY does exactly what it says.",
			Bad:         "ADD app/ /srv/app/",
			Good:        "COPY app/ /srv/app/",
			Remediation: "Use COPY for local files and directories; keep ADD for archives it should extract.",
			Fixable:     true,
			Check:       check(stageCheckAddNotCopy),
		},
		{
			ID: "DF030", Slug: "copy-then-extract", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "tar archive copied with COPY and then extracted in RUN",
			Peers: []string{"hadolint:DL3010"},
			Why: "COPY followed by `tar -x` keeps the archive in a layer of its own, so the image carries both the archive and " +
				"its contents. ADD extracts a local tar archive in one step and keeps only the files.",
			Bad:         "COPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt",
			Good:        "ADD app.tar.gz /opt/",
			Remediation: "Use `ADD <archive> <dir>/` to extract a local tar archive, or bind-mount it with `RUN --mount=type=bind` and extract it from there.",
			Check:       check(stageCheckCopyExtract),
		},
		{
			ID: "DF031", Slug: "copy-multi-source-dest", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "COPY of several sources to a destination without a trailing /",
			Peers: []string{"hadolint:DL3021", "trivy:DS-0011"},
			Why: "With more than one source the destination must be a directory, written with a trailing `/`. The classic " +
				"builder rejects the instruction otherwise, and readers cannot tell whether a file or a directory was meant.",
			Bad:         "COPY package.json package-lock.json /app",
			Good:        "COPY package.json package-lock.json /app/",
			Remediation: "End the destination with `/`.",
			Fixable:     true,
			Check:       check(stageCheckMultiSourceDest),
		},
		{
			ID: "DF032", Slug: "copy-ignored-file", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "COPY or ADD of a path excluded by .dockerignore",
			Peers: []string{"buildkit:CopyIgnoredFile"},
			Why: "Paths matched by .dockerignore are never sent to the builder, so a COPY of such a path fails with \"not found\" " +
				"or copies nothing; either the ignore file or the Dockerfile is wrong.",
			Bad:         "# .dockerignore: dist\nCOPY dist /srv/",
			Good:        "# .dockerignore: node_modules\nCOPY dist /srv/",
			Remediation: "Remove the path from .dockerignore (or add a `!` exception), or stop copying it.",
			Check:       check(stageCheckCopyIgnored),
		},
	}
}

// ---------------------------------------------------------------------
// Shared helpers.

// stagePredefinedArgs are the platform ARGs BuildKit declares for FROM,
// with plausible values for static evaluation.
var stagePredefinedArgs = map[string]string{
	"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDOSVERSION": "", "BUILDARCH": "amd64", "BUILDVARIANT": "",
	"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETOSVERSION": "", "TARGETARCH": "amd64", "TARGETVARIANT": "",
	"TARGETSTAGE": "default",
}

// stageEnv is a shell.EnvGetter over a map.
type stageEnv map[string]string

func (e stageEnv) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }

func (e stageEnv) Keys() []string {
	ks := make([]string, 0, len(e))
	for k := range e {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// stageGlobalArgs evaluates the global ARGs in order. declared holds every
// name FROM may use (with "" for ARGs without a default); values holds the
// ARGs that have a value once defaults are expanded, as BuildKit sees them
// when no --build-arg is given; noDefault lists the ARGs without default.
func stageGlobalArgs(f *df.File) (declared, values stageEnv, noDefault map[string]bool) {
	declared, values, noDefault = stageEnv{}, stageEnv{}, map[string]bool{}
	for k, v := range stagePredefinedArgs {
		declared[k], values[k] = v, v
	}
	lex := shell.NewLex(f.Escape)
	for _, in := range f.GlobalArgs {
		for _, kv := range in.Args {
			k, v, hasDefault := strings.Cut(kv.Value, "=")
			if k == "" {
				continue
			}
			if _, ok := declared[k]; !ok {
				declared[k] = ""
			}
			if !hasDefault {
				if _, predefined := stagePredefinedArgs[k]; !predefined {
					noDefault[k] = true
				}
				continue
			}
			res, err := lex.ProcessWordWithMatches(v, values)
			if err != nil {
				continue
			}
			values[k] = res.Result
			delete(noDefault, k)
		}
	}
	return declared, values, noDefault
}

// stageUnquote strips one pair of matching quotes around s.
func stageUnquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// stageIsAbs reports whether a container path is absolute (Unix, or a
// Windows drive or root path).
func stageIsAbs(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && (p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z')
}

// stagePath is one source or the destination of a COPY or ADD.
type stagePath struct {
	// Value is the path with quotes removed.
	Value string
	// Word is the argument as parsed.
	Word df.Word
	// Heredoc says the source is a heredoc ("<<EOF").
	Heredoc bool
	// Unknown says the path holds a variable.
	Unknown bool
}

// stageCopyPaths splits a COPY or ADD instruction into sources and
// destination. ok is false when it has fewer than two arguments.
func stageCopyPaths(in *df.Instruction) (srcs []stagePath, dest stagePath, ok bool) {
	if len(in.Args) < 2 {
		return nil, stagePath{}, false
	}
	mk := func(w df.Word) stagePath {
		v := w.Value
		if !in.JSON {
			v = stageUnquote(v)
		}
		p := stagePath{Value: v, Word: w, Unknown: strings.Contains(v, "$")}
		if len(in.Heredocs) > 0 && !in.JSON && parser.MustParseHeredoc(w.Value) != nil {
			p.Heredoc = true
		}
		return p
	}
	for _, w := range in.Args[:len(in.Args)-1] {
		srcs = append(srcs, mk(w))
	}
	return srcs, mk(in.Args[len(in.Args)-1]), true
}

// stageCopies returns the COPY and ADD instructions of the file, those
// wrapped in ONBUILD included when onbuild is set.
func stageCopies(f *df.File, onbuild bool) []*df.Instruction {
	var out []*df.Instruction
	for _, in := range f.Instructions {
		x := in
		if in.OnBuild != nil {
			if !onbuild {
				continue
			}
			x = in.OnBuild
		}
		if x.Cmd == "copy" || x.Cmd == "add" {
			out = append(out, x)
		}
	}
	return out
}

// stageFromRef is a reference to another stage or image: a COPY --from
// flag or the from= option of a RUN --mount.
type stageFromRef struct {
	In    *df.Instruction
	Value string
	// Span covers the flag (or the mount option).
	Span df.Span
	// Mount says the reference is a RUN --mount option.
	Mount bool
}

// stageFromRefs lists the --from references of the stage's COPY
// instructions and the from= options of its RUN --mount flags.
func stageFromRefs(f *df.File, s *df.Stage) []stageFromRef {
	var out []stageFromRef
	for _, in := range s.Instructions {
		for _, fl := range in.Flags {
			switch {
			case in.Cmd == "copy" && fl.Name == "from":
				out = append(out, stageFromRef{In: in, Value: stageUnquote(fl.Value), Span: fl.Span})
			case in.Cmd == "run" && fl.Name == "mount":
				if v, span, ok := stageMountFrom(f, fl); ok {
					out = append(out, stageFromRef{In: in, Value: v, Span: span, Mount: true})
				}
			}
		}
	}
	return out
}

// stageMountFrom finds the from= option of a --mount flag and its span.
func stageMountFrom(f *df.File, fl df.Flag) (string, df.Span, bool) {
	val := stageUnquote(fl.Value)
	for _, opt := range strings.Split(val, ",") {
		k, v, ok := strings.Cut(opt, "=")
		if !ok || strings.ToLower(strings.TrimSpace(k)) != "from" {
			continue
		}
		v = stageUnquote(strings.TrimSpace(v))
		span := fl.Span
		raw := string(f.Source[fl.Span.Start:fl.Span.End])
		if i := strings.Index(raw, opt); i >= 0 {
			span = df.Span{Start: fl.Span.Start + i, End: fl.Span.Start + i + len(opt)}
		}
		return v, span, v != ""
	}
	return "", df.Span{}, false
}

// stageResolve finds the stage a --from value names (by name anywhere in
// the file, case-insensitively, or by index).
func stageResolve(f *df.File, v string) *df.Stage {
	if n, err := strconv.Atoi(v); err == nil {
		if n >= 0 && n < len(f.Stages) {
			return f.Stages[n]
		}
		return nil
	}
	var found *df.Stage
	for _, s := range f.Stages {
		if s.Name != "" && strings.EqualFold(s.Name, v) {
			found = s // BuildKit keeps the last stage of a name
		}
	}
	return found
}

// stageRoot follows a stage's base through earlier stages.
func stageRoot(s *df.Stage) *df.Stage {
	for i := 0; s.BaseStage != nil && i < 1000; i++ {
		s = s.BaseStage
	}
	return s
}

// stageSameCase returns word written in the case of model ("AS" for
// "FROM", "as" for "from"), or "" when model is mixed-case.
func stageSameCase(model, word string) string {
	switch model {
	case strings.ToUpper(model):
		return strings.ToUpper(word)
	case strings.ToLower(model):
		return strings.ToLower(word)
	}
	return ""
}

// stageSourceIs reports whether the source at s holds exactly text.
func stageSourceIs(f *df.File, s df.Span, text string) bool {
	return s.Start >= 0 && s.End <= len(f.Source) && s.Start <= s.End && string(f.Source[s.Start:s.End]) == text
}

// ---------------------------------------------------------------------
// FROM and stages.

// stagePlatformRe matches a constant platform such as linux/arm64/v8.
var stagePlatformRe = regexp.MustCompile(`^[a-z0-9_]+(/[a-z0-9_.]+){0,2}$`)

// stageArchAliases maps architecture spellings to the names stage names
// tend to use.
var stageArchAliases = map[string][]string{
	"amd64": {"amd64", "x86_64", "x64"}, "x86_64": {"amd64", "x86_64", "x64"},
	"arm64": {"arm64", "aarch64"}, "aarch64": {"arm64", "aarch64"},
	"386": {"386", "i386", "x86"}, "i386": {"386", "i386", "x86"},
}

func stageCheckPlatformConst(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		fl, ok := stageFlag(s.From, "platform")
		if !ok {
			continue
		}
		v := stageUnquote(fl.Value)
		if v == "" || strings.Contains(v, "$") || !stagePlatformRe.MatchString(strings.ToLower(v)) {
			continue
		}
		// A stage named for its platform ("build-arm64") is platform
		// specific by design.
		parts := strings.Split(strings.ToLower(v), "/")
		name := strings.ToLower(s.Name)
		specific := false
		for _, part := range parts[:min(2, len(parts))] {
			alts := stageArchAliases[part]
			if alts == nil {
				alts = []string{part}
			}
			for _, a := range alts {
				if name != "" && strings.Contains(name, a) {
					specific = true
				}
			}
		}
		if specific {
			continue
		}
		report(p, f, fl.Span, "FROM --platform pins the constant %q, so the stage ignores the platform requested at build time", v)
	}
}

// stageFlag returns the named flag of an instruction.
func stageFlag(in *df.Instruction, name string) (df.Flag, bool) {
	for _, fl := range in.Flags {
		if fl.Name == name {
			return fl, true
		}
	}
	return df.Flag{}, false
}

func stageCheckPlatformRedundant(p *rule.Pass, f *df.File) {
	for _, in := range f.GlobalArgs {
		for _, kv := range in.Args {
			if strings.HasPrefix(kv.Value, "TARGETPLATFORM=") {
				return // redefined: $TARGETPLATFORM may not be the target
			}
		}
	}
	for _, s := range f.Stages {
		fl, ok := stageFlag(s.From, "platform")
		if !ok {
			continue
		}
		v := stageUnquote(fl.Value)
		if v != "$TARGETPLATFORM" && v != "${TARGETPLATFORM}" {
			continue
		}
		// Remove the flag and the blanks after it.
		end := fl.Span.End
		for end < len(f.Source) && (f.Source[end] == ' ' || f.Source[end] == '\t') {
			end++
		}
		fx := replace("remove --platform="+v, df.Span{Start: fl.Span.Start, End: end}, "")
		reportFix(p, f, fl.Span, fx, "--platform=%s is the default platform of every stage", v)
	}
}

func stageCheckUndeclaredArg(p *rule.Pass, f *df.File) {
	declared, _, _ := stageGlobalArgs(f)
	lex := shell.NewLex(f.Escape)
	// ARGs declared inside stages, which FROM cannot see.
	stageArgs := map[string]int{}
	for _, in := range f.Instructions {
		if in.Cmd != "arg" || in.Stage == nil {
			continue
		}
		for _, kv := range in.Args {
			k, _, _ := strings.Cut(kv.Value, "=")
			if _, seen := stageArgs[k]; !seen {
				stageArgs[k] = in.StartLine
			}
		}
	}
	for _, s := range f.Stages {
		type word struct {
			text string
			span df.Span
		}
		words := []word{{s.Image, s.ImageSpan}}
		if fl, ok := stageFlag(s.From, "platform"); ok {
			words = append(words, word{fl.Value, fl.Span})
		}
		for _, w := range words {
			if !strings.Contains(w.text, "$") {
				continue
			}
			res, err := lex.ProcessWordWithMatches(w.text, declared)
			if err != nil {
				continue
			}
			var names []string
			for k := range res.Unmatched {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				if line, ok := stageArgs[k]; ok {
					report(p, f, w.span, "FROM uses $%s, but ARG %s is declared inside a stage (line %d), where FROM cannot see it", k, k, line)
					continue
				}
				report(p, f, w.span, "FROM uses $%s, which no ARG before the first FROM declares", k)
			}
		}
	}
}

// stageRefRe approximates the grammar of an image reference accepted by
// reference.ParseNormalizedNamed.
var stageRefRe = func() *regexp.Regexp {
	const (
		comp   = `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
		label  = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
		domain = `(?:` + label + `(?:\.` + label + `)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?`
		tag    = `[\w][\w.-]{0,127}`
		digest = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
	)
	return regexp.MustCompile(`^(?:` + domain + `/)?` + comp + `(?:/` + comp + `)*(?::` + tag + `)?(?:@` + digest + `)?$`)
}()

// stageValidRef reports whether ref is a valid image reference.
func stageValidRef(ref string) bool {
	name := ref
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	return stageRefRe.MatchString(ref) && len(name) <= 255
}

func stageCheckInvalidDefault(p *rule.Pass, f *df.File) {
	declared, values, noDefault := stageGlobalArgs(f)
	lex := shell.NewLex(f.Escape)
	for _, s := range f.Stages {
		if !strings.Contains(s.Image, "$") {
			continue
		}
		if res, err := lex.ProcessWordWithMatches(s.Image, declared); err != nil || len(res.Unmatched) > 0 {
			continue // undeclared variables are DF012's business
		}
		res, err := lex.ProcessWordWithMatches(s.Image, values)
		if err != nil {
			continue
		}
		if res.Result != "" && stageValidRef(res.Result) {
			continue
		}
		var missing []string
		for k := range res.Unmatched {
			if noDefault[k] {
				missing = append(missing, k)
			}
		}
		sort.Strings(missing)
		why := ""
		if len(missing) > 0 {
			why = fmt.Sprintf(" (no default for ARG %s)", strings.Join(missing, ", "))
		}
		if res.Result == "" {
			report(p, f, s.ImageSpan, "with the default ARG values, the base image %q is empty%s", s.Image, why)
			continue
		}
		report(p, f, s.ImageSpan, "with the default ARG values, the base image %q becomes %q, which is not a valid image reference%s", s.Image, res.Result, why)
	}
}

func stageCheckDuplicateName(p *rule.Pass, f *df.File) {
	seen := map[string]*df.Stage{}
	for _, s := range f.Stages {
		if s.Name == "" {
			continue
		}
		key := strings.ToLower(s.Name)
		if first, dup := seen[key]; dup {
			report(p, f, s.NameSpan, "stage name %q is already used by the stage at line %d", s.Name, first.From.StartLine)
			continue
		}
		seen[key] = s
	}
}

// stageReserved are names with a meaning of their own in FROM and --from.
var stageReserved = map[string]string{
	"scratch": "the empty image",
	"context": "the build context",
}

func stageCheckReservedName(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		if what, ok := stageReserved[strings.ToLower(s.Name)]; ok {
			report(p, f, s.NameSpan, "stage name %q is reserved: it already means %s", s.Name, what)
		}
	}
}

func stageCheckNameCasing(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		if s.Name == "" || s.Name == strings.ToLower(s.Name) {
			continue
		}
		lower := strings.ToLower(s.Name)
		fx := finding.Fix{Title: fmt.Sprintf("rename stage %q to %q", s.Name, lower)}
		add := func(span df.Span, old string) {
			if stageSourceIs(f, span, old) {
				fx.Edits = append(fx.Edits, finding.Edit{Start: span.Start, End: span.End, NewText: strings.ToLower(old)})
			}
		}
		add(s.NameSpan, s.Name)
		// Rename the references that resolve to this stage too.
		if stageResolve(f, s.Name) == s {
			for _, other := range f.Stages {
				if other.BaseStage == s && other.Image != strings.ToLower(other.Image) {
					add(other.ImageSpan, other.Image)
				}
				for _, ref := range stageFromRefs(f, other) {
					if ref.Mount || !strings.EqualFold(ref.Value, s.Name) || ref.Value == lower {
						continue
					}
					old := "--from=" + ref.Value
					if raw := string(f.Source[ref.Span.Start:ref.Span.End]); strings.EqualFold(raw, old) {
						start := ref.Span.End - len(ref.Value)
						add(df.Span{Start: start, End: ref.Span.End}, ref.Value)
					}
				}
			}
		}
		if len(fx.Edits) == 0 {
			report(p, f, s.NameSpan, "stage name %q should be lower-case", s.Name)
			continue
		}
		reportFix(p, f, s.NameSpan, fx, "stage name %q should be lower-case", s.Name)
	}
}

func stageCheckAsCasing(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		in := s.From
		if len(in.Args) < 3 || !strings.EqualFold(in.Args[1].Value, "as") {
			continue
		}
		want := stageSameCase(in.Keyword, "as")
		as := in.Args[1]
		if want == "" || as.Value == want || !stageSourceIs(f, as.Span, as.Value) {
			continue
		}
		reportFix(p, f, as.Span, replace("write "+want, as.Span, want),
			"%q and %q keywords' casing do not match", as.Value, in.Keyword)
	}
}

func stageCheckCopyFromSelf(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		for _, ref := range stageFromRefs(f, s) {
			self := s.Name != "" && strings.EqualFold(ref.Value, s.Name) || ref.Value == strconv.Itoa(s.Index)
			if !self {
				continue
			}
			what := "COPY --from="
			if ref.Mount {
				what = "RUN --mount from="
			}
			name := s.Name
			if name == "" {
				name = fmt.Sprintf("#%d", s.Index)
			}
			report(p, f, ref.Span, "%s%s names the stage it is in (%s): a stage cannot copy from itself", what, ref.Value, name)
		}
	}
}

// stageOfficialImages are Docker Hub official images, which COPY --from
// may name bare (COPY --from=composer /usr/bin/composer ...).
var stageOfficialImages = map[string]bool{
	"adminer": true, "aerospike": true, "almalinux": true, "alpine": true, "alt": true, "amazoncorretto": true,
	"amazonlinux": true, "api-firewall": true, "arangodb": true, "archlinux": true, "backdrop": true, "bash": true,
	"bonita": true, "buildpack-deps": true, "busybox": true, "caddy": true, "cassandra": true, "centos": true,
	"chronograf": true, "cirros": true, "clearlinux": true, "clickhouse": true, "clojure": true, "composer": true,
	"consul": true, "convertigo": true, "couchbase": true, "couchdb": true, "crate": true, "dart": true, "debian": true,
	"docker": true, "drupal": true, "eclipse-mosquitto": true, "eclipse-temurin": true, "eggdrop": true,
	"elasticsearch": true, "elixir": true, "emqx": true, "erlang": true, "fedora": true, "flink": true, "fluentd": true,
	"friendica": true, "gazebo": true, "gcc": true, "geonetwork": true, "ghost": true, "golang": true, "gradle": true,
	"groovy": true, "haproxy": true, "haskell": true, "haxe": true, "hello-world": true, "hitch": true, "httpd": true,
	"hylang": true, "ibm-semeru-runtimes": true, "ibmjava": true, "influxdb": true, "irssi": true, "jenkins": true,
	"jetty": true, "joomla": true, "jruby": true, "julia": true, "kapacitor": true, "kibana": true, "kong": true,
	"krakend": true, "liquibase": true, "logstash": true, "mageia": true, "mariadb": true, "matomo": true, "maven": true,
	"mediawiki": true, "memcached": true, "mongo": true, "mongo-express": true, "monica": true, "mono": true,
	"mysql": true, "nats": true, "neo4j": true, "neurodebian": true, "nextcloud": true, "nginx": true, "node": true,
	"notary": true, "odoo": true, "open-liberty": true, "openjdk": true, "opensuse": true, "oraclelinux": true,
	"orientdb": true, "percona": true, "perl": true, "photon": true, "php": true, "phpmyadmin": true, "plone": true,
	"postfixadmin": true, "postgres": true, "pypy": true, "python": true, "r-base": true, "rabbitmq": true,
	"rakudo-star": true, "redis": true, "redmine": true, "registry": true, "rethinkdb": true, "rocket.chat": true,
	"rockylinux": true, "ruby": true, "rust": true, "sapmachine": true, "satosa": true, "silverpeas": true, "solr": true,
	"sonarqube": true, "spark": true, "spiped": true, "storm": true, "swift": true, "teamspeak": true, "telegraf": true,
	"tomcat": true, "tomee": true, "traefik": true, "ubuntu": true, "unit": true, "varnish": true,
	"websphere-liberty": true, "wordpress": true, "xwiki": true, "yourls": true, "znc": true, "zookeeper": true,
}

func stageCheckCopyFromUnknown(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		for _, ref := range stageFromRefs(f, s) {
			v := ref.Value
			what := "--from=" + v
			if ref.Mount {
				what = "--mount from=" + v
			}
			if strings.Contains(v, "$") {
				if !ref.Mount {
					report(p, f, ref.Span, "%s uses a variable, which BuildKit does not expand in COPY --from", what)
				}
				continue
			}
			if n, err := strconv.Atoi(v); err == nil {
				if n < 0 || n >= len(f.Stages) {
					report(p, f, ref.Span, "%s names stage index %d, but the Dockerfile has %d stage(s)", what, n, len(f.Stages))
				}
				continue
			}
			if strings.ContainsAny(v, ":/@") || stageResolve(f, v) != nil || stageOfficialImages[strings.ToLower(v)] {
				continue
			}
			if _, reserved := stageReserved[strings.ToLower(v)]; reserved {
				continue
			}
			report(p, f, ref.Span, "%s names no stage of this Dockerfile: the builder will look for a build context or pull the image docker.io/library/%s:latest", what, v)
		}
	}
}

func stageCheckCopyWholeFS(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		for _, in := range s.Instructions {
			if in.Cmd != "copy" {
				continue
			}
			fl, ok := stageFlag(in, "from")
			if !ok {
				continue
			}
			from := stageUnquote(fl.Value)
			srcs, _, ok := stageCopyPaths(in)
			if !ok || strings.Contains(from, "$") {
				continue
			}
			var root *stagePath
			for i := range srcs {
				if !srcs[i].Unknown && !srcs[i].Heredoc && path.Clean(srcs[i].Value) == "/" {
					root = &srcs[i]
				}
			}
			if root == nil {
				continue
			}
			if full, what := stageFullFS(f, from); full {
				report(p, f, root.Word.Span, "COPY --from=%s %s copies the entire filesystem of %s", from, root.Value, what)
			}
		}
	}
}

// stageFullFS reports whether a --from value names something known to
// hold a whole operating system: a stage that runs commands or is based on
// an official Docker Hub image, or such an image itself. Images and
// stages of unknown content are often tool bundles built FROM scratch to
// be copied whole (tonistiigi/xx, docker/buildx-bin), so they do not count.
func stageFullFS(f *df.File, from string) (bool, string) {
	src := stageResolve(f, from)
	if src == nil {
		if _, err := strconv.Atoi(from); err == nil || strings.Contains(from, "$") {
			return false, ""
		}
		return stageOfficialRef(df.ParseImageRef(from)), fmt.Sprintf("the image %q", from)
	}
	what := fmt.Sprintf("stage %q", from)
	root := stageRoot(src)
	if strings.EqualFold(root.Image, "scratch") {
		return false, "" // a scratch stage holds only what was put in it
	}
	for _, st := range src.Chain() {
		if len(instructions(f, st, "run")) > 0 {
			return true, what
		}
	}
	ref, ok := f.BaseImage(root)
	return ok && stageOfficialRef(ref), what
}

// stageOfficialRef reports whether ref is a Docker Hub official image.
func stageOfficialRef(ref df.ImageRef) bool {
	if ref.Registry != "" && ref.Registry != "docker.io" && ref.Registry != "index.docker.io" {
		return false
	}
	repo := strings.TrimPrefix(ref.Repository, "library/")
	return !strings.Contains(repo, "/") && stageOfficialImages[repo]
}

func stageCheckFirstInstruction(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		switch in.Cmd {
		case "from":
			return
		case "arg":
			continue
		}
		if len(f.Stages) == 0 {
			report(p, f, keywordSpan(in), "the Dockerfile has no FROM instruction")
			return
		}
		report(p, f, keywordSpan(in), "%s comes before the first FROM; only ARG may precede FROM", strings.ToUpper(in.Cmd))
		return
	}
	if len(f.Stages) == 0 && len(f.Instructions) > 0 {
		report(p, f, keywordSpan(f.Instructions[0]), "the Dockerfile has no FROM instruction")
	}
}

// ---------------------------------------------------------------------
// EXPOSE.

// stagePort is one EXPOSE argument split as BuildKit splits it:
// [ip:]host:container/proto.
type stagePort struct {
	Raw                   string
	Word                  df.Word
	IP, Host, Port, Proto string
	HasProto              bool
}

// stageExposePorts lists the literal EXPOSE arguments of the file.
func stageExposePorts(f *df.File) []stagePort {
	var out []stagePort
	for _, in := range f.Instructions {
		if in.Cmd != "expose" {
			continue
		}
		for _, w := range in.Args {
			raw := stageUnquote(w.Value)
			if raw == "" || strings.Contains(raw, "$") || strings.ContainsAny(raw, " \t") {
				continue
			}
			sp := stagePort{Raw: raw, Word: w}
			rest := raw
			if i := strings.LastIndex(rest, "/"); i >= 0 {
				sp.Proto, sp.HasProto = rest[i+1:], true
				rest = rest[:i]
			}
			parts := strings.Split(rest, ":")
			switch n := len(parts); n {
			case 1:
				sp.Port = parts[0]
			case 2:
				sp.Host, sp.Port = parts[0], parts[1]
			default:
				sp.IP, sp.Host, sp.Port = strings.Join(parts[:n-2], ":"), parts[n-2], parts[n-1]
			}
			out = append(out, sp)
		}
	}
	return out
}

// stagePortRange parses "80" or "8000-8010"; it explains what is wrong.
func stagePortRange(s string) (lo, hi int, problem string) {
	if s == "" {
		return 0, 0, "no port"
	}
	a, b, isRange := strings.Cut(s, "-")
	parse := func(x string) (int, string) {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Sprintf("%q is not a port number", x)
		}
		if n < 0 || n > 65535 {
			return 0, fmt.Sprintf("port %d is outside 0-65535", n)
		}
		return int(n), ""
	}
	lo, problem = parse(a)
	if problem != "" {
		return 0, 0, problem
	}
	if !isRange || a == b {
		return lo, lo, ""
	}
	hi, problem = parse(b)
	if problem != "" {
		return 0, 0, problem
	}
	if hi < lo {
		return 0, 0, fmt.Sprintf("range %s ends before it starts", s)
	}
	return lo, hi, ""
}

func stageCheckExposeRange(p *rule.Pass, f *df.File) {
	for _, sp := range stageExposePorts(f) {
		problem := ""
		if _, _, pr := stagePortRange(sp.Port); pr != "" {
			problem = pr
		} else if sp.Host != "" {
			if _, _, pr := stagePortRange(sp.Host); pr != "" {
				problem = "host " + pr
			}
		}
		if problem == "" && sp.HasProto {
			switch strings.ToLower(sp.Proto) {
			case "tcp", "udp", "sctp":
			default:
				problem = fmt.Sprintf("protocol %q is not tcp, udp or sctp", sp.Proto)
			}
		}
		if problem != "" {
			report(p, f, sp.Word.Span, "EXPOSE %s: %s", sp.Raw, problem)
		}
	}
}

func stageCheckExposeFormat(p *rule.Pass, f *df.File) {
	for _, sp := range stageExposePorts(f) {
		lowerProto := sp.Proto != strings.ToLower(sp.Proto)
		mapping := sp.IP != "" || sp.Host != ""
		if !lowerProto && !mapping {
			continue
		}
		fixed := sp.Port
		if sp.HasProto {
			fixed += "/" + strings.ToLower(sp.Proto)
		}
		var msg string
		switch {
		case mapping && lowerProto:
			msg = fmt.Sprintf("EXPOSE %s maps a host address or port and has an upper-case protocol; only the container port %s is exposed", sp.Raw, fixed)
		case mapping:
			msg = fmt.Sprintf("EXPOSE %s maps a host address or port; EXPOSE only records the container port %s", sp.Raw, fixed)
		default:
			msg = fmt.Sprintf("EXPOSE %s: the protocol should be lower-case", sp.Raw)
		}
		if _, _, pr := stagePortRange(sp.Port); pr != "" || !stageSourceIs(f, sp.Word.Span, sp.Word.Value) {
			report(p, f, sp.Word.Span, "%s", msg)
			continue
		}
		reportFix(p, f, sp.Word.Span, replace("expose "+fixed, sp.Word.Span, fixed), "%s", msg)
	}
}

func stageCheckExposeSSH(p *rule.Pass, f *df.File) {
	for _, sp := range stageExposePorts(f) {
		if sp.Port != "22" || sp.HasProto && !strings.EqualFold(sp.Proto, "tcp") {
			continue
		}
		report(p, f, sp.Word.Span, "EXPOSE %s exposes the SSH port", sp.Raw)
	}
}

// ---------------------------------------------------------------------
// WORKDIR.

func stageCheckWorkdirRelative(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		var first *df.Instruction
		for _, st := range s.Chain() {
			if ws := instructions(f, st, "workdir"); len(ws) > 0 {
				first = ws[0]
				break
			}
		}
		if first == nil || first.Stage != s || len(first.Args) == 0 {
			continue
		}
		dir := stageUnquote(first.Args[0].Value)
		if dir == "" || strings.Contains(dir, "$") || stageIsAbs(dir) {
			continue
		}
		report(p, f, first.Args[0].Span, "WORKDIR %q is relative and no absolute WORKDIR comes before it, so it depends on the base image's working directory", dir)
	}
}

// stageSystemDirs are directories that belong to the kernel or the boot.
var stageSystemDirs = []string{"/proc", "/boot", "/dev", "/initrd", "/lost+found"}

func stageCheckWorkdirSystem(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		if in.Cmd != "workdir" || len(in.Args) == 0 {
			continue
		}
		dir := stageUnquote(in.Args[0].Value)
		if strings.Contains(dir, "$") || !strings.HasPrefix(dir, "/") {
			continue
		}
		clean := path.Clean(dir)
		for _, sys := range stageSystemDirs {
			if clean == sys || strings.HasPrefix(clean, sys+"/") {
				report(p, f, in.Args[0].Span, "WORKDIR %q is inside the system directory %s", dir, sys)
				break
			}
		}
	}
}

// ---------------------------------------------------------------------
// RUN cd.

// stageLeadingCommands flattens the top level of a script into its
// simple commands, in order, as far as they run one after the other (";",
// newlines, "&&" and "||" chains). It stops at the first compound command;
// complete says it reached the end of the script.
func stageLeadingCommands(stmts []*syntax.Stmt) (calls []*syntax.CallExpr, complete bool) {
	var walk func(st *syntax.Stmt) bool
	walk = func(st *syntax.Stmt) bool {
		if st.Background || st.Negated || st.Coprocess {
			return false
		}
		switch c := st.Cmd.(type) {
		case *syntax.CallExpr:
			if len(c.Args) == 0 {
				return false
			}
			calls = append(calls, c)
			return true
		case *syntax.BinaryCmd:
			if c.Op != syntax.AndStmt && c.Op != syntax.OrStmt {
				return false
			}
			return walk(c.X) && walk(c.Y)
		}
		return false
	}
	for _, st := range stmts {
		if !walk(st) {
			return calls, false
		}
	}
	return calls, true
}

func stageCheckRunCd(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		if in.Cmd != "run" || in.Script == nil || in.Script.AST == nil {
			continue
		}
		calls, complete := stageLeadingCommands(in.Script.AST.Stmts)
		// Skip shell-option preambles such as "set -eux".
		i := 0
		for i < len(calls) && stageCallName(calls[i]) == "set" {
			i++
		}
		if i >= len(calls) || stageCallName(calls[i]) != "cd" {
			continue
		}
		call := calls[i]
		var dir *syntax.Word
		operands := 0
		for _, w := range call.Args[1:] {
			if lit := w.Lit(); strings.HasPrefix(lit, "-") && lit != "-" {
				continue // -P, -L
			}
			operands++
			dir = w
		}
		if operands != 1 || dir.Lit() == "" || dir.Lit() == "-" {
			continue // a variable, quotes, "cd -" or several operands
		}
		d := dir.Lit()
		if c := path.Clean(d); c == "/tmp" || c == "/var/tmp" || strings.HasPrefix(c, "/tmp/") {
			continue // a scratch area for this RUN alone: WORKDIR would outlive it
		}
		span := in.Script.Span(call)
		if complete && i == len(calls)-1 {
			report(p, f, span, "RUN cd %s has no effect: the directory change ends with the RUN; use WORKDIR %s", d, d)
			continue
		}
		report(p, f, span, "RUN starts with cd %s; use WORKDIR %s to change directory", d, d)
	}
}

// stageCallName is the literal program name of a call, or "".
func stageCallName(c *syntax.CallExpr) string {
	if len(c.Args) == 0 {
		return ""
	}
	return path.Base(c.Args[0].Lit())
}

// ---------------------------------------------------------------------
// COPY and ADD.

func stageCheckCopyRelative(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		chain := s.Chain()
		if strings.EqualFold(chain[0].Image, "scratch") {
			continue // scratch works in "/", which no base image can change
		}
		set := false
		for _, st := range chain[:len(chain)-1] {
			if len(instructions(f, st, "workdir")) > 0 {
				set = true
			}
		}
		if set {
			continue
		}
		for _, in := range s.Instructions {
			if in.Cmd == "workdir" {
				break
			}
			if in.Cmd != "copy" && in.Cmd != "add" {
				continue
			}
			_, dest, ok := stageCopyPaths(in)
			if !ok || dest.Unknown || dest.Value == "" || stageIsAbs(dest.Value) {
				continue
			}
			report(p, f, dest.Word.Span, "%s destination %q is relative, but no WORKDIR is set in this stage, so it depends on the base image's working directory",
				strings.ToUpper(in.Cmd), dest.Value)
		}
	}
}

// stageTarExts are the file name endings of archives ADD unpacks (tar,
// possibly compressed with gzip, bzip2, xz or zstd).
var stageTarExts = []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst"}

// stageCompressedExts are endings of files ADD may unpack when they hold
// a tar archive.
var stageCompressedExts = []string{".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".lz", ".z", ".tlz"}

func stageHasExt(name string, exts []string) bool {
	lower := strings.ToLower(name)
	for _, e := range exts {
		if strings.HasSuffix(lower, e) {
			return true
		}
	}
	return false
}

// stageADDOnlyFlags are ADD options COPY does not have.
var stageADDOnlyFlags = map[string]bool{"checksum": true, "keep-git-dir": true, "unpack": true}

// stageAddNeeded explains why an ADD source needs ADD, or returns "" for
// a plain local file or directory. unknown is set for sources that cannot
// be judged.
func stageAddNeeded(src stagePath) (why string, unknown bool) {
	v := src.Value
	lower := strings.ToLower(v)
	switch {
	case src.Heredoc:
		return "", false
	case src.Unknown:
		return "", true
	case strings.Contains(v, "://"), strings.HasPrefix(lower, "git@"):
		return "a URL or Git source", false
	case stageHasExt(v, stageTarExts), stageHasExt(v, stageCompressedExts):
		return "an archive ADD may extract", false
	}
	base := path.Base(strings.ReplaceAll(v, `\`, "/"))
	if strings.ContainsAny(base, "*?[") {
		// A glob may match archives, which ADD would extract; only a
		// pattern with a plain extension ("*.conf") is known to be files.
		ext := path.Ext(base)
		if ext == "" || strings.ContainsAny(ext, "*?[]") {
			return "", true
		}
	}
	return "", false
}

func stageCheckAddNotCopy(p *rule.Pass, f *df.File) {
	for _, in := range stageCopies(f, true) {
		if in.Cmd != "add" {
			continue
		}
		skip := false
		for _, fl := range in.Flags {
			if stageADDOnlyFlags[fl.Name] {
				skip = true
			}
		}
		srcs, _, ok := stageCopyPaths(in)
		if !ok || skip {
			continue
		}
		var names []string
		for _, s := range srcs {
			why, unknown := stageAddNeeded(s)
			if why != "" || unknown {
				skip = true
				break
			}
			names = append(names, s.Value)
		}
		if skip {
			continue
		}
		kw := keywordSpan(in)
		msg := fmt.Sprintf("ADD copies the local %s %s; use COPY", stagePlural(len(names), "path", "paths"), strings.Join(stageQuoteAll(names), ", "))
		if want := stageSameCase(in.Keyword, "copy"); want != "" && stageSourceIs(f, kw, in.Keyword) {
			reportFix(p, f, kw, replace("use "+want, kw, want), "%s", msg)
			continue
		}
		report(p, f, kw, "%s", msg)
	}
}

func stagePlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func stageQuoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// stageTarExtract returns the archive a tar command extracts, when it
// extracts exactly one whole archive that ADD could unpack the same way.
func stageTarExtract(c *df.Command) (df.Arg, bool) {
	extract, haveFile, refuse := false, false, false
	var file df.Arg
	var positionals []df.Arg
	args := c.Args
	// short handles a group of short options ("-xzf", or the old-style
	// "xzf" first word); options taking a value consume the next words.
	short := func(i int, group string, dashed bool) int {
		for j, r := range group {
			switch r {
			case 'x':
				extract = true
			case 'O', 'T', 'X':
				refuse = true
			case 'f', 'C', 'b', 'I', 'H', 'K', 'N', 'V', 'g':
				if dashed && j < len(group)-1 {
					if r == 'f' { // -fFILE
						file, haveFile = df.Arg{Value: group[j+1:], Literal: true, Span: args[i].Span}, true
					}
					return i
				}
				if i+1 < len(args) {
					i++
					if r == 'f' {
						file, haveFile = args[i], true
					}
				}
			}
		}
		return i
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		if !a.Literal {
			return df.Arg{}, false
		}
		switch {
		case v == "--":
			positionals = append(positionals, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(v, "--"):
			name, val, hasVal := strings.Cut(v, "=")
			switch name {
			case "--extract", "--get":
				extract = true
			case "--file":
				if hasVal {
					file, haveFile = df.Arg{Value: val, Literal: true, Span: a.Span}, true
				} else if i+1 < len(args) {
					i++
					file, haveFile = args[i], true
				}
			case "--strip-components", "--strip", "--wildcards", "--exclude", "--transform", "--xform",
				"--to-stdout", "--to-command", "--files-from", "--exclude-from", "--one-top-level":
				refuse = true
			case "--directory", "--owner", "--group", "--mode", "--use-compress-program", "--blocking-factor", "--format":
				if !hasVal {
					i++
				}
			}
		case strings.HasPrefix(v, "-") && len(v) > 1:
			i = short(i, v[1:], true)
		case i == 0 && stageTarBundle(v):
			i = short(i, v, false)
		default:
			positionals = append(positionals, a)
		}
	}
	if refuse || !extract || !haveFile || file.Value == "-" || len(positionals) > 0 {
		return df.Arg{}, false
	}
	return file, true
}

// stageTarBundle reports whether v is an old-style tar option bundle
// ("xzf") in the first position.
func stageTarBundle(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if !strings.ContainsRune("xctruzjJvfpC", r) {
			return false
		}
	}
	return strings.ContainsAny(v, "xctru")
}

func stageCheckCopyExtract(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		type copied struct {
			in  *df.Instruction
			src stagePath
		}
		archives := map[string]copied{} // base name in the image -> COPY
		for _, in := range s.Instructions {
			switch in.Cmd {
			case "copy":
				if _, ok := stageFlag(in, "from"); ok {
					continue
				}
				srcs, dest, ok := stageCopyPaths(in)
				if !ok || dest.Unknown {
					continue
				}
				for _, src := range srcs {
					if src.Unknown || src.Heredoc || strings.ContainsAny(src.Value, "*?[") || !stageHasExt(src.Value, stageTarExts) {
						continue
					}
					name := path.Base(src.Value)
					if len(srcs) == 1 && !strings.HasSuffix(dest.Value, "/") && stageHasExt(dest.Value, stageTarExts) {
						name = path.Base(dest.Value)
					}
					archives[name] = copied{in, src}
				}
			case "run":
				if in.Script == nil || len(archives) == 0 {
					continue
				}
				for _, c := range in.Script.Commands {
					if c.Name != "tar" {
						continue
					}
					file, ok := stageTarExtract(c)
					if !ok {
						continue
					}
					cp, ok := archives[path.Base(file.Value)]
					if !ok {
						continue
					}
					delete(archives, path.Base(file.Value))
					report(p, f, cp.src.Word.Span, "%q is copied and then extracted with tar at line %d; ADD extracts a local tar archive in one step",
						cp.src.Value, in.StartLine)
				}
			}
		}
	}
}

func stageCheckMultiSourceDest(p *rule.Pass, f *df.File) {
	for _, in := range stageCopies(f, true) {
		srcs, dest, ok := stageCopyPaths(in)
		if !ok || len(srcs) < 2 || dest.Unknown || dest.Value == "" {
			continue
		}
		if strings.HasSuffix(dest.Value, "/") || strings.HasSuffix(dest.Value, `\`) {
			continue
		}
		msg := fmt.Sprintf("%s has %d sources, so the destination %q must end with /", strings.ToUpper(in.Cmd), len(srcs), dest.Value)
		span := dest.Word.Span
		if !stageSourceIs(f, span, dest.Word.Value) {
			report(p, f, span, "%s", msg)
			continue
		}
		at := span.End
		if !in.JSON && dest.Value != dest.Word.Value {
			at-- // before the closing quote
		}
		reportFix(p, f, span, insert("append / to the destination", at, "/"), "%s", msg)
	}
}

func stageCheckCopyIgnored(p *rule.Pass, f *df.File) {
	ctx := f.Context
	if !ctx.Known || ctx.DockerIgnore == "" || len(ctx.IgnorePatterns) == 0 {
		return
	}
	pm, err := patternmatcher.New(ctx.IgnorePatterns)
	if err != nil || pm.Exclusions() {
		// With "!" exceptions a file inside an ignored directory may be
		// sent after all: BuildKit does not judge these statically either.
		return
	}
	rootIgnored := false
	for _, pat := range pm.Patterns() {
		switch pat.String() {
		case "*", "**", "**/*":
			rootIgnored = true
		}
	}
	for _, in := range stageCopies(f, false) {
		if _, ok := stageFlag(in, "from"); ok {
			continue
		}
		srcs, _, ok := stageCopyPaths(in)
		if !ok {
			continue
		}
		for _, src := range srcs {
			if src.Heredoc || src.Unknown || strings.Contains(src.Value, "://") || strings.HasPrefix(strings.ToLower(src.Value), "git@") ||
				strings.ContainsAny(src.Value, "*?[") {
				continue
			}
			rel := strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(src.Value, `\`, "/")), "/")
			if rel == "" {
				if !rootIgnored {
					continue
				}
				rel = "."
			}
			matched, err := pm.MatchesOrParentMatches(rel)
			if err != nil || !matched {
				continue
			}
			report(p, f, src.Word.Span, "%s source %q is excluded by %s, so it is not in the build context",
				strings.ToUpper(in.Cmd), src.Value, path.Base(ctx.DockerIgnore))
		}
	}
}
