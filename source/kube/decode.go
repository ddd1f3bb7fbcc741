package kube

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	kjson "sigs.k8s.io/json"
)

// API groups whose older versions decode into the current shape.
var (
	appsVersions        = []string{"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"}
	batchVersions       = []string{"batch/v1", "batch/v1beta1", "batch/v2alpha1"}
	rbacVersions        = []string{"rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"}
	policyVersions      = []string{"policy/v1", "policy/v1beta1"}
	autoscalingV2       = []string{"autoscaling/v2", "autoscaling/v2beta1", "autoscaling/v2beta2"}
	networkPolicyGroups = []string{"networking.k8s.io/v1", "extensions/v1beta1"}
	ingressBetaVersions = []string{"networking.k8s.io/v1beta1", "extensions/v1beta1"}
)

// kindTypes maps a kind to the API versions it is read from and the type
// it decodes into.
var kindTypes = []struct {
	kind     string
	versions []string
	new      func() any
}{
	{"Pod", []string{"v1"}, func() any { return new(corev1.Pod) }},
	{"PodTemplate", []string{"v1"}, func() any { return new(corev1.PodTemplate) }},
	{"ReplicationController", []string{"v1"}, func() any { return new(corev1.ReplicationController) }},
	{"ConfigMap", []string{"v1"}, func() any { return new(corev1.ConfigMap) }},
	{"Secret", []string{"v1"}, func() any { return new(corev1.Secret) }},
	{"ServiceAccount", []string{"v1"}, func() any { return new(corev1.ServiceAccount) }},
	{"Service", []string{"v1"}, func() any { return new(corev1.Service) }},
	{"Namespace", []string{"v1"}, func() any { return new(corev1.Namespace) }},
	{"LimitRange", []string{"v1"}, func() any { return new(corev1.LimitRange) }},
	{"ResourceQuota", []string{"v1"}, func() any { return new(corev1.ResourceQuota) }},
	{"PersistentVolume", []string{"v1"}, func() any { return new(corev1.PersistentVolume) }},
	{"PersistentVolumeClaim", []string{"v1"}, func() any { return new(corev1.PersistentVolumeClaim) }},
	{"Deployment", appsVersions, func() any { return new(appsv1.Deployment) }},
	{"StatefulSet", appsVersions[:3], func() any { return new(appsv1.StatefulSet) }},
	{"DaemonSet", appsVersions, func() any { return new(appsv1.DaemonSet) }},
	{"ReplicaSet", appsVersions, func() any { return new(appsv1.ReplicaSet) }},
	{"Job", []string{"batch/v1"}, func() any { return new(batchv1.Job) }},
	{"CronJob", batchVersions, func() any { return new(batchv1.CronJob) }},
	{"NetworkPolicy", networkPolicyGroups, func() any { return new(networkingv1.NetworkPolicy) }},
	{"Ingress", []string{"networking.k8s.io/v1"}, func() any { return new(networkingv1.Ingress) }},
	{"Ingress", ingressBetaVersions, func() any { return new(networkingv1beta1.Ingress) }},
	{"Role", rbacVersions, func() any { return new(rbacv1.Role) }},
	{"ClusterRole", rbacVersions, func() any { return new(rbacv1.ClusterRole) }},
	{"RoleBinding", rbacVersions, func() any { return new(rbacv1.RoleBinding) }},
	{"ClusterRoleBinding", rbacVersions, func() any { return new(rbacv1.ClusterRoleBinding) }},
	{"PodDisruptionBudget", policyVersions, func() any { return new(policyv1.PodDisruptionBudget) }},
	{"HorizontalPodAutoscaler", []string{"autoscaling/v1"}, func() any { return new(autoscalingv1.HorizontalPodAutoscaler) }},
	{"HorizontalPodAutoscaler", autoscalingV2, func() any { return new(autoscalingv2.HorizontalPodAutoscaler) }},
}

// typeOf returns the constructor of the type an object of the given API
// version and kind decodes into, or nil when Bulwark does not know it.
func typeOf(apiVersion, kind string) func() any {
	for _, kt := range kindTypes {
		if kt.kind != kind {
			continue
		}
		for _, v := range kt.versions {
			if v == apiVersion {
				return kt.new
			}
		}
	}
	return nil
}

// Known reports whether objects of this API version and kind are decoded
// into a k8s.io/api type.
func Known(apiVersion, kind string) bool { return typeOf(apiVersion, kind) != nil }

