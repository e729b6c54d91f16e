package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/policy"
	"github.com/icpcheck/icpcheck/storetest"
)

// TestBadInput sends malformed input of every kind: each is refused with 400 (404 or 405
// for routing), a stable code and the field it concerns, never a 500.
func TestBadInput(t *testing.T) {
	e := mustOpenEnv(t, opener{"sqlite", openSQLite})
	in := storetest.ECS("i-input", alice)
	e.mustPut(t, in)
	sns, err := e.DB.IssueNumbers(storetest.Customer(alice), icpcheck.IssueRequest{InstanceID: in.ID, Owner: alice, Num: 1})
	storetest.NoError(t, err)
	good, _ := json.Marshal(in)
	private := strings.Replace(string(good), "47.96.10.20", "10.0.0.1", 1)
	access := `{"provider":"alibaba","method":"cloud_server","region":"cn-hangzhou","ips":["nope"]}`

	for _, tt := range []struct {
		name, method, path, body string
		admin                    bool
		status                   int
		code, field              string
	}{
		{"EmptyBody", "POST", "/v1/check", "", false, 400, "body_required", ""},
		{"Truncated", "POST", "/v1/check", `{"id":`, false, 400, "bad_json_eof", ""},
		{"Syntax", "POST", "/v1/check", `{"id" "x"}`, false, 400, "bad_json", ""},
		{"UnknownField", "POST", "/v1/check", `{"id":"x","bogus":1}`, false, 400, "unknown_field", "bogus"},
		{"Trailing", "POST", "/v1/check", string(good) + string(good), false, 400, "trailing_data", ""},
		{"NotArrayOfObjects", "POST", "/v1/check", `[1,2`, false, 400, "bad_json_eof", ""},
		{"BadAt", "POST", "/v1/check?at=yesterday", string(good), false, 400, "bad_time", "at"},
		{"UnknownParam", "POST", "/v1/check?lang=en", string(good), false, 400, "unknown_param", "lang"},
		{"LimitZero", "GET", "/v1/instances?limit=0", "", false, 400, "bad_range", "limit"},
		{"LimitTooLarge", "GET", "/v1/instances?limit=1001", "", false, 400, "bad_range", "limit"},
		{"NegativeOffset", "GET", "/v1/instances?offset=-1", "", false, 400, "bad_range", "offset"},
		{"OffsetNotNumber", "GET", "/v1/numbers?offset=ten", "", false, 400, "bad_range", "offset"},
		{"OffsetHuge", "GET", "/v1/filings?offset=99999999999999999999", "", false, 400, "bad_range", "offset"},
		{"RepeatedParam", "GET", "/v1/instances?limit=1&limit=2", "", false, 400, "repeated_param", "limit"},
		{"BadOwner", "GET", "/v1/instances?owner=abc", "", false, 400, "bad_account", "owner"},
		{"BadStatus", "GET", "/v1/instances?status=gone", "", false, 400, "bad_enum", "status"},
		{"BadProduct", "GET", "/v1/instances?product=ECS!", "", false, 400, "bad_name", "product"},
		{"BadNumberState", "GET", "/v1/numbers?state=9", "", false, 400, "bad_enum", "state"},
		{"BadSN", "GET", "/v1/filings?sn=xyz", "", false, 400, "bad_sn", "sn"},
		{"BadFilingType", "GET", "/v1/filings?type=blog", "", false, 400, "bad_enum", "type"},
		{"AuditLimit", "GET", "/v1/audit?limit=-5", "", true, 400, "bad_range", "limit"},
		{"IDMismatch", "PUT", "/v1/instances/i-other", string(good), true, 400, "id_mismatch", "id"},
		{"PrivateIP", "PUT", "/v1/instances/i-input", private, true, 400, "not_public_ip", "public_ips[0]"},
		{"PutEmpty", "PUT", "/v1/instances/i-input", "", true, 400, "body_required", ""},
		{"NumMissing", "POST", "/v1/instances/i-input/numbers", `{}`, false, 400, "required", "num"},
		{"NumWrongType", "POST", "/v1/instances/i-input/numbers", `{"num":"1"}`, false, 400, "bad_type", "num"},
		{"NumTooMany", "POST", "/v1/instances/i-input/numbers", `{"num":21}`, false, 400, "num_out_of_range", "num"},
		{"NumBodyUnknown", "POST", "/v1/instances/i-input/numbers", `{"num":1,"count":2}`, false, 400, "unknown_field", "count"},
		{"GrantToMissing", "POST", "/v1/numbers/" + sns[0].SN + "/grant", `{}`, false, 400, "required", "grant_to"},
		{"FilingBadIP", "POST", "/v1/filings", `{"type":"website","sn":"` + sns[0].SN + `","domains":["a.cn"],"access":` + access + `}`, false, 400, "bad_ip", "access.ips[0]"},
		{"FilingNotObject", "POST", "/v1/filings", `["website"]`, false, 400, "not_object", ""},
		{"ApproveEmpty", "POST", "/v1/filings/f-1/approve", "", true, 400, "required", "beian_num"},
		{"KeyBadRole", "POST", "/v1/keys", `{"account":"3333333333333333","role":"root"}`, true, 400, "bad_role", "role"},
		{"TooLarge", "POST", "/v1/filings", `{"app_name":"` + strings.Repeat("x", icphttp.MaxBodySize) + `"}`, false, 400, "body_too_large", ""},
		{"NoRoute", "GET", "/v1/nothing", "", false, 404, "route_not_found", ""},
		{"NoMethod", "DELETE", "/v1/instances", "", false, 405, "method_not_allowed", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := e.AliceKey
			if tt.admin {
				key = e.AdminKey
			}
			status, body := e.do(t, key, tt.method, tt.path, []byte(tt.body))
			doc := errorDoc(t, body)
			if status != tt.status || doc.Error.Code != tt.code || doc.Error.Field != tt.field {
				t.Fatalf("status %d code %q field %q, want %d %q %q: %s", status, doc.Error.Code, doc.Error.Field, tt.status, tt.code, tt.field, body)
			}
		})
	}
	t.Run("Allow", func(t *testing.T) {
		req := e.request(t, "DELETE", "/v1/instances", "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
			t.Fatalf("Allow=%q, want GET and POST", allow)
		}
	})
	storetest.CheckInvariants(t, e.admin, e.DB)
}

