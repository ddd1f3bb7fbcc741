package container_test

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/container"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// at is a location inside a docker inspect document.
func at(object string) finding.Location {
	return finding.Location{Path: "inspect.json", Start: finding.Position{Line: 1, Column: 1}, Object: object}
}

// inspected is a container as docker inspect shows one with no hardening:
// every field written down with its zero value.
func inspected() *ct.Spec {
	return &ct.Spec{
		Name: "web", Source: ct.SourceInspect, Loc: at("$[0]"),
		Image:          ct.Str{Value: "nginx:1.27", Set: true, Loc: at("$[0].Config.Image")},
		User:           ct.Str{Value: "", Set: true, Loc: at("$[0].Config.User")},
		ReadOnlyRootfs: ct.Bool{Value: false, Set: true, Loc: at("$[0].HostConfig.ReadonlyRootfs")},
		Memory:         ct.Int{Value: 0, Set: true, Loc: at("$[0].HostConfig.Memory")},
		MemorySwap:     ct.Int{Value: 0, Set: true, Loc: at("$[0].HostConfig.MemorySwap")},
		NanoCPUs:       ct.Int{Value: 0, Set: true, Loc: at("$[0].HostConfig.NanoCpus")},
		CPUQuota:       ct.Int{Value: 0, Set: true, Loc: at("$[0].HostConfig.CpuQuota")},
		PidsLimit:      ct.Int{Value: 0, Set: true, Loc: at("$[0].HostConfig.PidsLimit")},
		NetworkMode:    ct.Str{Value: "default", Set: true, Loc: at("$[0].HostConfig.NetworkMode")},
		Ports: []ct.Port{
			{HostIP: "0.0.0.0", HostPort: "8080", ContainerPort: "80", Protocol: "tcp", Loc: at("$[0].NetworkSettings.Ports.80/tcp[0]")},
			{HostIP: "::", HostPort: "8080", ContainerPort: "80", Protocol: "tcp", Loc: at("$[0].NetworkSettings.Ports.80/tcp[1]")},
		},
	}
}

// TestSourcesOtherThanScripts checks the rules on specs shaped as the
// inspect, engine and Compose sources make them: zero values written
// down, an empty user meaning root, Compose's own networks.
func TestSourcesOtherThanScripts(t *testing.T) {
	engine := inspected()
	engine.Source = ct.SourceEngine
	partial := inspected()
	partial.Partial = true
	compose := &ct.Spec{Name: "web", Source: ct.SourceCompose, Loc: at("services.web"),
		Image: ct.Str{Value: "nginx:1.27", Set: true, Loc: at("services.web.image")}}
	composeBridge := &ct.Spec{Name: "web", Source: ct.SourceCompose, Loc: at("services.web"),
		NetworkMode: ct.Str{Value: "bridge", Set: true, Loc: at("services.web.network_mode")}}
	limited := inspected()
	limited.Memory.Value, limited.MemorySwap.Value = 512<<20, 1024<<20
	noICC := &ct.File{Path: "docker://local", Specs: []*ct.Spec{engine}, Daemon: &ct.Daemon{ICCOnDefaultBridge: ct.Str{Value: "false", Set: true}}}
	file := func(s ...*ct.Spec) *ct.File { return &ct.File{Path: "x", Specs: s} }

	for _, tc := range []struct {
		name string
		id   string
		file *ct.File
		// want lists "object: message substring" for each finding, in order.
		want []string
	}{
		{"inspect empty user is root", "RC005", file(inspected()), []string{"$[0].Config.User: runs as root: neither the image nor the container names a user"}},
		{"engine empty user is root", "RC005", file(engine), []string{"$[0].Config.User: runs as root"}},
		{"inspect user is not RC006's", "RC006", file(inspected()), nil},
		{"compose without user", "RC006", file(compose), []string{"services.web: names no user"}},
		{"compose without user is not root", "RC005", file(compose), nil},
		{"readonly false written down", "RC007", file(inspected()), []string{"$[0].HostConfig.ReadonlyRootfs: root file system is writable"}},
		{"memory 0 written down", "RC026", file(inspected()), []string{"$[0].HostConfig.Memory: has no memory limit"}},
		{"zero values are known even when partial", "RC026", file(partial), []string{"$[0].HostConfig.Memory: has no memory limit"}},
		{"swap twice the memory", "RC027", file(limited), []string{"$[0].HostConfig.MemorySwap: may use 512m of swap beyond its 512m memory limit"}},
		{"cpu zero values", "RC028", file(inspected()), []string{"$[0].HostConfig.NanoCpus: has no CPU limit"}},
		{"pids 0 written down", "RC029", file(inspected()), []string{"$[0].HostConfig.PidsLimit: has no PIDs limit (0 means unlimited)"}},
		{"default network mode", "RC019", file(inspected()), []string{"$[0].HostConfig.NetworkMode: joins Docker's default bridge network (default)"}},
		{"engine without inter-container communication", "RC019", noICC, nil},
		{"compose project network", "RC019", file(compose), nil},
		{"compose on the default bridge", "RC019", file(composeBridge), []string{"services.web.network_mode: joins Docker's default bridge network (bridge)"}},
		{"IPv4 and IPv6 bindings of one port", "RC031", file(inspected()), []string{"$[0].NetworkSettings.Ports.80/tcp[0]: publishes host port 8080 on every host interface"}},
		{"no capabilities dropped", "RC004", file(inspected()), []string{"$[0]: does not drop capabilities"}},
		{"partial spec: missing settings are not reported", "RC004", file(partial), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleByID(t, tc.id)
			var got []string
			pass := rule.NewPass(r, tc.file, func(f finding.Finding) { got = append(got, f.Location.Object+": "+f.Message) })
			if err := r.Check(pass); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%s: got %q, want %d findings %q", tc.id, got, len(tc.want), tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("%s finding %d = %q, want prefix %q", tc.id, i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestWrongTarget checks that a rule handed something other than a
// container file says so instead of panicking.
func TestWrongTarget(t *testing.T) {
	r := ruleByID(t, "RC001")
	if err := r.Check(rule.NewPass(r, "not a file", func(finding.Finding) {})); err == nil {
		t.Fatal("want an error for a wrong target")
	}
}

func ruleByID(t *testing.T, id string) *rule.Rule {
	t.Helper()
	for _, r := range container.Rules() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return nil
}
