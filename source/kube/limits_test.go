package kube

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// billionLaughs returns a document whose aliases expand to 10^levels
// scalars, under the given header.
func billionLaughs(header string, levels int) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < levels; i++ {
		p := fmt.Sprintf("*l%d", i-1)
		fmt.Fprintf(&b, "  l%d: &l%d [%s]\n", i, i, strings.Repeat(p+", ", 9)+p)
	}
	return b.String()
}

// bounded runs fn and fails when it takes more than a few seconds or
// allocates more than limitMB.
func bounded(t *testing.T, limitMB uint64, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > limitMB {
		t.Errorf("allocated %d MB, more than %d MB", mb, limitMB)
	}
	if elapsed > 10*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

func TestYAMLBomb(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		wantErr      bool
	}{
		// A kind Bulwark decodes: expanding the aliases is refused.
		{"known kind", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n", true},
		// A CRD or plain YAML is never expanded: nothing to report.
		{"unknown kind", "apiVersion: example.com/v1\nkind: Laugh\nmetadata: {name: lol}\nspec:\n", false},
		{"not an object", "laughs:\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := billionLaughs(tc.header, 9)
			var f *File
			var err error
			bounded(t, 400, func() { f, err = Parse("bomb.yaml", []byte(src)) })
			if err != nil {
				t.Fatalf("stream error %v", err)
			}
			switch {
			case tc.wantErr && (len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Msg, "YAML bomb")):
				t.Errorf("errors %v, want one about a YAML bomb", f.Errors)
			case !tc.wantErr && len(f.Errors) > 0:
				t.Errorf("errors %v", f.Errors)
			}
			_ = f.ContainerFile()
		})
	}
	// Merge keys that name one mapping many times merge it once: no
	// blow-up and nothing to report.
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: merge}\nspec:\n  m0: &m0 {a: 1, b: 2}\n")
	for i := 1; i < 12; i++ {
		p := fmt.Sprintf("*m%d", i-1)
		fmt.Fprintf(&b, "  m%d: &m%d {<<: [%s]}\n", i, i, strings.Repeat(p+", ", 9)+p)
	}
	var f *File
	bounded(t, 50, func() { f, _ = Parse("merge.yaml", []byte(b.String())) })
	if len(f.Errors) != 0 || f.Objects[0].Typed == nil {
		t.Errorf("merge bomb: errors %v", f.Errors)
	}
}

// TestMergeLookups checks that looking keys up through merge keys that
// name merge keys costs no more than the mappings named: this file would
// take 10^11 steps otherwise.
func TestMergeLookups(t *testing.T) {
	var b strings.Builder
	b.WriteString("defs:\n  m0: &m0 {x: 1}\n")
	for i := 1; i < 12; i++ {
		p := fmt.Sprintf("*m%d", i-1)
		fmt.Fprintf(&b, "  m%d: &m%d {<<: [%s]}\n", i, i, strings.Repeat(p+", ", 9)+p)
	}
	b.WriteString("<<: *m11\nkind: Pod\n")
	bounded(t, 50, func() {
		f, err := Parse("merge.yaml", []byte(b.String()))
		if err != nil || len(f.Objects) != 0 {
			t.Errorf("err %v, %d objects", err, len(f.Objects))
		}
	})
}

// TestManyBombs checks that the expansion budget is the file's, not each
// object's: a thousand small bombs cost no more than one.
func TestManyBombs(t *testing.T) {
	doc := billionLaughs("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n", 7) + "---\n"
	src := strings.Repeat(doc, 1000)
	var f *File
	bounded(t, 800, func() { f, _ = Parse("bombs.yaml", []byte(src)) })
	if len(f.Errors) != 1000 {
		t.Errorf("%d errors, want 1000", len(f.Errors))
	}
}

func TestManyDocuments(t *testing.T) {
	doc := func(i int) string {
		return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata: {a: b}\n---\n", i)
	}
	var b strings.Builder
	for i := range MaxDocuments {
		b.WriteString(doc(i))
	}
	var f *File
	var err error
	bounded(t, 2000, func() { f, err = Parse("many.yaml", []byte(b.String())) })
	if err != nil || len(f.Objects) != MaxDocuments || len(f.Errors) > 0 {
		t.Fatalf("%d documents: err %v, %d objects, errors %v", MaxDocuments, err, len(f.Objects), f.Errors)
	}
	b.WriteString(doc(MaxDocuments))
	f, err = Parse("many.yaml", []byte(b.String()))
	var ke *Error
	if !errors.As(err, &ke) || !strings.Contains(ke.Msg, "more than 10000 documents") || ke.Line != 5*MaxDocuments+MaxDocuments+1 {
		t.Errorf("error %#v", err)
	}
	if len(f.Objects) != MaxDocuments {
		t.Errorf("%d objects kept", len(f.Objects))
	}
}

