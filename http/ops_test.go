package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/storetest"
)

// faultyStore makes some calls of a real store fail or wait, to see how the server answers.
type faultyStore struct {
	icpcheck.Store
	pingErr  atomic.Pointer[error]
	findErr  error         // FindInstance fails with it
	entered  chan struct{} // FindInstance signals here, then waits for release
	release  chan struct{}
	finished atomic.Bool
}

func (s *faultyStore) Ping(ctx context.Context) error {
	if err := s.pingErr.Load(); err != nil {
		return *err
	}
	return s.Store.Ping(ctx)
}

func (s *faultyStore) FindInstance(ctx context.Context, id string) (*icpcheck.InstanceRecord, error) {
	if s.entered != nil {
		s.entered <- struct{}{}
		<-s.release
		defer s.finished.Store(true)
	}
	if s.findErr != nil {
		return nil, s.findErr
	}
	return s.Store.FindInstance(ctx, id)
}

func TestHealth(t *testing.T) {
	var fs *faultyStore
	e := mustOpenEnvWith(t, opener{"sqlite", openSQLite}, func(s *icphttp.Server) {
		fs = &faultyStore{Store: s.Store}
		s.Store = fs
	})
	if status, body := e.do(t, nil, "GET", "/healthz", nil); status != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("healthz: %d %s", status, body)
	}
	if status, body := e.do(t, nil, "GET", "/readyz", nil); status != 200 {
		t.Fatalf("readyz: %d %s", status, body)
	}
	down := error(&icpcheck.Error{Code: icpcheck.EUNAVAILABLE, Reason: "unavailable", Err: errors.New("dial tcp: connection refused")})
	fs.pingErr.Store(&down)
	status, body := e.do(t, nil, "GET", "/readyz", nil)
	if status != 503 || errorCode(t, body) != "unavailable" || strings.Contains(string(body), "refused") {
		t.Fatalf("readyz with the database down: %d %s", status, body)
	}
	err := e.Alice.Ping(context.Background())
	storetest.WantError(t, err, icpcheck.EUNAVAILABLE, "unavailable")
	if status, _ := e.do(t, nil, "GET", "/healthz", nil); status != 200 {
		t.Fatalf("healthz with the database down: %d", status)
	}
}

// TestInternalError holds that a failure that is not an *icpcheck.Error is a 500 with the
// generic message, its text only in the log, with the request id that the answer carries.
func TestInternalError(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"Raw", errors.New("pq: relation \"secret_table\" does not exist"), 500, "internal"},
		{"Internal", icpcheck.Internal("sqlstore.find", errors.New("secret_table is corrupt")), 500, "internal"},
		{"Unavailable", &icpcheck.Error{Code: icpcheck.EUNAVAILABLE, Reason: "unavailable", Err: errors.New("secret_table: connection refused")}, 503, "unavailable"},
		{"UnknownCode", &icpcheck.Error{Code: "EWEIRD", Reason: "secret_table"}, 500, "internal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := mustOpenEnvWith(t, opener{"sqlite", openSQLite}, func(s *icphttp.Server) {
				s.Store = &faultyStore{Store: s.Store, findErr: tt.err}
			})
			status, body := e.do(t, e.AliceKey, "GET", "/v1/instances/i-1", nil)
			doc := errorDoc(t, body)
			if status != tt.status || doc.Error.Code != tt.code || strings.Contains(string(body), "secret_table") {
				t.Fatalf("status %d %s, want %d %s without internals", status, body, tt.status, tt.code)
			}
			if tt.status == 500 && !strings.Contains(e.Logs.String(), doc.RequestID) {
				t.Fatalf("the log lacks request %s:\n%s", doc.RequestID, e.Logs.String())
			}
			_, err := e.Alice.FindInstance(context.Background(), "i-1")
			if icpcheck.ErrorCode(err) != errorKind(t, body) {
				t.Fatalf("client: %v, want code %s", err, errorKind(t, body))
			}
		})
	}
}

