package version

import (
	"path/filepath"
	"testing"
)

// fuzzComparer seeds f with the first lines of the fixture files named by
// prefix and checks that compare never panics, is reflexive and is
// antisymmetric.
func fuzzComparer(f *testing.F, prefix string, compare func(a, b string) (int, error)) {
	files, _ := filepath.Glob(filepath.Join(fixtureDir, prefix+"-versions*.txt"))
	for _, path := range files {
		lines := readFixture(f, path)
		for i, l := range lines {
			if i >= 200 {
				break
			}
			f.Add(l.a, l.b)
		}
	}
	f.Add("1:2.0~rc1-1", "1:2.0-1")
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, errA := compare(a, b)
		ba, errB := compare(b, a)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("Compare(%q, %q) error %v but reversed %v", a, b, errA, errB)
		}
		if errA != nil {
			return
		}
		if ab != -ba {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		if ab < -1 || ab > 1 {
			t.Fatalf("Compare(%q, %q) = %d, want -1, 0 or 1", a, b, ab)
		}
		if c, err := compare(a, a); err == nil && c != 0 {
			t.Fatalf("Compare(%q, %q) = %d, want 0", a, a, c)
		}
	})
}

func FuzzDebian(f *testing.F)    { fuzzComparer(f, "debian", CompareDebian) }
func FuzzAlpine(f *testing.F)    { fuzzComparer(f, "alpine", CompareAlpine) }
func FuzzRPM(f *testing.F)       { fuzzComparer(f, "redhat", CompareRPM) }
func FuzzSemVer(f *testing.F)    { fuzzComparer(f, "semver", CompareSemVer) }
func FuzzGo(f *testing.F)        { fuzzComparer(f, "semver", CompareGo) }
func FuzzPyPI(f *testing.F)      { fuzzComparer(f, "pypi", ComparePyPI) }
func FuzzMaven(f *testing.F)     { fuzzComparer(f, "maven", CompareMaven) }
func FuzzGem(f *testing.F)       { fuzzComparer(f, "rubygems", CompareGem) }
func FuzzPackagist(f *testing.F) { fuzzComparer(f, "packagist", ComparePackagist) }
func FuzzNuGet(f *testing.F)     { fuzzComparer(f, "nuget", CompareNuGet) }
