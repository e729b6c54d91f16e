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

// FuzzVerify feeds both signature parsers arbitrary Authorization headers, queries and bodies:
// Params and Verify must never panic, and must answer every request they do not accept with a
// refusal, never another error (the fake store never fails).
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)

	v1 := bsnParams()
	signature.SignV1(v1, http.MethodGet, "key1", "secret1", now, "seed-v1")
	f.Add("", v1.Encode(), []byte(nil), false)
	f.Add("", "Action=GetBsnBySn&Signature=x", []byte("a=1&b=%zz"), true)
	f.Add("", "%zz", []byte(nil), false)

	r, body := v3Request(f, bsnParams(), url.Values{"note": {"x"}}, "secret1", now, "seed-v3")
	f.Add(r.Header.Get("Authorization"), r.URL.RawQuery, body, true)
	f.Add("ACS3-HMAC-SHA256 Credential=key1,SignedHeaders=host;;x,Signature=00", "", []byte(nil), false)
	f.Add("ACS3-HMAC-SHA256 Credential=,,,=,Signature", "a=b", []byte("x"), true)
	f.Add("ACS3-", "", []byte(nil), false)

	f.Fuzz(func(t *testing.T, authorization, rawQuery string, body []byte, form bool) {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/", strings.NewReader(string(body)))
		r.URL.RawQuery = rawQuery
		if form {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
			r.Header.Set("x-acs-action", "ProductBindBsn")
			r.Header.Set("x-acs-version", "2015-05-12")
			r.Header.Set("x-acs-date", now.Format("2006-01-02T15:04:05Z"))
			r.Header.Set("x-acs-signature-nonce", "seed-v3")
			r.Header.Set("x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
		}
		if _, err := signature.Params(r, body); err != nil {
			if _, ok := signature.AsError(err); !ok {
				t.Fatalf("Params: %v is not a refusal", err)
			}
		}
		_, err := fixedVerifier(newKeys("key1", "secret1"), now).Verify(r, body)
		if err == nil {
			return
		}
		if _, ok := signature.AsError(err); !ok {
			t.Fatalf("Verify: %v (%T) is not a refusal", err, err)
		}
	})
}
