package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
)

func testAuthorization(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	e.MustPut(t, ECS("i-1", "1001"))
	sn := e.MustIssue(t, "i-1", 2)[0].SN
	f, err := e.DB.CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, InstanceID: "i-1", AppName: "A", Access: Access()})
	NoError(t, err)
	k, err := e.DB.CreateAccessKey(e.Admin, "1001", icpcheck.RoleCustomer)
	NoError(t, err)

	// Every call of the services but the two that run during authentication needs an actor.
	calls := map[string]func(ctx context.Context) error{
		"CreateAccessKey": func(ctx context.Context) error {
			_, err := e.DB.CreateAccessKey(ctx, "1001", icpcheck.RoleCustomer)
			return err
		},
		"FindAccessKeys":  func(ctx context.Context) error { _, err := e.DB.FindAccessKeys(ctx, "1001"); return err },
		"DeleteAccessKey": func(ctx context.Context) error { return e.DB.DeleteAccessKey(ctx, k.ID) },
		"FindAccount":     func(ctx context.Context) error { _, err := e.DB.FindAccount(ctx, "1001"); return err },
		"PutInstance":     func(ctx context.Context) error { _, err := e.DB.PutInstance(ctx, ECS("i-9", "1001")); return err },
		"PutInstances": func(ctx context.Context) error {
			_, err := e.DB.PutInstances(ctx, []*icpcheck.Instance{ECS("i-9", "1001")})
			return err
		},
		"FindInstance": func(ctx context.Context) error { _, err := e.DB.FindInstance(ctx, "i-1"); return err },
		"FindInstances": func(ctx context.Context) error {
			_, _, err := e.DB.FindInstances(ctx, icpcheck.InstanceFilter{})
			return err
		},
		"CheckInstance": func(ctx context.Context) error { _, err := e.DB.CheckInstance(ctx, "i-1", Start); return err },
		"IssueNumbers": func(ctx context.Context) error {
			_, err := e.DB.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: "i-1", Num: 1})
			return err
		},
		"FindNumber": func(ctx context.Context) error { _, err := e.DB.FindNumber(ctx, sn); return err },
		"FindNumbers": func(ctx context.Context) error {
			_, _, err := e.DB.FindNumbers(ctx, icpcheck.NumberFilter{})
			return err
		},
		"GrantNumber": func(ctx context.Context) error { _, err := e.DB.GrantNumber(ctx, sn, "1001", "1002", ""); return err },
		"VoidNumber":  func(ctx context.Context) error { _, err := e.DB.VoidNumber(ctx, sn, ""); return err },
		"CreateFiling": func(ctx context.Context) error {
			_, err := e.DB.CreateFiling(ctx, icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: sn, AppName: "A", Access: Access()})
			return err
		},
		"FindFiling": func(ctx context.Context) error { _, err := e.DB.FindFiling(ctx, f.ID); return err },
		"FindFilings": func(ctx context.Context) error {
			_, _, err := e.DB.FindFilings(ctx, icpcheck.FilingFilter{})
			return err
		},
		"UpdateFiling": func(ctx context.Context) error {
			_, err := e.DB.UpdateFiling(ctx, f.ID, icpcheck.FilingUpdate{})
			return err
		},
		"SubmitFiling": func(ctx context.Context) error { _, err := e.DB.SubmitFiling(ctx, f.ID); return err },
		"ApproveFiling": func(ctx context.Context) error {
			_, err := e.DB.ApproveFiling(ctx, f.ID, "京ICP备12345678号")
			return err
		},
		"RejectFiling":     func(ctx context.Context) error { _, err := e.DB.RejectFiling(ctx, f.ID, ""); return err },
		"DeregisterFiling": func(ctx context.Context) error { _, err := e.DB.DeregisterFiling(ctx, f.ID); return err },
		"RemoveProvider":   func(ctx context.Context) error { _, err := e.DB.RemoveProvider(ctx, f.ID); return err },
		"FindAuditEvents": func(ctx context.Context) error {
			_, err := e.DB.FindAuditEvents(ctx, icpcheck.AuditFilter{})
			return err
		},
		"VerifyAudit": func(ctx context.Context) error { _, err := e.DB.VerifyAudit(ctx); return err },
	}
	t.Run("Anonymous", func(t *testing.T) {
		for name, call := range calls {
			if err := call(Anonymous); icpcheck.ErrorCode(err) != icpcheck.EUNAUTHORIZED {
				t.Errorf("%s without an actor: %v, want EUNAUTHORIZED", name, err)
			}
		}
		NoError(t, e.DB.UseNonce(Anonymous, k.ID, "n", Start.Add(time.Minute)))
		_, err := e.DB.FindAccessKey(Anonymous, k.ID)
		NoError(t, err)
	})
	// Another customer never learns what is not its own: not found, or refused before any
	// lookup (acting for another account), or admin only.
	t.Run("OtherCustomer", func(t *testing.T) {
		want := map[string]string{
			"CreateAccessKey": "admin_only", "PutInstance": "admin_only", "PutInstances": "admin_only", "VoidNumber": "admin_only",
			"ApproveFiling": "admin_only", "RejectFiling": "admin_only", "FindAuditEvents": "admin_only", "VerifyAudit": "admin_only",
			"DeleteAccessKey": "key_not_found", "FindAccount": "account_not_found",
			"FindInstance": "instance_not_found", "CheckInstance": "instance_not_found", "IssueNumbers": "instance_not_found",
			"FindNumber": "sn_not_found", "GrantNumber": "forbidden_account", "CreateFiling": "sn_not_found",
			"FindFiling": "filing_not_found", "UpdateFiling": "filing_not_found", "SubmitFiling": "filing_not_found",
			"DeregisterFiling": "filing_not_found", "RemoveProvider": "filing_not_found",
		}
		other := Customer("1009")
		for name, call := range calls {
			err := call(other)
			reason, refused := want[name]
			switch {
			case refused && icpcheck.ErrorReason(err) != reason:
				t.Errorf("%s by another customer: %v (%s), want %s", name, err, icpcheck.ErrorReason(err), reason)
			case !refused && err != nil:
				t.Errorf("%s by another customer: %v, want an empty answer", name, err)
			}
		}
		keys, _ := e.DB.FindAccessKeys(other, "1001")
		recs, _, _ := e.DB.FindInstances(other, icpcheck.InstanceFilter{})
		nums, _, _ := e.DB.FindNumbers(other, icpcheck.NumberFilter{})
		fils, _, _ := e.DB.FindFilings(other, icpcheck.FilingFilter{})
		if len(keys)+len(recs)+len(nums)+len(fils) != 0 {
			t.Fatalf("another customer lists %d keys, %d instances, %d numbers, %d filings", len(keys), len(recs), len(nums), len(fils))
		}
	})
	e.Invariants(t)
}
