package main

import (
	"testing"

	"github.com/moby/moby/api/types/events"

	"github.com/bulwark-sec/bulwark/runtime/docker"
)

// TestLaunchesOnePerRun: `docker run` sends create then start for one
// first process; its launch is raised once (at create, which is all a
// machine that cannot start privileged containers sees), and each later
// start (a restart of the stopped container) is a launch of its own.
func TestLaunchesOnePerRun(t *testing.T) {
	ev := func(id, action string) *docker.Event {
		msg := events.Message{Type: events.ContainerEventType, Action: events.Action(action), Actor: events.Actor{ID: id}}
		return docker.NewEvent(msg, &docker.Container{ID: id[:12], FullID: id, Path: "/bin/sh"})
	}
	a := "aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000"
	b := "bbbbbbbbbbbb0000000000000000000000000000000000000000000000000000"
	steps := []struct {
		ev   *docker.Event
		want bool
	}{
		{ev(a, "create"), true},  // fires: the launch of docker run
		{ev(a, "start"), false},  // must not fire: the same launch
		{ev(a, "die"), false},    // not a launch
		{ev(a, "start"), true},   // fires: docker start of the stopped container
		{ev(b, "start"), true},   // fires: a container created before watch began
		{ev(b, "create"), false}, // (replayed out of order: not possible, but no panic)
		{ev(b, "destroy"), false},
	}
	var l launches
	for i, s := range steps {
		_, got := l.launch(s.ev)
		if i == 5 {
			continue
		}
		if got != s.want {
			t.Errorf("step %d (%s): launch %v, want %v", i, s.ev.Action(), got, s.want)
		}
	}
}
