package monitor_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/monitor"
)

// receiver is a webhook endpoint that refuses the first failFirst requests with 503 and
// records the rest, checking each signature.
type receiver struct {
	t         *testing.T
	secret    []byte
	failFirst int

	mu        sync.Mutex
	requests  int
	delivered map[string]monitor.Payload // by delivery id
	dupes     int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("read body: %v", err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if !monitor.Verify(rc.secret, body, r.Header.Get(monitor.HeaderSignature)) {
		rc.t.Errorf("request %d: bad signature %q", rc.requests, r.Header.Get(monitor.HeaderSignature))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var p monitor.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("request %d: %v", rc.requests, err)
	}
	if ts := r.Header.Get(monitor.HeaderTimestamp); ts != strconv.FormatInt(p.SentAt.Unix(), 10) {
		rc.t.Errorf("timestamp header %s, body sent_at %v", ts, p.SentAt)
	}
	if r.Header.Get(monitor.HeaderEvent) != p.Event || r.Header.Get(monitor.HeaderDelivery) != strconv.FormatInt(p.ID, 10) {
		rc.t.Errorf("headers %v disagree with the body", r.Header)
	}
	if rc.requests <= rc.failFirst {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	id := r.Header.Get(monitor.HeaderDelivery)
	if _, seen := rc.delivered[id]; seen {
		rc.dupes++
	}
	rc.delivered[id] = p
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhook(t *testing.T) {
	c := &clock{t: mustTime(t, "2026-05-01T00:00:00+08:00")}
	db := mustOpenStore(t, c)
	secret := []byte("s3cret")
	rc := &receiver{t: t, secret: secret, failFirst: 3, delivered: map[string]monitor.Payload{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)

	inst := newInstance(t, "i-1", 3)
	_, err := db.ReconcileFindings(admin, icpcheck.FindingRun{
		Monitor: icpcheck.MonitorExpiry, At: c.Now(), Started: c.Now(),
		Findings: []*icpcheck.Finding{
			{Key: "expiry/expired/i-1", Monitor: "expiry", Kind: "expired", Scope: icpcheck.InstanceScope("i-1"), Owner: inst.Owner, InstanceID: "i-1", Filings: []string{"f-1"}},
			{Key: "expiry/expired/i-2", Monitor: "expiry", Kind: "expired", Scope: icpcheck.InstanceScope("i-2"), Owner: inst.Owner, InstanceID: "i-2"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wh := &monitor.Webhook{URL: srv.URL, Secret: secret, Store: db, Now: c.Now, BaseBackoff: time.Second, MaxBackoff: 4 * time.Second}

	flush := func(wantSent, wantFailed int) {
		t.Helper()
		sent, failed, err := wh.Flush(admin)
		if err != nil || sent != wantSent || failed != wantFailed {
			t.Fatalf("Flush: sent %d failed %d err %v, want %d %d", sent, failed, err, wantSent, wantFailed)
		}
	}
	flush(0, 2) // requests 1 and 2 refused
	flush(0, 0) // nothing due before the backoff
	c.Advance(time.Second)
	flush(1, 1) // request 3 refused, 4 accepted
	c.Advance(time.Second)
	flush(0, 0) // the second failure of that event doubled its wait
	c.Advance(time.Second)
	flush(1, 0)
	c.Advance(time.Hour)
	flush(0, 0) // each event is sent once

	if rc.requests != 5 || len(rc.delivered) != 2 || rc.dupes != 0 {
		t.Fatalf("receiver saw %d requests, %d deliveries, %d duplicates; want 5, 2, 0", rc.requests, len(rc.delivered), rc.dupes)
	}
	for _, p := range rc.delivered {
		if p.Event != icpcheck.FindingOpened || p.Finding == nil || p.Message.ZH == "" || p.Message.EN == "" || p.Remedy.EN == "" {
			t.Errorf("payload %+v", p)
		}
	}

	// Resolving a finding sends one more event.
	_, err = db.ReconcileFindings(admin, icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: c.Now(), Started: c.Now(),
		Findings: []*icpcheck.Finding{{Key: "expiry/expired/i-1", Monitor: "expiry", Kind: "expired", Scope: icpcheck.InstanceScope("i-1"), Owner: inst.Owner, InstanceID: "i-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	flush(1, 0)
	var resolved *monitor.Payload
	for _, p := range rc.delivered {
		if p.Event == icpcheck.FindingResolved {
			resolved = &p
		}
	}
	if resolved == nil || resolved.Finding.Key != "expiry/expired/i-2" || resolved.Finding.Resolution != icpcheck.ResolvedFixed {
		t.Fatalf("resolved delivery %+v", resolved)
	}
}

func TestWebhookSignature(t *testing.T) {
	body := []byte(`{"id":1}`)
	sig := monitor.Sign([]byte("a"), body)
	if !monitor.Verify([]byte("a"), body, sig) {
		t.Fatal("own signature refused")
	}
	for _, bad := range []struct{ secret, body, sig string }{
		{"b", `{"id":1}`, sig},
		{"a", `{"id":2}`, sig},
		{"a", `{"id":1}`, ""},
		{"a", `{"id":1}`, sig[7:]},
	} {
		if monitor.Verify([]byte(bad.secret), []byte(bad.body), bad.sig) {
			t.Errorf("Verify(%q, %q, %q) accepted", bad.secret, bad.body, bad.sig)
		}
	}
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231-style
	// known answer.
	if got := monitor.Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog")); got != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Fatalf("Sign=%s", got)
	}
}

func TestWebhookURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x/", "http://", "/hook", "://bad"} {
		if err := monitor.ValidateWebhookURL(u); icpcheck.ErrorReason(err) != "webhook_url" {
			t.Errorf("%q: err=%v, want webhook_url", u, err)
		}
	}
	if err := monitor.ValidateWebhookURL("https://hooks.example.com/icp"); err != nil {
		t.Error(err)
	}
}
