package inventory

import (
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/source/image"
)

const debianOSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
`

const dpkgStatus = `Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
`

func file(p, body string, layer int) image.LayerFile {
	return image.LayerFile{File: &image.File{Path: p, Size: int64(len(body)), Content: []byte(body)}, LayerIndex: layer, DiffID: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}}
}

func TestWant(t *testing.T) {
	for p, want := range map[string]bool{
		"etc/os-release":                     true,
		"usr/lib/os-release":                 true,
		"lib/apk/db/installed":               true,
		"var/lib/dpkg/status":                true,
		"var/lib/dpkg/status.d/base":         true,
		"var/lib/dpkg/status.d/base.md5sums": false,
		"var/lib/dpkg/info/libc6:amd64.list": true,
		"var/lib/dpkg/info/libc6.md5sums":    false,
		"usr/bin/curl":                       false,
	} {
		if got := Want(p, 0); got != want {
			t.Errorf("Want(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestFromFSDebian(t *testing.T) {
	fsys := &image.FS{Files: map[string]image.LayerFile{
		"etc/os-release":                     file("etc/os-release", debianOSRelease, 0),
		"var/lib/dpkg/status":                file("var/lib/dpkg/status", dpkgStatus, 2),
		"var/lib/dpkg/info/libc6:amd64.list": file("var/lib/dpkg/info/libc6:amd64.list", "/.\n/lib/x86_64-linux-gnu/libc.so.6\n", 2),
	}}
	layers := []image.Layer{{Index: 0, CreatedBy: "ADD rootfs /"}, {Index: 1}, {Index: 2, CreatedBy: "RUN apt-get upgrade"}}
	inv, err := FromFS(fsys, layers)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Ecosystem.String() != "Debian:12" {
		t.Errorf("ecosystem %q", inv.Ecosystem)
	}
	if len(inv.Packages) != 1 {
		t.Fatalf("packages: %+v", inv.Packages)
	}
	p := inv.Packages[0]
	if p.Name != "libc6" || p.SrcName != "glibc" || p.DBPath != "var/lib/dpkg/status" {
		t.Errorf("package %+v", p.Package)
	}
	if p.Layer.Index != 2 || p.Layer.CreatedBy != "RUN apt-get upgrade" || !strings.HasPrefix(p.Layer.DiffID, "sha256:") {
		t.Errorf("layer %+v", p.Layer)
	}
	if !slices.Contains(p.Files, "lib/x86_64-linux-gnu/libc.so.6") {
		t.Errorf("files %q", p.Files)
	}
	if got := inv.OSPackages(); len(got) != 1 || got[0].Name != "libc6" {
		t.Errorf("OSPackages %+v", got)
	}
}

func TestFromFSNoRelease(t *testing.T) {
	fsys := &image.FS{Files: map[string]image.LayerFile{
		"var/lib/dpkg/status": file("var/lib/dpkg/status", dpkgStatus, 0),
	}}
	inv, err := FromFS(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !inv.Ecosystem.IsZero() || len(inv.Packages) != 1 || len(inv.Problems) == 0 {
		t.Errorf("inventory %+v", inv)
	}
	if !inv.Packages[0].Ecosystem.IsZero() {
		t.Errorf("package without release has ecosystem %q", inv.Packages[0].Ecosystem)
	}
}
