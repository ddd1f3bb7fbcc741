package osrelease

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const corpus = "/work/shared/corpus/vuln/osrelease"

// dirReader reads release files under a corpus directory.
func dirReader(dir string) func(string) ([]byte, bool) {
	return func(p string) ([]byte, bool) {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		return data, err == nil
	}
}

func TestDetectCorpus(t *testing.T) {
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	tests := []struct {
		dir        string
		id         string
		versionID  string
		codename   string
		path       string
		ecosystem  string // "" when no OSV ecosystem
		purlDistro string
	}{
		{"almalinux/from-os-release", "almalinux", "8.4", "", "etc/os-release", "AlmaLinux:8", "almalinux-8.4"},
		{"almalinux/from-redhat-release", "almalinux", "8.10", "", "etc/redhat-release", "AlmaLinux:8", "almalinux-8.10"},
		{"alpine", "alpine", "3.11.6", "", "etc/os-release", "Alpine:v3.11", "alpine-3.11.6"},
		{"amazon", "amzn", "2", "", "etc/os-release", "", "amzn-2"},
		{"arch", "arch", "", "", "etc/os-release", "", "arch"},
		{"centos", "centos", "8", "", "usr/lib/os-release", "", "centos-8"},
		{"centos5", "centos", "5.7", "", "etc/redhat-release", "", "centos-5.7"},
		{"centos6", "centos", "6", "", "etc/system-release-cpe", "", "centos-6"},
		{"custom", "scientific", "8", "", "etc/os-release", "", "scientific-8"},
		{"debian-9-trivy", "debian", "9.8", "", "etc/debian_version", "Debian:9", "debian-9.8"},
		{"debian-sid-trivy", "debian", "", "buster", "etc/debian_version", "Debian:10", "debian-buster"},
		{"debian/from-debian_version", "debian", "10.8", "", "etc/debian_version", "Debian:10", "debian-10.8"},
		{"debian/from-os-release", "debian", "8", "", "usr/lib/os-release", "Debian:8", "debian-8"},
		{"debian/with-point-release", "debian", "13", "trixie", "etc/os-release", "Debian:13", "debian-13"},
		{"fedora", "fedora", "36", "", "usr/lib/os-release", "", "fedora-36"},
		{"mariner", "mariner", "1.0", "", "etc/os-release", "", "mariner-1.0"},
		{"opensuse-leap", "opensuse-leap", "15.2", "", "etc/os-release", "", "opensuse-leap-15.2"},
		{"oraclelinux", "ol", "8.3", "", "etc/os-release", "", "ol-8.3"},
		{"photon", "photon", "2.0", "", "etc/os-release", "", "photon-2.0"},
		{"redhat/from-os-release", "rhel", "7.3", "", "usr/lib/os-release", "", "rhel-7.3"},
		{"redhat/from-redhat-release", "rhel", "8.10", "", "etc/redhat-release", "", "rhel-8.10"},
		{"rockylinux/from-os-release", "rocky", "8.4", "", "etc/os-release", "Rocky Linux:8", "rocky-8.4"},
		{"rockylinux/from-redhat-release", "rocky", "8.10", "", "etc/redhat-release", "Rocky Linux:8", "rocky-8.10"},
		{"scientific/from-os-release", "scientific", "7.5", "", "etc/os-release", "", "scientific-7.5"},
		{"scientific/from-redhat-release", "scientific", "7.9", "", "etc/redhat-release", "", "scientific-7.9"},
		{"sles", "sles", "15.2", "", "etc/os-release", "", "sles-15.2"},
		{"ubuntu", "ubuntu", "20.04", "focal", "etc/os-release", "Ubuntu:20.04:LTS", "ubuntu-20.04"},
		{"ubuntu-18.04-trivy", "ubuntu", "18.04", "bionic", "etc/lsb-release", "Ubuntu:18.04:LTS", "ubuntu-18.04"},
		{"wolfi", "wolfi", "20220914", "", "etc/os-release", "Wolfi", "wolfi-20220914"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join(corpus, filepath.FromSlash(tt.dir))
			rel, err := Detect(dirReader(dir))
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if rel.ID != tt.id || rel.VersionID != tt.versionID || rel.VersionCodename != tt.codename || rel.Path != tt.path {
				t.Errorf("got ID=%q VersionID=%q codename=%q path=%q, want %q %q %q %q",
					rel.ID, rel.VersionID, rel.VersionCodename, rel.Path, tt.id, tt.versionID, tt.codename, tt.path)
			}
			eco, ok := rel.Ecosystem()
			if got := eco.String(); got != tt.ecosystem || ok != (tt.ecosystem != "") {
				t.Errorf("Ecosystem() = %q, %v; want %q", got, ok, tt.ecosystem)
			}
			if got := rel.PURLDistro(); got != tt.purlDistro {
				t.Errorf("PURLDistro() = %q, want %q", got, tt.purlDistro)
			}
		})
		seen[tt.dir] = true
	}
	// Every corpus file is parsed on its own too, and every directory holding
	// release files has a row above (except the empty one).
	err := filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := Parse(filepath.ToSlash(p), f); err != nil {
			t.Errorf("Parse(%s): %v", p, err)
		}
		rel, _ := filepath.Rel(corpus, p)
		rel = filepath.ToSlash(rel)
		i := strings.Index(rel, "/etc/")
		if i < 0 {
			i = strings.Index(rel, "/usr/")
		}
		if dir := rel[:i]; !seen[dir] && dir != "empty" {
			t.Errorf("corpus directory %s has no expectation", dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDetectEmpty(t *testing.T) {
	if _, err := Detect(dirReader(filepath.Join(corpus, "empty"))); !errors.Is(err, ErrNotFound) {
		t.Errorf("Detect(empty) error = %v, want ErrNotFound", err)
	}
}

func TestParseOSRelease(t *testing.T) {
	in := `# comment
ID="debian"
ID_LIKE='rhel  fedora'
VERSION_ID=12
PRETTY_NAME="Debian \"GNU\"/Linux 12 (bookworm)"
VERSION_CODENAME=bookworm
not an assignment
export NAME=x
`
	rel, err := ParseOSRelease(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if rel.ID != "debian" || rel.VersionID != "12" || rel.VersionCodename != "bookworm" ||
		rel.PrettyName != `Debian "GNU"/Linux 12 (bookworm)` || !slices.Equal(rel.IDLike, []string{"rhel", "fedora"}) {
		t.Errorf("got %+v", rel)
	}
}

func TestEcosystem(t *testing.T) {
	tests := []struct {
		rel  Release
		want string
	}{
		{Release{ID: "debian", VersionID: "12.5"}, "Debian:12"},
		{Release{ID: "debian", VersionCodename: "trixie"}, "Debian:13"},
		{Release{ID: "debian", VersionCodename: "sid"}, ""},
		{Release{ID: "debian"}, ""},
		{Release{ID: "ubuntu", VersionID: "22.04"}, "Ubuntu:22.04:LTS"},
		{Release{ID: "ubuntu", VersionID: "24.10"}, "Ubuntu:24.10"},
		{Release{ID: "ubuntu", VersionID: "23.04"}, "Ubuntu:23.04"},
		{Release{ID: "ubuntu", VersionID: "6.06"}, "Ubuntu:6.06:LTS"},
		{Release{ID: "ubuntu", VersionID: "18.04", UbuntuPro: true}, "Ubuntu:Pro:18.04:LTS"},
		{Release{ID: "ubuntu", VersionID: "16.04", Version: "16.04.7 LTS (Xenial Xerus)"}, "Ubuntu:16.04:LTS"},
		{Release{ID: "alpine", VersionID: "3.19.1"}, "Alpine:v3.19"},
		{Release{ID: "alpine", VersionID: "3.20.0_alpha20240329"}, "Alpine:v3.20"},
		{Release{ID: "alpine", VersionID: "3"}, ""},
		{Release{ID: "wolfi", VersionID: "20230201"}, "Wolfi"},
		{Release{ID: "chainguard"}, "Chainguard"},
		{Release{ID: "almalinux", VersionID: "9.3"}, "AlmaLinux:9"},
		{Release{ID: "rocky", VersionID: "9.3"}, "Rocky Linux:9"},
		{Release{ID: "rhel", VersionID: "9.3"}, ""},
		{Release{}, ""},
	}
	for _, tt := range tests {
		eco, ok := tt.rel.Ecosystem()
		if got := eco.String(); got != tt.want || ok != (tt.want != "") {
			t.Errorf("%+v.Ecosystem() = %q, %v; want %q", tt.rel, got, ok, tt.want)
		}
	}
}

func TestTooLarge(t *testing.T) {
	big := bytes.Repeat([]byte("A=b\n"), MaxFileSize)
	if _, err := ParseOSRelease(bytes.NewReader(big)); err == nil {
		t.Error("no error for an oversized os-release")
	}
}

func FuzzParse(f *testing.F) {
	_ = filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(filepath.Base(p), data)
			}
		}
		return nil
	})
	f.Add("redhat-release", []byte("Foo release"))
	f.Add("system-release-cpe", []byte("cpe:/o:x"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		for _, p := range Paths() {
			if strings.HasSuffix(p, "/"+name) {
				rel, err := Parse(p, bytes.NewReader(data))
				if err == nil {
					rel.Ecosystem()
					rel.PURLDistro()
				}
			}
		}
		rel, err := ParseOSRelease(bytes.NewReader(data))
		if err == nil {
			rel.Ecosystem()
		}
	})
}
