package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/suppress"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sample scans testdata/Dockerfile with every rule, as the CLI does.
func sample(t *testing.T) *report.Report {
	t.Helper()
	reg, err := rules.Registry()
	if err != nil {
		t.Fatal(err)
	}
	ignores := []suppress.Ignore{
		{Rules: []string{"DF003"}, Reason: "the full image is needed for native wheels", File: ".bulwark.yaml", Line: 3},
		{Rules: []string{"DF002"}, Reason: "digests are pinned by the release job", File: ".bulwark.yaml", Line: 6},
		{Rules: []string{"DF009"}, Reason: "until the base image has a numeric user", Expires: "2025-12-01", File: ".bulwark.yaml", Line: 9},
	}
	m := suppress.NewMatcher(reg, ignores, false, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	// A fixed set of rules keeps the golden files stable as rules are added.
	var set []*rule.Rule
	for _, id := range []string{"DF001", "DF003", "DF007", "DF009", "DF046"} {
		r, ok := reg.Lookup(id)
		if !ok {
			t.Fatalf("no rule %s", id)
		}
		set = append(set, r)
	}
	res := scan.AnalyzeTargets(context.Background(),
		[]scan.Target{{Path: "testdata/Dockerfile", Kind: "dockerfile"}, {Path: "testdata/missing/Dockerfile", Kind: "dockerfile"}},
		scan.Options{Rules: set, Matcher: m, Workers: 2})
	// A finding in a rendered Helm template, as the scan of a chart makes.
	res.Findings = append(res.Findings, finding.Finding{
		RuleID: "KS001", Title: "container runs privileged", Severity: finding.High,
		Message:     `container "web" sets securityContext.privileged`,
		Remediation: "Remove securityContext.privileged.",
		Location: finding.Location{
			Path: "testdata/chart/templates/deployment.yaml", Start: finding.Position{Line: 26, Column: 13}, End: finding.Position{Line: 26, Column: 29},
			Object: "Deployment/prod/web", Render: &finding.Render{Kind: finding.RenderHelm, Input: "testdata/chart", ValuesSet: "prod"},
		},
	})
	var used []string
	for _, f := range res.Findings {
		used = append(used, f.RuleID)
	}
	r := &report.Report{Tool: "bulwark", Version: "test", Paths: res.Paths, Findings: res.Findings, Errors: res.Errors, Stale: m.Stale(), FailOn: finding.High,
		Notes: []finding.Note{{Message: "variables not set: TAG", Location: finding.Location{Path: "testdata/compose.yaml", Start: finding.Position{Line: 3, Column: 12}, End: finding.Position{Line: 3, Column: 18}, Object: "services.web.image"}}}}
	for _, rl := range reg.All() {
		for _, id := range used {
			if id == rl.ID {
				r.Rules = append(r.Rules, rl)
				break
			}
		}
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden; run go test ./report -update and review the diff\n--- got ---\n%s", name, got)
	}
}

func TestFormatsGolden(t *testing.T) {
	r := sample(t)
	for _, tc := range []struct {
		format report.Format
		file   string
		color  bool
	}{
		{report.Table, "golden.txt", false},
		{report.Table, "golden-color.txt", true},
		{report.JSON, "golden.json", false},
		{report.SARIF, "golden.sarif", false},
		{report.JUnit, "golden.xml", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.Write(&b, tc.format, r, report.Options{Color: tc.color}); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, b.Bytes())
		})
	}
}

func validate(t *testing.T, schemaPath string, doc []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatalf("compiling %s: %v", schemaPath, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("output does not validate against %s: %v", schemaPath, err)
	}
}

