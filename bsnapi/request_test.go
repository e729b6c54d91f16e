package bsnapi_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/bsnapi"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/signature"
)

func TestRequest_Gateway(t *testing.T) {
	e := newEnv(t)
	lookup := rpc("GetBsnBySn", "sn", icpcheck.NewSN())
	without := func(v url.Values, name string) url.Values { v = cloneValues(v); v.Del(name); return v }
	with := func(v url.Values, kv ...string) url.Values {
		v = cloneValues(v)
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		r      func() *reply
		code   string
		status int
	}{
		{"NoAction", func() *reply { return e.do(t, alice, signature.V1, http.MethodGet, without(lookup, "Action"), nil) }, "MissingParameter", 400},
		{"NoVersion", func() *reply { return e.do(t, alice, signature.V3, http.MethodPost, without(lookup, "Version"), nil) }, "MissingParameter", 400},
		{"BadVersion", func() *reply {
			return e.do(t, alice, signature.V3, http.MethodPost, with(without(lookup, "Version"), "Version", "2020-01-01"), nil)
		}, bsnapi.CodeInvalidVersion, 400},
		{"UnknownAction", func() *reply {
			return e.do(t, alice, signature.V1, http.MethodGet, with(without(lookup, "Action"), "Action", "DeleteBsn"), nil)
		}, bsnapi.CodeInvalidAction, 404},
		{"ActionCase", func() *reply {
			return e.do(t, alice, signature.V1, http.MethodGet, with(without(lookup, "Action"), "Action", "getbsnbysn"), nil)
		}, bsnapi.CodeInvalidAction, 404},
		{"XMLFormat", func() *reply { return e.do(t, alice, signature.V1, http.MethodGet, with(lookup, "Format", "XML"), nil) }, "InvalidParameter", 400},
		{"TwoValues", func() *reply { return e.do(t, alice, signature.V1, http.MethodGet, with(lookup, "sn", "x"), nil) }, "InvalidParameter", 400},
		{"TwoActions", func() *reply {
			return e.do(t, alice, signature.V1, http.MethodGet, with(lookup, "Action", "GetBsnBySn"), nil)
		}, "InvalidParameter", 400},
		{"HeaderDisagrees", func() *reply {
			return e.do(t, alice, signature.V3, http.MethodPost, lookup, http.Header{"X-Acs-Action": {"GrantBsnCode"}})
		}, "InvalidParameter", 400},
		{"Put", func() *reply { return e.do(t, alice, signature.V3, http.MethodPut, lookup, nil) }, bsnapi.CodeUnsupportedHTTP, 400},
		{"NoCredentials", func() *reply { return e.do(t, alice, signature.None, http.MethodGet, lookup, nil) }, "MissingParameter", 400},
		{"MalformedQuery", func() *reply {
			r := e.request(t, http.MethodGet, lookup, nil)
			r.URL.RawQuery += "&%zz"
			return e.send(t, r)
		}, "InvalidParameter", 400},
		{"BodyTooLarge", func() *reply {
			return e.do(t, alice, signature.V1, http.MethodPost, with(lookup, "pad", strings.Repeat("x", bsnapi.MaxBodySize)), nil)
		}, bsnapi.CodeBodyTooLarge, 413},
	} {
		t.Run(tc.name, func(t *testing.T) { wantError(t, tc.r(), tc.code, tc.status) })
	}
}

func TestRequest_ActionInV3Header(t *testing.T) {
	// The current SDK sends Action and Version only as signed x-acs-* headers.
	e := newEnv(t)
	sn := e.issue(t, "i-alice-1", alice, 1)[0]
	r := e.do(t, alice, signature.V3, http.MethodPost, url.Values{"sn": {sn}},
		http.Header{"X-Acs-Action": {"GetBsnBySn"}, "X-Acs-Version": {bsnapi.APIVersion}})
	if r.status != http.StatusOK || r.str("sn") != sn {
		t.Fatalf("%d %v", r.status, r.body)
	}
}

func TestRequest_V1IgnoresUnsignedHeaders(t *testing.T) {
	// The older SDK sends x-acs-action too, unsigned: a V1 request is what its signed
	// parameters say, whatever the headers claim.
	e := newEnv(t)
	sn := e.issue(t, "i-alice-1", alice, 1)[0]
	r := e.do(t, alice, signature.V1, http.MethodGet, rpc("GetBsnBySn", "sn", sn),
		http.Header{"X-Acs-Action": {"ProductBindBsn"}, "X-Acs-Version": {"2020-01-01"}})
	if r.status != http.StatusOK || r.str("sn") != sn {
		t.Fatalf("%d %v", r.status, r.body)
	}
	noAction := rpc("GetBsnBySn", "sn", sn)
	noAction.Del("Action")
	wantError(t, e.do(t, alice, signature.V1, http.MethodGet, noAction, http.Header{"X-Acs-Action": {"GetBsnBySn"}}), "MissingParameter", 400)
}

