package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	// A batch is written first as a whole, in a few statements. Only when the database refuses
	// something of it does it run again, one instance at a time, each after a savepoint that
	// undoes it alone: savepoints cost a round trip an instance and, on PostgreSQL, a
	// subtransaction each (past 64 in one transaction, every snapshot taken meanwhile on the
	// server gets slower).
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
// Without savepoints it writes the whole batch in a few statements, and a refusal by the
// database ends the run with errSavepoints; with them it writes one instance at a time.
func (tx *Tx) putInstances(op string, puts []*put, results []icpcheck.PutResult, savepoints bool) error {
	current, err := tx.lockInstances(puts)
	if err != nil {
		return err
	}
	accounts, err := tx.existingOwners(puts, current)
	if err != nil {
		return err
	}
	if savepoints {
		return tx.putEach(op, puts, results, current, accounts)
	}
	if err := tx.putAll(puts, results, current, accounts); err != nil {
		if tx.endsBatch(err) {
			return err
		}
		return errSavepoints
	}
	return nil
}

// decide says what putting p over old (nil: none stored) comes to, before anything is
// written: created, updated, unchanged, or refused.
func decide(p *put, old *stored) (icpcheck.PutAction, error) {
	switch {
	case old == nil:
		return icpcheck.PutCreated, nil
	case bytes.Equal(old.doc, p.doc):
		return icpcheck.PutUnchanged, nil
	case old.owner != p.in.Owner && old.issued > 0:
		return "", icpcheck.Errorf(icpcheck.ECONFLICT, "owner_change", old.owner)
	}
	return icpcheck.PutUpdated, nil
}

// needsOwner reports whether putting p over old may have to create its owner's account: not
// when the stored instance already names the owner (a foreign key says the account exists),
// nor when the batch knows it exists.
func needsOwner(p *put, old *stored, accounts map[string]bool) bool {
	return (old == nil || old.owner != p.in.Owner) && !accounts[p.in.Owner]
}

// after returns what is stored of p's instance once it is put over old.
func (p *put) after(old *stored) *stored {
	s := &stored{owner: p.in.Owner, doc: p.doc}
	if old != nil {
		s.issued = old.issued
	}
	return s
}

// write is a put that changes its instance, as putAll decided it.
type write struct {
	*put
	old      *stored // nil: the instance is created
	newOwner bool    // the first of the batch to need its owner's account, which may be missing
}

// putAll writes the batch in a few statements: it decides every put first, then creates the
// missing owner accounts in one INSERT and the new instances in a few (putRows rows each),
// and then, in the batch's order, updates the changed instances one by one and
// records every event, so that the log reads exactly as if the instances were put one after
// the other. Any error ends it, the database's refusals included.
func (tx *Tx) putAll(puts []*put, results []icpcheck.PutResult, current map[string]*stored, accounts map[string]bool) error {
	writes := make([]write, 0, len(puts))
	var owners []string
	var created []*put
	for _, p := range puts {
		res := &results[p.index]
		old := current[p.in.ID]
		action, err := decide(p, old)
		*res = icpcheck.PutResult{Action: action, Err: err}
		if err != nil || action == icpcheck.PutUnchanged {
			continue
		}
		w := write{put: p, old: old, newOwner: needsOwner(p, old, accounts)}
		if w.newOwner {
			owners = append(owners, p.in.Owner)
		}
		if old == nil {
			created = append(created, p)
		}
		accounts[p.in.Owner] = true
		current[p.in.ID] = p.after(old)
		writes = append(writes, w)
	}
	// Rows are created in key order, whatever the batch's, so that concurrent batches that
	// create the same ones wait for each other rather than deadlock.
	slices.Sort(owners)
	slices.SortFunc(created, func(a, b *put) int { return strings.Compare(a.in.ID, b.in.ID) })
	made, err := tx.createAccounts(owners, icpcheck.RoleCustomer)
	if err != nil {
		return err
	}
	if err := tx.insertInstances(created); err != nil {
		return err
	}
	for _, w := range writes {
		if w.newOwner && made[w.in.Owner] {
			if err := tx.auditAccount(w.in.Owner, icpcheck.RoleCustomer); err != nil {
				return err
			}
		}
		if w.old != nil {
			if err := tx.updateInstance(w.put); err != nil {
				return err
			}
		}
		if err := tx.recordPut(w.put, w.old); err != nil {
			return err
		}
	}
	return nil
}

