package alert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Alert is one rule match. Its JSON form is Falco's (runtime.md section
// 7.1): the keys Falcosidekick decodes (output, priority, rule, time,
// output_fields, source, tags, hostname) with the same spellings.
type Alert struct {
	// Time is the event's time (evt.time).
	Time time.Time
	// Rule is the matched rule's name.
	Rule string
	// Priority is the rule's priority.
	Priority Priority
	// Source is the event source ("k8s_audit", "docker").
	Source string
	// Hostname names the machine (or pod) that raised the alert.
	Hostname string
	// Message is the rule's rendered output, without the time and
	// priority prefix of the alert line.
	Message string
	// OutputFields holds the value of every field of the rule's output
	// (nil for a missing one), keyed by the field as written.
	OutputFields map[string]any
	// Tags are the rule's tags.
	Tags []string
}

// Format is an alert rendering.
type Format int

// Renderings: Text is Falco's alert line, JSON one Falco JSON object per
// line.
const (
	Text Format = iota
	JSON
)

// ParseFormat reads "text" or "json" (case-insensitively).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "text":
		return Text, nil
	case "json":
		return JSON, nil
	}
	return 0, fmt.Errorf("unknown alert format %q (want text or json)", s)
}

// String names the format as ParseFormat reads it.
func (f Format) String() string {
	if f == JSON {
		return "json"
	}
	return "text"
}

// ContentType is the HTTP media type of one rendered alert.
func (f Format) ContentType() string {
	if f == JSON {
		return "application/json"
	}
	return "text/plain; charset=utf-8"
}

// Encoder renders alerts, one line each.
type Encoder struct {
	Format Format
	// Location is the time zone of the line's "HH:MM:SS.nnnnnnnnn"
	// prefix; nil means local time, as Falco writes it. The JSON "time"
	// key is always UTC.
	Location *time.Location
}

// Line is the alert line "HH:MM:SS.nnnnnnnnn: Priority message" with the
// clock time in loc (nil: local time), unescaped.
func (a *Alert) Line(loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	var b strings.Builder
	b.Grow(len(a.Message) + 32)
	b.WriteString(a.Time.In(loc).Format("15:04:05.000000000"))
	b.WriteString(": ")
	b.WriteString(a.Priority.String())
	b.WriteByte(' ')
	b.WriteString(a.Message)
	return b.String()
}

// Append appends the alert rendered in e's format and a newline to buf.
// Text lines have control characters escaped as JSON would and invalid
// UTF-8 replaced by U+FFFD, so one alert is always one line and cannot
// drive a terminal.
func (e Encoder) Append(buf []byte, a *Alert) ([]byte, error) {
	if e.Format == JSON {
		b, err := marshal(a, e.Location)
		if err != nil {
			return buf, err
		}
		return append(append(buf, b...), '\n'), nil
	}
	buf = appendSafeText(buf, a.Line(e.Location))
	return append(buf, '\n'), nil
}

// timeLayout is Falco's JSON time: UTC, always nine fraction digits.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// wire is the JSON object, keys in Falco's (alphabetical) order.
type wire struct {
	Hostname     string         `json:"hostname"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Priority     string         `json:"priority"`
	Rule         string         `json:"rule"`
	Source       string         `json:"source"`
	Tags         []string       `json:"tags"`
	Time         string         `json:"time"`
}

// MarshalJSON writes the alert as Falco's JSON object, with the alert
// line's clock in local time.
func (a *Alert) MarshalJSON() ([]byte, error) { return marshal(a, nil) }

func marshal(a *Alert, loc *time.Location) ([]byte, error) {
	w := wire{
		Hostname:     a.Hostname,
		Output:       a.Line(loc),
		OutputFields: make(map[string]any, len(a.OutputFields)),
		Priority:     a.Priority.String(),
		Rule:         a.Rule,
		Source:       a.Source,
		Tags:         a.Tags,
		Time:         a.Time.UTC().Format(timeLayout),
	}
	if w.Tags == nil {
		w.Tags = []string{}
	}
	for k, v := range a.OutputFields {
		w.OutputFields[k] = jsonValue(v, 0)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&w); err != nil {
		return nil, fmt.Errorf("encoding alert for rule %q: %w", a.Rule, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// maxDepth bounds the nesting of output field values.
const maxDepth = 8

// jsonValue turns an output field value into one encoding/json always
// encodes: non-finite floats and unknown types become text.
func jsonValue(v any, depth int) any {
	switch x := v.(type) {
	case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return x
	case float32:
		return finite(float64(x))
	case float64:
		return finite(x)
	case []string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(timeLayout)
	case error:
		return x.Error()
	case fmt.Stringer:
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return nil
		}
		return x.String()
	case []any:
		if depth >= maxDepth {
			return fmt.Sprint(x)
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e, depth+1)
		}
		return out
	case map[string]any:
		if depth >= maxDepth {
			return fmt.Sprint(x)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e, depth+1)
		}
		return out
	}
	return fmt.Sprint(v)
}

func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return f
}

// appendSafeText appends s with invalid UTF-8 replaced by U+FFFD and
// control characters (C0, DEL, C1) escaped as JSON escapes them.
func appendSafeText(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, "\uFFFD"...)
		case r == '\n':
			buf = append(buf, `\n`...)
		case r == '\r':
			buf = append(buf, `\r`...)
		case r == '\t':
			buf = append(buf, `\t`...)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			buf = append(buf, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return buf
}
