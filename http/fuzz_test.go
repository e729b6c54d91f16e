package http_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
)

// fixedAuth accepts every request as one key, so that fuzzing reaches the endpoints.
type fixedAuth struct{ key *icpcheck.AccessKey }

func (a fixedAuth) Verify(*http.Request, []byte) (*icpcheck.AccessKey, error) { return a.key, nil }

// fuzzRoutes are the routes whose bodies and queries the fuzzer varies.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/v1/check"},
	{"POST", "/v1/instances"},
	{"PUT", "/v1/instances/i-fuzz"},
	{"GET", "/v1/instances"},
	{"POST", "/v1/instances/i-fuzz/numbers"},
	{"GET", "/v1/numbers"},
	{"POST", "/v1/filings"},
	{"PATCH", "/v1/filings/f-0000000000000000"},
	{"GET", "/v1/filings"},
	{"POST", "/v1/numbers/00000000-0000-4000-8000-000000000000/grant"},
	{"GET", "/v1/audit"},
	{"POST", "/v1/keys"},
}

// FuzzREST sends arbitrary bodies and queries to the REST endpoints as an admin: whatever
// the input, the answer is a JSON document with a status below 500.
func FuzzREST(f *testing.F) {
	in, _ := json.Marshal(storetest.ECS("i-fuzz", alice))
	for i, seed := range []struct{ query, body string }{
		{"", string(in)},
		{"at=2026-03-01T00:00:00Z", "[" + string(in) + "," + string(in) + "]"},
		{"", string(in)},
		{"owner=1&limit=5&offset=2&id=a&id=b", ""},
		{"", `{"num":3,"owner":"` + alice + `"}`},
		{"state=4&account=1", ""},
		{"", `{"type":"website","instance_id":"i-fuzz","filer":"` + alice + `","domains":["a.cn"],"access":{"ips":["1.2.3.4"]}}`},
		{"", `{"app_name":"x","access":{"ips":["::1"]}}`},
		{"type=app&sn=00000000-0000-4000-8000-000000000000", ""},
		{"", `{"grant_to":"2","notes":"\u0000"}`},
		{"after_seq=1&limit=1000", ""},
		{"", `{"account":"7","role":"customer"}`},
	} {
		f.Add(i, seed.query, seed.body)
	}
	f.Add(0, "%zz", "\xff\xfe")
	f.Add(6, "", `{"type":"website","access":{"ips":[1]}}`)
	f.Add(2, "", `{"id":"i-fuzz","orders":[{"period":1e400}]}`)

	db := openSQLite(f, storetestOptions())
	s := icphttp.NewServer()
	s.Store = db
	s.Policy = db.Policy()
	s.Auth = fixedAuth{&icpcheck.AccessKey{ID: "k", Account: adminAccount, Role: icpcheck.RoleAdmin}}
	s.Logger = discardLogger()
	h := s.Handler()
	f.Fuzz(func(t *testing.T, route int, query, body string) {
		if route < 0 {
			route = -route
		}
		rt := fuzzRoutes[route%len(fuzzRoutes)]
		req := httptest.NewRequest(rt.method, "/", strings.NewReader(body))
		req.URL.Path, req.URL.RawQuery = rt.path, query
		req.Header.Set("Authorization", "ACS3-HMAC-SHA256 fuzz")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s %q: %d %s", rt.method, rt.path, query, body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusNoContent && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: not JSON: %s", rt.method, rt.path, rec.Body)
		}
	})
}

func storetestOptions() sqlstore.Options {
	return sqlstore.Options{Now: storetest.NewClock(storetest.Start).Now, Logger: discardLogger()}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
