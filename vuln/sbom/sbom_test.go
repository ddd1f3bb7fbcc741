package sbom

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulwark-sec/bulwark/vuln/inventory"
	"github.com/bulwark-sec/bulwark/vuln/match"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/apk"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/dpkg"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/lang"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb/osrelease"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixedNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

const (
	diff0 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	diff1 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	imgID = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	mfst  = "sha256:4444444444444444444444444444444444444444444444444444444444444444"
)

const dpkgStatus = `Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4

Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u2

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2
`

const apkInstalled = `P:musl
V:1.2.4-r1
A:x86_64
o:musl

`

// sampleInventory is a small image: a Debian base layer (dpkg database)
// with an apk database beside it, and an application layer with npm and Go
// packages.
func sampleInventory(t *testing.T) *inventory.Inventory {
	t.Helper()
	rel := osrelease.Release{ID: "debian", VersionID: "12", VersionCodename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)"}
	eco, _ := rel.Ecosystem()
	inv := &inventory.Inventory{Release: rel, Ecosystem: eco}
	base := inventory.Layer{Index: 0, DiffID: diff0, CreatedBy: "# debian.sh --arch 'amd64' out/ 'bookworm' '@1700000000'"}
	app := inventory.Layer{Index: 1, DiffID: diff1, CreatedBy: "COPY app /app # buildkit"}

	d, err := dpkg.Parse("var/lib/dpkg/status", strings.NewReader(dpkgStatus))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range d.Packages {
		inv.Packages = append(inv.Packages, inventory.Package{Package: e.ToPackage(rel, "var/lib/dpkg/status"), Layer: base})
	}
	a, err := apk.Parse(strings.NewReader(apkInstalled))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range a.Packages {
		inv.Packages = append(inv.Packages, inventory.Package{Package: e.ToPackage(osrelease.Release{ID: "alpine", VersionID: "3.19.1"}, "lib/apk/db/installed"), Layer: base})
	}
	npm, err := lang.NPMPackageJSON{}.Parse("app/node_modules/@babel/core/package.json", strings.NewReader(`{"name":"@babel/core","version":"7.23.2"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range npm {
		inv.Packages = append(inv.Packages, inventory.Package{Package: p, Layer: app})
	}
	for _, p := range []pkgdb.Package{
		goPkg("stdlib", "1.21.3"),
		goPkg("golang.org/x/net", "0.17.0"),
	} {
		inv.Packages = append(inv.Packages, inventory.Package{Package: p, Layer: app})
	}
	return inv
}

func goPkg(mod, ver string) pkgdb.Package {
	ns, name := "", mod
	if i := strings.LastIndex(mod, "/"); i >= 0 {
		ns, name = mod[:i], mod[i+1:]
	}
	return pkgdb.Package{
		Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "Go"},
		Name: mod, Version: ver, SrcName: mod, SrcVersion: ver,
		PURL: pkgdb.PURL("golang", ns, name, "v"+ver, nil), DBPath: "app/server",
	}
}

func pkgNamed(t *testing.T, inv *inventory.Inventory, name string) pkgdb.Package {
	t.Helper()
	for _, p := range inv.Packages {
		if p.Name == name {
			return p.Package
		}
	}
	t.Fatalf("no package %s", name)
	return pkgdb.Package{}
}

func sampleInput(t *testing.T) Input {
	inv := sampleInventory(t)
	return Input{
		Ref:         "registry.example.com/team/app:1.0",
		ImageID:     imgID,
		Digest:      mfst,
		Arch:        "amd64",
		Inventory:   inv,
		Tool:        "bulwark",
		ToolVersion: "v0.0.0-test",
		Now:         fixedNow,
		Findings: []match.Finding{{
			VulnID:           "CVE-2023-5678",
			Aliases:          []string{"DEBIAN-CVE-2023-5678", "DSA-5585-1"},
			Records:          []string{"DEBIAN-CVE-2023-5678"},
			Package:          pkgNamed(t, inv, "libssl3"),
			InstalledVersion: "3.0.11-1~deb12u2",
			FixedVersion:     "3.0.13-1~deb12u1",
			Status:           match.StatusFixed,
			Severity:         match.Severity{Level: match.LevelMedium, Source: match.SourceCVSS, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", Score: 5.3},
			Ecosystem:        "Debian:12",
			LookupName:       "openssl",
		}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, d)
	}
}

// schemaFiles maps the URLs the CycloneDX 1.6 schema refers to onto the
// local copies (testdata/schema/README.md), so validation never reaches
// the network.
var schemaFiles = map[string]string{
	"http://cyclonedx.org/schema/bom-1.6.schema.json":           "bom-1.6.SNAPSHOT.schema.json",
	"http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json":     "spdx.SNAPSHOT.schema.json",
	"http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json": "jsf-0.82.SNAPSHOT.schema.json",
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	// Only the resources added here: no loader reaches out.
	c.UseLoader(jsonschema.SchemeURLLoader{})
	for url, file := range schemaFiles {
		f, err := os.Open(filepath.Join("testdata", "schema", file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	sch, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatalf("compiling the CycloneDX schema: %v", err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("document does not validate against CycloneDX 1.6: %v", err)
	}
}

func write(t *testing.T, in Input) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCycloneDX(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	sch := compileSchema(t)
	doc := write(t, sampleInput(t))
	golden(t, "golden.cdx.json", doc)
	validate(t, sch, doc)

	noVulns := sampleInput(t)
	noVulns.Findings = nil
	doc = write(t, noVulns)
	golden(t, "golden-novulns.cdx.json", doc)
	validate(t, sch, doc)
}

// TestSchemaRejects makes sure the validation is real: a document the
// schema forbids fails it.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	for name, doc := range map[string]string{
		"bad serial number":  `{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:nope","version":1}`,
		"bad component type": `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"package","name":"x"}]}`,
		"bad severity":       `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"vulnerabilities":[{"id":"X","ratings":[{"severity":"moderate"}]}]}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("%s: validated, want a schema error", name)
		}
	}
}

func TestReproducible(t *testing.T) {
	a := write(t, sampleInput(t))
	b := write(t, sampleInput(t))
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same input differ")
	}
	later := sampleInput(t)
	later.Now = fixedNow.Add(time.Second)
	if serial(t, write(t, later)) == serial(t, a) {
		t.Error("a scan at another time kept the serial number")
	}
	other := sampleInput(t)
	other.Inventory.Packages = other.Inventory.Packages[1:]
	other.Findings = nil
	if serial(t, write(t, other)) == serial(t, a) {
		t.Error("another inventory kept the serial number")
	}
	// Package order in the inventory does not change the document.
	rev := sampleInput(t)
	p := rev.Inventory.Packages
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
	if !bytes.Equal(write(t, rev), a) {
		t.Error("reordering the inventory changed the document")
	}
}

func serial(t *testing.T, doc []byte) string {
	t.Helper()
	var d struct {
		SerialNumber string `json:"serialNumber"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	return d.SerialNumber
}

type doc struct {
	Metadata struct {
		Component struct {
			BOMRef string `json:"bom-ref"`
			PURL   string `json:"purl"`
		} `json:"component"`
	} `json:"metadata"`
	Components []struct {
		BOMRef string `json:"bom-ref"`
		Type   string `json:"type"`
		Name   string `json:"name"`
		PURL   string `json:"purl"`
	} `json:"components"`
	Dependencies []struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	} `json:"dependencies"`
	Vulnerabilities []struct {
		ID      string `json:"id"`
		Affects []struct {
			Ref string `json:"ref"`
		} `json:"affects"`
	} `json:"vulnerabilities"`
}

func parse(t *testing.T, b []byte) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestOddNames: unicode, spaces and '@' in names and versions give a
// document that validates, with unique references that the dependencies
// and vulnerabilities point at.
func TestOddNames(t *testing.T) {
	sch := compileSchema(t)
	in := sampleInput(t)
	in.Ref = "docker-archive:/tmp/my image ü.tar"
	in.Digest = ""
	npmPkg := func(name, ver, path string) inventory.Package {
		ps, err := lang.NPMPackageJSON{}.Parse(path, strings.NewReader(`{"name":`+quote(name)+`,"version":`+quote(ver)+`}`))
		if err != nil || len(ps) != 1 {
			t.Fatalf("npm %s: %v %v", name, ps, err)
		}
		return inventory.Package{Package: ps[0], Layer: inventory.Layer{Index: 1, DiffID: diff1, CreatedBy: "RUN echo \"ünïcödé\" && npm i"}}
	}
	in.Inventory.Packages = append(in.Inventory.Packages,
		npmPkg("@scope/pkg name", "1.0.0+build ü", "app/node_modules/@scope/pkg name/package.json"),
		npmPkg("日本語", "2.0.0", "app/node_modules/日本語/package.json"),
		// The same package read twice: the references must differ.
		npmPkg("@babel/core", "7.23.2", "srv/node_modules/@babel/core/package.json"),
		inventory.Package{Package: pkgdb.Package{Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "npm"}, Name: "no purl", Version: ""}},
	)
	in.Findings = append(in.Findings, match.Finding{
		VulnID: "GHSA-xxxx-yyyy-zzzz", Package: in.Inventory.Packages[len(in.Inventory.Packages)-2].Package,
		Status: match.StatusAffected, Severity: match.Severity{Level: match.LevelHigh, Source: match.SourceGHSA}, Ecosystem: "npm",
	})
	out := write(t, in)
	validate(t, sch, out)
	d := parse(t, out)
	if d.Metadata.Component.PURL != "" {
		t.Errorf("an archive image got a purl: %s", d.Metadata.Component.PURL)
	}
	refs := map[string]bool{d.Metadata.Component.BOMRef: true}
	for _, c := range d.Components {
		if refs[c.BOMRef] {
			t.Errorf("bom-ref %q given twice", c.BOMRef)
		}
		refs[c.BOMRef] = true
	}
	for _, dep := range d.Dependencies {
		for _, r := range append([]string{dep.Ref}, dep.DependsOn...) {
			if !refs[r] {
				t.Errorf("dependency names unknown ref %q", r)
			}
		}
	}
	for _, v := range d.Vulnerabilities {
		for _, a := range v.Affects {
			if !refs[a.Ref] {
				t.Errorf("%s affects unknown ref %q", v.ID, a.Ref)
			}
		}
	}
	// The duplicate @babel/core: two components, the second (srv/ sorts
	// after app/) with "#2", and the vulnerability found in the srv copy
	// names that one.
	var babel []string
	for _, c := range d.Components {
		if c.Name == "@babel/core" {
			babel = append(babel, c.BOMRef)
		}
	}
	if want := []string{"pkg:npm/%40babel/core@7.23.2", "pkg:npm/%40babel/core@7.23.2#2"}; !slices.Equal(babel, want) {
		t.Errorf("@babel/core refs = %q, want %q", babel, want)
	}
	for _, v := range d.Vulnerabilities {
		if v.ID == "GHSA-xxxx-yyyy-zzzz" && (len(v.Affects) != 1 || v.Affects[0].Ref != "pkg:npm/%40babel/core@7.23.2#2") {
			t.Errorf("GHSA affects %+v, want the srv copy only", v.Affects)
		}
	}
}

// TestHostileStrings: control characters and invalid UTF-8 in names,
// versions and history still give valid JSON that validates.
func TestHostileStrings(t *testing.T) {
	sch := compileSchema(t)
	in := sampleInput(t)
	in.Ref = "bad\x00\x1b[31mref" + string([]byte{0xff, 0xfe})
	in.Inventory.Release.PrettyName = "Debian\u2028\n" + string([]byte{0xc3})
	in.Inventory.Packages = append(in.Inventory.Packages, inventory.Package{
		Package: pkgdb.Package{Type: pkgdb.TypeLang, Ecosystem: pkgdb.Ecosystem{Base: "npm"},
			Name: "x\x00y" + string([]byte{0xff}), Version: "1\t2",
			PURL: pkgdb.PURL("npm", "", "x\x00y"+string([]byte{0xff}), "1\t2", nil), DBPath: "a\nb"},
		Layer: inventory.Layer{Index: 1, DiffID: diff1, CreatedBy: "RUN \x07\x1b]0;pwned\x07 " + string([]byte{0xe2, 0x28, 0xa1})},
	})
	out := write(t, in)
	if !json.Valid(out) {
		t.Fatal("output is not valid JSON")
	}
	validate(t, sch, out)
}

// TestVulnerabilityGrouping: one identifier found in two packages is one
// vulnerability with two affects entries and both upgrades; a
// not-evaluated finding is "unknown" with its reason.
func TestVulnerabilityGrouping(t *testing.T) {
	in := sampleInput(t)
	libc := pkgNamed(t, in.Inventory, "libc6")
	bash := pkgNamed(t, in.Inventory, "bash")
	in.Findings = append(in.Findings,
		match.Finding{VulnID: "CVE-2023-5678", Records: []string{"DSA-5585-1"}, Package: libc, FixedVersion: "2.36-9+deb12u5",
			Status: match.StatusFixed, Severity: match.Severity{Level: match.LevelHigh, Source: match.SourceDistro}, Ecosystem: "Debian:12"},
		match.Finding{VulnID: "CVE-2024-0001", Records: []string{"DEBIAN-CVE-2024-0001"}, Package: bash,
			Status: match.StatusNotEvaluated, Reason: "installed version is not valid", Severity: match.Severity{Level: match.LevelUnknown}, Ecosystem: "Debian:12"},
	)
	bom, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	vs := *bom.Vulnerabilities
	if len(vs) != 2 {
		t.Fatalf("%d vulnerabilities, want 2", len(vs))
	}
	v := vs[0]
	if v.ID != "CVE-2023-5678" || len(*v.Affects) != 2 || len(*v.Ratings) != 2 ||
		v.Recommendation != "Upgrade libc6 to 2.36-9+deb12u5; libssl3 to 3.0.13-1~deb12u1" {
		t.Errorf("grouped vulnerability = %+v (affects %+v, ratings %+v)", v, *v.Affects, *v.Ratings)
	}
	u := vs[1]
	if (*u.Affects)[0].Range == nil || (*(*u.Affects)[0].Range)[0].Status != "unknown" || u.Recommendation != "" {
		t.Errorf("not-evaluated vulnerability = %+v", u)
	}
	if u.Properties == nil || !slices.Contains(*u.Properties, cdx.Property{Name: PropReason, Value: "bash: installed version is not valid"}) {
		t.Errorf("not-evaluated properties = %+v", u.Properties)
	}
	if u.Ratings == nil || (*u.Ratings)[0].Severity != cdx.SeverityUnknown {
		t.Errorf("not-evaluated ratings = %+v", u.Ratings)
	}
}

// BenchmarkWrite writes the BOM of an image with 5,000 packages and 500
// findings.
func BenchmarkWrite(b *testing.B) {
	inv := &inventory.Inventory{Release: osrelease.Release{ID: "debian", VersionID: "12"}, Ecosystem: pkgdb.Ecosystem{Base: "Debian", Suffix: "12"}}
	var findings []match.Finding
	for i := range 5000 {
		name := fmt.Sprintf("pkg%04d", i)
		p := pkgdb.Package{Type: pkgdb.TypeOS, Ecosystem: inv.Ecosystem, Name: name, Version: "1.0-1", SrcName: name, SrcVersion: "1.0-1",
			PURL: pkgdb.PURL("deb", "debian", name, "1.0-1", map[string]string{"arch": "amd64"}), DBPath: "var/lib/dpkg/status"}
		inv.Packages = append(inv.Packages, inventory.Package{Package: p, Layer: inventory.Layer{Index: i % 3, DiffID: diff0}})
		if i%10 == 0 {
			findings = append(findings, match.Finding{VulnID: fmt.Sprintf("CVE-2024-%05d", i), Package: p, FixedVersion: "1.0-2",
				Status: match.StatusFixed, Severity: match.Severity{Level: match.LevelHigh, Source: match.SourceCVSS, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Score: 7.5}})
		}
	}
	in := Input{Ref: "big:1", ImageID: imgID, Inventory: inv, Findings: findings, Now: fixedNow}
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteCycloneDX(io.Discard, in); err != nil {
			b.Fatal(err)
		}
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestStructure(t *testing.T) {
	d := parse(t, write(t, sampleInput(t)))
	// The image: pkg:oci with the manifest digest and the repository.
	wantPURL := "pkg:oci/app@sha256:4444444444444444444444444444444444444444444444444444444444444444?arch=amd64&repository_url=registry.example.com%2Fteam%2Fapp&tag=1.0"
	if d.Metadata.Component.PURL != wantPURL {
		t.Errorf("image purl = %s, want %s", d.Metadata.Component.PURL, wantPURL)
	}
	if len(d.Components) == 0 || d.Components[0].Type != "operating-system" || d.Components[0].BOMRef != "os:debian@12" {
		t.Fatalf("first component = %+v, want the OS", d.Components[0])
	}
	deps := map[string][]string{}
	for _, dep := range d.Dependencies {
		deps[dep.Ref] = dep.DependsOn
	}
	// The OS lists its dpkg packages; the image the OS, the apk package
	// of another release and the language packages.
	if got := len(deps["os:debian@12"]); got != 3 {
		t.Errorf("OS dependsOn %d packages, want 3: %v", got, deps["os:debian@12"])
	}
	if got := len(deps[wantPURL]); got != 5 {
		t.Errorf("image dependsOn %d, want 5 (OS, apk, npm, 2 Go): %v", got, deps[wantPURL])
	}
	if len(d.Vulnerabilities) != 1 || len(d.Vulnerabilities[0].Affects) != 1 ||
		!strings.HasPrefix(d.Vulnerabilities[0].Affects[0].Ref, "pkg:deb/debian/libssl3@") {
		t.Errorf("vulnerabilities = %+v", d.Vulnerabilities)
	}
}

// TestMinimalInput: an image known by nothing but its inventory still
// gives a valid document.
func TestMinimalInput(t *testing.T) {
	sch := compileSchema(t)
	out := write(t, Input{Inventory: &inventory.Inventory{}, Now: fixedNow})
	validate(t, sch, out)
	if d := parse(t, out); d.Metadata.Component.BOMRef != "image:image" || len(d.Components) != 0 {
		t.Errorf("minimal document = %+v", d)
	}
}

func TestErrors(t *testing.T) {
	if err := WriteCycloneDX(&bytes.Buffer{}, Input{}); err == nil {
		t.Error("no inventory: want an error")
	}
	in := sampleInput(t)
	in.Findings[0].Package.DBPath = "elsewhere"
	if err := WriteCycloneDX(&bytes.Buffer{}, in); err == nil || !strings.Contains(err.Error(), "not in the inventory") {
		t.Errorf("finding for an unknown package: err = %v", err)
	}
}

func TestRatingMapping(t *testing.T) {
	tests := []struct {
		sev    match.Severity
		eco    string
		method string
		sevOut string
		source string
	}{
		{match.Severity{Level: match.LevelCritical, Source: match.SourceCVSS, Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Score: 9.3}, "npm", "CVSSv4", "critical", ""},
		{match.Severity{Level: match.LevelHigh, Source: match.SourceCVSS, Vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", Score: 7.5}, "npm", "CVSSv2", "high", ""},
		{match.Severity{Level: match.LevelNegligible, Source: match.SourceDistro}, "Ubuntu:22.04:LTS", "other", "info", "Ubuntu"},
		{match.Severity{Level: match.LevelMedium, Source: match.SourceGHSA}, "npm", "other", "medium", "GitHub Advisory Database"},
		{match.Severity{Level: match.LevelUnknown}, "npm", "", "unknown", ""},
	}
	for _, tt := range tests {
		r, ok := rating(&match.Finding{Severity: tt.sev, Ecosystem: tt.eco})
		if !ok {
			t.Errorf("%+v: no rating", tt.sev)
			continue
		}
		src := ""
		if r.Source != nil {
			src = r.Source.Name
		}
		if string(r.Method) != tt.method || string(r.Severity) != tt.sevOut || src != tt.source {
			t.Errorf("%+v: rating %s %s %q, want %s %s %q", tt.sev, r.Method, r.Severity, src, tt.method, tt.sevOut, tt.source)
		}
	}
	if _, ok := rating(&match.Finding{}); ok {
		t.Error("a finding with no level got a rating")
	}
}
