package advice_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/advice"
	"github.com/icpcheck/icpcheck/policy"
)

func mustPolicy(tb testing.TB) *icpcheck.Policy {
	tb.Helper()
	p := policy.Default()
	if p == nil {
		tb.Fatal("policy.Default() = nil")
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// combination is one point of the input space, valid or not: every service with every area
// (and none), every origin (and none), both listings, and the origin listing absent, true
// or false.
type combination struct {
	service      advice.Service
	area         advice.Area
	origin       advice.Origin
	listed       bool
	originListed *bool
}

func (c combination) String() string {
	ol := "nil"
	if c.originListed != nil {
		ol = fmt.Sprint(*c.originListed)
	}
	return fmt.Sprintf("%s/%s/%s/listed=%v/origin_listed=%s", c.service, c.area, c.origin, c.listed, ol)
}

func allCombinations() []combination {
	var out []combination
	areas := append([]advice.Area{""}, advice.Areas...)
	origins := append([]advice.Origin{""}, advice.Origins...)
	for _, s := range advice.Services {
		for _, a := range areas {
			for _, o := range origins {
				for _, l := range []bool{false, true} {
					for _, ol := range []*bool{nil, ptr(false), ptr(true)} {
						out = append(out, combination{s, a, o, l, ol})
					}
				}
			}
		}
	}
	return out
}

// wantInvalid returns the field an invalid combination must be refused for, or "".
func wantInvalid(c combination) string {
	switch {
	case c.service == advice.ServiceCDN && c.area == "":
		return "cdn_area"
	case c.service != advice.ServiceCDN && c.area != "":
		return "cdn_area"
	case c.service == advice.ServiceOSS && c.origin != "" && c.origin != advice.OriginThisProvider:
		return "origin"
	case c.service != advice.ServiceOSS && c.origin == "":
		return "origin"
	case c.originListed != nil && (c.service == advice.ServiceOSS || c.origin != advice.OriginThisProvider):
		return "origin_provider_listed"
	}
	return ""
}

var serviceRule = map[advice.Service]string{
	advice.ServiceOSS:      advice.RuleOSSFiling,
	advice.ServiceCDN:      advice.RuleCDNFiling,
	advice.ServiceWAF:      advice.RuleWAFFiling,
	advice.ServiceAntiDDoS: advice.RuleAntiDDoSFiling,
}

var originRule = map[advice.Origin]string{
	advice.OriginThisProvider:  advice.RuleOriginThisProvider,
	advice.OriginOtherProvider: advice.RuleOriginOtherProvider,
	advice.OriginSelfManaged:   advice.RuleOriginSelfManaged,
}

// TestAdviseEveryCombination runs the whole input space and asserts each rule's invariants,
// so that a rule that fires where it should not, or stays silent where it should speak, fails
// for the combination that shows it.
func TestAdviseEveryCombination(t *testing.T) {
	p := mustPolicy(t)
	seen := map[string]bool{}
	valid := 0
	for _, c := range allCombinations() {
		req := advice.Request{Domain: "www.example.com", Service: c.service, CDNArea: c.area,
			Origin: c.origin, ProviderListed: c.listed, OriginProviderListed: c.originListed}
		a, err := advice.Advise(req, p)
		if field := wantInvalid(c); field != "" {
			var e *icpcheck.Error
			if icpcheck.ErrorCode(err) != icpcheck.EINVALID {
				t.Errorf("%v: code=%q, want %q", c, icpcheck.ErrorCode(err), icpcheck.EINVALID)
			} else if e, _ = err.(*icpcheck.Error); e.Field != field {
				t.Errorf("%v: field=%q, want %q", c, e.Field, field)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c, err)
			continue
		}
		valid++
		checkInvariants(t, c, a)
		for _, it := range a.Items {
			seen[it.Code+"/"+string(it.Verdict)] = true
		}
	}
	if valid == 0 {
		t.Fatal("no valid combination")
	}
	// Every rule must be reachable with each of its verdicts.
	for _, want := range []string{
		"oss_filing/filing_needed", "oss_filing/not_needed",
		"cdn_filing/filing_needed", "cdn_filing/not_needed", "cdn_outside_mainland/not_needed",
		"waf_filing/filing_needed", "waf_filing/not_needed",
		"anti_ddos_filing/filing_needed", "anti_ddos_filing/not_needed",
		"origin_this_provider/not_needed", "origin_this_provider/origin_unreachable",
		"origin_other_provider/file_through_other_provider", "origin_self_managed/file_through_isp",
	} {
		if !seen[want] {
			t.Errorf("rule/verdict %s never given", want)
		}
	}
	for _, code := range advice.Rules {
		found := false
		for k := range seen {
			found = found || strings.HasPrefix(k, code+"/")
		}
		if !found {
			t.Errorf("rule %s never given", code)
		}
	}
}

func checkInvariants(t *testing.T, c combination, a *advice.Advice) {
	t.Helper()
	codes := map[string]bool{}
	for _, it := range a.Items {
		if codes[it.Code] {
			t.Errorf("%v: rule %s given twice", c, it.Code)
		}
		codes[it.Code] = true
		if it.Text.ZH == "" || it.Text.EN == "" || it.Text.ZH == it.Key || it.Text.EN == it.Key {
			t.Errorf("%v: %s: text missing for key %s", c, it.Code, it.Key)
		}
		if strings.Contains(it.Text.ZH+it.Text.EN, "{") {
			t.Errorf("%v: %s: unfilled placeholder in %q", c, it.Code, it.Text.EN)
		}
		if !strings.Contains(it.Text.EN, "Alibaba Cloud") && !strings.Contains(it.Text.EN, "www.example.com") {
			t.Errorf("%v: %s: text names neither the domain nor the provider: %q", c, it.Code, it.Text.EN)
		}
	}

	// Rule 1: exactly one rule about the domain's own filing comes first.
	if len(a.Items) == 0 {
		t.Fatalf("%v: no items", c)
	}
	first := a.Items[0]
	switch {
	case c.service == advice.ServiceCDN && c.area == advice.AreaOutsideMainland:
		expect(t, c, first, advice.RuleCDNOutsideMainland, advice.NotNeeded)
	case c.listed:
		expect(t, c, first, serviceRule[c.service], advice.NotNeeded)
	default:
		expect(t, c, first, serviceRule[c.service], advice.FilingNeeded)
	}

	// Rule 2: OSS serves its own bucket and has no origin rule; every other service has
	// exactly the rule of its origin.
	if c.service == advice.ServiceOSS {
		if len(a.Items) != 1 {
			t.Errorf("%v: %d items, want 1", c, len(a.Items))
		}
		return
	}
	if len(a.Items) != 2 {
		t.Fatalf("%v: %d items, want 2", c, len(a.Items))
	}
	second := a.Items[1]
	switch c.origin {
	case advice.OriginThisProvider:
		listed := c.listed
		if c.originListed != nil {
			listed = *c.originListed
		}
		if listed {
			expect(t, c, second, advice.RuleOriginThisProvider, advice.NotNeeded)
		} else {
			expect(t, c, second, advice.RuleOriginThisProvider, advice.OriginUnreachable)
		}
	case advice.OriginOtherProvider:
		expect(t, c, second, originRule[c.origin], advice.FileThroughOtherProvider)
	case advice.OriginSelfManaged:
		expect(t, c, second, originRule[c.origin], advice.FileThroughISP)
	}
}

func expect(t *testing.T, c combination, it advice.Item, code string, v advice.Verdict) {
	t.Helper()
	if it.Code != code || it.Verdict != v {
		t.Errorf("%v: item %s/%s, want %s/%s", c, it.Code, it.Verdict, code, v)
	}
}

// TestAdviseNamedCases pins the cases an ICP team asks about, by name.
func TestAdviseNamedCases(t *testing.T) {
	p := mustPolicy(t)
	type item struct {
		code    string
		verdict advice.Verdict
	}
	for _, tc := range []struct {
		name string
		req  advice.Request
		want []item
	}{
		{"OSSCustomDomainNotListed",
			advice.Request{Domain: "static.example.com", Service: advice.ServiceOSS},
			[]item{{advice.RuleOSSFiling, advice.FilingNeeded}}},
		{"OSSCustomDomainListed",
			advice.Request{Domain: "static.example.com", Service: advice.ServiceOSS, Origin: advice.OriginThisProvider, ProviderListed: true},
			[]item{{advice.RuleOSSFiling, advice.NotNeeded}}},
		{"CDNGlobalOriginOnProviderNotListed",
			advice.Request{Domain: "www.example.com", Service: advice.ServiceCDN, CDNArea: advice.AreaGlobal, Origin: advice.OriginThisProvider},
			[]item{{advice.RuleCDNFiling, advice.FilingNeeded}, {advice.RuleOriginThisProvider, advice.OriginUnreachable}}},
		{"CDNMainlandOriginDomainListed",
			advice.Request{Domain: "www.example.com", Service: advice.ServiceCDN, CDNArea: advice.AreaMainland, Origin: advice.OriginThisProvider, OriginProviderListed: ptr(true)},
			[]item{{advice.RuleCDNFiling, advice.FilingNeeded}, {advice.RuleOriginThisProvider, advice.NotNeeded}}},
		{"CDNOutsideMainlandOriginOnProviderNotListed",
			advice.Request{Domain: "www.example.com", Service: advice.ServiceCDN, CDNArea: advice.AreaOutsideMainland, Origin: advice.OriginThisProvider},
			[]item{{advice.RuleCDNOutsideMainland, advice.NotNeeded}, {advice.RuleOriginThisProvider, advice.OriginUnreachable}}},
		{"CDNOutsideMainlandSelfManaged",
			advice.Request{Domain: "www.example.com", Service: advice.ServiceCDN, CDNArea: advice.AreaOutsideMainland, Origin: advice.OriginSelfManaged},
			[]item{{advice.RuleCDNOutsideMainland, advice.NotNeeded}, {advice.RuleOriginSelfManaged, advice.FileThroughISP}}},
		{"WAFListedButOriginDomainNot",
			advice.Request{Domain: "shop.example.com", Service: advice.ServiceWAF, Origin: advice.OriginThisProvider, ProviderListed: true, OriginProviderListed: ptr(false)},
			[]item{{advice.RuleWAFFiling, advice.NotNeeded}, {advice.RuleOriginThisProvider, advice.OriginUnreachable}}},
		{"AntiDDoSOtherProvider",
			advice.Request{Domain: "game.example.com", Service: advice.ServiceAntiDDoS, Origin: advice.OriginOtherProvider},
			[]item{{advice.RuleAntiDDoSFiling, advice.FilingNeeded}, {advice.RuleOriginOtherProvider, advice.FileThroughOtherProvider}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := advice.Advise(tc.req, p)
			if err != nil {
				t.Fatal(err)
			}
			var got []item
			for _, it := range a.Items {
				got = append(got, item{it.Code, it.Verdict})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("items=%v, want %v", got, tc.want)
			}
		})
	}
}

func TestAdviseDomain(t *testing.T) {
	p := mustPolicy(t)
	for _, tc := range []struct {
		in, want, reason string
	}{
		{"WWW.Example.COM.", "www.example.com", ""},
		{"*.example.com", "*.example.com", ""},
		{"阿里云.网址", "xn--9kqx25nv1c.xn--ses554g", ""},
		{"", "", "required"},
		{"localhost", "", "advice_bad_domain"},
		{"1.2.3.4", "", "advice_bad_domain"},
		{"-bad.example.com", "", "advice_bad_domain"},
		{"a..b.com", "", "advice_bad_domain"},
		{"exa mple.com", "", "advice_bad_domain"},
		{strings.Repeat("a", 64) + ".com", "", "advice_bad_domain"},
		{"http://example.com/", "", "advice_bad_domain"},
	} {
		a, err := advice.Advise(advice.Request{Domain: tc.in, Service: advice.ServiceOSS}, p)
		if got := icpcheck.ErrorReason(err); got != tc.reason {
			t.Errorf("%q: reason=%q, want %q", tc.in, got, tc.reason)
			continue
		}
		if err == nil && a.Request.Domain != tc.want {
			t.Errorf("%q: domain=%q, want %q", tc.in, a.Request.Domain, tc.want)
		}
	}
}

func TestAdviseBadEnums(t *testing.T) {
	p := mustPolicy(t)
	for _, tc := range []struct {
		req   advice.Request
		field string
	}{
		{advice.Request{Domain: "example.com"}, "service"},
		{advice.Request{Domain: "example.com", Service: "ecs"}, "service"},
		{advice.Request{Domain: "example.com", Service: advice.ServiceCDN, CDNArea: "moon", Origin: advice.OriginSelfManaged}, "cdn_area"},
		{advice.Request{Domain: "example.com", Service: advice.ServiceWAF, Origin: "cloud"}, "origin"},
	} {
		_, err := advice.Advise(tc.req, p)
		e, ok := err.(*icpcheck.Error)
		if !ok || e.Code != icpcheck.EINVALID || e.Field != tc.field {
			t.Errorf("%+v: err=%v, want EINVALID on %s", tc.req, err, tc.field)
		}
	}
}
