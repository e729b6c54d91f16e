package eligibility_test

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/policy"
	"pgregory.net/rapid"
)

// genInstance draws a valid instance: any product (one not in the policy too), region,
// status, billing, orders of every unit, IPs, bandwidth, edition.
func genInstance(t *rapid.T) *icpcheck.Instance {
	in := &icpcheck.Instance{
		ID:       "i-" + rapid.StringMatching(`[a-z0-9]{4,12}`).Draw(t, "id"),
		Product:  rapid.SampledFrom([]string{"ecs", "web_hosting", "simple_application_server", "ens", "marketplace", "iot_studio", "slb"}).Draw(t, "product"),
		Provider: rapid.SampledFrom([]string{"", "alibaba", "tencent", "self_managed"}).Draw(t, "provider"),
		Owner:    "1234567890123456",
		Region:   rapid.SampledFrom([]string{"", "cn-hangzhou", "cn-wuhan-lr", "cn-hongkong", "ap-southeast-1", "cn-beijing-unicom", "cn-hongkong-telecom"}).Draw(t, "region"),
		Status:   rapid.SampledFrom([]icpcheck.InstanceStatus{"running", "stopped", "expired", "released"}).Draw(t, "status"),
		Billing:  rapid.SampledFrom([]icpcheck.Billing{"subscription", "pay_as_you_go"}).Draw(t, "billing"),
		Edition:  rapid.SampledFrom([]string{"", "basic", "enterprise", "ultimate"}).Draw(t, "edition"),
	}
	n := rapid.IntRange(0, 4).Draw(t, "orders")
	if in.Billing == icpcheck.BillingSubscription {
		n = max(n, 1)
	}
	for i := range n {
		in.Orders = append(in.Orders, genOrder(t, i == 0))
	}
	for i := range rapid.IntRange(0, 2).Draw(t, "ips") {
		in.PublicIPs = append(in.PublicIPs, netip.AddrFrom4([4]byte{47, 96, 0, byte(i + 1)}))
	}
	if rapid.Bool().Draw(t, "has_bw") {
		bw := rapid.SampledFrom([]float64{0, 0.5, 1, 100}).Draw(t, "bw")
		in.PublicBandwidthMbps = &bw
	}
	if rapid.Bool().Draw(t, "has_sp") {
		sp := rapid.Bool().Draw(t, "sp")
		in.ServerPurchased = &sp
	}
	return in
}

func genOrder(t *rapid.T, first bool) icpcheck.Order {
	o := icpcheck.Order{
		Type:      icpcheck.OrderRenewal,
		Period:    rapid.IntRange(1, 36).Draw(t, "period"),
		Unit:      rapid.SampledFrom([]icpcheck.Unit{"day", "week", "month", "year"}).Draw(t, "unit"),
		AmountCNY: float64(rapid.IntRange(0, 50000).Draw(t, "fen")) / 100,
	}
	if first {
		o.Type = icpcheck.OrderNew
		o.Start = at.Add(-time.Duration(rapid.IntRange(0, 3*365*24).Draw(t, "hours_ago")) * time.Hour).
			In(rapid.SampledFrom([]*time.Location{cst, time.UTC, time.FixedZone("X", -7*3600)}).Draw(t, "zone"))
	}
	return o
}

// TestPropertyShape demands that every result has the built-in checks once each, in order,
// and that Eligible means no check failed.
func TestPropertyShape(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := genInstance(t)
		if err := in.Validate(); err != nil {
			t.Fatalf("generated an invalid instance: %v", err)
		}
		r := eligibility.Check(in, policy.Default(), at)
		if len(r.Checks) != len(icpcheck.Codes) {
			t.Fatalf("%d checks, want %d", len(r.Checks), len(icpcheck.Codes))
		}
		failed := false
		for i, c := range r.Checks {
			if c.Code != icpcheck.Codes[i] {
				t.Fatalf("check %d is %s, want %s", i, c.Code, icpcheck.Codes[i])
			}
			failed = failed || c.Status == icpcheck.Fail
		}
		if r.Eligible() == failed {
			t.Fatalf("Eligible=%v with a failing check=%v", r.Eligible(), failed)
		}
	})
}

// TestPropertyRenewal demands that a renewal never turns a passing subscription check into a
// failing one, never moves the expiry earlier, and never changes a check that does not look
// at orders.
func TestPropertyRenewal(t *testing.T) {
	orderChecks := map[string]bool{icpcheck.CodeSubscription: true, icpcheck.CodeExpiry: true, icpcheck.CodeOrderAmount: true}
	rapid.Check(t, func(t *rapid.T) {
		in := genInstance(t)
		before := eligibility.Check(in, policy.Default(), at)
		renewed := *in
		renewed.Orders = append(append([]icpcheck.Order{}, in.Orders...), genOrder(t, len(in.Orders) == 0))
		if renewed.Validate() != nil {
			t.Skip("the renewal makes the coverage too long")
		}
		after := eligibility.Check(&renewed, policy.Default(), at)
		for i, b := range before.Checks {
			a := after.Checks[i]
			switch {
			case b.Code == icpcheck.CodeSubscription && b.Status == icpcheck.Pass && a.Status != icpcheck.Pass:
				t.Fatalf("renewal turned subscription from pass to %v", a.Status)
			case b.Code == icpcheck.CodeOrderAmount && b.Status == icpcheck.Pass && a.Status != icpcheck.Pass:
				t.Fatalf("another order turned order_amount from pass to %v", a.Status)
			case !orderChecks[b.Code] && b.Status != a.Status:
				t.Fatalf("renewal changed %s from %v to %v", b.Code, b.Status, a.Status)
			}
		}
		if !before.ExpiresAt.IsZero() && after.ExpiresAt.Before(before.ExpiresAt) {
			t.Fatalf("renewal moved expiry from %v to %v", before.ExpiresAt, after.ExpiresAt)
		}
	})
}

// TestPropertyTime demands that checking later never un-expires an instance.
func TestPropertyTime(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := genInstance(t)
		later := at.Add(time.Duration(rapid.Int64Range(0, int64(400*24*time.Hour)).Draw(t, "later")))
		a := eligibility.Check(in, policy.Default(), at).Find(icpcheck.CodeExpiry).Status
		b := eligibility.Check(in, policy.Default(), later).Find(icpcheck.CodeExpiry).Status
		rank := map[icpcheck.CheckStatus]int{icpcheck.Skip: -1, icpcheck.Pass: 0, icpcheck.Warn: 1, icpcheck.Fail: 2}
		if rank[b] < rank[a] {
			t.Fatalf("expiry %v at %v but %v later, at %v", a, at, b, later)
		}
	})
}

// TestPropertyPure demands that checking does not change the instance and that the same
// input gives the same result, also through Evaluate's reused storage.
func TestPropertyPure(t *testing.T) {
	var reused icpcheck.CheckResult
	rapid.Check(t, func(t *rapid.T) {
		in := genInstance(t)
		copied := *in
		copied.Orders = append([]icpcheck.Order(nil), in.Orders...)
		first := eligibility.Check(in, policy.Default(), at)
		eligibility.Evaluate(&reused, in, policy.Default(), at, eligibility.Ledger{})
		if !reflect.DeepEqual(first.Checks, reused.Checks) || first.Eligible() != reused.Eligible() {
			t.Fatal("Evaluate with reused storage differs from Check")
		}
		if !reflect.DeepEqual(in.Orders, copied.Orders) || in.Product != copied.Product {
			t.Fatal("the check changed the instance")
		}
	})
}
