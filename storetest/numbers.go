package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
)

func testIssue(t *testing.T, open OpenFunc) {
	t.Run("OK", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		nums, err := e.DB.IssueNumbers(Customer("1001"), icpcheck.IssueRequest{InstanceID: "i-1", Owner: "1001", Product: "ecs", Num: 2})
		NoError(t, err)
		if len(nums) != 2 {
			t.Fatalf("issued %d, want 2", len(nums))
		}
		for i, n := range nums {
			if !icpcheck.ValidSN(n.SN) || n.SN[14] != '4' || n.SN != strings.ToLower(n.SN) {
				t.Fatalf("sn %q is not a lowercase UUID v4", n.SN)
			}
			if n.Seq != i+1 || n.State != icpcheck.NumberUnbound || n.Owner != "1001" || n.Product != "ecs" || n.InstanceID != "i-1" || !n.IssuedAt.Equal(Start) {
				t.Fatalf("number %d = %+v", i, n)
			}
			got, err := e.DB.FindNumber(Customer("1001"), strings.ToUpper(n.SN))
			NoError(t, err)
			if got.SN != n.SN || got.Seq != n.Seq || got.State != icpcheck.NumberUnbound || !got.IssuedAt.Equal(Start) {
				t.Fatalf("FindNumber=%+v, want %+v", got, n)
			}
		}
		more := e.MustIssue(t, "i-1", 3)
		if more[0].Seq != 3 || more[2].Seq != 5 {
			t.Fatalf("seqs continue: %d..%d", more[0].Seq, more[2].Seq)
		}
		list, total, err := e.DB.FindNumbers(e.Admin, icpcheck.NumberFilter{InstanceID: "i-1", Limit: 2, Offset: 2})
		NoError(t, err)
		if total != 5 || len(list) != 2 || list[0].Seq != 3 {
			t.Fatalf("page of numbers: total %d, %v", total, list)
		}
		e.Invariants(t)
	})
	t.Run("ErrNumOutOfRange", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		for _, num := range []int{0, -1, 21} {
			_, err := e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-1", Num: num})
			WantError(t, err, icpcheck.EINVALID, "num_out_of_range")
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		_, err := e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-none", Num: 1})
		WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
		_, err = e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-1", Product: "web_hosting", Num: 1})
		WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
		// A customer never learns that another's instance exists.
		_, err = e.DB.IssueNumbers(Customer("1002"), icpcheck.IssueRequest{InstanceID: "i-1", Num: 1})
		WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
		_, err = e.DB.FindNumber(e.Admin, "not-a-number")
		WantError(t, err, icpcheck.ENOTFOUND, "sn_not_found")
		_, err = e.DB.FindNumber(e.Admin, icpcheck.NewSN())
		WantError(t, err, icpcheck.ENOTFOUND, "sn_not_found")
	})
	t.Run("ErrNotOwner", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		_, err := e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-1", Owner: "1002", Num: 1})
		WantError(t, err, icpcheck.EFORBIDDEN, "not_owner")
		_, err = e.DB.IssueNumbers(Customer("1002"), icpcheck.IssueRequest{InstanceID: "i-1", Owner: "1001", Num: 1})
		WantError(t, err, icpcheck.EFORBIDDEN, "not_owner")
	})
	t.Run("ErrNotEligible", func(t *testing.T) {
		e := NewEnv(t, open)
		in := ECS("i-1", "1001")
		in.Status = icpcheck.StatusStopped
		in.PublicIPs = nil
		e.MustPut(t, in)
		_, err := e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-1", Num: 1})
		WantError(t, err, icpcheck.ECONFLICT, "not_eligible")
		var ie *icpcheck.Error
		if !asError(err, &ie) || !slices.Equal(checkCodes(ie.Checks), []string{"status", "public_ip"}) {
			t.Fatalf("failing checks %v, want status and public_ip", ie.Checks)
		}
		if len(ie.Params) != 1 || ie.Params[0] != "status, public_ip" {
			t.Fatalf("params %v", ie.Params)
		}
		// Eligibility is decided at the store's clock: past the coverage end, expiry fails.
		e.MustPut(t, ECS("i-2", "1001"))
		e.Clock.Advance(366 * 24 * 3600 * 1e9)
		_, err = e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-2", Num: 1})
		WantError(t, err, icpcheck.ECONFLICT, "not_eligible")
		e.Invariants(t)
	})
	t.Run("ErrQuotaExceeded", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		e.MustIssue(t, "i-1", 3)
		_, err := e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-1", Num: 3})
		WantError(t, err, icpcheck.ECONFLICT, "quota_exceeded")
		var ie *icpcheck.Error
		if !asError(err, &ie) || len(ie.Params) != 3 || ie.Params[0] != 5 || ie.Params[1] != 3 || ie.Params[2] != 3 {
			t.Fatalf("params %v, want quota 5, issued 3, requested 3", ie.Params)
		}
		rec, err := e.DB.FindInstance(e.Admin, "i-1")
		NoError(t, err)
		if rec.Issued != 3 {
			t.Fatalf("a refused issue changed issued to %d", rec.Issued)
		}
		nums := e.MustIssue(t, "i-1", 2)
		// Voided numbers stay counted: quota is never given back.
		_, err = e.DB.VoidNumber(e.Admin, nums[0].SN, "test")
		NoError(t, err)
		_, err = e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-1", Num: 1})
		WantError(t, err, icpcheck.ECONFLICT, "quota_exceeded")
		// A marketplace instance has 2.
		mp := ECS("i-mp", "1001")
		mp.Product, mp.PublicBandwidthMbps = "marketplace", nil
		e.MustPut(t, mp)
		_, err = e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-mp", Num: 3})
		WantError(t, err, icpcheck.ECONFLICT, "quota_exceeded")
		e.MustIssue(t, "i-mp", 2)
		e.Invariants(t)
	})
	t.Run("Filter", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"), ECS("i-2", "1002"))
		a := e.MustIssue(t, "i-1", 2)
		e.MustIssue(t, "i-2", 1)
		_, err := e.DB.GrantNumber(e.Admin, a[1].SN, "1001", "1002", "")
		NoError(t, err)
		_, total, err := e.DB.FindNumbers(e.Admin, icpcheck.NumberFilter{Account: "1002"})
		NoError(t, err)
		if total != 2 {
			t.Fatalf("owned by or granted to 1002: %d, want 2", total)
		}
		_, total, err = e.DB.FindNumbers(Customer("1002"), icpcheck.NumberFilter{})
		NoError(t, err)
		if total != 2 {
			t.Fatalf("customer 1002 sees %d, want 2", total)
		}
		_, total, err = e.DB.FindNumbers(Customer("1002"), icpcheck.NumberFilter{Account: "1001"})
		NoError(t, err)
		if total != 0 {
			t.Fatalf("customer 1002 sees %d of 1001's", total)
		}
		st := icpcheck.NumberUnbound
		_, total, err = e.DB.FindNumbers(e.Admin, icpcheck.NumberFilter{State: &st, InstanceID: "i-1"})
		NoError(t, err)
		if total != 2 {
			t.Fatalf("unbound of i-1: %d", total)
		}
		_, _, err = e.DB.FindNumbers(e.Admin, icpcheck.NumberFilter{Offset: -5})
		WantError(t, err, icpcheck.EINVALID, "bad_page")
	})
}

