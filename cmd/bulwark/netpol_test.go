package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNetpolGolden checks each format of `bulwark netpol` over a small
// application against its golden file (BULWARK_UPDATE_GOLDEN=1 rewrites
// them).
func TestNetpolGolden(t *testing.T) {
	for _, format := range []string{"table", "json", "dot"} {
		t.Run(format, func(t *testing.T) {
			code, out, errs := runCLI(t, "netpol", "testdata/netpol/app", "--format", format)
			if code != exitOK {
				t.Fatalf("exit %d, stderr: %s", code, errs)
			}
			golden := filepath.Join("testdata", "netpol", "app."+format+".golden")
			if os.Getenv("BULWARK_UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, out)
			}
			if format == "json" {
				validate(t, "../../docs/netpol-report.schema.json", []byte(out))
			}
		})
	}
}

// TestNetpolSchema validates the JSON report of the shared corpus, with its
// policies of every shape and an unreadable file, against the schema.
func TestNetpolSchema(t *testing.T) {
	const corpus = "../../../shared/corpus/kubernetes"
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("corpus not available")
	}
	_, out, _ := runCLI(t, "netpol", corpus, "--format", "json")
	validate(t, "../../docs/netpol-report.schema.json", []byte(out))
}

// TestNetpolSeed: the seed's two policies let only role=frontend pods reach
// role=backend pods, on TCP 8080.
func TestNetpolSeed(t *testing.T) {
	code, out, errs := runCLI(t, "netpol", "../../netpol/testdata/seed.yaml", "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Flows []struct {
			From, To string
			Ports    []string
		}
		Workloads []struct {
			ID      string
			Ingress struct{ Isolated bool }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Flows) != 1 || rep.Flows[0].From != "Deployment/frontend" || rep.Flows[0].To != "Deployment/backend" || strings.Join(rep.Flows[0].Ports, ",") != "TCP 8080" {
		t.Errorf("flows = %+v", rep.Flows)
	}
	for _, w := range rep.Workloads {
		if !w.Ingress.Isolated {
			t.Errorf("%s is not ingress-isolated", w.ID)
		}
	}
}

func TestNetpolExitCodes(t *testing.T) {
	dir := tree(t, map[string]string{
		"ok/app.yaml":     "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: x}]\n",
		"broken/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec:\n  replicas: three\n",
		"Dockerfile":      "FROM alpine:3.20\n",
	})
	for _, c := range []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"ok", []string{filepath.Join(dir, "ok")}, exitOK, "1 workload, 0 NetworkPolicies in 1 namespace"},
		{"unreadable manifest", []string{filepath.Join(dir, "broken")}, exitIncomplete, "errors (the picture is incomplete)"},
		{"Dockerfiles are skipped while walking", []string{dir}, exitIncomplete, "Pod/a"},
		{"a Dockerfile named explicitly", []string{filepath.Join(dir, "Dockerfile")}, exitUsage, ""},
		{"missing path", []string{filepath.Join(dir, "nope")}, exitUsage, ""},
		{"bad format", []string{"--format", "sarif", filepath.Join(dir, "ok")}, exitUsage, ""},
		{"default namespace", []string{"--namespace", "shop", filepath.Join(dir, "ok")}, exitOK, "Pod/shop/a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, append([]string{"netpol"}, c.args...)...)
			if code != c.want {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.want, errs)
			}
			if !strings.Contains(out, c.out) {
				t.Errorf("output lacks %q:\n%s", c.out, out)
			}
		})
	}
}

func TestNetpolOutputFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "netpol.dot")
	code, stdout, errs := runCLI(t, "netpol", "testdata/netpol/app", "-f", "dot", "-o", out)
	if code != exitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, errs)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(data), "digraph netpol {") {
		t.Fatalf("report file: %v %q", err, data)
	}
}
