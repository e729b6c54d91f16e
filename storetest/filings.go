package storetest

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
)

func website(sn string, domains ...string) icpcheck.FilingCreate {
	return icpcheck.FilingCreate{Type: icpcheck.FilingWebsite, SN: sn, Domains: domains, Access: Access()}
}

func testFilings(t *testing.T, open OpenFunc) {
	t.Run("Lifecycle", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		sn := e.MustIssue(t, "i-1", 1)[0].SN
		filer := Customer("1001")
		f, err := e.DB.CreateFiling(filer, website(sn, "www.example.com", "Example.COM."))
		NoError(t, err)
		if f.State != icpcheck.FilingDraft || f.Filer != "1001" || f.SN != sn || f.InstanceID != "i-1" ||
			!slices.Equal(f.Domains, []string{"www.example.com", "example.com"}) || !strings.HasPrefix(f.ID, "f-") {
			t.Fatalf("created %+v", f)
		}
		wantNumber(t, e, sn, icpcheck.NumberBound, f.ID)

		// A number is used once: a second filing cannot take it.
		_, err = e.DB.CreateFiling(filer, website(sn, "other.com"))
		WantError(t, err, icpcheck.ECONFLICT, "sn_not_unbound")

		// Access is verified at submit; each mismatch is its own failing check.
		bad := Access()
		bad.Region = "cn-beijing"
		bad.IPs = []netip.Addr{netip.MustParseAddr("8.8.8.8")}
		_, err = e.DB.UpdateFiling(filer, f.ID, icpcheck.FilingUpdate{Access: &bad})
		NoError(t, err)
		_, err = e.DB.SubmitFiling(filer, f.ID)
		WantError(t, err, icpcheck.ECONFLICT, "access_mismatch")
		var ie *icpcheck.Error
		if !asError(err, &ie) || !slices.Equal(checkCodes(ie.Checks), []string{"access_region", "access_ip"}) {
			t.Fatalf("failing checks %v", ie.Checks)
		}
		wantNumber(t, e, sn, icpcheck.NumberBound, f.ID)
		good := Access()
		_, err = e.DB.UpdateFiling(filer, f.ID, icpcheck.FilingUpdate{Access: &good})
		NoError(t, err)

		e.Clock.Advance(time.Hour)
		f, err = e.DB.SubmitFiling(filer, f.ID)
		NoError(t, err)
		if f.State != icpcheck.FilingSubmitted || f.SubmittedAt == nil || !f.SubmittedAt.Equal(Start.Add(time.Hour)) {
			t.Fatalf("submitted %+v", f)
		}
		wantNumber(t, e, sn, icpcheck.NumberUnderReview, f.ID)
		_, err = e.DB.UpdateFiling(filer, f.ID, icpcheck.FilingUpdate{Domains: []string{"x.com"}})
		WantError(t, err, icpcheck.ECONFLICT, "filing_state")
		_, err = e.DB.SubmitFiling(filer, f.ID)
		WantError(t, err, icpcheck.ECONFLICT, "filing_state")

		_, err = e.DB.RejectFiling(filer, f.ID, "no")
		WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		f, err = e.DB.RejectFiling(e.Admin, f.ID, "the domain owner differs")
		NoError(t, err)
		if f.State != icpcheck.FilingRejected || f.RejectReason != "the domain owner differs" {
			t.Fatalf("rejected %+v", f)
		}
		wantNumber(t, e, sn, icpcheck.NumberBound, f.ID)
		f, err = e.DB.UpdateFiling(filer, f.ID, icpcheck.FilingUpdate{Domains: []string{"shop.example.com"}})
		NoError(t, err)
		if !slices.Equal(f.Domains, []string{"shop.example.com"}) {
			t.Fatalf("updated domains %v", f.Domains)
		}
		f, err = e.DB.SubmitFiling(filer, f.ID)
		NoError(t, err)
		if f.RejectReason != "" {
			t.Fatalf("resubmitted filing keeps reason %q", f.RejectReason)
		}

		_, err = e.DB.ApproveFiling(e.Admin, f.ID, "ICP12345")
		WantError(t, err, icpcheck.EINVALID, "bad_beian_num")
		_, err = e.DB.ApproveFiling(e.Admin, f.ID, "")
		WantError(t, err, icpcheck.EINVALID, "required")
		_, err = e.DB.ApproveFiling(filer, f.ID, "浙ICP备12345678号-1")
		WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		f, err = e.DB.ApproveFiling(e.Admin, f.ID, "浙ICP备12345678号-1")
		NoError(t, err)
		if f.State != icpcheck.FilingFiled || f.BeianNum != "浙ICP备12345678号-1" || f.FiledAt == nil {
			t.Fatalf("approved %+v", f)
		}
		n := wantNumber(t, e, sn, icpcheck.NumberFiled, f.ID)
		if n.BeianNum != "浙ICP备12345678号-1" {
			t.Fatalf("number's beianNum %q", n.BeianNum)
		}
		_, err = e.DB.ApproveFiling(e.Admin, f.ID, "浙ICP备12345678号-1")
		WantError(t, err, icpcheck.ECONFLICT, "filing_state")

		got, err := e.DB.FindFiling(filer, f.ID)
		NoError(t, err)
		if got.State != icpcheck.FilingFiled || !slices.Equal(got.Domains, f.Domains) || got.Access.Region != "cn-hangzhou" || !got.FiledAt.Equal(*f.FiledAt) {
			t.Fatalf("FindFiling=%+v", got)
		}
		list, total, err := e.DB.FindFilings(e.Admin, icpcheck.FilingFilter{Domain: "SHOP.example.com"})
		NoError(t, err)
		if total != 1 || list[0].ID != f.ID {
			t.Fatalf("by domain: %d", total)
		}
		_, total, err = e.DB.FindFilings(e.Admin, icpcheck.FilingFilter{Domain: "www.example.com"})
		NoError(t, err)
		if total != 0 {
			t.Fatalf("a replaced domain still finds the filing")
		}

		f, err = e.DB.RemoveProvider(filer, f.ID)
		NoError(t, err)
		if f.State != icpcheck.FilingProviderRemoved {
			t.Fatalf("state %s", f.State)
		}
		wantNumber(t, e, sn, icpcheck.NumberInvalid, f.ID)
		_, err = e.DB.DeregisterFiling(filer, f.ID)
		WantError(t, err, icpcheck.ECONFLICT, "filing_state")
		_, err = e.DB.CreateFiling(filer, website(sn, "again.com"))
		WantError(t, err, icpcheck.ECONFLICT, "sn_not_unbound")
		e.Invariants(t)
	})
	t.Run("Deregister", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		filer := Customer("1001")
		f, err := e.DB.CreateFiling(filer, icpcheck.FilingCreate{Type: icpcheck.FilingWebsite, InstanceID: "i-1", Domains: []string{"a.cn"}, Access: Access()})
		NoError(t, err)
		_, err = e.DB.RemoveProvider(filer, f.ID)
		WantError(t, err, icpcheck.ECONFLICT, "filing_state")
		f, err = e.DB.DeregisterFiling(filer, f.ID)
		NoError(t, err)
		wantNumber(t, e, f.SN, icpcheck.NumberInvalid, f.ID)
		_, err = e.DB.SubmitFiling(filer, f.ID)
		WantError(t, err, icpcheck.ECONFLICT, "filing_state")
		_, err = e.DB.UpdateFiling(filer, f.ID, icpcheck.FilingUpdate{Domains: []string{"b.cn"}})
		WantError(t, err, icpcheck.ECONFLICT, "filing_state")
		e.Invariants(t)
	})
	t.Run("SameAccount", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		e.MustIssue(t, "i-1", 4)
		f, err := e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, InstanceID: "i-1", AppName: "点餐", Access: Access()})
		NoError(t, err)
		n := wantNumber(t, e, f.SN, icpcheck.NumberBound, f.ID)
		if n.Seq != 5 {
			t.Fatalf("the filing's number has seq %d, want 5", n.Seq)
		}
		_, err = e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, InstanceID: "i-1", AppName: "B", Access: Access()})
		WantError(t, err, icpcheck.ECONFLICT, "quota_exceeded")
		// Only the owner may file directly on the instance.
		e.MustPut(t, ECS("i-2", "1001"))
		_, err = e.DB.CreateFiling(e.Admin, icpcheck.FilingCreate{Type: icpcheck.FilingApp, Filer: "1002", InstanceID: "i-2", AppName: "B", Access: Access()})
		WantError(t, err, icpcheck.EFORBIDDEN, "sn_not_usable")
		_, err = e.DB.CreateFiling(Customer("1002"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, InstanceID: "i-2", AppName: "B", Access: Access()})
		WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
		stopped := ECS("i-3", "1001")
		stopped.Status = icpcheck.StatusStopped
		e.MustPut(t, stopped)
		_, err = e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, InstanceID: "i-3", AppName: "B", Access: Access()})
		WantError(t, err, icpcheck.ECONFLICT, "not_eligible")
		rec, _ := e.DB.FindInstance(e.Admin, "i-3")
		if rec.Issued != 0 {
			t.Fatalf("a refused filing issued %d numbers", rec.Issued)
		}
		_, total, _ := e.DB.FindFilings(e.Admin, icpcheck.FilingFilter{})
		if total != 1 {
			t.Fatalf("%d filings after refusals, want 1", total)
		}
		e.Invariants(t)
	})
	t.Run("Granted", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		nums := e.MustIssue(t, "i-1", 2)
		_, err := e.DB.GrantNumber(Customer("1001"), nums[0].SN, "1001", "1002", "")
		NoError(t, err)
		f, err := e.DB.CreateFiling(Customer("1002"), website(nums[0].SN, "grantee.cn"))
		NoError(t, err)
		if f.Filer != "1002" {
			t.Fatalf("filer %s", f.Filer)
		}
		f, err = e.DB.SubmitFiling(Customer("1002"), f.ID)
		NoError(t, err)
		// The owner sees its number's state, not the grantee's filing.
		n, err := e.DB.FindNumber(Customer("1001"), nums[0].SN)
		NoError(t, err)
		if n.State != icpcheck.NumberUnderReview {
			t.Fatalf("owner sees %v", n.State)
		}
		_, err = e.DB.FindFiling(Customer("1001"), f.ID)
		WantError(t, err, icpcheck.ENOTFOUND, "filing_not_found")
		// An account the number was not granted to cannot use it.
		_, err = e.DB.CreateFiling(Customer("1003"), website(nums[1].SN, "x.cn"))
		WantError(t, err, icpcheck.ENOTFOUND, "sn_not_found")
		_, err = e.DB.CreateFiling(e.Admin, icpcheck.FilingCreate{Type: icpcheck.FilingApp, Filer: "1003", SN: nums[1].SN, AppName: "x", Access: Access()})
		WantError(t, err, icpcheck.EFORBIDDEN, "sn_not_usable")
		e.Invariants(t)
	})
	t.Run("SubmitNotEligible", func(t *testing.T) {
		e := NewEnv(t, open)
		in := ECS("i-1", "1001")
		e.MustPut(t, in)
		f, err := e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, InstanceID: "i-1", AppName: "A", Access: Access()})
		NoError(t, err)
		in.Status = icpcheck.StatusStopped
		e.MustPut(t, in)
		_, err = e.DB.SubmitFiling(Customer("1001"), f.ID)
		WantError(t, err, icpcheck.ECONFLICT, "not_eligible")
		// The quota is ignored at submit: the number is already issued.
		in.Status = icpcheck.StatusRunning
		e.MustPut(t, in)
		e.MustIssue(t, "i-1", 4)
		_, err = e.DB.SubmitFiling(Customer("1001"), f.ID)
		NoError(t, err)
	})
	t.Run("List", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"), ECS("i-2", "1002"))
		var ids []string
		for i := range 3 {
			e.Clock.Advance(time.Minute)
			f, err := e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, InstanceID: "i-1", AppName: "A" + itoa(i), Access: Access()})
			NoError(t, err)
			ids = append(ids, f.ID)
		}
		_, err := e.DB.CreateFiling(Customer("1002"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, InstanceID: "i-2", AppName: "B", Access: Access()})
		NoError(t, err)
		list, total, err := e.DB.FindFilings(Customer("1001"), icpcheck.FilingFilter{Limit: 2})
		NoError(t, err)
		if total != 3 || len(list) != 2 || list[0].ID != ids[2] || list[1].ID != ids[1] {
			t.Fatalf("newest first: total %d, %v", total, list)
		}
		_, total, err = e.DB.FindFilings(Customer("1001"), icpcheck.FilingFilter{Filer: "1002"})
		NoError(t, err)
		if total != 0 {
			t.Fatalf("customer sees another's filings")
		}
		_, total, err = e.DB.FindFilings(e.Admin, icpcheck.FilingFilter{Type: icpcheck.FilingApp, State: icpcheck.FilingDraft, InstanceID: "i-2"})
		NoError(t, err)
		if total != 1 {
			t.Fatalf("admin filter: %d", total)
		}
		_, err = e.DB.FindFiling(e.Admin, "f-none")
		WantError(t, err, icpcheck.ENOTFOUND, "filing_not_found")
	})
}

