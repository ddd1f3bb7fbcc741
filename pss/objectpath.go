package pss

import "slices"

// podPrefixes maps each workload kind to the path of its pod (or pod
// template) from the object's root: the spec and the metadata paths of
// Violation.Paths are relative to it.
var podPrefixes = map[string][]string{
	"Pod":                   nil,
	"PodTemplate":           {"template"},
	"ReplicationController": {"spec", "template"},
	"ReplicaSet":            {"spec", "template"},
	"Deployment":            {"spec", "template"},
	"StatefulSet":           {"spec", "template"},
	"DaemonSet":             {"spec", "template"},
	"Job":                   {"spec", "template"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template"},
}

// ObjectPath turns a path of Violation.Paths into a path from the root of
// an object of the given workload kind (Pod, PodTemplate, Deployment,
// StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
// CronJob): ["containers", "0"] of a Deployment is
// ["spec", "template", "spec", "containers", "0"], and
// ["metadata", "annotations", "k"] of a CronJob is
// ["spec", "jobTemplate", "spec", "template", "metadata", "annotations", "k"].
// ok is false for any other kind.
func ObjectPath(kind string, p []string) (path []string, ok bool) {
	prefix, ok := podPrefixes[kind]
	if !ok {
		return nil, false
	}
	path = slices.Clone(prefix)
	if len(p) == 0 || p[0] != "metadata" {
		path = append(path, "spec")
	}
	return append(path, p...), true
}
