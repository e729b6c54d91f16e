package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
)

// AccessKey ids look like Alibaba Cloud's (LTAI and 20 characters), so that SDKs and the
// people reading logs take them for what they are; secrets are 30 characters, as Alibaba's.
const (
	keyIDPrefix   = "LTAI"
	keyIDLength   = 20
	secretLength  = 30
	maxNonceBytes = 128
	base62        = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// nonceSweepEvery is how many UseNonce calls pass between sweeps of expired nonces: often
// enough that the table stays small, rarely enough that signing stays one insert.
const nonceSweepEvery = 512

// randomBase62 returns n characters drawn uniformly from base62 with crypto/rand, rejecting
// the bytes that would bias the draw.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		rand.Read(buf[:]) // crypto/rand never fails on supported platforms
		for _, b := range buf {
			if b < 248 && len(out) < n { // 248 = 4*62: keeps every character equally likely
				out = append(out, base62[b%62])
			}
		}
	}
	return string(out)
}

// CreateAccessKey creates an AccessKey pair for account, creating the account with role when
// it does not exist. Admin only.
func (db *DB) CreateAccessKey(ctx context.Context, account string, role icpcheck.Role) (*icpcheck.AccessKey, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	if !icpcheck.ValidAccountID(account) {
		return nil, icpcheck.Invalid("account", "bad_account")
	}
	if !role.Valid() {
		return nil, icpcheck.Invalid("role", "bad_role")
	}
	var key *icpcheck.AccessKey
	err := db.update(ctx, "CreateAccessKey", func(tx *Tx) error {
		acct, err := tx.ensureAccount(account, role)
		if err != nil {
			return err
		}
		if acct.Role != role {
			return icpcheck.Errorf(icpcheck.ECONFLICT, "role_mismatch", string(acct.Role))
		}
		key = &icpcheck.AccessKey{
			ID: keyIDPrefix + randomBase62(keyIDLength), Secret: randomBase62(secretLength),
			Account: account, Role: role, CreatedAt: tx.now,
		}
		if _, err := tx.exec(`INSERT INTO access_keys (id, secret, account_id, created_at) VALUES ($1, $2, $3, $4)`,
			key.ID, key.Secret, key.Account, micros(key.CreatedAt)); err != nil {
			return err
		}
		return tx.audit("key.create", key.ID, map[string]any{"account": account, "role": string(role)})
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// ensureAccount returns the account, creating it with role when it does not exist.
func (tx *Tx) ensureAccount(id string, role icpcheck.Role) (*icpcheck.Account, error) {
	created, err := tx.createAccount(id, role)
	if err != nil {
		return nil, err
	}
	if created {
		return &icpcheck.Account{ID: id, Role: role, CreatedAt: tx.now}, nil
	}
	return tx.account(id)
}

// createAccount creates the account with role unless it exists, and reports whether it did.
func (tx *Tx) createAccount(id string, role icpcheck.Role) (bool, error) {
	n, err := tx.exec(`INSERT INTO accounts (id, role, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
		id, string(role), micros(tx.now))
	if err != nil || n == 0 {
		return false, err
	}
	return true, tx.auditAccount(id, role)
}

// createAccounts creates the accounts of ids that do not exist, with role, in one statement
// for up to 500, and returns those it created. It records no event: the caller records each
// with auditAccount where it belongs in the log.
func (tx *Tx) createAccounts(ids []string, role icpcheck.Role) (map[string]bool, error) {
	made := map[string]bool{}
	for chunk := range slices.Chunk(ids, 500) {
		values := make([]string, len(chunk))
		args := []any{string(role), micros(tx.now)}
		for i, id := range chunk {
			values[i] = "($" + itoa(len(args)+1) + ", $1, $2)"
			args = append(args, id)
		}
		rows, err := tx.query(`INSERT INTO accounts (id, role, created_at) VALUES `+strings.Join(values, ", ")+
			` ON CONFLICT (id) DO NOTHING RETURNING id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			made[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return made, nil
}

// auditAccount records the creation of an account.
func (tx *Tx) auditAccount(id string, role icpcheck.Role) error {
	return tx.audit("account.create", id, map[string]any{"role": string(role)})
}

func (tx *Tx) account(id string) (*icpcheck.Account, error) {
	var a icpcheck.Account
	var role string
	var created int64
	err := tx.queryRow(`SELECT id, role, created_at FROM accounts WHERE id = $1`, id).Scan(&a.ID, &role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "account_not_found")
	} else if err != nil {
		return nil, err
	}
	a.Role, a.CreatedAt = icpcheck.Role(role), fromMicros(created)
	return &a, nil
}

const keyColumns = `k.id, k.secret, k.account_id, a.role, k.created_at FROM access_keys k JOIN accounts a ON a.id = k.account_id`

func scanKey(row scanner) (*icpcheck.AccessKey, error) {
	var k icpcheck.AccessKey
	var role string
	var created int64
	if err := row.Scan(&k.ID, &k.Secret, &k.Account, &role, &created); err != nil {
		return nil, err
	}
	k.Role, k.CreatedAt = icpcheck.Role(role), fromMicros(created)
	return &k, nil
}

func (tx *Tx) key(id string) (*icpcheck.AccessKey, error) {
	k, err := scanKey(tx.queryRow(`SELECT `+keyColumns+` WHERE k.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "key_not_found")
	}
	return k, err
}

// FindAccessKey returns the key with id and its secret, for verifying a signature. It needs
// no actor.
func (db *DB) FindAccessKey(ctx context.Context, id string) (*icpcheck.AccessKey, error) {
	var key *icpcheck.AccessKey
	err := db.lookup(ctx, "FindAccessKey", func(tx *Tx) error {
		var err error
		key, err = tx.key(id)
		return err
	})
	return key, err
}

// FindAccessKeys returns the keys of account, or of every account for an admin asking with
// "", without their secrets. A customer sees its own only.
func (db *DB) FindAccessKeys(ctx context.Context, account string) ([]*icpcheck.AccessKey, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var w where
	switch {
	case actor.Role != icpcheck.RoleAdmin && account == "":
		w.add("k.account_id = ?", actor.Account)
	case !actor.CanActFor(account) && account != "":
		return []*icpcheck.AccessKey{}, nil
	case account != "":
		w.add("k.account_id = ?", account)
	}
	keys := []*icpcheck.AccessKey{}
	err = db.view(ctx, "FindAccessKeys", func(tx *Tx) error {
		rows, err := tx.query(`SELECT `+keyColumns+w.sql()+` ORDER BY k.account_id, k.created_at, k.id`, w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k, err := scanKey(rows)
			if err != nil {
				return err
			}
			k.Secret = ""
			keys = append(keys, k)
		}
		return rows.Err()
	})
	return keys, err
}

// DeleteAccessKey deletes a key. A customer may delete its own keys.
func (db *DB) DeleteAccessKey(ctx context.Context, id string) error {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return err
	}
	return db.update(ctx, "DeleteAccessKey", func(tx *Tx) error {
		k, err := tx.key(id)
		if err != nil {
			return err
		}
		if !actor.CanActFor(k.Account) {
			return icpcheck.Errorf(icpcheck.ENOTFOUND, "key_not_found")
		}
		if _, err := tx.exec(`DELETE FROM access_keys WHERE id = $1`, id); err != nil {
			return err
		}
		return tx.audit("key.delete", id, map[string]any{"account": k.Account})
	})
}

// FindAccount returns an account; a customer finds only its own.
func (db *DB) FindAccount(ctx context.Context, id string) (*icpcheck.Account, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !actor.CanActFor(id) {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "account_not_found")
	}
	var a *icpcheck.Account
	err = db.lookup(ctx, "FindAccount", func(tx *Tx) error {
		var err error
		a, err = tx.account(id)
		return err
	})
	return a, err
}

// UseNonce records that key used nonce, refusing a nonce seen before and not yet expired. A
// nonce past its expiry may be used again: the signature's timestamp window keeps the
// request it came with out. Every nonceSweepEvery calls, expired nonces are deleted.
func (db *DB) UseNonce(ctx context.Context, keyID, nonce string, expires time.Time) error {
	switch {
	case nonce == "":
		return icpcheck.Invalid("nonce", "required")
	case len(nonce) > maxNonceBytes:
		return icpcheck.Invalid("nonce", "too_long", maxNonceBytes)
	}
	sweep := db.nonceUses.Add(1)%nonceSweepEvery == 0
	return db.updateOn(ctx, db.nonces, "UseNonce", func(tx *Tx) error {
		now := micros(tx.now)
		if sweep {
			if _, err := tx.exec(`DELETE FROM nonces WHERE expires_at <= $1`, now); err != nil {
				return err
			}
		}
		n, err := tx.exec(`INSERT INTO nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (key_id, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at <= $4`,
			keyID, nonce, micros(expires), now)
		if err != nil {
			return err
		}
		if n == 0 {
			return icpcheck.Errorf(icpcheck.ECONFLICT, "nonce_used")
		}
		return nil
	})
}
