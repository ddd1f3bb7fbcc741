package docker

import (
	"testing"

	"github.com/bulwark-sec/bulwark/runtime/filter"
)

func TestScratchSeedRule(t *testing.T) {
	macros := map[string]string{
		"spawned_process": "(evt.type in (execve, execveat))",
		"container":       "(container.id != host)",
	}
	env := filter.Env{Source: LaunchSource{}, Macro: func(n string) (filter.Node, bool) {
		c, ok := macros[n]
		if !ok {
			return nil, false
		}
		node, err := filter.Parse(c)
		if err != nil {
			t.Fatal(err)
		}
		return node, true
	}}
	n, err := filter.Parse("spawned_process and container and proc.vpid=1 and\n(container.privileged=true or container.security_context.privileged=true)\n")
	if err != nil {
		t.Fatal(err)
	}
	p, w, err := filter.Compile(n, env)
	if err != nil {
		t.Fatal(err, w)
	}
	o, err := filter.ParseOutput("Privileged container spawned (user=%user.name command=%proc.cmdline %container.info)", LaunchSource{}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"create", "start"} {
		l, _ := NewLaunchEvent(privilegedEvent(t, action))
		if !p.Eval(l) {
			t.Errorf("%s: seed rule did not fire", action)
		}
		t.Logf("%s: %s", action, o.Render(l, nil))
	}
	doc := loadJSON[struct{}](t, "container_privileged.json")
	_ = doc
	for _, rc := range loadRuleCases(t) {
		ev := rc.event()
		l, ok := NewLaunchEvent(ev)
		if !ok {
			continue
		}
		fired := p.Eval(l)
		want := false
		for _, f := range rc.Fires {
			if f == "Launch Privileged Container (Docker)" {
				want = true
			}
		}
		if fired != want {
			t.Errorf("case %q: seed fired %v, want %v", rc.Name, fired, want)
		}
	}
}
