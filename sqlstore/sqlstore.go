// Package sqlstore implements icpcheck.Store over database/sql once, for every SQL database
// icpcheck supports. The business rules of the ledger (SPEC section 5) live here; the sqlite
// and postgres packages only open their database, apply their own migrations and describe
// their dialect: how a row is locked for update and how a driver error is classified.
//
// The invariants live in the database: the quota in a guarded UPDATE backed by a CHECK, single
// use in UNIQUE constraints. The Go code checks the same rules first only to give each refusal
// its own error code.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/policy"
)

// Options configures a DB.
type Options struct {
	Policy *icpcheck.Policy // nil: policy.Default()
	Now    func() time.Time // nil: time.Now; tests inject a clock
	Logger *slog.Logger     // nil: slog.Default()
}

// Kind is what a driver error means to the store.
type Kind int

const (
	KindOther       Kind = iota
	KindUnique           // a UNIQUE or PRIMARY KEY constraint was violated
	KindCheck            // a CHECK constraint was violated
	KindForeignKey       // a FOREIGN KEY constraint was violated
	KindRetry            // a serialization failure, deadlock or busy database: the transaction may be retried
	KindUnavailable      // the database cannot be reached
)

// Dialect is what differs between the SQL databases. Every statement is written once, with
// $1, $2 ... placeholders, which both PostgreSQL and SQLite (as named parameters matched by
// ordinal) accept.
type Dialect struct {
	Name string
	// ForUpdate is appended to a SELECT that reads rows the transaction will change: " FOR
	// UPDATE" where rows are locked one by one, "" on SQLite, whose write transactions already
	// hold the database's single write lock from BEGIN IMMEDIATE.
	ForUpdate string
	// Classify tells what a driver error means.
	Classify func(error) Kind
	// ReadIsolation is the isolation level of the read-only transactions that read with more
	// than one statement, such as a page and its total: one under which all of them see one
	// snapshot. PostgreSQL's default, READ COMMITTED, takes a new snapshot for each
	// statement; SQLite's read transactions keep theirs from the first read on, so it leaves
	// the default.
	ReadIsolation sql.IsolationLevel
}

// lockOf returns the clause that locks, for the rest of the transaction, the rows of one
// table (by its alias) that a joined SELECT reads.
func (d Dialect) lockOf(alias string) string {
	if d.ForUpdate == "" {
		return ""
	}
	return d.ForUpdate + " OF " + alias
}

// DB is the store: every service of icpcheck.Store over one SQL database. It is safe for
// concurrent use, and any number of DBs (in any number of processes) may share one database.
type DB struct {
	write   *sql.DB // the pool write transactions run on
	read    *sql.DB // the pool reads run on; the same as write where the database needs no split
	nonces  *sql.DB // the pool UseNonce writes on: write, or a database of its own (SetNoncePool)
	dialect Dialect
	policy  *icpcheck.Policy
	clock   func() time.Time
	logger  *slog.Logger
	closers []func() error

	nonceUses atomic.Uint64 // counts UseNonce calls, to sweep expired nonces now and then
}

var _ icpcheck.Store = (*DB)(nil)

// New returns a DB over an opened and migrated database. Write transactions run on write and
// reads on read, which may be the same pool. Close closes both.
func New(write, read *sql.DB, d Dialect, opts Options) *DB {
	db := &DB{write: write, read: read, nonces: write, dialect: d, policy: opts.Policy, clock: opts.Now, logger: opts.Logger}
	if db.policy == nil {
		db.policy = policy.Default()
	}
	if db.clock == nil {
		db.clock = time.Now
	}
	if db.logger == nil {
		db.logger = slog.Default()
	}
	db.closers = append(db.closers, write.Close)
	if read != write {
		db.closers = append(db.closers, read.Close)
	}
	return db
}

// SetNoncePool makes UseNonce record nonces in pool, a database of its own holding a table
// nonces (key_id, nonce, expires_at) as the store's own migrations create it, instead of in
// the store's database. Every authenticated request records a nonce: an adapter whose
// database has one writer (SQLite) keeps them apart so that they neither wait behind the
// ledger's durable commits nor make it wait. Close closes pool.
func (db *DB) SetNoncePool(pool *sql.DB) {
	db.nonces = pool
	db.closers = append(db.closers, pool.Close)
}

// Policy returns the policy the store decides by.
func (db *DB) Policy() *icpcheck.Policy { return db.policy }

// Dialect returns the store's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// now returns the store's clock reading in UTC, truncated to the microsecond: times are kept
// as microseconds since the epoch, and the audit hash must cover exactly what is stored.
func (db *DB) now() time.Time { return db.clock().UTC().Truncate(time.Microsecond) }

// Ping reports whether the database can serve requests now.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return unavailable("Ping", err)
	}
	for _, pool := range []*sql.DB{db.read, db.nonces} {
		if pool == db.write {
			continue
		}
		if err := pool.PingContext(ctx); err != nil {
			return unavailable("Ping", err)
		}
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	for i := len(db.closers) - 1; i >= 0; i-- {
		errs = append(errs, db.closers[i]())
	}
	db.closers = nil
	return errors.Join(errs...)
}

// OnClose registers f to run when the DB closes, after the pools: an adapter releases what it
// opened beside them.
func (db *DB) OnClose(f func() error) {
	db.closers = append([]func() error{f}, db.closers...)
}

// Exec runs one raw statement, with $n placeholders, on the write pool outside the store's
// rules. It exists for tests that must tamper with rows (the audit chain's) and for
// maintenance such as bulk seeding for benchmarks; the services never use it.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, query, args...)
}

// QueryRow runs one raw query on the write pool, for tests and maintenance like Exec.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.write.QueryRowContext(ctx, query, args...)
}

// micros and fromMicros convert the times the store keeps as microseconds since the epoch:
// one integer type that every SQL database compares, indexes and round-trips exactly.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func unavailable(op string, err error) error {
	return &icpcheck.Error{Code: icpcheck.EUNAVAILABLE, Reason: "unavailable", Op: op, Err: err}
}
