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

func TestParseHelm(t *testing.T) {
	cfg, err := Parse("deploy/.bulwark.yaml", []byte(`kube-version: "1.30"
helm:
  release-name: web
  namespace: prod
  charts:
    - path: chart
      values:
        - name: prod
          files: [chart/values-prod.yaml]
          set: ["replicaCount=3", "image.tag=1.2"]
          set-string: ["build=0123"]
        - files: [chart/values-dev.yaml]
    - path: other
      release-name: other
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.KubeVersion != "1.30" || cfg.Helm.ReleaseName != "web" || cfg.Helm.Namespace != "prod" || len(cfg.Helm.Charts) != 2 {
		t.Fatalf("%+v", cfg)
	}
	c := cfg.Helm.Charts[0]
	if c.Path != "chart" || c.Line != 6 || len(c.Values) != 2 || c.Values[0].Line != 8 || c.Values[1].Line != 12 {
		t.Errorf("chart %+v", c)
	}
	if c.Values[0].SetName() != "prod" || c.Values[1].SetName() != "values-dev.yaml" || (ValuesSet{}).SetName() != "default" {
		t.Errorf("names %q %q", c.Values[0].SetName(), c.Values[1].SetName())
	}
	if cfg.Helm.Charts[1].ReleaseName != "other" || cfg.Dir() != "deploy" {
		t.Errorf("%+v %q", cfg.Helm.Charts[1], cfg.Dir())
	}
}

func TestParseHelmErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"kube-version: one\n", `.bulwark.yaml:1: kube-version: "one" is not a Kubernetes version`},
		{"kube-version: \"2.0\"\n", `.bulwark.yaml:1: kube-version`},
		{"helm:\n  release: web\n", `.bulwark.yaml:2: unknown key "release"`},
		{"helm:\n  charts:\n    - path: c\n      value: []\n", `.bulwark.yaml:4: unknown key "value"`},
		{"helm:\n  charts:\n    - path: c\n      values:\n        - name: a\n          sets: [x=1]\n", `.bulwark.yaml:6: unknown key "sets"`},
		{"helm:\n  charts: c\n", "(want a list of charts)"},
		{"helm:\n  charts:\n    - values: []\n", ".bulwark.yaml:3: helm.charts: path is required"},
		{"helm:\n  charts:\n    - path: c\n    - path: ./c/\n", ".bulwark.yaml:4: helm.charts: chart ./c/ is already configured at line 3"},
		{"helm:\n  charts:\n    - path: c\n      values:\n        - files: [a/v.yaml]\n        - files: [b/v.yaml]\n", `.bulwark.yaml:6: chart c: values set "v.yaml" appears twice`},
		{"helm:\n  charts:\n    - path: c\n      values:\n        - name: x\n          set: [\"a[=1\"]\n", `.bulwark.yaml:5: chart c: values set "x": set "a[=1"`},
		{"helm:\n  release-name: Web_1\n", `.bulwark.yaml:2: helm.release-name "Web_1"`},
	} {
		_, err := Parse(".bulwark.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestParseImageIgnores(t *testing.T) {
	cfg, err := Parse(".bulwark.yaml", []byte(`ignore:
  - rules: [CVE-2023-5678, GHSA-35jh-r3h4-6jhm]
    images: ["registry.example.com/legacy/**"]
    packages: [openssl, "pkg:npm/lodash@*"]
    reason: not reachable
    expires: 2027-01-31
`))
	if err != nil {
		t.Fatal(err)
	}
	ig := cfg.Ignore[0]
	if len(ig.Rules) != 2 || ig.Images[0] != "registry.example.com/legacy/**" || ig.Packages[1] != "pkg:npm/lodash@*" || ig.Line != 2 {
		t.Errorf("%+v", ig)
	}
	_, err = Parse(".bulwark.yaml", []byte("ignore:\n  - paths: [a]\n    images: [b]\n    reason: r\n"))
	if err == nil || !strings.Contains(err.Error(), ".bulwark.yaml:2: ignore entry: paths apply to files") {
		t.Errorf("paths with images: %v", err)
	}
}
