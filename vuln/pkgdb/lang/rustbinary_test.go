package lang

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// auditJSON is a cargo-auditable dependency list as the tool writes it:
// compact JSON, "kind" and "root" only where not default.
const auditJSON = `{"packages":[` +
	`{"name":"autocfg","version":"1.1.0","source":"crates.io","kind":"build"},` + // build script only: left out
	`{"name":"hello","version":"0.1.0","source":"local","dependencies":[2,3,4,5,6],"root":true},` + // local root: left out
	`{"name":"libc","version":"0.2.140","source":"crates.io"},` + // reported
	`{"name":"num-traits","version":"0.2.15","source":"crates.io","dependencies":[0]},` + // reported
	`{"name":"forked","version":"1.0.0","source":"git"},` + // git: left out
	`{"name":"internal","version":"2.0.0","source":"registry"},` + // other registry: left out
	`{"name":"odd","version":"1.0.0","source":{"Other":"svn"}},` + // left out
	`{"name":"serde","version":"1.0.x","source":"crates.io"}` + // not SemVer: left out
	`]}`

// wantRust is what Parse reports for auditJSON.
var wantRust = []string{"libc@0.2.140", "num-traits@0.2.15"}

func zlibBytes(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// elfWith returns a minimal little-endian ELF64 file with one section
// besides the section name table.
func elfWith(name string, data []byte) []byte {
	le := binary.LittleEndian
	shstr := append([]byte("\x00.shstrtab\x00"), append([]byte(name), 0)...)
	const ehsize, shentsize = 64, 64
	dataOff := ehsize
	strOff := dataOff + len(data)
	shOff := (strOff + len(shstr) + 7) &^ 7
	out := make([]byte, shOff+3*shentsize)
	copy(out, "\x7fELF\x02\x01\x01")
	le.PutUint16(out[16:], 2)    // ET_EXEC
	le.PutUint16(out[18:], 0x3e) // x86-64
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[40:], uint64(shOff))
	le.PutUint16(out[52:], ehsize)
	le.PutUint16(out[58:], shentsize)
	le.PutUint16(out[60:], 3) // sections
	le.PutUint16(out[62:], 2) // name table index
	copy(out[dataOff:], data)
	copy(out[strOff:], shstr)
	sh := func(i int, nameOff, typ uint32, off, size int) {
		b := out[shOff+i*shentsize:]
		le.PutUint32(b[0:], nameOff)
		le.PutUint32(b[4:], typ)
		le.PutUint64(b[24:], uint64(off))
		le.PutUint64(b[32:], uint64(size))
		le.PutUint64(b[48:], 1)
	}
	sh(1, 11, 1 /* PROGBITS */, dataOff, len(data))
	sh(2, 1, 3 /* STRTAB */, strOff, len(shstr))
	return out
}

// peWith returns a minimal PE file with one section.
func peWith(name string, data []byte) []byte {
	le := binary.LittleEndian
	const peOff, secOff = 0x40, 0x40 + 4 + 20
	dataOff := secOff + 40
	out := make([]byte, dataOff+len(data))
	copy(out, "MZ")
	le.PutUint32(out[0x3c:], peOff)
	copy(out[peOff:], "PE\x00\x00")
	le.PutUint16(out[peOff+4:], 0x8664) // machine
	le.PutUint16(out[peOff+6:], 1)      // sections
	le.PutUint16(out[peOff+22:], 0x22)  // characteristics
	s := out[secOff:]
	copy(s[0:8], name)
	le.PutUint32(s[8:], uint32(len(data)))  // virtual size
	le.PutUint32(s[16:], uint32(len(data))) // raw size
	le.PutUint32(s[20:], uint32(dataOff))
	copy(out[dataOff:], data)
	return out
}

// machoWith returns a minimal 64-bit Mach-O file with one section in
// the __DATA segment.
func machoWith(name string, data []byte) []byte {
	le := binary.LittleEndian
	const hdr, seg, sect = 32, 72, 80
	dataOff := hdr + seg + sect
	out := make([]byte, dataOff+len(data))
	le.PutUint32(out[0:], 0xfeedfacf)
	le.PutUint32(out[4:], 0x01000007) // x86-64
	le.PutUint32(out[8:], 3)
	le.PutUint32(out[12:], 2) // MH_EXECUTE
	le.PutUint32(out[16:], 1) // commands
	le.PutUint32(out[20:], seg+sect)
	c := out[hdr:]
	le.PutUint32(c[0:], 0x19) // LC_SEGMENT_64
	le.PutUint32(c[4:], seg+sect)
	copy(c[8:24], "__DATA")
	le.PutUint64(c[40:], uint64(dataOff))   // fileoff
	le.PutUint64(c[48:], uint64(len(data))) // filesize
	le.PutUint32(c[64:], 1)                 // sections
	s := c[seg:]
	copy(s[0:16], name)
	copy(s[16:32], "__DATA")
	le.PutUint64(s[40:], uint64(len(data)))
	le.PutUint32(s[48:], uint32(dataOff))
	copy(out[dataOff:], data)
	return out
}

