// Package osrelease identifies the operating system of an image from the
// contents of its release files (/etc/os-release and the distro-specific
// fallbacks) and maps it to the OSV ecosystem its advisories are filed
// under. It reads file contents only; finding the files in image layers is
// the caller's job.
package osrelease

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// MaxFileSize is the largest release file read; release files are a few
// hundred bytes, so anything larger is not one.
const MaxFileSize = 64 << 10

// Release is the identity of an operating system.
type Release struct {
	// ID is the lower-case distro identifier of os-release ("debian",
	// "ubuntu", "alpine", "rhel", "rocky", ...).
	ID string
	// VersionID is the release version ("12", "22.04", "3.19.1"); it may be
	// empty (Debian testing, Arch, distroless without a version).
	VersionID string
	// VersionCodename is the release code name ("bookworm", "jammy").
	VersionCodename string
	// IDLike lists the distros this one derives from.
	IDLike []string
	// PrettyName is the human-readable name.
	PrettyName string
	// Version is the free-text VERSION field ("20.04 LTS (Focal Fossa)").
	Version string
	// UbuntuPro is set when Ubuntu Pro (ESM) is enabled, which moves the
	// advisories to the "Ubuntu:Pro:" ecosystems. The parsers here never set
	// it; the caller does, from var/lib/ubuntu-advantage/status.json.
	UbuntuPro bool
	// Path is the file the release was read from (the last one, when a
	// fallback file completed os-release).
	Path string
}

// Paths returns the files that identify a release, in the order Detect
// consults them, relative to the image root.
func Paths() []string {
	return []string{
		"etc/os-release",
		"usr/lib/os-release",
		"etc/lsb-release",
		"etc/debian_version",
		"etc/alpine-release",
		"etc/redhat-release",
		"etc/centos-release",
		"etc/rocky-release",
		"etc/almalinux-release",
		"etc/system-release-cpe",
	}
}

// ErrNotFound is returned by Detect when no release file identifies the
// operating system.
var ErrNotFound = errors.New("no operating-system release file found")

// Detect identifies the release from the files read returns (by a path of
// Paths; ok is false when the file is absent). os-release wins; a fallback
// file fills in a missing version (distroless Debian ships an os-release
// without VERSION_ID next to /etc/debian_version).
func Detect(read func(path string) (data []byte, ok bool)) (Release, error) {
	var rel Release
	found := false
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		data, ok := read(p)
		if !ok {
			continue
		}
		r, err := ParseOSRelease(bytes.NewReader(data))
		if err != nil {
			return Release{}, fmt.Errorf("%s: %w", p, err)
		}
		if r.ID == "" {
			continue // empty or unusable: try the next file
		}
		r.Path = p
		rel, found = r, true
		break
	}
	if found && rel.VersionID != "" {
		return rel, nil
	}
	for _, p := range Paths()[2:] {
		if found && !fallbackFits(rel.ID, p) {
			continue
		}
		data, ok := read(p)
		if !ok {
			continue
		}
		r, err := Parse(p, bytes.NewReader(data))
		if err != nil {
			return Release{}, err
		}
		if r.ID == "" {
			continue
		}
		if !found {
			return r, nil
		}
		if r.ID != rel.ID || r.VersionID == "" {
			continue
		}
		rel.VersionID = r.VersionID
		if rel.VersionCodename == "" {
			rel.VersionCodename = r.VersionCodename
		}
		rel.Path = p
		return rel, nil
	}
	if found {
		return rel, nil
	}
	return Release{}, ErrNotFound
}

// fallbackFits reports whether the fallback file p can complete an
// os-release of distro id.
func fallbackFits(id, p string) bool {
	switch p {
	case "etc/debian_version":
		return id == "debian"
	case "etc/lsb-release":
		return id == "ubuntu"
	case "etc/alpine-release":
		return id == "alpine"
	default:
		return true
	}
}

