// Package fields is the contract between the Falco-style condition
// compiler (runtime/filter) and the event sources (runtime/k8saudit,
// runtime/docker): a source describes the fields it can extract, the
// compiler resolves each field name of a condition or output to a Ref
// once, and evaluation asks the event for the values of that Ref.
//
// Extraction appends to a caller-owned buffer so that the evaluation hot
// path allocates nothing: a source keeps its parsed event and returns
// strings that point into it.
package fields

// Type is the type of a field's values (runtime.md section 2.3).
type Type int

// Field types. k8s audit fields are all String (non-string JSON values
// rendered as compact JSON text); Docker fields use the others too.
const (
	String Type = iota
	Uint64
	Bool
	IPAddr
	IPNet
	AbsTime // nanoseconds since the Unix epoch, as Uint64
	RelTime // nanoseconds, as Uint64
	Buffer  // raw bytes, in Value.Str
)

// String names the type as Falco's field listings do.
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Uint64:
		return "uint64"
	case Bool:
		return "bool"
	case IPAddr:
		return "ipaddr"
	case IPNet:
		return "ipnet"
	case AbsTime:
		return "abstime"
	case RelTime:
		return "reltime"
	case Buffer:
		return "bytebuf"
	}
	return "unknown"
}

// ArgKind says what argument a field takes in brackets
// (ka.req.pod.containers.image[0], ka.uri.param[command]).
type ArgKind int

// Argument kinds.
const (
	// NoArg: the field takes no argument; one is a compile error.
	NoArg ArgKind = iota
	// ArgIndex: a non-negative integer.
	ArgIndex
	// ArgKey: any text up to the closing bracket.
	ArgKey
	// ArgIndexOrKey: either (Docker's container.mount[N] or [PATTERN]).
	ArgIndexOrKey
)

// Info describes one field a source can extract.
type Info struct {
	// Name is the field's full name ("ka.user.name").
	Name string
	Type Type
	// IsList marks fields that yield 0..n values per event; list fields
	// accept only in, intersects and exists.
	IsList bool
	Arg    ArgKind
	// ArgRequired makes a missing argument a compile error.
	ArgRequired bool
	// Desc is a one-line description for listings and lint messages.
	Desc string
}

// Source describes an event source to the compiler.
type Source interface {
	// Name is the rules' `source:` value ("k8s_audit", "docker").
	Name() string
	// Fields lists the fields, in a stable order; a Ref's ID indexes it.
	Fields() []Info
}

// Ref is a field reference resolved at compile time.
type Ref struct {
	// ID indexes the source's Fields().
	ID int
	// Arg is the bracketed argument as written ("" when none); Index is
	// its value when it parses as a non-negative integer (HasIndex).
	Arg      string
	HasArg   bool
	Index    int
	HasIndex bool
}

// Value is one extracted value. Str holds String, Buffer and the text of
// IPAddr/IPNet values; Num holds Uint64, Bool (0 or 1), AbsTime and
// RelTime values.
type Value struct {
	Str string
	Num uint64
}

// Event is one event of a source.
type Event interface {
	// Extract appends the values of the field to buf and returns the
	// extended buffer and whether the field applies to this event. A
	// field that does not apply (absent) returns ok false: every check
	// on it is false, whatever the operator. It must not allocate on the
	// common path.
	Extract(ref Ref, buf []Value) (vals []Value, ok bool)
}

// Lookup finds a field by exact name in a source's table.
func Lookup(src Source, name string) (int, Info, bool) {
	for i, f := range src.Fields() {
		if f.Name == name {
			return i, f, true
		}
	}
	return 0, Info{}, false
}
