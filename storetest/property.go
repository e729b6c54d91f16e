package storetest

import (
	"slices"
	"sync/atomic"
	"testing"

	"github.com/icpcheck/icpcheck"
	"pgregory.net/rapid"
)

// testProperty runs random sequences of operations against a model of the rules and demands
// that the store refuses exactly what the model refuses, for the model's reason, and that
// afterwards the ledger agrees with the model: no quota exceeded, no number bound twice.
// Each case works on instances of its own in one store, which is opened once.
func testProperty(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	var cases atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		m := &model{t: rt, e: e, prefix: "p" + itoa(int(cases.Add(1))) + "-"}
		for k := range 3 {
			owner := accounts[k%2]
			m.instances = append(m.instances, &modelInstance{id: m.prefix + "i" + itoa(k), owner: owner})
			e.MustPut(rt, ECS(m.instances[k].id, owner))
		}
		steps := rapid.IntRange(5, 40).Draw(rt, "steps")
		for range steps {
			m.step()
		}
		m.check()
	})
	e.Invariants(t)
}

var accounts = []string{"2001", "2002", "2003"}

type modelInstance struct {
	id       string
	owner    string
	issued   int
	released bool
}

type modelNumber struct {
	sn        string
	inst      *modelInstance
	grantedTo string
	state     icpcheck.NumberState
}

type modelFiling struct {
	id    string
	filer string
	num   *modelNumber
	state icpcheck.FilingState
}

type model struct {
	t         *rapid.T
	e         *Env
	prefix    string
	instances []*modelInstance
	numbers   []*modelNumber
	filings   []*modelFiling
}

// want fails the test unless err has the reason the model expects ("" for success).
func (m *model) want(op string, err error, reason string) {
	m.t.Helper()
	if got := icpcheck.ErrorReason(err); got != reason {
		m.t.Fatalf("%s: got %q (%v), model wants %q", op, got, err, reason)
	}
}

func (m *model) step() {
	t := m.t
	ops := []string{"issue", "direct", "release"}
	if len(m.numbers) > 0 {
		ops = append(ops, "grant", "file", "void")
	}
	if len(m.filings) > 0 {
		ops = append(ops, "submit", "approve", "reject", "deregister")
	}
	switch op := rapid.SampledFrom(ops).Draw(t, "op"); op {
	case "issue":
		in := rapid.SampledFrom(m.instances).Draw(t, "instance")
		num := rapid.IntRange(1, 6).Draw(t, "num")
		nums, err := m.e.DB.IssueNumbers(Customer(in.owner), icpcheck.IssueRequest{InstanceID: in.id, Num: num})
		m.want(op, err, m.issueRefusal(in, num))
		for _, n := range nums {
			m.numbers = append(m.numbers, &modelNumber{sn: n.SN, inst: in})
		}
		if err == nil {
			in.issued += num
		}
	case "direct":
		in := rapid.SampledFrom(m.instances).Draw(t, "instance")
		f, err := m.e.DB.CreateFiling(Customer(in.owner), icpcheck.FilingCreate{Type: icpcheck.FilingApp, InstanceID: in.id, AppName: "A", Access: Access()})
		m.want(op, err, m.issueRefusal(in, 1))
		if err == nil {
			in.issued++
			n := &modelNumber{sn: f.SN, inst: in, state: icpcheck.NumberBound}
			m.numbers = append(m.numbers, n)
			m.filings = append(m.filings, &modelFiling{id: f.ID, filer: in.owner, num: n, state: icpcheck.FilingDraft})
		}
	case "release":
		in := rapid.SampledFrom(m.instances).Draw(t, "instance")
		rel := ECS(in.id, in.owner)
		rel.Status = icpcheck.StatusReleased
		_, err := m.e.DB.PutInstance(m.e.Admin, rel)
		m.want(op, err, "")
		in.released = true
		for _, n := range m.numbers {
			if n.inst == in && n.state == icpcheck.NumberUnbound {
				n.state = icpcheck.NumberInvalid
			}
		}
	case "grant":
		n := rapid.SampledFrom(m.numbers).Draw(t, "number")
		to := rapid.SampledFrom(accounts).Draw(t, "grantee")
		_, err := m.e.DB.GrantNumber(Customer(n.inst.owner), n.sn, n.inst.owner, to, "")
		reason := ""
		switch {
		case to == n.inst.owner:
			reason = "grant_to_self"
		case n.state != icpcheck.NumberUnbound:
			reason = "sn_not_unbound"
		case n.grantedTo != "" && n.grantedTo != to:
			reason = "already_granted"
		}
		m.want(op, err, reason)
		if err == nil {
			n.grantedTo = to
		}
	case "file":
		n := rapid.SampledFrom(m.numbers).Draw(t, "number")
		filer := rapid.SampledFrom(accounts).Draw(t, "filer")
		f, err := m.e.DB.CreateFiling(Customer(filer), icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: n.sn, AppName: "A", Access: Access()})
		reason := ""
		switch {
		case filer != n.inst.owner && filer != n.grantedTo:
			reason = "sn_not_found"
		case n.state != icpcheck.NumberUnbound:
			reason = "sn_not_unbound"
		}
		m.want(op, err, reason)
		if err == nil {
			n.state = icpcheck.NumberBound
			m.filings = append(m.filings, &modelFiling{id: f.ID, filer: filer, num: n, state: icpcheck.FilingDraft})
		}
	case "void":
		n := rapid.SampledFrom(m.numbers).Draw(t, "number")
		_, err := m.e.DB.VoidNumber(m.e.Admin, n.sn, "")
		reason := ""
		if n.state == icpcheck.NumberUnderReview || n.state == icpcheck.NumberFiled {
			reason = "sn_in_use"
		}
		m.want(op, err, reason)
		if err == nil {
			n.state = icpcheck.NumberInvalid
		}
	default:
		m.filingStep(op, rapid.SampledFrom(m.filings).Draw(t, "filing"))
	}
}

