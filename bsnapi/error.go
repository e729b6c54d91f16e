package bsnapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/signature"
)

// Error codes of the operations, as Alibaba Cloud's Filing Service API publishes them. The
// package doc tables which icpcheck reasons each stands for.
const (
	CodeAccountInvalid   = "401"
	CodeInstanceInvalid  = "402"
	CodeNoPublicIP       = "403"
	CodeSNNotFound       = "406"
	CodeNoSuchInfo       = "407"
	CodeNotOwner         = "412"
	CodeInstanceState    = "413"
	CodeOperationFailed  = "504"
	CodeProductType      = "600"
	CodeRequiredEmpty    = "602"
	CodeNumOutOfRange    = "603"
	CodeAccountMismatch  = "604"
	CodeQuotaReached     = "609"
	CodeSNNotOfAccount   = "616"
	CodeInvalidAction    = "InvalidAction.NotFound"
	CodeInvalidVersion   = "InvalidVersion"
	CodeUnsupportedHTTP  = "UnsupportedHTTPMethod"
	CodeBodyTooLarge     = "RequestBodyTooLarge"
	CodeInternalError    = "InternalError"
	CodeUnavailable      = "ServiceUnavailable"
	codeMissingParameter = signature.CodeMissingParameter
	codeInvalidParameter = signature.CodeInvalidParameter
)

// apiError is a refusal as the Filing Service API answers it: an HTTP status, a code, and a
// message that is rendered in the client's language, either from a catalog key or from the
// store's own *icpcheck.Error. cause is kept for the log.
type apiError struct {
	status int
	code   string
	key    string
	params []any
	cause  error
}

func (e *apiError) Error() string { return e.code + ": " + e.message(i18n.EN) }

func (e *apiError) message(lang i18n.Lang) string {
	if e.key == "" {
		return icpcheck.ErrorMessage(lang, e.cause)
	}
	return i18n.T(lang, e.key, e.params...)
}

// refuse returns an operation's refusal with a numeric code and the text under "bsn."+code
// (or "bsn."+code+"."+detail).
func refuse(code, detail string, params ...any) *apiError {
	key := "bsn." + code
	if detail != "" {
		key += "." + detail
	}
	return &apiError{status: operationStatus(code), code: code, key: key, params: params}
}

// operationStatus is the HTTP status of an operation's refusal: 400, as Alibaba Cloud's
// documents give it, but 403 for the authorization refusal 604.
func operationStatus(code string) int {
	if code == CodeAccountMismatch {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// gateway returns a refusal with one of Alibaba Cloud's gateway codes and the text under
// "gateway."+code.
func gateway(status int, code string, params ...any) *apiError {
	return &apiError{status: status, code: code, key: "gateway." + code, params: params}
}

// reasonCodes maps the reasons the store returns for the four operations to the published
// codes; the package doc has the same table with its reasoning.
var reasonCodes = map[string]string{
	"num_out_of_range":   CodeNumOutOfRange,
	"instance_not_found": CodeInstanceInvalid,
	"not_owner":          CodeNotOwner,
	"quota_exceeded":     CodeQuotaReached,
	"sn_not_found":       CodeSNNotFound,
	"sn_not_owned":       CodeSNNotOfAccount,
	"grant_to_self":      CodeAccountInvalid,
	"account_not_found":  CodeAccountInvalid,
	"bad_account":        CodeAccountInvalid,
	"sn_not_unbound":     CodeOperationFailed,
	"already_granted":    CodeOperationFailed,
	"forbidden_account":  CodeAccountMismatch,
}

// kindCodes is the fallback for reasons the table does not name, by the error's kind.
var kindCodes = map[string]string{
	icpcheck.EFORBIDDEN:    CodeAccountMismatch,
	icpcheck.EUNAUTHORIZED: CodeAccountMismatch,
	icpcheck.ENOTFOUND:     CodeNoSuchInfo,
	icpcheck.ECONFLICT:     CodeOperationFailed,
}

// toAPIError turns any error of a request into the refusal the client sees.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	if se, ok := signature.AsError(err); ok {
		return &apiError{status: se.Status, code: se.Code, key: se.Key, params: se.Params, cause: err}
	}
	var ie *icpcheck.Error
	if !errors.As(err, &ie) {
		return internal(err)
	}
	code, ok := reasonCodes[ie.Reason]
	switch {
	case ok:
	case ie.Reason == "not_eligible":
		code = CodeInstanceState
		if slices.ContainsFunc(ie.Checks, func(c icpcheck.Check) bool {
			return c.Code == icpcheck.CodePublicIP && c.Status == icpcheck.Fail
		}) {
			code = CodeNoPublicIP
		}
	case ie.Code == icpcheck.EUNAVAILABLE:
		return &apiError{status: http.StatusServiceUnavailable, code: CodeUnavailable, key: "error.unavailable", cause: err}
	case ie.Code == icpcheck.EINVALID:
		return &apiError{status: http.StatusBadRequest, code: codeInvalidParameter, cause: err}
	default:
		if code, ok = kindCodes[ie.Code]; !ok {
			return internal(err)
		}
	}
	return &apiError{status: operationStatus(code), code: code, cause: err}
}

// internal is the refusal for anything unexpected: the client learns only that it happened;
// the cause goes to the log.
func internal(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, code: CodeInternalError, key: "error.internal", cause: err}
}
