package lang

import (
	"strings"
	"testing"
)

func TestNPMPackageJSONWants(t *testing.T) {
	for path, want := range map[string]bool{
		"usr/lib/node_modules/npm/package.json":                    true,
		"/app/node_modules/@babel/core/package.json":               true,
		"app/node_modules/a/node_modules/b/package.json":           true,
		"node_modules/lodash/package.json":                         true,
		"app/package.json":                                         false,
		"app/node_modules/@babel/package.json":                     false,
		"app/node_modules/lodash/lib/package.json":                 false,
		"app/node_modules/@/x/package.json":                        false,
		"app/node_modules/lodash/package.json.bak":                 false,
		"app/node_modules/node_modules/package.json":               false,
		"app/node_modules/@babel/core/node_modules/x/package.json": true,
		"app/node_modules/@babel/core/lib/package.json":            false,
		"package.json": false,
	} {
		if got := (NPMPackageJSON{}).Wants(path); got != want {
			t.Errorf("Wants(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestNPMPackageJSONCorpus(t *testing.T) {
	// A private package with a version is still reported (README pairing:
	// lodash 5.0.0 against GHSA-35jh-r3h4-6jhm).
	pkgs := parseFile(t, NPMPackageJSON{}, "npm/package.json", "/app/node_modules/lodash/package.json")
	one(t, pkgs, "npm", "lodash", "5.0.0", "pkg:npm/lodash@5.0.0", "app/node_modules/lodash/package.json")
}

func TestNPMPackageJSONParse(t *testing.T) {
	const path = "node_modules/x/package.json"
	for _, tc := range []struct {
		name, in, wantName, wantVersion, wantPURL string
		wantErr                                   bool
	}{
		{name: "plain", in: `{"name":"left-pad","version":"1.3.0"}`, wantName: "left-pad", wantVersion: "1.3.0", wantPURL: "pkg:npm/left-pad@1.3.0"},
		{name: "scoped", in: `{"name":"@babel/core","version":"7.24.0"}`, wantName: "@babel/core", wantVersion: "7.24.0", wantPURL: "pkg:npm/%40babel/core@7.24.0"},
		{name: "prerelease", in: `{"name":"x","version":"1.0.0-rc.1+b"}`, wantName: "x", wantVersion: "1.0.0-rc.1+b", wantPURL: "pkg:npm/x@1.0.0-rc.1%2Bb"},
		{name: "no version", in: `{"name":"x","private":true}`},
		{name: "no name", in: `{"version":"1.0.0"}`},
		{name: "version not a string", in: `{"name":"x","version":1}`},
		{name: "not an object", in: `[1,2]`, wantErr: true},
		{name: "broken", in: `{"name":`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := NPMPackageJSON{}.Parse(path, strings.NewReader(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantName == "" {
				if len(pkgs) != 0 {
					t.Fatalf("got %+v, want none", pkgs)
				}
				return
			}
			one(t, pkgs, "npm", tc.wantName, tc.wantVersion, tc.wantPURL, path)
		})
	}
}

func TestNPMLockWants(t *testing.T) {
	for path, want := range map[string]bool{
		"app/package-lock.json":               true,
		"package-lock.json":                   true,
		"app/node_modules/.package-lock.json": true,
		"app/.package-lock.json":              false,
		"app/package-lock.json.orig":          false,
		"app/node_modules/x/package.json":     false,
	} {
		if got := (NPMLock{}).Wants(path); got != want {
			t.Errorf("Wants(%q) = %v, want %v", path, got, want)
		}
	}
}

const lockV3 = `{
  "name": "app", "version": "1.0.0", "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "version": "1.0.0"},
    "node_modules/lodash": {"version": "4.17.20"},
    "node_modules/@babel/core": {"version": "7.24.0"},
    "node_modules/a/node_modules/lodash": {"version": "3.10.1"},
    "node_modules/aliased": {"name": "real-name", "version": "2.0.0"},
    "node_modules/ws-link": {"resolved": "packages/ws", "link": true},
    "packages/ws": {"name": "ws", "version": "0.1.0"},
    "node_modules/noversion": {}
  }
}`

const lockV1 = `{
  "name": "app", "version": "1.0.0", "lockfileVersion": 1,
  "dependencies": {
    "lodash": {"version": "4.17.20"},
    "a": {"version": "1.0.0", "dependencies": {"lodash": {"version": "3.10.1"}}},
    "gitdep": {"version": "git+https://github.com/x/y.git#abc"},
    "filedep": {"version": "file:../x"}
  }
}`

func TestNPMLockParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // name@version purl
	}{
		{name: "v3", in: lockV3, want: []string{
			"@babel/core@7.24.0 pkg:npm/%40babel/core@7.24.0",
			"lodash@3.10.1 pkg:npm/lodash@3.10.1",
			"real-name@2.0.0 pkg:npm/real-name@2.0.0",
			"lodash@4.17.20 pkg:npm/lodash@4.17.20",
		}},
		{name: "v1", in: lockV1, want: []string{
			"a@1.0.0 pkg:npm/a@1.0.0",
			"lodash@3.10.1 pkg:npm/lodash@3.10.1",
			"lodash@4.17.20 pkg:npm/lodash@4.17.20",
		}},
		{name: "empty", in: `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := NPMLock{}.Parse("app/package-lock.json", strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				if p.Ecosystem.Base != "npm" || p.DBPath != "app/package-lock.json" {
					t.Errorf("bad package %+v", p)
				}
				got = append(got, p.Name+"@"+p.Version+" "+p.PURL)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	if _, err := (NPMLock{}).Parse("x", strings.NewReader(`{"packages":`)); err == nil {
		t.Error("broken lockfile: no error")
	}
}

func FuzzNPMPackageJSON(f *testing.F) {
	f.Add([]byte(`{"name":"@a/b","version":"1.0.0"}`))
	f.Add([]byte(`{"name":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := NPMPackageJSON{}.Parse("node_modules/x/package.json", strings.NewReader(string(data)))
		if err == nil && len(pkgs) > 1 {
			t.Fatalf("%d packages", len(pkgs))
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || !strings.HasPrefix(p.PURL, "pkg:npm/") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func FuzzNPMLock(f *testing.F) {
	f.Add([]byte(lockV3))
	f.Add([]byte(lockV1))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := NPMLock{}.Parse("package-lock.json", strings.NewReader(string(data)))
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}
