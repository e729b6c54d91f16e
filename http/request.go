package http

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// requestInfo is what the outer middleware learns of a request while inner handlers serve
// it: the access log and the metrics read it once the response is written. It travels by
// pointer in the context because handlers below see copies of the *http.Request.
type requestInfo struct {
	id    string
	route string // the route pattern, a bounded label for metrics
	actor string
}

type infoKey struct{}

func withInfo(ctx context.Context, info *requestInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

func infoFrom(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// requestID returns the id of the request that ctx belongs to, or "".
func requestID(ctx context.Context) string { return infoFrom(ctx).id }

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// request is one authenticated REST call as an endpoint sees it.
type request struct {
	*http.Request
	body  []byte
	actor icpcheck.Actor
	lang  i18n.Lang
}

// decode reads the request body into v strictly: unknown fields, wrong types, trailing data
// and an empty body are each an EINVALID error naming the field where it can.
func (req *request) decode(v any) error {
	if len(bytes.TrimSpace(req.body)) == 0 {
		return icpcheck.Invalid("", "body_required")
	}
	return decodeStrict(req.body, v)
}

// decodeOptional is decode for endpoints whose body may be absent: it leaves v as it is.
func (req *request) decodeOptional(v any) error {
	if len(bytes.TrimSpace(req.body)) == 0 {
		return nil
	}
	return decodeStrict(req.body, v)
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return icpcheck.Invalid("", "trailing_data")
	}
	return nil
}

// jsonError turns an encoding/json error into an EINVALID error naming the field, with the
// same reasons icpcheck.DecodeInstance gives.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var e *icpcheck.Error
	switch {
	case errors.As(err, &e):
		return e // a field's own UnmarshalText refused the value
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return icpcheck.Invalid("", "not_object")
		}
		return icpcheck.Invalid(typeErr.Field, "bad_type", typeErr.Value)
	case errors.As(err, &syntaxErr):
		return icpcheck.Invalid("", "bad_json", syntaxErr.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return icpcheck.Invalid("", "bad_json_eof")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return icpcheck.Invalid(strings.Trim(name, `"`), "unknown_field")
	}
	// Numbers that do not fit (1e400), IP addresses that do not parse and the like.
	return icpcheck.Invalid("", "bad_json_value", strings.TrimPrefix(err.Error(), "json: "))
}

// readBody reads at most limit bytes of the request body; a larger body is EINVALID
// body_too_large rather than silently truncated.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, icpcheck.Invalid("", "body_too_large", limit)
	case err != nil:
		return nil, icpcheck.Invalid("", "body_unreadable")
	}
	return data, nil
}
