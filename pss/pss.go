// Package pss evaluates a pod against the Kubernetes Pod Security Standards
// exactly as Pod Security Admission does, for a given Kubernetes minor
// version, and says which fields cause each violation.
//
// The checks are not reimplemented. The verdicts, reasons and details are
// those of k8s.io/pod-security-admission's own check functions, chosen for a
// level and version by its own registry (policy.NewEvaluator over
// policy.DefaultChecks): a pod is allowed here exactly when the admission
// controller's evaluator allows it, at every version the module knows, and
// upgrading the module upgrades the standard. The upstream evaluator's results carry no
// check ID, so the registry is asked through a probe (see engine) which
// versioned check functions it runs; this package runs exactly those, in
// the same order, and keeps the ID of each.
//
// What this package adds is the location: for every failed check the field
// paths that make it fail (locate.go). Where a check judges a value against
// an allow-list, the locator asks the check function itself about each value
// on its own, so the version-specific lists are never copied. The tests
// prove, on hand-written cases, random pods at every version and the
// project's manifest corpus, that the results equal the upstream
// evaluator's and that the paths are complete (repairing them makes the
// check pass) and minimal (leaving any one unrepaired keeps it failing).
//
// Only the module's policy and api packages are imported; they need
// k8s.io/api and k8s.io/apimachinery, plus k8s.io/component-base/version
// (one small package), and nothing of client-go or the API server.
package pss

import (
	"fmt"
	"regexp"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Level is a Pod Security Standards level.
type Level string

// The three levels, from the least to the most strict.
const (
	Privileged Level = "privileged"
	Baseline   Level = "baseline"
	Restricted Level = "restricted"
)

// Latest names the newest policy version; it is the default.
const Latest = "latest"

// ParseLevel returns the level named by s ("privileged", "baseline" or
// "restricted").
func ParseLevel(s string) (Level, error) {
	l, err := api.ParseLevel(s)
	if err != nil {
		return "", fmt.Errorf("pod security level %q: %w", s, err)
	}
	return Level(l), nil
}

var versionPattern = regexp.MustCompile(`^v?1\.(0|[1-9][0-9]*)(\.[0-9]+([-+][0-9A-Za-z.+-]*)?)?$`)

// ParseVersion returns the policy version named by s in the canonical form
// Pod Security Admission uses: "latest" or "v1.N". It accepts "" and
// "latest" for the newest version, and a Kubernetes version with or without
// the leading "v" and with or without a patch part ("v1.30", "1.30",
// "v1.30.2", "1.30.2-gke.100"). Versions newer than the evaluator knows are
// evaluated as the newest it knows, as the admission controller does.
func ParseVersion(s string) (string, error) {
	if s == "" || s == Latest {
		return Latest, nil
	}
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return "", fmt.Errorf("pod security version %q: must be %q or a Kubernetes 1.x version such as v1.30", s, Latest)
	}
	return "v1." + m[1], nil
}

// Violation is one failed check.
type Violation struct {
	// Check is the Pod Security Admission check ID, such as "privileged",
	// "runAsNonRoot" or "capabilities_restricted".
	Check string
	// Level is the level the check belongs to: a restricted evaluation also
	// runs the baseline checks, whose violations carry Baseline.
	Level Level
	// Reason and Detail are the admission controller's own words
	// ("privileged", `container "app" must not set securityContext.privileged=true`).
	Reason string
	Detail string
	// Paths are the fields that cause the violation, each as a list of
	// keys and list indexes relative to the pod spec (["hostNetwork"],
	// ["containers", "0", "securityContext", "privileged"]) or, when it
	// starts with "metadata", relative to the pod's (or pod template's)
	// object metadata (["metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/app"]).
	// A field that is missing but must be set (restricted: runAsNonRoot,
	// allowPrivilegeEscalation, capabilities.drop, seccompProfile.type) is
	// named by the path where it should be set; a reader locates it at its
	// nearest existing ancestor. Paths the detail names come first. Every
	// violation has at least one path.
	Paths [][]string
}

// Evaluate runs the checks of level at the policy version and returns the
// failed ones in the admission controller's order (baseline checks first,
// then restricted, each group by ID). Privileged has no checks. version is
// read by ParseVersion; one it cannot read is evaluated as Latest, as the
// admission controller does with an invalid version label, so callers that
// take the version from a user should validate it with ParseVersion first.
// An unknown level is evaluated as Restricted, the admission controller's
// fallback. meta and spec may be nil.
func Evaluate(meta *metav1.ObjectMeta, spec *corev1.PodSpec, level Level, version string) []Violation {
	return theEngine().evaluate(levelVersion(level, version), meta, spec)
}

