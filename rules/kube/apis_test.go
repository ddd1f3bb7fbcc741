package kube

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// lifecycled is what k8s.io/api's generated lifecycle methods offer.
type lifecycled interface {
	APILifecycleDeprecated() (major, minor int)
	APILifecycleRemoved() (major, minor int)
}

type replaced interface {
	APILifecycleReplacement() schema.GroupVersionKind
}

// TestAPITableMatchesKubernetes proves apis_table.go current: every kind
// client-go's scheme registers whose type has lifecycle methods is in the
// table with the same releases and replacement, and the table has no
// entry those methods contradict. Run `go generate ./rules/kube` after
// upgrading k8s.io/api when it fails.
func TestAPITableMatchesKubernetes(t *testing.T) {
	seen := map[[2]string]bool{}
	for gvk, typ := range scheme.Scheme.AllKnownTypes() {
		if gvk.Version == "__internal" || len(gvk.Kind) > 4 && gvk.Kind[len(gvk.Kind)-4:] == "List" {
			continue
		}
		obj, ok := reflect.New(typ).Interface().(lifecycled)
		if !ok {
			continue
		}
		av := gvk.GroupVersion().String()
		l, found := apiLifecycleOf(av, gvk.Kind)
		if !found {
			// Option types (DeleteOptions, ...) are registered in every
			// group version; they are not objects of a manifest.
			if _, isObj := typ.FieldByName("ObjectMeta"); isObj {
				t.Errorf("%s %s: deprecated by Kubernetes but not in the table", av, gvk.Kind)
			}
			continue
		}
		seen[[2]string{av, gvk.Kind}] = true
		dMaj, dMin := obj.APILifecycleDeprecated()
		rMaj, rMin := obj.APILifecycleRemoved()
		if l.Deprecated != (kubeMinor{dMaj, dMin}) || l.Removed != (kubeMinor{rMaj, rMin}) {
			t.Errorf("%s %s: table says deprecated %s removed %s, Kubernetes %d.%d and %d.%d", av, gvk.Kind, l.Deprecated, l.Removed, dMaj, dMin, rMaj, rMin)
		}
		if r, ok := reflect.New(typ).Interface().(replaced); ok {
			g := r.APILifecycleReplacement()
			want := g.GroupVersion().String() + " " + g.Kind
			if len(g.Kind) > 4 && g.Kind[len(g.Kind)-4:] == "List" {
				want = want[:len(want)-4]
			}
			if l.Replacement != want {
				t.Errorf("%s %s: replacement %q, Kubernetes says %q", av, gvk.Kind, l.Replacement, want)
			}
		}
	}
	if len(seen) < 40 {
		t.Errorf("only %d table entries checked against Kubernetes", len(seen))
	}
}

func TestParseKubeMinor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want kubeMinor
		err  bool
	}{
		{in: "", want: newestKubeMinor},
		{in: "v1.30", want: kubeMinor{1, 30}},
		{in: "1.21", want: kubeMinor{1, 21}},
		{in: "v1.25.3", want: kubeMinor{1, 25}},
		{in: "latest", err: true},
		{in: "v1", err: true},
		{in: "v1.x", err: true},
	} {
		got, err := apiParseVersion(tc.in)
		if (err != nil) != tc.err || !tc.err && got != tc.want {
			t.Errorf("apiParseVersion(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestAPIRulesByVersion judges one manifest for several Kubernetes
// versions: before deprecation nothing, then KS035, then KS034.
func TestAPIRulesByVersion(t *testing.T) {
	const doc = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n"
	for _, tc := range []struct {
		version string
		want    []string
	}{
		{"v1.20", nil},
		{"v1.21", []string{"KS035"}},
		{"v1.24", []string{"KS035"}},
		{"v1.25", []string{"KS034"}},
		{"", []string{"KS034"}},
	} {
		got := cataRun(t, doc, tc.version, apiRule(true), apiRule(false))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Kubernetes %q: got %v, want %v", tc.version, got, tc.want)
		}
	}
	if _, err := cataRunErr(doc, "one.thirty", apiRule(true)); err == nil {
		t.Error("an unreadable Kubernetes version is not an error")
	}
}
