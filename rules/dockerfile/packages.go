package dockerfile

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

// packageRules are the checks on package managers, downloads and sudo in
// RUN instructions (DF100-DF149).
func packageRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "DF100", Slug: "run-sudo", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "RUN uses sudo",
			Peers: []string{"hadolint:DL3004", "trivy:DS-0010"},
			Why: "Build steps already run as root unless a USER says otherwise, so sudo is not needed to install anything. " +
				"Using it means sudo is installed and configured in the image, usually with a NOPASSWD rule, which hands any " +
				"process running as the unprivileged user a way back to root. sudo also behaves unpredictably without a TTY " +
				"and mangles the environment and signals.",
			Bad:         "USER app\nRUN sudo apt-get install -y curl",
			Good:        "USER root\nRUN apt-get install -y curl\nUSER app",
			Remediation: "Drop sudo: run the privileged steps before switching `USER`, or switch to `USER root` for them and back afterwards; use `gosu` or `su-exec` if a step must run as another user.",
			Check:       check(pkgCheckSudo),
		},
		{
			ID: "DF101", Slug: "os-package-unpinned", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "OS package installed without a version pin",
			Tags:  []string{"supply-chain"},
			Peers: []string{"hadolint:DL3008", "hadolint:DL3018", "hadolint:DL3033", "hadolint:DL3041", "hadolint:DL3037"},
			Why: "Without a version, the package manager installs whatever the repository serves on the day of the build: " +
				"two builds of the same Dockerfile get different packages, a rebuild can silently pull a broken or " +
				"compromised release, and a vulnerability report cannot be tied to a Dockerfile change.",
			Bad:         "RUN apt-get update && apt-get install -y --no-install-recommends curl",
			Good:        "RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5",
			Remediation: "Pin each package to a version (`pkg=1.2.3` for apt and apk, `pkg-1.2.3` for yum and dnf, `pkg=1.2.3` for zypper), or install from a release chosen with `-t`, and let a bot such as Renovate update the pins.",
			Check:       check(pkgCheckOSPins),
		},
		{
			ID: "DF102", Slug: "package-install-interactive", Kind: rule.Dockerfile, Severity: finding.Low,
			Title:   "package manager may stop at a confirmation prompt",
			Peers:   []string{"hadolint:DL3014", "trivy:DS-0021", "hadolint:DL3030", "hadolint:DL3038", "hadolint:DL3034"},
			Fixable: true,
			Why: "apt-get, yum, dnf, microdnf and zypper ask for confirmation before changing packages. A build has no " +
				"terminal, so the prompt reads end-of-file and the command aborts, or the build only works as long as no " +
				"extra dependency is pulled in. (Trivy rates this High; it breaks builds but exposes nothing, so we rate it Low.)",
			Bad:         "RUN apt-get update && apt-get install curl",
			Good:        "RUN apt-get update && apt-get install -y curl",
			Remediation: "Pass the non-interactive switch: `-y` for apt-get, yum, dnf and microdnf, `-y` or `--non-interactive` for zypper.",
			Check:       check(pkgCheckNonInteractive),
		},
		{
			ID: "DF103", Slug: "apt-install-recommends", Kind: rule.Dockerfile, Severity: finding.Low,
			Title:   "apt-get install pulls in recommended packages",
			Tags:    []string{"cis-docker:4.3"},
			Peers:   []string{"hadolint:DL3015", "trivy:DS-0029"},
			Fixable: true,
			Why: "By default apt installs every package the requested ones merely recommend: documentation tools, " +
				"daemons, compilers and libraries the image never uses, which enlarge it and add attack surface and " +
				"vulnerability reports. Only stages that end up in the final image are checked. (Trivy rates this High; " +
				"the harm is indirect, so we rate it Low.)",
			Bad:         "RUN apt-get update && apt-get install -y curl",
			Good:        "RUN apt-get update && apt-get install -y --no-install-recommends curl",
			Remediation: "Add `--no-install-recommends` to `apt-get install` and list explicitly any recommended package you need.",
			Check:       check(pkgCheckRecommends),
		},
		{
			ID: "DF104", Slug: "apt-lists-not-removed", Kind: rule.Dockerfile, Severity: finding.Low,
			Title:   "apt package lists are left in the image",
			Peers:   []string{"hadolint:DL3009"},
			Fixable: true,
			Why: "`apt-get update` downloads the package index into /var/lib/apt/lists, tens of megabytes that the " +
				"running container never needs. Removed in a later RUN, they stay in the earlier layer; they must be " +
				"deleted in the same RUN, or kept out of the layer with a cache mount. Only stages that end up in the final image are checked.",
			Bad:         "RUN apt-get update && apt-get install -y --no-install-recommends curl",
			Good:        "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
			Remediation: "End the RUN that runs `apt-get update` with `rm -rf /var/lib/apt/lists/*`, or use `RUN --mount=type=cache,target=/var/lib/apt/lists`.",
			Check:       check(pkgCheckAptLists),
		},
		{
			ID: "DF105", Slug: "apt-in-script", Kind: rule.Dockerfile, Severity: finding.Low,
			Title:   "apt used instead of apt-get",
			Peers:   []string{"hadolint:DL3027"},
			Fixable: true,
			Why: "`apt` is the interactive front end: its output and behaviour may change between releases and it warns " +
				"that it has no stable command-line interface. Scripts and Dockerfiles should use `apt-get` and `apt-cache`.",
			Bad:         "RUN apt install -y curl",
			Good:        "RUN apt-get install -y curl",
			Remediation: "Use `apt-get` (or `apt-cache` for queries) instead of `apt`.",
			Check:       check(pkgCheckApt),
		},
		{
			ID: "DF106", Slug: "package-update-alone", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "package index refreshed in a RUN of its own",
			Tags:  []string{"cis-docker:4.7"},
			Peers: []string{"trivy:DS-0017"},
			Why: "Docker caches each RUN as a layer. An index refresh alone in its RUN is cached once and reused by later " +
				"builds, so the install in the next RUN works from a stale index: it installs outdated packages that miss " +
				"security fixes, or fails when the mirror has dropped them.",
			Bad:         "RUN apt-get update\nRUN apt-get install -y curl",
			Good:        "RUN apt-get update && apt-get install -y curl",
			Remediation: "Refresh the index in the same RUN as the install that uses it, for example `RUN apt-get update && apt-get install -y ...`.",
			Check:       check(pkgCheckUpdateAlone),
		},
		{
			ID: "DF107", Slug: "apk-add-cache", Kind: rule.Dockerfile, Severity: finding.Low,
			Title:   "apk add keeps the package cache",
			Peers:   []string{"hadolint:DL3019", "trivy:DS-0025"},
			Fixable: true,
			Why: "Without `--no-cache`, apk stores the downloaded index in /var/cache/apk and it ends up in the layer. " +
				"`--no-cache` fetches the index on the fly and leaves nothing behind. Only stages that end up in the final image are checked. " +
				"(Trivy rates this High; it only wastes space, so we rate it Low.)",
			Bad:         "RUN apk add --update curl",
			Good:        "RUN apk add --no-cache curl",
			Remediation: "Use `apk add --no-cache`, or remove /var/cache/apk/* in the same RUN, or use a cache mount on /var/cache/apk.",
			Check:       check(pkgCheckApkCache),
		},
		{
			ID: "DF108", Slug: "rpm-cache-not-cleaned", Kind: rule.Dockerfile, Severity: finding.Low,
			Title:   "yum, dnf or zypper cache left in the image",
			Peers:   []string{"hadolint:DL3032", "hadolint:DL3040", "hadolint:DL3036", "trivy:DS-0015", "trivy:DS-0019", "trivy:DS-0020", "trivy:DS-0027"},
			Fixable: true,
			Why: "yum, dnf, microdnf and zypper keep repository metadata and downloaded packages under /var/cache, often " +
				"hundreds of megabytes. Unless it is cleaned in the same RUN as the install, the cache is stored in the layer. " +
				"Only stages that end up in the final image are checked.",
			Bad:         "RUN dnf install -y httpd-2.4.57",
			Good:        "RUN dnf install -y httpd-2.4.57 && dnf clean all",
			Remediation: "Finish the RUN with `yum clean all`, `dnf clean all`, `microdnf clean all` or `zypper clean --all`, or use a cache mount on the cache directory.",
			Check:       check(pkgCheckRPMClean),
		},
		{
			ID: "DF109", Slug: "zypper-dist-upgrade", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "zypper dist-upgrade in a Dockerfile",
			Peers: []string{"hadolint:DL3035"},
			Why: "On openSUSE Leap and SLE, `zypper dist-upgrade` is the distribution-upgrade command: it may change vendors, " +
				"downgrade or remove packages to match the repositories, so the image no longer matches its base. " +
				"`zypper update` or `zypper patch` apply fixes within the release. (On Tumbleweed `dup` is the normal update, so Tumbleweed bases are not reported.)",
			Bad:         "FROM opensuse/leap:15.6\nRUN zypper dist-upgrade -y",
			Good:        "FROM opensuse/leap:15.6\nRUN zypper patch -y",
			Remediation: "Use `zypper patch` or `zypper update` for fixes within the release, or move to a newer base image.",
			Check:       check(pkgCheckZypperDup),
		},
		{
			ID: "DF110", Slug: "pip-unpinned", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "pip install without a version pin",
			Tags:  []string{"supply-chain"},
			Peers: []string{"hadolint:DL3013"},
			Why: "`pip install pkg` installs the newest release on PyPI at build time: builds are not reproducible, a new " +
				"major version can break the image, and a malicious release published under the name is picked up at once.",
			Bad:         "RUN pip install --no-cache-dir flask",
			Good:        "RUN pip install --no-cache-dir flask==3.0.3\n# or: RUN pip install --no-cache-dir -r requirements.txt",
			Remediation: "Pin each package (`pkg==1.2.3`) or install from a pinned requirements or constraints file, ideally with `--require-hashes`.",
			Check:       check(pkgCheckPipPins),
		},
		{
			ID: "DF111", Slug: "pip-cache", Kind: rule.Dockerfile, Severity: finding.Low,
			Title:   "pip install keeps its download cache",
			Peers:   []string{"hadolint:DL3042"},
			Fixable: true,
			Why: "pip saves every downloaded wheel and source archive under ~/.cache/pip. In an image the cache is never " +
				"reused and only adds size to the layer. Only stages that end up in the final image are checked.",
			Bad:         "RUN pip install -r requirements.txt",
			Good:        "RUN pip install --no-cache-dir -r requirements.txt",
			Remediation: "Pass `--no-cache-dir`, set `ENV PIP_NO_CACHE_DIR=1`, or use `RUN --mount=type=cache,target=/root/.cache/pip`.",
			Check:       check(pkgCheckPipCache),
		},
		{
			ID: "DF112", Slug: "npm-unpinned", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "npm install of a package without a version",
			Tags:  []string{"supply-chain"},
			Peers: []string{"hadolint:DL3016"},
			Why: "`npm install pkg` (or `@latest`) resolves the newest release at build time, so builds differ from day to day " +
				"and a hijacked or malicious release is installed as soon as it is published.",
			Bad:         "RUN npm install -g typescript",
			Good:        "RUN npm install -g typescript@5.4.5\n# or: RUN npm ci",
			Remediation: "Pin the version (`pkg@1.2.3`), or declare the dependency in package.json and install from the lockfile with `npm ci`.",
			Check:       check(pkgCheckNpmPins),
		},
		{
			ID: "DF113", Slug: "gem-unpinned", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "gem install without a version",
			Tags:  []string{"supply-chain"},
			Peers: []string{"hadolint:DL3028"},
			Why: "`gem install name` installs the newest release at build time: builds are not reproducible and a " +
				"compromised release is picked up immediately.",
			Bad:         "RUN gem install bundler",
			Good:        "RUN gem install bundler -v 2.5.11\n# or: RUN gem install bundler:2.5.11",
			Remediation: "Pin the gem with `-v <version>` or `name:<version>`, or install from a Gemfile.lock with `bundle install`.",
			Check:       check(pkgCheckGemPins),
		},
		{
			ID: "DF114", Slug: "go-unpinned", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "Go module fetched at a moving version",
			Tags:  []string{"supply-chain"},
			Peers: []string{"hadolint:DL3062"},
			Why: "`go install pkg@latest`, `go run pkg@latest` and `go get pkg` resolve the newest version when the image is " +
				"built, so the tool changes between builds and a bad release is picked up at once. (`go install pkg` " +
				"without a version uses the version in go.mod, which is pinned, so it is not reported; nor is a GOPATH-era " +
				"`go get pkg` whose source is then pinned by `git checkout <rev>` or `git reset --hard <rev>` in " +
				"`$GOPATH/src/pkg`, in the same RUN or a later one of the stage.)",
			Bad:         "RUN go install golang.org/x/tools/gopls@latest",
			Good:        "RUN go install golang.org/x/tools/gopls@v0.16.1",
			Remediation: "Name an exact version: `go install module/path@v1.2.3`.",
			Check:       check(pkgCheckGoPins),
		},
		{
			ID: "DF115", Slug: "yarn-cache-not-cleaned", Kind: rule.Dockerfile, Severity: finding.Info,
			Title:   "yarn install without yarn cache clean",
			Peers:   []string{"hadolint:DL3060"},
			Fixable: true,
			Why: "yarn keeps a global cache of every package it downloads. Unless it is cleaned in the same RUN, the cache " +
				"is stored in the layer next to node_modules, often doubling its size. Only stages that end up in the final image are checked.",
			Bad:         "RUN yarn install --frozen-lockfile",
			Good:        "RUN yarn install --frozen-lockfile && yarn cache clean",
			Remediation: "Run `yarn cache clean` in the same RUN as `yarn install`, or use a cache mount on the yarn cache directory.",
			Check:       check(pkgCheckYarnCache),
		},
		{
			ID: "DF116", Slug: "wget-and-curl", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "both wget and curl used in one image",
			Tags:  []string{"cis-docker:4.3"},
			Peers: []string{"hadolint:DL4001", "trivy:DS-0014"},
			Why: "wget and curl do the same job. Using both usually means installing both, doubling the download tooling " +
				"(and its vulnerability reports) an attacker could use. Only stages that end up in the final image are checked.",
			Bad:         "RUN wget -q https://example.com/a.tgz\nRUN curl -fsSLO https://example.com/b.tgz",
			Good:        "RUN curl -fsSLO https://example.com/a.tgz\nRUN curl -fsSLO https://example.com/b.tgz",
			Remediation: "Pick one download tool for the whole image and use it everywhere.",
			Check:       check(pkgCheckWgetCurl),
		},
		{
			ID: "DF117", Slug: "wget-no-progress", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "wget without a progress option floods the build log",
			Peers: []string{"hadolint:DL3047"},
			Why: "Without a terminal, GNU wget prints a dot progress line for every few kilobytes, turning a large " +
				"download into thousands of log lines that hide the useful output.",
			Bad:         "RUN wget https://example.com/big.tar.gz",
			Good:        "RUN wget --progress=dot:giga https://example.com/big.tar.gz",
			Remediation: "Pass `--progress=dot:giga`, `-nv` or `-q` to wget.",
			Check:       check(pkgCheckWgetProgress),
		},
		{
			ID: "DF118", Slug: "pointless-command", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "command that makes no sense in an image build",
			Peers: []string{"hadolint:DL3001"},
			Why: "A build step runs once, without a terminal, and only its filesystem changes are kept. Interactive tools " +
				"(vim, top, ssh) hang or fail, services started with `service` do not survive into the container, and " +
				"commands like `ps`, `free`, `kill`, `mount` or `shutdown` inspect or change the throwaway build container only.",
			Bad:         "RUN service nginx start",
			Good:        "CMD [\"nginx\", \"-g\", \"daemon off;\"]",
			Remediation: "Remove the command: start services from CMD or ENTRYPOINT, edit files with COPY or sed, and use `RUN --mount` instead of mount.",
			Check:       check(pkgCheckPointless),
		},
	}
}

