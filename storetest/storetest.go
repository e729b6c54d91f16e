// Package storetest is the conformance suite of icpcheck's stores: every store (SQLite,
// PostgreSQL) runs the same tests, so that each rule of SPEC section 5 holds the same way
// whatever database keeps the ledger.
//
//	func TestStore(t *testing.T) { storetest.Run(t, openTestStore) }
package storetest

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// OpenFunc opens a new, empty store with opts for test t, and closes it when t ends.
type OpenFunc func(t *testing.T, opts sqlstore.Options) *sqlstore.DB

// Run runs the whole suite against the stores open returns.
func Run(t *testing.T, open OpenFunc) {
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open) })
	t.Run("Instances", func(t *testing.T) { testInstances(t, open) })
	t.Run("Batch", func(t *testing.T) { testBatch(t, open) })
	t.Run("Issue", func(t *testing.T) { testIssue(t, open) })
	t.Run("Grant", func(t *testing.T) { testGrant(t, open) })
	t.Run("Void", func(t *testing.T) { testVoid(t, open) })
	t.Run("Release", func(t *testing.T) { testRelease(t, open) })
	t.Run("Filings", func(t *testing.T) { testFilings(t, open) })
	t.Run("Findings", func(t *testing.T) { testFindings(t, open) })
	t.Run("FilingInput", func(t *testing.T) { testFilingInput(t, open) })
	t.Run("Authorization", func(t *testing.T) { testAuthorization(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("Race", func(t *testing.T) { testRace(t, open) })
	t.Run("Snapshot", func(t *testing.T) { testSnapshot(t, open) })
	t.Run("Property", func(t *testing.T) { testProperty(t, open) })
}

// TB is what the helpers need of a test: testing.TB, and rapid's T in property tests.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Start is the moment every test's clock starts at: instances made by ECS are subscribed
// from a month before it.
var Start = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// Clock is a settable clock for Options.Now; it is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Env is one test's store with its clock and the contexts of its actors.
type Env struct {
	DB    *sqlstore.DB
	Clock *Clock
	Admin context.Context // the local operator
}

// NewEnv opens a store whose clock starts at Start.
func NewEnv(t *testing.T, open OpenFunc) *Env {
	t.Helper()
	clock := NewClock(Start)
	db := open(t, sqlstore.Options{Now: clock.Now})
	return &Env{DB: db, Clock: clock, Admin: icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)}
}

// Customer returns a context acting as customer account through the REST API.
func Customer(account string) context.Context {
	return icpcheck.NewContextWithActor(context.Background(), icpcheck.Actor{Account: account, Role: icpcheck.RoleCustomer, Via: "rest"})
}

// Anonymous is a context without an actor.
var Anonymous = context.Background()

// ECS returns an ECS instance of owner that is eligible at Start: running in cn-hangzhou,
// subscribed for a year from a month before, with a public IP and bandwidth. Its quota is 5.
func ECS(id, owner string) *icpcheck.Instance {
	bw := 5.0
	return &icpcheck.Instance{
		ID: id, Product: "ecs", Owner: owner, Region: "cn-hangzhou",
		Status: icpcheck.StatusRunning, Billing: icpcheck.BillingSubscription,
		Orders: []icpcheck.Order{{
			Type: icpcheck.OrderNew, Start: Start.AddDate(0, -1, 0), Period: 1, Unit: icpcheck.UnitYear, AmountCNY: 1000,
		}},
		PublicIPs:           []netip.Addr{netip.MustParseAddr("47.96.10.20")},
		PublicBandwidthMbps: &bw,
	}
}

// Access returns the access information that matches an instance made by ECS.
func Access() icpcheck.AccessInfo {
	return icpcheck.AccessInfo{
		Provider: "alibaba", Method: "cloud_server", Region: "cn-hangzhou",
		IPs: []netip.Addr{netip.MustParseAddr("47.96.10.20")},
	}
}

// MustPut stores instances as the admin.
func (e *Env) MustPut(tb TB, ins ...*icpcheck.Instance) {
	tb.Helper()
	for _, in := range ins {
		if _, err := e.DB.PutInstance(e.Admin, in); err != nil {
			tb.Fatalf("PutInstance(%s): %v", in.ID, err)
		}
	}
}

// MustIssue issues num numbers to an instance as the admin.
func (e *Env) MustIssue(tb TB, instanceID string, num int) []*icpcheck.ServiceNumber {
	tb.Helper()
	nums, err := e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: instanceID, Num: num})
	if err != nil {
		tb.Fatalf("IssueNumbers(%s, %d): %v", instanceID, num, err)
	}
	return nums
}

// WantError fails tb unless err has code and reason.
func WantError(tb TB, err error, code, reason string) {
	tb.Helper()
	if gotCode, gotReason := icpcheck.ErrorCode(err), icpcheck.ErrorReason(err); gotCode != code || gotReason != reason {
		tb.Fatalf("err=%v (code %q, reason %q), want code %q, reason %q", err, gotCode, gotReason, code, reason)
	}
}

// NoError fails tb when err is not nil.
func NoError(tb TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("unexpected error: %v (code %s, reason %s)", err, icpcheck.ErrorCode(err), icpcheck.ErrorReason(err))
	}
}

// Invariants checks, as the admin, what must hold of any ledger: each instance's issued
// count equals its numbers, with seqs 1..issued and never more than the policy's quota; each
// number used by at most one filing, whose number agrees on the state; the audit chain whole.
func (e *Env) Invariants(tb TB) {
	tb.Helper()
	CheckInvariants(tb, e.Admin, e.DB)
}

// CheckInvariants is Env.Invariants for any store and admin context.
func CheckInvariants(tb TB, admin context.Context, db *sqlstore.DB) {
	tb.Helper()
	for off := 0; ; off += icpcheck.MaxPageSize {
		recs, total, err := db.FindInstances(admin, icpcheck.InstanceFilter{Offset: off, Limit: icpcheck.MaxPageSize})
		NoError(tb, err)
		for _, r := range recs {
			nums, n, err := db.FindNumbers(admin, icpcheck.NumberFilter{InstanceID: r.Instance.ID, Limit: icpcheck.MaxPageSize})
			NoError(tb, err)
			if n != r.Issued || len(nums) != r.Issued {
				tb.Fatalf("instance %s: issued=%d, but %d numbers (%d listed)", r.Instance.ID, r.Issued, n, len(nums))
			}
			if rule := db.Policy().Product(r.Instance.Product); rule != nil && r.Issued > rule.Quota {
				tb.Fatalf("instance %s: issued=%d over quota %d", r.Instance.ID, r.Issued, rule.Quota)
			}
			for i, num := range nums {
				if num.Seq != i+1 {
					tb.Fatalf("instance %s: number %d has seq %d", r.Instance.ID, i+1, num.Seq)
				}
				if num.FilingID == "" {
					continue
				}
				f, err := db.FindFiling(admin, num.FilingID)
				NoError(tb, err)
				if f.SN != num.SN {
					tb.Fatalf("number %s names filing %s, which uses %s", num.SN, f.ID, f.SN)
				}
				if want := f.State.NumberState(); num.State != want && num.State != icpcheck.NumberInvalid {
					tb.Fatalf("number %s is %v, its filing %s is %s", num.SN, num.State, f.ID, f.State)
				}
			}
		}
		if off+len(recs) >= total {
			break
		}
	}
	v, err := db.VerifyAudit(admin)
	NoError(tb, err)
	if !v.OK {
		tb.Fatalf("audit chain broken: %+v", v)
	}
}
