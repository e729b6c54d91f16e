package console_test

import (
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

// issue issues n numbers to instance id for its owner, through the store.
func issue(t *testing.T, e *env, id string, n int) []*icpcheck.ServiceNumber {
	t.Helper()
	rec, err := e.Store.FindInstance(adminCtx(), id)
	if err != nil {
		t.Fatal(err)
	}
	nums, err := e.Store.IssueNumbers(adminCtx(), icpcheck.IssueRequest{InstanceID: id, Owner: rec.Instance.Owner, Num: n})
	if err != nil {
		t.Fatal(err)
	}
	return nums
}

var filingLocation = regexp.MustCompile(`^/console/filings/([^/?#]+)$`)

// createFiling submits the new-filing form and returns the new filing's id.
func createFiling(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	b.Get("/console/filings/new")
	p := b.Post("/console/filings", form)
	m := filingLocation.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create filing: status=%d location=%q problem=%q", p.Status, p.Location, problemText(p.Body))
	}
	return m[1]
}

func TestGrant(t *testing.T) {
	e := MustOpenEnv(t, 30)
	nums := issue(t, e, "i-demo-eligible", 3)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)
	path := "/console/numbers/" + nums[0].SN

	t.Run("OK", func(t *testing.T) {
		b.Get(path)
		p := b.Post(path+"/grant", url.Values{"grant_to": {demo.OtherCustomer}, "notes": {"给合作伙伴"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("status=%d problem=%q, want 303", p.Status, problemText(p.Body))
		}
		n, _ := e.Store.FindNumber(adminCtx(), nums[0].SN)
		if n.GrantedTo != demo.OtherCustomer || n.GrantNotes != "给合作伙伴" {
			t.Fatalf("granted to %q with notes %q", n.GrantedTo, n.GrantNotes)
		}
		o := e.NewBrowser(t)
		o.SignIn(e.Other)
		if p := o.Get("/console/numbers"); !strings.Contains(p.Body, nums[0].SN) || strings.Contains(p.Body, nums[1].SN) {
			t.Fatal("the grantee's numbers do not list exactly the granted number")
		}
	})

	for _, tc := range []struct {
		name, grantee string
		status        int
		reason        string
	}{
		{"ErrSelf", demo.Customer, http.StatusBadRequest, "grant_to_self"},
		{"ErrBadAccount", "12ab", http.StatusBadRequest, "bad_account"},
		{"ErrEmpty", "", http.StatusBadRequest, "bad_account"},
		{"ErrAlreadyGranted", "3234567890123456", http.StatusConflict, "already_granted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.Get(path)
			p := b.Post(path+"/grant", url.Values{"grant_to": {tc.grantee}})
			if p.Status != tc.status || problemText(p.Body) == "" {
				t.Fatalf("status=%d problem=%q, want %d with a message", p.Status, problemText(p.Body), tc.status)
			}
		})
	}

	t.Run("ErrNotOwner", func(t *testing.T) {
		o := e.NewBrowser(t)
		o.SignIn(e.Other)
		o.Get(path)
		if p := o.Post(path+"/grant", url.Values{"grant_to": {"3234567890123456"}}); p.Status != http.StatusForbidden {
			t.Fatalf("the grantee re-granting: status=%d, want 403", p.Status)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, sn := range []string{"not-a-uuid", icpcheck.NewSN()} {
			if p := b.Get("/console/numbers/" + sn); p.Status != http.StatusNotFound {
				t.Errorf("%s: status=%d, want 404", sn, p.Status)
			}
		}
	})
}

func TestVoid(t *testing.T) {
	e := MustOpenEnv(t, 30)
	nums := issue(t, e, "i-demo-eligible", 1)
	path := "/console/numbers/" + nums[0].SN

	c := e.NewBrowser(t)
	c.SignIn(e.Customer)
	if p := c.Get(path); strings.Contains(p.Body, path+"/void") {
		t.Fatal("a customer is offered the void form")
	}
	if p := c.Post(path+"/void", url.Values{"reason": {"x"}}); p.Status != http.StatusForbidden {
		t.Fatalf("customer voiding: status=%d, want 403", p.Status)
	}

	a := e.NewBrowser(t)
	a.SignIn(e.Admin)
	a.Get(path)
	if p := a.Post(path+"/void", url.Values{"reason": {"  "}}); p.Status != http.StatusBadRequest {
		t.Fatalf("void without a reason: status=%d, want 400", p.Status)
	}
	if p := a.Post(path+"/void", url.Values{"reason": {strings.Repeat("长", 501)}}); p.Status != http.StatusBadRequest {
		t.Fatalf("void with a long reason: status=%d, want 400", p.Status)
	}
	if p := a.Post(path+"/void", url.Values{"reason": {"客户申请作废"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("status=%d problem=%q, want 303", p.Status, problemText(p.Body))
	}
	if n, _ := e.Store.FindNumber(adminCtx(), nums[0].SN); n.State != icpcheck.NumberInvalid {
		t.Fatalf("state=%v, want invalid", n.State)
	}
}

func TestFiling(t *testing.T) {
	e := MustOpenEnv(t, 30)
	nums := issue(t, e, "i-demo-eligible", 2)
	rec, _ := e.Store.FindInstance(adminCtx(), "i-demo-eligible")
	in := rec.Instance
	good := func(sn string) url.Values {
		return url.Values{
			"type": {"website"}, "sn": {sn}, "domains": {"www.example.com\nexample.com"},
			"provider": {"alibaba"}, "method": {"cloud_server"}, "region": {in.Region}, "ips": {in.PublicIPs[0].String()},
		}
	}
	c := e.NewBrowser(t)
	c.SignIn(e.Customer)
	a := e.NewBrowser(t)
	a.SignIn(e.Admin)

	t.Run("NewFormPrefilled", func(t *testing.T) {
		p := c.Get("/console/filings/new?sn=" + nums[0].SN)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, in.PublicIPs[0].String()) || !strings.Contains(p.Body, `value="`+in.Region+`"`) {
			t.Fatalf("status=%d; the form is not filled in from the number's instance", p.Status)
		}
	})

	t.Run("SubmitApprove", func(t *testing.T) {
		id := createFiling(t, c, good(nums[0].SN))
		p := c.Get("/console/filings/" + id)
		if checkStatus(p.Body, eligibility.CodeAccessIP) != "pass" || checkStatus(p.Body, eligibility.CodeAccessRegion) != "pass" {
			t.Fatal("the draft's access check does not show passing access checks")
		}
		if p := c.Post("/console/filings/"+id+"/submit", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("submit: status=%d problem=%q", p.Status, problemText(p.Body))
		}
		// Only an admin reviews.
		c.Get("/console/filings/" + id)
		if p := c.Post("/console/filings/"+id+"/approve", url.Values{"beian_num": {"浙ICP备00000000号-1"}}); p.Status != http.StatusForbidden {
			t.Fatalf("customer approving: status=%d, want 403", p.Status)
		}
		a.Get("/console/filings/" + id)
		if p := a.Post("/console/filings/"+id+"/approve", url.Values{"beian_num": {""}}); p.Status != http.StatusBadRequest {
			t.Fatalf("approve without a number: status=%d, want 400", p.Status)
		}
		if p := a.Post("/console/filings/"+id+"/approve", url.Values{"beian_num": {"浙ICP备12345678号-1"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("approve: status=%d problem=%q", p.Status, problemText(p.Body))
		}
		fl, _ := e.Store.FindFiling(adminCtx(), id)
		n, _ := e.Store.FindNumber(adminCtx(), nums[0].SN)
		if fl.State != icpcheck.FilingFiled || fl.BeianNum != "浙ICP备12345678号-1" || n.State != icpcheck.NumberFiled {
			t.Fatalf("filing %s %q, number %v: want filed", fl.State, fl.BeianNum, n.State)
		}
		if p := c.Get("/console/filings/" + id); !contains(p.Body, "浙ICP备12345678号-1") {
			t.Fatal("the filer's page does not show the filing number")
		}
		// A filed filing offers to end it, with a confirmation.
		if p := c.Post("/console/filings/"+id+"/deregister", nil); p.Status != http.StatusBadRequest {
			t.Fatalf("deregister without confirming: status=%d, want 400", p.Status)
		}
		if p := c.Post("/console/filings/"+id+"/deregister", url.Values{"confirm": {"yes"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("deregister: status=%d problem=%q", p.Status, problemText(p.Body))
		}
	})

	t.Run("AccessMismatchCheckByCheck", func(t *testing.T) {
		form := good(nums[1].SN)
		form.Set("ips", "8.8.8.8")
		form.Set("region", "cn-beijing")
		id := createFiling(t, c, form)
		p := c.Post("/console/filings/"+id+"/submit", nil)
		box := problemText2(p.Body)
		if p.Status != http.StatusConflict || checkStatus(box, eligibility.CodeAccessIP) != "fail" || checkStatus(box, eligibility.CodeAccessRegion) != "fail" {
			t.Fatalf("status=%d, want 409 listing the failing access_ip and access_region checks", p.Status)
		}
		if checkStatus(box, eligibility.CodeAccessProvider) != "" {
			t.Fatal("the refusal lists a passing check among the failing ones")
		}
		// Mend it and submit again.
		c.Get("/console/filings/" + id)
		fix := good(nums[1].SN)
		if p := c.Post("/console/filings/"+id, fix); p.Status != http.StatusSeeOther {
			t.Fatalf("update: status=%d problem=%q", p.Status, problemText(p.Body))
		}
		if p := c.Post("/console/filings/"+id+"/submit", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("submit after mending: status=%d problem=%q", p.Status, problemText(p.Body))
		}
		a.Get("/console/filings/" + id)
		if p := a.Post("/console/filings/"+id+"/reject", url.Values{"reason": {"网站名称不符合要求"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("reject: status=%d problem=%q", p.Status, problemText(p.Body))
		}
		if p := c.Get("/console/filings/" + id); !contains(p.Body, "网站名称不符合要求") || !strings.Contains(p.Body, "/console/filings/"+id+"/submit") {
			t.Fatal("the rejected filing does not show the reason, or cannot be submitted again")
		}
	})

	t.Run("DirectFromInstance", func(t *testing.T) {
		form := good("")
		form.Del("sn")
		form.Set("instance_id", "wh-demo-eligible")
		wh, _ := e.Store.FindInstance(adminCtx(), "wh-demo-eligible")
		form.Set("method", "virtual_host")
		form.Set("region", wh.Instance.Region)
		form.Set("ips", wh.Instance.PublicIPs[0].String())
		id := createFiling(t, c, form)
		fl, _ := e.Store.FindFiling(adminCtx(), id)
		if fl.InstanceID != "wh-demo-eligible" || fl.SN == "" {
			t.Fatalf("filing %+v: want a number issued from wh-demo-eligible", fl)
		}
	})

	t.Run("ErrBadForm", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			edit   func(url.Values)
			status int
		}{
			{"NoSource", func(f url.Values) { f.Del("sn") }, http.StatusBadRequest},
			{"BadType", func(f url.Values) { f.Set("type", "blog") }, http.StatusBadRequest},
			{"NoDomains", func(f url.Values) { f.Set("domains", " ") }, http.StatusBadRequest},
			{"BadDomain", func(f url.Values) { f.Set("domains", "not a domain!") }, http.StatusBadRequest},
			{"BadIP", func(f url.Values) { f.Set("ips", "47.96.10.300") }, http.StatusBadRequest},
			{"AppWithoutName", func(f url.Values) { f.Set("type", "app") }, http.StatusBadRequest},
			{"UnknownNumber", func(f url.Values) { f.Set("sn", icpcheck.NewSN()) }, http.StatusNotFound},
			{"UsedNumber", func(f url.Values) { f.Set("sn", nums[0].SN) }, http.StatusConflict},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := good(nums[1].SN)
				tc.edit(form)
				c.Get("/console/filings/new")
				p := c.Post("/console/filings", form)
				if p.Status != tc.status || problemText(p.Body) == "" {
					t.Fatalf("status=%d problem=%q, want %d with a message", p.Status, problemText(p.Body), tc.status)
				}
				if !strings.Contains(p.Body, `name="domains"`) {
					t.Fatal("the refused form is not shown again")
				}
			})
		}
	})

	t.Run("ErrOthersFiling", func(t *testing.T) {
		list, _, _ := e.Store.FindFilings(adminCtx(), icpcheck.FilingFilter{Filer: demo.Customer})
		o := e.NewBrowser(t)
		o.SignIn(e.Other)
		if p := o.Get("/console/filings/" + list[0].ID); p.Status != http.StatusNotFound {
			t.Fatalf("another customer's filing: status=%d, want 404", p.Status)
		}
		if p := o.Get("/console/filings"); strings.Contains(p.Body, list[0].ID) {
			t.Fatal("another customer's filing is listed")
		}
	})

	t.Run("FieldLabelInLanguage", func(t *testing.T) {
		form := good(nums[1].SN)
		form.Set("ips", "bogus")
		c.Get("/console/filings/new?lang=en")
		p := c.Post("/console/filings", form)
		want := i18n.T(i18n.EN, "console.field_error", i18n.T(i18n.EN, "console.field.access_ips"), i18n.T(i18n.EN, "error.bad_ip", "bogus"))
		if problemText(p.Body) != want {
			t.Fatalf("problem=%q, want %q", problemText(p.Body), want)
		}
	})
}
