package docker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"gopkg.in/yaml.v3"
)

// ruleCase is one case of testdata/rules_cases.yaml.
type ruleCase struct {
	Name      string `yaml:"name"`
	Action    string `yaml:"action"`
	Inspected *bool  `yaml:"inspected"`
	Container struct {
		Privileged  bool     `yaml:"privileged"`
		CapAdd      []string `yaml:"cap_add"`
		CapDrop     []string `yaml:"cap_drop"`
		SecurityOpt []string `yaml:"security_opt"`
		Mounts      []string `yaml:"mounts"`
		PidMode     string   `yaml:"pid_mode"`
		NetworkMode string   `yaml:"network_mode"`
		IpcMode     string   `yaml:"ipc_mode"`
		UsernsMode  string   `yaml:"userns_mode"`
	} `yaml:"container"`
	Fires    []string `yaml:"fires"`
	NearMiss []string `yaml:"near_miss"`
}

// event builds the case's event, enriched as the follower would.
func (rc *ruleCase) event() *Event {
	const id = "4f1c0ffee0000000000000000000000000000000000000000000000000000001"
	msg := events.Message{Type: events.ContainerEventType, Action: events.Action(rc.Action), TimeNano: 1,
		Actor: events.Actor{ID: id, Attributes: map[string]string{"name": "case", "image": "example/app:1"}}}
	if rc.Inspected != nil && !*rc.Inspected {
		return NewEvent(msg, nil)
	}
	s := rc.Container
	doc := &ctypes.InspectResponse{
		ID: id, Name: "/case", Path: "/app",
		Config: &ctypes.Config{Image: "example/app:1"},
		HostConfig: &ctypes.HostConfig{
			Privileged: s.Privileged, CapAdd: s.CapAdd, CapDrop: s.CapDrop, SecurityOpt: s.SecurityOpt,
			PidMode: ctypes.PidMode(s.PidMode), NetworkMode: ctypes.NetworkMode(s.NetworkMode),
			IpcMode: ctypes.IpcMode(s.IpcMode), UsernsMode: ctypes.UsernsMode(s.UsernsMode),
		},
	}
	for _, m := range s.Mounts {
		parts := strings.SplitN(m, ":", 3)
		mp := ctypes.MountPoint{Type: "bind", Source: parts[0], Destination: parts[1], RW: true}
		if len(parts) == 3 {
			mp.Mode, mp.RW = parts[2], !strings.Contains(parts[2], "ro")
		}
		doc.Mounts = append(doc.Mounts, mp)
	}
	return NewEvent(msg, NewContainer(doc, nil))
}

func loadRuleCases(t *testing.T) []ruleCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rules_cases.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []ruleCase
	if err := yaml.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestRuleCasesCoverEveryRule checks the cases name only real rules, and
// that every rule has a case where it fires and one built to just miss.
func TestRuleCasesCoverEveryRule(t *testing.T) {
	var items []rulesItem
	if err := yaml.Unmarshal(DefaultRules(), &items); err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, it := range items {
		if it.Rule != "" {
			rules[it.Rule] = true
		}
	}
	fires, misses := map[string]int{}, map[string]int{}
	for _, rc := range loadRuleCases(t) {
		for _, r := range rc.Fires {
			if !rules[r] {
				t.Errorf("case %q: no rule %q", rc.Name, r)
			}
			fires[r]++
		}
		for _, r := range rc.NearMiss {
			if !rules[r] {
				t.Errorf("case %q: no rule %q", rc.Name, r)
			}
			for _, f := range rc.Fires {
				if f == r {
					t.Errorf("case %q: %q both fires and misses", rc.Name, r)
				}
			}
			misses[r]++
		}
		ev := rc.event()
		if ev.Action() == "" || render(t, ev, "docker.type") != "container" {
			t.Errorf("case %q: bad event", rc.Name)
		}
	}
	for r := range rules {
		if fires[r] == 0 {
			t.Errorf("rule %q has no case where it fires", r)
		}
		if misses[r] == 0 {
			t.Errorf("rule %q has no near-miss case", r)
		}
	}
}
