package suppress

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseIgnoreFile(t *testing.T) {
	src := `# Accepted until the base image moves to 3.19
CVE-2025-26519 exp:2027-03-31

CVE-2021-23337   # template() never sees user input
GHSA-35jh-r3h4-6jhm
  # indented comment
  DF001
`
	got, err := ParseIgnoreFile(".trivyignore", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Ignore{
		{Rules: []string{"CVE-2025-26519"}, Reason: "Accepted until the base image moves to 3.19", Expires: "2027-03-31", File: ".trivyignore", Line: 2},
		{Rules: []string{"CVE-2021-23337"}, Reason: "template() never sees user input", File: ".trivyignore", Line: 4},
		{Rules: []string{"GHSA-35jh-r3h4-6jhm"}, Reason: "listed in .trivyignore", File: ".trivyignore", Line: 5},
		{Rules: []string{"DF001"}, Reason: "indented comment", File: ".trivyignore", Line: 7},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	for _, ig := range got {
		if err := ig.Validate(); err != nil {
			t.Errorf("%+v: %v", ig, err)
		}
	}
}

func TestParseIgnoreFileErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"CVE-2024-1 exp:tomorrow\n", ".trivyignore:1: exp:tomorrow is not a YYYY-MM-DD date"},
		{"\nCVE-2024-1 CVE-2024-2\n", `.trivyignore:2: unexpected "CVE-2024-2"`},
		{strings.Repeat("x", maxIgnoreLineBytes+1), "token too long"},
		{strings.Repeat("\n", maxIgnoreFileLines+1), "more than"},
	} {
		_, err := ParseIgnoreFile(".trivyignore", strings.NewReader(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

// FuzzParseIgnoreFile: any input gives entries that validate, or an error;
// never a panic.
func FuzzParseIgnoreFile(f *testing.F) {
	for _, s := range []string{
		"CVE-2024-1\n", "# c\nCVE-2024-1 exp:2027-01-01 # r\n", "\n\n#\n", "CVE-2024-1 exp:", "  x  #  ", "#x\r\nGHSA-aaaa-bbbb-cccc\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		igs, err := ParseIgnoreFile("f", strings.NewReader(src))
		if err != nil {
			return
		}
		for _, ig := range igs {
			if len(ig.Rules) != 1 || ig.Rules[0] == "" || strings.ContainsAny(ig.Rules[0], " \t#") {
				t.Fatalf("bad entry %+v", ig)
			}
			if err := ig.Validate(); err != nil {
				t.Fatalf("%+v: %v", ig, err)
			}
		}
	})
}
