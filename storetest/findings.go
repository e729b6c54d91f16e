package storetest

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
)

// The findings part of the suite: reconciliation of monitor runs (first seen, last seen,
// resolution, reopening), the outbox of webhook events, and the monitors' inputs.

func expiring(instance, owner string, point int) *icpcheck.Finding {
	return &icpcheck.Finding{
		Key:     icpcheck.FindingKey(icpcheck.MonitorExpiry, icpcheck.FindingExpiring, instance, fmt.Sprint(point)),
		Monitor: icpcheck.MonitorExpiry, Kind: icpcheck.FindingExpiring, Scope: icpcheck.InstanceScope(instance),
		Owner: owner, InstanceID: instance, Reminder: point, Filings: []string{"f-" + instance},
	}
}

func expired(instance, owner string) *icpcheck.Finding {
	return &icpcheck.Finding{
		Key:     icpcheck.FindingKey(icpcheck.MonitorExpiry, icpcheck.FindingExpired, instance),
		Monitor: icpcheck.MonitorExpiry, Kind: icpcheck.FindingExpired, Scope: icpcheck.InstanceScope(instance),
		Owner: owner, InstanceID: instance,
	}
}

func unresolved(filing, domain, owner, reason string) *icpcheck.Finding {
	return &icpcheck.Finding{
		Key:     icpcheck.FindingKey(icpcheck.MonitorAccess, icpcheck.FindingDNSUnresolved, filing, domain),
		Monitor: icpcheck.MonitorAccess, Kind: icpcheck.FindingDNSUnresolved, Scope: icpcheck.DomainScope(filing, domain),
		Owner: owner, FilingID: filing, Domain: domain, Reason: reason,
	}
}

// reconcile reconciles a run at Start+hours, started at the store's clock.
func (e *Env) reconcile(tb TB, monitor string, hours int, incomplete []string, fs ...*icpcheck.Finding) *icpcheck.ReconcileResult {
	tb.Helper()
	e.Clock.Advance(time.Second)
	res, err := e.DB.ReconcileFindings(e.Admin, icpcheck.FindingRun{
		Monitor: monitor, At: Start.Add(time.Duration(hours) * time.Hour), Started: e.Clock.Now(),
		Findings: fs, Incomplete: incomplete,
	})
	NoError(tb, err)
	return res
}

func wantResult(tb TB, got *icpcheck.ReconcileResult, opened, updated, resolved, open int) {
	tb.Helper()
	if want := (icpcheck.ReconcileResult{Opened: opened, Updated: updated, Resolved: resolved, Open: open}); *got != want {
		tb.Fatalf("result %+v, want %+v", *got, want)
	}
}

// findings returns every finding, resolved ones too, by key.
func (e *Env) findings(tb TB, flt icpcheck.FindingFilter) map[string]*icpcheck.Finding {
	tb.Helper()
	fs, total, err := e.DB.FindFindings(e.Admin, flt)
	NoError(tb, err)
	if total != len(fs) {
		tb.Fatalf("total %d, listed %d", total, len(fs))
	}
	m := make(map[string]*icpcheck.Finding)
	for _, f := range fs {
		m[f.Key] = f
	}
	return m
}

func at(hours int) time.Time { return Start.Add(time.Duration(hours) * time.Hour) }

func wantSeen(tb TB, f *icpcheck.Finding, first, last int, resolvedAt int, resolution string) {
	tb.Helper()
	if f == nil {
		tb.Fatalf("finding missing")
	}
	if !f.FirstSeen.Equal(at(first)) || !f.LastSeen.Equal(at(last)) {
		tb.Fatalf("%s: first_seen %v last_seen %v, want %v %v", f.Key, f.FirstSeen, f.LastSeen, at(first), at(last))
	}
	switch {
	case resolvedAt < 0 && (f.ResolvedAt != nil || f.Resolution != ""):
		tb.Fatalf("%s: resolved at %v (%s), want open", f.Key, f.ResolvedAt, f.Resolution)
	case resolvedAt >= 0 && (f.ResolvedAt == nil || !f.ResolvedAt.Equal(at(resolvedAt)) || f.Resolution != resolution):
		tb.Fatalf("%s: resolved at %v (%q), want %v (%q)", f.Key, f.ResolvedAt, f.Resolution, at(resolvedAt), resolution)
	}
}

