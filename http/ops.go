package http

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/signature"
)

var errBadKey = errors.New("http: the verifier returned a key without an account or a valid role")

// readyTimeout bounds the database ping of /readyz, so that a hung database makes the
// server unready rather than the probe hang.
const readyTimeout = 2 * time.Second

// healthz reports that the process is up and serving.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports whether the server can serve requests now: whether the store answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		s.Logger.WarnContext(r.Context(), "not ready", "request_id", requestID(r.Context()), "error", err.Error())
		s.writeError(w, r, &icpcheck.Error{Code: icpcheck.EUNAVAILABLE, Reason: "unavailable", Op: "http.readyz", Err: err})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// bsnActions are the Filing Service API's actions, the only values of Action that become a
// metrics label; anything else is counted as "other".
var bsnActions = []string{"ProductBindBsn", "GetBsnByResource", "GetBsnBySn", "GrantBsnCode"}

// root serves /: the Filing Service API for requests with an Action parameter (in the
// query, a form body, or the x-acs-action header that V3 SDKs send), and a redirect to the
// console for everything else.
func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, MaxBodySize)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	action := r.Header.Get("x-acs-action")
	if params, err := signature.Params(r, body); err == nil && params.Get("Action") != "" {
		action = params.Get("Action")
	} else if err != nil && s.BSN != nil {
		// A malformed query or form is the Filing Service API's to refuse, in its format.
		action = "?"
	}
	if action != "" && s.BSN != nil {
		info := infoFrom(r.Context())
		info.route = "BSN other"
		if slices.Contains(bsnActions, action) {
			info.route = "BSN " + action
		}
		s.BSN.ServeHTTP(w, r)
		return
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && action == "" {
		target := "/console/"
		if s.Console == nil {
			target = "/openapi.json"
		}
		http.Redirect(w, r, target, http.StatusFound)
		return
	}
	s.writeError(w, r, icpcheck.Errorf(icpcheck.ENOTFOUND, "route_not_found", r.URL.Path))
}
