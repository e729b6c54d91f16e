package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/postgres"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
	"github.com/jackc/pgx/v5"
)

// testDSN returns the DSN of the test database, skipping the test when ICPCHECK_TEST_POSTGRES
// is unset.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("ICPCHECK_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("ICPCHECK_TEST_POSTGRES is not set")
	}
	return dsn
}

// NewSchema creates a schema of its own for the test, dropped when the test ends, and returns
// a DSN whose connections work in it.
func NewSchema(t testing.TB) string {
	t.Helper()
	dsn := testDSN(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "icpcheck_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("ICPCHECK_TEST_POSTGRES is set but PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("ICPCHECK_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustOpen opens a store on dsn, closed when the test ends.
func MustOpen(t *testing.T, dsn string, opts sqlstore.Options) *sqlstore.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// MustOpenDB opens a store in a new schema.
func MustOpenDB(t *testing.T, opts sqlstore.Options) *sqlstore.DB {
	t.Helper()
	return MustOpen(t, NewSchema(t), opts)
}

func TestStore(t *testing.T) { storetest.Run(t, MustOpenDB) }

// TestThreeServers races for numbers through 3 separate pools on one database, as 3 servers
// would.
func TestThreeServers(t *testing.T) {
	dsn := NewSchema(t)
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	clock := storetest.NewClock(storetest.Start)
	var dbs []*sqlstore.DB
	for range 3 {
		dbs = append(dbs, MustOpen(t, dsn, sqlstore.Options{Now: clock.Now}))
	}
	storetest.RaceIssue(t, admin, dbs, "i-three")
	storetest.RaceBind(t, admin, dbs)
	storetest.RacePut(t, admin, dbs)
	storetest.RaceRelease(t, admin, dbs)
}

// TestConcurrentMigrations starts 4 servers at once on an empty schema: each must come up,
// and the migrations be applied once.
func TestConcurrentMigrations(t *testing.T) {
	dsn := NewSchema(t)
	errs := make(chan error, 16)
	for range 16 {
		go func() {
			db, err := postgres.Open(context.Background(), dsn, sqlstore.Options{})
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	db := MustOpen(t, dsn, sqlstore.Options{})
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(files) {
		var s string
		db.QueryRow(context.Background(), `SELECT string_agg(version::text || ' ' || name, ', ') FROM schema_migrations`).Scan(&s)
		t.Fatalf("schema_migrations has %d rows (%v), want %d: %s", n, err, len(files), s)
	}
}

func TestOpenUnreachable(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", sqlstore.Options{})
	if err == nil {
		t.Fatal("opening an unreachable database succeeded")
	}
	_, err = postgres.Open(context.Background(), "postgres://%zz", sqlstore.Options{})
	if err == nil {
		t.Fatal("opening a malformed DSN succeeded")
	}
}

func openTarget(dsn string) (*sqlstore.DB, error) {
	return postgres.Open(context.Background(), dsn, sqlstore.Options{})
}

func TestMain(m *testing.M) {
	storetest.CrashChild(openTarget)
	os.Exit(m.Run())
}

// TestCrash kills clients that issue numbers with SIGKILL, many times, mid-transaction or
// not: nothing they reported is lost and no quota is exceeded.
func TestCrash(t *testing.T) {
	storetest.RunCrash(t, NewSchema(t), 10, openTarget, nil)
}