// Parse parses the release file at path (one of Paths) by its name.
func Parse(path string, r io.Reader) (Release, error) {
	var (
		rel Release
		err error
	)
	switch base := path[strings.LastIndexByte(path, '/')+1:]; base {
	case "os-release":
		rel, err = ParseOSRelease(r)
	case "lsb-release":
		rel, err = ParseLSBRelease(r)
	case "debian_version":
		rel, err = ParseDebianVersion(r)
	case "alpine-release":
		rel, err = ParseAlpineRelease(r)
	case "redhat-release", "centos-release", "rocky-release", "almalinux-release":
		rel, err = ParseRedHatRelease(r)
	case "system-release-cpe":
		rel, err = ParseSystemReleaseCPE(r)
	default:
		return Release{}, fmt.Errorf("%s: not a release file", path)
	}
	if err != nil {
		return Release{}, fmt.Errorf("%s: %w", path, err)
	}
	rel.Path = path
	return rel, nil
}

// readAll reads a release file, refusing one larger than MaxFileSize.
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read release file: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("release file larger than %d bytes", MaxFileSize)
	}
	return data, nil
}

// parseAssignments reads shell-style KEY=value lines (os-release(5),
// lsb-release): comments and blank lines skipped, one level of single or
// double quotes removed, backslash escapes in double quotes honoured.
// Lines that are not assignments are ignored, as systemd does.
func parseAssignments(r io.Reader) (map[string]string, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	vars := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxFileSize+1)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key = strings.TrimSpace(strings.TrimPrefix(key, "export "))
		if key == "" || strings.ContainsAny(key, " \t") {
			continue
		}
		vars[key] = unquote(strings.TrimSpace(val))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read release file: %w", err)
	}
	return vars, nil
}

