package bsnapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/bsnapi"
	"github.com/icpcheck/icpcheck/policy"
	"github.com/icpcheck/icpcheck/signature"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// Accounts of every test: the provider's operator and two customers.
const (
	adminAccount = "1000000000000001"
	alice        = "1234567890123456"
	bob          = "2234567890123456"
)

// env is a running Filing Service API over a real SQLite store, seeded with the three
// accounts' keys and a few instances.
type env struct {
	store   *faultyStore
	handler http.Handler
	srv     *httptest.Server
	logs    *logBuffer
	keys    map[string]*icpcheck.AccessKey // by account
	skew    atomic.Int64                   // added to the server's clock, in seconds
}

// newEnv starts the API with the default policy and seeds it.
func newEnv(tb testing.TB) *env {
	tb.Helper()
	e := &env{logs: &logBuffer{}, keys: map[string]*icpcheck.AccessKey{}}
	p := policy.Default()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "icpcheck.db"), sqlstore.Options{
		Policy: p, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	e.store = &faultyStore{Store: db}
	verifier := &signature.Verifier{Keys: e.store, Now: func() time.Time {
		return time.Now().Add(time.Duration(e.skew.Load()) * time.Second)
	}}
	logger := slog.New(slog.NewJSONHandler(e.logs, nil))
	e.handler = bsnapi.New(e.store, bsnapi.Options{Policy: p, Verifier: verifier, Logger: logger})
	e.srv = httptest.NewServer(e.handler)
	tb.Cleanup(e.srv.Close)

	ctx := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	for account, role := range map[string]icpcheck.Role{adminAccount: icpcheck.RoleAdmin, alice: icpcheck.RoleCustomer, bob: icpcheck.RoleCustomer} {
		key, err := e.store.CreateAccessKey(ctx, account, role)
		if err != nil {
			tb.Fatal(err)
		}
		e.keys[account] = key
	}
	for _, in := range []*icpcheck.Instance{
		ecs("i-alice-1", alice),
		ecs("i-alice-2", alice),
		ecs("i-bob-1", bob),
		withoutIP(ecs("i-alice-noip", alice)),
		stopped(ecs("i-alice-stopped", alice)),
		sas("sas-alice-1", alice),
	} {
		if _, err := e.store.PutInstance(ctx, in); err != nil {
			tb.Fatalf("PutInstance %s: %v", in.ID, err)
		}
	}
	return e
}

// host is the server's host:port, the SDKs' endpoint.
func (e *env) host() string { u, _ := url.Parse(e.srv.URL); return u.Host }

// ecs returns a running, eligible ECS instance of owner, subscribed from a month ago for a
// year, with a public IP and bandwidth.
func ecs(id, owner string) *icpcheck.Instance {
	bw := 5.0
	return &icpcheck.Instance{
		ID: id, Product: "ecs", Owner: owner, Region: "cn-hangzhou",
		Status: icpcheck.StatusRunning, Billing: icpcheck.BillingSubscription,
		Orders: []icpcheck.Order{{
			Type: icpcheck.OrderNew, Start: time.Now().AddDate(0, -1, 0).Truncate(time.Second),
			Period: 1, Unit: icpcheck.UnitYear, AmountCNY: 999,
		}},
		PublicIPs:           []netip.Addr{netip.MustParseAddr("47.96.10.20")},
		PublicBandwidthMbps: &bw,
	}
}

// sas returns an eligible Simple Application Server instance: a product the default policy
// serves through REST only (no resource type).
func sas(id, owner string) *icpcheck.Instance {
	in := ecs(id, owner)
	in.Product, in.PublicBandwidthMbps = "simple_application_server", nil
	purchased := true
	in.ServerPurchased = &purchased
	return in
}

func withoutIP(in *icpcheck.Instance) *icpcheck.Instance { in.PublicIPs = nil; return in }

func stopped(in *icpcheck.Instance) *icpcheck.Instance { in.Status = icpcheck.StatusStopped; return in }

// issue issues n numbers to an instance through the store, as its owner.
func (e *env) issue(tb testing.TB, instance, owner string, n int) []string {
	tb.Helper()
	ctx := icpcheck.NewContextWithActor(context.Background(), icpcheck.Actor{Account: owner, Role: icpcheck.RoleCustomer, Via: "cli"})
	numbers, err := e.store.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: instance, Owner: owner, Num: n})
	if err != nil {
		tb.Fatalf("IssueNumbers: %v", err)
	}
	sns := make([]string, len(numbers))
	for i, num := range numbers {
		sns[i] = num.SN
	}
	return sns
}

