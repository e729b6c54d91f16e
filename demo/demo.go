// Package demo generates realistic synthetic inventories: seeded, so that the same options
// give the same instances, with every product and every failure mode of the checks
// represented. Demos, tests and benchmarks use it.
package demo

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"time"

	"github.com/icpcheck/icpcheck"
)

// Demo accounts. Customer owns the hand-picked instances that open every inventory, one for
// each failure mode; OtherCustomer is who Customer grants numbers to in demos.
const (
	Customer      = "1234567890123456"
	OtherCustomer = "2234567890123456"
	Admin         = "1000000000000001"
)

// Options say what to generate.
type Options struct {
	Seed  int64
	Count int       // instances in all, the hand-picked ones included
	At    time.Time // the moment the inventory is realistic at: orders start before it
}

// Generator produces instances one at a time, so that a million need no more memory than one.
type Generator struct {
	opts   Options
	rng    *rand.Rand
	i      int
	picked []*icpcheck.Instance
	owners int
}

// New returns a generator.
func New(opts Options) *Generator {
	if opts.At.IsZero() {
		opts.At = time.Now()
	}
	// Times are in China Standard Time, as a provider's billing system records them.
	opts.At = opts.At.In(cst)
	return &Generator{
		opts:   opts,
		rng:    rand.New(rand.NewPCG(uint64(opts.Seed), 0x1c9c4ec)),
		picked: HandPicked(opts.At),
		owners: max(opts.Count/8, 20),
	}
}

var cst = time.FixedZone("CST", 8*3600)

// Next returns the next instance, or nil after Count.
func (g *Generator) Next() *icpcheck.Instance {
	if g.i >= g.opts.Count {
		return nil
	}
	i := g.i
	g.i++
	if i < len(g.picked) {
		return g.picked[i]
	}
	return g.random(i)
}

// Inventory returns every instance the options describe.
func Inventory(opts Options) []*icpcheck.Instance {
	g := New(opts)
	out := make([]*icpcheck.Instance, 0, opts.Count)
	for in := g.Next(); in != nil; in = g.Next() {
		out = append(out, in)
	}
	return out
}

// weighted picks one of choices by weight.
func weighted[T any](rng *rand.Rand, choices []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return choices[i]
		}
		n -= w
	}
	return choices[len(choices)-1]
}

var (
	products       = []string{"ecs", "web_hosting", "simple_application_server", "ens", "marketplace", "iot_studio", "slb"}
	productWeights = []int{50, 10, 15, 7, 9, 7, 2}

	mainlandRegions = []string{"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou", "cn-chengdu", "cn-guangzhou", "cn-heyuan", "cn-wulanchabu", "cn-huhehaote", "cn-nanjing", "cn-fuzhou", "cn-wuhan-lr"}
	foreignRegions  = []string{"cn-hongkong", "ap-southeast-1", "ap-northeast-1", "us-west-1", "eu-central-1", "me-east-1"}
	ensRegions      = []string{"cn-hangzhou-telecom", "cn-beijing-unicom", "cn-guangzhou-mobile", "cn-chengdu-telecom", "cn-wuhan-unicom"}

	statuses       = []icpcheck.InstanceStatus{icpcheck.StatusRunning, icpcheck.StatusStopped, icpcheck.StatusExpired, icpcheck.StatusReleased}
	statusWeights  = []int{86, 6, 5, 3}
	editions       = []string{"basic", "enterprise", "ultimate", ""}
	editionWeights = []int{35, 40, 20, 5}
	providers      = []string{"", "tencent", "huawei", "self_managed"}
	providerWeight = []int{96, 2, 1, 1}
)

// period is one order's length.
type period struct {
	n    int
	unit icpcheck.Unit
}

var (
	periods       = []period{{1, icpcheck.UnitMonth}, {2, icpcheck.UnitMonth}, {3, icpcheck.UnitMonth}, {6, icpcheck.UnitMonth}, {1, icpcheck.UnitYear}, {2, icpcheck.UnitYear}, {1, icpcheck.UnitWeek}, {15, icpcheck.UnitDay}}
	periodWeights = []int{30, 8, 14, 10, 25, 5, 4, 4}
)

