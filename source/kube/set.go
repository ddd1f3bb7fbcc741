package kube

import (
	"iter"
	"sync"
)

// Set is every Kubernetes manifest of one scan, in the order the files were
// given. Rules that relate objects to each other (a Deployment and the
// PodDisruptionBudget that covers it, a Service and the pods it selects)
// read a Set, so that objects written in different files still meet.
type Set struct {
	Files []*File

	mu   sync.Mutex
	memo map[any]any
}

// Objects yields every object of every file of the set, in order.
func (s *Set) Objects() iter.Seq[*Object] {
	return func(yield func(*Object) bool) {
		if s == nil {
			return
		}
		for _, f := range s.Files {
			if f == nil {
				continue
			}
			for _, o := range f.Objects {
				if !yield(o) {
					return
				}
			}
		}
	}
}

// Memo returns what build derives from the set, building it once for each
// key: the rules over a set share one RBAC graph or NetworkPolicy model
// instead of each building its own. Keys are compared as map keys; use an
// unexported type of the calling package so that packages never collide.
// The value must not be changed by those who share it. build must not call
// Memo on the same set.
func (s *Set) Memo(key any, build func() any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.memo[key]; ok {
		return v
	}
	if s.memo == nil {
		s.memo = map[any]any{}
	}
	v := build()
	s.memo[key] = v
	return v
}

// SetOf returns the manifests a rule's target holds as a set: the set
// itself for a *Set (a KubeSet rule's target), a set of one for a *File.
// ok is false for any other target.
func SetOf(target any) (set *Set, ok bool) {
	switch t := target.(type) {
	case *Set:
		return t, t != nil
	case *File:
		return &Set{Files: []*File{t}}, true
	}
	return nil, false
}
