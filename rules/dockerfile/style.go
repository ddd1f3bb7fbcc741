package dockerfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	bkinstructions "github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"mvdan.cc/sh/v3/syntax"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

// styleRules builds the instruction semantics and style family
// (DF040-DF069).
func styleRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "DF040", Slug: "cmd-shell-form", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "CMD or ENTRYPOINT uses the shell form",
			Peers: []string{"hadolint:DL3025", "buildkit:JSONArgsRecommended"},
			Why: "In shell form the container runs `/bin/sh -c \"<command>\"`: the shell is PID 1 and does not pass " +
				"SIGTERM on to the program, so `docker stop` waits out its timeout and then kills the process without a " +
				"chance to shut down cleanly. A shell-form ENTRYPOINT also ignores the CMD and `docker run` arguments. " +
				"A command whose last step is `exec program ...` hands PID 1 to the program and is not reported. " +
				"Unlike BuildKit, a SHELL instruction does not silence the rule: the shell still sits between the runtime and the program.",
			Bad:         "CMD node server.js",
			Good:        "CMD [\"node\", \"server.js\"]",
			Remediation: "Write CMD and ENTRYPOINT in exec form (a JSON array); when shell features are needed, end the command with `exec` or move it into an entrypoint script.",
			Fixable:     true,
			Check:       check(styleShellForm),
		},
		{
			ID: "DF041", Slug: "exec-form-invalid-json", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "exec form is not valid JSON and silently runs as a shell command",
			Why: "An instruction written as a JSON array is only exec form when the array is valid JSON: double quotes, " +
				"commas between elements, no trailing comma. Otherwise BuildKit silently treats the brackets as text and runs " +
				"`/bin/sh -c \"['node', 'app.js']\"`, which fails when the container starts (or creates a volume named `['/data']`).",
			Bad:         "CMD ['node', 'app.js']",
			Good:        "CMD [\"node\", \"app.js\"]",
			Remediation: "Write the array as valid JSON: double-quoted strings separated by commas, with no trailing comma.",
			Fixable:     true,
			Check:       check(styleInvalidJSON),
		},
		{
			ID: "DF042", Slug: "multiple-cmd", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "more than one CMD in a stage",
			Peers: []string{"hadolint:DL4003", "trivy:DS-0016", "buildkit:MultipleInstructionsDisallowed"},
			Why: "Only the last CMD of a stage takes effect. An earlier CMD is dead code that misleads readers about what the " +
				"container runs, and often marks a merge mistake.",
			Bad:         "CMD [\"app\", \"--debug\"]\nCMD [\"app\"]",
			Good:        "CMD [\"app\"]",
			Remediation: "Keep a single CMD per stage and delete the others.",
			Check:       check(styleMultiple("cmd")),
		},
		{
			ID: "DF043", Slug: "multiple-entrypoint", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "more than one ENTRYPOINT in a stage",
			Peers: []string{"hadolint:DL4004", "trivy:DS-0007", "buildkit:MultipleInstructionsDisallowed"},
			Why: "Only the last ENTRYPOINT of a stage takes effect. An earlier one is dead code that misleads readers and " +
				"reviewers about which program the container starts.",
			Bad:         "ENTRYPOINT [\"/init.sh\"]\nENTRYPOINT [\"/app\"]",
			Good:        "ENTRYPOINT [\"/app\"]",
			Remediation: "Keep a single ENTRYPOINT per stage and delete the others.",
			Check:       check(styleMultiple("entrypoint")),
		},
		{
			ID: "DF044", Slug: "multiple-healthcheck", Kind: rule.Dockerfile, Severity: finding.Low,
			Title:       "more than one HEALTHCHECK in a stage",
			Peers:       []string{"hadolint:DL3012", "trivy:DS-0023", "buildkit:MultipleInstructionsDisallowed"},
			Why:         "Only the last HEALTHCHECK of a stage takes effect; the earlier ones are dead code and may hide the check that was meant.",
			Bad:         "HEALTHCHECK CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK CMD wget -qO- http://localhost/health || exit 1",
			Good:        "HEALTHCHECK CMD wget -qO- http://localhost/health || exit 1",
			Remediation: "Keep a single HEALTHCHECK per stage and delete the others.",
			Check:       check(styleMultiple("healthcheck")),
		},
		{
			ID: "DF045", Slug: "healthcheck-missing", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "final image has no HEALTHCHECK",
			Tags:  []string{"cis-docker:4.6"},
			Peers: []string{"hadolint:DL3057", "trivy:DS-0026"},
			Why: "Docker and Swarm use HEALTHCHECK to notice a container that runs but no longer serves, and to restart or " +
				"replace it. Kubernetes ignores HEALTHCHECK and uses probes instead, so images only run there can ignore this. " +
				"An explicit `HEALTHCHECK NONE` is a deliberate opt-out and is not reported; neither is a scratch image with " +
				"no CMD or ENTRYPOINT, which only carries build output.",
			Bad:         "FROM nginx:1.27-alpine\nCOPY site/ /usr/share/nginx/html/",
			Good:        "FROM nginx:1.27-alpine\nCOPY site/ /usr/share/nginx/html/\nHEALTHCHECK CMD wget -qO- http://localhost/ || exit 1",
			Remediation: "Add a HEALTHCHECK to the final stage that probes the service (or `HEALTHCHECK NONE` to opt out explicitly).",
			Check:       check(styleHealthcheckMissing),
		},
		{
			ID: "DF046", Slug: "maintainer-deprecated", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "MAINTAINER is deprecated",
			Peers: []string{"hadolint:DL4000", "trivy:DS-0022", "buildkit:MaintainerDeprecated"},
			Why: "MAINTAINER has been deprecated since Docker 1.13; it fills a legacy image field that tools no longer read. " +
				"The OCI label `org.opencontainers.image.authors` is the standard place for the author.",
			Bad:         "MAINTAINER Jane Doe <jane@example.com>",
			Good:        "LABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"",
			Remediation: "Replace MAINTAINER with `LABEL org.opencontainers.image.authors=\"...\"`.",
			Fixable:     true,
			Check:       check(styleMaintainer),
		},
		{
			ID: "DF047", Slug: "onbuild-forbidden-trigger", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "ONBUILD triggers ONBUILD, FROM or MAINTAINER",
			Peers: []string{"hadolint:DL3043"},
			Why: "Docker does not allow `ONBUILD ONBUILD`, `ONBUILD FROM` or `ONBUILD MAINTAINER` as triggers: " +
				"BuildKit rejects the Dockerfile, so the image does not build.",
			Bad:         "ONBUILD FROM alpine:3.20",
			Good:        "ONBUILD COPY . /app/src",
			Remediation: "Remove the ONBUILD trigger, or trigger an instruction that ONBUILD allows.",
			Check:       check(styleOnbuildTrigger),
		},
		{
			ID: "DF048", Slug: "env-self-reference", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "ENV refers to a variable it defines itself",
			Peers: []string{"hadolint:DL3044"},
			Why: "All values of one ENV are expanded before any of its variables is set, so `ENV A=1 B=$A` gives B the value A " +
				"had before the instruction (usually empty), not 1.",
			Bad:         "ENV APP_HOME=/app APP_BIN=$APP_HOME/bin",
			Good:        "ENV APP_HOME=/app\nENV APP_BIN=$APP_HOME/bin",
			Remediation: "Define the variable in an earlier ENV and refer to it in a later one.",
			Check:       check(styleEnvSelfReference),
		},
		{
			ID: "DF049", Slug: "legacy-key-value", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "ENV or LABEL uses the legacy `key value` form",
			Peers: []string{"buildkit:LegacyKeyValueFormat"},
			Why: "In the legacy form everything after the key, spaces and quotes included, is one value, so `ENV A b C d` " +
				"sets A to `b C d`. The form is deprecated; `key=value` is unambiguous and allows several pairs.",
			Bad:         "ENV DEBIAN_FRONTEND noninteractive",
			Good:        "ENV DEBIAN_FRONTEND=noninteractive",
			Remediation: "Write `key=value`, quoting the value when it contains spaces.",
			Fixable:     true,
			Check:       check(styleLegacyKeyValue),
		},
		{
			ID: "DF050", Slug: "undefined-variable", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "variable used but not defined in the stage",
			Peers: []string{"buildkit:UndefinedVar"},
			Why: "BuildKit expands `$VAR` in COPY, ADD, ENV, LABEL, WORKDIR, USER, VOLUME, STOPSIGNAL, ARG defaults and RUN " +
				"mounts; an undefined variable silently becomes an empty string, so files land in the wrong place. Global ARGs " +
				"(before the first FROM) and the automatic platform ARGs such as TARGETARCH are only visible in a stage after " +
				"an `ARG NAME` line in it. A variable may also come from the base image's environment, which a Dockerfile does not show, " +
				"so on other bases only these two mistakes and near-miss spellings of defined names are reported; " +
				"shell-form RUN, CMD and ENTRYPOINT are expanded by the shell and are not checked.",
			Bad:         "ARG VERSION=1.2.3\nFROM alpine:3.20\nCOPY app-$VERSION.tar.gz /opt/",
			Good:        "ARG VERSION=1.2.3\nFROM alpine:3.20\nARG VERSION\nCOPY app-$VERSION.tar.gz /opt/",
			Remediation: "Declare the variable in the stage with `ARG NAME` (or `ENV NAME=...`) before it is used, or fix its spelling.",
			Check:       check(styleUndefinedVar),
		},
		{
			ID: "DF051", Slug: "pipe-without-pipefail", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "RUN pipes a command without pipefail",
			Peers: []string{"hadolint:DL4006"},
			Why: "A pipeline's exit status is that of its last command, so in `curl -fsSL $URL | tar -xz` a failed download " +
				"still builds: the image silently lacks what the step should have installed. `pipefail` makes any failing " +
				"stage fail the RUN. Pipes fed only by echo, printf or yes cannot fail and are not reported.",
			Bad:  "RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin",
			Good: "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin",
			Remediation: "Add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before the RUN (on Alpine `SHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]`), " +
				"or start the script with `set -o pipefail &&`; the dash that Debian and Ubuntu ship as /bin/sh has no pipefail, so use bash there.",
			Check: check(stylePipefail),
		},
		{
			ID: "DF052", Slug: "shell-symlink", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "/bin/sh is replaced with ln instead of SHELL",
			Peers: []string{"hadolint:DL4005"},
			Why: "Re-pointing /bin/sh changes the shell of every script and program in the image that calls /bin/sh, not only " +
				"the Dockerfile's RUN steps, and hides the choice from readers. SHELL changes the shell of the build steps only.",
			Bad:         "RUN ln -sf /bin/bash /bin/sh",
			Good:        "SHELL [\"/bin/bash\", \"-c\"]",
			Remediation: "Use the SHELL instruction to choose the shell for RUN, CMD and ENTRYPOINT instead of replacing /bin/sh.",
			Check:       check(styleShellSymlink),
		},
		{
			ID: "DF053", Slug: "consecutive-run", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "consecutive RUN instructions could be merged",
			Peers: []string{"hadolint:DL3059"},
			Why: "Every RUN adds a layer. Short consecutive RUNs with the same flags are usually one step that could be one " +
				"layer; files removed in a later RUN still take space in the earlier layer. RUNs separated only by comments " +
				"count as consecutive; RUNs of more than two commands are taken as deliberately separate, as hadolint does.",
			Bad:         "RUN apt-get update\nRUN apt-get install -y --no-install-recommends curl",
			Good:        "RUN apt-get update && apt-get install -y --no-install-recommends curl",
			Remediation: "Join the consecutive RUN instructions with `&&` into one RUN.",
			Check:       check(styleConsecutiveRun),
		},
		{
			ID: "DF054", Slug: "instruction-casing", Kind: rule.Dockerfile, Severity: finding.Info,
			Title:       "instruction keywords use inconsistent casing",
			Peers:       []string{"buildkit:ConsistentInstructionCasing"},
			Why:         "Keywords are case-insensitive, but mixing `RUN` and `run`, or writing `Run`, makes a Dockerfile harder to read and grep.",
			Bad:         "FROM alpine:3.20\nrun apk add --no-cache curl",
			Good:        "FROM alpine:3.20\nRUN apk add --no-cache curl",
			Remediation: "Write every instruction keyword in the same case as the majority (normally upper case).",
			Fixable:     true,
			Check:       check(styleCasing),
		},
		{
			ID: "DF055", Slug: "empty-continuation-line", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "empty line inside a line continuation",
			Peers: []string{"buildkit:NoEmptyContinuation"},
			Why: "BuildKit skips blank lines inside a `\\` continuation, so a trailing backslash left above a blank line silently " +
				"glues the next line, even the next instruction, onto the command; empty continuation lines will become errors in a future release.",
			Bad:         "RUN apk add --no-cache \\\n\n    curl",
			Good:        "RUN apk add --no-cache \\\n    curl",
			Remediation: "Remove the blank lines inside the continued instruction (a comment line is allowed there).",
			Fixable:     true,
			Check:       check(styleEmptyContinuation),
		},
		{
			ID: "DF056", Slug: "label-key-invalid", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "LABEL key does not follow Docker's key format",
			Peers: []string{"hadolint:DL3048"},
			Why: "Docker's guidelines ask for label keys in lower-case alphanumerics, `.` and `-`, starting with a letter, " +
				"ending with a letter or digit, without repeated separators, and outside the reserved `com.docker.`, " +
				"`io.docker.` and `org.dockerproject.` namespaces. Tools that filter or index labels rely on that.",
			Bad:         "LABEL Build_Date=2024-05-01",
			Good:        "LABEL org.opencontainers.image.created=2024-05-01T00:00:00Z",
			Remediation: "Rename the label key to lower-case reverse-DNS form, preferably an `org.opencontainers.image.*` key.",
			Check:       check(styleLabelKeys),
		},
		{
			ID: "DF058", Slug: "instruction-invalid", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "instruction BuildKit rejects",
			Why: "BuildKit checks each instruction before it builds anything: an unknown instruction (a typo such as `FORM`), " +
				"an unknown or malformed flag (`COPY --frm=build`, `RUN --mount=type=cahce`), or the wrong number of " +
				"arguments (`WORKDIR a b`, `COPY app.py`) fails the build. The check runs BuildKit's own instruction parser, " +
				"so the message is BuildKit's. A Dockerfile that selects another frontend with `# syntax=` (not " +
				"docker/dockerfile) is not checked, as that frontend decides what is valid. ONBUILD triggers are checked too: a " +
				"bad one fails every build that uses the image as a base.",
			Bad:         "FROM golang:1.23 AS build\nFROM alpine:3.20\nCOPY --frm=build /out/app /usr/local/bin/app",
			Good:        "FROM golang:1.23 AS build\nFROM alpine:3.20\nCOPY --from=build /out/app /usr/local/bin/app",
			Remediation: "Correct the instruction as BuildKit's message says: fix the keyword or flag spelling, or the number of arguments.",
			Check:       check(styleInstructionInvalid),
		},
	}
}

