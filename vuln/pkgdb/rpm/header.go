package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// Header tags read from a package header (rpm's include/rpm/rpmtag.h).
const (
	tagName            = 1000
	tagVersion         = 1001
	tagRelease         = 1002
	tagEpoch           = 1003
	tagVendor          = 1011
	tagLicense         = 1014
	tagArch            = 1022
	tagOldFilenames    = 1027
	tagSourceRPM       = 1044
	tagDirIndexes      = 1116
	tagBasenames       = 1117
	tagDirNames        = 1118
	tagModularityLabel = 5096
)

// Header data types (rpm's rpmTagType).
const (
	typeInt32       = 4
	typeString      = 6
	typeStringArray = 8
	typeI18NString  = 9
	typeMax         = 9
)

// Header limits, those rpm's headerImport applies (hdrchkTags, hdrchkData).
const (
	maxIndexEntries = 0xffff
	maxDataLength   = 0x0fffffff
	indexEntrySize  = 16
)

// ErrCorruptHeader is wrapped by errors about a package header blob that
// cannot be read.
var ErrCorruptHeader = errors.New("corrupt RPM header")

// Entry is one installed package of an RPM database.
type Entry struct {
	Name    string
	Version string
	Release string
	// Epoch is the package epoch; HasEpoch says whether the header has
	// one (an absent epoch compares as 0 but is not printed).
	Epoch    int
	HasEpoch bool
	Arch     string
	// SourceRPM is the file name of the source package
	// ("openssl-3.0.7-27.el9.src.rpm"); empty for gpg-pubkey entries.
	SourceRPM string
	Vendor    string
	License   string
	// ModularityLabel is the module stream of a RHEL 8+ modular package
	// ("nodejs:18:8090020231019152822:a75119d5"), empty otherwise.
	ModularityLabel string
	// Files are the paths the package owns, without the leading slash.
	Files []string
	// Key is the record's key in the database (the header instance
	// number), for messages.
	Key uint32
}

// EVR returns the package's [epoch:]version-release, with the epoch only
// when it is present and not 0 (how the OSV Red Hat family ecosystems
// write versions).
func (e Entry) EVR() string {
	vr := e.Version + "-" + e.Release
	if e.HasEpoch && e.Epoch != 0 {
		return strconv.Itoa(e.Epoch) + ":" + vr
	}
	return vr
}

// Source returns the name and version-release of the source package,
// parsed from SourceRPM ("foo-3.4.5-6.el9.src.rpm" gives "foo" and
// "3.4.5-6.el9"), with the binary package's epoch. ok is false when there
// is no parsable source RPM name; name and version are then the binary
// package's.
func (e Entry) Source() (name, version string, ok bool) {
	name, vr, ok := splitSourceRPM(e.SourceRPM)
	if !ok {
		return e.Name, e.EVR(), false
	}
	if e.HasEpoch && e.Epoch != 0 {
		vr = strconv.Itoa(e.Epoch) + ":" + vr
	}
	return name, vr, true
}

// splitSourceRPM splits "name-version-release.arch.rpm" into name and
// "version-release".
func splitSourceRPM(s string) (name, vr string, ok bool) {
	s, found := strings.CutSuffix(s, ".rpm")
	if !found {
		return "", "", false
	}
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 {
		return "", "", false
	}
	s = s[:dot] // drop the arch (src, nosrc)
	rel := strings.LastIndexByte(s, '-')
	if rel <= 0 {
		return "", "", false
	}
	ver := strings.LastIndexByte(s[:rel], '-')
	if ver <= 0 || ver+1 == rel || rel+1 == len(s) {
		return "", "", false
	}
	return s[:ver], s[ver+1:], true
}

// indexEntry is one entry of a header's index.
type indexEntry struct {
	tag    int32
	typ    uint32
	offset int32
	count  uint32
}

// header is a parsed header blob: its index and data store.
type header struct {
	entries map[int32]indexEntry
	data    []byte
}

// parseHeader reads a header blob as the databases store it: the index
// length il and data length dl (big-endian 32-bit), il index entries of
// 16 bytes, then dl bytes of data. Every offset is checked against the
// data store; later entries of a tag replace earlier ones, as rpm's
// "dribble" entries do.
func parseHeader(blob []byte) (*header, error) {
	if len(blob) < 8 {
		return nil, fmt.Errorf("%w: %d bytes", ErrCorruptHeader, len(blob))
	}
	il := binary.BigEndian.Uint32(blob[0:4])
	dl := binary.BigEndian.Uint32(blob[4:8])
	if il == 0 || il > maxIndexEntries {
		return nil, fmt.Errorf("%w: %d index entries", ErrCorruptHeader, il)
	}
	if dl > maxDataLength {
		return nil, fmt.Errorf("%w: data length %d", ErrCorruptHeader, dl)
	}
	need := 8 + uint64(il)*indexEntrySize + uint64(dl)
	if uint64(len(blob)) < need {
		return nil, fmt.Errorf("%w: %d bytes, index and data need %d", ErrCorruptHeader, len(blob), need)
	}
	h := &header{
		entries: make(map[int32]indexEntry, il),
		data:    blob[8+il*indexEntrySize : need],
	}
	for i := uint32(0); i < il; i++ {
		b := blob[8+i*indexEntrySize:]
		e := indexEntry{
			tag:    int32(binary.BigEndian.Uint32(b[0:4])),
			typ:    binary.BigEndian.Uint32(b[4:8]),
			offset: int32(binary.BigEndian.Uint32(b[8:12])),
			count:  binary.BigEndian.Uint32(b[12:16]),
		}
		if e.typ > typeMax {
			return nil, fmt.Errorf("%w: tag %d has type %d", ErrCorruptHeader, e.tag, e.typ)
		}
		if e.offset < 0 || uint32(e.offset) > dl {
			return nil, fmt.Errorf("%w: tag %d at offset %d outside %d data bytes", ErrCorruptHeader, e.tag, e.offset, dl)
		}
		h.entries[e.tag] = e
	}
	return h, nil
}

