package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/postgres"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
)

// storeRow is one instance as the database holds it, with the numbers it counts.
type storeRow struct {
	product, owner         string
	issued, quota, counted int
}

// storeNumber is one number as the database holds it.
type storeNumber struct {
	instance, owner, grantedTo string
}

// verify checks the store after the load: first through the running server (the numbers of
// every instance by REST and by GetBsnByResource), then, with the server stopped, in the
// database itself (every acknowledged write there as acknowledged, no instance past its
// quota, the ledger's invariants, the audit chain by `icpcheck audit verify`, and SQLite's
// integrity check). It also reads the server's log for internal errors and panics.
func verify(ctx context.Context, cfg *Config, bin string, fx *fixture, srv *server, ld *load, v *violations, rep *Report) error {
	l := ld.ledger
	l.mu.Lock()
	ids := make([]string, 0, len(l.instances))
	for id := range l.instances {
		ids = append(ids, id)
	}
	l.mu.Unlock()

	// Through the server: the same counts by both interfaces, and none past the quota.
	rest, bsn := map[string]int{}, map[string]int{}
	for _, id := range ids {
		in := l.instance(id)
		nums, total, err := ld.admin.FindNumbers(ctx, icpcheck.NumberFilter{InstanceID: id, Limit: 100})
		if err != nil {
			return fmt.Errorf("listing the numbers of %s after the load: %w", id, err)
		}
		if total != len(nums) {
			v.add("wrong listing", "numbers of %s: total %d, %d listed", id, total, len(nums))
		}
		rest[id] = total
		rep.NumbersREST += total
		if rule := ld.policy.Product(in.Product); rule != nil && rule.ResourceType != 0 && total > 0 {
			sns, err := ld.bsn.getBsnByResource(ctx, fx.admin, rule.ResourceType, id, in.Owner)
			if err != nil {
				return fmt.Errorf("GetBsnByResource of %s after the load: %w", id, err)
			}
			bsn[id] = len(sns)
			rep.NumbersBSN += len(sns)
		}
	}
	if err := srv.Stop(time.Minute); err != nil {
		v.add("unclean stop", "%v", err)
	}
	scanLog(srv.log.Name(), v, rep)

	// In the database itself, read with plain SQL apart from the store's code.
	raw, err := openRaw(cfg.Store, fx.db)
	if err != nil {
		return err
	}
	defer raw.Close()
	rows, err := readInstances(ctx, raw)
	if err != nil {
		return err
	}
	numbers, err := readNumbers(ctx, raw)
	if err != nil {
		return err
	}
	rep.NumbersFound = len(numbers)
	for id, r := range rows {
		quota := 0
		if rule := ld.policy.Product(r.product); rule != nil {
			quota = rule.Quota
		}
		if r.counted > 0 {
			rep.InstancesWithNumbers++
		}
		switch {
		case r.counted > quota:
			v.add("over quota", "store: %s (%s) has %d numbers, quota %d", id, r.product, r.counted, quota)
		case r.counted != r.issued:
			v.add("ledger disagrees", "store: %s counts issued=%d but has %d numbers", id, r.issued, r.counted)
		}
		if n, ok := rest[id]; ok && n != r.counted {
			v.add("interfaces disagree", "%s: REST lists %d numbers, the store has %d", id, n, r.counted)
		}
		if n, ok := bsn[id]; ok && n != r.counted {
			v.add("interfaces disagree", "%s: GetBsnByResource lists %d numbers, the store has %d", id, n, r.counted)
		}
	}
	for sn, n := range numbers {
		if r, ok := rows[n.instance]; !ok || r.owner != n.owner {
			v.add("wrong owner", "store: number %s of %s is owned by %s, the instance by %s", sn, n.instance, n.owner, r.owner)
		}
	}

	// Every acknowledged write is there, as it was acknowledged.
	l.mu.Lock()
	for sn, a := range l.numbers {
		n, ok := numbers[sn]
		switch {
		case !ok:
			v.add("acknowledged write lost", "number %s, acknowledged on %s, is not in the store", sn, a.instance)
		case n.instance != a.instance || n.owner != a.owner:
			v.add("acknowledged write lost", "number %s is on %s of %s in the store, acknowledged on %s of %s", sn, n.instance, n.owner, a.instance, a.owner)
		default:
			rep.AckedNumbersFound++
		}
	}
	for sn, grantee := range l.grants {
		if n := numbers[sn]; n.grantedTo != grantee {
			v.add("acknowledged write lost", "number %s is granted to %q in the store, its grant to %s acknowledged", sn, n.grantedTo, grantee)
		} else {
			rep.AckedGrantsFound++
		}
	}
	for id := range l.instances {
		if _, ok := rows[id]; !ok {
			v.add("acknowledged write lost", "instance %s, acknowledged, is not in the store", id)
		}
	}
	l.mu.Unlock()

	// The store's own view: the conformance suite's invariants (counts, sequences, the audit
	// chain), then the audit chain again as an operator checks it, with the CLI.
	if err := checkInvariants(cfg.Store, fx.db, v); err != nil {
		return err
	}
	out, err := cli(ctx, bin, "--db", fx.db, "audit", "verify", "--format", "json")
	var av icpcheck.AuditVerification
	if jerr := json.Unmarshal(out, &av); jerr != nil {
		return fmt.Errorf("audit verify: %v; %w", err, jerr)
	}
	rep.AuditEvents = av.Events
	if err != nil || !av.OK {
		v.add("audit chain broken", "icpcheck audit verify: %+v (%v)", av, err)
	}
	if cfg.Store == "sqlite" {
		var res string
		if err := raw.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
			return err
		}
		rep.IntegrityCheck = res
		if res != "ok" {
			v.add("integrity check", "PRAGMA integrity_check: %s", res)
		}
	}
	return nil
}

