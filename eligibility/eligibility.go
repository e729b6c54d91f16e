// Package eligibility decides whether an instance may have ICP filing service numbers. It is
// pure: (instance, policy, moment, ledger) in, a result out; no I/O, no clock.
package eligibility

import (
	"strconv"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
)

// Ledger is what the store knows of an instance's numbers. A stateless check has none, and
// its quota check is skipped.
type Ledger struct {
	Known  bool
	Issued int // numbers ever issued to the instance, in any state
}

// Check runs every check of p on in at the moment at, without a ledger.
func Check(in *icpcheck.Instance, p *icpcheck.Policy, at time.Time) *icpcheck.CheckResult {
	r := &icpcheck.CheckResult{}
	Evaluate(r, in, p, at, Ledger{})
	return r
}

// CheckWithLedger runs every check, the quota check included.
func CheckWithLedger(in *icpcheck.Instance, p *icpcheck.Policy, at time.Time, issued int) *icpcheck.CheckResult {
	r := &icpcheck.CheckResult{}
	Evaluate(r, in, p, at, Ledger{Known: true, Issued: issued})
	return r
}

// Evaluate runs every check into r, reusing r's storage: bulk checks call it in a loop
// without allocating a result per instance. The built-in checks come first, in the order of
// icpcheck.Codes, then the policy's conditions that apply to the product.
func Evaluate(r *icpcheck.CheckResult, in *icpcheck.Instance, p *icpcheck.Policy, at time.Time, l Ledger) {
	rule := p.Product(in.Product)
	cov, hasCov := in.Coverage()
	checks := r.Checks[:0]
	if n := len(icpcheck.Codes) + len(p.Conditions); cap(checks) < n {
		checks = make([]icpcheck.Check, 0, n)
	}
	*r = icpcheck.CheckResult{InstanceID: in.ID, At: at, Checks: checks, Issued: l.Issued}
	if hasCov {
		r.ExpiresAt = cov.End
	}
	if rule != nil {
		r.Quota = rule.Quota
	}
	e := evaluator{r: r, in: in, p: p, rule: rule}
	e.provider()
	e.product()
	e.region()
	e.status()
	e.publicIP()
	e.billing()
	e.subscription(cov, hasCov)
	e.publicBandwidth()
	e.serverPurchased()
	e.orderAmount()
	e.edition()
	e.expiry(cov, hasCov, at)
	e.quota(l)
	e.conditions(at)
}

type evaluator struct {
	r    *icpcheck.CheckResult
	in   *icpcheck.Instance
	p    *icpcheck.Policy
	rule *icpcheck.ProductRule
}

func (e *evaluator) add(c icpcheck.Check) { e.r.Checks = append(e.r.Checks, c) }

func (e *evaluator) pass(code, key string) icpcheck.Check {
	return icpcheck.Check{Code: code, Status: icpcheck.Pass, Key: key}
}

func (e *evaluator) fail(code, key, remedy string) icpcheck.Check {
	return icpcheck.Check{Code: code, Status: icpcheck.Fail, Key: key, Remedy: remedy}
}

// skipped adds a skip for code and reports true when the product is unknown or does not
// require the check.
func (e *evaluator) skipped(code string, required bool) bool {
	switch {
	case e.rule == nil:
		e.add(icpcheck.Check{Code: code, Status: icpcheck.Skip, Key: "check.skip_unknown_product"})
	case !required:
		e.add(icpcheck.Check{Code: code, Status: icpcheck.Skip, Key: "check.skip"})
	default:
		return false
	}
	return true
}

// SelfManaged is the provider name of a self-managed server: not an instance of any cloud.
const SelfManaged = "self_managed"

func (e *evaluator) provider() {
	prov := e.in.ProviderOr(e.p.Provider)
	var c icpcheck.Check
	switch prov {
	case e.p.Provider:
		c = e.pass(icpcheck.CodeProvider, "check.provider.pass")
	case SelfManaged:
		c = e.fail(icpcheck.CodeProvider, "check.provider.fail_self_managed", "check.provider.remedy_self_managed")
	default:
		c = e.fail(icpcheck.CodeProvider, "check.provider.fail", "check.provider.remedy")
	}
	c.Got, c.Want = prov, e.p.Provider
	e.add(c)
}

func (e *evaluator) product() {
	if e.rule != nil {
		c := e.pass(icpcheck.CodeProduct, "check.product.pass")
		c.Got = e.in.Product
		e.add(c)
		return
	}
	c := e.fail(icpcheck.CodeProduct, "check.product.fail", "check.product.remedy")
	c.Got, c.Want = e.in.Product, strings.Join(e.p.ProductOrder, ", ")
	e.add(c)
}

