package secrets

import (
	"path"
	"strings"
)

// MaxSize is the largest file Candidate accepts and Scan reads: 10 MiB.
// Credential files are small; larger text files are data, logs or
// bundles whose scanning costs more than it finds.
const MaxSize = 10 << 20

// Version names what Candidate and Scan find. Change it whenever they
// find something different: cached layer analyses keyed by an older
// version are not reused.
const Version = "secrets/1"

// credentialNames are base names of files that exist to hold credentials:
// they are candidates wherever they are and whatever their extension.
var credentialNames = map[string]bool{
	".env": true, ".netrc": true, "_netrc": true, ".git-credentials": true, ".npmrc": true, ".pypirc": true,
	".pgpass": true, ".my.cnf": true, ".s3cfg": true, ".htpasswd": true, ".dockercfg": true, "credentials": true,
	"config.json": true, "id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true, ".boto": true,
	".vault-token": true, ".gitconfig": true, "auth.conf": true, ".yarnrc": true, ".yarnrc.yml": true,
}

// credentialExts are extensions of files that hold keys or settings.
var credentialExts = map[string]bool{
	".pem": true, ".key": true, ".env": true, ".priv": true, ".asc": true, ".dockerconfigjson": true,
}

// binaryExts are extensions of files that are not text (or are text no
// one writes a credential into): images, fonts, archives, compiled code,
// media, databases, message catalogues, source maps.
var binaryExts = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".bmp": true, ".ico": true, ".webp": true, ".svg": true,
	".tif": true, ".tiff": true, ".psd": true, ".ttf": true, ".otf": true, ".woff": true, ".woff2": true, ".eot": true,
	".pfb": true, ".pcf": true, ".gz": true, ".tgz": true, ".bz2": true, ".xz": true, ".lz": true, ".lzma": true,
	".zst": true, ".zip": true, ".jar": true, ".war": true, ".ear": true, ".whl": true, ".egg": true, ".deb": true,
	".rpm": true, ".apk": true, ".7z": true, ".tar": true, ".so": true, ".a": true, ".o": true, ".pyc": true,
	".pyo": true, ".class": true, ".dll": true, ".exe": true, ".node": true, ".wasm": true, ".bin": true,
	".mp3": true, ".mp4": true, ".wav": true, ".ogg": true, ".flac": true, ".avi": true, ".mkv": true, ".pdf": true,
	".db": true, ".sqlite": true, ".sqlite3": true, ".mo": true, ".gmo": true, ".map": true, ".cache": true,
	".gpg": true, ".kbx": true, ".jks": true, ".p12": true, ".pfx": true, ".der": true, ".crt": true, ".cer": true,
	".md5sums": true, ".triggers": true, ".shlibs": true, ".symbols": true, ".h": true, ".hpp": true,
	".pod": true, ".mod": true, ".sum": true, ".lock": true,
}

// skippedDirs are folders whose files are documentation, package-manager
// state, data or caches, never an application's configuration, and the
// Go toolchain's tree (its sources hold test keys outside testdata): the
// path prefixes Candidate refuses.
var skippedDirs = []string{
	"usr/share/doc/", "usr/share/man/", "usr/share/info/", "usr/share/locale/", "usr/share/i18n/",
	"usr/share/zoneinfo/", "usr/share/icons/", "usr/share/fonts/", "usr/share/mime/", "usr/share/X11/",
	"usr/share/terminfo/", "usr/share/ca-certificates/", "usr/share/common-licenses/", "usr/share/lintian/",
	"usr/share/bash-completion/", "usr/share/vim/", "usr/share/perl/", "usr/share/gtk-doc/", "usr/share/help/",
	"usr/include/", "usr/lib/locale/", "usr/lib/udev/", "usr/lib/firmware/", "lib/firmware/", "lib/modules/",
	"usr/lib/modules/", "etc/ssl/certs/", "etc/pki/ca-trust/", "etc/ca-certificates/", "var/lib/dpkg/",
	"var/lib/apt/", "var/lib/rpm/", "var/lib/yum/", "var/lib/dnf/", "lib/apk/db/", "var/cache/", "var/log/",
	"proc/", "sys/", "dev/", "usr/local/go/", "usr/lib/go-", "usr/lib/golang/",
}

