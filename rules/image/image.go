// Package image holds the rules that examine a built container image
// (kind rule.Image, target *image.Facts): its config, its history and
// what the layer walk noted about its files. They carry the ideas of the
// Dockerfile rules over to images built elsewhere, so an image is judged
// as its Dockerfile would be; each rule's documentation names the
// Dockerfile rule it mirrors.
//
// # Locations
//
// Every finding's Location.Path is Facts.Ref, the reference the user
// gave. Location.Object names the part of the image, in one of these
// forms, stable across scans of the same image so that suppressions can
// name it:
//
//   - "config.User", "config.Healthcheck": a field of the image config;
//   - "config.Env[NAME]", "config.ExposedPorts[22/tcp]": an entry of a
//     config map or list, by its name (not its position, which changes
//     when a base image adds variables);
//   - "history[N]": the Nth entry (from 0) of the config's history, where
//     build arguments, ENV and ARG values and RUN commands are recorded;
//   - "file PATH": a file of the image, PATH relative to the image root
//     ("file usr/bin/passwd", "file root/.ssh/id_rsa"). The layer that
//     wrote the file, the line of a secret and the layer that deleted it
//     are in the message, not in the Object, so that rebuilding a base
//     image does not change it.
//
// # Distroless-style images
//
// Rule IM010 reports shells and package managers in a distroless-style
// image. An image is distroless-style when it is a Linux image and
// either its config labels a distroless base (the
// org.opencontainers.image.base.name label names gcr.io/distroless/ or
// cgr.dev/chainguard/), or it has no /bin/sh (neither bin/sh nor
// usr/bin/sh is among Facts.Programs) while the walk recorded other
// programs. Images without /bin/sh are distroless by construction: no
// distribution base, no RUN. A "very few programs and a non-shell
// entrypoint" heuristic is not used: Facts does not count the image's
// executables, and guessing would cost trust. The walk must record every
// path of ProgramPaths that exists (a file or a link): if it recorded
// package managers but not shells, every image would look distroless.
package image

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	imgsrc "github.com/bulwark-sec/bulwark/source/image"
)

// Rules returns every image rule, newly built.
func Rules() []*rule.Rule {
	var out []*rule.Rule
	out = append(out, configRules()...)
	out = append(out, fileRules()...)
	return out
}

// check adapts a rule body to rule.Check.
func check(fn func(p *rule.Pass, f *imgsrc.Facts)) func(*rule.Pass) error {
	return func(p *rule.Pass) error {
		f, ok := p.Target.(*imgsrc.Facts)
		if !ok || f == nil {
			return fmt.Errorf("target is %T, not image facts", p.Target)
		}
		if f.Config == nil {
			return fmt.Errorf("image %s: facts without a config", f.Ref)
		}
		fn(p, f)
		return nil
	}
}

// at returns the location of a part of the image.
func at(f *imgsrc.Facts, object string) finding.Location {
	return finding.Location{Path: f.Ref, Object: object}
}

// fileObject is the Object of a file of the image.
func fileObject(p string) string { return "file " + p }

// reportSeverity reports a finding at a severity other than the rule's
// default (a secret's own, a setuid file's class). rule.Pass has no
// per-finding severity, so the pass is copied with a copy of its rule
// that carries sev.
func reportSeverity(p *rule.Pass, sev finding.Severity, loc finding.Location, format string, args ...any) {
	if sev == finding.Unknown || sev == p.Rule.Severity {
		p.Reportf(loc, format, args...)
		return
	}
	r := *p.Rule
	r.Severity = sev
	q := *p
	q.Rule = &r
	q.Reportf(loc, format, args...)
}

// windows reports whether the image is a Windows image, whose users are
// names by design and which has no /bin/sh.
func windows(f *imgsrc.Facts) bool { return strings.EqualFold(f.Config.OS, "windows") }

// buildOutputOnly reports whether the image has no command to run (no
// Cmd, no Entrypoint): files for other images to copy, as DF005 and DF045
// treat a scratch stage with no CMD.
func buildOutputOnly(f *imgsrc.Facts) bool {
	return len(f.Config.Config.Cmd) == 0 && len(f.Config.Config.Entrypoint) == 0
}

// Program classes.
const (
	classShell   = "shell"
	classPackage = "package manager"
	classNetwork = "network tool"
	classSudo    = "privilege tool"
	classServer  = "remote-login server"
)

// programs are the well-known programs the rules look for, by base name.
var programs = map[string]string{
	"sh": classShell, "bash": classShell, "ash": classShell, "dash": classShell, "zsh": classShell, "ksh": classShell,
	"mksh": classShell, "busybox": classShell, "csh": classShell, "tcsh": classShell, "fish": classShell,
	"apt": classPackage, "apt-get": classPackage, "dpkg": classPackage, "apk": classPackage, "yum": classPackage,
	"dnf": classPackage, "microdnf": classPackage, "rpm": classPackage, "zypper": classPackage, "tdnf": classPackage,
	"curl": classNetwork, "wget": classNetwork, "nc": classNetwork, "ncat": classNetwork, "netcat": classNetwork,
	"sudo": classSudo, "doas": classSudo, "su": classSudo, "sshd": classServer,
}

// programDirs are the folders programs are looked for in; "busybox" is
// where distroless :debug images keep their shell.
var programDirs = []string{"bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin", "busybox"}

// ProgramPaths returns the paths (relative to the image root) the layer
// walk should record in Facts.Programs when they exist in the final file
// system, as regular files or links: every well-known shell, package
// manager, network tool, privilege tool and SSH server in every usual
// program folder (bin, sbin, usr/bin, usr/sbin, usr/local/bin,
// usr/local/sbin, busybox). Record all that exist: IM010 reads the
// absence of bin/sh and usr/bin/sh as "distroless-style".
func ProgramPaths() []string {
	var out []string
	for _, dir := range programDirs {
		for _, name := range slices.Sorted(maps.Keys(programs)) {
			out = append(out, dir+"/"+name)
		}
	}
	return out
}

// programClass returns the class of a recorded program, "" for a path
// that is not one of ProgramPaths.
func programClass(p string) string {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	for _, d := range programDirs {
		if d == dir {
			return programs[base]
		}
	}
	return ""
}
