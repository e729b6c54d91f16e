package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
)

// Limits of the free text a number carries.
const (
	maxNotes  = 512 // runes of a grant's notes
	maxReason = 512 // runes of a void's or a rejection's reason
)

const numberColumns = `n.sn, n.instance_id, i.product, n.owner, n.granted_to, n.grant_notes, n.state, n.filing_id,
	n.beian_num, n.seq, n.issued_at, n.updated_at, n.voided_reason
	FROM numbers n JOIN instances i ON i.id = n.instance_id`

func scanNumber(row scanner) (*icpcheck.ServiceNumber, error) {
	var n icpcheck.ServiceNumber
	var granted, filing sql.NullString
	var issued, updated int64
	if err := row.Scan(&n.SN, &n.InstanceID, &n.Product, &n.Owner, &granted, &n.GrantNotes, &n.State, &filing,
		&n.BeianNum, &n.Seq, &issued, &updated, &n.VoidedReason); err != nil {
		return nil, err
	}
	n.GrantedTo, n.FilingID = granted.String, filing.String
	n.IssuedAt, n.UpdatedAt = fromMicros(issued), fromMicros(updated)
	return &n, nil
}

// number returns a number, locked for the rest of the transaction when lock is set, and
// ENOTFOUND sn_not_found when it does not exist or the actor is neither its owner nor its
// grantee (nor an admin). Numbers are kept in lower case; any case finds them.
func (tx *Tx) number(sn string, lock bool) (*icpcheck.ServiceNumber, error) {
	n, err := tx.anyNumber(sn, lock)
	if err != nil {
		return nil, err
	}
	if !tx.actor.CanActFor(n.Owner) && (n.GrantedTo == "" || !tx.actor.CanActFor(n.GrantedTo)) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "sn_not_found")
	}
	return n, nil
}

// anyNumber returns a number whoever the actor is, locked when lock is set.
func (tx *Tx) anyNumber(sn string, lock bool) (*icpcheck.ServiceNumber, error) {
	if !icpcheck.ValidSN(sn) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "sn_not_found")
	}
	q := `SELECT ` + numberColumns + ` WHERE n.sn = $1`
	if lock {
		q += tx.db.dialect.lockOf("n") // the number, not the instance it joins
	}
	n, err := scanNumber(tx.queryRow(q, strings.ToLower(sn)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "sn_not_found")
	}
	return n, err
}

// setNumberState moves a number from one state to another, guarded so that a number that
// left from meanwhile is not touched; reason is kept when it becomes invalid.
func (tx *Tx) setNumberState(sn string, from, to icpcheck.NumberState, reason string) error {
	q := `UPDATE numbers SET state = $3, updated_at = $4 WHERE sn = $1 AND state = $2`
	args := []any{sn, int(from), int(to), micros(tx.now)}
	if to == icpcheck.NumberInvalid {
		q = `UPDATE numbers SET state = $3, updated_at = $4, voided_reason = $5 WHERE sn = $1 AND state = $2`
		args = append(args, reason)
	}
	n, err := tx.exec(q, args...)
	if err != nil {
		return err
	}
	if n != 1 {
		return errors.New("number " + sn + " left state " + from.String() + " during the transaction")
	}
	data := map[string]any{"from": int(from), "to": int(to)}
	if to == icpcheck.NumberInvalid {
		data["reason"] = reason
	}
	return tx.audit("number.state", sn, data)
}