// ---------------------------------------------------------------------------
// Shared helpers

// styleBefore returns the instructions in effect before in: all
// instructions of the stages in builds on, then those of its own stage
// before it.
func styleBefore(in *df.Instruction) []*df.Instruction {
	if in.Stage == nil {
		return nil
	}
	var out []*df.Instruction
	chain := in.Stage.Chain()
	for _, st := range chain[:len(chain)-1] {
		out = append(out, st.Instructions...)
	}
	for _, x := range in.Stage.Instructions {
		if x == in {
			break
		}
		out = append(out, x)
	}
	return out
}

// styleChainHas reports whether the stage or a stage it builds on has an
// instruction named cmd.
func styleChainHas(f *df.File, s *df.Stage, cmd string) bool {
	for _, st := range s.Chain() {
		if len(instructions(f, st, cmd)) > 0 {
			return true
		}
	}
	return false
}

// styleHasCommentLines reports whether comment lines sit inside the
// instruction, where an edit replacing it would drop them.
func styleHasCommentLines(f *df.File, in *df.Instruction) bool {
	for _, c := range f.Comments {
		if c.Line > in.StartLine && c.Line <= in.EndLine {
			return true
		}
	}
	return false
}

// styleSpanHolds reports whether the source at sp starts and ends like
// text, so that an edit of sp replaces exactly that text. It guards fixes
// against spans the model could not map precisely.
func styleSpanHolds(f *df.File, sp df.Span, text string) bool {
	text = strings.TrimSpace(text)
	if text == "" || sp.Start < 0 || sp.End > len(f.Source) || sp.End <= sp.Start {
		return false
	}
	src := string(f.Source[sp.Start:sp.End])
	return strings.HasPrefix(src, text[:1]) && strings.HasSuffix(src, text[len(text)-1:]) &&
		(len(text) < 2 || strings.HasPrefix(src, text[:2]))
}

