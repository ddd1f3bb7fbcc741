package render

import (
	"bytes"
	"context"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

type objectRow struct {
	Kind, Name, Source, Generator string
}

func rows(t *testing.T, out []Rendered) []objectRow {
	t.Helper()
	var got []objectRow
	for _, r := range out {
		var obj struct {
			Kind     string
			Metadata struct{ Name string }
		}
		if err := yaml.Unmarshal(r.Data, &obj); err != nil {
			t.Fatalf("%s: %v", r.SourcePath, err)
		}
		got = append(got, objectRow{obj.Kind, obj.Metadata.Name, r.SourcePath, r.Generator})
	}
	return got
}

func TestBuildKustomizationOverlay(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)

	out, err := BuildKustomization(context.Background(), "testdata/kustomize/overlays/prod", KustomizeOptions{Root: "testdata/kustomize"})
	if err != nil {
		t.Fatal(err)
	}
	want := []objectRow{
		{"Deployment", "prod-api", "base/deployment.yaml", ""},
		{"Service", "prod-api", "base/service.yaml", ""},
		{"ConfigMap", "prod-api-config-47668c6k28", "base/kustomization.yaml", "ConfigMapGenerator"},
		{"PodDisruptionBudget", "prod-api", "overlays/prod/pdb.yaml", ""},
	}
	if d := cmp.Diff(want, rows(t, out)); d != "" {
		t.Fatalf("objects (-want +got):\n%s", d)
	}
	for _, r := range out {
		if r.Input != "overlays/prod" || r.Template != "" || r.ValuesSet != "" || r.Packaged {
			t.Errorf("%s: %+v", r.SourcePath, r)
		}
		if strings.Contains(string(r.Data), "config.kubernetes.io/origin") || strings.Contains(string(r.Data), "annotations") {
			t.Errorf("%s keeps annotations:\n%s", r.SourcePath, r.Data)
		}
		if (r.Generator == "") != (r.LineMap != nil) {
			t.Errorf("%s: generator %q, LineMap nil %v", r.SourcePath, r.Generator, r.LineMap == nil)
		}
	}
	dep := out[0]
	for _, w := range []string{"namespace: prod", "replicas: 3", "privileged: false", "image: example/api:1.1", "runAsUser: 0"} {
		if !strings.Contains(string(dep.Data), w) {
			t.Errorf("deployment lacks %q:\n%s", w, dep.Data)
		}
	}
	// Lines map into base/deployment.yaml where the base defines the field
	// with the value the output has; fields the overlay changed or added do
	// not map.
	for _, c := range []struct {
		rendered string
		line     int // 0: must not map
	}{
		{"kind: Deployment", 2},
		{"  labels:", 5},
		{"runAsUser: 0", 22},
		{"securityContext:", 20},
		{"- containerPort: 8080", 24},
		{"  name: api", 18}, // the container's name (the object's is prod-api)
		{"image: example/api:1.1", 0},
		{"privileged: false", 0},
		{"allowPrivilegeEscalation: false", 0},
		{"replicas: 3", 0},
		{"namespace: prod", 0},
		{"name: prod-api", 0},
	} {
		n := lineOf(t, dep.Data, c.rendered)
		got, ok := dep.LineMap(n)
		if c.line == 0 && ok || c.line != 0 && (!ok || got != c.line) {
			t.Errorf("%q (line %d) maps to %d %v, want %d", c.rendered, n, got, ok, c.line)
		}
	}
	pdb := out[3]
	if got, ok := pdb.LineMap(lineOf(t, pdb.Data, "minAvailable: 1")); !ok || got != 6 {
		t.Errorf("pdb minAvailable maps to %d %v", got, ok)
	}
	if logged.Len() > 0 {
		t.Logf("kustomize logged: %s", logged.String())
	}
}

// TestBuildKustomizationRemote: remote bases and files are refused before
// anything is fetched. Proxies point at a closed port and git is off PATH,
// so any attempt would fail with a different error.
func TestBuildKustomizationRemote(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:9")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:9")
	t.Setenv("PATH", t.TempDir())

	nested := t.TempDir()
	writeTree(t, nested, map[string]string{
		"base/kustomization.yaml":    "resources:\n  - deploy.yaml\npatches:\n  - path: https://example.com/patch.yaml\n",
		"base/deploy.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
		"overlay/kustomization.yaml": "resources:\n  - ../base\n",
		"gen/kustomization.yml":      "configMapGenerator:\n  - name: c\n    files:\n      - key=https://example.com/x.txt\n",
		"git/Kustomization":          "components:\n  - git@github.com:example/components.git//c?ref=main\n",
		"ssh/kustomization.yaml":     "resources:\n  - ssh://git@example.com/repo.git\n",
		"forced/kustomization.yaml":  "bases:\n  - git::https://example.com/repo.git\n",
	})
	for _, c := range []struct {
		root, dir, want string
	}{
		{"testdata/kustomize", "testdata/kustomize/overlays/remote", `overlays/remote/kustomization.yaml: resources entry "github.com/example/platform//manifests/base?ref=v1.0.0" is remote`},
		{"testdata/kustomize", "testdata/kustomize/overlays/remote-file", `resources entry "https://example.com/manifests/deployment.yaml" is remote`},
		{nested, filepath.Join(nested, "overlay"), `base/kustomization.yaml: patches entry "https://example.com/patch.yaml" is remote`},
		{nested, filepath.Join(nested, "gen"), `configMapGenerator.files entry "https://example.com/x.txt" is remote`},
		{nested, filepath.Join(nested, "git"), `components entry "git@github.com:example/components.git//c?ref=main" is remote`},
		{nested, filepath.Join(nested, "ssh"), `resources entry "ssh://git@example.com/repo.git" is remote`},
		{nested, filepath.Join(nested, "forced"), `bases entry "git::https://example.com/repo.git" is remote`},
	} {
		out, err := BuildKustomization(context.Background(), c.dir, KustomizeOptions{Root: c.root})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "never fetched") {
			t.Errorf("%s: error %v (%d objects), want %q", c.dir, err, len(out), c.want)
		}
	}
}