func (m *model) filingStep(op string, f *modelFiling) {
	ctx := Customer(f.filer)
	var err error
	var from []icpcheck.FilingState
	var to icpcheck.FilingState
	extra := ""
	switch op {
	case "submit":
		_, err = m.e.DB.SubmitFiling(ctx, f.id)
		from, to = []icpcheck.FilingState{icpcheck.FilingDraft, icpcheck.FilingRejected}, icpcheck.FilingSubmitted
		if f.num.state == icpcheck.NumberInvalid {
			extra = "sn_invalid"
		} else if f.num.inst.released {
			extra = "not_eligible"
		}
	case "approve":
		_, err = m.e.DB.ApproveFiling(m.e.Admin, f.id, "粤ICP备2021012345号")
		from, to = []icpcheck.FilingState{icpcheck.FilingSubmitted}, icpcheck.FilingFiled
	case "reject":
		_, err = m.e.DB.RejectFiling(m.e.Admin, f.id, "")
		from, to = []icpcheck.FilingState{icpcheck.FilingSubmitted}, icpcheck.FilingRejected
	case "deregister":
		_, err = m.e.DB.DeregisterFiling(ctx, f.id)
		from, to = []icpcheck.FilingState{icpcheck.FilingDraft, icpcheck.FilingRejected, icpcheck.FilingFiled}, icpcheck.FilingDeregistered
	}
	reason := extra
	if !slices.Contains(from, f.state) {
		reason = "filing_state"
	}
	m.want(op, err, reason)
	if err == nil {
		f.state = to
		if f.num.state != icpcheck.NumberInvalid {
			f.num.state = to.NumberState()
		}
	}
}

func (m *model) issueRefusal(in *modelInstance, num int) string {
	switch {
	case in.released:
		return "not_eligible"
	case in.issued+num > 5:
		return "quota_exceeded"
	}
	return ""
}

// check compares the store with the model.
func (m *model) check() {
	admin := m.e.Admin
	for _, in := range m.instances {
		rec, err := m.e.DB.FindInstance(admin, in.id)
		NoError(m.t, err)
		_, total, err := m.e.DB.FindNumbers(admin, icpcheck.NumberFilter{InstanceID: in.id})
		NoError(m.t, err)
		if rec.Issued != in.issued || total != in.issued || in.issued > 5 {
			m.t.Fatalf("%s: store issued %d with %d numbers, model %d", in.id, rec.Issued, total, in.issued)
		}
	}
	for _, n := range m.numbers {
		got, err := m.e.DB.FindNumber(admin, n.sn)
		NoError(m.t, err)
		if got.State != n.state || got.GrantedTo != n.grantedTo {
			m.t.Fatalf("number %s: store %v granted to %q, model %v granted to %q", n.sn, got.State, got.GrantedTo, n.state, n.grantedTo)
		}
	}
	for _, f := range m.filings {
		got, err := m.e.DB.FindFiling(admin, f.id)
		NoError(m.t, err)
		if got.State != f.state || got.SN != f.num.sn {
			m.t.Fatalf("filing %s: store %s, model %s", f.id, got.State, f.state)
		}
	}
}
