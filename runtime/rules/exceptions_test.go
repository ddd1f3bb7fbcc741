package rules

import (
	"strings"
	"testing"
)

func TestExceptionsCompile(t *testing.T) {
	cases := []struct {
		name string
		exc  string // the exceptions: block of a rule with condition ka.verb=create
		want string // FullCondition
	}{
		{"tuple form, default comps are =",
			`    - name: e
      fields: [ka.target.namespace, ka.user.name]
      values: [[sandbox, dev-alice], [prod, ops]]`,
			`(ka.verb=create) and not ((ka.target.namespace = sandbox and ka.user.name = dev-alice) or (ka.target.namespace = prod and ka.user.name = ops))`},
		{"tuple form: a YAML list value becomes a list; a scalar for a list operator is parenthesised (a list reference)",
			`    - name: e
      fields: [ka.target.namespace, ka.req.pod.containers.image.repository]
      comps: [=, in]
      values:
        - [kube-system, [registry.k8s.io/kube-proxy, registry.k8s.io/pause]]
        - [monitoring, monitoring_images]
        - [logging, (logging_images)]`,
			`(ka.verb=create) and not ((ka.target.namespace = kube-system and ka.req.pod.containers.image.repository in (registry.k8s.io/kube-proxy, registry.k8s.io/pause)) or (ka.target.namespace = monitoring and ka.req.pod.containers.image.repository in (monitoring_images)) or (ka.target.namespace = logging and ka.req.pod.containers.image.repository in (logging_images)))`},
		{"scalar form, default comp in",
			`    - name: e
      fields: ka.user.name
      values: [alice, bob]`,
			`(ka.verb=create) and not (ka.user.name in (alice, bob))`},
		{"scalar form with pmatch",
			`    - name: e
      fields: ka.uri
      comps: pmatch
      values: [/healthz, /api/*/status]`,
			`(ka.verb=create) and not (ka.uri pmatch (/healthz, /api/*/status))`},
		{"scalar form with a modifier",
			`    - name: e
      fields: ka.uri
      comps: startswith oneof
      values: [/a, /b]`,
			`(ka.verb=create) and not (ka.uri startswith oneof (/a, /b))`},
		{"a value with a blank is quoted; an already quoted one is kept",
			`    - name: e
      fields: [ka.user.name, ka.target.name]
      comps: [=, startswith]
      values: [[my user, '"quoted x"']]`,
			`(ka.verb=create) and not ((ka.user.name = "my user" and ka.target.name startswith "quoted x"))`},
		{"values the bare lexer would split are quoted and escaped (Falco leaves these broken)",
			`    - name: e
      fields: [ka.user.name, ka.target.name]
      comps: [=, contains]
      values: [["a=b", 'x"y,z']]`,
			`(ka.verb=create) and not ((ka.user.name = "a=b" and ka.target.name contains "x\"y,z"))`},
		{"an exception without values adds nothing",
			`    - name: e
      fields: [ka.user.name]`,
			`(ka.verb=create)`},
		{"two exceptions: one and not each",
			`    - name: e1
      fields: ka.user.name
      values: [alice]
    - name: e2
      fields: [ka.verb]
      comps: [in]
      values: [[[get, list]]]`,
			`(ka.verb=create) and not (ka.user.name in (alice)) and not ((ka.verb in (get, list)))`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadYAML(t, "- rule: r\n  condition: ka.verb=create"+ruleTail+"  exceptions:\n"+c.exc+"\n")
			if e := errorsText(rs); e != "" {
				t.Fatal(e)
			}
			if got := rs.Rules[0].FullCondition; got != c.want {
				t.Errorf("got\n  %s\nwant\n  %s", got, c.want)
			}
		})
	}
}

func TestExceptionErrors(t *testing.T) {
	cases := []struct {
		name, exc, want string
	}{
		{"comps and fields of different lengths", "    - name: e\n      fields: [a.b, c.d]\n      comps: [=]\n      values: [[x, y]]",
			"a.yaml:8:7: error: rule 'r': Rule exception item e: fields and comps lists must have equal length [LOAD_ERR_VALIDATE]"},
		{"a value tuple of the wrong length", "    - name: e\n      fields: [a.b, c.d]\n      values: [[x]]",
			"Rule exception item e: fields and values lists must have equal length"},
		{"a value that is not a tuple", "    - name: e\n      fields: [a.b]\n      values: [x]",
			"Rule exception item e: fields and values lists must have equal length"},
		{"scalar fields with a scalar operator", "    - name: e\n      fields: a.b\n      comps: =\n      values: [x]",
			"when fields is a single value, comps must be one of (in, pmatch, intersects)"},
		{"scalar fields with list comps", "    - name: e\n      fields: a.b\n      comps: [in]\n      values: [x]",
			"fields is a single value, so comps must be a single value too"},
		{"scalar fields with tuple values", "    - name: e\n      fields: a.b\n      values: [[x]]",
			"Expected values array for item a.b to contain a list of strings"},
		{"an unknown operator", "    - name: e\n      fields: [a.b]\n      comps: [like]\n      values: [[x]]",
			"comparison operator like is not a supported comparison operator"},
		{"no fields", "    - name: e\n      values: [[x]]",
			"Rule exception item e: must have fields property"},
		{"no name", "    - fields: [a.b]\n      values: [[x]]",
			"Item has no mapping for key 'name'"},
		{"not a mapping", "    - just a string",
			"Rule exception must be a mapping"},
		{"values not a sequence", "    - name: e\n      fields: [a.b]\n      values: x",
			"Rule exception values must be a sequence"},
		{"values nested too deep", "    - name: e\n      fields: [a.b]\n      values: [[[[x]]]]",
			"Rule exception values nest too deep"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := loadYAML(t, "- rule: r\n  condition: ka.verb=create"+ruleTail+"  exceptions:\n"+c.exc+"\n")
			if got := errorsText(rs); !strings.Contains(got, c.want) {
				t.Errorf("errors:\n%s\nwant %q", got, c.want)
			}
		})
	}
}

func TestExceptionWarnings(t *testing.T) {
	rs := loadYAML(t, "- rule: r\n  condition: ka.verb=create"+ruleTail+`  exceptions:
    - name: e
      fields: [a.b]
      values: [[x]]
    - name: e
      fields: [c.d]
      values: [[y]]
`, `- rule: r
  exceptions:
    - name: e
  override:
    exceptions: append
`)
	if e := errorsText(rs); e != "" {
		t.Fatal(e)
	}
	var got []string
	for _, d := range rs.Warnings() {
		got = append(got, d.String())
	}
	want := []string{
		"a.yaml:11:7: warning: rule 'r': Multiple exceptions defined with the same name 'e' [LOAD_EXCEPTION_NAME_NOT_UNIQUE]",
		"b.yaml:3:7: warning: rule 'r': Overriding/appending exception with no values [LOAD_APPEND_NO_VALUES]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
