package rpm

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteTimeout bounds the time spent in SQLite on one database.
const sqliteTimeout = 2 * time.Minute

// packagesTable is the statement rpm (4.16 and later) creates its
// Packages table with. Only a table of exactly this shape is read, so a
// hostile file cannot make the query run a view or computed columns.
var packagesTable = regexp.MustCompile(`(?i)^CREATE TABLE (IF NOT EXISTS )?['"]?Packages['"]? \(\s*hnum INTEGER PRIMARY KEY AUTOINCREMENT,\s*blob BLOB NOT NULL\s*\)$`)

// deserializer is the method of modernc.org/sqlite's connection that
// loads a database image into an in-memory database.
type deserializer interface {
	Deserialize(buf []byte) error
}

// sqliteBlobs calls fn with the key and header blob of every row of the
// Packages table of an rpmdb.sqlite image. The database is loaded into
// SQLite's memory; nothing is written to disk. Its write-ahead log, a
// separate file, is not read: a database in WAL mode is read as its main
// file holds it.
func sqliteBlobs(data []byte, fn func(key uint32, blob []byte) error) (err error) {
	if !bytes.HasPrefix(data, []byte(sqliteMagic)) || len(data) < 100 {
		return fmt.Errorf("%w: no SQLite header", ErrNotDatabase)
	}
	buf := bytes.Clone(data)
	// File format versions 2 (WAL) make an in-memory database refuse to
	// open; 1 (rollback journal) reads the same pages.
	if buf[18] == 2 {
		buf[18] = 1
	}
	if buf[19] == 2 {
		buf[19] = 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), sqliteTimeout)
	defer cancel()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return fmt.Errorf("open SQLite: %w", err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open SQLite: %w", err)
	}
	defer func() {
		if cerr := conn.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close SQLite: %w", cerr)
		}
	}()
	if err := conn.Raw(func(dc any) error {
		d, ok := dc.(deserializer)
		if !ok {
			return errors.New("SQLite driver cannot load a database from memory")
		}
		return d.Deserialize(buf)
	}); err != nil {
		return fmt.Errorf("%w: load SQLite database: %v", ErrCorrupt, err)
	}
	if _, err := sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_LENGTH, maxBlobSize); err != nil {
		return fmt.Errorf("limit SQLite: %w", err)
	}
	var schema string
	err = conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'Packages'`).Scan(&schema)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: SQLite database without a Packages table", ErrNotDatabase)
		}
		return fmt.Errorf("%w: SQLite schema: %v", ErrCorrupt, err)
	}
	if !packagesTable.MatchString(schema) {
		return fmt.Errorf("%w: SQLite Packages table is not rpm's: %.200q", ErrNotDatabase, schema)
	}
	rows, err := conn.QueryContext(ctx, `SELECT hnum, blob FROM Packages`)
	if err != nil {
		return fmt.Errorf("%w: SQLite query: %v", ErrCorrupt, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key int64
		var blob []byte
		if err := rows.Scan(&key, &blob); err != nil {
			return fmt.Errorf("%w: SQLite row: %v", ErrCorrupt, err)
		}
		if key <= 0 || key > 1<<32-1 {
			return fmt.Errorf("%w: SQLite package key %d", ErrCorrupt, key)
		}
		if err := fn(uint32(key), blob); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: SQLite rows: %v", ErrCorrupt, err)
	}
	return nil
}
