package http_test

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/storetest"
)

// TestLedger drives the whole ledger through the client, over real HTTP, against each store,
// and holds every answer and refusal to what the store says when called directly.
func TestLedger(t *testing.T) {
	for _, o := range stores(t) {
		t.Run(o.name, func(t *testing.T) { testLedger(t, o) })
	}
}

func testLedger(t *testing.T, o opener) {
	e := mustOpenEnv(t, o)
	ctx := context.Background()
	local := icpcheck.NewContextWithActor(ctx, icpcheck.Actor{Account: alice, Role: icpcheck.RoleCustomer, Via: "rest"})

	in := storetest.ECS("i-alice", alice)
	t.Run("Put", func(t *testing.T) {
		action, err := e.Admin.PutInstance(ctx, in)
		storetest.NoError(t, err)
		if action != icpcheck.PutCreated {
			t.Fatalf("action=%v, want created", action)
		}
		if action, err = e.Admin.PutInstance(ctx, in); err != nil || action != icpcheck.PutUnchanged {
			t.Fatalf("again: action=%v, err=%v, want unchanged", action, err)
		}
		_, err = e.Alice.PutInstance(ctx, storetest.ECS("i-alice-2", alice))
		storetest.WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
	})

	t.Run("Find", func(t *testing.T) {
		rec, err := e.Alice.FindInstance(ctx, in.ID)
		storetest.NoError(t, err)
		want, _ := e.DB.FindInstance(e.admin, in.ID)
		if !reflect.DeepEqual(rec.Instance.PublicIPs, want.Instance.PublicIPs) || rec.Instance.Owner != alice || rec.Issued != 0 {
			t.Fatalf("FindInstance=%+v, want %+v", rec.Instance, want.Instance)
		}
		_, err = e.Bob.FindInstance(ctx, in.ID)
		storetest.WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
		recs, total, err := e.Bob.FindInstances(ctx, icpcheck.InstanceFilter{})
		storetest.NoError(t, err)
		if total != 0 || len(recs) != 0 {
			t.Fatalf("bob lists %d of %d instances, want none", len(recs), total)
		}
	})

	t.Run("Check", func(t *testing.T) {
		remote, err := e.Alice.CheckInstance(ctx, in.ID, storetest.Start)
		storetest.NoError(t, err)
		want, err := e.DB.CheckInstance(local, in.ID, storetest.Start)
		storetest.NoError(t, err)
		sameResult(t, remote, want)
	})

	var sns []*icpcheck.ServiceNumber
	t.Run("Issue", func(t *testing.T) {
		var err error
		sns, err = e.Alice.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: in.ID, Owner: alice, Num: 2})
		storetest.NoError(t, err)
		if len(sns) != 2 || !icpcheck.ValidSN(sns[0].SN) || sns[0].Owner != alice {
			t.Fatalf("issued %+v", sns)
		}
		for _, num := range []int{0, 21} {
			_, err = e.Alice.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: in.ID, Owner: alice, Num: num})
			sameError(t, err, func() error {
				_, err := e.DB.IssueNumbers(local, icpcheck.IssueRequest{InstanceID: in.ID, Owner: alice, Num: num})
				return err
			})
		}
		_, err = e.Alice.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: in.ID, Owner: alice, Num: 4})
		storetest.WantError(t, err, icpcheck.ECONFLICT, "quota_exceeded")
		_, err = e.Bob.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: in.ID, Owner: alice, Num: 1})
		if code := icpcheck.ErrorCode(err); code != icpcheck.EFORBIDDEN && code != icpcheck.ENOTFOUND {
			t.Fatalf("bob issuing for alice: err=%v, want forbidden or not found", err)
		}
		list, total, err := e.Alice.FindNumbers(ctx, icpcheck.NumberFilter{InstanceID: in.ID})
		storetest.NoError(t, err)
		if total != 2 || len(list) != 2 || list[0].SN != sns[0].SN {
			t.Fatalf("FindNumbers total=%d, %d listed", total, len(list))
		}
		if _, total, _ := e.Bob.FindNumbers(ctx, icpcheck.NumberFilter{}); total != 0 {
			t.Fatalf("bob sees %d numbers, want 0", total)
		}
	})

	t.Run("NotEligible", func(t *testing.T) {
		hk := storetest.ECS("i-alice-hk", alice)
		hk.Region = "cn-hongkong"
		e.mustPut(t, hk)
		_, err := e.Alice.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: hk.ID, Owner: alice, Num: 1})
		storetest.WantError(t, err, icpcheck.ECONFLICT, "not_eligible")
		sameError(t, err, func() error {
			_, err := e.DB.IssueNumbers(local, icpcheck.IssueRequest{InstanceID: hk.ID, Owner: alice, Num: 1})
			return err
		})
	})

	var filing *icpcheck.Filing
	t.Run("GrantAndFile", func(t *testing.T) {
		n, err := e.Alice.GrantNumber(ctx, sns[0].SN, alice, bob, "for bob's site")
		storetest.NoError(t, err)
		if n.GrantedTo != bob || n.GrantNotes != "for bob's site" {
			t.Fatalf("granted %+v", n)
		}
		_, err = e.Alice.GrantNumber(ctx, sns[0].SN, alice, alice, "")
		sameError(t, err, func() error {
			_, err := e.DB.GrantNumber(local, sns[0].SN, alice, alice, "")
			return err
		})
		if _, err := e.Bob.FindNumber(ctx, sns[0].SN); err != nil {
			t.Fatalf("bob cannot see the number granted to him: %v", err)
		}
		_, err = e.Bob.FindNumber(ctx, sns[1].SN)
		storetest.WantError(t, err, icpcheck.ENOTFOUND, "sn_not_found")

		filing, err = e.Bob.CreateFiling(ctx, icpcheck.FilingCreate{
			Type: icpcheck.FilingWebsite, Filer: bob, SN: sns[0].SN, Domains: []string{"bob.example.cn"}, Access: storetest.Access(),
		})
		storetest.NoError(t, err)
		if filing.State != icpcheck.FilingDraft || filing.Filer != bob {
			t.Fatalf("created %+v", filing)
		}
		f, err := e.Bob.SubmitFiling(ctx, filing.ID)
		storetest.NoError(t, err)
		if f.State != icpcheck.FilingSubmitted {
			t.Fatalf("state=%s, want submitted", f.State)
		}
		_, err = e.Bob.ApproveFiling(ctx, filing.ID, "浙ICP备12345678号")
		storetest.WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		f, err = e.Admin.ApproveFiling(ctx, filing.ID, "浙ICP备12345678号")
		storetest.NoError(t, err)
		if f.State != icpcheck.FilingFiled || f.BeianNum != "浙ICP备12345678号" {
			t.Fatalf("approved %+v", f)
		}
		n, err = e.Alice.FindNumber(ctx, sns[0].SN)
		storetest.NoError(t, err)
		if n.State != icpcheck.NumberFiled || n.BeianNum != "浙ICP备12345678号" {
			t.Fatalf("number after approval %+v", n)
		}
		_, err = e.Alice.FindFiling(ctx, filing.ID)
		storetest.WantError(t, err, icpcheck.ENOTFOUND, "filing_not_found")
	})

	t.Run("FilingByInstance", func(t *testing.T) {
		access := storetest.Access()
		access.IPs = []netip.Addr{netip.MustParseAddr("8.8.8.8")}
		f, err := e.Alice.CreateFiling(ctx, icpcheck.FilingCreate{
			Type: icpcheck.FilingApp, Filer: alice, InstanceID: in.ID, AppName: "爱丽丝", Access: access,
		})
		storetest.NoError(t, err)
		if rec, _ := e.DB.FindInstance(e.admin, in.ID); rec.Issued != 3 {
			t.Fatalf("issued=%d after a filing naming the instance, want 3", rec.Issued)
		}
		_, err = e.Alice.SubmitFiling(ctx, f.ID)
		storetest.WantError(t, err, icpcheck.ECONFLICT, "access_mismatch")
		sameError(t, err, func() error {
			_, err := e.DB.SubmitFiling(local, f.ID)
			return err
		})
		good := storetest.Access()
		f, err = e.Alice.UpdateFiling(ctx, f.ID, icpcheck.FilingUpdate{Access: &good})
		storetest.NoError(t, err)
		if !reflect.DeepEqual(f.Access.IPs, good.IPs) {
			t.Fatalf("updated access %+v, want %+v", f.Access, good)
		}
		_, err = e.Alice.SubmitFiling(ctx, f.ID)
		storetest.NoError(t, err)
		f, err = e.Admin.RejectFiling(ctx, f.ID, "材料不全")
		storetest.NoError(t, err)
		if f.State != icpcheck.FilingRejected || f.RejectReason != "材料不全" {
			t.Fatalf("rejected %+v", f)
		}
		f, err = e.Alice.DeregisterFiling(ctx, f.ID)
		storetest.NoError(t, err)
		if f.State != icpcheck.FilingDeregistered {
			t.Fatalf("state=%s, want deregistered", f.State)
		}
		list, total, err := e.Alice.FindFilings(ctx, icpcheck.FilingFilter{State: icpcheck.FilingDeregistered})
		storetest.NoError(t, err)
		if total != 1 || list[0].ID != f.ID {
			t.Fatalf("FindFilings(deregistered) total=%d", total)
		}
		_, err = e.Bob.RemoveProvider(ctx, filing.ID)
		storetest.NoError(t, err)
	})

	t.Run("Void", func(t *testing.T) {
		_, err := e.Alice.VoidNumber(ctx, sns[1].SN, "test")
		storetest.WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		n, err := e.Admin.VoidNumber(ctx, sns[1].SN, "test")
		storetest.NoError(t, err)
		if n.State != icpcheck.NumberInvalid {
			t.Fatalf("state=%v, want invalid", n.State)
		}
	})

	t.Run("Audit", func(t *testing.T) {
		events, err := e.Admin.FindAuditEvents(ctx, icpcheck.AuditFilter{Subject: in.ID})
		storetest.NoError(t, err)
		want, err := e.DB.FindAuditEvents(e.admin, icpcheck.AuditFilter{Subject: in.ID})
		storetest.NoError(t, err)
		if len(events) == 0 || len(events) != len(want) {
			t.Fatalf("%d events, want %d", len(events), len(want))
		}
		for i := range events {
			if events[i].Hash != events[i].ComputeHash() || string(events[i].Data) != string(want[i].Data) {
				t.Fatalf("event %d does not arrive byte for byte: %s vs %s", events[i].Seq, events[i].Data, want[i].Data)
			}
		}
		v, err := e.Admin.VerifyAudit(ctx)
		storetest.NoError(t, err)
		if !v.OK || v.Events == 0 {
			t.Fatalf("VerifyAudit=%+v", v)
		}
		_, err = e.Alice.VerifyAudit(ctx)
		storetest.WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		_, err = e.Alice.FindAuditEvents(ctx, icpcheck.AuditFilter{})
		storetest.WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
	})

	t.Run("Keys", func(t *testing.T) {
		key, err := e.Admin.CreateAccessKey(ctx, "3333333333333333", icpcheck.RoleCustomer)
		storetest.NoError(t, err)
		if key.Secret == "" || key.Account != "3333333333333333" {
			t.Fatalf("created %+v", key)
		}
		_, err = e.Alice.CreateAccessKey(ctx, alice, icpcheck.RoleCustomer)
		storetest.WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		_, err = e.Admin.CreateAccessKey(ctx, "0123", icpcheck.RoleCustomer)
		storetest.WantError(t, err, icpcheck.EINVALID, "bad_account")

		carol := e.client(t, key)
		if _, total, err := carol.FindInstances(ctx, icpcheck.InstanceFilter{}); err != nil || total != 0 {
			t.Fatalf("new customer: total=%d, err=%v", total, err)
		}
		keys, err := carol.FindAccessKeys(ctx, "3333333333333333")
		storetest.NoError(t, err)
		if len(keys) != 1 || keys[0].ID != key.ID || keys[0].Secret != "" {
			t.Fatalf("FindAccessKeys=%+v, want the one key without its secret", keys)
		}
		got, err := carol.FindAccessKey(ctx, key.ID)
		storetest.NoError(t, err)
		if got.Secret != "" {
			t.Fatal("FindAccessKey over REST returned a secret")
		}
		_, err = e.Bob.FindAccessKey(ctx, key.ID)
		storetest.WantError(t, err, icpcheck.ENOTFOUND, "key_not_found")
		err = e.Bob.DeleteAccessKey(ctx, key.ID)
		storetest.WantError(t, err, icpcheck.ENOTFOUND, "key_not_found")
		storetest.NoError(t, carol.DeleteAccessKey(ctx, key.ID))
		_, _, err = carol.FindInstances(ctx, icpcheck.InstanceFilter{})
		storetest.WantError(t, err, icpcheck.EUNAUTHORIZED, "access_key_not_found")
		err = carol.UseNonce(ctx, key.ID, "n", storetest.Start)
		storetest.WantError(t, err, icpcheck.EFORBIDDEN, "server_only")
	})

	t.Run("Ping", func(t *testing.T) {
		storetest.NoError(t, e.Bob.Ping(ctx))
	})

	storetest.CheckInvariants(t, e.admin, e.DB)
}

