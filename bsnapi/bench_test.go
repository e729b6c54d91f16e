package bsnapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/signature"
)

// BenchmarkBaseline is the ceiling: a handler that writes GetBsnBySn's body without reading
// the request, verifying it or asking a store.
func BenchmarkBaseline(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		json.NewEncoder(w).Encode(map[string]any{
			"requestId": icpcheck.NewSN(), "sn": "0f8fad5b-d9cb-469f-a165-70867728950e", "status": 0, "beianNum": "",
			"aliUid": 1234567890123456, "resourceType": 1, "resourceId": "i-alice-1", "opSource": 2,
		})
	})
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", nil))
	}
}

// BenchmarkGetBsnBySn is one V3-signed GetBsnBySn through the handler over the SQLite store:
// reading, verifying (a key look-up and a nonce insert) and the number's look-up. The
// requests are signed before the clock starts.
func BenchmarkGetBsnBySn(b *testing.B) {
	benchmarkAction(b, "GetBsnBySn")
}

// BenchmarkProductBindBsnRefused is a ProductBindBsn refused past the quota: the issue path
// up to the guarded update, without growing the ledger.
func BenchmarkProductBindBsnRefused(b *testing.B) {
	benchmarkAction(b, "ProductBindBsn")
}

func benchmarkAction(b *testing.B, action string) {
	e := newEnv(b)
	sn := e.issue(b, "i-alice-1", alice, 5)[0]
	key := e.keys[alice]
	params := rpc("GetBsnBySn", "sn", sn)
	if action == "ProductBindBsn" {
		params = rpc(action, "resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice, "num", "1")
	}
	body := []byte(params.Encode())
	reqs := make([]*http.Request, 0, b.N)
	for range b.N {
		r := e.request(b, http.MethodPost, params, nil)
		signature.SignV3(r, body, key.ID, key.Secret, time.Now(), icpcheck.NewSN())
		reqs = append(reqs, r)
	}
	want := http.StatusOK
	if action == "ProductBindBsn" {
		want = http.StatusBadRequest
	}
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, reqs[i])
		if w.Code != want {
			b.Fatalf("%d: %s", w.Code, w.Body)
		}
	}
}
