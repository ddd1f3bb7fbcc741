package secrets

import (
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Kind
	}{
		{"DB_PASSWORD", Strong},
		{"GITHUB_TOKEN", Strong},
		{"API_KEY", Strong},
		{"aws_secret_access_key", Strong},
		{"privatekey", Strong},
		{"auth.token", Strong},
		{"LICENSE_KEY", Weak},
		{"NPM_AUTH", Weak},
		{"DB_PASSWORD_FILE", None},
		{"API_KEY_PATH", None},
		{"TOKENIZER_MODE", None},
		{"MONKEY", None},
		{"GPG_KEY", None},
		{"PATH", None},
	} {
		if got := Classify(tc.name); got != tc.want {
			t.Errorf("Classify(%q) = %v, want %v", tc.name, got, tc.want)
		}
		if got := Name(tc.name); got != (tc.want != None) {
			t.Errorf("Name(%q) = %v", tc.name, got)
		}
	}
}

func TestLiteral(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        bool
	}{
		{"DB_PASSWORD", "hunter2", true},
		{"DB_PASSWORD", "", false},
		{"DB_PASSWORD", "changeme", false},
		{"DB_PASSWORD", "/run/secrets/db", false},
		{"MYSQL_ALLOW_EMPTY_PASSWORD", "yes", false},
		{"REQUIRE_PASSWORD", "false", false},
		{"CACHE_KEY", "node-modules-cache-v2", false},
		{"LICENSE_KEY", "lgNvGyhnUKpa5PJi", true},
		{"DB_PASSWORD_FILE", "/run/secrets/db_password", false},
		{"HOSTNAME", "s3cr3tvalue123456789", false},
	} {
		if got := Literal(tc.name, tc.value); got != tc.want {
			t.Errorf("Literal(%q, %q) = %v, want %v", tc.name, tc.value, got, tc.want)
		}
	}
}

func TestClassifyCamelCaseAndSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Kind
	}{
		{"clientSecret", Strong},
		{"adminPassword", Strong},
		{"HTTPPassword", Strong},
		{"apiKey", Strong},
		{"accessToken", Strong},
		{"adminpassword", Strong},
		{"azurestorageaccountkey", None},
		{"signingKey", Weak},
		{"passphrase", Strong},
		{"spring.datasource.password", Strong},
		{"password-policy", None},
		{"PASSWORD_MIN_LENGTH", None},
		{"passwordFile", None},
		{"secretName", None},
		{"secretRef", None},
		{"existingSecret", None},
		{"tokenTTL", None},
		{"TOKEN_EXPIRY", None},
		{"authType", None},
		{"PASSENGER_APP_ENV", None},
		{"tokenizer", None},
		{"keyPath", None},
		{"bypassCache", None},
	} {
		if got := Classify(tc.name); got != tc.want {
			t.Errorf("Classify(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNameParts(t *testing.T) {
	for in, want := range map[string]string{
		"DB_PASSWORD":   "db password",
		"clientSecret":  "client secret",
		"HTTPPassword":  "http password",
		"oauth2Token":   "oauth2 token",
		"tls.key":       "tls key",
		"x-api-key":     "x api key",
		"ABC":           "abc",
		"getHTTPSProxy": "get https proxy",
	} {
		got := ""
		for i, p := range nameParts(in) {
			if i > 0 {
				got += " "
			}
			got += p
		}
		if got != want {
			t.Errorf("nameParts(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlaceholder(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"changeme", true},
		{"<password>", true},
		{"<YOUR_TOKEN>", true},
		{"${DB_PASSWORD}", true},
		{"$(TOKEN)", true},
		{"{{ .Values.password }}", true},
		{"xxxxxxxx", true},
		{"********", true},
		{"REPLACE_ME", true},
		{"replace-this-with-a-real-key", true},
		{"your_api_key", true},
		{"YOUR-TOKEN-HERE", true},
		{"/run/secrets/db", true},
		{"hunter2", false},
		{"password", false},
		{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", false},
		{"your-secret-2024", false},
	} {
		if got := Placeholder(tc.v); got != tc.want {
			t.Errorf("Placeholder(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestForm(t *testing.T) {
	for _, tc := range []struct {
		line, want string
	}{
		{"aws_access_key_id = AKIAZ7VRSQ2PLXW4NK3M", "an AWS access key ID"},
		{"key: AKIAIOSFODNN7EXAMPLE", ""},
		{"GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a", "a GitHub token"},
		{"token: glpat-x9Rk2LmQ7vTn4WpZs8Yb", "a GitLab token"},
		{"slack: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "a Slack token"},
		{"slack_api_url: https://hooks.slack.com/services/T024BE7LD/B01ABCDEF12/q8Zk3LmX9vR2tY7wP4nB6cJd", "a Slack webhook URL"},
		{"slack_api_url: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", ""},
		{"stripe: sk_live_4eC39HqLyjWDarjtT1zdp7dc", "a Stripe live key"},
		{"stripe: sk_test_4eC39HqLyjWDarjtT1zdp7dc", ""},
		{"maps: AIzaSyD3kR9vX2mQ7pL4nB8wT1cY6hJ0fG5sE2a", "a Google API key"},
		{"auth: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk", "a JSON Web Token"},
		{"url: postgres://app:s3cr3tPa55@db:5432/app", "a URL with an embedded password"},
		{"url: postgres://user:password@localhost/app", ""},
		{"url: postgres://app:${DB_PASSWORD}@db/app", ""},
		{"url: https://example.com:8443/path", ""},
		{"admin:$apr1$Qk9x7mD2$Zt0yL3nH8vR1cW5pB6sJq/", "an htpasswd entry (a user and a password hash)"},
		{"hash: $2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "a bcrypt password hash"},
		{"checksum: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ""},
	} {
		if got := Form(tc.line); got != tc.want {
			t.Errorf("Form(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestScanText(t *testing.T) {
	type m struct {
		line int
		name string
	}
	for _, tc := range []struct {
		text string
		want []m
	}{
		{"spring.datasource.url=jdbc:postgresql://db/app\nspring.datasource.password=hunter2\n", []m{{1, "spring.datasource.password"}}},
		{"# password=hunter2\npassword-policy: strict\nPASSWORD_MIN_LENGTH=8\n", nil},
		{"export DB_PASSWORD='s3cr3t!'\nDB_PASSWORD_FILE=/run/secrets/db\n", []m{{0, "DB_PASSWORD"}}},
		{"database:\n  host: db\n  password: \"hunter2\" # the dev one\n  passwordFile: /etc/db/pw\n", []m{{2, "password"}}},
		{"database:\n  password: ${DB_PASSWORD}\n  token: \"\"\n  secret: true\n  apiKey: API_KEY\n", nil},
		{`{"auth": {"clientSecret": "q8Zk3LmX9vR2tY7w", "tokenUrl": "https://idp/token"}}`, []m{{0, "clientSecret"}}},
		{"<config>\n  <password>hunter2</password>\n</config>\n", []m{{1, "password"}}},
		{"Server=db;Database=app;User Id=sa;Password=Hunter2!;", []m{{0, "Password"}}},
		{"command: app --db-password=hunter2 --verbose", []m{{0, "db-password"}}},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx3Yq1ZrM8mQb9pN0vL2wE4tYc7hJ6kD5sF3gH2jK1lM0nB9v\n-----END RSA PRIVATE KEY-----\n", []m{{0, ""}}},
		{"-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----\n", nil},
		{"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----\n", nil},
		{`{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"}`, []m{{0, ""}}},
		{"key: app.kubernetes.io/name\nkey: 9f86d081884c7d659a2feaa0c55ad015\n", []m{{1, "key"}}},
		{"password: 3600\nretries: 5\n", nil},
		{"auth:\n  password: vault:secret/data/app#password\n  token: ENC(Q2xhc3NpYw==)\n", nil},
	} {
		got := ScanText(tc.text)
		var gm []m
		for _, g := range got {
			gm = append(gm, m{g.Line, g.Name})
		}
		if len(gm) != len(tc.want) {
			t.Errorf("ScanText(%q) = %+v, want %+v", tc.text, got, tc.want)
			continue
		}
		for i := range gm {
			if gm[i] != tc.want[i] {
				t.Errorf("ScanText(%q) = %+v, want %+v", tc.text, got, tc.want)
				break
			}
		}
	}
}

func TestValue(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
	}{
		{"DB_PASSWORD", "hunter2", "a literal credential"},
		{"DB_PASSWORD", "${DB_PASSWORD}", ""},
		{"DB_PASSWORD", "", ""},
		{"password-policy", "strict", ""},
		{"PASSWORD_MIN_LENGTH", "8", ""},
		{"GH", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "a GitHub token"},
		{"DATABASE_URL", "postgres://app:s3cr3tPa55@db:5432/app", "a URL with an embedded password"},
		{"DATABASE_URL", "postgres://db:5432/app", ""},
		{"tls.key", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n", "an EC private key"},
		{"ca.crt", "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----\n", ""},
	} {
		got := ""
		if ms := Value(tc.name, tc.value); len(ms) > 0 {
			got = ms[0].What
		}
		if got != tc.want {
			t.Errorf("Value(%q, %q) = %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
}

func TestPublicOnly(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----", true},
		{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host", true},
		{"-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", false},
		{"hunter2", false},
	} {
		if got := PublicOnly(tc.v); got != tc.want {
			t.Errorf("PublicOnly(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestIdentifying(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"username", true},
		{"DB_USER", true},
		{"tls.crt", true},
		{"ca.crt", true},
		{"azurestorageaccountname", true},
		{"discovery.sendtargets.auth.username_in", true},
		{"namespace", true},
		{"password", false},
		{"tls.key", false},
		{"secret_id", false},
		{"azurestorageaccountkey", false},
		{"token", false},
		{"key", false},
	} {
		if got := Identifying(tc.name); got != tc.want {
			t.Errorf("Identifying(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDummy(t *testing.T) {
	for v, want := range map[string]bool{
		"CHANGEME00000000": true, "example-password": true, "xxxxxxxxxxxx": true, "hunter2": false, "s3cr3tPa55": false,
	} {
		if got := Dummy(v) || Placeholder(v); got != want {
			t.Errorf("Dummy or Placeholder(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestSetting(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        bool
	}{
		{"password", "hunter2", true},
		{"clientSecret", "q8Zk3LmX9vR2tY7w", true},
		{"password", "password", false},
		{"identitytoken", "identity_token", false},
		{"tlsSecret", "wordpress.local-tls", false},
		{"adminSecret", "app-admin", false},
		{"secret", "c2VjcmV0IGlzIHNlY3VyZQ==", true},
		{"gmsaCredentialSpec", "{\"x\": 1}", false},
		{"secretNamespace", "kube-system", false},
		{"password", "${PASSWORD}", false},
		{"password", "vault:secret/data/app", false},
		{"password", "DB_PASSWORD", false},
		{"password", "300", false},
		{"password", "example-password", false},
	} {
		if got := Setting(tc.name, tc.value); got != tc.want {
			t.Errorf("Setting(%q, %q) = %v, want %v", tc.name, tc.value, got, tc.want)
		}
	}
}

func TestFormBase64Key(t *testing.T) {
	line := "    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBeDNZcTFack04bVFiOXBOMHZMMndFNHRZYzdoSjZrRDVzRjNnSDJqSzFsTTBuQjl2Ci0tLS0tRU5EIFJTQSBQUklWQVRFIEtFWS0tLS0tCg=="
	if got := Form(line); got != "a base64-encoded private key" {
		t.Errorf("Form(client-key-data) = %q", got)
	}
	cert := "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURkekNDQWwrZ0F3SUJBZ0lFQWdBQXVUQU5CZ2txaGtpRzl3MEJBUVVGQURCYU1Rc3dDUVlEVlFRR0V3SkoKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
	if got := Form(cert); got != "" {
		t.Errorf("Form(certificate-authority-data) = %q, want none", got)
	}
}

func TestSettingDummies(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        bool
	}{
		{"MYSQL_TEST_PASS", "secret", false},
		{"parse-passwd", "^1.0.0", false},
		{"passphrase", "optional; leave empty if not used.", false},
		{"identitytoken", "9cbaf023786cd7...", false},
		{"password", "string", false},
		{"passphrase", "correct horse battery", true},
	} {
		if got := Setting(tc.name, tc.value); got != tc.want {
			t.Errorf("Setting(%q, %q) = %v, want %v", tc.name, tc.value, got, tc.want)
		}
	}
}

// TestScanTextBounded proves that a key block without an end, or a huge
// value, is read in linear time.
func TestScanTextBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("-----BEGIN PRIVATE KEY-----\n")
	for i := 0; i < 200000; i++ {
		b.WriteString("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n")
	}
	start := time.Now()
	ms := ScanText(b.String())
	if len(ms) != 1 || ms[0].What != "a private key" {
		t.Errorf("ScanText = %+v", ms)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Scan took %v", d)
	}
}

func FuzzScanText(f *testing.F) {
	for _, s := range []string{
		"password=hunter2", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
		`{"token": "ghp_16C7e42F292c6912E7710c838347Ae178B4a"}`, "url: postgres://a:b@c/d", "<password>x</password>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Count(s, "\n") + 1
		for _, m := range ScanText(s) {
			if m.Line < 0 || m.Line >= lines || m.What == "" {
				t.Fatalf("bad match %+v for %q", m, s)
			}
		}
		Value("password", s)
		Classify(s)
	})
}
