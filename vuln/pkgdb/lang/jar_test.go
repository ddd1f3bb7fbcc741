package lang

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

func zipOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWantsJar(t *testing.T) {
	for path, want := range map[string]bool{
		"opt/app/app.jar": true, "x/App.WAR": true, "x.ear": true, "plugins/p.hpi": true,
		"x.jar.sha1": false, "dir/.jar": false, "x.zip": false,
	} {
		if got := WantsJar(path); got != want {
			t.Errorf("WantsJar(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestParseJar(t *testing.T) {
	inner := zipOf(t, map[string][]byte{
		"META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties": []byte("groupId=com.fasterxml.jackson.core\nartifactId=jackson-databind\nversion=2.9.10\n"),
	})
	deepest := zipOf(t, map[string][]byte{
		"META-INF/maven/too/deep/pom.properties": []byte("groupId=too\nartifactId=deep\nversion=1\n"),
	})
	middle := zipOf(t, map[string][]byte{"lib/deepest.jar": deepest})
	outer := zipOf(t, map[string][]byte{
		"META-INF/maven/com.acme/app/pom.properties":    []byte("groupId=com.acme\nartifactId=app\nversion=1.0.0\n"),
		"META-INF/maven/org.shaded/util/pom.properties": []byte("groupId=org.shaded\nartifactId=util\nversion=3.1\n"),
		"BOOT-INF/lib/jackson-databind-2.9.10.jar":      inner,
		"BOOT-INF/lib/middle.jar":                       middle,
		"BOOT-INF/lib/broken.jar":                       []byte("not a zip"),
		"META-INF/MANIFEST.MF":                          []byte("Manifest-Version: 1.0\n"),
	})
	pkgs, err := ParseJar("/opt/app/app.jar", bytes.NewReader(outer), int64(len(outer)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range pkgs {
		got[p.Name+"@"+p.Version+" "+p.DBPath+" "+p.PURL] = true
	}
	want := []string{
		"com.acme:app@1.0.0 opt/app/app.jar pkg:maven/com.acme/app@1.0.0",
		"org.shaded:util@3.1 opt/app/app.jar pkg:maven/org.shaded/util@3.1",
		"com.fasterxml.jackson.core:jackson-databind@2.9.10 opt/app/app.jar!/BOOT-INF/lib/jackson-databind-2.9.10.jar pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10",
	}
	if len(got) != len(want) {
		t.Errorf("got %d packages %v, want %d", len(got), got, len(want))
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing %s; got %v", w, got)
		}
	}
	if _, err := ParseJar("x.jar", strings.NewReader("nope"), 4); err == nil {
		t.Error("not a zip: no error")
	}
}

func FuzzParseJar(f *testing.F) {
	f.Add(zipOf(f, map[string][]byte{"META-INF/maven/g/a/pom.properties": []byte("groupId=g\nartifactId=a\nversion=1\n")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := ParseJar("x.jar", bytes.NewReader(data), int64(len(data)))
		for _, p := range pkgs {
			if p.Version == "" || !strings.Contains(p.Name, ":") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func TestParseJarManifest(t *testing.T) {
	for _, tt := range []struct {
		name, manifest string
		want           string // name@version, "" for no package
	}{
		{"OSGi bundle", "Manifest-Version: 1.0\r\nBundle-SymbolicName: com.fasterxml.jackson.core.jackson-databind\r\nBundle-Version: 2.9.10\r\n",
			"com.fasterxml.jackson.core:jackson-databind@2.9.10"},
		{"vendor id and title", "Implementation-Vendor-Id: org.yaml\nImplementation-Title: snakeyaml\nImplementation-Version: 1.33\n",
			"org.yaml:snakeyaml@1.33"},
		{"continued line", "Bundle-SymbolicName: org.apache.logging.log4j.log4j-co\n re;singleton:=true\nImplementation-Version: 2.14.1\n",
			"org.apache.logging.log4j:log4j-core@2.14.1"},
		{"human title: no artifact", "Implementation-Vendor-Id: org.apache.commons\nImplementation-Title: Apache Commons Lang\nImplementation-Version: 3.12.0\n", ""},
		{"vendor name: no group", "Implementation-Vendor: The Apache Software Foundation\nImplementation-Title: commons-lang3\nImplementation-Version: 3.12.0\n", ""},
		{"two-segment symbolic name: no group", "Bundle-SymbolicName: javax.inject\nBundle-Version: 1.0.0\n", ""},
		{"no version", "Bundle-SymbolicName: com.example.lib.core\n", ""},
		{"version not a version", "Bundle-SymbolicName: com.example.lib.core\nBundle-Version: ${project.version}\n", ""},
		{"after the main section", "Manifest-Version: 1.0\n\nName: x\nBundle-SymbolicName: com.example.lib.core\nBundle-Version: 1.0\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			jar := zipOf(t, map[string][]byte{"META-INF/MANIFEST.MF": []byte(tt.manifest)})
			pkgs, err := ParseJar("lib/x.jar", bytes.NewReader(jar), int64(len(jar)))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(pkgs) == 1 {
				got = pkgs[0].Name + "@" + pkgs[0].Version
			}
			if got != tt.want || len(pkgs) > 1 {
				t.Errorf("got %v, want %q", pkgs, tt.want)
			}
		})
	}
	// A jar with pom.properties is identified by them, not by its manifest.
	jar := zipOf(t, map[string][]byte{
		"META-INF/MANIFEST.MF":                       []byte("Bundle-SymbolicName: com.example.other.thing\nBundle-Version: 9.9\n"),
		"META-INF/maven/com.acme/app/pom.properties": []byte("groupId=com.acme\nartifactId=app\nversion=1.0.0\n"),
	})
	pkgs, err := ParseJar("app.jar", bytes.NewReader(jar), int64(len(jar)))
	if err != nil || len(pkgs) != 1 || pkgs[0].Name != "com.acme:app" {
		t.Errorf("pom.properties and manifest: %v %v", pkgs, err)
	}
}
