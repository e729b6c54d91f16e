package console_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/advice"
	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/policy"
)

func TestLanguage(t *testing.T) {
	e := MustOpenEnv(t, 5)
	b := e.NewBrowser(t)

	if p := b.Get("/console/signin"); !strings.Contains(p.Body, `<html lang="zh-CN">`) || !contains(p.Body, i18n.T(i18n.ZH, "console.signin.intro")) {
		t.Fatal("the default language is not Simplified Chinese")
	}
	p := b.Get("/console/signin?lang=en")
	if !strings.Contains(p.Body, `<html lang="en">`) || p.Header.Get("Content-Language") != "en" {
		t.Fatal("?lang=en is not honoured")
	}
	if b.Cookie("icpcheck_lang") != "en" {
		t.Fatal("the language is not remembered")
	}
	b.SignIn(e.Customer)
	if p := b.Get("/console/instances"); !strings.Contains(p.Body, `<html lang="en">`) || !contains(p.Body, i18n.T(i18n.EN, "console.instances.title")) {
		t.Fatal("the remembered language is not used on the next page")
	}
	if p := b.Get("/console/instances?lang=klingon"); !strings.Contains(p.Body, `<html lang="en">`) {
		t.Fatal("an unknown ?lang= changed the language")
	}
	// The switch links back to the same page, filters kept.
	p = b.Get("/console/instances?status=running&lang=zh-CN")
	if !strings.Contains(p.Body, `href="/console/instances?lang=en&amp;status=running"`) {
		t.Fatal("the language switch does not link to the same page in English")
	}
}

