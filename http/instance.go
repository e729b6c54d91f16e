package http

import (
	"net/http"

	"github.com/icpcheck/icpcheck"
)

// instanceStatuses are the values of the status filter.
var instanceStatuses = []string{
	string(icpcheck.StatusRunning), string(icpcheck.StatusStopped),
	string(icpcheck.StatusExpired), string(icpcheck.StatusReleased),
}

func (s *Server) findInstances(req *request) (int, any, error) {
	q := newQuery(req.URL, "owner", "product", "status", "id", "offset", "limit")
	f := icpcheck.InstanceFilter{
		Owner:   q.account("owner"),
		Product: q.str("product"),
		Status:  icpcheck.InstanceStatus(q.enum("status", instanceStatuses...)),
		IDs:     q.values["id"],
	}
	if q.has("product") && !icpcheck.ValidName(f.Product) {
		q.fail(icpcheck.Invalid("product", "bad_name"))
	}
	if len(f.IDs) > icpcheck.MaxPageSize {
		q.fail(icpcheck.Invalid("id", "too_many", icpcheck.MaxPageSize))
	}
	f.Offset, f.Limit = q.page()
	if q.err != nil {
		return 0, nil, q.err
	}
	recs, total, err := s.Store.FindInstances(req.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(recs, total, f.Offset, f.Limit), nil
}

func (s *Server) findInstance(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	rec, err := s.Store.FindInstance(req.Context(), req.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rec, nil
}

// PutResult says what a put did to one instance.
type PutResult struct {
	ID     string             `json:"id"`
	Action icpcheck.PutAction `json:"action"`
}

// putInstance creates or replaces the instance of the path; the body's id must match it.
func (s *Server) putInstance(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	if len(req.body) == 0 {
		return 0, nil, icpcheck.Invalid("", "body_required")
	}
	in, err := icpcheck.DecodeInstance(req.body)
	if err != nil {
		return 0, nil, err
	}
	if in.ID != req.PathValue("id") {
		return 0, nil, icpcheck.Invalid("id", "id_mismatch", req.PathValue("id"))
	}
	action, err := s.Store.PutInstance(req.Context(), in)
	if err != nil {
		return 0, nil, err
	}
	status := http.StatusOK
	if action == icpcheck.PutCreated {
		status = http.StatusCreated
	}
	return status, &PutResult{ID: in.ID, Action: action}, nil
}

// ImportResult is one instance of an import: what was done to it, or why it was refused.
type ImportResult struct {
	Index  int                `json:"index"`
	ID     string             `json:"id,omitempty"`
	Action icpcheck.PutAction `json:"action,omitempty"`
	Error  *ErrorBody         `json:"error,omitempty"`
}

// Import is the answer to an import: a result an instance, in order, and the counts.
type Import struct {
	Results   []ImportResult `json:"results"`
	Created   int            `json:"created"`
	Updated   int            `json:"updated"`
	Unchanged int            `json:"unchanged"`
	Refused   int            `json:"refused"`
}

// importInstances puts a JSON array of instances (or one instance) through the store's batch
// path: icpcheck.MaxPutBatch instances a transaction, in which an instance the store refuses
// is undone alone. Refusals are reported in place. When the store fails a whole batch, the
// request fails if nothing was loaded yet; after that, the rest is refused in place, so that
// the answer still tells what was loaded.
func (s *Server) importInstances(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	if _, err := icpcheck.RequireAdmin(req.Context()); err != nil {
		return 0, nil, err
	}
	items, _, err := splitBatch(req.body)
	if err != nil {
		return 0, nil, err
	}
	imp := &Import{Results: make([]ImportResult, len(items))}
	ins := make([]*icpcheck.Instance, 0, len(items))
	at := make([]int, 0, len(items)) // the result of each of ins
	for i, item := range items {
		res := &imp.Results[i]
		res.Index = i
		in, err := icpcheck.DecodeInstance(item)
		if err != nil {
			imp.refuse(s, req, res, err)
			continue
		}
		res.ID = in.ID
		ins, at = append(ins, in), append(at, i)
	}
	for from := 0; from < len(ins); from += icpcheck.MaxPutBatch {
		to := min(from+icpcheck.MaxPutBatch, len(ins))
		puts, err := s.Store.PutInstances(req.Context(), ins[from:to])
		if err != nil {
			if from == 0 {
				return 0, nil, err
			}
			for _, i := range at[from:] {
				imp.refuse(s, req, &imp.Results[i], err)
			}
			break
		}
		for k, put := range puts {
			res := &imp.Results[at[from+k]]
			if put.Err != nil {
				imp.refuse(s, req, res, put.Err)
				continue
			}
			res.Action = put.Action
			switch put.Action {
			case icpcheck.PutCreated:
				imp.Created++
			case icpcheck.PutUpdated:
				imp.Updated++
			default:
				imp.Unchanged++
			}
		}
	}
	return http.StatusOK, imp, nil
}

// refuse records err as the refusal of res.
func (imp *Import) refuse(s *Server, req *request, res *ImportResult, err error) {
	logError(s.Logger, req.Request, err)
	b := errorBody(req.lang, err)
	res.Error = &b
	imp.Refused++
}
