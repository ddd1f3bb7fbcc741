package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark/finding"
)

// Hit is a credential found in a file's contents.
type Hit struct {
	// Kind names the kind of credential, stably ("private-key",
	// "aws-access-key", "github-token", "config-secret", ...).
	Kind string
	// Title describes it for people ("RSA private key", "GitHub token").
	Title string
	// Severity is how bad a leak of this kind is.
	Severity finding.Severity
	// Line is the 1-based line of the match.
	Line int
	// Redacted shows the match with its secret part masked: a short
	// prefix of the secret at most (a token's documented prefix and up to
	// four characters, never more than a quarter of the secret), then
	// "********". The whole secret is never kept.
	Redacted string
}

// Kinds of Hit.
const (
	kindPrivateKey   = "private-key"
	kindAWSKeyID     = "aws-access-key-id"
	kindAWSKey       = "aws-access-key"
	kindAWSSecret    = "aws-secret-key"
	kindGCP          = "gcp-service-account"
	kindDocker       = "docker-registry-auth"
	kindNetrc        = "netrc-password"
	kindNpmrc        = "npm-token"
	kindGitCred      = "git-credentials"
	kindURL          = "url-password"
	kindConfigSecret = "config-secret"
)

// Entropy thresholds for a generic setting's value (password = value in
// a configuration file): at least minSettingLen characters, at least
// minBitsPerChar bits of Shannon entropy per character and minBits in
// all. "s3cr3tPa55" (2.9 bits a character, 29 in all) passes; "hunter2"
// (too short), "aaaaaaaa" and "abababab" (1 bit
// a character) do not, nor "Welcome1" (2.75 bits a character, 22 in
// all). Short or repetitive passwords are missed on purpose: in files
// that packages ship they are mostly samples.
const (
	minSettingLen  = 8
	minBitsPerChar = 2.5
	minBits        = 24
)

// maxAWSDistance is how many lines apart an AWS access key ID and its
// secret key may be to count as a pair.
const maxAWSDistance = 5

// Scan finds the credentials in a file of an image layer. path (relative
// to the image root, as in the layer) selects the formats read: Docker
// config.json auths, .netrc (and apt's auth.conf), .npmrc auth settings,
// .git-credentials, and generic settings (password = value) in
// configuration files outside third-party package trees. Everywhere it
// finds private key blocks (with a real body, not a placeholder; public
// keys and certificates are not credentials), Google Cloud service
// account keys, AWS access keys (an ID paired with a secret key within
// five lines is CRITICAL, an ID alone LOW, a secret key set by name
// alone HIGH), tokens by their documented forms (GitHub, GitLab, Slack,
// Stripe, npm, PyPI, Google, SendGrid, OpenAI, JWT), URLs with a
// password and base64-encoded key blocks.
// Documentation dummies (EXAMPLE, XXXXXXXX, ${VAR}, changeme) do not
// count. In the trees of installed packages (node_modules,
// site-packages, usr/lib, vendor, ...) only the strong kinds are
// reported, and private keys there as LOW. Binary contents (a NUL byte in the first 8000 bytes) and
// contents larger than MaxSize are not read. One hit per line, ordered by
// line.
func Scan(path string, content []byte) []Hit {
	if len(content) == 0 || len(content) > MaxSize || bytes.IndexByte(content[:min(len(content), 8000)], 0) >= 0 {
		return nil
	}
	s := &fileScan{path: cleanPath(path), text: content, seen: map[int]bool{}}
	s.third = thirdParty(s.path)
	s.gcp()
	s.pem()
	switch base := pathBase(s.path); {
	case base == ".netrc" || base == "_netrc" || base == "auth.conf" || strings.HasPrefix(s.path, "etc/apt/auth.conf.d/"):
		s.netrc()
	case base == ".npmrc":
		s.npmrc()
	case base == "config.json" || base == ".dockercfg" || strings.HasSuffix(base, ".dockerconfigjson"):
		s.dockerConfig()
	}
	s.tokens()
	s.awsSecretKeys()
	s.urls()
	s.encodedKeys()
	if configFile(s.path) && !s.third && !template(s.path) && !packageDefaults[s.path] {
		s.settings()
	}
	if s.third {
		for i, h := range s.hits {
			if h.Kind == kindPrivateKey && h.Severity > finding.Low {
				// Published with the package: a test or demo key, or one
				// anyone can download; still worth knowing it is there.
				s.hits[i].Severity, s.hits[i].Title = finding.Low, h.Title+" shipped in an installed package's files"
			}
		}
	}
	sort.SliceStable(s.hits, func(i, j int) bool { return s.hits[i].Line < s.hits[j].Line })
	return s.hits
}

