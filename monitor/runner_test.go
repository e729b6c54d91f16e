package monitor_test

import (
	"context"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/dns"
	"github.com/icpcheck/icpcheck/dns/dnstest"
	"github.com/icpcheck/icpcheck/monitor"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// runnerWorld is a store with one active instance and one filed website, and a loopback DNS
// zone with a planted problem for each kind the access monitor finds.
type runnerWorld struct {
	db     *sqlstore.DB
	zone   *dnstest.Zone
	srv    *dnstest.Server
	runner *monitor.Runner
	filing *icpcheck.Filing
	clock  *clock
}

func newRunnerWorld(t *testing.T, timeout time.Duration) *runnerWorld {
	t.Helper()
	c := &clock{t: mustTime(t, "2026-02-01T00:00:00+08:00")}
	db := mustOpenStore(t, c)
	active := newInstance(t, "i-active", 12, "47.96.10.20", "47.96.10.21")
	ended := newInstance(t, "i-ended", 3, "47.96.20.1") // ends 2026-04-10
	mustPut(t, db, active, ended)
	f := mustFile(t, db, active, []string{"ok.example.com", "undeclared.example.com", "moved.example.com",
		"lapsed.example.com", "gone.example.com", "broken.example.com", "slow.example.com"}, "47.96.10.20")

	z := dnstest.NewZone()
	z.SetAddrs("ok.example.com", "47.96.10.20")
	z.SetAddrs("undeclared.example.com", "47.96.10.21")
	z.SetAddrs("moved.example.com", "203.0.113.7")
	z.SetAddrs("lapsed.example.com", "47.96.20.1")
	z.SetAddrs("broken.example.com", "47.96.10.20")
	z.SetBehavior("broken.example.com", dnstest.ServFail)
	z.SetAddrs("slow.example.com", "47.96.10.20")
	z.SetBehavior("slow.example.com", dnstest.Silent)
	srv, err := dnstest.Start(z)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r, err := dns.New(dns.Config{Server: srv.Addr, Timeout: timeout, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &runnerWorld{db: db, zone: z, srv: srv, filing: f, clock: c,
		runner: &monitor.Runner{Store: db, Policy: mustPolicy(t), Resolver: r, Now: c.Now}}
}

func (w *runnerWorld) run(t *testing.T, m string, at time.Time) *icpcheck.MonitorReport {
	t.Helper()
	w.clock.Advance(time.Minute)
	rep, err := w.runner.RunMonitor(admin, m, at)
	if err != nil {
		t.Fatalf("RunMonitor(%s): %v", m, err)
	}
	return rep
}

// TestRunnerAccess finds exactly the planted problems, keeps them while they last, and
// forgets them once fixed.
func TestRunnerAccess(t *testing.T) {
	w := newRunnerWorld(t, 300*time.Millisecond)
	at := mustTime(t, "2026-05-01T00:00:00+08:00") // i-ended has ended
	id := w.filing.ID
	want := map[string]string{
		"access/ip_not_declared/" + id + "/undeclared.example.com/47.96.10.21": "",
		"access/ip_not_provider/" + id + "/moved.example.com/203.0.113.7":      "",
		"access/instance_expired/" + id + "/lapsed.example.com/47.96.20.1":     "",
		"access/dns_unresolved/" + id + "/gone.example.com":                    icpcheck.DNSNXDomain,
		"access/dns_unresolved/" + id + "/broken.example.com":                  icpcheck.DNSServFail,
		"access/dns_unresolved/" + id + "/slow.example.com":                    icpcheck.DNSTimeout,
	}
	rep := w.run(t, icpcheck.MonitorAccess, at)
	if rep.Checked != 7 || rep.Result.Opened != len(want) || rep.Result.Open != len(want) {
		t.Fatalf("report checked=%d result=%+v, want 7 checked, %d opened", rep.Checked, rep.Result, len(want))
	}
	got := keys(rep.Findings)
	for k, reason := range want {
		if f := got[k]; f == nil || f.Reason != reason || !f.FirstSeen.Equal(at) {
			t.Errorf("finding %s: %+v, want reason %q first seen %v", k, f, reason, at)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d findings, want %d: %v", len(got), len(want), got)
	}

	// Seen again: nothing opens, first_seen stays.
	later := at.Add(time.Hour)
	rep = w.run(t, icpcheck.MonitorAccess, later)
	if rep.Result.Opened != 0 || rep.Result.Updated != len(want) || rep.Result.Resolved != 0 {
		t.Fatalf("second run %+v", rep.Result)
	}
	for _, f := range rep.Findings {
		if !f.FirstSeen.Equal(at) || !f.LastSeen.Equal(later) {
			t.Errorf("%s: first %v last %v", f.Key, f.FirstSeen, f.LastSeen)
		}
	}

	// Fix everything: every finding resolves as fixed.
	for _, d := range []string{"undeclared.example.com", "moved.example.com", "lapsed.example.com", "gone.example.com", "broken.example.com", "slow.example.com"} {
		w.zone.SetBehavior(d, dnstest.Normal)
		w.zone.SetAddrs(d, "47.96.10.20")
	}
	rep = w.run(t, icpcheck.MonitorAccess, later.Add(time.Hour))
	if rep.Result.Resolved != len(want) || rep.Result.Open != 0 || len(rep.Findings) != 0 {
		t.Fatalf("after the fix: %+v, %d open findings", rep.Result, len(rep.Findings))
	}
	all, _, err := w.runner.FindFindings(admin, icpcheck.FindingFilter{All: true, Monitor: icpcheck.MonitorAccess})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if f.Open() || f.Resolution != icpcheck.ResolvedFixed {
			t.Errorf("%s: resolved_at %v resolution %q", f.Key, f.ResolvedAt, f.Resolution)
		}
	}

	// The problem comes back: the same finding opens again with its first_seen.
	w.zone.SetAddrs("moved.example.com", "203.0.113.7")
	rep = w.run(t, icpcheck.MonitorAccess, later.Add(2*time.Hour))
	if rep.Result.Opened != 1 || len(rep.Findings) != 1 || !rep.Findings[0].FirstSeen.Equal(at) {
		t.Fatalf("reopened: %+v %v", rep.Result, keys(rep.Findings))
	}
}

// TestRunnerExpiry walks an instance toward and past its end: each reminder point is a new
// finding superseding the one before, and renewal fixes it.
func TestRunnerExpiry(t *testing.T) {
	w := newRunnerWorld(t, 300*time.Millisecond)
	end := mustTime(t, "2026-04-10T00:00:00+08:00") // i-ended's end
	if rep := w.run(t, icpcheck.MonitorExpiry, end); len(rep.Findings) != 0 || rep.Checked != 1 {
		t.Fatalf("40 days before: %d findings, %d checked", len(rep.Findings), rep.Checked)
	}
	// i-ended carries no number and is none of the expiry monitor's business; i-active, which
	// carries the filing's, ends 2027-01-10.
	activeEnd := mustTime(t, "2027-01-10T00:00:00+08:00")
	rep := w.run(t, icpcheck.MonitorExpiry, activeEnd.Add(-20*day))
	if len(rep.Findings) != 1 || rep.Findings[0].Key != "expiry/expiring/i-active/30" || rep.Findings[0].Filings[0] != w.filing.ID {
		t.Fatalf("20 days before: %v", keys(rep.Findings))
	}
	rep = w.run(t, icpcheck.MonitorExpiry, activeEnd.Add(-5*day))
	if len(rep.Findings) != 1 || rep.Findings[0].Key != "expiry/expiring/i-active/7" || rep.Result.Resolved != 1 {
		t.Fatalf("5 days before: %v %+v", keys(rep.Findings), rep.Result)
	}
	rep = w.run(t, icpcheck.MonitorExpiry, activeEnd.Add(day))
	f := rep.Findings[0]
	if len(rep.Findings) != 1 || f.Kind != icpcheck.FindingExpired || f.Deadline == nil || !f.Deadline.Equal(activeEnd.Add(30*day)) {
		t.Fatalf("after the end: %+v", f)
	}
	all, _, err := w.runner.FindFindings(admin, icpcheck.FindingFilter{All: true, Monitor: icpcheck.MonitorExpiry})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if !f.Open() && f.Resolution != icpcheck.ResolvedSuperseded {
			t.Errorf("%s: resolution %q, want superseded", f.Key, f.Resolution)
		}
	}

	// Renewed: the expired finding is fixed.
	inst := newInstance(t, "i-active", 24, "47.96.10.20", "47.96.10.21")
	mustPut(t, w.db, inst)
	rep = w.run(t, icpcheck.MonitorExpiry, activeEnd.Add(2*day))
	if len(rep.Findings) != 0 || rep.Result.Resolved != 1 {
		t.Fatalf("after renewal: %v %+v", keys(rep.Findings), rep.Result)
	}
}

// TestRunnerOneAtATime starts a run that waits on a silent DNS zone and asks for another
// meanwhile: the second is refused, not run beside the first.
func TestRunnerOneAtATime(t *testing.T) {
	w := newRunnerWorld(t, time.Second)
	done := make(chan error, 1)
	go func() {
		_, err := w.runner.RunMonitor(admin, icpcheck.MonitorAccess, time.Time{})
		done <- err
	}()
	// Wait until the first run is resolving: the server has seen a query.
	for w.srv.Queries.Load() == 0 {
		select {
		case err := <-done:
			t.Fatalf("first run ended before resolving: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	_, err := w.runner.RunMonitor(admin, icpcheck.MonitorAccess, time.Time{})
	if icpcheck.ErrorReason(err) != "run_in_progress" {
		t.Fatalf("second run: err=%v, want run_in_progress", err)
	}
	// Another monitor may run meanwhile.
	if _, err := w.runner.RunMonitor(admin, icpcheck.MonitorExpiry, time.Time{}); err != nil {
		t.Fatalf("expiry run beside the access run: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
}

func TestRunnerRefuses(t *testing.T) {
	w := newRunnerWorld(t, 300*time.Millisecond)
	customer := icpcheck.NewContextWithActor(context.Background(), icpcheck.Actor{Account: "1234567890123456", Role: icpcheck.RoleCustomer, Via: "rest"})
	if _, err := w.runner.RunMonitor(customer, icpcheck.MonitorExpiry, time.Time{}); icpcheck.ErrorCode(err) != icpcheck.EFORBIDDEN {
		t.Errorf("customer run: err=%v, want forbidden", err)
	}
	if _, err := w.runner.RunMonitor(admin, "disk", time.Time{}); icpcheck.ErrorCode(err) != icpcheck.EINVALID {
		t.Errorf("unknown monitor: err=%v, want invalid", err)
	}
	noDNS := &monitor.Runner{Store: w.runner.Store, Policy: w.runner.Policy}
	if _, err := noDNS.RunMonitor(admin, icpcheck.MonitorAccess, time.Time{}); icpcheck.ErrorCode(err) != icpcheck.EINVALID {
		t.Errorf("access without resolver: err=%v, want invalid", err)
	}
}
