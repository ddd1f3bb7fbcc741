package secrets

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/finding"
)

// wantRe is an expectation written on the line it is about, in a
// comment: "want KIND" (and optionally a severity).
var wantRe = regexp.MustCompile(`\bwant ([a-z0-9-]+)(?: (CRITICAL|HIGH|MEDIUM|LOW))?`)

// expectations reads what Scan must find in a testdata file: the "want
// KIND [SEVERITY]" markers on its lines, or, for formats without
// comments, the lines "LINE KIND [SEVERITY]" of the file beside it named
// FILE.want.
func expectations(t *testing.T, file string, content []byte) []string {
	t.Helper()
	var out []string
	if side, err := os.ReadFile(file + ".want"); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(side)), "\n") {
			f := strings.Fields(l)
			if len(f) < 2 {
				t.Fatalf("%s.want: bad line %q", file, l)
			}
			out = append(out, strings.Join(f, " "))
		}
		return out
	}
	for i, l := range strings.Split(string(content), "\n") {
		if m := wantRe.FindStringSubmatch(l); m != nil {
			out = append(out, strings.TrimSpace(fmt.Sprintf("%d %s %s", i+1, m[1], m[2])))
		}
	}
	return out
}

// describe renders hits as expectations are written: "LINE KIND", with
// the severity when want names one.
func describe(hits []Hit, want []string) []string {
	var out []string
	for i, h := range hits {
		s := strconv.Itoa(h.Line) + " " + h.Kind
		if i < len(want) && len(strings.Fields(want[i])) == 3 {
			s += " " + h.Severity.String()
		}
		out = append(out, s)
	}
	return out
}