// sameResult fails t unless a check result that came over HTTP renders exactly as the
// store's own, in both languages.
func sameResult(t *testing.T, got, want *icpcheck.CheckResult) {
	t.Helper()
	for _, lang := range i18n.Langs {
		g, w := got.Report(lang), want.Report(lang)
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s report over HTTP:\n%+v\nwant:\n%+v", lang, g, w)
		}
	}
	if !got.At.Equal(want.At) || got.Eligible() != want.Eligible() {
		t.Fatalf("at=%v eligible=%v, want %v %v", got.At, got.Eligible(), want.At, want.Eligible())
	}
}

// sameError fails t unless err, which came over HTTP, is the error the store gives when
// local makes the same call directly: code, reason, field, and every check rendered in both
// languages.
func sameError(t *testing.T, err error, local func() error) {
	t.Helper()
	want := local()
	var g, w *icpcheck.Error
	if !errors.As(err, &g) || !errors.As(want, &w) {
		t.Fatalf("err=%v, want %v", err, want)
	}
	if g.Code != w.Code || g.Reason != w.Reason || g.Field != w.Field || len(g.Checks) != len(w.Checks) {
		t.Fatalf("over HTTP %s/%s field %q with %d checks, locally %s/%s field %q with %d checks",
			g.Code, g.Reason, g.Field, len(g.Checks), w.Code, w.Reason, w.Field, len(w.Checks))
	}
	for _, lang := range i18n.Langs {
		if g.Localized(lang) != w.Localized(lang) {
			t.Fatalf("%s message over HTTP %q, locally %q", lang, g.Localized(lang), w.Localized(lang))
		}
		for i := range g.Checks {
			gc, wc := g.Checks[i], w.Checks[i]
			if gc.Code != wc.Code || gc.Status != wc.Status || gc.Message(lang) != wc.Message(lang) || gc.RemedyMessage(lang) != wc.RemedyMessage(lang) {
				t.Fatalf("check %d over HTTP %+v, locally %+v", i, gc, wc)
			}
		}
	}
}
