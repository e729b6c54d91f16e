package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/i18n"
)

var nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

var instanceLink = regexp.MustCompile(`href="/console/instances/([^"?#/]+)"`)

// instanceIDs returns the instances a listing links to, in order.
func instanceIDs(body string) []string {
	var ids []string
	for _, m := range instanceLink.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestInstances(t *testing.T) {
	e := MustOpenEnv(t, 60)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)

	t.Run("OnlyOwn", func(t *testing.T) {
		_, want, err := e.Store.FindInstances(adminCtx(), icpcheck.InstanceFilter{Owner: demo.Customer})
		if err != nil {
			t.Fatal(err)
		}
		seen := walkPages(t, b, "/console/instances")
		for id := range seen {
			if rec, err := e.Store.FindInstance(adminCtx(), id); err != nil || rec.Instance.Owner != demo.Customer {
				t.Fatalf("the customer's listing shows %s, owned by another account", id)
			}
		}
		if len(seen) != want {
			t.Fatalf("listed %d instances over every page, want %d", len(seen), want)
		}
	})

	t.Run("FilterEligible", func(t *testing.T) {
		p := b.Get("/console/instances?eligible=no")
		if !strings.Contains(p.Body, `<option value="no" selected>`+i18n.T(i18n.ZH, "console.eligible.no")+`</option>`) {
			t.Fatal("the filter form does not show the filter in force")
		}
		ids := strings.Join(instanceIDs(p.Body), " ")
		if !strings.Contains(ids, "i-demo-hongkong") || strings.Contains(ids, "i-demo-eligible ") || strings.HasSuffix(ids, "i-demo-eligible") {
			t.Fatalf("eligible=no lists %s", ids)
		}
		p = b.Get("/console/instances?eligible=yes&product=ecs")
		ids = strings.Join(instanceIDs(p.Body), " ")
		if !strings.Contains(ids, "i-demo-eligible") || strings.Contains(ids, "i-demo-hongkong") || strings.Contains(ids, "wh-demo") {
			t.Fatalf("eligible=yes&product=ecs lists %s", ids)
		}
	})

	t.Run("FilterStatus", func(t *testing.T) {
		p := b.Get("/console/instances?status=stopped")
		for _, id := range instanceIDs(p.Body) {
			rec, _ := e.Store.FindInstance(adminCtx(), id)
			if rec.Instance.Status != icpcheck.StatusStopped {
				t.Fatalf("status=stopped lists %s, which is %s", id, rec.Instance.Status)
			}
		}
	})

	t.Run("EmptyState", func(t *testing.T) {
		p := b.Get("/console/instances?product=iot_studio&status=released")
		if p.Status != http.StatusOK || !contains(p.Body, i18n.T(i18n.ZH, "console.instances.empty_filtered")) {
			t.Fatalf("status=%d; want the empty state of a filtered listing", p.Status)
		}
	})

	t.Run("PastTheLastPage", func(t *testing.T) {
		p := b.Get("/console/instances?page=500")
		if p.Status != http.StatusOK || !contains(p.Body, i18n.T(i18n.ZH, "console.page.first")) || len(instanceIDs(p.Body)) != 0 {
			t.Fatalf("status=%d; want an empty page that links back to the first", p.Status)
		}
	})

	t.Run("ErrBadFilter", func(t *testing.T) {
		for _, q := range []string{"status=broken", "eligible=maybe", "product=ECS!", "page=0", "page=abc", "page=99999999999"} {
			p := b.Get("/console/instances?" + q + "&lang=en")
			if p.Status != http.StatusBadRequest || problemText(p.Body) == "" {
				t.Errorf("%s: status=%d problem=%q, want 400 with a message", q, p.Status, problemText(p.Body))
			}
		}
	})

	t.Run("ErrOtherCustomersInstance", func(t *testing.T) {
		p := b.Get("/console/instances/i-demo-other-customer")
		want := icpcheck.ErrorMessage(i18n.EN, icpcheck.Errorf(icpcheck.ENOTFOUND, "instance_not_found"))
		if p.Status != http.StatusNotFound || problemText(p.Body) != want {
			t.Fatalf("status=%d problem=%q, want 404 %q", p.Status, problemText(p.Body), want)
		}
	})

	t.Run("Admin", func(t *testing.T) {
		a := e.NewBrowser(t)
		a.SignIn(e.Admin)
		p := a.Get("/console/instances?owner=" + demo.OtherCustomer)
		ids := instanceIDs(p.Body)
		if len(ids) == 0 {
			t.Fatal("the admin sees none of the other customer's instances")
		}
		for _, id := range ids {
			if rec, _ := e.Store.FindInstance(adminCtx(), id); rec.Instance.Owner != demo.OtherCustomer {
				t.Fatalf("owner filter lists %s of %s", id, rec.Instance.Owner)
			}
		}
		if p := a.Get("/console/instances/i-demo-other-customer"); p.Status != http.StatusOK {
			t.Fatalf("admin on another account's instance: status=%d", p.Status)
		}
		// Every account's instances, page by page, and the ineligible ones among them.
		all, _, _ := e.Store.FindInstances(adminCtx(), icpcheck.InstanceFilter{Limit: icpcheck.MaxPageSize})
		ineligible := 0
		for _, rec := range all {
			if !eligibility.CheckWithLedger(rec.Instance, e.Store.Policy(), e.Clock.Now(), rec.Issued).Eligible() {
				ineligible++
			}
		}
		if got := walkPages(t, a, "/console/instances"); len(got) != len(all) {
			t.Fatalf("the pages show %d instances, want %d", len(got), len(all))
		}
		if got := walkPages(t, a, "/console/instances?eligible=no"); len(got) != ineligible || ineligible <= 20 {
			t.Fatalf("the pages of eligible=no show %d instances, want %d (over one page)", len(got), ineligible)
		}
		if p := a.Get("/console/instances?owner=abc"); p.Status != http.StatusBadRequest {
			t.Fatalf("owner=abc: status=%d, want 400", p.Status)
		}
	})
}

