package inventory

import (
	"context"
	"github.com/bulwark-sec/bulwark/source/image/imagetest"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCollectRPM reads each format of the real rpm databases in
// vuln/pkgdb/rpm/testdata from a Rocky Linux 9 image, and drops the Python
// package whose metadata the hello RPM owns.
func TestCollectRPM(t *testing.T) {
	for _, tt := range []struct{ file, path string }{
		{"sqlite/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite"},
		{"bdb/Packages", "var/lib/rpm/Packages"},
		{"ndb/Packages.db", "usr/lib/sysimage/rpm/Packages.db"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			db, err := os.ReadFile("../pkgdb/rpm/testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			im := openLayout(t, []string{"ADD rocky.tar /", "RUN pip install flask"},
				imagetest.Layer(t,
					imagetest.Entry{Name: "etc/os-release", Body: "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n"},
					imagetest.Entry{Name: tt.path, Body: string(db)},
					// owned by the hello RPM: not reported again
					imagetest.Entry{Name: "usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA", Body: "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n"},
				),
				imagetest.Layer(t,
					// installed by pip: reported
					imagetest.Entry{Name: "usr/local/lib/python3.9/site-packages/flask-2.0.0.dist-info/METADATA", Body: "Metadata-Version: 2.1\nName: Flask\nVersion: 2.0.0\n"},
				),
			)
			inv, err := Collect(context.Background(), im, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Problems) != 0 {
				t.Errorf("problems: %q", inv.Problems)
			}
			got := map[string]string{}
			for _, p := range inv.Packages {
				got[p.Ecosystem.String()+" "+p.Name+"@"+p.Version] = p.SrcName + "@" + p.SrcVersion
			}
			want := map[string]string{
				"Rocky Linux:9 hello@1.0-1":          "hello@1.0-1",
				"Rocky Linux:9 libfoo@2:3.4.5-6.el9": "foo@2:3.4.5-6.el9",
				"PyPI Flask@2.0.0":                   "Flask@2.0.0",
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("packages (-want +got):\n%s", d)
			}
		})
	}
}