func TestBuildKustomizationConfinement(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{
		"secret.yaml":        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n",
		"kustomization.yaml": "resources:\n  - secret.yaml\n",
	})
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"app/kustomization.yaml":      "resources:\n  - linked.yaml\n",
		"app2/kustomization.yaml":     "resources:\n  - linkdir\n",
		"up/kustomization.yaml":       "resources:\n  - ../loose.yaml\n",
		"loose.yaml":                  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
		"meta/kustomization.yaml":     "resources:\n  - ../loose.yaml\nbuildMetadata: [originAnnotations]\n",
		"meta/ok/kustomization.yaml":  "resources:\n  - cm.yaml\nbuildMetadata: [originAnnotations]\n",
		"meta/ok/cm.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
		"many/kustomization.yaml":     "resources:\n  - cm.yaml\n",
		"many/cm.yaml":                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
		"badpatch/kustomization.yaml": "resources:\n  - cm.yaml\npatches:\n  - path: p.yaml\n",
		"badpatch/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
		"bomb/kustomization.yaml":     "resources:\n  - bomb.yaml\n",
		"bomb/bomb.yaml":              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n" + aliasBomb,
		"badpatch/p.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nosuch\ndata:\n  a: b\n",
	})
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(root, "app", "linked.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "app2", "linkdir")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		root, dir string
		limits    Limits
		want      string
	}{
		{"testdata/kustomize/overlays/escape", "testdata/kustomize/overlays/escape", Limits{}, "outside the scanned folder"},
		{root, filepath.Join(root, "app"), Limits{}, "is not in or below"}, // kustomize's own load restriction
		{root, filepath.Join(root, "app2"), Limits{}, "outside the scanned folder"},
		{root, filepath.Join(root, "up"), Limits{}, "is not in or below"}, // kustomize's own load restriction
		{root, filepath.Join(root, "many"), Limits{MaxDocuments: 2}, "3 objects, more than the limit of 2"},
		{root, filepath.Join(root, "many"), Limits{MaxOutputBytes: 100}, "larger than the limit of 100 bytes"},
		{root, filepath.Join(root, "badpatch"), Limits{}, "nosuch"},
		{root, filepath.Join(root, "bomb"), Limits{}, "bomb/bomb.yaml: YAML aliases expand to more than 1000000 nodes"},
	} {
		out, err := BuildKustomization(context.Background(), c.dir, KustomizeOptions{Root: c.root, Limits: c.limits})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v (%d objects), want %q", c.dir, err, len(out), c.want)
		}
	}

	// A kustomization that asks for origin annotations itself still gets
	// them stripped from the output.
	out, err := BuildKustomization(context.Background(), filepath.Join(root, "meta", "ok"), KustomizeOptions{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].SourcePath != "meta/ok/cm.yaml" || strings.Contains(string(out[0].Data), "origin") {
		t.Fatalf("%+v\n%s", out, out[0].Data)
	}
}

func TestIsRemote(t *testing.T) {
	for ref, want := range map[string]bool{
		"../base":                       false,
		"deployment.yaml":               false,
		"github.com.yaml":               false,
		"base/github.com/x":             false,
		"https://example.com/a.yaml":    true,
		"HTTP://example.com/a.yaml":     true,
		"github.com/org/repo//dir":      true,
		"github.com:org/repo":           true,
		"git@gitlab.com:org/repo.git":   true,
		"ssh://git@host/repo":           true,
		"file:///srv/repo":              true,
		"git::https://host/repo":        true,
		"gitlab.com/org/repo":           false, // kustomize reads it as a local path
		"s3://bucket/key":               true,
		"  https://example.com/x.yaml ": true,
	} {
		if got := isRemote(ref); got != want {
			t.Errorf("isRemote(%q) = %v, want %v", ref, got, want)
		}
	}
}
