package image

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	imgsrc "github.com/bulwark-sec/bulwark/source/image"
)

// fileRules are the checks on what the layer walk noted about files.
func fileRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "IM005", Slug: "image-secret-in-layer", Kind: rule.Image, Severity: finding.High,
			Title: "credential in a file of an image layer",
			Tags:  []string{"seed:hard-coded-secrets", "cis-docker:4.10"},
			Why: "Every layer of an image is a tar file anyone who can pull the image can unpack, so a credential copied into " +
				"a layer leaks with the image, even when a later layer deletes or overwrites the file: `rm` in a later RUN only " +
				"hides it from the final file system. The scan reads text files of every layer for private keys, cloud and VCS " +
				"tokens by their documented forms, Docker registry auths, .netrc, .npmrc and .git-credentials entries, URLs with " +
				"a password, and credential settings with enough entropy in configuration files (see the `secrets` package for " +
				"what is skipped: documentation, tests and fixtures of installed packages, certificates, public keys, placeholders). " +
				"Each finding has the severity of the credential's kind (CRITICAL for cloud and VCS tokens, HIGH for private keys, " +
				"MEDIUM for settings) and shows only a short prefix of it. This is DF078 (a secret file copied into the image) " +
				"judged on the layers.",
			Bad:         "layer 4: COPY id_rsa /root/.ssh/id_rsa\nlayer 5: RUN git clone git@github.com:corp/app.git && rm /root/.ssh/id_rsa",
			Good:        "RUN --mount=type=ssh git clone git@github.com:corp/app.git",
			Remediation: "Rebuild the image without the file (a `.dockerignore` entry, `RUN --mount=type=secret` or `--mount=type=ssh` for build-time credentials, a multi-stage build that copies only the artifacts) and rotate the credential: everyone who pulled the image has it.",
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				for _, s := range f.Secrets {
					where := fmt.Sprintf("%s in %s", s.Title, s.Path)
					if s.Line > 0 {
						where += fmt.Sprintf(" line %d", s.Line)
					}
					msg := fmt.Sprintf("%s (layer %d%s): %s", where, s.Layer, layerWhat(f, s.Layer), s.Redacted)
					if s.RemovedBy >= 0 {
						msg += fmt.Sprintf("; deleted or replaced in layer %d%s but still extractable from layer %d", s.RemovedBy, layerWhat(f, s.RemovedBy), s.Layer)
					}
					reportSeverity(p, s.Severity, at(f, fileObject(s.Path)), "%s", msg)
				}
			}),
		},
		{
			ID: "IM009", Slug: "image-setuid-setgid", Kind: rule.Image, Severity: finding.Medium,
			Title: "setuid or setgid file in the image",
			Tags:  []string{"supply-chain", "cis-docker:4.8"},
			Why: "A setuid or setgid program runs with its owner's or group's privileges whatever user starts it; in a container " +
				"it is the usual way for an unprivileged process to become root. This is DF075 judged on the final file system, " +
				"one finding per file, with a severity by what the file is: LOW for the programs distributions ship setuid or " +
				"setgid in their system folders (passwd, su, mount, ping, chage, unix_chkpwd, ...; expected in a full base image, " +
				"and harmless under `no-new-privileges`), MEDIUM for sudo, doas and pkexec (a configured way back to root), HIGH for " +
				"anything else (a program the build made setuid, or a system program's name outside the system folders).",
			Bad:         "-rwsr-xr-x usr/local/bin/tool",
			Good:        "-rwxr-xr-x usr/local/bin/tool",
			Remediation: "Remove the bits in the Dockerfile (`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`), and run containers with `no-new-privileges` so that remaining ones grant nothing.",
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				special := append([]imgsrc.FileFact(nil), f.Special...)
				sort.SliceStable(special, func(i, j int) bool { return special[i].Path < special[j].Path })
				for _, s := range special {
					bits := specialBits(s.Mode)
					if bits == "" {
						continue
					}
					sev, why := setuidClass(s.Path)
					reportSeverity(p, sev, at(f, fileObject(s.Path)), "%s is %s (mode %04o, layer %d): %s", s.Path, bits, unixMode(s.Mode), s.Layer, why)
				}
			}),
		},
		{
			ID: "IM010", Slug: "image-shell-in-distroless", Kind: rule.Image, Severity: finding.Medium,
			Title: "shell or package manager in a distroless-style image",
			Tags:  []string{"seed:secure-image-build"},
			Why: "A distroless image leaves out the shell and the package manager so that an attacker who gets code execution " +
				"has no shell to run commands with and no way to install tools. A shell or package manager in such an image (a " +
				"`:debug` or `-dev` variant shipped to production, a busybox copied in) undoes that. An image is distroless-style " +
				"when its config labels a distroless base (org.opencontainers.image.base.name names gcr.io/distroless/ or " +
				"cgr.dev/chainguard/), or when it has no /bin/sh at all but holds another shell or an OS package manager; images " +
				"with /bin/sh are ordinary distribution images and are left to DF003 and DF004. This mirrors DF004 (build tools in the final stage).",
			Bad:         "FROM gcr.io/distroless/static:debug   # /busybox/sh",
			Good:        "FROM gcr.io/distroless/static:nonroot",
			Remediation: "Use the non-debug variant of the distroless base for the final image, and do not copy shells, busybox or package managers into it; debug with `kubectl debug` and an ephemeral container instead.",
			Check: check(func(p *rule.Pass, f *imgsrc.Facts) {
				base, labelled := distrolessBase(f)
				if windows(f) || !labelled && hasSh(f) {
					return
				}
				why := "no /bin/sh"
				if labelled {
					why = "based on " + base
				}
				progs := append([]imgsrc.FileFact(nil), f.Programs...)
				sort.SliceStable(progs, func(i, j int) bool { return progs[i].Path < progs[j].Path })
				for _, prog := range progs {
					class := programClass(prog.Path)
					if class != classShell && class != classPackage {
						continue
					}
					p.Reportf(at(f, fileObject(prog.Path)), "the image is distroless-style (%s) but holds the %s %s (layer %d)", why, class, prog.Path, prog.Layer)
				}
			}),
		},
	}
}