// fileScan is the state of one Scan.
type fileScan struct {
	path string
	text []byte
	// starts are the offsets at which lines start, made on first use.
	starts []int
	hits   []Hit
	// seen are the lines that have a hit.
	seen map[int]bool
	// third is set for files of installed packages (thirdParty).
	third bool
	// awsSecrets holds, by line, the AWS secret key found on it ("" for
	// none), for the lines looked at.
	awsSecrets map[int]string
}

// lineOf returns the 1-based line of an offset.
func (s *fileScan) lineOf(off int) int {
	if s.starts == nil {
		s.starts = append(s.starts, 0)
		for i := 0; ; {
			j := bytes.IndexByte(s.text[i:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
			s.starts = append(s.starts, i)
		}
	}
	return sort.SearchInts(s.starts, off+1)
}

// lineText returns the text of a 1-based line, without its end.
func (s *fileScan) lineText(line int) string {
	start, end := s.starts[line-1], len(s.text)
	if line < len(s.starts) {
		end = s.starts[line] - 1
	}
	return strings.TrimSuffix(string(s.text[start:end]), "\r")
}

// add records a hit unless its line has one.
func (s *fileScan) add(line int, kind, title string, sev finding.Severity, redacted string) {
	if s.seen[line] || s.third && weakKinds[kind] {
		return
	}
	s.seen[line] = true
	s.hits = append(s.hits, Hit{Kind: kind, Title: title, Severity: sev, Line: line, Redacted: redacted})
}

// eachLine calls f once for each line holding needle, in order.
func (s *fileScan) eachLine(needle string, f func(line int)) {
	n := []byte(needle)
	last := 0
	for i := 0; ; {
		j := bytes.Index(s.text[i:], n)
		if j < 0 {
			return
		}
		line := s.lineOf(i + j)
		if line != last {
			last = line
			f(line)
		}
		i += j + len(n)
	}
}

// pem finds private key blocks.
func (s *fileScan) pem() {
	begin := []byte("-----BEGIN ")
	for i := 0; ; {
		j := bytes.Index(s.text[i:], begin)
		if j < 0 {
			return
		}
		at := i + j
		i = at + len(begin)
		head := s.text[at:min(len(s.text), at+64)]
		m := pemBeginRe.FindSubmatchIndex(head)
		if m == nil || m[0] != 0 {
			continue
		}
		label := string(head[m[2]:m[3]])
		body := s.text[at+m[1] : min(len(s.text), at+m[1]+pemBodyMax)]
		if k := bytes.Index(body, []byte("-----END")); k >= 0 {
			body = body[:k]
		}
		flat := strings.NewReplacer(`\n`, "", `\r`, "", "\n", "", "\r", "").Replace(string(body))
		if !pemBodyRe.MatchString(flat) || pemDummyRe.MatchString(flat) {
			continue
		}
		sev := finding.High
		if strings.HasPrefix(label, "ENCRYPTED ") || strings.Contains(string(body), "ENCRYPTED") {
			sev = finding.Medium // a passphrase protects it
		}
		title := strings.TrimPrefix(strings.TrimPrefix(pemWhat(label), "an "), "a ")
		switch base := pathBase(s.path); {
		case strings.Contains(base, "snakeoil"):
			sev, title = finding.Low, title+" (Debian's self-signed snakeoil key, made at install)"
		case strings.HasPrefix(s.path, "etc/ssh/ssh_host_") && strings.HasSuffix(base, "_key"):
			title = "SSH host " + title + " (made at install: every container of the image shares it)"
		}
		s.add(s.lineOf(at), kindPrivateKey, title, sev, "-----BEGIN "+label+"----- ********")
	}
}

// pemDummyRe matches the bodies documentation writes in a key block:
// runs of x and the word example. (dummyRe does not fit: DER encodes
// zero bytes as runs of A.)
var pemDummyRe = regexp.MustCompile(`(?i)x{16,}|example`)

// serviceAccount is the part of a Google Cloud service account key file
// the scan reads.
type serviceAccount struct {
	Type        string `json:"type"`
	PrivateKey  string `json:"private_key"`
	ClientEmail string `json:"client_email"`
}

// gcp finds Google Cloud service account key files.
func (s *fileScan) gcp() {
	if !bytes.Contains(s.text, []byte(`"service_account"`)) || !bytes.Contains(s.text, []byte(`"private_key"`)) ||
		!bytes.Contains(s.text, []byte(`"client_email"`)) {
		return
	}
	var sa serviceAccount
	if json.Unmarshal(s.text, &sa) != nil || sa.Type != "service_account" || sa.ClientEmail == "" ||
		!pemBeginRe.MatchString(sa.PrivateKey) || !pemBodyRe.MatchString(strings.ReplaceAll(sa.PrivateKey, "\n", "")) {
		return
	}
	line := s.lineOf(bytes.Index(s.text, []byte(`"private_key"`)))
	s.add(line, kindGCP, "Google Cloud service account key", finding.Critical,
		fmt.Sprintf("client_email %s, private_key -----BEGIN PRIVATE KEY----- ********", sa.ClientEmail))
}

// dockerAuth is a registry entry of a Docker config.json.
type dockerAuth struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
}

// dockerConfig finds registry credentials in a Docker config.json (or
// the older .dockercfg, a map of registries at the top).
func (s *fileScan) dockerConfig() {
	if !bytes.Contains(s.text, []byte(`"auth`)) && !bytes.Contains(s.text, []byte(`"password"`)) &&
		!bytes.Contains(s.text, []byte(`"identitytoken"`)) {
		return
	}
	var cfg struct {
		Auths map[string]dockerAuth `json:"auths"`
	}
	if json.Unmarshal(s.text, &cfg) != nil {
		return
	}
	if cfg.Auths == nil {
		if json.Unmarshal(s.text, &cfg.Auths) != nil {
			return
		}
	}
	hosts := make([]string, 0, len(cfg.Auths))
	for h := range cfg.Auths {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		a := cfg.Auths[h]
		user, pass, secret := a.Username, a.Password, a.Password
		if a.Auth != "" {
			b, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				b, err = base64.RawStdEncoding.DecodeString(a.Auth)
			}
			if err == nil {
				user, pass, _ = strings.Cut(string(b), ":")
				secret = a.Auth
			}
		}
		if pass == "" && a.IdentityToken != "" {
			pass, secret = a.IdentityToken, a.IdentityToken
		}
		if pass == "" || Placeholder(pass) || Templated(pass) || Dummy(pass) {
			continue
		}
		line := 1
		if k := bytes.Index(s.text, []byte(`"`+secret+`"`)); k >= 0 {
			line = s.lineOf(k)
		}
		s.add(line, kindDocker, "Docker registry credentials for "+h, finding.High,
			fmt.Sprintf("%s: %s:%s", h, user, mask(pass, 0)))
	}
}

