package rules

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// exceptionState records how an exception was written (for validation).
type exceptionState struct {
	hasFields, hasComps, compsScalar bool
	node                             *yaml.Node
}

func (l *loader) readExceptions(it *item, appending bool) ([]*Exception, error) {
	exs, ok := it.vals["exceptions"]
	if !ok || isNull(exs) {
		return nil, nil
	}
	if exs.Kind != yaml.SequenceNode {
		return nil, it.validate(exs, "Rule exceptions must be a sequence")
	}
	var out []*Exception
	seen := map[string]bool{}
	for _, en := range exs.Content {
		en = deref(en)
		if en == nil || en.Kind != yaml.MappingNode {
			return nil, it.validate(orNode(en, exs), "Rule exception must be a mapping")
		}
		sub := &item{l: l, node: en, vals: map[string]*yaml.Node{}, keyNodes: map[string]*yaml.Node{}, kind: it.kind, name: it.name}
		for i := 0; i+1 < len(en.Content); i += 2 {
			k := deref(en.Content[i])
			if k == nil || k.Kind != yaml.ScalarNode {
				return nil, it.validate(en, "Rule exception keys must be scalars")
			}
			if _, dup := sub.vals[k.Value]; dup {
				continue
			}
			sub.vals[k.Value] = deref(en.Content[i+1])
			sub.keyNodes[k.Value] = k
			switch k.Value {
			case "name", "fields", "comps", "values":
			default:
				it.warn(k, WarnUnknownKey, "Unknown key '%s' in exception, ignored", k.Value)
			}
		}
		name, _, _, err := sub.str("name", false)
		if err != nil {
			return nil, err
		}
		e := &Exception{Name: name, Pos: l.file.pos(en), state: exceptionState{node: en}}
		if seen[name] {
			it.warn(en, WarnExceptionNameNotUnique, "Multiple exceptions defined with the same name '%s'", name)
		}
		seen[name] = true
		if fn, ok := sub.vals["fields"]; ok {
			f, scalar, err := sub.entry(fn, "fields")
			if err != nil {
				return nil, err
			}
			e.Fields, e.Scalar, e.state.hasFields = f, scalar, true
		} else if !appending {
			return nil, it.validate(en, "Rule exception item %s: must have fields property with a list of values", name)
		}
		if cn, ok := sub.vals["comps"]; ok {
			c, scalar, err := sub.entry(cn, "comps")
			if err != nil {
				return nil, err
			}
			e.Comps, e.state.compsScalar, e.state.hasComps = c, scalar, true
		}
		vn, ok := sub.vals["values"]
		switch {
		case ok && !isNull(vn):
			if vn.Kind != yaml.SequenceNode {
				return nil, it.validate(vn, "Rule exception values must be a sequence")
			}
			for _, v := range vn.Content {
				ev, err := sub.value(deref(v), vn, 0)
				if err != nil {
					return nil, err
				}
				e.Values = append(e.Values, ev)
			}
		case appending:
			it.warn(en, WarnAppendNoValues, "Overriding/appending exception with no values")
		}
		out = append(out, e)
	}
	return out, nil
}

// entry reads fields or comps: a non-empty scalar or a sequence of them.
func (it *item) entry(n *yaml.Node, key string) ([]string, bool, error) {
	if isNull(n) {
		return nil, false, it.validate(it.keyNodes[key], "Mapping for key '%s' is empty", key)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "" {
			return nil, false, it.validate(n, "Value for key '%s' must be non-empty", key)
		}
		return []string{n.Value}, true, nil
	case yaml.SequenceNode:
		if err := it.spend(n, len(n.Content)); err != nil {
			return nil, false, err
		}
		out := make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			e = deref(e)
			if e == nil || e.Kind != yaml.ScalarNode || e.Value == "" {
				return nil, false, it.validate(orNode(e, n), "Values of '%s' must be non-empty scalars", key)
			}
			out = append(out, e.Value)
		}
		return out, false, nil
	}
	return nil, false, it.validate(n, "Value for key '%s' must be a scalar or a sequence", key)
}

// value reads one exception value: a scalar, or (at most two levels of)
// sequences of scalars.
func (it *item) value(n, parent *yaml.Node, depth int) (ExceptionValue, error) {
	if n == nil {
		return ExceptionValue{}, it.validate(parent, "Rule exception value is not valid")
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return ExceptionValue{Item: n.Value}, nil
	case yaml.SequenceNode:
		if err := it.spend(n, len(n.Content)); err != nil {
			return ExceptionValue{}, err
		}
		if depth >= 2 {
			return ExceptionValue{}, it.validate(n, "Rule exception values nest too deep: want a list of values per field")
		}
		ev := ExceptionValue{IsList: true}
		for _, c := range n.Content {
			cv, err := it.value(deref(c), n, depth+1)
			if err != nil {
				return ExceptionValue{}, err
			}
			ev.Items = append(ev.Items, cv)
		}
		return ev, nil
	}
	return ExceptionValue{}, it.validate(n, "Rule exception values must be scalars or sequences of scalars")
}

