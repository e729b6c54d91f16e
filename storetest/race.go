package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// Racers is how many goroutines race for one instance's numbers.
const Racers = 64

func testRace(t *testing.T, open OpenFunc) {
	t.Run("Issue", func(t *testing.T) {
		e := NewEnv(t, open)
		RaceIssue(t, e.Admin, []*sqlstore.DB{e.DB}, "i-race")
	})
	t.Run("Bind", func(t *testing.T) {
		e := NewEnv(t, open)
		RaceBind(t, e.Admin, []*sqlstore.DB{e.DB})
	})
	t.Run("Put", func(t *testing.T) {
		e := NewEnv(t, open)
		RacePut(t, e.Admin, []*sqlstore.DB{e.DB})
	})
	t.Run("Release", func(t *testing.T) {
		e := NewEnv(t, open)
		RaceRelease(t, e.Admin, []*sqlstore.DB{e.DB})
	})
}

// RaceRelease releases instances while filings race to bind their unbound numbers, over dbs:
// each number ends either bound by the one filing that won it or invalid, and nothing fails
// but the filings that lost, with sn_not_unbound.
func RaceRelease(t *testing.T, admin context.Context, dbs []*sqlstore.DB) {
	t.Helper()
	e := &Env{DB: dbs[0], Admin: admin}
	for round := range 8 {
		id := "i-release-" + itoa(round)
		in := ECS(id, "1001")
		e.MustPut(t, in)
		nums := e.MustIssue(t, id, 5)
		var wg sync.WaitGroup
		start := make(chan struct{})
		bound := make([]bool, len(nums))
		for i, n := range nums {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := dbs[i%len(dbs)].CreateFiling(Customer("1001"), icpcheck.FilingCreate{Type: icpcheck.FilingApp, SN: n.SN, AppName: "A", Access: Access()})
				switch {
				case err == nil:
					bound[i] = true
				case icpcheck.ErrorReason(err) != "sn_not_unbound":
					t.Errorf("filing on %s: %v", n.SN, err)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rel := ECS(id, "1001")
			rel.Status = icpcheck.StatusReleased
			if _, err := dbs[len(dbs)-1].PutInstance(admin, rel); err != nil {
				t.Errorf("release: %v", err)
			}
		}()
		close(start)
		wg.Wait()
		for i, n := range nums {
			got, err := e.DB.FindNumber(admin, n.SN)
			NoError(t, err)
			if want := map[bool]icpcheck.NumberState{true: icpcheck.NumberBound, false: icpcheck.NumberInvalid}[bound[i]]; got.State != want {
				t.Fatalf("number %d: %v, want %v", i, got.State, want)
			}
		}
	}
	CheckInvariants(t, admin, e.DB)
}

// RacePut races goroutines, spread over dbs, to put one new instance: one creates it, the
// others find it unchanged, and none fails.
func RacePut(t *testing.T, admin context.Context, dbs []*sqlstore.DB) {
	t.Helper()
	var mu sync.Mutex
	actions := map[icpcheck.PutAction]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			act, err := dbs[i%len(dbs)].PutInstance(admin, ECS("i-put", "1001"))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("racer %d: %v", i, err)
			}
			actions[act]++
		}()
	}
	close(start)
	wg.Wait()
	if actions[icpcheck.PutCreated] != 1 || actions[icpcheck.PutUnchanged] != 15 {
		t.Fatalf("actions %v, want 1 created and 15 unchanged", actions)
	}
}

// RaceIssue races Racers goroutines, spread over dbs (which share one database), for the
// numbers of one new instance, one number each and then in random sizes on a second one: the
// instance ends with exactly its quota, every success counted, every failure quota_exceeded.
func RaceIssue(t *testing.T, admin context.Context, dbs []*sqlstore.DB, id string) {
	t.Helper()
	e := &Env{DB: dbs[0], Admin: admin}
	e.MustPut(t, ECS(id, "1001"), ECS(id+"-b", "1001"))
	for _, tc := range []struct {
		instance string
		num      func(i int) int
	}{
		{id, func(int) int { return 1 }},
		{id + "-b", func(i int) int { return 1 + i%3 }},
	} {
		var mu sync.Mutex
		issued := map[string]bool{}
		total := 0
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range Racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				db := dbs[i%len(dbs)]
				nums, err := db.IssueNumbers(admin, icpcheck.IssueRequest{InstanceID: tc.instance, Num: tc.num(i)})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					if len(nums) != tc.num(i) {
						t.Errorf("asked for %d, got %d", tc.num(i), len(nums))
					}
					for _, n := range nums {
						issued[n.SN] = true
					}
					total += len(nums)
				case icpcheck.ErrorReason(err) != "quota_exceeded":
					t.Errorf("racer %d: %v", i, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		rec, err := e.DB.FindInstance(admin, tc.instance)
		NoError(t, err)
		if len(issued) != total || rec.Issued != total || total > 5 {
			t.Fatalf("%s: %d distinct numbers, %d reported, issued %d; quota 5", tc.instance, len(issued), total, rec.Issued)
		}
		if tc.instance == id && total != 5 {
			t.Fatalf("%s: %d numbers issued one at a time, want exactly the quota 5", id, total)
		}
	}
	CheckInvariants(t, admin, e.DB)
}

// RaceBind races Racers goroutines, spread over dbs, to create filings with one number, and as
// many to file directly on one instance with 5 numbers left: one filing wins the number, five
// win the instance.
func RaceBind(t *testing.T, admin context.Context, dbs []*sqlstore.DB) {
	t.Helper()
	e := &Env{DB: dbs[0], Admin: admin}
	e.MustPut(t, ECS("i-bind", "1001"), ECS("i-direct", "1001"))
	sn := e.MustIssue(t, "i-bind", 1)[0].SN
	var mu sync.Mutex
	wins := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 * Racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req := icpcheck.FilingCreate{Type: icpcheck.FilingApp, AppName: "A", Access: Access()}
			want := "sn_not_unbound"
			if i%2 == 0 {
				req.SN = sn
			} else {
				req.InstanceID, want = "i-direct", "quota_exceeded"
			}
			f, err := dbs[i%len(dbs)].CreateFiling(Customer("1001"), req)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins[f.InstanceID]++
			case icpcheck.ErrorReason(err) != want:
				t.Errorf("racer %d: %v, want %s", i, err, want)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins["i-bind"] != 1 || wins["i-direct"] != 5 {
		t.Fatalf("wins %v, want 1 filing on the number and 5 on the instance", wins)
	}
	CheckInvariants(t, admin, e.DB)
}
