package lang

import (
	"strings"
	"testing"
)

func TestComposerWants(t *testing.T) {
	for path, want := range map[string]bool{
		"var/www/vendor/composer/installed.json":  true,
		"/vendor/composer/installed.json":         true,
		"var/www/vendor/composer/installed.php":   false,
		"var/www/composer/installed.json":         false,
		"var/www/xvendor/composer/installed.json": false,
	} {
		if got := (Composer{}).Wants(path); got != want {
			t.Errorf("Wants(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestComposerCorpus(t *testing.T) {
	path := "var/www/vendor/composer/installed.json"
	pkgs := parseFile(t, Composer{}, "php/vendor/composer/installed.json", path)
	var got []string
	for _, p := range pkgs {
		if p.Ecosystem.String() != "Packagist" || p.DBPath != path {
			t.Errorf("bad package %+v", p)
		}
		got = append(got, p.Name+"@"+p.Version+" "+p.PURL)
	}
	want := []string{
		"pear/log@1.13.3 pkg:composer/pear/log@1.13.3",
		"pear/pear_exception@1.0.2 pkg:composer/pear/pear_exception@v1.0.2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestComposerParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		wantErr  bool
	}{
		{name: "v1 array", in: `[{"name":"a/b","version":"v2.0.0"},{"name":"c/d","version":"dev-main"}]`,
			want: []string{"a/b@2.0.0", "c/d@dev-main"}},
		{name: "v2 object", in: `{"packages":[{"name":"a/b","version":"1.0.0"},{"name":"","version":"1"},{"name":"x/y"}],"dev":true}`,
			want: []string{"a/b@1.0.0"}},
		{name: "leading v only before digit", in: `[{"name":"a/b","version":"very"}]`, want: []string{"a/b@very"}},
		{name: "empty object", in: `{}`},
		{name: "broken", in: `{"packages":[`, wantErr: true},
		{name: "wrong type", in: `{"packages":{}}`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := Composer{}.Parse("vendor/composer/installed.json", strings.NewReader(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+"@"+p.Version)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzComposer(f *testing.F) {
	f.Add([]byte(`{"packages":[{"name":"a/b","version":"v1"}]}`))
	f.Add([]byte(`[{"name":"a/b","version":"1"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := Composer{}.Parse("vendor/composer/installed.json", strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || !strings.HasPrefix(p.PURL, "pkg:composer/") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}
