package docker

import (
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/runtime/filter"
)

func TestScratchEvalCases(t *testing.T) {
	var items []rulesItem
	if err := yaml.Unmarshal(DefaultRules(), &items); err != nil {
		t.Fatal(err)
	}
	macros := map[string]filter.Node{}
	lists := map[string][]string{}
	type crule struct {
		name string
		p    *filter.Program
		out  *filter.Output
	}
	var rules []crule
	env := filter.Env{Source: Source{},
		Macro: func(n string) (filter.Node, bool) { m, ok := macros[n]; return m, ok },
		List:  func(n string) ([]string, bool) { l, ok := lists[n]; return l, ok }}
	for _, it := range items {
		switch {
		case it.List != "":
			lists[it.List] = it.Items
		case it.Macro != "":
			n, err := filter.Parse(it.Condition)
			if err != nil {
				t.Fatalf("macro %s: %v", it.Macro, err)
			}
			macros[it.Macro] = n
		case it.Rule != "":
			n, err := filter.Parse(it.Condition)
			if err != nil {
				t.Fatalf("rule %s: %v", it.Rule, err)
			}
			p, w, err := filter.Compile(n, env)
			if err != nil {
				t.Fatalf("rule %s: %v", it.Rule, err)
			}
			if len(w) > 0 {
				t.Logf("rule %s: warnings %v", it.Rule, w)
			}
			o, err := filter.ParseOutput(strings.TrimSpace(it.Output), Source{}, false)
			if err != nil {
				t.Fatalf("rule %s output: %v", it.Rule, err)
			}
			rules = append(rules, crule{it.Rule, p, o})
		}
	}
	for _, rc := range loadRuleCases(t) {
		ev := rc.event()
		var got []string
		for _, r := range rules {
			if r.p.Eval(ev) {
				got = append(got, r.name)
				t.Logf("%s: %s", rc.Name, r.out.Render(ev, nil))
			}
		}
		want := append([]string(nil), rc.Fires...)
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("case %q: fired %v, want %v", rc.Name, got, want)
		}
	}
}
