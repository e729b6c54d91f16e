package storetest

import (
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
)

// auditFixture makes a store with a chain of events: accounts, instances, numbers, a grant,
// a filing through its states.
func auditFixture(t *testing.T, open OpenFunc) *Env {
	t.Helper()
	e := NewEnv(t, open)
	e.MustPut(t, ECS("i-1", "1001"))
	nums := e.MustIssue(t, "i-1", 3)
	_, err := e.DB.GrantNumber(Customer("1001"), nums[0].SN, "1001", "1002", "n")
	NoError(t, err)
	f, err := e.DB.CreateFiling(Customer("1002"), website(nums[0].SN, "a.cn"))
	NoError(t, err)
	_, err = e.DB.SubmitFiling(Customer("1002"), f.ID)
	NoError(t, err)
	_, err = e.DB.ApproveFiling(e.Admin, f.ID, "京ICP备12345678号")
	NoError(t, err)
	_, err = e.DB.VoidNumber(e.Admin, nums[1].SN, "test")
	NoError(t, err)
	return e
}

func testAudit(t *testing.T, open OpenFunc) {
	t.Run("Events", func(t *testing.T) {
		e := auditFixture(t, open)
		events, err := e.DB.FindAuditEvents(e.Admin, icpcheck.AuditFilter{})
		NoError(t, err)
		var actions []string
		for i, ev := range events {
			if ev.Seq != int64(i+1) || !ev.Time.Equal(Start) {
				t.Fatalf("event %d: seq %d time %v", i, ev.Seq, ev.Time)
			}
			actions = append(actions, ev.Action)
		}
		got := strings.Join(actions, " ")
		for _, want := range []string{"account.create", "instance.create", "number.issue", "number.grant", "number.bind",
			"filing.create", "filing.submit", "filing.approve", "number.state"} {
			if !strings.Contains(got, want) {
				t.Fatalf("no %s event in %s", want, got)
			}
		}
		if events[0].Actor != "cli" {
			t.Fatalf("first event's actor %q, want cli", events[0].Actor)
		}
		byCustomer, err := e.DB.FindAuditEvents(e.Admin, icpcheck.AuditFilter{Action: "filing.create"})
		NoError(t, err)
		if len(byCustomer) != 1 || byCustomer[0].Actor != "customer:1002" {
			t.Fatalf("filing.create events %+v", byCustomer)
		}
		page, err := e.DB.FindAuditEvents(e.Admin, icpcheck.AuditFilter{AfterSeq: 2, Limit: 2})
		NoError(t, err)
		if len(page) != 2 || page[0].Seq != 3 {
			t.Fatalf("page after 2: %v", page)
		}
		subj, err := e.DB.FindAuditEvents(e.Admin, icpcheck.AuditFilter{Subject: "i-1"})
		NoError(t, err)
		if len(subj) != 1 || subj[0].Action != "instance.create" {
			t.Fatalf("events of i-1: %+v", subj)
		}
		v, err := e.DB.VerifyAudit(e.Admin)
		NoError(t, err)
		if !v.OK || v.Events != int64(len(events)) {
			t.Fatalf("verify %+v, want ok over %d", v, len(events))
		}
	})
	// Editing, deleting or reordering any row of the log is caught at the first bad event.
	tamper := []struct {
		name    string
		sql     string
		first   func(n int64) int64
		problem string
	}{
		{"EditData", `UPDATE audit_events SET data = '{"owner":"6666"}' WHERE seq = 3`, fixed(3), "hash"},
		{"EditActor", `UPDATE audit_events SET actor = 'admin:1' WHERE seq = 5`, fixed(5), "hash"},
		{"EditTime", `UPDATE audit_events SET time = time + 1 WHERE seq = 2`, fixed(2), "hash"},
		{"RehashOne", `UPDATE audit_events SET subject = 'x', hash = 'ab' WHERE seq = 4`, fixed(4), "hash"},
		{"DeleteFirst", `DELETE FROM audit_events WHERE seq = 1`, fixed(1), "gap"},
		{"DeleteMiddle", `DELETE FROM audit_events WHERE seq = 6`, fixed(6), "gap"},
		{"DeleteLast", `DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)`, func(n int64) int64 { return n }, "gap"},
		{"Reorder", `UPDATE audit_events SET seq = CASE seq WHEN 7 THEN 8 ELSE 7 END WHERE seq IN (7, 8)`, fixed(7), "prev_hash"},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			e := auditFixture(t, open)
			before, err := e.DB.VerifyAudit(e.Admin)
			NoError(t, err)
			if !before.OK {
				t.Fatalf("chain broken before tampering: %+v", before)
			}
			if tc.name == "Reorder" {
				// Two rows swap places through a free seq, as no UNIQUE key allows a direct swap.
				for _, q := range []string{`UPDATE audit_events SET seq = 1000000 WHERE seq = 7`,
					`UPDATE audit_events SET seq = 7 WHERE seq = 8`, `UPDATE audit_events SET seq = 8 WHERE seq = 1000000`} {
					if _, err := e.DB.Exec(e.Admin, q); err != nil {
						t.Fatal(err)
					}
				}
			} else if _, err := e.DB.Exec(e.Admin, tc.sql); err != nil {
				t.Fatal(err)
			}
			v, err := e.DB.VerifyAudit(e.Admin)
			NoError(t, err)
			if want := tc.first(before.Events); v.OK || v.FirstBad != want || v.Problem != tc.problem {
				t.Fatalf("after %s: %+v, want first bad %d (%s)", tc.name, v, want, tc.problem)
			}
		})
	}
	t.Run("Pages", func(t *testing.T) {
		// More events than one page of VerifyAudit, with a break on the second page.
		e := NewEnv(t, open)
		for i := range 50 {
			NoError(t, e.DB.UseNonce(Anonymous, "k", itoa(i), Start)) // no events
		}
		for i := range 210 {
			e.MustPut(t, ECS("i-"+itoa(i), "1001"))
			e.MustIssue(t, "i-"+itoa(i), 5)
		}
		v, err := e.DB.VerifyAudit(e.Admin)
		NoError(t, err)
		if !v.OK || v.Events < 1200 {
			t.Fatalf("verify %+v", v)
		}
		if _, err := e.DB.Exec(e.Admin, `UPDATE audit_events SET data = '{}' WHERE seq = 1150`); err != nil {
			t.Fatal(err)
		}
		v, err = e.DB.VerifyAudit(e.Admin)
		NoError(t, err)
		if v.OK || v.FirstBad != 1150 {
			t.Fatalf("verify after edit on page 2: %+v", v)
		}
	})
}

func fixed(seq int64) func(int64) int64 { return func(int64) int64 { return seq } }
