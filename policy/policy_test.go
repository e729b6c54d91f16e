package policy_test

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/policy"
)

// TestDefault demands that the embedded policy is SPEC section 3's Table 1.
func TestDefault(t *testing.T) {
	p := policy.Default()
	if p.Provider != "alibaba" || p.Reminder.Window() != 30 || len(p.Reminder.Days) != 4 {
		t.Fatalf("provider=%q reminders=%v", p.Provider, p.Reminder.Days)
	}
	for _, tt := range []struct {
		product                              string
		quota, months, resourceType          int
		mainland, billing, bandwidth, server bool
		minFen                               int64
		editions                             string
	}{
		{"ecs", 5, 3, 1, true, true, true, false, 0, ""},
		{"web_hosting", 5, 3, 9, true, false, false, false, 0, ""},
		{"simple_application_server", 5, 3, 0, true, false, false, true, 0, ""},
		{"ens", 5, 3, 8, true, false, false, false, 0, ""},
		{"marketplace", 2, 3, 4, false, false, false, false, 10000, ""},
		{"iot_studio", 1, 0, 0, true, false, false, false, 10000, "enterprise,ultimate"},
	} {
		r := p.Product(tt.product)
		if r == nil {
			t.Fatalf("no %s", tt.product)
		}
		if r.Quota != tt.quota || r.MinMonths != tt.months || r.ResourceType != tt.resourceType || r.Mainland != tt.mainland ||
			r.SubscriptionBilling != tt.billing || r.PublicBandwidth != tt.bandwidth || r.ServerPurchased != tt.server ||
			r.MinOrderFen != tt.minFen || strings.Join(r.Editions, ",") != tt.editions || r.AccessMethod == "" {
			t.Errorf("%s = %+v", tt.product, r)
		}
	}
	for _, region := range []string{"cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou", "cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-shenzhen", "cn-heyuan", "cn-guangzhou", "cn-chengdu", "cn-wuhan-lr", "cn-hangzhou-telecom", "cn-xian-unicom", "cn-lanzhou-mobile"} {
		if !p.IsMainland(region) {
			t.Errorf("%s is not mainland", region)
		}
	}
	for _, region := range []string{"cn-hongkong", "cn-hongkong-telecom", "cn-macau-mobile", "ap-southeast-1", "us-west-1", "eu-central-1", "me-east-1", "cn-hangzhou-satellite", "", "cn"} {
		if p.IsMainland(region) {
			t.Errorf("%s is mainland", region)
		}
	}
	if p.ProductByResourceType(1).Name != "ecs" || p.ProductByResourceType(2) != nil || p.ProductByResourceType(0) != nil {
		t.Error("ProductByResourceType")
	}
}

var (
	cst = time.FixedZone("CST", 8*3600)
	at  = time.Date(2026, 11, 26, 12, 0, 0, 0, cst)
)

