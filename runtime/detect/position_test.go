package detect

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/runtime/rules"
)

// TestSyntaxErrorPosition: a syntax error of a rule's condition is placed
// in the condition's text, at the parenthesis left open, not at the rule
// (the loader wraps the condition in parentheses of its own).
func TestSyntaxErrorPosition(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"open at start", `- rule: E
  desc: d
  condition: (ka.verb=create
  output: x
  priority: WARNING
  source: k8s_audit
`, "f.yaml:3:14: error: rule 'E': unclosed '('"},
		{"open on a later line", `- rule: F
  desc: d
  condition: >
    ka.verb=create and
    (ka.verb=create
  output: x
  priority: WARNING
  source: k8s_audit
`, "f.yaml:5:5: error: rule 'F': unclosed '('"},
		{"with an exception", `- rule: G
  desc: d
  condition: (ka.verb=create
  output: x
  priority: WARNING
  source: k8s_audit
  exceptions:
  - name: e
    fields: [ka.user.name]
    values: [[bob]]
`, "f.yaml:3:14: error: rule 'G': unclosed '('"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, _ := Load([]rules.File{{Name: "f.yaml", Data: []byte(c.doc)}}, Options{})
			var got []string
			for _, d := range rs.Errors() {
				got = append(got, d.String())
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], c.want) {
				t.Errorf("errors %q, want one starting %q", got, c.want)
			}
		})
	}
}
