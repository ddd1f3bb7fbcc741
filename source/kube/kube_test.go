package kube

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulwark-sec/bulwark/finding"
)

// parseFile parses a testdata file and fails on any error.
func parseFile(t *testing.T, name string) *File {
	t.Helper()
	p := filepath.Join("testdata", name)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(p, data)
	if err != nil {
		t.Fatal(err)
	}
	if f.Errors != nil {
		t.Fatalf("errors: %v", f.Errors)
	}
	return f
}

// summary is what a test compares of an object.
type summary struct {
	APIVersion, Kind, Name, Namespace string
	Index, Line                       int
	Object                            string
	Typed                             bool
}

func summarize(f *File) []summary {
	var out []summary
	for _, o := range f.Objects {
		out = append(out, summary{o.APIVersion, o.Kind, o.Name, o.Namespace, o.Index, o.Loc.Start.Line, o.Loc.Object, o.Typed != nil})
	}
	return out
}

func TestParseStream(t *testing.T) {
	f := parseFile(t, "stream.yaml")
	want := []summary{
		{"apps/v1", "Deployment", "web", "shop", 0, 2, "Deployment/shop/web", true},
		{"v1", "Service", "web", "shop", 3, 29, "Service/shop/web", true},
		{"v1", "ConfigMap", "settings", "", 3, 34, "ConfigMap/settings", true},
		{"monitoring.coreos.com/v1", "ServiceMonitor", "web", "", 4, 41, "ServiceMonitor/web", false},
		{"v1", "Secret", "token-", "", 5, 48, "Secret/token-", true},
	}
	if diff := cmp.Diff(want, summarize(f)); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	d := f.Objects[0].Typed.(*appsv1.Deployment)
	if *d.Spec.Replicas != 2 || d.Spec.Template.Spec.Containers[0].Image != "registry.example.com/web:1.4" {
		t.Errorf("deployment decoded as %+v", d.Spec)
	}
	if s := f.Objects[4].Typed.(*corev1.Secret); s.StringData["token"] != "hunter2" {
		t.Errorf("secret decoded as %+v", s)
	}
	// The object's location spans its first line.
	loc := f.Objects[0].Loc
	if loc.Start != (finding.Position{Line: 2, Column: 1, Offset: 71}) || loc.End.Line != 2 || loc.End.Column != 20 {
		t.Errorf("object location %+v", loc)
	}
}

func TestParseJSONList(t *testing.T) {
	f := parseFile(t, "list.json")
	want := []summary{
		{"v1", "Pod", "one", "", 0, 5, "Pod/one", true},
		{"batch/v1", "Job", "two", "ops", 0, 14, "Job/ops/two", true},
	}
	if diff := cmp.Diff(want, summarize(f)); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	loc := f.Objects[0].At("spec", "containers", "0", "securityContext", "privileged")
	if loc.Start.Line != 11 || loc.Start.Column != 74 || loc.End.Column != 93 {
		t.Errorf("privileged at %+v", loc)
	}
	if !f.Objects[0].Typed.(*corev1.Pod).Spec.HostNetwork {
		t.Error("hostNetwork not decoded")
	}
}