// ---------------------------------------------------------------------------
// Shared helpers

// pkgManagers are the OS package managers, by command name.
var pkgManagers = map[string]bool{
	"apt-get": true, "apt": true, "apk": true, "yum": true, "dnf": true, "microdnf": true, "zypper": true,
}

var (
	pkgAptOpts    = []string{"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release", "-a", "--host-architecture", "-P", "--build-profiles"}
	pkgApkOpts    = []string{"-X", "--repository", "-t", "--virtual", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file", "--cache-max-age", "--timeout", "--progress-fd"}
	pkgRPMOpts    = []string{"-c", "--config", "--installroot", "--releasever", "--setopt", "-x", "--exclude", "--enablerepo", "--disablerepo", "--repo", "--repoid", "-d", "--debuglevel", "-e", "--errorlevel", "--downloaddir", "--destdir", "--rpmverbosity", "--forcearch", "--color", "--comment", "-R", "--randomwait", "--advisory", "--advisories", "--bz", "--bzs", "--cve", "--cves", "--sec-severity", "--secseverity", "--repofrompath", "--disableplugin", "--enableplugin", "--disableexcludes", "--disableexcludepkgs", "--excludepkgs", "--includepkgs"}
	pkgZypperOpts = []string{"-c", "--config", "-R", "--root", "-D", "--reposd-dir", "-C", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir", "-r", "--repo", "-t", "--type", "--from", "-p", "--plus-repo", "--download"}
)

// pkgOptsWithValue returns the options of a package manager that take a
// separate value.
func pkgOptsWithValue(name string) []string {
	switch name {
	case "apt-get", "apt":
		return pkgAptOpts
	case "apk":
		return pkgApkOpts
	case "yum", "dnf", "microdnf":
		return pkgRPMOpts
	case "zypper":
		return pkgZypperOpts
	}
	return nil
}

// pkgSub returns the subcommand word of a package manager command.
func pkgSub(c *df.Command) (df.Arg, bool) {
	p := c.Positionals(pkgOptsWithValue(c.Name)...)
	if len(p) == 0 || !p[0].Literal {
		return df.Arg{}, false
	}
	return p[0], true
}

// pkgOperands returns the positional words after the subcommand.
func pkgOperands(c *df.Command) []df.Arg {
	p := c.Positionals(pkgOptsWithValue(c.Name)...)
	if len(p) == 0 {
		return nil
	}
	return p[1:]
}

// pkgIsSub reports whether c is the named program running one of subs, and
// returns the subcommand word.
func pkgIsSub(c *df.Command, names []string, subs ...string) (df.Arg, bool) {
	match := false
	for _, n := range names {
		if c.Name == n && c.NameArg.Literal {
			match = true
		}
	}
	if !match {
		return df.Arg{}, false
	}
	sub, ok := pkgSub(c)
	if !ok {
		return df.Arg{}, false
	}
	for _, s := range subs {
		if sub.Value == s {
			return sub, true
		}
	}
	return df.Arg{}, false
}

// pkgCmdSpan covers a command from its program name to the given word.
func pkgCmdSpan(c *df.Command, to df.Arg) df.Span {
	return df.Span{Start: c.NameArg.Span.Start, End: to.Span.End}
}

// pkgRuns calls fn for every RUN of the file whose shell parsed. ONBUILD
// triggers are not examined.
func pkgRuns(f *df.File, fn func(in *df.Instruction)) {
	for _, in := range f.Instructions {
		if in.Cmd == "run" && in.Script != nil && in.Script.AST != nil {
			fn(in)
		}
	}
}

// pkgFinalChain returns the final stage and the stages it builds on: the
// stages whose layers end up in the image.
func pkgFinalChain(f *df.File) map[*df.Stage]bool {
	m := map[*df.Stage]bool{}
	for s := f.FinalStage(); s != nil && !m[s]; s = s.BaseStage {
		m[s] = true
	}
	return m
}

// pkgStageMentions reports whether any instruction of the stage chain of in
// matches re. It is used only to recognise configuration that silences a
// check (an apt.conf or yum.conf setting written by the Dockerfile), never
// to report.
func pkgStageMentions(in *df.Instruction, re *regexp.Regexp) bool {
	for _, s := range in.Stage.Chain() {
		for _, x := range s.Instructions {
			if re.MatchString(x.Text()) {
				return true
			}
		}
	}
	return false
}

// Configuration settings written into apt.conf.d or yum.conf/dnf.conf.
var (
	pkgAptConfYesRe       = regexp.MustCompile(`(?i)APT::Get::Assume-Yes\s+\\?["']?\s*(1|true|yes)`)
	pkgAptConfRecommendRe = regexp.MustCompile(`(?i)APT::Install-Recommends\s+\\?["']?\s*(0|false|no)`)
	pkgRPMConfYesRe       = regexp.MustCompile(`(?i)(^|[\s'"])assumeyes\s*=\s*(1|true|yes)`)
)

// pkgStageEnv reports whether an ENV or ARG in the stage chain of in, before
// in, sets the variable to a non-empty value.
func pkgStageEnv(in *df.Instruction, name string) bool {
	for _, s := range in.Stage.Chain() {
		for _, x := range s.Instructions {
			if x == in {
				break
			}
			if x.Cmd != "env" && x.Cmd != "arg" {
				continue
			}
			for _, kv := range keyValues(x) {
				if kv.key == name && strings.Trim(kv.value, `"' `) != "" {
					return true
				}
			}
		}
	}
	return false
}

// pkgMount is one --mount of a RUN.
type pkgMount struct {
	typ, target string
}

// pkgMounts parses the --mount flags of a RUN.
func pkgMounts(in *df.Instruction) []pkgMount {
	var out []pkgMount
	for _, fl := range in.Flags {
		if fl.Name != "mount" {
			continue
		}
		m := pkgMount{typ: "bind"}
		for _, field := range strings.Split(fl.Value, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
			switch strings.ToLower(k) {
			case "type":
				m.typ = strings.ToLower(v)
			case "target", "dst", "destination":
				m.target = pkgCleanPath(v)
			}
		}
		out = append(out, m)
	}
	return out
}

// pkgCleanPath trims quotes, a trailing glob and trailing slashes.
func pkgCleanPath(p string) string {
	p = strings.Trim(p, `"'`)
	p = strings.TrimSuffix(p, "*")
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	return path.Clean("/" + strings.TrimPrefix(p, "/"))
}

// pkgCovers reports whether removing or mounting over dir covers target.
func pkgCovers(dir, target string) bool {
	return target == dir || strings.HasPrefix(target, strings.TrimSuffix(dir, "/")+"/")
}

// pkgCacheMounted reports whether a cache or tmpfs mount of the RUN covers
// one of the directories.
func pkgCacheMounted(in *df.Instruction, dirs ...string) bool {
	for _, m := range pkgMounts(in) {
		if (m.typ != "cache" && m.typ != "tmpfs") || m.target == "" {
			continue
		}
		for _, d := range dirs {
			if pkgCovers(m.target, d) {
				return true
			}
		}
	}
	return false
}

// pkgRemoves reports whether the command deletes one of the directories
// (or their content): `rm -rf /dir/*` or `find /dir ... -delete`.
func pkgRemoves(c *df.Command, dirs ...string) bool {
	var targets []df.Arg
	switch c.Name {
	case "rm":
		targets = c.Positionals()
	case "find":
		if !c.Flag("-delete") && !c.Flag("-exec") {
			return false
		}
		if p := c.Positionals(); len(p) > 0 {
			targets = p[:1]
		}
	default:
		return false
	}
	for _, a := range targets {
		if !a.Literal || !strings.HasPrefix(a.Value, "/") {
			continue
		}
		p := pkgCleanPath(a.Value)
		for _, d := range dirs {
			if pkgCovers(p, d) {
				return true
			}
		}
	}
	return false
}

// pkgIndex returns the position of c in the script's commands.
func pkgIndex(s *df.Script, c *df.Command) int {
	for i, x := range s.Commands {
		if x == c {
			return i
		}
	}
	return -1
}

// pkgAppendFix builds a fix that appends text (such as " && rm -rf ...")
// after the last statement of the RUN, when that is safe: no heredoc, the
// last statement runs in the foreground and is not negated or an exit, and
// the result still parses.
func pkgAppendFix(in *df.Instruction, title, text string) (finding.Fix, bool) {
	s := in.Script
	if len(in.Heredocs) > 0 || s == nil || s.AST == nil || len(s.AST.Stmts) == 0 {
		return finding.Fix{}, false
	}
	last := s.AST.Stmts[len(s.AST.Stmts)-1]
	if last.Cmd == nil || last.Background || last.Coprocess || last.Negated {
		return finding.Fix{}, false
	}
	if call, ok := last.Cmd.(*syntax.CallExpr); ok && len(call.Args) > 0 {
		switch call.Args[0].Lit() {
		case "exit", "exec":
			return finding.Fix{}, false
		}
	}
	var end syntax.Node = last.Cmd
	for _, r := range last.Redirs {
		if r.End().Offset() > end.End().Offset() {
			end = r
		}
	}
	off := int(end.End().Offset())
	if off > len(s.Src) {
		return finding.Fix{}, false
	}
	// Prove the edited script still parses.
	edited := s.Src[:off] + text + s.Src[off:]
	if _, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(edited), ""); err != nil {
		return finding.Fix{}, false
	}
	at := s.Span(end).End
	if at <= in.Span.Start || at > in.Span.End {
		return finding.Fix{}, false
	}
	return insert(title, at, text), true
}

// pkgList names up to five items, then counts the rest.
func pkgList(items []string) string {
	if len(items) <= 5 {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:5], ", "), len(items)-5)
}