func (e *evaluator) region() {
	if e.skipped(icpcheck.CodeRegion, e.rule != nil && e.rule.Mainland) {
		return
	}
	var c icpcheck.Check
	switch {
	case e.p.IsMainland(e.in.Region):
		c = e.pass(icpcheck.CodeRegion, "check.region.pass")
	case e.in.Region == "":
		c = e.fail(icpcheck.CodeRegion, "check.region.fail_missing", "check.region.remedy")
	default:
		c = e.fail(icpcheck.CodeRegion, "check.region.fail", "check.region.remedy")
	}
	c.Got = e.in.Region
	e.add(c)
}

func (e *evaluator) status() {
	var c icpcheck.Check
	switch e.in.Status {
	case icpcheck.StatusRunning:
		c = e.pass(icpcheck.CodeStatus, "check.status.pass")
	case icpcheck.StatusStopped:
		c = e.fail(icpcheck.CodeStatus, "check.status.fail", "check.status.remedy_stopped")
	case icpcheck.StatusExpired:
		c = e.fail(icpcheck.CodeStatus, "check.status.fail", "check.status.remedy_expired")
	default:
		c = e.fail(icpcheck.CodeStatus, "check.status.fail", "check.status.remedy_released")
	}
	c.Got = string(e.in.Status)
	e.add(c)
}

func (e *evaluator) publicIP() {
	if n := len(e.in.PublicIPs); n > 0 {
		c := e.pass(icpcheck.CodePublicIP, "check.public_ip.pass")
		c.Got = strconv.Itoa(n)
		e.add(c)
		return
	}
	e.add(e.fail(icpcheck.CodePublicIP, "check.public_ip.fail", "check.public_ip.remedy"))
}

func (e *evaluator) billing() {
	if e.skipped(icpcheck.CodeBilling, e.rule != nil && e.rule.SubscriptionBilling) {
		return
	}
	if e.in.Billing == icpcheck.BillingSubscription {
		e.add(e.pass(icpcheck.CodeBilling, "check.billing.pass"))
		return
	}
	c := e.fail(icpcheck.CodeBilling, "check.billing.fail", "check.billing.remedy")
	c.Want = strconv.Itoa(max(e.rule.MinMonths, 1))
	e.add(c)
}

func (e *evaluator) subscription(cov icpcheck.Coverage, hasCov bool) {
	if e.skipped(icpcheck.CodeSubscription, e.rule != nil && e.rule.MinMonths > 0) {
		return
	}
	min := e.rule.MinMonths
	var c icpcheck.Check
	switch {
	case !hasCov:
		c = e.fail(icpcheck.CodeSubscription, "check.subscription.fail_payg", "check.subscription.remedy_payg")
	case cov.Covers(min):
		c = e.pass(icpcheck.CodeSubscription, "check.subscription.pass")
		c.Time = cov.End
	default:
		c = e.fail(icpcheck.CodeSubscription, "check.subscription.fail", "check.subscription.remedy")
		c.Got = strconv.Itoa(cov.MonthsShort(min))
		c.Time = cov.End
	}
	c.Want = strconv.Itoa(min)
	e.add(c)
}

func (e *evaluator) publicBandwidth() {
	if e.skipped(icpcheck.CodePublicBandwidth, e.rule != nil && e.rule.PublicBandwidth) {
		return
	}
	if bw := e.in.PublicBandwidthMbps; bw != nil && *bw > 0 {
		e.add(e.pass(icpcheck.CodePublicBandwidth, "check.public_bandwidth.pass"))
		return
	}
	e.add(e.fail(icpcheck.CodePublicBandwidth, "check.public_bandwidth.fail", "check.public_bandwidth.remedy"))
}

func (e *evaluator) serverPurchased() {
	if e.skipped(icpcheck.CodeServerPurchased, e.rule != nil && e.rule.ServerPurchased) {
		return
	}
	if sp := e.in.ServerPurchased; sp != nil && *sp {
		e.add(e.pass(icpcheck.CodeServerPurchased, "check.server_purchased.pass"))
		return
	}
	e.add(e.fail(icpcheck.CodeServerPurchased, "check.server_purchased.fail", "check.server_purchased.remedy"))
}

