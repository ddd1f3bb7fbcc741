package kube

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/suppress"
)

func TestDirectives(t *testing.T) {
	f := parseFile(t, "suppress.yaml")
	src := func(line int) string { return "testdata/suppress.yaml:" + strconv.Itoa(line) }
	want := []suppress.Directive{
		// A comment above an object covers the whole object.
		{Names: []string{"RC013"}, Reason: "this whole Deployment is a node agent", FromLine: 1, ToLine: 26, Source: src(1)},
		{Names: []string{"RC001"}, Reason: "on the line", FromLine: 24, ToLine: 24, Source: src(24)},
		// A comment after a list entry's first key covers the entry.
		{Names: []string{"RC035"}, FromLine: 25, ToLine: 26, Source: src(25)},
		// The comment inside the ConfigMap's script is not a directive.
		{Names: []string{"RC006"}, FromLine: 43, ToLine: 46, Source: src(43)},
		{Names: []string{"RC001", "RC003"}, Reason: "vetted by security, ticket SEC-12", FromLine: 2, ToLine: 26, Source: src(7)},
		{Names: []string{"privileged-container"}, Reason: "the agent needs it", FromLine: 2, ToLine: 26, Source: src(8)},
		{Names: []string{"hostNetworkSet"}, Reason: "Polaris exemption annotation", FromLine: 2, ToLine: 26, Source: src(9)},
		// runAsRootAllowed-exempt: "false" exempts nothing.
		{Names: []string{"container-resources", "container-image-tag"}, Reason: "kube-score ignore annotation", FromLine: 2, ToLine: 26, Source: src(11)},
		// Per container: the sidecar's lines only; an unknown container is ignored.
		{Names: []string{"RC007"}, Reason: "writes its cache", FromLine: 25, ToLine: 26, Source: src(16)},
	}
	if diff := cmp.Diff(want, f.Directives); diff != "" {
		t.Errorf("directives (-want +got):\n%s", diff)
	}
}

// TestPeerAnnotations checks that the names the peers' annotations give
// reach rules through the one matcher once rules name those peers.
func TestPeerAnnotations(t *testing.T) {
	mk := func(id, slug string, peers ...string) *rule.Rule {
		return &rule.Rule{ID: id, Slug: slug, Title: "t", Severity: finding.High, Kind: rule.Kube, Peers: peers,
			Why: "w", Bad: "b", Good: "g", Remediation: "r.", Check: func(*rule.Pass) error { return nil }}
	}
	reg, err := rule.NewRegistry(
		mk("KS901", "test-privileged", "kube-linter:privileged-container", "polaris:runAsPrivileged"),
		mk("KS902", "test-host-network", "polaris:hostNetworkSet", "kube-linter:host-network"),
		mk("KS903", "test-limits", "kube-score:container-resources"),
		mk("KS904", "test-run-as-root", "polaris:runAsRootAllowed"),
	)
	if err != nil {
		t.Fatal(err)
	}
	f := parseFile(t, "suppress.yaml")
	at := func(id string, line int) finding.Finding {
		return finding.Finding{RuleID: id, Location: finding.Location{Path: f.Path, Start: finding.Position{Line: line}}}
	}
	fs := []finding.Finding{at("KS901", 24), at("KS902", 19), at("KS903", 22), at("KS904", 5), at("KS901", 45)}
	suppress.NewMatcher(reg, nil, false, time.Now()).Apply(fs, f.Directives)
	var got []bool
	for _, fd := range fs {
		got = append(got, fd.Suppressed != nil)
	}
	if diff := cmp.Diff([]bool{true, true, true, false, false}, got); diff != "" {
		t.Errorf("suppressed (-want +got):\n%s", diff)
	}
}
