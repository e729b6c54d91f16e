package sqlstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// The tests below run the store over a fake database that fails in one way, and check that
// each failure of the database reaches callers as EUNAVAILABLE (a 503 to clients, who retry),
// not as the driver's error as it is (EINTERNAL, a 500).

// errLost is what the fake database's COMMIT fails with: the connection was lost, as when
// PostgreSQL is stopped between a listing's reads and its COMMIT.
var errLost = errors.New("fake: connection lost at commit")

// TestViewCommitLost lists numbers on a database whose COMMIT fails with an error the
// dialect calls unavailable.
func TestViewCommitLost(t *testing.T) {
	db := openFake(t, "icpcheck-fake-commit-lost", fakeDriver{commitErr: errLost})
	_, _, err := db.FindNumbers(admin(), icpcheck.NumberFilter{})
	if got := icpcheck.ErrorCode(err); got != icpcheck.EUNAVAILABLE {
		t.Fatalf("FindNumbers: err=%v (code %s), want EUNAVAILABLE", err, got)
	}
}

// TestBadConn looks up a number on a database whose every connection is broken:
// database/sql retries on other connections and then gives up with driver.ErrBadConn, as it
// does when a full pool hands it only connections that cancelled requests closed.
func TestBadConn(t *testing.T) {
	db := openFake(t, "icpcheck-fake-bad-conn", fakeDriver{queryErr: driver.ErrBadConn})
	_, err := db.FindNumber(admin(), "15a39afe-d42c-4522-a729-9f1ee9d4b697")
	if got := icpcheck.ErrorCode(err); got != icpcheck.EUNAVAILABLE {
		t.Fatalf("FindNumber: err=%v (code %s), want EUNAVAILABLE", err, got)
	}
}

func admin() context.Context {
	return icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
}

// openFake opens a store over the fake driver d, registered as name, with a dialect that
// calls errLost unavailable and nothing else anything.
func openFake(t *testing.T, name string, d fakeDriver) *sqlstore.DB {
	t.Helper()
	sql.Register(name, d)
	pool, err := sql.Open(name, "")
	if err != nil {
		t.Fatal(err)
	}
	dialect := sqlstore.Dialect{Name: "fake", Classify: func(err error) sqlstore.Kind {
		if errors.Is(err, errLost) {
			return sqlstore.KindUnavailable
		}
		return sqlstore.KindOther
	}}
	db := sqlstore.New(pool, pool, dialect, sqlstore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { db.Close() })
	return db
}

// fakeDriver is a database whose every query answers one row of one 0, or fails with
// queryErr, and whose every transaction fails to commit with commitErr.
type fakeDriver struct{ queryErr, commitErr error }

func (d fakeDriver) Open(string) (driver.Conn, error) { return fakeConn(d), nil }

type fakeConn fakeDriver

func (fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("fake: no prepare") }
func (fakeConn) Close() error                        { return nil }
func (c fakeConn) Begin() (driver.Tx, error)         { return fakeTx(c), nil }

func (c fakeConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	return fakeTx(c), nil
}

func (c fakeConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	if c.queryErr != nil {
		return nil, c.queryErr
	}
	return &fakeRows{}, nil
}

type fakeTx fakeConn

func (tx fakeTx) Commit() error { return tx.commitErr }
func (fakeTx) Rollback() error  { return nil }

// fakeRows is one row of one column, 0.
type fakeRows struct{ done bool }

func (*fakeRows) Columns() []string { return []string{"n"} }
func (*fakeRows) Close() error      { return nil }

func (r *fakeRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(0)
	return nil
}