var cmpOps = map[string]bool{
	"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"contains": true, "icontains": true, "bcontains": true, "startswith": true, "bstartswith": true,
	"endswith": true, "glob": true, "iglob": true, "regex": true, "in": true, "intersects": true, "pmatch": true,
}

// isListOp reports whether a comparison takes a list: in, intersects,
// pmatch, or a string operator with a oneof/anyof/allof modifier.
func isListOp(c string) bool {
	if listOps[c] {
		return true
	}
	f := strings.Fields(c)
	return len(f) == 2 && cmpOps[f[0]] && !listOps[f[0]] && modifiers[f[1]]
}

func validComp(c string) bool { return cmpOps[c] || isListOp(c) }

// checkException validates an exception's shape and fills default comps.
func (it *item) checkException(e *Exception) error {
	at := e.state.node
	if len(e.Fields) == 0 {
		return it.fail(at, ErrValidate, "Rule exception item %s: must have fields property with a list of values", e.Name)
	}
	if e.Scalar {
		if !e.state.hasComps {
			e.Comps = []string{"in"}
		} else if !e.state.compsScalar {
			return it.fail(at, ErrValidate, "Rule exception item %s: fields is a single value, so comps must be a single value too", e.Name)
		}
		if !isListOp(e.Comps[0]) {
			return it.fail(at, ErrValidate, "Rule exception item %s: when fields is a single value, comps must be one of (in, pmatch, intersects) or an operator with oneof/anyof/allof, not '%s'", e.Name, e.Comps[0])
		}
		for _, v := range e.Values {
			if v.IsList {
				return it.fail(at, ErrValidate, "Expected values array for item %s to contain a list of strings", e.Fields[0])
			}
		}
		return nil
	}
	if !e.state.hasComps {
		e.Comps = make([]string, len(e.Fields))
		for i := range e.Comps {
			e.Comps[i] = "="
		}
	} else if e.state.compsScalar {
		return it.fail(at, ErrValidate, "Rule exception item %s: fields is a list, so comps must be a list too", e.Name)
	}
	if len(e.Comps) != len(e.Fields) {
		return it.fail(at, ErrValidate, "Rule exception item %s: fields and comps lists must have equal length", e.Name)
	}
	for _, c := range e.Comps {
		if !validComp(c) {
			return it.fail(at, ErrValidate, "Rule exception item %s: comparison operator %s is not a supported comparison operator", e.Name, c)
		}
	}
	for _, v := range e.Values {
		if !v.IsList || len(v.Items) != len(e.Fields) {
			return it.fail(at, ErrValidate, "Rule exception item %s: fields and values lists must have equal length", e.Name)
		}
		for _, x := range v.Items {
			for _, y := range x.Items {
				if y.IsList {
					return it.fail(at, ErrValidate, "Rule exception item %s: a value list must hold scalars", e.Name)
				}
			}
		}
	}
	return nil
}

// quoteValue renders a value for the condition text. Falco quotes a value
// that holds a blank and is not already quoted; we also quote any value
// the bare-string lexer would not read back intact (empty, or holding
// ( ) , = or a quote), escaping backslashes and double quotes, so a value
// is always compared as written. For the values Falco handles, the text
// is Falco's.
func quoteValue(v string) string {
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		return v
	}
	needs := v == ""
	for i := 0; i < len(v) && !needs; i++ {
		needs = isBareStop(v[i])
	}
	if !needs {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`, "\r", `\r`)
	return `"` + r.Replace(v) + `"`
}

// parenValue makes a scalar a list value: a name in parentheses is a
// list reference.
func parenValue(v string) string {
	if strings.HasPrefix(v, "(") {
		return v
	}
	return "(" + v + ")"
}

func joinValues(vs []ExceptionValue) string {
	ss := make([]string, 0, len(vs))
	for _, v := range vs {
		ss = append(ss, quoteValue(v.Item))
	}
	return "(" + strings.Join(ss, ", ") + ")"
}

// exceptionText compiles one exception to condition text (runtime.md
// 1.8); "" when it has no values.
func exceptionText(e *Exception) string {
	if len(e.Values) == 0 {
		return ""
	}
	if e.Scalar {
		return "(" + e.Fields[0] + " " + e.Comps[0] + " " + joinValues(e.Values) + ")"
	}
	var b strings.Builder
	b.WriteString("(")
	for i, tuple := range e.Values {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString("(")
		for k, f := range e.Fields {
			if k > 0 {
				b.WriteString(" and ")
			}
			v := tuple.Items[k]
			var val string
			switch {
			case v.IsList:
				val = joinValues(v.Items)
			case isListOp(e.Comps[k]):
				val = parenValue(v.Item)
			default:
				val = quoteValue(v.Item)
			}
			b.WriteString(f + " " + e.Comps[k] + " " + val)
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

// fullCondition is "(" + condition + ")" and one " and not X" per
// exception with values; condStart is the offset of the condition in it.
func fullCondition(cond string, exs []*Exception) (full string, condStart int) {
	var b strings.Builder
	b.WriteString("(" + cond + ")")
	for _, e := range exs {
		if t := exceptionText(e); t != "" {
			b.WriteString(" and not " + t)
		}
	}
	return b.String(), 1
}
