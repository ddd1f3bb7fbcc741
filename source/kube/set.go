package kube

import "iter"

// Set is every Kubernetes manifest of one scan, in the order the files were
// given. Rules that relate objects to each other (a Deployment and the
// PodDisruptionBudget that covers it, a Service and the pods it selects)
// read a Set, so that objects written in different files still meet.
type Set struct {
	Files []*File
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
