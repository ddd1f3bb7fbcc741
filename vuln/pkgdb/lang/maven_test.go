package lang

import (
	"strings"
	"testing"
)

func TestMavenWants(t *testing.T) {
	for path, want := range map[string]bool{
		"opt/app/x/META-INF/maven/org.example/lib/pom.properties": true,
		"META-INF/maven/org.example/lib/pom.properties":           true,
		"app.jar!/META-INF/maven/org.example/lib/pom.properties":  true,
		"META-INF/maven/org.example/pom.properties":               false,
		"META-INF/maven/org.example/lib/pom.xml":                  false,
		"x/maven/org.example/lib/pom.properties":                  false,
		"META-INF/maven/org.example/lib/sub/pom.properties":       false,
	} {
		if got := (Maven{}).Wants(path); got != want {
			t.Errorf("Wants(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestMavenCorpus(t *testing.T) {
	const rel = "java/api-all-2.0.0/META-INF/maven/org.apache.directory.api/api-all/pom.properties"
	path := "opt/lib/api-all-2.0.0/META-INF/maven/org.apache.directory.api/api-all/pom.properties"
	one(t, parseFile(t, Maven{}, rel, path), "Maven", "org.apache.directory.api:api-all", "2.0.0",
		"pkg:maven/org.apache.directory.api/api-all@2.0.0", path)
}

func TestMavenParse(t *testing.T) {
	for _, tc := range []struct{ name, in, wantName, wantVersion string }{
		{"equals", "groupId=g\nartifactId=a\nversion=1.0\n", "g:a", "1.0"},
		{"colon and spaces", "  groupId : g\r\nartifactId:a\r\nversion   1.0-SNAPSHOT\r\n", "g:a", "1.0-SNAPSHOT"},
		{"comments", "#groupId=x\n!artifactId=y\ngroupId=g\nartifactId=a\nversion=2\n", "g:a", "2"},
		{"continuation", "groupId=org.\\\n  example\nartifactId=a\nversion=3\n", "org.example:a", "3"},
		{"first wins", "groupId=g\ngroupId=h\nartifactId=a\nversion=1\n", "g:a", "1"},
		{"missing version", "groupId=g\nartifactId=a\n", "", ""},
		{"empty", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := Maven{}.Parse("META-INF/maven/g/a/pom.properties", strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantName == "" {
				if len(pkgs) != 0 {
					t.Fatalf("got %+v", pkgs)
				}
				return
			}
			if len(pkgs) != 1 || pkgs[0].Name != tc.wantName || pkgs[0].Version != tc.wantVersion {
				t.Fatalf("got %+v, want %s %s", pkgs, tc.wantName, tc.wantVersion)
			}
		})
	}
}

func FuzzMaven(f *testing.F) {
	f.Add([]byte("groupId=g\nartifactId=a\nversion=1\n"))
	f.Add([]byte("groupId=g\\\n\\\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := Maven{}.Parse("META-INF/maven/g/a/pom.properties", strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Version == "" || !strings.Contains(p.Name, ":") || !strings.HasPrefix(p.PURL, "pkg:maven/") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}
