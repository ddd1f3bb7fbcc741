// Package container holds the runtime rules: checks of how a container
// runs, written once over the runtime-neutral container.Spec so that each
// fires on every source (docker run lines, Compose services, docker
// inspect output, containers on a live engine) and points at the source's
// own line. Each family of rules is built by a function in a file named
// for it; Rules returns them all.
//
// Rules about a value point at the value. Rules about a missing setting
// point at the container as a whole and stay silent when the spec is
// Partial (the source may hide the setting). Unknown values never fire.
package container

import (
	"fmt"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// Tags shared by the rules, naming the practices of the seed article.
const (
	tagLeastPrivilege = "seed:runtime-least-privilege"
	tagResources      = "seed:resource-limits"
	tagNetwork        = "seed:network-isolation"
	tagSecrets        = "seed:secrets-as-files"
)

// Rules returns every runtime rule, newly built.
func Rules() []*rule.Rule {
	var out []*rule.Rule
	for _, fam := range families() {
		out = append(out, fam()...)
	}
	for _, r := range out {
		if pssCovers(r.ID) {
			r.Check = skipKube(r.Check)
		}
		if remedy, ok := kubeRemedies[r.ID]; ok {
			r.Check = forKube(r.Check, remedy)
		}
	}
	return out
}

// pssCovers reports whether the Kubernetes Pod Security rules (rules/kube)
// check the same field as rule id: on Kubernetes containers such a rule
// stays silent, so each field is reported once, by the rule that cites
// the Pod Security Standard.
func pssCovers(id string) bool {
	switch id {
	case "RC001", // privileged: KS001
		"RC003",          // dangerous capability added: KS004
		"RC004",          // capabilities not dropped: KS017
		"RC005", "RC006", // root or no user: KS014, KS015
		"RC008",                   // no-new-privileges: KS013
		"RC009",                   // seccomp unconfined: KS011
		"RC010",                   // AppArmor unconfined: KS008
		"RC011",                   // SELinux: KS009
		"RC012",                   // unmasked paths (procMount): KS010
		"RC013", "RC014", "RC015": // host network, PID, IPC: KS002
		return true
	}
	return false
}

// skipKube wraps a check so that it does not see Kubernetes containers.
func skipKube(check func(*rule.Pass) error) func(*rule.Pass) error {
	return func(p *rule.Pass) error {
		f, ok := p.Target.(*ct.File)
		if !ok {
			return check(p)
		}
		kept := *f
		kept.Specs = nil
		for _, s := range f.Specs {
			if s.Source != ct.SourceKube {
				kept.Specs = append(kept.Specs, s)
			}
		}
		if len(kept.Specs) == 0 && len(f.Specs) > 0 {
			return nil
		}
		p.Target = &kept
		defer func() { p.Target = f }()
		return check(p)
	}
}

// families lists the functions that build each family of rules.
func families() []func() []*rule.Rule {
	return []func() []*rule.Rule{
		privilegeRules, // privilege.go: privileged, capabilities, user, read-only root, no-new-privileges (RC001-RC008)
		confineRules,   // confine.go: seccomp, AppArmor, SELinux, masked paths (RC009-RC012)
		namespaceRules, // namespaces.go: host namespaces, default bridge (RC013-RC019)
		mountRules,     // mounts.go: engine sockets, sensitive host paths, propagation, devices (RC020-RC025)
		resourceRules,  // resources.go: memory, swap, CPU, PIDs (RC026-RC029)
		exposureRules,  // exposure.go: ports, restart, cgroup parent, health check (RC030-RC034)
		contentRules,   // content.go: image tags, credentials in the environment (RC035-RC036)
		registryRules,  // registry.go: untrusted and frozen registries (RC037-RC038)
	}
}

// each adapts a check of one container spec to rule.Rule's signature: it
// runs fn on every spec of the file.
func each(fn func(p *rule.Pass, s *ct.Spec)) func(*rule.Pass) error {
	return eachInFile(func(p *rule.Pass, _ *ct.File, s *ct.Spec) { fn(p, s) })
}

// eachInFile is each for checks that also read the file (the engine's
// settings).
func eachInFile(fn func(p *rule.Pass, f *ct.File, s *ct.Spec)) func(*rule.Pass) error {
	return func(p *rule.Pass) error {
		f, ok := p.Target.(*ct.File)
		if !ok {
			return fmt.Errorf("target is %T, not a container file", p.Target)
		}
		for _, s := range f.Specs {
			if s != nil {
				fn(p, f, s)
			}
		}
		return nil
	}
}

// missing reports a setting the spec lacks, at the container, unless the
// spec is partial: the setting may be among what the source hides.
func missing(p *rule.Pass, s *ct.Spec, format string, args ...any) {
	if s.Partial {
		return
	}
	p.Reportf(s.Loc, format, args...)
}

// absent reports a setting that is not in force: at the first of locs
// that is written down (inspect output lists zero values, a command line
// may say "--memory 0"), else at the container unless the spec is
// partial.
func absent(p *rule.Pass, s *ct.Spec, locs []setting, format string, args ...any) {
	for _, l := range locs {
		if l.set {
			p.Reportf(l.loc, format, args...)
			return
		}
	}
	missing(p, s, format, args...)
}

// setting is where a setting is written, if it is.
type setting struct {
	set bool
	loc finding.Location
}

func intAt(n ct.Int) setting   { return setting{n.Set, n.Loc} }
func strAt(v ct.Str) setting   { return setting{v.Set, v.Loc} }
func boolAt(b ct.Bool) setting { return setting{b.Set, b.Loc} }