// TestSARIFValidates checks the SARIF output against the official SARIF
// 2.1.0 schema, and that it carries what GitHub code scanning reads.
func TestSARIFValidates(t *testing.T) {
	var b bytes.Buffer
	if err := report.Write(&b, report.SARIF, sample(t), report.Options{}); err != nil {
		t.Fatal(err)
	}
	validate(t, "testdata/sarif-schema-2.1.0.json", b.Bytes())
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string `json:"id"`
						Help       struct{ Markdown string }
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						Region struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
				Suppressions []struct{ Kind string }
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) == 0 || len(run.Results) == 0 {
		t.Fatal("no rules or results")
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.Properties["security-severity"] == nil || r.Help.Markdown == "" {
			t.Errorf("rule %s lacks security-severity or help", r.ID)
		}
	}
	suppressed := 0
	for _, res := range run.Results {
		rg := res.Locations[0].PhysicalLocation.Region
		if rg.StartLine == 0 || rg.StartColumn == 0 || rg.EndLine == 0 {
			t.Errorf("result %s has an imprecise region %+v", res.RuleID, rg)
		}
		suppressed += len(res.Suppressions)
	}
	if suppressed != 2 {
		t.Errorf("want 2 suppressed results (one inline, one config), got %d", suppressed)
	}
}

// TestJSONValidates checks the JSON report against its documented schema.
func TestJSONValidates(t *testing.T) {
	var b bytes.Buffer
	if err := report.Write(&b, report.JSON, sample(t), report.Options{}); err != nil {
		t.Fatal(err)
	}
	validate(t, "../docs/json-report.schema.json", b.Bytes())
}

func TestJUnitWellFormed(t *testing.T) {
	var b bytes.Buffer
	if err := report.Write(&b, report.JUnit, sample(t), report.Options{}); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
	}
	if err := xml.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Failures == 0 || v.Errors != 1 {
		t.Errorf("want failures and exactly one error (the missing file), got %+v", v)
	}
}