func (e *evaluator) orderAmount() {
	if e.skipped(icpcheck.CodeOrderAmount, e.rule != nil && e.rule.MinOrderFen > 0) {
		return
	}
	var largest int64
	for _, o := range e.in.Orders {
		largest = max(largest, o.AmountFen())
	}
	var c icpcheck.Check
	if largest >= e.rule.MinOrderFen {
		c = e.pass(icpcheck.CodeOrderAmount, "check.order_amount.pass")
	} else {
		c = e.fail(icpcheck.CodeOrderAmount, "check.order_amount.fail", "check.order_amount.remedy")
		c.Got = FormatFen(largest)
	}
	c.Want = FormatFen(e.rule.MinOrderFen)
	e.add(c)
}

// FormatFen formats an amount in fen as yuan: 10000 is "100", 9950 is "99.50".
func FormatFen(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	s := strconv.FormatInt(fen/100, 10) + "."
	if c := fen % 100; c < 10 {
		return s + "0" + strconv.FormatInt(c, 10)
	} else {
		return s + strconv.FormatInt(c, 10)
	}
}

func (e *evaluator) edition() {
	if e.skipped(icpcheck.CodeEdition, e.rule != nil && len(e.rule.Editions) > 0) {
		return
	}
	var c icpcheck.Check
	switch {
	case e.in.Edition == "":
		c = e.fail(icpcheck.CodeEdition, "check.edition.fail_missing", "check.edition.remedy")
		c.Want = strings.Join(e.rule.Editions, ", ")
	case contains(e.rule.Editions, e.in.Edition):
		c = e.pass(icpcheck.CodeEdition, "check.edition.pass")
	default:
		c = e.fail(icpcheck.CodeEdition, "check.edition.fail", "check.edition.remedy")
		c.Want = strings.Join(e.rule.Editions, ", ")
	}
	c.Got = e.in.Edition
	e.add(c)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (e *evaluator) expiry(cov icpcheck.Coverage, hasCov bool, at time.Time) {
	if !hasCov {
		e.add(icpcheck.Check{Code: icpcheck.CodeExpiry, Status: icpcheck.Skip, Key: "check.expiry.skip_payg"})
		return
	}
	var c icpcheck.Check
	left := cov.End.Sub(at)
	switch window := time.Duration(e.p.Reminder.Window()) * 24 * time.Hour; {
	case left <= 0:
		c = e.fail(icpcheck.CodeExpiry, "check.expiry.fail", "check.expiry.remedy")
	case left <= window:
		c = icpcheck.Check{Code: icpcheck.CodeExpiry, Status: icpcheck.Warn, Key: "check.expiry.warn", Remedy: "check.expiry.remedy"}
		c.Got = strconv.Itoa(DaysLeft(left))
	default:
		c = e.pass(icpcheck.CodeExpiry, "check.expiry.pass")
	}
	c.Time = cov.End
	e.add(c)
}

// DaysLeft rounds a positive duration up to whole days: 1 hour left is 1 day left.
func DaysLeft(d time.Duration) int {
	const day = 24 * time.Hour
	return int((d + day - 1) / day)
}

func (e *evaluator) quota(l Ledger) {
	switch {
	case !l.Known:
		e.add(icpcheck.Check{Code: icpcheck.CodeQuota, Status: icpcheck.Skip, Key: "check.quota.skip_stateless"})
	case e.rule == nil:
		e.add(icpcheck.Check{Code: icpcheck.CodeQuota, Status: icpcheck.Skip, Key: "check.skip_unknown_product"})
	case l.Issued < e.rule.Quota:
		c := e.pass(icpcheck.CodeQuota, "check.quota.pass")
		c.Got, c.Want = strconv.Itoa(e.rule.Quota-l.Issued), strconv.Itoa(e.rule.Quota)
		e.add(c)
	default:
		c := e.fail(icpcheck.CodeQuota, "check.quota.fail", "check.quota.remedy")
		c.Want = strconv.Itoa(e.rule.Quota)
		e.add(c)
	}
}

func (e *evaluator) conditions(at time.Time) {
	for _, cond := range e.p.Conditions {
		if !cond.AppliesTo(e.in.Product) {
			continue
		}
		ok, err := cond.Eval(e.in, at)
		c := icpcheck.Check{Code: cond.Code, Got: cond.Code}
		switch {
		case err != nil:
			// A condition that cannot be evaluated on this instance (a field it reads is
			// absent, say) does not let the instance through.
			c.Status, c.Key, c.Want = icpcheck.Fail, "check.condition.error", err.Error()
			c.RemedyText = &cond.Remedy
		case ok:
			c.Status = icpcheck.Pass
			if cond.Passed.ZH != "" {
				c.Text = &cond.Passed
			} else {
				c.Key = "check.condition.pass"
			}
		default:
			c.Status, c.Text, c.RemedyText = cond.Severity, &cond.Message, &cond.Remedy
		}
		e.add(c)
	}
}
