package eligibility_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/policy"
)

var (
	cst = time.FixedZone("CST", 8*3600)
	at  = time.Date(2026, 11, 26, 12, 0, 0, 0, cst)
)

// instance returns an instance of product that passes every check of the default policy at
// `at`, for a case to break in one way.
func instance(product string) *icpcheck.Instance {
	bw, yes := 5.0, true
	in := &icpcheck.Instance{
		ID: "i-test", Product: product, Owner: "1234567890123456", Region: "cn-hangzhou",
		Status: icpcheck.StatusRunning, Billing: icpcheck.BillingSubscription,
		Orders:    []icpcheck.Order{{Type: icpcheck.OrderNew, Start: at.AddDate(0, -1, 0), Period: 1, Unit: icpcheck.UnitYear, AmountCNY: 500}},
		PublicIPs: []netip.Addr{netip.MustParseAddr("47.96.10.20")},
	}
	switch product {
	case "ecs", "simple_application_server", "ens":
		in.PublicBandwidthMbps = &bw
	}
	switch product {
	case "simple_application_server":
		in.ServerPurchased = &yes
	case "iot_studio":
		in.Edition = "enterprise"
	case "ens":
		in.Region = "cn-hangzhou-telecom"
	}
	return in
}

func orders(start time.Time, periods ...any) []icpcheck.Order {
	var out []icpcheck.Order
	for i := 0; i < len(periods); i += 2 {
		o := icpcheck.Order{Type: icpcheck.OrderRenewal, Period: periods[i].(int), Unit: icpcheck.Unit(periods[i+1].(string)), AmountCNY: 300}
		if i == 0 {
			o.Type, o.Start = icpcheck.OrderNew, start
		}
		out = append(out, o)
	}
	return out
}

// statuses returns "code=status" for each check that is not pass, in result order.
func statuses(r *icpcheck.CheckResult) []string {
	var out []string
	for _, c := range r.Checks {
		if c.Status != icpcheck.Pass {
			out = append(out, c.Code+"="+c.Status.String())
		}
	}
	return out
}

// skips are the checks each product does not require (SPEC section 3), and quota, which a
// stateless check skips.
var skips = map[string][]string{
	"ecs":                       {"server_purchased=skip", "order_amount=skip", "edition=skip", "quota=skip"},
	"web_hosting":               {"billing=skip", "public_bandwidth=skip", "server_purchased=skip", "order_amount=skip", "edition=skip", "quota=skip"},
	"simple_application_server": {"billing=skip", "public_bandwidth=skip", "order_amount=skip", "edition=skip", "quota=skip"},
	"ens":                       {"billing=skip", "public_bandwidth=skip", "server_purchased=skip", "order_amount=skip", "edition=skip", "quota=skip"},
	"marketplace":               {"region=skip", "billing=skip", "public_bandwidth=skip", "server_purchased=skip", "edition=skip", "quota=skip"},
	"iot_studio":                {"billing=skip", "subscription=skip", "public_bandwidth=skip", "server_purchased=skip", "quota=skip"},
}

// TestProducts demands that each product's valid instance passes, with exactly the checks it
// does not require skipped.
func TestProducts(t *testing.T) {
	for product, want := range skips {
		t.Run(product, func(t *testing.T) {
			r := eligibility.Check(instance(product), policy.Default(), at)
			if got := statuses(r); !slices.Equal(got, want) {
				t.Fatalf("non-passing=%v, want %v", got, want)
			}
			if !r.Eligible() {
				t.Fatal("not eligible")
			}
		})
	}
}

