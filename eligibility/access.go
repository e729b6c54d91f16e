package eligibility

import (
	"strconv"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
)

// Access check codes: one for each way a filing's declared access information can disagree
// with the instance it names (SPEC section 5).
const (
	CodeAccessProvider = "access_provider" // the declared provider is not the policy's
	CodeAccessMethod   = "access_method"   // the declared method is not the product's
	CodeAccessRegion   = "access_region"   // the declared region is not the instance's
	CodeAccessMainland = "access_mainland" // the declared region is not in the mainland
	CodeAccessIP       = "access_ip"       // a declared IP is not a public IP of the instance
)

// AccessCodes lists the access checks in the order VerifyAccess gives them.
var AccessCodes = []string{CodeAccessProvider, CodeAccessMethod, CodeAccessRegion, CodeAccessMainland, CodeAccessIP}

// VerifyAccess checks a filing's declared access information against the instance it names
// at the moment at: the access checks first, then every eligibility check of the instance
// with the quota ignored (binding and submitting use a number already issued). The filing
// may be submitted when the result's EligibleForUse holds.
func VerifyAccess(access icpcheck.AccessInfo, in *icpcheck.Instance, p *icpcheck.Policy, at time.Time) *icpcheck.CheckResult {
	r := &icpcheck.CheckResult{}
	Evaluate(r, in, p, at, Ledger{})
	access.Provider = strings.TrimSpace(access.Provider)
	checks := make([]icpcheck.Check, 0, len(AccessCodes)+len(r.Checks))

	c := accessCheck(CodeAccessProvider, access.Provider == p.Provider)
	c.Got, c.Want = access.Provider, p.Provider
	checks = append(checks, c)

	want := ""
	if rule := p.Product(in.Product); rule != nil {
		want = rule.AccessMethod
	}
	c = accessCheck(CodeAccessMethod, want != "" && access.Method == want)
	c.Got, c.Want = access.Method, want
	checks = append(checks, c)

	c = accessCheck(CodeAccessRegion, access.Region != "" && access.Region == in.Region)
	c.Got, c.Want = access.Region, in.Region
	checks = append(checks, c)

	c = accessCheck(CodeAccessMainland, p.IsMainland(access.Region))
	c.Got = access.Region
	checks = append(checks, c)

	var stray []string
	for _, ip := range access.IPs {
		if !in.HasIP(ip) {
			stray = append(stray, ip.String())
		}
	}
	switch {
	case len(access.IPs) == 0:
		c = accessCheck(CodeAccessIP, false)
		c.Key = "access.access_ip.fail_missing"
	default:
		c = accessCheck(CodeAccessIP, len(stray) == 0)
		c.Got = strings.Join(stray, ", ")
	}
	c.Want = strconv.Itoa(len(in.PublicIPs))
	checks = append(checks, c)

	r.Checks = append(checks, r.Checks...)
	return r
}

func accessCheck(code string, ok bool) icpcheck.Check {
	if ok {
		return icpcheck.Check{Code: code, Status: icpcheck.Pass, Key: "access." + code + ".pass"}
	}
	return icpcheck.Check{Code: code, Status: icpcheck.Fail, Key: "access." + code + ".fail", Remedy: "access." + code + ".remedy"}
}
