package rpm

import (
	"encoding/binary"
	"fmt"
	"hash/adler32"
)

// NDB layout (rpm's lib/backend/ndb/rpmpkg.c): a 32-byte header, slot
// pages of 16-byte slots that locate each package's blob, and the blobs,
// all little-endian and counted in 16-byte blocks.
const (
	ndbHeaderSize = 32
	ndbVersion    = 0
	ndbSlotSize   = 16
	ndbBlockSize  = 16
	ndbPageSize   = 4096
	ndbSlotMagic  = "Slot"
	ndbBlobHead   = "BlbS"
	ndbBlobTail   = "BlbE"
	ndbHeadSize   = 16 // magic, pkgidx, timestamp, length
	ndbTailSize   = 12 // adler32, length, magic
)

// ndbBlobs calls fn with the package index and header blob of every used
// slot of an NDB Packages.db file, checking each blob's head, tail and
// Adler-32 checksum as rpm does.
func ndbBlobs(data []byte, fn func(key uint32, blob []byte) error) error {
	le := binary.LittleEndian
	if len(data) < ndbHeaderSize || string(data[0:4]) != ndbMagic {
		return fmt.Errorf("%w: no NDB magic", ErrNotDatabase)
	}
	if v := le.Uint32(data[4:8]); v != ndbVersion {
		return fmt.Errorf("%w: NDB version %d", ErrCorrupt, v)
	}
	if len(data)%ndbBlockSize != 0 {
		return fmt.Errorf("%w: NDB size %d is not a multiple of %d", ErrCorrupt, len(data), ndbBlockSize)
	}
	slotPages := le.Uint32(data[12:16])
	if slotPages == 0 || uint64(slotPages)*ndbPageSize > uint64(len(data)) {
		return fmt.Errorf("%w: NDB truncated: %d slot pages in %d bytes", ErrCorrupt, slotPages, len(data))
	}
	blocks := uint64(len(data)) / ndbBlockSize
	minBlock := uint64(slotPages) * (ndbPageSize / ndbBlockSize)
	end := int(slotPages) * ndbPageSize
	for off := ndbHeaderSize; off < end; off += ndbSlotSize {
		s := data[off : off+ndbSlotSize]
		if string(s[0:4]) != ndbSlotMagic {
			return fmt.Errorf("%w: NDB slot at %d has no magic", ErrCorrupt, off)
		}
		pkgIdx, blkOff, blkCnt := le.Uint32(s[4:8]), uint64(le.Uint32(s[8:12])), uint64(le.Uint32(s[12:16]))
		if blkOff == 0 {
			continue // free slot
		}
		if pkgIdx == 0 || blkCnt == 0 || blkOff < minBlock || blkOff+blkCnt > blocks {
			return fmt.Errorf("%w: NDB slot at %d: package %d at blocks %d+%d of %d", ErrCorrupt, off, pkgIdx, blkOff, blkCnt, blocks)
		}
		blob, err := ndbBlob(data[blkOff*ndbBlockSize:(blkOff+blkCnt)*ndbBlockSize], pkgIdx)
		if err != nil {
			return err
		}
		if err := fn(pkgIdx, blob); err != nil {
			return err
		}
	}
	return nil
}

// ndbBlob checks and returns the header blob stored in the blocks b.
func ndbBlob(b []byte, pkgIdx uint32) ([]byte, error) {
	le := binary.LittleEndian
	if len(b) < ndbHeadSize+ndbTailSize {
		return nil, fmt.Errorf("%w: NDB blob of package %d: %d bytes", ErrCorrupt, pkgIdx, len(b))
	}
	if string(b[0:4]) != ndbBlobHead || le.Uint32(b[4:8]) != pkgIdx {
		return nil, fmt.Errorf("%w: NDB blob of package %d: bad head", ErrCorrupt, pkgIdx)
	}
	n := uint64(le.Uint32(b[12:16]))
	if (ndbHeadSize+n+ndbTailSize+ndbBlockSize-1)/ndbBlockSize*ndbBlockSize != uint64(len(b)) {
		return nil, fmt.Errorf("%w: NDB blob of package %d: length %d does not fill its %d bytes", ErrCorrupt, pkgIdx, n, len(b))
	}
	tail := b[len(b)-ndbTailSize:]
	if string(tail[8:12]) != ndbBlobTail || uint64(le.Uint32(tail[4:8])) != n {
		return nil, fmt.Errorf("%w: NDB blob of package %d: bad tail", ErrCorrupt, pkgIdx)
	}
	if sum := adler32.Checksum(b[:len(b)-ndbTailSize]); sum != le.Uint32(tail[0:4]) {
		return nil, fmt.Errorf("%w: NDB blob of package %d: checksum mismatch", ErrCorrupt, pkgIdx)
	}
	return b[ndbHeadSize : ndbHeadSize+n], nil
}