// walkPages follows a listing's "next" links from path and returns every instance shown,
// failing when a page holds more than a page's rows or the same instance shows twice.
func walkPages(t *testing.T, b *browser, path string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for pages := 0; path != ""; pages++ {
		if pages > 1000 {
			t.Fatal("the pager never ends")
		}
		p := b.Get(path)
		ids := instanceIDs(p.Body)
		if p.Status != http.StatusOK || len(ids) > 20 {
			t.Fatalf("%s: status=%d, %d rows", path, p.Status, len(ids))
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s shows %s again", path, id)
			}
			seen[id] = true
		}
		path = ""
		if m := nextLink.FindStringSubmatch(p.Body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	return seen
}

func TestChecklist(t *testing.T) {
	e := MustOpenEnv(t, 30)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)

	res, err := e.Store.CheckInstance(adminCtx(), "i-demo-hongkong", e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Langs {
		p := b.Get("/console/instances/i-demo-hongkong?lang=" + string(lang))
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `<html lang="`+string(lang)+`">`) {
			t.Fatalf("%s: status=%d, want 200 with html lang", lang, p.Status)
		}
		for i := range res.Checks {
			c := &res.Checks[i]
			if got := checkStatus(p.Body, c.Code); got != c.Status.String() {
				t.Errorf("%s: check %s shows %q, want %q", lang, c.Code, got, c.Status)
			}
			if !contains(p.Body, c.Message(lang)) {
				t.Errorf("%s: check %s: message %q missing", lang, c.Code, c.Message(lang))
			}
			if r := c.RemedyMessage(lang); r != "" && !contains(p.Body, r) {
				t.Errorf("%s: check %s: remedy %q missing", lang, c.Code, r)
			}
		}
	}
	if checkStatus(b.Get("/console/instances/i-demo-hongkong").Body, icpcheck.CodeRegion) != "fail" {
		t.Fatal("the Hong Kong instance's region check does not fail")
	}
	rep := res.Report(i18n.ZH)
	if rep.Quota == nil || !contains(b.Get("/console/instances/i-demo-eligible?lang=zh-CN").Body, i18n.T(i18n.ZH, "console.quota.long", 5, 5, 0)) {
		t.Fatal("the eligible instance's page does not show its remaining quota")
	}
}

func TestIssue(t *testing.T) {
	e := MustOpenEnv(t, 30)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)
	path := "/console/instances/i-demo-eligible"
	count := func() int {
		_, n, err := e.Store.FindNumbers(adminCtx(), numberFilterOf("i-demo-eligible"))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("OK", func(t *testing.T) {
		b.Get(path)
		p := b.Post(path+"/numbers", url.Values{"num": {"3"}})
		if p.Status != http.StatusSeeOther || count() != 3 {
			t.Fatalf("status=%d numbers=%d, want 303 and 3", p.Status, count())
		}
		p = b.Follow(p)
		if !contains(p.Body, i18n.T(i18n.ZH, "console.flash.issued", 3)) || !contains(p.Body, i18n.T(i18n.ZH, "console.quota.long", 2, 5, 3)) {
			t.Fatal("the page after issuing does not confirm it, or does not show the quota left")
		}
	})

	t.Run("ErrBadNum", func(t *testing.T) {
		for _, num := range []string{"", "abc", "0", "21", "-1", "1.5", "9999999999"} {
			p := b.Post(path+"/numbers", url.Values{"num": {num}})
			if p.Status != http.StatusBadRequest || problemText(p.Body) == "" {
				t.Errorf("num=%q: status=%d, want 400 with a message", num, p.Status)
			}
		}
		if count() != 3 {
			t.Fatalf("numbers=%d after refused requests, want 3", count())
		}
	})

	t.Run("ErrQuota", func(t *testing.T) {
		p := b.Post(path+"/numbers", url.Values{"num": {"3"}})
		want := icpcheck.ErrorMessage(i18n.ZH, icpcheck.Errorf(icpcheck.ECONFLICT, "quota_exceeded", 5, 3, 3))
		if p.Status != http.StatusConflict || problemText(p.Body) != want {
			t.Fatalf("status=%d problem=%q, want 409 %q", p.Status, problemText(p.Body), want)
		}
		if count() != 3 {
			t.Fatalf("numbers=%d: a refused request issued some", count())
		}
		if !strings.Contains(p.Body, `value="3"`) {
			t.Fatal("the refused form does not keep the number asked for")
		}
	})

	t.Run("ErrNotEligible", func(t *testing.T) {
		p := b.Post("/console/instances/i-demo-hongkong/numbers", url.Values{"num": {"1"}})
		if p.Status != http.StatusConflict || checkStatus(problemText2(p.Body), icpcheck.CodeRegion) != "fail" {
			t.Fatalf("status=%d, want 409 listing the failing region check", p.Status)
		}
	})

	t.Run("ErrNotOwner", func(t *testing.T) {
		p := b.Post("/console/instances/i-demo-other-customer/numbers", url.Values{"num": {"1"}})
		if p.Status != http.StatusNotFound {
			t.Fatalf("status=%d, want 404", p.Status)
		}
	})
}

// problemText2 returns the raw HTML of a page's problem box, checks included.
func problemText2(body string) string {
	i := strings.Index(body, `<div class="problem"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</ol>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}
