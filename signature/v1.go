package signature

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"time"

	"github.com/icpcheck/icpcheck"
)

// V1 parameter values and the layout of its Timestamp.
const (
	v1Method    = "HMAC-SHA1"
	v1Version   = "1.0"
	timeLayout  = "2006-01-02T15:04:05Z"
	maxIDLength = 128 // AccessKeyId and nonce: far above what any SDK sends, far below harm
)

// SignV1 signs the parameters of an RPC request for method (GET or POST) with the older SDKs'
// signature: it sets AccessKeyId, SignatureMethod, SignatureVersion, SignatureNonce and
// Timestamp, then Signature over all of them. The parameters go in the query, or in a form
// body for POST.
func SignV1(params url.Values, method, keyID, secret string, now time.Time, nonce string) {
	params.Set("AccessKeyId", keyID)
	params.Set("SignatureMethod", v1Method)
	params.Set("SignatureVersion", v1Version)
	params.Set("SignatureNonce", nonce)
	params.Set("Timestamp", now.UTC().Format(timeLayout))
	params.Set("Signature", v1Signature(v1StringToSign(method, params), secret))
}

// v1StringToSign is Method & %2F & percentEncode(CanonicalizedQueryString), where the
// canonical query holds every parameter but Signature.
func v1StringToSign(method string, params url.Values) string {
	return method + "&%2F&" + percentEncode(canonicalQuery(params, "Signature"))
}

func v1Signature(stringToSign, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// verifyV1 checks a request whose parameters carry the V1 signature.
func (v *Verifier) verifyV1(ctx context.Context, method string, params url.Values) (*icpcheck.AccessKey, error) {
	fields := make(map[string]string, 6)
	for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"} {
		values := params[name]
		switch {
		case len(values) == 0 || values[0] == "":
			return nil, missing(name)
		case len(values) > 1:
			return nil, invalid(name)
		}
		fields[name] = values[0]
	}
	switch {
	case fields["SignatureMethod"] != v1Method:
		return nil, refuse(http.StatusBadRequest, CodeInvalidSignatureMethod, CodeInvalidSignatureMethod, fields["SignatureMethod"])
	case fields["SignatureVersion"] != v1Version:
		return nil, incomplete("version", fields["SignatureVersion"])
	case params.Get("SignatureType") != "":
		// Bearer tokens (SignatureType=BEARERTOKEN) are Alibaba Cloud's own single sign-on;
		// icpcheck has only AccessKey pairs.
		return nil, refuse(http.StatusBadRequest, CodeInvalidSignatureMethod, CodeInvalidSignatureMethod, params.Get("SignatureType"))
	case params.Get("SecurityToken") != "":
		return nil, refuse(http.StatusBadRequest, CodeSecurityTokenMalformed, CodeSecurityTokenMalformed)
	case len(fields["AccessKeyId"]) > maxIDLength:
		return nil, invalid("AccessKeyId")
	case len(fields["SignatureNonce"]) > maxIDLength:
		return nil, invalid("SignatureNonce")
	}
	at, err := v.checkTime(fields["Timestamp"])
	if err != nil {
		return nil, err
	}
	key, err := v.findKey(ctx, fields["AccessKeyId"])
	if err != nil {
		return nil, err
	}
	stringToSign := v1StringToSign(method, params)
	want := v1Signature(stringToSign, key.Secret)
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return nil, mismatch(stringToSign)
	}
	if err := v.useNonce(ctx, key.ID, fields["SignatureNonce"], at); err != nil {
		return nil, err
	}
	return key, nil
}
