package icpcheck_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"pgregory.net/rapid"
)

func TestAddMonths(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	est := time.FixedZone("EST", -5*3600)
	for _, tt := range []struct {
		name string
		t    time.Time
		n    int
		want time.Time
	}{
		{"JanToFeb", time.Date(2026, 1, 31, 10, 0, 0, 0, cst), 1, time.Date(2026, 2, 28, 10, 0, 0, 0, cst)},
		{"JanToFebLeap", time.Date(2028, 1, 31, 10, 0, 0, 0, cst), 1, time.Date(2028, 2, 29, 10, 0, 0, 0, cst)},
		{"JanToApr", time.Date(2026, 1, 31, 10, 0, 0, 0, cst), 3, time.Date(2026, 4, 30, 10, 0, 0, 0, cst)},
		{"NoClamp", time.Date(2026, 1, 15, 0, 0, 0, 0, cst), 1, time.Date(2026, 2, 15, 0, 0, 0, 0, cst)},
		{"YearEnd", time.Date(2026, 12, 31, 23, 59, 59, 999, cst), 2, time.Date(2027, 2, 28, 23, 59, 59, 999, cst)},
		{"LeapDayPlusYear", time.Date(2028, 2, 29, 0, 0, 0, 0, cst), 12, time.Date(2029, 2, 28, 0, 0, 0, 0, cst)},
		{"ManyYears", time.Date(2026, 3, 31, 0, 0, 0, 0, cst), 25, time.Date(2028, 4, 30, 0, 0, 0, 0, cst)},
		{"Zero", time.Date(2026, 3, 31, 0, 0, 0, 0, cst), 0, time.Date(2026, 3, 31, 0, 0, 0, 0, cst)},
		{"Negative", time.Date(2026, 3, 31, 0, 0, 0, 0, cst), -1, time.Date(2026, 2, 28, 0, 0, 0, 0, cst)},
		{"NegativeAcrossYear", time.Date(2026, 1, 31, 0, 0, 0, 0, cst), -2, time.Date(2025, 11, 30, 0, 0, 0, 0, cst)},
		// In its own offset 2026-01-31T23:00-05:00 is January 31st, though it is February 1st
		// in UTC: the arithmetic follows the offset the time was given in.
		{"OwnOffset", time.Date(2026, 1, 31, 23, 0, 0, 0, est), 1, time.Date(2026, 2, 28, 23, 0, 0, 0, est)},
		{"UTC", time.Date(2026, 2, 1, 4, 0, 0, 0, time.UTC), 1, time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := icpcheck.AddMonths(tt.t, tt.n)
			if !got.Equal(tt.want) || got.Location() != tt.want.Location() {
				t.Fatalf("AddMonths(%v, %d)=%v, want %v", tt.t, tt.n, got, tt.want)
			}
		})
	}
}

// TestAddMonthsProperties checks what must hold for any time and month count: the result is
// in the right month, keeps the clock and offset, and keeps the day unless the month is too
// short for it.
func TestAddMonthsProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		offset := rapid.IntRange(-12, 14).Draw(t, "offset") * 3600
		zone := time.FixedZone("Z", offset)
		start := time.Date(rapid.IntRange(1990, 2100).Draw(t, "y"), time.Month(rapid.IntRange(1, 12).Draw(t, "m")),
			rapid.IntRange(1, 31).Draw(t, "d"), rapid.IntRange(0, 23).Draw(t, "h"), rapid.IntRange(0, 59).Draw(t, "min"), 0, 0, zone)
		n := rapid.IntRange(-600, 600).Draw(t, "n")
		got := icpcheck.AddMonths(start, n)
		months := (got.Year()-start.Year())*12 + int(got.Month()) - int(start.Month())
		if months != n {
			t.Fatalf("AddMonths(%v, %d)=%v: %d months apart", start, n, got, months)
		}
		if got.Hour() != start.Hour() || got.Minute() != start.Minute() || got.Location() != zone {
			t.Fatalf("AddMonths(%v, %d)=%v: clock or offset changed", start, n, got)
		}
		last := time.Date(got.Year(), got.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if want := min(start.Day(), last); got.Day() != want {
			t.Fatalf("AddMonths(%v, %d)=%v: day %d, want %d", start, n, got, got.Day(), want)
		}
	})
}

