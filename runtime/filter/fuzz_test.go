package filter

import (
	"testing"
)

var fuzzSeeds = []string{
	"ka.verb=create and not ka.target.subresource exists",
	"kcreate and pod or (ka.user.name in (anon_users, \"x y\") and not never_true)",
	"ka.user.groups intersects (system:masters) and ka.uri.param[command] in (sh, bash)",
	"tolower(basename(fd.name)) glob '*.yaml' and len(ka.uri) > 2000",
	"ka.user.name = val(ka.impuser.name) or fd.name pmatch (/etc/*/x, /var)",
	"evt.num >= 0x10 and evt.flag = true and fd.rip = 10.0.0.0/8",
	"evt.buf bcontains 7f454c46 and ka.verb startswith oneof (a, b)",
	`ka.verb = "a\"b\x41\n" or ka.verb = 'c\'d' or ka.verb contains "\ "`,
	"not(a) and(b) or(c)",
	"((((a))))",
	"ka.verb in ()",
	"container.label.app = web and container.mount.dest[/var/run/docker.sock] exists",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cond string) {
		n, err := Parse(cond)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if n == nil {
			t.Fatal("nil AST without error")
		}
		Walk(n, func(Node) bool { return true })
		checkRoundTrip(t, cond, n)
		p, _, err := Compile(n, testEnv())
		if err != nil {
			return
		}
		p.Eval(newEvent(testEvent))
	})
}

func FuzzOutput(f *testing.F) {
	for _, s := range []string{
		"*user=%ka.user.name %10ka.verb %tolower(ka.target.name)",
		"%ka.target.name/%ka.target.resource %ka.uri.param[command]",
		"%container.label.app %container.info %evt.num",
		"100%",
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, format string, skip bool) {
		o, err := ParseOutput(format, fakeSource{}, skip)
		if err != nil {
			return
		}
		ev := newEvent(testEvent)
		o.Render(ev, nil)
		o.Fields(ev)
	})
}

func FuzzGlob(f *testing.F) {
	f.Add("/etc/*/[a-z]?.yaml", "/etc/k/ab.yaml")
	f.Add("[!a]*\\*", "b*")
	f.Add("[]-]x", "]x")
	f.Fuzz(func(t *testing.T, pat, s string) {
		globMatch(pat, s, false)
		globMatch(pat, s, true)
		if !globMatch("*", s, false) {
			t.Fatal("* must match everything")
		}
	})
}
