package config

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cfg, err := Parse(".bulwark.yaml", []byte(`fail-on: medium
exclude: ["vendor/**"]
rules:
  disable: [DF003]
  severity: {DF002: INFO}
ignore:
  - rules: [DF001]
    paths: ["legacy/**"]
    reason: legacy images
    expires: 2027-01-31
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FailOn != "medium" || cfg.Rules.Disable[0] != "DF003" || cfg.Ignore[0].Line != 7 || cfg.Ignore[0].File != ".bulwark.yaml" {
		t.Errorf("%+v", cfg)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"fail-on: HIGH\nfailon: LOW\n", ".bulwark.yaml:2: unknown key failon"},
		{"rules:\n  disabled: [DF001]\n", ".bulwark.yaml:2: unknown key disabled"},
		{"ignore:\n  - rules: [DF001]\n", ".bulwark.yaml:2: ignore entry: a reason is required"},
		{"ignore:\n  - reason: x\n    expires: soon\n", "not a YYYY-MM-DD date"},
		{"fail-on: SEVERE\n", "unknown severity"},
		{"exclude: [\"[\"]\n", "bad glob"},
		{"fail-on: [\n", ".bulwark.yaml"},
	} {
		_, err := Parse(".bulwark.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}
