package lang

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// Maven reads META-INF/maven/<groupId>/<artifactId>/pom.properties, the
// file Maven writes into every jar it builds; a shaded jar holds one per
// bundled artifact. The file may come from an unpacked jar in the image
// or from a zip entry of a jar (path "app.jar!/META-INF/maven/…" or
// similar: only the path's tail is checked).
type Maven struct{}

// Ecosystem returns "Maven".
func (Maven) Ecosystem() string { return EcosystemMaven }

// Wants accepts paths ending in META-INF/maven/<g>/<a>/pom.properties.
func (Maven) Wants(path string) bool {
	segs := strings.Split(pkgdb.CleanPath(path), "/")
	n := len(segs)
	return n >= 5 && segs[n-1] == "pom.properties" && segs[n-4] == "maven" &&
		segs[n-5] == "META-INF" && segs[n-2] != "" && segs[n-3] != ""
}

// Parse reads groupId, artifactId and version. The package name is
// "groupId:artifactId", as OSV writes Maven packages.
func (Maven) Parse(path string, r io.Reader) ([]pkgdb.Package, error) {
	data, err := readLimited(r, MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("maven pom.properties %s: %w", path, err)
	}
	props := javaProperties(data)
	g, a, v := props["groupId"], props["artifactId"], props["version"]
	if g == "" || a == "" || v == "" {
		return nil, nil
	}
	purl := pkgdb.PURL("maven", g, a, v, nil)
	return []pkgdb.Package{newPackage(EcosystemMaven, g+":"+a, v, purl, path)}, nil
}

// javaProperties reads the subset of the java.util.Properties format that
// Maven writes: "key=value", "key: value" or "key value" lines, "#" and
// "!" comments, and backslash line continuations. Escapes other than a
// trailing backslash are kept as written; the first value of a key wins.
func javaProperties(data []byte) map[string]string {
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxManifestSize)
	var logical strings.Builder
	for sc.Scan() {
		line := strings.TrimLeft(strings.TrimSuffix(sc.Text(), "\r"), " \t\f")
		if logical.Len() == 0 && (line == "" || line[0] == '#' || line[0] == '!') {
			continue
		}
		if cont := strings.HasSuffix(line, `\`) && !strings.HasSuffix(line, `\\`); cont {
			logical.WriteString(line[:len(line)-1])
			continue
		}
		logical.WriteString(line)
		addProperty(props, logical.String())
		logical.Reset()
	}
	if logical.Len() > 0 {
		addProperty(props, logical.String())
	}
	return props
}

func addProperty(props map[string]string, line string) {
	i := strings.IndexAny(line, "=: \t")
	if i < 0 {
		return
	}
	k := line[:i]
	v := strings.TrimLeft(line[i:], " \t")
	if v != "" && (v[0] == '=' || v[0] == ':') {
		v = v[1:]
	}
	v = strings.TrimSpace(v)
	if _, ok := props[k]; !ok && k != "" {
		props[k] = v
	}
}