// pkgYesPiped returns the commands that read from `yes |`.
func pkgYesPiped(s *df.Script) map[*syntax.CallExpr]bool {
	m := map[*syntax.CallExpr]bool{}
	if s.AST == nil {
		return m
	}
	syntax.Walk(s.AST, func(n syntax.Node) bool {
		b, ok := n.(*syntax.BinaryCmd)
		if !ok || b.Op != syntax.Pipe {
			return true
		}
		if call, ok := b.X.Cmd.(*syntax.CallExpr); ok && len(call.Args) > 0 && call.Args[0].Lit() == "yes" {
			syntax.Walk(b.Y, func(n syntax.Node) bool {
				if c, ok := n.(*syntax.CallExpr); ok {
					m[c] = true
				}
				return true
			})
		}
		return true
	})
	return m
}

// ---------------------------------------------------------------------------
// DF100 sudo

func pkgCheckSudo(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		for _, c := range in.Script.Commands {
			if c.Name == "sudo" && c.NameArg.Literal {
				report(p, f, c.NameArg.Span, "RUN calls sudo; build steps already run as root unless USER says otherwise")
				continue
			}
			for _, w := range c.Wrappers {
				if w != "sudo" {
					continue
				}
				span := c.NameArg.Span
				for _, word := range c.Call.Args {
					if path.Base(word.Lit()) == "sudo" {
						span = in.Script.Span(word)
						break
					}
				}
				report(p, f, span, "RUN uses sudo to run %s; use USER instead", c.Name)
				break
			}
		}
	})
}

// ---------------------------------------------------------------------------
// DF101 OS package pins

func pkgCheckOSPins(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		for i, c := range in.Script.Commands {
			if !pkgManagers[c.Name] || !c.NameArg.Literal {
				continue
			}
			sub, ok := pkgSub(c)
			if !ok {
				continue
			}
			var unpinned []df.Arg
			switch c.Name {
			case "apt-get", "apt":
				if sub.Value != "install" || c.Flag("-t", "--target-release", "--default-release") || pkgAptSimulates(c) {
					continue
				}
				all, purged := pkgAptTemporary(in.Script, i)
				if all {
					continue // build dependencies removed again in the same RUN
				}
				for _, a := range pkgOperands(c) {
					if a.Literal && !pkgAptPinned(a.Value) && !purged[a.Value] {
						unpinned = append(unpinned, a)
					}
				}
			case "apk":
				if sub.Value != "add" || pkgApkVirtualDeleted(in, c) {
					continue
				}
				deleted := pkgApkDeleted(in.Script, i)
				for _, a := range pkgOperands(c) {
					if a.Literal && !pkgApkPinned(a.Value) && !deleted[a.Value] {
						unpinned = append(unpinned, a)
					}
				}
			case "yum", "dnf", "microdnf":
				ops := pkgOperands(c)
				switch {
				case sub.Value == "install":
				case sub.Value == "module" && len(ops) > 0 && ops[0].Value == "install":
					for _, a := range ops[1:] {
						if a.Literal && !strings.Contains(a.Value, ":") && !strings.HasPrefix(a.Value, "-") {
							unpinned = append(unpinned, a)
						}
					}
					ops = nil
				default:
					continue
				}
				for _, a := range ops {
					if a.Literal && !pkgRPMPinned(a.Value) {
						unpinned = append(unpinned, a)
					}
				}
			case "zypper":
				if sub.Value != "install" && sub.Value != "in" {
					continue
				}
				if t, ok := c.FlagArg("-t", "--type"); ok && pkgNextValue(c, t) != "package" {
					continue // patterns, patches and products have no version to pin
				}
				for _, a := range pkgOperands(c) {
					if a.Literal && !pkgZypperPinned(a.Value) {
						unpinned = append(unpinned, a)
					}
				}
			}
			if len(unpinned) == 0 {
				continue
			}
			names := make([]string, len(unpinned))
			for i, a := range unpinned {
				names[i] = a.Value
			}
			what := "package"
			if len(names) > 1 {
				what = "packages"
			}
			report(p, f, unpinned[0].Span, "%s %s installs %s without a version pin: %s", c.Name, sub.Value, what, pkgList(names))
		}
	})
}