// TestMetricsAndLogs holds that requests are counted by route pattern and status, numbers
// issued and refusals by reason, and that each request has an access log line.
func TestMetricsAndLogs(t *testing.T) {
	e := mustOpenEnv(t, opener{"sqlite", openSQLite})
	ctx := context.Background()
	e.mustPut(t, storetest.ECS("i-m", alice))
	if _, err := e.Alice.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: "i-m", Owner: alice, Num: 5}); err != nil {
		t.Fatal(err)
	}
	_, err := e.Alice.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: "i-m", Owner: alice, Num: 1})
	storetest.WantError(t, err, icpcheck.ECONFLICT, "quota_exceeded")
	e.Bob.FindInstance(ctx, "i-m")

	status, body := e.do(t, nil, "GET", "/metrics", nil)
	if status != 200 {
		t.Fatalf("metrics: %d", status)
	}
	text := string(body)
	for _, want := range []string{
		`icpcheck_http_requests_total{method="POST",route="POST /v1/instances/{id}/numbers",status="201"} 1`,
		`icpcheck_http_requests_total{method="POST",route="POST /v1/instances/{id}/numbers",status="409"} 1`,
		`icpcheck_http_requests_total{method="GET",route="GET /v1/instances/{id}",status="404"} 1`,
		`icpcheck_numbers_issued_total 5`,
		`icpcheck_refusals_total{op="IssueNumbers",reason="quota_exceeded"} 1`,
		`icpcheck_refusals_total{op="FindInstance",reason="instance_not_found"} 1`,
		`icpcheck_http_request_duration_seconds_bucket{route="POST /v1/instances/{id}/numbers",le="+Inf"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	var found bool
	for _, line := range strings.Split(e.Logs.String(), "\n") {
		var raw map[string]any
		if json.Unmarshal([]byte(line), &raw) != nil || raw["msg"] != "request" {
			continue
		}
		if raw["route"] == "POST /v1/instances/{id}/numbers" && raw["status"] == float64(409) &&
			raw["actor"] == "customer:"+alice && raw["request_id"] != "" && raw["duration"] != nil {
			found = true
		}
	}
	if !found {
		t.Fatalf("no access log line for the refused issue:\n%s", e.Logs.String())
	}
}

// TestRoot holds the dispatch of /: requests with an Action go to the Filing Service API
// with their body intact, others are redirected to the console.
func TestRoot(t *testing.T) {
	var got atomic.Value
	e := mustOpenEnvWith(t, opener{"sqlite", openSQLite}, func(s *icphttp.Server) {
		s.BSN = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			got.Store(r.Method + " " + r.URL.RawQuery + " " + string(body))
			w.Write([]byte(`{"requestId":"x"}`))
		})
		s.Console = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("console " + r.URL.Path)) })
	})
	for _, tt := range []struct {
		name, method, path, body, ctype, action, want string
	}{
		{"Query", "GET", "/?Action=GetBsnBySn&sn=1", "", "", "", "GET Action=GetBsnBySn&sn=1 "},
		{"Form", "POST", "/", "Action=ProductBindBsn&num=2", "application/x-www-form-urlencoded", "", "POST  Action=ProductBindBsn&num=2"},
		{"Header", "POST", "/", "resourceId=i-1", "application/x-www-form-urlencoded", "GrantBsnCode", "POST  resourceId=i-1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got.Store("")
			req := e.request(t, tt.method, tt.path, tt.body)
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.action != "" {
				req.Header.Set("x-acs-action", tt.action)
			}
			if status, body := send(t, req); status != 200 || got.Load() != tt.want {
				t.Fatalf("status %d %s; the API saw %q, want %q", status, body, got.Load(), tt.want)
			}
		})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(e.Server.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("GET /: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, body := e.do(t, nil, "GET", "/console/instances", nil); status != 200 || string(body) != "console /console/instances" {
		t.Fatalf("console: %d %s", status, body)
	}
	if status, _ := e.do(t, nil, "GET", "/favicon.ico", nil); status != 404 {
		t.Fatalf("unknown path: %d", status)
	}
	status, body := e.do(t, nil, "POST", "/", []byte(`{"x":1}`))
	if status != 404 || errorCode(t, body) != "route_not_found" {
		t.Fatalf("POST / without an Action: %d %s", status, body)
	}
}

// TestGracefulClose holds that Close lets a request in flight finish and answer.
func TestGracefulClose(t *testing.T) {
	fs := &faultyStore{entered: make(chan struct{}), release: make(chan struct{})}
	e := mustOpenEnvWith(t, opener{"sqlite", openSQLite}, func(s *icphttp.Server) {
		fs.Store = s.Store
		s.Store = fs
	})
	e.mustPut(t, storetest.ECS("i-slow", alice))
	type answer struct {
		rec *icpcheck.InstanceRecord
		err error
	}
	answers := make(chan answer)
	go func() {
		rec, err := e.Alice.FindInstance(context.Background(), "i-slow")
		answers <- answer{rec, err}
	}()
	<-fs.entered // the request is in the store now
	closed := make(chan error)
	go func() { closed <- e.Server.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a request was in flight", err)
	case a := <-answers:
		t.Fatalf("the request answered (%v) before it was released", a.err)
	case <-time.After(100 * time.Millisecond):
		// Close is waiting for the request, as it should. The wait only gives Close the
		// chance to misbehave; the test passes or fails on what happens next, not on time.
	}
	close(fs.release)
	a := <-answers
	if a.err != nil || a.rec.Instance.ID != "i-slow" || !fs.finished.Load() {
		t.Fatalf("the request in flight: %v", a.err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := http.Get(e.Server.URL() + "/healthz"); err == nil {
		t.Fatal("the server still accepts connections after Close")
	}
}

// panicStore panics in FindInstance, as a bug would.
type panicStore struct{ icpcheck.Store }

func (panicStore) FindInstance(context.Context, string) (*icpcheck.InstanceRecord, error) {
	panic("secret_table: nil map")
}

// TestPanic holds that a panic in a handler is a 500 with the generic message, logged with
// its stack, and that the server goes on serving.
func TestPanic(t *testing.T) {
	e := mustOpenEnvWith(t, opener{"sqlite", openSQLite}, func(s *icphttp.Server) {
		s.Store = panicStore{s.Store}
	})
	status, body := e.do(t, e.AliceKey, "GET", "/v1/instances/i-1", nil)
	if status != 500 || errorCode(t, body) != "internal" || strings.Contains(string(body), "secret_table") {
		t.Fatalf("status %d %s", status, body)
	}
	if logs := e.Logs.String(); !strings.Contains(logs, "secret_table: nil map") || !strings.Contains(logs, errorDoc(t, body).RequestID) {
		t.Fatalf("the panic is not logged with the request id:\n%s", logs)
	}
	if status, _ := e.do(t, e.AliceKey, "GET", "/v1/me", nil); status != 200 {
		t.Fatalf("after the panic: %d", status)
	}
}
