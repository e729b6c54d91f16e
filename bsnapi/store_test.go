package bsnapi_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
)

// fakeStore is an in-memory icpcheck.Store with the semantics of the operations the Filing
// Service API calls, for as long as the real store is not in the tree. It implements the
// methods the tests seed through (PutInstance, CreateAccessKey, CreateFiling, SubmitFiling,
// ApproveFiling) and those bsnapi calls; the embedded nil Store panics on any other, which
// would name the method in the test's failure.
type fakeStore struct {
	icpcheck.Store
	policy *icpcheck.Policy
	now    func() time.Time

	mu        sync.Mutex
	keys      map[string]*icpcheck.AccessKey
	accounts  map[string]icpcheck.Role
	nonces    map[string]bool
	instances map[string]*icpcheck.InstanceRecord
	numbers   map[string]*icpcheck.ServiceNumber
	order     []string // numbers in issue order
	filings   map[string]*icpcheck.Filing
	fail      error // returned by every ledger call when set
	nextKey   int
}

func newFakeStore(p *icpcheck.Policy, now func() time.Time) *fakeStore {
	return &fakeStore{
		policy: p, now: now,
		keys: map[string]*icpcheck.AccessKey{}, accounts: map[string]icpcheck.Role{}, nonces: map[string]bool{},
		instances: map[string]*icpcheck.InstanceRecord{}, numbers: map[string]*icpcheck.ServiceNumber{},
		filings: map[string]*icpcheck.Filing{},
	}
}

func (s *fakeStore) CreateAccessKey(ctx context.Context, account string, role icpcheck.Role) (*icpcheck.AccessKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.accounts[account]; ok && r != role {
		return nil, icpcheck.Errorf(icpcheck.ECONFLICT, "role_mismatch")
	}
	s.accounts[account] = role
	s.nextKey++
	key := &icpcheck.AccessKey{
		ID: fmt.Sprintf("LTAI%012d", s.nextKey), Secret: fmt.Sprintf("secret-%d-%s", s.nextKey, icpcheck.NewSN()),
		Account: account, Role: role, CreatedAt: s.now(),
	}
	s.keys[key.ID] = key
	copied := *key
	return &copied, nil
}

func (s *fakeStore) FindAccessKey(ctx context.Context, id string) (*icpcheck.AccessKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	key, ok := s.keys[id]
	if !ok {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "key_not_found")
	}
	copied := *key
	return &copied, nil
}

func (s *fakeStore) UseNonce(ctx context.Context, keyID, nonce string, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nonces[keyID+"\x00"+nonce] {
		return icpcheck.Errorf(icpcheck.ECONFLICT, "nonce_used")
	}
	s.nonces[keyID+"\x00"+nonce] = true
	return nil
}

func (s *fakeStore) PutInstance(ctx context.Context, in *icpcheck.Instance) (icpcheck.PutAction, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return "", err
	}
	if err := in.Validate(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[in.Owner]; !ok {
		s.accounts[in.Owner] = icpcheck.RoleCustomer
	}
	if rec, ok := s.instances[in.ID]; ok {
		rec.Instance = in
		return icpcheck.PutUpdated, nil
	}
	s.instances[in.ID] = &icpcheck.InstanceRecord{Instance: in, CreatedAt: s.now(), UpdatedAt: s.now()}
	return icpcheck.PutCreated, nil
}

func (s *fakeStore) FindInstance(ctx context.Context, id string) (*icpcheck.InstanceRecord, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	rec, ok := s.instances[id]
	if !ok || !actor.CanActFor(rec.Instance.Owner) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "instance_not_found")
	}
	copied := *rec
	return &copied, nil
}

func (s *fakeStore) IssueNumbers(ctx context.Context, req icpcheck.IssueRequest) ([]*icpcheck.ServiceNumber, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if req.Num < icpcheck.MinIssue || req.Num > icpcheck.MaxIssue {
		return nil, icpcheck.Invalid("num", "num_out_of_range", icpcheck.MinIssue, icpcheck.MaxIssue)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	rec, ok := s.instances[req.InstanceID]
	if !ok || (req.Product != "" && rec.Instance.Product != req.Product) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "instance_not_found")
	}
	if rec.Instance.Owner != req.Owner || !actor.CanActFor(req.Owner) {
		return nil, icpcheck.Errorf(icpcheck.EFORBIDDEN, "not_owner")
	}
	result := eligibility.CheckWithLedger(rec.Instance, s.policy, s.now(), rec.Issued)
	if !result.EligibleForUse() {
		var failing []icpcheck.Check
		for _, c := range result.Checks {
			if c.Status == icpcheck.Fail {
				failing = append(failing, c)
			}
		}
		return nil, &icpcheck.Error{Code: icpcheck.ECONFLICT, Reason: "not_eligible", Checks: failing,
			Params: []any{fmt.Sprint(result.Codes(icpcheck.Fail))}}
	}
	if rec.Issued+req.Num > result.Quota {
		return nil, icpcheck.Errorf(icpcheck.ECONFLICT, "quota_exceeded", result.Quota, rec.Issued, req.Num)
	}
	var out []*icpcheck.ServiceNumber
	for range req.Num {
		rec.Issued++
		n := &icpcheck.ServiceNumber{
			SN: icpcheck.NewSN(), InstanceID: rec.Instance.ID, Product: rec.Instance.Product, Owner: rec.Instance.Owner,
			State: icpcheck.NumberUnbound, Seq: rec.Issued, IssuedAt: s.now(), UpdatedAt: s.now(),
		}
		s.numbers[n.SN] = n
		s.order = append(s.order, n.SN)
		copied := *n
		out = append(out, &copied)
	}
	return out, nil
}

