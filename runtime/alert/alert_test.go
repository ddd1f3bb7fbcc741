package alert

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, diff)
	}
}

func TestParsePriority(t *testing.T) {
	tests := []struct {
		in      string
		want    Priority
		wantErr bool
	}{
		{in: "emergency", want: PriorityEmergency},
		{in: "ALERT", want: PriorityAlert},
		{in: "Critical", want: PriorityCritical},
		{in: "error", want: PriorityError},
		{in: "WaRnInG", want: PriorityWarning},
		{in: "notice", want: PriorityNotice},
		{in: "informational", want: PriorityInformational},
		{in: "INFO", want: PriorityInformational}, // Falco's alias
		{in: " debug ", want: PriorityDebug},
		{in: "warn", wantErr: true},  // not an alias Falco accepts
		{in: "fatal", wantErr: true}, // not a Falco priority
		{in: "", wantErr: true},
		{in: "7", wantErr: true}, // numbers are not names
	}
	for _, tt := range tests {
		got, err := ParsePriority(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePriority(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && got != tt.want {
			t.Errorf("ParsePriority(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPriorityOrderAndNames(t *testing.T) {
	want := []string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}
	for i, p := range Priorities() {
		if int(p) != i {
			t.Errorf("%v has number %d, want %d (Falco's numbering)", p, int(p), i)
		}
		if p.String() != want[i] {
			t.Errorf("Priority(%d).String() = %q, want %q", i, p.String(), want[i])
		}
		back, err := ParsePriority(p.String())
		if err != nil || back != p {
			t.Errorf("ParsePriority(%q) = %v, %v; want %v", p.String(), back, err, p)
		}
	}
	if !PriorityCritical.AtLeast(PriorityWarning) {
		t.Error("Critical is at least Warning")
	}
	if PriorityNotice.AtLeast(PriorityWarning) {
		t.Error("Notice is not at least Warning")
	}
	if !PriorityWarning.AtLeast(PriorityWarning) {
		t.Error("Warning is at least Warning")
	}
	if Priority(9).Valid() || Priority(-1).Valid() {
		t.Error("out-of-range priorities are not valid")
	}
	if got := Priority(9).String(); got != "Priority(9)" {
		t.Errorf("Priority(9).String() = %q", got)
	}
}

func TestPriorityText(t *testing.T) {
	var p Priority
	if err := json.Unmarshal([]byte(`"info"`), &p); err != nil || p != PriorityInformational {
		t.Errorf("unmarshal info = %v, %v", p, err)
	}
	if err := json.Unmarshal([]byte(`"loud"`), &p); err == nil {
		t.Error("unmarshal of an unknown priority must fail")
	}
	b, err := json.Marshal(PriorityNotice)
	if err != nil || string(b) != `"Notice"` {
		t.Errorf("marshal Notice = %s, %v", b, err)
	}
	if _, err := json.Marshal(Priority(12)); err == nil {
		t.Error("marshal of an invalid priority must fail")
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"text": Text, "JSON": JSON, " json ": JSON} {
		got, err := ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Error("ParseFormat(yaml) must fail")
	}
}

// fixedTime is the time of the golden alerts: nine fraction digits with
// trailing zeros, which Falco keeps.
var fixedTime = time.Date(2025, 3, 4, 10, 11, 12, 123450000, time.UTC)

func sampleAlerts() []*Alert {
	return []*Alert{
		{
			Time:     fixedTime,
			Rule:     "Create Privileged Pod",
			Priority: PriorityWarning,
			Source:   "k8s_audit",
			Hostname: "node-1",
			Message:  "Pod started with privileged container (user=alice pod=nginx ns=default image=nginx:1.27)",
			OutputFields: map[string]any{
				"ka.user.name":           "alice",
				"ka.target.namespace":    "default",
				"ka.resp.name":           nil,
				"ka.req.pod.containers":  []string{"nginx:1.27", "busybox"},
				"evt.time":               uint64(fixedTime.UnixNano()),
				"ka.req.pod.host_pid":    true,
				"ka.uri.param[command]":  "<sh> & \"ls\"",
				"json.value[/spec/port]": float64(8080),
			},
			Tags: []string{"k8s"},
		},
		{
			// No tags and no fields: [] and {}, never null.
			Time:     time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Rule:     "Attach to cluster-admin Role",
			Priority: PriorityInformational,
			Source:   "k8s_audit",
			Message:  "Cluster Role Binding to cluster-admin role",
		},
		{
			// Hostile text: a newline, an escape sequence, a NUL, invalid
			// UTF-8, a C1 control, DEL; one line each in text and JSON.
			Time:     fixedTime,
			Rule:     "Odd \"rule\"\n",
			Priority: PriorityCritical,
			Source:   "docker",
			Hostname: "h\x00st",
			Message:  "name=a\nb esc=\x1b[31mred\x1b[0m nul=\x00 bad=\xff\xfe c1=\u0085 del=\x7f tab=\t ok=é€",
			OutputFields: map[string]any{
				"container.name": "a\nb\xff",
				"bad\xffkey":     math.NaN(),
				"inf":            math.Inf(1),
				"struct":         struct{ A int }{7},
			},
			Tags: []string{"container", "mitre_privilege_escalation"},
		},
	}
}

func TestEncoderGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Format
	}{{"alerts.txt", Text}, {"alerts.jsonl", JSON}} {
		enc := Encoder{Format: tc.f, Location: time.UTC}
		var buf []byte
		for _, a := range sampleAlerts() {
			var err error
			buf, err = enc.Append(buf, a)
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := bytes.Count(buf, []byte{'\n'}); n != len(sampleAlerts()) {
			t.Errorf("%s: %d lines, want one per alert (%d)", tc.name, n, len(sampleAlerts()))
		}
		if !utf8.Valid(buf) {
			t.Errorf("%s: output is not valid UTF-8", tc.name)
		}
		golden(t, tc.name, buf)
	}
}

// falcosidekickPayload mirrors the struct Falcosidekick decodes alerts
// into (types.FalcoPayload), with its priority parsed as it parses it.
type falcosidekickPayload struct {
	UUID         string         `json:"uuid,omitempty"`
	Output       string         `json:"output"`
	Priority     string         `json:"priority"`
	Rule         string         `json:"rule"`
	Time         time.Time      `json:"time"`
	OutputFields map[string]any `json:"output_fields"`
	Source       string         `json:"source"`
	Tags         []string       `json:"tags,omitempty"`
	Hostname     string         `json:"hostname,omitempty"`
}

func TestJSONDecodesAsFalcosidekickPayload(t *testing.T) {
	a := sampleAlerts()[0]
	b, err := Encoder{Format: JSON, Location: time.UTC}.Append(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	var p falcosidekickPayload
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // every key we write is one Falcosidekick reads
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if !p.Time.Equal(a.Time) {
		t.Errorf("time = %v, want %v", p.Time, a.Time)
	}
	// Falcosidekick knows exactly these spellings (case-insensitively).
	known := map[string]bool{"emergency": true, "alert": true, "critical": true, "error": true, "warning": true, "notice": true, "informational": true, "debug": true}
	for _, pr := range Priorities() {
		if !known[strings.ToLower(pr.String())] {
			t.Errorf("Falcosidekick does not know priority %q", pr)
		}
	}
	if p.Priority != "Warning" || p.Rule != a.Rule || p.Source != "k8s_audit" || p.Hostname != "node-1" {
		t.Errorf("decoded %+v", p)
	}
	if want := "10:11:12.123450000: Warning " + a.Message; p.Output != want {
		t.Errorf("output = %q, want %q", p.Output, want)
	}
	if p.OutputFields["ka.user.name"] != "alice" || p.OutputFields["ka.resp.name"] != nil {
		t.Errorf("output_fields = %v", p.OutputFields)
	}
}

func TestMarshalJSONMatchesEncoder(t *testing.T) {
	a := sampleAlerts()[1]
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) || !bytes.Contains(b, []byte(`"tags":[]`)) || !bytes.Contains(b, []byte(`"output_fields":{}`)) {
		t.Errorf("MarshalJSON = %s", b)
	}
}

func TestLineLocation(t *testing.T) {
	a := &Alert{Time: fixedTime, Priority: PriorityError, Message: "m"}
	loc := time.FixedZone("X", 2*3600)
	if got, want := a.Line(loc), "12:11:12.123450000: Error m"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

func BenchmarkEncode(b *testing.B) {
	a := sampleAlerts()[0]
	for _, f := range []Format{Text, JSON} {
		b.Run(f.String(), func(b *testing.B) {
			enc := Encoder{Format: f, Location: time.UTC}
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = enc.Append(buf[:0], a)
			}
		})
	}
}