// styleSameCase returns word in the case of the keyword kw (upper, lower).
func styleSameCase(kw, word string) string {
	if kw != "" && kw == strings.ToLower(kw) {
		return strings.ToLower(word)
	}
	return strings.ToUpper(word)
}

// styleShort shortens s for a message.
func styleShort(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 48 {
		r := []rune(s)
		s = string(r[:45]) + "..."
	}
	return s
}

// styleJSONArray encodes words as a JSON array in the Dockerfile style
// `["a", "b"]`, without HTML escaping.
func styleJSONArray(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(w) // a string always encodes
		parts[i] = strings.TrimSuffix(b.String(), "\n")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// styleWord is a raw word of an instruction with its span.
type styleWord struct {
	text       string
	start, end int // offsets in the logical text
}

// styleSplitWords splits s like BuildKit's parseWords: on white space
// outside quotes, with the escape token escaping the next character
// (except inside single quotes). Words keep their quotes and escapes.
func styleSplitWords(s string, escape rune) []styleWord {
	var out []styleWord
	start := -1
	var quote rune
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case start < 0 && unicode.IsSpace(r):
		case start < 0:
			start = i
			continue // reprocess as part of the word
		case quote != 0:
			if r == escape && quote != '\'' && i+w < len(s) {
				_, w2 := utf8.DecodeRuneInString(s[i+w:])
				w += w2
			} else if r == quote {
				quote = 0
			}
		case unicode.IsSpace(r):
			out = append(out, styleWord{s[start:i], start, i})
			start = -1
		case r == '\'' || r == '"':
			quote = r
		case r == escape && i+w < len(s):
			_, w2 := utf8.DecodeRuneInString(s[i+w:])
			w += w2
		}
		i += w
	}
	if start >= 0 {
		out = append(out, styleWord{s[start:], start, len(s)})
	}
	return out
}

// styleKV is one key/value pair of an ENV or LABEL.
type styleKV struct {
	key, value         string // raw, quotes kept
	keySpan, valueSpan df.Span
	span               df.Span // the whole pair
	legacy             bool
}

var styleWhitespaceRe = regexp.MustCompile(`[\t\v\f\r ]+`)

// styleKeyValues splits an ENV or LABEL into its pairs, mirroring
// BuildKit's parseNameVal, with exact spans.
func styleKeyValues(f *df.File, in *df.Instruction) []styleKV {
	text := in.Text()
	args := strings.TrimRightFunc(in.ArgText(), unicode.IsSpace)
	base := len(text) - len(in.ArgText())
	span := func(a, b int) df.Span { return in.LogicalSpan(base+a, base+b) }
	words := styleSplitWords(args, f.Escape)
	if len(words) == 0 {
		return nil
	}
	if !strings.Contains(words[0].text, "=") {
		loc := styleWhitespaceRe.FindStringIndex(args)
		if loc == nil {
			return nil
		}
		kv := styleKV{key: args[:loc[0]], value: args[loc[1]:], legacy: true}
		kv.keySpan = span(0, loc[0])
		kv.valueSpan = span(loc[1], len(args))
		kv.span = span(0, len(args))
		return []styleKV{kv}
	}
	var out []styleKV
	for _, w := range words {
		k, v, ok := strings.Cut(w.text, "=")
		if !ok {
			return nil // BuildKit rejects the instruction
		}
		eq := w.start + len(k)
		out = append(out, styleKV{
			key: k, value: v,
			keySpan: span(w.start, eq), valueSpan: span(eq+1, w.end), span: span(w.start, w.end),
		})
	}
	return out
}

// styleEnv is a set of defined variable names, usable by BuildKit's lexer.
type styleEnv map[string]bool

func (e styleEnv) Get(k string) (string, bool) {
	if e[k] {
		return "x", true
	}
	return "", false
}

