package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulwark-sec/bulwark/config"
	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules"
	"github.com/bulwark-sec/bulwark/source/image"
	"github.com/bulwark-sec/bulwark/source/image/imagetest"
	"github.com/bulwark-sec/bulwark/suppress"
	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/inventory"
)

// imageFixture is a two-layer image (Alpine 3.18's package database, then
// an application layer with lodash 4.17.20) in an OCI layout, and a
// database of five records: two real (musl CVE-2025-26519, lodash
// CVE-2021-23337 as GHSA-35jh-r3h4-6jhm) and three synthetic ones in
// testdata/image/osv (zlib unfixed, busybox not evaluable, openssl low).
type imageFixture struct {
	dir, ref, db string
}

func newImageFixture(t testing.TB, user string) imageFixture {
	t.Helper()
	corpus := vulnCorpus(t)
	dbFile := filepath.Join(t.TempDir(), "osv.db")
	inputs := []string{
		filepath.Join(corpus, "osv/Alpine/ALPINE-CVE-2025-26519.json"),
		filepath.Join(corpus, "osv/npm/GHSA-35jh-r3h4-6jhm.json"),
	}
	synthetic, err := filepath.Glob("testdata/image/osv/*.json")
	if err != nil || len(synthetic) != 3 {
		t.Fatalf("synthetic records: %v %v", synthetic, err)
	}
	if _, err := db.Import(context.Background(), dbFile, append(inputs, synthetic...), db.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	app := t.TempDir()
	pj := filepath.Join(app, "app/node_modules/lodash/package.json")
	if err := os.MkdirAll(filepath.Dir(pj), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pj, []byte(`{"name": "lodash", "version": "4.17.20"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: imagetest.DirLayer(t, filepath.Join(corpus, "pkgdb/apk/alpine-3.18")), History: v1.History{CreatedBy: "ADD alpine-minirootfs.tar.gz /"}},
		mutate.Addendum{Layer: imagetest.DirLayer(t, app), History: v1.History{CreatedBy: "COPY app /app # buildkit"}})
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		cf = cf.DeepCopy()
		cf.Config.User = user
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return imageFixture{dir: dir, ref: "oci:" + dir, db: dbFile}
}

// scan runs bulwark image on the fixture with args.
func (fx imageFixture) scan(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, append([]string{"image", fx.ref, "--db", fx.db}, args...)...)
}

// json runs a JSON scan and decodes it.
func (fx imageFixture) json(t *testing.T, args ...string) (int, report.JSONReport) {
	t.Helper()
	code, out, errOut := fx.scan(t, append([]string{"--format", "json"}, args...)...)
	if code != exitOK && code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	return code, imageJSON(t, out)
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID+" "+f.Vulnerability.Package)
	}
	sort.Strings(out)
	return out
}

func validateSchema(t *testing.T, schemaPath string, doc []byte) {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile(schemaPath)
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

// TestImageReportGolden holds each format of an image scan to its golden
// file (BULWARK_UPDATE_GOLDEN=1 rewrites them), the layout's temporary
// folder replaced by IMAGE; the JSON and SARIF validate against their
// schemas.
func TestImageReportGolden(t *testing.T) {
	fx := newImageFixture(t, "")
	for _, format := range []string{"table", "json", "sarif", "junit"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := fx.scan(t, "--format", format)
			if code != exitFindings {
				t.Fatalf("exit %d, want 1; stderr: %s\n%s", code, errOut, out)
			}
			switch format {
			case "json":
				validateSchema(t, "../../docs/json-report.schema.json", []byte(out))
			case "sarif":
				validateSchema(t, "../../report/testdata/sarif-schema-2.1.0.json", []byte(out))
			}
			out = strings.ReplaceAll(out, fx.dir, "IMAGE")
			golden := filepath.Join("testdata", "image", "report."+format+".golden")
			if os.Getenv("BULWARK_UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(want) != out {
				t.Errorf("output differs from %s (BULWARK_UPDATE_GOLDEN=1 rewrites it):\n%s", golden, out)
			}
		})
	}
}

// TestImageGateFlags: --fail-on, --severity and --ignore-unfixed on the
// fixture, whose findings are musl and musl-utils CVE-2025-26519 (HIGH,
// fixed), lodash CVE-2021-23337 (HIGH, fixed), zlib CVE-2099-0001
// (MEDIUM, unfixed), libcrypto3 and libssl3 CVE-2099-0003 (LOW, fixed) and
// busybox, busybox-binsh and ssl_client CVE-2099-0002 (UNKNOWN, not
// evaluated).
func TestImageGateFlags(t *testing.T) {
	fx := newImageFixture(t, "")
	_, all := fx.json(t)
	want := []string{
		"CVE-2021-23337 lodash", "CVE-2025-26519 musl", "CVE-2025-26519 musl-utils",
		"CVE-2099-0001 zlib", "CVE-2099-0002 busybox", "CVE-2099-0002 busybox-binsh", "CVE-2099-0002 ssl_client",
		"CVE-2099-0003 libcrypto3", "CVE-2099-0003 libssl3",
	}
	if got := ids(all.Findings); !slices.Equal(got, want) {
		t.Fatalf("findings %v\nwant %v", got, want)
	}
	for _, f := range all.Findings {
		if f.Vulnerability.Status == finding.VulnNotEvaluated && f.Severity != finding.Unknown {
			t.Errorf("%s: not evaluated with severity %s", f.RuleID, f.Severity)
		}
	}
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		shown int
	}{
		{"default HIGH", nil, exitFindings, 9},
		{"fail-on CRITICAL", []string{"--fail-on", "CRITICAL"}, exitOK, 9},
		{"fail-on none", []string{"--fail-on", "none"}, exitOK, 9},
		{"fail-on LOW", []string{"--fail-on", "low"}, exitFindings, 9},
		// Only the not-evaluated busybox findings are shown: they never fail.
		{"severity UNKNOWN", []string{"--severity", "UNKNOWN", "--fail-on", "INFO"}, exitOK, 3},
		// The unfixed zlib MEDIUM fails at MEDIUM ...
		{"severity MEDIUM", []string{"--severity", "MEDIUM", "--fail-on", "MEDIUM"}, exitFindings, 1},
		// ... and is gone with --ignore-unfixed; not-evaluated findings stay.
		{"ignore-unfixed", []string{"--severity", "MEDIUM,UNKNOWN", "--fail-on", "MEDIUM", "--ignore-unfixed"}, exitOK, 3},
		// NEGLIGIBLE is read as INFO: nothing here.
		{"severity NEGLIGIBLE", []string{"--severity", "negligible"}, exitOK, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, rep := fx.json(t, tc.args...)
			if code != tc.code || len(rep.Findings) != tc.shown || rep.Summary.Failed != (tc.code == exitFindings) {
				t.Errorf("exit %d with %d findings (failed %v), want %d with %d: %v", code, len(rep.Findings), rep.Summary.Failed, tc.code, tc.shown, ids(rep.Findings))
			}
		})
	}
	for _, args := range [][]string{{"--severity", "SEVERE"}, {"--fail-on", "UNKNOWN"}, {"--format", "xml"}} {
		if code, _, _ := fx.scan(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestImageSuppression: .bulwark.yaml entries by vulnerability ID or
// alias, package name, source package or PURL, and image glob; expired
// and unused entries are named; the gate counts only what is left.
func TestImageSuppression(t *testing.T) {
	fx := newImageFixture(t, "")
	for _, tc := range []struct {
		name       string
		config     string
		args       []string
		suppressed []string
		stale      []string
		code       int
	}{
		{
			name: "by ID and alias",
			config: `ignore:
  - rules: [CVE-2025-26519]
    reason: iconv is not used
  - rules: [GHSA-35jh-r3h4-6jhm]      # lodash's CVE-2021-23337, by its GHSA alias
    reason: template() is never called with user input
`,
			suppressed: []string{"CVE-2021-23337 lodash", "CVE-2025-26519 musl", "CVE-2025-26519 musl-utils"},
			code:       exitOK, // nothing HIGH left
		},
		{
			name: "by source package, name glob and purl",
			config: `ignore:
  - packages: [openssl]
    reason: PKCS12 is never parsed
  - packages: ["musl-*"]
    reason: utilities are not run
  - packages: ["pkg:npm/lodash@4.*"]
    reason: vendored, patched
`,
			suppressed: []string{"CVE-2021-23337 lodash", "CVE-2025-26519 musl-utils", "CVE-2099-0003 libcrypto3", "CVE-2099-0003 libssl3"},
			code:       exitFindings, // musl HIGH is left
		},
		{
			name: "by image",
			config: `ignore:
  - images: ["oci:**/no-such-image"]
    reason: another image
  - rules: [CVE-2025-26519, CVE-2021-23337]
    images: ["IMAGEDIR"]
    reason: "this image, matched without its oci: prefix"
`,
			suppressed: []string{"CVE-2021-23337 lodash", "CVE-2025-26519 musl", "CVE-2025-26519 musl-utils"},
			stale:      []string{":2 matched no finding"},
			code:       exitOK,
		},
		{
			name: "expired and file entries",
			config: `ignore:
  - rules: [CVE-2025-26519]
    reason: was accepted until the rebuild
    expires: 2020-01-31
  - rules: [DF001]                   # a Dockerfile rule: no concern of an image scan
    paths: ["legacy/**"]
    reason: legacy
`,
			stale: []string{":2 expired on 2020-01-31"},
			code:  exitFindings,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), ".bulwark.yaml")
			// IMAGEDIR: the layout's path, the reference without oci:.
			if err := os.WriteFile(cfg, []byte(strings.ReplaceAll(tc.config, "IMAGEDIR", fx.dir)), 0o644); err != nil {
				t.Fatal(err)
			}
			code, rep := fx.json(t, append([]string{"--config", cfg}, tc.args...)...)
			if got := ids(rep.Suppressed); !slices.Equal(got, tc.suppressed) {
				t.Errorf("suppressed %v, want %v", got, tc.suppressed)
			}
			var stale []string
			for _, s := range rep.Stale {
				stale = append(stale, strings.TrimPrefix(s.Source, cfg)+" "+s.Why)
			}
			if !slices.Equal(stale, tc.stale) {
				t.Errorf("stale %v, want %v", stale, tc.stale)
			}
			if code != tc.code || rep.Summary.Suppressed != len(tc.suppressed) {
				t.Errorf("exit %d, %d suppressed; want %d", code, rep.Summary.Suppressed, tc.code)
			}
		})
	}
	// The table counts what was suppressed and names stale entries.
	cfg := filepath.Join(t.TempDir(), ".bulwark.yaml")
	if err := os.WriteFile(cfg, []byte("ignore:\n  - packages: [zlib]\n    reason: r\n  - rules: [CVE-2000-0001]\n    reason: r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ := fx.scan(t, "--config", cfg)
	if !strings.Contains(out, "1 suppressed") || !strings.Contains(out, cfg+":4 matched no finding") || strings.Contains(out, "CVE-2099-0001") {
		t.Errorf("table:\n%s", out)
	}
	// A rule name that is neither a rule nor a vulnerability ID is a
	// configuration error.
	if err := os.WriteFile(cfg, []byte("ignore:\n  - rules: [no-such-rule]\n    reason: r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := fx.scan(t, "--config", cfg); code != exitUsage || !strings.Contains(errOut, "no-such-rule") {
		t.Errorf("unknown rule: exit %d, %s", code, errOut)
	}
}

// testImageRule fires when the image config names no user.
func testImageRule() *rule.Rule {
	return &rule.Rule{
		ID: "TST901", Slug: "test-image-user", Title: "image runs as root", Severity: finding.High, Kind: rule.Image,
		Why: "w", Bad: "b", Good: "g", Remediation: "Set a user.",
		Check: func(p *rule.Pass) error {
			f := p.Target.(*image.Facts)
			if f.Config.Config.User == "" {
				p.Report(finding.Location{Path: f.Ref, Object: "config.User"}, "the image config names no user")
			}
			return nil
		},
	}
}

// TestImageRules runs an image rule on the facts of the fixture image:
// it fires on the image with no user (and its finding is gated and
// suppressed like the vulnerabilities) and not on the one with a user.
func TestImageRules(t *testing.T) {
	r := testImageRule()
	reg, err := rule.NewRegistry(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user  string
		fires bool
	}{
		{"", true},       // root by default: fires
		{"10001", false}, // a numeric user: must not fire
	} {
		fx := newImageFixture(t, tc.user)
		ctx := context.Background()
		img, err := image.Open(ctx, fx.ref, image.Options{})
		if err != nil {
			t.Fatal(err)
		}
		inv, err := inventory.Collect(ctx, img, inventory.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.Open(fx.db)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		facts := imageFacts(fx.ref, img, inv)
		if facts.Ref != fx.ref || facts.ID != img.ID.String() || len(facts.Layers) != 2 || facts.Config == nil {
			t.Errorf("facts %+v", facts)
		}
		_, rs, _, err := imageRulesOf(reg, &config.Config{}, nil)
		if err != nil || len(rs) != 1 {
			t.Fatalf("rules %v %v", rs, err)
		}
		res, err := scanImage(fx.ref, img, inv, d, imageScanOptions{Rules: rs})
		if err != nil {
			t.Fatal(err)
		}
		var got []finding.Finding
		for _, f := range res.Findings {
			if f.Vulnerability == nil {
				got = append(got, f)
			}
		}
		if fires := len(got) == 1 && got[0].RuleID == "TST901" && got[0].Location.Path == fx.ref; fires != tc.fires || len(got) > 1 {
			t.Errorf("user %q: rule findings %+v, want firing %v", tc.user, got, tc.fires)
		}
		if len(res.Findings) != len(got)+9 {
			t.Errorf("user %q: %d findings, want %d", tc.user, len(res.Findings), len(got)+9)
		}
		// A rule that cannot run makes the scan incomplete.
		broken := testImageRule()
		broken.Check = func(*rule.Pass) error { return errors.New("config unreadable") }
		res, err = scanImage(fx.ref, img, inv, d, imageScanOptions{Rules: []*rule.Rule{broken}})
		if err != nil || len(res.Errors) != 1 || res.Errors[0].Error() != fx.ref+": rule TST901: config unreadable" {
			t.Errorf("broken rule: %v %v", res.Errors, err)
		}
		// With the rule disabled nothing fires.
		_, rs, _, err = imageRulesOf(reg, &config.Config{}, []string{"test-image-user"})
		if err != nil || len(rs) != 0 {
			t.Errorf("disabled: %v %v", rs, err)
		}
	}
}

// TestSharedConfig: one .bulwark.yaml serves file and image scans: scan
// accepts vulnerability IDs and image entries and does not report them
// stale; image does not report the file entries.
func TestSharedConfig(t *testing.T) {
	fx := newImageFixture(t, "")
	dir := tree(t, map[string]string{
		".bulwark.yaml": `ignore:
  - rules: [DF001]
    paths: ["legacy/**"]
    reason: legacy images
  - rules: [CVE-2025-26519]
    reason: iconv is not used
  - packages: [zlib]
    images: ["**"]
    reason: zlib is not reachable
`,
		"legacy/Dockerfile": "FROM alpine:latest\nUSER 10001\nHEALTHCHECK NONE\n",
	})
	cfg := filepath.Join(dir, ".bulwark.yaml")
	code, out, errOut := runCLI(t, "scan", dir, "--format", "json", "--fail-on", "none")
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, errOut)
	}
	var rep report.JSONReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Stale {
		if !strings.HasSuffix(s.Source, ":2") {
			t.Errorf("scan reports image entry %s %s", s.Source, s.Why)
		}
	}
	_, irep := fx.json(t, "--config", cfg)
	if got := ids(irep.Suppressed); !slices.Equal(got, []string{"CVE-2025-26519 musl", "CVE-2025-26519 musl-utils", "CVE-2099-0001 zlib"}) {
		t.Errorf("image suppressed %v", got)
	}
	if len(irep.Stale) != 0 {
		t.Errorf("image reports %+v", irep.Stale)
	}
}

// TestImageOutputFile: --output writes the report to a file, standard
// output stays empty.
func TestImageOutputFile(t *testing.T) {
	fx := newImageFixture(t, "")
	dst := filepath.Join(t.TempDir(), "image.sarif")
	code, out, errOut := fx.scan(t, "--format", "sarif", "--output", dst)
	if code != exitFindings || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	validateSchema(t, "../../report/testdata/sarif-schema-2.1.0.json", b)
}

// BenchmarkScanImage measures matching the fixture's inventory and
// building its findings (the image already read).
func BenchmarkScanImage(b *testing.B) {
	fx := newImageFixture(b, "")
	ctx := context.Background()
	img, err := image.Open(ctx, fx.ref, image.Options{})
	if err != nil {
		b.Fatal(err)
	}
	inv, err := inventory.Collect(ctx, img, inventory.Options{})
	if err != nil {
		b.Fatal(err)
	}
	d, err := db.Open(fx.db)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := scanImage(fx.ref, img, inv, d, imageScanOptions{})
		if err != nil || len(res.Findings) != 9 {
			b.Fatalf("%d findings, %v", len(res.Findings), err)
		}
	}
}

// TestImageIgnoreFile: --ignore-file suppresses the IDs it lists (by
// alias too), names its expired and unused lines, and rejects what is
// neither a rule nor a vulnerability ID.
func TestImageIgnoreFile(t *testing.T) {
	fx := newImageFixture(t, "")
	dir := t.TempDir()
	list := filepath.Join(dir, ".trivyignore")
	if err := os.WriteFile(list, []byte(`# iconv is not used
CVE-2025-26519
GHSA-35jh-r3h4-6jhm exp:2020-01-01
CVE-2000-0001 # gone
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, rep := fx.json(t, "--ignore-file", list)
	if got := ids(rep.Suppressed); !slices.Equal(got, []string{"CVE-2025-26519 musl", "CVE-2025-26519 musl-utils"}) {
		t.Errorf("suppressed %v", got)
	}
	var stale []string
	for _, s := range rep.Stale {
		stale = append(stale, strings.TrimPrefix(s.Source, list)+" "+s.Why)
	}
	if want := []string{":3 expired on 2020-01-01", ":4 matched no finding"}; !slices.Equal(stale, want) {
		t.Errorf("stale %v, want %v", stale, want)
	}
	if code != exitFindings { // lodash HIGH: its line expired
		t.Errorf("exit %d", code)
	}
	if err := os.WriteFile(list, []byte("no-such-thing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := fx.scan(t, "--ignore-file", list); code != exitUsage || !strings.Contains(errOut, list+":1") {
		t.Errorf("bad ID: exit %d, %s", code, errOut)
	}
	if code, _, _ := fx.scan(t, "--ignore-file", filepath.Join(dir, "missing")); code != exitUsage {
		t.Errorf("missing file: exit %d", code)
	}
}

// TestRuleNamesAreNotVulnIDs: no built-in rule's ID or slug reads as a
// vulnerability ID, so a config entry naming a rule is never taken for
// one (nor a typo of one accepted).
func TestRuleNamesAreNotVulnIDs(t *testing.T) {
	reg, err := rules.Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reg.All() {
		if suppress.IsVulnID(r.ID) || suppress.IsVulnID(r.Slug) {
			t.Errorf("rule %s (%s) reads as a vulnerability ID", r.ID, r.Slug)
		}
	}
}
