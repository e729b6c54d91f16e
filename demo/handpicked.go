package demo

import (
	"net/netip"
	"time"

	"github.com/icpcheck/icpcheck"
)

// HandPicked returns the instances that open every demo inventory: Customer's, one for each
// failure mode of the checks, dated relative to at so that the demo reads the same any day.
func HandPicked(at time.Time) []*icpcheck.Instance {
	at = at.In(cst).Truncate(time.Hour)
	ago := func(days int) time.Time { return at.AddDate(0, 0, -days) }
	bw := func(v float64) *float64 { return &v }
	yes, no := true, false
	ip := func(s string) []netip.Addr { return []netip.Addr{netip.MustParseAddr(s)} }
	sub := func(start time.Time, n int, unit icpcheck.Unit, cny float64, renewals ...icpcheck.Order) []icpcheck.Order {
		return append([]icpcheck.Order{{Type: icpcheck.OrderNew, Start: start, Period: n, Unit: unit, AmountCNY: cny}}, renewals...)
	}
	renew := func(n int, unit icpcheck.Unit, cny float64) icpcheck.Order {
		return icpcheck.Order{Type: icpcheck.OrderRenewal, Period: n, Unit: unit, AmountCNY: cny}
	}
	ecs := func(id string) *icpcheck.Instance {
		return &icpcheck.Instance{
			ID: id, Product: "ecs", Owner: Customer, Region: "cn-hangzhou", Status: icpcheck.StatusRunning,
			Billing: icpcheck.BillingSubscription, Orders: sub(ago(60), 1, icpcheck.UnitYear, 1200),
			PublicIPs: ip("47.96.10.20"), PublicBandwidthMbps: bw(5),
		}
	}
	list := []*icpcheck.Instance{}
	add := func(in *icpcheck.Instance, edit func(in *icpcheck.Instance)) {
		if edit != nil {
			edit(in)
		}
		list = append(list, in)
	}

	add(ecs("i-demo-eligible"), nil)
	add(ecs("i-demo-expiring"), func(in *icpcheck.Instance) {
		in.Orders = sub(ago(80), 1, icpcheck.UnitMonth, 120, renew(2, icpcheck.UnitMonth, 240))
		in.PublicIPs = ip("47.96.10.21")
	})
	add(ecs("i-demo-payg"), func(in *icpcheck.Instance) {
		in.Billing, in.Orders, in.PublicIPs = icpcheck.BillingPayAsYouGo, []icpcheck.Order{}, ip("47.96.10.22")
	})
	add(ecs("i-demo-hongkong"), func(in *icpcheck.Instance) { in.Region, in.PublicIPs = "cn-hongkong", ip("47.242.10.23") })
	add(ecs("i-demo-no-bandwidth"), func(in *icpcheck.Instance) { in.PublicBandwidthMbps, in.PublicIPs = bw(0), ip("47.96.10.24") })
	add(ecs("i-demo-one-month"), func(in *icpcheck.Instance) {
		in.Orders, in.PublicIPs = sub(ago(10), 1, icpcheck.UnitMonth, 99), ip("47.96.10.25")
	})
	add(ecs("i-demo-stopped"), func(in *icpcheck.Instance) { in.Status, in.PublicIPs = icpcheck.StatusStopped, ip("47.96.10.26") })
	add(ecs("i-demo-expired"), func(in *icpcheck.Instance) {
		in.Status, in.Orders, in.PublicIPs = icpcheck.StatusExpired, sub(ago(400), 1, icpcheck.UnitYear, 1000), ip("47.96.10.27")
	})
	add(ecs("i-demo-no-ip"), func(in *icpcheck.Instance) { in.PublicIPs = []netip.Addr{} })
	add(&icpcheck.Instance{
		ID: "sas-demo-no-server", Product: "simple_application_server", Owner: Customer, Region: "cn-shanghai",
		Status: icpcheck.StatusRunning, Billing: icpcheck.BillingSubscription, Orders: sub(ago(20), 3, icpcheck.UnitMonth, 180),
		PublicIPs: ip("47.96.10.28"), PublicBandwidthMbps: bw(5), ServerPurchased: &no,
	}, nil)
	add(&icpcheck.Instance{
		ID: "sas-demo-eligible", Product: "simple_application_server", Owner: Customer, Region: "cn-shanghai",
		Status: icpcheck.StatusRunning, Billing: icpcheck.BillingSubscription, Orders: sub(ago(20), 1, icpcheck.UnitYear, 600),
		PublicIPs: ip("47.96.10.29"), PublicBandwidthMbps: bw(3), ServerPurchased: &yes,
	}, nil)
	add(&icpcheck.Instance{
		ID: "iot-demo-basic", Product: "iot_studio", Owner: Customer, Region: "cn-beijing", Status: icpcheck.StatusRunning,
		Billing: icpcheck.BillingSubscription, Orders: sub(ago(25), 1, icpcheck.UnitYear, 90), PublicIPs: ip("47.96.10.30"), Edition: "basic",
	}, nil)
	add(&icpcheck.Instance{
		ID: "iot-demo-ultimate", Product: "iot_studio", Owner: Customer, Region: "cn-beijing", Status: icpcheck.StatusRunning,
		Billing: icpcheck.BillingSubscription, Orders: sub(ago(25), 1, icpcheck.UnitYear, 3000), PublicIPs: ip("47.96.10.31"), Edition: "ultimate",
	}, nil)
	add(&icpcheck.Instance{
		ID: "mkt-demo-exactly-100", Product: "marketplace", Owner: Customer, Status: icpcheck.StatusRunning,
		Billing: icpcheck.BillingSubscription, Orders: sub(ago(40), 3, icpcheck.UnitMonth, 100), PublicIPs: ip("47.96.10.32"),
	}, nil)
	add(&icpcheck.Instance{
		ID: "wh-demo-eligible", Product: "web_hosting", Owner: Customer, Region: "cn-qingdao", Status: icpcheck.StatusRunning,
		Billing: icpcheck.BillingSubscription, Orders: sub(ago(100), 1, icpcheck.UnitYear, 180), PublicIPs: ip("47.96.10.33"),
	}, nil)
	add(&icpcheck.Instance{
		ID: "ens-demo-node", Product: "ens", Owner: Customer, Region: "cn-hangzhou-telecom", Status: icpcheck.StatusRunning,
		Billing: icpcheck.BillingSubscription, Orders: sub(ago(30), 6, icpcheck.UnitMonth, 480), PublicIPs: ip("47.96.10.34"), PublicBandwidthMbps: bw(10),
	}, nil)
	add(ecs("i-demo-tencent"), func(in *icpcheck.Instance) { in.Provider, in.PublicIPs = "tencent", ip("43.128.10.35") })
	add(ecs("i-demo-self-managed"), func(in *icpcheck.Instance) { in.Provider, in.PublicIPs = "self_managed", ip("58.32.10.36") })
	add(ecs("lb-demo-slb"), func(in *icpcheck.Instance) { in.Product, in.PublicIPs = "slb", ip("47.96.10.37") })
	add(ecs("i-demo-other-customer"), func(in *icpcheck.Instance) { in.Owner, in.PublicIPs = OtherCustomer, ip("47.96.10.38") })
	return list
}
