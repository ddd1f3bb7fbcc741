// Command mkndb writes an NDB Packages.db (rpm's lib/backend/ndb format)
// holding the header blobs read from standard input, one "key hexblob"
// line each, for the tests: Debian's rpm is built without NDB.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/adler32"
	"os"
	"strconv"
	"strings"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mkndb:", err)
		os.Exit(1)
	}
}

func run() error {
	le := binary.LittleEndian
	db := make([]byte, 4096) // header and one page of slots
	copy(db, "RpmP")
	le.PutUint32(db[4:], 0)  // version
	le.PutUint32(db[8:], 1)  // generation
	le.PutUint32(db[12:], 1) // slot pages
	for off := 32; off < 4096; off += 16 {
		copy(db[off:], "Slot")
	}
	slot, next := 32, uint32(1)
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		k, h, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			return fmt.Errorf("bad line %q", sc.Text())
		}
		key, err := strconv.ParseUint(k, 10, 32)
		if err != nil {
			return err
		}
		blob, err := hex.DecodeString(h)
		if err != nil {
			return err
		}
		blkOff := len(db) / 16
		blkCnt := (16 + len(blob) + 12 + 15) / 16
		b := make([]byte, blkCnt*16)
		copy(b, "BlbS")
		le.PutUint32(b[4:], uint32(key))
		le.PutUint32(b[8:], 0) // timestamp
		le.PutUint32(b[12:], uint32(len(blob)))
		copy(b[16:], blob)
		tail := b[len(b)-12:]
		le.PutUint32(tail[0:], adler32.Checksum(b[:len(b)-12]))
		le.PutUint32(tail[4:], uint32(len(blob)))
		copy(tail[8:], "BlbE")
		db = append(db, b...)
		le.PutUint32(db[slot+4:], uint32(key))
		le.PutUint32(db[slot+8:], uint32(blkOff))
		le.PutUint32(db[slot+12:], uint32(blkCnt))
		slot += 16
		if uint32(key) >= next {
			next = uint32(key) + 1
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	le.PutUint32(db[16:], next)
	_, err := os.Stdout.Write(db)
	return err
}