// imageSample is the report of an image scan: vulnerabilities fixed, not
// fixed, not evaluated and suppressed, an image rule finding, a note and a
// stale suppression.
func imageSample() *report.Report {
	const ref = "registry.example.com/shop/web:1.4"
	layer0 := finding.ImageLayer{Index: 0, DiffID: "sha256:1111111111111111111111111111111111111111111111111111111111111111", CreatedBy: "ADD alpine-minirootfs-3.18.4-x86_64.tar.gz / # buildkit"}
	layer2 := finding.ImageLayer{Index: 2, DiffID: "sha256:2222222222222222222222222222222222222222222222222222222222222222", CreatedBy: "COPY app /app # buildkit"}
	vuln := func(sev finding.Severity, v finding.Vulnerability, msg, remedy string) finding.Finding {
		v.URL = "https://osv.dev/vulnerability/" + v.ID
		title := v.Summary
		if title == "" {
			title = "known vulnerability in " + v.Package
		}
		return finding.Finding{RuleID: v.ID, Title: title, Severity: sev, Message: msg, Remediation: remedy,
			Location: finding.Location{Path: ref, Object: v.Package + "@" + v.InstalledVersion + ", layer " + string(rune('0'+v.Layer.Index))}, Vulnerability: &v}
	}
	imgRule := &rule.Rule{ID: "IM901", Slug: "test-root-user", Title: "image runs as root", Severity: finding.High, Kind: rule.Image,
		Why: "A process running as root in the container is root on the host if it escapes.", Bad: "USER root", Good: "USER 10001",
		Remediation: "Set a numeric non-root USER in the image config.", Tags: []string{"seed:least-privilege"}}
	fs := []finding.Finding{
		{RuleID: "IM901", Title: imgRule.Title, Severity: finding.High, Message: "the image config sets no user: processes run as root",
			Remediation: imgRule.Remediation, Location: finding.Location{Path: ref, Object: "config.User"}},
		vuln(finding.High, finding.Vulnerability{ID: "CVE-2025-26519", Aliases: []string{"ALPINE-CVE-2025-26519"}, Records: []string{"ALPINE-CVE-2025-26519"},
			Package: "musl", InstalledVersion: "1.2.4-r0", FixedVersion: "1.2.4-r3", Status: finding.VulnFixed, Ecosystem: "Alpine:v3.18",
			PURL: "pkg:apk/alpine/musl@1.2.4-r0?arch=x86_64&distro=3.18.4", PackagePath: "lib/apk/db/installed", Level: "HIGH", SeveritySource: "cvss",
			CVSS: &finding.CVSS{Vector: "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", Score: 7.0}, Layer: layer0,
			References: []string{"https://www.openwall.com/lists/musl/2025/02/13/1"}},
			"musl 1.2.4-r0 is affected by CVE-2025-26519; fixed in 1.2.4-r3", "Upgrade musl to 1.2.4-r3 or later."),
		vuln(finding.High, finding.Vulnerability{ID: "CVE-2025-26519", Aliases: []string{"ALPINE-CVE-2025-26519"}, Records: []string{"ALPINE-CVE-2025-26519"},
			Package: "musl-utils", InstalledVersion: "1.2.4-r0", SourcePackage: "musl", FixedVersion: "1.2.4-r3", Status: finding.VulnFixed, Ecosystem: "Alpine:v3.18",
			PURL: "pkg:apk/alpine/musl-utils@1.2.4-r0?arch=x86_64&distro=3.18.4", PackagePath: "lib/apk/db/installed", Level: "HIGH", SeveritySource: "cvss",
			CVSS: &finding.CVSS{Vector: "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", Score: 7.0}, Layer: layer0},
			"musl-utils 1.2.4-r0 (source musl 1.2.4-r0) is affected by CVE-2025-26519; fixed in 1.2.4-r3", "Upgrade musl-utils (source package musl) to 1.2.4-r3 or later."),
		vuln(finding.High, finding.Vulnerability{ID: "CVE-2021-23337", Aliases: []string{"GHSA-35jh-r3h4-6jhm"}, Records: []string{"GHSA-35jh-r3h4-6jhm"},
			Package: "lodash", InstalledVersion: "4.17.20", FixedVersion: "4.17.21", Status: finding.VulnFixed, Ecosystem: "npm",
			PURL: "pkg:npm/lodash@4.17.20", PackagePath: "app/node_modules/lodash/package.json", Level: "HIGH", SeveritySource: "cvss",
			CVSS: &finding.CVSS{Vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", Score: 7.2}, Layer: layer2,
			Summary: "Command Injection in lodash"},
			"lodash 4.17.20 is affected by CVE-2021-23337; fixed in 4.17.21", "Upgrade lodash to 4.17.21 or later."),
		vuln(finding.Medium, finding.Vulnerability{ID: "CVE-2023-5678", Records: []string{"ALPINE-CVE-2023-5678"},
			Package: "libcrypto3", InstalledVersion: "3.1.4-r0", SourcePackage: "openssl", Status: finding.VulnAffected, Ecosystem: "Alpine:v3.18",
			Level: "MEDIUM", SeveritySource: "distro", Layer: layer0, Summary: "Excessive time spent in DH check / generation with large Q parameter value"},
			"libcrypto3 3.1.4-r0 (source openssl 3.1.4-r0) is affected by CVE-2023-5678; no fixed version is known",
			"No fix is known yet: remove the package if the image does not need it, or record the accepted risk in an ignore entry with an expiry date."),
		vuln(finding.Unknown, finding.Vulnerability{ID: "GO-2024-2687", Records: []string{"GO-2024-2687"},
			Package: "golang.org/x/net", InstalledVersion: "(devel)", Status: finding.VulnNotEvaluated, Reason: `installed version "(devel)" is not a valid Go version`,
			Ecosystem: "Go", Level: "UNKNOWN", Layer: layer2, Summary: "HTTP/2 CONTINUATION flood in net/http"},
			`golang.org/x/net (devel) may be affected by GO-2024-2687; not evaluated: installed version "(devel)" is not a valid Go version`,
			"Check the installed version against the advisory by hand."),
	}
	suppressed := vuln(finding.Low, finding.Vulnerability{ID: "CVE-2024-0727", Records: []string{"ALPINE-CVE-2024-0727"},
		Package: "libssl3", InstalledVersion: "3.1.4-r0", SourcePackage: "openssl", FixedVersion: "3.1.4-r5", Status: finding.VulnFixed, Ecosystem: "Alpine:v3.18",
		Level: "LOW", SeveritySource: "distro", Layer: layer0},
		"libssl3 3.1.4-r0 (source openssl 3.1.4-r0) is affected by CVE-2024-0727; fixed in 3.1.4-r5", "Upgrade libssl3 (source package openssl) to 3.1.4-r5 or later.")
	suppressed.Suppressed = &finding.Suppression{Kind: "config", Reason: "PKCS12 files are never parsed", Source: ".bulwark.yaml:4"}
	fs = append(fs, suppressed)
	return &report.Report{
		Tool: "bulwark", Version: "test", FailOn: finding.High, Findings: fs, Rules: []*rule.Rule{imgRule},
		Images: []report.Image{{Ref: ref, ID: "sha256:3333333333333333333333333333333333333333333333333333333333333333", OS: "Alpine Linux v3.18", Ecosystem: "Alpine:v3.18", Packages: 17}},
		Notes:  []finding.Note{{Message: "app/bin/server: Go build information unreadable", Location: finding.Location{Path: ref}}},
		Stale:  []suppress.Stale{{Source: ".bulwark.yaml:9", Why: "matched no finding"}},
	}
}

func TestImageFormatsGolden(t *testing.T) {
	r := imageSample()
	for _, tc := range []struct {
		format report.Format
		file   string
		color  bool
	}{
		{report.Table, "image-golden.txt", false},
		{report.Table, "image-golden-color.txt", true},
		{report.JSON, "image-golden.json", false},
		{report.SARIF, "image-golden.sarif", false},
		{report.JUnit, "image-golden.xml", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.Write(&b, tc.format, r, report.Options{Color: tc.color}); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, b.Bytes())
		})
	}
}

