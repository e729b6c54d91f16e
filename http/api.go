package http

import (
	"net/http"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/signature"
)

// endpoint serves one authenticated REST call: it returns the status and the value to
// encode as the response (nil for an empty 204), or the error to refuse with.
type endpoint func(req *request) (int, any, error)

// route is one REST route: its pattern, its endpoint and the largest body it reads.
type route struct {
	pattern string
	limit   int64
	serve   endpoint
}

// registerREST registers every REST route, and a catch-all under /v1/ is deliberately
// absent: unknown paths and methods fall to notRouted, which tells 404 from 405.
func (s *Server) registerREST(mux *http.ServeMux) {
	for _, rt := range append(s.restRoutes(), s.monitorRoutes()...) {
		mux.Handle(rt.pattern, s.api(rt.limit, rt.serve))
		s.routes = append(s.routes, rt.pattern)
	}
}

// api authenticates a REST call, runs its endpoint as the signing account, and writes the
// outcome.
func (s *Server) api(limit int64, serve endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// A request without a V3 signature is refused before its body is read: the body is
		// read whole only because the signature covers its hash.
		var body []byte
		var key *icpcheck.AccessKey
		err := requireV3(r)
		if err == nil {
			body, err = readBody(w, r, limit)
		}
		if err == nil {
			key, err = s.authenticate(r, body)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		actor := icpcheck.Actor{Account: key.Account, Role: key.Role, Via: "rest"}
		infoFrom(r.Context()).actor = actor.String()
		req := &request{
			Request: r.WithContext(icpcheck.NewContextWithActor(r.Context(), actor)),
			body:    body,
			actor:   actor,
			lang:    i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")),
		}
		status, v, err := serve(req)
		switch {
		case err != nil:
			s.writeError(w, req.Request, err)
		case v == nil:
			w.WriteHeader(status)
		default:
			writeJSON(w, status, v)
		}
	}
}

// requireV3 refuses a request that does not carry a V3 signature. The REST API takes V3
// only: V1 puts its signature among the query parameters, which REST endpoints read as
// filters.
func requireV3(r *http.Request) error {
	if signature.Which(r, nil) != signature.V3 {
		return icpcheck.Errorf(icpcheck.EUNAUTHORIZED, "unauthenticated")
	}
	return nil
}

// authenticate verifies the request's V3 signature.
func (s *Server) authenticate(r *http.Request, body []byte) (*icpcheck.AccessKey, error) {
	key, err := s.Auth.Verify(r, body)
	if err != nil {
		return nil, authError(err)
	}
	if key == nil || !key.Role.Valid() || key.Account == "" {
		return nil, icpcheck.Internal("http.authenticate", errBadKey)
	}
	return key, nil
}

// authReasons maps the gateway codes of signature refusals to the REST API's reasons. Codes
// not listed are malformed signatures.
var authReasons = map[string]string{
	signature.CodeAccessKeyNotFound:     "access_key_not_found",
	signature.CodeSignatureDoesNotMatch: "signature_mismatch",
	signature.CodeSignatureNonceUsed:    "nonce_replayed",
	signature.CodeTimestampExpired:      "timestamp_expired",
}

// authError turns a signature refusal into EUNAUTHORIZED with a stable reason; the gateway
// code travels as the message's parameter. A store failure during verification keeps its
// own code (EUNAVAILABLE, EINTERNAL).
func authError(err error) error {
	se, ok := signature.AsError(err)
	if !ok {
		return err
	}
	reason, ok := authReasons[se.Code]
	if !ok {
		reason = "bad_signature"
	}
	return icpcheck.Errorf(icpcheck.EUNAUTHORIZED, reason, se.Code)
}
