package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
)

const filingColumns = `id, type, filer, sn, instance_id, domains, app_name, access, state, beian_num, reject_reason,
	created_at, updated_at, submitted_at, filed_at FROM filings`

func scanFiling(row scanner) (*icpcheck.Filing, error) {
	var f icpcheck.Filing
	var typ, state, domains, access string
	var created, updated int64
	var submitted, filed sql.NullInt64
	if err := row.Scan(&f.ID, &typ, &f.Filer, &f.SN, &f.InstanceID, &domains, &f.AppName, &access, &state,
		&f.BeianNum, &f.RejectReason, &created, &updated, &submitted, &filed); err != nil {
		return nil, err
	}
	f.Type, f.State = icpcheck.FilingType(typ), icpcheck.FilingState(state)
	if err := json.Unmarshal([]byte(domains), &f.Domains); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(access), &f.Access); err != nil {
		return nil, err
	}
	f.CreatedAt, f.UpdatedAt = fromMicros(created), fromMicros(updated)
	f.SubmittedAt, f.FiledAt = optionalTime(submitted), optionalTime(filed)
	return &f, nil
}

func optionalTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func optionalMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}

// newFilingID returns a random filing id: "f-" and 16 hex digits.
func newFilingID() string {
	var b [8]byte
	rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return "f-" + hex.EncodeToString(b[:])
}

// filing returns a filing the actor may see (its filer's, or any for an admin), locked for
// the rest of the transaction when lock is set.
func (tx *Tx) filing(id string, lock bool) (*icpcheck.Filing, error) {
	q := `SELECT ` + filingColumns + ` WHERE id = $1`
	if lock {
		q = tx.forUpdate(q)
	}
	f, err := scanFiling(tx.queryRow(q, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "filing_not_found")
	case err != nil:
		return nil, err
	case !tx.actor.CanActFor(f.Filer):
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "filing_not_found")
	}
	return f, nil
}

// validateFiling checks and normalizes what a filing declares.
func validateFiling(f *icpcheck.Filing) error {
	switch f.Type {
	case icpcheck.FilingWebsite:
		if f.AppName != "" {
			return icpcheck.Invalid("app_name", "not_for_type", string(f.Type))
		}
		domains, err := normalizeDomains(f.Domains)
		if err != nil {
			return err
		}
		f.Domains = domains
	case icpcheck.FilingApp:
		if len(f.Domains) > 0 {
			return icpcheck.Invalid("domains", "not_for_type", string(f.Type))
		}
		if err := validAppName(f.AppName); err != nil {
			return err
		}
		f.Domains = nil
	case "":
		return icpcheck.Invalid("type", "required")
	default:
		return icpcheck.Invalid("type", "bad_enum", string(f.Type), "website, app")
	}
	return validateAccess(&f.Access)
}

