package secrets

import "testing"

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