// TestRules breaks one thing at a time and demands exactly the failures (and warnings) it
// causes, for every product it matters to.
func TestRules(t *testing.T) {
	bw0, bw01, no := 0.0, 0.1, false
	for _, tt := range []struct {
		name     string
		products []string
		edit     func(in *icpcheck.Instance)
		want     []string // the checks that do not pass and are not the product's skips
		key      string   // the message key of the first of them, when it matters
	}{
		{"ProviderOther", []string{"ecs", "marketplace"}, func(in *icpcheck.Instance) { in.Provider = "tencent" }, []string{"provider=fail"}, "check.provider.fail"},
		{"ProviderSelfManaged", []string{"ecs"}, func(in *icpcheck.Instance) { in.Provider = "self_managed" }, []string{"provider=fail"}, "check.provider.fail_self_managed"},
		{"ProviderOwn", []string{"ecs"}, func(in *icpcheck.Instance) { in.Provider = "alibaba" }, nil, ""},
		{"RegionHongKong", []string{"ecs", "web_hosting", "simple_application_server", "iot_studio"}, func(in *icpcheck.Instance) { in.Region = "cn-hongkong" }, []string{"region=fail"}, "check.region.fail"},
		{"RegionAbroad", []string{"ecs"}, func(in *icpcheck.Instance) { in.Region = "ap-southeast-1" }, []string{"region=fail"}, ""},
		{"RegionUS", []string{"ens"}, func(in *icpcheck.Instance) { in.Region = "us-west-1" }, []string{"region=fail"}, ""},
		{"RegionMissing", []string{"ecs"}, func(in *icpcheck.Instance) { in.Region = "" }, []string{"region=fail"}, "check.region.fail_missing"},
		{"RegionIrrelevant", []string{"marketplace"}, func(in *icpcheck.Instance) { in.Region = "cn-hongkong" }, nil, ""},
		{"RegionENSNode", []string{"ens"}, func(in *icpcheck.Instance) { in.Region = "cn-wuhan-mobile" }, nil, ""},
		{"RegionENSHongKongNode", []string{"ens"}, func(in *icpcheck.Instance) { in.Region = "cn-hongkong-telecom" }, []string{"region=fail"}, ""},
		{"RegionWuhanLR", []string{"ecs"}, func(in *icpcheck.Instance) { in.Region = "cn-wuhan-lr" }, nil, ""},
		{"Stopped", []string{"ecs", "iot_studio"}, func(in *icpcheck.Instance) { in.Status = icpcheck.StatusStopped }, []string{"status=fail"}, "check.status.fail"},
		{"Released", []string{"ecs"}, func(in *icpcheck.Instance) { in.Status = icpcheck.StatusReleased }, []string{"status=fail"}, ""},
		{"NoPublicIP", []string{"ecs", "web_hosting", "simple_application_server", "ens", "marketplace", "iot_studio"}, func(in *icpcheck.Instance) { in.PublicIPs = nil }, []string{"public_ip=fail"}, "check.public_ip.fail"},
		{"PayAsYouGoECS", []string{"ecs"}, func(in *icpcheck.Instance) { in.Billing, in.Orders = icpcheck.BillingPayAsYouGo, nil }, []string{"billing=fail", "subscription=fail", "expiry=skip"}, "check.billing.fail"},
		{"PayAsYouGoWebHosting", []string{"web_hosting", "ens"}, func(in *icpcheck.Instance) { in.Billing, in.Orders = icpcheck.BillingPayAsYouGo, nil }, []string{"subscription=fail", "expiry=skip"}, "check.subscription.fail_payg"},
		{"PayAsYouGoIoT", []string{"iot_studio"}, func(in *icpcheck.Instance) { in.Billing = icpcheck.BillingPayAsYouGo }, []string{"expiry=skip"}, ""},
		{"TwoMonths", []string{"ecs", "web_hosting", "simple_application_server", "ens", "marketplace"}, func(in *icpcheck.Instance) { in.Orders = orders(at.AddDate(0, 0, -10), 2, "month") }, []string{"subscription=fail"}, "check.subscription.fail"},
		{"TwoMonthsIoT", []string{"iot_studio"}, func(in *icpcheck.Instance) { in.Orders = orders(at.AddDate(0, 0, -10), 2, "month") }, nil, ""},
		{"ThreeMonthsExactly", []string{"ecs"}, func(in *icpcheck.Instance) { in.Orders = orders(at.AddDate(0, 0, -10), 3, "month") }, nil, ""},
		{"RenewedToThree", []string{"ecs"}, func(in *icpcheck.Instance) {
			in.Orders = orders(at.AddDate(0, 0, -10), 1, "month", 1, "month", 1, "month")
		}, nil, ""},
		{"TwelveWeeks", []string{"ecs"}, func(in *icpcheck.Instance) { in.Orders = orders(at.AddDate(0, 0, -10), 12, "week") }, []string{"subscription=fail"}, ""},
		{"ThirteenWeeksShortOfThreeMonths", []string{"ecs"}, func(in *icpcheck.Instance) { in.Orders = orders(at.AddDate(0, 0, -10), 13, "week") }, []string{"subscription=fail"}, ""},
		{"FourteenWeeks", []string{"ecs"}, func(in *icpcheck.Instance) { in.Orders = orders(at.AddDate(0, 0, -10), 14, "week") }, nil, ""},
		{"NoBandwidth", []string{"ecs"}, func(in *icpcheck.Instance) { in.PublicBandwidthMbps = &bw0 }, []string{"public_bandwidth=fail"}, "check.public_bandwidth.fail"},
		{"BandwidthAbsent", []string{"ecs"}, func(in *icpcheck.Instance) { in.PublicBandwidthMbps = nil }, []string{"public_bandwidth=fail"}, ""},
		{"BandwidthTiny", []string{"ecs"}, func(in *icpcheck.Instance) { in.PublicBandwidthMbps = &bw01 }, nil, ""},
		{"BandwidthIrrelevant", []string{"simple_application_server", "ens"}, func(in *icpcheck.Instance) { in.PublicBandwidthMbps = &bw0 }, nil, ""},
		{"NoServer", []string{"simple_application_server"}, func(in *icpcheck.Instance) { in.ServerPurchased = &no }, []string{"server_purchased=fail"}, "check.server_purchased.fail"},
		{"ServerAbsent", []string{"simple_application_server"}, func(in *icpcheck.Instance) { in.ServerPurchased = nil }, []string{"server_purchased=fail"}, ""},
		{"Orders99", []string{"marketplace", "iot_studio"}, func(in *icpcheck.Instance) { in.Orders[0].AmountCNY = 99.99 }, []string{"order_amount=fail"}, "check.order_amount.fail"},
		{"Orders100", []string{"marketplace", "iot_studio"}, func(in *icpcheck.Instance) { in.Orders[0].AmountCNY = 100 }, nil, ""},
		{"Orders100Rounded", []string{"marketplace"}, func(in *icpcheck.Instance) { in.Orders[0].AmountCNY = 99.999 }, nil, ""},
		{"ManySmallOrders", []string{"marketplace"}, func(in *icpcheck.Instance) {
			in.Orders = orders(at.AddDate(0, 0, -10), 1, "month", 1, "month", 1, "month")
			for i := range in.Orders {
				in.Orders[i].AmountCNY = 60
			}
		}, []string{"order_amount=fail"}, ""},
		{"RenewalReaches100", []string{"marketplace"}, func(in *icpcheck.Instance) {
			in.Orders = orders(at.AddDate(0, 0, -10), 1, "month", 2, "month")
			in.Orders[0].AmountCNY, in.Orders[1].AmountCNY = 40, 100
		}, nil, ""},
		{"EditionBasic", []string{"iot_studio"}, func(in *icpcheck.Instance) { in.Edition = "basic" }, []string{"edition=fail"}, "check.edition.fail"},
		{"EditionUltimate", []string{"iot_studio"}, func(in *icpcheck.Instance) { in.Edition = "ultimate" }, nil, ""},
		{"EditionAbsent", []string{"iot_studio"}, func(in *icpcheck.Instance) { in.Edition = "" }, []string{"edition=fail"}, "check.edition.fail_missing"},
		{"EditionIrrelevant", []string{"ecs"}, func(in *icpcheck.Instance) { in.Edition = "basic" }, nil, ""},
		{"Expired", []string{"ecs", "iot_studio"}, func(in *icpcheck.Instance) { in.Orders = orders(at.AddDate(-1, 0, -1), 1, "year") }, []string{"expiry=fail"}, "check.expiry.fail"},
		{"ExpiresAtThatMoment", []string{"ecs"}, func(in *icpcheck.Instance) { in.Orders = orders(icpcheck.AddMonths(at, -3), 3, "month") }, []string{"expiry=fail"}, ""},
		{"ExpiresOneSecondLater", []string{"ecs"}, func(in *icpcheck.Instance) {
			in.Orders = orders(icpcheck.AddMonths(at, -3).Add(time.Second), 3, "month")
		}, []string{"expiry=warn"}, "check.expiry.warn"},
		{"ExpiresIn30Days", []string{"ecs"}, func(in *icpcheck.Instance) { in.Orders = orders(at.AddDate(0, 0, 30).AddDate(0, -3, 0), 3, "month") }, []string{"expiry=warn"}, ""},
		{"ExpiresIn30DaysAndASecond", []string{"ecs"}, func(in *icpcheck.Instance) {
			in.Orders = orders(at.Add(30*24*time.Hour+time.Second).AddDate(0, -3, 0), 3, "month")
		}, nil, ""},
		{"UnknownProduct", []string{"ecs"}, func(in *icpcheck.Instance) { in.Product = "slb" }, []string{"product=fail", "region=skip", "billing=skip", "subscription=skip", "public_bandwidth=skip", "server_purchased=skip", "order_amount=skip", "edition=skip", "quota=skip"}, "check.product.fail"},
	} {
		for _, product := range tt.products {
			t.Run(tt.name+"/"+product, func(t *testing.T) {
				in := instance(product)
				tt.edit(in)
				if err := in.Validate(); err != nil {
					t.Fatalf("the case is not a valid instance: %v", err)
				}
				r := eligibility.Check(in, policy.Default(), at)
				var got []string
				for _, s := range statuses(r) {
					if !slices.Contains(skips[product], s) || tt.name == "UnknownProduct" {
						got = append(got, s)
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("non-passing=%v, want %v", got, tt.want)
				}
				if wantEligible := !slices.ContainsFunc(tt.want, func(s string) bool { return strings.HasSuffix(s, "=fail") }); r.Eligible() != wantEligible {
					t.Fatalf("Eligible=%v, want %v", r.Eligible(), wantEligible)
				}
				if tt.key != "" {
					if c := r.Find(strings.Split(tt.want[0], "=")[0]); c.Key != tt.key {
						t.Fatalf("key=%q, want %q", c.Key, tt.key)
					}
				}
			})
		}
	}
}

func TestQuota(t *testing.T) {
	in := instance("marketplace")
	for _, tt := range []struct {
		issued int
		status icpcheck.CheckStatus
	}{{0, icpcheck.Pass}, {1, icpcheck.Pass}, {2, icpcheck.Fail}, {3, icpcheck.Fail}} {
		r := eligibility.CheckWithLedger(in, policy.Default(), at, tt.issued)
		c := r.Find(icpcheck.CodeQuota)
		if c.Status != tt.status {
			t.Errorf("issued %d: quota=%v, want %v", tt.issued, c.Status, tt.status)
		}
		if r.EligibleForUse() != true {
			t.Errorf("issued %d: EligibleForUse=false; quota must not matter for use", tt.issued)
		}
		if r.Eligible() != (tt.status == icpcheck.Pass) {
			t.Errorf("issued %d: Eligible=%v", tt.issued, r.Eligible())
		}
	}
}

func TestRemedies(t *testing.T) {
	in := instance("ecs")
	in.Orders = orders(at.AddDate(0, 0, -1), 1, "month")
	r := eligibility.Check(in, policy.Default(), at)
	c := r.Find(icpcheck.CodeSubscription)
	if c.Status != icpcheck.Fail || c.Got != "2" {
		t.Fatalf("subscription=%v months short=%q, want fail and 2", c.Status, c.Got)
	}
	if got := c.RemedyMessage(i18n.EN); got != "Renew for at least 2 more month(s)." {
		t.Fatalf("remedy=%q", got)
	}
}

// TestMessages renders every check of many instances in both languages and demands real text
// from the catalog: no key left unrendered, no empty message, a remedy for every failure.
func TestMessages(t *testing.T) {
	p := policy.Default()
	for product := range skips {
		for _, edit := range []func(*icpcheck.Instance){
			func(*icpcheck.Instance) {},
			func(in *icpcheck.Instance) {
				in.Region, in.Status, in.PublicIPs, in.Provider, in.Edition = "cn-hongkong", icpcheck.StatusStopped, nil, "tencent", "basic"
				in.Orders = orders(at.AddDate(-1, 0, -5), 1, "month")
				in.Orders[0].AmountCNY = 5
				in.PublicBandwidthMbps, in.ServerPurchased = nil, nil
			},
			func(in *icpcheck.Instance) {
				in.Billing, in.Orders, in.Product = icpcheck.BillingPayAsYouGo, nil, product
			},
		} {
			in := instance(product)
			edit(in)
			for _, issued := range []int{0, 9} {
				r := eligibility.CheckWithLedger(in, p, at, issued)
				for _, c := range r.Checks {
					if !i18n.Has(c.Key) {
						t.Errorf("%s %s: key %q not in the catalog", product, c.Code, c.Key)
					}
					if c.Status == icpcheck.Fail && !i18n.Has(c.Remedy) {
						t.Errorf("%s %s: failing without a remedy (%q)", product, c.Code, c.Remedy)
					}
					for _, lang := range i18n.Langs {
						if msg := c.Message(lang); msg == "" || strings.Contains(msg, "{") {
							t.Errorf("%s %s %s: message %q", product, c.Code, lang, msg)
						}
					}
				}
			}
		}
	}
}
