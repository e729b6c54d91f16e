package http

import (
	"net/http"

	"github.com/icpcheck/icpcheck"
)

// KeyBody asks for a new AccessKey pair for an account, created with role when it does not
// exist.
type KeyBody struct {
	Account string        `json:"account"`
	Role    icpcheck.Role `json:"role"`
}

// AccessKeys lists an account's keys, without their secrets.
type AccessKeys struct {
	Keys []*icpcheck.AccessKey `json:"keys"`
}

// createAccessKey answers with the new pair, secret included: the one time it is shown.
func (s *Server) createAccessKey(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	var body KeyBody
	if err := req.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Role == "" {
		body.Role = icpcheck.RoleCustomer
	}
	key, err := s.Store.CreateAccessKey(req.Context(), body.Account, body.Role)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, key, nil
}

func (s *Server) findAccessKeys(req *request) (int, any, error) {
	q := newQuery(req.URL, "account")
	account := q.account("account")
	if q.err != nil {
		return 0, nil, q.err
	}
	if account == "" {
		account = req.actor.Account
	}
	keys, err := s.Store.FindAccessKeys(req.Context(), account)
	if err != nil {
		return 0, nil, err
	}
	for _, k := range keys {
		k.Secret = ""
	}
	if keys == nil {
		keys = []*icpcheck.AccessKey{}
	}
	return http.StatusOK, &AccessKeys{Keys: keys}, nil
}

// visibleKey returns the key of the path when the caller may see it. FindAccessKey serves
// signature verification and so needs no actor; the REST API authorizes here instead, and a
// key of another account is not found rather than forbidden, so that key ids cannot be
// probed.
func (s *Server) visibleKey(req *request) (*icpcheck.AccessKey, error) {
	if err := newQuery(req.URL).err; err != nil {
		return nil, err
	}
	key, err := s.Store.FindAccessKey(req.Context(), req.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !req.actor.CanActFor(key.Account) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "key_not_found")
	}
	key.Secret = ""
	return key, nil
}

func (s *Server) findAccessKey(req *request) (int, any, error) {
	key, err := s.visibleKey(req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, key, nil
}

func (s *Server) deleteAccessKey(req *request) (int, any, error) {
	if _, err := s.visibleKey(req); err != nil {
		return 0, nil, err
	}
	if err := s.Store.DeleteAccessKey(req.Context(), req.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) findAccount(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	id := req.PathValue("id")
	if !req.actor.CanActFor(id) {
		return 0, nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "account_not_found")
	}
	a, err := s.Store.FindAccount(req.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}

// me answers with the account that signed the request.
func (s *Server) me(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	a, err := s.Store.FindAccount(req.Context(), req.actor.Account)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}
