package kube

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodSpecOf returns the pod an object runs: the pod template's metadata
// (for annotations), its spec, and the field path of the spec in the
// object (["spec"] for a Pod, ["spec", "jobTemplate", "spec", "template",
// "spec"] for a CronJob). ok is false for objects that run no pod, and
// for workloads without a template.
func PodSpecOf(o *Object) (meta *metav1.ObjectMeta, spec *corev1.PodSpec, prefix []string, ok bool) {
	tmpl := []string{"spec", "template", "spec"}
	switch t := o.Typed.(type) {
	case *corev1.Pod:
		return &t.ObjectMeta, &t.Spec, []string{"spec"}, true
	case *corev1.PodTemplate:
		return &t.Template.ObjectMeta, &t.Template.Spec, []string{"template", "spec"}, true
	case *corev1.ReplicationController:
		if t.Spec.Template == nil {
			return nil, nil, nil, false
		}
		return &t.Spec.Template.ObjectMeta, &t.Spec.Template.Spec, tmpl, true
	case *appsv1.Deployment:
		return &t.Spec.Template.ObjectMeta, &t.Spec.Template.Spec, tmpl, true
	case *appsv1.StatefulSet:
		return &t.Spec.Template.ObjectMeta, &t.Spec.Template.Spec, tmpl, true
	case *appsv1.DaemonSet:
		return &t.Spec.Template.ObjectMeta, &t.Spec.Template.Spec, tmpl, true
	case *appsv1.ReplicaSet:
		return &t.Spec.Template.ObjectMeta, &t.Spec.Template.Spec, tmpl, true
	case *batchv1.Job:
		return &t.Spec.Template.ObjectMeta, &t.Spec.Template.Spec, tmpl, true
	case *batchv1.CronJob:
		s := &t.Spec.JobTemplate.Spec.Template
		return &s.ObjectMeta, &s.Spec, []string{"spec", "jobTemplate", "spec", "template", "spec"}, true
	}
	return nil, nil, nil, false
}

// TemplateMetaPath returns the field path of the pod template's metadata
// (["metadata"] for a Pod), or nil for objects that run no pod.
func TemplateMetaPath(o *Object) []string {
	_, _, prefix, ok := PodSpecOf(o)
	if !ok {
		return nil
	}
	return append(append([]string(nil), prefix[:len(prefix)-1]...), "metadata")
}

// Container kinds, for Container.Kind.
const (
	Regular   = "container"
	Init      = "init container"
	Ephemeral = "ephemeral container"
)

// Container is one container of a workload.
type Container struct {
	// Kind is Regular, Init or Ephemeral.
	Kind string
	// Index is the container's position in its list.
	Index int
	// Path is the container's field path in the object, such as
	// ["spec", "template", "spec", "initContainers", "0"].
	Path []string
	// Container is the container; an ephemeral container's fields are
	// copied into a corev1.Container (they are the same fields).
	Container *corev1.Container
}

// Name returns the container's name.
func (c Container) Name() string { return c.Container.Name }

// Containers returns the containers of a workload: containers, then
// initContainers, then ephemeralContainers, each with its path.
func Containers(o *Object) []Container {
	_, spec, prefix, ok := PodSpecOf(o)
	if !ok {
		return nil
	}
	var out []Container
	at := func(list string, i int) []string {
		return append(append(append([]string(nil), prefix...), list), strconv.Itoa(i))
	}
	for i := range spec.Containers {
		out = append(out, Container{Kind: Regular, Index: i, Path: at("containers", i), Container: &spec.Containers[i]})
	}
	for i := range spec.InitContainers {
		out = append(out, Container{Kind: Init, Index: i, Path: at("initContainers", i), Container: &spec.InitContainers[i]})
	}
	for i := range spec.EphemeralContainers {
		c := corev1.Container(spec.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, Container{Kind: Ephemeral, Index: i, Path: at("ephemeralContainers", i), Container: &c})
	}
	return out
}

// describe names a container for messages: "Deployment/web container app".
func describe(o *Object, c Container) string {
	name := o.Name
	if name == "" {
		name = fmt.Sprintf("(document %d)", o.Index+1)
	}
	return fmt.Sprintf("%s/%s %s %s", o.Kind, name, c.Kind, c.Name())
}
