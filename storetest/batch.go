package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlstore"
)

func testBatch(t *testing.T, open OpenFunc) {
	t.Run("Mixed", func(t *testing.T) { testBatchMixed(t, open) })
	t.Run("Paths", func(t *testing.T) { testBatchPaths(t, open) })
	t.Run("Limits", func(t *testing.T) { testBatchLimits(t, open) })
	t.Run("Large", func(t *testing.T) { testBatchLarge(t, open) })
	t.Run("Concurrent", func(t *testing.T) {
		e := NewEnv(t, open)
		RaceBatches(t, e.Admin, []*sqlstore.DB{e.DB})
	})
	t.Run("Issue", func(t *testing.T) {
		e := NewEnv(t, open)
		RaceBatchIssue(t, e.Admin, []*sqlstore.DB{e.DB})
	})
}

// refusedRegion is a region that refuseInDatabase makes the database itself refuse, past
// every check of the store: a refusal that no Go code foresees.
const refusedRegion = "xx-refused"

// refuseInDatabase makes the database refuse every instance row in refusedRegion: with
// triggers on SQLite, which cannot add a constraint to a table, and with a CHECK constraint
// elsewhere.
func refuseInDatabase(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	var stmts []string
	if db.Dialect().Name == "sqlite" {
		for _, op := range []string{"INSERT", "UPDATE"} {
			stmts = append(stmts, `CREATE TRIGGER test_refuse_`+op+` BEFORE `+op+` ON instances
				WHEN NEW.region = '`+refusedRegion+`' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`)
		}
	} else {
		stmts = append(stmts, `ALTER TABLE instances ADD CONSTRAINT test_refused CHECK (region <> '`+refusedRegion+`')`)
	}
	for _, q := range stmts {
		if _, err := db.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// wantPut is the expected result of one instance of a batch: an action, or a refusal.
type wantPut struct {
	action       icpcheck.PutAction
	code, reason string
}

func checkResults(t *testing.T, got []icpcheck.PutResult, want []wantPut) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Action != w.action || icpcheck.ErrorCode(g.Err) != w.code || icpcheck.ErrorReason(g.Err) != w.reason {
			t.Errorf("result %d: %q %v (code %q, reason %q), want %q code %q reason %q",
				i, g.Action, g.Err, icpcheck.ErrorCode(g.Err), icpcheck.ErrorReason(g.Err), w.action, w.code, w.reason)
		}
	}
}

// lastSeq returns the seq of the audit log's last event.
func lastSeq(t *testing.T, e *Env) int64 {
	t.Helper()
	var last int64
	for {
		events, err := e.DB.FindAuditEvents(e.Admin, icpcheck.AuditFilter{AfterSeq: last, Limit: icpcheck.MaxPageSize})
		NoError(t, err)
		if len(events) == 0 {
			return last
		}
		last = events[len(events)-1].Seq
	}
}

