package relate

import (
	"testing"

	"github.com/bulwark-sec/bulwark/source/kube"
)

func object(t *testing.T, path, doc string) *kube.Object {
	t.Helper()
	f, err := kube.Parse(path, []byte(doc))
	if err != nil || len(f.Objects) != 1 {
		t.Fatalf("parse %s: %v", path, err)
	}
	return f.Objects[0]
}

func TestNear(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"app/a.yaml", "app/b.yaml", true},
		{"app/a.yaml", "app/base/b.yaml", true},
		{"app/base/a.yaml", "app/b.yaml", true},
		{"app/a.yaml", "other/b.yaml", false},
		{"app/a.yaml", "application/b.yaml", false},
		{"a.yaml", "deep/down/b.yaml", true},
	} {
		if got := Near(object(t, tc.a, pod), object(t, tc.b, pod)); got != tc.want {
			t.Errorf("Near(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}

func TestCustomKindAndHolds(t *testing.T) {
	prom := object(t, "p.yaml", "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}\nspec:\n  podMetadata:\n    labels: {app: prometheus, tier: monitoring}\n")
	if !CustomKind(prom) {
		t.Error("a Prometheus is a custom resource")
	}
	if CustomKind(object(t, "d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n")) {
		t.Error("a Deployment is not a custom resource")
	}
	if !Holds(prom.Node, map[string]string{"app": "prometheus"}) || !Holds(prom.Node, map[string]string{"app": "prometheus", "tier": "monitoring"}) {
		t.Error("the Prometheus holds its pod labels")
	}
	if Holds(prom.Node, map[string]string{"app": "grafana"}) || Holds(prom.Node, map[string]string{"app": "prometheus", "name": "k8s"}) {
		t.Error("labels split over two mappings are not held")
	}
}
