package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
)

type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Body    string `xml:",chardata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// caseName names the test case of a finding: the rule ID and title at a
// line; for a vulnerability, its ID and the package; for a finding without
// a line, the rule ID and title and the object.
func caseName(f *finding.Finding) string {
	switch {
	case f.Vulnerability != nil:
		return fmt.Sprintf("%s %s@%s", f.RuleID, f.Vulnerability.Package, f.Vulnerability.InstalledVersion)
	case f.Location.Start.Line == 0 && f.Location.Object != "":
		return fmt.Sprintf("%s %s (%s)", f.RuleID, f.Title, f.Location.Object)
	}
	return fmt.Sprintf("%s %s at line %d", f.RuleID, f.Title, f.Location.Start.Line)
}

// writeJUnit writes one test suite per file or image: a failing test case
// per finding, a skipped one per suppressed finding or vulnerability that
// could not be evaluated, an error per file that
// could not be analysed, and one passing case for a clean file.
func writeJUnit(w io.Writer, r *Report) error {
	suites := map[string]*junitSuite{}
	var order []string
	suite := func(p string) *junitSuite {
		if s, ok := suites[p]; ok {
			return s
		}
		s := &junitSuite{Name: p}
		suites[p] = s
		order = append(order, p)
		return s
	}
	for _, p := range r.Paths {
		suite(p)
	}
	for _, img := range r.Images {
		suite(img.Ref)
	}
	for _, f := range r.Findings {
		s := suite(f.Location.Path)
		c := junitCase{Name: caseName(&f), Classname: f.Location.Path}
		if rd := f.Location.Render; rd != nil {
			// One template renders once per values set.
			c.Name += " [" + rd.String() + "]"
		}
		switch {
		case f.Suppressed != nil:
			c.Skipped = &junitSkipped{Message: "suppressed (" + f.Suppressed.Kind + "): " + f.Suppressed.Reason}
			s.Skipped++
		case !f.Gates():
			// A vulnerability that could not be evaluated never fails
			// the run.
			c.Skipped = &junitSkipped{Message: f.Message}
			s.Skipped++
		default:
			c.Failure = &junitProblem{
				Message: f.Message,
				Type:    f.Severity.String(),
				Body:    fmt.Sprintf("%s\n%s: %s\nRemediation: %s", f.Location, f.RuleID, f.Message, f.Remediation),
			}
			if v := f.Vulnerability; v != nil && v.URL != "" {
				c.Failure.Body += "\nSee: " + v.URL
			}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	for _, e := range r.Errors {
		s := suite(e.Path)
		s.Cases = append(s.Cases, junitCase{Name: "analyse " + e.Path, Classname: e.Path, Error: &junitProblem{Message: e.Err, Type: "ScanError", Body: e.Error()}})
		s.Errors++
	}
	out := junitSuites{Name: r.Tool}
	for _, p := range order {
		s := suites[p]
		if len(s.Cases) == 0 {
			s.Cases = append(s.Cases, junitCase{Name: "no findings", Classname: p})
		}
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Suites = append(out.Suites, *s)
	}
	var b strings.Builder
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