// pkgNextValue returns the value of an option given as "--opt value" or
// "--opt=value".
func pkgNextValue(c *df.Command, opt df.Arg) string {
	if _, v, ok := strings.Cut(opt.Value, "="); ok {
		return v
	}
	for i, a := range c.Args {
		if a.Span == opt.Span && i+1 < len(c.Args) {
			return c.Args[i+1].Value
		}
	}
	return ""
}

// pkgLocalFile reports whether an operand names a file, a path or a URL
// rather than a repository package.
func pkgLocalFile(v string, exts ...string) bool {
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") ||
		strings.HasPrefix(v, "~") || strings.Contains(v, "://") {
		return true
	}
	for _, e := range exts {
		if strings.HasSuffix(v, e) {
			return true
		}
	}
	return false
}

// pkgAptSimulates reports whether apt-get only simulates or downloads, so
// nothing is installed.
func pkgAptSimulates(c *df.Command) bool {
	return c.Flag("-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act", "-d", "--download-only")
}

// pkgAptTemporary reports whether the packages installed by the i-th
// command are removed again later in the RUN: either purged by name, or by
// the `apt-mark auto '.*'` ... `apt-get purge --auto-remove` idiom of the
// official images, which removes everything installed since
// `apt-mark showmanual`. It returns the names purged explicitly.
func pkgAptTemporary(s *df.Script, i int) (all bool, purged map[string]bool) {
	purged = map[string]bool{}
	marked := false
	for _, x := range s.Commands[i+1:] {
		if x.Name == "apt-mark" {
			if p := x.Positionals(); len(p) > 0 && p[0].Value == "auto" {
				marked = true
			}
			continue
		}
		sub, ok := pkgIsSub(x, []string{"apt-get", "apt"}, "purge", "remove", "autoremove")
		if !ok {
			continue
		}
		if marked && (sub.Value == "autoremove" || x.Flag("--auto-remove", "--autoremove")) {
			all = true
		}
		for _, a := range pkgOperands(x) {
			purged[a.Value] = true
		}
	}
	return all, purged
}

// pkgApkDeleted returns the names deleted with `apk del` after the i-th
// command.
func pkgApkDeleted(s *df.Script, i int) map[string]bool {
	out := map[string]bool{}
	for _, x := range s.Commands[i+1:] {
		if _, ok := pkgIsSub(x, []string{"apk"}, "del"); ok {
			for _, a := range pkgOperands(x) {
				out[a.Value] = true
			}
		}
	}
	return out
}

// pkgAptPinned: pkg=version, pkg/release, a .deb file, or a removal (pkg-).
func pkgAptPinned(v string) bool {
	return strings.ContainsAny(v, "=/") || strings.HasSuffix(v, "-") || pkgLocalFile(v, ".deb")
}

// pkgApkPinned: pkg=1.2, pkg~1.2, pkg>1.2, pkg<1.2, or an .apk file.
func pkgApkPinned(v string) bool {
	return strings.ContainsAny(v, "=~<>") || pkgLocalFile(v, ".apk")
}

// pkgApkVirtualDeleted reports whether c installs a --virtual group that is
// deleted again with `apk del` in the same RUN: those packages never reach
// the image.
func pkgApkVirtualDeleted(in *df.Instruction, c *df.Command) bool {
	opt, ok := c.FlagArg("-t", "--virtual")
	if !ok {
		return false
	}
	name := pkgNextValue(c, opt)
	if name == "" {
		return false
	}
	for _, x := range in.Script.Commands[pkgIndex(in.Script, c)+1:] {
		if _, ok := pkgIsSub(x, []string{"apk"}, "del"); ok {
			for _, a := range pkgOperands(x) {
				if a.Value == name {
					return true
				}
			}
		}
	}
	return false
}

// pkgRPMVersionRe matches the version part of name-version[-release].
var pkgRPMVersionRe = regexp.MustCompile(`^[0-9][0-9A-Za-z.~^_:+]*(-[0-9A-Za-z.~^_:+]+)*$`)

// pkgRPMPinned: name-1.2[-3.el9][.arch], name-0:1.2, an operator, a group
// (@name), a capability (with parentheses), an .rpm file or a path.
func pkgRPMPinned(v string) bool {
	if strings.ContainsAny(v, "=<>()") || strings.HasPrefix(v, "@") || pkgLocalFile(v, ".rpm") {
		return true
	}
	parts := strings.Split(v, "-")
	for i := 1; i < len(parts); i++ {
		if pkgRPMVersionRe.MatchString(strings.Join(parts[i:], "-")) {
			return true
		}
	}
	return false
}

// pkgZypperPinned: pkg=1.2, pkg>=1.2, pkg<1.2, an .rpm file or a path.
func pkgZypperPinned(v string) bool {
	return strings.ContainsAny(v, "=<>") || pkgLocalFile(v, ".rpm")
}

// ---------------------------------------------------------------------------
// DF102 non-interactive switch

// pkgPromptSubs are the subcommands that change packages and may prompt.
var pkgPromptSubs = map[string][]string{
	"apt-get":  {"install", "upgrade", "dist-upgrade", "remove", "purge", "autoremove", "build-dep", "full-upgrade"},
	"apt":      {"install", "upgrade", "dist-upgrade", "full-upgrade", "remove", "purge", "autoremove", "build-dep", "reinstall"},
	"yum":      {"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "remove", "erase", "downgrade", "distro-sync", "swap", "autoremove", "group", "groups", "module"},
	"dnf":      {"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "remove", "erase", "downgrade", "distro-sync", "distrosync", "swap", "autoremove", "group", "groups", "module"},
	"microdnf": {"install", "reinstall", "update", "upgrade", "remove", "downgrade", "distro-sync", "swap", "module"},
	"zypper":   {"install", "in", "remove", "rm", "update", "up", "patch", "dist-upgrade", "dup", "source-install", "si", "install-new-recommends", "inr"},
}

// pkgGroupSubs are the second words that make `yum group`/`dnf module`
// change packages.
var pkgGroupSubs = map[string]bool{
	"install": true, "remove": true, "upgrade": true, "update": true, "enable": true, "disable": true,
	"reset": true, "switch-to": true, "mark": true, "erase": true,
}

func pkgCheckNonInteractive(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		yes := pkgYesPiped(in.Script)
		for _, c := range in.Script.Commands {
			subs, ok := pkgPromptSubs[c.Name]
			if !ok || !c.NameArg.Literal || yes[c.Call] {
				continue
			}
			sub, ok := pkgIsSub(c, []string{c.Name}, subs...)
			if !ok {
				continue
			}
			at := sub.Span.End
			switch sub.Value {
			case "group", "groups", "module":
				ops := pkgOperands(c)
				if len(ops) == 0 || !pkgGroupSubs[ops[0].Value] {
					continue
				}
				at = ops[0].Span.End
			}
			var flag string
			switch c.Name {
			case "apt-get", "apt":
				if pkgAptAssumesYes(in, c) || c.Flag("-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act") {
					continue
				}
				flag = "-y"
			case "yum", "dnf", "microdnf":
				if c.Flag("-y", "--assumeyes", "--assumeno") || pkgSetopt(c, "assumeyes") || pkgStageMentions(in, pkgRPMConfYesRe) {
					continue
				}
				flag = "-y"
			case "zypper":
				if c.Flag("-n", "--non-interactive", "-y", "--no-confirm") {
					continue
				}
				// A global option is valid for every zypper command.
				flag, at = "--non-interactive", c.NameArg.Span.End
			}
			fix := insert("Add "+flag, at, " "+flag)
			reportFix(p, f, pkgCmdSpan(c, sub), fix, "%s %s without %s may stop at a confirmation prompt", c.Name, sub.Value, flag)
		}
	})
}

// pkgAptAssumesYes reports whether apt-get will not prompt: -y, --yes,
// --assume-yes, --force-yes, -qq (quiet level 2 implies -y), or an
// Assume-Yes setting.
func pkgAptAssumesYes(in *df.Instruction, c *df.Command) bool {
	if c.Flag("-y", "--yes", "--assume-yes", "--force-yes") {
		return true
	}
	quiet := 0
	for _, a := range c.Args {
		v := a.Value
		if v == "--" {
			break
		}
		switch {
		case strings.HasPrefix(v, "-q="), strings.HasPrefix(v, "--quiet="):
			_, level, _ := strings.Cut(v, "=")
			if level >= "2" && len(level) == 1 {
				quiet += 2
			}
		case v == "--quiet":
			quiet++
		case len(v) > 1 && v[0] == '-' && v[1] != '-' && pkgShortGroup(v):
			quiet += strings.Count(v, "q")
		}
	}
	if quiet >= 2 {
		return true
	}
	for _, o := range pkgAptOptions(c) {
		k, v, _ := strings.Cut(o, "=")
		if strings.EqualFold(k, "APT::Get::Assume-Yes") && pkgTruthy(v) {
			return true
		}
	}
	return pkgStageMentions(in, pkgAptConfYesRe)
}

