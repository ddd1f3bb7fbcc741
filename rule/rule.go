// Package rule defines a Rule once (identity, documentation, check and
// optional fix), the Pass handed to its check, and the Registry that holds
// every rule.
package rule

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
)

// Kind names the kind of target a rule examines.
type Kind string

// Target kinds. A Dockerfile rule gets a *dockerfile.File; Container and
// Compose rules get a *container.File (Compose rules only for Compose
// files); Daemon rules get a *container.File whose Daemon is set; Kube
// rules get a *kube.File (Kubernetes manifests, whose workload containers
// Container rules also see, as a *container.File); KubeSet rules get a
// *kube.Set, every manifest of a scan at once, for checks that relate
// objects to each other (a Deployment and its PodDisruptionBudget, a
// Service and the pods it selects). Image rules get an *image.Facts: a
// container image's config, history and what the layer walk noted about
// its files (special modes, well-known programs, secrets).
const (
	Dockerfile Kind = "dockerfile"
	Container  Kind = "container"
	Compose    Kind = "compose"
	Daemon     Kind = "daemon"
	Kube       Kind = "kube"
	KubeSet    Kind = "kube-set"
	Image      Kind = "image"
)

// Rule is a check defined once: everything the registry, the docs, the
// reports and suppression need hangs off this value.
type Rule struct {
	// ID is stable and used in suppressions and reports (e.g. "DF001").
	ID string
	// Slug is a readable alias accepted wherever the ID is (e.g. "from-latest").
	Slug string
	// Title is a short statement of the weakness.
	Title string
	// Severity is the default severity.
	Severity finding.Severity
	// Kind is the target kind the check accepts.
	Kind Kind
	// Tags name the references the rule implements, such as
	// "cis-docker:4.1" or "seed:secure-image-build".
	Tags []string
	// Peers are the equivalent checks of other tools, as "tool:ID"
	// (for example "hadolint:DL3007", "trivy:DS-0001").
	Peers []string
	// Why explains why the weakness matters.
	Why string
	// Bad and Good are short examples of input that fires and that does not.
	Bad, Good string
	// Remediation is one or two sentences telling the user what to do.
	Remediation string
	// Fixable says the check attaches mechanical fixes to its findings.
	Fixable bool
	// Check examines the target in the pass and reports findings. An error
	// means the rule could not run, never that it found something.
	Check func(*Pass) error
}

// Settings are the user's inputs that some rules read (from the config
// file and flags). The zero value is the default.
type Settings struct {
	// TrustedRegistries lists the registries base images may come from, as
	// host globs ("docker.io", "*.gcr.io"). Empty means no restriction.
	TrustedRegistries []string
	// KubeVersion is the Kubernetes version manifests are judged for, as
	// "v1.30" (checked by the command line); "" means the newest Bulwark
	// knows. Pod Security Standards checks, deprecated-API checks and Helm
	// renders read it.
	KubeVersion string
}

// Pass carries one target to one rule's check.
type Pass struct {
	Rule     *Rule
	Target   any
	Settings Settings
	report   func(finding.Finding)
}

// NewPass returns a pass that hands every finding to report.
func NewPass(r *Rule, target any, report func(finding.Finding)) *Pass {
	return &Pass{Rule: r, Target: target, report: report}
}

// Report records a finding of the pass's rule at loc. The rule's ID,
// title, severity and remediation are filled in.
func (p *Pass) Report(loc finding.Location, message string, fixes ...finding.Fix) {
	p.report(finding.Finding{
		RuleID:      p.Rule.ID,
		Title:       p.Rule.Title,
		Severity:    p.Rule.Severity,
		Message:     message,
		Remediation: p.Rule.Remediation,
		Location:    loc,
		Fixes:       fixes,
	})
}

// Reportf is Report with a formatted message.
func (p *Pass) Reportf(loc finding.Location, format string, args ...any) {
	p.Report(loc, fmt.Sprintf(format, args...))
}

// PeerIDs returns the bare IDs of the rule's peers ("DL3007" for
// "hadolint:DL3007").
func (r *Rule) PeerIDs() []string {
	out := make([]string, 0, len(r.Peers))
	for _, p := range r.Peers {
		_, id, _ := strings.Cut(p, ":")
		out = append(out, id)
	}
	return out
}

var (
	idPattern   = regexp.MustCompile(`^[A-Z]{2,4}[0-9]{3}$`)
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	peerPattern = regexp.MustCompile(`^(hadolint|trivy|buildkit|cis-docker|kube-linter|polaris|kube-score|kubescape|pss|falco|checkov|rbac-police|kubiscan):[A-Za-z0-9.\-_]+$`)
)

