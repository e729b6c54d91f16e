package http

import (
	"net/http"

	"github.com/icpcheck/icpcheck"
)

// AuditEvents is a run of audit events in seq order.
type AuditEvents struct {
	Events []*icpcheck.AuditEvent `json:"events"`
}

func (s *Server) findAuditEvents(req *request) (int, any, error) {
	q := newQuery(req.URL, "subject", "action", "after_seq", "limit")
	f := icpcheck.AuditFilter{
		Subject:  q.str("subject"),
		Action:   q.str("action"),
		AfterSeq: q.int64("after_seq", 0, 1<<62, 0),
		Limit:    int(q.int64("limit", 1, icpcheck.MaxPageSize, 0)),
	}
	if q.err != nil {
		return 0, nil, q.err
	}
	events, err := s.Store.FindAuditEvents(req.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	if events == nil {
		events = []*icpcheck.AuditEvent{}
	}
	return http.StatusOK, &AuditEvents{Events: events}, nil
}

func (s *Server) verifyAudit(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	v, err := s.Store.VerifyAudit(req.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}
