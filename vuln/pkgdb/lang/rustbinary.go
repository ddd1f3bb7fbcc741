package lang

import (
	"bytes"
	"compress/zlib"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"fmt"
	"io"
	"regexp"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// Limits of the cargo-auditable data read from one executable.
const (
	// MaxRustAuditSection is the largest compressed .dep-v0 section read;
	// real ones are a few KiB.
	MaxRustAuditSection = 8 << 20
	// MaxRustAuditJSON is the most JSON decompressed from it.
	MaxRustAuditJSON = 64 << 20
)

// rustAuditSection is the section cargo-auditable writes (ELF, PE, and
// in the __DATA segment of Mach-O).
const rustAuditSection = ".dep-v0"

// RustBinary reads the dependency list cargo-auditable
// (https://github.com/rust-secure-code/cargo-auditable) embeds in Rust
// executables: a zlib-compressed JSON document in the .dep-v0 section of
// an ELF, PE or Mach-O file (a universal Mach-O is read per
// architecture). Like GoBinary it has no path predicate: hand it the
// files IsExecutable accepts. Rejecting other executables costs the
// parse of their section table, nothing more.
type RustBinary struct{}

// Ecosystem returns "crates.io".
func (RustBinary) Ecosystem() string { return EcosystemCratesIO }

// rustAudit is cargo-auditable's VersionInfo.
type rustAudit struct {
	Packages []rustAuditPackage `json:"packages"`
}

type rustAuditPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Source is "crates.io", "git", "local", "registry", or an object
	// {"Other": "…"} for sources the format does not name.
	Source json.RawMessage `json:"source"`
	// Kind is "runtime" (the default when absent) or "build".
	Kind string `json:"kind"`
	Root bool   `json:"root"`
}

var (
	// crateName is the shape crates.io accepts for names.
	crateName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// crateVersion is a SemVer 2 version, as Cargo requires.
	crateVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
)

// Parse reads the cargo-auditable data of the executable at path. A file
// that is not an executable, or one built without cargo-auditable, yields
// no packages and no error. It reports the runtime packages whose source
// is crates.io, the root crate included when it came from crates.io
// (`cargo install`). Left out, as Trivy, Syft and osv-scalibr do by
// default, are build-time dependencies (build scripts and proc macros,
// "kind": "build"), whose code does not run in the image; and, unlike
// them, crates from a local path, git or another registry, which crates.io
// advisories do not describe even when the name matches (a workspace's
// own "app" crate is not crates.io's "app").
func (RustBinary) Parse(path string, r io.ReaderAt) ([]pkgdb.Package, error) {
	sections, err := rustAuditSections(r)
	if err != nil {
		return nil, fmt.Errorf("rust audit data %s: %w", path, err)
	}
	var pkgs []pkgdb.Package
	seen := map[string]bool{}
	for _, sec := range sections {
		audit, err := decodeRustAudit(sec, MaxRustAuditJSON)
		if err != nil {
			return nil, fmt.Errorf("rust audit data %s: %w", path, err)
		}
		for _, p := range audit.Packages {
			if p.Kind == "build" || !bytes.Equal(bytes.TrimSpace(p.Source), []byte(`"crates.io"`)) {
				continue
			}
			if !crateName.MatchString(p.Name) || !crateVersion.MatchString(p.Version) {
				continue
			}
			key := p.Name + "@" + p.Version
			if seen[key] {
				continue // the same crate in another architecture's slice
			}
			seen[key] = true
			purl := pkgdb.PURL("cargo", "", p.Name, p.Version, nil)
			pkgs = append(pkgs, newPackage(EcosystemCratesIO, p.Name, p.Version, purl, path))
		}
	}
	return pkgs, nil
}

// rustAuditSections returns the raw .dep-v0 sections of r: none for a
// file that is not an executable or lacks the section.
func rustAuditSections(r io.ReaderAt) ([][]byte, error) {
	head := make([]byte, 4)
	if n, _ := r.ReadAt(head, 0); n < len(head) || !isExecutableOrFat(head) {
		return nil, nil
	}
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		f, err := elf.NewFile(r)
		if err != nil {
			return nil, nil
		}
		s := f.Section(rustAuditSection)
		if s == nil || s.Type == elf.SHT_NOBITS {
			return nil, nil
		}
		return readSection(s.Size, s.Open())
	case bytes.HasPrefix(head, []byte("MZ")):
		f, err := pe.NewFile(r)
		if err != nil {
			return nil, nil
		}
		s := f.Section(rustAuditSection)
		if s == nil {
			return nil, nil
		}
		// A PE section's raw data is padded to the file alignment; zlib
		// stops at the end of its stream.
		return readSection(uint64(s.Size), s.Open())
	case bytes.Equal(head, []byte{0xca, 0xfe, 0xba, 0xbe}):
		fat, err := macho.NewFatFile(r)
		if err != nil {
			return nil, nil // also the magic of Java class files
		}
		var out [][]byte
		for _, a := range fat.Arches {
			secs, err := machoSections(a.File)
			if err != nil {
				return nil, err
			}
			out = append(out, secs...)
		}
		return out, nil
	default:
		f, err := macho.NewFile(r)
		if err != nil {
			return nil, nil
		}
		return machoSections(f)
	}
}

// isExecutableOrFat reports whether head starts like an executable
// IsExecutable accepts or a universal Mach-O.
func isExecutableOrFat(head []byte) bool {
	return IsExecutable(head) || bytes.Equal(head, []byte{0xca, 0xfe, 0xba, 0xbe})
}

// machoSections returns the .dep-v0 section of a Mach-O file.
func machoSections(f *macho.File) ([][]byte, error) {
	s := f.Section(rustAuditSection)
	if s == nil {
		return nil, nil
	}
	return readSection(s.Size, s.Open())
}

// readSection reads a section of the given size, refusing one larger
// than MaxRustAuditSection.
func readSection(size uint64, r io.Reader) ([][]byte, error) {
	if size > MaxRustAuditSection {
		return nil, fmt.Errorf("%s section of %d bytes: %w", rustAuditSection, size, ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(size)))
	if err != nil {
		return nil, fmt.Errorf("reading %s section: %w", rustAuditSection, err)
	}
	return [][]byte{data}, nil
}

// decodeRustAudit inflates and decodes one section, reading at most max
// bytes of JSON.
func decodeRustAudit(sec []byte, max int64) (*rustAudit, error) {
	zr, err := zlib.NewReader(bytes.NewReader(sec))
	if err != nil {
		return nil, fmt.Errorf("%s section: %w", rustAuditSection, err)
	}
	defer zr.Close()
	data, err := readLimited(zr, max)
	if err != nil {
		return nil, fmt.Errorf("%s section: %w", rustAuditSection, err)
	}
	var audit rustAudit
	if err := json.Unmarshal(data, &audit); err != nil {
		return nil, fmt.Errorf("%s section: %w", rustAuditSection, err)
	}
	if len(audit.Packages) > MaxPackages {
		return nil, fmt.Errorf("%s section: more than %d packages: %w", rustAuditSection, MaxPackages, ErrTooLarge)
	}
	return &audit, nil
}
