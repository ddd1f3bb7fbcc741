package pss

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// upstream is Kubernetes' own evaluator, the definition this package must
// agree with.
func upstream(t testing.TB) policy.Evaluator {
	t.Helper()
	e, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatalf("policy.NewEvaluator: %v", err)
	}
	return e
}

// checkAgainst evaluates the pod with both this package and the upstream
// evaluator at level and version, and fails t unless the failed results are
// the same, in the same order, with the same reasons and details. It then
// checks every violation's paths (checkPaths) and returns the violations.
func checkAgainst(t testing.TB, up policy.Evaluator, name string, meta *metav1.ObjectMeta, spec *corev1.PodSpec, level Level, version string) []Violation {
	t.Helper()
	lv := levelVersion(level, version)
	var want []policy.CheckResult
	for _, r := range up.EvaluatePod(lv, meta, spec) {
		if !r.Allowed {
			want = append(want, r)
		}
	}
	got := Evaluate(meta, spec, level, version)
	if len(got) != len(want) {
		t.Errorf("%s at %s: %d violations, upstream %d:\n got %s\nwant %s", name, lv, len(got), len(want), reasons(got), upstreamReasons(want))
		return got
	}
	for i, v := range got {
		if v.Reason != want[i].ForbiddenReason || v.Detail != want[i].ForbiddenDetail {
			t.Errorf("%s at %s: violation %d is %s: %q (%q), upstream %q (%q)", name, lv, i, v.Check, v.Reason, v.Detail, want[i].ForbiddenReason, want[i].ForbiddenDetail)
		}
	}
	checkPaths(t, name, lv, meta, spec, got)
	return got
}

func reasons(vs []Violation) string {
	var s []string
	for _, v := range vs {
		s = append(s, v.Check+": "+v.Detail)
	}
	return fmt.Sprint(s)
}

func upstreamReasons(rs []policy.CheckResult) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.ForbiddenReason+": "+r.ForbiddenDetail)
	}
	return fmt.Sprint(s)
}

// missingOK reports whether a path may name a field that is not there: the
// fields the restricted level requires to be set.
func missingOK(p []string) bool {
	if len(p) == 0 {
		return false
	}
	switch last := p[len(p)-1]; last {
	case "allowPrivilegeEscalation", "runAsNonRoot", "drop":
		return true
	case "type":
		return len(p) >= 2 && p[len(p)-2] == "seccompProfile"
	}
	return false
}

// checkPaths proves the paths of every violation:
//   - there is at least one, and none is empty;
//   - each names a field that exists in the pod, or a required field that
//     is missing (missingOK) under a container or pod that exists;
//   - repairing every path (repair) makes the violation's own versioned
//     check function pass: the paths cover every cause;
//   - repairing every path but one leaves it failing: each path is needed.
func checkPaths(t testing.TB, name string, lv api.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec, vs []Violation) {
	t.Helper()
	if len(vs) == 0 {
		return
	}
	fns := map[string]policy.CheckPodFn{}
	for _, s := range theEngine().plan(lv) {
		fns[string(s.check.ID)] = s.fn
	}
	doc := toDoc(t, meta, spec)
	for _, v := range vs {
		if len(v.Paths) == 0 {
			t.Errorf("%s at %s: %s has no path", name, lv, v.Check)
			continue
		}
		for _, p := range v.Paths {
			if len(p) == 0 {
				t.Errorf("%s at %s: %s has the empty path", name, lv, v.Check)
				continue
			}
			if _, ok := lookup(doc, p); ok {
				continue
			}
			if !missingOK(p) {
				t.Errorf("%s at %s: %s path %q is not in the pod", name, lv, v.Check, p)
				continue
			}
			owner := p[:max(0, slices.Index(p, "securityContext"))]
			if _, ok := lookup(doc, owner); !ok && len(owner) > 0 {
				t.Errorf("%s at %s: %s path %q: %q is not in the pod", name, lv, v.Check, p, owner)
			}
		}
		fn := fns[v.Check]
		if m, s := repaired(t, doc, v.Paths); !fn(m, s).Allowed {
			t.Errorf("%s at %s: %s still fails with its paths %q repaired: %s", name, lv, v.Check, v.Paths, fn(m, s).ForbiddenDetail)
		}
		if len(v.Paths) < 2 {
			continue
		}
		for i := range v.Paths {
			rest := slices.Delete(slices.Clone(v.Paths), i, i+1)
			if m, s := repaired(t, doc, rest); fn(m, s).Allowed {
				t.Errorf("%s at %s: %s passes without repairing %q of %q", name, lv, v.Check, v.Paths[i], v.Paths)
			}
		}
	}
}