// pkgShortGroup reports whether v is a group of short letter options.
func pkgShortGroup(v string) bool {
	for _, r := range v[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// pkgAptOptions returns the values of -o/--option.
func pkgAptOptions(c *df.Command) []string {
	var out []string
	for i, a := range c.Args {
		v := a.Value
		switch {
		case (v == "-o" || v == "--option") && i+1 < len(c.Args):
			out = append(out, c.Args[i+1].Value)
		case strings.HasPrefix(v, "--option="):
			out = append(out, strings.TrimPrefix(v, "--option="))
		case strings.HasPrefix(v, "-o") && len(v) > 2:
			out = append(out, v[2:])
		}
	}
	return out
}

// pkgSetopt reports whether a yum/dnf --setopt turns the key on.
func pkgSetopt(c *df.Command, key string) bool {
	for i, a := range c.Args {
		v := a.Value
		if v == "--setopt" && i+1 < len(c.Args) {
			v = c.Args[i+1].Value
		} else if !strings.HasPrefix(v, "--setopt=") {
			continue
		} else {
			v = strings.TrimPrefix(v, "--setopt=")
		}
		k, val, _ := strings.Cut(v, "=")
		if strings.EqualFold(k, key) && pkgTruthy(val) {
			return true
		}
	}
	return false
}

func pkgTruthy(v string) bool {
	switch strings.ToLower(strings.Trim(v, `"'; `)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func pkgFalsy(v string) bool {
	switch strings.ToLower(strings.Trim(v, `"'; `)) {
	case "0", "false", "no", "off":
		return true
	}
	return false
}

// ---------------------------------------------------------------------------
// DF103 --no-install-recommends

func pkgCheckRecommends(p *rule.Pass, f *df.File) {
	final := pkgFinalChain(f)
	pkgRuns(f, func(in *df.Instruction) {
		if !final[in.Stage] {
			return
		}
		for _, c := range in.Script.Commands {
			sub, ok := pkgIsSub(c, []string{"apt-get", "apt"}, "install")
			if !ok || len(pkgOperands(c)) == 0 || c.Flag("--no-install-recommends", "--install-recommends") || pkgAptSimulates(c) {
				continue
			}
			skip := false
			for _, o := range pkgAptOptions(c) {
				k, v, _ := strings.Cut(o, "=")
				if strings.EqualFold(k, "APT::Install-Recommends") && (pkgFalsy(v) || pkgTruthy(v)) {
					skip = true
				}
			}
			if skip || pkgStageMentions(in, pkgAptConfRecommendRe) {
				continue
			}
			fix := insert("Add --no-install-recommends", sub.Span.End, " --no-install-recommends")
			reportFix(p, f, pkgCmdSpan(c, sub), fix, "%s install without --no-install-recommends also installs every recommended package", c.Name)
		}
	})
}

// ---------------------------------------------------------------------------
// DF104 apt lists

var pkgAptListDirs = []string{"/var/lib/apt/lists"}

func pkgCheckAptLists(p *rule.Pass, f *df.File) {
	final := pkgFinalChain(f)
	pkgRuns(f, func(in *df.Instruction) {
		if !final[in.Stage] || pkgCacheMounted(in, pkgAptListDirs...) {
			return
		}
		cmds := in.Script.Commands
		for i, c := range cmds {
			sub, ok := pkgIsSub(c, []string{"apt-get", "apt"}, "update")
			if !ok {
				continue
			}
			if pkgUpdateAlone(in.Script, i) {
				return // DF106 reports it
			}
			cleaned := false
			for _, x := range cmds[i+1:] {
				if pkgRemoves(x, pkgAptListDirs...) {
					cleaned = true
				}
				if _, ok := pkgIsSub(x, []string{"apt-get", "apt"}, "distclean", "dist-clean"); ok {
					cleaned = true
				}
			}
			if cleaned {
				return
			}
			const msg = "%s update leaves the package lists in /var/lib/apt/lists in this layer"
			if fix, ok := pkgAppendFix(in, "Remove the apt lists", " && rm -rf /var/lib/apt/lists/*"); ok {
				reportFix(p, f, pkgCmdSpan(c, sub), fix, msg, c.Name)
			} else {
				report(p, f, pkgCmdSpan(c, sub), msg, c.Name)
			}
			return
		}
	})
}

// ---------------------------------------------------------------------------
// DF105 apt instead of apt-get

// pkgAptFixable are the apt subcommands that apt-get runs the same way.
var pkgAptFixable = map[string]bool{
	"install": true, "remove": true, "purge": true, "autoremove": true, "update": true, "clean": true,
	"autoclean": true, "source": true, "build-dep": true, "download": true, "satisfy": true, "dist-upgrade": true,
}

func pkgCheckApt(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		for _, c := range in.Script.Commands {
			if c.Name != "apt" || !c.NameArg.Literal {
				continue
			}
			sub, ok := pkgSub(c)
			if !ok {
				continue
			}
			if c.NameArg.Value == "apt" && pkgAptFixable[sub.Value] {
				reportFix(p, f, c.NameArg.Span, replace("Use apt-get", c.NameArg.Span, "apt-get"),
					"apt %s: use apt-get %s in scripts; apt has no stable command-line interface", sub.Value, sub.Value)
				continue
			}
			report(p, f, c.NameArg.Span, "apt %s: use apt-get or apt-cache in scripts; apt has no stable command-line interface", sub.Value)
		}
	})
}

// ---------------------------------------------------------------------------
// DF106 index refresh alone

// pkgRefreshSubs are the subcommands that only refresh the package index.
var pkgRefreshSubs = map[string][]string{
	"apt-get":  {"update"},
	"apt":      {"update"},
	"apk":      {"update"},
	"yum":      {"makecache"},
	"dnf":      {"makecache"},
	"microdnf": {"makecache"},
	"zypper":   {"refresh", "ref"},
}

// pkgNoUse are commands that cannot make use of a refreshed index.
var pkgNoUse = map[string]bool{
	"true": true, "false": true, ":": true, "echo": true, "printf": true, "set": true, "exit": true,
	"sleep": true, "rm": true, "ls": true, "test": true, "[": true,
}

// pkgPassiveSubs are package-manager subcommands that do not install.
var pkgPassiveSubs = map[string]bool{
	"update": true, "makecache": true, "refresh": true, "ref": true, "clean": true, "autoclean": true,
	"check-update": true, "distclean": true, "dist-clean": true,
}

// pkgUpdateAlone reports whether the i-th command of the script refreshes
// a package index and nothing after it in the RUN can use the index.
func pkgUpdateAlone(s *df.Script, i int) bool {
	c := s.Commands[i]
	if _, ok := pkgIsSub(c, []string{c.Name}, pkgRefreshSubs[c.Name]...); !ok {
		return false
	}
	for _, x := range s.Commands[i+1:] {
		if pkgNoUse[x.Name] && x.NameArg.Literal {
			continue
		}
		if pkgManagers[x.Name] && x.NameArg.Literal {
			if sub, ok := pkgSub(x); ok && pkgPassiveSubs[sub.Value] {
				continue
			}
		}
		return false
	}
	return true
}

func pkgCheckUpdateAlone(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		for i, c := range in.Script.Commands {
			if !pkgUpdateAlone(in.Script, i) {
				continue
			}
			sub, _ := pkgSub(c)
			report(p, f, pkgCmdSpan(c, sub), "%s %s runs without an install in the same RUN; its cached layer goes stale", c.Name, sub.Value)
			break
		}
	})
}

// ---------------------------------------------------------------------------
// DF107 apk --no-cache

var pkgApkCacheDirs = []string{"/var/cache/apk", "/etc/apk/cache"}

func pkgCheckApkCache(p *rule.Pass, f *df.File) {
	final := pkgFinalChain(f)
	pkgRuns(f, func(in *df.Instruction) {
		if !final[in.Stage] || pkgCacheMounted(in, pkgApkCacheDirs...) {
			return
		}
		cmds := in.Script.Commands
		for i, c := range cmds {
			sub, ok := pkgIsSub(c, []string{"apk"}, "add")
			if !ok || c.Flag("--no-cache") {
				continue
			}
			cleaned := false
			for _, x := range cmds[i+1:] {
				if pkgRemoves(x, "/var/cache/apk") {
					cleaned = true
				}
				if _, ok := pkgIsSub(x, []string{"apk"}, "cache"); ok {
					ops := pkgOperands(x)
					if len(ops) > 0 && (ops[0].Value == "clean" || ops[0].Value == "purge") {
						cleaned = true
					}
				}
			}
			if cleaned {
				continue
			}
			fix := insert("Add --no-cache", sub.Span.End, " --no-cache")
			reportFix(p, f, pkgCmdSpan(c, sub), fix, "apk add without --no-cache leaves the package index in /var/cache/apk")
		}
	})
}

// ---------------------------------------------------------------------------
// DF108 yum/dnf/zypper clean

