package http_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/icpcheck/icpcheck/postgres"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/jackc/pgx/v5"
)

// postgresOpener returns the PostgreSQL store opener when ICPCHECK_TEST_POSTGRES holds a
// DSN, and nil otherwise.
func postgresOpener(tb testing.TB) *opener {
	if os.Getenv("ICPCHECK_TEST_POSTGRES") == "" {
		return nil
	}
	return &opener{"postgres", func(tb testing.TB, opts sqlstore.Options) *sqlstore.DB {
		tb.Helper()
		return openPostgres(tb, newSchema(tb), opts)
	}}
}

// newSchema creates a schema of the test's own in the database of ICPCHECK_TEST_POSTGRES,
// dropped when the test ends, and returns a DSN whose connections work in it; it skips the
// test when the variable is unset.
func newSchema(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("ICPCHECK_TEST_POSTGRES")
	if dsn == "" {
		tb.Skip("ICPCHECK_TEST_POSTGRES is not set")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "icpcheck_http_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("ICPCHECK_TEST_POSTGRES is set but PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("ICPCHECK_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openPostgres opens a store (a connection pool of its own) on dsn, closed when the test
// ends.
func openPostgres(tb testing.TB, dsn string, opts sqlstore.Options) *sqlstore.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), dsn, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