func (g *Generator) random(i int) *icpcheck.Instance {
	r := g.rng
	product := weighted(r, products, productWeights)
	in := &icpcheck.Instance{
		ID:       instanceID(product, r),
		Product:  product,
		Provider: weighted(r, providers, providerWeight),
		Owner:    strconv.FormatInt(1_300_000_000_000_000+int64(r.IntN(g.owners))*7919, 10),
		Status:   weighted(r, statuses, statusWeights),
		Billing:  icpcheck.BillingSubscription,
	}
	switch {
	case product == "ens":
		in.Region = ensRegions[r.IntN(len(ensRegions))]
	case r.IntN(100) < 8:
		in.Region = foreignRegions[r.IntN(len(foreignRegions))]
	case product == "marketplace" && r.IntN(3) == 0:
		// Marketplace products need no region: some records carry none.
	default:
		in.Region = mainlandRegions[r.IntN(len(mainlandRegions))]
	}
	if (product == "ecs" && r.IntN(100) < 18) || (product == "ens" && r.IntN(100) < 10) {
		in.Billing = icpcheck.BillingPayAsYouGo
	}
	in.Orders = g.orders(product, in.Billing)
	if r.IntN(100) >= 4 {
		in.PublicIPs = append(in.PublicIPs, publicIP(i, 0))
		if r.IntN(100) < 10 {
			in.PublicIPs = append(in.PublicIPs, publicIP(i, 1))
		}
	}
	switch product {
	case "ecs", "simple_application_server", "ens":
		bw := []float64{0, 1, 3, 5, 10, 100}[weighted(r, []int{0, 1, 2, 3, 4, 5}, []int{6, 20, 20, 30, 18, 6})]
		in.PublicBandwidthMbps = &bw
	}
	if product == "simple_application_server" {
		sp := r.IntN(100) < 90
		in.ServerPurchased = &sp
	}
	if product == "iot_studio" {
		in.Edition = weighted(r, editions, editionWeights)
	}
	return in
}

// orders returns a subscription's orders: a first order started up to two years ago, then
// renewals, with amounts that fit the product.
func (g *Generator) orders(product string, billing icpcheck.Billing) []icpcheck.Order {
	r := g.rng
	if billing == icpcheck.BillingPayAsYouGo {
		return []icpcheck.Order{}
	}
	start := g.opts.At.Add(-time.Duration(r.IntN(730*24)) * time.Hour).Truncate(time.Hour)
	first := weighted(r, periods, periodWeights)
	orders := []icpcheck.Order{{Type: icpcheck.OrderNew, Start: start, Period: first.n, Unit: first.unit, AmountCNY: amount(r, product, first)}}
	for range weighted(r, []int{0, 1, 2, 3, 6}, []int{45, 25, 15, 10, 5}) {
		p := weighted(r, periods, periodWeights)
		orders = append(orders, icpcheck.Order{Type: icpcheck.OrderRenewal, Period: p.n, Unit: p.unit, AmountCNY: amount(r, product, p)})
	}
	return orders
}

// amount prices an order: a monthly price by product, with some cheap plans below CNY 100.
func amount(r *rand.Rand, product string, p period) float64 {
	monthly := map[string]float64{"ecs": 60, "web_hosting": 15, "simple_application_server": 24, "ens": 80, "marketplace": 40, "iot_studio": 90, "slb": 30}[product]
	monthly *= 0.5 + r.Float64()
	var months float64
	switch p.unit {
	case icpcheck.UnitDay:
		months = float64(p.n) / 30
	case icpcheck.UnitWeek:
		months = float64(p.n) * 7 / 30
	case icpcheck.UnitMonth:
		months = float64(p.n)
	case icpcheck.UnitYear:
		months = float64(p.n) * 10 // a year costs ten months
	}
	return float64(int64(monthly*months*100)) / 100
}

const idChars = "abcdefghijklmnopqrstuvwxyz0123456789"

func instanceID(product string, r *rand.Rand) string {
	prefix := map[string]string{"ecs": "i-bp", "web_hosting": "wh-", "simple_application_server": "sas-", "ens": "ens-", "marketplace": "mkt-", "iot_studio": "iot-", "slb": "lb-"}[product]
	b := make([]byte, 18)
	for i := range b {
		b[i] = idChars[r.IntN(len(idChars))]
	}
	return prefix + string(b)
}

// publicIP returns the k-th address of instance i: unique across instances, in 47.96.0.0/11
// (a block Alibaba Cloud announces), never a private address.
func publicIP(i, k int) netip.Addr {
	n := uint32(i)*2 + uint32(k) + 1
	return netip.AddrFrom4([4]byte{47, 96 + byte(n>>16&31), byte(n >> 8), byte(n)})
}
