package http_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/policy"
	"github.com/icpcheck/icpcheck/signature"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
)

// TestThreeServers runs three servers, each with a connection pool of its own, on one
// PostgreSQL database, and 64 clients issuing one number each for one instance at once
// through them: exactly the quota is issued, and every other call is refused with 409
// quota_exceeded.
func TestThreeServers(t *testing.T) {
	dsn := newSchema(t)
	clock := storetest.NewClock(storetest.Start)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := sqlstore.Options{Now: clock.Now, Logger: quiet}

	var dbs []*sqlstore.DB
	var servers []*icphttp.Server
	for i := 0; i < 3; i++ {
		db := openPostgres(t, dsn, opts)
		s := icphttp.NewServer()
		s.Addr = "127.0.0.1:0"
		s.Store = db
		s.Policy = policy.Default()
		s.Auth = &signature.Verifier{Keys: db}
		s.Logger = quiet
		s.Now = clock.Now
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		dbs = append(dbs, db)
		servers = append(servers, s)
	}
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	key, err := dbs[0].CreateAccessKey(admin, alice, icpcheck.RoleCustomer)
	storetest.NoError(t, err)
	in := storetest.ECS("i-contended", alice)
	if _, err := dbs[1].PutInstance(admin, in); err != nil {
		t.Fatal(err)
	}
	quota := policy.Default().Product("ecs").Quota

	const clients = 64
	statuses := make([]int, clients)
	codes := make([]string, clients)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := 0; i < clients; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			body := []byte(`{"num":1}`)
			req, err := http.NewRequest("POST", servers[i%3].URL()+"/v1/instances/"+in.ID+"/numbers", bytes.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			signature.SignV3(req, body, key.ID, key.Secret, time.Now(), nonce())
			start.Wait()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			statuses[i] = resp.StatusCode
			if resp.StatusCode != http.StatusCreated {
				codes[i] = errorCode(t, data)
			}
		}()
	}
	start.Done()
	done.Wait()

	issued := 0
	for i := range statuses {
		switch {
		case statuses[i] == http.StatusCreated:
			issued++
		case statuses[i] == http.StatusConflict && codes[i] == "quota_exceeded":
		default:
			t.Errorf("client %d: status %d %s, want 201, or 409 quota_exceeded", i, statuses[i], codes[i])
		}
	}
	if issued != quota {
		t.Fatalf("%d numbers issued, want exactly the quota, %d", issued, quota)
	}
	for i, db := range dbs {
		rec, err := db.FindInstance(admin, in.ID)
		storetest.NoError(t, err)
		_, total, err := db.FindNumbers(admin, icpcheck.NumberFilter{InstanceID: in.ID})
		storetest.NoError(t, err)
		if rec.Issued != quota || total != quota {
			t.Fatalf("server %d sees issued=%d and %d numbers, want %d", i, rec.Issued, total, quota)
		}
	}
	storetest.CheckInvariants(t, admin, dbs[2])
}
