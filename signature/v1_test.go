package signature_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/signature"
)

// v1Vectors are the worked examples of Alibaba Cloud's published V1 ("RPC, signature
// version 1.0") documents: the ECS request-signature page (DescribeDedicatedHosts) and the
// Alibaba Cloud DNS signature page (DescribeDomainRecords), both GET with the secret testsecret.
var v1Vectors = []struct {
	name      string
	params    map[string]string
	at, nonce string
	want      string
}{
	{
		name: "DescribeDedicatedHosts",
		params: map[string]string{
			"Action": "DescribeDedicatedHosts", "Format": "JSON", "RegionId": "cn-beijing", "Version": "2014-05-26",
		},
		at: "2023-03-13T08:34:30Z", nonce: "edb2b34af0af9a6d14deaf7c1a5315eb",
		want: "9NaGiOspFP5UPcwX8Iwt2YJXXuk=",
	},
	{
		name: "DescribeDomainRecords",
		params: map[string]string{
			"Action": "DescribeDomainRecords", "DomainName": "example.com", "Format": "XML", "Version": "2015-01-09",
		},
		at: "2016-03-24T16:41:54Z", nonce: "f59ed6a9-83fc-473b-9cc6-99c95df3856e",
		want: "uRpHwaSEt3J+6KQD//svCh/x+pI=",
	},
}

func TestSignV1_KnownAnswers(t *testing.T) {
	for _, vec := range v1Vectors {
		t.Run(vec.name, func(t *testing.T) {
			at := mustTime(t, vec.at)
			params := url.Values{}
			for k, v := range vec.params {
				params.Set(k, v)
			}
			signature.SignV1(params, http.MethodGet, "testid", "testsecret", at, vec.nonce)
			if got := params.Get("Signature"); got != vec.want {
				t.Fatalf("Signature = %q, want %q", got, vec.want)
			}
			if got := params.Get("Timestamp"); got != vec.at {
				t.Fatalf("Timestamp = %q, want %q", got, vec.at)
			}

			// The published signature, sent as the published URL, verifies.
			r := httptest.NewRequest(http.MethodGet, "/?"+params.Encode(), nil)
			key, err := fixedVerifier(newKeys("testid", "testsecret"), at).Verify(r, nil)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if key.ID != "testid" {
				t.Fatalf("key = %q, want testid", key.ID)
			}
		})
	}
}

// v1Request signs params with key1's pair at now and returns a request carrying them in the
// query (GET) or a form body (POST), with the body.
func v1Request(tb testing.TB, method string, params url.Values, secret string, now time.Time, nonce string) (*http.Request, []byte) {
	tb.Helper()
	signature.SignV1(params, method, "key1", secret, now, nonce)
	if method == http.MethodGet {
		return httptest.NewRequest(method, "/?"+params.Encode(), nil), nil
	}
	body := []byte(params.Encode())
	r := httptest.NewRequest(method, "/", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r, body
}

func bsnParams() url.Values {
	return url.Values{
		"Action": {"ProductBindBsn"}, "Version": {"2015-05-12"}, "Format": {"JSON"},
		"resourceType": {"1"}, "resourceId": {"i-bp1 *~+中文/&="}, "aliuid": {"1234567890123456"}, "num": {"2"},
	}
}

func TestVerifyV1_RoundTrip(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			keys := newKeys("key1", "secret1")
			r, body := v1Request(t, method, bsnParams(), "secret1", now, "nonce-"+method)
			key, err := fixedVerifier(keys, now.Add(14*time.Minute)).Verify(r, body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if key.Account != "1234567890123456" || key.Role != icpcheck.RoleCustomer {
				t.Fatalf("key = %+v", key)
			}
		})
	}
}

