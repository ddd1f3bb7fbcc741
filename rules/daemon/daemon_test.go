package daemon_test

import (
	"regexp"
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/daemon"
	"github.com/bulwark-sec/bulwark/source/container"
)

var loc = finding.Location{Path: "docker:///var/run/docker.sock", Object: "daemon"}

// hardened is an engine that no daemon rule reports.
func hardened() *container.Daemon {
	return &container.Daemon{
		Host: "unix:///var/run/docker.sock", Loc: loc,
		UsernsRemap: true, LiveRestore: true, LoggingDriver: "syslog", AuthzPlugins: []string{"opa-docker-authz"},
		ICCOnDefaultBridge: container.Str{Value: "false", Set: true, Loc: finding.Location{Path: loc.Path, Object: "network bridge"}},
		SecurityOptions:    []string{"name=seccomp,profile=default", "name=userns"},
		Rootless:           true,
	}
}

// TestRules runs each rule over engines that must and must not be
// reported, and requires both kinds of case for every rule.
func TestRules(t *testing.T) {
	type tc struct {
		name string
		edit func(d *container.Daemon)
		want string // regexp of the message; "" means no finding
	}
	cases := map[string][]tc{
		"DM001": {
			{"no remap", func(d *container.Daemon) { d.UsernsRemap, d.Rootless = false, false }, "user-namespace remapping is not enabled"},
			{"remapped", func(d *container.Daemon) { d.Rootless = false }, ""},
			{"rootless without remap", func(d *container.Daemon) { d.UsernsRemap = false }, ""},
		},
		"DM002": {
			{"icc on", func(d *container.Daemon) { d.ICCOnDefaultBridge.Value = "true" }, "enable_icc=true"},
			{"icc off", func(d *container.Daemon) {}, ""},
			{"no default bridge", func(d *container.Daemon) { d.ICCOnDefaultBridge = container.Str{} }, ""},
			{"unknown", func(d *container.Daemon) {
				d.ICCOnDefaultBridge = container.Str{Value: "true", Set: true, Unknown: true}
			}, ""},
		},
		"DM003": {
			{"disabled", func(d *container.Daemon) { d.LiveRestore = false }, "live restore is disabled"},
			{"enabled", func(d *container.Daemon) {}, ""},
		},
		"DM004": {
			{"none", func(d *container.Daemon) { d.AuthzPlugins = nil }, "no authorization plugin"},
			{"one", func(d *container.Daemon) {}, ""},
		},
		"DM005": {
			{"experimental", func(d *container.Daemon) { d.Experimental = true }, "experimental"},
			{"stable", func(d *container.Daemon) {}, ""},
		},
		"DM006": {
			{"none", func(d *container.Daemon) { d.LoggingDriver = "none" }, `"none"`},
			{"json-file", func(d *container.Daemon) { d.LoggingDriver = "json-file" }, ""},
			{"unknown", func(d *container.Daemon) { d.LoggingDriver = "" }, ""},
		},
		"DM007": {
			{"json-file", func(d *container.Daemon) { d.LoggingDriver = "json-file" }, `"json-file" keeps container logs on the host`},
			{"local", func(d *container.Daemon) { d.LoggingDriver = "local" }, `"local"`},
			{"syslog", func(d *container.Daemon) {}, ""},
			{"journald", func(d *container.Daemon) { d.LoggingDriver = "journald" }, ""},
			{"none is DM006", func(d *container.Daemon) { d.LoggingDriver = "none" }, ""},
		},
		"DM008": {
			{"unconfined", func(d *container.Daemon) { d.SecurityOptions = []string{"name=seccomp,profile=unconfined"} }, "unconfined"},
			{"default", func(d *container.Daemon) {}, ""},
			{"custom", func(d *container.Daemon) { d.SecurityOptions = []string{"name=seccomp,profile=/etc/docker/sc.json"} }, ""},
			{"no seccomp", func(d *container.Daemon) { d.SecurityOptions = nil }, ""},
		},
		"DM009": {
			{"root", func(d *container.Daemon) { d.Rootless = false }, "runs as root"},
			{"rootless", func(d *container.Daemon) {}, ""},
		},
	}
	reg, err := rule.NewRegistry(daemon.Rules()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reg.All() {
		t.Run(r.ID, func(t *testing.T) {
			if r.Kind != rule.Daemon {
				t.Errorf("%s has kind %s, want daemon", r.ID, r.Kind)
			}
			fires, silent := 0, 0
			for _, c := range cases[r.ID] {
				d := hardened()
				c.edit(d)
				var got []finding.Finding
				pass := rule.NewPass(r, &container.File{Path: loc.Path, Daemon: d}, func(f finding.Finding) { got = append(got, f) })
				if err := r.Check(pass); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if c.want == "" {
					silent++
					for _, f := range got {
						t.Errorf("%s: unexpected finding %q", c.name, f.Message)
					}
					continue
				}
				fires++
				if len(got) != 1 {
					t.Errorf("%s: got %d findings, want 1", c.name, len(got))
					continue
				}
				if !regexp.MustCompile(c.want).MatchString(got[0].Message) {
					t.Errorf("%s: message %q does not match %q", c.name, got[0].Message, c.want)
				}
				if got[0].Location.Path != loc.Path || got[0].Location.Object == "" {
					t.Errorf("%s: finding at %v, want the engine and an object", c.name, got[0].Location)
				}
			}
			if fires == 0 || silent == 0 {
				t.Errorf("%s needs a case that fires and one that must not (have %d and %d)", r.ID, fires, silent)
			}
		})
	}
}

// TestFilesWithoutDaemon: daemon rules ignore files from disk.
func TestFilesWithoutDaemon(t *testing.T) {
	for _, r := range daemon.Rules() {
		pass := rule.NewPass(r, &container.File{Path: "x.json"}, func(f finding.Finding) { t.Errorf("%s fired on a file: %s", r.ID, f.Message) })
		if err := r.Check(pass); err != nil {
			t.Error(err)
		}
	}
	pass := rule.NewPass(daemon.Rules()[0], "not a file", func(finding.Finding) {})
	if err := daemon.Rules()[0].Check(pass); err == nil {
		t.Error("a target of the wrong type must be an error")
	}
}
