package version

import "testing"

// benchPairs are realistic pairs: an installed version against a fixed one.
var benchPairs = []struct{ eco, a, b string }{
	{"Debian", "1:2.36.1-8+deb11u1", "1:2.36.1-8+deb11u2"},
	{"Alpine", "1.2.4_git20230717-r4", "1.2.4-r3"},
	{"Red Hat", "1:3.0.7-16.el9_2", "1:3.0.7-18.el9_2"},
	{"npm", "4.17.20", "4.17.21"},
	{"Go", "v0.0.0-20211012131345-9c444070ec7b", "0.0.0-20220314234659-1baeb1ce4c0b"},
	{"PyPI", "2.31.0.post1", "2.32.0rc1"},
	{"Maven", "2.14.0-rc1", "2.14.0"},
	{"Packagist", "v5.4.21", "5.4.22-beta1"},
	{"NuGet", "13.0.1", "13.0.3-RC.1"},
}

func BenchmarkCompare(b *testing.B) {
	for _, p := range benchPairs {
		c, ok := For(p.eco)
		if !ok {
			b.Fatalf("no comparer for %s", p.eco)
		}
		b.Run(p.eco, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Compare(p.a, p.b); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
