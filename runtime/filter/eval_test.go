package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// testEvent is the event most evaluation cases run against.
var testEvent = map[string][]fields.Value{
	"ka.verb":                        s("create"),
	"ka.user.name":                   s("system:anonymous"),
	"ka.impuser.name":                s("system:anonymous"),
	"ka.user.groups":                 s("system:unauthenticated", "system:authenticated"),
	"ka.uri":                         s("/api/v1/namespaces/default/pods/nginx/exec?command=sh"),
	"ka.uri.param[command]":          s("sh"),
	"ka.req.pod.containers.image":    s("nginx:1.25", "busybox"),
	"ka.req.pod.containers.image[0]": s("nginx:1.25"),
	"ka.target.namespace":            s("kube-system"),
	"ka.target.resource":             s("pods"),
	"ka.target.name":                 s("Nginx-Pod"),
	"ka.response.code":               s("403"),
	"evt.num":                        n(42),
	"evt.flag":                       n(1),
	"fd.rip":                         s("10.1.2.3"),
	"fd.net":                         s("10.0.0.0/8"),
	"evt.buf":                        s("\x7fELF\x02\x01"),
	"container.label[app]":           s("web"),
	"container.mount.dest":           s("/var/run/docker.sock", "/data"),
	"container.mount.dest[/var/run/docker.sock]": s("/var/run/docker.sock"),
	"fd.name":           s("/etc/kubernetes/manifests/pod.yaml"),
	"proc.name":         s(""),
	"ka.req.data":       s("cHJpdmlsZWdlZA=="), // base64 of "privileged"
	"evt.num2":          n(7),
	"fd.rip2":           s("10.1.2.3"),
	"ka.allowed.groups": s("system:authenticated", "system:unauthenticated", "dev"),
}

var testMacros = map[string]string{
	"kcreate":    "ka.verb=create",
	"kmodify":    "(ka.verb in (create,update,patch))",
	"pod":        "ka.target.resource=pods and not ka.target.subresource exists",
	"nested":     "kcreate and pod",
	"loop_a":     "loop_b",
	"loop_b":     "ka.verb=x or loop_a",
	"never_true": "(ka.verb=NONEXISTENT)",
	"bad_field":  "ka.nope=1",
	// the benchmark's macros
	"bench_kevt":       "(ka.target.resource=pods and ka.verb in (create, update, patch))",
	"bench_privileged": "ka.uri.param[command] in (sh, bash, ash) or ka.req.pod.containers.image intersects (bench_images)",
}

var testLists = map[string][]string{
	"anon_users":   {"system:anonymous", "system:unauthenticated"},
	"nested_list":  {"anon_users", "admin"},
	"empty_list":   {},
	"sys_ns":       {"kube-system", "kube-public"},
	"images":       {"nginx:1.25", "busybox", "alpine"},
	"bench_images": benchImages(),
}

func testEnv() Env {
	return Env{
		Source: fakeSource{},
		Macro: func(name string) (Node, bool) {
			c, ok := testMacros[name]
			if !ok {
				return nil, false
			}
			n, err := Parse(c)
			if err != nil {
				panic(err)
			}
			return n, true
		},
		List: func(name string) ([]string, bool) {
			l, ok := testLists[name]
			return l, ok
		},
	}
}

func compileString(t testing.TB, cond string) (*Program, []Warning, error) {
	t.Helper()
	ast, err := Parse(cond)
	if err != nil {
		return nil, nil, err
	}
	return Compile(ast, testEnv())
}

