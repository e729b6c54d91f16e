package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/storetest"
)

// TestPutInstances puts batches through the client and the REST import, and holds each result
// to what the store says when called directly.
func TestPutInstances(t *testing.T) {
	for _, o := range stores(t) {
		t.Run(o.name, func(t *testing.T) { testPutInstances(t, o) })
	}
}

func testPutInstances(t *testing.T, o opener) {
	e := mustOpenEnv(t, o)
	ctx := context.Background()
	e.mustPut(t, storetest.ECS("i-owned", alice), storetest.ECS("i-same", alice))
	if _, err := e.DB.IssueNumbers(e.admin, icpcheck.IssueRequest{InstanceID: "i-owned", Num: 1}); err != nil {
		t.Fatal(err)
	}

	t.Run("Client", func(t *testing.T) {
		moved := storetest.ECS("i-owned", bob)
		again := storetest.ECS("i-new", bob)
		again.Region = "cn-beijing"
		res, err := e.Admin.PutInstances(ctx, []*icpcheck.Instance{
			storetest.ECS("i-new", bob), nil, storetest.ECS("i-same", alice), moved, storetest.ECS("i-bad", "x"), again,
		})
		storetest.NoError(t, err)
		want := []struct {
			action icpcheck.PutAction
			reason string
		}{{icpcheck.PutCreated, ""}, {"", "required"}, {icpcheck.PutUnchanged, ""}, {"", "owner_change"}, {"", "bad_account"}, {icpcheck.PutUpdated, ""}}
		if len(res) != len(want) {
			t.Fatalf("%d results", len(res))
		}
		for i, w := range want {
			if res[i].Action != w.action || icpcheck.ErrorReason(res[i].Err) != w.reason {
				t.Errorf("result %d: %q %v, want %q %q", i, res[i].Action, res[i].Err, w.action, w.reason)
			}
		}
		sameError(t, res[3].Err, func() error { _, err := e.DB.PutInstance(e.admin, moved); return err })
		if rec, err := e.DB.FindInstance(e.admin, "i-new"); err != nil || rec.Instance.Region != "cn-beijing" {
			t.Fatalf("i-new: %v %v", rec, err)
		}

		_, err = e.Alice.PutInstances(ctx, []*icpcheck.Instance{storetest.ECS("i-alice", alice)})
		storetest.WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		_, err = e.Admin.PutInstances(ctx, make([]*icpcheck.Instance, icpcheck.MaxPutBatch+1))
		storetest.WantError(t, err, icpcheck.EINVALID, "batch_too_large")
		res, err = e.Admin.PutInstances(ctx, nil)
		if err != nil || len(res) != 0 {
			t.Fatalf("empty batch: %v %v", res, err)
		}
	})

	// The REST import takes more than one store batch: the answer covers them all, in order.
	t.Run("Import", func(t *testing.T) {
		n := icpcheck.MaxPutBatch + 5
		items := make([]string, n)
		for i := range items {
			b, _ := json.Marshal(storetest.ECS(fmt.Sprintf("r-%04d", i), bob))
			items[i] = string(b)
		}
		items[n-1] = `{"id":"r-bad"}`
		status, body := e.do(t, e.AdminKey, http.MethodPost, "/v1/instances", []byte("["+strings.Join(items, ",")+"]"))
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		var imp icphttp.Import
		if err := json.Unmarshal(body, &imp); err != nil {
			t.Fatal(err)
		}
		if imp.Created != n-1 || imp.Refused != 1 || len(imp.Results) != n {
			t.Fatalf("created %d, refused %d, %d results", imp.Created, imp.Refused, len(imp.Results))
		}
		for i, r := range imp.Results {
			if r.Index != i || (i < n-1 && (r.ID != fmt.Sprintf("r-%04d", i) || r.Action != icpcheck.PutCreated)) {
				t.Fatalf("result %d: %+v", i, r)
			}
		}
		if r := imp.Results[n-1]; r.Error == nil || r.Error.Kind != icpcheck.EINVALID {
			t.Fatalf("the bad instance: %+v", r)
		}
	})
	storetest.CheckInvariants(t, e.admin, e.DB)
}
