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

// errLost is what the fake database's COMMIT fails with: the connection was lost, as when
// PostgreSQL is stopped between a listing's reads and its COMMIT.
var errLost = errors.New("fake: connection lost at commit")

// TestViewCommitLost lists numbers on a database whose COMMIT fails with an error the
// dialect calls unavailable: the listing fails with EUNAVAILABLE (a 503 to clients), as
// every other failure of the database does, not with the driver's error as it is (a 500).
func TestViewCommitLost(t *testing.T) {
	sql.Register("icpcheck-fake-commit-lost", fakeDriver{})
	pool, err := sql.Open("icpcheck-fake-commit-lost", "")
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
	defer db.Close()
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	_, _, err = db.FindNumbers(admin, icpcheck.NumberFilter{})
	if got := icpcheck.ErrorCode(err); got != icpcheck.EUNAVAILABLE {
		t.Fatalf("FindNumbers: err=%v (code %s), want EUNAVAILABLE", err, got)
	}
}

// fakeDriver is a database whose every query answers one row of one 0, and whose every
// transaction fails to commit with errLost.
type fakeDriver struct{}

func (fakeDriver) Open(string) (driver.Conn, error) { return fakeConn{}, nil }

type fakeConn struct{}

func (fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("fake: no prepare") }
func (fakeConn) Close() error                        { return nil }
func (fakeConn) Begin() (driver.Tx, error)           { return fakeTx{}, nil }

func (fakeConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) { return fakeTx{}, nil }

func (fakeConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return &fakeRows{}, nil
}

type fakeTx struct{}

func (fakeTx) Commit() error   { return errLost }
func (fakeTx) Rollback() error { return nil }

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
