package rpm

import "testing"

func BenchmarkParse(b *testing.B) {
	for _, f := range fixtures {
		data := readFixture(b, f.file)
		b.Run(f.file, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse(f.path, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
