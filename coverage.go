package icpcheck

import "time"

// AddMonths adds n months to t in t's own location, keeping the time of day and clamping the
// day to the last day of the resulting month: Jan 31 + 1 month is Feb 28 (or 29), Jan 31 + 3
// months is Apr 30. This is the contract's month arithmetic (SPEC section 3); time.AddDate
// would normalize Feb 31 to Mar 3 instead.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	total := int(m) - 1 + n
	y += total / 12
	total %= 12
	if total < 0 {
		total += 12
		y--
	}
	month := time.Month(total + 1)
	if last := daysIn(y, month); d > last {
		d = last
	}
	return time.Date(y, month, d, hh, mm, ss, t.Nanosecond(), t.Location())
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Coverage is the subscribed time of an instance, derived from its orders.
type Coverage struct {
	Start  time.Time // the first order's start
	Months int       // of all month and year orders together (a year is 12)
	Days   int       // of all day and week orders together (a week is 7)
	End    time.Time // AddMonths(Start, Months) + Days days
}

// Coverage returns the instance's subscribed time, and false when it has none: pay-as-you-go
// instances, and instances without orders.
func (in *Instance) Coverage() (Coverage, bool) {
	if in.Billing != BillingSubscription || len(in.Orders) == 0 {
		return Coverage{}, false
	}
	c := Coverage{Start: in.Orders[0].Start}
	for _, o := range in.Orders {
		switch o.Unit {
		case UnitDay:
			c.Days += o.Period
		case UnitWeek:
			c.Days += 7 * o.Period
		case UnitMonth:
			c.Months += o.Period
		case UnitYear:
			c.Months += 12 * o.Period
		}
	}
	c.End = c.EndWith(0, 0)
	return c, true
}

// EndWith returns the coverage end if months and days more were bought.
func (c Coverage) EndWith(months, days int) time.Time {
	return AddMonths(c.Start, c.Months+months).Add(time.Duration(c.Days+days) * 24 * time.Hour)
}

// Covers reports whether the coverage reaches at least n months past its start.
func (c Coverage) Covers(n int) bool {
	return !c.End.Before(AddMonths(c.Start, n))
}

// MonthsShort returns the fewest whole months that a renewal must add for the coverage to
// reach n months past its start; 0 when it already does.
func (c Coverage) MonthsShort(n int) int {
	want := AddMonths(c.Start, n)
	for k := 0; k <= n; k++ {
		if !c.EndWith(k, 0).Before(want) {
			return k
		}
	}
	return n
}

// ExpiresAt returns when the instance's subscription ends, and false when it has none.
func (in *Instance) ExpiresAt() (time.Time, bool) {
	c, ok := in.Coverage()
	return c.End, ok
}
