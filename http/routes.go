package http

import "github.com/icpcheck/icpcheck"

// restRoutes is the REST API: every route, its endpoint and its body limit. openapi.json
// documents each of them, and a test holds the two together.
func (s *Server) restRoutes() []route {
	return []route{
		{"POST /v1/check", MaxBatchBodySize, s.checkInstances},

		{"GET /v1/instances", MaxBodySize, s.findInstances},
		{"POST /v1/instances", MaxBatchBodySize, s.importInstances},
		{"GET /v1/instances/{id}", MaxBodySize, s.findInstance},
		{"PUT /v1/instances/{id}", MaxBodySize, s.putInstance},
		{"GET /v1/instances/{id}/check", MaxBodySize, s.checkInstance},
		{"GET /v1/instances/{id}/numbers", MaxBodySize, s.findInstanceNumbers},
		{"POST /v1/instances/{id}/numbers", MaxBodySize, s.issueNumbers},

		{"GET /v1/numbers", MaxBodySize, s.findNumbers},
		{"GET /v1/numbers/{sn}", MaxBodySize, s.findNumber},
		{"POST /v1/numbers/{sn}/grant", MaxBodySize, s.grantNumber},
		{"POST /v1/numbers/{sn}/void", MaxBodySize, s.voidNumber},

		{"GET /v1/filings", MaxBodySize, s.findFilings},
		{"POST /v1/filings", MaxBodySize, s.createFiling},
		{"GET /v1/filings/{id}", MaxBodySize, s.findFiling},
		{"PATCH /v1/filings/{id}", MaxBodySize, s.updateFiling},
		{"POST /v1/filings/{id}/submit", MaxBodySize, s.submitFiling},
		{"POST /v1/filings/{id}/approve", MaxBodySize, s.approveFiling},
		{"POST /v1/filings/{id}/reject", MaxBodySize, s.rejectFiling},
		{"POST /v1/filings/{id}/deregister", MaxBodySize, s.deregisterFiling},
		{"POST /v1/filings/{id}/remove-provider", MaxBodySize, s.removeProvider},

		{"GET /v1/audit", MaxBodySize, s.findAuditEvents},
		{"GET /v1/audit/verify", MaxBodySize, s.verifyAudit},

		{"GET /v1/me", MaxBodySize, s.me},
		{"GET /v1/accounts/{id}", MaxBodySize, s.findAccount},
		{"GET /v1/keys", MaxBodySize, s.findAccessKeys},
		{"POST /v1/keys", MaxBodySize, s.createAccessKey},
		{"GET /v1/keys/{id}", MaxBodySize, s.findAccessKey},
		{"DELETE /v1/keys/{id}", MaxBodySize, s.deleteAccessKey},
	}
}

// List is the body of every listing: one page of items and the total that match.
type List[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

func newList[T any](items []T, total, offset, limit int) *List[T] {
	if items == nil {
		items = []T{}
	}
	return &List[T]{Items: items, Total: total, Offset: offset, Limit: icpcheck.PageLimit(limit)}
}
