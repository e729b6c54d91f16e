package metrics

import (
	"context"
	"time"

	"github.com/icpcheck/icpcheck"
)

// Store returns s with every call counted and timed. Refusals (an *icpcheck.Error that is
// not EINTERNAL or EUNAVAILABLE) are counted by reason; the numbers that IssueNumbers and
// CreateFiling (naming an instance) issue are counted as issued.
func (m *Metrics) Store(s icpcheck.Store) icpcheck.Store { return &store{next: s, m: m} }

type store struct {
	next icpcheck.Store
	m    *Metrics
}

var _ icpcheck.Store = (*store)(nil)

// observe runs one store call and records its time and outcome.
func observe[T any](m *Metrics, op string, call func() (T, error)) (T, error) {
	start := time.Now()
	v, err := call()
	m.storeDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	m.count(op, err)
	return v, err
}

// count records err, when there is one, as a failure or a refusal of op.
func (m *Metrics) count(op string, err error) {
	if err == nil {
		return
	}
	switch code := icpcheck.ErrorCode(err); code {
	case icpcheck.EINTERNAL, icpcheck.EUNAVAILABLE:
		m.failures.WithLabelValues(op, code).Inc()
	default:
		m.refusals.WithLabelValues(op, icpcheck.ErrorReason(err)).Inc()
	}
}

// none stands for the missing result of calls that return only an error.
type none struct{}

func observeErr(m *Metrics, op string, call func() error) error {
	_, err := observe(m, op, func() (none, error) { return none{}, call() })
	return err
}

func (s *store) CreateAccessKey(ctx context.Context, account string, role icpcheck.Role) (*icpcheck.AccessKey, error) {
	return observe(s.m, "CreateAccessKey", func() (*icpcheck.AccessKey, error) { return s.next.CreateAccessKey(ctx, account, role) })
}

func (s *store) FindAccessKey(ctx context.Context, id string) (*icpcheck.AccessKey, error) {
	return observe(s.m, "FindAccessKey", func() (*icpcheck.AccessKey, error) { return s.next.FindAccessKey(ctx, id) })
}

func (s *store) FindAccessKeys(ctx context.Context, account string) ([]*icpcheck.AccessKey, error) {
	return observe(s.m, "FindAccessKeys", func() ([]*icpcheck.AccessKey, error) { return s.next.FindAccessKeys(ctx, account) })
}

func (s *store) DeleteAccessKey(ctx context.Context, id string) error {
	return observeErr(s.m, "DeleteAccessKey", func() error { return s.next.DeleteAccessKey(ctx, id) })
}

func (s *store) FindAccount(ctx context.Context, id string) (*icpcheck.Account, error) {
	return observe(s.m, "FindAccount", func() (*icpcheck.Account, error) { return s.next.FindAccount(ctx, id) })
}

func (s *store) UseNonce(ctx context.Context, keyID, nonce string, expires time.Time) error {
	return observeErr(s.m, "UseNonce", func() error { return s.next.UseNonce(ctx, keyID, nonce, expires) })
}

func (s *store) PutInstance(ctx context.Context, in *icpcheck.Instance) (icpcheck.PutAction, error) {
	return observe(s.m, "PutInstance", func() (icpcheck.PutAction, error) { return s.next.PutInstance(ctx, in) })
}

// PutInstances counts the refusal of each instance of a batch as well as the call's own.
func (s *store) PutInstances(ctx context.Context, ins []*icpcheck.Instance) ([]icpcheck.PutResult, error) {
	res, err := observe(s.m, "PutInstances", func() ([]icpcheck.PutResult, error) { return s.next.PutInstances(ctx, ins) })
	for _, r := range res {
		s.m.count("PutInstances", r.Err)
	}
	return res, err
}

func (s *store) FindInstance(ctx context.Context, id string) (*icpcheck.InstanceRecord, error) {
	return observe(s.m, "FindInstance", func() (*icpcheck.InstanceRecord, error) { return s.next.FindInstance(ctx, id) })
}

// page is the result of a listing: its items and the total that match.
type page[T any] struct {
	items []T
	total int
}

func (s *store) FindInstances(ctx context.Context, f icpcheck.InstanceFilter) ([]*icpcheck.InstanceRecord, int, error) {
	p, err := observe(s.m, "FindInstances", func() (page[*icpcheck.InstanceRecord], error) {
		items, total, err := s.next.FindInstances(ctx, f)
		return page[*icpcheck.InstanceRecord]{items, total}, err
	})
	return p.items, p.total, err
}

func (s *store) CheckInstance(ctx context.Context, id string, at time.Time) (*icpcheck.CheckResult, error) {
	return observe(s.m, "CheckInstance", func() (*icpcheck.CheckResult, error) { return s.next.CheckInstance(ctx, id, at) })
}

