package metrics_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/metrics"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
)

// TestStore holds the decorator to what the store did: numbers issued through either path,
// refusals by reason, and failures apart from refusals.
func TestStore(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "icpcheck.db"), sqlstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := metrics.New()
	store := m.Store(db)
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	const owner = "1111111111111111"
	if _, err := store.PutInstance(admin, storetest.ECS("i-1", owner)); err != nil {
		t.Fatal(err)
	}
	customer := storetest.Customer(owner)
	if _, err := store.IssueNumbers(customer, icpcheck.IssueRequest{InstanceID: "i-1", Owner: owner, Num: 3}); err != nil {
		t.Fatal(err)
	}
	_, err = store.IssueNumbers(customer, icpcheck.IssueRequest{InstanceID: "i-1", Owner: owner, Num: 3})
	storetest.WantError(t, err, icpcheck.ECONFLICT, "quota_exceeded")
	_, err = store.CreateFiling(customer, icpcheck.FilingCreate{Type: icpcheck.FilingApp, Filer: owner, InstanceID: "i-1", AppName: "app", Access: storetest.Access()})
	storetest.NoError(t, err)
	_, err = store.FindInstance(customer, "i-none")
	storetest.WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
	// A batch's refusals are counted one by one, by reason.
	res, err := store.PutInstances(admin, []*icpcheck.Instance{storetest.ECS("i-1", "2222222222222222"), storetest.ECS("i-2", "x"), storetest.ECS("i-3", owner)})
	storetest.NoError(t, err)
	if res[2].Action != icpcheck.PutCreated {
		t.Fatalf("batch results %+v", res)
	}
	ctx, cancel := context.WithCancel(admin)
	cancel()
	store.FindInstances(ctx, icpcheck.InstanceFilter{}) // a cancelled call fails without being a refusal

	end := m.Begin()
	end("GET /v1/instances/{id}", "GET", 404, 3*time.Millisecond)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	for _, want := range []string{
		"icpcheck_numbers_issued_total 4",
		`icpcheck_refusals_total{op="IssueNumbers",reason="quota_exceeded"} 1`,
		`icpcheck_refusals_total{op="FindInstance",reason="instance_not_found"} 1`,
		`icpcheck_store_duration_seconds_count{op="IssueNumbers"} 2`,
		`icpcheck_refusals_total{op="PutInstances",reason="owner_change"} 1`,
		`icpcheck_refusals_total{op="PutInstances",reason="bad_account"} 1`,
		`icpcheck_store_duration_seconds_count{op="PutInstances"} 1`,
		`icpcheck_http_requests_total{method="GET",route="GET /v1/instances/{id}",status="404"} 1`,
		"icpcheck_http_requests_in_flight 0",
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, `icpcheck_refusals_total{op="FindInstances"`) {
		t.Error("a cancelled call is counted as a refusal")
	}
}
