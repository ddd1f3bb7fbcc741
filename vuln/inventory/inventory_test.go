package inventory

import (
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
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

func TestWantLang(t *testing.T) {
	for _, c := range []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"app/node_modules/lodash/package.json", 0o644, true},
		{"usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA", 0o644, true},
		{"opt/app/lib/log4j-core-2.14.1.jar", 0o644, true},
		{"usr/local/bin/app", 0o755, true},
		{"usr/bin/curl", 0o755, true},
		{"app/server", 0o755, true},
		{"usr/bin/curl", 0o644, false},
		{"usr/share/doc/x/run.sh", 0o755, false},
		{"etc/passwd", 0o644, false},
	} {
		if got := Want(c.path, c.mode); got != c.want {
			t.Errorf("Want(%q, %v) = %v, want %v", c.path, c.mode, got, c.want)
		}
	}
}

const pyMetadata = "Metadata-Version: 2.1\nName: Requests\nVersion: 2.31.0\n"

func TestFromFSLang(t *testing.T) {
	fsys := &image.FS{Files: map[string]image.LayerFile{
		"etc/os-release":                     file("etc/os-release", debianOSRelease, 0),
		"var/lib/dpkg/status":                file("var/lib/dpkg/status", dpkgStatus+"\nPackage: python3-six\nStatus: install ok installed\nArchitecture: all\nVersion: 1.16.0-4\n", 0),
		"var/lib/dpkg/info/python3-six.list": file("var/lib/dpkg/info/python3-six.list", "/.\n/usr/lib/python3/dist-packages/six-1.16.0.dist-info\n/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA\n", 0),
		"usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA":               file("usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n", 0),
		"app/node_modules/lodash/package.json":                                      file("app/node_modules/lodash/package.json", `{"name":"lodash","version":"4.17.20"}`, 1),
		"app/other/node_modules/lodash/package.json":                                file("app/other/node_modules/lodash/package.json", `{"name":"lodash","version":"4.17.20"}`, 2),
		"usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA": file("usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA", pyMetadata, 2),
		"app/broken/node_modules/x/package.json":                                    file("app/broken/node_modules/x/package.json", `{"name":`, 1),
	}}
	layers := []image.Layer{{Index: 0}, {Index: 1, CreatedBy: "COPY app /app"}, {Index: 2, CreatedBy: "RUN pip install requests"}}
	inv, err := FromFS(fsys, layers)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Package{}
	for _, p := range inv.Packages {
		got[p.Ecosystem.String()+"/"+p.Name] = p
	}
	if len(inv.Packages) != 4 {
		t.Errorf("packages: %+v", inv.Packages)
	}
	lodash, ok := got["npm/lodash"]
	if !ok || lodash.Version != "4.17.20" || lodash.DBPath != "app/node_modules/lodash/package.json" || lodash.Layer.Index != 1 || lodash.Layer.CreatedBy != "COPY app /app" {
		t.Errorf("lodash: %+v", lodash)
	}
	req, ok := got["PyPI/Requests"]
	if !ok {
		req, ok = got["PyPI/requests"]
	}
	if !ok || req.Version != "2.31.0" || req.Layer.Index != 2 || req.Type != pkgdb.TypeLang {
		t.Errorf("requests: %+v (all: %+v)", req, inv.Packages)
	}
	if _, ok := got["PyPI/six"]; ok {
		t.Errorf("six is owned by python3-six and must not be reported as PyPI")
	}
	if _, ok := got["Debian:12/python3-six"]; !ok {
		t.Errorf("python3-six missing: %+v", inv.Packages)
	}
	if !slices.ContainsFunc(inv.Problems, func(s string) bool { return strings.HasPrefix(s, "app/broken/") }) {
		t.Errorf("problems %q", inv.Problems)
	}
}

func TestOwnedByOS(t *testing.T) {
	owned := map[string]bool{"usr/share/java/a.jar": true, "usr/lib/python3/dist-packages/x.egg-info": true, "usr/bin/tool": true}
	for p, want := range map[string]bool{
		"usr/share/java/a.jar!/lib/b.jar":                   true,
		"usr/lib/python3/dist-packages/x.egg-info/PKG-INFO": true,
		"/usr/bin/tool":                        true,
		"usr/local/bin/tool":                   false,
		"usr/lib/python3/dist-packages/y/x.py": false,
	} {
		if got := ownedByOS(owned, p); got != want {
			t.Errorf("ownedByOS(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestFromFSGoBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	body, err := os.ReadFile(exe)
	if err != nil {
		t.Skip(err)
	}
	bin := func(p string, mode fs.FileMode, content []byte) image.LayerFile {
		f := file(p, "", 1)
		f.Mode, f.Content, f.Size = mode, content, int64(len(content))
		return f
	}
	fsys := &image.FS{Files: map[string]image.LayerFile{
		"usr/local/bin/app": bin("usr/local/bin/app", 0o755, body),
		"usr/bin/script":    bin("usr/bin/script", 0o755, []byte("#!/bin/sh\necho hi\n")),
	}}
	inv, err := FromFS(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	var stdlib bool
	for _, p := range inv.Packages {
		if p.Ecosystem.Base != "Go" || p.DBPath != "usr/local/bin/app" || p.Layer.Index != 1 {
			t.Errorf("package %+v", p)
		}
		stdlib = stdlib || p.Name == "stdlib"
	}
	if !stdlib {
		t.Errorf("no stdlib package from the Go executable: %+v", inv.Packages)
	}
	for _, pr := range inv.Problems {
		if strings.Contains(pr, "script") {
			t.Errorf("problem for a shell script: %s", pr)
		}
	}
}
