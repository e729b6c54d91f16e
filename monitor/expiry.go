// Package monitor watches filings after the fact (SPEC section 6): the expiry monitor finds
// instances whose coverage ends while they carry numbers, the access monitor resolves filed
// domains and finds those that no longer point at the provider's active mainland instances
// they declare. Expiry and Access are pure judgements over what the store holds; a Runner
// feeds them from the store and DNS, reconciles their findings, and a Webhook announces the
// changes.
package monitor

import (
	"slices"
	"strconv"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
)

const day = 24 * time.Hour

// Expiry judges the instances of in that carry bound, under-review or filed numbers at the
// moment at: one finding for each that has ended (its coverage is over, or it is expired or
// released) and one for each whose coverage ends within the policy's reminder window, naming
// the nearest reminder point reached. Each finding lists the filings the instance puts at
// risk and, where the coverage end is known, the cancellation deadline. Instances without
// such numbers are none of its business, whatever their expiry.
func Expiry(in *icpcheck.MonitorInput, p *icpcheck.Policy, at time.Time) []*icpcheck.Finding {
	atRisk := make(map[string][]string) // instance id -> filing ids
	carries := make(map[string]bool)
	for _, n := range in.Numbers {
		switch n.State {
		case icpcheck.NumberBound, icpcheck.NumberUnderReview, icpcheck.NumberFiled:
			carries[n.InstanceID] = true
			if n.FilingID != "" {
				atRisk[n.InstanceID] = append(atRisk[n.InstanceID], n.FilingID)
			}
		}
	}
	points := slices.Clone(p.Reminder.Days)
	slices.Sort(points)

	var out []*icpcheck.Finding
	for _, inst := range in.Instances {
		if !carries[inst.ID] {
			continue
		}
		f := expiryFinding(inst, points, p.Reminder.CancellationDays, at)
		if f == nil {
			continue
		}
		f.Filings = slices.Compact(slices.Sorted(slices.Values(atRisk[inst.ID])))
		out = append(out, f)
	}
	return out
}

// expiryFinding returns the finding of one instance, or nil when it is not near its end.
func expiryFinding(inst *icpcheck.Instance, points []int, cancellationDays int, at time.Time) *icpcheck.Finding {
	cov, hasCov := inst.Coverage()
	f := &icpcheck.Finding{
		Monitor:    icpcheck.MonitorExpiry,
		Scope:      icpcheck.InstanceScope(inst.ID),
		Owner:      inst.Owner,
		InstanceID: inst.ID,
	}
	if hasCov {
		end := cov.End
		deadline := end.Add(time.Duration(cancellationDays) * day)
		f.ExpiresAt, f.Deadline = &end, &deadline
	}
	ended := inst.Status == icpcheck.StatusExpired || inst.Status == icpcheck.StatusReleased ||
		hasCov && !cov.End.After(at)
	if ended {
		f.Kind = icpcheck.FindingExpired
		f.Key = icpcheck.FindingKey(f.Monitor, f.Kind, inst.ID)
		return f
	}
	if !hasCov {
		return nil // pay-as-you-go and running: no end in sight
	}
	left := cov.End.Sub(at)
	for _, pt := range points {
		if left <= time.Duration(pt)*day {
			// Each reminder point is a finding of its own, so that reaching the next point
			// announces itself (the one before is then superseded).
			f.Kind = icpcheck.FindingExpiring
			f.Reminder = pt
			f.DaysLeft = eligibility.DaysLeft(left)
			f.Key = icpcheck.FindingKey(f.Monitor, f.Kind, inst.ID, strconv.Itoa(pt))
			return f
		}
	}
	return nil
}