// TestLanguage holds that messages follow Accept-Language, zh-CN by default.
func TestLanguage(t *testing.T) {
	e := mustOpenEnv(t, opener{"sqlite", openSQLite})
	messages := map[string]string{}
	for _, lang := range []string{"", "en-US,en;q=0.9", "zh-CN", "fr, en;q=0.5", "fr"} {
		_, body := e.do(t, e.AliceKey, "GET", "/v1/instances/i-none", nil, "Accept-Language", lang)
		messages[lang] = errorDoc(t, body).Error.Message
	}
	zh, en := i18n.T(i18n.ZH, "error.instance_not_found"), i18n.T(i18n.EN, "error.instance_not_found")
	for lang, want := range map[string]string{"": zh, "zh-CN": zh, "fr": zh, "en-US,en;q=0.9": en, "fr, en;q=0.5": en} {
		if messages[lang] != want {
			t.Errorf("Accept-Language %q: message %q, want %q", lang, messages[lang], want)
		}
	}
}

// TestStatelessCheck holds the stateless check to the engine: one instance gives its report,
// a batch gives a report or a refusal in place for each.
func TestStatelessCheck(t *testing.T) {
	e := mustOpenEnv(t, opener{"sqlite", openSQLite})
	good := storetest.ECS("i-good", alice)
	bad := storetest.ECS("i-payg", alice)
	bad.Billing, bad.Orders = icpcheck.BillingPayAsYouGo, nil
	goodJSON, _ := json.Marshal(good)
	badJSON, _ := json.Marshal(bad)

	status, body := e.do(t, e.BobKey, "POST", "/v1/check", goodJSON, "Accept-Language", "en")
	var rep icphttp.Report
	if err := json.Unmarshal(body, &rep); status != 200 || err != nil {
		t.Fatalf("status %d, %v: %s", status, err, body)
	}
	want := eligibility.Check(good, policy.Default(), storetest.Start)
	sameResult(t, rep.Result(), want)
	if rep.Quota != nil {
		t.Fatal("a stateless check reports a quota")
	}

	batch := "[" + string(goodJSON) + `,{"id":"x","product":7},` + string(badJSON) + "]"
	status, body = e.do(t, e.BobKey, "POST", "/v1/check?at=2026-03-01T08:00:00%2B08:00", []byte(batch))
	var b icphttp.Batch
	if err := json.Unmarshal(body, &b); status != 200 || err != nil {
		t.Fatalf("status %d, %v: %s", status, err, body)
	}
	if len(b.Results) != 3 || b.Eligible != 1 || b.Refused != 1 {
		t.Fatalf("batch: %d results, %d eligible, %d refused", len(b.Results), b.Eligible, b.Refused)
	}
	if r := b.Results[1]; r.Index != 1 || r.Error == nil || r.Error.Code != "bad_type" || r.Error.Field != "product" {
		t.Fatalf("result 1: %+v", r)
	}
	if r := b.Results[2]; r.Report == nil || r.Report.Eligible || !r.Report.At.Equal(storetest.Start) {
		t.Fatalf("result 2: %+v", r)
	}
	sameResult(t, b.Results[2].Report.Result(), eligibility.Check(bad, policy.Default(), storetest.Start))
}