// IssueNumbers issues req.Num numbers to an instance that is eligible at that moment, all or
// nothing. An empty req.Owner means the instance's owner for an admin and the actor's own
// account for a customer. A customer naming another's instance finds no instance.
func (db *DB) IssueNumbers(ctx context.Context, req icpcheck.IssueRequest) ([]*icpcheck.ServiceNumber, error) {
	if req.Num < icpcheck.MinIssue || req.Num > icpcheck.MaxIssue {
		return nil, icpcheck.Invalid("num", "num_out_of_range", icpcheck.MinIssue, icpcheck.MaxIssue)
	}
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if req.Owner == "" && actor.Role != icpcheck.RoleAdmin {
		req.Owner = actor.Account
	}
	if req.Owner != "" && !actor.CanActFor(req.Owner) {
		return nil, icpcheck.Errorf(icpcheck.EFORBIDDEN, "not_owner")
	}
	var nums []*icpcheck.ServiceNumber
	err = db.update(ctx, "IssueNumbers", func(tx *Tx) error {
		r, err := tx.visibleInstance(req.InstanceID, true)
		if err != nil {
			return err
		}
		if req.Product != "" && r.Instance.Product != req.Product {
			return icpcheck.Errorf(icpcheck.ENOTFOUND, "instance_not_found")
		}
		if req.Owner != "" && r.Instance.Owner != req.Owner {
			return icpcheck.Errorf(icpcheck.EFORBIDDEN, "not_owner")
		}
		nums, err = tx.issue(r, req.Num)
		return err
	})
	if err != nil {
		return nil, err
	}
	return nums, nil
}

// issue issues num numbers to a locked instance: the instance must be eligible now, and the
// guarded update refuses, in the database, any issue that would exceed the quota.
func (tx *Tx) issue(r *instanceRow, num int) ([]*icpcheck.ServiceNumber, error) {
	in := r.Instance
	res := eligibility.CheckWithLedger(in, tx.db.policy, tx.now, r.Issued)
	if failed := failing(res, icpcheck.CodeQuota); len(failed) > 0 {
		return nil, refusal("not_eligible", failed)
	}
	quota := res.Quota
	n, err := tx.exec(`UPDATE instances SET issued = issued + $2, quota = $3 WHERE id = $1 AND issued + $2 <= $3`,
		in.ID, num, quota)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, icpcheck.Errorf(icpcheck.ECONFLICT, "quota_exceeded", quota, r.Issued, num)
	}
	nums := make([]*icpcheck.ServiceNumber, num)
	for i := range nums {
		sn := &icpcheck.ServiceNumber{
			SN: icpcheck.NewSN(), InstanceID: in.ID, Product: in.Product, Owner: in.Owner,
			State: icpcheck.NumberUnbound, Seq: r.Issued + i + 1, IssuedAt: tx.now, UpdatedAt: tx.now,
		}
		if _, err := tx.exec(`INSERT INTO numbers (sn, instance_id, seq, owner, grant_notes, state, beian_num, voided_reason, issued_at, updated_at)
			VALUES ($1, $2, $3, $4, '', 0, '', '', $5, $5)`, sn.SN, sn.InstanceID, sn.Seq, sn.Owner, micros(tx.now)); err != nil {
			return nil, err
		}
		if err := tx.audit("number.issue", sn.SN, map[string]any{"instance": in.ID, "owner": in.Owner, "seq": sn.Seq}); err != nil {
			return nil, err
		}
		nums[i] = sn
	}
	r.Issued += num
	return nums, nil
}

// failing returns the checks of res that failed, leaving out the codes in ignore.
func failing(res *icpcheck.CheckResult, ignore ...string) []icpcheck.Check {
	var out []icpcheck.Check
	for _, c := range res.Checks {
		if c.Status == icpcheck.Fail && !slices.Contains(ignore, c.Code) {
			out = append(out, c)
		}
	}
	return out
}

// refusal is the ECONFLICT error of failing checks: the checks themselves, and their codes
// as the message's parameter.
func refusal(reason string, checks []icpcheck.Check) *icpcheck.Error {
	codes := make([]string, len(checks))
	for i, c := range checks {
		codes[i] = c.Code
	}
	return &icpcheck.Error{Code: icpcheck.ECONFLICT, Reason: reason, Params: []any{strings.Join(codes, ", ")}, Checks: checks}
}

// FindNumber returns a number its owner or grantee (or an admin) may see.
func (db *DB) FindNumber(ctx context.Context, sn string) (*icpcheck.ServiceNumber, error) {
	if _, err := icpcheck.RequireActor(ctx); err != nil {
		return nil, err
	}
	var n *icpcheck.ServiceNumber
	err := db.lookup(ctx, "FindNumber", func(tx *Tx) error {
		var err error
		n, err = tx.number(sn, false)
		return err
	})
	return n, err
}