func TestCoverage(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	start := time.Date(2026, 1, 31, 10, 0, 0, 0, cst)
	order := func(typ icpcheck.OrderType, n int, unit icpcheck.Unit) icpcheck.Order {
		o := icpcheck.Order{Type: typ, Period: n, Unit: unit}
		if typ == icpcheck.OrderNew {
			o.Start = start
		}
		return o
	}
	for _, tt := range []struct {
		name   string
		orders []icpcheck.Order
		end    time.Time
		covers bool // at least 3 months
		short  int  // months short of 3
	}{
		{"OneMonth", []icpcheck.Order{order("new", 1, "month")}, time.Date(2026, 2, 28, 10, 0, 0, 0, cst), false, 2},
		{"RenewedTwice", []icpcheck.Order{order("new", 1, "month"), order("renewal", 1, "month"), order("renewal", 1, "month")}, time.Date(2026, 4, 30, 10, 0, 0, 0, cst), true, 0},
		{"OneYear", []icpcheck.Order{order("new", 1, "year")}, time.Date(2027, 1, 31, 10, 0, 0, 0, cst), true, 0},
		{"Weeks", []icpcheck.Order{order("new", 2, "week"), order("renewal", 1, "week")}, start.AddDate(0, 0, 21), false, 3},
		{"MonthsAndDays", []icpcheck.Order{order("new", 2, "month"), order("renewal", 30, "day")}, time.Date(2026, 3, 31, 10, 0, 0, 0, cst).AddDate(0, 0, 30), true, 0},
		{"MonthsAndTooFewDays", []icpcheck.Order{order("new", 2, "month"), order("renewal", 29, "day")}, time.Date(2026, 4, 29, 10, 0, 0, 0, cst), false, 1},
		{"NinetyDays", []icpcheck.Order{order("new", 90, "day")}, time.Date(2026, 5, 1, 10, 0, 0, 0, cst), true, 0},
		{"EightyNineDays", []icpcheck.Order{order("new", 89, "day")}, time.Date(2026, 4, 30, 10, 0, 0, 0, cst), true, 0},
		{"EightyEightDays", []icpcheck.Order{order("new", 88, "day")}, time.Date(2026, 4, 29, 10, 0, 0, 0, cst), false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := &icpcheck.Instance{Billing: icpcheck.BillingSubscription, Orders: tt.orders}
			c, ok := in.Coverage()
			if !ok {
				t.Fatal("no coverage")
			}
			if !c.End.Equal(tt.end) {
				t.Errorf("End=%v, want %v", c.End, tt.end)
			}
			if got := c.Covers(3); got != tt.covers {
				t.Errorf("Covers(3)=%v, want %v", got, tt.covers)
			}
			if got := c.MonthsShort(3); got != tt.short {
				t.Errorf("MonthsShort(3)=%d, want %d", got, tt.short)
			}
		})
	}
	t.Run("PayAsYouGo", func(t *testing.T) {
		in := &icpcheck.Instance{Billing: icpcheck.BillingPayAsYouGo, Orders: []icpcheck.Order{order("new", 1, "year")}}
		if _, ok := in.Coverage(); ok {
			t.Fatal("pay-as-you-go has coverage")
		}
	})
}

// TestLocalZone demands that the machine's time zone does not change the coverage: a start
// whose offset happens to be the local zone's must not take on the zone's daylight saving.
func TestLocalZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	saved := time.Local
	time.Local = berlin
	defer func() { time.Local = saved }()
	start, err := icpcheck.ParseTime("2023-11-15T07:06:39.5+01:00")
	if err != nil {
		t.Fatal(err)
	}
	got := icpcheck.AddMonths(start, 31)
	if want := "2026-06-15T07:06:39.5+01:00"; got.Format(time.RFC3339Nano) != want {
		t.Fatalf("AddMonths=%s, want %s", got.Format(time.RFC3339Nano), want)
	}
}

func TestAmountFen(t *testing.T) {
	for _, tt := range []struct {
		cny float64
		fen int64
	}{{0, 0}, {1.005, 101}, {1.004, 100}, {99.995, 10000}, {99.994, 9999}, {100, 10000}, {0.1, 10}, {123456.78, 12345678}, {1e10, 1e12}, {0.001, 0}, {0.005, 1}} {
		if got := (icpcheck.Order{AmountCNY: tt.cny}).AmountFen(); got != tt.fen {
			t.Errorf("AmountFen(%v)=%d, want %d", tt.cny, got, tt.fen)
		}
	}
}

// TestAmountFenProperty demands half-up rounding of every amount written with up to three
// decimals, as it was written.
func TestAmountFenProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		milli := rapid.Int64Range(0, 1e12).Draw(t, "milli")
		cny, _ := strconv.ParseFloat(strconv.FormatInt(milli/1000, 10)+"."+fmt.Sprintf("%03d", milli%1000), 64)
		if got, want := (icpcheck.Order{AmountCNY: cny}).AmountFen(), (milli+5)/10; got != want {
			t.Fatalf("AmountFen(%v)=%d, want %d", cny, got, want)
		}
	})
}