// TestImageValidates checks the SARIF and JSON of an image scan against
// their schemas, and that each vulnerability has a rule descriptor with
// help and a security-severity from its CVSS score.
func TestImageValidates(t *testing.T) {
	r := imageSample()
	var js, sarif bytes.Buffer
	if err := report.Write(&js, report.JSON, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	validate(t, "../docs/json-report.schema.json", js.Bytes())
	if err := report.Write(&sarif, report.SARIF, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	validate(t, "testdata/sarif-schema-2.1.0.json", sarif.Bytes())
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string         `json:"id"`
						HelpURI    string         `json:"helpUri"`
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	score := map[string]any{}
	for _, rl := range run.Tool.Driver.Rules {
		score[rl.ID] = rl.Properties["security-severity"]
	}
	// One descriptor per ID (musl and musl-utils share CVE-2025-26519),
	// the CVSS score where there is one, the severity's score otherwise.
	want := map[string]any{"IM901": "8.0", "CVE-2025-26519": "7.0", "CVE-2021-23337": "7.2", "CVE-2023-5678": "5.5", "GO-2024-2687": "0.0", "CVE-2024-0727": "2.0"}
	if len(score) != len(want) || len(run.Tool.Driver.Rules) != len(want) {
		t.Errorf("rules %v, want %v", score, want)
	}
	for id, s := range want {
		if score[id] != s {
			t.Errorf("%s: security-severity %v, want %v", id, score[id], s)
		}
	}
	for _, res := range run.Results {
		if res.RuleIndex == nil || run.Tool.Driver.Rules[*res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s has no matching rule index", res.RuleID)
		}
	}
}

// TestImageGate: a not-evaluated or unknown-severity vulnerability never
// fails the run; a suppressed one neither.
func TestImageGate(t *testing.T) {
	for _, tc := range []struct {
		failOn finding.Severity
		keep   []string // rule IDs kept in the report
		failed bool
	}{
		{finding.High, []string{"CVE-2025-26519"}, true},                  // HIGH at HIGH: fails
		{finding.Critical, []string{"CVE-2025-26519"}, false},             // HIGH below CRITICAL
		{finding.Info, []string{"GO-2024-2687"}, false},                   // not evaluated, UNKNOWN: never fails
		{finding.Low, []string{"CVE-2024-0727"}, false},                   // suppressed
		{finding.Medium, []string{"CVE-2023-5678", "GO-2024-2687"}, true}, // unfixed MEDIUM fails at MEDIUM
	} {
		r := imageSample()
		r.FailOn = tc.failOn
		var kept []finding.Finding
		for _, f := range r.Findings {
			if slices.Contains(tc.keep, f.RuleID) {
				kept = append(kept, f)
			}
		}
		r.Findings = kept
		if got := r.Failed(); got != tc.failed {
			t.Errorf("fail-on %s with %v: failed %v, want %v", tc.failOn, tc.keep, got, tc.failed)
		}
	}
}
