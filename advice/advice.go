// Package advice tells what ICP filing a domain needs when the provider's other services
// serve it: an OSS custom domain, CDN, WAF or Anti-DDoS Pro, and an origin on this provider,
// another provider or a self-managed server (SPEC section 7). It is pure: a request and the
// policy in, the applicable rules out, each with a stable code, a verdict and its text in
// both languages.
package advice

import (
	"strings"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// Service is how the domain is served.
type Service string

const (
	ServiceOSS      Service = "oss"       // an OSS bucket's custom domain
	ServiceCDN      Service = "cdn"       // CDN acceleration, in CDNArea
	ServiceWAF      Service = "waf"       // Web Application Firewall
	ServiceAntiDDoS Service = "anti_ddos" // Anti-DDoS Pro
)

// Services lists the services in a stable order.
var Services = []Service{ServiceOSS, ServiceCDN, ServiceWAF, ServiceAntiDDoS}

// Area is where CDN accelerates.
type Area string

const (
	AreaMainland        Area = "mainland"         // the Chinese mainland only
	AreaGlobal          Area = "global"           // the mainland and the rest of the world
	AreaOutsideMainland Area = "outside_mainland" // everywhere but the mainland
)

// Areas lists the CDN areas in a stable order.
var Areas = []Area{AreaMainland, AreaGlobal, AreaOutsideMainland}

// Origin is where the content that CDN, WAF or Anti-DDoS Pro fetch comes from.
type Origin string

const (
	OriginThisProvider  Origin = "this_provider"  // an instance of the provider the policy describes
	OriginOtherProvider Origin = "other_provider" // another cloud or hosting provider
	OriginSelfManaged   Origin = "self_managed"   // a server the customer runs itself
)

// Origins lists the origins in a stable order.
var Origins = []Origin{OriginThisProvider, OriginOtherProvider, OriginSelfManaged}

// Verdict is what a rule asks of the customer.
type Verdict string

const (
	FilingNeeded             Verdict = "filing_needed"               // an ICP filing is required and not known to exist
	NotNeeded                Verdict = "not_needed"                  // nothing more to file
	OriginUnreachable        Verdict = "origin_unreachable"          // the provider will block fetches from the origin
	FileThroughISP           Verdict = "file_through_isp"            // the origin's filing is made through its ISP
	FileThroughOtherProvider Verdict = "file_through_other_provider" // the origin's filing is made through that provider
)

// Rule codes. They are stable: the API, the CLI and users' scripts depend on them.
const (
	RuleOSSFiling           = "oss_filing"            // an OSS custom domain needs a filing, the provider need not be listed
	RuleCDNFiling           = "cdn_filing"            // CDN serving the mainland (mainland or global) needs a filing
	RuleCDNOutsideMainland  = "cdn_outside_mainland"  // CDN outside the mainland needs none
	RuleWAFFiling           = "waf_filing"            // WAF needs a filing, the provider need not be listed
	RuleAntiDDoSFiling      = "anti_ddos_filing"      // Anti-DDoS Pro needs a filing, the provider need not be listed
	RuleOriginThisProvider  = "origin_this_provider"  // the origin domain's filing must list the provider
	RuleOriginOtherProvider = "origin_other_provider" // the origin's filing goes through that provider
	RuleOriginSelfManaged   = "origin_self_managed"   // the origin's filing goes through the ISP
)

// Rules lists every rule code in the order advice gives them.
var Rules = []string{
	RuleOSSFiling, RuleCDNFiling, RuleCDNOutsideMainland, RuleWAFFiling, RuleAntiDDoSFiling,
	RuleOriginThisProvider, RuleOriginOtherProvider, RuleOriginSelfManaged,
}

// Request describes a domain and how it is served.
type Request struct {
	Domain  string  `json:"domain"`
	Service Service `json:"service"`
	CDNArea Area    `json:"cdn_area,omitempty"` // CDN only, and required there
	Origin  Origin  `json:"origin,omitempty"`   // required for CDN, WAF and Anti-DDoS Pro; OSS: this provider or absent

	// ProviderListed says whether the provider is listed in the domain's ICP filing, and so
	// whether the domain is known to have one.
	ProviderListed bool `json:"provider_listed"`

	// OriginProviderListed says whether the provider is listed in the filing of the domain
	// used to fetch from an origin on this provider, when that is another domain than Domain.
	// Nil: the origin is fetched with Domain itself, so ProviderListed decides.
	OriginProviderListed *bool `json:"origin_provider_listed,omitempty"`
}

// Item is one rule that applies to the request.
type Item struct {
	Code    string    `json:"code"`
	Verdict Verdict   `json:"verdict"`
	Key     string    `json:"key"` // the i18n key of Text
	Text    i18n.Text `json:"text"`
}

// Advice is every rule that applies to a request, in the order of Rules.
type Advice struct {
	Request Request `json:"request"`
	Items   []Item  `json:"items"`
}

// Find returns the item of rule code, or nil.
func (a *Advice) Find(code string) *Item {
	for i := range a.Items {
		if a.Items[i].Code == code {
			return &a.Items[i]
		}
	}
	return nil
}

// Advise returns the rules that apply to req under the policy p, whose provider the texts
// name. Returns EINVALID for a malformed domain, a missing or unknown service, area or
// origin, and for an input that does not apply to the service (a CDN area for WAF, say).
func Advise(req Request, p *icpcheck.Policy) (*Advice, error) {
	domain, err := NormalizeDomain(req.Domain)
	if err != nil {
		return nil, err
	}
	req.Domain = domain
	if err := validate(req); err != nil {
		return nil, err
	}
	provider := p.ProviderName
	if provider.ZH == "" || provider.EN == "" {
		provider = i18n.Text{ZH: p.Provider, EN: p.Provider}
	}
	a := &Advice{Request: req}
	add := func(code string, v Verdict, variant string) {
		key := "advice." + code + "." + variant
		a.Items = append(a.Items, Item{Code: code, Verdict: v, Key: key, Text: text(key, domain, provider)})
	}

	// The service's own filing. A filing that lists the provider exists, so the requirement
	// is met; one that does not may exist through another provider, which the rules accept,
	// but icpcheck cannot know of it.
	serviceRule := map[Service]string{
		ServiceOSS: RuleOSSFiling, ServiceCDN: RuleCDNFiling, ServiceWAF: RuleWAFFiling, ServiceAntiDDoS: RuleAntiDDoSFiling,
	}[req.Service]
	switch {
	case req.Service == ServiceCDN && req.CDNArea == AreaOutsideMainland:
		add(RuleCDNOutsideMainland, NotNeeded, "applies")
	case req.ProviderListed:
		add(serviceRule, NotNeeded, "met")
	default:
		add(serviceRule, FilingNeeded, "needed")
	}

	// The origin. An OSS bucket is its own origin, so only the services that fetch from an
	// origin have this rule.
	if req.Service == ServiceOSS {
		return a, nil
	}
	switch req.Origin {
	case OriginThisProvider:
		listed := req.ProviderListed
		if req.OriginProviderListed != nil {
			listed = *req.OriginProviderListed
		}
		if listed {
			add(RuleOriginThisProvider, NotNeeded, "reachable")
		} else {
			add(RuleOriginThisProvider, OriginUnreachable, "unreachable")
		}
	case OriginOtherProvider:
		add(RuleOriginOtherProvider, FileThroughOtherProvider, "applies")
	case OriginSelfManaged:
		add(RuleOriginSelfManaged, FileThroughISP, "applies")
	}
	return a, nil
}

func text(key, domain string, provider i18n.Text) i18n.Text {
	t, _ := i18n.Lookup(key)
	return i18n.Text{
		ZH: i18n.Format(t.ZH, domain, provider.ZH),
		EN: i18n.Format(t.EN, domain, provider.EN),
	}
}

func validate(req Request) error {
	switch req.Service {
	case ServiceOSS, ServiceCDN, ServiceWAF, ServiceAntiDDoS:
	case "":
		return icpcheck.Invalid("service", "required")
	default:
		return icpcheck.Invalid("service", "bad_enum", string(req.Service), join(Services))
	}
	switch {
	case req.Service == ServiceCDN && req.CDNArea == "":
		return icpcheck.Invalid("cdn_area", "required")
	case req.Service == ServiceCDN && !contains(Areas, req.CDNArea):
		return icpcheck.Invalid("cdn_area", "bad_enum", string(req.CDNArea), join(Areas))
	case req.Service != ServiceCDN && req.CDNArea != "":
		return icpcheck.Invalid("cdn_area", "advice_not_applicable", string(req.Service))
	}
	switch {
	case req.Origin != "" && !contains(Origins, req.Origin):
		return icpcheck.Invalid("origin", "bad_enum", string(req.Origin), join(Origins))
	case req.Service == ServiceOSS && req.Origin != "" && req.Origin != OriginThisProvider:
		// An OSS custom domain serves the bucket itself, which is always on this provider.
		return icpcheck.Invalid("origin", "advice_oss_origin")
	case req.Service != ServiceOSS && req.Origin == "":
		return icpcheck.Invalid("origin", "required")
	}
	if req.OriginProviderListed != nil && (req.Service == ServiceOSS || req.Origin != OriginThisProvider) {
		return icpcheck.Invalid("origin_provider_listed", "advice_not_applicable", string(req.Service)+"/"+string(req.Origin))
	}
	return nil
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func join[T ~string](list []T) string {
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