// CreateFiling creates a draft filing and binds its number: the number named, or one issued
// from the named instance in the same transaction.
func (db *DB) CreateFiling(ctx context.Context, req icpcheck.FilingCreate) (*icpcheck.Filing, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if req.Filer == "" && actor.Role != icpcheck.RoleAdmin {
		req.Filer = actor.Account
	}
	f := &icpcheck.Filing{Type: req.Type, Filer: req.Filer, Domains: slices.Clone(req.Domains), AppName: req.AppName, Access: req.Access}
	f.Access.IPs = slices.Clone(req.Access.IPs)
	switch {
	case f.Filer == "":
		return nil, icpcheck.Invalid("filer", "required")
	case !icpcheck.ValidAccountID(f.Filer):
		return nil, icpcheck.Invalid("filer", "bad_account")
	case req.SN == "" && req.InstanceID == "":
		return nil, icpcheck.Invalid("sn", "sn_or_instance")
	case req.SN != "" && req.InstanceID != "":
		return nil, icpcheck.Invalid("instance_id", "sn_or_instance")
	case !actor.CanActFor(f.Filer):
		return nil, icpcheck.Errorf(icpcheck.EFORBIDDEN, "forbidden_account", f.Filer)
	}
	if err := validateFiling(f); err != nil {
		return nil, err
	}
	err = db.update(ctx, "CreateFiling", func(tx *Tx) error {
		f.ID, f.State, f.CreatedAt, f.UpdatedAt = newFilingID(), icpcheck.FilingDraft, tx.now, tx.now
		if req.SN != "" {
			n, err := tx.number(req.SN, true)
			switch {
			case err != nil:
				return err
			case !n.UsableBy(f.Filer):
				return icpcheck.Errorf(icpcheck.EFORBIDDEN, "sn_not_usable")
			case n.State != icpcheck.NumberUnbound:
				return icpcheck.Errorf(icpcheck.ECONFLICT, "sn_not_unbound", n.State.String())
			}
			f.SN, f.InstanceID = n.SN, n.InstanceID
		} else {
			r, err := tx.visibleInstance(req.InstanceID, true)
			if err != nil {
				return err
			}
			if r.Instance.Owner != f.Filer {
				return icpcheck.Errorf(icpcheck.EFORBIDDEN, "sn_not_usable")
			}
			nums, err := tx.issue(r, 1)
			if err != nil {
				return err
			}
			f.SN, f.InstanceID = nums[0].SN, r.Instance.ID
		}
		if _, err := tx.ensureAccount(f.Filer, icpcheck.RoleCustomer); err != nil {
			return err
		}
		if err := tx.insertFiling(f); err != nil {
			return err
		}
		n, err := tx.exec(`UPDATE numbers SET state = 1, filing_id = $2, updated_at = $3 WHERE sn = $1 AND state = 0`,
			f.SN, f.ID, micros(tx.now))
		if err != nil {
			return err
		}
		if n != 1 {
			return errors.New("number " + f.SN + " left the unbound state during the transaction")
		}
		if err := tx.audit("number.bind", f.SN, map[string]any{"filing": f.ID, "filer": f.Filer}); err != nil {
			return err
		}
		return tx.audit("filing.create", f.ID, filingAuditData(f))
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func filingAuditData(f *icpcheck.Filing) map[string]any {
	return map[string]any{"sn": f.SN, "instance": f.InstanceID, "filer": f.Filer, "type": string(f.Type),
		"domains": f.Domains, "app_name": f.AppName, "state": string(f.State)}
}

func (tx *Tx) insertFiling(f *icpcheck.Filing) error {
	domains, access, err := filingDocs(f)
	if err != nil {
		return err
	}
	if _, err := tx.exec(`INSERT INTO filings (id, type, filer, sn, instance_id, domains, app_name, access, state, beian_num,
		reject_reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', '', $10, $10)`,
		f.ID, string(f.Type), f.Filer, f.SN, f.InstanceID, domains, f.AppName, access, string(f.State), micros(f.CreatedAt)); err != nil {
		return err
	}
	return tx.insertDomains(f)
}

func (tx *Tx) insertDomains(f *icpcheck.Filing) error {
	for _, d := range f.Domains {
		if _, err := tx.exec(`INSERT INTO filing_domains (domain, filing_id) VALUES ($1, $2)`, d, f.ID); err != nil {
			return err
		}
	}
	return nil
}

func filingDocs(f *icpcheck.Filing) (domains, access string, err error) {
	d := f.Domains
	if d == nil {
		d = []string{}
	}
	db, err := json.Marshal(d)
	if err != nil {
		return "", "", err
	}
	ab, err := json.Marshal(f.Access)
	return string(db), string(ab), err
}

// saveFiling writes a changed filing back and records the change as action.
func (tx *Tx) saveFiling(f *icpcheck.Filing, action string, data map[string]any) error {
	domains, access, err := filingDocs(f)
	if err != nil {
		return err
	}
	f.UpdatedAt = tx.now
	if _, err := tx.exec(`UPDATE filings SET domains = $2, app_name = $3, access = $4, state = $5, beian_num = $6,
		reject_reason = $7, updated_at = $8, submitted_at = $9, filed_at = $10 WHERE id = $1`,
		f.ID, domains, f.AppName, access, string(f.State), f.BeianNum, f.RejectReason, micros(f.UpdatedAt),
		optionalMicros(f.SubmittedAt), optionalMicros(f.FiledAt)); err != nil {
		return err
	}
	if data == nil {
		data = map[string]any{}
	}
	data["state"] = string(f.State)
	return tx.audit(action, f.ID, data)
}

// FindFiling returns a filing; a customer finds only its own.
func (db *DB) FindFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireActor(ctx); err != nil {
		return nil, err
	}
	var f *icpcheck.Filing
	err := db.lookup(ctx, "FindFiling", func(tx *Tx) error {
		var err error
		f, err = tx.filing(id, false)
		return err
	})
	return f, err
}

// FindFilings returns a page of filings, newest first, and the total that match. A customer
// finds only its own.
func (db *DB) FindFilings(ctx context.Context, flt icpcheck.FilingFilter) ([]*icpcheck.Filing, int, error) {
	actor, limit, err := listing(ctx, flt.Offset, flt.Limit)
	if err != nil {
		return nil, 0, err
	}
	var w where
	w.account(actor, flt.Filer, "filer = ?")
	if flt.InstanceID != "" {
		w.add("instance_id = ?", flt.InstanceID)
	}
	if flt.SN != "" {
		w.add("sn = ?", strings.ToLower(flt.SN))
	}
	if flt.State != "" {
		w.add("state = ?", string(flt.State))
	}
	if flt.Type != "" {
		w.add("type = ?", string(flt.Type))
	}
	if flt.Domain != "" {
		d, _ := normalizeDomain(flt.Domain)
		w.add("id IN (SELECT filing_id FROM filing_domains WHERE domain = ?)", d)
	}
	return findPage(db, ctx, "FindFilings", filingColumns, "filings", &w, "created_at DESC, id DESC", limit, scanFiling)
}

// UpdateFiling changes what a draft or rejected filing declares.
func (db *DB) UpdateFiling(ctx context.Context, id string, upd icpcheck.FilingUpdate) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireActor(ctx); err != nil {
		return nil, err
	}
	var f *icpcheck.Filing
	err := db.update(ctx, "UpdateFiling", func(tx *Tx) error {
		var err error
		if f, err = tx.filing(id, true); err != nil {
			return err
		}
		if !f.State.Editable() {
			return stateError(f.State)
		}
		oldDomains := f.Domains
		if upd.Domains != nil {
			f.Domains = slices.Clone(upd.Domains)
		}
		if upd.AppName != nil {
			f.AppName = *upd.AppName
		}
		if upd.Access != nil {
			f.Access = *upd.Access
			f.Access.IPs = slices.Clone(upd.Access.IPs)
		}
		if err := validateFiling(f); err != nil {
			return err
		}
		if !slices.Equal(oldDomains, f.Domains) {
			if _, err := tx.exec(`DELETE FROM filing_domains WHERE filing_id = $1`, f.ID); err != nil {
				return err
			}
			if err := tx.insertDomains(f); err != nil {
				return err
			}
		}
		return tx.saveFiling(f, "filing.update", map[string]any{"domains": f.Domains, "app_name": f.AppName})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func stateError(s icpcheck.FilingState) error {
	return icpcheck.Errorf(icpcheck.ECONFLICT, "filing_state", string(s))
}

// transition moves a filing the actor may act on from one of the states in from to the state
// to, with its number following (a voided number stays invalid), after check, if any, lets it.
func (db *DB) transition(ctx context.Context, op, id string, from []icpcheck.FilingState, to icpcheck.FilingState,
	check func(tx *Tx, f *icpcheck.Filing, n *icpcheck.ServiceNumber) error) (*icpcheck.Filing, error) {
	var f *icpcheck.Filing
	err := db.update(ctx, op, func(tx *Tx) error {
		var err error
		if f, err = tx.filing(id, true); err != nil {
			return err
		}
		if !slices.Contains(from, f.State) {
			return stateError(f.State)
		}
		n, err := tx.anyNumber(f.SN, true) // the filer may be its grantee
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(tx, f, n); err != nil {
				return err
			}
		}
		data := map[string]any{"from": string(f.State), "sn": f.SN}
		if f.BeianNum != "" {
			data["beian_num"] = f.BeianNum
		}
		if f.RejectReason != "" && to == icpcheck.FilingRejected {
			data["reason"] = f.RejectReason
		}
		f.State = to
		if want := to.NumberState(); n.State != icpcheck.NumberInvalid && n.State != want {
			if err := tx.setNumberState(n.SN, n.State, want, string(to)); err != nil {
				return err
			}
		}
		if to == icpcheck.FilingFiled {
			if _, err := tx.exec(`UPDATE numbers SET beian_num = $2 WHERE sn = $1`, n.SN, f.BeianNum); err != nil {
				return err
			}
		}
		return tx.saveFiling(f, "filing."+op, data)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// SubmitFiling verifies the access information against the instance and submits the filing
// for review.
func (db *DB) SubmitFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireActor(ctx); err != nil {
		return nil, err
	}
	return db.transition(ctx, "submit", id, []icpcheck.FilingState{icpcheck.FilingDraft, icpcheck.FilingRejected}, icpcheck.FilingSubmitted,
		func(tx *Tx, f *icpcheck.Filing, n *icpcheck.ServiceNumber) error {
			if n.State == icpcheck.NumberInvalid {
				return icpcheck.Errorf(icpcheck.ECONFLICT, "sn_invalid")
			}
			r, err := tx.instance(f.InstanceID, false)
			if err != nil {
				return err
			}
			res := eligibility.VerifyAccess(f.Access, r.Instance, tx.db.policy, tx.now)
			failed := failing(res, icpcheck.CodeQuota)
			for _, c := range failed {
				if slices.Contains(eligibility.AccessCodes, c.Code) {
					return refusal("access_mismatch", failed)
				}
			}
			if len(failed) > 0 {
				return refusal("not_eligible", failed)
			}
			t := tx.now
			f.SubmittedAt, f.RejectReason = &t, ""
			return nil
		})
}

// ApproveFiling records the MIIT filing number of a submitted filing. Admin only.
func (db *DB) ApproveFiling(ctx context.Context, id, beianNum string) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	beianNum = strings.TrimSpace(beianNum)
	if beianNum == "" {
		return nil, icpcheck.Invalid("beian_num", "required")
	}
	if !validBeianNum(beianNum) {
		return nil, icpcheck.Invalid("beian_num", "bad_beian_num", beianNum)
	}
	return db.transition(ctx, "approve", id, []icpcheck.FilingState{icpcheck.FilingSubmitted}, icpcheck.FilingFiled,
		func(tx *Tx, f *icpcheck.Filing, _ *icpcheck.ServiceNumber) error {
			t := tx.now
			f.BeianNum, f.FiledAt = beianNum, &t
			return nil
		})
}

// RejectFiling sends a submitted filing back to the filer. Admin only.
func (db *DB) RejectFiling(ctx context.Context, id, reason string) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(reason) > maxReason || !utf8.ValidString(reason) {
		return nil, icpcheck.Invalid("reason", "too_long", maxReason)
	}
	return db.transition(ctx, "reject", id, []icpcheck.FilingState{icpcheck.FilingSubmitted}, icpcheck.FilingRejected,
		func(tx *Tx, f *icpcheck.Filing, _ *icpcheck.ServiceNumber) error {
			f.RejectReason = strings.TrimSpace(reason)
			return nil
		})
}

// DeregisterFiling ends a filing (注销备案): a filed one, or a draft or rejected one that its
// filer gives up. Its number is never freed.
func (db *DB) DeregisterFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireActor(ctx); err != nil {
		return nil, err
	}
	return db.transition(ctx, "deregister", id,
		[]icpcheck.FilingState{icpcheck.FilingDraft, icpcheck.FilingRejected, icpcheck.FilingFiled}, icpcheck.FilingDeregistered, nil)
}

// RemoveProvider ends the provider's part in a filed filing (取消接入). Its number is never
// freed.
func (db *DB) RemoveProvider(ctx context.Context, id string) (*icpcheck.Filing, error) {
	if _, err := icpcheck.RequireActor(ctx); err != nil {
		return nil, err
	}
	return db.transition(ctx, "remove_provider", id, []icpcheck.FilingState{icpcheck.FilingFiled}, icpcheck.FilingProviderRemoved, nil)
}
