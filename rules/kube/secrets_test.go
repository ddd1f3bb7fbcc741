package kube_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules"
	"github.com/bulwark-sec/bulwark/ruletest"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// credentialRules are the rules about credentials that run on Kubernetes
// manifests: the Secret rules and RC036 (literal credentials in env).
var credentialRules = []string{"KS040", "KS041", "KS042", "KS043", "RC036"}

func credentialFindings(t *testing.T, path string) []finding.Finding {
	t.Helper()
	reg, err := rules.Registry()
	if err != nil {
		t.Fatal(err)
	}
	var rs []*rule.Rule
	for _, id := range credentialRules {
		r, ok := reg.Lookup(id)
		if !ok {
			t.Fatalf("no rule %s", id)
		}
		rs = append(rs, r)
	}
	found, errs := ruletest.Findings(reg, rs, path)
	for _, e := range errs {
		t.Errorf("%s", e.Error())
	}
	return found
}

// TestSeedSecretPracticesPass proves that the seed's good practices (Vault
// Agent injection, *_FILE variables, Secrets mounted as files) fire none
// of the credential rules.
func TestSeedSecretPracticesPass(t *testing.T) {
	for _, fd := range credentialFindings(t, filepath.Join("testdata", "KS042", "seed-practices.yaml")) {
		t.Errorf("%s:%d: %s %s", fd.Location.Path, fd.Location.Start.Line, fd.RuleID, fd.Message)
	}
}

// TestKubeEnvLiteralIsRC036 pins the split with RC036: a literal
// credential in a Kubernetes container's env is RC036's finding, reported
// once, and a secretKeyRef is KS042's, never RC036's.
func TestKubeEnvLiteralIsRC036(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pod.yaml")
	src := `apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: app:1.0
    env:
    - name: DB_PASSWORD
      value: hunter2
    - name: API_TOKEN
      valueFrom:
        secretKeyRef: {name: api, key: token}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fd := range credentialFindings(t, path) {
		got = append(got, fmt.Sprintf("%s@%d", fd.RuleID, fd.Location.Start.Line))
	}
	want := "RC036@10 KS042@12"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

// TestSecretTemplatedData proves a Secret whose data is a Helm template
// (not base64, so the reader reports the document) is not reported as a
// committed credential.
func TestSecretTemplatedData(t *testing.T) {
	src := []byte(`apiVersion: v1
kind: Secret
metadata:
  name: app
data:
  password: "{{ .Values.password | b64enc }}"
`)
	f, _ := kube.Parse("secret.yaml", src)
	reg, err := rules.Registry()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := reg.Lookup("KS040")
	p := rule.NewPass(r, f, func(fd finding.Finding) { t.Errorf("unexpected %s: %s", fd.RuleID, fd.Message) })
	if err := r.Check(p); err != nil {
		t.Fatal(err)
	}
}

// TestConfigMapJSONManifest proves that a credential inside a value of a
// JSON manifest, whose lines are not the file's, is reported at the key
// with the line of the value.
func TestConfigMapJSONManifest(t *testing.T) {
	src := []byte(`{
  "apiVersion": "v1",
  "kind": "ConfigMap",
  "metadata": {"name": "app"},
  "data": {
    "app.properties": "db.url=jdbc:postgresql://db/app\ndb.password=hunter2\n"
  }
}
`)
	f, err := kube.Parse("cm.json", src)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := rules.Registry()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := reg.Lookup("KS041")
	var got []string
	p := rule.NewPass(r, f, func(fd finding.Finding) {
		got = append(got, fmt.Sprintf("%d:%d %s", fd.Location.Start.Line, fd.Location.Start.Column, fd.Message))
	})
	if err := r.Check(p); err != nil {
		t.Fatal(err)
	}
	want := `6:5 ConfigMap "app" data key "app.properties", line 2 of the value: setting db.password holds a literal credential`
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
