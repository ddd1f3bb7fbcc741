package filter

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestOutputRender(t *testing.T) {
	ev := newEvent(testEvent)
	cases := []struct {
		format, want string
	}{
		{"user=%ka.user.name verb=%ka.verb", "user=system:anonymous verb=create"},
		{"%ka.target.name/%ka.target.resource", "Nginx-Pod/pods"}, // '/' ends the field
		{"sub=%ka.target.subresource", "sub=<NA>"},                // missing
		{"groups=%ka.user.groups", "groups=(system:unauthenticated,system:authenticated)"},
		{"cmd=%ka.uri.param[command] img=%ka.req.pod.containers.image[0]", "cmd=sh img=(nginx:1.25)"}, // a list field stays a list with an index
		{"app=%container.label.app.", "app=web."},                                                     // trailing dotted argument, then text
		{"n=%evt.num flag=%evt.flag", "n=42 flag=true"},
		{"[%10ka.verb]", "[create    ]"}, // padded to width
		{"[%3ka.verb]", "[cre]"},         // cut to width
		{"%tolower(ka.target.name)", "nginx-pod"},
		{"*always %ka.verb", "always create"},
		{"no fields", "no fields"},
		{"%ka.verb%container.info.", "create."}, // deprecated token dropped
		{"100%% %ka.verb", ""},                  // error below: '%' cannot be escaped
	}
	for _, tc := range cases {
		o, err := ParseOutput(tc.format, fakeSource{}, false)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: want an error", tc.format)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.format, err)
			continue
		}
		if got := string(o.Render(ev, nil)); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.format, got, tc.want)
		}
	}
}

func TestOutputErrors(t *testing.T) {
	cases := []struct{ format, want string }{
		{"x %", "ends with '%'"},
		{"%ka.nope", "unknown field ka.nope"},
		{"%ka.uri.param", "requires an argument"},
		{"% x", "expected a field name"},
		{"%tolower(ka.verb", "unclosed"},
	}
	for _, tc := range cases {
		_, err := ParseOutput(tc.format, fakeSource{}, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.format, err, tc.want)
		}
	}
	if _, err := ParseOutput("%ka.nope", fakeSource{}, false); !errors.Is(err, ErrUnknownField) {
		t.Errorf("unknown output field does not wrap ErrUnknownField: %v", err)
	}
}

func TestOutputSkipUnknown(t *testing.T) {
	o, err := ParseOutput("user=%ka.user.name ns=%k8s.ns.name", fakeSource{}, true)
	if err != nil {
		t.Fatal(err)
	}
	ev := newEvent(testEvent)
	if got, want := string(o.Render(ev, nil)), "user=system:anonymous ns=<NA>"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestOutputFields(t *testing.T) {
	o, err := ParseOutput("*%ka.user.name %ka.user.groups %ka.target.subresource %evt.num %evt.flag %ka.uri.param[command] %tolower(ka.verb) %ka.user.name", fakeSource{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Always {
		t.Error("leading '*' not recorded")
	}
	got, err := json.Marshal(o.Fields(newEvent(testEvent)))
	if err != nil {
		t.Fatal(err)
	}
	// each field once, the transformer left out, missing as null
	want := `[{"Name":"ka.user.name","Value":"system:anonymous"},` +
		`{"Name":"ka.user.groups","Value":["system:unauthenticated","system:authenticated"]},` +
		`{"Name":"ka.target.subresource","Value":null},` +
		`{"Name":"evt.num","Value":42},{"Name":"evt.flag","Value":true},` +
		`{"Name":"ka.uri.param[command]","Value":"sh"}]`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestOutputRenderDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	o, err := ParseOutput("user=%ka.user.name verb=%ka.verb groups=%ka.user.groups n=%evt.num %tolower(ka.target.name)", fakeSource{}, false)
	if err != nil {
		t.Fatal(err)
	}
	ev := newEvent(testEvent)
	buf := o.Render(ev, make([]byte, 0, 512))
	if a := testing.AllocsPerRun(100, func() { buf = o.Render(ev, buf[:0]) }); a != 0 {
		t.Fatalf("Render allocates %v times", a)
	}
}