// openRaw opens the database for plain SQL: database/sql with the driver the store's
// package registered.
func openRaw(store, db string) (*sql.DB, error) {
	if store == "postgres" {
		return sql.Open("pgx", db)
	}
	return sql.Open("sqlite", db+"?_pragma=busy_timeout(10000)")
}

func readInstances(ctx context.Context, db *sql.DB) (map[string]storeRow, error) {
	rows, err := db.QueryContext(ctx, `SELECT i.id, i.product, i.owner, i.issued, i.quota,
		(SELECT COUNT(*) FROM numbers n WHERE n.instance_id = i.id) FROM instances i`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]storeRow{}
	for rows.Next() {
		var id string
		var r storeRow
		if err := rows.Scan(&id, &r.product, &r.owner, &r.issued, &r.quota, &r.counted); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

func readNumbers(ctx context.Context, db *sql.DB) (map[string]storeNumber, error) {
	rows, err := db.QueryContext(ctx, `SELECT sn, instance_id, owner, COALESCE(granted_to, '') FROM numbers`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]storeNumber{}
	for rows.Next() {
		var sn string
		var n storeNumber
		if err := rows.Scan(&sn, &n.instance, &n.owner, &n.grantedTo); err != nil {
			return nil, err
		}
		out[sn] = n
	}
	return out, rows.Err()
}

// checkInvariants runs storetest.CheckInvariants, the conformance suite's check of a whole
// ledger, on the store, turning its first failure into a violation.
func checkInvariants(store, db string, v *violations) error {
	opts := sqlstore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var s *sqlstore.DB
	var err error
	if store == "postgres" {
		s, err = postgres.Open(context.Background(), db, opts)
	} else {
		s, err = sqlite.Open(db, opts)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	tb := &failTB{}
	func() {
		defer func() {
			if r := recover(); r != nil && r != errFailed {
				panic(r)
			}
		}()
		storetest.CheckInvariants(tb, icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator), s)
	}()
	if tb.failure != "" {
		v.add("invariant", "%s", tb.failure)
	}
	return nil
}

// failTB is the storetest.TB the invariants are checked with outside a test: Fatalf keeps
// the message and stops the check.
type failTB struct{ failure string }

var errFailed = errors.New("check failed")

func (*failTB) Helper() {}

func (t *failTB) Fatalf(format string, args ...any) {
	t.failure = fmt.Sprintf(format, args...)
	panic(errFailed)
}

// scanLog reads the server's log for what no request may cause: a panic, or an answer of
// 500 (any 5xx but 503). The access log has one "request" line for every request, of either
// interface.
func scanLog(path string, v *violations, rep *Report) {
	f, err := os.Open(path)
	if err != nil {
		v.add("server log", "%v", err)
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		var entry struct {
			Msg    string `json:"msg"`
			Status int    `json:"status"`
		}
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &entry) != nil {
			continue
		}
		switch entry.Msg {
		case "panic":
			rep.LoggedInternal++
			v.add("server log", "%s", truncate(line, 600))
		case "request":
			rep.LoggedRequests++
			if entry.Status >= 500 && entry.Status != 503 {
				rep.LoggedInternal++
				v.add("server log", "%s", truncate(line, 600))
			}
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