// putEach writes the batch one instance at a time, each after a savepoint that undoes it
// alone when the database refuses it.
func (tx *Tx) putEach(op string, puts []*put, results []icpcheck.PutResult, current map[string]*stored, accounts map[string]bool) error {
	sp := savepoint{tx: tx}
	for _, p := range puts {
		res := &results[p.index]
		old := current[p.in.ID]
		action, err := decide(p, old)
		*res = icpcheck.PutResult{Action: action, Err: err}
		if err != nil || action == icpcheck.PutUnchanged {
			continue
		}
		if err := sp.begin(); err != nil {
			return err
		}
		events := len(tx.events)
		if err := tx.writeInstance(p, old, needsOwner(p, old, accounts)); err != nil {
			if tx.endsBatch(err) {
				return err
			}
			if err := sp.rollback(); err != nil {
				return err
			}
			tx.events = tx.events[:events]
			*res = icpcheck.PutResult{Err: tx.db.domainOr(tx.ctx, op, err)}
			continue
		}
		sp.dirty = true
		accounts[p.in.Owner] = true
		current[p.in.ID] = p.after(old)
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
func (tx *Tx) writeInstance(p *put, old *stored, ensureOwner bool) error {
	if ensureOwner {
		if _, err := tx.createAccount(p.in.Owner, icpcheck.RoleCustomer); err != nil {
			return err
		}
	}
	var err error
	if old == nil {
		err = tx.insertInstances([]*put{p})
	} else {
		err = tx.updateInstance(p)
	}
	if err != nil {
		return err
	}
	return tx.recordPut(p, old)
}

// putRows is how many instances one INSERT creates: 7 parameters each, and SQLite prepares a
// statement in a time that grows with the square of its parameters (see auditInsert).
const putRows = 50

// insertInstances creates the instances of puts, none of which exists.
func (tx *Tx) insertInstances(puts []*put) error {
	for chunk := range slices.Chunk(puts, putRows) {
		values := make([]string, 0, len(chunk))
		args := make([]any, 1, 1+7*len(chunk))
		args[0] = micros(tx.now)
		for _, p := range chunk {
			n := len(args)
			values = append(values, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d, 0, 0, $1, $1)", n+1, n+2, n+3, n+4, n+5, n+6, n+7))
			in := p.in
			args = append(args, in.ID, in.Owner, in.Product, string(in.Status), in.Region, p.expires, string(p.doc))
		}
		if _, err := tx.exec(`INSERT INTO instances (id, owner, product, status, region, expires_at, doc, issued, quota, created_at, updated_at) VALUES `+
			strings.Join(values, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// updateInstance replaces a stored instance with p's.
func (tx *Tx) updateInstance(p *put) error {
	in := p.in
	_, err := tx.exec(`UPDATE instances SET owner = $2, product = $3, status = $4, region = $5, expires_at = $6, doc = $7, updated_at = $8
		WHERE id = $1`,
		in.ID, in.Owner, in.Product, string(in.Status), in.Region, p.expires, string(p.doc), micros(tx.now))
	return err
}

// recordPut records the event of a put that created p's instance (old is nil) or replaced
// old, and makes the unbound numbers of an instance it released invalid.
func (tx *Tx) recordPut(p *put, old *stored) error {
	in := p.in
	// The event carries the whole instance, so that the log tells what an instance was when
	// its numbers were issued.
	data := map[string]any{"owner": in.Owner, "product": in.Product, "status": string(in.Status), "instance": json.RawMessage(p.doc)}
	event := "instance.create"
	if old != nil {
		event = "instance.update"
	}
	if err := tx.audit(event, in.ID, data); err != nil {
		return err
	}
	if old != nil && in.Status == icpcheck.StatusReleased { // a new instance has no numbers
		return tx.invalidateUnbound(in.ID)
	}
	return nil
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
