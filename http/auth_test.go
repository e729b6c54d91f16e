package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/signature"
	"github.com/icpcheck/icpcheck/storetest"
)

// matrixCall is how the authorization matrix calls one route: the concrete path and a body
// that the route would accept from its rightful caller, so that every refusal is down to
// who signed it, and whether another customer may get a 200 (listings of its own data).
type matrixCall struct {
	path    string
	body    string
	ownView bool
}

// TestAuthorizationMatrix calls every registered route with no credentials, a wrong secret,
// a stale timestamp, a replayed nonce and another customer's key. Each must be refused with
// its status, no answer may hold any of Alice's data, and nothing may change.
func TestAuthorizationMatrix(t *testing.T) {
	for _, o := range stores(t) {
		t.Run(o.name, func(t *testing.T) { testAuthorizationMatrix(t, o) })
	}
}

func testAuthorizationMatrix(t *testing.T, o opener) {
	e := mustOpenEnv(t, o)
	in := storetest.ECS("i-alice-secret", alice)
	e.mustPut(t, in)
	aliceCtx := storetest.Customer(alice)
	sns, err := e.DB.IssueNumbers(aliceCtx, icpcheck.IssueRequest{InstanceID: in.ID, Owner: alice, Num: 2})
	storetest.NoError(t, err)
	f, err := e.DB.CreateFiling(aliceCtx, icpcheck.FilingCreate{
		Type: icpcheck.FilingWebsite, Filer: alice, SN: sns[0].SN, Domains: []string{"alice-secret.cn"}, Access: storetest.Access(),
	})
	storetest.NoError(t, err)
	bobIn := storetest.ECS("i-bob", bob)
	e.mustPut(t, bobIn)

	instanceJSON, _ := json.Marshal(in)
	bobJSON, _ := json.Marshal(bobIn)
	access := `{"provider":"alibaba","method":"cloud_server","region":"cn-hangzhou","ips":["47.96.10.20"]}`
	calls := map[string]matrixCall{
		"POST /v1/check":                        {"/v1/check", string(bobJSON), true},
		"GET /v1/instances":                     {"/v1/instances", "", true},
		"POST /v1/instances":                    {"/v1/instances", "[" + string(instanceJSON) + "]", false},
		"GET /v1/instances/{id}":                {"/v1/instances/" + in.ID, "", false},
		"PUT /v1/instances/{id}":                {"/v1/instances/" + in.ID, string(instanceJSON), false},
		"GET /v1/instances/{id}/check":          {"/v1/instances/" + in.ID + "/check", "", false},
		"GET /v1/instances/{id}/numbers":        {"/v1/instances/" + in.ID + "/numbers", "", true},
		"POST /v1/instances/{id}/numbers":       {"/v1/instances/" + in.ID + "/numbers", `{"num":1}`, false},
		"GET /v1/numbers":                       {"/v1/numbers", "", true},
		"GET /v1/numbers/{sn}":                  {"/v1/numbers/" + sns[1].SN, "", false},
		"POST /v1/numbers/{sn}/grant":           {"/v1/numbers/" + sns[1].SN + "/grant", `{"grant_to":"` + bob + `"}`, false},
		"POST /v1/numbers/{sn}/void":            {"/v1/numbers/" + sns[1].SN + "/void", `{"reason":"x"}`, false},
		"GET /v1/filings":                       {"/v1/filings", "", true},
		"POST /v1/filings":                      {"/v1/filings", `{"type":"website","sn":"` + sns[1].SN + `","domains":["bob.cn"],"access":` + access + `}`, false},
		"GET /v1/filings/{id}":                  {"/v1/filings/" + f.ID, "", false},
		"PATCH /v1/filings/{id}":                {"/v1/filings/" + f.ID, `{"domains":["bob.cn"]}`, false},
		"POST /v1/filings/{id}/submit":          {"/v1/filings/" + f.ID + "/submit", "", false},
		"POST /v1/filings/{id}/approve":         {"/v1/filings/" + f.ID + "/approve", `{"beian_num":"x"}`, false},
		"POST /v1/filings/{id}/reject":          {"/v1/filings/" + f.ID + "/reject", `{"reason":"x"}`, false},
		"POST /v1/filings/{id}/deregister":      {"/v1/filings/" + f.ID + "/deregister", "", false},
		"POST /v1/filings/{id}/remove-provider": {"/v1/filings/" + f.ID + "/remove-provider", "", false},
		"GET /v1/audit":                         {"/v1/audit", "", false},
		"GET /v1/audit/verify":                  {"/v1/audit/verify", "", false},
		"GET /v1/me":                            {"/v1/me", "", true},
		"GET /v1/accounts/{id}":                 {"/v1/accounts/" + alice, "", false},
		"GET /v1/keys":                          {"/v1/keys?account=" + alice, "", true},
		"POST /v1/keys":                         {"/v1/keys", `{"account":"` + bob + `","role":"admin"}`, false},
		"GET /v1/keys/{id}":                     {"/v1/keys/" + e.AliceKey.ID, "", false},
		"DELETE /v1/keys/{id}":                  {"/v1/keys/" + e.AliceKey.ID, "", false},
		"GET /v1/findings":                      {"/v1/findings", "", false}, // this server has no monitoring: 404 for all
		"POST /v1/monitors/{monitor}/run":       {"/v1/monitors/expiry/run", "", false},
		"POST /v1/advice":                       {"/v1/advice", `{"domain":"www.example.com","service":"waf","origin":"self_managed"}`, true},
	}
	secrets := []string{alice, in.ID, sns[0].SN, sns[1].SN, f.ID, e.AliceKey.ID, e.AliceKey.Secret, "alice-secret.cn"}
	eventsBefore, err := e.DB.FindAuditEvents(e.admin, icpcheck.AuditFilter{Limit: icpcheck.MaxPageSize})
	storetest.NoError(t, err)

	for _, pattern := range e.Server.Routes() {
		c, ok := calls[pattern]
		if !ok {
			t.Errorf("route %s is missing from the authorization matrix", pattern)
			continue
		}
		method, _, _ := strings.Cut(pattern, " ")
		t.Run(pattern, func(t *testing.T) {
			refused := func(t *testing.T, status int, body []byte, wantStatus int, wantCode string) {
				t.Helper()
				if status != wantStatus || errorCode(t, body) != wantCode {
					t.Fatalf("status %d %s, want %d %s", status, body, wantStatus, wantCode)
				}
				noLeak(t, body, secrets)
			}
			t.Run("NoCredentials", func(t *testing.T) {
				status, body := e.do(t, nil, method, c.path, []byte(c.body))
				refused(t, status, body, http.StatusUnauthorized, "unauthenticated")
			})
			t.Run("WrongSecret", func(t *testing.T) {
				wrong := *e.AliceKey
				wrong.Secret = strings.ToUpper(wrong.Secret) + "x"
				status, body := e.do(t, &wrong, method, c.path, []byte(c.body))
				refused(t, status, body, http.StatusUnauthorized, "signature_mismatch")
			})
			t.Run("UnknownKey", func(t *testing.T) {
				ghost := *e.AliceKey
				ghost.ID = "LTAIghostghostghost"
				status, body := e.do(t, &ghost, method, c.path, []byte(c.body))
				refused(t, status, body, http.StatusUnauthorized, "access_key_not_found")
			})
			t.Run("StaleTimestamp", func(t *testing.T) {
				req := e.request(t, method, c.path, c.body)
				signature.SignV3(req, []byte(c.body), e.AliceKey.ID, e.AliceKey.Secret, time.Now().Add(-20*time.Minute), nonce())
				status, body := send(t, req)
				refused(t, status, body, http.StatusUnauthorized, "timestamp_expired")
			})
			t.Run("ReplayedNonce", func(t *testing.T) {
				used := nonce()
				req := e.request(t, http.MethodGet, "/v1/me", "")
				signature.SignV3(req, nil, e.AliceKey.ID, e.AliceKey.Secret, time.Now(), used)
				if status, body := send(t, req); status != http.StatusOK {
					t.Fatalf("first use of the nonce: %d %s", status, body)
				}
				req = e.request(t, method, c.path, c.body)
				signature.SignV3(req, []byte(c.body), e.AliceKey.ID, e.AliceKey.Secret, time.Now(), used)
				status, body := send(t, req)
				refused(t, status, body, http.StatusUnauthorized, "nonce_replayed")
			})
			t.Run("TamperedBody", func(t *testing.T) {
				if c.body == "" {
					t.Skip("no body to tamper with")
				}
				req := e.request(t, method, c.path, c.body)
				signature.SignV3(req, []byte(c.body), e.AliceKey.ID, e.AliceKey.Secret, time.Now(), nonce())
				req.Body = http.NoBody
				req.ContentLength = 0
				status, body := send(t, req)
				refused(t, status, body, http.StatusUnauthorized, "signature_mismatch")
			})
			t.Run("OtherCustomer", func(t *testing.T) {
				status, body := e.do(t, e.BobKey, method, c.path, []byte(c.body))
				switch {
				case c.ownView && status == http.StatusOK:
				case !c.ownView && (status == http.StatusForbidden || status == http.StatusNotFound):
					if kind := errorKind(t, body); kind != icpcheck.EFORBIDDEN && kind != icpcheck.ENOTFOUND {
						t.Fatalf("status %d with kind %s", status, kind)
					}
				default:
					t.Fatalf("bob: status %d %s", status, body)
				}
				noLeak(t, body, secrets)
			})
		})
	}

	eventsAfter, err := e.DB.FindAuditEvents(e.admin, icpcheck.AuditFilter{Limit: icpcheck.MaxPageSize})
	storetest.NoError(t, err)
	if len(eventsAfter) != len(eventsBefore) {
		t.Fatalf("refused requests changed the ledger: %d audit events before, %d after; last %s %s",
			len(eventsBefore), len(eventsAfter), eventsAfter[len(eventsAfter)-1].Action, eventsAfter[len(eventsAfter)-1].Subject)
	}
	if _, err := e.DB.FindAccessKey(e.admin, e.AliceKey.ID); err != nil {
		t.Fatalf("alice's key: %v", err)
	}
}

// request returns an unsigned request to the server.
func (e *env) request(tb testing.TB, method, path, body string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(method, e.Server.URL()+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// noLeak fails tb when body holds any of secrets.
func noLeak(tb testing.TB, body []byte, secrets []string) {
	tb.Helper()
	for _, s := range secrets {
		if bytes.Contains(body, []byte(s)) {
			tb.Fatalf("the answer leaks %q: %s", s, body)
		}
	}
}

// errorCode returns the code of an error document, failing tb when body is not one.
func errorCode(tb testing.TB, body []byte) string {
	tb.Helper()
	return errorDoc(tb, body).Error.Code
}

func errorKind(tb testing.TB, body []byte) string {
	tb.Helper()
	return errorDoc(tb, body).Error.Kind
}

func errorDoc(tb testing.TB, body []byte) *struct {
	Error struct {
		Code, Kind, Field, Message string
	} `json:"error"`
	RequestID string `json:"request_id"`
} {
	tb.Helper()
	var doc struct {
		Error struct {
			Code, Kind, Field, Message string
		} `json:"error"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Error.Code == "" || doc.Error.Message == "" || doc.RequestID == "" {
		tb.Fatalf("not an error document (%v): %s", err, body)
	}
	return &doc
}
