package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
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
