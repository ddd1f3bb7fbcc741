package docker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// extractAll extracts every field, with a key and an index argument for
// those that take one.
func extractAll(ev *Event, key string) {
	buf := make([]fields.Value, 0, 8)
	for id, f := range fieldTable {
		refs := []fields.Ref{{ID: id}}
		if f.Arg != fields.NoArg {
			refs = append(refs, fields.Ref{ID: id, Arg: key, HasArg: true}, fields.Ref{ID: id, Arg: "1", HasArg: true, Index: 1, HasIndex: true})
		}
		for _, r := range refs {
			buf, _ = ev.Extract(r, buf[:0])
		}
	}
}

// FuzzInspectDocument renders arbitrary inspect documents and events and
// extracts every field: no panic, whatever the engine (or an attacker
// between it and us) sends.
func FuzzInspectDocument(f *testing.F) {
	for _, name := range []string{"container_privileged.json", "watchtower_container_running.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "exec_start: /bin/sh -c id", "/var/run/*")
	}
	f.Add([]byte(`{"Id":"x","Mounts":[{"Source":"/","Destination":"/host"}],"State":{"StartedAt":"bogus"}}`), "health_status: ", "[")
	f.Add([]byte(`{"HostConfig":null,"Config":null,"NetworkSettings":{"Networks":{"a":null}}}`), ": ", "\\")
	f.Fuzz(func(t *testing.T, doc []byte, action, key string) {
		var in ctypes.InspectResponse
		if err := json.Unmarshal(doc, &in); err != nil {
			return
		}
		c := NewContainer(&in, nil)
		msg := events.Message{Type: "container", Action: events.Action(action), Actor: events.Actor{ID: in.ID, Attributes: map[string]string{"name": key}}}
		extractAll(NewEvent(msg, c), key)
		extractAll(NewEvent(msg, nil), key)
	})
}