// toDoc returns the pod as generic JSON: {"metadata": ..., "spec": ...}.
func toDoc(t testing.TB, meta *metav1.ObjectMeta, spec *corev1.PodSpec) map[string]any {
	t.Helper()
	if meta == nil {
		meta = &metav1.ObjectMeta{}
	}
	if spec == nil {
		spec = &corev1.PodSpec{}
	}
	b, err := json.Marshal(struct {
		Metadata *metav1.ObjectMeta `json:"metadata"`
		Spec     *corev1.PodSpec    `json:"spec"`
	}{meta, spec})
	if err != nil {
		t.Fatalf("marshal pod: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("unmarshal pod: %v", err)
	}
	return doc
}

// docPath turns a violation path into a path in the doc.
func docPath(p []string) []string {
	if len(p) > 0 && p[0] == "metadata" {
		return p
	}
	return append([]string{"spec"}, p...)
}

func lookup(doc map[string]any, p []string) (any, bool) {
	return lookupDoc(doc, docPath(p))
}

// lookupDoc walks a path in the doc itself.
func lookupDoc(doc map[string]any, p []string) (any, bool) {
	var cur any = doc
	for _, k := range p {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[k]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// removed marks a list element to drop once every repair is applied, so
// that list indexes stay valid meanwhile.
type removed struct{}

// repaired returns a copy of the pod with each path given its remedy: a
// required field gets its safe value, a list element it names (an added
// capability, a sysctl, a volume) is removed, and any other field is
// deleted.
func repaired(t testing.TB, doc map[string]any, paths [][]string) (*metav1.ObjectMeta, *corev1.PodSpec) {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var cp map[string]any
	if err := json.Unmarshal(b, &cp); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		last := p[len(p)-1]
		parent := ""
		if len(p) >= 2 {
			parent = p[len(p)-2]
		}
		switch {
		case last == "allowPrivilegeEscalation":
			set(cp, p, false)
		case last == "runAsNonRoot":
			set(cp, p, true)
		case last == "drop":
			set(cp, p, []any{"ALL"})
		case last == "type" && (parent == "seccompProfile" || parent == "appArmorProfile"):
			set(cp, p, "RuntimeDefault")
		case parent == "add":
			set(cp, p, removed{})
		case len(p) >= 3 && p[len(p)-3] == "sysctls":
			set(cp, p[:len(p)-1], removed{})
		case p[0] == "volumes":
			set(cp, p[:2], removed{})
		default:
			del(cp, p)
		}
	}
	compact(cp)
	b, err = json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
		Spec     corev1.PodSpec    `json:"spec"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("repaired pod does not decode: %v", err)
	}
	return &out.Metadata, &out.Spec
}

// set stores v at p, creating maps on the way.
func set(doc map[string]any, p []string, v any) {
	p = docPath(p)
	var cur any = doc
	for i, k := range p {
		final := i == len(p)-1
		switch c := cur.(type) {
		case map[string]any:
			if final {
				c[k] = v
				return
			}
			next, ok := c[k]
			if !ok || next == nil {
				next = map[string]any{}
				c[k] = next
			}
			cur = next
		case []any:
			j, err := strconv.Atoi(k)
			if err != nil || j < 0 || j >= len(c) {
				panic(fmt.Sprintf("set %q: bad index", p))
			}
			if final {
				c[j] = v
				return
			}
			cur = c[j]
		default:
			panic(fmt.Sprintf("set %q: not a container", p))
		}
	}
}

func del(doc map[string]any, p []string) {
	p = docPath(p)
	v, ok := lookupDoc(doc, p[:len(p)-1])
	if m, isMap := v.(map[string]any); ok && isMap {
		delete(m, p[len(p)-1])
	}
}

// compact drops the elements marked removed from every list.
func compact(v any) any {
	switch c := v.(type) {
	case map[string]any:
		for k, e := range c {
			c[k] = compact(e)
		}
	case []any:
		out := c[:0]
		for _, e := range c {
			if _, gone := e.(removed); !gone {
				out = append(out, compact(e))
			}
		}
		return out
	}
	return v
}
