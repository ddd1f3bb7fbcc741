package lang

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// buildTinyBinary builds a main module with one dependency replaced by a
// local directory, offline, and returns the executable's path.
func buildTinyBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go toolchain: %v", err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":     "module example.com/tiny\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n\nreplace example.com/dep => ./dep\n",
		"main.go":    "package main\n\nimport \"example.com/dep\"\n\nvar version = \"dev\"\n\nfunc main() { println(dep.X, version) }\n",
		"dep/go.mod": "module example.com/dep\n\ngo 1.21\n",
		"dep/dep.go": "package dep\n\nconst X = 1\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "tiny")
	cmd := exec.Command(goTool, "build", "-buildvcs=false", "-ldflags=-s -w -X main.version=v1.2.3", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func TestGoBinaryBuilt(t *testing.T) {
	exe := buildTinyBinary(t)
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := f.ReadAt(head, 0); err != nil || !IsExecutable(head) {
		t.Fatalf("IsExecutable(%q) false, err %v", head, err)
	}
	pkgs, err := GoBinary{}.Parse("usr/local/bin/tiny", f)
	if err != nil {
		t.Fatal(err)
	}
	bi, _ := debug.ReadBuildInfo()
	std := GoToolchainVersion(bi.GoVersion)
	var got []string
	for _, p := range pkgs {
		if p.Ecosystem.String() != "Go" || p.DBPath != "usr/local/bin/tiny" {
			t.Errorf("bad package %+v", p)
		}
		got = append(got, p.Name+"@"+p.Version+" "+p.PURL)
	}
	// The local replacement of example.com/dep has no version: left out.
	want := []string{
		"example.com/tiny@1.2.3 pkg:golang/example.com/tiny@v1.2.3",
		"stdlib@" + std + " pkg:golang/stdlib@v" + std,
	}
	if std == "" || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGoBinaryNotGo(t *testing.T) {
	for name, content := range map[string]string{
		"text":     "hello, world",
		"fake elf": "\x7fELF garbage",
		"empty":    "",
	} {
		pkgs, err := GoBinary{}.Parse(name, strings.NewReader(content))
		if len(pkgs) != 0 {
			t.Errorf("%s: got %+v", name, pkgs)
		}
		_ = err // a truncated ELF may be reported as an error
	}
	pkgs, err := GoBinary{}.Parse("text", strings.NewReader("plain text file, long enough to sniff"))
	if err != nil || pkgs != nil {
		t.Errorf("text: got %v, %v; want nothing", pkgs, err)
	}
}

func TestGoPackagesFromBuildInfo(t *testing.T) {
	const info = "path\tgithub.com/acme/tool/cmd/tool\n" +
		"mod\tgithub.com/acme/tool\t(devel)\t\n" +
		"dep\tgolang.org/x/net\tv0.17.0\th1:abc=\n" +
		"=>\tgolang.org/x/net\tv0.23.0\th1:def=\n" +
		"dep\tgithub.com/fork/me\tv1.0.0\th1:x=\n" +
		"=>\tgithub.com/forked/me\tv1.0.1-0.20240101000000-abcdefabcdef\th1:y=\n" +
		"dep\tgithub.com/local/thing\tv0.1.0\th1:z=\n" +
		"=>\t../thing\t\t\n" +
		"dep\tgopkg.in/yaml.v3\tv3.0.1\th1:q=\n" +
		"build\t-ldflags=\"-s -w -X github.com/acme/tool/internal/build.Version=2.4.0\"\n"
	bi, err := debug.ParseBuildInfo(info)
	if err != nil {
		t.Fatal(err)
	}
	// ParseBuildInfo leaves the toolchain to the caller, as buildinfo.Read
	// reads it from elsewhere in the executable.
	bi.GoVersion = "go1.22.3 X:boringcrypto"
	var got []string
	for _, p := range goPackages(bi, "bin/tool") {
		got = append(got, p.Name+"@"+p.Version+" "+p.PURL)
	}
	want := []string{
		"github.com/acme/tool@2.4.0 pkg:golang/github.com/acme/tool@v2.4.0",
		"golang.org/x/net@0.23.0 pkg:golang/golang.org/x/net@v0.23.0",
		"github.com/forked/me@1.0.1-0.20240101000000-abcdefabcdef pkg:golang/github.com/forked/me@v1.0.1-0.20240101000000-abcdefabcdef",
		"gopkg.in/yaml.v3@3.0.1 pkg:golang/gopkg.in/yaml.v3@v3.0.1",
		"stdlib@1.22.3 pkg:golang/stdlib@v1.22.3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGoToolchainVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.22.3":                  "1.22.3",
		"go1.22.3 X:boringcrypto":   "1.22.3",
		"go1.22.3-X:nocoverage":     "1.22.3",
		"go1.21rc2":                 "1.21.0-rc.2",
		"go1.19beta1":               "1.19.0-beta.1",
		"go1.20":                    "1.20.0",
		"go1.9.2":                   "1.9.2",
		"devel go1.23-abc123 +0000": "",
		"go1":                       "",
		"":                          "",
		"1.22.3":                    "",
	} {
		if got := GoToolchainVersion(in); got != want {
			t.Errorf("GoToolchainVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLdflagsVersion(t *testing.T) {
	for in, want := range map[string]string{
		"-X main.version=1.2.3":             "1.2.3",
		"-s -w -X=main.Version=v0.1.0-rc.1": "v0.1.0-rc.1",
		"-X 'main.version=1.2.3'":           "1.2.3",
		"-X main.version=dev":               "",
		"-X main.commit=1.2.3":              "",
		"-X main.versionString=1.2.3":       "",
		"-X":                                "",
	} {
		got := ldflagsVersion([]debug.BuildSetting{{Key: "-ldflags", Value: in}})
		if got != want {
			t.Errorf("ldflagsVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzGoBuildInfo(f *testing.F) {
	f.Add("go1.22.3", "path\tx\nmod\tx\tv1.0.0\t\ndep\ty\tv0.1.0\t\n=>\tz\tv0.2.0\t\n")
	f.Fuzz(func(t *testing.T, goVersion, info string) {
		bi, err := debug.ParseBuildInfo(info)
		if err != nil {
			return
		}
		bi.GoVersion = goVersion
		for _, p := range goPackages(bi, "x") {
			if p.Name == "" || p.Version == "" || strings.HasPrefix(p.Version, "v") || !strings.HasPrefix(p.PURL, "pkg:golang/") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func FuzzGoBinary(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Add([]byte("MZ"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = GoBinary{}.Parse("x", strings.NewReader(string(data)))
	})
}