func (s *fakeStore) visible(actor icpcheck.Actor, n *icpcheck.ServiceNumber) bool {
	return actor.Role == icpcheck.RoleAdmin || n.UsableBy(actor.Account)
}

func (s *fakeStore) FindNumber(ctx context.Context, sn string) (*icpcheck.ServiceNumber, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	n, ok := s.numbers[sn]
	if !ok || !s.visible(actor, n) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "sn_not_found")
	}
	copied := *n
	return &copied, nil
}

func (s *fakeStore) FindNumbers(ctx context.Context, f icpcheck.NumberFilter) ([]*icpcheck.ServiceNumber, int, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, 0, s.fail
	}
	var match []*icpcheck.ServiceNumber
	for _, sn := range s.order {
		n := s.numbers[sn]
		if (f.InstanceID == "" || n.InstanceID == f.InstanceID) && s.visible(actor, n) {
			copied := *n
			match = append(match, &copied)
		}
	}
	total := len(match)
	limit := icpcheck.PageLimit(f.Limit)
	match = match[min(f.Offset, total):min(f.Offset+limit, total)]
	return match, total, nil
}

func (s *fakeStore) GrantNumber(ctx context.Context, sn, owner, grantee, notes string) (*icpcheck.ServiceNumber, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	n, ok := s.numbers[sn]
	switch {
	case !ok || !s.visible(actor, n):
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "sn_not_found")
	case n.Owner != owner || !actor.CanActFor(owner):
		return nil, icpcheck.Errorf(icpcheck.EFORBIDDEN, "sn_not_owned")
	case grantee == owner:
		return nil, icpcheck.Invalid("grantee", "grant_to_self")
	case n.State != icpcheck.NumberUnbound:
		return nil, icpcheck.Errorf(icpcheck.ECONFLICT, "sn_not_unbound", n.State.String())
	case n.GrantedTo != "" && n.GrantedTo != grantee:
		return nil, icpcheck.Errorf(icpcheck.ECONFLICT, "already_granted", n.GrantedTo)
	}
	if _, ok := s.accounts[grantee]; !ok {
		s.accounts[grantee] = icpcheck.RoleCustomer
	}
	n.GrantedTo, n.GrantNotes, n.UpdatedAt = grantee, notes, s.now()
	copied := *n
	return &copied, nil
}

func (s *fakeStore) CreateFiling(ctx context.Context, req icpcheck.FilingCreate) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireActor(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.numbers[req.SN]
	switch {
	case !ok:
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "sn_not_found")
	case !n.UsableBy(req.Filer):
		return nil, icpcheck.Errorf(icpcheck.EFORBIDDEN, "sn_not_usable")
	case n.State != icpcheck.NumberUnbound:
		return nil, icpcheck.Errorf(icpcheck.ECONFLICT, "sn_not_unbound", n.State.String())
	}
	f := &icpcheck.Filing{
		ID: fmt.Sprintf("f-%d", len(s.filings)+1), Type: req.Type, Filer: req.Filer, SN: req.SN, InstanceID: n.InstanceID,
		Domains: req.Domains, Access: req.Access, State: icpcheck.FilingDraft, CreatedAt: s.now(), UpdatedAt: s.now(),
	}
	s.filings[f.ID] = f
	n.State, n.FilingID = icpcheck.NumberBound, f.ID
	copied := *f
	return &copied, nil
}

func (s *fakeStore) SubmitFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	return s.moveFiling(ctx, id, icpcheck.FilingDraft, icpcheck.FilingSubmitted, "")
}

func (s *fakeStore) ApproveFiling(ctx context.Context, id, beianNum string) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.moveFiling(ctx, id, icpcheck.FilingSubmitted, icpcheck.FilingFiled, beianNum)
}

func (s *fakeStore) moveFiling(ctx context.Context, id string, from, to icpcheck.FilingState, beianNum string) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireActor(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.filings[id]
	if !ok {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "filing_not_found")
	}
	if f.State != from {
		return nil, icpcheck.Errorf(icpcheck.ECONFLICT, "filing_state", string(f.State))
	}
	f.State, f.BeianNum = to, beianNum
	n := s.numbers[f.SN]
	n.State, n.BeianNum = to.NumberState(), beianNum
	copied := *f
	return &copied, nil
}
