package rpm

import (
	"encoding/binary"
	"fmt"
)

// Berkeley DB hash file layout (libdb's dbinc/db_page.h, hash.h), the
// parts rpm's Packages file uses.
const (
	bdbPageHeaderSize = 26 // LSN, pgno, prev, next, entries, hf_offset, level, type
	bdbMetaSize       = 72 // generic DBMETA, before the hash fields

	// page types
	bdbPageHashUnsorted = 2 // hash page of Berkeley DB < 4.6
	bdbPageOverflow     = 7
	bdbPageHashMeta     = 8
	bdbPageHash         = 13

	// hash item types, the first byte of an item
	bdbItemKeyData = 1
	bdbItemOffPage = 3
	bdbOffPageSize = 12 // type, 3 unused bytes, pgno, tlen

	bdbMinPageSize = 512
	bdbMaxPageSize = 64 << 10
)

// bdbFile is a Berkeley DB hash file held in memory.
type bdbFile struct {
	data     []byte
	order    binary.ByteOrder
	pageSize uint32
	lastPage uint32
}

// openBDB checks the hash metadata page of data.
func openBDB(data []byte) (*bdbFile, error) {
	if len(data) < bdbMetaSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than a Berkeley DB metadata page", ErrNotDatabase, len(data))
	}
	f := &bdbFile{data: data}
	switch {
	case binary.LittleEndian.Uint32(data[12:16]) == bdbHashMagic:
		f.order = binary.LittleEndian
	case binary.BigEndian.Uint32(data[12:16]) == bdbHashMagic:
		f.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("%w: no Berkeley DB hash magic", ErrNotDatabase)
	}
	f.pageSize = f.order.Uint32(data[20:24])
	if f.pageSize < bdbMinPageSize || f.pageSize > bdbMaxPageSize || f.pageSize&(f.pageSize-1) != 0 {
		return nil, fmt.Errorf("%w: Berkeley DB page size %d", ErrCorrupt, f.pageSize)
	}
	if data[24] != 0 {
		return nil, fmt.Errorf("%w: encrypted Berkeley DB (algorithm %d)", ErrCorrupt, data[24])
	}
	if data[25] != bdbPageHashMeta {
		return nil, fmt.Errorf("%w: Berkeley DB metadata page of type %d, want hash", ErrCorrupt, data[25])
	}
	f.lastPage = f.order.Uint32(data[32:36])
	if pages := uint64(len(data)) / uint64(f.pageSize); uint64(f.lastPage) >= pages {
		return nil, fmt.Errorf("%w: Berkeley DB truncated: last page %d, file holds %d pages", ErrCorrupt, f.lastPage, pages)
	}
	return f, nil
}

// page returns page n.
func (f *bdbFile) page(n uint32) []byte {
	off := uint64(n) * uint64(f.pageSize)
	return f.data[off : off+uint64(f.pageSize)]
}

// bdbBlobs calls fn with the key and value of every record of the hash
// file: the package instance number and its header blob. The record of
// key 0, where rpm keeps its instance counter, is skipped.
func bdbBlobs(data []byte, fn func(key uint32, blob []byte) error) error {
	f, err := openBDB(data)
	if err != nil {
		return err
	}
	for n := uint32(1); n <= f.lastPage; n++ {
		p := f.page(n)
		if typ := p[25]; typ != bdbPageHash && typ != bdbPageHashUnsorted {
			continue
		}
		entries := int(f.order.Uint16(p[20:22]))
		if entries%2 != 0 {
			return fmt.Errorf("%w: hash page %d has an odd number of items (%d)", ErrCorrupt, n, entries)
		}
		if bdbPageHeaderSize+2*entries > len(p) {
			return fmt.Errorf("%w: hash page %d: %d items overflow the page", ErrCorrupt, n, entries)
		}
		for i := 0; i < entries; i += 2 {
			key, err := f.item(p, i)
			if err != nil {
				return fmt.Errorf("hash page %d item %d: %w", n, i, err)
			}
			if key[0] != bdbItemKeyData || len(key) != 5 {
				return fmt.Errorf("%w: hash page %d item %d: key is not a 4-byte number", ErrCorrupt, n, i)
			}
			// rpm writes the instance number in the host's byte order,
			// as is the file's.
			k := f.order.Uint32(key[1:])
			if k == 0 {
				continue
			}
			val, err := f.item(p, i+1)
			if err != nil {
				return fmt.Errorf("hash page %d item %d: %w", n, i+1, err)
			}
			blob, err := f.value(val)
			if err != nil {
				return fmt.Errorf("hash page %d item %d: %w", n, i+1, err)
			}
			if err := fn(k, blob); err != nil {
				return err
			}
		}
	}
	return nil
}

// item returns item i of a hash page: its type byte and content. Items
// are packed from the end of the page, so an item ends where the one
// before it starts.
func (f *bdbFile) item(p []byte, i int) ([]byte, error) {
	off := int(f.order.Uint16(p[bdbPageHeaderSize+2*i:]))
	end := len(p)
	if i > 0 {
		end = int(f.order.Uint16(p[bdbPageHeaderSize+2*(i-1):]))
	}
	if off < bdbPageHeaderSize || off >= end || end > len(p) {
		return nil, fmt.Errorf("%w: item at %d..%d outside its page", ErrCorrupt, off, end)
	}
	return p[off:end], nil
}

// value returns the content of a value item: inline data, or the chain of
// overflow pages an off-page item points to.
func (f *bdbFile) value(item []byte) ([]byte, error) {
	switch item[0] {
	case bdbItemKeyData:
		return item[1:], nil
	case bdbItemOffPage:
	default:
		return nil, fmt.Errorf("%w: value item of type %d", ErrCorrupt, item[0])
	}
	if len(item) < bdbOffPageSize {
		return nil, fmt.Errorf("%w: short off-page item", ErrCorrupt)
	}
	pgno := f.order.Uint32(item[4:8])
	total := f.order.Uint32(item[8:12])
	// An overflow chain visits each page at most once, so its length is
	// bounded by the file; checking first bounds the allocation.
	if uint64(total) > uint64(len(f.data)) {
		return nil, fmt.Errorf("%w: off-page value of %d bytes in a %d-byte file", ErrCorrupt, total, len(f.data))
	}
	out := make([]byte, 0, total)
	for visited := uint32(0); uint32(len(out)) < total; visited++ {
		if pgno == 0 || pgno > f.lastPage || visited > f.lastPage {
			return nil, fmt.Errorf("%w: overflow chain broken at page %d after %d of %d bytes", ErrCorrupt, pgno, len(out), total)
		}
		p := f.page(pgno)
		if p[25] != bdbPageOverflow {
			return nil, fmt.Errorf("%w: page %d of an overflow chain has type %d", ErrCorrupt, pgno, p[25])
		}
		n := uint32(f.order.Uint16(p[22:24])) // the bytes this page holds
		if n == 0 || bdbPageHeaderSize+n > f.pageSize || uint32(len(out))+n > total {
			return nil, fmt.Errorf("%w: overflow page %d holds %d bytes", ErrCorrupt, pgno, n)
		}
		out = append(out, p[bdbPageHeaderSize:bdbPageHeaderSize+n]...)
		pgno = f.order.Uint32(p[16:20])
	}
	return out, nil
}
