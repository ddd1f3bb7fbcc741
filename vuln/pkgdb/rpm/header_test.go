package rpm

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tag is one header entry for makeHeader: a string, []string (as
// STRING_ARRAY), or []int32 value.
type tag struct {
	id  int32
	val any
}

// makeHeader writes a header blob as rpm stores it in its databases.
func makeHeader(tags ...tag) []byte {
	var index, data []byte
	be := binary.BigEndian
	for _, t := range tags {
		var typ, count uint32
		switch v := t.val.(type) {
		case string:
			typ, count = typeString, 1
		case []string:
			typ, count = typeStringArray, uint32(len(v))
		case []int32:
			typ, count = typeInt32, uint32(len(v))
			for len(data)%4 != 0 {
				data = append(data, 0)
			}
		}
		e := make([]byte, 16)
		be.PutUint32(e[0:], uint32(t.id))
		be.PutUint32(e[4:], typ)
		be.PutUint32(e[8:], uint32(len(data)))
		be.PutUint32(e[12:], count)
		index = append(index, e...)
		switch v := t.val.(type) {
		case string:
			data = append(append(data, v...), 0)
		case []string:
			for _, s := range v {
				data = append(append(data, s...), 0)
			}
		case []int32:
			for _, n := range v {
				data = be.AppendUint32(data, uint32(n))
			}
		}
	}
	out := be.AppendUint32(nil, uint32(len(tags)))
	out = be.AppendUint32(out, uint32(len(data)))
	return append(append(out, index...), data...)
}

// base are the tags of a minimal package.
func base(extra ...tag) []byte {
	return makeHeader(append([]tag{
		{tagName, "zlib"}, {tagVersion, "1.2.11"}, {tagRelease, "40.el9"}, {tagArch, "x86_64"},
	}, extra...)...)
}

func TestParseEntry(t *testing.T) {
	tests := []struct {
		name string
		blob []byte
		want Entry
	}{
		{"minimal", base(), Entry{Name: "zlib", Version: "1.2.11", Release: "40.el9", Arch: "x86_64"}},
		{
			"modular package with an epoch of 0",
			base(tag{tagEpoch, []int32{0}}, tag{tagModularityLabel, "nodejs:18:8090020231019152822:a75119d5"}),
			Entry{Name: "zlib", Version: "1.2.11", Release: "40.el9", Arch: "x86_64", HasEpoch: true, ModularityLabel: "nodejs:18:8090020231019152822:a75119d5"},
		},
		{
			"file list of rpm 4: dirnames indexed by dirindexes",
			base(tag{tagBasenames, []string{"libz.so.1", "zlib", "README"}}, tag{tagDirNames, []string{"/usr/lib64/", "/usr/share/doc/", "/usr/share/doc/zlib/"}}, tag{tagDirIndexes, []int32{0, 1, 2}}),
			Entry{Name: "zlib", Version: "1.2.11", Release: "40.el9", Arch: "x86_64", Files: []string{"usr/lib64/libz.so.1", "usr/share/doc/zlib", "usr/share/doc/zlib/README"}},
		},
		{
			"file list of rpm 3: old file names",
			base(tag{tagOldFilenames, []string{"/usr/lib/libz.so.1", "/usr/lib/../bin/x"}}),
			Entry{Name: "zlib", Version: "1.2.11", Release: "40.el9", Arch: "x86_64", Files: []string{"usr/lib/libz.so.1", "usr/bin/x"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEntry(tt.blob)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseEntryCorrupt(t *testing.T) {
	ok := base()
	truncated := ok[:len(ok)-3]
	zeroIndex := append([]byte{0, 0, 0, 0}, ok[4:]...)
	hugeIndex := append([]byte{0, 1, 0, 0}, ok[4:]...)
	hugeData := append(append([]byte{}, ok[:4]...), append([]byte{0x7f, 0, 0, 0}, ok[8:]...)...)
	tests := map[string][]byte{
		"empty":                  nil,
		"truncated data":         truncated,
		"no index entries":       zeroIndex,
		"too many index entries": hugeIndex,
		"data length too large":  hugeData,
		"name is an integer":     makeHeader(tag{tagName, []int32{1}}),
		"epoch is a string":      base(tag{tagEpoch, "1"}),
		"negative epoch":         base(tag{tagEpoch, []int32{-1}}),
		"dirindex out of range":  base(tag{tagBasenames, []string{"a"}}, tag{tagDirNames, []string{"/x/"}}, tag{tagDirIndexes, []int32{1}}),
		"dirindex count":         base(tag{tagBasenames, []string{"a", "b"}}, tag{tagDirNames, []string{"/x/"}}, tag{tagDirIndexes, []int32{0}}),
	}
	// A string array whose count claims more strings than there are bytes.
	lying := base(tag{tagBasenames, []string{"a"}})
	binary.BigEndian.PutUint32(lying[8+4*16+12:], 1<<30)
	tests["string count beyond the data"] = lying
	// A string whose terminating NUL is missing.
	unterminated := makeHeader(tag{tagName, "zlib"})
	tests["unterminated string"] = unterminated[:len(unterminated)-1]
	fixLen := func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], uint32(len(b)-8-16)); return b }
	tests["unterminated string"] = fixLen(tests["unterminated string"])
	// An offset outside the data store.
	outside := base()
	binary.BigEndian.PutUint32(outside[8+8:], 1<<20)
	tests["offset outside the data"] = outside

	for name, blob := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := parseEntry(blob); !errors.Is(err, ErrCorruptHeader) {
				t.Errorf("parseEntry = %v, want ErrCorruptHeader", err)
			}
		})
	}
}

func TestParseSkipsPubkeys(t *testing.T) {
	// rpm records imported signing keys as gpg-pubkey "packages"; they are
	// counted, not reported. A header without a version is a problem.
	blobs := [][]byte{
		base(),
		makeHeader(tag{tagName, "gpg-pubkey"}, tag{tagVersion, "fd431d51"}, tag{tagRelease, "4ae0493b"}),
		makeHeader(tag{tagName, "broken"}),
		[]byte("junk"),
	}
	db := &Database{}
	for i, b := range blobs {
		if err := db.add(uint32(i+1), b); err != nil {
			t.Fatal(err)
		}
	}
	if len(db.Packages) != 1 || db.Packages[0].Name != "zlib" || db.Skipped != 1 || len(db.Problems) != 2 {
		t.Errorf("got %d packages, %d skipped, problems %v", len(db.Packages), db.Skipped, db.Problems)
	}
	if !strings.Contains(db.Problems[1].String(), "record 4:") {
		t.Errorf("problem %q does not name its record", db.Problems[1])
	}
}