func TestVerifyV1_MixedQueryAndForm(t *testing.T) {
	// The older SDK sends the common parameters in the query and may send the operation's in
	// a form body; the signature covers both.
	now := mustTime(t, "2026-05-01T08:00:00Z")
	query := url.Values{"Action": {"GetBsnBySn"}, "Version": {"2015-05-12"}}
	form := url.Values{"sn": {"0f8fad5b-d9cb-469f-a165-70867728950e"}}
	all := url.Values{}
	for k, v := range query {
		all[k] = v
	}
	for k, v := range form {
		all[k] = v
	}
	signature.SignV1(all, http.MethodPost, "key1", "secret1", now, "n1")
	for k := range form {
		all.Del(k)
	}
	r := httptest.NewRequest(http.MethodPost, "/?"+all.Encode(), strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := fixedVerifier(newKeys("key1", "secret1"), now).Verify(r, []byte(form.Encode())); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerifyV1_Refusals(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	signed := func(edit func(p url.Values)) url.Values {
		p := bsnParams()
		signature.SignV1(p, http.MethodGet, "key1", "secret1", now, "nonce-1")
		if edit != nil {
			edit(p)
		}
		return p
	}
	for _, tc := range []struct {
		name   string
		query  string
		code   string
		status int
	}{
		{"NoCredentials", bsnParams().Encode(), signature.CodeMissingParameter, 400},
		{"NoSignature", signed(func(p url.Values) { p.Del("Signature") }).Encode(), signature.CodeMissingParameter, 400},
		{"NoNonce", signed(func(p url.Values) { p.Del("SignatureNonce") }).Encode(), signature.CodeMissingParameter, 400},
		{"NoTimestamp", signed(func(p url.Values) { p.Del("Timestamp") }).Encode(), signature.CodeMissingParameter, 400},
		{"EmptyKeyID", signed(func(p url.Values) { p.Set("AccessKeyId", "") }).Encode(), signature.CodeMissingParameter, 400},
		{"TwoSignatures", signed(func(p url.Values) { p.Add("Signature", "x") }).Encode(), signature.CodeInvalidParameter, 400},
		{"BadMethod", signed(func(p url.Values) { p.Set("SignatureMethod", "HMAC-SHA256") }).Encode(), signature.CodeInvalidSignatureMethod, 400},
		{"BadVersion", signed(func(p url.Values) { p.Set("SignatureVersion", "2.0") }).Encode(), signature.CodeIncompleteSignature, 400},
		{"BearerToken", signed(func(p url.Values) { p.Set("SignatureType", "BEARERTOKEN") }).Encode(), signature.CodeInvalidSignatureMethod, 400},
		{"SecurityToken", signed(func(p url.Values) { p.Set("SecurityToken", "sts") }).Encode(), signature.CodeSecurityTokenMalformed, 400},
		{"BadTimestamp", signed(func(p url.Values) { p.Set("Timestamp", "yesterday") }).Encode(), signature.CodeTimestampFormat, 400},
		{"LongNonce", signed(func(p url.Values) { p.Set("SignatureNonce", strings.Repeat("n", 200)) }).Encode(), signature.CodeInvalidParameter, 400},
		{"UnknownKey", signed(func(p url.Values) { p.Set("AccessKeyId", "nobody") }).Encode(), signature.CodeAccessKeyNotFound, 404},
		{"TamperedValue", signed(func(p url.Values) { p.Set("num", "20") }).Encode(), signature.CodeSignatureDoesNotMatch, 400},
		{"AddedParameter", signed(func(p url.Values) { p.Set("extra", "1") }).Encode(), signature.CodeSignatureDoesNotMatch, 400},
		{"RepeatedParameter", signed(func(p url.Values) { p.Add("num", "20") }).Encode(), signature.CodeSignatureDoesNotMatch, 400},
		{"BadSignature", signed(func(p url.Values) { p.Set("Signature", "AAAA") }).Encode(), signature.CodeSignatureDoesNotMatch, 400},
		{"MalformedQuery", "Action=x&bad=%zz", signature.CodeInvalidParameter, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/?"+tc.query, nil)
			_, err := fixedVerifier(newKeys("key1", "secret1"), now).Verify(r, nil)
			wantRefusal(t, err, tc.code, tc.status)
		})
	}
}

func TestVerifyV1_WrongSecret(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	r, _ := v1Request(t, http.MethodGet, bsnParams(), "not-the-secret", now, "n")
	_, err := fixedVerifier(newKeys("key1", "secret1"), now).Verify(r, nil)
	wantRefusal(t, err, signature.CodeSignatureDoesNotMatch, 400)

	// The message ends with the server's string to sign, which the older SDK compares with its
	// own to tell a wrong secret from a signing bug; it holds no secret.
	e, _ := signature.AsError(err)
	_, sts, ok := strings.Cut(e.Message, "server string to sign is:")
	if !ok || !strings.HasPrefix(sts, "GET&%2F&") || strings.Contains(e.Message, "secret1") {
		t.Fatalf("message = %q", e.Message)
	}
}

func TestVerifyV1_MethodIsSigned(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	p := bsnParams()
	signature.SignV1(p, http.MethodPost, "key1", "secret1", now, "n")
	r := httptest.NewRequest(http.MethodGet, "/?"+p.Encode(), nil)
	_, err := fixedVerifier(newKeys("key1", "secret1"), now).Verify(r, nil)
	wantRefusal(t, err, signature.CodeSignatureDoesNotMatch, 400)
}

func TestVerifyV1_Window(t *testing.T) {
	signedAt := mustTime(t, "2026-05-01T08:00:00Z")
	for _, tc := range []struct {
		name string
		now  time.Time
		ok   bool
	}{
		{"JustInside", signedAt.Add(15 * time.Minute), true},
		{"Stale", signedAt.Add(15*time.Minute + time.Second), false},
		{"EarlyInside", signedAt.Add(-15 * time.Minute), true},
		{"Future", signedAt.Add(-15*time.Minute - time.Second), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := v1Request(t, http.MethodGet, bsnParams(), "secret1", signedAt, "n")
			_, err := fixedVerifier(newKeys("key1", "secret1"), tc.now).Verify(r, nil)
			if tc.ok && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !tc.ok {
				wantRefusal(t, err, signature.CodeTimestampExpired, 400)
			}
		})
	}
}