// testDirs are folder names that hold tests, fixtures and examples:
// packages (Python's standard library, npm modules, gems, Go modules)
// ship well-known test keys in them, the first cause of false positives
// in image secret scans.
var testDirs = map[string]bool{
	"test": true, "tests": true, "testdata": true, "__tests__": true, "fixtures": true, "__fixtures__": true,
	"testing": true, "test-data": true, "test_data": true, "testcases": true, "spec": true, "specs": true,
	"examples": true, "example": true, "samples": true, "sample": true, "selftest": true, "SelfTest": true,
	"dummyserver": true, "demo": true, "demos": true, "testcerts": true, "test-certs": true,
}

// skippedTrees are folders skipped wherever they are: the Go module
// cache (every dependency's whole source, test keys included) and
// per-user caches.
var skippedTrees = []string{"go/pkg/mod/", ".cache/"}

// lockNames are dependency lock files: integrity hashes and versions,
// large, with nothing that is a credential.
var lockNames = map[string]bool{
	"package-lock.json": true, "yarn.lock": true, "pnpm-lock.yaml": true, "go.sum": true, "Cargo.lock": true,
	"poetry.lock": true, "Gemfile.lock": true, "composer.lock": true, "Pipfile.lock": true, "npm-shrinkwrap.json": true,
}

// cleanPath makes a layer path relative and slash-separated: "./etc/x"
// and "/etc/x" are "etc/x".
func cleanPath(p string) string {
	p = strings.TrimLeft(strings.TrimPrefix(p, "./"), "/")
	return path.Clean("/" + p)[1:]
}

// Candidate reports whether a file of a layer is worth reading for
// credentials, from its path and size alone, so that the layer walk can
// skip the rest without reading it. Files are not candidates when they
// are empty or larger than MaxSize, lie under documentation, locale,
// package-manager, firmware, CA-certificate or cache folders
// (usr/share/doc, var/lib/dpkg, etc/ssl/certs, the Go toolchain and
// module cache, .cache, ...), or lie in a test,
// fixture or example folder (node_modules/x/test/fixtures,
// usr/lib/python3.12/test, testdata: packages ship well-known test keys
// there). Otherwise files named for credentials (.env, *.pem, *.key,
// id_rsa, .netrc, .npmrc, .pypirc, .git-credentials, .docker/config.json,
// .aws/credentials, ...) are candidates whatever their extension, and
// other files unless they have a binary or data extension (images,
// fonts, archives, shared objects, .pyc, .class, source maps, message
// catalogues, certificates) or are Go test files or dependency lock
// files.
func Candidate(p string, size int64) bool {
	if size <= 0 || size > MaxSize {
		return false
	}
	p = cleanPath(p)
	for _, d := range skippedDirs {
		if strings.HasPrefix(p, d) {
			return false
		}
	}
	for _, d := range skippedTrees {
		if strings.HasPrefix(p, d) || strings.Contains(p, "/"+d) {
			return false
		}
	}
	for _, dir := range strings.Split(path.Dir(p), "/") {
		if testDirs[dir] {
			return false
		}
	}
	base := path.Base(p)
	if credentialNames[base] || credentialExts[path.Ext(base)] || strings.HasPrefix(base, ".env.") ||
		strings.HasSuffix(p, ".aws/credentials") || strings.HasSuffix(p, ".docker/config.json") {
		return true
	}
	ext := strings.ToLower(path.Ext(base))
	return !binaryExts[ext] && !strings.Contains(base, ".so.") && !strings.HasSuffix(base, "_test.go") && !lockNames[base] &&
		!strings.HasSuffix(base, ".min.css")
}