// testBatchMixed puts one batch of new, changed, unchanged, invalid and refused instances:
// each gets exactly its own result, the refused ones leave no trace (not even their owners'
// accounts or audit events), and the instances after them still load.
func testBatchMixed(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	refuseInDatabase(t, e.DB)
	e.MustPut(t, ECS("i-upd", "1001"), ECS("i-same", "1001"), ECS("i-owned", "1001"), ECS("i-rel", "1001"), ECS("i-keep", "1001"))
	e.MustIssue(t, "i-owned", 1)
	unbound := e.MustIssue(t, "i-rel", 2)
	before := lastSeq(t, e)
	e.Clock.Advance(time.Hour)

	upd := ECS("i-upd", "1001")
	upd.Region = "cn-shanghai"
	refusedNew := ECS("i-refused", "2003")
	refusedNew.Region = refusedRegion
	refusedUpd := ECS("i-keep", "1001")
	refusedUpd.Region = refusedRegion
	again := ECS("i-new", "2001")
	again.Region = "cn-beijing"
	rel := ECS("i-rel", "1001")
	rel.Status = icpcheck.StatusReleased
	batch := []*icpcheck.Instance{
		ECS("i-new", "2001"),   // created, with its owner's account
		upd,                    // updated
		ECS("i-same", "1001"),  // unchanged
		ECS("i-bad", "01"),     // invalid
		nil,                    // invalid
		ECS("i-owned", "2002"), // refused by the store: numbers were issued under 1001
		refusedNew,             // refused by the database, after its owner's account was made
		refusedUpd,             // refused by the database, an update
		again,                  // updated: it sees the first
		rel,                    // updated, and its unbound numbers become invalid
		ECS("i-after", "2001"), // created, its owner's account made by the first
	}
	res, err := e.DB.PutInstances(e.Admin, batch)
	NoError(t, err)
	checkResults(t, res, []wantPut{
		{action: icpcheck.PutCreated},
		{action: icpcheck.PutUpdated},
		{action: icpcheck.PutUnchanged},
		{code: icpcheck.EINVALID, reason: "bad_account"},
		{code: icpcheck.EINVALID, reason: "required"},
		{code: icpcheck.ECONFLICT, reason: "owner_change"},
		{code: icpcheck.EINTERNAL, reason: "internal"},
		{code: icpcheck.EINTERNAL, reason: "internal"},
		{action: icpcheck.PutUpdated},
		{action: icpcheck.PutUpdated},
		{action: icpcheck.PutCreated},
	})

	for id, want := range map[string]string{"i-new": "cn-beijing", "i-upd": "cn-shanghai", "i-keep": "cn-hangzhou", "i-after": "cn-hangzhou"} {
		rec, err := e.DB.FindInstance(e.Admin, id)
		NoError(t, err)
		if rec.Instance.Region != want {
			t.Errorf("%s in %s, want %s", id, rec.Instance.Region, want)
		}
	}
	rec, err := e.DB.FindInstance(e.Admin, "i-owned")
	NoError(t, err)
	if rec.Instance.Owner != "1001" {
		t.Errorf("i-owned owned by %s after a refused owner change", rec.Instance.Owner)
	}
	for _, id := range []string{"i-bad", "i-refused"} {
		_, err := e.DB.FindInstance(e.Admin, id)
		WantError(t, err, icpcheck.ENOTFOUND, "instance_not_found")
	}
	a, err := e.DB.FindAccount(e.Admin, "2001")
	NoError(t, err)
	if a.Role != icpcheck.RoleCustomer {
		t.Errorf("account 2001 is %s", a.Role)
	}
	for _, id := range []string{"2002", "2003"} {
		_, err := e.DB.FindAccount(e.Admin, id)
		WantError(t, err, icpcheck.ENOTFOUND, "account_not_found")
	}
	for _, n := range unbound {
		got, err := e.DB.FindNumber(e.Admin, n.SN)
		NoError(t, err)
		if got.State != icpcheck.NumberInvalid {
			t.Errorf("number %s of the released instance is %v", n.SN, got.State)
		}
	}

	// The log holds the loaded instances' events alone, in the batch's order, at its moment.
	sns := []string{unbound[0].SN, unbound[1].SN}
	slices.Sort(sns)
	want := []string{
		"account.create 2001", "instance.create i-new", "instance.update i-upd", "instance.update i-new",
		"instance.update i-rel", "number.state " + sns[0], "number.state " + sns[1], "instance.create i-after",
	}
	events, err := e.DB.FindAuditEvents(e.Admin, icpcheck.AuditFilter{AfterSeq: before})
	NoError(t, err)
	var got []string
	for _, ev := range events {
		got = append(got, ev.Action+" "+ev.Subject)
		if !ev.Time.Equal(Start.Add(time.Hour)) {
			t.Errorf("event %d at %v", ev.Seq, ev.Time)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("events %q,\nwant %q", got, want)
	}
	e.Invariants(t)

	// The same refusals one at a time, through PutInstance, which is a batch of one.
	_, err = e.DB.PutInstance(e.Admin, refusedNew)
	WantError(t, err, icpcheck.EINTERNAL, "internal")
	_, err = e.DB.FindAccount(e.Admin, "2003")
	WantError(t, err, icpcheck.ENOTFOUND, "account_not_found")
	if seq := lastSeq(t, e); seq != events[len(events)-1].Seq {
		t.Errorf("a refused put appended up to seq %d", seq)
	}
}

// testBatchPaths puts one batch into two stores alike: into one as it is, which the store
// writes whole, and into the other with an instance the database refuses, which makes the
// store write it again one instance at a time, each after a savepoint. Both give the same
// results and the same log.
func testBatchPaths(t *testing.T, open OpenFunc) {
	var results [2][]icpcheck.PutResult
	var logs [2][]string
	for i := range 2 {
		e := NewEnv(t, open)
		refuseInDatabase(t, e.DB)
		e.MustPut(t, ECS("e-1", "1001"), ECS("e-2", "1001"), ECS("e-3", "1001"), ECS("e-4", "1001"))
		nums := e.MustIssue(t, "e-2", 2)
		before := lastSeq(t, e)
		e.Clock.Advance(time.Hour)

		moved, rel, upd := ECS("e-3", "4002"), ECS("e-2", "1001"), ECS("e-1", "1001")
		rel.Status, upd.Region = icpcheck.StatusReleased, "cn-shanghai"
		again := ECS("n-1", "4001")
		again.Region = "cn-beijing"
		batch := []*icpcheck.Instance{
			ECS("n-1", "4001"), upd, rel, again, ECS("n-2", "4001"), moved, ECS("e-4", "1001"), ECS("bad", "x"),
			ECS("n-3", "1001"), ECS("n-4", "4003"),
		}
		if i == 1 {
			refused := ECS("r-1", "4004")
			refused.Region = refusedRegion
			batch = slices.Insert(batch, 8, refused)
		}
		res, err := e.DB.PutInstances(e.Admin, batch)
		NoError(t, err)
		if i == 1 {
			WantError(t, res[8].Err, icpcheck.EINTERNAL, "internal")
			res = slices.Delete(res, 8, 9)
		}
		results[i] = res
		// Numbers are named by their instance alone: their sns, which order their events, are
		// random, and differ between the stores.
		names := map[string]string{nums[0].SN: "a number of e-2", nums[1].SN: "a number of e-2"}
		events, err := e.DB.FindAuditEvents(e.Admin, icpcheck.AuditFilter{AfterSeq: before})
		NoError(t, err)
		for _, ev := range events {
			subject := ev.Subject
			if name, ok := names[subject]; ok {
				subject = name
			}
			logs[i] = append(logs[i], ev.Action+" "+subject+" "+string(ev.Data))
		}
		e.Invariants(t)
	}
	for k := range results[0] {
		a, b := results[0][k], results[1][k]
		if a.Action != b.Action || icpcheck.ErrorReason(a.Err) != icpcheck.ErrorReason(b.Err) {
			t.Errorf("result %d: %q %v written whole, %q %v one at a time", k, a.Action, a.Err, b.Action, b.Err)
		}
	}
	checkResults(t, results[0], []wantPut{
		{action: icpcheck.PutCreated}, {action: icpcheck.PutUpdated}, {action: icpcheck.PutUpdated},
		{action: icpcheck.PutUpdated}, {action: icpcheck.PutCreated}, {action: icpcheck.PutUpdated},
		{action: icpcheck.PutUnchanged}, {code: icpcheck.EINVALID, reason: "bad_account"},
		{action: icpcheck.PutCreated}, {action: icpcheck.PutCreated},
	})
	if !slices.Equal(logs[0], logs[1]) {
		t.Errorf("written whole, the log reads\n%s\none at a time\n%s", strings.Join(logs[0], "\n"), strings.Join(logs[1], "\n"))
	}
	if len(logs[0]) != 13 { // 3 accounts, 4 instances created and 4 updates, 2 numbers invalid
		t.Errorf("%d events:\n%s", len(logs[0]), strings.Join(logs[0], "\n"))
	}
}

func testBatchLimits(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	res, err := e.DB.PutInstances(e.Admin, nil)
	NoError(t, err)
	if len(res) != 0 {
		t.Fatalf("%d results for no instances", len(res))
	}
	big := make([]*icpcheck.Instance, icpcheck.MaxPutBatch+1)
	for i := range big {
		big[i] = ECS("i-"+itoa(i), "1001")
	}
	_, err = e.DB.PutInstances(e.Admin, big)
	WantError(t, err, icpcheck.EINVALID, "batch_too_large")
	_, err = e.DB.PutInstances(Customer("1001"), big[:1])
	WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
	res, err = e.DB.PutInstances(e.Admin, []*icpcheck.Instance{nil, ECS("i-1", "x")})
	NoError(t, err)
	checkResults(t, res, []wantPut{{code: icpcheck.EINVALID, reason: "required"}, {code: icpcheck.EINVALID, reason: "bad_account"}})
	if _, total, _ := e.DB.FindInstances(e.Admin, icpcheck.InstanceFilter{}); total != 0 || lastSeq(t, e) != 0 {
		t.Fatalf("refused batches loaded %d instances", total)
	}
}

// testBatchLarge puts a full batch of new instances, each of a new owner: twice as many audit
// events as instances, more than one INSERT appends; then the same batch again, unchanged.
func testBatchLarge(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	batch := make([]*icpcheck.Instance, icpcheck.MaxPutBatch)
	for i := range batch {
		batch[i] = ECS(fmt.Sprintf("i-%04d", i), itoa(100000+i))
	}
	for _, want := range []icpcheck.PutAction{icpcheck.PutCreated, icpcheck.PutUnchanged} {
		res, err := e.DB.PutInstances(e.Admin, batch)
		NoError(t, err)
		for i, r := range res {
			if r.Action != want || r.Err != nil {
				t.Fatalf("instance %d: %q %v, want %q", i, r.Action, r.Err, want)
			}
		}
	}
	if seq := lastSeq(t, e); seq != 2*int64(len(batch)) {
		t.Fatalf("%d events, want %d", seq, 2*len(batch))
	}
	e.Invariants(t)
}

// RaceBatches runs batches concurrently, spread over dbs, that put the same instances in
// different orders: new ones, which only one batch may create, and existing ones, which each
// batch changes. Every batch loads whole: each new instance is created once and found
// unchanged by the others, and every existing one ends as the same batch, the last to commit,
// left it. Batches that collide are run again by the store and report what their last run did.
func RaceBatches(t *testing.T, admin context.Context, dbs []*sqlstore.DB) {
	t.Helper()
	const writers, fresh, existing = 8, 30, 20
	e := &Env{DB: dbs[0], Admin: admin}
	for i := range existing {
		e.MustPut(t, ECS("c-"+itoa(i), "1001"))
	}
	regions := []string{"cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-shanghai", "cn-nanjing", "cn-fuzhou"}
	results := make([]map[string]icpcheck.PutResult, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		var batch []*icpcheck.Instance
		for i := range fresh {
			batch = append(batch, ECS("n-"+itoa(i), "3000"))
		}
		for i := range existing {
			in := ECS("c-"+itoa(i), "1001")
			in.Region = regions[w]
			batch = append(batch, in)
		}
		batch = append(batch, ECS("w-"+itoa(w), "3001"), ECS("bad", "x"))
		rand.New(rand.NewPCG(uint64(w), 1)).Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := dbs[w%len(dbs)].PutInstances(admin, batch)
			if err != nil {
				t.Errorf("writer %d: %v", w, err)
				return
			}
			results[w] = map[string]icpcheck.PutResult{}
			for i, r := range res {
				results[w][batch[i].ID] = r
			}
		}()
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i := range fresh {
		id, created := "n-"+itoa(i), 0
		for w := range writers {
			switch r := results[w][id]; {
			case r.Err != nil:
				t.Errorf("writer %d, %s: %v", w, id, r.Err)
			case r.Action == icpcheck.PutCreated:
				created++
			case r.Action != icpcheck.PutUnchanged:
				t.Errorf("writer %d, %s: %s", w, id, r.Action)
			}
		}
		if created != 1 {
			t.Errorf("%s created by %d batches", id, created)
		}
	}
	var last string
	for i := range existing {
		id := "c-" + itoa(i)
		for w := range writers {
			if r := results[w][id]; r.Action != icpcheck.PutUpdated {
				t.Errorf("writer %d, %s: %q %v", w, id, r.Action, r.Err)
			}
		}
		rec, err := e.DB.FindInstance(admin, id)
		NoError(t, err)
		if last != "" && rec.Instance.Region != last {
			t.Errorf("%s in %s, %s in %s: the batches interleaved", "c-0", last, id, rec.Instance.Region)
		}
		last = rec.Instance.Region
	}
	for w := range writers {
		if r := results[w]["w-"+itoa(w)]; r.Action != icpcheck.PutCreated {
			t.Errorf("writer %d, its own instance: %q %v", w, r.Action, r.Err)
		}
		if r := results[w]["bad"]; icpcheck.ErrorReason(r.Err) != "bad_account" {
			t.Errorf("writer %d, a bad instance: %q %v", w, r.Action, r.Err)
		}
	}
	// The log has each change once: aborted runs of a batch left nothing in it.
	counts := map[string]int{}
	for after := int64(0); ; {
		events, err := e.DB.FindAuditEvents(admin, icpcheck.AuditFilter{AfterSeq: after, Limit: icpcheck.MaxPageSize})
		NoError(t, err)
		if len(events) == 0 {
			break
		}
		for _, ev := range events {
			counts[ev.Action+" "+ev.Subject[:1]]++
		}
		after = events[len(events)-1].Seq
	}
	want := map[string]int{
		"account.create 1": 1, "account.create 3": 2,
		"instance.create c": existing, "instance.create n": fresh, "instance.create w": writers,
		"instance.update c": writers * existing,
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", counts, want)
	}
	CheckInvariants(t, admin, e.DB)
}

// RaceBatchIssue races issuance, spread over dbs, against batches that keep changing the same
// instances: their region, their status (a stopped instance gets no numbers) and their owner
// (which may change only while no number was issued). The quota holds, every number issued is
// counted, and an instance's numbers all belong to its owner.
func RaceBatchIssue(t *testing.T, admin context.Context, dbs []*sqlstore.DB) {
	t.Helper()
	const instances, issuers, putters, rounds = 5, 16, 4, 12
	e := &Env{DB: dbs[0], Admin: admin}
	ids := make([]string, instances)
	for i := range ids {
		ids[i] = "i-" + itoa(i)
		e.MustPut(t, ECS(ids[i], "1001"))
	}
	var mu sync.Mutex
	issued := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range issuers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for k := range 10 {
				id := ids[(g+k)%instances]
				nums, err := dbs[g%len(dbs)].IssueNumbers(admin, icpcheck.IssueRequest{InstanceID: id, Num: 1})
				switch reason := icpcheck.ErrorReason(err); {
				case err == nil:
					mu.Lock()
					issued[id] += len(nums)
					mu.Unlock()
				case reason != "quota_exceeded" && reason != "not_eligible":
					t.Errorf("issuer %d on %s: %v", g, id, err)
				}
			}
		}()
	}
	for p := range putters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for r := range rounds {
				batch := make([]*icpcheck.Instance, instances)
				for i, id := range ids {
					in := ECS(id, "1001")
					switch (p + r + i) % 4 {
					case 1:
						in.Region = "cn-shanghai"
					case 2:
						in.Status = icpcheck.StatusStopped
					case 3:
						in.Owner = "1002"
					}
					batch[i] = in
				}
				res, err := dbs[(p+1)%len(dbs)].PutInstances(admin, batch)
				if err != nil {
					t.Errorf("putter %d: %v", p, err)
					return
				}
				for i, r := range res {
					if r.Err != nil && icpcheck.ErrorReason(r.Err) != "owner_change" {
						t.Errorf("putter %d, %s: %v", p, ids[i], r.Err)
					}
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, id := range ids {
		rec, err := e.DB.FindInstance(admin, id)
		NoError(t, err)
		if rec.Issued != issued[id] || rec.Issued > 5 {
			t.Errorf("%s: issued %d, %d reported; quota 5", id, rec.Issued, issued[id])
		}
		nums, _, err := e.DB.FindNumbers(admin, icpcheck.NumberFilter{InstanceID: id})
		NoError(t, err)
		for _, n := range nums {
			if n.Owner != rec.Instance.Owner {
				t.Errorf("%s, owned by %s, has number %s of %s", id, rec.Instance.Owner, n.SN, n.Owner)
			}
		}
	}
	CheckInvariants(t, admin, e.DB)
}
