package alert

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzEncoder checks that any strings give exactly one line of valid
// UTF-8 per alert, and in JSON one valid object.
func FuzzEncoder(f *testing.F) {
	f.Add("Rule", "msg", "k", "v", "host")
	f.Add("a\nb", "\x1b[31m\x00\xff\xfe", "\xc3", "\u2028\u2029", "\x7f\u0085")
	f.Add("", "", "", "", "")
	f.Add("<&>", `"\`, "ka.uri.param[command]", "\t\r", "é€😀")
	f.Fuzz(func(t *testing.T, rule, msg, key, val, host string) {
		a := &Alert{
			Time: time.Unix(0, 1).UTC(), Rule: rule, Priority: PriorityNotice, Source: "k8s_audit",
			Hostname: host, Message: msg, Tags: []string{val, key},
			OutputFields: map[string]any{key: val, "n": nil, "l": []string{val}},
		}
		for _, format := range []Format{Text, JSON} {
			b, err := Encoder{Format: format, Location: time.UTC}.Append(nil, a)
			if err != nil {
				t.Fatalf("%v: %v", format, err)
			}
			if bytes.Count(b, []byte{'\n'}) != 1 || b[len(b)-1] != '\n' {
				t.Fatalf("%v: not one line: %q", format, b)
			}
			if !utf8.Valid(b) {
				t.Fatalf("%v: invalid UTF-8: %q", format, b)
			}
			if format == JSON {
				var back map[string]any
				if err := json.Unmarshal(b, &back); err != nil {
					t.Fatalf("invalid JSON %q: %v", b, err)
				}
				if utf8.ValidString(rule) && back["rule"] != rule {
					t.Fatalf("rule %q came back as %q", rule, back["rule"])
				}
			}
		}
	})
}