// TestScanTestdata scans every file under testdata/fire and
// testdata/quiet, as if it were at the same path in an image, and
// compares the hits with the expectations beside the lines. Files under
// quiet have none: placeholders, documentation dummies, public keys,
// certificates, short or repetitive passwords, third-party defaults.
func TestScanTestdata(t *testing.T) {
	for _, dir := range []string{"testdata/fire", "testdata/quiet"} {
		n := 0
		err := filepath.WalkDir(dir, func(file string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(file, ".want") {
				return err
			}
			content, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, file)
			rel = filepath.ToSlash(rel)
			want := expectations(t, file, content)
			hits := Scan(rel, content)
			if got := describe(hits, want); !slices.Equal(got, want) {
				t.Errorf("%s: got %q, want %q\n%+v", file, got, want, hits)
			}
			for _, h := range hits {
				if h.Title == "" || h.Severity == finding.Unknown || !strings.Contains(h.Redacted, "********") {
					t.Errorf("%s: incomplete hit %+v", file, h)
				}
				leaks(t, file, content, h)
			}
			n += len(hits)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if dir == "testdata/fire" && n < 15 {
			t.Errorf("only %d hits under %s", n, dir)
		}
	}
}

// leaks fails when a hit's Redacted shows the first 12 characters of a
// word (12 or more characters of the base64 and token alphabet) of the
// line it is about: a secret's prefix may be shown, never more.
func leaks(t *testing.T, file string, content []byte, h Hit) {
	t.Helper()
	lines := strings.Split(string(content), "\n")
	for _, w := range regexp.MustCompile(`[A-Za-z0-9+/_-]{12,}`).FindAllString(lines[h.Line-1], -1) {
		if strings.Contains(h.Redacted, w[:12]) && !strings.HasPrefix(w, "LS0tLS1CRUdJTi") {
			t.Errorf("%s: Redacted %q shows %q", file, h.Redacted, w[:12])
		}
	}
}

func TestScanCases(t *testing.T) {
	for _, tc := range []struct {
		path, text string
		want       string // "LINE KIND SEVERITY ..." of each hit
	}{
		// An AWS access key ID with its secret key near it is a key pair; alone, an ID.
		{"app/deploy.sh", "export AWS_ACCESS_KEY_ID=AKIAWX6HH7566TFJGVQ6\nexport AWS_SECRET_ACCESS_KEY=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\n", "1 aws-access-key CRITICAL"},
		{"app/deploy.sh", "aws s3 ls # profile AKIAWX6HH7566TFJGVQ6\n", "1 aws-access-key-id LOW"},
		{"app/deploy.sh", "export AWS_SECRET_ACCESS_KEY=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\n", "1 aws-secret-key HIGH"},
		{"app/creds.json", `{"Credentials": {"SecretAccessKey": "ucAUsdMlHUvTCQCyEZDz+TddJ8HyS5SUkCnD8zRA"}}`, "1 aws-secret-key HIGH"},
		{"app/deploy.sh", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", ""},
		{"app/deploy.sh", "id=AKIAWX6HH7566TFJGVQ6\nsum=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12\n", "1 aws-access-key-id LOW"},
		// A PGP private key block.
		{"root/key.asc", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGVk2cQBCADQmP0rWq1fYx7Q9z3v8H2n6L4k5R1t0U7sY3w2X9v8B6m5N4c3\n-----END PGP PRIVATE KEY BLOCK-----\n", "1 private-key HIGH"},
		// A key block JSON-escaped on one line, outside a service-account file.
		{"app/keys.json", `{"key": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n"}`, "1 private-key HIGH"},
		{"app/keys.json", `{"key": "-----BEGIN PRIVATE KEY-----\nXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n-----END PRIVATE KEY-----"}`, ""},
		// Generic settings: only in configuration files, only with entropy.
		{"app/settings.ini", "[db]\npassword = Kx8vP2qLm9Rt\n", "2 config-secret MEDIUM"},
		{"app/main.py", "password = 'Kx8vP2qLm9Rt'\n", ""},
		{"app/settings.ini", "[db]\npassword = hunter22\n", ""},
		{"usr/lib/python3.12/site-packages/x/conf.ini", "password = Kx8vP2qLm9Rt\n", ""},
		{"etc/mysql/debian.cnf", "[client]\nuser     = debian-sys-maint\npassword = Qz7pWm2XkL9vRt4B\n", "3 config-secret MEDIUM"},
		{"app/settings.ini", "[db]\npassword = # set at deploy time\nchallengePassword = A challenge password\n", ""},
		{"etc/maven/settings.xml", "<!--\n<server>\n  <password>Kx8vP2qLm9Rt</password>\n</server>\n-->\n<password>Qz7pWm2XkL9vRt4B</password>\n", "6 config-secret MEDIUM"},
		{"etc/ssl/openssl.cnf", "[cmp]\nsecret = pass:insta\n", ""},
		{"etc/falco/k8s_audit_rules.yaml", "  output: K8s secret read (user=%ka.user.name secret=%ka.target.name ns=%ka.target.namespace)\n", ""},
		{"app/paginators.json", `{"input_token": "NextToken", "output_token": "NextPageToken"}`, ""},
		// Installed packages: keys are LOW, weak kinds are not reported.
		{"usr/lib/python3/dist-packages/moto/ca.key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx3Yq1ZrM8mQb9pN0vL2wE4tYc7hJ6kD5sF3gH2jK1lM0nB9v\n-----END RSA PRIVATE KEY-----\n", "1 private-key LOW"},
		{"usr/lib/tcl8/http.tm", "# http://jschmoe:xyzzy@www.bogus.net:8000/\nkey = AIzaSyD3kR9vX2mQ7pL4nB8wT1cY6hJ0fG5sE2a\n", ""},
		{"usr/lib/node_modules/x/index.js", "const t = 'ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d'\n", "1 github-token CRITICAL"},
		{"etc/ssh/ssh_host_ed25519_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n", "1 private-key HIGH"},
		// netrc: apt's auth.conf has the same format.
		{"etc/apt/auth.conf", "machine deb.corp.io login ci password Zx9vQ2mK7pL4r\n", "1 netrc-password HIGH"},
		{"root/.netrc", "machine a login b password changeme\ndefault login anonymous password user@\n", ""},
		// Docker config: credentials in "auths", or the older .dockercfg.
		{"root/.dockercfg", `{"registry.corp.io": {"auth": "Y2ktYm90OkhxN3JUMnZMeDlXbQ==", "email": "ci@corp.io"}}`, "1 docker-registry-auth HIGH"},
		{"kaniko/.docker/config.json", `{"auths": {"r.io": {"username": "u", "password": "Hq7rT2vLx9Wm"}}}`, "1 docker-registry-auth HIGH"},
		{"root/.docker/config.json", `{"auths": {"r.io": {"auth": "dTo="}}}`, ""},
		// Binary contents are not read.
		{"usr/bin/app", "\x7fELF\x00\x00ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d", ""},
		// A GCP service account whose key is a placeholder is not one.
		{"app/sa.json", `{"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com", "private_key": "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n"}`, ""},
	} {
		var got []string
		for _, h := range Scan(tc.path, []byte(tc.text)) {
			got = append(got, fmt.Sprintf("%d %s %s", h.Line, h.Kind, h.Severity))
		}
		if g := strings.Join(got, ", "); g != tc.want {
			t.Errorf("Scan(%s, %q) = %q, want %q", tc.path, tc.text, g, tc.want)
		}
	}
}

func TestRedaction(t *testing.T) {
	for _, tc := range []struct {
		path, text, want string
	}{
		{"a.env", "T=ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d", "ghp_u8jz********"},
		{"a.env", "U=postgres://app:f1Qh6yYTWmE4lB@db:5432/app", "postgres://app:f1Q********@db:5432"},
		{"a.env", "DB_PASSWORD=Kx8vP2qLm9Rt", "DB_PASSWORD=Kx8********"},
		{"a.key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx3Yq1ZrM8mQb9pN0vL2wE4tYc7hJ6kD5sF3gH2jK1lM0nB9v\n-----END RSA PRIVATE KEY-----\n", "-----BEGIN RSA PRIVATE KEY----- ********"},
	} {
		hits := Scan(tc.path, []byte(tc.text))
		if len(hits) != 1 || hits[0].Redacted != tc.want {
			t.Errorf("Scan(%q) = %+v, want Redacted %q", tc.text, hits, tc.want)
		}
	}
	if got := mask("ab", 0); got != "********" {
		t.Errorf("mask(ab) = %q", got)
	}
	if got := mask("é漢字パスワードです", 0); !strings.HasSuffix(got, "********") || !utf8Valid(got) {
		t.Errorf("mask cut a rune: %q", got)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "!") == s }

func TestCandidate(t *testing.T) {
	for _, tc := range []struct {
		path string
		size int64
		want bool
	}{
		{"app/.env", 100, true},
		{"/app/.env.production", 100, true},
		{"./root/.ssh/id_rsa", 1700, true},
		{"root/.aws/credentials", 100, true},
		{"root/.docker/config.json", 100, true},
		{"home/ci/.npmrc", 100, true},
		{"etc/ssl/private/server.key", 1700, true},
		{"app/config/application.yml", 2000, true},
		{"usr/local/bin/entrypoint.sh", 2000, true},
		{"etc/apt/auth.conf", 100, true},
		{"app/.env", 0, false},
		{"app/data.json", MaxSize + 1, false},
		{"usr/share/doc/openssl/README", 100, false},
		{"usr/share/man/man1/ls.1.gz", 100, false},
		{"usr/share/locale/de/LC_MESSAGES/app.mo", 100, false},
		{"usr/lib/python3.12/test/keycert.pem", 100, false}, // a well-known test key
		{"app/node_modules/ws/test/fixtures/agent1-key.pem", 100, false},
		{"usr/lib/python3.12/test/test_ssl.py", 100, false},
		{"app/node_modules/ws/test/fixtures/key.js", 100, false},
		{"usr/lib/x86_64-linux-gnu/libssl.so.3", 100, false},
		{"app/__pycache__/main.cpython-312.pyc", 100, false},
		{"app/static/logo.png", 100, false},
		{"usr/local/go/src/crypto/tls/handshake_test.go", 100, false},
		{"app/package-lock.json", 100, false},
		{"var/lib/dpkg/status", 100, false},
		{"etc/ssl/certs/ca-certificates.crt", 100, false},
		{"root/go/pkg/mod/k8s.io/apiserver@v0.32.0/pkg/admission/plugin/webhook/testcerts/certs.go", 100, false},
		{"go/pkg/mod/github.com/x/y@v1.0.0/keys.go", 100, false},
		{"root/.cache/pip/http/x", 100, false},
		{"usr/local/go/src/crypto/x509/platform_root_key.pem", 100, false},
	} {
		if got := Candidate(tc.path, tc.size); got != tc.want {
			t.Errorf("Candidate(%q, %d) = %v, want %v", tc.path, tc.size, got, tc.want)
		}
	}
}

func TestEntropy(t *testing.T) {
	for v, want := range map[string]bool{
		"s3cr3tPa55": true, "Welcome1": false, "Kx8vP2qLm9Rt": true,
		"hunter2": false, "aaaaaaaa": false, "abababab": false, "12121212": false,
	} {
		if got := entropic(v); got != want {
			t.Errorf("entropic(%q) = %v (%.2f bits/char), want %v", v, got, Entropy(v), want)
		}
	}
}

// TestScanBounded proves that hostile contents are read in bounded time:
// a key block without an end, a huge line of hints, many URL lines.
func TestScanBounded(t *testing.T) {
	for name, text := range map[string]string{
		"open key block": "-----BEGIN PRIVATE KEY-----\n" + strings.Repeat("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n", 150000),
		"hint line":      strings.Repeat("ghp_ AKIA xox eyJ $2 :// @ LS0tLS1CRUdJTi ", 200000),
		"url lines":      strings.Repeat("see https://a:b@c/ and AKIAWX6HH7566TFJGVQ6\n", 150000),
		"begin markers":  strings.Repeat("-----BEGIN ", 800000),
	} {
		start := time.Now()
		Scan("app/x.env", []byte(text))
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: Scan took %v", name, d)
		}
	}
}

// typicalText is text of the kinds an image holds, with no credential:
// shell scripts, configuration, Python, JSON and prose, with the hints
// the scanner looks for (URLs, "key", "token", "$2", "-----BEGIN
// CERTIFICATE").
func typicalText(size int) []byte {
	parts := []string{
		"#!/bin/sh\nset -e\nif [ \"$1\" = \"--help\" ]; then echo \"usage: $0 HOST PORT\"; exit 0; fi\nexec nc \"$1\" \"$2\"\n",
		"server:\n  listen: 0.0.0.0:8080\n  upstream: https://api.corp.io/v1\n  cache_key: node-modules-v2\n  token_ttl: 3600\n",
		"def handler(event, context):\n    \"\"\"Return the token for the session key.\"\"\"\n    return {'statusCode': 200, 'body': json.dumps(event)}\n",
		"{\"name\": \"app\", \"version\": \"1.2.3\", \"repository\": \"git+https://github.com/corp/app.git\", \"author\": \"dev@corp.io\"}\n",
		"The quick brown fox jumps over the lazy dog. Passwords are read from /run/secrets, see https://docs.corp.io/auth.\n",
		"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----\n",
	}
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		b.WriteString(parts[i%len(parts)])
	}
	return b.Bytes()
}

func TestTypicalTextQuiet(t *testing.T) {
	for _, p := range []string{"etc/app/config.yaml", "usr/local/bin/run.sh"} {
		if hits := Scan(p, typicalText(64<<10)); len(hits) > 0 {
			t.Errorf("Scan(%s, typical text) = %+v", p, hits)
		}
	}
}

// BenchmarkScan scans 4 MiB of typical text with no credential, as a
// configuration file (every scanner runs, generic settings included) and
// as a script (no generic settings).
func BenchmarkScan(b *testing.B) {
	text := typicalText(4 << 20)
	for _, p := range []string{"etc/app/config.yaml", "usr/local/bin/run.sh"} {
		b.Run(p, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				if hits := Scan(p, text); len(hits) > 0 {
					b.Fatalf("hits %+v", hits)
				}
			}
		})
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"password=Kx8vP2qLm9Rt", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
		`{"auths": {"r": {"auth": "dTpw"}}}`, "machine a login b password c", "url: postgres://a:Kx8vP2qLm9Rt@c/d",
		"AKIAWX6HH7566TFJGVQ6\nucAUsdMlHUvTCQCyEZDz+TddJ8HyS5SUkCnD8zRA", "//r/:_authToken=npm_Jr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIx",
		`{"type": "service_account", "client_email": "a", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----"}`,
	} {
		for _, p := range []string{"app/.env", "root/.netrc", "root/.docker/config.json", "root/.npmrc", "app/sa.json"} {
			f.Add(p, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, p string, content []byte) {
		lines := bytes.Count(content, []byte("\n")) + 1
		last := 0
		for _, h := range Scan(p, content) {
			if h.Line < 1 || h.Line > lines || h.Line <= last || h.Kind == "" || h.Title == "" || !strings.Contains(h.Redacted, "********") {
				t.Fatalf("bad hit %+v (of %d lines) for %q", h, lines, content)
			}
			last = h.Line
		}
		Candidate(p, int64(len(content)))
	})
}

// TestScanSystemConfigs reads settings of configuration files that
// distribution packages install: none is a credential.
func TestScanSystemConfigs(t *testing.T) {
	for p, text := range map[string]string{
		"etc/postgresql/16/main/postgresql.conf":     "ssl_key_file = '/etc/ssl/private/ssl-cert-snakeoil.key'\npassword_encryption = scram-sha-256\n#password_encryption = md5\n",
		"etc/ssh/sshd_config":                        "PasswordAuthentication no\n#PermitEmptyPasswords no\n",
		"etc/java-17-openjdk/security/java.security": "keystore.type=pkcs12\njdk.tls.keyLimits=AES/GCM/NoPadding KeyUpdate 2^37\n",
		"etc/ssl/openssl.cnf":                        "default_keyfile = privkey.pem\n# input_password = secret\ninput_password = secret\n",
		"etc/git/config.ini":                         "[credential]\n\thelper = store\ncredential_helper = osxkeychain\n",
	} {
		if hits := Scan(p, []byte(text)); len(hits) > 0 {
			t.Errorf("Scan(%s) = %+v", p, hits)
		}
	}
}
