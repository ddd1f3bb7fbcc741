package dockerfile

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/patternmatcher"
	"mvdan.cc/sh/v3/syntax"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

// supplyRules builds the supply-chain rules: code and packages fetched
// without verification, verification switched off, unsafe permissions and
// secrets or whole build contexts copied into the image.
func supplyRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "DF070", Slug: "remote-script-exec", Kind: rule.Dockerfile, Severity: finding.High,
			Title: "script downloaded and run without verification",
			Tags:  []string{"supply-chain", "cis-docker:4.12"},
			Why: "`curl ... | sh` runs whatever the server (or anyone between it and the build) returns at that moment, as root, " +
				"with nothing to check it against. The script can change between two builds of the same Dockerfile, and a " +
				"truncated download runs half a script.",
			Bad: "RUN curl -fsSL https://get.example.com/install.sh | sh",
			Good: "RUN curl -fsSLo /tmp/install.sh https://get.example.com/v1.2.3/install.sh \\\n" +
				"    && echo \"<sha256>  /tmp/install.sh\" | sha256sum -c - \\\n    && sh /tmp/install.sh && rm /tmp/install.sh",
			Remediation: "Download the script to a file from a versioned URL, verify it with `sha256sum -c` (or a signature) and only then run it; better still, install a pinned package or use `ADD --checksum=sha256:...`.",
			Check:       check(supplyCheckRemoteExec),
		},
		{
			ID: "DF071", Slug: "add-remote-no-checksum", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "ADD of a remote URL or Git repository without --checksum",
			Tags:  []string{"supply-chain", "cis-docker:4.12"},
			Why: "`ADD https://...` takes whatever the server returns at build time, and `ADD <git repo>#<branch or tag>` " +
				"whatever the ref points to; neither is checked unless `--checksum` pins the expected content.",
			Bad:         "ADD https://example.com/tool-1.2.3.tar.gz /tmp/",
			Good:        "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.2.3.tar.gz /tmp/",
			Remediation: "Add `--checksum=sha256:<digest>` to `ADD` of an HTTP(S) URL; for a Git repository pin the ref to a full commit SHA (`#<sha>`) or add `--checksum=<commit sha>`.",
			Check:       check(supplyCheckAddChecksum),
		},
		{
			ID: "DF072", Slug: "tls-verification-disabled", Kind: rule.Dockerfile, Severity: finding.High,
			Title: "TLS certificate verification turned off",
			Tags:  []string{"supply-chain", "cis-docker:4.11", "cis-docker:4.12"},
			Peers: []string{"checkov:CKV2_DOCKER_2", "checkov:CKV2_DOCKER_3", "checkov:CKV2_DOCKER_4", "checkov:CKV2_DOCKER_5",
				"checkov:CKV2_DOCKER_6", "checkov:CKV2_DOCKER_12", "checkov:CKV2_DOCKER_13", "checkov:CKV2_DOCKER_14",
				"checkov:CKV2_DOCKER_15", "checkov:CKV2_DOCKER_16", "checkov:CKV2_DOCKER_18"},
			Why: "Flags such as `curl -k`, `wget --no-check-certificate`, `pip --trusted-host` or `strict-ssl false` accept any " +
				"certificate, so anyone on the network path (a proxy, a hijacked DNS entry, a hostile Wi-Fi) can serve " +
				"the build their own code and packages.",
			Bad:         "RUN curl -fsSLk https://example.com/tool.tar.gz | tar xz",
			Good:        "COPY corp-ca.crt /usr/local/share/ca-certificates/\nRUN update-ca-certificates && curl -fsSL https://example.com/tool.tar.gz | tar xz",
			Remediation: "Remove the flag or setting; if the server uses a private CA, install that CA certificate in the image (for example with `update-ca-certificates`) instead of turning verification off.",
			Fixable:     true,
			Check:       check(supplyCheckTLS),
		},
		{
			ID: "DF073", Slug: "package-signature-check-disabled", Kind: rule.Dockerfile, Severity: finding.High,
			Title: "package signature verification turned off",
			Tags:  []string{"supply-chain", "cis-docker:4.11"},
			Peers: []string{"checkov:CKV2_DOCKER_7", "checkov:CKV2_DOCKER_8", "checkov:CKV2_DOCKER_9", "checkov:CKV2_DOCKER_10", "checkov:CKV2_DOCKER_11"},
			Why: "Package managers refuse packages and repositories whose signatures do not verify. " +
				"`--allow-unauthenticated`, `[trusted=yes]`, `--allow-untrusted`, `--nogpgcheck` or `gpgcheck=0` turn that off, " +
				"so a mirror, proxy or attacker can substitute any package.",
			Bad:         "RUN apt-get install -y --allow-unauthenticated curl",
			Good:        "RUN apt-get install -y --no-install-recommends curl",
			Remediation: "Remove the option and import the repository's signing key instead (for example into `/etc/apt/keyrings` with `signed-by=`, or with `rpm --import`).",
			Check:       check(supplyCheckSignatures),
		},
		{
			ID: "DF074", Slug: "world-writable-permissions", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "files or directories made world-writable",
			Tags:  []string{"supply-chain"},
			Why: "A world-writable file or directory can be changed by any user in the container: a compromised " +
				"unprivileged process can replace scripts, binaries or configuration that root or another user later runs.",
			Bad:         "RUN chmod -R 777 /app",
			Good:        "RUN chown -R 10001:10001 /app/data && chmod -R 750 /app/data",
			Remediation: "Give the directory to the user that needs to write it (`chown` or `COPY --chown`) and use a mode such as 755 or 750; use 1777 (sticky) only for shared temporary directories.",
			Check:       check(supplyCheckWorldWritable),
		},
		{
			ID: "DF075", Slug: "setuid-setgid-bit", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "setuid or setgid bit set on a file",
			Tags:  []string{"supply-chain", "cis-docker:4.8"},
			Why: "A setuid or setgid program runs with its owner's or group's privileges whatever user starts it; " +
				"in a container it is the usual way for an unprivileged process to become root.",
			Bad:         "RUN chmod u+s /usr/local/bin/tool",
			Good:        "RUN chmod 0755 /usr/local/bin/tool",
			Remediation: "Do not set setuid or setgid bits; grant the specific capability the program needs at run time instead, and consider removing existing ones with `find / -xdev -perm /6000 -type f -exec chmod a-s {} +`.",
			Check:       check(supplyCheckSetuid),
		},
		{
			ID: "DF076", Slug: "copy-context-no-dockerignore", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "whole build context copied with no .dockerignore beside the Dockerfile",
			Tags:  []string{"supply-chain", "seed:hard-coded-secrets"},
			Why: "`COPY . .` copies everything in the build context: without a `.dockerignore` that includes `.git` (history, " +
				"remote URLs with tokens), `.env` files, keys and local credentials, which then ship in an image layer. " +
				"The rule looks for `.dockerignore` (or `<Dockerfile name>.dockerignore`) beside the Dockerfile; when the build " +
				"context cannot be known (for example a `.dockerignore` in a parent folder suggests the context is that folder), it stays silent.",
			Bad:         "COPY . /app",
			Good:        "# with a .dockerignore listing .git, .env, *.pem, ...\nCOPY . /app",
			Remediation: "Add a `.dockerignore` beside the Dockerfile that excludes at least `.git`, `.env*`, key files and local build output, or copy only the paths the image needs.",
			Check:       check(supplyCheckContextNoIgnore),
		},
		{
			ID: "DF077", Slug: "dockerignore-misses-secrets", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: ".dockerignore does not exclude .git or .env",
			Tags:  []string{"supply-chain", "seed:hard-coded-secrets"},
			Why: "A `.dockerignore` exists, but `COPY . .` still copies `.git` (history and remote URLs, which can hold " +
				"tokens) or `.env` (local credentials) into the image because the ignore file does not exclude them.",
			Bad:         "# .dockerignore: node_modules\nCOPY . /app",
			Good:        "# .dockerignore: node_modules, .git, .env*\nCOPY . /app",
			Remediation: "Add `.git` and `.env*` (and any other local secret files) to the `.dockerignore`.",
			Check:       check(supplyCheckIgnoreGaps),
		},
		{
			ID: "DF078", Slug: "secret-file-copied", Kind: rule.Dockerfile, Severity: finding.High,
			Title: "file that looks like a secret copied into the image",
			Tags:  []string{"supply-chain", "seed:hard-coded-secrets", "cis-docker:4.10"},
			Peers: []string{"trivy:DS-0031"},
			Why: "Private keys, `.env` files, `.npmrc`, `.netrc`, cloud credentials and kubeconfigs copied with COPY or ADD stay in " +
				"an image layer even if a later step deletes them; anyone who can pull the image can extract them.",
			Bad:         "COPY .npmrc /app/\nRUN npm ci && rm /app/.npmrc",
			Good:        "RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci",
			Remediation: "Do not copy credential files: mount them for the one step that needs them with `RUN --mount=type=secret` (or `--mount=type=ssh` for SSH keys) and supply them at run time as mounted secrets.",
			Check:       check(supplyCheckSecretFiles),
		},
	}
}

// ---- iteration helpers ----

// supplyInstrs returns the instructions named by cmds, including those
// wrapped in ONBUILD.
func supplyInstrs(f *df.File, cmds ...string) []*df.Instruction {
	var out []*df.Instruction
	for _, in := range f.Instructions {
		for _, x := range []*df.Instruction{in, in.OnBuild} {
			if x == nil {
				continue
			}
			for _, c := range cmds {
				if x.Cmd == c {
					out = append(out, x)
				}
			}
		}
	}
	return out
}

// supplyScripts calls fn for every parsed shell script: RUN, CMD and
// ENTRYPOINT in shell form, also under ONBUILD. Scripts that failed to
// parse are skipped.
func supplyScripts(f *df.File, fn func(in *df.Instruction, s *df.Script)) {
	for _, in := range supplyInstrs(f, "run", "cmd", "entrypoint") {
		if in.Script == nil || in.Script.AST == nil {
			continue
		}
		fn(in, in.Script)
	}
}

