package rbac

import (
	"cmp"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
)

// Subject is who a binding grants rights to: a User, a Group or a
// ServiceAccount (Kind is rbacv1.UserKind, GroupKind or
// ServiceAccountKind). Namespace is set for service accounts only.
type Subject struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// User returns the user subject of that name.
func User(name string) Subject { return Subject{Kind: rbacv1.UserKind, Name: name} }

// Group returns the group subject of that name.
func Group(name string) Subject { return Subject{Kind: rbacv1.GroupKind, Name: name} }

// ServiceAccount returns the subject of a service account.
func ServiceAccount(namespace, name string) Subject {
	return Subject{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: namespace}
}

// String names the subject: "ServiceAccount shop/web", "User alice",
// "Group system:authenticated".
func (s Subject) String() string {
	if s.Kind == rbacv1.ServiceAccountKind {
		return s.Kind + " " + s.Namespace + "/" + s.Name
	}
	return s.Kind + " " + s.Name
}

// Username returns the name Kubernetes authenticates the subject as:
// system:serviceaccount:NS:NAME for a service account, the name for a
// user, "" for a group.
func (s Subject) Username() string {
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		return serviceaccount.MakeUsername(s.Namespace, s.Name)
	case rbacv1.UserKind:
		return s.Name
	}
	return ""
}

// Groups returns the groups Kubernetes puts the subject in whatever the
// cluster: a service account is in system:serviceaccounts,
// system:serviceaccounts:NS and system:authenticated; a user in
// system:authenticated (system:anonymous in system:unauthenticated). The
// groups an authenticator adds for a person (from a certificate's
// organisation, an OIDC claim) cannot be known from manifests.
func (s Subject) Groups() []string {
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		return append(serviceaccount.MakeGroupNames(s.Namespace), user.AllAuthenticated)
	case rbacv1.UserKind:
		if s.Name == user.Anonymous {
			return []string{user.AllUnauthenticated}
		}
		return []string{user.AllAuthenticated}
	}
	return nil
}

// System reports whether the subject is one of Kubernetes' own identities
// or groups: a name starting with "system:" (system:masters,
// system:nodes, system:kube-controller-manager, system:authenticated...).
// Service accounts are never system subjects here, whatever their
// namespace: they are the identities workloads run as.
func (s Subject) System() bool {
	return s.Kind != rbacv1.ServiceAccountKind && strings.HasPrefix(s.Name, "system:")
}

// Public reports whether the subject stands for everyone, or for everyone
// who can authenticate: system:anonymous, system:unauthenticated and
// system:authenticated.
func (s Subject) Public() bool {
	switch {
	case s.Kind == rbacv1.UserKind:
		return s.Name == user.Anonymous
	case s.Kind == rbacv1.GroupKind:
		return s.Name == user.AllUnauthenticated || s.Name == user.AllAuthenticated
	}
	return false
}

// compareSubjects orders subjects by kind (users, groups, service
// accounts), then namespace and name.
func compareSubjects(a, b Subject) int {
	rank := func(k string) int {
		switch k {
		case rbacv1.UserKind:
			return 0
		case rbacv1.GroupKind:
			return 1
		}
		return 2
	}
	return cmp.Or(cmp.Compare(rank(a.Kind), rank(b.Kind)), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

// subjectOf turns a binding's subject into a Subject: a service account
// without a namespace is in the binding's namespace (as the authorizer
// defaults it), and a User named system:serviceaccount:NS:NAME is that
// service account. ok is false for a subject that matches nobody: an
// unknown kind, an empty name, a service account of a
// ClusterRoleBinding written without a namespace.
func subjectOf(s rbacv1.Subject, bindingNamespace string) (Subject, bool) {
	if s.Name == "" {
		return Subject{}, false
	}
	switch s.Kind {
	case rbacv1.UserKind:
		if ns, name, err := serviceaccount.SplitUsername(s.Name); err == nil {
			return ServiceAccount(ns, name), true
		}
		return User(s.Name), true
	case rbacv1.GroupKind:
		return Group(s.Name), true
	case rbacv1.ServiceAccountKind:
		ns := s.Namespace
		if ns == "" {
			ns = bindingNamespace
		}
		if ns == "" {
			return Subject{}, false
		}
		return ServiceAccount(ns, s.Name), true
	}
	return Subject{}, false
}