func TestErrorPages(t *testing.T) {
	e := MustOpenEnv(t, 5)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)

	for _, tc := range []struct {
		method, path string
		status       int
		key          string
	}{
		{"GET", "/console/nowhere", http.StatusNotFound, "console.error.no_page"},
		{"GET", "/console/signout", http.StatusNotFound, "console.error.no_page"},
		{"POST", "/console/instances", http.StatusMethodNotAllowed, "console.error.method"},
		{"DELETE", "/console/filings/x", http.StatusMethodNotAllowed, "console.error.method"},
	} {
		req, _ := http.NewRequest(tc.method, e.Server.URL+tc.path+"?lang=en", strings.NewReader(url.Values{"csrf": {b.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		p := b.do(req)
		if p.Status != tc.status || problemText(p.Body) != i18n.T(i18n.EN, tc.key) {
			t.Errorf("%s %s: status=%d problem=%q, want %d %q", tc.method, tc.path, p.Status, problemText(p.Body), tc.status, i18n.T(i18n.EN, tc.key))
		}
	}

	// An oversized form is refused, not read whole.
	big := url.Values{"num": {strings.Repeat("1", 300<<10)}}
	if p := b.Post("/console/instances/i-demo-eligible/numbers", big); p.Status != http.StatusBadRequest {
		t.Errorf("oversized form: status=%d, want 400", p.Status)
	}

	// Pages carry the headers that keep them out of frames and caches.
	p := b.Get("/console/instances")
	if !strings.Contains(p.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || p.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", p.Header)
	}
}

func TestFlash(t *testing.T) {
	e := MustOpenEnv(t, 5)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)
	forge := func(key string, params ...string) string {
		data, _ := json.Marshal(map[string]any{"k": key, "p": params})
		return base64.RawURLEncoding.EncodeToString(data)
	}
	for _, key := range []string{"error.internal", "console.brand", "console.flash.nonexistent"} {
		b.SetCookie("icpcheck_flash", forge(key))
		if p := b.Get("/console/instances"); strings.Contains(p.Body, `class="flash"`) {
			t.Errorf("a forged flash %q is shown", key)
		}
	}
	b.SetCookie("icpcheck_flash", forge("console.flash.granted", "<script>alert(1)</script>"))
	if p := b.Get("/console/instances"); strings.Contains(p.Body, "<script>alert") || !strings.Contains(p.Body, `class="flash"`) {
		t.Error("a flash parameter is not escaped, or the flash is not shown")
	}
	if p := b.Get("/console/instances"); strings.Contains(p.Body, `class="flash"`) {
		t.Error("the flash is shown twice")
	}
}

func TestAdvice(t *testing.T) {
	e := MustOpenEnv(t, 5)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)

	if p := b.Get("/console/advice"); p.Status != http.StatusOK || strings.Contains(p.Body, `class="problem"`) {
		t.Fatalf("the empty advice form: status=%d", p.Status)
	}
	q := url.Values{"domain": {"WWW.Example.com"}, "service": {"cdn"}, "cdn_area": {"global"}, "origin": {"this_provider"}, "origin_listed": {"no"}, "lang": {"en"}}
	p := b.Get("/console/advice?" + q.Encode())
	listed := false
	want, err := advice.Advise(advice.Request{Domain: "www.example.com", Service: advice.ServiceCDN, CDNArea: advice.AreaGlobal, Origin: advice.OriginThisProvider, OriginProviderListed: &listed}, policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range want.Items {
		if !contains(p.Body, it.Text.EN) {
			t.Errorf("advice %s missing: %q", it.Code, it.Text.EN)
		}
	}
	// A CDN area sent with another service is dropped, as the form's script hides it.
	q.Set("service", "waf")
	if p := b.Get("/console/advice?" + q.Encode()); p.Status != http.StatusOK {
		t.Fatalf("waf with a leftover CDN area: status=%d problem=%q", p.Status, problemText(p.Body))
	}
	for _, bad := range []url.Values{
		{"domain": {"not a domain"}, "service": {"oss"}},
		{"domain": {"example.com"}, "service": {""}},
		{"domain": {"example.com"}, "service": {"cdn"}, "origin": {"this_provider"}},
		{"domain": {"example.com"}, "service": {"waf"}, "origin": {"mars"}},
		{"domain": {strings.Repeat("a", 300)}, "service": {"oss"}},
	} {
		if p := b.Get("/console/advice?" + bad.Encode()); p.Status != http.StatusBadRequest || problemText(p.Body) == "" {
			t.Errorf("%v: status=%d, want 400 with a message", bad, p.Status)
		}
	}
}

func TestFindings(t *testing.T) {
	e := MustOpenEnv(t, 30)
	expires := demoAt.Add(10 * 24 * time.Hour)
	run := icpcheck.FindingRun{
		Monitor: icpcheck.MonitorExpiry, At: demoAt, Started: time.Now(),
		Findings: []*icpcheck.Finding{{
			Key: icpcheck.FindingKey(icpcheck.MonitorExpiry, icpcheck.FindingExpiring, "i-demo-expiring", "15"), Monitor: icpcheck.MonitorExpiry,
			Kind: icpcheck.FindingExpiring, Scope: icpcheck.InstanceScope("i-demo-expiring"), Owner: demo.Customer,
			InstanceID: "i-demo-expiring", Reminder: 15, DaysLeft: 10, ExpiresAt: &expires,
		}},
	}
	if _, err := e.Store.ReconcileFindings(adminCtx(), run); err != nil {
		t.Fatal(err)
	}
	f := run.Findings[0]
	for _, tc := range []struct {
		key  *icpcheck.AccessKey
		sees bool
	}{{e.Customer, true}, {e.Other, false}, {e.Admin, true}} {
		b := e.NewBrowser(t)
		b.SignIn(tc.key)
		p := b.Get("/console/findings?lang=en")
		if p.Status != http.StatusOK {
			t.Fatalf("%s: status=%d", tc.key.Account, p.Status)
		}
		if got := contains(p.Body, f.Message(i18n.EN)); got != tc.sees {
			t.Errorf("%s sees the finding: %v, want %v", tc.key.Account, got, tc.sees)
		}
		if p := b.Get("/console/findings?kind=nope"); p.Status != http.StatusBadRequest {
			t.Errorf("kind=nope: status=%d, want 400", p.Status)
		}
	}
}

func TestAccount(t *testing.T) {
	e := MustOpenEnv(t, 30)
	c := e.NewBrowser(t)
	c.SignIn(e.Customer)
	p := c.Get("/console/account?id=" + demo.OtherCustomer)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, e.Customer.ID) || strings.Contains(p.Body, e.Other.ID) {
		t.Fatal("a customer's account page shows another account, or not its own key")
	}
	if strings.Contains(p.Body, e.Customer.Secret) {
		t.Fatal("the account page shows a secret")
	}
	a := e.NewBrowser(t)
	a.SignIn(e.Admin)
	if p := a.Get("/console/account?id=" + demo.OtherCustomer); !strings.Contains(p.Body, e.Other.ID) {
		t.Fatal("the admin cannot look up another account")
	}
	if p := a.Get("/console/account?id=42x"); p.Status != http.StatusBadRequest {
		t.Fatalf("id=42x: status=%d, want 400", p.Status)
	}
	if p := a.Get("/console/account?id=999999999"); p.Status != http.StatusNotFound {
		t.Fatalf("an unknown account: status=%d, want 404", p.Status)
	}
}

// TestEveryPage loads every page as each role with hostile parameters: none may fail with
// a server error, and each shows its texts from the catalog, never a bare key.
func TestEveryPage(t *testing.T) {
	e := MustOpenEnv(t, 40)
	nums := issue(t, e, "i-demo-eligible", 2)
	c := e.NewBrowser(t)
	c.SignIn(e.Customer)
	c.Get("/console/filings/new")
	id := createFiling(t, c, url.Values{"type": {"app"}, "app_name": {"备案助手"}, "sn": {nums[0].SN}, "provider": {"alibaba"}, "method": {"cloud_server"}, "region": {"cn-hangzhou"}, "ips": {"47.96.10.20"}})
	paths := []string{
		"/console/", "/console/signin", "/console/instances", "/console/instances?page=2", "/console/instances?page=500",
		"/console/instances/i-demo-eligible", "/console/instances/i-demo-eligible?page=x", "/console/instances/%E4%B8%AD",
		"/console/numbers", "/console/numbers?state=9", "/console/numbers?state=bound&instance=" + strings.Repeat("x", 200),
		"/console/numbers/" + nums[0].SN, "/console/numbers/" + nums[1].SN,
		"/console/filings", "/console/filings?state=nope&type=x", "/console/filings/new", "/console/filings/new?sn=bad&instance=nope",
		"/console/filings/new?instance=i-demo-eligible", "/console/filings/" + id, "/console/filings/nope",
		"/console/findings", "/console/findings?all=yes&monitor=expiry", "/console/advice", "/console/advice?domain=",
		"/console/account", "/console/assets/console.css", "/console/assets/nope.css", "/console/assets/..%2fconsole.go",
	}
	a := e.NewBrowser(t)
	a.SignIn(e.Admin)
	for _, b := range []*browser{c, a, e.NewBrowser(t)} {
		for _, lang := range []string{"zh-CN", "en"} {
			for _, path := range paths {
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				p := b.Follow(b.Get(path + sep + "lang=" + lang))
				if p.Status >= 500 {
					t.Errorf("%s: status=%d", path, p.Status)
				}
				if strings.Contains(p.Body, ">console.") || strings.Contains(p.Body, `"console.`) {
					t.Errorf("%s (%s): a catalog key shows instead of its text", path, lang)
				}
			}
		}
	}
}

// TestStoreDown shows that a store that cannot be reached gives a page that says so.
func TestStoreDown(t *testing.T) {
	e := MustOpenEnv(t, 5)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)
	e.Store.Close()
	p := b.Get("/console/instances")
	if p.Status < 500 || problemText(p.Body) == "" {
		t.Fatalf("status=%d problem=%q, want a 5xx page with a message", p.Status, problemText(p.Body))
	}
}
