package signature

import (
	"errors"
	"net/http"

	"github.com/icpcheck/icpcheck/i18n"
)

// Gateway codes of the refusals that Verify returns: the codes Alibaba Cloud's API gateway
// answers with for the same faults, so that clients written against Alibaba Cloud handle them
// unchanged.
const (
	CodeMissingParameter       = "MissingParameter"
	CodeInvalidParameter       = "InvalidParameter"
	CodeAccessKeyNotFound      = "InvalidAccessKeyId.NotFound"
	CodeSignatureDoesNotMatch  = "SignatureDoesNotMatch"
	CodeSignatureNonceUsed     = "SignatureNonceUsed"
	CodeTimestampExpired       = "InvalidTimeStamp.Expired"
	CodeTimestampFormat        = "InvalidTimeStamp.Format"
	CodeIncompleteSignature    = "IncompleteSignature"
	CodeInvalidSignatureMethod = "InvalidSignatureMethod"
	CodeSecurityTokenMalformed = "InvalidSecurityToken.Malformed"
)

// Error is a refusal with Alibaba Cloud's gateway code and the HTTP status it travels with.
// Message is the English text, for logs and Error; Localized renders it in the client's
// language from the i18n catalog (Key and Params). Nothing in it is secret: it names only what
// the request itself carried, and for a signature mismatch the server's string to sign, which
// Alibaba Cloud's gateway also returns and the older SDK compares with its own.
type Error struct {
	Code    string
	Message string
	Status  int
	Key     string // i18n key of the message
	Params  []any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Localized returns the message in lang.
func (e *Error) Localized(lang i18n.Lang) string { return i18n.T(lang, e.Key, e.Params...) }

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// refuse returns a refusal with code, whose message is the catalog text under
// "gateway."+detail.
func refuse(status int, code, detail string, params ...any) *Error {
	key := "gateway." + detail
	return &Error{
		Code:    code,
		Message: i18n.T(i18n.EN, key, params...),
		Status:  status,
		Key:     key,
		Params:  params,
	}
}

func missing(name string) *Error {
	return refuse(http.StatusBadRequest, CodeMissingParameter, CodeMissingParameter, name)
}

func invalid(name string) *Error {
	return refuse(http.StatusBadRequest, CodeInvalidParameter, CodeInvalidParameter, name)
}

func incomplete(detail string, params ...any) *Error {
	return refuse(http.StatusBadRequest, CodeIncompleteSignature, CodeIncompleteSignature+"."+detail, params...)
}

func mismatch(stringToSign string) *Error {
	return refuse(http.StatusBadRequest, CodeSignatureDoesNotMatch, CodeSignatureDoesNotMatch, stringToSign)
}