func (e styleEnv) Keys() []string {
	out := make([]string, 0, len(e))
	for k := range e {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (e styleEnv) clone() styleEnv {
	out := styleEnv{}
	for k := range e {
		out[k] = true
	}
	return out
}

// styleUnmatched expands word as BuildKit does and returns the names it
// refers to that env does not define, sorted. ok is false when BuildKit
// could not expand the word.
func styleUnmatched(f *df.File, word string, env styleEnv) ([]string, bool) {
	if !strings.Contains(word, "$") {
		return nil, true
	}
	lex := shell.NewLex(f.Escape)
	_, unmatched, err := lex.ProcessWord(word, env)
	if err != nil {
		return nil, false
	}
	out := make([]string, 0, len(unmatched))
	for k := range unmatched {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, true
}

// styleHasDefault reports whether word uses name only with a default or
// alternative (${name:-x}, ${name+x}, ${name?msg}): unset is handled.
func styleHasDefault(word, name string) bool {
	re := regexp.MustCompile(`\$\{` + regexp.QuoteMeta(name) + `:?[-+?]`)
	return re.MatchString(word)
}

// styleArgKeys returns the names declared by an ARG instruction.
func styleArgKeys(in *df.Instruction) []string {
	var out []string
	for _, a := range in.Args {
		k, _, _ := strings.Cut(a.Value, "=")
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// styleDistance is the Levenshtein distance of a and b.
func styleDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// styleOp is a shell operator position, usable with Script.Span.
type styleOp struct{ pos syntax.Pos }

func (o styleOp) Pos() syntax.Pos { return o.pos }
func (o styleOp) End() syntax.Pos {
	return syntax.NewPos(o.pos.Offset()+1, o.pos.Line(), o.pos.Col()+1)
}

// ---------------------------------------------------------------------------
// DF040 cmd-shell-form

// styleShellBuiltins are shell builtins with no program of the same name:
// they cannot run in exec form.
var styleShellBuiltins = map[string]bool{
	"cd": true, "source": true, ".": true, "export": true, "set": true, "unset": true, "ulimit": true,
	"umask": true, "alias": true, "eval": true, "exec": true, "trap": true, "wait": true, "read": true,
	"shift": true, "exit": true, "return": true, "[[": true, "((": true, "let": true, "declare": true,
	"local": true, "readonly": true, "typeset": true, "shopt": true, "builtin": true, "function": true,
}

func styleShellForm(p *rule.Pass, f *df.File) {
	for _, s := range f.Stages {
		for _, in := range s.Instructions {
			if in.Cmd != "cmd" && in.Cmd != "entrypoint" || in.JSON {
				continue
			}
			if strings.TrimSpace(in.ArgText()) == "" || !f.ShellIsPOSIX(in) {
				continue
			}
			if _, ok := styleParseLenientJSON(strings.TrimSpace(in.ArgText())); ok {
				continue // DF041: meant as exec form
			}
			sc := in.Script
			if sc == nil || sc.AST == nil || len(sc.AST.Stmts) == 0 {
				continue
			}
			if styleEndsWithExec(sc.AST) {
				continue
			}
			kw := strings.ToUpper(in.Cmd)
			msg := "%s in shell form runs %q under /bin/sh -c, which does not forward SIGTERM to it"
			if in.Cmd == "entrypoint" {
				msg = "%s in shell form runs %q under /bin/sh -c, which does not forward SIGTERM and ignores CMD and run arguments"
			}
			words, ok := styleExecWords(sc)
			if ok && len(in.Heredocs) == 0 && !styleHasCommentLines(f, in) && styleSpanHolds(f, in.ArgsSpan, in.ArgText()) {
				// Converting changes how CMD and ENTRYPOINT combine; only fix
				// when the other one is absent from the stage.
				other := "entrypoint"
				if in.Cmd == "entrypoint" {
					other = "cmd"
				}
				if !styleChainHas(f, s, other) {
					fx := replace("Rewrite "+kw+" in exec form", in.ArgsSpan, styleJSONArray(words))
					reportFix(p, f, in.ArgsSpan, fx, msg, kw, styleShort(in.ArgText()))
					continue
				}
			}
			report(p, f, in.ArgsSpan, msg, kw, styleShort(in.ArgText()))
		}
	}
}

// styleEndsWithExec reports whether the script's last statement is a plain
// `exec program ...`, which hands PID 1 to the program.
func styleEndsWithExec(f *syntax.File) bool {
	st := f.Stmts[len(f.Stmts)-1]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Background || st.Negated || len(call.Args) < 2 {
		return false
	}
	lit := call.Args[0].Lit()
	return lit == "exec"
}

// styleExecWords returns the words of a script that is one simple command
// of literal words whose meaning does not depend on the shell.
func styleExecWords(sc *df.Script) ([]string, bool) {
	f := sc.AST
	if len(f.Stmts) != 1 || len(f.Last) > 0 {
		return nil, false
	}
	st := f.Stmts[0]
	if st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 || len(st.Comments) > 0 {
		return nil, false
	}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(call.Assigns) > 0 || len(call.Args) == 0 {
		return nil, false
	}
	var out []string
	for _, w := range call.Args {
		var b strings.Builder
		for _, part := range w.Parts {
			switch pt := part.(type) {
			case *syntax.Lit:
				if strings.ContainsAny(pt.Value, "*?[]{}~\\") {
					return nil, false
				}
				b.WriteString(pt.Value)
			case *syntax.SglQuoted:
				if pt.Dollar {
					return nil, false
				}
				b.WriteString(pt.Value)
			case *syntax.DblQuoted:
				if pt.Dollar {
					return nil, false
				}
				for _, q := range pt.Parts {
					l, ok := q.(*syntax.Lit)
					if !ok || strings.Contains(l.Value, "\\") {
						return nil, false
					}
					b.WriteString(l.Value)
				}
			default:
				return nil, false
			}
		}
		out = append(out, b.String())
	}
	if styleShellBuiltins[out[0]] || out[0] == "" {
		return nil, false
	}
	return out, true
}

// ---------------------------------------------------------------------------
// DF041 exec-form-invalid-json

// styleJSONish is an array that was meant as exec form.
type styleJSONish struct {
	elems []string
	// problem names what makes it invalid JSON; clean says a fix can
	// rebuild it without guessing.
	problem string
	clean   bool
}

// styleParseLenientJSON parses s as an array of quoted strings, accepting
// single quotes, missing and trailing commas. ok is false when s is not
// such an array, or when it is valid JSON.
func styleParseLenientJSON(s string) (styleJSONish, bool) {
	var r styleJSONish
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return r, false
	}
	var problems []string
	add := func(p string) {
		for _, q := range problems {
			if q == p {
				return
			}
		}
		problems = append(problems, p)
	}
	clean := true
	i := 1
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	expectElem := true
	sawComma := false
	for {
		skip()
		if i >= len(s) {
			return r, false
		}
		c := s[i]
		switch {
		case c == ']':
			if i != len(s)-1 {
				return r, false
			}
			if sawComma && len(r.elems) > 0 {
				add("a trailing comma")
			}
			if len(problems) == 0 {
				return r, false // valid JSON (or close enough that BuildKit took it)
			}
			r.problem = strings.Join(problems, " and ")
			r.clean = clean
			return r, true
		case c == ',':
			if expectElem && !sawComma && len(r.elems) == 0 {
				return r, false // "[," is not an array of strings
			}
			if sawComma {
				return r, false
			}
			sawComma = true
			expectElem = true
			i++
		case c == '"' || c == '\'':
			if !expectElem {
				add("a missing comma")
			}
			j := i + 1
			escaped := false
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			if j >= len(s) {
				return r, false
			}
			raw := s[i+1 : j]
			if c == '\'' {
				add("single quotes")
				if escaped || strings.Contains(raw, `"`) {
					clean = false
				}
				r.elems = append(r.elems, raw)
			} else {
				var v string
				if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
					add("an invalid escape")
					clean = false
					v = raw
				}
				r.elems = append(r.elems, v)
			}
			i = j + 1
			expectElem = false
			sawComma = false
		default:
			return r, false
		}
	}
}

func styleInvalidJSON(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		switch in.Cmd {
		case "run", "cmd", "entrypoint", "shell", "volume", "copy", "add":
		default:
			continue
		}
		if in.JSON || len(in.Heredocs) > 0 {
			continue
		}
		arr, ok := styleParseLenientJSON(strings.TrimSpace(in.ArgText()))
		if !ok {
			continue
		}
		kw := strings.ToUpper(in.Cmd)
		effect := "so it runs as a shell command"
		switch in.Cmd {
		case "shell":
			effect = "and SHELL requires JSON: the build fails"
		case "volume":
			effect = "so it declares volumes named after the text"
		case "copy", "add":
			effect = "so the brackets and quotes become part of the paths"
		}
		if arr.clean && !styleHasCommentLines(f, in) && styleSpanHolds(f, in.ArgsSpan, in.ArgText()) {
			fx := replace("Rewrite as a JSON array", in.ArgsSpan, styleJSONArray(arr.elems))
			reportFix(p, f, in.ArgsSpan, fx, "%s array is not valid JSON (%s), %s", kw, arr.problem, effect)
			continue
		}
		report(p, f, in.ArgsSpan, "%s array is not valid JSON (%s), %s", kw, arr.problem, effect)
	}
}

// ---------------------------------------------------------------------------
// DF042-DF044 multiple CMD / ENTRYPOINT / HEALTHCHECK

func styleMultiple(cmd string) func(p *rule.Pass, f *df.File) {
	return func(p *rule.Pass, f *df.File) {
		kw := strings.ToUpper(cmd)
		for _, s := range f.Stages {
			list := instructions(f, s, cmd)
			if len(list) < 2 {
				continue
			}
			last := list[len(list)-1]
			for _, in := range list[:len(list)-1] {
				report(p, f, keywordSpan(in), "%s at line %d has no effect: the %s at line %d replaces it", kw, in.StartLine, kw, last.StartLine)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// DF045 healthcheck-missing

func styleHealthcheckMissing(p *rule.Pass, f *df.File) {
	s := f.FinalStage()
	if s == nil || styleChainHas(f, s, "healthcheck") {
		return
	}
	if buildOutputOnly(f, s) {
		return // a build-output image, not a service
	}
	report(p, f, s.ImageSpan, "final stage (based on %q) has no HEALTHCHECK", s.Image)
}

// ---------------------------------------------------------------------------
// DF046 maintainer-deprecated

func styleMaintainer(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		if in.Cmd != "maintainer" {
			continue
		}
		val := strings.TrimSpace(in.ArgText())
		if val == "" || styleHasCommentLines(f, in) || !styleSpanHolds(f, in.ArgsSpan, val) {
			report(p, f, keywordSpan(in), "MAINTAINER is deprecated; use the org.opencontainers.image.authors label")
			continue
		}
		// A value wrapped whole in double quotes meant the quotes as
		// delimiters; keep the text inside.
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' && !strings.Contains(val[1:len(val)-1], `"`) {
			val = val[1 : len(val)-1]
		}
		esc := string(f.Escape)
		var b strings.Builder
		for _, r := range val {
			if string(r) == esc || r == '"' || r == '$' {
				b.WriteString(esc)
			}
			b.WriteRune(r)
		}
		label := styleSameCase(in.Keyword, "LABEL") + ` org.opencontainers.image.authors="` + b.String() + `"`
		fx := replace("Replace MAINTAINER with the OCI authors label", df.Span{Start: in.Span.Start, End: in.ArgsSpan.End}, label)
		reportFix(p, f, keywordSpan(in), fx, "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors")
	}
}

// ---------------------------------------------------------------------------
// DF047 onbuild-forbidden-trigger

func styleOnbuildTrigger(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		if in.OnBuild == nil {
			continue
		}
		switch in.OnBuild.Cmd {
		case "onbuild", "from", "maintainer":
			report(p, f, keywordSpan(in.OnBuild), "ONBUILD cannot trigger %s: BuildKit rejects the Dockerfile", strings.ToUpper(in.OnBuild.Cmd))
		}
	}
}

// ---------------------------------------------------------------------------
// DF048 env-self-reference

// styleDefinedBefore returns the names ARG and ENV define before in,
// in its stage and the stages it builds on.
func styleDefinedBefore(f *df.File, in *df.Instruction) styleEnv {
	env := styleEnv{}
	for _, x := range styleBefore(in) {
		switch x.Cmd {
		case "arg":
			for _, k := range styleArgKeys(x) {
				env[k] = true
			}
		case "env":
			for _, kv := range styleKeyValues(f, x) {
				env[kv.key] = true
			}
		}
	}
	return env
}

func styleEnvSelfReference(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		if in.Cmd != "env" || in.Stage == nil {
			continue
		}
		pairs := styleKeyValues(f, in)
		if len(pairs) < 2 {
			continue
		}
		defined := styleDefinedBefore(f, in)
		keys := map[string]bool{}
		for _, kv := range pairs {
			keys[kv.key] = true
		}
		for _, kv := range pairs {
			refs, ok := styleUnmatched(f, kv.value, styleEnv{})
			if !ok {
				continue
			}
			for _, name := range refs {
				if !keys[name] || name == kv.key || defined[name] {
					continue
				}
				report(p, f, kv.valueSpan, "ENV %s uses $%s, which the same ENV defines: it gets the value from before this instruction", kv.key, name)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// DF049 legacy-key-value

func styleLegacyKeyValue(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		if in.Cmd != "env" && in.Cmd != "label" {
			continue
		}
		pairs := styleKeyValues(f, in)
		if len(pairs) != 1 || !pairs[0].legacy {
			continue
		}
		kv := pairs[0]
		kw := strings.ToUpper(in.Cmd)
		msg := fmt.Sprintf("%s %s uses the legacy \"key value\" form; write %s=...", kw, kv.key, kv.key)
		if styleHasCommentLines(f, in) || strings.Contains(kv.key, "=") || !styleSpanHolds(f, kv.span, kv.key+" "+kv.value) {
			report(p, f, kv.keySpan, "%s", msg)
			continue
		}
		var val string
		esc := string(f.Escape)
		switch {
		case len(styleSplitWords(kv.value, f.Escape)) == 1:
			val = kv.value // one word: the same text lexes the same way
		case !strings.ContainsAny(kv.value, `"'`) && !strings.Contains(kv.value, esc):
			val = `"` + kv.value + `"`
		default:
			report(p, f, kv.keySpan, "%s", msg)
			continue
		}
		// Offer the fix only when the rewritten instruction parses to the
		// same key and value.
		// reportFix re-parses the fixed instruction; a key with quotes or
		// blanks could parse to another key, so it gets no fix at all.
		if strings.ContainsAny(kv.key, "\"'` \t\\") {
			report(p, f, kv.keySpan, "%s", msg)
			continue
		}
		fx := replace("Use key=value", kv.span, kv.key+"="+val)
		reportFix(p, f, kv.keySpan, fx, "%s", msg)
	}
}

// ---------------------------------------------------------------------------
// DF050 undefined-variable

// stylePlatformArgs are the automatic platform ARGs BuildKit provides to a
// stage only once it declares them.
var stylePlatformArgs = map[string]bool{
	"TARGETPLATFORM": true, "TARGETOS": true, "TARGETARCH": true, "TARGETVARIANT": true,
	"BUILDPLATFORM": true, "BUILDOS": true, "BUILDARCH": true, "BUILDVARIANT": true,
}

// styleWellKnownEnv are variables images and runtimes commonly set that a
// near-miss suggestion must not be offered for.
var styleWellKnownEnv = map[string]bool{
	"PATH": true, "HOME": true, "USER": true, "PWD": true, "HOSTNAME": true, "SHELL": true, "LANG": true,
	"LC_ALL": true, "TERM": true, "TZ": true,
}

// styleExpanded returns the raw words of in that BuildKit expands, except
// ARG, which is handled in order.
func styleExpanded(f *df.File, in *df.Instruction) []styleWord {
	var out []styleWord
	spanWord := func(text string, sp df.Span) styleWord {
		return styleWord{text: text, start: sp.Start, end: sp.End}
	}
	flags := func(names ...string) {
		for _, fl := range in.Flags {
			for _, n := range names {
				if fl.Name == n {
					out = append(out, spanWord(fl.Value, fl.Span))
				}
			}
		}
	}
	switch in.Cmd {
	case "copy", "add":
		flags("chown", "chmod", "checksum")
		for _, a := range in.Args {
			if len(in.Heredocs) > 0 && strings.HasPrefix(a.Value, "<<") {
				continue
			}
			out = append(out, spanWord(a.Value, a.Span))
		}
	case "env", "label":
		for _, kv := range styleKeyValues(f, in) {
			out = append(out, spanWord(kv.key, kv.keySpan), spanWord(kv.value, kv.valueSpan))
		}
	case "workdir", "user", "volume", "stopsignal":
		for _, a := range in.Args {
			out = append(out, spanWord(a.Value, a.Span))
		}
	case "run":
		flags("mount")
	}
	return out
}

func styleUndefinedVar(p *rule.Pass, f *df.File) {
	globals := map[string]bool{}
	for _, in := range f.GlobalArgs {
		for _, k := range styleArgKeys(in) {
			globals[k] = true
		}
	}
	atEnd := map[*df.Stage]styleEnv{}
	for _, s := range f.Stages {
		env := styleEnv{}
		if s.BaseStage != nil {
			env = atEnd[s.BaseStage].clone()
		}
		chain := s.Chain()
		scratch := strings.EqualFold(chain[0].Image, "scratch")
		if scratch {
			env["PATH"] = true // BuildKit's default for an empty image
		}
		// Variables the FROM lines refer to may well be set by the base
		// image too (ARG PYTHON_VERSION / FROM python:${PYTHON_VERSION}).
		fromRefs := styleEnv{}
		for _, st := range chain {
			if names, ok := styleUnmatched(f, st.Image, styleEnv{}); ok {
				for _, n := range names {
					fromRefs[n] = true
				}
			}
		}
		why := func(name string) string {
			switch {
			case stylePlatformArgs[name]:
				return fmt.Sprintf("$%s is not declared in this stage: automatic platform ARGs need `ARG %s` after FROM", name, name)
			case globals[name] && !fromRefs[name]:
				return fmt.Sprintf("$%s is a global ARG, which is not visible in the stage until it is redeclared with `ARG %s`", name, name)
			}
			var best string
			bestDist := 3
			for _, k := range env.Keys() {
				d := styleDistance(name, k)
				if strings.EqualFold(name, k) {
					d = 0
				}
				limit := 1
				if len(name) > 6 {
					limit = 2
				}
				if d <= limit && d < bestDist {
					best, bestDist = k, d
				}
			}
			switch {
			case best != "" && !styleWellKnownEnv[name] && len(name) >= 3:
				return fmt.Sprintf("$%s is not defined (did you mean $%s?)", name, best)
			case scratch:
				return fmt.Sprintf("$%s is not defined in this stage and expands to an empty string", name)
			}
			return ""
		}
		for _, in := range s.Instructions[1:] {
			reported := map[string]bool{}
			checkWord := func(w styleWord, env styleEnv, skip map[string]bool) {
				names, ok := styleUnmatched(f, w.text, env)
				if !ok {
					return
				}
				for _, n := range names {
					if reported[n] || skip[n] || styleHasDefault(w.text, n) {
						continue
					}
					if msg := why(n); msg != "" {
						reported[n] = true
						report(p, f, df.Span{Start: w.start, End: w.end}, "%s", msg)
					}
				}
			}
			switch in.Cmd {
			case "arg":
				for _, a := range in.Args {
					k, v, hasValue := strings.Cut(a.Value, "=")
					if hasValue {
						checkWord(styleWord{text: v, start: a.Span.Start, end: a.Span.End}, env, nil)
					}
					env[k] = true
				}
			case "env":
				own := map[string]bool{} // DF048 reports these
				pairs := styleKeyValues(f, in)
				for _, kv := range pairs {
					own[kv.key] = true
				}
				for _, w := range styleExpanded(f, in) {
					checkWord(w, env, own)
				}
				for _, kv := range pairs {
					env[kv.key] = true
				}
			default:
				for _, w := range styleExpanded(f, in) {
					checkWord(w, env, nil)
				}
			}
		}
		atEnd[s] = env
	}
}

// ---------------------------------------------------------------------------
// DF051 pipe-without-pipefail

// stylePipefailArgs reports whether shell or set arguments turn pipefail
// on (-o pipefail, -eo pipefail, -euxo pipefail).
func stylePipefailArgs(args []string) bool {
	for i, a := range args {
		if a == "-opipefail" {
			return true
		}
		if a != "pipefail" || i == 0 {
			continue
		}
		prev := args[i-1]
		if prev == "-o" || len(prev) > 1 && prev[0] == '-' && prev[1] != '-' && strings.HasSuffix(prev, "o") {
			return true
		}
	}
	return false
}

// stylePipeSafe are programs whose failure in a pipe cannot matter.
var stylePipeSafe = map[string]bool{"echo": true, "printf": true, "yes": true, "true": true, ":": true}

func stylePipefail(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		if in.Cmd != "run" || in.Script == nil || in.Script.AST == nil || !f.ShellIsPOSIX(in) {
			continue
		}
		shellOn := false
		for _, x := range styleBefore(in) {
			if x.Cmd == "shell" {
				var args []string
				for _, a := range x.Args {
					args = append(args, a.Value)
				}
				shellOn = stylePipefailArgs(args)
			}
		}
		if shellOn {
			continue
		}
		sc := in.Script
		byCall := map[*syntax.CallExpr]*df.Command{}
		setAt := -1 // offset of the first `set -o pipefail`
		for _, c := range sc.Commands {
			byCall[c.Call] = c
			if c.Name == "set" && setAt < 0 {
				var args []string
				for _, a := range c.Args {
					args = append(args, a.Value)
				}
				if stylePipefailArgs(args) {
					setAt = int(c.Call.Pos().Offset())
				}
			}
		}
		// A pipe inside a command substitution only matters when the
		// substitution is a bare assignment (X=$(a | b)), whose status
		// is the command's; as an argument its status is lost anyway.
		counted := map[syntax.Node]bool{}
		var substs []syntax.Node
		syntax.Walk(sc.AST, func(n syntax.Node) bool {
			switch n := n.(type) {
			case *syntax.CallExpr:
				if len(n.Args) == 0 {
					for _, a := range n.Assigns {
						if a.Value != nil {
							styleMarkSubsts(a.Value, counted)
						}
					}
				}
			case *syntax.CmdSubst, *syntax.ProcSubst:
				substs = append(substs, n)
			}
			return true
		})
		// Find the pipelines, outermost only.
		inner := map[*syntax.BinaryCmd]bool{}
		var pipes []*syntax.BinaryCmd
		syntax.Walk(sc.AST, func(n syntax.Node) bool {
			b, ok := n.(*syntax.BinaryCmd)
			if !ok || b.Op != syntax.Pipe && b.Op != syntax.PipeAll {
				return true
			}
			for _, sub := range substs {
				if !counted[sub] && sub.Pos().Offset() < b.Pos().Offset() && b.End().Offset() <= sub.End().Offset() {
					return true
				}
			}
			for _, side := range []*syntax.Stmt{b.X, b.Y} {
				if c, ok := side.Cmd.(*syntax.BinaryCmd); ok && (c.Op == syntax.Pipe || c.Op == syntax.PipeAll) {
					inner[c] = true
				}
			}
			if !inner[b] {
				pipes = append(pipes, b)
			}
			return true
		})
		for _, b := range pipes {
			if setAt >= 0 && int(b.Pos().Offset()) > setAt {
				continue
			}
			stages, ops := styleFlattenPipe(b, nil, nil)
			name, op := "", syntax.Pos{}
			for i, st := range stages[:len(stages)-1] {
				if styleSafeStage(st, byCall) {
					continue
				}
				call, ok := st.Cmd.(*syntax.CallExpr)
				name, op = "a command", ops[i]
				if ok && byCall[call] != nil {
					name = byCall[call].Name
				}
				break
			}
			if name == "" {
				continue
			}
			last := "the last command"
			if call, ok := stages[len(stages)-1].Cmd.(*syntax.CallExpr); ok && byCall[call] != nil {
				last = byCall[call].Name
			}
			report(p, f, sc.Span(styleOp{op}), "pipe without pipefail: if %s fails, the RUN still succeeds when %s does", name, last)
			break // one finding per RUN
		}
	}
}

// styleMarkSubsts marks the command substitutions that make up a word.
func styleMarkSubsts(w *syntax.Word, marks map[syntax.Node]bool) {
	for _, part := range w.Parts {
		switch pt := part.(type) {
		case *syntax.CmdSubst:
			marks[pt] = true
		case *syntax.DblQuoted:
			for _, q := range pt.Parts {
				if cs, ok := q.(*syntax.CmdSubst); ok {
					marks[cs] = true
				}
			}
		}
	}
}

// styleSafeStage reports whether every command a pipeline stage runs is
// one that cannot fail (echo, printf, ...), as in `{ echo a; echo b; } | tee f`.
// Commands inside substitutions do not count: their status is lost.
func styleSafeStage(st *syntax.Stmt, byCall map[*syntax.CallExpr]*df.Command) bool {
	safe, seen := true, false
	syntax.Walk(st, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			return false
		case *syntax.CallExpr:
			if len(n.Args) == 0 {
				return true // assignments only
			}
			seen = true
			if c := byCall[n]; c == nil || !stylePipeSafe[c.Name] {
				safe = false
			}
		}
		return safe
	})
	return safe && seen
}

// styleFlattenPipe lists the stages of a pipeline and the operator after
// each stage but the last.
func styleFlattenPipe(b *syntax.BinaryCmd, stages []*syntax.Stmt, ops []syntax.Pos) ([]*syntax.Stmt, []syntax.Pos) {
	if x, ok := b.X.Cmd.(*syntax.BinaryCmd); ok && (x.Op == syntax.Pipe || x.Op == syntax.PipeAll) && len(b.X.Redirs) == 0 {
		stages, ops = styleFlattenPipe(x, stages, ops)
	} else {
		stages = append(stages, b.X)
	}
	ops = append(ops, b.OpPos)
	if y, ok := b.Y.Cmd.(*syntax.BinaryCmd); ok && (y.Op == syntax.Pipe || y.Op == syntax.PipeAll) && len(b.Y.Redirs) == 0 {
		return styleFlattenPipe(y, stages, ops)
	}
	return append(stages, b.Y), ops
}

// ---------------------------------------------------------------------------
// DF052 shell-symlink

func styleShellSymlink(p *rule.Pass, f *df.File) {
	commands(f, func(in *df.Instruction, c *df.Command) {
		if c.Name != "ln" || !f.ShellIsPOSIX(in) {
			return
		}
		pos := c.Positionals("-t", "--target-directory", "-S", "--suffix")
		if len(pos) < 2 {
			return
		}
		last := pos[len(pos)-1]
		if !last.Literal {
			return
		}
		switch path.Clean(last.Value) {
		case "/bin/sh", "/usr/bin/sh":
			report(p, f, last.Span, "ln replaces %s; use SHELL to change the shell of RUN instructions", last.Value)
		}
	})
}

// ---------------------------------------------------------------------------
// DF053 consecutive-run

// styleRunSize counts the commands of a RUN; a script that does not parse
// counts as large, so it is never reported.
func styleRunSize(in *df.Instruction) int {
	switch {
	case in.JSON:
		return 1
	case in.Script == nil || in.Script.AST == nil:
		return 99
	}
	return len(in.Script.Commands)
}

func styleRunFlags(in *df.Instruction) string {
	var parts []string
	for _, fl := range in.Flags {
		parts = append(parts, fl.Name+"="+fl.Value)
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func styleConsecutiveRun(p *rule.Pass, f *df.File) {
	var prev *df.Instruction
	for _, in := range f.Instructions {
		if in.Cmd != "run" {
			prev = nil
			continue
		}
		if prev != nil && styleRunFlags(prev) == styleRunFlags(in) && styleRunSize(prev) <= 2 && styleRunSize(in) <= 2 {
			report(p, f, keywordSpan(in), "RUN follows the RUN at line %d with the same flags; merge them into one layer", prev.StartLine)
		}
		prev = in
	}
}

// ---------------------------------------------------------------------------
// DF054 instruction-casing

// styleKnownInstructions are the instructions BuildKit accepts.
var styleKnownInstructions = map[string]bool{
	"add": true, "arg": true, "cmd": true, "copy": true, "entrypoint": true, "env": true,
	"expose": true, "from": true, "healthcheck": true, "label": true, "maintainer": true,
	"onbuild": true, "run": true, "shell": true, "stopsignal": true, "user": true,
	"volume": true, "workdir": true,
}

func styleCasing(p *rule.Pass, f *df.File) {
	lower, upper := 0, 0
	for _, in := range f.Instructions {
		if !styleKnownInstructions[in.Cmd] {
			continue
		}
		switch in.Keyword {
		case strings.ToLower(in.Keyword):
			lower++
		case strings.ToUpper(in.Keyword):
			upper++
		}
	}
	want, conv := "upper case", strings.ToUpper
	if lower > upper {
		want, conv = "lower case", strings.ToLower
	}
	check := func(in *df.Instruction) {
		if !styleKnownInstructions[in.Cmd] || in.Keyword == conv(in.Keyword) {
			return
		}
		sp := keywordSpan(in)
		fx := replace("Write "+conv(in.Keyword), sp, conv(in.Keyword))
		reportFix(p, f, sp, fx, "instruction %q should be %s like most of the file", in.Keyword, want)
	}
	for _, in := range f.Instructions {
		check(in)
		if in.OnBuild != nil {
			check(in.OnBuild)
		}
	}
}

// ---------------------------------------------------------------------------
// DF055 empty-continuation-line

// styleLineStarts returns the offset of each line, 1-based (index 0 unused).
func styleLineStarts(src []byte) []int {
	starts := []int{0, 0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func styleEmptyContinuation(p *rule.Pass, f *df.File) {
	var starts []int
	done := map[*df.Instruction]bool{}
	for _, w := range f.Warnings {
		if !strings.HasPrefix(w.Message, "Empty continuation line") {
			continue
		}
		in := f.InstructionAt(w.Line)
		if in == nil || done[in] {
			continue
		}
		done[in] = true
		if starts == nil {
			starts = styleLineStarts(f.Source)
		}
		text := in.Text()
		lastLine := in.StartLine
		if len(text) > 0 {
			lastLine = f.Position(in.LogicalSpan(len(text)-1, len(text)).Start).Line
		}
		var blank []int
		for ln := in.StartLine + 1; ln < lastLine; ln++ {
			if strings.TrimSpace(f.Line(ln)) == "" {
				blank = append(blank, ln)
			}
		}
		kw := strings.ToUpper(in.Cmd)
		if len(blank) == 0 {
			report(p, f, keywordSpan(in), "%s continues over an empty line", kw)
			continue
		}
		fx := finding.Fix{Title: "Remove the empty continuation lines"}
		for _, ln := range blank {
			end := len(f.Source)
			if ln+1 < len(starts) {
				end = starts[ln+1]
			}
			fx.Edits = append(fx.Edits, finding.Edit{Start: starts[ln], End: end})
		}
		reportFix(p, f, keywordSpan(in), fx, "%s continues over an empty line (line %d)", kw, blank[0])
	}
}

// ---------------------------------------------------------------------------
// DF056 label-key-invalid

// styleLabelKeyProblem explains why a label key breaks Docker's format,
// or returns "".
func styleLabelKeyProblem(k string) string {
	for _, ns := range []string{"com.docker.", "io.docker.", "org.dockerproject."} {
		if strings.HasPrefix(k, ns) {
			return "uses the reserved " + strings.TrimSuffix(ns, ".") + " namespace"
		}
	}
	for _, r := range k {
		switch {
		case r >= 'A' && r <= 'Z':
			return "has upper-case letters"
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
		default:
			return fmt.Sprintf("contains %q", r)
		}
	}
	switch {
	case k == "":
		return "is empty"
	case k[0] < 'a' || k[0] > 'z':
		return "does not start with a letter"
	case !(k[len(k)-1] >= 'a' && k[len(k)-1] <= 'z' || k[len(k)-1] >= '0' && k[len(k)-1] <= '9'):
		return "does not end with a letter or digit"
	case strings.Contains(k, "..") || strings.Contains(k, "--"):
		return "repeats a separator"
	}
	return ""
}

func styleLabelKeys(p *rule.Pass, f *df.File) {
	for _, in := range f.Instructions {
		if in.Cmd != "label" {
			continue
		}
		for _, kv := range styleKeyValues(f, in) {
			if strings.Contains(kv.key, "$") {
				continue // unknown until expanded
			}
			key, _, err := shell.NewLex(f.Escape).ProcessWord(kv.key, styleEnv{})
			if err != nil {
				continue
			}
			if why := styleLabelKeyProblem(key); why != "" {
				report(p, f, kv.keySpan, "label key %q %s", key, why)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// DF058 instruction-invalid

func styleInstructionInvalid(p *rule.Pass, f *df.File) {
	if !styleStandardFrontend(f) {
		return
	}
	// A linter that warns nowhere: instructions.ParseInstruction passes a
	// nil one, which panics on a "# check=..." comment before the node.
	lint := linter.New(&linter.Config{})
	for _, in := range f.Instructions {
		if in.Cmd == "onbuild" {
			// The ONBUILD itself only fails for triggers DF047 reports;
			// check the trigger as the builds using the image will.
			if in.OnBuild != nil && in.OnBuild.Cmd != "onbuild" && in.OnBuild.Cmd != "from" && in.OnBuild.Cmd != "maintainer" {
				styleReportInvalid(p, f, in.OnBuild, lint, "ONBUILD ")
			}
			continue
		}
		styleReportInvalid(p, f, in, lint, "")
	}
}

// styleReportInvalid parses one instruction with BuildKit and reports its
// error at the keyword, or at the flag at fault.
func styleReportInvalid(p *rule.Pass, f *df.File, in *df.Instruction, lint *linter.Linter, prefix string) {
	err := styleBuildkitParse(in.Node, in.Node.Flags, lint)
	if err == nil {
		return
	}
	if in.Cmd == "shell" && !in.JSON {
		if _, ok := styleParseLenientJSON(strings.TrimSpace(in.ArgText())); ok {
			return // DF041 reports the almost-JSON array
		}
	}
	msg := strings.TrimSpace(err.Error())
	var unknown *bkinstructions.UnknownInstructionError
	if errors.As(err, &unknown) {
		report(p, f, keywordSpan(in), "%s%s", prefix, msg)
		return
	}
	span := keywordSpan(in)
	if k := styleBadFlag(in, lint); k >= 0 && k < len(in.Flags) {
		span = in.Flags[k].Span
	} else if in.Cmd == "from" && in.Stage != nil && in.Stage.From == in && in.Stage.Name != "" && strings.HasPrefix(msg, "invalid name for build stage") {
		span = in.Stage.NameSpan
	}
	kw := strings.ToUpper(in.Cmd)
	if strings.HasPrefix(msg, kw+" ") {
		report(p, f, span, "%s%s", prefix, msg) // BuildKit's message names the instruction
		return
	}
	report(p, f, span, "%s%s: %s", prefix, kw, msg)
}

// styleBadFlag returns the index of the first flag that makes BuildKit
// reject the instruction (parsing with the flags before it succeeds, with
// it fails), or -1 when the instruction fails without flags too.
func styleBadFlag(in *df.Instruction, lint *linter.Linter) int {
	flags := in.Node.Flags
	if len(flags) == 0 || len(in.Flags) != len(flags) || styleBuildkitParse(in.Node, nil, lint) != nil {
		return -1
	}
	for k := range flags {
		if styleBuildkitParse(in.Node, flags[:k+1], lint) != nil {
			return k
		}
	}
	return -1
}

// styleBuildkitParse runs BuildKit's instruction parser on a copy of node
// with the given flags. BuildKit checks RUN --mount values only when it
// expands them at build time; when no flag holds a variable they are
// checked here too, expanded to themselves. A panic inside BuildKit is not
// a finding.
func styleBuildkitParse(node *parser.Node, flags []string, lint *linter.Linter) (err error) {
	defer func() {
		if recover() != nil {
			err = nil
		}
	}()
	n := *node
	n.Flags = flags
	v, err := bkinstructions.ParseInstructionWithLinter(&n, lint)
	if err != nil {
		return err
	}
	if run, ok := v.(*bkinstructions.RunCommand); ok && !strings.Contains(strings.Join(flags, " "), "$") {
		return run.Expand(func(word string) (string, error) { return word, nil })
	}
	return nil
}

// styleStandardFrontend reports whether the file is built by the standard
// Dockerfile frontend: no syntax directive, or one naming
// docker/dockerfile or docker/dockerfile-upstream.
func styleStandardFrontend(f *df.File) bool {
	d, ok := f.Directives["syntax"]
	if !ok {
		return true
	}
	ref := strings.ToLower(strings.TrimSpace(d.Value))
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	ref = strings.TrimPrefix(strings.TrimPrefix(ref, "docker.io/"), "index.docker.io/")
	return ref == "docker/dockerfile" || ref == "docker/dockerfile-upstream"
}