// pkgRPMInstallSubs are the subcommands that fill the cache.
var pkgRPMInstallSubs = map[string][]string{
	"yum":      {"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "downgrade", "distro-sync"},
	"dnf":      {"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "downgrade", "distro-sync", "distrosync"},
	"microdnf": {"install", "reinstall", "update", "upgrade", "downgrade", "distro-sync"},
	"zypper":   {"install", "in", "update", "up", "patch", "dist-upgrade", "dup", "source-install", "si"},
}

var pkgRPMCacheDirs = []string{"/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/zypp"}

func pkgCheckRPMClean(p *rule.Pass, f *df.File) {
	final := pkgFinalChain(f)
	pkgRuns(f, func(in *df.Instruction) {
		if !final[in.Stage] || pkgCacheMounted(in, pkgRPMCacheDirs...) {
			return
		}
		cmds := in.Script.Commands
		for _, mgr := range []string{"yum", "dnf", "microdnf", "zypper"} {
			last, lastIdx := (*df.Command)(nil), -1
			var lastSub df.Arg
			for i, c := range cmds {
				if sub, ok := pkgIsSub(c, []string{mgr}, pkgRPMInstallSubs[mgr]...); ok {
					last, lastIdx, lastSub = c, i, sub
				}
			}
			if last == nil || pkgRPMCleaned(cmds[lastIdx+1:]) {
				continue
			}
			clean := mgr + " clean all"
			if mgr == "zypper" {
				clean = "zypper clean --all"
			}
			msg := "%s %s without `%s` in the same RUN leaves the package cache in the layer"
			if fix, ok := pkgAppendFix(in, "Add "+clean, " && "+clean); ok {
				reportFix(p, f, pkgCmdSpan(last, lastSub), fix, msg, mgr, lastSub.Value, clean)
			} else {
				report(p, f, pkgCmdSpan(last, lastSub), msg, mgr, lastSub.Value, clean)
			}
		}
	})
}

// pkgRPMCleaned reports whether the commands clean the rpm caches.
func pkgRPMCleaned(cmds []*df.Command) bool {
	for _, x := range cmds {
		if pkgRemoves(x, pkgRPMCacheDirs...) {
			return true
		}
		if _, ok := pkgIsSub(x, []string{"yum", "dnf", "microdnf"}, "clean"); ok {
			for _, a := range pkgOperands(x) {
				if a.Value == "all" {
					return true
				}
			}
		}
		if _, ok := pkgIsSub(x, []string{"zypper"}, "clean", "cc"); ok {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// DF109 zypper dist-upgrade

func pkgCheckZypperDup(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		for _, c := range in.Script.Commands {
			sub, ok := pkgIsSub(c, []string{"zypper"}, "dist-upgrade", "dup")
			if !ok || pkgTumbleweed(f, in.Stage) {
				continue
			}
			report(p, f, pkgCmdSpan(c, sub), "zypper %s performs a distribution upgrade; use zypper patch or update", sub.Value)
		}
	})
}

// pkgTumbleweed reports whether the stage is built on openSUSE Tumbleweed,
// a rolling release where dist-upgrade is the normal update.
func pkgTumbleweed(f *df.File, s *df.Stage) bool {
	if s == nil {
		return false
	}
	root := s
	for root.BaseStage != nil {
		root = root.BaseStage
	}
	ref, ok := f.BaseImage(root)
	if !ok {
		return strings.Contains(strings.ToLower(root.Image), "tumbleweed")
	}
	return strings.Contains(strings.ToLower(ref.Repository+":"+ref.Tag), "tumbleweed")
}

// ---------------------------------------------------------------------------
// pip

var (
	pkgPipNameRe    = regexp.MustCompile(`^pip[0-9.]*$`)
	pkgPythonNameRe = regexp.MustCompile(`^python[0-9.]*$`)
)

// pkgPipGeneralOpts are pip's general options that take a value.
var pkgPipGeneralOpts = []string{
	"--proxy", "--cert", "--client-cert", "--log", "--log-file", "--cache-dir", "--timeout", "--retries",
	"--exists-action", "--python", "--trusted-host", "--keyring-provider", "--use-feature", "--use-deprecated",
}

// pkgPipInstallOpts are pip install's options that take a value.
var pkgPipInstallOpts = append([]string{
	"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target", "--platform",
	"--python-version", "--implementation", "--abi", "--root", "--prefix", "--src", "--upgrade-strategy",
	"--install-option", "--global-option", "-C", "--config-settings", "-i", "--index-url", "--extra-index-url",
	"-f", "--find-links", "--no-binary", "--only-binary", "--progress-bar", "--root-user-action", "--report",
	"-b", "--build", "--prefer-binary-for",
}, pkgPipGeneralOpts...)

// pkgPipInstall recognises `pip install` and `python -m pip install`, and
// returns the arguments after the program (or after `-m pip`) and the
// install word.
func pkgPipInstall(c *df.Command) (args []df.Arg, sub df.Arg, ok bool) {
	switch {
	case pkgPipNameRe.MatchString(c.Name) && c.NameArg.Literal:
		args = c.Args
	case pkgPythonNameRe.MatchString(c.Name) && c.NameArg.Literal:
		for i, a := range c.Args {
			if a.Value == "-m" && i+1 < len(c.Args) && c.Args[i+1].Value == "pip" {
				args = c.Args[i+2:]
				break
			}
			if !strings.HasPrefix(a.Value, "-") {
				return nil, df.Arg{}, false
			}
		}
		if args == nil {
			return nil, df.Arg{}, false
		}
	default:
		return nil, df.Arg{}, false
	}
	pc := &df.Command{Args: args}
	p := pc.Positionals(pkgPipGeneralOpts...)
	if len(p) == 0 || p[0].Value != "install" || !p[0].Literal {
		return nil, df.Arg{}, false
	}
	return args, p[0], true
}

// pkgPipPinned reports whether a pip requirement names a version or a
// source that is not PyPI's newest release.
func pkgPipPinned(v string) bool {
	if strings.ContainsAny(v, "=<>~!@;/") || strings.HasPrefix(v, ".") ||
		pkgLocalFile(v, ".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar") {
		return true
	}
	return false
}

func pkgCheckPipPins(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		for _, c := range in.Script.Commands {
			args, sub, ok := pkgPipInstall(c)
			if !ok {
				continue
			}
			pc := &df.Command{Args: args}
			if pc.Flag("-c", "--constraint", "--no-index") {
				continue // versions come from the constraints file or a local directory
			}
			ops := pc.Positionals(pkgPipInstallOpts...)
			var unpinned []df.Arg
			for i, a := range ops {
				if a.Span == sub.Span || !a.Literal || pkgPipPinned(a.Value) {
					continue
				}
				if i+1 < len(ops) && ops[i+1].Value == "@" {
					continue // name @ url
				}
				unpinned = append(unpinned, a)
			}
			if len(unpinned) == 0 {
				continue
			}
			names := make([]string, len(unpinned))
			for i, a := range unpinned {
				names[i] = a.Value
			}
			report(p, f, unpinned[0].Span, "pip install without a version pin: %s", pkgList(names))
		}
	})
}

// pkgPipCacheMounted reports whether a cache or tmpfs mount holds pip's
// cache (~/.cache/pip or a directory named for pip).
func pkgPipCacheMounted(in *df.Instruction) bool {
	for _, m := range pkgMounts(in) {
		if m.typ != "cache" && m.typ != "tmpfs" {
			continue
		}
		if strings.Contains(m.target, "pip") || strings.HasSuffix(m.target, "/.cache") || m.target == "/root" {
			return true
		}
	}
	return false
}

func pkgCheckPipCache(p *rule.Pass, f *df.File) {
	final := pkgFinalChain(f)
	pkgRuns(f, func(in *df.Instruction) {
		if !final[in.Stage] || pkgStageEnv(in, "PIP_NO_CACHE_DIR") || pkgPipCacheMounted(in) {
			return
		}
		cmds := in.Script.Commands
		exports := pkgExports(in.Script, "PIP_NO_CACHE_DIR")
		for i, c := range cmds {
			args, sub, ok := pkgPipInstall(c)
			if !ok || (len(exports) > 0 && exports[0] < int(c.Call.Pos().Offset())) {
				continue
			}
			pc := &df.Command{Args: args}
			if pc.Flag("--no-cache-dir", "--cache-dir") || pkgCallAssigns(c, "PIP_NO_CACHE_DIR") {
				continue
			}
			if pkgPipCacheRemoved(cmds[i+1:]) {
				continue
			}
			fix := insert("Add --no-cache-dir", sub.Span.End, " --no-cache-dir")
			name := c.Name
			if pkgPythonNameRe.MatchString(name) {
				name += " -m pip"
			}
			reportFix(p, f, pkgCmdSpan(c, sub), fix, "%s install without --no-cache-dir keeps downloaded packages in ~/.cache/pip", name)
		}
	})
}

// pkgExports returns the offsets (in the script source) of the `export`,
// `declare -x` and similar statements that set the variable.
func pkgExports(s *df.Script, name string) []int {
	var out []int
	syntax.Walk(s.AST, func(n syntax.Node) bool {
		d, ok := n.(*syntax.DeclClause)
		if !ok {
			return true
		}
		for _, a := range d.Args {
			if a.Name != nil && a.Name.Value == name {
				out = append(out, int(d.Pos().Offset()))
			}
		}
		return true
	})
	return out
}

// pkgCallAssigns reports whether the command sets the variable for itself
// (`NAME=1 pip install`, `env NAME=1 pip install`).
func pkgCallAssigns(c *df.Command, name string) bool {
	if c.Call == nil {
		return false
	}
	for _, as := range c.Call.Assigns {
		if as.Name != nil && as.Name.Value == name {
			return true
		}
	}
	for _, w := range c.Call.Args {
		if strings.HasPrefix(w.Lit(), name+"=") {
			return true
		}
	}
	return false
}

// pkgPipCacheRemoved reports whether the commands purge pip's cache.
func pkgPipCacheRemoved(cmds []*df.Command) bool {
	for _, x := range cmds {
		if x.Name == "rm" {
			for _, a := range x.Positionals() {
				v := strings.TrimSuffix(strings.TrimRight(a.Value, "*"), "/")
				if a.Literal && (strings.Contains(v, "/.cache/pip") || strings.Contains(v, "/.pip/cache") || strings.HasSuffix(v, "/.cache")) {
					return true
				}
			}
		}
		if sub := pkgPipCache(x); sub == "purge" || sub == "remove" {
			return true
		}
	}
	return false
}

// pkgPipCache returns the subcommand of `pip cache <sub>`, or "".
func pkgPipCache(c *df.Command) string {
	if !pkgPipNameRe.MatchString(c.Name) {
		return ""
	}
	p := c.Positionals(pkgPipGeneralOpts...)
	if len(p) >= 2 && p[0].Value == "cache" {
		return p[1].Value
	}
	return ""
}

// ---------------------------------------------------------------------------
// npm, gem, go

var pkgNpmInstallSubs = []string{"install", "i", "add", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall"}

var pkgNpmOpts = []string{
	"--prefix", "-C", "--registry", "--cache", "-w", "--workspace", "--omit", "--include", "--tag",
	"--loglevel", "--userconfig", "--globalconfig", "--install-strategy", "--before", "--location", "--userconfig",
}

// pkgNpmMoving are version specs that float.
var pkgNpmMoving = map[string]bool{"": true, "latest": true, "next": true, "*": true, "x": true}

// pkgNpmSpec classifies an npm package spec: pinned or not, and the
// moving tag when one is named.
func pkgNpmSpec(v string) (pinned bool, tag string) {
	for _, pre := range []string{"git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:", "file:", "http:", "https:", "npm:", "link:"} {
		if strings.HasPrefix(v, pre) {
			return true, ""
		}
	}
	if v == "." || pkgLocalFile(v, ".tgz", ".tar.gz", ".tar") {
		return true, ""
	}
	name := v
	if strings.HasPrefix(v, "@") {
		name = v[1:]
	}
	at := strings.Index(name, "@")
	if at < 0 {
		// user/repo is a GitHub shorthand, @scope/name is unpinned.
		return !strings.HasPrefix(v, "@") && strings.Contains(v, "/"), ""
	}
	ver := name[at+1:]
	if pkgNpmMoving[ver] {
		return false, ver
	}
	return true, ""
}

func pkgCheckNpmPins(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		for _, c := range in.Script.Commands {
			if c.Name != "npm" || !c.NameArg.Literal {
				continue
			}
			ps := c.Positionals(pkgNpmOpts...)
			if len(ps) < 2 || !ps[0].Literal || !pkgOneOf(ps[0].Value, pkgNpmInstallSubs...) {
				continue
			}
			var names []string
			var first df.Arg
			for _, a := range ps[1:] {
				if !a.Literal {
					continue
				}
				pinned, tag := pkgNpmSpec(a.Value)
				if pinned {
					continue
				}
				if len(names) == 0 {
					first = a
				}
				if tag != "" {
					names = append(names, a.Value+" (a moving tag)")
				} else {
					names = append(names, a.Value)
				}
			}
			if len(names) > 0 {
				report(p, f, first.Span, "npm %s without a version: %s", ps[0].Value, pkgList(names))
			}
		}
	})
}