func checkCodes(cs []icpcheck.Check) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}

func testGrant(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	e.MustPut(t, ECS("i-1", "1001"))
	nums := e.MustIssue(t, "i-1", 3)
	sn := nums[0].SN
	owner := Customer("1001")

	t.Run("OK", func(t *testing.T) {
		n, err := e.DB.GrantNumber(owner, sn, "1001", "1002", "for the shop")
		NoError(t, err)
		if n.GrantedTo != "1002" || n.GrantNotes != "for the shop" || n.State != icpcheck.NumberUnbound {
			t.Fatalf("granted=%+v", n)
		}
		// Granting again to the same account updates the notes.
		n, err = e.DB.GrantNumber(owner, sn, "1001", "1002", "new notes")
		NoError(t, err)
		if n.GrantNotes != "new notes" {
			t.Fatalf("notes %q", n.GrantNotes)
		}
		got, err := e.DB.FindNumber(Customer("1002"), sn)
		NoError(t, err)
		if got.GrantedTo != "1002" || got.GrantNotes != "new notes" {
			t.Fatalf("grantee sees %+v", got)
		}
		// The grantee's account now exists.
		_, err = e.DB.FindAccount(e.Admin, "1002")
		NoError(t, err)
	})
	t.Run("ErrAlreadyGranted", func(t *testing.T) {
		_, err := e.DB.GrantNumber(owner, sn, "1001", "1003", "")
		WantError(t, err, icpcheck.ECONFLICT, "already_granted")
	})
	t.Run("ErrGrantToSelf", func(t *testing.T) {
		_, err := e.DB.GrantNumber(owner, nums[1].SN, "1001", "1001", "")
		WantError(t, err, icpcheck.EINVALID, "grant_to_self")
	})
	t.Run("ErrNotOwned", func(t *testing.T) {
		_, err := e.DB.GrantNumber(e.Admin, nums[1].SN, "1002", "1003", "")
		WantError(t, err, icpcheck.EFORBIDDEN, "sn_not_owned")
		// The grantee sees the number but does not own it.
		_, err = e.DB.GrantNumber(Customer("1002"), sn, "1002", "1003", "")
		WantError(t, err, icpcheck.EFORBIDDEN, "sn_not_owned")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := e.DB.GrantNumber(owner, icpcheck.NewSN(), "1001", "1002", "")
		WantError(t, err, icpcheck.ENOTFOUND, "sn_not_found")
		// Another customer acting for itself cannot see the number at all.
		_, err = e.DB.GrantNumber(Customer("1003"), nums[1].SN, "1003", "1004", "")
		WantError(t, err, icpcheck.ENOTFOUND, "sn_not_found")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		_, err := e.DB.GrantNumber(Customer("1003"), nums[1].SN, "1001", "1003", "")
		WantError(t, err, icpcheck.EFORBIDDEN, "forbidden_account")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := e.DB.GrantNumber(owner, nums[1].SN, "1001", "abc", "")
		WantError(t, err, icpcheck.EINVALID, "bad_account")
		_, err = e.DB.GrantNumber(owner, nums[1].SN, "1001", "1002", strings.Repeat("x", 513))
		WantError(t, err, icpcheck.EINVALID, "too_long")
	})
	t.Run("ErrNotUnbound", func(t *testing.T) {
		_, err := e.DB.CreateFiling(owner, icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: nums[2].SN, AppName: "Shop", Access: Access()})
		NoError(t, err)
		_, err = e.DB.GrantNumber(owner, nums[2].SN, "1001", "1002", "")
		WantError(t, err, icpcheck.ECONFLICT, "sn_not_unbound")
	})
	e.Invariants(t)
}