func (s *store) IssueNumbers(ctx context.Context, req icpcheck.IssueRequest) ([]*icpcheck.ServiceNumber, error) {
	ns, err := observe(s.m, "IssueNumbers", func() ([]*icpcheck.ServiceNumber, error) { return s.next.IssueNumbers(ctx, req) })
	s.m.issued.Add(float64(len(ns)))
	return ns, err
}

func (s *store) FindNumber(ctx context.Context, sn string) (*icpcheck.ServiceNumber, error) {
	return observe(s.m, "FindNumber", func() (*icpcheck.ServiceNumber, error) { return s.next.FindNumber(ctx, sn) })
}

func (s *store) FindNumbers(ctx context.Context, f icpcheck.NumberFilter) ([]*icpcheck.ServiceNumber, int, error) {
	p, err := observe(s.m, "FindNumbers", func() (page[*icpcheck.ServiceNumber], error) {
		items, total, err := s.next.FindNumbers(ctx, f)
		return page[*icpcheck.ServiceNumber]{items, total}, err
	})
	return p.items, p.total, err
}

func (s *store) GrantNumber(ctx context.Context, sn, owner, grantee, notes string) (*icpcheck.ServiceNumber, error) {
	return observe(s.m, "GrantNumber", func() (*icpcheck.ServiceNumber, error) { return s.next.GrantNumber(ctx, sn, owner, grantee, notes) })
}

func (s *store) VoidNumber(ctx context.Context, sn, reason string) (*icpcheck.ServiceNumber, error) {
	return observe(s.m, "VoidNumber", func() (*icpcheck.ServiceNumber, error) { return s.next.VoidNumber(ctx, sn, reason) })
}

func (s *store) CreateFiling(ctx context.Context, req icpcheck.FilingCreate) (*icpcheck.Filing, error) {
	f, err := observe(s.m, "CreateFiling", func() (*icpcheck.Filing, error) { return s.next.CreateFiling(ctx, req) })
	// A filing that names an instance rather than a number had one issued for it.
	if err == nil && req.SN == "" && req.InstanceID != "" {
		s.m.issued.Inc()
	}
	return f, err
}

func (s *store) FindFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	return observe(s.m, "FindFiling", func() (*icpcheck.Filing, error) { return s.next.FindFiling(ctx, id) })
}

func (s *store) FindFilings(ctx context.Context, f icpcheck.FilingFilter) ([]*icpcheck.Filing, int, error) {
	p, err := observe(s.m, "FindFilings", func() (page[*icpcheck.Filing], error) {
		items, total, err := s.next.FindFilings(ctx, f)
		return page[*icpcheck.Filing]{items, total}, err
	})
	return p.items, p.total, err
}

func (s *store) UpdateFiling(ctx context.Context, id string, upd icpcheck.FilingUpdate) (*icpcheck.Filing, error) {
	return observe(s.m, "UpdateFiling", func() (*icpcheck.Filing, error) { return s.next.UpdateFiling(ctx, id, upd) })
}

func (s *store) SubmitFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	return observe(s.m, "SubmitFiling", func() (*icpcheck.Filing, error) { return s.next.SubmitFiling(ctx, id) })
}

func (s *store) ApproveFiling(ctx context.Context, id, beianNum string) (*icpcheck.Filing, error) {
	return observe(s.m, "ApproveFiling", func() (*icpcheck.Filing, error) { return s.next.ApproveFiling(ctx, id, beianNum) })
}

func (s *store) RejectFiling(ctx context.Context, id, reason string) (*icpcheck.Filing, error) {
	return observe(s.m, "RejectFiling", func() (*icpcheck.Filing, error) { return s.next.RejectFiling(ctx, id, reason) })
}

func (s *store) DeregisterFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	return observe(s.m, "DeregisterFiling", func() (*icpcheck.Filing, error) { return s.next.DeregisterFiling(ctx, id) })
}

func (s *store) RemoveProvider(ctx context.Context, id string) (*icpcheck.Filing, error) {
	return observe(s.m, "RemoveProvider", func() (*icpcheck.Filing, error) { return s.next.RemoveProvider(ctx, id) })
}

func (s *store) FindAuditEvents(ctx context.Context, f icpcheck.AuditFilter) ([]*icpcheck.AuditEvent, error) {
	return observe(s.m, "FindAuditEvents", func() ([]*icpcheck.AuditEvent, error) { return s.next.FindAuditEvents(ctx, f) })
}

func (s *store) VerifyAudit(ctx context.Context) (*icpcheck.AuditVerification, error) {
	return observe(s.m, "VerifyAudit", func() (*icpcheck.AuditVerification, error) { return s.next.VerifyAudit(ctx) })
}

func (s *store) Ping(ctx context.Context) error {
	return observeErr(s.m, "Ping", func() error { return s.next.Ping(ctx) })
}

// Close closes the store underneath.
func (s *store) Close() error { return s.next.Close() }