func pkgOneOf(v string, set ...string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

var pkgGemOpts = []string{
	"-v", "--version", "-i", "--install-dir", "-n", "--bindir", "--source", "-s", "-P", "--trust-policy",
	"--platform", "-g", "--file", "--build-root", "--document", "-p", "--http-proxy", "--config-file",
}

func pkgCheckGemPins(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		for _, c := range in.Script.Commands {
			if c.Name != "gem" || !c.NameArg.Literal {
				continue
			}
			ps := c.Positionals(pkgGemOpts...)
			if len(ps) < 2 || !pkgOneOf(ps[0].Value, "install", "i") || c.Flag("-v", "--version") {
				continue
			}
			var names []string
			var first df.Arg
			for _, a := range ps[1:] {
				if !a.Literal || strings.Contains(a.Value, ":") || pkgLocalFile(a.Value, ".gem") {
					continue
				}
				if len(names) == 0 {
					first = a
				}
				names = append(names, a.Value)
			}
			if len(names) > 0 {
				report(p, f, first.Span, "gem install without a version: %s", pkgList(names))
			}
		}
	})
}

var pkgGoOpts = []string{
	"-C", "-p", "-asmflags", "-buildmode", "-compiler", "-gccgoflags", "-gcflags", "-installsuffix", "-ldflags",
	"-mod", "-modfile", "-overlay", "-pgo", "-pkgdir", "-tags", "-toolexec", "-exec", "-o", "-covermode", "-coverpkg",
}

// pkgGoMoving are version queries that float.
var pkgGoMoving = map[string]bool{"latest": true, "upgrade": true, "patch": true, "master": true, "main": true, "HEAD": true}

// pkgGoRemote reports whether a package path names a remote module (its
// first element has a dot, as in github.com/x/y).
func pkgGoRemote(v string) bool {
	if strings.HasPrefix(v, ".") || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "-") {
		return false
	}
	first, _, _ := strings.Cut(v, "/")
	first, _, _ = strings.Cut(first, "@")
	return strings.Contains(first, ".")
}

func pkgCheckGoPins(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		for ci, c := range in.Script.Commands {
			if c.Name != "go" || !c.NameArg.Literal {
				continue
			}
			ps := c.Positionals(pkgGoOpts...)
			if len(ps) < 2 || !pkgOneOf(ps[0].Value, "install", "get", "run") {
				continue
			}
			sub := ps[0].Value
			targets := ps[1:]
			if sub == "run" {
				targets = targets[:1] // the rest are the program's arguments
			}
			for _, a := range targets {
				if !a.Literal || !pkgGoRemote(a.Value) {
					continue
				}
				mod, ver, hasVer := strings.Cut(a.Value, "@")
				switch {
				case hasVer && pkgGoMoving[ver]:
					report(p, f, a.Span, "go %s %s resolves the moving version @%s at build time", sub, mod, ver)
				case !hasVer && sub == "get" && !pkgGoCheckedOut(f, in, ci, mod):
					report(p, f, a.Span, "go get %s without @version fetches the newest release", mod)
				}
			}
		}
	})
}

// pkgGoCheckedOut reports whether, after the go get at command ci of in,
// the same RUN or a later RUN of the stage checks out a fixed revision of
// the package's GOPATH source (`cd $GOPATH/src/<repo> && git checkout
// "$VERSION"`, or `git reset --hard <rev>`): the GOPATH-era way to pin a
// go get, which builds from the checked-out tree afterwards.
func pkgGoCheckedOut(f *df.File, in *df.Instruction, ci int, pkg string) bool {
	pkg = strings.TrimSuffix(pkg, "/...")
	if pkgGoPinsIn(in.Script.Commands[ci+1:], pkgWorkdirAt(in), pkg) {
		return true
	}
	if in.Stage == nil {
		return false // a RUN before any FROM
	}
	after := false
	for _, x := range in.Stage.Instructions {
		if x == in {
			after = true
			continue
		}
		if after && x.Cmd == "run" && x.Script != nil && x.Script.AST != nil && pkgGoPinsIn(x.Script.Commands, pkgWorkdirAt(x), pkg) {
			return true
		}
	}
	return false
}

// pkgGoPinsIn reports whether one of cmds, run from the directory wd,
// checks out a fixed revision in the GOPATH source of pkg. cd commands are
// followed in order; a directory may hold variables ($GOPATH), as only its
// "/src/<import path>" end is compared.
func pkgGoPinsIn(cmds []*df.Command, wd, pkg string) bool {
	for _, c := range cmds {
		switch c.Name {
		case "cd":
			if ps := c.Positionals(); len(ps) == 1 {
				wd = pkgJoinDir(wd, ps[0].Value)
			}
		case "git":
			dir, sub, rest := wd, "", []df.Arg(nil)
			for i := 0; i < len(c.Args); i++ {
				a := c.Args[i]
				if a.Value == "-C" && i+1 < len(c.Args) {
					dir = pkgJoinDir(dir, c.Args[i+1].Value)
					i++
					continue
				}
				if a.Value == "-c" || a.Value == "--git-dir" || a.Value == "--work-tree" {
					i++
					continue
				}
				if !strings.HasPrefix(a.Value, "-") {
					sub, rest = a.Value, c.Args[i+1:]
					break
				}
			}
			if pkgGitPins(sub, rest) && pkgGoSourceDir(dir, pkg) {
				return true
			}
		}
	}
	return false
}

// pkgGitPins reports whether a git subcommand with its arguments moves the
// work tree to a named revision: `checkout <rev>` or `reset --hard <rev>`,
// where the revision is not a branch that floats (master, main, HEAD).
func pkgGitPins(sub string, args []df.Arg) bool {
	if sub != "checkout" && sub != "reset" {
		return false
	}
	hard := false
	var rev *df.Arg
	for i, a := range args {
		switch {
		case a.Value == "--":
			return false // checkout -- <paths> restores files
		case a.Value == "--hard":
			hard = true
		case !strings.HasPrefix(a.Value, "-") && rev == nil:
			rev = &args[i]
		}
	}
	if rev == nil || sub == "reset" && !hard {
		return false
	}
	return !rev.Literal || !pkgGoMoving[rev.Value]
}

