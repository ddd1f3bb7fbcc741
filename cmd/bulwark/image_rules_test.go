package main

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/source/image/imagetest"
)

// TestImageRulesEndToEnd scans, through bulwark image, an image whose
// layers hold what the image rules judge: a private key added and deleted
// in a later layer (still in the image), an unusual setuid binary, a
// shell, a root user with a command, a token in the config's Env and no
// health check. A second image, built right, gives none of these.
func TestImageRulesEndToEnd(t *testing.T) {
	const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDQ5Q2lW4Kq9XyZ3jT8rP0mVb1nFh2sLk7cXwYa3dGtQwAAAJg8Yq1LPGKt\nSwAAAAtzc2gtZWQyNTUxOQAAACDQ5Q2lW4Kq9XyZ3jT8rP0mVb1nFh2sLk7cXwYa3dGtQw\n-----END OPENSSH PRIVATE KEY-----\n"
	build := func(bad bool) string {
		base := []imagetest.Entry{
			imagetest.File("etc/os-release", "ID=alpine\nVERSION_ID=3.18.4\n", 0),
			imagetest.File("bin/busybox", "\x7fELF", 0o755),
			imagetest.Symlink("bin/sh", "/bin/busybox"),
		}
		var app []imagetest.Entry
		cfg := v1.Config{Cmd: []string{"/app/server"}, User: "10001:10001", Healthcheck: &v1.HealthConfig{Test: []string{"CMD", "/app/server", "-health"}}}
		if bad {
			base = append(base,
				imagetest.File("root/.ssh/id_ed25519", key, 0o600),        // deleted in layer 1, still extractable: IM005
				imagetest.File("usr/local/bin/helper", "\x7fELF", 0o4755), // an unusual setuid binary: IM009
			)
			app = append(app, imagetest.Whiteout("root/.ssh/id_ed25519"))
			cfg.User = ""                                                                                // root: IM001
			cfg.Env = []string{"PATH=/usr/bin", "GITHUB_TOKEN=ghp_R4nd0mT0k3nV4lu3Xq9Zt2Lm8Np5Ws3Kd7Fh"} // IM003
			cfg.Healthcheck = nil                                                                        // IM006
		}
		app = append(app, imagetest.File("app/server", "\x7fELF", 0o755))
		img, err := mutate.Append(empty.Image,
			mutate.Addendum{Layer: imagetest.Layer(t, base...), History: v1.History{CreatedBy: "ADD rootfs.tar /"}},
			mutate.Addendum{Layer: imagetest.Layer(t, app...), History: v1.History{CreatedBy: "COPY server /app/server"}})
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		cf = cf.DeepCopy()
		cf.Config = cfg
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		p, err := layout.Write(dir, empty.Index)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AppendImage(img); err != nil {
			t.Fatal(err)
		}
		return "oci:" + dir
	}
	fx := newImageFixture(t, "") // for its database
	for _, tc := range []struct {
		name string
		bad  bool
		want []string
	}{
		{"weak", true, []string{"IM001", "IM003", "IM005", "IM006", "IM009"}},
		{"hardened", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := build(tc.bad)
			code, out, errOut := runCLI(t, "image", ref, "--db", fx.db, "--format", "json", "--fail-on", "none", "--cache-dir", filepath.Join(t.TempDir(), "cache"))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var rep report.JSONReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.RuleID)
				if f.RuleID == "IM005" && (!strings.Contains(f.Message, "deleted") || strings.Contains(f.Message, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ")) {
					t.Errorf("IM005 message %q: want the deletion named and the key not printed", f.Message)
				}
				if f.RuleID == "IM003" && strings.Contains(f.Message+f.Location.Object, "R4nd0mT0k3n") {
					t.Errorf("IM003 prints the token: %+v", f)
				}
			}
			for _, f := range rep.Findings {
				t.Logf("%s %s %s: %s", f.RuleID, f.Severity, f.Location.Object, f.Message)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("rules fired %v, want %v\n%s", got, tc.want, out)
			}
		})
	}
}