// claimAll claims every due event at now.
func (e *Env) claimAll(tb TB, now time.Time) []*icpcheck.FindingEvent {
	tb.Helper()
	evs, err := e.DB.ClaimFindingEvents(e.Admin, now, 1000, time.Minute)
	NoError(tb, err)
	return evs
}

func eventKinds(evs []*icpcheck.FindingEvent) map[string]string {
	m := make(map[string]string)
	for _, ev := range evs {
		m[ev.Finding.Key] += ev.Event
	}
	return m
}

func testFindings(t *testing.T, open OpenFunc) {
	t.Run("Lifecycle", func(t *testing.T) {
		e := NewEnv(t, open)
		a30, gone := expiring("i-a", "1001", 30), expired("i-b", "1002")

		res := e.reconcile(t, icpcheck.MonitorExpiry, 0, nil, a30, gone)
		wantResult(t, res, 2, 0, 0, 2)
		m := e.findings(t, icpcheck.FindingFilter{})
		wantSeen(t, m[a30.Key], 0, 0, -1, "")
		wantSeen(t, m[gone.Key], 0, 0, -1, "")
		if f := m[a30.Key]; f.Reminder != 30 || f.InstanceID != "i-a" || f.Owner != "1001" || len(f.Filings) != 1 {
			t.Fatalf("stored details %+v", f)
		}

		// Seen again: the same findings, last_seen moves, no new event.
		res = e.reconcile(t, icpcheck.MonitorExpiry, 1, nil, a30, gone)
		wantResult(t, res, 0, 2, 0, 2)
		m = e.findings(t, icpcheck.FindingFilter{})
		wantSeen(t, m[a30.Key], 0, 1, -1, "")

		// Reconciling the very same run again is harmless.
		e.Clock.Advance(time.Second)
		run := icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(2), Started: e.Clock.Now(), Findings: []*icpcheck.Finding{a30, gone}}
		for range 2 {
			res, err := e.DB.ReconcileFindings(e.Admin, run)
			NoError(t, err)
			wantResult(t, res, 0, 2, 0, 2)
		}

		// i-a reaches the 15-day point (the 30-day finding is superseded), i-b is renewed
		// (fixed).
		a15 := expiring("i-a", "1001", 15)
		res = e.reconcile(t, icpcheck.MonitorExpiry, 3, nil, a15)
		wantResult(t, res, 1, 0, 2, 1)
		m = e.findings(t, icpcheck.FindingFilter{All: true})
		wantSeen(t, m[a30.Key], 0, 2, 3, icpcheck.ResolvedSuperseded)
		wantSeen(t, m[gone.Key], 0, 2, 3, icpcheck.ResolvedFixed)
		wantSeen(t, m[a15.Key], 3, 3, -1, "")
		if open := e.findings(t, icpcheck.FindingFilter{}); len(open) != 1 || open[a15.Key] == nil {
			t.Fatalf("open findings %v, want only %s", open, a15.Key)
		}

		// i-b expires again: the same finding opens again and keeps its first_seen.
		res = e.reconcile(t, icpcheck.MonitorExpiry, 4, nil, a15, gone)
		wantResult(t, res, 1, 1, 0, 2)
		wantSeen(t, e.findings(t, icpcheck.FindingFilter{})[gone.Key], 0, 4, -1, "")

		// Another monitor's run leaves these alone.
		res = e.reconcile(t, icpcheck.MonitorAccess, 5, nil)
		wantResult(t, res, 0, 0, 0, 0)
		if n := len(e.findings(t, icpcheck.FindingFilter{})); n != 2 {
			t.Fatalf("%d open findings after an empty access run, want 2", n)
		}

		// The outbox holds one event per opening and resolution, in order.
		evs := e.claimAll(t, at(100))
		var got []string
		for _, ev := range evs {
			got = append(got, ev.Event+":"+ev.Finding.Key)
		}
		want := []string{
			"opened:" + a30.Key, "opened:" + gone.Key,
			"opened:" + a15.Key, // then the two resolutions, in either order
		}
		if len(got) != 6 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[5] != "opened:"+gone.Key {
			t.Fatalf("events %v", got)
		}
		if k := eventKinds(evs[3:5]); k[a30.Key] != "resolved" || k[gone.Key] != "resolved" {
			t.Fatalf("events %v", got)
		}
		for _, ev := range evs {
			if ev.Event == icpcheck.FindingResolved && (ev.Finding.ResolvedAt == nil || ev.Finding.Resolution == "") {
				t.Fatalf("resolved event without resolution: %+v", ev.Finding)
			}
			if ev.Event == icpcheck.FindingOpened && ev.Finding.FirstSeen.IsZero() {
				t.Fatalf("opened event without first_seen: %+v", ev.Finding)
			}
		}
		if reopened := evs[5].Finding; !reopened.FirstSeen.Equal(at(0)) {
			t.Fatalf("reopened event first_seen %v, want %v", reopened.FirstSeen, at(0))
		}
	})

	t.Run("Incomplete", func(t *testing.T) {
		e := NewEnv(t, open)
		f := unresolved("f-1", "www.example.com", "1001", icpcheck.DNSNXDomain)
		other := unresolved("f-1", "shop.example.com", "1001", icpcheck.DNSServFail)
		wantResult(t, e.reconcile(t, icpcheck.MonitorAccess, 0, nil, f, other), 2, 0, 0, 2)
		// The run could not tell about www (a partial answer): its finding stays open and
		// untouched, while shop's, not seen and not excused, is resolved.
		res := e.reconcile(t, icpcheck.MonitorAccess, 1, []string{f.Scope})
		wantResult(t, res, 0, 0, 1, 1)
		wantSeen(t, e.findings(t, icpcheck.FindingFilter{})[f.Key], 0, 0, -1, "")
		wantResult(t, e.reconcile(t, icpcheck.MonitorAccess, 2, nil), 0, 0, 1, 0)
	})

	t.Run("Stale", func(t *testing.T) {
		e := NewEnv(t, open)
		newer := icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(1), Started: Start.Add(time.Minute),
			Findings: []*icpcheck.Finding{expired("i-a", "1001")}}
		older := icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(1), Started: Start}
		_, err := e.DB.ReconcileFindings(e.Admin, newer)
		NoError(t, err)
		_, err = e.DB.ReconcileFindings(e.Admin, older)
		WantError(t, err, icpcheck.ECONFLICT, "stale_run")
		if n := len(e.findings(t, icpcheck.FindingFilter{})); n != 1 {
			t.Fatalf("the stale run changed findings: %d open", n)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		e := NewEnv(t, open)
		good := expired("i-a", "1001")
		badKey := expired("i-a", "1001")
		badKey.Key = "access/expired/i-a"
		wrongMonitor := unresolved("f-1", "www.example.com", "1001", icpcheck.DNSTimeout)
		noScope := expired("i-c", "1001")
		noScope.Scope = ""
		badKind := expired("i-d", "1001")
		badKind.Kind = "exploded"
		for _, tc := range []struct {
			run   icpcheck.FindingRun
			field string
		}{
			{icpcheck.FindingRun{Monitor: "disk", At: at(0), Started: Start}, "monitor"},
			{icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, Started: Start}, "at"},
			{icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(0)}, "started"},
			{icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(0), Started: Start, Findings: []*icpcheck.Finding{good, good}}, "key"},
			{icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(0), Started: Start, Findings: []*icpcheck.Finding{badKey}}, "key"},
			{icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(0), Started: Start, Findings: []*icpcheck.Finding{wrongMonitor}}, "monitor"},
			{icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(0), Started: Start, Findings: []*icpcheck.Finding{noScope}}, "scope"},
			{icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(0), Started: Start, Findings: []*icpcheck.Finding{badKind}}, "kind"},
			{icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(0), Started: Start, Findings: []*icpcheck.Finding{nil}}, "findings"},
		} {
			_, err := e.DB.ReconcileFindings(e.Admin, tc.run)
			var ie *icpcheck.Error
			if !errors.As(err, &ie) || ie.Code != icpcheck.EINVALID || ie.Field != tc.field {
				t.Errorf("run %+v: err=%v, want EINVALID on %s", tc.run, err, tc.field)
			}
		}
		if n := len(e.findings(t, icpcheck.FindingFilter{All: true})); n != 0 {
			t.Fatalf("refused runs stored %d findings", n)
		}
		_, _, err := e.DB.FindFindings(e.Admin, icpcheck.FindingFilter{Monitor: "disk"})
		WantError(t, err, icpcheck.EINVALID, "bad_enum")
		_, _, err = e.DB.FindFindings(e.Admin, icpcheck.FindingFilter{Offset: -1})
		WantError(t, err, icpcheck.EINVALID, "bad_page")
		_, err = e.DB.FindMonitorInput(e.Admin, "disk")
		WantError(t, err, icpcheck.EINVALID, "bad_enum")
	})

	t.Run("Authorization", func(t *testing.T) {
		e := NewEnv(t, open)
		e.reconcile(t, icpcheck.MonitorExpiry, 0, nil, expired("i-a", "1001"), expired("i-b", "1002"))
		run := icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: at(1), Started: e.Clock.Now().Add(time.Hour)}
		_, err := e.DB.ReconcileFindings(Customer("1001"), run)
		WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		_, err = e.DB.ReconcileFindings(Anonymous, run)
		WantError(t, err, icpcheck.EUNAUTHORIZED, "unauthenticated")
		_, err = e.DB.FindMonitorInput(Customer("1001"), icpcheck.MonitorExpiry)
		WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		_, err = e.DB.ClaimFindingEvents(Customer("1001"), at(0), 10, time.Minute)
		WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		_, _, err = e.DB.FindFindings(Anonymous, icpcheck.FindingFilter{})
		WantError(t, err, icpcheck.EUNAUTHORIZED, "unauthenticated")

		fs, total, err := e.DB.FindFindings(Customer("1001"), icpcheck.FindingFilter{})
		NoError(t, err)
		if total != 1 || len(fs) != 1 || fs[0].Owner != "1001" {
			t.Fatalf("customer 1001 sees %d findings (total %d)", len(fs), total)
		}
		fs, total, err = e.DB.FindFindings(Customer("1001"), icpcheck.FindingFilter{Owner: "1002"})
		NoError(t, err)
		if total != 0 || len(fs) != 0 {
			t.Fatalf("customer 1001 sees %d findings of 1002", total)
		}
	})

	t.Run("Filter", func(t *testing.T) {
		e := NewEnv(t, open)
		e.reconcile(t, icpcheck.MonitorExpiry, 0, nil, expired("i-a", "1001"), expiring("i-b", "1001", 7))
		e.reconcile(t, icpcheck.MonitorAccess, 0, nil, unresolved("f-1", "a.example.com", "1002", icpcheck.DNSNXDomain))
		for _, tc := range []struct {
			flt  icpcheck.FindingFilter
			want int
		}{
			{icpcheck.FindingFilter{}, 3},
			{icpcheck.FindingFilter{Monitor: icpcheck.MonitorExpiry}, 2},
			{icpcheck.FindingFilter{Kind: icpcheck.FindingExpiring}, 1},
			{icpcheck.FindingFilter{FilingID: "f-1"}, 1},
			{icpcheck.FindingFilter{Instance: "i-a"}, 1},
			{icpcheck.FindingFilter{Owner: "1001"}, 2},
			{icpcheck.FindingFilter{Limit: 2}, 2},
			{icpcheck.FindingFilter{Offset: 2}, 1},
		} {
			fs, total, err := e.DB.FindFindings(e.Admin, tc.flt)
			NoError(t, err)
			if len(fs) != tc.want {
				t.Errorf("%+v: %d findings (total %d), want %d", tc.flt, len(fs), total, tc.want)
			}
		}
	})

	t.Run("Outbox", func(t *testing.T) {
		e := NewEnv(t, open)
		e.reconcile(t, icpcheck.MonitorExpiry, 0, nil, expired("i-a", "1001"), expired("i-b", "1001"))
		now := at(1)
		evs := e.claimAll(t, now)
		if len(evs) != 2 || evs[0].Attempts != 1 || evs[0].ID >= evs[1].ID {
			t.Fatalf("claimed %d events", len(evs))
		}
		// Leased: another sender finds nothing until the lease runs out.
		if again := e.claimAll(t, now); len(again) != 0 {
			t.Fatalf("claimed %d leased events", len(again))
		}
		NoError(t, e.DB.MarkFindingEventSent(e.Admin, evs[0].ID, now))
		NoError(t, e.DB.MarkFindingEventSent(e.Admin, evs[0].ID, now)) // idempotent
		NoError(t, e.DB.MarkFindingEventFailed(e.Admin, evs[1].ID, now.Add(10*time.Minute), "HTTP 503"))
		if due := e.claimAll(t, now.Add(5*time.Minute)); len(due) != 0 {
			t.Fatalf("claimed %d events before their next attempt", len(due))
		}
		due := e.claimAll(t, now.Add(10*time.Minute))
		if len(due) != 1 || due[0].ID != evs[1].ID || due[0].Attempts != 2 {
			t.Fatalf("claimed %+v, want event %d on its second attempt", due, evs[1].ID)
		}
		NoError(t, e.DB.MarkFindingEventSent(e.Admin, due[0].ID, now.Add(10*time.Minute)))
		// Sent events are never sent again, even after their lease.
		if left := e.claimAll(t, now.Add(time.Hour)); len(left) != 0 {
			t.Fatalf("claimed %d sent events", len(left))
		}
		WantError(t, e.DB.MarkFindingEventSent(e.Admin, 999999, now), icpcheck.ENOTFOUND, "event_not_found")
		WantError(t, e.DB.MarkFindingEventFailed(e.Admin, 999999, now, "x"), icpcheck.ENOTFOUND, "event_not_found")
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Several servers reconcile runs of one monitor at once, each run seeing one more
		// instance expired. Whatever the interleaving, each run is applied whole or refused as
		// stale, and the findings are those of the latest run applied.
		e := NewEnv(t, open)
		const runs = 8
		var wg sync.WaitGroup
		errs := make([]error, runs)
		for i := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var fs []*icpcheck.Finding
				for j := 0; j <= i; j++ {
					fs = append(fs, expired(fmt.Sprintf("i-%d", j), "1001"))
				}
				_, errs[i] = e.DB.ReconcileFindings(e.Admin, icpcheck.FindingRun{
					Monitor: icpcheck.MonitorExpiry, At: at(i), Started: Start.Add(time.Duration(i) * time.Second), Findings: fs,
				})
			}()
		}
		wg.Wait()
		last := -1
		for i, err := range errs {
			switch icpcheck.ErrorReason(err) {
			case "":
				last = max(last, i)
			case "stale_run":
			default:
				t.Fatalf("run %d: %v", i, err)
			}
		}
		if last != runs-1 {
			t.Fatalf("the latest run (%d) was not applied; last applied %d", runs-1, last)
		}
		if n := len(e.findings(t, icpcheck.FindingFilter{})); n != runs {
			t.Fatalf("%d open findings, want %d", n, runs)
		}
		// Every finding opened once, however many runs saw it.
		opened := map[string]int{}
		for _, ev := range e.claimAll(t, at(1000)) {
			if ev.Event == icpcheck.FindingOpened {
				opened[ev.Finding.Key]++
			}
		}
		for k, n := range opened {
			if n != 1 {
				t.Errorf("%s opened %d times", k, n)
			}
		}
	})

	t.Run("MonitorInput", func(t *testing.T) {
		e := NewEnv(t, open)
		idle := ECS("i-idle", "1001")
		idle.PublicIPs[0] = netip.MustParseAddr("47.96.10.99")
		e.MustPut(t, ECS("i-1", "1001"), idle)
		nums := e.MustIssue(t, "i-1", 3)
		e.MustIssue(t, "i-idle", 1)
		filer := Customer("1001")
		draft, err := e.DB.CreateFiling(filer, website(nums[0].SN, "draft.example.com"))
		NoError(t, err)
		filed, err := e.DB.CreateFiling(filer, website(nums[1].SN, "www.example.com", "example.com"))
		NoError(t, err)
		_, err = e.DB.SubmitFiling(filer, filed.ID)
		NoError(t, err)
		_, err = e.DB.ApproveFiling(e.Admin, filed.ID, "浙ICP备12345678号-1")
		NoError(t, err)

		in, err := e.DB.FindMonitorInput(e.Admin, icpcheck.MonitorExpiry)
		NoError(t, err)
		if len(in.Instances) != 1 || in.Instances[0].ID != "i-1" {
			t.Fatalf("expiry input instances %v, want i-1 only (i-idle carries an unbound number)", ids(in.Instances))
		}
		if len(in.Numbers) != 2 || len(in.Filings) != 2 {
			t.Fatalf("expiry input: %d numbers, %d filings, want 2 and 2", len(in.Numbers), len(in.Filings))
		}

		in, err = e.DB.FindMonitorInput(e.Admin, icpcheck.MonitorAccess)
		NoError(t, err)
		if len(in.Instances) != 2 {
			t.Fatalf("access input instances %v, want both", ids(in.Instances))
		}
		if len(in.Filings) != 1 || in.Filings[0].ID != filed.ID || in.Filings[0].State != icpcheck.FilingFiled {
			t.Fatalf("access input filings %d, want the filed one (not draft %s)", len(in.Filings), draft.ID)
		}
	})
}

func ids(ins []*icpcheck.Instance) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.ID)
	}
	return out
}
