package lang

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkNPMLock2000(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"lockfileVersion":3,"packages":{"":{"name":"app"}`)
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&sb, `,"node_modules/p%d":{"version":"1.%d.0","resolved":"https://registry.npmjs.org/p%d/-/p%d-1.%d.0.tgz","integrity":"sha512-x"}`, i, i, i, i, i)
	}
	sb.WriteString("}}")
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		pkgs, err := NPMLock{}.Parse("package-lock.json", strings.NewReader(in))
		if err != nil || len(pkgs) != 2000 {
			b.Fatal(len(pkgs), err)
		}
	}
}

func BenchmarkPythonMetadata(b *testing.B) {
	in := "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nSummary: x\n\n" + strings.Repeat("body line\n", 500)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Python{}).Parse("x.dist-info/METADATA", strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}
