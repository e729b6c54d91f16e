package icpcheck

import (
	"errors"

	"github.com/icpcheck/icpcheck/i18n"
)

// Error codes are the kinds of failure a caller can act on. The set is closed: adapters map
// each to one HTTP status (see http.ErrorStatus) and anything that is not an *Error is
// EINTERNAL, logged in full and shown to users only as a generic message.
const (
	ECONFLICT     = "ECONFLICT"     // the state forbids it: quota reached, number used, wrong filing state
	EFORBIDDEN    = "EFORBIDDEN"    // authenticated, but not allowed to act on that account
	EINTERNAL     = "EINTERNAL"     // a bug or an outage
	EINVALID      = "EINVALID"      // bad input; Field names it
	ENOTFOUND     = "ENOTFOUND"     // no such thing, or not visible to the caller
	EUNAUTHORIZED = "EUNAUTHORIZED" // no or bad credentials
	EUNAVAILABLE  = "EUNAVAILABLE"  // a dependency (the database) cannot be reached; retry later
)

// Error is the one error type of icpcheck. Code is the kind, Reason the stable specific
// refusal (users' scripts and the Filing Service API's numeric codes depend on it), Field the
// offending input field for EINVALID, and Params the values its message template interpolates.
// The message text itself lives in the i18n catalog under "error."+Reason, so each edge
// renders it in the user's language.
type Error struct {
	Code   string
	Reason string
	Field  string
	Params []any
	Checks []Check // the failing checks, for not_eligible and access_mismatch
	Op     string  // where it happened, for logs
	Err    error   // the underlying cause, for logs; never shown to users
}

// Error returns the English message, prefixed by the field for EINVALID.
func (e *Error) Error() string {
	msg := i18n.T(i18n.EN, "error."+e.Reason, e.Params...)
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Localized returns the message in lang, prefixed by the field for EINVALID.
func (e *Error) Localized(lang i18n.Lang) string {
	msg := i18n.T(lang, "error."+e.Reason, e.Params...)
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	return msg
}

// Errorf returns an *Error with the given code and reason.
func Errorf(code, reason string, params ...any) *Error {
	return &Error{Code: code, Reason: reason, Params: params}
}

// Invalid returns an EINVALID error naming field.
func Invalid(field, reason string, params ...any) *Error {
	return &Error{Code: EINVALID, Reason: reason, Field: field, Params: params}
}

// ErrorCode returns the code of err when it is (or wraps) an *Error, and EINTERNAL otherwise.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorReason returns the reason of err when it is (or wraps) an *Error, and "internal"
// otherwise.
func ErrorReason(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Reason
	}
	return "internal"
}

// ErrorMessage returns the user-facing message of err in lang: the localized text of an
// *Error, and a generic message for anything else, whose text may hold internals.
func ErrorMessage(lang i18n.Lang, err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Localized(lang)
	}
	return i18n.T(lang, "error.internal")
}

// Internal wraps an unexpected error from op as EINTERNAL, keeping the cause for logs.
func Internal(op string, err error) *Error {
	return &Error{Code: EINTERNAL, Reason: "internal", Op: op, Err: err}
}