// decode converts the object's YAML to JSON the way kubectl reads YAML
// (YAML 1.1 scalars, merge keys) and decodes it into typed with
// Kubernetes' JSON decoder (case-sensitive field names, unknown fields
// dropped). It returns the paths of the unknown fields, as the API
// server's field validation names them ("spec.containers[0].securityContex").
func decode(n *yaml.Node, typed any, budget *int) (unknown []string, err error) {
	c := converter{budget: budget}
	if err := c.value(n, 0); err != nil {
		return nil, err
	}
	strict, err := kjson.UnmarshalStrict(c.out, typed, kjson.DisallowUnknownFields)
	if err != nil {
		return nil, &fieldError{err: err, path: locate(n, reflect.TypeOf(typed).Elem(), budget)}
	}
	for _, e := range strict {
		if m := unknownFieldRe.FindStringSubmatch(e.Error()); m != nil {
			unknown = append(unknown, m[1])
		}
	}
	return unknown, nil
}

var (
	unknownFieldRe = regexp.MustCompile(`unknown field "(.*)"$`)
	fieldIndexRe   = regexp.MustCompile(`\[(\d+)\]`)
)

// fieldPath splits a field path of the API server's form into At's
// segments: "spec.containers[0].image" is spec, containers, 0, image.
func fieldPath(p string) []string {
	return strings.Split(fieldIndexRe.ReplaceAllString(p, ".$1"), ".")
}

// fieldError is a value that does not decode, with the path of the field
// that holds it.
type fieldError struct {
	err  error
	path []pathStep
}

func (e *fieldError) Error() string { return e.err.Error() }

// pathStep is one step to a field: a key with its node, or a list index.
type pathStep struct {
	key   string
	index int
	node  *yaml.Node // where the step's value is written (its key, for a mapping)
	value *yaml.Node
}

// decodeError describes a document that does not decode, at the field
// that is wrong.
func (o *Object) decodeError(err error) *Error {
	e := &Error{Path: o.Loc.Path, Line: o.Loc.Start.Line}
	var fe *fieldError
	if !errors.As(err, &fe) {
		e.Msg = fmt.Sprintf("%s %s: %v", o.Kind, o.displayName(), err)
		return e
	}
	field := ""
	for _, s := range fe.path {
		if s.key != "" {
			if field != "" {
				field += "."
			}
			field += s.key
		} else {
			field += fmt.Sprintf("[%d]", s.index)
		}
	}
	what := describeJSONError(fe.err)
	if len(fe.path) > 0 {
		last := fe.path[len(fe.path)-1]
		e.Line = last.node.Line
		if v := resolve(last.value); v != nil && v.Kind == yaml.ScalarNode {
			what += fmt.Sprintf(" (found %s)", quoteShort(v.Value))
		}
		e.Msg = fmt.Sprintf("%s %s does not decode: %s: %s", o.Kind, o.displayName(), field, what)
		return e
	}
	e.Msg = fmt.Sprintf("%s %s does not decode: %s", o.Kind, o.displayName(), what)
	return e
}

func (o *Object) displayName() string {
	if o.Name == "" {
		return fmt.Sprintf("(document %d)", o.Index+1)
	}
	return strconv.Quote(o.Name)
}

func quoteShort(s string) string {
	if utf8Len := len([]rune(s)); utf8Len > 40 {
		s = string([]rune(s)[:40]) + "..."
	}
	return strconv.Quote(s)
}

// describeJSONError says what is wrong with a value in words, without
// Go's type and field names where they can be avoided.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Type != nil {
		return fmt.Sprintf("want %s, not %s", typeWord(te.Type), te.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return strings.Join(strings.Fields(msg), " ")
}

// typeWord names a Go type as a manifest author thinks of it.
func typeWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer (" + t.Kind().String() + ")"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// locate finds the field that makes the object fail to decode: it descends
// into the first child whose value alone does not decode into the
// child's type, and stops at a value of a type with its own decoder
// (quantities, int-or-string, times) or at a scalar.
func locate(n *yaml.Node, t reflect.Type, budget *int) []pathStep {
	var path []pathStep
	for depth := 0; depth < MaxDepth; depth++ {
		n = resolve(n)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if n == nil || reflect.PointerTo(t).Implements(unmarshalerType) {
			return path
		}
		var next *pathStep
		var nextType reflect.Type
		switch {
		case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
			for _, kv := range pairs(n) {
				ft, ok := fieldType(t, kv[0].Value)
				if ok && !decodes(kv[1], ft, budget) {
					next, nextType = &pathStep{key: kv[0].Value, node: kv[0], value: kv[1]}, ft
					break
				}
			}
		case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
			for _, kv := range pairs(n) {
				if !decodes(kv[1], t.Elem(), budget) {
					next, nextType = &pathStep{key: kv[0].Value, node: kv[0], value: kv[1]}, t.Elem()
					break
				}
			}
		case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
			for i, it := range n.Content {
				if !decodes(it, t.Elem(), budget) {
					next, nextType = &pathStep{index: i, node: it, value: it}, t.Elem()
					break
				}
			}
		}
		if next == nil || *budget <= 0 {
			return path
		}
		path = append(path, *next)
		n, t = next.value, nextType
	}
	return path
}

