package inventory

// Hostile images through Collect: corrupt and oversized package databases,
// release files that point out of the root or are devices. Each case gives
// either a clear error or named problems, never a guess from the host.

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/source/image/imagetest"
)

const debianRelease = "ID=debian\nVERSION_ID=\"12\"\n"

// collectTar builds a one-layer image of the tar entries (regular files
// unless the header says otherwise), opens it from an OCI layout and
// collects it.
func collectTar(t *testing.T, lim image.Limits, hdrs ...tarFile) (*Inventory, error) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range hdrs {
		h := f.hdr
		h.ModTime = time.Unix(0, 0)
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	img := appendLayers(t, empty.Image, mutate.Addendum{Layer: imagetest.BytesLayer(t, buf.Bytes())})
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	opened, err := image.Open(context.Background(), "oci:"+dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Collect(context.Background(), opened, Options{Walk: image.WalkOptions{Limits: lim}})
}

type tarFile struct {
	hdr  tar.Header
	body string
}

func regFile(name, body string) tarFile { return tarFile{hdr: tar.Header{Name: name}, body: body} }
func symLink(name, to string) tarFile {
	return tarFile{hdr: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: to}}
}

func names(inv *Inventory) []string {
	var out []string
	for _, p := range inv.Packages {
		out = append(out, p.Name+" "+p.Version)
	}
	return out
}

// TestCollectCorruptDatabases: corrupt dpkg and apk databases give named
// problems and the packages that could be read, or (for a file that cannot
// be a database at all) one problem saying its packages are missing; the
// rest of the image is still read.
func TestCollectCorruptDatabases(t *testing.T) {
	alpine := "ID=alpine\nVERSION_ID=3.18.4\n"
	tests := []struct {
		name         string
		files        []tarFile
		lim          image.Limits
		wantPkgs     []string
		wantProblems []string
		wantUnread   []string
	}{
		{
			name: "dpkg status of binary garbage",
			files: []tarFile{regFile("etc/os-release", debianRelease),
				regFile("var/lib/dpkg/status", strings.Repeat("\x00\xff\xfe garbage\n", 3))},
			wantProblems: []string{
				"var/lib/dpkg/status: line 1: line is not a field",
				"var/lib/dpkg/status: line 2: line is not a field",
				"var/lib/dpkg/status: line 3: line is not a field",
				"var/lib/dpkg/status: line 1: paragraph without Package",
			},
		},
		{
			name: "dpkg status cut inside a paragraph",
			files: []tarFile{regFile("etc/os-release", debianRelease), regFile("var/lib/dpkg/status",
				"Package: libc6\nStatus: install ok installed\nSource: glibc\nVersion: 2.36-9+deb12u4\n\n"+
					"Package: zlib1g\nStatus: install ok installed\nVers")},
			wantPkgs: []string{"libc6 2.36-9+deb12u4"},
			wantProblems: []string{
				"var/lib/dpkg/status: line 8: line is not a field",
				`var/lib/dpkg/status: line 6: package "zlib1g" without Version`,
			},
		},
		{
			name: "dpkg status with a 2 MiB line",
			files: []tarFile{regFile("etc/os-release", debianRelease),
				regFile("var/lib/dpkg/status", "Package: a\nDescription: "+strings.Repeat("x", 2<<20)+"\n")},
			wantUnread: []string{
				"var/lib/dpkg/status: database not read, its packages are missing: corrupt dpkg database: line 2 longer than 1048576 bytes",
			},
		},
		{
			name: "dpkg status larger than the walk keeps",
			files: []tarFile{regFile("etc/os-release", debianRelease), regFile("var/lib/dpkg/status",
				"Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\nPackage: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\n")},
			lim:      image.Limits{MaxFileBytes: 60}, // cuts zlib1g's paragraph before its Status
			wantPkgs: []string{"libc6 2.36-9"},
			wantProblems: []string{
				"var/lib/dpkg/status: database larger than the walk limit, truncated",
			},
		},
		{
			name: "apk database with broken stanzas",
			files: []tarFile{regFile("etc/os-release", alpine), regFile("lib/apk/db/installed",
				"P:musl\nV:1.2.4-r0\no:musl\n\nV:1.0\n\nP:busybox\n\nnot a field\nP:zlib\nV:1.2.13-r1\n")},
			wantPkgs: []string{"musl 1.2.4-r0", "zlib 1.2.13-r1"},
			wantProblems: []string{
				"lib/apk/db/installed: line 5: stanza without a package name (P)",
				`lib/apk/db/installed: line 7: package "busybox" without a version (V)`,
				"lib/apk/db/installed: line 9: line is not a field",
			},
		},
		{
			name: "apk database with a 2 MiB line",
			files: []tarFile{regFile("etc/os-release", alpine),
				regFile("lib/apk/db/installed", "P:musl\nV:1.2.4-r0\nT:"+strings.Repeat("x", 2<<20)+"\n")},
			wantUnread: []string{
				"lib/apk/db/installed: database not read, its packages are missing: corrupt apk database: line 3 longer than 1048576 bytes",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := collectTar(t, tt.lim, tt.files...)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.wantPkgs, names(inv)); d != "" {
				t.Errorf("packages (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantProblems, inv.Problems); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantUnread, inv.Unread); d != "" {
				t.Errorf("unread databases (-want +got):\n%s", d)
			}
		})
	}
}