func TestDeepNesting(t *testing.T) {
	// Deeper than MaxDepth: the document is refused, the others count.
	deep := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n  labels: " + strings.Repeat("[", MaxDepth+10) + strings.Repeat("]", MaxDepth+10) + "\n"
	src := deep + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n"
	f, err := Parse("deep.yaml", []byte(src))
	if err != nil || len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Msg, "nested more than") || len(f.Objects) != 1 {
		t.Errorf("err %v, errors %v, %d objects", err, f.Errors, len(f.Objects))
	}
	// Deeper than yaml.v3 itself allows: a syntax error.
	src = "a: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	_, err = Parse("deeper.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "depth") {
		t.Errorf("err %v", err)
	}
	// Deep block mappings.
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blocks\nx:\n")
	for i := 1; i < MaxDepth+5; i++ {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	f, err = Parse("blocks.yaml", []byte(b.String()))
	if err != nil || len(f.Errors) != 1 {
		t.Errorf("err %v, errors %v", err, f.Errors)
	}
}

func TestHugeInputs(t *testing.T) {
	// Millions of tiny nodes are refused before parsing.
	src := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nbinaryData: [" + strings.Repeat("0,", MaxNodes) + "0]\n"
	var err error
	bounded(t, 50, func() { _, err = Parse("nodes.yaml", []byte(src)) })
	if err == nil || !strings.Contains(err.Error(), "YAML nodes") {
		t.Errorf("err %v", err)
	}
	// A large file of few nodes is read.
	src = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: " + strings.Repeat("x", 8<<20) + "\n"
	f, err := Parse("big.yaml", []byte(src))
	if err != nil || len(f.Errors) > 0 || len(f.Objects) != 1 || f.Objects[0].Typed == nil {
		t.Errorf("err %v, errors %v", err, f.Errors)
	}
	// A very long line: locations still come out right.
	long := "apiVersion: v1\nkind: Pod\nmetadata: {name: long, annotations: {a: " + strings.Repeat("é", 100000) + "}}\nspec: {containers: [{name: c, image: i, securityContext: {privileged: true}}]}\n"
	f, err = Parse("long.yaml", []byte(long))
	if err != nil || len(f.Errors) > 0 {
		t.Fatalf("err %v, errors %v", err, f.Errors)
	}
	loc := f.Objects[0].At("spec", "containers", "0", "securityContext", "privileged")
	if got := long[loc.Start.Offset:loc.End.Offset]; got != "privileged: true" {
		t.Errorf("privileged spans %q", got)
	}
}

// FuzzParse feeds arbitrary YAML and JSON to the manifest reader: no
// panic (Parse's own recover would hide one, so its message fails the
// test), no hang, and every location inside the file.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(billionLaughs("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n", 3)))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nspec: {containers: [{<<: {name: a}, image: b}], volumes: *x}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A slow input fails (and is kept) instead of stalling the fuzzer.
		timer := time.AfterFunc(20*time.Second, func() { panic(fmt.Sprintf("Parse took more than 20s on %q", data)) })
		defer timer.Stop()
		file, err := Parse("f.yaml", data)
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatal(err)
		}
		check := func(what string, start, end, line int) {
			if start < 0 || start > len(data) || end < 0 || end > len(data) || line < 0 {
				t.Fatalf("%s location %d-%d (line %d) outside a file of %d bytes", what, start, end, line, len(data))
			}
		}
		for _, o := range file.Objects {
			check("object", o.Loc.Start.Offset, o.Loc.End.Offset, o.Loc.Start.Line)
			_, _, _, _ = PodSpecOf(o)
			for _, c := range Containers(o) {
				l := o.At(c.Path...)
				check("container", l.Start.Offset, l.End.Offset, l.Start.Line)
			}
		}
		for _, s := range file.ContainerFile().Specs {
			check("spec", s.Loc.Start.Offset, s.Loc.End.Offset, s.Loc.Start.Line)
			for _, o := range s.SecurityOpt {
				check("option", o.Loc.Start.Offset, o.Loc.End.Offset, o.Loc.Start.Line)
			}
			for _, e := range s.Env {
				check("env", e.Loc.Start.Offset, e.Loc.End.Offset, e.Loc.Start.Line)
			}
		}
		for _, d := range file.Directives {
			if d.FromLine > d.ToLine {
				t.Fatalf("directive %+v", d)
			}
		}
	})
}
