package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := map[string]Format{
		"var/lib/rpm/Packages":                   BerkeleyDB,
		"usr/lib/sysimage/rpm/Packages":          BerkeleyDB,
		"var/lib/rpm/Packages.db":                NDB,
		"usr/lib/sysimage/rpm/Packages.db":       NDB,
		"var/lib/rpm/rpmdb.sqlite":               SQLite,
		"usr/lib/sysimage/rpm/rpmdb.sqlite":      SQLite,
		"usr/share/rpm/rpmdb.sqlite":             SQLite,
		"var/lib/rpm/Packages.bak":               Unknown,
		"var/lib/rpm/sub/Packages":               Unknown,
		"opt/var/lib/rpm/Packages":               Unknown,
		"var/lib/rpmmanifest/container-manifest": Unknown,
	}
	for p, want := range tests {
		if got := Detect(p); got != want {
			t.Errorf("Detect(%q) = %v, want %v", p, got, want)
		}
	}
	for _, p := range Paths() {
		if Detect(p) == Unknown {
			t.Errorf("Paths() lists %q, which Detect does not recognise", p)
		}
	}
}

// bdbHeader is the start of a Berkeley DB hash file in the given byte
// order.
func bdbHeader(order binary.ByteOrder) []byte {
	h := make([]byte, 512)
	order.PutUint32(h[12:], bdbHashMagic)
	return h
}

func TestParse(t *testing.T) {
	sqlite := append([]byte("SQLite format 3\x00"), make([]byte, 100)...)
	ndb := append([]byte("RpmP"), make([]byte, 60)...)
	tests := []struct {
		path string
		data []byte
		want error
	}{
		{"var/lib/rpm/Packages", bdbHeader(binary.LittleEndian), ErrUnsupported},
		{"var/lib/rpm/Packages", bdbHeader(binary.BigEndian), ErrUnsupported},
		{"var/lib/rpm/rpmdb.sqlite", sqlite, ErrUnsupported},
		{"usr/lib/sysimage/rpm/Packages.db", ndb, ErrUnsupported},
		{"var/lib/rpm/Packages", sqlite, ErrNotDatabase},
		{"var/lib/rpm/rpmdb.sqlite", nil, ErrNotDatabase},
		{"var/lib/rpm/Packages.db", []byte("Rp"), ErrNotDatabase},
		{"etc/passwd", ndb, ErrNotDatabase},
	}
	for _, tt := range tests {
		err := Parse(tt.path, bytes.NewReader(tt.data))
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%s, %d bytes) = %v, want %v", tt.path, len(tt.data), err, tt.want)
		}
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("SQLite format 3\x00"))
	f.Add([]byte("RpmP"))
	f.Add(bdbHeader(binary.BigEndian)[:16])
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Sniff(data).String()
		for _, p := range Paths() {
			if err := Parse(p, bytes.NewReader(data)); err == nil {
				t.Fatalf("Parse(%s) returned nil", p)
			}
		}
	})
}