func rustNames(t *testing.T, data []byte) ([]string, error) {
	t.Helper()
	pkgs, err := RustBinary{}.Parse("usr/local/bin/hello", bytes.NewReader(data))
	var got []string
	for _, p := range pkgs {
		if p.Ecosystem.String() != "crates.io" || p.PURL != "pkg:cargo/"+p.Name+"@"+p.Version || p.DBPath != "usr/local/bin/hello" {
			t.Errorf("package %+v", p)
		}
		got = append(got, p.Name+"@"+p.Version)
	}
	return got, err
}

func TestRustBinary(t *testing.T) {
	sec := zlibBytes(t, auditJSON)
	for _, tc := range []struct {
		name string
		file []byte
		want []string
	}{
		{"ELF", elfWith(".dep-v0", sec), wantRust},
		{"PE", peWith(".dep-v0", sec), wantRust},
		{"Mach-O", machoWith(".dep-v0", sec), wantRust},
		// must not fire: no cargo-auditable section, or not an executable
		{"ELF without the section", elfWith(".data", sec), nil},
		{"PE without the section", peWith(".data", sec), nil},
		{"not an executable", []byte("#!/bin/sh\necho hi\n"), nil},
		{"Java class (fat Mach-O magic)", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52, 0, 10}, nil},
		{"empty", nil, nil},
		{"truncated ELF", elfWith(".dep-v0", sec)[:40], nil},
		{"only build dependencies", elfWith(".dep-v0", zlibBytes(t, `{"packages":[{"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"}]}`)), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rustNames(t, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRustBinaryErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		want error
	}{
		{"not zlib", elfWith(".dep-v0", []byte("{}")), nil},
		{"not JSON", elfWith(".dep-v0", zlibBytes(t, "packages")), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rustNames(t, tc.file)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want an error (%v)", err, tc.want)
			}
		})
	}
}

func TestDecodeRustAuditLimit(t *testing.T) {
	// 1 MiB of JSON compresses to a few KiB; decoding stops at the limit.
	bomb := zlibBytes(t, `{"packages":[`+string(bytes.Repeat([]byte(" "), 1<<20))+`]}`)
	if _, err := decodeRustAudit(bomb, 1<<19); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	if _, err := decodeRustAudit(bomb, 2<<20); err != nil {
		t.Errorf("within the limit: %v", err)
	}
}

// TestRustBinaryObjcopy adds the section to a real executable with
// binutils' objcopy, as cargo-auditable's linker step does.
func TestRustBinaryObjcopy(t *testing.T) {
	objcopy, err := exec.LookPath("objcopy")
	if err != nil {
		t.Skip("objcopy not installed")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	sec := filepath.Join(dir, "dep")
	if err := os.WriteFile(sec, zlibBytes(t, auditJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "hello")
	if msg, err := exec.Command(objcopy, "--add-section", ".dep-v0="+sec, exe, out).CombinedOutput(); err != nil {
		t.Skipf("objcopy: %v: %s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rustNames(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantRust, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	// The test binary itself is a Go executable without the section.
	if got, err := rustNames(t, readFile(t, exe)); err != nil || got != nil {
		t.Errorf("plain Go executable: %v, %v; want nothing", got, err)
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func BenchmarkRustBinaryReject(b *testing.B) {
	// The cost of rejecting an executable without cargo-auditable data.
	exe, err := os.Executable()
	if err != nil {
		b.Skip(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		b.Fatal(err)
	}
	r := bytes.NewReader(data)
	for b.Loop() {
		if pkgs, err := (RustBinary{}).Parse("x", r); err != nil || pkgs != nil {
			b.Fatal(pkgs, err)
		}
	}
}

func FuzzRustBinary(f *testing.F) {
	sec := zlibBytes(f, auditJSON)
	f.Add(elfWith(".dep-v0", sec))
	f.Add(peWith(".dep-v0", sec))
	f.Add(machoWith(".dep-v0", sec))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := RustBinary{}.Parse("x", bytes.NewReader(data))
		for _, p := range pkgs {
			if !crateName.MatchString(p.Name) || !crateVersion.MatchString(p.Version) {
				t.Fatalf("package %q %q", p.Name, p.Version)
			}
		}
	})
}
