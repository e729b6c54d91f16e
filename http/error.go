package http

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// codes maps each icpcheck error code to its HTTP status. It is the one table of the
// package: the server writes refusals with it and the client reads statuses back through it.
var codes = map[string]int{
	icpcheck.EINVALID:      http.StatusBadRequest,
	icpcheck.EUNAUTHORIZED: http.StatusUnauthorized,
	icpcheck.EFORBIDDEN:    http.StatusForbidden,
	icpcheck.ENOTFOUND:     http.StatusNotFound,
	icpcheck.ECONFLICT:     http.StatusConflict,
	icpcheck.EUNAVAILABLE:  http.StatusServiceUnavailable,
	icpcheck.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status of an icpcheck error code; unknown codes are 500.
func ErrorStatus(code string) int {
	if s, ok := codes[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorCodeOf returns the icpcheck error code of an HTTP status, for responses that carry no
// error document (a proxy's 502, say).
func errorCodeOf(status int) string {
	for code, s := range codes {
		if s == status {
			return code
		}
	}
	switch {
	case status == http.StatusRequestEntityTooLarge, status == http.StatusMethodNotAllowed:
		return icpcheck.EINVALID
	case status == http.StatusBadGateway, status == http.StatusGatewayTimeout:
		return icpcheck.EUNAVAILABLE
	}
	return icpcheck.EINTERNAL
}

// ErrorResponse is the body of every refusal of the REST API.
type ErrorResponse struct {
	Error     ErrorBody `json:"error"`
	RequestID string    `json:"request_id,omitempty"`
}

// ErrorBody describes one refusal: Code is the stable reason scripts match on, Kind the
// class of failure (it decides the HTTP status), Message the text in the request's language.
// Params and Checks let a client render the message again in another language.
type ErrorBody struct {
	Code    string      `json:"code"`
	Kind    string      `json:"kind"`
	Field   string      `json:"field,omitempty"`
	Message string      `json:"message"`
	Params  []any       `json:"params,omitempty"`
	Checks  []CheckJSON `json:"checks,omitempty"`
}

// errorBody renders err in lang. Anything that is not an *icpcheck.Error, and every
// EINTERNAL, is shown only as the generic internal error: its text may hold internals.
func errorBody(lang i18n.Lang, err error) ErrorBody {
	var e *icpcheck.Error
	if !errors.As(err, &e) || e.Code == icpcheck.EINTERNAL || !codeKnown(e.Code) {
		return ErrorBody{Code: "internal", Kind: icpcheck.EINTERNAL, Message: i18n.T(lang, "error.internal")}
	}
	b := ErrorBody{Code: e.Reason, Kind: e.Code, Field: e.Field, Message: e.Localized(lang), Params: e.Params}
	for i := range e.Checks {
		b.Checks = append(b.Checks, newCheckJSON(&e.Checks[i], lang))
	}
	return b
}

func codeKnown(code string) bool {
	_, ok := codes[code]
	return ok
}

// asError turns a decoded error body back into the *icpcheck.Error the server refused with,
// so that a remote caller matches codes, reasons, fields and checks as a local one does.
func (b *ErrorBody) asError(status int) *icpcheck.Error {
	e := &icpcheck.Error{Code: b.Kind, Reason: b.Code, Field: b.Field, Params: b.Params, Op: "http.client"}
	if !codeKnown(e.Code) {
		e.Code = errorCodeOf(status)
	}
	if e.Reason == "" {
		e.Reason = "internal"
	}
	for _, c := range b.Checks {
		e.Checks = append(e.Checks, c.check())
	}
	// A server newer than this client may refuse for a reason whose text the client's
	// catalog lacks; the server's own message is then the only text there is.
	if !i18n.Has("error."+e.Reason) && b.Message != "" {
		e.Err = errors.New(b.Message)
	}
	return e
}

// logError logs what the user is not shown: internal errors in full, with the request id.
func logError(logger *slog.Logger, r *http.Request, err error) {
	code := icpcheck.ErrorCode(err)
	if code != icpcheck.EINTERNAL && codeKnown(code) {
		return
	}
	attrs := []any{"request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "error", err.Error()}
	if r.Context().Err() != nil {
		// The client went away or timed out: the failure is its own, not the server's.
		logger.InfoContext(r.Context(), "request abandoned", attrs...)
		return
	}
	var e *icpcheck.Error
	if errors.As(err, &e) {
		if e.Op != "" {
			attrs = append(attrs, "op", e.Op)
		}
		if e.Err != nil {
			attrs = append(attrs, "cause", e.Err.Error())
		}
	}
	logger.ErrorContext(r.Context(), "internal error", attrs...)
}

// retryAfter is what an EUNAVAILABLE response tells clients to wait, in seconds.
var retryAfter = strconv.Itoa(5)
