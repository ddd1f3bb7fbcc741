package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/source/image/imagetest"
	"github.com/bulwark-sec/bulwark/vuln/db"
)

func vulnCorpus(t testing.TB) string {
	t.Helper()
	d := os.Getenv("BULWARK_VULN_CORPUS")
	if d == "" {
		d = "/work/shared/corpus/vuln"
	}
	if _, err := os.Stat(filepath.Join(d, "osv")); err != nil {
		t.Skipf("vulnerability corpus not available: %v", err)
	}
	return d
}

// ociLayout writes a one-layer image of root into a new OCI layout.
func ociLayout(t *testing.T, root, createdBy string) string {
	t.Helper()
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: imagetest.DirLayer(t, root), History: v1.History{CreatedBy: createdBy}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return dir
}

// imageJSON decodes a JSON report of an image scan; every finding in it
// must be a vulnerability.
func imageJSON(t *testing.T, out string) report.JSONReport {
	t.Helper()
	var rep report.JSONReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, f := range append(slices.Clone(rep.Findings), rep.Suppressed...) {
		if f.Vulnerability == nil {
			t.Fatalf("finding %s has no vulnerability detail", f.RuleID)
		}
	}
	return rep
}

func TestImageAlpine(t *testing.T) {
	corpus := vulnCorpus(t)
	dbFile := filepath.Join(t.TempDir(), "osv.db")
	if _, err := db.Import(context.Background(), dbFile, []string{filepath.Join(corpus, "osv")}, db.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := ociLayout(t, filepath.Join(corpus, "pkgdb/apk/alpine-3.18"), "ADD alpine-minirootfs.tar.gz /")
	ref := "oci:" + dir

	code, out, errOut := runCLI(t, "image", ref, "--db", dbFile, "--format", "json", "--fail-on", "HIGH")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr: %s\n%s", code, errOut, out)
	}
	rep := imageJSON(t, out)
	if len(rep.Images) != 1 || rep.Images[0].Ecosystem != "Alpine:v3.18" || rep.Images[0].Packages == 0 {
		t.Errorf("images %+v", rep.Images)
	}
	var found bool
	for _, f := range rep.Findings {
		v := f.Vulnerability
		if v.Package == "musl" && f.RuleID == "CVE-2025-26519" {
			found = true
			if v.FixedVersion != "1.2.4-r3" || v.Status != "fixed" || f.Severity != finding.High || f.Location.Path != ref {
				t.Errorf("musl CVE-2025-26519: fixed %q status %q", v.FixedVersion, v.Status)
			}
			if v.Layer.Index != 0 || v.Layer.CreatedBy != "ADD alpine-minirootfs.tar.gz /" || !strings.HasPrefix(v.Layer.DiffID, "sha256:") {
				t.Errorf("musl layer: %+v", v.Layer)
			}
		}
	}
	if !found {
		t.Fatalf("musl CVE-2025-26519 not reported:\n%s", out)
	}

	if code, out, errOut := runCLI(t, "image", ref, "--db", dbFile, "--format", "json", "--fail-on", "CRITICAL"); code != exitOK {
		t.Errorf("--fail-on CRITICAL: exit %d, want 0; stderr: %s\n%s", code, errOut, out)
	}
	code, out, _ = runCLI(t, "image", ref, "--db", dbFile)
	if code != exitFindings || !strings.Contains(out, "CVE-2025-26519") || !strings.Contains(out, "1.2.4-r3") {
		t.Errorf("table: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "image", ref, "--db", dbFile, "--format", "json", "--severity", "LOW", "--fail-on", "HIGH")
	if code != exitOK || strings.Contains(out, "CVE-2025-26519") {
		t.Errorf("--severity LOW: exit %d\n%s", code, out)
	}
}

func TestImageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.db")
	code, _, errOut := runCLI(t, "image", "oci:"+t.TempDir(), "--db", missing)
	if code != exitIncomplete || !strings.Contains(errOut, "bulwark db import") {
		t.Errorf("missing db: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "image", "x", "--format", "xml"); code != exitUsage {
		t.Errorf("bad format: exit %d", code)
	}
	if code, _, _ := runCLI(t, "image", "x", "--fail-on", "bogus"); code != exitUsage {
		t.Errorf("bad fail-on: exit %d", code)
	}
	if code, _, _ := runCLI(t, "image"); code != exitUsage {
		t.Errorf("no ref: exit %d", code)
	}
}

// TestImageLanguagePackages scans an Alpine base layer topped by a layer
// holding an npm package: the language package is matched in its
// ecosystem and attributed to the layer that added it.
func TestImageLanguagePackages(t *testing.T) {
	corpus := vulnCorpus(t)
	dbFile := filepath.Join(t.TempDir(), "osv.db")
	if _, err := db.Import(context.Background(), dbFile, []string{filepath.Join(corpus, "osv")}, db.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	fx := newImageFixture(t, "") // the image; the database here is the whole corpus

	code, out, errOut := runCLI(t, "image", fx.ref, "--db", dbFile, "--format", "json", "--fail-on", "HIGH")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr: %s\n%s", code, errOut, out)
	}
	rep := imageJSON(t, out)
	var lodash, musl bool
	for _, f := range rep.Findings {
		v := f.Vulnerability
		switch v.Package {
		case "musl":
			musl = true
		case "lodash":
			if f.RuleID != "CVE-2021-23337" && !slices.Contains(v.Aliases, "CVE-2021-23337") {
				continue
			}
			lodash = true
			if v.Ecosystem != "npm" || v.InstalledVersion != "4.17.20" || v.FixedVersion != "4.17.21" || v.Status != "fixed" || !slices.Contains(v.Records, "GHSA-35jh-r3h4-6jhm") {
				t.Errorf("lodash finding: %+v", v)
			}
			if v.Layer.Index != 1 || v.Layer.CreatedBy != "COPY app /app # buildkit" || !strings.HasPrefix(v.Layer.DiffID, "sha256:") {
				t.Errorf("lodash layer: %+v", v.Layer)
			}
		}
	}
	if !lodash || !musl {
		t.Fatalf("lodash CVE-2021-23337 reported %v, musl reported %v:\n%s", lodash, musl, out)
	}
}