// Validate reports the first problem with the rule's definition.
func (r *Rule) Validate() error {
	switch {
	case !idPattern.MatchString(r.ID):
		return fmt.Errorf("rule %q: ID must look like DF001", r.ID)
	case !slugPattern.MatchString(r.Slug):
		return fmt.Errorf("rule %s: slug %q must be lower-case words joined by '-'", r.ID, r.Slug)
	case r.Title == "":
		return fmt.Errorf("rule %s: missing title", r.ID)
	case r.Severity < finding.Info || r.Severity > finding.Critical:
		return fmt.Errorf("rule %s: invalid severity", r.ID)
	case r.Kind == "":
		return fmt.Errorf("rule %s: missing kind", r.ID)
	case r.Why == "" || r.Bad == "" || r.Good == "":
		return fmt.Errorf("rule %s: docs need why, a bad and a good example", r.ID)
	case r.Remediation == "" || !strings.HasSuffix(r.Remediation, "."):
		return fmt.Errorf("rule %s: remediation must be a sentence ending with a period", r.ID)
	case r.Check == nil:
		return fmt.Errorf("rule %s: missing check", r.ID)
	}
	for _, p := range r.Peers {
		if !peerPattern.MatchString(p) {
			return fmt.Errorf("rule %s: peer %q must be tool:ID", r.ID, p)
		}
	}
	return nil
}

// Registry holds rules by ID and slug. It is built once and not changed.
type Registry struct {
	rules  []*Rule
	byName map[string]*Rule
	byPeer map[string][]*Rule
}

// NewRegistry validates the rules and indexes them. IDs and slugs must be
// unique.
func NewRegistry(rules ...*Rule) (*Registry, error) {
	reg := &Registry{byName: map[string]*Rule{}, byPeer: map[string][]*Rule{}}
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		for _, name := range []string{r.ID, r.Slug} {
			if _, dup := reg.byName[name]; dup {
				return nil, fmt.Errorf("duplicate rule name %q", name)
			}
			reg.byName[name] = r
		}
		for _, id := range r.PeerIDs() {
			for _, alias := range PeerAliases(id) {
				key := strings.ToUpper(alias)
				if !slices.Contains(reg.byPeer[key], r) {
					reg.byPeer[key] = append(reg.byPeer[key], r)
				}
			}
		}
		reg.rules = append(reg.rules, r)
	}
	sort.Slice(reg.rules, func(i, j int) bool { return reg.rules[i].ID < reg.rules[j].ID })
	return reg, nil
}

// All returns the rules ordered by ID.
func (reg *Registry) All() []*Rule { return append([]*Rule(nil), reg.rules...) }

// Lookup finds a rule by its own ID or slug, case-insensitively.
func (reg *Registry) Lookup(name string) (*Rule, bool) {
	if r, ok := reg.byName[name]; ok {
		return r, true
	}
	if r, ok := reg.byName[strings.ToUpper(name)]; ok {
		return r, true
	}
	r, ok := reg.byName[strings.ToLower(name)]
	return r, ok
}

// ByPeer returns the rules that correspond to a peer tool's check ID, such
// as hadolint's "DL3008" or Trivy's "DS-0002" (also "DS002" and
// "AVD-DS-0002"), case-insensitively.
func (reg *Registry) ByPeer(id string) []*Rule { return reg.byPeer[strings.ToUpper(id)] }

// Resolve returns the rules a name given by a user means: a rule's own ID
// or slug, or a peer tool's ID. It returns nil for an unknown name.
func (reg *Registry) Resolve(name string) []*Rule {
	if r, ok := reg.Lookup(name); ok {
		return []*Rule{r}
	}
	return reg.ByPeer(name)
}

var trivyIDRe = regexp.MustCompile(`^([A-Z]+)-0*([0-9]+)$`)

// PeerAliases returns the forms a peer ID is written in: Trivy's DS-0002
// is also AVD-DS-0002 and DS002.
func PeerAliases(id string) []string {
	out := []string{id}
	if m := trivyIDRe.FindStringSubmatch(id); m != nil {
		n, _ := strconv.Atoi(m[2])
		out = append(out, "AVD-"+id, fmt.Sprintf("%s%03d", m[1], n))
	}
	return out
}

// ForKind returns the rules that examine targets of kind k.
func (reg *Registry) ForKind(k Kind) []*Rule {
	var out []*Rule
	for _, r := range reg.rules {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}
