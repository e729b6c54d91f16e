package monitor_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/monitor"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// The access monitor fed by the SQLite store: the same 100,000 filed domains, read from the
// store in one snapshot and reconciled into it, as serve runs it.

// mustSeed writes in's instances and filed filings (with their numbers) into db in one raw
// transaction. Going through the services would take minutes of durable commits, and what
// is measured here is reading and reconciling, not filing.
func mustSeed(b *testing.B, db *sqlstore.DB, in *icpcheck.MonitorInput) {
	b.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		if _, err := db.Exec(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Now().UnixMicro()
	exec(`BEGIN`)
	exec(`INSERT INTO accounts (id, role, created_at) VALUES ($1, 'customer', $2)`, in.Instances[0].Owner, now)
	issued := map[string]int{}
	for _, f := range in.Filings {
		issued[f.InstanceID]++
	}
	for _, inst := range in.Instances {
		doc, _ := json.Marshal(inst)
		end, _ := inst.ExpiresAt()
		exec(`INSERT INTO instances (id, owner, product, status, region, expires_at, doc, issued, quota, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 5, $9, $9)`,
			inst.ID, inst.Owner, inst.Product, string(inst.Status), inst.Region, end.UnixMicro(), string(doc), issued[inst.ID], now)
	}
	seq := map[string]int{}
	for _, f := range in.Filings {
		seq[f.InstanceID]++
		sn := icpcheck.NewSN()
		exec(`INSERT INTO numbers (sn, instance_id, seq, owner, grant_notes, state, filing_id, beian_num, voided_reason, issued_at, updated_at)
			VALUES ($1, $2, $3, $4, '', 2, $5, 'x', '', $6, $6)`, sn, f.InstanceID, seq[f.InstanceID], f.Filer, f.ID, now)
		domains, _ := json.Marshal(f.Domains)
		access, _ := json.Marshal(f.Access)
		exec(`INSERT INTO filings (id, type, filer, sn, instance_id, domains, app_name, access, state, beian_num, reject_reason,
			created_at, updated_at, submitted_at, filed_at) VALUES ($1, 'website', $2, $3, $4, $5, '', $6, 'filed', '浙ICP备12345678号-1', '', $7, $7, $7, $7)`,
			f.ID, f.Filer, sn, f.InstanceID, string(domains), string(access), now)
		for _, d := range f.Domains {
			exec(`INSERT INTO filing_domains (domain, filing_id) VALUES ($1, $2)`, d, f.ID)
		}
	}
	exec(`COMMIT`)
}

func benchStore(b *testing.B) (*sqlstore.DB, *icpcheck.MonitorInput, *monitor.Runner) {
	b.Helper()
	in, z := benchWorld(b, benchDomains)
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "icpcheck.db"), sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	mustSeed(b, db, in)
	r := &monitor.Runner{Store: db, Policy: mustPolicy(b), Resolver: benchResolver(b, z), Logger: slog.New(slog.DiscardHandler)}
	return db, in, r
}

// BenchmarkMonitorInputSQLite reads what the access monitor judges: 100,000 filed filings and
// 25,000 instances, in three queries.
func BenchmarkMonitorInputSQLite(b *testing.B) {
	db, _, _ := benchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		in, err := db.FindMonitorInput(admin, icpcheck.MonitorAccess)
		if err != nil || len(in.Filings) != benchDomains {
			b.Fatalf("%d filings: %v", len(in.Filings), err)
		}
	}
	reportRate(b, benchDomains, start)
}

// BenchmarkAccessRunSQLite is the whole run as serve does it: read, resolve, judge, reconcile
// (the first run opens 8,000 findings, later ones refresh them) and list the open findings.
func BenchmarkAccessRunSQLite(b *testing.B) {
	_, _, r := benchStore(b)
	at := mustTime(b, "2026-06-01T00:00:00+08:00")
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		rep, err := r.RunMonitor(admin, icpcheck.MonitorAccess, at.Add(time.Duration(i)*time.Hour))
		if err != nil || rep.Checked != benchDomains || rep.Result.Open < 7800 {
			b.Fatalf("run %d: %+v: %v", i, rep, err)
		}
	}
	reportRate(b, benchDomains, start)
}