// decodes reports whether the node alone decodes into a value of type t.
// Once the budget is spent it reports true, so that locating stops.
func decodes(n *yaml.Node, t reflect.Type, budget *int) bool {
	c := converter{budget: budget}
	if c.value(n, 0) != nil {
		return *budget <= 0
	}
	return kjson.UnmarshalCaseSensitivePreserveInts(c.out, reflect.New(t).Interface()) == nil
}

// fieldType returns the type of the struct field a JSON key sets,
// looking through embedded (inline) structs as encoding/json does.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && !strings.Contains(tag, ",") {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if t, ok := fieldType(ft, key); ok {
					return t, true
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f.Type, true
		}
	}
	return nil, false
}

// pairs returns the key/value pairs of a mapping as written, merge keys
// left out.
func pairs(m *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && !isMerge(k) {
			out = append(out, [2]*yaml.Node{k, m.Content[i+1]})
		}
	}
	return out
}

// converter writes a YAML node tree as JSON, as sigs.k8s.io/yaml (and so
// kubectl) converts YAML: plain scalars resolve by YAML 1.1's rules
// (yes/no/on/off are booleans, 0x1F and 0755 integers), timestamps stay
// strings, merge keys are expanded, and non-string keys become strings.
// Every node written spends one unit of the file's budget, so a YAML
// bomb ends in an error.
type converter struct {
	out    []byte
	budget *int
	// merged are the mappings merged into the mapping being written:
	// merging one twice changes nothing.
	merged []*yaml.Node
}

var errBomb = fmt.Errorf("the file's objects expand to more than %d nodes when their aliases are followed (a YAML bomb?)", MaxExpansion)

// ToJSON writes a YAML node as the JSON the API server's YAML reader
// (sigs.k8s.io/yaml: YAML 1.1 scalars, merge keys, non-string keys as
// strings) makes of the same text. Every node written spends one unit of
// *budget, so a YAML bomb ends in an error; nesting deeper than MaxDepth
// is an error too.
func ToJSON(n *yaml.Node, budget *int) ([]byte, error) {
	c := converter{budget: budget}
	if err := c.value(n, 0); err != nil {
		return nil, err
	}
	return c.out, nil
}

func (c *converter) spend() error {
	*c.budget--
	if *c.budget < 0 {
		return errBomb
	}
	return nil
}

func (c *converter) value(n *yaml.Node, depth int) error {
	if err := c.spend(); err != nil {
		return err
	}
	if depth > MaxDepth {
		return fmt.Errorf("nested more than %d levels deep", MaxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.out = append(c.out, "null"...)
			return nil
		}
		return c.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return errors.New("an alias names no anchor")
		}
		return c.value(n.Alias, depth+1)
	case yaml.ScalarNode:
		c.scalar(n)
		return nil
	case yaml.SequenceNode:
		c.out = append(c.out, '[')
		for i, it := range n.Content {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			if err := c.value(it, depth+1); err != nil {
				return err
			}
		}
		c.out = append(c.out, ']')
		return nil
	case yaml.MappingNode:
		c.out = append(c.out, '{')
		first := true
		saved := c.merged
		c.merged = nil
		err := c.pairs(n, depth, &first)
		c.merged = saved
		if err != nil {
			return err
		}
		c.out = append(c.out, '}')
		return nil
	}
	return fmt.Errorf("unexpected YAML node kind %d", n.Kind)
}

