// Package auditpolicy reads Kubernetes API server audit policies
// (`audit.k8s.io/v1` Policy, the file given to kube-apiserver's
// --audit-policy-file), validates them as the API server does, and
// simulates them: which level and stages a request gets, and which rule
// decides.
//
// A policy decodes into the API server's own types (k8s.io/apiserver's
// audit/v1 Policy) with the API server's decoder rules: YAML 1.1
// scalars, case-sensitive field names, unknown and duplicate fields
// tolerated (the API server warns and goes on) and recorded. Validate
// reports what makes the API server refuse to start with the policy.
//
// Evaluate applies the rules in order, the first that matches deciding,
// exactly as the API server's policy checker does (a test compares the
// two on every request class of many policies). Covers tells whether one
// rule matches every request another does, and Explore enumerates one
// request of every class of requests a policy tells apart, so that
// questions such as "is any request left unlogged?" get exact answers.
//
// Generate writes a strong policy.
package auditpolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	kjson "sigs.k8s.io/json"

	"github.com/bulwark-sec/bulwark/source/kube"
)

// Group is the API group of audit policies.
const Group = "audit.k8s.io"

// APIVersion is the only version of the Policy kind the API server reads
// since Kubernetes 1.24.
const APIVersion = Group + "/v1"

// Kind is the kind of an audit policy.
const Kind = "Policy"

// IsPolicy reports whether a document of this apiVersion and kind is an
// audit policy of any version (v1, and the v1beta1 and v1alpha1 the API
// server read before 1.24).
func IsPolicy(apiVersion, kind string) bool {
	g, _, ok := strings.Cut(apiVersion, "/")
	return ok && g == Group && kind == Kind
}

// Position is where a part of a policy is written: 1-based line and
// column (0 when the policy was not read from text).
type Position struct {
	Line, Column int
}

// Policy is an audit policy as the API server reads it, with where its
// rules are written.
type Policy struct {
	auditv1.Policy
	// RulePos[i] is where rule i starts.
	RulePos []Position
	// Ignored are the fields the API server ignores with a warning:
	// unknown fields (a misspelt selector makes a rule match more than
	// meant) and fields written twice (the last one wins).
	Ignored []Issue
}

// Issue is a problem at one field of a policy. Path names the field as
// mapping keys and decimal list indexes, such as
// ["rules", "2", "resources", "0", "group"]; an empty Path is the whole
// policy.
type Issue struct {
	Path    []string
	Message string
}

func (i Issue) String() string {
	if len(i.Path) == 0 {
		return i.Message
	}
	return FieldPath(i.Path) + ": " + i.Message
}

// FieldPath writes a path as the API server names fields: rules[2].level.
func FieldPath(path []string) string {
	var b strings.Builder
	for _, seg := range path {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// DecodeError is a policy the API server cannot decode, so it refuses to
// start: a field of the wrong type, or no mapping at all.
type DecodeError struct {
	Issue
}

func (e *DecodeError) Error() string { return e.Issue.String() }

// Decode reads a policy from its YAML node (a document or the mapping in
// it) as the API server reads the policy file. A *DecodeError means the
// API server would refuse the policy; a policy that decodes may still be
// refused by validation (Validate).
func Decode(n *yaml.Node) (*Policy, error) {
	root := resolve(n)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, &DecodeError{Issue{Message: "the policy is not a mapping"}}
	}
	budget := maxExpansion
	out, err := kube.ToJSON(root, &budget)
	if err != nil {
		return nil, &DecodeError{Issue{Message: err.Error()}}
	}
	p := &Policy{}
	strict, err := kjson.UnmarshalStrict(out, &p.Policy)
	if err != nil {
		path := locateTypeError(out)
		return nil, &DecodeError{Issue{Path: path, Message: decodeMessage(err, path == nil)}}
	}
	for _, e := range strict {
		p.Ignored = append(p.Ignored, strictIssue(e))
	}
	// The API server finds the apiVersion and kind as encoding/json does,
	// whatever the case of the keys, and a missing kind is the kind it
	// decodes into.
	var gvk struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if json.Unmarshal(out, &gvk) == nil {
		p.APIVersion, p.Kind = gvk.APIVersion, gvk.Kind
	}
	if p.Kind == "" {
		p.Kind = Kind
	}
	if _, rules := mapGet(root, "rules"); rules != nil && rules.Kind == yaml.SequenceNode {
		for _, it := range rules.Content {
			p.RulePos = append(p.RulePos, Position{Line: it.Line, Column: it.Column})
		}
	}
	for len(p.RulePos) < len(p.Rules) {
		p.RulePos = append(p.RulePos, Position{})
	}
	return p, nil
}

// Load reads a policy file as the API server does: its first YAML (or
// JSON) document, decoded and validated. The error lists every reason
// the API server would refuse the file.
func Load(data []byte) (*Policy, error) {
	p, err := Read(data)
	if err != nil {
		return nil, err
	}
	if issues := Validate(p); len(issues) > 0 {
		msgs := make([]string, len(issues))
		for i, is := range issues {
			msgs[i] = is.String()
		}
		return p, fmt.Errorf("the API server would refuse the policy: %s", strings.Join(msgs, "; "))
	}
	return p, nil
}

// Read decodes the first document of a policy file without validating it.
func Read(data []byte) (p *Policy, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("internal error reading the policy (please report it): %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file is empty")
	}
	return Decode(&doc)
}

// strictIssue turns a strict-decoding error of sigs.k8s.io/json
// (`unknown field "rules[0].resource"`, `duplicate field "level"`) into
// an Issue.
func strictIssue(err error) Issue {
	msg := err.Error()
	for _, prefix := range []string{"unknown field ", "duplicate field "} {
		if rest, ok := strings.CutPrefix(msg, prefix); ok {
			if field, uerr := strconv.Unquote(rest); uerr == nil {
				what := "unknown field: the API server ignores it"
				if strings.HasPrefix(prefix, "duplicate") {
					what = "written twice: the API server keeps the last one"
				}
				return Issue{Path: splitFieldPath(field), Message: what}
			}
		}
	}
	return Issue{Message: msg}
}

// splitFieldPath splits "rules[0].resources[1].group" into
// ["rules", "0", "resources", "1", "group"].
func splitFieldPath(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			out = append(out, name)
		}
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			out = append(out, idx)
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out
}

// decodeMessage shortens encoding/json's type errors, which name Go types;
// withField keeps the field the error names.
func decodeMessage(err error, withField bool) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	if i := strings.Index(msg, " into Go struct field "); i >= 0 {
		what := strings.TrimPrefix(msg[:i], "cannot unmarshal ")
		rest := msg[i+len(" into Go struct field "):]
		field, typ, _ := strings.Cut(rest, " of type ")
		if _, f, ok := strings.Cut(field, "."); ok {
			field = f
		}
		msg = fmt.Sprintf("a %s where %s is expected", what, typeWord(typ))
		if withField {
			msg = field + ": " + msg
		}
		return msg
	}
	return msg
}

func typeWord(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case goType == "bool" || goType == "*bool":
		return "true or false"
	case goType == "string" || strings.HasSuffix(goType, ".Level") || strings.HasSuffix(goType, ".Stage"):
		return "a string"
	}
	return "a mapping"
}
