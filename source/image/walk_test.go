package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestNormalizePath(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"etc/passwd", "etc/passwd", true},
		{"/etc/passwd", "etc/passwd", true},
		{"./etc/passwd", "etc/passwd", true},
		{"etc//x/../passwd", "etc/passwd", true},
		{"etc/", "etc", true},
		{"./", "", true},
		{"/", "", true},
		{"", "", true},
		{"../escape", "", false},
		{"a/../../escape", "", false},
		{"..", "", false},
		{"/../x", "", false},
		{"a/..", "", true},
		{"..foo", "..foo", true},
	}
	for _, tt := range tests {
		got, ok := NormalizePath(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizePath(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func walkBytes(t testing.TB, b []byte, want WantFunc, lim Limits) (*LayerResult, error) {
	t.Helper()
	h, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return WalkLayer(context.Background(), bytes.NewReader(b), h, want, lim)
}

func TestWalkLayerEntries(t *testing.T) {
	b := tarBytes(t,
		dir("./"),
		dir("etc/"),
		reg("./etc/passwd", "root:x:0:0"),
		reg("/etc/shadow", "root:*"),
		reg("etc/skip.txt", "not wanted"),
		reg("../escape", "evil"),
		reg("a/../../escape2", "evil"),
		symlink("etc/os-release", "/usr/lib/os-release"),
		symlink("bin", "usr/bin"),
		hardlink("etc/passwd-", "etc/passwd"),
		hardlink("etc/bad", "../../x"),
		reg("var/.wh.cache", ""),
		reg("opt/app/.wh..wh..opq", ""),
		reg("opt/.wh..wh.plnk", ""),
	)
	want := func(p string, _ fs.FileMode) bool { return strings.HasPrefix(p, "etc/") && p != "etc/skip.txt" }
	res, err := walkBytes(t, b, want, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for p, f := range res.Files {
		files[p] = string(f.Content)
	}
	if diff := cmp.Diff(map[string]string{
		"etc/passwd":  "root:x:0:0",
		"etc/passwd-": "root:x:0:0",
		"etc/shadow":  "root:*",
	}, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]Link{
		"etc/os-release": {Target: "/usr/lib/os-release"},
		"bin":            {Target: "usr/bin"},
		"etc/passwd-":    {Target: "etc/passwd", Hard: true},
	}, res.Links); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"var/cache"}, res.Whiteouts); diff != "" {
		t.Errorf("whiteouts: %s", diff)
	}
	if diff := cmp.Diff([]string{"opt/app"}, res.OpaqueDirs); diff != "" {
		t.Errorf("opaque: %s", diff)
	}
	if diff := cmp.Diff([]string{"../escape", "a/../../escape2", "etc/bad"}, res.Rejected); diff != "" {
		t.Errorf("rejected: %s", diff)
	}
	if res.Entries != 14 {
		t.Errorf("entries = %d, want 14", res.Entries)
	}
	if m := res.Files["etc/passwd"].Mode; m != 0o644 {
		t.Errorf("mode = %v", m)
	}
}

func TestWalkLayerLimits(t *testing.T) {
	b := tarBytes(t, reg("a", "0123456789"), reg("b", "0123456789"), reg("c", "x"))
	t.Run("file bytes", func(t *testing.T) {
		res, err := walkBytes(t, b, wantAll, Limits{MaxFileBytes: 4})
		if err != nil {
			t.Fatal(err)
		}
		f := res.Files["a"]
		if string(f.Content) != "0123" || !f.Truncated || f.Size != 10 {
			t.Errorf("got %q truncated=%v size=%d", f.Content, f.Truncated, f.Size)
		}
		if res.Files["c"].Truncated {
			t.Error("c truncated")
		}
	})
	t.Run("total bytes", func(t *testing.T) {
		_, err := walkBytes(t, b, wantAll, Limits{MaxTotalBytes: 15})
		if !errors.Is(err, ErrLimit) {
			t.Fatalf("err = %v, want ErrLimit", err)
		}
	})
	t.Run("entries", func(t *testing.T) {
		_, err := walkBytes(t, b, wantAll, Limits{MaxEntries: 2})
		if !errors.Is(err, ErrLimit) {
			t.Fatalf("err = %v, want ErrLimit", err)
		}
	})
	t.Run("unwanted not counted", func(t *testing.T) {
		res, err := walkBytes(t, b, func(p string, _ fs.FileMode) bool { return p == "c" }, Limits{MaxTotalBytes: 1})
		if err != nil || len(res.Files) != 1 {
			t.Fatalf("res=%v err=%v", res, err)
		}
	})
}

func TestWalkLayerManyTinyFiles(t *testing.T) {
	const n = 100_000
	es := make([]entry, 0, n+1)
	for i := range n {
		es = append(es, reg(fmt.Sprintf("node_modules/p%d/index.js", i), "x"))
	}
	es = append(es, reg("var/lib/dpkg/status", "Package: a\n"))
	b := tarBytes(t, es...)
	wantStatus := func(p string, _ fs.FileMode) bool { return p == "var/lib/dpkg/status" }
	res, err := walkBytes(t, b, wantStatus, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Entries != n+1 || len(res.Links) != 0 {
		t.Errorf("files=%d entries=%d", len(res.Files), res.Entries)
	}
	if _, err := walkBytes(t, b, wantStatus, Limits{MaxEntries: 50_000}); !errors.Is(err, ErrLimit) {
		t.Errorf("entry bound: err = %v", err)
	}
	if _, err := walkBytes(t, b, wantAll, Limits{MaxTotalBytes: 1000}); !errors.Is(err, ErrLimit) {
		t.Errorf("total bound: err = %v", err)
	}
}

func TestWalkLayerCorrupt(t *testing.T) {
	b := tarBytes(t, reg("a", strings.Repeat("x", 5000)), reg("b", strings.Repeat("y", 5000)))
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	tests := map[string][]byte{
		"cut in content of wanted": b[:1000],
		"cut in content of later":  b[:7000],
		"cut at entry boundary":    b[:512+5120],
		"garbage":                  bytes.Repeat([]byte{0x42}, 2048),
		"empty":                    nil,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := WalkLayer(context.Background(), bytes.NewReader(in), h, wantAll, Limits{})
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
	t.Run("without diff ID still caught mid-file", func(t *testing.T) {
		_, err := WalkLayer(context.Background(), bytes.NewReader(b[:7000]), v1.Hash{}, wantAll, Limits{})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("altered content", func(t *testing.T) {
		c := bytes.Clone(b)
		c[600] = 'z'
		_, err := WalkLayer(context.Background(), bytes.NewReader(c), h, wantAll, Limits{})
		if err == nil || !strings.Contains(err.Error(), "diff ID") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestWalkLayerCancelled(t *testing.T) {
	es := make([]entry, 3000)
	for i := range es {
		es[i] = reg(fmt.Sprint(i), "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := WalkLayer(ctx, bytes.NewReader(tarBytes(t, es...)), v1.Hash{}, wantAll, Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkWalkLayer10k(b *testing.B) {
	es := make([]entry, 10_000)
	for i := range es {
		es[i] = reg(fmt.Sprintf("usr/share/doc/pkg%d/copyright", i), strings.Repeat("c", 200))
	}
	es[5000] = reg("var/lib/dpkg/status", strings.Repeat("Package: x\n", 1000))
	data := tarBytes(b, es...)
	h, _, _ := v1.SHA256(bytes.NewReader(data))
	want := func(p string, _ fs.FileMode) bool { return p == "var/lib/dpkg/status" }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := WalkLayer(context.Background(), bytes.NewReader(data), h, want, Limits{})
		if err != nil || len(res.Files) != 1 {
			b.Fatal(err)
		}
	}
}
