package storetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// BenchIssue measures issuance: clients goroutines issue one number at a time, each to
// instances of its own (as different customers do), b.N numbers in all. It reports
// issues/s. The instances are put before the timer starts.
func BenchIssue(b *testing.B, db *sqlstore.DB, clients int) {
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	prefix := "bench-" + itoa(int(time.Now().UnixNano())) + "-"
	instances := (b.N + 4) / 5
	for i := range instances {
		in := ECS(prefix+itoa(i), "1001")
		in.Orders[0].Start = time.Now().AddDate(0, -1, 0)
		if _, err := db.PutInstance(admin, in); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	runClients(b, clients, func() bool {
		i := next.Add(1) - 1
		if i >= int64(b.N) {
			return false
		}
		// Consecutive numbers go to one instance, five to each: clients meet on an instance
		// only as often as two of them pick neighbouring numbers.
		_, err := db.IssueNumbers(admin, icpcheck.IssueRequest{InstanceID: prefix + itoa(int(i/5)), Num: 1})
		if err != nil && icpcheck.ErrorReason(err) != "quota_exceeded" {
			b.Error(err)
			return false
		}
		return true
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "issues/s")
}

// BenchRawInsert measures the ceiling of BenchIssue: clients goroutines each commit
// single-row inserts into a bare table, one transaction a row, on the same database and at
// the same durability as the store's writes. It reports inserts/s.
func BenchRawInsert(b *testing.B, db *sqlstore.DB, clients int) {
	ctx := context.Background()
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_raw (id TEXT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	prefix := itoa(int(time.Now().UnixNano())) + "-"
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	runClients(b, clients, func() bool {
		i := next.Add(1) - 1
		if i >= int64(b.N) {
			return false
		}
		if _, err := db.Exec(ctx, `INSERT INTO bench_raw (id, n) VALUES ($1, $2)`, prefix+itoa(int(i)), i); err != nil {
			b.Error(err)
			return false
		}
		return true
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "inserts/s")
	b.StopTimer()
	db.Exec(ctx, `DROP TABLE bench_raw`)
}

func runClients(b *testing.B, clients int, op func() bool) {
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for op() {
			}
		}()
	}
	wg.Wait()
}

// BenchLookups measures finding a number by its sn and the numbers of an instance in a store
// seeded by a dialect's bulk seeder: sns and instance ids are drawn from the seeded ranges.
func BenchLookups(b *testing.B, db *sqlstore.DB, sn func(i int) string, instance func(i int) string, seeded int) {
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	b.Run("BySN", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			k := (i * 7919) % seeded
			n, err := db.FindNumber(admin, sn(k))
			if err != nil {
				b.Fatal(err)
			}
			if n.Seq != k%5+1 {
				b.Fatalf("number %d has seq %d", k, n.Seq)
			}
		}
	})
	b.Run("ByInstance", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			k := (i * 7919) % (seeded / 5)
			nums, total, err := db.FindNumbers(admin, icpcheck.NumberFilter{InstanceID: instance(k)})
			if err != nil {
				b.Fatal(err)
			}
			if total != 5 || len(nums) != 5 {
				b.Fatalf("instance %d has %d numbers", k, total)
			}
		}
	})
}

// SeedSN and SeedInstance name the k-th number and instance that the bulk seeders write:
// numbers 5k..5k+4 belong to instance k, as issued numbers do, five to an ECS instance.
func SeedSN(k int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012x", k) }

// SeedInstance names the k-th seeded instance.
func SeedInstance(k int) string { return "seed-" + itoa(k) }

// SeedNumbers is how many numbers the lookup benchmarks seed: ICPCHECK_BENCH_NUMBERS, or a
// hundred thousand, which seeds in seconds.
func SeedNumbers(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("ICPCHECK_BENCH_NUMBERS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 5 {
			b.Fatalf("ICPCHECK_BENCH_NUMBERS=%q: want a number of at least 5", s)
		}
		n = v
	}
	return n - n%5
}

// Seed fills db with n numbers on n/5 instances through seedBatch, which inserts the
// instances [from, to) and their numbers in one statement each; it does nothing when the
// store already holds them, so that a seeded database is reused across runs.
func Seed(b *testing.B, db *sqlstore.DB, n int, seedBatch func(from, to int) error) {
	ctx := context.Background()
	var have int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM numbers WHERE sn LIKE '00000000-0000-4000-8000-%'`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have >= n {
		return
	}
	if have > 0 {
		b.Fatalf("the store holds %d seeded numbers, not %d: remove it to seed again", have, n)
	}
	if _, err := db.Exec(ctx, `INSERT INTO accounts (id, role, created_at) VALUES ('1001', 'customer', 0) ON CONFLICT (id) DO NOTHING`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const batch = 100_000 // instances a statement
	for from := 0; from < n/5; from += batch {
		if err := seedBatch(from, min(from+batch, n/5)); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d numbers in %v", n, time.Since(start).Round(time.Second))
}

// SeedDoc is the stored JSON of seeded instance k, with %d where its number goes: a
// pay-as-you-go ECS instance, so that it decodes like any other.
const SeedDoc = `{"id":"seed-%d","product":"ecs","owner":"1001","region":"cn-hangzhou","status":"running","billing":"pay_as_you_go","orders":null,"public_ips":["47.96.10.20"]}`

// BenchClients returns the numbers of concurrent clients the issuance benchmarks run at: 1,
// 16 and 64, or the comma-separated list in ICPCHECK_BENCH_CLIENTS (bench/issuance.sh asks
// for more points, to plot).
func BenchClients() []int {
	v := os.Getenv("ICPCHECK_BENCH_CLIENTS")
	if v == "" {
		return []int{1, 16, 64}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			panic("ICPCHECK_BENCH_CLIENTS: want a comma-separated list of positive numbers, got " + v)
		}
		out = append(out, n)
	}
	return out
}