// TestCollectReleaseOutOfRoot: release files that are links out of the
// root (to the host's /etc/os-release, through /proc) or devices are not
// followed to the host: the release stays unknown even on a Debian host,
// and the packages are listed without an ecosystem.
func TestCollectReleaseOutOfRoot(t *testing.T) {
	status := regFile("var/lib/dpkg/status", "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n")
	if _, err := os.Stat("/etc/os-release"); err != nil {
		t.Log("the host has no /etc/os-release; the test still checks that nothing is found")
	}
	tests := map[string][]tarFile{
		"absolute links climbing out": {
			symLink("etc/os-release", "/../../../etc/os-release"),
			symLink("usr/lib/os-release", "../../../../../usr/lib/os-release"),
			symLink("etc/debian_version", "/../etc/debian_version"),
		},
		"links through /proc": {
			symLink("etc/os-release", "/proc/self/root/etc/os-release"),
			symLink("usr/lib/os-release", "/proc/1/root/usr/lib/os-release"),
		},
		"link loop": {
			symLink("etc/os-release", "../usr/lib/os-release"),
			symLink("usr/lib/os-release", "../../etc/os-release"),
		},
		"device": {
			{hdr: tar.Header{Name: "etc/os-release", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}},
			{hdr: tar.Header{Name: "usr/lib/os-release", Typeflag: tar.TypeFifo}},
		},
	}
	for name, files := range tests {
		t.Run(name, func(t *testing.T) {
			inv, err := collectTar(t, image.Limits{}, append(files, status)...)
			if err != nil {
				t.Fatal(err)
			}
			if inv.Release.ID != "" || !inv.Ecosystem.IsZero() {
				t.Fatalf("release %+v ecosystem %v read from outside the image", inv.Release, inv.Ecosystem)
			}
			want := []string{"no operating-system release file found; OS packages cannot be matched"}
			if d := cmp.Diff(want, inv.Problems); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
			if d := cmp.Diff([]string{"libc6 2.36-9"}, names(inv)); d != "" {
				t.Errorf("packages: %s", d)
			}
		})
	}
}

// TestCollectHostileLayerPaths: a layer whose database sits behind "../"
// names is not read; the same database at its real path is.
func TestCollectHostileLayerPaths(t *testing.T) {
	inv, err := collectTar(t, image.Limits{},
		regFile("etc/os-release", debianRelease),
		regFile("../var/lib/dpkg/status", "Package: evil\nStatus: install ok installed\nVersion: 1\n"),
		regFile("var/lib/dpkg/../../../var/lib/dpkg/status", "Package: evil2\nStatus: install ok installed\nVersion: 1\n"),
		regFile(filepath.Join("var/lib/dpkg", "status"), "Package: good\nStatus: install ok installed\nVersion: 1\n"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"good 1"}, names(inv)); d != "" {
		t.Errorf("packages (-want +got):\n%s", d)
	}
}