// netrc finds passwords in a .netrc file (also the format of apt's
// auth.conf): "machine HOST login USER password PASS", over any lines.
func (s *fileScan) netrc() {
	machine, login, want := "default", "", ""
	text := s.text
	for i := 0; i < len(text); {
		c := text[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		if c == '#' {
			k := bytes.IndexByte(text[i:], '\n')
			if k < 0 {
				return
			}
			i += k
			continue
		}
		start := i
		for i < len(text) && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r' {
			i++
		}
		tok := string(text[start:i])
		switch {
		case want == "machine":
			machine, login, want = tok, "", ""
		case want == "login":
			login, want = tok, ""
		case want == "password":
			want = ""
			// Anonymous FTP logins give an e-mail address as password.
			if Placeholder(tok) || Templated(tok) || Dummy(tok) || credentialWords[strings.ToLower(tok)] ||
				login == "anonymous" || login == "ftp" {
				continue
			}
			s.add(s.lineOf(start), kindNetrc, "password for "+machine+" in a netrc file", finding.High,
				fmt.Sprintf("machine %s password %s", machine, mask(tok, 0)))
		case want != "":
			want = ""
		case tok == "machine" || tok == "password" || tok == "login" || tok == "account":
			want = tok
		case tok == "default":
			machine, login = "default", ""
		case tok == "macdef":
			k := bytes.Index(text[i:], []byte("\n\n"))
			if k < 0 {
				return
			}
			i += k
		}
	}
}

