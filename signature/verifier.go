package signature

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
)

// Keys is what verification needs from the store; icpcheck.Store satisfies it.
type Keys interface {
	FindAccessKey(ctx context.Context, id string) (*icpcheck.AccessKey, error)  // ENOTFOUND key_not_found
	UseNonce(ctx context.Context, keyID, nonce string, expires time.Time) error // ECONFLICT nonce_used
}

// DefaultWindow is how far a request's timestamp may be from the server's clock, either side,
// as Alibaba Cloud allows.
const DefaultWindow = 15 * time.Minute

// Verifier checks request signatures against the AccessKey pairs of Keys. It is safe for
// concurrent use; the store makes nonce use atomic.
type Verifier struct {
	Keys   Keys
	Now    func() time.Time // nil: time.Now
	Window time.Duration    // 0: DefaultWindow, either side
}

// Version is a signature scheme.
type Version int

const (
	None Version = 0 // the request carries no signature
	V1   Version = 1 // HMAC-SHA1 over the parameters (SignatureVersion=1.0)
	V3   Version = 3 // ACS3-HMAC-SHA256 in the Authorization header
)

// Which reports the scheme Verify applies to a request: V3 when it has an Authorization
// header, V1 when its parameters carry a Signature, None otherwise. Callers that read
// x-acs-* headers as parameters (the RPC Action and Version of V3 requests) must do so only
// for V3, where Verify demands that every x-acs-* header is signed.
func Which(r *http.Request, params map[string][]string) Version {
	switch {
	case r.Header.Get("Authorization") != "":
		return V3
	case len(params["Signature"]) > 0:
		return V1
	}
	return None
}

// Verify checks the request's signature: V1 when the query/form carries Signature with
// SignatureMethod=HMAC-SHA1 and SignatureVersion=1.0, V3 when the Authorization header is
// "ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...". body is the request body,
// already read (V3 hashes it; V1 takes form parameters from it). It checks the timestamp window
// and records the nonce (refusing a reused one), and returns the key, whose Account and Role
// say who is acting.
//
// A refusal is an *Error. Any other error comes from the store (EUNAVAILABLE, EINTERNAL) and
// is the caller's to report as such.
func (v *Verifier) Verify(r *http.Request, body []byte) (*icpcheck.AccessKey, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return v.verifyV3(r, body, auth)
	}
	params, err := Params(r, body)
	if err != nil {
		return nil, err
	}
	if len(params["Signature"]) == 0 && len(params["AccessKeyId"]) == 0 {
		// A request with no credentials at all is told what the older SDKs send first.
		return nil, missing("AccessKeyId")
	}
	return v.verifyV1(r.Context(), r.Method, params)
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) window() time.Duration {
	if v.Window > 0 {
		return v.Window
	}
	return DefaultWindow
}

// checkTime parses a request timestamp (ISO 8601 in UTC, as both signatures send it; any RFC
// 3339 offset is accepted) and refuses one outside the window.
func (v *Verifier) checkTime(s string) (time.Time, error) {
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, refuse(http.StatusBadRequest, CodeTimestampFormat, CodeTimestampFormat, s)
	}
	now := v.now()
	if d := now.Sub(at); d > v.window() || d < -v.window() {
		return time.Time{}, refuse(http.StatusBadRequest, CodeTimestampExpired, CodeTimestampExpired,
			s, now.UTC().Format(timeLayout), int(v.window()/time.Minute))
	}
	return at, nil
}

// findKey returns the key with id, refusing an unknown one.
func (v *Verifier) findKey(ctx context.Context, id string) (*icpcheck.AccessKey, error) {
	key, err := v.Keys.FindAccessKey(ctx, id)
	switch {
	case icpcheck.ErrorCode(err) == icpcheck.ENOTFOUND:
		return nil, refuse(http.StatusNotFound, CodeAccessKeyNotFound, CodeAccessKeyNotFound, id)
	case err != nil:
		return nil, err
	case key == nil || key.Secret == "":
		return nil, icpcheck.Internal("signature.findKey", errNoSecret)
	}
	return key, nil
}

// useNonce records a nonce of a verified request until its timestamp leaves the window, after
// which the timestamp alone keeps the request out.
func (v *Verifier) useNonce(ctx context.Context, keyID, nonce string, at time.Time) error {
	err := v.Keys.UseNonce(ctx, keyID, nonce, at.Add(v.window()))
	if icpcheck.ErrorCode(err) == icpcheck.ECONFLICT {
		return refuse(http.StatusBadRequest, CodeSignatureNonceUsed, CodeSignatureNonceUsed, nonce)
	}
	return err
}