func TestVerifyV1_Window_Custom(t *testing.T) {
	signedAt := mustTime(t, "2026-05-01T08:00:00Z")
	r, _ := v1Request(t, http.MethodGet, bsnParams(), "secret1", signedAt, "n")
	v := &signature.Verifier{Keys: newKeys("key1", "secret1"), Window: time.Minute,
		Now: func() time.Time { return signedAt.Add(2 * time.Minute) }}
	_, err := v.Verify(r, nil)
	wantRefusal(t, err, signature.CodeTimestampExpired, 400)
}

func TestVerifyV1_Replay(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	keys := newKeys("key1", "secret1")
	v := fixedVerifier(keys, now)
	r, _ := v1Request(t, http.MethodGet, bsnParams(), "secret1", now, "once")
	if _, err := v.Verify(r, nil); err != nil {
		t.Fatalf("first: %v", err)
	}
	again := httptest.NewRequest(http.MethodGet, r.URL.String(), nil)
	_, err := v.Verify(again, nil)
	wantRefusal(t, err, signature.CodeSignatureNonceUsed, 400)

	// A forged request never reaches the nonce ledger, so it cannot burn a nonce.
	forged, _ := v1Request(t, http.MethodGet, bsnParams(), "wrong", now, "fresh")
	if _, err := v.Verify(forged, nil); err == nil {
		t.Fatal("forged request verified")
	}
	if _, used := keys.nonces["key1\x00fresh"]; used {
		t.Fatal("a forged request recorded its nonce")
	}
}

func TestVerify_StoreErrorsPassThrough(t *testing.T) {
	now := mustTime(t, "2026-05-01T08:00:00Z")
	keys := newKeys("key1", "secret1")
	keys.err = icpcheck.Errorf(icpcheck.EUNAVAILABLE, "unavailable")
	r, _ := v1Request(t, http.MethodGet, bsnParams(), "secret1", now, "n")
	_, err := fixedVerifier(keys, now).Verify(r, nil)
	if _, refused := signature.AsError(err); refused || icpcheck.ErrorCode(err) != icpcheck.EUNAVAILABLE {
		t.Fatalf("err = %v, want the store's EUNAVAILABLE", err)
	}
}