// npmrc finds registry auth settings in an .npmrc: _authToken, _auth and
// _password, plain or scoped to a registry ("//registry.npmjs.org/:_authToken").
func (s *fileScan) npmrc() {
	for n, line := range strings.Split(string(s.text), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		key, value, ok := strings.Cut(t, "=")
		key, value = strings.TrimSpace(key), strings.Trim(strings.TrimSpace(value), `"'`)
		if !ok || !(strings.HasSuffix(key, "_authToken") || strings.HasSuffix(key, "_auth") || strings.HasSuffix(key, "_password")) {
			continue
		}
		if value == "" || Placeholder(value) || Templated(value) || Dummy(value) {
			continue
		}
		sev := finding.High
		if strings.HasSuffix(key, "_authToken") {
			sev = finding.Critical
		}
		s.add(n+1, kindNpmrc, "npm registry credential ("+key+")", sev, key+"="+mask(value, tokenPrefix(value)))
	}
}

// tokens finds the credentials of a known form (tokenForms). Only lines
// that hold one of a form's literal hints are run through its pattern.
func (s *fileScan) tokens() {
	for _, f := range tokenForms {
		done := map[int]bool{}
		for _, h := range f.hints {
			s.eachLine(h, func(line int) {
				if done[line] || s.seen[line] {
					return
				}
				done[line] = true
				text := s.lineText(line)
				for _, m := range f.re.FindAllString(text, -1) {
					if dummyRe.MatchString(m) {
						continue
					}
					if f.kind == kindAWSKeyID {
						s.aws(line, m)
					} else {
						s.add(line, f.kind, f.title, f.sev, mask(m, tokenPrefix(m)))
					}
					return
				}
			})
		}
	}
}

// awsSecretRe matches an AWS secret access key: 40 characters of base64.
var awsSecretRe = regexp.MustCompile(`(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`)

// aws records an AWS access key ID, as a CRITICAL key pair when a secret
// key is within maxAWSDistance lines, or as a LOW ID alone (an ID is not
// a credential by itself, but says a key exists).
func (s *fileScan) aws(line int, id string) {
	if s.awsSecrets == nil {
		s.awsSecrets = map[int]string{}
	}
	for l := max(1, line-maxAWSDistance); l <= min(len(s.starts), line+maxAWSDistance); l++ {
		secret, ok := s.awsSecrets[l]
		if !ok {
			for _, m := range awsSecretRe.FindAllStringSubmatch(s.lineText(l), -1) {
				if awsSecret(m[1]) {
					secret = m[1]
					break
				}
			}
			s.awsSecrets[l] = secret
		}
		if secret != "" {
			s.add(line, kindAWSKey, "AWS access key (ID and secret access key)", finding.Critical,
				mask(id, 4)+" / "+mask(secret, 0))
			s.seen[l] = true // the secret key's line is part of this hit
			return
		}
	}
	s.add(line, kindAWSKeyID, "AWS access key ID (no secret key near it)", finding.Low, mask(id, 4))
}

// awsSecretSettingRe matches an AWS secret access key set by its usual
// names: the CLI's aws_secret_access_key, the environment's
// AWS_SECRET_ACCESS_KEY, the API's SecretAccessKey.
var awsSecretSettingRe = regexp.MustCompile(`(?i)(?:aws_secret_access_key|secretaccesskey)["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`)

// awsSecretKeys finds AWS secret access keys set by name without an
// access key ID near them (a pair is reported with the ID).
func (s *fileScan) awsSecretKeys() {
	for _, h := range []string{"aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "SecretAccessKey", "secretAccessKey"} {
		s.eachLine(h, func(line int) {
			if s.seen[line] {
				return
			}
			if m := awsSecretSettingRe.FindStringSubmatch(s.lineText(line)); m != nil && awsSecret(m[1]) {
				s.add(line, kindAWSSecret, "AWS secret access key", finding.High, mask(m[1], 0))
			}
		})
	}
}

// awsSecret reports whether a 40-character run looks like an AWS secret
// key: upper- and lower-case letters and digits (a SHA-1 in hex has no
// upper case), and no documentation dummy.
func awsSecret(v string) bool {
	var upper, lower, digit bool
	for _, c := range v {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		}
	}
	return upper && lower && digit && !Dummy(v)
}

// urlPassword returns the URL a match of urlPasswordRe is, when it holds
// a password that is not a placeholder, a template, a dummy, a
// credential's name or the user name repeated.
func urlPassword(m string) (*url.URL, string, bool) {
	u, err := url.Parse(m)
	if err != nil || u.User == nil {
		return nil, "", false
	}
	pw, ok := u.User.Password()
	if !ok || Placeholder(pw) || Templated(pw) || Dummy(pw) || credentialWords[strings.ToLower(pw)] || pw == u.User.Username() {
		return nil, "", false
	}
	return u, pw, true
}

