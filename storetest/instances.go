package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
)

func itoa(n int) string { return strconv.Itoa(n) }

func testInstances(t *testing.T, open OpenFunc) {
	t.Run("Put", func(t *testing.T) {
		e := NewEnv(t, open)
		in := ECS("i-1", "1001")
		act, err := e.DB.PutInstance(e.Admin, in)
		NoError(t, err)
		if act != icpcheck.PutCreated {
			t.Fatalf("first put: %s", act)
		}
		act, err = e.DB.PutInstance(e.Admin, ECS("i-1", "1001"))
		NoError(t, err)
		if act != icpcheck.PutUnchanged {
			t.Fatalf("same put: %s", act)
		}
		in.Region = "cn-shanghai"
		e.Clock.Advance(time.Hour)
		act, err = e.DB.PutInstance(e.Admin, in)
		NoError(t, err)
		if act != icpcheck.PutUpdated {
			t.Fatalf("changed put: %s", act)
		}
		rec, err := e.DB.FindInstance(e.Admin, "i-1")
		NoError(t, err)
		if rec.Instance.Region != "cn-shanghai" || rec.Issued != 0 || !rec.CreatedAt.Equal(Start) || !rec.UpdatedAt.Equal(Start.Add(time.Hour)) {
			t.Fatalf("record=%+v", rec)
		}
		if !rec.Instance.Orders[0].Start.Equal(in.Orders[0].Start) || *rec.Instance.PublicBandwidthMbps != 5 {
			t.Fatalf("instance did not round-trip: %+v", rec.Instance)
		}
		// The owner's account was created as a customer.
		a, err := e.DB.FindAccount(e.Admin, "1001")
		NoError(t, err)
		if a.Role != icpcheck.RoleCustomer {
			t.Fatalf("owner account role %s", a.Role)
		}
		_, err = e.DB.FindInstance(e.Admin, "i-none")
		WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		e := NewEnv(t, open)
		in := ECS("i-1", "01")
		_, err := e.DB.PutInstance(e.Admin, in)
		WantError(t, err, icpcheck.EINVALID, "bad_account")
		_, err = e.DB.PutInstance(e.Admin, nil)
		WantError(t, err, icpcheck.EINVALID, "required")
		_, err = e.DB.FindInstance(e.Admin, "i-1")
		WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
		_, err = e.DB.PutInstance(Customer("1001"), ECS("i-1", "1001"))
		WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
	})
	t.Run("OwnerChange", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"), ECS("i-2", "1001"))
		// No numbers yet: the owner may change.
		_, err := e.DB.PutInstance(e.Admin, ECS("i-2", "1002"))
		NoError(t, err)
		e.MustIssue(t, "i-1", 1)
		_, err = e.DB.PutInstance(e.Admin, ECS("i-1", "1002"))
		WantError(t, err, icpcheck.ECONFLICT, "owner_change")
	})
	t.Run("List", func(t *testing.T) {
		e := NewEnv(t, open)
		for i := range 7 {
			owner := "1001"
			if i%2 == 1 {
				owner = "1002"
			}
			e.MustPut(t, ECS("i-"+itoa(i), owner))
		}
		recs, total, err := e.DB.FindInstances(e.Admin, icpcheck.InstanceFilter{Limit: 3, Offset: 3})
		NoError(t, err)
		if total != 7 || len(recs) != 3 || recs[0].Instance.ID != "i-3" {
			t.Fatalf("page: total %d, %d records, first %v", total, len(recs), recs)
		}
		recs, total, err = e.DB.FindInstances(e.Admin, icpcheck.InstanceFilter{Owner: "1002"})
		NoError(t, err)
		if total != 3 || len(recs) != 3 {
			t.Fatalf("owner 1002: total %d", total)
		}
		recs, total, err = e.DB.FindInstances(Customer("1001"), icpcheck.InstanceFilter{})
		NoError(t, err)
		if total != 4 || len(recs) != 4 {
			t.Fatalf("customer 1001 sees %d", total)
		}
		_, total, err = e.DB.FindInstances(Customer("1001"), icpcheck.InstanceFilter{Owner: "1002"})
		NoError(t, err)
		if total != 0 {
			t.Fatalf("customer 1001 sees %d of 1002's instances", total)
		}
		recs, _, err = e.DB.FindInstances(e.Admin, icpcheck.InstanceFilter{IDs: []string{"i-1", "i-4", "i-none"}})
		NoError(t, err)
		if len(recs) != 2 {
			t.Fatalf("by ids: %d", len(recs))
		}
		_, _, err = e.DB.FindInstances(e.Admin, icpcheck.InstanceFilter{Offset: -1})
		WantError(t, err, icpcheck.EINVALID, "bad_page")
		_, total, err = e.DB.FindInstances(e.Admin, icpcheck.InstanceFilter{Product: "ecs", Status: icpcheck.StatusStopped})
		NoError(t, err)
		if total != 0 {
			t.Fatalf("stopped: %d", total)
		}
	})
	t.Run("Check", func(t *testing.T) {
		e := NewEnv(t, open)
		e.MustPut(t, ECS("i-1", "1001"))
		e.MustIssue(t, "i-1", 5)
		res, err := e.DB.CheckInstance(e.Admin, "i-1", Start)
		NoError(t, err)
		if q := res.Find(icpcheck.CodeQuota); q == nil || q.Status != icpcheck.Fail || res.Issued != 5 {
			t.Fatalf("quota check after 5 issued: %+v", q)
		}
		_, err = e.DB.CheckInstance(Customer("1002"), "i-1", Start)
		WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
	})
}