// layerWhat describes a layer for a message: ", RUN apt-get install ..."
// from its history, shortened, and without build arguments or anything
// that may be a credential.
func layerWhat(f *imgsrc.Facts, i int) string {
	if i < 0 || i >= len(f.Layers) || strings.TrimSpace(f.Layers[i].CreatedBy) == "" {
		return ""
	}
	cmd, rest := instruction(f.Layers[i].CreatedBy)
	if cmd == "RUN" {
		_, rest = buildArgs(rest)
		rest = strings.TrimPrefix(rest, "/bin/sh -c ")
	}
	if len(historySecrets(f.Layers[i].CreatedBy, nil)) > 0 || strings.Contains(rest, "://") && strings.Contains(rest, "@") {
		rest = "..." // the instruction holds a credential: name it only
	}
	if cmd == "" {
		cmd = "created by"
	}
	text := strings.Join(strings.Fields(cmd+" "+rest), " ")
	if r := []rune(text); len(r) > 60 {
		text = string(r[:57]) + "..."
	}
	return ", " + text
}

// specialBits names the special bits of a mode: "setuid", "setgid",
// "setuid and setgid", or "".
func specialBits(m fs.FileMode) string {
	switch u, g := m&fs.ModeSetuid != 0, m&fs.ModeSetgid != 0; {
	case u && g:
		return "setuid and setgid"
	case u:
		return "setuid"
	case g:
		return "setgid"
	}
	return ""
}

// unixMode returns a FileMode's permission and special bits as a Unix
// mode (04755).
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 04000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 02000
	}
	if m&fs.ModeSticky != 0 {
		u |= 01000
	}
	return u
}

// usualSetuid are the programs Debian, Ubuntu, Alpine, RHEL and their
// relatives install setuid or setgid in their system folders.
var usualSetuid = map[string]bool{
	"passwd": true, "chsh": true, "chfn": true, "gpasswd": true, "newgrp": true, "su": true, "mount": true, "umount": true,
	"ping": true, "ping6": true, "unix_chkpwd": true, "chage": true, "expiry": true, "wall": true, "write": true,
	"bsd-write": true, "ssh-agent": true, "ssh-keysign": true, "crontab": true, "dotlockfile": true, "lockfile": true,
	"pam_extrausers_chkpwd": true, "pam_timestamp_check": true, "newuidmap": true, "newgidmap": true, "fusermount": true,
	"fusermount3": true, "dbus-daemon-launch-helper": true, "mail-lock": true, "mail-unlock": true, "mail-touchlock": true,
	"utempter": true, "at": true, "userhelper": true, "usernetctl": true, "mount.nfs": true, "chromium-sandbox": true,
	"staprun": true, "Xorg.wrap": true, "postdrop": true, "postqueue": true, "bbsuid": true,
	"chrome-sandbox": true, "polkit-agent-helper-1": true, "plocate": true, "mlocate": true, "dmcrypt-get-device": true,
	"exim4": true, "pppd": true, "ksu": true, "grub2-set-bootflag": true,
}

// escalationSetuid are setuid programs whose purpose is to give root to
// configured users.
var escalationSetuid = map[string]bool{"sudo": true, "sudoedit": true, "doas": true, "pkexec": true}

// systemDirs are the folders distributions install setuid programs in.
var systemDirs = []string{"bin/", "sbin/", "usr/bin/", "usr/sbin/", "usr/lib/", "usr/libexec/", "lib/", "usr/lib64/"}

// setuidClass returns the severity of a setuid or setgid file and why.
func setuidClass(p string) (finding.Severity, string) {
	base := path.Base(p)
	system := false
	for _, d := range systemDirs {
		if strings.HasPrefix(p, d) {
			system = true
		}
	}
	switch {
	case system && escalationSetuid[base]:
		return finding.Medium, "it gives root to the users its configuration names"
	case system && usualSetuid[base]:
		return finding.Low, "a usual setuid or setgid program of the base distribution"
	case usualSetuid[base] || escalationSetuid[base]:
		return finding.High, "a system program's name outside the system folders"
	}
	return finding.High, "not a program distributions ship with these bits"
}

// distrolessBases are the registries of distroless base images.
var distrolessBases = []string{"gcr.io/distroless/", "cgr.dev/chainguard/"}

// distrolessBase returns the base image the config's labels name when it
// is a distroless one.
func distrolessBase(f *imgsrc.Facts) (string, bool) {
	base := f.Config.Config.Labels["org.opencontainers.image.base.name"]
	for _, d := range distrolessBases {
		if strings.HasPrefix(strings.TrimPrefix(base, "docker://"), d) {
			return base, true
		}
	}
	return "", false
}

// hasSh reports whether the walk recorded /bin/sh (bin/sh or
// usr/bin/sh).
func hasSh(f *imgsrc.Facts) bool {
	for _, prog := range f.Programs {
		if prog.Path == "bin/sh" || prog.Path == "usr/bin/sh" {
			return true
		}
	}
	return false
}
