package monitor_test

import (
	"slices"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/monitor"
)

func TestExpiry(t *testing.T) {
	p := mustPolicy(t)
	end := mustTime(t, "2026-04-10T00:00:00+08:00") // newInstance(..., 3) ends here
	for _, tc := range []struct {
		name     string
		at       time.Time
		status   icpcheck.InstanceStatus
		billing  icpcheck.Billing
		state    icpcheck.NumberState
		kind     string // "" for no finding
		reminder int
		daysLeft int
	}{
		{"FarFromExpiry", end.Add(-31 * day), "", "", icpcheck.NumberFiled, "", 0, 0},
		{"At30", end.Add(-30 * day), "", "", icpcheck.NumberFiled, icpcheck.FindingExpiring, 30, 30},
		{"Within30", end.Add(-20 * day), "", "", icpcheck.NumberFiled, icpcheck.FindingExpiring, 30, 20},
		{"At15", end.Add(-15 * day), "", "", icpcheck.NumberBound, icpcheck.FindingExpiring, 15, 15},
		{"Within15", end.Add(-15*day + time.Hour), "", "", icpcheck.NumberUnderReview, icpcheck.FindingExpiring, 15, 15},
		{"At7", end.Add(-7 * day), "", "", icpcheck.NumberFiled, icpcheck.FindingExpiring, 7, 7},
		{"Within1", end.Add(-time.Hour), "", "", icpcheck.NumberFiled, icpcheck.FindingExpiring, 1, 1},
		{"AtEnd", end, "", "", icpcheck.NumberFiled, icpcheck.FindingExpired, 0, 0},
		{"LongExpired", end.Add(90 * day), "", "", icpcheck.NumberFiled, icpcheck.FindingExpired, 0, 0},
		{"StatusExpiredEarly", end.Add(-60 * day), icpcheck.StatusExpired, "", icpcheck.NumberFiled, icpcheck.FindingExpired, 0, 0},
		{"Released", end.Add(-60 * day), icpcheck.StatusReleased, "", icpcheck.NumberBound, icpcheck.FindingExpired, 0, 0},
		{"PayAsYouGoRunning", end, "", icpcheck.BillingPayAsYouGo, icpcheck.NumberFiled, "", 0, 0},
		{"PayAsYouGoExpired", end, icpcheck.StatusExpired, icpcheck.BillingPayAsYouGo, icpcheck.NumberFiled, icpcheck.FindingExpired, 0, 0},
		{"UnboundOnly", end, "", "", icpcheck.NumberUnbound, "", 0, 0},
		{"InvalidOnly", end, "", "", icpcheck.NumberInvalid, "", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := newInstance(t, "i-1", 3, "47.96.10.20")
			if tc.status != "" {
				inst.Status = tc.status
			}
			if tc.billing == icpcheck.BillingPayAsYouGo {
				inst.Billing, inst.Orders = tc.billing, nil
			}
			in := &icpcheck.MonitorInput{
				Instances: []*icpcheck.Instance{inst},
				Numbers:   []*icpcheck.ServiceNumber{number("sn-1", inst, tc.state, "F2"), number("sn-2", inst, tc.state, "F1")},
			}
			got := monitor.Expiry(in, p, tc.at)
			if tc.kind == "" {
				if len(got) != 0 {
					t.Fatalf("findings=%v, want none", got[0].Key)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d findings, want 1", len(got))
			}
			f := got[0]
			if f.Kind != tc.kind || f.Reminder != tc.reminder || f.DaysLeft != tc.daysLeft {
				t.Errorf("kind=%s reminder=%d days_left=%d, want %s %d %d", f.Kind, f.Reminder, f.DaysLeft, tc.kind, tc.reminder, tc.daysLeft)
			}
			if err := f.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			checkText(t, f)
			if f.InstanceID != "i-1" || f.Owner != inst.Owner || f.Scope != icpcheck.InstanceScope("i-1") {
				t.Errorf("instance=%s owner=%s scope=%s", f.InstanceID, f.Owner, f.Scope)
			}
			if want := []string{"F1", "F2"}; !slices.Equal(f.Filings, want) {
				t.Errorf("Filings=%v, want %v", f.Filings, want)
			}
			if tc.billing == icpcheck.BillingPayAsYouGo {
				if f.ExpiresAt != nil || f.Deadline != nil {
					t.Errorf("pay-as-you-go: ExpiresAt=%v Deadline=%v, want none", f.ExpiresAt, f.Deadline)
				}
				return
			}
			if f.ExpiresAt == nil || !f.ExpiresAt.Equal(end) {
				t.Errorf("ExpiresAt=%v, want %v", f.ExpiresAt, end)
			}
			if want := end.Add(time.Duration(p.Reminder.CancellationDays) * day); f.Deadline == nil || !f.Deadline.Equal(want) {
				t.Errorf("Deadline=%v, want %v", f.Deadline, want)
			}
		})
	}
}

