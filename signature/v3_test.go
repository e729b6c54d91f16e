package signature_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck/signature"
)

// The worked example of Alibaba Cloud's published "V3 request structure and signature"
// document: RunInstances on ecs.cn-shanghai.aliyuncs.com, POST, an empty body, with fixed
// credentials, date and nonce.
const (
	v3VectorURL   = "https://ecs.cn-shanghai.aliyuncs.com/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
	v3VectorDate  = "2023-10-26T10:22:32Z"
	v3VectorNonce = "3156853299f313e23d1673dc12e1703d"
	v3VectorAuth  = "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
)

func TestSignV3_KnownAnswer(t *testing.T) {
	at := mustTime(t, v3VectorDate)
	r, err := http.NewRequest(http.MethodPost, v3VectorURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("x-acs-action", "RunInstances")
	r.Header.Set("x-acs-version", "2014-05-26")
	signature.SignV3(r, nil, "YourAccessKeyId", "YourAccessKeySecret", at, v3VectorNonce)
	if got := r.Header.Get("Authorization"); got != v3VectorAuth {
		t.Fatalf("Authorization =\n%s\nwant\n%s", got, v3VectorAuth)
	}
	if got := r.Header.Get("x-acs-content-sha256"); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("x-acs-content-sha256 = %s", got)
	}
	if r.Host != "ecs.cn-shanghai.aliyuncs.com" {
		t.Fatalf("Host = %q", r.Host)
	}
}

