// Package table1 is the baseline that icpcheck's engine is measured against: Alibaba Cloud's
// Table 1 hard-coded in one Go function, with no policy document, no lookups and no
// generality. It gives the same results as eligibility.Evaluate with the default policy (a
// test holds them equal over generated inventories), so the benchmarks compare like with
// like. It is not used by icpcheck itself.
package table1

import (
	"strconv"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
)

const (
	provider     = "alibaba"
	minMonths    = 3
	minOrderFen  = 10000
	reminderDays = 30
)

// Check evaluates in against Table 1 at the moment at, into r.
func Check(r *icpcheck.CheckResult, in *icpcheck.Instance, at time.Time) {
	var mainland, subBilling, bandwidth, server, amount, edition bool
	months, quota := 0, 0
	known := true
	switch in.Product {
	case "ecs":
		mainland, subBilling, months, bandwidth, quota = true, true, minMonths, true, 5
	case "web_hosting", "ens":
		mainland, months, quota = true, minMonths, 5
	case "simple_application_server":
		mainland, months, server, quota = true, minMonths, true, 5
	case "marketplace":
		amount, months, quota = true, minMonths, 2
	case "iot_studio":
		amount, mainland, edition, quota = true, true, true, 1
	default:
		known = false
	}
	cov, hasCov := in.Coverage()
	*r = icpcheck.CheckResult{InstanceID: in.ID, At: at, Checks: r.Checks[:0], Quota: quota}
	if hasCov {
		r.ExpiresAt = cov.End
	}
	add := func(c icpcheck.Check) { r.Checks = append(r.Checks, c) }
	pass := func(code, key string) icpcheck.Check {
		return icpcheck.Check{Code: code, Status: icpcheck.Pass, Key: key}
	}
	fail := func(code, key, remedy string) icpcheck.Check {
		return icpcheck.Check{Code: code, Status: icpcheck.Fail, Key: key, Remedy: remedy}
	}
	skip := func(code string) icpcheck.Check {
		if !known {
			return icpcheck.Check{Code: code, Status: icpcheck.Skip, Key: "check.skip_unknown_product"}
		}
		return icpcheck.Check{Code: code, Status: icpcheck.Skip, Key: "check.skip"}
	}

	prov := in.Provider
	if prov == "" {
		prov = provider
	}
	var c icpcheck.Check
	switch prov {
	case provider:
		c = pass("provider", "check.provider.pass")
	case "self_managed":
		c = fail("provider", "check.provider.fail_self_managed", "check.provider.remedy_self_managed")
	default:
		c = fail("provider", "check.provider.fail", "check.provider.remedy")
	}
	c.Got, c.Want = prov, provider
	add(c)

	if known {
		c = pass("product", "check.product.pass")
	} else {
		c = fail("product", "check.product.fail", "check.product.remedy")
		c.Want = "ecs, web_hosting, simple_application_server, ens, marketplace, iot_studio"
	}
	c.Got = in.Product
	add(c)

	if !mainland {
		add(skip("region"))
	} else {
		switch {
		case isMainland(in.Region):
			c = pass("region", "check.region.pass")
		case in.Region == "":
			c = fail("region", "check.region.fail_missing", "check.region.remedy")
		default:
			c = fail("region", "check.region.fail", "check.region.remedy")
		}
		c.Got = in.Region
		add(c)
	}

	switch in.Status {
	case icpcheck.StatusRunning:
		c = pass("status", "check.status.pass")
	case icpcheck.StatusStopped:
		c = fail("status", "check.status.fail", "check.status.remedy_stopped")
	case icpcheck.StatusExpired:
		c = fail("status", "check.status.fail", "check.status.remedy_expired")
	default:
		c = fail("status", "check.status.fail", "check.status.remedy_released")
	}
	c.Got = string(in.Status)
	add(c)

	if len(in.PublicIPs) > 0 {
		c = pass("public_ip", "check.public_ip.pass")
		c.Got = strconv.Itoa(len(in.PublicIPs))
		add(c)
	} else {
		add(fail("public_ip", "check.public_ip.fail", "check.public_ip.remedy"))
	}

	switch {
	case !subBilling:
		add(skip("billing"))
	case in.Billing == icpcheck.BillingSubscription:
		add(pass("billing", "check.billing.pass"))
	default:
		c = fail("billing", "check.billing.fail", "check.billing.remedy")
		c.Want = "3"
		add(c)
	}

	if months == 0 {
		add(skip("subscription"))
	} else {
		switch {
		case !hasCov:
			c = fail("subscription", "check.subscription.fail_payg", "check.subscription.remedy_payg")
		case cov.Covers(minMonths):
			c = pass("subscription", "check.subscription.pass")
			c.Time = cov.End
		default:
			c = fail("subscription", "check.subscription.fail", "check.subscription.remedy")
			c.Got = strconv.Itoa(cov.MonthsShort(minMonths))
			c.Time = cov.End
		}
		c.Want = "3"
		add(c)
	}

	switch {
	case !bandwidth:
		add(skip("public_bandwidth"))
	case in.PublicBandwidthMbps != nil && *in.PublicBandwidthMbps > 0:
		add(pass("public_bandwidth", "check.public_bandwidth.pass"))
	default:
		add(fail("public_bandwidth", "check.public_bandwidth.fail", "check.public_bandwidth.remedy"))
	}

	switch {
	case !server:
		add(skip("server_purchased"))
	case in.ServerPurchased != nil && *in.ServerPurchased:
		add(pass("server_purchased", "check.server_purchased.pass"))
	default:
		add(fail("server_purchased", "check.server_purchased.fail", "check.server_purchased.remedy"))
	}

	if !amount {
		add(skip("order_amount"))
	} else {
		var largest int64
		for _, o := range in.Orders {
			if f := o.AmountFen(); f > largest {
				largest = f
			}
		}
		if largest >= minOrderFen {
			c = pass("order_amount", "check.order_amount.pass")
		} else {
			c = fail("order_amount", "check.order_amount.fail", "check.order_amount.remedy")
			c.Got = yuan(largest)
		}
		c.Want = "100"
		add(c)
	}

	if !edition {
		add(skip("edition"))
	} else {
		switch in.Edition {
		case "enterprise", "ultimate":
			c = pass("edition", "check.edition.pass")
		case "":
			c = fail("edition", "check.edition.fail_missing", "check.edition.remedy")
			c.Want = "enterprise, ultimate"
		default:
			c = fail("edition", "check.edition.fail", "check.edition.remedy")
			c.Want = "enterprise, ultimate"
		}
		c.Got = in.Edition
		add(c)
	}

	if !hasCov {
		add(icpcheck.Check{Code: "expiry", Status: icpcheck.Skip, Key: "check.expiry.skip_payg"})
	} else {
		left := cov.End.Sub(at)
		switch {
		case left <= 0:
			c = fail("expiry", "check.expiry.fail", "check.expiry.remedy")
		case left <= reminderDays*24*time.Hour:
			c = icpcheck.Check{Code: "expiry", Status: icpcheck.Warn, Key: "check.expiry.warn", Remedy: "check.expiry.remedy"}
			c.Got = strconv.Itoa(int((left + 24*time.Hour - 1) / (24 * time.Hour)))
		default:
			c = pass("expiry", "check.expiry.pass")
		}
		c.Time = cov.End
		add(c)
	}

	add(icpcheck.Check{Code: "quota", Status: icpcheck.Skip, Key: "check.quota.skip_stateless"})
}

func isMainland(region string) bool {
	switch region {
	case "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
		"cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-shenzhen", "cn-heyuan", "cn-guangzhou", "cn-chengdu", "cn-wuhan-lr":
		return true
	}
	// ENS nodes: cn-<city>-<carrier>, but not in Hong Kong, Macao or Taiwan.
	rest, ok := strings.CutPrefix(region, "cn-")
	if !ok {
		return false
	}
	city, carrier, ok := strings.Cut(rest, "-")
	if !ok || strings.Contains(carrier, "-") || city == "" {
		return false
	}
	for i := 0; i < len(city); i++ {
		if city[i] < 'a' || city[i] > 'z' {
			return false
		}
	}
	switch city {
	case "hongkong", "macau", "macao", "taiwan":
		return false
	}
	return carrier == "telecom" || carrier == "unicom" || carrier == "mobile"
}

func yuan(fen int64) string {
	s := strconv.FormatInt(fen/100, 10)
	if c := fen % 100; c != 0 {
		s += "." + strconv.FormatInt(100+c, 10)[1:]
	}
	return s
}