// supplyCommands calls fn for every simple command of every parsed script.
func supplyCommands(f *df.File, fn func(in *df.Instruction, s *df.Script, c *df.Command)) {
	supplyScripts(f, func(in *df.Instruction, s *df.Script) {
		for _, c := range s.Commands {
			fn(in, s, c)
		}
	})
}

// supplyCallIndex maps each call node of a script to its command.
func supplyCallIndex(s *df.Script) map[*syntax.CallExpr]*df.Command {
	m := make(map[*syntax.CallExpr]*df.Command, len(s.Commands))
	for _, c := range s.Commands {
		m[c.Call] = c
	}
	return m
}

// supplyLastCall returns the command whose output a statement produces:
// the statement's own command or the last one of its pipeline.
func supplyLastCall(st *syntax.Stmt, idx map[*syntax.CallExpr]*df.Command) *df.Command {
	if st == nil || st.Negated || st.Background {
		return nil
	}
	switch x := st.Cmd.(type) {
	case *syntax.CallExpr:
		return idx[x]
	case *syntax.BinaryCmd:
		if x.Op == syntax.Pipe || x.Op == syntax.PipeAll {
			return supplyLastCall(x.Y, idx)
		}
	}
	return nil
}

// supplyFirstCall returns the command that reads a statement's input: its
// own command or the first one of its pipeline.
func supplyFirstCall(st *syntax.Stmt, idx map[*syntax.CallExpr]*df.Command) *df.Command {
	if st == nil {
		return nil
	}
	switch x := st.Cmd.(type) {
	case *syntax.CallExpr:
		return idx[x]
	case *syntax.BinaryCmd:
		if x.Op == syntax.Pipe || x.Op == syntax.PipeAll {
			return supplyFirstCall(x.X, idx)
		}
	}
	return nil
}

// supplyShortGroup reports whether v is a group of short options such as
// "-fsSL" (letters only).
func supplyShortGroup(v string) bool {
	if len(v) < 2 || v[0] != '-' || v[1] == '-' {
		return false
	}
	for _, r := range v[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// supplyOptValue returns the value of a short option (found alone, glued
// "-ofile", or at the end or middle of a group "-sSLo file", "-qO-") or of
// a long option ("--output file", "--output=file").
func supplyOptValue(args []df.Arg, short byte, long string) (string, bool) {
	v, _, ok := supplyOptValueAt(args, short, long)
	return v, ok
}

// supplyOptValueAt is supplyOptValue that also returns the index of the
// argument holding the value (-1 when the option ends the command).
func supplyOptValueAt(args []df.Arg, short byte, long string) (string, int, bool) {
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if v == "--" {
			break
		}
		next := func() (string, int, bool) {
			if i+1 < len(args) {
				return args[i+1].Value, i + 1, true
			}
			return "", -1, true
		}
		if long != "" {
			if v == long {
				return next()
			}
			if strings.HasPrefix(v, long+"=") {
				return v[len(long)+1:], i, true
			}
		}
		if short == 0 || len(v) < 2 || v[0] != '-' || v[1] == '-' {
			continue
		}
		for j := 1; j < len(v); j++ {
			c := v[j]
			if c == short {
				if j == len(v)-1 {
					return next()
				}
				return v[j+1:], i, true
			}
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				break
			}
		}
	}
	return "", -1, false
}

// supplyFindOpt returns the index of the first argument that is one of
// names (short names are also found in letter groups), or -1.
func supplyFindOpt(args []df.Arg, names ...string) int {
	for i, a := range args {
		v := a.Value
		if v == "--" {
			return -1
		}
		for _, n := range names {
			if v == n || strings.HasPrefix(n, "--") && strings.HasPrefix(v, n+"=") {
				return i
			}
			if len(n) == 2 && n[0] == '-' && n[1] != '-' && supplyShortGroup(v) && strings.IndexByte(v[1:], n[1]) >= 0 {
				return i
			}
		}
	}
	return -1
}

// supplyURL returns the first argument that looks like a URL, or "".
func supplyURL(c *df.Command) string {
	for _, a := range c.Args {
		if strings.Contains(a.Value, "://") {
			return a.Value
		}
	}
	return ""
}

// ---- DF070: remote script piped into an interpreter ----

var supplyShells = map[string]bool{"sh": true, "bash": true, "zsh": true, "ash": true, "dash": true, "ksh": true, "mksh": true, "fish": true}

var supplyPython = regexp.MustCompile(`^python[0-9.]*$`)

// supplyInterpreter classifies a command that can run code: its kind and
// the options that take inline code.
func supplyInterpreter(name string) (kind string, codeOpts []string, ok bool) {
	switch {
	case supplyShells[name]:
		return "shell", []string{"-c"}, true
	case supplyPython.MatchString(name):
		return "python", []string{"-c"}, true
	case name == "perl":
		return "perl", []string{"-e", "-E"}, true
	case name == "ruby":
		return "ruby", []string{"-e"}, true
	case name == "node" || name == "nodejs":
		return "node", []string{"-e", "--eval", "-p", "--print"}, true
	case name == "php":
		return "php", []string{"-r"}, true
	case name == "pwsh":
		return "pwsh", []string{"-c", "-Command", "-command"}, true
	}
	return "", nil, false
}

// supplyReadsStdinScript reports whether an interpreter command takes its
// program from standard input: no script file and no inline code, or "-".
func supplyReadsStdinScript(c *df.Command) bool {
	kind, codeOpts, ok := supplyInterpreter(c.Name)
	if !ok {
		return false
	}
	if supplyFindOpt(c.Args, codeOpts...) >= 0 {
		return false
	}
	var withValue []string
	switch kind {
	case "shell":
		if supplyFindOpt(c.Args, "-s") >= 0 {
			return true
		}
		withValue = []string{"-o", "-O", "--rcfile", "--init-file"}
	case "python":
		if supplyFindOpt(c.Args, "-m") >= 0 {
			return false
		}
		withValue = []string{"-W", "-X"}
	case "node":
		withValue = []string{"-r", "--require"}
	}
	takes := map[string]bool{}
	for _, o := range withValue {
		takes[o] = true
	}
	for i := 0; i < len(c.Args); i++ {
		v := c.Args[i].Value
		switch {
		case v == "--":
			// php -- args: the script comes from stdin; elsewhere the
			// next word is the script file.
			return kind == "php" || i+1 == len(c.Args) || c.Args[i+1].Value == "-"
		case v == "-":
			return true
		case strings.HasPrefix(v, "-"):
			if takes[v] {
				i++
			}
		default:
			return false
		}
	}
	return true
}

// supplyFetchesToStdout reports whether a download command writes the
// downloaded content to standard output.
func supplyFetchesToStdout(c *df.Command) bool {
	switch c.Name {
	case "curl":
		if v, ok := supplyOptValue(c.Args, 'o', "--output"); ok {
			return v == "-"
		}
		return supplyFindOpt(c.Args, "-O", "--remote-name", "--remote-name-all") < 0
	case "wget":
		v, ok := supplyOptValue(c.Args, 'O', "--output-document")
		return ok && v == "-"
	case "fetch":
		v, ok := supplyOptValue(c.Args, 'o', "--output")
		return ok && v == "-"
	}
	return false
}

// supplyWhat names a download for messages: "curl https://...".
func supplyWhat(c *df.Command) string {
	if u := supplyURL(c); u != "" {
		return fmt.Sprintf("%s %s", c.Name, u)
	}
	return c.Name
}

// supplySubstFetch returns the download command whose output a word
// substitutes ($(curl ...), `curl ...` or <(curl ...)), if any.
func supplySubstFetch(w *syntax.Word, idx map[*syntax.CallExpr]*df.Command, proc bool) *df.Command {
	if w == nil {
		return nil
	}
	var found *df.Command
	for _, part := range w.Parts {
		var stmts []*syntax.Stmt
		switch x := part.(type) {
		case *syntax.CmdSubst:
			if !proc {
				stmts = x.Stmts
			}
		case *syntax.ProcSubst:
			if proc && x.Op == syntax.CmdIn {
				stmts = x.Stmts
			}
		case *syntax.DblQuoted:
			if !proc {
				for _, in := range x.Parts {
					if cs, ok := in.(*syntax.CmdSubst); ok {
						stmts = append(stmts, cs.Stmts...)
					}
				}
			}
		}
		for _, st := range stmts {
			if c := supplyLastCall(st, idx); c != nil && supplyFetchesToStdout(c) {
				found = c
			}
		}
	}
	return found
}

// supplyPipeline flattens a pipeline into its commands, in order; a
// stage that is not a simple command is nil.
func supplyPipeline(bc *syntax.BinaryCmd, idx map[*syntax.CallExpr]*df.Command, seen map[*syntax.BinaryCmd]bool) []*df.Command {
	seen[bc] = true
	var out []*df.Command
	for _, st := range []*syntax.Stmt{bc.X, bc.Y} {
		if inner, ok := st.Cmd.(*syntax.BinaryCmd); ok && (inner.Op == syntax.Pipe || inner.Op == syntax.PipeAll) {
			out = append(out, supplyPipeline(inner, idx, seen)...)
			continue
		}
		var c *df.Command
		if call, ok := st.Cmd.(*syntax.CallExpr); ok {
			c = idx[call]
		}
		out = append(out, c)
	}
	return out
}

func supplyCheckRemoteExec(p *rule.Pass, f *df.File) {
	supplyScripts(f, func(in *df.Instruction, s *df.Script) {
		idx := supplyCallIndex(s)
		seen := map[*syntax.BinaryCmd]bool{}
		syntax.Walk(s.AST, func(n syntax.Node) bool {
			switch x := n.(type) {
			case *syntax.BinaryCmd:
				if x.Op != syntax.Pipe && x.Op != syntax.PipeAll || seen[x] {
					return true
				}
				cmds := supplyPipeline(x, idx, seen)
				for k, run := range cmds {
					if run == nil || k == 0 || !supplyReadsStdinScript(run) {
						continue
					}
					for _, dl := range cmds[:k] {
						if dl != nil && supplyFetchesToStdout(dl) {
							report(p, f, df.Span{Start: dl.Span.Start, End: run.Span.End},
								"%s is piped into %s, which runs the downloaded script without verifying it", supplyWhat(dl), run.Name)
							break
						}
					}
				}
			case *syntax.CallExpr:
				c := idx[x]
				if c == nil {
					return true
				}
				if dl, at := supplySubstExec(c, idx); dl != nil {
					report(p, f, at, "%s runs a script fetched by %s without verifying it", c.Name, supplyWhat(dl))
				}
			}
			return true
		})
		supplyCheckDownloadRun(p, f, s, idx)
	})
}

