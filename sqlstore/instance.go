package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
)

// instanceRow is an instance as the store holds it: the record and its quota column, the
// quota last applied by the guarded issue.
type instanceRow struct {
	icpcheck.InstanceRecord
	doc []byte
}

const instanceColumns = `id, doc, issued, created_at, updated_at FROM instances`

func scanInstance(row scanner) (*instanceRow, error) {
	var r instanceRow
	var id, doc string
	var created, updated int64
	if err := row.Scan(&id, &doc, &r.Issued, &created, &updated); err != nil {
		return nil, err
	}
	in, err := icpcheck.DecodeInstance([]byte(doc))
	if err != nil {
		return nil, errors.Join(errors.New("stored instance "+id+" does not decode"), err)
	}
	r.Instance, r.doc = in, []byte(doc)
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &r, nil
}

// instance returns a stored instance, locked for the rest of the transaction when lock is
// set. Returns ENOTFOUND instance_not_found.
func (tx *Tx) instance(id string, lock bool) (*instanceRow, error) {
	q := `SELECT ` + instanceColumns + ` WHERE id = $1`
	if lock {
		q = tx.forUpdate(q)
	}
	r, err := scanInstance(tx.queryRow(q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "instance_not_found")
	}
	return r, err
}

// visibleInstance returns an instance that the transaction's actor may see, and ENOTFOUND
// for one it may not, so that a customer cannot learn that another's instance exists.
func (tx *Tx) visibleInstance(id string, lock bool) (*instanceRow, error) {
	r, err := tx.instance(id, lock)
	if err != nil {
		return nil, err
	}
	if !tx.actor.CanActFor(r.Instance.Owner) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "instance_not_found")
	}
	return r, nil
}

// invalidateUnbound makes the unbound numbers of a released instance invalid; they stay
// counted against its quota. One guarded UPDATE picks them, so that a number bound by a
// concurrent filing is left to it.
func (tx *Tx) invalidateUnbound(instanceID string) error {
	rows, err := tx.query(`UPDATE numbers SET state = $3, voided_reason = 'released', updated_at = $4
		WHERE instance_id = $1 AND state = $2 RETURNING sn`,
		instanceID, int(icpcheck.NumberUnbound), int(icpcheck.NumberInvalid), micros(tx.now))
	if err != nil {
		return err
	}
	var sns []string
	for rows.Next() {
		var sn string
		if err := rows.Scan(&sn); err != nil {
			rows.Close()
			return err
		}
		sns = append(sns, sn)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	slices.Sort(sns) // the audit order must not depend on the database's
	for _, sn := range sns {
		data := map[string]any{"from": int(icpcheck.NumberUnbound), "to": int(icpcheck.NumberInvalid), "reason": "released"}
		if err := tx.audit("number.state", sn, data); err != nil {
			return err
		}
	}
	return nil
}

// FindInstance returns a stored instance. A customer finds only its own.
func (db *DB) FindInstance(ctx context.Context, id string) (*icpcheck.InstanceRecord, error) {
	if _, err := icpcheck.RequireActor(ctx); err != nil {
		return nil, err
	}
	var rec *icpcheck.InstanceRecord
	err := db.lookup(ctx, "FindInstance", func(tx *Tx) error {
		r, err := tx.visibleInstance(id, false)
		if err == nil {
			rec = &r.InstanceRecord
		}
		return err
	})
	return rec, err
}

// FindInstances returns a page of instances in id order and the total that match. A
// customer finds only its own.
func (db *DB) FindInstances(ctx context.Context, f icpcheck.InstanceFilter) ([]*icpcheck.InstanceRecord, int, error) {
	actor, limit, err := listing(ctx, f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	var w where
	w.account(actor, f.Owner, "owner = ?")
	if f.Product != "" {
		w.add("product = ?", f.Product)
	}
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			w.never()
		} else {
			w.in("id", f.IDs)
		}
	}
	return findPage(db, ctx, "FindInstances", instanceColumns, "instances", &w, "id", limit,
		func(row scanner) (*icpcheck.InstanceRecord, error) {
			r, err := scanInstance(row)
			if err != nil {
				return nil, err
			}
			return &r.InstanceRecord, nil
		})
}

// CheckInstance checks a stored instance at a moment, with the quota check filled in from
// its ledger.
func (db *DB) CheckInstance(ctx context.Context, id string, at time.Time) (*icpcheck.CheckResult, error) {
	rec, err := db.FindInstance(ctx, id)
	if err != nil {
		return nil, err
	}
	return eligibility.CheckWithLedger(rec.Instance, db.policy, at, rec.Issued), nil
}
