package dockerfile

import (
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

func userRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "DF005", Slug: "user-missing", Kind: rule.Dockerfile, Severity: finding.High,
			Title: "final stage does not set a non-root USER",
			Tags:  []string{"seed:secure-image-build", "cis-docker:4.1"},
			Peers: []string{"trivy:DS-0002"},
			Why: "Without a USER instruction the container runs as root. A process that is compromised as root " +
				"inside a container is one kernel bug or one misconfigured mount away from root on the host. " +
				"A final stage built FROM scratch with no CMD or ENTRYPOINT is not reported: it is build output " +
				"(files for `--output` or for other images to copy), not an image that runs.",
			Bad:         "FROM node:20-slim\nCOPY . /app\nCMD [\"node\", \"/app/server.js\"]",
			Good:        "FROM node:20-slim\nCOPY . /app\nUSER 10001:10001\nCMD [\"node\", \"/app/server.js\"]",
			Remediation: "Add a `USER` with a non-root numeric UID (for example `USER 10001:10001`) to the final stage, after the steps that need root.",
			Check: check(func(p *rule.Pass, f *df.File) {
				s := f.FinalStage()
				if s == nil || buildOutputOnly(f, s) {
					return
				}
				for _, st := range s.Chain() {
					if len(instructions(f, st, "user")) > 0 {
						return
					}
				}
				if ref, ok := f.BaseImage(s.Root()); ok && nonRootBase(ref) {
					return
				}
				report(p, f, s.ImageSpan, "final stage (based on %q) has no USER instruction, so it runs as root", s.Image)
			}),
		},
		{
			ID: "DF006", Slug: "user-root", Kind: rule.Dockerfile, Severity: finding.High,
			Title: "final stage switches to the root user",
			Tags:  []string{"seed:secure-image-build", "cis-docker:4.1"},
			Peers: []string{"hadolint:DL3002", "trivy:DS-0002"},
			Why: "The last USER of the final stage is the user the container runs as. Switching to root for " +
				"installation is fine, but the image must end on an unprivileged user.",
			Bad:         "USER root\nCMD [\"app\"]",
			Good:        "USER root\nRUN apt-get update\nUSER 10001\nCMD [\"app\"]",
			Remediation: "End the final stage with `USER` set to a non-root numeric UID.",
			Check: check(func(p *rule.Pass, f *df.File) {
				if u, ok := finalUser(f); ok && isRootUser(u.Value) {
					report(p, f, u.Span, "the final stage runs as %q", u.Value)
				}
			}),
		},
		{
			ID: "DF009", Slug: "user-non-numeric", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "final USER is a name, not a numeric UID",
			Tags:  []string{"cis-docker:4.1"},
			Peers: []string{"hadolint:DL3066"},
			Why: "Kubernetes' `runAsNonRoot` can only verify a numeric UID; with a user name the kubelet refuses to start the pod " +
				"or cannot prove the user is not root. Windows images (a Windows base, or a file whose escape character is " +
				"a backtick) are not reported: their users (`ContainerUser`) are names by design and `runAsNonRoot` does not apply to Windows pods.",
			Bad:         "USER app",
			Good:        "USER 10001:10001",
			Remediation: "Use a numeric UID (and GID) in the final `USER`.",
			Check: check(func(p *rule.Pass, f *df.File) {
				a, ok := finalUser(f)
				if !ok || userWindows(f) {
					return
				}
				name, _, _ := strings.Cut(a.Value, ":")
				if isRootUser(name) || strings.Contains(name, "$") || isNumber(name) {
					return
				}
				report(p, f, a.Span, "USER %q is a name; runAsNonRoot cannot verify it", a.Value)
			}),
		},
		{
			ID: "DF119", Slug: "useradd-high-uid-no-l", Kind: rule.Dockerfile, Severity: finding.Low, Fixable: true,
			Title: "useradd with a large UID and without -l",
			Peers: []string{"hadolint:DL3046"},
			Why: "useradd records every user in /var/log/lastlog and /var/log/faillog, sparse files sized by the highest UID. " +
				"Docker's layer storage does not keep files sparse, so a UID in the millions adds gigabytes of zeros to the image.",
			Bad:         "RUN useradd -u 123456789 app",
			Good:        "RUN useradd -l -u 123456789 app",
			Remediation: "Pass `-l` (`--no-log-init`) to useradd, or use a UID of five digits or fewer.",
			Check: check(func(p *rule.Pass, f *df.File) {
				commands(f, func(_ *df.Instruction, c *df.Command) {
					if c.Name != "useradd" || c.Flag("-l", "--no-log-init") {
						return
					}
					uid, ok := useraddUID(c)
					if !ok || !uid.Literal || !isNumber(uid.Value) || len(uid.Value) <= 5 {
						return
					}
					fx := insert("Add -l to useradd", c.NameArg.Span.End, " -l")
					reportFix(p, f, uid.Span, fx, "useradd with UID %s and without -l writes a lastlog file sized by the UID", uid.Value)
				})
			}),
		},
	}
}

// finalUser returns the argument of the USER in effect at the end of the
// final stage, looking through the stages it builds on.
func finalUser(f *df.File) (df.Word, bool) {
	s := f.FinalStage()
	if s == nil {
		return df.Word{}, false
	}
	chain := s.Chain()
	for i := len(chain) - 1; i >= 0; i-- {
		users := instructions(f, chain[i], "user")
		if len(users) > 0 {
			last := users[len(users)-1]
			if len(last.Args) == 0 {
				return df.Word{}, false
			}
			return last.Args[0], true
		}
	}
	return df.Word{}, false
}

// useraddUID returns the UID argument of a useradd command, if given.
func useraddUID(c *df.Command) (df.Arg, bool) {
	for i, a := range c.Args {
		switch {
		case (a.Value == "-u" || a.Value == "--uid") && i+1 < len(c.Args):
			return c.Args[i+1], true
		case strings.HasPrefix(a.Value, "--uid="):
			v := a
			v.Value = strings.TrimPrefix(a.Value, "--uid=")
			return v, true
		case strings.HasPrefix(a.Value, "-u") && len(a.Value) > 2 && isNumber(a.Value[2:]):
			v := a
			v.Value = a.Value[2:]
			return v, true
		}
	}
	return df.Arg{}, false
}

func isRootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return name == "root" || name == "0"
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// nonRootBase reports whether the base image is known to default to a
// non-root user (Windows images count: they have no root user).
func nonRootBase(ref df.ImageRef) bool {
	tag := strings.ToLower(ref.Tag)
	return strings.Contains(tag, "nonroot") ||
		ref.Registry == "cgr.dev" ||
		userWindowsImage(ref)
}

// userWindowsImage reports whether an image reference names a Windows
// image: mcr.microsoft.com/windows/nanoserver, .../servercore, or a tag
// such as golang:1.22-nanoserver-ltsc2022 or python:3-windowsservercore.
func userWindowsImage(ref df.ImageRef) bool {
	repo, tag := strings.ToLower(ref.Repository), strings.ToLower(ref.Tag)
	for _, marker := range []string{"windows", "nanoserver", "servercore"} {
		if strings.Contains(repo, marker) || strings.Contains(tag, marker) {
			return true
		}
	}
	return false
}

// userWindows reports whether the final image is a Windows image: its
// root base is one, or the file uses the backtick escape that Windows
// Dockerfiles use for paths.
func userWindows(f *df.File) bool {
	if f.Escape == '`' {
		return true
	}
	s := f.FinalStage()
	if s == nil {
		return false
	}
	ref, ok := f.BaseImage(s.Root())
	return ok && userWindowsImage(ref)
}
