package monitor_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// clock is a settable clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var admin = icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)

// mustOpenStore opens a SQLite store in the test's directory on the clock c.
func mustOpenStore(tb testing.TB, c *clock) *sqlstore.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "icpcheck.db"), sqlstore.Options{Now: c.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// mustFile takes a website filing of inst from creation to filed, declaring ips.
func mustFile(tb testing.TB, db *sqlstore.DB, inst *icpcheck.Instance, domains []string, ips ...string) *icpcheck.Filing {
	tb.Helper()
	access := newFiling("", "", inst, nil, ips...).Access
	f, err := db.CreateFiling(admin, icpcheck.FilingCreate{
		Type: icpcheck.FilingWebsite, Filer: inst.Owner, InstanceID: inst.ID, Domains: domains, Access: access,
	})
	if err != nil {
		tb.Fatalf("CreateFiling: %v", err)
	}
	if _, err := db.SubmitFiling(admin, f.ID); err != nil {
		tb.Fatalf("SubmitFiling: %v", err)
	}
	f, err = db.ApproveFiling(admin, f.ID, "浙ICP备12345678号-1")
	if err != nil {
		tb.Fatalf("ApproveFiling: %v", err)
	}
	return f
}

func mustPut(tb testing.TB, db *sqlstore.DB, ins ...*icpcheck.Instance) {
	tb.Helper()
	for _, in := range ins {
		if _, err := db.PutInstance(admin, in); err != nil {
			tb.Fatalf("PutInstance(%s): %v", in.ID, err)
		}
	}
}