func wantNumber(t *testing.T, e *Env, sn string, state icpcheck.NumberState, filing string) *icpcheck.ServiceNumber {
	t.Helper()
	n, err := e.DB.FindNumber(e.Admin, sn)
	NoError(t, err)
	if n.State != state || n.FilingID != filing {
		t.Fatalf("number %s: state %v, filing %q; want %v, %q", sn, n.State, n.FilingID, state, filing)
	}
	return n
}

func testFilingInput(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	e.MustPut(t, ECS("i-1", "1001"))
	sn := e.MustIssue(t, "i-1", 1)[0].SN
	c := Customer("1001")
	tooMany := make([]string, 51)
	for i := range tooMany {
		tooMany[i] = "d" + itoa(i) + ".cn"
	}
	for _, tc := range []struct {
		name          string
		req           icpcheck.FilingCreate
		field, reason string
	}{
		{"NoType", icpcheck.FilingCreate{SN: sn, Domains: []string{"a.cn"}}, "type", "required"},
		{"BadType", icpcheck.FilingCreate{Type: "blog", SN: sn}, "type", "bad_enum"},
		{"NoDomains", website(sn), "domains", "required"},
		{"BadDomain", website(sn, "exa mple.com"), "domains[0]", "bad_domain"},
		{"SingleLabel", website(sn, "localhost"), "domains[0]", "bad_domain"},
		{"IPAddress", website(sn, "a.cn", "1.2.3.4"), "domains[1]", "bad_domain"},
		{"Unicode", website(sn, "中文.com"), "domains[0]", "bad_domain"},
		{"Wildcard", website(sn, "*.a.cn"), "domains[0]", "bad_domain"},
		{"Duplicate", website(sn, "a.cn", "A.cn"), "domains[1]", "duplicate"},
		{"TooMany", website(sn, tooMany...), "domains", "too_many"},
		{"AppWithDomains", icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: sn, AppName: "x", Domains: []string{"a.cn"}}, "domains", "not_for_type"},
		{"WebsiteWithApp", icpcheck.FilingCreate{Type: icpcheck.FilingWebsite, SN: sn, AppName: "x", Domains: []string{"a.cn"}}, "app_name", "not_for_type"},
		{"NoAppName", icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: sn, AppName: "  "}, "app_name", "required"},
		{"LongAppName", icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: sn, AppName: strings.Repeat("名", 101)}, "app_name", "too_long"},
		{"ControlAppName", icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: sn, AppName: "a\nb"}, "app_name", "bad_app_name"},
		{"NoNumber", icpcheck.FilingCreate{Type: icpcheck.FilingApp, AppName: "x"}, "sn", "sn_or_instance"},
		{"Both", icpcheck.FilingCreate{Type: icpcheck.FilingApp, AppName: "x", SN: sn, InstanceID: "i-1"}, "instance_id", "sn_or_instance"},
		{"BadFiler", icpcheck.FilingCreate{Type: icpcheck.FilingApp, AppName: "x", SN: sn, Filer: "x1"}, "filer", "bad_account"},
		{"LongProvider", icpcheck.FilingCreate{Type: icpcheck.FilingApp, AppName: "x", SN: sn, Access: icpcheck.AccessInfo{Provider: strings.Repeat("p", 65)}}, "access.provider", "too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.DB.CreateFiling(c, tc.req)
			WantError(t, err, icpcheck.EINVALID, tc.reason)
			var ie *icpcheck.Error
			if asError(err, &ie); ie.Field != tc.field {
				t.Fatalf("field %q, want %q", ie.Field, tc.field)
			}
		})
	}
	// Punycode is a valid domain; nothing refused above bound the number.
	f, err := e.DB.CreateFiling(c, website(sn, "xn--fiqs8s.xn--fiqs8s", "a-b.example.com"))
	NoError(t, err)
	empty := ""
	_, err = e.DB.UpdateFiling(c, f.ID, icpcheck.FilingUpdate{AppName: &empty, Domains: []string{}})
	WantError(t, err, icpcheck.EINVALID, "required")
	_, err = e.DB.UpdateFiling(c, "f-none", icpcheck.FilingUpdate{})
	WantError(t, err, icpcheck.ENOTFOUND, "filing_not_found")
	e.Invariants(t)
}
