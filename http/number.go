package http

import (
	"net/http"

	"github.com/icpcheck/icpcheck"
)

// IssueBody asks for numbers for the instance of the path. Owner defaults to the signing
// customer, or for an admin to the instance's owner; Product, when set, must be the
// instance's product.
type IssueBody struct {
	Num     *int   `json:"num"`
	Owner   string `json:"owner,omitempty"`
	Product string `json:"product,omitempty"`
}

// Numbers is the answer to an issue: the new numbers, in issue order.
type Numbers struct {
	Numbers []*icpcheck.ServiceNumber `json:"numbers"`
}

func (s *Server) issueNumbers(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	var body IssueBody
	if err := req.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Num == nil {
		return 0, nil, icpcheck.Invalid("num", "required")
	}
	ir := icpcheck.IssueRequest{InstanceID: req.PathValue("id"), Owner: body.Owner, Product: body.Product, Num: *body.Num}
	if ir.Owner == "" {
		owner, err := s.defaultOwner(req, func() (string, error) {
			rec, err := s.Store.FindInstance(req.Context(), ir.InstanceID)
			if err != nil {
				return "", err
			}
			return rec.Instance.Owner, nil
		})
		if err != nil {
			return 0, nil, err
		}
		ir.Owner = owner
	}
	ns, err := s.Store.IssueNumbers(req.Context(), ir)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, &Numbers{Numbers: ns}, nil
}

// defaultOwner is the account a request acts for when it names none: a customer's own, and
// for an admin the owner of what the request is about, which lookup finds.
func (s *Server) defaultOwner(req *request, lookup func() (string, error)) (string, error) {
	if req.actor.Role == icpcheck.RoleCustomer {
		return req.actor.Account, nil
	}
	return lookup()
}

// numberStates are the values of the state filter: names and the API's numbers.
var numberStates = []string{"unbound", "bound", "filed", "invalid", "under_review", "0", "1", "2", "3", "4"}

func (s *Server) numberFilter(q *query) icpcheck.NumberFilter {
	var f icpcheck.NumberFilter
	if v := q.enum("state", numberStates...); q.has("state") && v != "" {
		if st, ok := icpcheck.ParseNumberState(v); ok {
			f.State = &st
		}
	}
	f.Offset, f.Limit = q.page()
	return f
}

func (s *Server) findNumbers(req *request) (int, any, error) {
	q := newQuery(req.URL, "instance_id", "account", "state", "offset", "limit")
	f := s.numberFilter(q)
	f.InstanceID = q.id("instance_id")
	f.Account = q.account("account")
	return s.listNumbers(req, q, f)
}

func (s *Server) findInstanceNumbers(req *request) (int, any, error) {
	q := newQuery(req.URL, "state", "offset", "limit")
	f := s.numberFilter(q)
	f.InstanceID = req.PathValue("id")
	return s.listNumbers(req, q, f)
}

func (s *Server) listNumbers(req *request, q *query, f icpcheck.NumberFilter) (int, any, error) {
	if q.err != nil {
		return 0, nil, q.err
	}
	ns, total, err := s.Store.FindNumbers(req.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(ns, total, f.Offset, f.Limit), nil
}

func (s *Server) findNumber(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	n, err := s.Store.FindNumber(req.Context(), req.PathValue("sn"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, n, nil
}

// GrantBody grants the number of the path to another account. Owner defaults to the
// signing customer, or for an admin to the number's owner.
type GrantBody struct {
	GrantTo string `json:"grant_to"`
	Owner   string `json:"owner,omitempty"`
	Notes   string `json:"notes,omitempty"`
}

func (s *Server) grantNumber(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	var body GrantBody
	if err := req.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.GrantTo == "" {
		return 0, nil, icpcheck.Invalid("grant_to", "required")
	}
	sn := req.PathValue("sn")
	if body.Owner == "" {
		owner, err := s.defaultOwner(req, func() (string, error) {
			n, err := s.Store.FindNumber(req.Context(), sn)
			if err != nil {
				return "", err
			}
			return n.Owner, nil
		})
		if err != nil {
			return 0, nil, err
		}
		body.Owner = owner
	}
	n, err := s.Store.GrantNumber(req.Context(), sn, body.Owner, body.GrantTo, body.Notes)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, n, nil
}

// VoidBody says why an admin voids a number.
type VoidBody struct {
	Reason string `json:"reason"`
}

func (s *Server) voidNumber(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	var body VoidBody
	if err := req.decodeOptional(&body); err != nil {
		return 0, nil, err
	}
	n, err := s.Store.VoidNumber(req.Context(), req.PathValue("sn"), body.Reason)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, n, nil
}
