package filter

import (
	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// fakeSource is a small field table in the shape of the k8s audit and
// Docker sources.
type fakeSource struct{}

var fakeFields = []fields.Info{
	{Name: "ka.verb", Type: fields.String},
	{Name: "ka.user.name", Type: fields.String},
	{Name: "ka.impuser.name", Type: fields.String},
	{Name: "ka.user.groups", Type: fields.String, IsList: true},
	{Name: "ka.uri", Type: fields.String},
	{Name: "ka.uri.param", Type: fields.String, Arg: fields.ArgKey, ArgRequired: true},
	{Name: "ka.req.pod.containers.image", Type: fields.String, IsList: true, Arg: fields.ArgIndex},
	{Name: "ka.target.subresource", Type: fields.String},
	{Name: "ka.target.namespace", Type: fields.String},
	{Name: "ka.target.resource", Type: fields.String},
	{Name: "ka.target.name", Type: fields.String},
	{Name: "ka.response.code", Type: fields.String},
	{Name: "evt.num", Type: fields.Uint64},
	{Name: "evt.flag", Type: fields.Bool},
	{Name: "fd.rip", Type: fields.IPAddr},
	{Name: "fd.net", Type: fields.IPNet},
	{Name: "evt.buf", Type: fields.Buffer},
	{Name: "container.label", Type: fields.String, Arg: fields.ArgKey, ArgRequired: true},
	{Name: "container.mount.dest", Type: fields.String, Arg: fields.ArgIndexOrKey, IsList: true},
	{Name: "fd.name", Type: fields.String},
	{Name: "proc.name", Type: fields.String},
	{Name: "ka.req.data", Type: fields.String},
	{Name: "evt.num2", Type: fields.Uint64},
	{Name: "fd.rip2", Type: fields.IPAddr},
	{Name: "ka.allowed.groups", Type: fields.String, IsList: true},
}

func (fakeSource) Name() string          { return "fake" }
func (fakeSource) Fields() []fields.Info { return fakeFields }

// fakeEvent holds values per field ID and argument; a missing entry is
// an absent field.
type fakeEvent struct {
	vals []map[string][]fields.Value
}

func newEvent(kv map[string][]fields.Value) *fakeEvent {
	e := &fakeEvent{vals: make([]map[string][]fields.Value, len(fakeFields))}
	for k, v := range kv {
		name, arg := k, ""
		if i := indexByte(k, '['); i >= 0 {
			name, arg = k[:i], k[i+1:len(k)-1]
		}
		id, _, ok := fields.Lookup(fakeSource{}, name)
		if !ok {
			panic("fake event: unknown field " + name)
		}
		if e.vals[id] == nil {
			e.vals[id] = map[string][]fields.Value{}
		}
		e.vals[id][arg] = v
	}
	return e
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func (e *fakeEvent) Extract(ref fields.Ref, buf []fields.Value) ([]fields.Value, bool) {
	m := e.vals[ref.ID]
	if m == nil {
		return buf, false
	}
	v, ok := m[ref.Arg]
	if !ok {
		return buf, false
	}
	return append(buf, v...), true
}

func s(vs ...string) []fields.Value {
	out := make([]fields.Value, len(vs))
	for i, v := range vs {
		out[i] = fields.Value{Str: v}
	}
	return out
}

func n(v uint64) []fields.Value { return []fields.Value{{Num: v}} }
