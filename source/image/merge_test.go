package image

import (
	"bytes"
	"context"
	"testing"

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