func TestEval(t *testing.T) {
	ev := newEvent(testEvent)
	cases := []struct {
		cond string
		want bool
	}{
		// equality; absent fields are false for every operator, != included
		{"ka.verb=create", true},
		{"ka.verb = create", true},
		{"ka.verb == create", true},
		{"ka.verb=delete", false},
		{"ka.verb != delete", true},
		{"ka.verb != create", false},
		{"ka.target.subresource != exec", false}, // absent: false even for !=
		{"ka.target.subresource = exec", false},
		{"not ka.target.subresource exists", true},
		{"ka.target.subresource exists", false},
		{"ka.verb exists", true},
		{"ka.target.subresource in (a, b)", false},
		{"not ka.target.subresource in (a, b)", true},
		{"ka.target.subresource startswith a", false},
		{"proc.name = \"\"", true}, // present but empty
		// string operators
		{"ka.uri contains /exec", true},
		{"ka.uri contains /attach", false},
		{"ka.target.name icontains nginx-pod", true},
		{"ka.target.name icontains NGINX", true},
		{"ka.target.name contains nginx", false},
		{"ka.uri startswith /api/v1", true},
		{"ka.uri startswith /apis", false},
		{"ka.uri endswith \"command=sh\"", true}, // '=' needs quotes
		{"ka.uri endswith 'command=bash'", false},
		{"fd.name glob /etc/*.yaml", true}, // * matches '/' (fnmatch without flags)
		{"fd.name glob /etc/kubernetes/manifests/???.yaml", true},
		{"fd.name glob /etc/kubernetes/manifests/??.yaml", false},
		{"fd.name glob '/etc/[a-k]*'", true},
		{"fd.name glob '/etc/[!k]*'", false},
		{"fd.name glob /ETC/*", false},
		{"fd.name iglob /ETC/*", true},
		{"fd.name regex '/etc/kube.*'", true},
		{"fd.name regex 'kube'", false}, // full match, not search
		{"fd.name regex '.*kube.*'", true},
		{"ka.response.code >= 400", true}, // string compare (lexicographic)
		{"ka.response.code < 400", false},
		{"ka.response.code startswith 4", true},
		// numbers, bools, IPs, buffers
		{"evt.num = 42", true},
		{"evt.num = 0x2a", true},
		{"evt.num != 42", false},
		{"evt.num > 41", true},
		{"evt.num >= 43", false},
		{"evt.num < 100", true},
		{"evt.num <= 42", true},
		{"evt.num in (1, 42)", true},
		{"evt.num in (1, 2)", false},
		{"evt.flag = true", true},
		{"evt.flag = false", false},
		{"fd.rip = 10.1.2.3", true},
		{"fd.rip = 10.0.0.0/8", true},
		{"fd.rip = 192.168.0.0/16", false},
		{"fd.rip in (192.168.1.1, 10.1.0.0/16)", true},
		{"fd.rip != 10.1.2.3", false},
		{"fd.net = 10.0.0.0/8", true},
		{"fd.net = 10.9.9.9", true},
		{"fd.net = 11.0.0.1", false},
		{"evt.buf bcontains 454c46", true},
		{"evt.buf bstartswith 7f454c46", true},
		{"evt.buf bstartswith 454c46", false},
		{"evt.buf contains ELF", true},
		// in / intersects / pmatch; list fields
		{"ka.verb in (create, update)", true},
		{"ka.verb in (update, patch)", false},
		{"ka.verb in ()", false},
		{"ka.verb in (empty_list)", false},
		{"ka.verb in(create,update)", true},
		{"ka.user.name in (anon_users)", true},
		{"ka.user.name in anon_users", true},
		{"ka.user.name in (nested_list)", true}, // nested list expanded
		{"ka.user.name in (admin, \"system:anonymous\")", true},
		{"ka.user.name in (\"anon_users\")", false}, // a quoted name is a value
		{"ka.user.groups intersects (system:unauthenticated)", true},
		{"ka.user.groups intersects (system:masters)", false},
		{"ka.user.groups in (system:unauthenticated, system:authenticated, x)", true}, // subset
		{"ka.user.groups in (system:unauthenticated)", false},                         // not a subset
		{"ka.user.groups intersects ()", false},
		// Legacy (engine version 4) string operators on a list field: any
		// value matching, with a warning.
		{"ka.user.groups contains unauthenticated", true},
		{"ka.user.groups startswith system:auth", true},
		{"ka.user.groups contains masters", false},
		{"ka.req.pod.containers.image in (images)", true},
		{"ka.req.pod.containers.image[0] in (nginx:1.25)", true},
		{"ka.uri.param[command] in (sh, bash)", true},
		{"ka.uri.param[other] exists", false},
		{"container.label.app = web", true}, // trailing dotted argument
		{"container.label[app] = web", true},
		{"container.label.team exists", false},
		{"container.mount.dest[/var/run/docker.sock] exists", true},
		{"container.mount.dest intersects (/data)", true},
		{"fd.name pmatch (/etc/kubernetes)", true},
		{"fd.name pmatch (/etc/kubernetes/)", true},
		{"fd.name pmatch (/etc/kube)", false}, // path boundary
		{"fd.name pmatch (/etc/*/manifests)", true},
		{"fd.name pmatch (/usr/*/manifests, /var)", false},
		{"fd.name pmatch (/)", true},
		{"fd.name pmatch (/etc/kubernetes/manifests/pod.yaml)", true},
		// transformers and val()
		{"tolower(ka.target.name) = nginx-pod", true},
		{"toupper(ka.verb) = CREATE", true},
		{"tolower(ka.verb) = CREATE", false},
		{"basename(fd.name) = pod.yaml", true},
		{"len(ka.verb) = 6", true},
		{"len(ka.user.groups) = 2", true},
		{"len(ka.uri) > 2000", false},
		{"len(ka.target.subresource) = 0", false}, // absent stays absent
		{"tolower(basename(ka.target.name)) = nginx-pod", true},
		{"ka.user.name = val(ka.impuser.name)", true},
		{"ka.user.name != val(ka.impuser.name)", false},
		{"ka.user.name = val(ka.target.subresource)", false},
		{"ka.target.name = toupper(ka.target.name)", false},
		{"tolower(ka.target.name) = tolower(ka.target.name)", true},
		{"b64(ka.req.data) = privileged", true},
		{"b64(ka.req.data) contains priv", true},
		{"b64(ka.user.name) exists", false}, // "system:anonymous" is not base64: absent
		{"b64(ka.verb) exists", true},       // "create" happens to be base64
		{"b64(ka.uri) = x", false},
		{"ka.uri contains val(ka.uri.param[command])", true},
		{"ka.target.name icontains val(ka.target.resource)", false},
		{"ka.target.name icontains toupper(ka.target.name)", true},
		{"ka.uri startswith val(ka.verb)", false},
		{"ka.uri endswith val(ka.uri.param[command])", true},
		{"ka.uri glob val(ka.uri)", true},
		{"ka.uri iglob toupper(ka.uri)", true},
		{"ka.verb < val(ka.target.resource)", true}, // "create" < "pods"
		{"evt.num > val(evt.num2)", true},
		{"evt.num <= val(evt.num2)", false},
		{"fd.rip = val(fd.rip2)", true},
		{"fd.rip != val(fd.rip2)", false},
		{"ka.user.groups in val(ka.allowed.groups)", true},         // subset
		{"ka.allowed.groups in val(ka.user.groups)", false},        // "dev" is not in it
		{"ka.allowed.groups intersects val(ka.user.groups)", true}, // any
		{"ka.verb in val(ka.allowed.groups)", false},
		{"fd.net in (10.0.0.0/8)", true},
		{"fd.net in (10.2.3.4)", true}, // the network contains the address
		{"fd.net in (192.168.0.0/16, 11.0.0.1)", false},
		{"fd.rip in (10.1.2.3)", true},
		{"fd.rip intersects (10.1.2.4)", false},
		// precedence, not, macros
		{"ka.verb=delete or ka.verb=create and ka.target.resource=pods", true},
		{"(ka.verb=delete or ka.verb=create) and ka.target.resource=secrets", false},
		{"not ka.verb=delete and ka.verb=create", true},
		{"not not ka.verb=create", true},
		{"not(ka.verb=create)", false},
		{"not (ka.verb=create or ka.verb=delete)", false},
		{"ka.verb=delete or(ka.verb=create)", true},
		{"ka.verb=create and(ka.verb=delete)", false},
		{"kcreate and pod", true},
		{"nested", true},
		{"not never_true", true},
		{"kmodify and not never_true", true},
		{"not kcreate", false},
		{"kcreate\nand\tpod", true},
		// modifiers
		{"ka.verb = anyof (create, delete)", true},
		{"ka.verb startswith oneof (cr, c)", false}, // two match: not exactly one
		{"ka.verb startswith oneof (cr, x)", true},
		{"ka.verb != allof (delete, patch)", true},
		{"ka.target.subresource != allof (delete, patch)", false},
	}
	for _, tc := range cases {
		p, warns, err := compileString(t, tc.cond)
		if err != nil {
			t.Errorf("%q: %v", tc.cond, err)
			continue
		}
		_ = warns
		if got := p.Eval(ev); got != tc.want {
			t.Errorf("%q = %v, want %v", tc.cond, got, tc.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		cond, want string
	}{
		{"ka.nope = x", "unknown field ka.nope"},
		{"bad_field", "macro bad_field: 1:1: unknown field ka.nope"},
		{"undefined_macro", "undefined macro undefined_macro"},
		{"loop_a", "macro reference cycle: loop_a -> loop_b -> loop_a"},
		{"ka.verb in undefined_list", "undefined list undefined_list"},
		{"ka.uri.param = x", "requires an argument"},
		{"ka.verb[0] = x", "does not take an argument"},
		{"ka.req.pod.containers.image[x] in (a)", "numeric index"},
		{"ka.user.groups = x", "operator = cannot be applied to ka.user.groups (list of string)"},
		{"ka.user.groups = x", "cannot be applied"},
		{"ka.user.groups < 3", "cannot be applied"},
		{"evt.num contains 4", "cannot be applied"},
		{"evt.num = abc", `"abc" is not a valid uint64 value`},
		{"evt.num = -1", "not a valid uint64"},
		{"evt.num in (1, x)", `"x" is not a valid uint64`},
		{"evt.flag = yes", "not a valid bool"},
		{"evt.flag > 1", "cannot be applied"},
		{"fd.rip = 300.1.1.1", "not a valid IP"},
		{"fd.rip contains 10", "cannot be applied"},
		{"evt.buf bcontains zz", "hex string"},
		{"ka.verb bcontains 41", "cannot be applied"},
		{"ka.verb regex '('", "invalid regular expression"},
		{"ka.verb glob 'a\\\\'", "unescaped backslash"}, // the value is a\ : a lone trailing backslash
		{"ka.verb glob 'a\\\\\\\\'", ""},                // the value is a\\ : an escaped backslash
		{"ka.verb in val(ka.uri)", ""},
		{"ka.verb in x", "undefined list x"},
		{"concat(ka.verb, ka.uri) = x", "not supported"},
		{"len(evt.num) = 1", "len() takes"},
		{"ka.verb = val(evt.num)", "cannot compare string with uint64"},
		{"ka.verb regex val(ka.uri)", "needs a literal"},
		{"ka.verb = anyof (a, b)", ""},
		{"ka.verb in anyof", "undefined list anyof"},
	}
	for _, tc := range cases {
		_, _, err := compileString(t, tc.cond)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: unexpected error %v", tc.cond, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.cond, err, tc.want)
			continue
		}
		var ce *CompileError
		if !errors.As(err, &ce) {
			t.Errorf("%q: %T is not a *CompileError", tc.cond, err)
		}
	}
}

func TestCompileNilNodes(t *testing.T) {
	env := testEnv()
	for _, n := range []Node{nil, &And{Terms: []Node{nil}}, &Not{}, &BinaryCheck{Operand: &Field{Name: "ka.verb"}, Op: "="}, &UnaryCheck{Op: "exists"},
		&BinaryCheck{Operand: &Field{Name: "ka.verb"}, Op: "in", RHS: &List{Items: []*Literal{nil}}},
		&BinaryCheck{Operand: &Field{Name: "ka.verb"}, Op: "=", RHS: &ValRef{}},
		&BinaryCheck{Operand: &Transformer{Name: "tolower", Args: []Node{nil}}, Op: "=", RHS: &Literal{Value: "x"}},
	} {
		if _, _, err := Compile(n, env); err == nil {
			t.Errorf("%#v compiled", n)
		}
	}
}

func TestListsExpanded(t *testing.T) {
	env := testEnv()
	env.ListsExpanded = true
	ast, _ := Parse("ka.user.name in (nested_list)")
	p, _, err := Compile(ast, env)
	if err != nil {
		t.Fatal(err)
	}
	// nested_list is [anon_users, admin]: taken as values, not expanded
	if p.Eval(newEvent(testEvent)) {
		t.Fatal("an item naming a list was expanded although ListsExpanded")
	}
}

func TestUnknownFieldIsWrapped(t *testing.T) {
	_, _, err := compileString(t, "ka.verb=create and k8s.ns.name=x")
	if !errors.Is(err, ErrUnknownField) {
		t.Fatalf("error %v does not wrap ErrUnknownField", err)
	}
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Offset != 19 || ce.Line != 1 || ce.Col != 20 {
		t.Fatalf("position: %+v", ce)
	}
	_, _, err = compileString(t, "evt.num = x")
	if errors.Is(err, ErrUnknownField) {
		t.Fatalf("a bad value must not read as an unknown field: %v", err)
	}
}

func TestWarnings(t *testing.T) {
	cases := []struct {
		cond string
		want string // "" = no warning
	}{
		{"ka.verb = <NA>", "<NA>"},
		{"ka.verb in (a, N/A)", "N/A"},
		{"ka.verb = create", ""},
		{"ka.response.code >= 400", "lexicographically"},
		{`ka.verb contains "\ "`, "legacy escape"},
		{"evt.num >= 400", ""},
	}
	for _, tc := range cases {
		_, warns, err := compileString(t, tc.cond)
		if err != nil {
			t.Fatalf("%q: %v", tc.cond, err)
		}
		if tc.want == "" {
			if len(warns) != 0 {
				t.Errorf("%q: unexpected warnings %v", tc.cond, warns)
			}
			continue
		}
		if len(warns) != 1 || !strings.Contains(warns[0].Msg, tc.want) {
			t.Errorf("%q: warnings %v, want one with %q", tc.cond, warns, tc.want)
		}
	}
}

// TestLegacyListOpDynamicRHS: a string operator on a list field (legacy
// rules) is true when any value matches, with a val() or transformer
// right-hand side as with a literal one.
func TestLegacyListOpDynamicRHS(t *testing.T) {
	ev := newEvent(map[string][]fields.Value{
		"ka.user.groups": s("system:authenticated", "team-dev"),
		"ka.verb":        s("dev"),
	})
	cases := []struct {
		cond string
		want bool
	}{
		{"ka.user.groups contains dev", true},               // literal: the second value matches
		{"ka.user.groups contains val(ka.verb)", true},      // fires: the second value matches
		{"ka.user.groups endswith val(ka.verb)", true},      // fires: "team-dev"
		{"ka.user.groups startswith val(ka.verb)", false},   // must not fire: no value starts with "dev"
		{"ka.user.groups contains toupper(ka.verb)", false}, // must not fire: case differs
	}
	for _, c := range cases {
		p, _, err := compileString(t, c.cond)
		if err != nil {
			t.Fatalf("%s: %v", c.cond, err)
		}
		if got := p.Eval(ev); got != c.want {
			t.Errorf("%s = %v, want %v", c.cond, got, c.want)
		}
	}
}

// TestIcontainsNonASCII: icontains folds ASCII letters only (Falco's
// strcasestr); other bytes compare as they are, so a value holding a
// non-ASCII capital still contains itself.
func TestIcontainsNonASCII(t *testing.T) {
	ev := newEvent(map[string][]fields.Value{"ka.target.name": s("Ärger-POD")})
	cases := []struct {
		cond string
		want bool
	}{
		{`ka.target.name icontains "Ärger"`, true},     // fires: the same bytes
		{`ka.target.name icontains "Ärger-pod"`, true}, // fires: ASCII case folded
		{`ka.target.name icontains "ärger"`, false},    // must not fire: Ä is not ASCII
	}
	for _, c := range cases {
		p, _, err := compileString(t, c.cond)
		if err != nil {
			t.Fatalf("%s: %v", c.cond, err)
		}
		if got := p.Eval(ev); got != c.want {
			t.Errorf("%s = %v, want %v", c.cond, got, c.want)
		}
	}
}