// pkgGoSourceDir reports whether dir is the GOPATH source directory of pkg
// or of a parent of it holding the repository: ".../src/github.com/x/y"
// for github.com/x/y/cmd/z.
func pkgGoSourceDir(dir, pkg string) bool {
	dir = strings.TrimRight(strings.Trim(dir, `"'`), "/")
	_, rel, ok := strings.Cut("/"+dir, "/src/")
	for ok {
		if rel == pkg || strings.HasPrefix(pkg, rel+"/") && strings.Count(rel, "/") >= 2 {
			return true
		}
		_, rel, ok = strings.Cut(rel, "/src/")
	}
	return false
}

// pkgJoinDir applies a cd to dir: an absolute or variable-led target
// replaces it, a relative one is appended.
func pkgJoinDir(dir, to string) string {
	to = strings.Trim(to, `"'`)
	if strings.HasPrefix(to, "/") || strings.HasPrefix(to, "$") || strings.HasPrefix(to, "~") || dir == "" {
		return to
	}
	return path.Join(dir, to)
}

// pkgWorkdirAt returns the working directory at in as the WORKDIR
// instructions of its stage chain set it, variables kept as written, or ""
// when none is set.
func pkgWorkdirAt(in *df.Instruction) string {
	wd := ""
	for _, s := range in.Stage.Chain() {
		for _, x := range s.Instructions {
			if x == in {
				return wd
			}
			if x.Cmd == "workdir" && len(x.Args) > 0 {
				wd = pkgJoinDir(wd, x.Args[0].Value)
			}
		}
	}
	return wd
}

// ---------------------------------------------------------------------------
// DF115 yarn cache

func pkgCheckYarnCache(p *rule.Pass, f *df.File) {
	final := pkgFinalChain(f)
	pkgRuns(f, func(in *df.Instruction) {
		if !final[in.Stage] || pkgStageEnv(in, "YARN_CACHE_FOLDER") {
			return
		}
		for _, m := range pkgMounts(in) {
			if (m.typ == "cache" || m.typ == "tmpfs") && strings.Contains(m.target, "yarn") {
				return
			}
		}
		cmds := in.Script.Commands
		for i, c := range cmds {
			if c.Name != "yarn" || !c.NameArg.Literal || c.Flag("--cache-folder", "--version", "-v", "--help", "-h") {
				continue
			}
			ps := c.Positionals("--cache-folder", "--modules-folder", "--network-timeout", "--mutex", "--cwd")
			var span df.Span
			switch {
			case len(ps) == 0:
				span = c.NameArg.Span
			case ps[0].Value == "install" && ps[0].Literal:
				span = pkgCmdSpan(c, ps[0])
			default:
				continue
			}
			cleaned := false
			for _, x := range cmds[i+1:] {
				if x.Name == "yarn" {
					if xp := x.Positionals(); len(xp) >= 2 && xp[0].Value == "cache" && xp[1].Value == "clean" {
						cleaned = true
					}
				}
				if x.Name == "rm" {
					for _, a := range x.Positionals() {
						if strings.Contains(a.Value, "yarn") && strings.Contains(a.Value, "cache") {
							cleaned = true
						}
					}
				}
			}
			if cleaned {
				continue
			}
			const msg = "yarn install without `yarn cache clean` in the same RUN keeps the yarn cache in the layer"
			if fix, ok := pkgAppendFix(in, "Add yarn cache clean", " && yarn cache clean"); ok {
				reportFix(p, f, span, fix, msg)
			} else {
				report(p, f, span, msg)
			}
			break
		}
	})
}

// ---------------------------------------------------------------------------
// DF116, DF117 wget and curl

func pkgCheckWgetCurl(p *rule.Pass, f *df.File) {
	final := pkgFinalChain(f)
	// The final stage and the stages it builds on make up one image.
	var firstWget, firstCurl *df.Command
	var wgetLine, curlLine int
	for _, in := range f.Instructions {
		if in.Cmd != "run" || in.Script == nil || !final[in.Stage] {
			continue
		}
		for _, c := range in.Script.Commands {
			if !c.NameArg.Literal {
				continue
			}
			switch {
			case c.Name == "wget" && firstWget == nil:
				firstWget, wgetLine = c, in.StartLine
			case c.Name == "curl" && firstCurl == nil:
				firstCurl, curlLine = c, in.StartLine
			}
		}
	}
	if firstWget == nil || firstCurl == nil {
		return
	}
	if firstWget.Span.Start > firstCurl.Span.Start {
		report(p, f, firstWget.NameArg.Span, "image uses wget and also curl (line %d); one download tool is enough", curlLine)
	} else {
		report(p, f, firstCurl.NameArg.Span, "image uses curl and also wget (line %d); one download tool is enough", wgetLine)
	}
}

func pkgCheckWgetProgress(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		if pkgBusyboxWget(f, in.Stage) {
			return
		}
		for _, c := range in.Script.Commands {
			if c.Name != "wget" || !c.NameArg.Literal {
				continue
			}
			if c.Flag("--progress", "--quiet", "-nv", "--no-verbose", "--output-file", "--append-output", "--show-progress", "--spider") ||
				pkgWgetShort(c, "qoa") {
				continue
			}
			report(p, f, c.NameArg.Span, "wget without --progress=dot:giga, -nv or -q floods the build log with progress dots")
		}
	})
}

// pkgWgetValueOpts are wget's short options that take a value: in a group
// such as -qO- everything after one of them is its value.
const pkgWgetValueOpts = "OoaPUetTwiBlDQIXAR"

// pkgWgetShort reports whether a short-option group of the wget command
// holds one of the letters.
func pkgWgetShort(c *df.Command, letters string) bool {
	for _, a := range c.Args {
		v := a.Value
		if v == "--" {
			break
		}
		if len(v) < 2 || v[0] != '-' || v[1] == '-' {
			continue
		}
		for _, r := range v[1:] {
			if strings.ContainsRune(letters, r) {
				return true
			}
			if strings.ContainsRune(pkgWgetValueOpts, r) || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				break
			}
		}
	}
	return false
}

// pkgBusyboxWget reports whether the stage runs on Alpine or BusyBox, whose
// wget prints a single progress line and has no --progress option.
func pkgBusyboxWget(f *df.File, s *df.Stage) bool {
	if s == nil {
		return false
	}
	root := s
	for root.BaseStage != nil {
		root = root.BaseStage
	}
	ref, ok := f.BaseImage(root)
	name := strings.ToLower(root.Image)
	if ok {
		name = strings.ToLower(ref.Repository + ":" + ref.Tag)
	}
	if !strings.Contains(name, "alpine") && !strings.Contains(name, "busybox") {
		return false
	}
	// GNU wget installed on top replaces BusyBox's.
	for _, st := range s.Chain() {
		for _, in := range st.Instructions {
			if in.Script == nil {
				continue
			}
			for _, c := range in.Script.Commands {
				if _, ok := pkgIsSub(c, []string{"apk"}, "add"); ok {
					for _, a := range pkgOperands(c) {
						if strings.HasPrefix(a.Value, "wget") {
							return false
						}
					}
				}
			}
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// DF118 pointless commands

// pkgPointless explains why a command is pointless in a build.
var pkgPointless = map[string]string{
	"ssh":       "ssh needs a remote host and credentials at build time",
	"vim":       "vim is an interactive editor and has no terminal in a build",
	"vi":        "vi is an interactive editor and has no terminal in a build",
	"nano":      "nano is an interactive editor and has no terminal in a build",
	"shutdown":  "shutdown has no effect on a build container",
	"reboot":    "reboot has no effect on a build container",
	"service":   "a service started in RUN does not survive into the container",
	"systemctl": "a service started in RUN does not survive into the container",
	"ps":        "ps only lists the processes of the throwaway build container",
	"top":       "top is interactive and only shows the throwaway build container",
	"htop":      "htop is interactive and only shows the throwaway build container",
	"free":      "free only reports the memory of the throwaway build container",
	"kill":      "no process of an earlier step is running to be killed",
	"mount":     "mount needs privileges a build does not have; use RUN --mount",
	"ifconfig":  "ifconfig only shows the network of the throwaway build container",
}

func pkgCheckPointless(p *rule.Pass, f *df.File) {
	pkgRuns(f, func(in *df.Instruction) {
		cmds := in.Script.Commands
		for i, c := range cmds {
			why, ok := pkgPointless[c.Name]
			if !ok || !c.NameArg.Literal {
				continue
			}
			switch c.Name {
			case "ssh":
				sshMount := false
				for _, m := range pkgMounts(in) {
					if m.typ == "ssh" {
						sshMount = true
					}
				}
				if sshMount {
					continue
				}
			case "vim", "vi", "nano":
				if len(c.Args) > 0 {
					continue // scripted use such as vim +PlugInstall +qall or vim -es
				}
			case "service", "systemctl":
				// Starting a service to use it later in the same RUN (to
				// seed a database, say) is legitimate.
				ps := c.Positionals()
				action := ""
				if c.Name == "service" && len(ps) >= 2 {
					action = ps[1].Value
				} else if c.Name == "systemctl" && len(ps) >= 1 {
					action = ps[0].Value
				}
				if !pkgOneOf(action, "start", "restart", "reload", "status") || i < len(cmds)-1 {
					continue
				}
			case "kill":
				if i > 0 {
					continue // may stop a process started earlier in the RUN
				}
			case "mount":
				if len(c.Args) == 0 {
					continue
				}
			}
			report(p, f, c.NameArg.Span, "%s in RUN: %s", c.Name, why)
		}
	})
}
