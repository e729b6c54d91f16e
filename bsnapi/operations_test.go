package bsnapi_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/bsnapi"
	"github.com/icpcheck/icpcheck/signature"
)

// schemes are both signatures with the HTTP method each is tried with.
var schemes = []struct {
	name   string
	scheme signature.Version
	method string
}{
	{"V1GET", signature.V1, http.MethodGet},
	{"V1POST", signature.V1, http.MethodPost},
	{"V3GET", signature.V3, http.MethodGet},
	{"V3POST", signature.V3, http.MethodPost},
}

func TestProductBindBsn(t *testing.T) {
	for _, s := range schemes {
		t.Run(s.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.do(t, alice, s.scheme, s.method, rpc("ProductBindBsn",
				"resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice, "num", "2"), nil)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d: %v", r.status, r.body)
			}
			sns := bsnDO(t, r)
			if len(sns) != 2 || !icpcheck.ValidSN(sns[0]) || !icpcheck.ValidSN(sns[1]) || sns[0] == sns[1] {
				t.Fatalf("bsnDO = %v", sns)
			}
			if !icpcheck.ValidSN(r.str("requestId")) || r.header.Get("x-acs-request-id") != r.str("requestId") {
				t.Fatalf("requestId = %q", r.str("requestId"))
			}
		})
	}
}