// file binds sn in a filing of filer and takes it through review to filed with beianNum
// (or, with beianNum empty, leaves it bound).
func (e *env) file(tb testing.TB, sn, filer, beianNum string) {
	tb.Helper()
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	ctx := icpcheck.NewContextWithActor(context.Background(), icpcheck.Actor{Account: filer, Role: icpcheck.RoleCustomer, Via: "cli"})
	f, err := e.store.CreateFiling(ctx, icpcheck.FilingCreate{
		Type: icpcheck.FilingWebsite, Filer: filer, SN: sn, Domains: []string{"site-" + sn[:8] + ".example.cn"},
		Access: icpcheck.AccessInfo{Provider: "alibaba", Method: "cloud_server", Region: "cn-hangzhou",
			IPs: []netip.Addr{netip.MustParseAddr("47.96.10.20")}},
	})
	if err != nil {
		tb.Fatalf("CreateFiling: %v", err)
	}
	if beianNum == "" {
		return
	}
	if _, err := e.store.SubmitFiling(ctx, f.ID); err != nil {
		tb.Fatalf("SubmitFiling: %v", err)
	}
	if _, err := e.store.ApproveFiling(admin, f.ID, beianNum); err != nil {
		tb.Fatalf("ApproveFiling: %v", err)
	}
}

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	body   map[string]any
}

func (r *reply) str(name string) string { s, _ := r.body[name].(string); return s }

// do sends params, signed by account's key with scheme, as method (GET: query; POST: form
// body), with extra headers.
func (e *env) do(tb testing.TB, account string, scheme signature.Version, method string, params url.Values, header http.Header) *reply {
	tb.Helper()
	key := e.keys[account]
	var body []byte
	var r *http.Request
	switch scheme {
	case signature.V1:
		signature.SignV1(params, method, key.ID, key.Secret, time.Now(), icpcheck.NewSN())
		r = e.request(tb, method, params, header)
		if method == http.MethodPost {
			body = []byte(params.Encode())
		}
	case signature.V3:
		r = e.request(tb, method, params, header)
		if method == http.MethodPost {
			body = []byte(params.Encode())
		}
		signature.SignV3(r, body, key.ID, key.Secret, time.Now(), icpcheck.NewSN())
	default:
		r = e.request(tb, method, params, header)
	}
	return e.send(tb, r)
}

// request builds an unsigned request carrying params.
func (e *env) request(tb testing.TB, method string, params url.Values, header http.Header) *http.Request {
	tb.Helper()
	var r *http.Request
	var err error
	if method == http.MethodPost {
		r, err = http.NewRequest(method, e.srv.URL+"/", strings.NewReader(params.Encode()))
		if err == nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		r, err = http.NewRequest(method, e.srv.URL+"/?"+params.Encode(), nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	for name, values := range header {
		r.Header[name] = values
	}
	return r
}

// send sends r and decodes the JSON reply, failing the test on anything but JSON.
func (e *env) send(tb testing.TB, r *http.Request) *reply {
	tb.Helper()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out := &reply{status: res.StatusCode, header: res.Header, body: map[string]any{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&out.body); err != nil {
		tb.Fatalf("reply %d is not JSON: %q", res.StatusCode, data)
	}
	return out
}

// wantError fails unless the reply is an error with code and status, in the published shape.
func wantError(tb testing.TB, r *reply, code string, status int) {
	tb.Helper()
	if r.status != status || r.str("Code") != code {
		tb.Fatalf("reply = %d %s (%s), want %d %s", r.status, r.str("Code"), r.str("Message"), status, code)
	}
	for _, field := range []string{"RequestId", "HostId", "Message"} {
		if r.str(field) == "" {
			tb.Fatalf("error reply lacks %s: %v", field, r.body)
		}
	}
	for _, prefix := range []string{"bsn.", "gateway.", "error."} {
		if strings.HasPrefix(r.str("Message"), prefix) {
			// i18n.T answers a key it lacks with the key itself.
			tb.Fatalf("Message is the bare catalog key %q: its text is missing", r.str("Message"))
		}
	}
	if r.header.Get("x-acs-request-id") != r.str("RequestId") || !icpcheck.ValidSN(r.str("RequestId")) {
		tb.Fatalf("RequestId %q, header %q", r.str("RequestId"), r.header.Get("x-acs-request-id"))
	}
}

// rpc returns the parameters of one call of action, with the Version given.
func rpc(action string, kv ...string) url.Values {
	v := url.Values{"Action": {action}, "Version": {bsnapi.APIVersion}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// logBuffer is the log the server writes to from its goroutines and a test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