// Highest returns the highest level the pod meets at the policy version and
// the violations that keep it from the next level: the baseline violations
// when it meets only Privileged, the restricted evaluation's violations when
// it meets Baseline, and none when it meets Restricted.
func Highest(meta *metav1.ObjectMeta, spec *corev1.PodSpec, version string) (Level, []Violation) {
	e := theEngine()
	restricted := e.evaluate(levelVersion(Restricted, version), meta, spec)
	if len(restricted) == 0 {
		return Restricted, nil
	}
	baseline := e.evaluate(levelVersion(Baseline, version), meta, spec)
	if len(baseline) == 0 {
		return Baseline, restricted
	}
	return Privileged, baseline
}

// Check names one Pod Security Admission check.
type Check struct {
	// ID is the check ID that Violation.Check carries.
	ID string
	// Level is Baseline or Restricted.
	Level Level
}

// Checks returns the checks a restricted evaluation runs at the policy
// version, in the evaluator's order: the baseline checks first, less those
// a restricted check replaces (capabilities_baseline, hostPathVolumes,
// seccompProfile_baseline and procMount, from the versions that replace
// them), then the restricted checks. version is read as by Evaluate.
func Checks(version string) []Check {
	var out []Check
	for _, s := range theEngine().plan(levelVersion(Restricted, version)) {
		out = append(out, Check{ID: string(s.check.ID), Level: Level(s.check.Level)})
	}
	return out
}

func levelVersion(level Level, version string) api.LevelVersion {
	l, err := api.ParseLevel(string(level))
	if err != nil {
		l = api.LevelRestricted
	}
	v := api.LatestVersion()
	if s, err := ParseVersion(version); err == nil {
		if pv, err := api.ParseVersion(s); err == nil {
			v = pv
		}
	}
	return api.LevelVersion{Level: l, Version: v}
}

// engine holds the upstream checks by ID and a probe evaluator: the
// upstream registry built over the same checks, with each versioned check
// function replaced by one that always fails with the check ID as its
// reason and the version index as its detail. Evaluating the probe tells
// which versioned check functions the real evaluator runs for a level and
// version, in its order, with the registry's own version inflation,
// overrides and clamping; the engine then runs exactly those functions.
type engine struct {
	checks map[policy.CheckID]policy.Check
	probe  policy.Evaluator
}

// theEngine is built once and only read afterwards.
var theEngine = sync.OnceValue(func() *engine {
	e, err := newEngine(policy.DefaultChecks())
	if err != nil {
		// The upstream checks are validated by the upstream tests and by
		// this package's tests; failing here is a programming error.
		panic(fmt.Sprintf("pss: building the pod security evaluator: %v", err))
	}
	return e
})

func newEngine(checks []policy.Check) (*engine, error) {
	e := &engine{checks: make(map[policy.CheckID]policy.Check, len(checks))}
	probes := make([]policy.Check, 0, len(checks))
	for _, c := range checks {
		e.checks[c.ID] = c
		p := c
		p.Versions = make([]policy.VersionedCheck, len(c.Versions))
		for i, vc := range c.Versions {
			vc.CheckPod = probeFn(c.ID, i)
			p.Versions[i] = vc
		}
		probes = append(probes, p)
	}
	probe, err := policy.NewEvaluator(probes, nil)
	if err != nil {
		return nil, err
	}
	e.probe = probe
	return e, nil
}

func probeFn(id policy.CheckID, index int) policy.CheckPodFn {
	result := policy.CheckResult{ForbiddenReason: string(id), ForbiddenDetail: strconv.Itoa(index)}
	return func(*metav1.ObjectMeta, *corev1.PodSpec) policy.CheckResult { return result }
}

// step is one versioned check the evaluator runs.
type step struct {
	check policy.Check
	fn    policy.CheckPodFn
}

// plan returns the versioned checks the upstream evaluator runs for lv, in
// its order.
func (e *engine) plan(lv api.LevelVersion) []step {
	results := e.probe.EvaluatePod(lv, &metav1.ObjectMeta{}, &corev1.PodSpec{})
	steps := make([]step, 0, len(results))
	for _, r := range results {
		c, ok := e.checks[policy.CheckID(r.ForbiddenReason)]
		i, err := strconv.Atoi(r.ForbiddenDetail)
		if !ok || err != nil || i < 0 || i >= len(c.Versions) {
			panic(fmt.Sprintf("pss: probe result %q/%q names no check", r.ForbiddenReason, r.ForbiddenDetail))
		}
		steps = append(steps, step{check: c, fn: c.Versions[i].CheckPod})
	}
	return steps
}

func (e *engine) evaluate(lv api.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []Violation {
	if meta == nil {
		meta = &metav1.ObjectMeta{}
	}
	if spec == nil {
		spec = &corev1.PodSpec{}
	}
	var out []Violation
	for _, s := range e.plan(lv) {
		r := s.fn(meta, spec)
		if r.Allowed {
			continue
		}
		reason := r.ForbiddenReason
		if reason == "" {
			reason = policy.UnknownForbiddenReason
		}
		out = append(out, Violation{
			Check:  string(s.check.ID),
			Level:  Level(s.check.Level),
			Reason: reason,
			Detail: r.ForbiddenDetail,
			Paths:  locate(s.check.ID, s.fn, meta, spec),
		})
	}
	return out
}
