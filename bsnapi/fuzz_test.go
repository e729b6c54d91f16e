package bsnapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/signature"
)

// FuzzHandler feeds the request decoder arbitrary parameters, signed with a customer's key
// (V1, so that they reach the operations) or left as they are, in the query or a form body,
// with an arbitrary x-acs-action header. Whatever comes in, the answer is JSON with a
// RequestId, an error carries a Code and a 4xx status (the fake store never fails, so
// nothing is internal), and nothing panics.
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{
		rpc("ProductBindBsn", "resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice, "num", "1").Encode(),
		rpc("GetBsnByResource", "resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice).Encode(),
		rpc("GetBsnBySn", "sn", "0f8fad5b-d9cb-469f-a165-70867728950e").Encode(),
		rpc("GrantBsnCode", "Sn", "0f8fad5b-d9cb-469f-a165-70867728950e", "AliUid", alice, "Aliuid", alice, "GrantToAliuid", bob, "Notes", "备注").Encode(),
		rpc("ProductBindBsn", "resourceType", "-1", "resourceId", "i-alice-1", "aliuid", "0", "num", "1e3").Encode(),
		"Action=GetBsnBySn&Version=2015-05-12&sn=%zz",
		"Action=&Version=&Format=XML",
	} {
		f.Add(seed, true, false, "")
		f.Add(seed, false, true, "GetBsnBySn")
	}
	e := newEnv(f)
	key := e.keys[alice]
	f.Fuzz(func(t *testing.T, raw string, sign, post bool, header string) {
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		if params, err := url.ParseQuery(raw); err == nil && sign {
			signature.SignV1(params, method, key.ID, key.Secret, time.Now(), icpcheck.NewSN())
			raw = params.Encode()
		}
		var r *http.Request
		if post {
			r = httptest.NewRequest(method, "/", strings.NewReader(raw))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			r = httptest.NewRequest(method, "/", nil)
			r.URL.RawQuery = raw
		}
		if header != "" {
			r.Header.Set("x-acs-action", header)
		}
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, r)

		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("reply %d is not JSON: %q", w.Code, w.Body.Bytes())
		}
		if w.Code == http.StatusOK {
			if body["requestId"] == nil && body["RequestId"] == nil {
				t.Fatalf("a success without a request id: %v", body)
			}
			return
		}
		if w.Code < 400 || w.Code >= 500 || body["Code"] == "" || body["RequestId"] == "" || body["Message"] == "" {
			t.Fatalf("reply %d: %v", w.Code, body)
		}
	})
}
