package image

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// testSelection keeps os-release, notes setuid files and bin/sh, and
// finds "SECRET=" lines in .env files.
var testSelection = Selection{
	Want: func(p string, _ fs.FileMode) bool { return p == "etc/os-release" },
	Note: func(p string, mode fs.FileMode) bool {
		return mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 || p == "bin/sh"
	},
	ScanWants: func(p string, size int64) bool { return strings.HasSuffix(p, ".env") || p == "etc/os-release" },
	Scan: func(p string, content []byte) []Secret {
		var out []Secret
		for i, line := range strings.Split(string(content), "\n") {
			if strings.HasPrefix(line, "SECRET=") {
				out = append(out, Secret{Kind: "test", Line: i + 1, Redacted: "SECRET=***"})
			}
		}
		return out
	},
}

func walkSel(t *testing.T, index int, entries ...entry) *LayerResult {
	t.Helper()
	b := tarBytes(t, entries...)
	h, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res, err := WalkLayerSelection(context.Background(), bytes.NewReader(b), h, testSelection, Limits{MaxScanBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	res.Index = index
	return res
}

func TestWalkSelection(t *testing.T) {
	res := walkSel(t, 0,
		reg("etc/os-release", "ID=x\nSECRET=kept-and-scanned\n"), // wanted and scanned: secret at line 2
		entry{name: "usr/bin/passwd", body: "elf", mode: 0o4755}, // setuid: noted
		entry{name: "usr/bin/wall", body: "elf", mode: 0o2755},   // setgid: noted
		reg("usr/bin/ls", "elf"),                                 // plain: not noted
		symlink("bin/sh", "dash"),                                // a noted program, as a link
		reg("app/.env", "A=1\nSECRET=abc\n"),                     // scanned, not kept: secret at line 2
		reg("app/big.env", "SECRET="+strings.Repeat("x", 100)),   // over MaxScanBytes: not scanned
		reg("app/other.txt", "SECRET=abc"),                       // not selected for scanning
	)
	if _, ok := res.Files["app/.env"]; ok {
		t.Error("scanned file content kept")
	}
	wantNoted := map[string]fs.FileMode{
		"usr/bin/passwd": fs.ModeSetuid | 0o755,
		"usr/bin/wall":   fs.ModeSetgid | 0o755,
		"bin/sh":         fs.ModeSymlink | 0o777,
	}
	if d := cmp.Diff(wantNoted, res.Noted); d != "" {
		t.Errorf("noted (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"etc/os-release", "app/.env"}, res.Scanned); d != "" {
		t.Errorf("scanned (-want +got):\n%s", d)
	}
	want := []Secret{
		{Path: "etc/os-release", Kind: "test", Line: 2, Redacted: "SECRET=***", RemovedBy: -1},
		{Path: "app/.env", Kind: "test", Line: 2, Redacted: "SECRET=***", RemovedBy: -1},
	}
	if d := cmp.Diff(want, res.Secrets); d != "" {
		t.Errorf("secrets (-want +got):\n%s", d)
	}
}

func TestMergeSecretsAndNoted(t *testing.T) {
	l0 := walkSel(t, 0,
		reg("app/.env", "SECRET=one\n"),                // deleted by layer 2's whiteout
		reg("cfg/prod.env", "SECRET=two\n"),            // overwritten by layer 1 (clean)
		reg("keep/x.env", "SECRET=three\n"),            // stays visible
		reg("opaque/a.env", "SECRET=four\n"),           // hidden by layer 1's opaque dir
		entry{name: "bin/su", body: "x", mode: 0o4755}, // deleted by layer 2
		entry{name: "bin/mount", body: "x", mode: 0o4755},
	)
	l1 := walkSel(t, 1,
		reg("cfg/prod.env", "A=1\n"),
		reg("opaque/.wh..wh..opq", ""),
	)
	l2 := walkSel(t, 2,
		reg("app/.wh..env", ""),
		reg("bin/.wh.su", ""),
	)
	l3 := walkSel(t, 3, reg("etc/os-release", "ID=x\n")) // kept and scanned: stays visible
	fsys := Merge([]*LayerResult{l0, l1, l2, l3})
	if f, ok := fsys.Files["etc/os-release"]; !ok || f.LayerIndex != 3 {
		t.Errorf("a file both kept and scanned is not visible: %+v %v", f, ok)
	}
	got := map[string]int{}
	for _, s := range fsys.Secrets {
		if s.Layer != 0 {
			t.Errorf("secret %s: layer %d, want 0", s.Path, s.Layer)
		}
		got[s.Path] = s.RemovedBy
	}
	want := map[string]int{"app/.env": 2, "cfg/prod.env": 1, "keep/x.env": -1, "opaque/a.env": 1}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("secret RemovedBy (-want +got):\n%s", d)
	}
	wantNoted := map[string]LayerNoted{"bin/mount": {Mode: fs.ModeSetuid | 0o755, LayerIndex: 0}}
	if d := cmp.Diff(wantNoted, fsys.Noted); d != "" {
		t.Errorf("noted (-want +got):\n%s", d)
	}
}

// TestMergeDirectoryOverNotedOrScanned: a directory laid over a file that
// was only noted or scanned (not kept) replaces it, as over a kept file.
func TestMergeDirectoryOverNotedOrScanned(t *testing.T) {
	l0 := walkSel(t, 0,
		reg("app/prod.env", "SECRET=one\n"),                // replaced by layer 1's directory: RemovedBy 1
		entry{name: "usr/bin/su", body: "x", mode: 0o4755}, // replaced by layer 1's directory: no longer setuid
	)
	l1 := walkSel(t, 1,
		dir("app/prod.env/"),
		reg("app/prod.env/readme", "x"),
		dir("usr/bin/su/"),
	)
	fsys := Merge([]*LayerResult{l0, l1})
	if len(fsys.Secrets) != 1 || fsys.Secrets[0].RemovedBy != 1 {
		t.Errorf("secrets = %+v, want app/prod.env removed by layer 1", fsys.Secrets)
	}
	if _, ok := fsys.Noted["usr/bin/su"]; ok {
		t.Errorf("usr/bin/su still noted after a directory replaced it: %+v", fsys.Noted)
	}
}