// strings returns the values of a string tag (STRING, STRING_ARRAY,
// I18NSTRING), or nil when the header lacks it.
func (h *header) strings(tag int32) ([]string, error) {
	e, ok := h.entries[tag]
	if !ok {
		return nil, nil
	}
	switch e.typ {
	case typeString:
		if e.count != 1 {
			return nil, fmt.Errorf("%w: string tag %d has count %d", ErrCorruptHeader, tag, e.count)
		}
	case typeStringArray, typeI18NString:
	default:
		return nil, fmt.Errorf("%w: tag %d has type %d, want a string", ErrCorruptHeader, tag, e.typ)
	}
	// Each string takes at least one byte, so a count beyond the data
	// left is corrupt; checking it first bounds the allocation.
	rest := h.data[e.offset:]
	if uint64(e.count) > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: tag %d counts %d strings in %d bytes", ErrCorruptHeader, tag, e.count, len(rest))
	}
	out := make([]string, 0, e.count)
	for i := uint32(0); i < e.count; i++ {
		n := bytes.IndexByte(rest, 0)
		if n < 0 {
			return nil, fmt.Errorf("%w: tag %d: unterminated string", ErrCorruptHeader, tag)
		}
		out = append(out, string(rest[:n]))
		rest = rest[n+1:]
	}
	return out, nil
}

// str returns the first value of a string tag, "" when absent.
func (h *header) str(tag int32) (string, error) {
	v, err := h.strings(tag)
	if err != nil || len(v) == 0 {
		return "", err
	}
	return v[0], nil
}

// int32s returns the values of an INT32 tag, or nil when absent.
func (h *header) int32s(tag int32) ([]int32, error) {
	e, ok := h.entries[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != typeInt32 {
		return nil, fmt.Errorf("%w: tag %d has type %d, want INT32", ErrCorruptHeader, tag, e.typ)
	}
	rest := h.data[e.offset:]
	if uint64(e.count)*4 > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: tag %d: %d integers in %d bytes", ErrCorruptHeader, tag, e.count, len(rest))
	}
	out := make([]int32, e.count)
	for i := range out {
		out[i] = int32(binary.BigEndian.Uint32(rest[4*i:]))
	}
	return out, nil
}

// parseEntry reads the package fields of a header blob.
func parseEntry(blob []byte) (Entry, error) {
	h, err := parseHeader(blob)
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	for _, f := range []struct {
		tag int32
		dst *string
	}{
		{tagName, &e.Name},
		{tagVersion, &e.Version},
		{tagRelease, &e.Release},
		{tagArch, &e.Arch},
		{tagSourceRPM, &e.SourceRPM},
		{tagVendor, &e.Vendor},
		{tagLicense, &e.License},
		{tagModularityLabel, &e.ModularityLabel},
	} {
		if *f.dst, err = h.str(f.tag); err != nil {
			return Entry{}, err
		}
	}
	epoch, err := h.int32s(tagEpoch)
	if err != nil {
		return Entry{}, err
	}
	if len(epoch) > 0 {
		if epoch[0] < 0 {
			return Entry{}, fmt.Errorf("%w: negative epoch %d", ErrCorruptHeader, epoch[0])
		}
		e.Epoch, e.HasEpoch = int(epoch[0]), true
	}
	if e.Files, err = h.files(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// files returns the owned paths: each basename joined to the directory
// its dirindex names, or the old single-list form of rpm < 4.
func (h *header) files() ([]string, error) {
	base, err := h.strings(tagBasenames)
	if err != nil {
		return nil, err
	}
	if base == nil {
		old, err := h.strings(tagOldFilenames)
		if err != nil {
			return nil, err
		}
		for i, p := range old {
			old[i] = pkgdb.CleanPath(p)
		}
		return old, nil
	}
	dirs, err := h.strings(tagDirNames)
	if err != nil {
		return nil, err
	}
	idx, err := h.int32s(tagDirIndexes)
	if err != nil {
		return nil, err
	}
	if len(idx) != len(base) {
		return nil, fmt.Errorf("%w: %d basenames but %d dirindexes", ErrCorruptHeader, len(base), len(idx))
	}
	files := make([]string, len(base))
	for i, b := range base {
		d := idx[i]
		if d < 0 || int(d) >= len(dirs) {
			return nil, fmt.Errorf("%w: dirindex %d of %d dirnames", ErrCorruptHeader, d, len(dirs))
		}
		files[i] = pkgdb.CleanPath(dirs[d] + b)
	}
	return files, nil
}
