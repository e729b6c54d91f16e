package postgres_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"

	"github.com/icpcheck/icpcheck/postgres"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
	"github.com/jackc/pgx/v5"
)

var clients = storetest.BenchClients()

// BenchmarkIssue measures issuance per second at 1, 16 and 64 clients beside the raw
// single-row insert rate of the same database at the same durability (the server's
// synchronous_commit, one transaction a row).
func BenchmarkIssue(b *testing.B) {
	for _, c := range clients {
		b.Run("clients="+strconv.Itoa(c), func(b *testing.B) {
			b.Run("raw", func(b *testing.B) { storetest.BenchRawInsert(b, benchDB(b, NewSchema(b)), c) })
			b.Run("issue", func(b *testing.B) { storetest.BenchIssue(b, benchDB(b, NewSchema(b)), c) })
		})
	}
}

func benchDB(b *testing.B, dsn string) *sqlstore.DB {
	db, err := postgres.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkLookup finds numbers by sn and by instance among ICPCHECK_BENCH_NUMBERS seeded
// numbers (default 100,000) in the schema icpcheck_bench_N, which is kept between runs:
//
//	ICPCHECK_BENCH_NUMBERS=10000000 ICPCHECK_TEST_POSTGRES=postgres://... go test -run '^$' -bench Lookup ./postgres/
func BenchmarkLookup(b *testing.B) {
	dsn := testDSN(b)
	n := storetest.SeedNumbers(b)
	schema := "icpcheck_bench_" + strconv.Itoa(n)
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	_, err = conn.Exec(context.Background(), "CREATE SCHEMA IF NOT EXISTS "+schema)
	conn.Close(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db := benchDB(b, u.String())
	storetest.Seed(b, db, n, func(from, to int) error {
		ctx := b.Context()
		if _, err := db.Exec(ctx, `INSERT INTO instances (id, owner, product, status, region, expires_at, doc, issued, quota, created_at, updated_at)
			SELECT 'seed-' || i, '1001', 'ecs', 'running', 'cn-hangzhou', NULL, replace($3, '%d', i::text), 5, 5, 0, 0
			FROM generate_series($1::bigint, $2::bigint - 1) AS i`, from, to, storetest.SeedDoc); err != nil {
			return err
		}
		_, err := db.Exec(ctx, `INSERT INTO numbers (sn, instance_id, seq, owner, grant_notes, state, beian_num, voided_reason, issued_at, updated_at)
			SELECT '00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), 'seed-' || (i / 5), i % 5 + 1, '1001', '', 0, '', '', 0, 0
			FROM generate_series($1::bigint, $2::bigint - 1) AS i`, from*5, to*5)
		return err
	})
	if _, err := db.Exec(b.Context(), `ANALYZE instances; ANALYZE numbers`); err != nil {
		b.Fatal(err)
	}
	storetest.BenchLookups(b, db, storetest.SeedSN, storetest.SeedInstance, n)
}