func tianyun(t *testing.T) *icpcheck.Policy {
	t.Helper()
	p, _, err := policy.Load("../examples/policy-tianyun.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOtherProvider runs the engine under a policy that is not Alibaba Cloud's: other
// regions, another minimum, other quotas and reminders, and CEL conditions.
func TestOtherProvider(t *testing.T) {
	p := tianyun(t)
	vps := func(months int, bw float64) *icpcheck.Instance {
		return &icpcheck.Instance{
			ID: "vps-1", Product: "vps", Owner: "42", Region: "sh-1", Status: icpcheck.StatusRunning, Billing: icpcheck.BillingSubscription,
			Orders:              []icpcheck.Order{{Type: icpcheck.OrderNew, Start: at.AddDate(0, 0, -7), Period: months, Unit: icpcheck.UnitMonth, AmountCNY: 10}},
			PublicIPs:           []netip.Addr{netip.MustParseAddr("203.0.113.7")},
			PublicBandwidthMbps: &bw,
		}
	}
	for _, tt := range []struct {
		name   string
		in     *icpcheck.Instance
		issued int
		fail   []string
		warn   []string
	}{
		{"FiveMonths", vps(5, 5), 0, []string{"subscription"}, []string{"yearly_subscription"}},
		{"SixMonths", vps(6, 5), 0, nil, []string{"yearly_subscription"}},
		{"Year", vps(12, 5), 0, nil, nil},
		{"LowBandwidth", vps(12, 1), 0, []string{"min_bandwidth"}, nil},
		{"QuotaThree", vps(12, 5), 3, []string{"quota"}, nil},
		{"QuotaTwo", vps(12, 5), 2, nil, nil},
		{"AlibabaRegion", func() *icpcheck.Instance { in := vps(12, 5); in.Region = "cn-hangzhou"; return in }(), 0, []string{"region"}, nil},
		{"EdgeSite", func() *icpcheck.Instance { in := vps(12, 5); in.Region = "edge-wuhan-3"; return in }(), 0, nil, nil},
		{"EdgeHongKong", func() *icpcheck.Instance { in := vps(12, 5); in.Region = "edge-hk-1"; return in }(), 0, []string{"region"}, nil},
		{"AlibabaInstance", func() *icpcheck.Instance { in := vps(12, 5); in.Provider = "alibaba"; return in }(), 0, []string{"provider"}, nil},
		{"ECSUnknownHere", func() *icpcheck.Instance { in := vps(12, 5); in.Product = "ecs"; return in }(), 0, []string{"product"}, nil},
		{"ExpiresIn40Days", func() *icpcheck.Instance {
			in := vps(12, 5)
			in.Orders[0].Start = icpcheck.AddMonths(at.AddDate(0, 0, 40), -12)
			return in
		}(), 0, nil, []string{"expiry"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.in.Validate(); err != nil {
				t.Fatal(err)
			}
			r := eligibility.CheckWithLedger(tt.in, p, at, tt.issued)
			if got := strings.Join(r.Codes(icpcheck.Fail), ","); got != strings.Join(tt.fail, ",") {
				t.Errorf("fail=%s, want %v", got, tt.fail)
			}
			if got := strings.Join(r.Codes(icpcheck.Warn), ","); got != strings.Join(tt.warn, ",") {
				t.Errorf("warn=%s, want %v", got, tt.warn)
			}
		})
	}
	t.Run("ConditionMessages", func(t *testing.T) {
		r := eligibility.Check(vps(12, 1), p, at)
		c := r.Find("min_bandwidth")
		if c.Message(i18n.ZH) != "天云要求云主机公网带宽至少 2 Mbps。" || c.RemedyMessage(i18n.EN) != "Upgrade the public bandwidth to 2 Mbps or more." {
			t.Fatalf("messages %q / %q", c.Message(i18n.ZH), c.RemedyMessage(i18n.EN))
		}
		ok := eligibility.Check(vps(12, 5), p, at).Find("min_bandwidth")
		if ok.Status != icpcheck.Pass || ok.Message(i18n.EN) != "Public bandwidth is at least 2 Mbps." {
			t.Fatalf("passing condition: %v %q", ok.Status, ok.Message(i18n.EN))
		}
	})
	t.Run("ConditionNotForProduct", func(t *testing.T) {
		in := vps(12, 1)
		in.Product, in.Billing = "vhost", icpcheck.BillingPayAsYouGo
		in.Orders = nil
		if r := eligibility.Check(in, p, at); r.Find("min_bandwidth") != nil {
			t.Fatal("the vps condition ran on a vhost")
		}
	})
}

// TestProblems feeds broken documents and demands each problem with its location.
func TestProblems(t *testing.T) {
	valid, err := os.ReadFile("default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		doc  string
		want []string // "line:col path key" of each problem, in order
	}{
		{"Syntax", "provider: [a", []string{"1:1  policy.bad_yaml"}},
		{"Empty", "", []string{"1:1  policy.empty"}},
		{"NotMapping", "- a\n- b\n", []string{"1:1  policy.want_mapping"}},
		{"Missing", "provider: x\n", []string{
			"1:1 effective policy.missing_key", "1:1 products policy.missing_key", "1:1 regions policy.missing_key", "1:1 version policy.missing_key"}},
		{"Many", `provider: Bad Name
version: "1"
effective: 2026-13-01
colour: red
regions:
  mainland: [cn-hangzhou, cn-hangzhou, "CN HZ"]
  mainland_patterns: ['(']
reminders:
  days: [7, 30]
products:
  ecs:
    access_method: cloud_server
    quota: 0
    resource_type: 1
    requires: {mainland: yes, min_order_cny: -5, editions: [Basic]}
  slb:
    access_method: cloud_server
    quota: 1
    resource_type: 1
    requires: {}
conditions:
  - code: region
    products: [nosuch]
    expr: 'instance.region =='
    message: {zh-CN: 甲, en: a}
    remedy: {zh-CN: 乙}
`, []string{
			"1:11 provider policy.bad_name",
			"4:1 colour policy.unknown_key",
			"6:27 regions.mainland[1] policy.duplicate_value",
			"6:40 regions.mainland[2] policy.bad_region",
			"7:23 regions.mainland_patterns[0] policy.bad_regexp",
			"9:13 reminders.days[1] policy.reminders_descending",
			"13:12 products.ecs.quota policy.want_int",
			"15:26 products.ecs.requires.mainland policy.want_bool",
			"15:46 products.ecs.requires.min_order_cny policy.want_amount",
			"15:61 products.ecs.requires.editions[0] policy.bad_name",
			"17:5 products.slb.resource_type policy.duplicate_resource_type",
			"3:12 effective policy.bad_date",
			"23:16 conditions[0].products[0] policy.unknown_product",
			"26:13 conditions[0].remedy.en policy.missing_key",
			"22:11 conditions[0].code policy.builtin_code",
			"24:11 conditions[0].expr policy.bad_expr",
		}},
		{"ExprNotBool", strings.Replace(string(valid), "products:\n", "conditions:\n  - {code: c1, expr: '1 + 2', message: {zh-CN: a, en: a}, remedy: {zh-CN: b, en: b}}\nproducts:\n", 1),
			nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.Parse("p.yaml", []byte(tt.doc))
			if tt.want == nil {
				if pe, ok := policy.AsError(err); !ok || len(pe.Problems) != 1 || pe.Problems[0].Key != "policy.bad_expr" {
					t.Fatalf("err=%v, want one bad_expr", err)
				}
				return
			}
			pe, ok := policy.AsError(err)
			if !ok {
				t.Fatalf("err=%v, want *policy.Error", err)
			}
			var got []string
			for _, p := range pe.Problems {
				got = append(got, strings.Join(strings.Fields(fmt.Sprintf("%d:%d %s %s", p.Line, p.Column, p.Path, p.Key)), " "))
			}
			for i := range max(len(got), len(tt.want)) {
				g, w := "", ""
				if i < len(got) {
					g = got[i]
				}
				if i < len(tt.want) {
					w = strings.Join(strings.Fields(tt.want[i]), " ")
				}
				if g != w {
					t.Errorf("problem %d = %q, want %q", i, g, w)
				}
			}
			for _, lang := range i18n.Langs {
				if s := pe.Localized(lang); !strings.Contains(s, "p.yaml:") || strings.Contains(s, "policy.") {
					t.Errorf("rendered in %s: %s", lang, s)
				}
			}
		})
	}
}

// TestConditionRuntimeError demands that a condition that cannot be evaluated on an instance
// fails its check with a message rather than letting the instance through or panicking.
func TestConditionRuntimeError(t *testing.T) {
	doc := strings.Replace(string(mustRead(t, "default.yaml")), "products:\n",
		"conditions:\n  - {code: c1, expr: 'instance.edition == \"x\"', message: {zh-CN: a, en: a}, remedy: {zh-CN: b, en: b}}\nproducts:\n", 1)
	p, err := policy.Parse("p.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	in := &icpcheck.Instance{ID: "a", Product: "ecs", Owner: "1", Status: icpcheck.StatusRunning, Billing: icpcheck.BillingPayAsYouGo}
	c := eligibility.Check(in, p, at).Find("c1")
	if c == nil || c.Status != icpcheck.Fail || c.Key != "check.condition.error" {
		t.Fatalf("check=%+v", c)
	}
}

// TestConditionCostLimit demands that an expression that would run for long is stopped.
func TestConditionCostLimit(t *testing.T) {
	expr := `[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, a+b+c+d+e > 0)))))`
	doc := strings.Replace(string(mustRead(t, "default.yaml")), "products:\n",
		"conditions:\n  - {code: c1, expr: '"+expr+"', message: {zh-CN: a, en: a}, remedy: {zh-CN: b, en: b}}\nproducts:\n", 1)
	p, err := policy.Parse("p.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	in := &icpcheck.Instance{ID: "a", Product: "ecs", Owner: "1", Status: icpcheck.StatusRunning, Billing: icpcheck.BillingPayAsYouGo}
	if c := eligibility.Check(in, p, at).Find("c1"); c.Status != icpcheck.Fail {
		t.Fatalf("status=%v, want fail (cost limit)", c.Status)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
