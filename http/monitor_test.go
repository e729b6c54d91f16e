package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/advice"
	"github.com/icpcheck/icpcheck/dns"
	"github.com/icpcheck/icpcheck/dns/dnstest"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/monitor"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
)

// mustOpenMonitorEnv is mustOpenEnv with the monitors running over the store and a loopback
// DNS zone.
func mustOpenMonitorEnv(t *testing.T, o opener) (*env, *dnstest.Zone) {
	t.Helper()
	zone := dnstest.NewZone()
	srv, err := dnstest.Start(zone)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r, err := dns.New(dns.Config{Server: srv.Addr, Timeout: 300 * time.Millisecond, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	lazy := &lazyFindings{ready: make(chan struct{})}
	clock := &lazyClock{lazy: lazy}
	e := mustOpenEnvWith(t, o, func(s *icphttp.Server) {
		s.Monitor = &monitor.Runner{Store: lazy, Policy: s.Policy, Resolver: r, Now: clock.Now}
	})
	lazy.db, lazy.now = e.DB, e.Clock.Now
	close(lazy.ready)
	return e, zone
}

// lazyFindings is the env's store as a FindingService, for a Runner made before the env's
// store exists: its calls wait until the store is handed in.
type lazyFindings struct {
	ready chan struct{}
	db    *sqlstore.DB
	now   func() time.Time
}

func (l *lazyFindings) store() *sqlstore.DB { <-l.ready; return l.db }

func (l *lazyFindings) FindMonitorInput(ctx context.Context, m string) (*icpcheck.MonitorInput, error) {
	return l.store().FindMonitorInput(ctx, m)
}

func (l *lazyFindings) ReconcileFindings(ctx context.Context, run icpcheck.FindingRun) (*icpcheck.ReconcileResult, error) {
	return l.store().ReconcileFindings(ctx, run)
}

func (l *lazyFindings) FindFindings(ctx context.Context, f icpcheck.FindingFilter) ([]*icpcheck.Finding, int, error) {
	return l.store().FindFindings(ctx, f)
}

func (l *lazyFindings) ClaimFindingEvents(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*icpcheck.FindingEvent, error) {
	return l.store().ClaimFindingEvents(ctx, now, limit, lease)
}

func (l *lazyFindings) MarkFindingEventSent(ctx context.Context, id int64, at time.Time) error {
	return l.store().MarkFindingEventSent(ctx, id, at)
}

func (l *lazyFindings) MarkFindingEventFailed(ctx context.Context, id int64, next time.Time, reason string) error {
	return l.store().MarkFindingEventFailed(ctx, id, next, reason)
}

type lazyClock struct{ lazy *lazyFindings }

func (c *lazyClock) Now() time.Time { <-c.lazy.ready; return c.lazy.now() }

func TestMonitorRoutes(t *testing.T) {
	for _, o := range stores(t) {
		t.Run(o.name, func(t *testing.T) {
			e, zone := mustOpenMonitorEnv(t, o)
			// Alice files www.example.com on i-1 through the API.
			e.mustPut(t, storetest.ECS("i-1", alice))
			f, err := e.Alice.CreateFiling(t.Context(), icpcheck.FilingCreate{Type: icpcheck.FilingWebsite, InstanceID: "i-1",
				Domains: []string{"www.example.com", "shop.example.com"}, Access: storetest.Access()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Alice.SubmitFiling(t.Context(), f.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Admin.ApproveFiling(t.Context(), f.ID, "浙ICP备12345678号-1"); err != nil {
				t.Fatal(err)
			}
			zone.SetAddrs("www.example.com", "47.96.10.20")

			// Only an admin runs monitors.
			_, err = e.Alice.RunMonitor(t.Context(), icpcheck.MonitorAccess, time.Time{})
			wantCode(t, err, icpcheck.EFORBIDDEN)
			rep, err := e.Admin.RunMonitor(t.Context(), icpcheck.MonitorAccess, storetest.Start.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Checked != 2 || rep.Result.Opened != 1 || len(rep.Findings) != 1 ||
				rep.Findings[0].Kind != icpcheck.FindingDNSUnresolved || rep.Findings[0].Reason != icpcheck.DNSNXDomain {
				t.Fatalf("report %+v", rep)
			}

			// Alice sees her finding; Bob sees none.
			fs, total, err := e.Alice.FindFindings(t.Context(), icpcheck.FindingFilter{})
			if err != nil || total != 1 || fs[0].Domain != "shop.example.com" {
				t.Fatalf("alice's findings %v (total %d): %v", fs, total, err)
			}
			if fs, total, err := e.Bob.FindFindings(t.Context(), icpcheck.FindingFilter{}); err != nil || total != 0 || len(fs) != 0 {
				t.Fatalf("bob sees %d findings: %v", total, err)
			}

			// Fixed: the finding resolves and shows only with all.
			zone.SetAddrs("shop.example.com", "47.96.10.20")
			if rep, err = e.Admin.RunMonitor(t.Context(), icpcheck.MonitorAccess, storetest.Start.Add(2*time.Hour)); err != nil || rep.Result.Resolved != 1 {
				t.Fatalf("second run %+v: %v", rep, err)
			}
			fs, _, err = e.Admin.FindFindings(t.Context(), icpcheck.FindingFilter{All: true, Monitor: icpcheck.MonitorAccess})
			if err != nil || len(fs) != 1 || fs[0].Resolution != icpcheck.ResolvedFixed {
				t.Fatalf("all findings %v: %v", fs, err)
			}

			// The expiry monitor runs too: a year from the start, i-1 has expired.
			rep, err = e.Admin.RunMonitor(t.Context(), icpcheck.MonitorExpiry, storetest.Start.AddDate(1, 0, 0))
			if err != nil || len(rep.Findings) != 1 || rep.Findings[0].Kind != icpcheck.FindingExpired || rep.Findings[0].Filings[0] != f.ID {
				t.Fatalf("expiry report %+v: %v", rep, err)
			}
		})
	}
}

func TestMonitorRoutesBadInput(t *testing.T) {
	e, _ := mustOpenMonitorEnv(t, stores(t)[0])
	for _, tc := range []struct {
		method, path string
		body         string
		status       int
		code         string
	}{
		{"GET", "/v1/findings?monitor=disk", "", http.StatusBadRequest, "bad_enum"},
		{"GET", "/v1/findings?kind=exploded", "", http.StatusBadRequest, "bad_enum"},
		{"GET", "/v1/findings?all=yes", "", http.StatusBadRequest, "bad_enum"},
		{"GET", "/v1/findings?owner=abc", "", http.StatusBadRequest, "bad_account"},
		{"GET", "/v1/findings?limit=0", "", http.StatusBadRequest, "bad_range"},
		{"GET", "/v1/findings?colour=red", "", http.StatusBadRequest, "unknown_param"},
		{"POST", "/v1/monitors/disk/run", "", http.StatusNotFound, "monitor_not_found"},
		{"POST", "/v1/monitors/expiry/run?at=yesterday", "", http.StatusBadRequest, "bad_time"},
		{"POST", "/v1/advice", "", http.StatusBadRequest, "body_required"},
		{"POST", "/v1/advice", `{"domain":"example.com"}`, http.StatusBadRequest, "required"},
		{"POST", "/v1/advice", `{"domain":"example.com","service":"cdn","origin":"self_managed"}`, http.StatusBadRequest, "required"},
		{"POST", "/v1/advice", `{"domain":"not a domain","service":"oss"}`, http.StatusBadRequest, "advice_bad_domain"},
		{"POST", "/v1/advice", `{"domain":"example.com","service":"oss","colour":1}`, http.StatusBadRequest, "unknown_field"},
		{"POST", "/v1/advice", `[1,2]`, http.StatusBadRequest, ""},
	} {
		status, body := e.do(t, e.AdminKey, tc.method, tc.path, []byte(tc.body))
		if status != tc.status || (tc.code != "" && errorCode(t, body) != tc.code) {
			t.Errorf("%s %s %s: %d %s, want %d %s", tc.method, tc.path, tc.body, status, body, tc.status, tc.code)
		}
	}
}

func TestAdviceRoute(t *testing.T) {
	e, _ := mustOpenMonitorEnv(t, stores(t)[0])
	a, err := e.Alice.Advise(t.Context(), advice.Request{Domain: "www.example.com", Service: advice.ServiceCDN,
		CDNArea: advice.AreaGlobal, Origin: advice.OriginThisProvider})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Items) != 2 || a.Items[1].Code != advice.RuleOriginThisProvider || a.Items[1].Verdict != advice.OriginUnreachable || a.Items[1].Text.ZH == "" {
		t.Fatalf("advice %+v", a)
	}
	// The wire form is the documented one.
	status, body := e.do(t, e.AliceKey, "POST", "/v1/advice", []byte(`{"domain":"static.example.com","service":"oss","provider_listed":true}`))
	var doc struct {
		Items []struct {
			Code    string            `json:"code"`
			Verdict string            `json:"verdict"`
			Text    map[string]string `json:"text"`
		} `json:"items"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &doc) != nil || len(doc.Items) != 1 ||
		doc.Items[0].Code != "oss_filing" || doc.Items[0].Verdict != "not_needed" || doc.Items[0].Text["en"] == "" {
		t.Fatalf("%d %s", status, body)
	}
}

// TestMonitorUnavailable is a server without monitoring: listing and running say so.
func TestMonitorUnavailable(t *testing.T) {
	e := mustOpenEnv(t, stores(t)[0])
	_, _, err := e.Admin.FindFindings(t.Context(), icpcheck.FindingFilter{})
	if icpcheck.ErrorReason(err) != "monitor_unavailable" {
		t.Fatalf("err=%v, want monitor_unavailable", err)
	}
	_, err = e.Admin.RunMonitor(t.Context(), icpcheck.MonitorExpiry, time.Time{})
	if icpcheck.ErrorReason(err) != "monitor_unavailable" {
		t.Fatalf("err=%v, want monitor_unavailable", err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if icpcheck.ErrorCode(err) != code {
		t.Fatalf("err=%v (code %s), want %s", err, icpcheck.ErrorCode(err), code)
	}
}
