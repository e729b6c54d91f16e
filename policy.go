package icpcheck

import (
	"regexp"
	"slices"
	"time"

	"github.com/icpcheck/icpcheck/i18n"
)

// Policy is a provider's rules as data: which products may have service numbers, what each
// requires, how many numbers an instance gets, and when to remind. The policy package reads
// it from YAML and validates it; the default is Alibaba Cloud's published Table 1. A Policy is
// immutable once loaded and safe for concurrent use.
type Policy struct {
	Provider     string    // the provider's id, as instances name it ("alibaba")
	ProviderName i18n.Text // its display name
	Version      string
	Effective    time.Time // when the policy takes effect
	Mainland     RegionSet
	Reminder     Reminder
	Products     map[string]*ProductRule
	ProductOrder []string     // product names in document order, for stable listings
	Conditions   []*Condition // extra checks, in document order
}

// Reminder is when icpcheck warns about an expiring instance and how long an expired one has
// before its filings are cancelled.
type Reminder struct {
	Days             []int // reminder points before expiry, descending (30, 15, 7, 1)
	CancellationDays int   // days after expiry before an unresolved filing is cancelled
}

// Window returns the reminder window in days: the largest reminder point.
func (r Reminder) Window() int {
	if len(r.Days) == 0 {
		return 0
	}
	return slices.Max(r.Days)
}

// ProductRule is what one product requires before its instances may have service numbers.
type ProductRule struct {
	Name         string
	Title        i18n.Text
	ResourceType int    // the Filing Service API's resourceType; 0: REST only
	AccessMethod string // the access method a filing declares for this product
	Quota        int    // numbers per instance, over its lifetime

	Mainland            bool     // region must be mainland
	SubscriptionBilling bool     // pay-as-you-go cannot get numbers
	MinMonths           int      // subscribed time, renewals counted; 0: not required
	PublicBandwidth     bool     // public bandwidth > 0 Mbps
	ServerPurchased     bool     // a server instance purchased (simple_application_server)
	MinOrderFen         int64    // some single order at least this (fen); 0: not required
	Editions            []string // allowed editions; empty: not required
}

// Product returns the rule of the named product, or nil.
func (p *Policy) Product(name string) *ProductRule { return p.Products[name] }

// ProductByResourceType returns the product that the Filing Service API's resourceType code
// maps to, or nil.
func (p *Policy) ProductByResourceType(code int) *ProductRule {
	if code == 0 {
		return nil
	}
	for _, name := range p.ProductOrder {
		if r := p.Products[name]; r.ResourceType == code {
			return r
		}
	}
	return nil
}

// IsMainland reports whether region is in the Chinese mainland under this policy.
func (p *Policy) IsMainland(region string) bool { return p.Mainland.Contains(region) }

// RegionSet is the policy's list of mainland regions: exact ids, then patterns (ENS nodes
// such as cn-hangzhou-telecom), minus exclusions (cn-hongkong-*).
type RegionSet struct {
	Regions  map[string]bool
	Patterns []*regexp.Regexp
	Exclude  []*regexp.Regexp
}

// Contains reports whether region is in the set.
func (s RegionSet) Contains(region string) bool {
	if region == "" {
		return false
	}
	if s.Regions[region] {
		return true
	}
	for _, re := range s.Exclude {
		if re.MatchString(region) {
			return false
		}
	}
	for _, re := range s.Patterns {
		if re.MatchString(region) {
			return true
		}
	}
	return false
}

// Condition is a provider's extra check: an expression over the instance that must hold,
// compiled once when the policy loads.
type Condition struct {
	Code     string
	Products []string    // the products it applies to; empty: all
	Severity CheckStatus // Fail or Warn when the expression is false
	Expr     string
	Message  i18n.Text // shown when the expression is false
	Remedy   i18n.Text
	Passed   i18n.Text // shown when it holds

	// Eval evaluates the compiled expression; the policy package sets it.
	Eval func(in *Instance, at time.Time) (bool, error)
}

// AppliesTo reports whether the condition applies to product.
func (c *Condition) AppliesTo(product string) bool {
	return len(c.Products) == 0 || slices.Contains(c.Products, product)
}
