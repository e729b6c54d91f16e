package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/icpcheck/icpcheck"
)

// Retries of a write transaction that the database refused for a serialization failure, a
// deadlock or a busy file: bounded, with exponential backoff and full jitter, so that clients
// racing for one row spread out instead of colliding again in step.
const (
	maxAttempts = 10
	baseBackoff = 2 * time.Millisecond
	maxBackoff  = 500 * time.Millisecond
)

// Tx is one transaction of the store. Unexported helpers take a *Tx so that they compose in
// one transaction. It carries the context, the actor and the moment of the call that opened
// it: a Tx lives exactly as long as that call.
type Tx struct {
	q      querier // the transaction, or the read pool for a single-statement read
	db     *DB
	ctx    context.Context
	actor  icpcheck.Actor
	now    time.Time
	events []*icpcheck.AuditEvent // appended to the chain at commit
}

// update runs fn in a write transaction and commits it with the audit events fn recorded,
// retrying the whole transaction when the database asks for it. fn may run more than once, so
// it must have no effect outside the transaction. Errors that are not an *icpcheck.Error
// come back as EINTERNAL or EUNAVAILABLE, with the cause kept for the log.
func (db *DB) update(ctx context.Context, op string, fn func(*Tx) error) error {
	return db.updateOn(ctx, db.write, op, fn)
}

// updateOn is update on another pool than the store's writer (the nonces' own).
func (db *DB) updateOn(ctx context.Context, pool *sql.DB, op string, fn func(*Tx) error) error {
	actor, _ := icpcheck.ActorFromContext(ctx)
	for attempt := 1; ; attempt++ {
		err := db.tryUpdate(ctx, pool, actor, fn)
		if err == nil {
			return nil
		}
		var e *icpcheck.Error
		if errors.As(err, &e) {
			return err
		}
		// A unique violation is retried too: two writers that both found no row (two puts of a
		// new instance) collide on inserting it, and the retry finds the row.
		kind := db.dialect.Classify(err)
		if (kind != KindRetry && kind != KindUnique) || attempt == maxAttempts || ctx.Err() != nil {
			return db.fail(ctx, op, err)
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return db.fail(ctx, op, err)
		}
	}
}

func (db *DB) tryUpdate(ctx context.Context, pool *sql.DB, actor icpcheck.Actor, fn func(*Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{q: sqlTx, db: db, ctx: ctx, actor: actor, now: db.now()}
	defer sqlTx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.appendAudit(); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// view runs fn in a read-only transaction at the dialect's ReadIsolation, so that a page and
// its total come from one snapshot.
func (db *DB) view(ctx context.Context, op string, fn func(*Tx) error) error {
	actor, _ := icpcheck.ActorFromContext(ctx)
	sqlTx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: db.dialect.ReadIsolation})
	if err != nil {
		return db.fail(ctx, op, err)
	}
	defer sqlTx.Rollback()
	tx := &Tx{q: sqlTx, db: db, ctx: ctx, actor: actor, now: db.now()}
	if err := db.domainOr(ctx, op, fn(tx)); err != nil {
		return err
	}
	// A COMMIT fails when the connection is lost after the reads: that is the database's
	// failure, classified like any other, not an internal error.
	if err := sqlTx.Commit(); err != nil {
		return db.fail(ctx, op, err)
	}
	return nil
}

// lookup runs fn, which reads with a single statement, on the read pool without a
// transaction: a lookup needs no snapshot, and BEGIN and COMMIT would triple its round trips.
func (db *DB) lookup(ctx context.Context, op string, fn func(*Tx) error) error {
	actor, _ := icpcheck.ActorFromContext(ctx)
	return db.domainOr(ctx, op, fn(&Tx{q: db.read, db: db, ctx: ctx, actor: actor, now: db.now()}))
}

// domainOr returns err as it is when it is the store's own error, and as db.fail makes it
// otherwise.
func (db *DB) domainOr(ctx context.Context, op string, err error) error {
	var e *icpcheck.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return db.fail(ctx, op, err)
}

// querier is what a Tx reads and writes through: a transaction, or a pool.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// fail turns a database error into the store's: EUNAVAILABLE when the database cannot be
// reached or stays busy, EINTERNAL otherwise, logged in full either way.
func (db *DB) fail(ctx context.Context, op string, err error) error {
	switch {
	case ctx.Err() != nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The caller went away or ran out of time, and whatever the driver then says (a
		// cancelled query, a transaction already rolled back) is a consequence, not a fault of
		// the store's.
		db.logger.Info("store: request abandoned", "op", op, "err", err)
		return unavailable(op, err)
	}
	db.logger.Error("store", "op", op, "err", err)
	switch {
	case errors.Is(err, driver.ErrBadConn):
		// database/sql gives up with ErrBadConn when every connection it tried was broken,
		// such as a full pool's connections that cancelled requests closed; the request was
		// not run, and may be tried again.
		return unavailable(op, err)
	}
	switch db.dialect.Classify(err) {
	case KindUnavailable, KindRetry:
		return unavailable(op, err)
	}
	return icpcheck.Internal(op, err)
}

func backoff(attempt int) time.Duration {
	d := baseBackoff << (attempt - 1)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (tx *Tx) exec(query string, args ...any) (int64, error) {
	res, err := tx.q.ExecContext(tx.ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	return tx.q.QueryRowContext(tx.ctx, query, args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	return tx.q.QueryContext(tx.ctx, query, args...)
}

// forUpdate returns query with the dialect's row-locking clause appended.
func (tx *Tx) forUpdate(query string) string { return query + tx.db.dialect.ForUpdate }

// classify tells what a driver error means.
func (tx *Tx) classify(err error) Kind { return tx.db.dialect.Classify(err) }

// count returns the single integer a counting query yields.
func (tx *Tx) count(query string, args ...any) (int, error) {
	var n int
	err := tx.queryRow(query, args...).Scan(&n)
	return n, err
}