func TestProductBindBsn_Refusals(t *testing.T) {
	e := newEnv(t)
	e.issue(t, "i-alice-2", alice, 4)
	bind := func(kv ...string) func() *reply {
		return func() *reply {
			return e.do(t, alice, signature.V3, http.MethodPost, rpc("ProductBindBsn", kv...), nil)
		}
	}
	for _, tc := range []struct {
		name   string
		call   func() *reply
		code   string
		status int
	}{
		{"NoResourceType", bind("resourceId", "i-alice-1", "aliuid", alice, "num", "1"), bsnapi.CodeRequiredEmpty, 400},
		{"EmptyResourceId", bind("resourceType", "1", "resourceId", "", "aliuid", alice, "num", "1"), bsnapi.CodeRequiredEmpty, 400},
		{"NoAliuid", bind("resourceType", "1", "resourceId", "i-alice-1", "num", "1"), bsnapi.CodeRequiredEmpty, 400},
		{"NoNum", bind("resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice), bsnapi.CodeRequiredEmpty, 400},
		{"NumZero", bind("resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice, "num", "0"), bsnapi.CodeNumOutOfRange, 400},
		{"Num21", bind("resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice, "num", "21"), bsnapi.CodeNumOutOfRange, 400},
		{"NumNotInteger", bind("resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice, "num", "two"), bsnapi.CodeNumOutOfRange, 400},
		{"NumHuge", bind("resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice, "num", "99999999999999999999"), bsnapi.CodeNumOutOfRange, 400},
		{"TypeWithoutProduct", bind("resourceType", "2", "resourceId", "i-alice-1", "aliuid", alice, "num", "1"), bsnapi.CodeProductType, 400},
		{"TypeNotInteger", bind("resourceType", "ecs", "resourceId", "i-alice-1", "aliuid", alice, "num", "1"), bsnapi.CodeProductType, 400},
		{"TypeZero", bind("resourceType", "0", "resourceId", "i-alice-1", "aliuid", alice, "num", "1"), bsnapi.CodeProductType, 400},
		{"BadAliuid", bind("resourceType", "1", "resourceId", "i-alice-1", "aliuid", "01234", "num", "1"), bsnapi.CodeAccountInvalid, 400},
		{"AliuidTooBig", bind("resourceType", "1", "resourceId", "i-alice-1", "aliuid", "99999999999999999999", "num", "1"), bsnapi.CodeAccountInvalid, 400},
		{"LongResourceId", bind("resourceType", "1", "resourceId", strings.Repeat("i", 200), "aliuid", alice, "num", "1"), bsnapi.CodeInstanceInvalid, 400},
		{"NoSuchInstance", bind("resourceType", "1", "resourceId", "i-nowhere", "aliuid", alice, "num", "1"), bsnapi.CodeInstanceInvalid, 400},
		{"WrongProduct", bind("resourceType", "8", "resourceId", "i-alice-1", "aliuid", alice, "num", "1"), bsnapi.CodeInstanceInvalid, 400},
		{"AnotherCustomersAliuid", bind("resourceType", "1", "resourceId", "i-bob-1", "aliuid", bob, "num", "1"), bsnapi.CodeAccountMismatch, 403},
		{"AnotherCustomersInstance", bind("resourceType", "1", "resourceId", "i-bob-1", "aliuid", alice, "num", "1"), bsnapi.CodeInstanceInvalid, 400},
		{"NotTheOwner", func() *reply {
			return e.do(t, adminAccount, signature.V1, http.MethodPost, rpc("ProductBindBsn",
				"resourceType", "1", "resourceId", "i-bob-1", "aliuid", alice, "num", "1"), nil)
		}, bsnapi.CodeNotOwner, 400},
		{"NoPublicIP", bind("resourceType", "1", "resourceId", "i-alice-noip", "aliuid", alice, "num", "1"), bsnapi.CodeNoPublicIP, 400},
		{"Stopped", bind("resourceType", "1", "resourceId", "i-alice-stopped", "aliuid", alice, "num", "1"), bsnapi.CodeInstanceState, 400},
		{"PastQuota", bind("resourceType", "1", "resourceId", "i-alice-2", "aliuid", alice, "num", "2"), bsnapi.CodeQuotaReached, 400},
	} {
		t.Run(tc.name, func(t *testing.T) { wantError(t, tc.call(), tc.code, tc.status) })
	}
	// All or nothing: the refused request past the quota issued none, so one still fits.
	r := e.do(t, alice, signature.V1, http.MethodGet, rpc("ProductBindBsn",
		"resourceType", "1", "resourceId", "i-alice-2", "aliuid", alice, "num", "1"), nil)
	if r.status != http.StatusOK || len(bsnDO(t, r)) != 1 {
		t.Fatalf("last number: %d %v", r.status, r.body)
	}
}

func TestProductBindBsn_AdminActsForAnyone(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, adminAccount, signature.V3, http.MethodPost, rpc("ProductBindBsn",
		"resourceType", "1", "resourceId", "i-bob-1", "aliuid", bob, "num", "3"), nil)
	if r.status != http.StatusOK || len(bsnDO(t, r)) != 3 {
		t.Fatalf("%d %v", r.status, r.body)
	}
}

func TestGetBsnByResource(t *testing.T) {
	e := newEnv(t)
	want := e.issue(t, "i-alice-1", alice, 3)
	want = append(want, e.issue(t, "i-alice-1", alice, 2)...)
	e.issue(t, "i-alice-2", alice, 1) // another instance's number is not listed
	for _, s := range schemes {
		t.Run(s.name, func(t *testing.T) {
			r := e.do(t, alice, s.scheme, s.method, rpc("GetBsnByResource",
				"resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice), nil)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d: %v", r.status, r.body)
			}
			if got := bsnDO(t, r); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("bsnDO = %v, want %v in issue order", got, want)
			}
		})
	}
	t.Run("Empty", func(t *testing.T) {
		r := e.do(t, bob, signature.V3, http.MethodPost, rpc("GetBsnByResource",
			"resourceType", "1", "resourceId", "i-bob-1", "aliuid", bob), nil)
		if r.status != http.StatusOK || string(mustJSON(t, r.body["datas"])) != `{"bsnDO":[]}` {
			t.Fatalf("%d %v", r.status, r.body)
		}
	})
	for _, tc := range []struct {
		name, caller, resourceType, aliuid string
		code                               string
		status                             int
	}{
		{"AnotherCustomersAliuid", bob, "1", alice, bsnapi.CodeAccountMismatch, 403},
		{"AnotherCustomersInstance", bob, "1", bob, bsnapi.CodeInstanceInvalid, 400},
		{"AdminWrongOwner", adminAccount, "1", bob, bsnapi.CodeNotOwner, 400},
		{"WrongProduct", alice, "9", alice, bsnapi.CodeInstanceInvalid, 400},
		{"NoProduct", alice, "7", alice, bsnapi.CodeProductType, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.do(t, tc.caller, signature.V3, http.MethodPost, rpc("GetBsnByResource",
				"resourceType", tc.resourceType, "resourceId", "i-alice-1", "aliuid", tc.aliuid), nil), tc.code, tc.status)
		})
	}
}

func TestGetBsnBySn(t *testing.T) {
	e := newEnv(t)
	sns := e.issue(t, "i-alice-1", alice, 3)
	e.file(t, sns[1], alice, "")
	e.file(t, sns[2], alice, "浙ICP备2026000001号-1")
	for i, want := range []struct {
		status   int
		beianNum string
	}{{0, ""}, {1, ""}, {2, "浙ICP备2026000001号-1"}} {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			r := e.do(t, alice, signature.V1, http.MethodPost, rpc("GetBsnBySn", "sn", sns[i]), nil)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d: %v", r.status, r.body)
			}
			got := map[string]any{}
			if err := json.Unmarshal(mustJSON(t, r.body), &got); err != nil {
				t.Fatal(err)
			}
			wantBody := map[string]any{
				"requestId": r.str("requestId"), "sn": sns[i], "status": float64(want.status), "beianNum": want.beianNum,
				"aliUid": float64(1234567890123456), "resourceType": float64(1), "resourceId": "i-alice-1", "opSource": float64(2),
			}
			if string(mustJSON(t, got)) != string(mustJSON(t, wantBody)) {
				t.Fatalf("body = %s\nwant   %s", mustJSON(t, got), mustJSON(t, wantBody))
			}
			if n, _ := r.body["aliUid"].(json.Number); n.String() != alice {
				t.Fatalf("aliUid = %v, want the integer %s", r.body["aliUid"], alice)
			}
		})
	}
	t.Run("Grantee", func(t *testing.T) {
		unbound := e.issue(t, "i-alice-2", alice, 1)[0]
		wantError(t, e.do(t, bob, signature.V3, http.MethodPost, rpc("GetBsnBySn", "sn", unbound), nil), bsnapi.CodeSNNotFound, 400)
		r := e.do(t, alice, signature.V3, http.MethodPost, rpc("GrantBsnCode", "Sn", unbound, "AliUid", alice, "GrantToAliuid", bob), nil)
		if r.status != http.StatusOK {
			t.Fatalf("grant: %d %v", r.status, r.body)
		}
		r = e.do(t, bob, signature.V3, http.MethodPost, rpc("GetBsnBySn", "sn", unbound), nil)
		if r.status != http.StatusOK || r.str("sn") != unbound {
			t.Fatalf("grantee lookup: %d %v", r.status, r.body)
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		wantError(t, e.do(t, bob, signature.V3, http.MethodPost, rpc("GetBsnBySn", "sn", sns[0]), nil), bsnapi.CodeSNNotFound, 400)
		wantError(t, e.do(t, alice, signature.V3, http.MethodPost, rpc("GetBsnBySn"), nil), bsnapi.CodeRequiredEmpty, 400)
		wantError(t, e.do(t, alice, signature.V3, http.MethodPost, rpc("GetBsnBySn", "sn", "1131-1234-233"), nil), bsnapi.CodeSNNotFound, 400)
		wantError(t, e.do(t, alice, signature.V3, http.MethodPost, rpc("GetBsnBySn", "sn", icpcheck.NewSN()), nil), bsnapi.CodeSNNotFound, 400)
	})
	t.Run("RESTOnlyProduct", func(t *testing.T) {
		sn := e.issue(t, "sas-alice-1", alice, 1)[0]
		wantError(t, e.do(t, alice, signature.V3, http.MethodPost, rpc("GetBsnBySn", "sn", sn), nil), bsnapi.CodeProductType, 400)
	})
}

func TestGrantBsnCode(t *testing.T) {
	e := newEnv(t)
	sns := e.issue(t, "i-alice-1", alice, 5)
	for i, spelling := range []string{"AliUid", "Aliuid"} {
		t.Run(spelling, func(t *testing.T) {
			r := e.do(t, alice, signature.V3, http.MethodPost, rpc("GrantBsnCode",
				"Sn", sns[i], spelling, alice, "GrantToAliuid", bob, "Notes", "授予子公司使用"), nil)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d: %v", r.status, r.body)
			}
			want := `{"AliUid":1234567890123456,"GrantToAliuid":2234567890123456,"Notes":"授予子公司使用","RequestId":"` +
				r.str("RequestId") + `","Sn":"` + sns[i] + `","Success":true}`
			if got := string(mustJSON(t, r.body)); got != want {
				t.Fatalf("body = %s\nwant   %s", got, want)
			}
		})
	}
	e.file(t, sns[2], alice, "")
	grant := func(account string, kv ...string) *reply {
		return e.do(t, account, signature.V1, http.MethodPost, rpc("GrantBsnCode", kv...), nil)
	}
	for _, tc := range []struct {
		name   string
		r      *reply
		code   string
		status int
	}{
		{"NoSn", grant(alice, "AliUid", alice, "GrantToAliuid", bob), bsnapi.CodeRequiredEmpty, 400},
		{"NoOwner", grant(alice, "Sn", sns[3], "GrantToAliuid", bob), bsnapi.CodeRequiredEmpty, 400},
		{"NoGrantee", grant(alice, "Sn", sns[3], "AliUid", alice), bsnapi.CodeRequiredEmpty, 400},
		{"BadGrantee", grant(alice, "Sn", sns[3], "AliUid", alice, "GrantToAliuid", "x"), bsnapi.CodeAccountInvalid, 400},
		{"SpellingsDisagree", grant(alice, "Sn", sns[3], "AliUid", alice, "Aliuid", bob, "GrantToAliuid", bob), "InvalidParameter", 400},
		{"ToSelf", grant(alice, "Sn", sns[3], "AliUid", alice, "GrantToAliuid", alice), bsnapi.CodeAccountInvalid, 400},
		{"AnotherCustomersAliuid", grant(bob, "Sn", sns[3], "AliUid", alice, "GrantToAliuid", bob), bsnapi.CodeAccountMismatch, 403},
		{"NotTheOwner", grant(adminAccount, "Sn", sns[3], "AliUid", bob, "GrantToAliuid", adminAccount), bsnapi.CodeSNNotOfAccount, 400},
		{"AlreadyGranted", grant(alice, "Sn", sns[0], "AliUid", alice, "GrantToAliuid", adminAccount), bsnapi.CodeOperationFailed, 400},
		{"Bound", grant(alice, "Sn", sns[2], "AliUid", alice, "GrantToAliuid", bob), bsnapi.CodeOperationFailed, 400},
		{"NoSuchNumber", grant(alice, "Sn", icpcheck.NewSN(), "AliUid", alice, "GrantToAliuid", bob), bsnapi.CodeSNNotFound, 400},
		{"LongNotes", grant(alice, "Sn", sns[3], "AliUid", alice, "GrantToAliuid", bob, "Notes", strings.Repeat("注", bsnapi.MaxNotes+1)), "InvalidParameter", 400},
	} {
		t.Run(tc.name, func(t *testing.T) { wantError(t, tc.r, tc.code, tc.status) })
	}
}

// bsnDO returns datas.bsnDO of a reply, failing unless it is a list of strings.
func bsnDO(tb testing.TB, r *reply) []string {
	tb.Helper()
	var body struct {
		Datas struct {
			BsnDO []string `json:"bsnDO"`
		} `json:"datas"`
	}
	if err := json.Unmarshal(mustJSON(tb, r.body), &body); err != nil || body.Datas.BsnDO == nil {
		tb.Fatalf("datas.bsnDO is not a list of strings: %v (%v)", r.body, err)
	}
	return body.Datas.BsnDO
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