func TestAt(t *testing.T) {
	f := parseFile(t, "stream.yaml")
	o := f.Objects[0]
	for _, tc := range []struct {
		path                     []string
		found                    bool
		line, col, endLine, endC int
	}{
		{nil, true, 2, 1, 2, 20},
		{[]string{"spec", "replicas"}, true, 8, 3, 8, 14},
		{[]string{"spec", "template", "spec", "containers", "0"}, true, 16, 11, 19, 29},
		{[]string{"spec", "template", "spec", "containers", "0", "image"}, true, 17, 11, 17, 48},
		{[]string{"spec", "template", "spec", "containers", "0", "securityContext", "privileged"}, true, 19, 13, 19, 29},
		// Missing fields point at the nearest ancestor that is written.
		{[]string{"spec", "template", "spec", "containers", "0", "securityContext", "runAsNonRoot"}, false, 18, 11, 19, 29},
		{[]string{"spec", "template", "spec", "containers", "0", "resources", "limits", "memory"}, false, 16, 11, 19, 29},
		{[]string{"spec", "template", "spec", "containers", "1"}, false, 15, 7, 19, 29},
		{[]string{"spec", "template", "spec", "containers", "x"}, false, 15, 7, 19, 29},
		{[]string{"spec", "selector", "matchLabels", "app"}, true, 10, 19, 10, 27},
	} {
		loc, found := o.Lookup(tc.path...)
		got := []int{loc.Start.Line, loc.Start.Column, loc.End.Line, loc.End.Column}
		if want := []int{tc.line, tc.col, tc.endLine, tc.endC}; found != tc.found || !cmp.Equal(got, want) {
			t.Errorf("At(%v) = %v found=%v, want %v found=%v", tc.path, got, found, want, tc.found)
		}
		if loc.Object != "Deployment/shop/web" || loc.Path != "testdata/stream.yaml" {
			t.Errorf("At(%v) names %q in %q", tc.path, loc.Object, loc.Path)
		}
	}
	// Offsets are bytes of the file.
	data, _ := os.ReadFile("testdata/stream.yaml")
	loc := o.At("spec", "template", "spec", "containers", "0", "image")
	if got := string(data[loc.Start.Offset:loc.End.Offset]); got != `image: "registry.example.com/web:1.4"` {
		t.Errorf("image spans %q", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	data, err := os.ReadFile("testdata/invalid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("invalid.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range f.Errors {
		got = append(got, e.Error())
	}
	want := []string{
		`invalid.yaml:13: Deployment "counting" does not decode: spec.replicas: want an integer (int32), not string (found "three")`,
		`invalid.yaml:28: Pod "limits" does not decode: spec.containers[0].resources.limits.memory: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (found "lots")`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	// The documents that do not decode are kept without a type; the
	// others still count.
	var typed []string
	for _, o := range f.Objects {
		typed = append(typed, o.Name+map[bool]string{true: "+", false: "-"}[o.Typed != nil])
	}
	if diff := cmp.Diff([]string{"fine+", "counting-", "limits-", "also-fine+"}, typed); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestLegacyVersions(t *testing.T) {
	f := parseFile(t, "legacy.yaml")
	want := []string{"*v1.Deployment", "*v1.DaemonSet", "*v1.CronJob", "*v1beta1.Ingress", "*v1.PodDisruptionBudget",
		"*v2.HorizontalPodAutoscaler", "*v1.ClusterRole", "<nil>"}
	var got []string
	for _, o := range f.Objects {
		got = append(got, fmt.Sprintf("%T", o.Typed))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
	_ = f.Objects[0].Typed.(*appsv1.Deployment)
	if !f.Objects[1].Typed.(*appsv1.DaemonSet).Spec.Template.Spec.HostPID {
		t.Error("DaemonSet hostPID lost")
	}
	if f.Objects[2].Typed.(*batchv1.CronJob).Spec.Schedule != "0 3 * * *" {
		t.Error("CronJob schedule lost")
	}
	if f.Objects[3].Typed.(*networkingv1beta1.Ingress).Spec.Backend.ServiceName != "web" {
		t.Error("Ingress backend lost")
	}
	if f.Objects[4].Typed.(*policyv1.PodDisruptionBudget).Spec.MinAvailable.IntValue() != 1 {
		t.Error("PDB minAvailable lost")
	}
	if f.Objects[5].Typed.(*autoscalingv2.HorizontalPodAutoscaler).Spec.MaxReplicas != 5 {
		t.Error("HPA maxReplicas lost")
	}
	if f.Objects[6].Typed.(*rbacv1.ClusterRole).Rules[0].Verbs[1] != "list" {
		t.Error("ClusterRole rules lost")
	}
	if f.Objects[0].APIVersion != "extensions/v1beta1" {
		t.Errorf("APIVersion %q: the version written must be kept", f.Objects[0].APIVersion)
	}
}

func TestYAML11(t *testing.T) {
	f := parseFile(t, "yaml11.yaml")
	pod := f.Objects[0].Typed.(*corev1.Pod)
	if !pod.Spec.HostNetwork {
		t.Error("hostNetwork: on must be true")
	}
	c := pod.Spec.Containers
	if len(c) != 2 || !*c[0].SecurityContext.Privileged || *c[0].SecurityContext.ReadOnlyRootFilesystem {
		t.Fatalf("containers %+v", c)
	}
	if c[1].Name != "copy" || c[1].Image != "app:1" || !*c[1].SecurityContext.Privileged {
		t.Errorf("merged container %+v", c[1])
	}
	if m := *pod.Spec.Volumes[0].ConfigMap.DefaultMode; m != 0o755 {
		t.Errorf("defaultMode %o", m)
	}
	// A field reached through a merge key is located where it is written.
	if loc := f.Objects[0].At("spec", "containers", "1", "image"); loc.Start.Line != 11 {
		t.Errorf("merged image at %+v", loc)
	}
}

func TestUnknownFields(t *testing.T) {
	f := parseFile(t, "unknown.yaml")
	var got []string
	for _, n := range f.Notes {
		got = append(got, n.Loc.String()+": "+n.Message)
	}
	want := []string{
		"testdata/unknown.yaml:9:7 (Pod/typo): Pod \"typo\": unknown field spec.containers[0].securityContex: Kubernetes drops it (misspelt, or from another API version?)",
		"testdata/unknown.yaml:19:3 (HorizontalPodAutoscaler/v1-field): HorizontalPodAutoscaler \"v1-field\": unknown field spec.targetCPUUtilizationPercentage: Kubernetes drops it (misspelt, or from another API version?)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

func TestEncodings(t *testing.T) {
	for name, src := range map[string]string{
		"bom-crlf":   "\xef\xbb\xbfapiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n  - name: c\r\n    image: \"x:1\"\r\n",
		"doc-end":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n...\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: \"x:1\"}]}\n",
		"json-tabs":  "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"metadata\": {\"name\": \"p\"},\n\t\"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"x:1\"}]}\n}\n",
		"flow-style": "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: \"x:1\"}]}}\n",
	} {
		f, err := Parse(name, []byte(src))
		if err != nil || len(f.Errors) > 0 {
			t.Errorf("%s: %v %v", name, err, f.Errors)
			continue
		}
		o := f.Objects[len(f.Objects)-1]
		loc := o.At("spec", "containers", "0", "image")
		if got := src[loc.Start.Offset:loc.End.Offset]; !strings.HasSuffix(got, `"x:1"`) {
			t.Errorf("%s: image spans %q", name, got)
		}
	}
}

func TestSyntaxErrorKeepsEarlierDocuments(t *testing.T) {
	src := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: [unclosed\n"
	f, err := Parse("bad.yaml", []byte(src))
	var ke *Error
	if !errors.As(err, &ke) || ke.Line == 0 || !strings.Contains(ke.Msg, "invalid YAML") {
		t.Fatalf("error %v, want an *Error with a line", err)
	}
	if len(f.Objects) != 1 || f.Objects[0].Name != "a" {
		t.Errorf("objects %v", summarize(f))
	}
}

func TestNotKubernetes(t *testing.T) {
	for _, src := range []string{
		"", "---\n", "# only a comment\n", "name: x\n", "[1, 2]\n", "just a scalar\n",
		"apiVersion: v1\n", "kind: Pod\n", "apiVersion: [v1]\nkind: Pod\n",
		"apiVersion: v2\nkind: Chart\nname: x\n",
	} {
		f, err := Parse("x.yaml", []byte(src))
		if err != nil || len(f.Errors) > 0 {
			t.Errorf("%q: %v %v", src, err, f.Errors)
			continue
		}
		if len(f.Objects) != 0 && !strings.Contains(src, "Chart") {
			t.Errorf("%q: objects %v", src, summarize(f))
		}
	}
}

// TestLineAt checks the location of one line of an object: its text
// without indentation and trailing blanks, with byte offsets, and nothing
// for blank lines or lines of another object.
func TestLineAt(t *testing.T) {
	src := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  app.properties: |\n    db.user=shop\n\n    db.password=Xk29vL7qPzé  \n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"
	f, err := Parse("cm.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	o := f.Objects[0]
	loc, ok := o.LineAt(9)
	if !ok || loc.Start.Line != 9 || loc.Start.Column != 5 || loc.End.Column != 28 || loc.Object != "ConfigMap/app" {
		t.Errorf("LineAt(9) = %+v, %v", loc, ok)
	}
	if got := src[loc.Start.Offset:loc.End.Offset]; got != "db.password=Xk29vL7qPzé" {
		t.Errorf("LineAt(9) spans %q", got)
	}
	for _, line := range []int{0, 8, 11, 99} {
		if _, ok := o.LineAt(line); ok {
			t.Errorf("LineAt(%d) found a line", line)
		}
	}
}

// TestSetMemo checks that a set builds a memoised value once per key.
func TestSetMemo(t *testing.T) {
	type keyA struct{}
	type keyB struct{}
	var s Set
	builds := 0
	build := func() any { builds++; return builds }
	first := s.Memo(keyA{}, build)
	again := s.Memo(keyA{}, build)
	other := s.Memo(keyB{}, build)
	if first != 1 || again != 1 || other != 2 || builds != 2 {
		t.Errorf("got %v, %v, %v after %d builds", first, again, other, builds)
	}
}

// TestSetOf checks which rule targets are read as a set of manifests.
func TestSetOf(t *testing.T) {
	f := &File{Path: "a.yaml"}
	if s, ok := SetOf(f); !ok || len(s.Files) != 1 || s.Files[0] != f {
		t.Errorf("SetOf(file) = %v, %v", s, ok)
	}
	set := &Set{Files: []*File{f, f}}
	if s, ok := SetOf(set); !ok || s != set {
		t.Errorf("SetOf(set) = %v, %v", s, ok)
	}
	for _, target := range []any{nil, (*Set)(nil), "a.yaml"} {
		if _, ok := SetOf(target); ok {
			t.Errorf("SetOf(%#v) is a set", target)
		}
	}
}