// FindNumbers returns a page of numbers in issue order and the total that match. A customer
// finds only the numbers it owns or was granted.
func (db *DB) FindNumbers(ctx context.Context, f icpcheck.NumberFilter) ([]*icpcheck.ServiceNumber, int, error) {
	actor, limit, err := listing(ctx, f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	var w where
	w.account(actor, f.Account, "(n.owner = ? OR n.granted_to = ?)")
	if f.InstanceID != "" {
		w.add("n.instance_id = ?", f.InstanceID)
	}
	if f.State != nil {
		w.add("n.state = ?", int(*f.State))
	}
	return findPage(db, ctx, "FindNumbers", numberColumns, "numbers n", &w, "n.instance_id, n.seq", limit, scanNumber)
}

// GrantNumber grants an unbound number of owner to another account, which is created as a
// customer when it does not exist yet.
func (db *DB) GrantNumber(ctx context.Context, sn, owner, grantee, notes string) (*icpcheck.ServiceNumber, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case !icpcheck.ValidAccountID(owner):
		return nil, icpcheck.Invalid("owner", "bad_account")
	case !icpcheck.ValidAccountID(grantee):
		return nil, icpcheck.Invalid("grantee", "bad_account")
	case utf8.RuneCountInString(notes) > maxNotes || !utf8.ValidString(notes):
		return nil, icpcheck.Invalid("notes", "too_long", maxNotes)
	case !actor.CanActFor(owner):
		return nil, icpcheck.Errorf(icpcheck.EFORBIDDEN, "forbidden_account", owner)
	}
	var n *icpcheck.ServiceNumber
	err = db.update(ctx, "GrantNumber", func(tx *Tx) error {
		var err error
		if n, err = tx.number(sn, true); err != nil {
			return err
		}
		switch {
		case n.Owner != owner:
			return icpcheck.Errorf(icpcheck.EFORBIDDEN, "sn_not_owned")
		case grantee == owner:
			return icpcheck.Invalid("grantee", "grant_to_self")
		case n.State != icpcheck.NumberUnbound:
			return icpcheck.Errorf(icpcheck.ECONFLICT, "sn_not_unbound", n.State.String())
		case n.GrantedTo != "" && n.GrantedTo != grantee:
			return icpcheck.Errorf(icpcheck.ECONFLICT, "already_granted", n.GrantedTo)
		}
		if _, err := tx.ensureAccount(grantee, icpcheck.RoleCustomer); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE numbers SET granted_to = $2, grant_notes = $3, updated_at = $4 WHERE sn = $1 AND state = 0`,
			n.SN, grantee, notes, micros(tx.now)); err != nil {
			return err
		}
		n.GrantedTo, n.GrantNotes, n.UpdatedAt = grantee, notes, tx.now
		return tx.audit("number.grant", n.SN, map[string]any{"owner": owner, "grantee": grantee, "notes": notes})
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// VoidNumber makes a number invalid; it stays counted against the quota. Admin only. A
// number already invalid is returned as it is.
func (db *DB) VoidNumber(ctx context.Context, sn, reason string) (*icpcheck.ServiceNumber, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(reason) > maxReason || !utf8.ValidString(reason) {
		return nil, icpcheck.Invalid("reason", "too_long", maxReason)
	}
	var n *icpcheck.ServiceNumber
	err := db.update(ctx, "VoidNumber", func(tx *Tx) error {
		var err error
		if n, err = tx.number(sn, true); err != nil {
			return err
		}
		switch n.State {
		case icpcheck.NumberInvalid:
			return nil
		case icpcheck.NumberUnderReview, icpcheck.NumberFiled:
			return icpcheck.Errorf(icpcheck.ECONFLICT, "sn_in_use")
		}
		if err := tx.setNumberState(n.SN, n.State, icpcheck.NumberInvalid, reason); err != nil {
			return err
		}
		n.State, n.VoidedReason, n.UpdatedAt = icpcheck.NumberInvalid, reason, tx.now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}
