package http

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
)

// BatchResult is one instance of a batch: its report or why it was refused. Index counts
// from 0 in the order the batch gave the instances.
type BatchResult struct {
	Index  int        `json:"index"`
	Report *Report    `json:"report,omitempty"`
	Error  *ErrorBody `json:"error,omitempty"`
}

// Batch is the answer to a batch check: one result an instance, in order.
type Batch struct {
	Results  []BatchResult `json:"results"`
	Eligible int           `json:"eligible"`
	Refused  int           `json:"refused"` // instances that were not valid input
}

// checkInstances is the stateless check: one instance (a JSON object) answered with its
// report, or a JSON array of instances answered with a report or an error each. The quota
// check is skipped, as no ledger is consulted.
func (s *Server) checkInstances(req *request) (int, any, error) {
	q := newQuery(req.URL, "at")
	at := q.at(s.Now())
	if q.err != nil {
		return 0, nil, q.err
	}
	items, isBatch, err := splitBatch(req.body)
	if err != nil {
		return 0, nil, err
	}
	if !isBatch {
		in, err := icpcheck.DecodeInstance(items[0])
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, NewReport(eligibility.Check(in, s.Policy, at), req.lang), nil
	}
	batch := &Batch{Results: make([]BatchResult, len(items))}
	var r icpcheck.CheckResult
	for i, item := range items {
		batch.Results[i].Index = i
		in, err := icpcheck.DecodeInstance(item)
		if err != nil {
			b := errorBody(req.lang, err)
			batch.Results[i].Error = &b
			batch.Refused++
			continue
		}
		eligibility.Evaluate(&r, in, s.Policy, at, eligibility.Ledger{})
		batch.Results[i].Report = NewReport(&r, req.lang)
		if r.Eligible() {
			batch.Eligible++
		}
	}
	return http.StatusOK, batch, nil
}

// splitBatch splits a body into its instances: the elements of a JSON array (a batch), or
// the body itself when it is not an array.
func splitBatch(body []byte) (items []json.RawMessage, isBatch bool, err error) {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return nil, false, icpcheck.Invalid("", "body_required")
	case trimmed[0] != '[':
		return []json.RawMessage{trimmed}, false, nil
	}
	if err := decodeStrict(trimmed, &items); err != nil {
		return nil, true, err
	}
	if len(items) > MaxBatch {
		return nil, true, icpcheck.Invalid("", "batch_too_large", MaxBatch)
	}
	return items, true, nil
}

// checkInstance checks a stored instance with the quota check filled in from its ledger.
func (s *Server) checkInstance(req *request) (int, any, error) {
	q := newQuery(req.URL, "at")
	at := q.at(s.Now())
	if q.err != nil {
		return 0, nil, q.err
	}
	r, err := s.Store.CheckInstance(req.Context(), req.PathValue("id"), at)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewReport(r, req.lang), nil
}