func testVoid(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	e.MustPut(t, ECS("i-1", "1001"))
	nums := e.MustIssue(t, "i-1", 3)
	n, err := e.DB.VoidNumber(e.Admin, nums[0].SN, "fraud")
	NoError(t, err)
	if n.State != icpcheck.NumberInvalid || n.VoidedReason != "fraud" {
		t.Fatalf("voided=%+v", n)
	}
	// Voiding again changes nothing.
	n, err = e.DB.VoidNumber(e.Admin, nums[0].SN, "again")
	NoError(t, err)
	if n.VoidedReason != "fraud" {
		t.Fatalf("second void changed the reason to %q", n.VoidedReason)
	}
	_, err = e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: nums[0].SN, AppName: "A", Access: Access()})
	WantError(t, err, icpcheck.ECONFLICT, "sn_not_unbound")
	_, err = e.DB.GrantNumber(Customer("1001"), nums[0].SN, "1001", "1002", "")
	WantError(t, err, icpcheck.ECONFLICT, "sn_not_unbound")

	// A bound number may be voided; its filing can then never be submitted.
	f, err := e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: nums[1].SN, AppName: "A", Access: Access()})
	NoError(t, err)
	_, err = e.DB.VoidNumber(e.Admin, nums[1].SN, "")
	NoError(t, err)
	_, err = e.DB.SubmitFiling(Customer("1001"), f.ID)
	WantError(t, err, icpcheck.ECONFLICT, "sn_invalid")
	f, err = e.DB.DeregisterFiling(Customer("1001"), f.ID)
	NoError(t, err)
	if got, _ := e.DB.FindNumber(e.Admin, nums[1].SN); got.State != icpcheck.NumberInvalid {
		t.Fatalf("voided number of a deregistered filing is %v", got.State)
	}

	// A number under review or filed is in use.
	f, err = e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: nums[2].SN, AppName: "B", Access: Access()})
	NoError(t, err)
	_, err = e.DB.SubmitFiling(Customer("1001"), f.ID)
	NoError(t, err)
	_, err = e.DB.VoidNumber(e.Admin, nums[2].SN, "")
	WantError(t, err, icpcheck.ECONFLICT, "sn_in_use")
	_, err = e.DB.ApproveFiling(e.Admin, f.ID, "浙ICP备12345678号-1")
	NoError(t, err)
	_, err = e.DB.VoidNumber(e.Admin, nums[2].SN, "")
	WantError(t, err, icpcheck.ECONFLICT, "sn_in_use")

	_, err = e.DB.VoidNumber(Customer("1001"), nums[2].SN, "")
	WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
	_, err = e.DB.VoidNumber(e.Admin, icpcheck.NewSN(), "")
	WantError(t, err, icpcheck.ENOTFOUND, "sn_not_found")
	rec, err := e.DB.FindInstance(e.Admin, "i-1")
	NoError(t, err)
	if rec.Issued != 3 {
		t.Fatalf("issued=%d after voids, want 3", rec.Issued)
	}
	e.Invariants(t)
}

func testRelease(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	in := ECS("i-1", "1001")
	e.MustPut(t, in)
	nums := e.MustIssue(t, "i-1", 3)
	_, err := e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: nums[0].SN, AppName: "A", Access: Access()})
	NoError(t, err)
	in.Status = icpcheck.StatusReleased
	act, err := e.DB.PutInstance(e.Admin, in)
	NoError(t, err)
	if act != icpcheck.PutUpdated {
		t.Fatalf("release put: %s", act)
	}
	want := []icpcheck.NumberState{icpcheck.NumberBound, icpcheck.NumberInvalid, icpcheck.NumberInvalid}
	for i, n := range nums {
		got, err := e.DB.FindNumber(e.Admin, n.SN)
		NoError(t, err)
		if got.State != want[i] {
			t.Fatalf("number %d after release: %v, want %v", i+1, got.State, want[i])
		}
	}
	_, err = e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: "i-1", Num: 1})
	WantError(t, err, icpcheck.ECONFLICT, "not_eligible")
	e.Invariants(t)
}

func asError(err error, target **icpcheck.Error) bool { return errors.As(err, target) }
