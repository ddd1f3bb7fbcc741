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
	if _, err := Parse("x.yaml", []byte("fail-on: none\n")); err != nil {
		t.Errorf("fail-on: none rejected: %v", err)
	}
	if cfg.FailOn != "medium" || cfg.Rules.Disable[0] != "DF003" || cfg.Ignore[0].Line != 7 || cfg.Ignore[0].File != ".bulwark.yaml" {
		t.Errorf("%+v", cfg)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"fail-on: HIGH\nfailon: LOW\n", `.bulwark.yaml:2: unknown key "failon"`},
		{"rules:\n  disabled: [DF001]\n", `.bulwark.yaml:2: unknown key "disabled"`},
		{"foo: 1\nbar: 2\n", ".bulwark.yaml:1: unknown key \"foo\"\n.bulwark.yaml:2: unknown key \"bar\""},
		{"exclude: x\n", ".bulwark.yaml:1: cannot unmarshal !!str `x` (want a list of strings)"},
		{"ignore:\n  - rule: DF001\n    reason: r\n", `.bulwark.yaml:2: unknown key "rule"`},
		{"fail-on: SEVERE\n", ".bulwark.yaml:1: fail-on: unknown severity"},
		{"ignore:\n  - rules: [DF001]\n", ".bulwark.yaml:2: ignore entry: a reason is required"},
		{"ignore:\n  - reason: x\n    expires: soon\n", "not a YYYY-MM-DD date"},
		{"exclude: [\"[\"]\n", "bad glob"},
		{"fail-on: [\n", ".bulwark.yaml"},
	} {
		_, err := Parse(".bulwark.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}
