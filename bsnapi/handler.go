package bsnapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/policy"
	"github.com/icpcheck/icpcheck/signature"
)

// APIVersion is the one version of the Filing Service API.
const APIVersion = "2015-05-12"

// MaxBodySize bounds a request body: an RPC request's parameters take a few hundred bytes.
const MaxBodySize = 64 << 10

// Options configure the handler.
type Options struct {
	Policy   *icpcheck.Policy    // nil: policy.Default()
	Verifier *signature.Verifier // nil: one over the store's keys with the default window
	Logger   *slog.Logger        // nil: slog.Default()
}

// New returns the Filing Service API over store. The server mounts it at / for requests that
// carry an Action (query, form body or x-acs-action header). The handler is safe for
// concurrent use.
func New(store icpcheck.Store, opts Options) http.Handler {
	h := &handler{store: store, policy: opts.Policy, verifier: opts.Verifier, logger: opts.Logger}
	if h.policy == nil {
		h.policy = policy.Default()
	}
	if h.verifier == nil {
		h.verifier = &signature.Verifier{Keys: store}
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	return h
}

type handler struct {
	store    icpcheck.Store
	policy   *icpcheck.Policy
	verifier *signature.Verifier
	logger   *slog.Logger
}

// call is one request in progress: what the log line and the response need.
type call struct {
	id     string
	action string
	key    *icpcheck.AccessKey
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// A request id has the form of a service number: a random UUID.
	c := &call{id: icpcheck.NewSN()}
	result, err := h.serve(r, c)
	status, code := http.StatusOK, ""
	if err != nil {
		ae := toAPIError(err)
		status, code = ae.status, ae.code
		result = errorBody{
			RequestID: c.id,
			HostID:    r.Host,
			Code:      ae.code,
			Message:   ae.message(i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))),
		}
		h.logFailure(r.Context(), c, ae)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("x-acs-request-id", c.id)
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(result); err != nil {
		h.logger.WarnContext(r.Context(), "bsn: writing the response", "request_id", c.id, "error", err.Error())
	}
	attrs := []any{
		"request_id", c.id, "method", r.Method, "action", c.action, "status", status,
		"duration_ms", time.Since(start).Milliseconds(),
	}
	if code != "" {
		attrs = append(attrs, "code", code)
	}
	if c.key != nil {
		attrs = append(attrs, "access_key_id", c.key.ID, "account", c.key.Account, "role", string(c.key.Role))
	}
	h.logger.InfoContext(r.Context(), "bsn request", attrs...)
}

// serve reads, authenticates and runs one request.
func (h *handler) serve(r *http.Request, c *call) (any, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, gateway(http.StatusBadRequest, CodeUnsupportedHTTP, r.Method)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodySize))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, gateway(http.StatusRequestEntityTooLarge, CodeBodyTooLarge, MaxBodySize)
	case err != nil:
		return nil, gateway(http.StatusBadRequest, codeInvalidParameter, "body")
	}
	values, err := signature.Params(r, body)
	if err != nil {
		return nil, err
	}
	p := params(values)
	op, err := h.operation(r, p, signature.Which(r, values), c)
	if err != nil {
		return nil, err
	}
	key, err := h.verifier.Verify(r, body)
	if err != nil {
		return nil, err
	}
	c.key = key
	if !key.Role.Valid() || key.Account == "" {
		return nil, icpcheck.Internal("bsnapi.serve", errKeyWithoutAccount)
	}
	actor := icpcheck.Actor{Account: key.Account, Role: key.Role, Via: "bsn"}
	return op(h, icpcheck.NewContextWithActor(r.Context(), actor), actor, p, c.id)
}

var errKeyWithoutAccount = errors.New("bsnapi: the verifier returned a key without an account or a valid role")

// operation resolves a request's Action and Version to the operation that serves it. They
// are read from the parameters and, for a V3 request only, from the x-acs-action and
// x-acs-version headers that V3 signs; an older SDK sends those headers too but V1 does not
// sign them, so for V1 they are ignored. The checks come before the signature's, as Alibaba
// Cloud's gateway finds the API before it authenticates.
func (h *handler) operation(r *http.Request, p params, scheme signature.Version, c *call) (operation, error) {
	action, err := p.common(r, scheme, "Action", "x-acs-action")
	if err != nil {
		return nil, err
	}
	c.action = clip(action)
	version, err := p.common(r, scheme, "Version", "x-acs-version")
	if err != nil {
		return nil, err
	}
	if f, _ := p.one("Format"); f != "" && f != "JSON" && f != "json" {
		// The API answers in JSON only; a client that asked for XML would misread it.
		return nil, gateway(http.StatusBadRequest, codeInvalidParameter, "Format")
	}
	if version != APIVersion {
		return nil, gateway(http.StatusBadRequest, CodeInvalidVersion, clip(version), APIVersion)
	}
	op, ok := operations[action]
	if !ok {
		return nil, gateway(http.StatusNotFound, CodeInvalidAction, clip(action))
	}
	return op, nil
}

// common returns a common parameter that may also travel as a V3-signed header; given both
// ways, the two must agree.
func (p params) common(r *http.Request, scheme signature.Version, name, header string) (string, error) {
	v, err := p.one(name)
	if err != nil {
		return "", err
	}
	if scheme == signature.V3 {
		if hv := r.Header.Get(header); hv != "" {
			if v != "" && v != hv {
				return "", gateway(http.StatusBadRequest, codeInvalidParameter, name)
			}
			v = hv
		}
	}
	if v == "" {
		return "", gateway(http.StatusBadRequest, codeMissingParameter, name)
	}
	return v, nil
}

// logFailure logs a refusal: an internal error in full, for the operator; the client saw
// only its code.
func (h *handler) logFailure(ctx context.Context, c *call, ae *apiError) {
	if ae.status < http.StatusInternalServerError {
		return
	}
	attrs := []any{"request_id", c.id, "action", c.action, "code", ae.code}
	if ae.cause != nil {
		attrs = append(attrs, "error", ae.cause.Error())
		var ie *icpcheck.Error
		if errors.As(ae.cause, &ie) && ie.Err != nil {
			attrs = append(attrs, "op", ie.Op, "cause", ie.Err.Error())
		}
	}
	h.logger.ErrorContext(ctx, "bsn request failed", attrs...)
}
