// Package rules assembles the built-in rules of every domain into one
// registry.
package rules

import (
	"slices"

	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules/audit"
	"github.com/bulwark-sec/bulwark/rules/compose"
	"github.com/bulwark-sec/bulwark/rules/container"
	"github.com/bulwark-sec/bulwark/rules/daemon"
	"github.com/bulwark-sec/bulwark/rules/dockerfile"
	imagerules "github.com/bulwark-sec/bulwark/rules/image"
	kuberules "github.com/bulwark-sec/bulwark/rules/kube"
	"github.com/bulwark-sec/bulwark/rules/netpol"
	rbacrules "github.com/bulwark-sec/bulwark/rules/rbac"
)

// All returns every built-in rule, newly built.
func All() []*rule.Rule {
	return slices.Concat(dockerfile.Rules(), container.Rules(), compose.Rules(), daemon.Rules(), kuberules.Rules(), netpol.Rules(), rbacrules.Rules(), audit.Rules(), imagerules.Rules())
}

// Registry returns a registry of every built-in rule.
func Registry() (*rule.Registry, error) {
	return rule.NewRegistry(All()...)
}
