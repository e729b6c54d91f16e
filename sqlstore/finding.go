package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
)

// The findings part of the store: the monitors' inputs, read in one snapshot each with a
// fixed number of queries whatever the number of filings; reconciliation of a run in one
// transaction that holds the monitor's row in monitor_runs; and the webhook's outbox.

var _ icpcheck.FindingService = (*DB)(nil)

// Limits of a run, so that one malformed run cannot hold the write lock for long.
const (
	maxRunFindings = 1_000_000
	maxEventError  = 1024 // bytes of an attempt's error kept in the outbox
)

// FindMonitorInput returns what monitor judges, read in one snapshot.
func (db *DB) FindMonitorInput(ctx context.Context, monitor string) (*icpcheck.MonitorInput, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	var instQ, numQ, filQ string
	switch monitor {
	case icpcheck.MonitorExpiry:
		carrying := `SELECT instance_id FROM numbers WHERE state IN (1, 2, 4)`
		instQ = `SELECT ` + instanceColumns + ` WHERE id IN (` + carrying + `) ORDER BY id`
		numQ = `SELECT ` + numberColumns + ` WHERE n.state IN (1, 2, 4) ORDER BY n.instance_id, n.seq`
		filQ = `SELECT ` + filingColumns + ` WHERE id IN (SELECT filing_id FROM numbers WHERE state IN (1, 2, 4)) ORDER BY id`
	case icpcheck.MonitorAccess:
		// Every instance, whatever its state: an address of an expired or released instance
		// must be recognized as such rather than as nobody's.
		instQ = `SELECT ` + instanceColumns + ` ORDER BY id`
		filQ = `SELECT ` + filingColumns + ` WHERE type = 'website' AND state = 'filed' ORDER BY id`
	default:
		return nil, icpcheck.Invalid("monitor", "bad_enum", monitor, "expiry, access")
	}
	in := &icpcheck.MonitorInput{}
	err := db.view(ctx, "FindMonitorInput", func(tx *Tx) error {
		var err error
		if in.Instances, err = scanRows(tx, instQ, func(r *sql.Rows) (*icpcheck.Instance, error) {
			row, err := scanInstance(r)
			if err != nil {
				return nil, err
			}
			return row.Instance, nil
		}); err != nil {
			return err
		}
		if numQ != "" {
			if in.Numbers, err = scanRows(tx, numQ, func(r *sql.Rows) (*icpcheck.ServiceNumber, error) { return scanNumber(r) }); err != nil {
				return err
			}
		}
		in.Filings, err = scanRows(tx, filQ, func(r *sql.Rows) (*icpcheck.Filing, error) { return scanFiling(r) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

func scanRows[T any](tx *Tx, query string, scan func(*sql.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := tx.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// openFinding is an open finding as reconciliation needs it.
type openFinding struct {
	scope string
	doc   string
	first int64
	last  int64
}

// ReconcileFindings records a run in one transaction.
func (db *DB) ReconcileFindings(ctx context.Context, run icpcheck.FindingRun) (*icpcheck.ReconcileResult, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	docs, err := validateRun(&run)
	if err != nil {
		return nil, err
	}
	incomplete := make(map[string]bool, len(run.Incomplete))
	for _, s := range run.Incomplete {
		incomplete[s] = true
	}
	scopes := make(map[string]bool, len(run.Findings))
	for _, f := range run.Findings {
		scopes[f.Scope] = true
	}
	at := micros(run.At)
	var res icpcheck.ReconcileResult
	err = db.update(ctx, "ReconcileFindings", func(tx *Tx) error {
		res = icpcheck.ReconcileResult{}
		var started int64
		if err := tx.queryRow(tx.forUpdate(`SELECT started_at FROM monitor_runs WHERE monitor = $1`), run.Monitor).Scan(&started); err != nil {
			return err
		}
		if micros(run.Started) < started {
			return icpcheck.Errorf(icpcheck.ECONFLICT, "stale_run", run.Monitor)
		}
		if _, err := tx.exec(`UPDATE monitor_runs SET started_at = $2, at = $3, applied_at = $4 WHERE monitor = $1`,
			run.Monitor, micros(run.Started), at, micros(tx.now)); err != nil {
			return err
		}
		open, err := tx.openFindings(run.Monitor)
		if err != nil {
			return err
		}
		for i, f := range run.Findings {
			if _, ok := open[f.Key]; ok {
				if _, err := tx.exec(`UPDATE findings SET kind = $2, scope = $3, owner = $4, instance_id = $5, filing_id = $6,
					doc = $7, last_seen = $8 WHERE key = $1`,
					f.Key, f.Kind, f.Scope, f.Owner, f.InstanceID, f.FilingID, docs[i], at); err != nil {
					return err
				}
				delete(open, f.Key)
				res.Updated++
				continue
			}
			if err := tx.openFinding(f, docs[i], at); err != nil {
				return err
			}
			res.Opened++
		}
		for key, o := range open {
			if incomplete[o.scope] {
				continue // the run could not tell: keep it as it was
			}
			resolution := icpcheck.ResolvedFixed
			if scopes[o.scope] {
				resolution = icpcheck.ResolvedSuperseded
			}
			if err := tx.resolveFinding(key, o, resolution, at); err != nil {
				return err
			}
			res.Resolved++
		}
		res.Open, err = tx.count(`SELECT COUNT(*) FROM findings WHERE monitor = $1 AND resolved_at IS NULL`, run.Monitor)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// validateRun checks a run and returns the stored form of each finding.
func validateRun(run *icpcheck.FindingRun) ([]string, error) {
	switch {
	case !icpcheck.ValidMonitor(run.Monitor):
		return nil, icpcheck.Invalid("monitor", "bad_enum", run.Monitor, "expiry, access")
	case run.At.IsZero():
		return nil, icpcheck.Invalid("at", "required")
	case run.Started.IsZero():
		return nil, icpcheck.Invalid("started", "required")
	case len(run.Findings) > maxRunFindings:
		return nil, icpcheck.Invalid("findings", "too_many", maxRunFindings)
	}
	docs := make([]string, len(run.Findings))
	keys := make(map[string]bool, len(run.Findings))
	for i, f := range run.Findings {
		if f == nil {
			return nil, icpcheck.Invalid("findings", "required")
		}
		if err := f.Validate(); err != nil {
			return nil, err
		}
		if f.Monitor != run.Monitor {
			return nil, icpcheck.Invalid("monitor", "bad_enum", f.Monitor, run.Monitor)
		}
		if keys[f.Key] {
			return nil, icpcheck.Invalid("key", "duplicate", f.Key)
		}
		keys[f.Key] = true
		doc, err := findingDoc(f)
		if err != nil {
			return nil, err
		}
		docs[i] = doc
	}
	return docs, nil
}

// findingDoc returns the stored JSON of a finding's details. Its times live in their own
// columns and are left out, so that a finding seen again unchanged keeps the same doc.
func findingDoc(f *icpcheck.Finding) (string, error) {
	c := *f
	c.FirstSeen, c.LastSeen, c.ResolvedAt, c.Resolution = time.Time{}, time.Time{}, nil, ""
	b, err := json.Marshal(&c)
	return string(b), err
}

func (tx *Tx) openFindings(monitor string) (map[string]openFinding, error) {
	rows, err := tx.query(`SELECT key, scope, doc, first_seen, last_seen FROM findings WHERE monitor = $1 AND resolved_at IS NULL`, monitor)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	open := make(map[string]openFinding)
	for rows.Next() {
		var key string
		var o openFinding
		if err := rows.Scan(&key, &o.scope, &o.doc, &o.first, &o.last); err != nil {
			return nil, err
		}
		open[key] = o
	}
	return open, rows.Err()
}

// openFinding inserts a new finding, or opens again one that was resolved (keeping its
// first_seen), and puts the event in the outbox.
func (tx *Tx) openFinding(f *icpcheck.Finding, doc string, at int64) error {
	var first int64
	err := tx.queryRow(`INSERT INTO findings (key, monitor, kind, scope, owner, instance_id, filing_id, doc, first_seen, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
		ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, scope = excluded.scope, owner = excluded.owner,
			instance_id = excluded.instance_id, filing_id = excluded.filing_id, doc = excluded.doc,
			last_seen = excluded.last_seen, resolved_at = NULL, resolution = ''
		RETURNING first_seen`,
		f.Key, f.Monitor, f.Kind, f.Scope, f.Owner, f.InstanceID, f.FilingID, doc, at).Scan(&first)
	if err != nil {
		return err
	}
	ev := *f
	ev.FirstSeen, ev.LastSeen, ev.ResolvedAt, ev.Resolution = fromMicros(first), fromMicros(at), nil, ""
	return tx.enqueue(&ev, icpcheck.FindingOpened)
}

func (tx *Tx) resolveFinding(key string, o openFinding, resolution string, at int64) error {
	n, err := tx.exec(`UPDATE findings SET resolved_at = $2, resolution = $3 WHERE key = $1 AND resolved_at IS NULL`, key, at, resolution)
	if err != nil {
		return err
	}
	if n != 1 {
		return errors.New("finding " + key + " left the open state during the transaction")
	}
	f, err := decodeFinding(o.doc, o.first, o.last, sql.NullInt64{Int64: at, Valid: true}, resolution)
	if err != nil {
		return err
	}
	return tx.enqueue(f, icpcheck.FindingResolved)
}

func (tx *Tx) enqueue(f *icpcheck.Finding, event string) error {
	doc, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO finding_events (finding_key, event, doc, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)`,
		f.Key, event, string(doc), micros(tx.now))
	return err
}

func decodeFinding(doc string, first, last int64, resolved sql.NullInt64, resolution string) (*icpcheck.Finding, error) {
	var f icpcheck.Finding
	if err := json.Unmarshal([]byte(doc), &f); err != nil {
		return nil, err
	}
	f.FirstSeen, f.LastSeen, f.ResolvedAt, f.Resolution = fromMicros(first), fromMicros(last), optionalTime(resolved), resolution
	return &f, nil
}

// FindFindings returns a page of findings, open first and then the most recently seen.
func (db *DB) FindFindings(ctx context.Context, flt icpcheck.FindingFilter) ([]*icpcheck.Finding, int, error) {
	actor, limit, err := listing(ctx, flt.Offset, flt.Limit)
	if err != nil {
		return nil, 0, err
	}
	var w where
	w.account(actor, flt.Owner, "owner = ?")
	if flt.Monitor != "" {
		if !icpcheck.ValidMonitor(flt.Monitor) {
			return nil, 0, icpcheck.Invalid("monitor", "bad_enum", flt.Monitor, "expiry, access")
		}
		w.add("monitor = ?", flt.Monitor)
	}
	if flt.Kind != "" {
		w.add("kind = ?", flt.Kind)
	}
	if flt.FilingID != "" {
		w.add("filing_id = ?", flt.FilingID)
	}
	if flt.Instance != "" {
		w.add("instance_id = ?", flt.Instance)
	}
	if !flt.All {
		w.conds = append(w.conds, "resolved_at IS NULL")
	}
	return findPage(db, ctx, "FindFindings", findingColumns, "findings", &w,
		"CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END, last_seen DESC, key", limit, scanFinding)
}

const findingColumns = `doc, first_seen, last_seen, resolved_at, resolution FROM findings`

func scanFinding(r scanner) (*icpcheck.Finding, error) {
	var doc, resolution string
	var first, last int64
	var resolved sql.NullInt64
	if err := r.Scan(&doc, &first, &last, &resolved, &resolution); err != nil {
		return nil, err
	}
	return decodeFinding(doc, first, last, resolved, resolution)
}

// ClaimFindingEvents leases up to limit due events.
func (db *DB) ClaimFindingEvents(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*icpcheck.FindingEvent, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > icpcheck.MaxPageSize {
		limit = icpcheck.MaxPageSize
	}
	if lease <= 0 {
		return nil, icpcheck.Invalid("lease", "bad_number", 1, "∞")
	}
	var events []*icpcheck.FindingEvent
	err := db.update(ctx, "ClaimFindingEvents", func(tx *Tx) error {
		var err error
		events, err = scanRows(tx, tx.forUpdate(`SELECT id, event, doc, created_at, attempts FROM finding_events
			WHERE sent_at IS NULL AND next_attempt_at <= $1 AND lease_until <= $1 ORDER BY id LIMIT `+itoa(limit)),
			func(r *sql.Rows) (*icpcheck.FindingEvent, error) {
				var ev icpcheck.FindingEvent
				var doc string
				var created int64
				if err := r.Scan(&ev.ID, &ev.Event, &doc, &created, &ev.Attempts); err != nil {
					return nil, err
				}
				ev.Created = fromMicros(created)
				ev.Finding = new(icpcheck.Finding)
				return &ev, json.Unmarshal([]byte(doc), ev.Finding)
			}, micros(now))
		if err != nil {
			return err
		}
		for _, ev := range events {
			ev.Attempts++
			if _, err := tx.exec(`UPDATE finding_events SET lease_until = $2, attempts = $3 WHERE id = $1`,
				ev.ID, micros(now.Add(lease)), ev.Attempts); err != nil {
				return err
			}
		}
		return nil
	})
	return events, err
}

// MarkFindingEventSent records that the receiver accepted an event.
func (db *DB) MarkFindingEventSent(ctx context.Context, id int64, at time.Time) error {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return err
	}
	return db.update(ctx, "MarkFindingEventSent", func(tx *Tx) error {
		n, err := tx.exec(`UPDATE finding_events SET sent_at = $2, last_error = '' WHERE id = $1 AND sent_at IS NULL`, id, micros(at))
		if err != nil {
			return err
		}
		if n == 0 {
			var sent sql.NullInt64
			if err := tx.queryRow(`SELECT sent_at FROM finding_events WHERE id = $1`, id).Scan(&sent); errors.Is(err, sql.ErrNoRows) {
				return icpcheck.Errorf(icpcheck.ENOTFOUND, "event_not_found")
			} else if err != nil {
				return err
			}
		}
		return nil // sent before: marking it again changes nothing
	})
}

// MarkFindingEventFailed records a failed attempt and when to try again.
func (db *DB) MarkFindingEventFailed(ctx context.Context, id int64, next time.Time, reason string) error {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return err
	}
	if len(reason) > maxEventError {
		reason = strings.ToValidUTF8(reason[:maxEventError], "")
	}
	return db.update(ctx, "MarkFindingEventFailed", func(tx *Tx) error {
		n, err := tx.exec(`UPDATE finding_events SET next_attempt_at = $2, lease_until = 0, last_error = $3
			WHERE id = $1 AND sent_at IS NULL`, id, micros(next), reason)
		if err != nil {
			return err
		}
		if n == 0 {
			var one int
			if err := tx.queryRow(`SELECT 1 FROM finding_events WHERE id = $1`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return icpcheck.Errorf(icpcheck.ENOTFOUND, "event_not_found")
			} else if err != nil {
				return err
			}
		}
		return nil
	})
}
