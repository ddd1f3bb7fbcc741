package lang

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// GoStdlib is the module path OSV uses for the Go standard library and
// toolchain.
const GoStdlib = "stdlib"

// GoBinary reads the build information the Go linker embeds in
// executables (ELF, Mach-O, PE). Any executable may be a Go binary, so
// there is no path predicate: sniff the first bytes with IsExecutable and
// hand the candidates to Parse.
type GoBinary struct{}

// Ecosystem returns "Go".
func (GoBinary) Ecosystem() string { return EcosystemGo }

// IsExecutable reports whether head, the first bytes of a file (at least
// four), starts with the magic number of an ELF, Mach-O or PE executable.
func IsExecutable(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")),
		bytes.HasPrefix(head, []byte("MZ")),
		bytes.HasPrefix(head, []byte{0xfe, 0xed, 0xfa, 0xce}),
		bytes.HasPrefix(head, []byte{0xfe, 0xed, 0xfa, 0xcf}),
		bytes.HasPrefix(head, []byte{0xce, 0xfa, 0xed, 0xfe}),
		bytes.HasPrefix(head, []byte{0xcf, 0xfa, 0xed, 0xfe}):
		return true
	}
	return false
}

// Parse reads the build information of the executable at path. A file
// that is not an executable or not built by Go yields no packages and no
// error. It reports:
//
//   - the main module, when its version is known: the stamped version, or
//     failing "(devel)", a semver-looking value set with -ldflags
//     "-X <pkg>.version=…";
//   - every dependency, with a replace directive resolved to the module
//     it points at; replacements by a local directory have no version and
//     are left out;
//   - the toolchain as module "stdlib", version in OSV's form ("go1.22.3"
//     becomes "1.22.3", "go1.21rc2" becomes "1.21.0-rc.2").
//
// Versions drop the leading "v", as OSV's Go ecosystem writes them; the
// purls keep Go's form ("pkg:golang/golang.org/x/net@v0.23.0").
func (GoBinary) Parse(path string, r io.ReaderAt) ([]pkgdb.Package, error) {
	bi, err := buildinfo.Read(r)
	if err != nil {
		// debug/buildinfo does not export its sentinel errors.
		switch msg := err.Error(); {
		case strings.Contains(msg, "not a Go executable"), strings.Contains(msg, "unrecognized file format"):
			return nil, nil
		}
		return nil, fmt.Errorf("go build info %s: %w", path, err)
	}
	return goPackages(bi, path), nil
}

// goPackages turns build information into packages.
func goPackages(bi *debug.BuildInfo, path string) []pkgdb.Package {
	var pkgs []pkgdb.Package
	if bi.Main.Path != "" {
		v := bi.Main.Version
		if v == "" || v == "(devel)" {
			v = ldflagsVersion(bi.Settings)
		}
		if mod := goModVersion(v); mod != "" {
			pkgs = append(pkgs, goPackage(bi.Main.Path, mod, path))
		}
	}
	for _, d := range bi.Deps {
		if d == nil {
			continue
		}
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		if v := goModVersion(m.Version); v != "" && m.Path != "" {
			pkgs = append(pkgs, goPackage(m.Path, v, path))
		}
		if len(pkgs) >= MaxPackages {
			break
		}
	}
	if v := GoToolchainVersion(bi.GoVersion); v != "" {
		pkgs = append(pkgs, goPackage(GoStdlib, v, path))
	}
	return pkgs
}

// goPackage builds a Go package from a module path and an OSV version.
func goPackage(mod, version, path string) pkgdb.Package {
	ns, name := "", mod
	if i := strings.LastIndexByte(mod, '/'); i >= 0 {
		ns, name = mod[:i], mod[i+1:]
	}
	return newPackage(EcosystemGo, mod, version, pkgdb.PURL("golang", ns, name, "v"+version, nil), path)
}

var semverRE = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// goModVersion returns a module version in OSV's form (no leading "v"),
// or "" when v is not a semantic version ("(devel)", empty, a path).
func goModVersion(v string) string {
	if !semverRE.MatchString(v) {
		return ""
	}
	return strings.TrimPrefix(v, "v")
}

// ldflagsVersion returns the value of a "-X <pkg>.version=<v>" (any case)
// linker flag in the build settings, or "".
func ldflagsVersion(settings []debug.BuildSetting) string {
	for _, s := range settings {
		if s.Key != "-ldflags" {
			continue
		}
		fields := strings.Fields(s.Value)
		for i, f := range fields {
			var kv string
			switch {
			case f == "-X" || f == "--X":
				if i+1 < len(fields) {
					kv = fields[i+1]
				}
			case strings.HasPrefix(f, "-X="):
				kv = f[3:]
			case strings.HasPrefix(f, "--X="):
				kv = f[4:]
			default:
				continue
			}
			k, v, ok := strings.Cut(strings.Trim(kv, `'"`), "=")
			if !ok {
				continue
			}
			if j := strings.LastIndexByte(k, '.'); j >= 0 && strings.EqualFold(k[j+1:], "version") && semverRE.MatchString(v) {
				return v
			}
		}
	}
	return ""
}

var goTagRE = regexp.MustCompile(`^go([1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:(beta|rc)([1-9][0-9]*))?$`)

// GoToolchainVersion converts the toolchain version recorded in a binary
// ("go1.22.3", "go1.22.3 X:boringcrypto", "go1.21rc2", "go1.20") to the
// semantic version OSV uses for the "stdlib" module ("1.22.3",
// "1.22.3", "1.21.0-rc.2", "1.20.0"). Development toolchains ("devel
// go1.23-abc") and anything unrecognised give "".
func GoToolchainVersion(v string) string {
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	if i := strings.Index(v, "-X:"); i >= 0 {
		v = v[:i]
	}
	m := goTagRE.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	patch := m[3]
	if patch == "" {
		patch = "0"
	}
	s := m[1] + "." + m[2] + "." + patch
	if m[4] != "" {
		s += "-" + m[4] + "." + m[5]
	}
	return s
}
