package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/icpcheck/icpcheck"
)

// put is one instance to put, with what can be worked out before the transaction: its
// stored JSON form, which tells an unchanged put, and its coverage end.
type put struct {
	index   int // in the caller's batch
	in      *icpcheck.Instance
	doc     []byte
	expires sql.NullInt64
}

func newPut(index int, in *icpcheck.Instance) (*put, error) {
	if in == nil {
		return nil, icpcheck.Invalid("", "required")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	doc, err := json.Marshal(in)
	if err != nil {
		return nil, icpcheck.Internal("PutInstance", err)
	}
	p := &put{index: index, in: in, doc: doc}
	if cov, ok := in.Coverage(); ok {
		p.expires = sql.NullInt64{Int64: micros(cov.End), Valid: true}
	}
	return p, nil
}

// stored is what a put needs to know of an instance already in the store. It is read without
// decoding the document: a re-import compares documents by their bytes.
type stored struct {
	owner  string
	doc    []byte
	issued int
}

// PutInstance creates or replaces an instance, creating its owner account when it does not
// exist. Admin only. A released instance's unbound numbers become invalid. It is a batch of
// one.
func (db *DB) PutInstance(ctx context.Context, in *icpcheck.Instance) (icpcheck.PutAction, error) {
	res, err := db.putInstances(ctx, "PutInstance", []*icpcheck.Instance{in})
	if err != nil {
		return "", err
	}
	return res[0].Action, res[0].Err
}

// PutInstances puts a batch of instances in one transaction, each on its own: an instance
// the database refuses is undone alone, back to a savepoint set before it. Admin only.
func (db *DB) PutInstances(ctx context.Context, ins []*icpcheck.Instance) ([]icpcheck.PutResult, error) {
	return db.putInstances(ctx, "PutInstances", ins)
}

func (db *DB) putInstances(ctx context.Context, op string, ins []*icpcheck.Instance) ([]icpcheck.PutResult, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	if len(ins) > icpcheck.MaxPutBatch {
		return nil, icpcheck.Invalid("", "batch_too_large", icpcheck.MaxPutBatch)
	}
	results := make([]icpcheck.PutResult, len(ins))
	puts := make([]*put, 0, len(ins))
	for i, in := range ins {
		p, err := newPut(i, in)
		if err != nil {
			results[i].Err = err
			continue
		}
		puts = append(puts, p)
	}
	if len(puts) == 0 {
		return results, nil
	}
	// A batch runs first without savepoints, which cost a round trip an instance and, on
	// PostgreSQL, a subtransaction each. Only when the database refuses one of its instances
	// does it run again, with a savepoint before each instance to undo that one alone.
	savepoints := false
	for {
		err := db.update(ctx, op, func(tx *Tx) error { return tx.putInstances(op, puts, results, savepoints) })
		switch {
		case errors.Is(err, errSavepoints) && !savepoints:
			savepoints = true
		case err != nil:
			return nil, err
		default:
			return results, nil
		}
	}
}

// errSavepoints ends a run of a batch without savepoints in which the database refused an
// instance: what that instance wrote before cannot be undone alone, and PostgreSQL refuses
// every statement after an error anyway. It is an *icpcheck.Error only so that db.update
// hands it back as it is, without retrying or logging it; it never leaves PutInstances.
var errSavepoints = &icpcheck.Error{Code: icpcheck.EINTERNAL, Reason: "internal", Op: "PutInstances: refused without a savepoint"}

// putInstances puts each of puts in order and records its outcome in results. It may run
// more than once (db.update retries the whole transaction), so it sets every result it owns
// on each run. The instances that exist are read and locked first, all in one statement.
// Without savepoints, an instance refused by the database ends the run with errSavepoints.
func (tx *Tx) putInstances(op string, puts []*put, results []icpcheck.PutResult, savepoints bool) error {
	current, err := tx.lockInstances(puts)
	if err != nil {
		return err
	}
	accounts, err := tx.existingOwners(puts, current)
	if err != nil {
		return err
	}
	sp := savepoint{tx: tx}
	for _, p := range puts {
		res := &results[p.index]
		*res = icpcheck.PutResult{}
		old := current[p.in.ID]
		switch {
		case old != nil && bytes.Equal(old.doc, p.doc):
			res.Action = icpcheck.PutUnchanged
			continue
		case old != nil && old.owner != p.in.Owner && old.issued > 0:
			res.Err = icpcheck.Errorf(icpcheck.ECONFLICT, "owner_change", old.owner)
			continue
		}
		if savepoints {
			if err := sp.begin(); err != nil {
				return err
			}
		}
		events := len(tx.events)
		// The owner's account exists when the stored instance already names it (a foreign key
		// says so) or when this transaction saw it.
		ensureOwner := (old == nil || old.owner != p.in.Owner) && !accounts[p.in.Owner]
		action, err := tx.writeInstance(p, old, ensureOwner)
		if err != nil {
			switch {
			case tx.endsBatch(err):
				return err
			case !savepoints:
				return errSavepoints
			}
			if err := sp.rollback(); err != nil {
				return err
			}
			tx.events = tx.events[:events]
			res.Err = tx.db.domainOr(op, err)
			continue
		}
		sp.dirty = true
		accounts[p.in.Owner] = true
		next := &stored{owner: p.in.Owner, doc: p.doc}
		if old != nil {
			next.issued = old.issued
		}
		current[p.in.ID] = next
		res.Action = action
	}
	return nil
}

// lockInstances returns the stored instances among puts by id, locked for the rest of the
// transaction. They are locked in id order, so that concurrent batches over the same
// instances queue rather than deadlock.
func (tx *Tx) lockInstances(puts []*put) (map[string]*stored, error) {
	ids := make([]string, 0, len(puts))
	seen := make(map[string]bool, len(puts))
	for _, p := range puts {
		if !seen[p.in.ID] {
			seen[p.in.ID] = true
			ids = append(ids, p.in.ID)
		}
	}
	var w where
	w.in("id", ids)
	rows, err := tx.query(tx.forUpdate(`SELECT id, owner, doc, issued FROM instances`+w.sql()+` ORDER BY id`), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	current := make(map[string]*stored, len(ids))
	for rows.Next() {
		var id, doc string
		var s stored
		if err := rows.Scan(&id, &s.owner, &doc, &s.issued); err != nil {
			return nil, err
		}
		s.doc = []byte(doc)
		current[id] = &s
	}
	return current, rows.Err()
}

// existingOwners returns which of the owners that puts may have to create already have an
// account. It is only a shortcut: a put that finds no entry creates the account if it is
// still missing.
func (tx *Tx) existingOwners(puts []*put, current map[string]*stored) (map[string]bool, error) {
	var owners []string
	seen := map[string]bool{}
	for _, p := range puts {
		if old := current[p.in.ID]; (old == nil || old.owner != p.in.Owner) && !seen[p.in.Owner] {
			seen[p.in.Owner] = true
			owners = append(owners, p.in.Owner)
		}
	}
	known := make(map[string]bool, len(owners))
	if len(owners) == 0 {
		return known, nil
	}
	var w where
	w.in("id", owners)
	rows, err := tx.query(`SELECT id FROM accounts`+w.sql(), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		known[id] = true
	}
	return known, rows.Err()
}

// writeInstance creates the instance of p, or replaces old with it, creating the owner's
// account first when ensureOwner says it may be missing.
func (tx *Tx) writeInstance(p *put, old *stored, ensureOwner bool) (icpcheck.PutAction, error) {
	in := p.in
	if ensureOwner {
		if _, err := tx.createAccount(in.Owner, icpcheck.RoleCustomer); err != nil {
			return "", err
		}
	}
	// The event carries the whole instance, so that the log tells what an instance was when
	// its numbers were issued.
	data := map[string]any{"owner": in.Owner, "product": in.Product, "status": string(in.Status), "instance": json.RawMessage(p.doc)}
	action, event := icpcheck.PutCreated, "instance.create"
	var err error
	if old == nil {
		_, err = tx.exec(`INSERT INTO instances (id, owner, product, status, region, expires_at, doc, issued, quota, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $8)`,
			in.ID, in.Owner, in.Product, string(in.Status), in.Region, p.expires, string(p.doc), micros(tx.now))
	} else {
		action, event = icpcheck.PutUpdated, "instance.update"
		_, err = tx.exec(`UPDATE instances SET owner = $2, product = $3, status = $4, region = $5, expires_at = $6, doc = $7, updated_at = $8
			WHERE id = $1`,
			in.ID, in.Owner, in.Product, string(in.Status), in.Region, p.expires, string(p.doc), micros(tx.now))
	}
	if err != nil {
		return "", err
	}
	if err := tx.audit(event, in.ID, data); err != nil {
		return "", err
	}
	if in.Status == icpcheck.StatusReleased {
		if err := tx.invalidateUnbound(in.ID); err != nil {
			return "", err
		}
	}
	return action, nil
}

// endsBatch reports whether err, met while writing one instance of a batch, ends the whole
// attempt rather than refusing that instance alone: a serialization failure, a deadlock or a
// collision with a concurrent writer (db.update then runs the batch again), an unreachable
// database, or the call's end. Anything else, the store's own refusals and the constraints
// the database enforces, refuses the instance.
func (tx *Tx) endsBatch(err error) bool {
	var e *icpcheck.Error
	switch {
	case errors.As(err, &e):
		return false
	case tx.ctx.Err() != nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	switch tx.classify(err) {
	case KindRetry, KindUnique, KindUnavailable:
		return true
	}
	return false
}

// savepoint keeps one savepoint open across the items of a batch, so that an item the store
// refuses is rolled back alone. It is set again only before an item that follows changes
// (an unchanged or refused item leaves it as it is), and then in the same round trip as the
// release of the one before: SQLite, PostgreSQL and CockroachDB all take both statements in
// one call without parameters, and keep a savepoint after a rollback to it.
type savepoint struct {
	tx    *Tx
	set   bool // a savepoint is open
	dirty bool // an item changed rows since it was set, which a rollback to it would undo
}

// begin makes sure that a rollback to the savepoint undoes only what comes next.
func (s *savepoint) begin() error {
	var q string
	switch {
	case s.set && !s.dirty:
		return nil
	case s.set:
		q = `RELEASE SAVEPOINT item; SAVEPOINT item`
	default:
		q = `SAVEPOINT item`
	}
	if _, err := s.tx.exec(q); err != nil {
		return err
	}
	s.set, s.dirty = true, false
	return nil
}

// rollback undoes what was done since begin; the savepoint stays set.
func (s *savepoint) rollback() error {
	_, err := s.tx.exec(`ROLLBACK TO SAVEPOINT item`)
	return err
}
