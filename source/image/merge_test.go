package image

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestResolve(t *testing.T) {
	fsys := Merge([]*LayerResult{{
		Index: 0,
		Files: map[string]*File{"usr/lib/os-release": {Path: "usr/lib/os-release"}, "etc/passwd": {Path: "etc/passwd"}},
		Links: map[string]Link{
			"etc/os-release": {Target: "../usr/lib/os-release"},
			"escape":         {Target: "../../../../etc/passwd"},
			"lib":            {Target: "usr/lib"},
			"loop1":          {Target: "loop2"},
			"loop2":          {Target: "/loop1"},
			"hard":           {Target: "etc/passwd", Hard: true},
		},
	}})
	tests := map[string]string{
		"etc/os-release":  "usr/lib/os-release",
		"/lib/os-release": "usr/lib/os-release",
		"escape":          "etc/passwd",
		"hard":            "etc/passwd",
		"loop1":           "",
		"missing":         "",
		"../etc/passwd":   "",
	}
	for in, want := range tests {
		f, ok := fsys.Resolve(in)
		got := ""
		if ok {
			got = f.Path
		}
		if got != want {
			t.Errorf("Resolve(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMergeWhiteoutThenReAdd(t *testing.T) {
	f := func(p, c string) *File { return &File{Path: p, Content: []byte(c)} }
	fsys := Merge([]*LayerResult{
		{Index: 0, Files: map[string]*File{"a/b": f("a/b", "1"), "ab": f("ab", "keep")}},
		{Index: 1, Whiteouts: []string{"a"}, Files: map[string]*File{"a/c": f("a/c", "2")}},
		{Index: 2, OpaqueDirs: []string{"a"}, Files: map[string]*File{"a/d": f("a/d", "3")}},
	})
	if len(fsys.Files) != 2 || fsys.Files["ab"].LayerIndex != 0 || fsys.Files["a/d"].LayerIndex != 2 {
		t.Errorf("files = %v", fsys.Files)
	}
	if len(fsys.Removed) != 2 || fsys.Removed[0].Path != "a/b" || fsys.Removed[1].Path != "a/c" || fsys.Removed[1].Reason != RemovedOpaque {
		t.Errorf("removed = %+v", fsys.Removed)
	}
}

func FuzzWalkLayer(f *testing.F) {
	f.Add(tarBytes(f, reg("a/.wh.b", ""), reg("../x", "y"), symlink("l", "/t"), hardlink("h", "a"), reg("c/.wh..wh..opq", "")))
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := WalkLayer(context.Background(), bytes.NewReader(b), v1.Hash{}, wantAll, Limits{MaxEntries: 1000, MaxTotalBytes: 1 << 20})
		if err != nil {
			return
		}
		for p := range res.Files {
			if q, ok := NormalizePath(p); !ok || q != p || p == "" {
				t.Fatalf("unnormalised path %q", p)
			}
		}
		Merge([]*LayerResult{res, res})
	})
}

// TestMergeManyWhiteoutsBounded: a layer's whiteouts are applied in one
// pass over what lower layers left, not one pass per whiteout, so a
// layer of tens of thousands of cheap whiteout entries over tens of
// thousands of kept files is merged in well under a second; what is
// removed, and why, is as one pass per whiteout gave.
func TestMergeManyWhiteoutsBounded(t *testing.T) {
	const n = 30000
	lower := &LayerResult{Index: 0, Files: map[string]*File{}, Links: map[string]Link{}}
	upper := &LayerResult{Index: 1, OpaqueDirs: []string{"opq"}}
	for i := range n {
		p := fmt.Sprintf("app/m%d/package.json", i)
		lower.Files[p] = &File{Path: p}
		upper.Whiteouts = append(upper.Whiteouts, fmt.Sprintf("gone/x%d", i)) // unrelated paths
	}
	for _, p := range []string{"del/a", "del/sub/b", "opq/c", "opq", "deleted", "keep/d"} {
		lower.Files[p] = &File{Path: p}
	}
	lower.Links["del/l"] = Link{Target: "x"}
	upper.Whiteouts = append(upper.Whiteouts, "del", "deleted", "opq/c")
	start := time.Now()
	fsys := Merge([]*LayerResult{lower, upper})
	if d := time.Since(start); d > 5*time.Second && !raceEnabled {
		t.Errorf("Merge took %v for %d whiteouts over %d files", d, len(upper.Whiteouts), len(lower.Files))
	}
	got := map[string]string{}
	for _, r := range fsys.Removed {
		got[r.Path] = r.Reason
	}
	want := map[string]string{"del/a": RemovedWhiteout, "del/sub/b": RemovedWhiteout, "deleted": RemovedWhiteout, "opq/c": RemovedOpaque}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("removed (-want +got):\n%s", d)
	}
	if _, ok := fsys.Links["del/l"]; ok {
		t.Error("link under a whiteout kept")
	}
	for _, p := range []string{"opq", "keep/d", "app/m0/package.json"} {
		if _, ok := fsys.Files[p]; !ok {
			t.Errorf("%s removed", p)
		}
	}
}
