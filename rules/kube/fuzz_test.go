package kube_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/fix"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/rules"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/source/kube"
)

// FuzzRules runs every rule that reads Kubernetes manifests (Kube,
// KubeSet and the runtime rules over their containers) on arbitrary
// input: no rule may fail or panic, every finding must point inside the
// file, and applying every fix must leave a file that parses without new
// errors.
//
//	go test -fuzz FuzzRules ./rules/kube/
func FuzzRules(f *testing.F) {
	// Every rule family's manifests: Kubernetes, NetworkPolicy, RBAC, audit Policy.
	seeds, _ := filepath.Glob("../*/testdata/*/*.yaml")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	reg, err := rules.Registry()
	if err != nil {
		f.Fatal(err)
	}
	all := reg.All()
	var set []*rule.Rule
	for _, r := range all {
		if r.Kind == rule.KubeSet {
			set = append(set, r)
		}
	}
	opts := scan.Options{Rules: all, Workers: 1}
	target := scan.Target{Path: "f.yaml", Kind: scan.KindKube}
	f.Fuzz(func(t *testing.T, data []byte) {
		timer := time.AfterFunc(20*time.Second, func() { panic(fmt.Sprintf("rules took more than 20s on %q", data)) })
		defer timer.Stop()
		inside := func(fd finding.Finding) {
			l := fd.Location
			if l.Start.Offset < 0 || l.End.Offset > len(data) || l.Start.Offset > len(data) || l.Start.Line < 0 {
				t.Fatalf("%s finding at %+v outside a file of %d bytes", fd.RuleID, l, len(data))
			}
		}
		res := scan.AnalyzeData(target, data, opts)
		for _, e := range res.Errors {
			if e.Line == 0 && len(e.Err) > 5 && e.Err[:5] == "rule " {
				t.Fatalf("a rule failed: %s", e.Err)
			}
		}
		for _, fd := range res.Findings {
			inside(fd)
		}
		file, parseErr := kube.Parse("f.yaml", data)
		if file == nil {
			return
		}
		for _, r := range set {
			p := rule.NewPass(r, &kube.Set{Files: []*kube.File{file}}, inside)
			if err := r.Check(p); err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
		}
		fixed, _ := fix.Apply(data, res.Findings)
		if string(fixed) == string(data) {
			return
		}
		after, err := kube.Parse("f.yaml", fixed)
		if err != nil && parseErr == nil {
			t.Fatalf("fixes made the file unreadable: %v\n%s", err, fixed)
		}
		if after != nil && len(after.Errors) > len(file.Errors) {
			t.Fatalf("fixes made the file fail to decode: %v\n%s", after.Errors[len(after.Errors)-1], fixed)
		}
	})
}