// supplyVerifiers are commands that check a download's checksum or
// signature.
var supplyVerifiers = map[string]bool{
	"sha1sum": true, "sha224sum": true, "sha256sum": true, "sha384sum": true, "sha512sum": true, "shasum": true,
	"md5sum": true, "b2sum": true, "cksum": true, "gpg": true, "gpg2": true, "gpgv": true, "cosign": true,
	"minisign": true, "signify": true, "openssl": true, "slsa-verifier": true, "rpm": true, "sigstore": true,
}

// supplyScriptExts are the extensions of scripts and self-extracting
// installers.
var supplyScriptExts = map[string]bool{".sh": true, ".bash": true, ".zsh": true, ".py": true, ".pl": true, ".rb": true, ".run": true, ".php": true}

// supplyDownloadTarget returns the file a download command writes, or "".
func supplyDownloadTarget(c *df.Command, st *syntax.Stmt) string {
	urlBase := func() string {
		if u, err := url.Parse(supplyURL(c)); err == nil && u.Path != "" && !strings.HasSuffix(u.Path, "/") {
			return path.Base(u.Path)
		}
		return ""
	}
	switch c.Name {
	case "curl":
		if v, ok := supplyOptValue(c.Args, 'o', "--output"); ok {
			if v == "-" {
				break
			}
			return v
		}
		if supplyFindOpt(c.Args, "-O", "--remote-name") >= 0 {
			return urlBase()
		}
	case "wget":
		if v, ok := supplyOptValue(c.Args, 'O', "--output-document"); ok {
			if v == "-" {
				break
			}
			return v
		}
		return urlBase()
	default:
		return ""
	}
	if st != nil {
		for _, r := range st.Redirs {
			if (r.Op == syntax.RdrOut || r.Op == syntax.RdrClob) && r.Word != nil {
				var b strings.Builder
				if supplyWordValue(&b, r.Word) {
					return b.String()
				}
			}
		}
	}
	return ""
}

// supplyCheckDownloadRun reports a script that downloads a file and runs
// it with an interpreter, or directly, with no checksum or signature check
// in between.
func supplyCheckDownloadRun(p *rule.Pass, f *df.File, s *df.Script, idx map[*syntax.CallExpr]*df.Command) {
	type download struct {
		c    *df.Command
		base string
	}
	var downloads []download
	stmtOf := map[*df.Command]*syntax.Stmt{}
	syntax.Walk(s.AST, func(n syntax.Node) bool {
		if st, ok := n.(*syntax.Stmt); ok {
			if call, ok := st.Cmd.(*syntax.CallExpr); ok && idx[call] != nil {
				stmtOf[idx[call]] = st
			}
		}
		return true
	})
	for _, c := range s.Commands {
		if supplyVerifiers[c.Name] {
			downloads = nil // everything fetched so far is (or may be) checked
			continue
		}
		if t := supplyDownloadTarget(c, stmtOf[c]); t != "" && !strings.Contains(t, "$") {
			downloads = append(downloads, download{c: c, base: path.Base(t)})
			continue
		}
		var script df.Arg
		if _, _, ok := supplyInterpreter(c.Name); ok {
			if supplyReadsStdinScript(c) {
				continue
			}
			_, codeOpts, _ := supplyInterpreter(c.Name)
			if supplyFindOpt(c.Args, codeOpts...) >= 0 || supplyFindOpt(c.Args, "-m") >= 0 && supplyPython.MatchString(c.Name) {
				continue
			}
			pos := c.Positionals("-o", "-O", "-W", "-X")
			if len(pos) == 0 {
				continue
			}
			script = pos[0]
		} else if strings.Contains(c.NameArg.Value, "/") && supplyScriptExts[path.Ext(c.NameArg.Value)] {
			// run directly: only installer scripts, not downloaded tools
			// that are run once to print their version
			script = c.NameArg
		} else {
			continue
		}
		if !script.Literal {
			continue
		}
		for _, d := range downloads {
			if path.Base(script.Value) == d.base {
				runner := c.Name + " runs"
				if script.Span == c.NameArg.Span {
					runner = "the script runs"
				}
				report(p, f, c.Span, "%s %s, downloaded by %s, without verifying its checksum or signature", runner, script.Value, supplyWhat(d.c))
				break
			}
		}
	}
}

// supplySubstExec finds code that an interpreter gets from a download
// through substitution: sh -c "$(curl ...)", bash <(curl ...),
// eval "$(curl ...)", source <(curl ...).
func supplySubstExec(c *df.Command, idx map[*syntax.CallExpr]*df.Command) (*df.Command, df.Span) {
	switch c.Name {
	case "eval":
		for _, a := range c.Args {
			if dl := supplySubstFetch(a.Word, idx, false); dl != nil {
				return dl, a.Span
			}
		}
		return nil, df.Span{}
	case "source", ".":
		if len(c.Args) > 0 {
			if dl := supplySubstFetch(c.Args[0].Word, idx, true); dl != nil {
				return dl, c.Args[0].Span
			}
		}
		return nil, df.Span{}
	}
	_, codeOpts, ok := supplyInterpreter(c.Name)
	if !ok {
		return nil, df.Span{}
	}
	if i := supplyFindOpt(c.Args, codeOpts...); i >= 0 {
		if i+1 < len(c.Args) {
			if dl := supplySubstFetch(c.Args[i+1].Word, idx, false); dl != nil {
				return dl, c.Args[i+1].Span
			}
		}
		return nil, df.Span{}
	}
	if pos := c.Positionals(); len(pos) > 0 {
		if dl := supplySubstFetch(pos[0].Word, idx, true); dl != nil {
			return dl, pos[0].Span
		}
	}
	return nil, df.Span{}
}

// ---- DF071: ADD without --checksum ----

var supplyCommitRe = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)

// supplyGitSource recognises an ADD source that BuildKit treats as a Git
// repository and returns its ref and any checksum given in the URL.
func supplyGitSource(src string) (ref, checksum string, ok bool) {
	low := strings.ToLower(src)
	rest, frag, _ := strings.Cut(src, "#")
	switch {
	case strings.HasPrefix(low, "git://"), strings.HasPrefix(low, "ssh://"), strings.HasPrefix(low, "git@"):
	case strings.HasPrefix(low, "http://"), strings.HasPrefix(low, "https://"):
		u, err := url.Parse(rest)
		if err != nil || !strings.HasSuffix(u.Path, ".git") {
			return "", "", false
		}
	default:
		return "", "", false
	}
	ref, _, _ = strings.Cut(frag, ":")
	if _, q, hasQ := strings.Cut(rest, "?"); hasQ {
		vals, err := url.ParseQuery(q)
		if err == nil {
			for _, k := range []string{"ref", "tag", "branch"} {
				if v := vals.Get(k); v != "" && ref == "" {
					ref = v
				}
			}
			for _, k := range []string{"checksum", "commit"} {
				if v := vals.Get(k); v != "" {
					checksum = v
				}
			}
		}
	}
	return ref, checksum, true
}

func supplyCheckAddChecksum(p *rule.Pass, f *df.File) {
	for _, in := range supplyInstrs(f, "add") {
		if _, ok := in.Flag("checksum"); ok || len(in.Args) < 2 {
			continue
		}
		for _, src := range in.Args[:len(in.Args)-1] {
			v := src.Value
			if ref, sum, ok := supplyGitSource(v); ok {
				if sum != "" || supplyCommitRe.MatchString(strings.ToLower(ref)) || strings.Contains(ref, "$") {
					continue
				}
				at := "the default branch"
				if ref != "" {
					at = fmt.Sprintf("ref %q, which can move", ref)
				}
				report(p, f, src.Span, "ADD fetches Git repository %s at %s, with no commit checksum", strings.SplitN(v, "#", 2)[0], at)
				continue
			}
			low := strings.ToLower(v)
			if strings.HasPrefix(low, "http://") || strings.HasPrefix(low, "https://") {
				report(p, f, src.Span, "ADD downloads %s without --checksum, so its content is not verified", v)
			}
		}
	}
}

// ---- DF072 and DF073: verification turned off ----

// supplyFalse and supplyTrue read boolean-ish setting values.
func supplyFalse(v string) bool {
	switch strings.ToLower(strings.Trim(v, `"' `)) {
	case "false", "0", "no", "off":
		return true
	}
	return false
}

func supplyTrue(v string) bool {
	switch strings.ToLower(strings.Trim(v, `"' `)) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}

// supplyLocalhostOnly reports whether every URL of a command points at the
// local machine (self-signed health endpoints are not a supply risk).
func supplyLocalhostOnly(c *df.Command) bool {
	n := 0
	for _, a := range c.Args {
		if !strings.Contains(a.Value, "://") {
			continue
		}
		n++
		u, err := url.Parse(a.Value)
		if err != nil {
			return false
		}
		switch u.Hostname() {
		case "localhost", "127.0.0.1", "::1", "0.0.0.0":
		default:
			return false
		}
	}
	return n > 0
}

// supplyRemoveFlagFix builds a fix that removes an option from a command:
// the whole word, or one letter of a short option group.
func supplyRemoveFlagFix(f *df.File, c *df.Command, i int, letter byte) (finding.Fix, bool) {
	a := c.Args[i]
	if a.Span.End <= a.Span.Start || a.Span.End > len(f.Source) || string(f.Source[a.Span.Start:a.Span.End]) != a.Value {
		return finding.Fix{}, false
	}
	if letter != 0 && len(a.Value) > 2 {
		j := strings.IndexByte(a.Value[1:], letter) + 1
		at := a.Span.Start + j
		return replace("remove -"+string(letter), df.Span{Start: at, End: at + 1}, ""), true
	}
	prevEnd := c.NameArg.Span.End
	if i > 0 {
		prevEnd = c.Args[i-1].Span.End
	}
	if prevEnd <= 0 || prevEnd > a.Span.Start {
		return finding.Fix{}, false
	}
	return replace("remove "+a.Value, df.Span{Start: prevEnd, End: a.Span.End}, ""), true
}