func TestRequest_Authentication(t *testing.T) {
	e := newEnv(t)
	sn := e.issue(t, "i-alice-1", alice, 1)[0]
	params := rpc("GetBsnBySn", "sn", sn)
	for _, s := range schemes {
		t.Run(s.name, func(t *testing.T) {
			// A wrong secret.
			real := e.keys[alice]
			e.keys[alice] = &icpcheck.AccessKey{ID: real.ID, Secret: "wrong", Account: real.Account, Role: real.Role}
			wantError(t, e.do(t, alice, s.scheme, s.method, cloneValues(params), nil), signature.CodeSignatureDoesNotMatch, 400)
			// An unknown key.
			e.keys[alice] = &icpcheck.AccessKey{ID: "LTAInobody", Secret: real.Secret}
			wantError(t, e.do(t, alice, s.scheme, s.method, cloneValues(params), nil), signature.CodeAccessKeyNotFound, 404)
			e.keys[alice] = real
			// A stale timestamp: the server's clock is 20 minutes ahead.
			e.skew.Store(int64(20 * time.Minute / time.Second))
			wantError(t, e.do(t, alice, s.scheme, s.method, cloneValues(params), nil), signature.CodeTimestampExpired, 400)
			e.skew.Store(0)
		})
	}
	t.Run("Replay", func(t *testing.T) {
		key, now := e.keys[alice], time.Now()
		v1 := func() *http.Request {
			p := cloneValues(params)
			signature.SignV1(p, http.MethodGet, key.ID, key.Secret, now, "replayed-v1")
			return e.request(t, http.MethodGet, p, nil)
		}
		v3 := func() *http.Request {
			r := e.request(t, http.MethodPost, params, nil)
			signature.SignV3(r, []byte(params.Encode()), key.ID, key.Secret, now, "replayed-v3")
			return r
		}
		for _, signed := range []func() *http.Request{v1, v3} {
			if r := e.send(t, signed()); r.status != http.StatusOK {
				t.Fatalf("first: %d %v", r.status, r.body)
			}
			wantError(t, e.send(t, signed()), signature.CodeSignatureNonceUsed, 400)
		}
	})
}

func TestRequest_Language(t *testing.T) {
	e := newEnv(t)
	ask := func(lang string) string {
		h := http.Header{}
		if lang != "" {
			h.Set("Accept-Language", lang)
		}
		r := e.do(t, alice, signature.V3, http.MethodPost, rpc("ProductBindBsn",
			"resourceType", "1", "resourceId", "i-alice-1", "aliuid", alice, "num", "21"), h)
		wantError(t, r, bsnapi.CodeNumOutOfRange, 400)
		return r.str("Message")
	}
	def, zh, en, enUS := ask(""), ask("zh-CN"), ask("en"), ask("fr;q=1, en-US;q=0.8")
	if def != zh || en != enUS || zh == en || strings.HasPrefix(zh, "bsn.") || strings.HasPrefix(en, "bsn.") {
		t.Fatalf("default %q, zh-CN %q, en %q, en-US %q", def, zh, en, enUS)
	}
}

func TestRequest_InternalErrorsAreNotLeaked(t *testing.T) {
	e := newEnv(t)
	broken := errors.New("pq: disk on fire at /var/lib/secret-path")
	unavailable := icpcheck.Errorf(icpcheck.EUNAVAILABLE, "unavailable")
	for _, tc := range []struct {
		name         string
		keys, ledger error
		code         string
		status       int
	}{
		{"BrokenLedger", nil, broken, bsnapi.CodeInternalError, 500},
		{"BrokenKeys", broken, nil, bsnapi.CodeInternalError, 500},
		{"InternalReason", nil, icpcheck.Internal("sqlstore.FindNumber", broken), bsnapi.CodeInternalError, 500},
		{"UnavailableLedger", nil, unavailable, bsnapi.CodeUnavailable, 503},
		{"UnavailableKeys", unavailable, nil, bsnapi.CodeUnavailable, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.store.fail(tc.keys, tc.ledger)
			defer e.store.fail(nil, nil)
			r := e.do(t, alice, signature.V3, http.MethodPost, rpc("GetBsnBySn", "sn", icpcheck.NewSN()), http.Header{"Accept-Language": {"en"}})
			wantError(t, r, tc.code, tc.status)
			if msg := r.str("Message"); strings.Contains(msg, "disk on fire") || strings.Contains(msg, "secret-path") {
				t.Fatalf("Message = %q leaks the cause", msg)
			}
			if tc.status == 500 {
				if r.str("Message") != i18n.T(i18n.EN, "error.internal") {
					t.Fatalf("Message = %q, want the generic text", r.str("Message"))
				}
				if logs := e.logs.String(); !strings.Contains(logs, "disk on fire") || !strings.Contains(logs, r.str("RequestId")) {
					t.Fatalf("the log lacks the cause or the request id:\n%s", logs)
				}
			}
		})
	}
}

func TestRequest_Logged(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, bob, signature.V1, http.MethodGet, rpc("GetBsnBySn", "sn", icpcheck.NewSN()), nil)
	wantError(t, r, bsnapi.CodeSNNotFound, 400)
	logs := e.logs.String()
	for _, want := range []string{`"msg":"bsn request"`, r.str("RequestId"), `"action":"GetBsnBySn"`, `"code":"406"`, `"account":"` + bob + `"`} {
		if !strings.Contains(logs, want) {
			t.Fatalf("the log lacks %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, e.keys[bob].Secret) {
		t.Fatal("the log holds a secret")
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
