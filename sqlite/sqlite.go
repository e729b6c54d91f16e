// Package sqlite is icpcheck's embedded store: one SQLite file in WAL mode, through the pure
// Go driver modernc.org/sqlite, so that `icpcheck serve` needs nothing else. The rules are in
// sqlstore; this package opens the file, applies its migrations and classifies its errors.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"

	"github.com/icpcheck/icpcheck/sqlstore"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// BusyTimeout is how long, in milliseconds, a connection waits for another process's lock on
// the file before giving up with SQLITE_BUSY, which the store then retries.
const BusyTimeout = 10000

// Dialect is SQLite's: a write transaction holds the whole database from BEGIN IMMEDIATE, so
// rows need no locking clause.
var Dialect = sqlstore.Dialect{Name: "sqlite", ForUpdate: "", Classify: classify}

// Open opens (creating it, mode 0600, when missing) the SQLite store at path and applies its
// migrations.
//
// SQLite lets one writer at a time into a file; a writer that finds the file locked waits
// (busy_timeout) and, if its transaction began as a reader, may still fail with a snapshot it
// cannot upgrade. So writes go through a pool of one connection whose transactions begin
// IMMEDIATE, taking the write lock at BEGIN, and reads through a separate pool of query-only
// connections, which WAL lets run beside the writer. synchronous=FULL makes each commit
// durable against power loss too, not only against a crash of the process: a number handed
// to a customer must never vanish.
func Open(path string, opts sqlstore.Options) (*sqlstore.DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: %q: a path may not contain '?'", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()

	common := url.Values{}
	for _, p := range []string{fmt.Sprintf("busy_timeout(%d)", BusyTimeout), "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"} {
		common.Add("_pragma", p)
	}
	writeQ, readQ := url.Values{}, url.Values{}
	for k, v := range common {
		writeQ[k], readQ[k] = v, append([]string(nil), v...)
	}
	writeQ.Set("_txlock", "immediate")
	// A statement that writes many rows (a batch of instances, its audit events) journals the
	// pages it changes so as to undo itself alone if it fails; the writer keeps that journal
	// in memory rather than in a temporary file, which saved a tenth of a bulk import's time.
	writeQ.Add("_pragma", "temp_store(MEMORY)")
	readQ.Add("_pragma", "query_only(1)")

	write, err := sql.Open("sqlite", path+"?"+writeQ.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := sqlstore.Migrate(context.Background(), write, Dialect, mustSub(migrations, "migrations")); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", path+"?"+readQ.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	nonces, err := openNonces(path + NonceSuffix)
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db := sqlstore.New(write, read, Dialect, opts)
	db.SetNoncePool(nonces)
	return db, nil
}

// NonceSuffix names the file beside the store's that records the nonces of signed requests.
const NonceSuffix = "-nonces"

// openNonces opens (creating it, mode 0600) the file of nonces. Every authenticated request
// writes one, and on the store's own file that write would queue behind the ledger's single
// writer and its fsync (17 ms a request under load, measured). Its own file gives it its own
// writer, and synchronous=NORMAL spares it the fsync: in WAL mode a commit still survives a
// crash of the process, and only a power loss can forget the last nonces, which would let a
// request captured in the moments before it be replayed within its 15-minute window. The
// ledger itself stays synchronous=FULL.
func openNonces(path string) (*sql.DB, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()
	q := url.Values{}
	for _, p := range []string{fmt.Sprintf("busy_timeout(%d)", BusyTimeout), "journal_mode(WAL)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS nonces (
		key_id     TEXT NOT NULL,
		nonce      TEXT NOT NULL,
		expires_at INTEGER NOT NULL,
		PRIMARY KEY (key_id, nonce)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS nonces_expires ON nonces (expires_at)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

func classify(err error) sqlstore.Kind {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return sqlstore.KindOther
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqlstore.KindUnique
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return sqlstore.KindCheck
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlstore.KindForeignKey
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return sqlstore.KindRetry
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return sqlstore.KindUnavailable
	}
	return sqlstore.KindOther
}