// supplyFlagHit is one offending option found on a command.
type supplyFlagHit struct {
	index  int    // argument index
	name   string // the option as the message names it
	letter byte   // for a short option inside a group
}

// supplyValueLetters lists, per program, the short options that take a
// value: in "-uk" the k is curl -u's value, not -k.
var supplyValueLetters = map[string]string{
	"curl":       "AbcCdDeEFHKmoPQrTuUwxXyYz",
	"conda":      "cnpC",
	"mamba":      "cnpC",
	"micromamba": "cnprC",
}

// supplyInGroup reports whether letter is an option of the short group v,
// before any option that takes the rest of the group as its value.
func supplyInGroup(v string, letter byte, valueLetters string) bool {
	for i := 1; i < len(v); i++ {
		if v[i] == letter {
			return true
		}
		if strings.IndexByte(valueLetters, v[i]) >= 0 {
			return false
		}
	}
	return false
}

// supplyFlags finds the options among names in a command's arguments.
func supplyFlags(c *df.Command, names ...string) []supplyFlagHit {
	var out []supplyFlagHit
	for i, a := range c.Args {
		v := a.Value
		if v == "--" {
			break
		}
		for _, n := range names {
			switch {
			case v == n:
				out = append(out, supplyFlagHit{index: i, name: n})
			case strings.HasPrefix(n, "--") && strings.HasPrefix(v, n+"="):
				out = append(out, supplyFlagHit{index: i, name: v})
			case len(n) == 2 && n[0] == '-' && n[1] != '-' && supplyShortGroup(v) && len(v) > 2 && supplyInGroup(v, n[1], supplyValueLetters[c.Name]):
				out = append(out, supplyFlagHit{index: i, name: n + " (in " + v + ")", letter: n[1]})
			}
		}
	}
	return out
}

// supplyHitNames joins the names of the options found.
func supplyHitNames(hits []supplyFlagHit) string {
	names := make([]string, len(hits))
	for i, h := range hits {
		names[i] = h.name
	}
	return strings.Join(names, " ")
}

// supplyPipArgs returns the arguments given to pip, whether it runs as
// pip, pip3, python -m pip or uv pip.
func supplyPipArgs(c *df.Command) ([]df.Arg, bool) {
	switch {
	case strings.HasPrefix(c.Name, "pip") && (c.Name == "pip" || strings.TrimLeft(c.Name[3:], "0123456789.") == ""):
		return c.Args, true
	case supplyPython.MatchString(c.Name):
		for i := 0; i+1 < len(c.Args); i++ {
			if c.Args[i].Value == "-m" {
				if m := c.Args[i+1].Value; m == "pip" || m == "pip3" {
					return c.Args[i+2:], true
				}
				return nil, false
			}
		}
	case c.Name == "uv":
		return c.Args, true
	}
	return nil, false
}

// supplyConfigSet returns the key and value of "<tool> config set key
// value" (also "key=value" and "<tool> set key value").
func supplyConfigSet(args []df.Arg) (key, value string, span df.Span, ok bool) {
	var pos []df.Arg
	for _, a := range args {
		if strings.HasPrefix(a.Value, "-") && len(a.Value) > 1 {
			continue
		}
		pos = append(pos, a)
	}
	i := 0
	if i < len(pos) && pos[i].Value == "config" {
		i++
	}
	if i >= len(pos) || pos[i].Value != "set" {
		return "", "", df.Span{}, false
	}
	i++
	if i >= len(pos) {
		return "", "", df.Span{}, false
	}
	k, v, eq := strings.Cut(pos[i].Value, "=")
	end := pos[i].Span.End
	if !eq {
		if i+1 >= len(pos) {
			return "", "", df.Span{}, false
		}
		v, end = pos[i+1].Value, pos[i+1].Span.End
	}
	return k, v, df.Span{Start: pos[i].Span.Start, End: end}, true
}

// supplyAptOptions returns the -o/--option settings of an apt command.
func supplyAptOptions(c *df.Command) []df.Arg {
	var out []df.Arg
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		switch v := a.Value; {
		case v == "-o" || v == "--option":
			if i+1 < len(c.Args) {
				out = append(out, c.Args[i+1])
				i++
			}
		case strings.HasPrefix(v, "--option="):
			out = append(out, df.Arg{Value: v[len("--option="):], Span: a.Span, Literal: a.Literal})
		case strings.HasPrefix(v, "-o") && len(v) > 2:
			out = append(out, df.Arg{Value: v[2:], Span: a.Span, Literal: a.Literal})
		}
	}
	return out
}

var (
	supplyAptTLSRe  = regexp.MustCompile(`(?i)^Acquire::https::(?:[^:]+::)?Verify-(?:Peer|Host)$`)
	supplyAptSigRe  = regexp.MustCompile(`(?i)^(?:APT::Get::AllowUnauthenticated|Acquire::AllowInsecureRepositories|Acquire::AllowDowngradeToInsecureRepositories)$`)
	supplyGitSSLRe  = regexp.MustCompile(`(?i)^http\.(?:.+\.)?sslverify$`)
	supplyMavenTLS  = regexp.MustCompile(`^-D(maven\.wagon\.http\.ssl\.(?:insecure|allowall|ignore\.validity\.dates)=true|aether\.connector\.https\.securityMode=insecure)$`)
	supplyTrustedRe = regexp.MustCompile(`(?i)\b(?:deb|deb-src)\s+\[[^\]]*\b(trusted=yes|allow-insecure=yes)[^\]]*\]\s*(\S*)`)
	supplyDeb822Re  = regexp.MustCompile(`(?im)^\s*(Trusted:\s*yes|Allow-Insecure:\s*yes)\s*$`)
	supplyGpgOffRe  = regexp.MustCompile(`(?im)^\s*(gpgcheck\s*=\s*(?:0|false|no))\s*$`)
	supplyEnvNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

	supplyAptConfSigRe = regexp.MustCompile(`(?i)((?:APT::Get::AllowUnauthenticated|Acquire::AllowInsecureRepositories|Acquire::AllowDowngradeToInsecureRepositories)\s*"?(?:true|1|yes)"?)`)
)

// supplyTLSEnv says which environment settings turn TLS verification off.
var supplyTLSEnv = map[string]func(string) bool{
	"NODE_TLS_REJECT_UNAUTHORIZED": func(v string) bool { return v == "0" },
	"PYTHONHTTPSVERIFY":            func(v string) bool { return v == "0" },
	"GIT_SSL_NO_VERIFY":            func(v string) bool { return v != "" },
	"PIP_TRUSTED_HOST":             func(v string) bool { return v != "" },
	"UV_INSECURE_HOST":             func(v string) bool { return v != "" },
	"NPM_CONFIG_STRICT_SSL":        supplyFalse,
	"YARN_ENABLE_STRICT_SSL":       supplyFalse,
	"CONDA_SSL_VERIFY":             supplyFalse,
	"GOINSECURE":                   func(v string) bool { return v != "" },
	"BUNDLE_SSL_VERIFY_MODE":       func(v string) bool { return v == "0" },
}

// supplySigEnv says which environment settings turn package verification
// off.
var supplySigEnv = map[string]func(string) bool{
	"GOSUMDB": func(v string) bool { return strings.EqualFold(v, "off") },
	"GOFLAGS": func(v string) bool { return strings.Contains(v, "-insecure") },
}

// supplyEnvSetting is one environment variable set by ENV, ARG or a shell
// assignment.
type supplyEnvSetting struct {
	name, value string
	span        df.Span
	where       string
}

// supplyEnvSettings returns the literal environment settings of the file:
// ENV and ARG defaults, "NAME=value cmd", "export NAME=value" and
// "env NAME=value cmd".
func supplyEnvSettings(f *df.File) []supplyEnvSetting {
	var out []supplyEnvSetting
	for _, in := range supplyInstrs(f, "env", "arg") {
		for _, kv := range keyValues(in) {
			if !kv.hasValue || strings.Contains(kv.value, "$") {
				continue
			}
			out = append(out, supplyEnvSetting{name: kv.key, value: kv.value, span: kv.span, where: strings.ToUpper(in.Cmd)})
		}
	}
	supplyScripts(f, func(in *df.Instruction, s *df.Script) {
		add := func(as *syntax.Assign) {
			if as == nil || as.Name == nil || as.Value == nil || as.Append || as.Naked {
				return
			}
			var b strings.Builder
			if !supplyWordValue(&b, as.Value) {
				return
			}
			out = append(out, supplyEnvSetting{name: as.Name.Value, value: b.String(), span: s.Span(as), where: strings.ToUpper(in.Cmd)})
		}
		syntax.Walk(s.AST, func(n syntax.Node) bool {
			switch x := n.(type) {
			case *syntax.CallExpr:
				if len(x.Args) > 0 {
					for _, as := range x.Assigns {
						add(as)
					}
				}
			case *syntax.DeclClause:
				if x.Variant != nil && x.Variant.Value == "export" {
					for _, as := range x.Args {
						add(as)
					}
				}
			}
			return true
		})
		for _, c := range s.Commands {
			if !slices.Contains(c.Wrappers, "env") {
				continue
			}
			for _, w := range c.Call.Args {
				if w.Pos().Offset() >= c.NameArg.Word.Pos().Offset() {
					break
				}
				var b strings.Builder
				if !supplyWordValue(&b, w) {
					continue
				}
				if k, v, ok := strings.Cut(b.String(), "="); ok && supplyEnvNameRe.MatchString(k) {
					out = append(out, supplyEnvSetting{name: k, value: v, span: s.Span(w), where: strings.ToUpper(in.Cmd)})
				}
			}
		}
	})
	return out
}

