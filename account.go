package icpcheck

import (
	"context"
	"time"
)

// Account is a customer or operator of the provider, identified as Alibaba Cloud identifies
// accounts (aliuid): by digits.
type Account struct {
	ID        string    `json:"id"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// AccessKey is an AccessKey pair that signs requests for its account. The secret is kept
// in the store in the clear because HMAC signatures can only be verified with it; the store
// file is created 0600 and the secret is shown to the user once, at creation.
type AccessKey struct {
	ID        string    `json:"access_key_id"`
	Secret    string    `json:"access_key_secret,omitempty"`
	Account   string    `json:"account"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// AccountService manages accounts and their AccessKey pairs. Implementations are safe for
// concurrent use.
type AccountService interface {
	// CreateAccessKey creates an AccessKey pair for account, creating the account with role
	// when it does not exist. Admin only. Returns EINVALID bad_account or bad_role, and
	// ECONFLICT role_mismatch when the account exists with another role.
	CreateAccessKey(ctx context.Context, account string, role Role) (*AccessKey, error)

	// FindAccessKey returns the key with id and its secret, for verifying a signature; it
	// needs no actor. Returns ENOTFOUND key_not_found.
	FindAccessKey(ctx context.Context, id string) (*AccessKey, error)

	// FindAccessKeys returns the keys of account without their secrets. A customer sees its
	// own only.
	FindAccessKeys(ctx context.Context, account string) ([]*AccessKey, error)

	// DeleteAccessKey deletes a key. A customer may delete its own keys. Returns ENOTFOUND
	// key_not_found.
	DeleteAccessKey(ctx context.Context, id string) error

	// FindAccount returns an account. Returns ENOTFOUND account_not_found.
	FindAccount(ctx context.Context, id string) (*Account, error)

	// UseNonce records that key used nonce, refusing a nonce seen before with ECONFLICT
	// nonce_used. Nonces are forgotten after expires; the signature's timestamp window keeps
	// older requests out. It needs no actor: it runs before authentication completes.
	UseNonce(ctx context.Context, keyID, nonce string, expires time.Time) error
}