// urls finds URLs with a password (in .git-credentials, every line is
// one).
func (s *fileScan) urls() {
	kind, title := kindURL, "URL with an embedded password"
	if pathBase(s.path) == ".git-credentials" {
		kind, title = kindGitCred, "Git credential store entry"
	}
	s.eachLine("://", func(line int) {
		if s.seen[line] {
			return
		}
		text := s.lineText(line)
		if !strings.Contains(text, "@") {
			return
		}
		for _, m := range userinfoURLs(text) {
			if u, pw, ok := urlPassword(m); ok {
				s.add(line, kind, title, finding.High, fmt.Sprintf("%s://%s:%s@%s", u.Scheme, u.User.Username(), mask(pw, 0), u.Host))
				return
			}
		}
	})
}

// userinfoURLs returns the URLs of a line whose authority has a user
// and a password (scheme://user:password@host...), found from each
// "://" rather than by a pattern run over the whole line.
func userinfoURLs(line string) []string {
	var out []string
	for i := 0; ; {
		j := strings.Index(line[i:], "://")
		if j < 0 {
			return out
		}
		at := i + j
		i = at + 3
		start := at
		for start > 0 && schemeChar(line[start-1]) {
			start--
		}
		for start < at && !isLetter(line[start]) {
			start++ // a scheme starts with a letter
		}
		if start == at {
			continue
		}
		end := i
		for end < len(line) && !strings.ContainsRune(" \t'\"<>`/?#", rune(line[end])) {
			end++
		}
		authority := line[i:end]
		if k := strings.LastIndexByte(authority, '@'); k > 0 && strings.IndexByte(authority[:k], ':') >= 0 {
			out = append(out, line[start:end])
		}
	}
}