// supplyWordValue writes a word's literal value and reports whether it
// holds no expansion.
func supplyWordValue(b *strings.Builder, w *syntax.Word) bool {
	if w == nil {
		return true
	}
	for _, p := range w.Parts {
		switch x := p.(type) {
		case *syntax.Lit:
			b.WriteString(x.Value)
		case *syntax.SglQuoted:
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			for _, q := range x.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return false
				}
				b.WriteString(l.Value)
			}
		default:
			return false
		}
	}
	return true
}

// supplyFileWrite is text a script writes to a file with echo, printf or
// a heredoc, through a redirection or tee.
type supplyFileWrite struct {
	target, text string
	span         df.Span
}

// supplyFileWrites returns the files a script writes literal text to.
func supplyFileWrites(s *df.Script) []supplyFileWrite {
	idx := supplyCallIndex(s)
	var out []supplyFileWrite
	textOf := func(st *syntax.Stmt) (string, bool) {
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok {
			return "", false
		}
		c := idx[call]
		if c == nil {
			return "", false
		}
		switch c.Name {
		case "echo", "printf":
			var parts []string
			for _, a := range c.Args {
				if strings.HasPrefix(a.Value, "-") && len(parts) == 0 && c.Name == "echo" {
					continue
				}
				parts = append(parts, a.Value)
			}
			t := strings.Join(parts, " ")
			return strings.ReplaceAll(t, `\n`, "\n"), true
		case "cat", "tee":
			for _, r := range st.Redirs {
				if (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) && r.Hdoc != nil {
					return string(s.Src[r.Hdoc.Pos().Offset():r.Hdoc.End().Offset()]), true
				}
			}
		}
		return "", false
	}
	syntax.Walk(s.AST, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.Stmt:
			text, ok := textOf(x)
			if !ok {
				return true
			}
			for _, r := range x.Redirs {
				if (r.Op == syntax.RdrOut || r.Op == syntax.AppOut || r.Op == syntax.RdrClob) && r.Word != nil {
					var b strings.Builder
					if supplyWordValue(&b, r.Word) {
						out = append(out, supplyFileWrite{target: b.String(), text: text, span: s.Span(x)})
					}
				}
			}
			if call, ok := x.Cmd.(*syntax.CallExpr); ok {
				if c := idx[call]; c != nil && c.Name == "tee" {
					for _, a := range c.Positionals() {
						if a.Literal {
							out = append(out, supplyFileWrite{target: a.Value, text: text, span: s.Span(x)})
						}
					}
				}
			}
		case *syntax.BinaryCmd:
			if x.Op != syntax.Pipe {
				return true
			}
			left, right := supplyLastCall(x.X, idx), supplyFirstCall(x.Y, idx)
			if left == nil || right == nil || right.Name != "tee" {
				return true
			}
			var st *syntax.Stmt
			if be, ok := x.X.Cmd.(*syntax.CallExpr); ok && idx[be] == left {
				st = x.X
			}
			if st == nil {
				return true
			}
			text, ok := textOf(st)
			if !ok {
				return true
			}
			for _, a := range right.Positionals() {
				if a.Literal {
					out = append(out, supplyFileWrite{target: a.Value, text: text, span: df.Span{Start: left.Span.Start, End: right.Span.End}})
				}
			}
		}
		return true
	})
	return out
}

// supplyTLSFileRules match settings written into tool configuration files.
var supplyTLSFileRules = []struct {
	file *regexp.Regexp
	text *regexp.Regexp
}{
	{regexp.MustCompile(`(^|/)\.?curlrc$`), regexp.MustCompile(`(?m)^\s*(-k|--insecure|insecure)\s*$`)},
	{regexp.MustCompile(`(^|/)\.?wgetrc$`), regexp.MustCompile(`(?im)^\s*(check_certificate\s*=\s*(?:off|0|no|false))\s*$`)},
	{regexp.MustCompile(`(^|/)\.?npmrc$`), regexp.MustCompile(`(?im)^\s*(strict-ssl\s*=\s*false)\s*$`)},
	{regexp.MustCompile(`(^|/)\.yarnrc$`), regexp.MustCompile(`(?im)^\s*(strict-ssl\s+"?false"?)\s*$`)},
	{regexp.MustCompile(`(^|/)\.yarnrc\.yml$`), regexp.MustCompile(`(?im)^\s*(enableStrictSsl:\s*false)\s*$`)},
	{regexp.MustCompile(`(^|/)pip\.(conf|ini)$`), regexp.MustCompile(`(?im)^\s*(trusted-host\s*=.*\S)`)},
	{regexp.MustCompile(`(^|/)\.?gitconfig$`), regexp.MustCompile(`(?im)^\s*(sslverify\s*=\s*(?:false|0|no|off))\s*$`)},
	{regexp.MustCompile(`(\.repo|/yum\.conf|/dnf\.conf)$`), regexp.MustCompile(`(?im)^\s*(sslverify\s*=\s*(?:0|false|no))\s*$`)},
	{regexp.MustCompile(`(^|/)\.condarc$`), regexp.MustCompile(`(?im)^\s*(ssl_verify:\s*(?:false|no))\s*$`)},
	{regexp.MustCompile(`(^|/)apt\.conf(\.d/.*)?$`), regexp.MustCompile(`(?i)(Acquire::https::(?:[^:\s]+::)?Verify-(?:Peer|Host)\s*"?(?:false|0|no)"?)`)},
}

func supplyCheckTLS(p *rule.Pass, f *df.File) {
	for _, e := range supplyEnvSettings(f) {
		if ok := supplyTLSEnv[strings.ToUpper(e.name)]; ok != nil && ok(e.value) {
			report(p, f, e.span, "%s sets %s=%s, which turns off TLS certificate verification", e.where, e.name, e.value)
		}
		if strings.EqualFold(e.name, "MAVEN_OPTS") || strings.EqualFold(e.name, "MAVEN_CONFIG") {
			for _, w := range strings.Fields(e.value) {
				if supplyMavenTLS.MatchString(w) {
					report(p, f, e.span, "%s sets %s with %s, which turns off TLS certificate verification", e.where, e.name, w)
				}
			}
		}
	}
	supplyScripts(f, func(in *df.Instruction, s *df.Script) {
		for _, w := range supplyFileWrites(s) {
			for _, r := range supplyTLSFileRules {
				if !r.file.MatchString(w.target) {
					continue
				}
				if m := r.text.FindStringSubmatch(w.text); m != nil {
					report(p, f, w.span, "writes %q to %s, which turns off TLS certificate verification", strings.TrimSpace(m[1]), w.target)
				}
			}
		}
	})
	supplyCommands(f, func(in *df.Instruction, s *df.Script, c *df.Command) {
		flag := func(h supplyFlagHit, fixable bool, format string, args ...any) {
			msg := fmt.Sprintf(format, args...)
			if fixable {
				if fx, ok := supplyRemoveFlagFix(f, c, h.index, h.letter); ok {
					reportFix(p, f, c.Args[h.index].Span, fx, "%s", msg)
					return
				}
			}
			report(p, f, c.Args[h.index].Span, "%s", msg)
		}
		switch name := c.Name; {
		case name == "curl":
			if supplyLocalhostOnly(c) {
				return
			}
			for _, h := range supplyFlags(c, "-k", "--insecure", "--proxy-insecure", "--doh-insecure") {
				flag(h, true, "curl %s turns off TLS certificate verification", h.name)
			}
		case name == "wget":
			if supplyLocalhostOnly(c) {
				return
			}
			for _, h := range supplyFlags(c, "--no-check-certificate") {
				flag(h, true, "wget %s turns off TLS certificate verification", h.name)
			}
		case name == "git":
			for i := 0; i+1 < len(c.Args); i++ {
				if c.Args[i].Value != "-c" {
					continue
				}
				if k, v, ok := strings.Cut(c.Args[i+1].Value, "="); ok && supplyGitSSLRe.MatchString(k) && supplyFalse(v) {
					report(p, f, c.Args[i+1].Span, "git -c %s turns off TLS certificate verification", c.Args[i+1].Value)
				}
			}
			pos := c.Positionals("-c", "-C", "--file", "-f", "--type", "--blob", "--default")
			if len(pos) >= 3 && pos[0].Value == "config" {
				k := 1
				if pos[k].Value == "set" && len(pos) >= 4 {
					k++
				}
				if supplyGitSSLRe.MatchString(pos[k].Value) && supplyFalse(pos[k+1].Value) {
					report(p, f, df.Span{Start: pos[k].Span.Start, End: pos[k+1].Span.End}, "git config %s %s turns off TLS certificate verification", pos[k].Value, pos[k+1].Value)
				}
			}
		case name == "npm" || name == "yarn" || name == "pnpm":
			if k, v, span, ok := supplyConfigSet(c.Args); ok && (k == "strict-ssl" || k == "enableStrictSsl") && supplyFalse(v) {
				report(p, f, span, "%s config sets %s to %s, which turns off TLS certificate verification", name, k, v)
			}
			for i, a := range c.Args {
				if a.Value == "--strict-ssl=false" || a.Value == "--no-strict-ssl" {
					flag(supplyFlagHit{index: i, name: a.Value}, false, "%s %s turns off TLS certificate verification", name, a.Value)
				}
			}
		case name == "conda" || name == "mamba" || name == "micromamba":
			for i := 0; i+2 < len(c.Args); i++ {
				if c.Args[i].Value == "--set" && c.Args[i+1].Value == "ssl_verify" && supplyFalse(c.Args[i+2].Value) {
					report(p, f, df.Span{Start: c.Args[i].Span.Start, End: c.Args[i+2].Span.End}, "%s config --set ssl_verify %s turns off TLS certificate verification", name, c.Args[i+2].Value)
				}
			}
			for _, h := range supplyFlags(c, "-k", "--insecure") {
				flag(h, false, "%s %s turns off TLS certificate verification", name, h.name)
			}
		case name == "composer":
			pos := c.Positionals()
			if len(pos) >= 3 && pos[0].Value == "config" {
				if (pos[1].Value == "disable-tls" && supplyTrue(pos[2].Value)) || (pos[1].Value == "secure-http" && supplyFalse(pos[2].Value)) {
					report(p, f, df.Span{Start: pos[1].Span.Start, End: pos[2].Span.End}, "composer config %s %s turns off TLS protection", pos[1].Value, pos[2].Value)
				}
			}
		case name == "aws":
			for _, h := range supplyFlags(c, "--no-verify-ssl") {
				flag(h, false, "aws %s turns off TLS certificate verification", h.name)
			}
		case name == "apt-get" || name == "apt" || name == "aptitude":
			for _, o := range supplyAptOptions(c) {
				if k, v, ok := strings.Cut(o.Value, "="); ok && supplyAptTLSRe.MatchString(k) && supplyFalse(v) {
					report(p, f, o.Span, "%s -o %s turns off TLS certificate verification", name, o.Value)
				}
			}
		case name == "mvn" || name == "mvnw" || name == "./mvnw":
			for i, a := range c.Args {
				if supplyMavenTLS.MatchString(a.Value) {
					flag(supplyFlagHit{index: i, name: a.Value}, false, "%s %s turns off TLS certificate verification", name, a.Value)
				}
			}
		case name == "yum" || name == "dnf" || name == "microdnf" || name == "tdnf" || name == "yum-config-manager":
			for i, a := range c.Args {
				if k, v, ok := strings.Cut(strings.TrimPrefix(a.Value, "--setopt="), "="); ok && strings.HasPrefix(a.Value, "--setopt=") &&
					(k == "sslverify" || strings.HasSuffix(k, ".sslverify")) && supplyFalse(v) {
					flag(supplyFlagHit{index: i, name: a.Value}, false, "%s %s turns off TLS certificate verification", name, a.Value)
				}
			}
		case name == "podman" || name == "buildah" || name == "skopeo":
			for i, a := range c.Args {
				if k, v, ok := strings.Cut(a.Value, "="); ok && (k == "--tls-verify" || k == "--src-tls-verify" || k == "--dest-tls-verify") && supplyFalse(v) {
					flag(supplyFlagHit{index: i, name: a.Value}, false, "%s %s turns off TLS certificate verification", name, a.Value)
				}
			}
		}
		for i, a := range c.Args {
			if a.Value == "--insecure-skip-tls-verify" || a.Value == "--insecure-skip-tls-verify=true" {
				report(p, f, c.Args[i].Span, "%s %s turns off TLS certificate verification", c.Name, a.Value)
			}
		}
		if args, ok := supplyPipArgs(c); ok {
			pc := &df.Command{Name: "pip", Args: args}
			for _, h := range supplyFlags(pc, "--trusted-host", "--allow-insecure-host") {
				report(p, f, args[h.index].Span, "%s %s turns off TLS certificate verification for that host", c.Name, h.name)
			}
			if k, v, span, ok := supplyConfigSet(args); ok && (k == "trusted-host" || strings.HasSuffix(k, ".trusted-host")) && v != "" {
				report(p, f, span, "%s config sets %s %s, which turns off TLS certificate verification for that host", c.Name, k, v)
			}
		}
	})
}