func TestVerifyV3_KnownAnswer(t *testing.T) {
	// The published request as a server receives it.
	r := httptest.NewRequest(http.MethodPost, v3VectorURL, nil)
	r.Header.Set("Authorization", v3VectorAuth)
	r.Header.Set("x-acs-action", "RunInstances")
	r.Header.Set("x-acs-version", "2014-05-26")
	r.Header.Set("x-acs-date", v3VectorDate)
	r.Header.Set("x-acs-signature-nonce", v3VectorNonce)
	r.Header.Set("x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	keys := newKeys("YourAccessKeyId", "YourAccessKeySecret")
	key, err := fixedVerifier(keys, mustTime(t, v3VectorDate)).Verify(r, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if key.ID != "YourAccessKeyId" {
		t.Fatalf("key = %q", key.ID)
	}
}

// v3Request returns a request to the Filing Service API signed with key1 at now, its body a
// form when form is set.
func v3Request(tb testing.TB, query url.Values, form url.Values, secret string, now time.Time, nonce string) (*http.Request, []byte) {
	tb.Helper()
	var body []byte
	if form != nil {
		body = []byte(form.Encode())
	}
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/?"+query.Encode(), strings.NewReader(string(body)))
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("x-acs-action", "ProductBindBsn")
	r.Header.Set("x-acs-version", "2015-05-12")
	signature.SignV3(r, body, "key1", secret, now, nonce)
	return r, body
}

func TestVerifyV3_RoundTrip(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	for _, tc := range []struct {
		name        string
		query, form url.Values
	}{
		{"Query", bsnParams(), nil},
		{"Form", nil, bsnParams()},
		{"Both", url.Values{"aliuid": {"1"}}, url.Values{"num": {"3"}, "note": {"a b+c*d~e 中文"}}},
		{"RepeatedName", url.Values{"k": {"b", "a"}}, nil},
		{"EmptyValue", url.Values{"k": {""}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, body := v3Request(t, tc.query, tc.form, "secret1", now, "nonce")
			if _, err := fixedVerifier(newKeys("key1", "secret1"), now).Verify(r, body); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestVerifyV3_RESTPath(t *testing.T) {
	// The REST API signs with V3 too: its paths and GET requests without a body verify.
	now := mustTime(t, "2026-05-01T08:00:00Z")
	r := httptest.NewRequest(http.MethodGet, "http://icp.example.com/v1/instances/i-abc%20def/numbers?state=0&limit=10", nil)
	signature.SignV3(r, nil, "key1", "secret1", now, "n1")
	if _, err := fixedVerifier(newKeys("key1", "secret1"), now).Verify(r, nil); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerifyV3_Refusals(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	// tokenSigned re-signs the request with an STS token among its signed headers, so that
	// only the token itself is at fault.
	tokenSigned := func(r *http.Request) []byte {
		r.Header.Del("Authorization")
		r.Header.Set("x-acs-security-token", "sts-token")
		signature.SignV3(r, []byte(url.Values{"note": {"x"}}.Encode()), "key1", "secret1", now, "nonce")
		return nil
	}
	for _, tc := range []struct {
		name   string
		edit   func(r *http.Request) []byte // returns the body the server reads; nil keeps it
		code   string
		status int
	}{
		{"NotACS3", setHeader("Authorization", "Bearer abc"), signature.CodeIncompleteSignature, 400},
		{"OtherAlgorithm", replaceAuth("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3"), signature.CodeInvalidSignatureMethod, 400},
		{"NoFields", setHeader("Authorization", "ACS3-HMAC-SHA256"), signature.CodeIncompleteSignature, 400},
		{"DuplicateField", replaceAuth(",Signature=", ",Credential=key1,Signature="), signature.CodeIncompleteSignature, 400},
		{"ExtraField", replaceAuth(",Signature=", ",Scope=x,Signature="), signature.CodeIncompleteSignature, 400},
		{"NoCredential", replaceAuth("Credential=key1", "Credential="), signature.CodeIncompleteSignature, 400},
		{"SignatureNotHex", replaceAuthSignature("zz"), signature.CodeIncompleteSignature, 400},
		{"SignatureShort", replaceAuthSignature("abcd"), signature.CodeIncompleteSignature, 400},
		{"UnsortedHeaders", replaceAuth("host;x-acs-action", "x-acs-action;host"), signature.CodeIncompleteSignature, 400},
		{"UpperCaseHeader", replaceAuth("host;", "Host;"), signature.CodeIncompleteSignature, 400},
		{"HostNotSigned", replaceAuth("host;", ""), signature.CodeIncompleteSignature, 400},
		{"DateNotSigned", replaceAuth("x-acs-date;", ""), signature.CodeIncompleteSignature, 400},
		{"NonceNotSigned", replaceAuth("x-acs-signature-nonce;", ""), signature.CodeIncompleteSignature, 400},
		{"HashNotSigned", replaceAuth("x-acs-content-sha256;", ""), signature.CodeIncompleteSignature, 400},
		{"UnsignedAction", addHeader("x-acs-extra", "1"), signature.CodeIncompleteSignature, 400},
		{"UnsignedContentType", replaceAuth("content-type;", ""), signature.CodeIncompleteSignature, 400},
		{"SecurityToken", tokenSigned, signature.CodeSecurityTokenMalformed, 400},
		{"EmptyNonce", setHeader("x-acs-signature-nonce", ""), signature.CodeMissingParameter, 400},
		{"LongNonce", setHeader("x-acs-signature-nonce", strings.Repeat("n", 200)), signature.CodeInvalidParameter, 400},
		{"EmptyDate", setHeader("x-acs-date", ""), signature.CodeMissingParameter, 400},
		{"BadDate", setHeader("x-acs-date", "26/10/2023"), signature.CodeTimestampFormat, 400},
		{"StaleDate", setHeader("x-acs-date", now.Add(-16*time.Minute).Format("2006-01-02T15:04:05Z")), signature.CodeTimestampExpired, 400},
		{"TamperedBody", func(r *http.Request) []byte { return []byte("num=20") }, signature.CodeSignatureDoesNotMatch, 400},
		{"TamperedQuery", func(r *http.Request) []byte { r.URL.RawQuery += "&num=20"; return nil }, signature.CodeSignatureDoesNotMatch, 400},
		{"MalformedQuery", func(r *http.Request) []byte { r.URL.RawQuery += "&%zz"; return nil }, signature.CodeInvalidParameter, 400},
		{"TamperedAction", setHeader("x-acs-action", "GrantBsnCode"), signature.CodeSignatureDoesNotMatch, 400},
		{"TamperedHost", func(r *http.Request) []byte { r.Host = "evil.example.com"; return nil }, signature.CodeSignatureDoesNotMatch, 400},
		{"TamperedMethod", func(r *http.Request) []byte { r.Method = http.MethodPut; return nil }, signature.CodeSignatureDoesNotMatch, 400},
		{"TamperedPath", func(r *http.Request) []byte { r.URL.Path = "/v1/x"; r.URL.RawPath = ""; return nil }, signature.CodeSignatureDoesNotMatch, 400},
		{"UnknownKey", replaceAuth("Credential=key1", "Credential=nobody"), signature.CodeAccessKeyNotFound, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, body := v3Request(t, bsnParams(), url.Values{"note": {"x"}}, "secret1", now, "nonce")
			if b := tc.edit(r); b != nil {
				body = b
			}
			_, err := fixedVerifier(newKeys("key1", "secret1"), now).Verify(r, body)
			wantRefusal(t, err, tc.code, tc.status)
		})
	}
}

func TestVerifyV3_WrongSecret(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	r, body := v3Request(t, bsnParams(), nil, "not-the-secret", now, "n")
	_, err := fixedVerifier(newKeys("key1", "secret1"), now).Verify(r, body)
	wantRefusal(t, err, signature.CodeSignatureDoesNotMatch, 400)
}

func TestVerifyV3_Replay(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	v := fixedVerifier(newKeys("key1", "secret1"), now)
	r, body := v3Request(t, bsnParams(), nil, "secret1", now, "once")
	if _, err := v.Verify(r, body); err != nil {
		t.Fatalf("first: %v", err)
	}
	_, err := v.Verify(r.Clone(r.Context()), body)
	wantRefusal(t, err, signature.CodeSignatureNonceUsed, 400)
}

func setHeader(name, value string) func(*http.Request) []byte {
	return func(r *http.Request) []byte { r.Header.Set(name, value); return nil }
}

func addHeader(name, value string) func(*http.Request) []byte {
	return func(r *http.Request) []byte { r.Header.Add(name, value); return nil }
}

func replaceAuth(old, new string) func(*http.Request) []byte {
	return func(r *http.Request) []byte {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
		return nil
	}
}

func replaceAuthSignature(sig string) func(*http.Request) []byte {
	return func(r *http.Request) []byte {
		auth := r.Header.Get("Authorization")
		r.Header.Set("Authorization", auth[:strings.Index(auth, "Signature=")+len("Signature=")]+sig)
		return nil
	}
}