func schemeChar(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// encodedKeys finds base64-encoded private key blocks (kubeconfig's
// client-key-data).
func (s *fileScan) encodedKeys() {
	s.eachLine("LS0tLS1CRUdJTi", func(line int) {
		if !s.seen[line] && formRest(s.lineText(line)) == "a base64-encoded private key" {
			s.add(line, kindPrivateKey, "base64-encoded private key", finding.High, "LS0tLS1CRUdJTi********")
		}
	})
}

// settingWords are the lower-case strings one of which a line must hold
// to be read as a setting.
var settingWords = []string{"pass", "secret", "token", "key", "auth", "cred", "pwd"}

// settings finds generic settings that hold a literal credential with
// enough entropy (Setting, and the thresholds above), without spaces (a
// value with spaces is prose: "A challenge password"), and not an
// identifier that names a credential ("NextToken"). XML comments, also
// over several lines, are not read.
func (s *fileScan) settings() {
	accept := func(name, value string) bool {
		return Setting(name, value) && entropic(value) && !credentialIdentifier(value) && !strings.ContainsAny(strings.TrimSpace(value), " \t")
	}
	inComment := false // inside an XML comment of several lines
	for n, line := range strings.Split(string(s.text), "\n") {
		if inComment {
			if _, after, ok := strings.Cut(line, "-->"); ok {
				inComment, line = false, after
			} else {
				continue
			}
		}
		if before, after, ok := strings.Cut(line, "<!--"); ok {
			line = before
			inComment = !strings.Contains(after, "-->")
		}
		if s.seen[n+1] || len(line) > 4096 || !containsAny(strings.ToLower(line), settingWords) {
			continue
		}
		line = strings.TrimSuffix(line, "\r")
		if name, value, ok := lineSettingFunc(line, accept); ok {
			s.add(n+1, kindConfigSecret, fmt.Sprintf("credential in setting %q", name), finding.Medium,
				name+"="+mask(strings.TrimSpace(value), 0))
		}
	}
}

// credentialIdentifier reports whether a value is an identifier that
// names a credential rather than holding one: letters, '_', '-' and '.'
// only, with a credential word in it ("NextToken", "db.password",
// "AUTH_SECRET_NAME").
func credentialIdentifier(v string) bool {
	for _, c := range v {
		if !isLetter(byte(c)) && c != '_' && c != '-' && c != '.' || c > 127 {
			return false
		}
	}
	l := strings.ToLower(v)
	return containsAny(l, []string{"token", "password", "passwd", "secret", "key", "credential", "auth"})
}

// entropic reports whether a value passes the entropy thresholds.
func entropic(v string) bool {
	v = strings.TrimSpace(v)
	n := utf8.RuneCountInString(v)
	if n < minSettingLen {
		return false
	}
	h := Entropy(v)
	return h >= minBitsPerChar && h*float64(n) >= minBits
}

// Entropy returns the Shannon entropy of a string's characters, in bits
// per character: 0 for "aaaa", 2 for "abcd", about 4.2 for a random
// 20-character base64 string.
func Entropy(v string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, r := range v {
		counts[r]++
		n++
	}
	h := 0.0
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// configExts are extensions of configuration files, where generic
// settings are read.
var configExts = map[string]bool{
	".env": true, ".ini": true, ".cfg": true, ".conf": true, ".cnf": true, ".properties": true, ".yaml": true,
	".yml": true, ".toml": true, ".json": true, ".xml": true, ".config": true, ".settings": true,
}

// configFile reports whether a path is a configuration file: by
// extension, a file named for credentials, an .env file, or a file
// without extension under etc/.
func configFile(p string) bool {
	base := pathBase(p)
	ext := strings.ToLower(path.Ext(base))
	return configExts[ext] || credentialNames[base] || strings.HasPrefix(base, ".env") ||
		strings.HasPrefix(p, "etc/") && ext == ""
}

// templateSuffixes end the names of files that are templates by
// convention (.env.example, config.yaml.sample, settings.ini.dist):
// their settings are placeholders to fill in.
var templateSuffixes = []string{".example", ".sample", ".template", ".dist", ".tmpl", ".tpl", ".orig", ".default", ".defaults"}

// template reports whether a path is a template by its name.
func template(p string) bool {
	base := strings.ToLower(pathBase(p))
	for _, s := range templateSuffixes {
		if strings.HasSuffix(base, s) {
			return true
		}
	}
	return strings.Contains(base, "example") || strings.Contains(base, "sample")
}

// thirdPartyDirs are folders that hold installed packages and vendored
// code. Their configuration files are samples and defaults, their
// sources hold documentation examples (http://user:pass@host) and
// public client keys (a Google API key in an SDK), so only the strong
// kinds are reported there (see weakKinds), and private keys as LOW.
var thirdPartyDirs = []string{
	"node_modules/", "site-packages/", "dist-packages/", "/gems/", "vendor/", "third_party/", "third-party/", "thirdparty/",
	"usr/lib/", "usr/lib64/", "lib/", "usr/local/lib/", "usr/share/", "go/pkg/mod/", ".cargo/registry/", "usr/local/go/",
}

// packageDefaults are configuration files that distributions install
// with sample credentials in example sections (openssl.cnf's CMP
// section has "secret = pass:insta"): generic settings are not read in
// them.
var packageDefaults = map[string]bool{
	"etc/ssl/openssl.cnf": true, "etc/pki/tls/openssl.cnf": true, "usr/lib/ssl/openssl.cnf": true, "etc/ssl/openssl.cnf.dist": true,
}

// weakKinds are the kinds of hit a third-party tree does not report:
// generic settings, URLs with a password, AWS key IDs without a secret,
// Google API keys (public client keys), JWTs and password hashes.
var weakKinds = map[string]bool{
	kindConfigSecret: true, kindURL: true, kindAWSKeyID: true, "google-api-key": true, "jwt": true, "bcrypt-hash": true,
}

// thirdParty reports whether a path lies in an installed package's tree.
func thirdParty(p string) bool {
	for _, d := range thirdPartyDirs {
		if strings.HasPrefix(p, d) || strings.Contains(p, "/"+strings.TrimPrefix(d, "/")) {
			return true
		}
	}
	return false
}

// pathBase is path.Base of a clean relative path.
func pathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// tokenPrefix returns how much of a token is its documented prefix
// ("ghp_", "glpat-", "xoxb-", "AKIA"): up to its first '_', '-' or '.'
// within 12 characters.
func tokenPrefix(t string) int {
	if i := strings.IndexAny(t, "_-."); i >= 0 && i < 12 {
		return i + 1
	}
	return 0
}

// mask shows the first prefix bytes of a secret and up to four more
// (never more than a quarter of the rest), then "********".
func mask(secret string, prefix int) string {
	if prefix > len(secret) {
		prefix = 0
	}
	n := prefix + min(4, (len(secret)-prefix)/4)
	for n > 0 && n < len(secret) && !utf8.RuneStart(secret[n]) {
		n--
	}
	return secret[:n] + "********"
}