// supplyDownloads returns the base names of the files the download
// commands of a script fetch, to tell a downloaded package from one built
// locally.
func supplyDownloads(s *df.Script) map[string]bool {
	out := map[string]bool{}
	for _, c := range s.Commands {
		if c.Name != "curl" && c.Name != "wget" && c.Name != "fetch" {
			continue
		}
		for _, a := range c.Args {
			v := a.Value
			if strings.Contains(v, "://") {
				if u, err := url.Parse(v); err == nil {
					v = u.Path
				}
			}
			if b := path.Base(v); b != "." && b != "/" && !strings.HasPrefix(b, "-") {
				out[b] = true
			}
		}
	}
	return out
}

// supplyUnverifiedPackages reports whether an install that skips signature
// checks touches anything other than local package files built in the
// image: a repository package, a URL or a file downloaded by the script.
func supplyUnverifiedPackages(pkgs []df.Arg, ext string, downloads map[string]bool) bool {
	if len(pkgs) == 0 {
		return true
	}
	for _, a := range pkgs {
		v := a.Value
		switch {
		case strings.Contains(v, "://"):
			return true
		case !a.Literal:
			continue
		case strings.HasSuffix(v, ext) || strings.Contains(v, "/"):
			if downloads[path.Base(v)] {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// supplyInstallSubcommands lists the subcommands that install packages.
var supplyInstallSubcommands = map[string]bool{
	"add": true, "install": true, "localinstall": true, "reinstall": true, "upgrade": true, "update": true,
	"groupinstall": true, "downgrade": true, "in": true, "up": true, "dup": true, "dist-upgrade": true,
}

func supplyCheckSignatures(p *rule.Pass, f *df.File) {
	for _, e := range supplyEnvSettings(f) {
		if ok := supplySigEnv[strings.ToUpper(e.name)]; ok != nil && ok(e.value) {
			report(p, f, e.span, "%s sets %s=%s, which turns off package verification", e.where, e.name, e.value)
		}
	}
	supplyScripts(f, func(in *df.Instruction, s *df.Script) {
		for _, w := range supplyFileWrites(s) {
			var m []string
			switch {
			case strings.Contains(w.target, "sources.list") || strings.HasSuffix(w.target, ".list"):
				m = supplyTrustedLine(w.text)
			case strings.HasSuffix(w.target, ".sources"):
				m = supplyDeb822Re.FindStringSubmatch(w.text)
			case strings.HasSuffix(w.target, ".repo") || strings.HasSuffix(w.target, "yum.conf") || strings.HasSuffix(w.target, "dnf.conf"):
				m = supplyGpgOffRe.FindStringSubmatch(w.text)
			case strings.Contains(w.target, "apt.conf"):
				m = supplyAptConfSigRe.FindStringSubmatch(w.text)
			}
			if m != nil {
				report(p, f, w.span, "writes %q to %s, which turns off package signature verification", strings.TrimSpace(m[1]), w.target)
			}
		}
		downloads := supplyDownloads(s)
		for _, c := range s.Commands {
			supplyCheckSigCommand(p, f, c, downloads)
		}
	})
}

// supplyTrustedLine finds an APT sources line marked trusted=yes (or
// allow-insecure=yes) for a remote repository. A local file: or copy:
// repository holds packages built in the image, like a local .deb install.
func supplyTrustedLine(text string) []string {
	for _, m := range supplyTrustedRe.FindAllStringSubmatch(text, -1) {
		uri := strings.ToLower(strings.Trim(m[2], `"'`))
		if strings.HasPrefix(uri, "file:") || strings.HasPrefix(uri, "copy:") {
			continue
		}
		return m
	}
	return nil
}

func supplyCheckSigCommand(p *rule.Pass, f *df.File, c *df.Command, downloads map[string]bool) {
	switch name := c.Name; name {
	case "apt-get", "apt", "aptitude":
		for _, h := range supplyFlags(c, "--allow-unauthenticated", "--allow-insecure-repositories", "--allow-downgrade-to-insecure-repositories", "--force-yes") {
			what := "installs packages whose signatures do not verify"
			if h.name == "--force-yes" {
				what = "(deprecated) also accepts unauthenticated packages"
			}
			report(p, f, c.Args[h.index].Span, "%s %s %s", name, h.name, what)
		}
		for _, o := range supplyAptOptions(c) {
			if k, v, ok := strings.Cut(o.Value, "="); ok && supplyAptSigRe.MatchString(k) && supplyTrue(v) {
				report(p, f, o.Span, "%s -o %s turns off package signature verification", name, o.Value)
			}
		}
	case "add-apt-repository":
		for _, a := range c.Args {
			if m := supplyTrustedLine(a.Value); m != nil {
				report(p, f, a.Span, "add-apt-repository adds a repository with [%s], which skips signature verification", m[1])
			}
		}
	case "apk":
		hits := supplyFlags(c, "--allow-untrusted")
		if len(hits) == 0 {
			return
		}
		pos := c.Positionals("-X", "--repository", "-t", "--virtual", "-p", "--root", "--keys-dir", "--repositories-file", "--arch", "--cache-dir", "-o", "--output")
		if len(pos) > 0 {
			switch sub := pos[0].Value; {
			case sub == "add" || sub == "fix":
				if !supplyUnverifiedPackages(pos[1:], ".apk", downloads) {
					return
				}
			case sub != "update" && sub != "upgrade" && sub != "fetch":
				return // index, verify, info...: no package is installed
			}
		}
		report(p, f, c.Args[hits[0].index].Span, "apk --allow-untrusted installs packages without verifying their signatures")
	case "rpm":
		hits := supplyFlags(c, "--nosignature", "--nodigest", "--noverify", "--nofiledigest", "--nogpgcheck")
		if len(hits) == 0 || supplyFindOpt(c.Args, "-i", "-U", "-F", "--install", "--upgrade", "--freshen") < 0 {
			return // --noverify also means "skip file checks" for -V and -q
		}
		pos := c.Positionals("--root", "--dbpath", "--prefix", "--relocate", "--excludepath", "--define", "-D")
		if !supplyUnverifiedPackages(pos, ".rpm", downloads) {
			return
		}
		report(p, f, c.Args[hits[0].index].Span, "rpm %s installs packages without verifying their signatures", supplyHitNames(hits))
	case "yum", "dnf", "microdnf", "tdnf", "yum-config-manager", "zypper":
		hits := supplyFlags(c, "--nogpgcheck", "--no-gpg-checks", "--no-gpgcheck")
		for i, a := range c.Args {
			if k, v, ok := strings.Cut(strings.TrimPrefix(a.Value, "--setopt="), "="); ok && strings.HasPrefix(a.Value, "--setopt=") &&
				(k == "gpgcheck" || strings.HasSuffix(k, ".gpgcheck") || k == "localpkg_gpgcheck") && supplyFalse(v) {
				hits = append(hits, supplyFlagHit{index: i, name: a.Value})
			}
		}
		if len(hits) == 0 {
			return
		}
		pos := c.Positionals("--setopt", "--enablerepo", "--disablerepo", "--repo", "--installroot", "--releasever", "-c", "--config", "-x", "--exclude", "-r", "--repository")
		if len(pos) > 0 && supplyInstallSubcommands[pos[0].Value] {
			if !supplyUnverifiedPackages(pos[1:], ".rpm", downloads) {
				return
			}
		}
		report(p, f, c.Args[hits[0].index].Span, "%s %s installs packages without verifying their signatures", name, supplyHitNames(hits))
	}
}

// ---- DF074 and DF075: file modes ----

// supplyModeBits is what a mode does to the bits the rules care about.
type supplyModeBits struct {
	worldWritable, setuid, setgid, sticky bool
}

// supplyParseMode reads an octal or symbolic chmod mode. Symbolic clauses
// without a "who" are filtered by the umask (022 by default), which never
// grants write to others.
func supplyParseMode(m string) (supplyModeBits, bool) {
	var b supplyModeBits
	if m == "" {
		return b, false
	}
	if n, err := strconv.ParseUint(m, 8, 32); err == nil && len(m) <= 5 {
		return supplyModeBits{worldWritable: n&0o002 != 0, setuid: n&0o4000 != 0, setgid: n&0o2000 != 0, sticky: n&0o1000 != 0}, true
	}
	for _, clause := range strings.Split(m, ",") {
		i := 0
		who := ""
		for i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0 {
			who += string(clause[i])
			i++
		}
		if i == len(clause) {
			return b, false
		}
		for i < len(clause) {
			op := clause[i]
			if op != '+' && op != '-' && op != '=' {
				return b, false
			}
			i++
			perms := ""
			for i < len(clause) && strings.IndexByte("rwxXstugo", clause[i]) >= 0 {
				perms += string(clause[i])
				i++
			}
			has := func(r byte) bool { return strings.IndexByte(perms, r) >= 0 }
			for _, bit := range []struct {
				p     *bool
				perm  byte
				whos  string // who letters that address the bit
				umask bool   // granted when who is empty
			}{
				{&b.worldWritable, 'w', "oa", false},
				{&b.setuid, 's', "ua", true},
				{&b.setgid, 's', "ga", true},
				{&b.sticky, 't', "oa", true},
			} {
				addressed := who == "" && (bit.umask || op == '-') || strings.ContainsAny(who, bit.whos)
				if !addressed {
					continue
				}
				switch {
				case op == '+' && has(bit.perm):
					*bit.p = true
				case op == '-' && has(bit.perm), op == '=' && !has(bit.perm) && who != "":
					*bit.p = false
				case op == '=' && has(bit.perm):
					*bit.p = true
				}
			}
		}
	}
	return b, true
}

// supplyModeUse is one place a mode is applied: chmod, mkdir -m,
// install -m or COPY/ADD --chmod.
type supplyModeUse struct {
	tool     string
	mode     string
	span     df.Span // the mode
	paths    []df.Arg
	dirs     bool // the targets are known to be directories
	files    bool // the targets are known to be regular files
	recurses bool
}

const supplyChmodOpts = "RfvchHLP"

// supplyModeUses returns every mode the file applies.
func supplyModeUses(f *df.File) []supplyModeUse {
	var out []supplyModeUse
	for _, in := range supplyInstrs(f, "copy", "add") {
		if v, ok := in.Flag("chmod"); ok && len(in.Args) >= 2 {
			span := in.Span
			for _, fl := range in.Flags {
				if fl.Name == "chmod" {
					span = fl.Span
				}
			}
			dest := in.Args[len(in.Args)-1]
			out = append(out, supplyModeUse{tool: strings.ToUpper(in.Cmd) + " --chmod", mode: v, span: span, paths: []df.Arg{{Value: dest.Value, Literal: !strings.Contains(dest.Value, "$"), Span: dest.Span}}})
		}
	}
	supplyCommands(f, func(in *df.Instruction, s *df.Script, c *df.Command) {
		switch c.Name {
		case "chmod":
			u := supplyModeUse{tool: "chmod"}
			found := false
			for _, a := range c.Args {
				v := a.Value
				switch {
				case v == "--recursive" || supplyShortGroup(v) && strings.Trim(v[1:], supplyChmodOpts) == "":
					if strings.Contains(v, "R") || v == "--recursive" {
						u.recurses = true
					}
				case !found && strings.HasPrefix(v, "--reference"):
					return
				case !found && strings.HasPrefix(v, "--"):
				case !found:
					if !a.Literal {
						return
					}
					u.mode, u.span, found = v, a.Span, true
				default:
					u.paths = append(u.paths, a)
				}
			}
			if found {
				out = append(out, u)
			}
		case "mkdir", "install":
			v, at, ok := supplyOptValueAt(c.Args, 'm', "--mode")
			if !ok || at < 0 || !c.Args[at].Literal {
				return
			}
			u := supplyModeUse{tool: c.Name + " -m", mode: v, span: c.Args[at].Span}
			withValue := []string{"-m", "--mode"}
			if c.Name == "install" {
				withValue = append(withValue, "-o", "--owner", "-g", "--group", "-t", "--target-directory", "-S", "--suffix")
			}
			var paths []df.Arg
			for _, a := range c.Positionals(withValue...) {
				if a.Span != c.Args[at].Span {
					paths = append(paths, a)
				}
			}
			u.dirs = c.Name == "mkdir" || supplyFindOpt(c.Args, "-d", "--directory") >= 0
			if c.Name == "install" && !u.dirs {
				u.files = true
				if len(paths) > 1 {
					paths = paths[len(paths)-1:]
				}
			}
			u.paths = paths
			out = append(out, u)
		}
	})
	return out
}

// supplyPathList names the paths of a mode use for messages.
func supplyPathList(paths []df.Arg) string {
	var names []string
	for _, a := range paths {
		names = append(names, a.Value)
	}
	if len(names) > 3 {
		names = append(names[:3], "...")
	}
	return strings.Join(names, " ")
}

func supplyCheckWorldWritable(p *rule.Pass, f *df.File) {
	for _, u := range supplyModeUses(f) {
		bits, ok := supplyParseMode(u.mode)
		if !ok || !bits.worldWritable || bits.sticky || len(u.paths) == 0 {
			continue
		}
		literal := false
		for _, a := range u.paths {
			literal = literal || a.Literal
		}
		if !literal {
			continue
		}
		rec := ""
		if u.recurses {
			rec = " (recursively)"
		}
		report(p, f, u.span, "%s %s makes %s world-writable%s", u.tool, u.mode, supplyPathList(u.paths), rec)
	}
}

// supplyBinDir reports whether a path sits in a directory of programs.
func supplyBinDir(p string) bool {
	dir := path.Base(path.Dir(p))
	return strings.HasSuffix(dir, "bin") || dir == "libexec"
}

func supplyCheckSetuid(p *rule.Pass, f *df.File) {
	for _, u := range supplyModeUses(f) {
		bits, ok := supplyParseMode(u.mode)
		if !ok || len(u.paths) == 0 || u.dirs {
			continue
		}
		switch {
		case bits.setuid:
			what := "setuid"
			if bits.setgid {
				what = "setuid and setgid"
			}
			report(p, f, u.span, "%s %s sets the %s bit on %s", u.tool, u.mode, what, supplyPathList(u.paths))
		case bits.setgid && !u.recurses:
			// setgid on a directory only makes new files inherit its group:
			// report it only on programs.
			var progs []df.Arg
			for _, a := range u.paths {
				if a.Literal && (u.files || supplyBinDir(a.Value)) {
					progs = append(progs, a)
				}
			}
			if len(progs) > 0 {
				report(p, f, u.span, "%s %s sets the setgid bit on %s", u.tool, u.mode, supplyPathList(progs))
			}
		}
	}
}

// ---- DF076 and DF077: the whole build context ----

// supplyWholeContext reports whether a COPY/ADD source is the whole
// build context.
func supplyWholeContext(v string) bool {
	switch v {
	case ".", "./", "*", "./*", "/":
		return true
	}
	return false
}

// supplyStageWorkdir returns the working directory in effect at in, as far
// as WORKDIR instructions of the stage and its base stages tell.
func supplyStageWorkdir(st *df.Stage, in *df.Instruction) (string, bool) {
	chain := st.Chain()
	wd, known := "/", chain[0].Image == "scratch"
	for _, s := range chain {
		for _, x := range s.Instructions {
			if x == in {
				return wd, known
			}
			if x.Cmd != "workdir" || len(x.Args) == 0 {
				continue
			}
			v := x.Args[0].Value
			if strings.Contains(v, "$") {
				wd, known = "", false
				continue
			}
			if path.IsAbs(v) {
				wd, known = path.Clean(v), true
			} else if known {
				wd = path.Join(wd, v)
			}
		}
	}
	return wd, known
}

// supplyShipped returns the stages whose filesystem the final image is
// built on: the final stage and its base stages.
func supplyShipped(f *df.File) map[*df.Stage]bool {
	out := map[*df.Stage]bool{}
	if s := f.FinalStage(); s != nil {
		for _, st := range s.Chain() {
			out[st] = true
		}
	}
	return out
}

// supplyContextCopy is a COPY or ADD of the whole build context that ends
// up in the final image.
type supplyContextCopy struct {
	in  *df.Instruction
	src df.Word
	via string // how it reaches the final image, if not directly
}

// supplyContextCopies returns the whole-context copies that reach the
// final image, directly or through COPY --from of their destination.
func supplyContextCopies(f *df.File) []supplyContextCopy {
	shipped := supplyShipped(f)
	var out []supplyContextCopy
	for _, st := range f.Stages {
		for _, in := range st.Instructions {
			if in.Cmd != "copy" && in.Cmd != "add" || len(in.Args) < 2 {
				continue
			}
			if _, ok := in.Flag("from"); ok {
				continue
			}
			for _, src := range in.Args[:len(in.Args)-1] {
				if !supplyWholeContext(src.Value) {
					continue
				}
				if shipped[st] {
					out = append(out, supplyContextCopy{in: in, src: src})
					break
				}
				if via := supplyCopiedOnward(f, st, in, shipped); via != "" {
					out = append(out, supplyContextCopy{in: in, src: src, via: via})
					break
				}
			}
		}
	}
	return out
}

// supplyCopiedOnward says which shipped stage copies the destination of in
// (or a parent of it) from stage st, or returns "".
func supplyCopiedOnward(f *df.File, st *df.Stage, in *df.Instruction, shipped map[*df.Stage]bool) string {
	dest := in.Args[len(in.Args)-1].Value
	if strings.Contains(dest, "$") {
		return ""
	}
	if !path.IsAbs(dest) {
		wd, ok := supplyStageWorkdir(st, in)
		if !ok {
			return ""
		}
		dest = path.Join(wd, dest)
	}
	dest = path.Clean(dest)
	for _, later := range f.Stages {
		if !shipped[later] || later.Index <= st.Index {
			continue
		}
		for _, x := range later.Instructions {
			from, ok := x.Flag("from")
			if x.Cmd != "copy" || !ok || len(x.Args) < 2 || f.StageByName(from, later.Index) != st {
				continue
			}
			for _, s := range x.Args[:len(x.Args)-1] {
				v := s.Value
				if strings.ContainsAny(v, "$*?[") {
					continue
				}
				v = path.Clean("/" + v)
				if v == "/" || v == dest || strings.HasPrefix(dest, v+"/") {
					if later.Name == "" {
						return "the final stage copies it from here"
					}
					return fmt.Sprintf("stage %s copies it into the final image", later.Name)
				}
			}
		}
	}
	return ""
}

func supplyCheckContextNoIgnore(p *rule.Pass, f *df.File) {
	if !f.Context.Known || f.Context.DockerIgnore != "" {
		return
	}
	for _, cc := range supplyContextCopies(f) {
		via := ""
		if cc.via != "" {
			via = " (" + cc.via + ")"
		}
		report(p, f, cc.src.Span, "%s %s copies the whole build context%s and there is no .dockerignore beside the Dockerfile to keep .git, .env or keys out", strings.ToUpper(cc.in.Cmd), cc.src.Value, via)
	}
}

func supplyCheckIgnoreGaps(p *rule.Pass, f *df.File) {
	if !f.Context.Known || f.Context.DockerIgnore == "" {
		return
	}
	copies := supplyContextCopies(f)
	if len(copies) == 0 {
		return
	}
	pm, err := patternmatcher.New(f.Context.IgnorePatterns)
	if err != nil {
		return
	}
	var missing []string
	for _, probe := range []struct{ name, path string }{{".git", ".git/config"}, {".env", ".env"}} {
		if ok, err := pm.MatchesOrParentMatches(probe.path); err == nil && !ok {
			missing = append(missing, probe.name)
		}
	}
	if len(missing) == 0 {
		return
	}
	for _, cc := range copies {
		report(p, f, cc.src.Span, "%s %s copies the whole build context, and %s does not exclude %s", strings.ToUpper(cc.in.Cmd), cc.src.Value, path.Base(f.Context.DockerIgnore), strings.Join(missing, " or "))
	}
}

// ---- DF078: secret files ----

var (
	supplyFixtureDirs = map[string]bool{"testdata": true, "fixtures": true, "fixture": true, "__fixtures__": true, "test-fixtures": true}
	supplySecretNames = map[string]string{
		"id_rsa": "an SSH private key", "id_dsa": "an SSH private key", "id_ecdsa": "an SSH private key", "id_ed25519": "an SSH private key",
		"id_ecdsa_sk": "an SSH private key", "id_ed25519_sk": "an SSH private key",
		".npmrc": "an npm credentials file", ".pypirc": "a PyPI credentials file", ".netrc": "a netrc credentials file", "_netrc": "a netrc credentials file",
		".git-credentials": "a Git credentials file", ".pgpass": "a PostgreSQL password file", ".vault-token": "a Vault token",
		".s3cfg": "an S3 credentials file", ".boto": "a cloud credentials file", ".dockercfg": "Docker registry credentials",
		"kubeconfig": "a kubeconfig", ".kubeconfig": "a kubeconfig", "credentials": "a credentials file",
		".env": "a .env file", "secring.gpg": "a GnuPG secret keyring", "private-keys-v1.d": "GnuPG private keys",
		".ssh": "an SSH directory", ".aws": "an AWS credentials directory", ".gnupg": "a GnuPG keyring",
	}
	supplyPublicSSH  = map[string]bool{"known_hosts": true, "config": true, "authorized_keys": true, "environment": true, "rc": true}
	supplyEnvAllowed = map[string]bool{"example": true, "sample": true, "template": true, "tmpl": true, "tpl": true, "dist": true, "defaults": true,
		"default": true, "schema": true, "test": true, "testing": true, "ci": true, "development": true, "dev": true}
	supplyTemplateWords = map[string]bool{"example": true, "sample": true, "template": true, "tmpl": true, "tpl": true, "dist": true, "defaults": true, "default": true}
	supplyKeyPublic     = map[string]bool{"gpg": true, "pgp": true, "asc": true, "public": true, "pub": true, "signing": true, "release": true,
		"repo": true, "archive": true, "apt": true, "keyring": true, "gpgkey": true, "trusted": true}
	supplyPemPrivate = map[string]bool{"key": true, "privkey": true, "private": true, "priv": true, "secret": true}
	supplyCredJSON   = regexp.MustCompile(`^(?:.*[-_.])?(?:credentials|client_secrets?(?:[-_.].*)?|service[-_]?account(?:[-_.].*)?)\.(?:json|ya?ml|ini|csv)$`)
)

// supplyTokens splits a file name into words.
func supplyTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
}

// supplySecretFile describes the secret a path looks like, or "".
func supplySecretFile(p string) string {
	clean := strings.TrimSuffix(strings.ToLower(p), "/")
	comps := strings.Split(clean, "/")
	for _, c := range comps {
		if supplyFixtureDirs[c] {
			return ""
		}
	}
	base := comps[len(comps)-1]
	parent := ""
	if len(comps) > 1 {
		parent = comps[len(comps)-2]
	}
	if strings.HasSuffix(base, ".pub") || strings.HasSuffix(base, ".crt") || strings.HasSuffix(base, ".cer") {
		return ""
	}
	if d, ok := supplySecretNames[base]; ok {
		return d
	}
	if strings.HasSuffix(base, "*") {
		// ".npmrc*" or ".env*" copies the file when it exists
		if d, ok := supplySecretNames[strings.TrimSuffix(base, "*")]; ok {
			return d
		}
	}
	switch {
	case parent == ".ssh":
		if supplyPublicSSH[base] {
			return ""
		}
		return "a file from an SSH directory"
	case parent == ".docker" && base == "config.json":
		return "Docker registry credentials"
	case parent == ".kube" && base == "config":
		return "a kubeconfig"
	}
	ext := path.Ext(base)
	toks := supplyTokens(strings.TrimSuffix(base, ext))
	hasTok := func(set map[string]bool) bool {
		for _, t := range toks {
			if set[t] {
				return true
			}
		}
		return false
	}
	switch {
	case strings.HasPrefix(base, ".env."):
		rest := strings.Split(strings.TrimPrefix(base, ".env."), ".")
		if supplyEnvAllowed[rest[0]] && rest[len(rest)-1] != "local" {
			return ""
		}
		return "a .env file"
	case ext == ".pem" && hasTok(supplyPemPrivate):
		return "a private key"
	case ext == ".key" && !hasTok(supplyKeyPublic) && !strings.Contains(base, "*"):
		return "a private key"
	case base == "*.key":
		return "private keys"
	case strings.HasPrefix(base, "ssh_host_") && strings.HasSuffix(base, "_key"):
		return "an SSH host private key"
	case ext == ".p12" || ext == ".pfx":
		return "a PKCS#12 bundle with a private key"
	case ext == ".ppk":
		return "a PuTTY private key"
	case supplyCredJSON.MatchString(base):
		return "a credentials file"
	}
	return ""
}

// supplySSHDest reports whether a destination directory is an SSH
// directory (keys copied into it are private keys).
func supplySSHDest(dest string) bool {
	d := strings.TrimSuffix(dest, "/")
	return path.Base(d) == ".ssh"
}

func supplyCheckSecretFiles(p *rule.Pass, f *df.File) {
	for _, in := range supplyInstrs(f, "copy", "add") {
		if _, ok := in.Flag("from"); ok || len(in.Args) < 2 {
			continue
		}
		kw := strings.ToUpper(in.Cmd)
		srcs, dest := in.Args[:len(in.Args)-1], in.Args[len(in.Args)-1]
		destDir := strings.HasSuffix(dest.Value, "/") || len(srcs) > 1 || supplySSHDest(dest.Value)
		reported := false
		for _, s := range srcs {
			v := s.Value
			if strings.Contains(v, "://") || strings.HasPrefix(v, "<<") || strings.HasPrefix(v, "git@") || strings.Contains(v, "$") {
				continue
			}
			if d := supplySecretFile(v); d != "" {
				report(p, f, s.Span, "%s copies %s (%s) into the image", kw, v, d)
				reported = true
				continue
			}
			if supplySSHDest(dest.Value) && destDir {
				b := strings.ToLower(path.Base(strings.TrimSuffix(v, "/")))
				if !supplyPublicSSH[b] && !strings.HasSuffix(b, ".pub") {
					report(p, f, s.Span, "%s copies %s into the SSH directory %s", kw, v, dest.Value)
					reported = true
				}
			}
		}
		if reported || destDir || strings.Contains(dest.Value, "$") || supplyTemplateSource(srcs) || supplyFixtureSource(srcs) {
			continue
		}
		if d := supplySecretFile(dest.Value); d != "" {
			report(p, f, dest.Span, "%s writes %s (%s) into the image", kw, dest.Value, d)
		}
	}
}

// supplyTemplateSource reports whether a source is an example or template
// file (".env.example" copied to ".env" holds no secret).
func supplyTemplateSource(srcs []df.Word) bool {
	for _, s := range srcs {
		for _, t := range supplyTokens(strings.ToLower(path.Base(s.Value))) {
			if supplyTemplateWords[t] {
				return true
			}
		}
	}
	return false
}

// supplyFixtureSource reports whether a source lies in a test fixture
// directory, whose keys are public by design.
func supplyFixtureSource(srcs []df.Word) bool {
	for _, s := range srcs {
		for _, c := range strings.Split(strings.ToLower(s.Value), "/") {
			if supplyFixtureDirs[c] {
				return true
			}
		}
	}
	return false
}