// pairs writes the members of mapping m: merged mappings first (later
// sources first, so that the first source wins), then the keys written,
// which win over merged ones as JSON's last-key-wins decoding applies.
func (c *converter) pairs(m *yaml.Node, depth int, first *bool) error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMerge(m.Content[i]) {
			continue
		}
		srcs := mergeSources(m.Content[i+1])
		for j := len(srcs) - 1; j >= 0; j-- {
			s := resolve(srcs[j])
			if s == nil || s.Kind != yaml.MappingNode {
				return errors.New("a merge key (<<) must name a mapping or a list of mappings")
			}
			if slices.Contains(c.merged, s) {
				continue
			}
			c.merged = append(c.merged, s)
			if err := c.spend(); err != nil {
				return err
			}
			if depth > MaxDepth {
				return fmt.Errorf("nested more than %d levels deep", MaxDepth)
			}
			if err := c.pairs(s, depth+1, first); err != nil {
				return err
			}
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if isMerge(k) {
			continue
		}
		if !*first {
			c.out = append(c.out, ',')
		}
		*first = false
		key, err := keyString(k)
		if err != nil {
			return err
		}
		c.out = appendString(c.out, key)
		c.out = append(c.out, ':')
		if err := c.value(m.Content[i+1], depth+1); err != nil {
			return err
		}
	}
	return nil
}

// keyString is the JSON member name of a mapping key.
func keyString(k *yaml.Node) (string, error) {
	k = resolve(k)
	if k == nil || k.Kind != yaml.ScalarNode {
		return "", errors.New("a mapping key is not a scalar")
	}
	switch v := resolveScalar(k).(type) {
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "null", nil
	}
	return k.Value, nil
}

func (c *converter) scalar(n *yaml.Node) {
	switch v := resolveScalar(n).(type) {
	case nil:
		c.out = append(c.out, "null"...)
	case bool:
		c.out = strconv.AppendBool(c.out, v)
	case int64:
		c.out = strconv.AppendInt(c.out, v, 10)
	case uint64:
		c.out = strconv.AppendUint(c.out, v, 10)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			c.out = appendString(c.out, n.Value) // JSON has no such numbers
			return
		}
		c.out = strconv.AppendFloat(c.out, v, 'g', -1, 64)
	case string:
		c.out = appendString(c.out, v)
	}
}

func appendString(out []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(out, b...)
}

// Scalar resolution of YAML 1.1 as go-yaml v2 does it.
var (
	yaml11Bools = map[string]bool{
		"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true,
		"on": true, "On": true, "ON": true,
		"n": false, "N": false, "no": false, "No": false, "NO": false, "false": false, "False": false, "FALSE": false,
		"off": false, "Off": false, "OFF": false,
	}
	yaml11Nulls  = map[string]bool{"": true, "~": true, "null": true, "Null": true, "NULL": true}
	yaml11Floats = map[string]float64{
		".nan": math.NaN(), ".NaN": math.NaN(), ".NAN": math.NaN(),
		".inf": math.Inf(1), ".Inf": math.Inf(1), ".INF": math.Inf(1),
		"+.inf": math.Inf(1), "+.Inf": math.Inf(1), "+.INF": math.Inf(1),
		"-.inf": math.Inf(-1), "-.Inf": math.Inf(-1), "-.INF": math.Inf(-1),
	}
	yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
)

// resolveScalar returns the value of a scalar: nil, bool, int64, uint64,
// float64 or string. Quoted scalars and those tagged !!str are strings;
// other explicit tags are honoured where they name a core type.
func resolveScalar(n *yaml.Node) any {
	quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	tag := n.Tag
	if n.Style&yaml.TaggedStyle == 0 {
		tag = "" // yaml.v3's own resolution (YAML 1.2) is replaced by YAML 1.1's
	}
	switch {
	case tag == "!!str", tag == "!!binary", tag == "!!timestamp":
		return n.Value
	case quoted && tag == "":
		return n.Value
	case tag == "!!null":
		return nil
	case tag == "!!bool":
		if b, ok := yaml11Bools[n.Value]; ok {
			return b
		}
		return n.Value
	case tag != "" && tag != "!!int" && tag != "!!float":
		return n.Value // a custom tag: the text
	}
	s := n.Value
	if yaml11Nulls[s] && !quoted {
		return nil
	}
	if b, ok := yaml11Bools[s]; ok {
		return b
	}
	if f, ok := yaml11Floats[s]; ok {
		return f
	}
	if s == "" {
		return s
	}
	switch c := s[0]; {
	case c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9':
		plain := strings.ReplaceAll(s, "_", "")
		if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return u
		}
		if yamlStyleFloat.MatchString(plain) {
			if f, err := strconv.ParseFloat(plain, 64); err == nil {
				return f
			}
		}
		if strings.HasPrefix(plain, "0b") {
			if i, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
				return i
			}
		} else if strings.HasPrefix(plain, "-0b") {
			if i, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return i
			}
		}
	}
	return s
}
