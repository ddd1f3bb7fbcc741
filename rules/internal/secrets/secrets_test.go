package secrets

import "testing"

func TestCredential(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        bool
	}{
		{"DB_PASSWORD", "hunter2", true},
		{"NPM_TOKEN", "abc", true},
		{"API_KEY", "x1", true},
		{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI", true},
		{"POSTGRES_PASSWORD_FILE", "/run/secrets/db", false},
		{"DB_PASSWORD", "/run/secrets/db", false},
		{"MYSQL_ALLOW_EMPTY_PASSWORD", "yes", false},
		{"DB_PASSWORD", "", false},
		{"DB_PASSWORD", "changeme", false},
		{"CACHE_KEY", "node-modules-v2", false},
		{"LICENSE_KEY", "a8f3b2c9d0e1f4a7b6c5", true},
		{"DB_USER", "admin", false},
		{"DEBUG", "1", false},
	} {
		if got := Credential(c.name, c.value); got != c.want {
			t.Errorf("Credential(%q, %q) = %v, want %v", c.name, c.value, got, c.want)
		}
	}
}