// TestExpiryKeys checks that each reminder point is a finding of its own and that the key
// of an expired instance does not change with time.
func TestExpiryKeys(t *testing.T) {
	p := mustPolicy(t)
	end := mustTime(t, "2026-04-10T00:00:00+08:00")
	inst := newInstance(t, "i-1", 3)
	in := &icpcheck.MonitorInput{
		Instances: []*icpcheck.Instance{inst},
		Numbers:   []*icpcheck.ServiceNumber{number("sn-1", inst, icpcheck.NumberFiled, "F1")},
	}
	seen := map[string]bool{}
	for _, d := range []time.Duration{-25 * day, -10 * day, -5 * day, -time.Hour} {
		fs := monitor.Expiry(in, p, end.Add(d))
		if len(fs) != 1 || seen[fs[0].Key] {
			t.Fatalf("at end%+v: findings %v, want one new key", d, fs)
		}
		seen[fs[0].Key] = true
	}
	a := monitor.Expiry(in, p, end.Add(day))
	b := monitor.Expiry(in, p, end.Add(40*day))
	if len(a) != 1 || len(b) != 1 || a[0].Key != b[0].Key {
		t.Fatalf("expired keys differ over time")
	}
}

// TestExpiryMany judges several instances at once: only those carrying numbers and near their
// end are found, each with its own filings.
func TestExpiryMany(t *testing.T) {
	p := mustPolicy(t)
	at := mustTime(t, "2026-04-01T00:00:00+08:00")
	soon := newInstance(t, "i-soon", 3)   // ends 04-10: 9 days, reminder 15
	later := newInstance(t, "i-later", 6) // ends 07-10: none
	gone := newInstance(t, "i-gone", 2)   // ended 03-10
	idle := newInstance(t, "i-idle", 2)   // ended, but carries no number
	in := &icpcheck.MonitorInput{
		Instances: []*icpcheck.Instance{soon, later, gone, idle},
		Numbers: []*icpcheck.ServiceNumber{
			number("a", soon, icpcheck.NumberFiled, "F-soon"),
			number("b", later, icpcheck.NumberFiled, "F-later"),
			number("c", gone, icpcheck.NumberUnderReview, "F-gone1"),
			number("d", gone, icpcheck.NumberBound, "F-gone2"),
			number("e", idle, icpcheck.NumberUnbound, ""),
		},
	}
	got := keys(monitor.Expiry(in, p, at))
	if len(got) != 2 {
		t.Fatalf("findings %v, want 2", got)
	}
	if f := got["expiry/expiring/i-soon/15"]; f == nil || !slices.Equal(f.Filings, []string{"F-soon"}) || f.DaysLeft != 9 {
		t.Errorf("i-soon: %+v", f)
	}
	if f := got["expiry/expired/i-gone"]; f == nil || !slices.Equal(f.Filings, []string{"F-gone1", "F-gone2"}) {
		t.Errorf("i-gone: %+v", f)
	}
}
