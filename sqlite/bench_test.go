package sqlite_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
)

var clients = storetest.BenchClients()

// BenchmarkIssue measures issuance per second at 1, 16 and 64 clients beside the raw
// single-row insert rate of the same file at the same durability (WAL, synchronous=FULL,
// one transaction a row).
func BenchmarkIssue(b *testing.B) {
	for _, c := range clients {
		b.Run("clients="+strconv.Itoa(c), func(b *testing.B) {
			b.Run("raw", func(b *testing.B) { storetest.BenchRawInsert(b, benchDB(b), c) })
			b.Run("issue", func(b *testing.B) { storetest.BenchIssue(b, benchDB(b), c) })
		})
	}
}

func benchDB(b *testing.B) *sqlstore.DB {
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"), sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkLookup finds numbers by sn and by instance among ICPCHECK_BENCH_NUMBERS seeded
// numbers (default 100,000). ICPCHECK_BENCH_DB keeps the seeded file between runs:
//
//	ICPCHECK_BENCH_NUMBERS=10000000 ICPCHECK_BENCH_DB=/tmp/bench10m.db go test -run '^$' -bench Lookup ./sqlite/
func BenchmarkLookup(b *testing.B) {
	path := os.Getenv("ICPCHECK_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "lookup.db")
	}
	db, err := sqlite.Open(path, sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	n := storetest.SeedNumbers(b)
	storetest.Seed(b, db, n, func(from, to int) error {
		ctx := b.Context()
		if _, err := db.Exec(ctx, `WITH RECURSIVE s(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < $2)
			INSERT INTO instances (id, owner, product, status, region, expires_at, doc, issued, quota, created_at, updated_at)
			SELECT 'seed-' || i, '1001', 'ecs', 'running', 'cn-hangzhou', NULL, printf($3, i), 5, 5, 0, 0 FROM s`,
			from, to, storetest.SeedDoc); err != nil {
			return err
		}
		_, err := db.Exec(ctx, `WITH RECURSIVE s(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < $2)
			INSERT INTO numbers (sn, instance_id, seq, owner, grant_notes, state, beian_num, voided_reason, issued_at, updated_at)
			SELECT printf('00000000-0000-4000-8000-%012x', i), 'seed-' || (i / 5), i % 5 + 1, '1001', '', 0, '', '', 0, 0 FROM s`,
			from*5, to*5)
		return err
	})
	storetest.BenchLookups(b, db, storetest.SeedSN, storetest.SeedInstance, n)
}