// unquote removes the quotes around an os-release value.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
		if !strings.Contains(v, `\`) {
			return v
		}
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) {
				i++
			}
			b.WriteByte(v[i])
		}
		return b.String()
	}
	return v
}

// ParseOSRelease parses an os-release(5) file. An empty file gives an empty
// Release and no error.
func ParseOSRelease(r io.Reader) (Release, error) {
	vars, err := parseAssignments(r)
	if err != nil {
		return Release{}, err
	}
	return Release{
		ID:              strings.ToLower(vars["ID"]),
		VersionID:       vars["VERSION_ID"],
		VersionCodename: vars["VERSION_CODENAME"],
		IDLike:          strings.Fields(strings.ToLower(vars["ID_LIKE"])),
		PrettyName:      vars["PRETTY_NAME"],
		Version:         vars["VERSION"],
	}, nil
}

// ParseLSBRelease parses /etc/lsb-release (DISTRIB_ID, DISTRIB_RELEASE,
// DISTRIB_CODENAME, DISTRIB_DESCRIPTION).
func ParseLSBRelease(r io.Reader) (Release, error) {
	vars, err := parseAssignments(r)
	if err != nil {
		return Release{}, err
	}
	return Release{
		ID:              strings.ToLower(vars["DISTRIB_ID"]),
		VersionID:       vars["DISTRIB_RELEASE"],
		VersionCodename: vars["DISTRIB_CODENAME"],
		PrettyName:      vars["DISTRIB_DESCRIPTION"],
		Version:         vars["DISTRIB_DESCRIPTION"],
	}, nil
}

// firstLine returns the first non-blank line of a small file.
func firstLine(r io.Reader) (string, error) {
	data, err := readAll(r)
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l, nil
		}
	}
	return "", nil
}

// ParseDebianVersion parses /etc/debian_version: a point release ("12.5",
// "9.8") gives VersionID as written; testing and unstable write a code name
// pair ("trixie/sid", "buster/sid"), which gives VersionCodename.
func ParseDebianVersion(r io.Reader) (Release, error) {
	l, err := firstLine(r)
	if err != nil || l == "" {
		return Release{}, err
	}
	rel := Release{ID: "debian", PrettyName: "Debian GNU/Linux " + l}
	if l[0] >= '0' && l[0] <= '9' {
		rel.VersionID = l
		return rel, nil
	}
	code, _, _ := strings.Cut(l, "/")
	rel.VersionCodename = code
	return rel, nil
}

// ParseAlpineRelease parses /etc/alpine-release ("3.18.4").
func ParseAlpineRelease(r io.Reader) (Release, error) {
	l, err := firstLine(r)
	if err != nil || l == "" {
		return Release{}, err
	}
	return Release{ID: "alpine", VersionID: l, PrettyName: "Alpine Linux " + l}, nil
}

// redHatIDs maps the distribution name of a redhat-release line to its
// os-release ID.
var redHatIDs = []struct{ prefix, id string }{
	{"red hat enterprise linux", "rhel"},
	{"centos stream", "centos"},
	{"centos", "centos"},
	{"rocky linux", "rocky"},
	{"almalinux", "almalinux"},
	{"scientific linux", "scientific"},
	{"oracle linux", "ol"},
	{"fedora", "fedora"},
	{"amazon linux", "amzn"},
}

// ParseRedHatRelease parses /etc/redhat-release and its siblings
// ("Rocky Linux release 8.10 (Green Obsidian)").
func ParseRedHatRelease(r io.Reader) (Release, error) {
	l, err := firstLine(r)
	if err != nil || l == "" {
		return Release{}, err
	}
	name, rest, ok := strings.Cut(l, " release ")
	if !ok {
		return Release{}, fmt.Errorf("unrecognised release line %q", truncate(l))
	}
	rel := Release{PrettyName: l}
	lower := strings.ToLower(name)
	for _, m := range redHatIDs {
		if strings.HasPrefix(lower, m.prefix) {
			rel.ID = m.id
			break
		}
	}
	if rel.ID == "" {
		return Release{}, fmt.Errorf("unknown distribution %q", truncate(name))
	}
	ver, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
	rel.VersionID = ver
	if i := strings.IndexByte(rest, '('); i >= 0 {
		if j := strings.IndexByte(rest[i:], ')'); j > 0 {
			rel.Version = ver + " " + rest[i:i+j+1]
		}
	}
	return rel, nil
}

// ParseSystemReleaseCPE parses /etc/system-release-cpe
// ("cpe:/o:centos:linux:6:GA", "cpe:2.3:o:amazon:amazon_linux:2").
func ParseSystemReleaseCPE(r io.Reader) (Release, error) {
	l, err := firstLine(r)
	if err != nil || l == "" {
		return Release{}, err
	}
	var parts []string
	switch {
	case strings.HasPrefix(l, "cpe:2.3:"):
		parts = strings.Split(strings.TrimPrefix(l, "cpe:2.3:"), ":")
	case strings.HasPrefix(l, "cpe:/"):
		parts = strings.Split(strings.TrimPrefix(l, "cpe:/"), ":")
	default:
		return Release{}, fmt.Errorf("not a CPE: %q", truncate(l))
	}
	if len(parts) < 4 || parts[0] != "o" {
		return Release{}, fmt.Errorf("not an operating-system CPE: %q", truncate(l))
	}
	vendor, product, ver := parts[1], parts[2], parts[3]
	id := vendor
	switch {
	case vendor == "redhat":
		id = "rhel"
	case vendor == "amazon":
		id = "amzn"
	case vendor == "oracle":
		id = "ol"
	case vendor == "fedoraproject":
		id = "fedora"
	case vendor == "rocky":
		id = "rocky"
	}
	return Release{ID: id, VersionID: ver, PrettyName: vendor + " " + product + " " + ver}, nil
}

// truncate shortens a value quoted in an error message.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// debianCodenames maps Debian code names to release numbers (the table
// osv-scalibr and OSV.dev's Debian converter use).
var debianCodenames = map[string]string{
	"squeeze":  "6",
	"wheezy":   "7",
	"jessie":   "8",
	"stretch":  "9",
	"buster":   "10",
	"bullseye": "11",
	"bookworm": "12",
	"trixie":   "13",
	"forky":    "14",
	"duke":     "15",
}

// Ecosystem returns the OSV ecosystem of the release's OS packages:
// "Debian:12", "Ubuntu:22.04:LTS", "Ubuntu:Pro:18.04:LTS", "Ubuntu:24.10",
// "Alpine:v3.19", "Wolfi", "Chainguard", "AlmaLinux:9", "Rocky Linux:9".
// ok is false for distros without an OSV ecosystem we can name precisely
// (Red Hat's ecosystems are per repository CPE, SUSE's per product) and for
// releases whose version cannot be told.
func (r Release) Ecosystem() (eco pkgdb.Ecosystem, ok bool) {
	switch r.ID {
	case "debian":
		if v := major(r.VersionID); v != "" {
			return pkgdb.Ecosystem{Base: "Debian", Suffix: v}, true
		}
		if v, ok := debianCodenames[strings.ToLower(r.VersionCodename)]; ok {
			return pkgdb.Ecosystem{Base: "Debian", Suffix: v}, true
		}
	case "ubuntu":
		v := majorMinor(r.VersionID)
		if v == "" {
			return pkgdb.Ecosystem{}, false
		}
		suffix := v
		if r.isUbuntuLTS(v) {
			suffix += ":LTS"
		}
		if r.UbuntuPro {
			suffix = "Pro:" + suffix
		}
		return pkgdb.Ecosystem{Base: "Ubuntu", Suffix: suffix}, true
	case "alpine":
		if v := majorMinor(r.VersionID); v != "" {
			return pkgdb.Ecosystem{Base: "Alpine", Suffix: "v" + v}, true
		}
	case "wolfi":
		return pkgdb.Ecosystem{Base: "Wolfi"}, true
	case "chainguard":
		return pkgdb.Ecosystem{Base: "Chainguard"}, true
	case "almalinux":
		if v := major(r.VersionID); v != "" {
			return pkgdb.Ecosystem{Base: "AlmaLinux", Suffix: v}, true
		}
	case "rocky":
		if v := major(r.VersionID); v != "" {
			return pkgdb.Ecosystem{Base: "Rocky Linux", Suffix: v}, true
		}
	}
	return pkgdb.Ecosystem{}, false
}

// isUbuntuLTS reports whether Ubuntu release v ("22.04") is a long-term
// support release: the VERSION text says so, or it is an April release of
// an even year (plus 6.06, the first LTS).
func (r Release) isUbuntuLTS(v string) bool {
	if strings.Contains(r.Version, "LTS") || strings.Contains(r.PrettyName, "LTS") {
		return true
	}
	if v == "6.06" {
		return true
	}
	y, m, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(y)
	return err == nil && m == "04" && n%2 == 0
}

// numericPrefix returns the leading run of digits and dots of v, without
// a trailing dot ("3.20.0_alpha2024" gives "3.20.0").
func numericPrefix(v string) string {
	i := 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.') {
		i++
	}
	return strings.TrimRight(v[:i], ".")
}

// major returns the first number of a version ("12.5" gives "12").
func major(v string) string {
	m, _, _ := strings.Cut(numericPrefix(v), ".")
	return m
}

// majorMinor returns the first two numbers of a version ("3.19.1" gives
// "3.19"), or "" when there are fewer than two.
func majorMinor(v string) string {
	parts := strings.SplitN(numericPrefix(v), ".", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return ""
	}
	return parts[0] + "." + parts[1]
}

// PURLDistro returns the distro qualifier of the release's package URLs:
// ID and VERSION_ID joined by a dash ("debian-12", "alpine-3.18.4"), the
// code name when there is no version, "" when the ID is unknown.
func (r Release) PURLDistro() string {
	switch {
	case r.ID == "":
		return ""
	case r.VersionID != "":
		return r.ID + "-" + r.VersionID
	case r.VersionCodename != "":
		return r.ID + "-" + r.VersionCodename
	}
	return r.ID
}
