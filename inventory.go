package icpcheck

import (
	"context"
	"time"
)

// InstanceRecord is an instance as the store holds it, with its ledger.
type InstanceRecord struct {
	Instance  *Instance `json:"instance"`
	Issued    int       `json:"issued"` // numbers ever issued to it, in any state
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PutAction says what PutInstance did.
type PutAction string

const (
	PutCreated   PutAction = "created"
	PutUpdated   PutAction = "updated"
	PutUnchanged PutAction = "unchanged"
)

// PutResult is what PutInstances did to one instance: its action, or the error that refused
// it alone.
type PutResult struct {
	Action PutAction
	Err    error
}

// MaxPutBatch is the most instances one PutInstances call takes: a batch is one transaction,
// and on SQLite every other writer waits for it.
const MaxPutBatch = 1000

// InstanceFilter selects instances. Zero fields select all.
type InstanceFilter struct {
	Owner   string
	Product string
	Status  InstanceStatus
	IDs     []string
	Offset  int
	Limit   int // 0: the default page size; capped at MaxPageSize
}

// Page sizes of every listing.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageLimit returns the effective page size for a requested limit.
func PageLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

// InstanceService holds the provider's inventory. Implementations are safe for concurrent
// use; a customer sees and acts on its own instances only.
type InstanceService interface {
	// PutInstance creates or replaces an instance, creating its owner account (a customer)
	// when it does not exist; putting the same instance again is PutUnchanged. Admin only.
	// A released instance's unbound numbers become invalid. Returns EINVALID (the instance's
	// own validation), ECONFLICT owner_change when numbers were issued under another owner.
	PutInstance(ctx context.Context, in *Instance) (PutAction, error)

	// PutInstances puts up to MaxPutBatch instances as PutInstance does, in order, in one
	// transaction: result i says what was done to ins[i], its action or the error that refused
	// it (any PutInstance returns for one instance). A refused instance loads nothing of itself,
	// not even its owner's account, and leaves the others as they would be without it; an
	// instance that occurs twice is put twice, the second seeing the first. Admin only.
	// The error is for the whole batch, of which nothing was loaded then: EFORBIDDEN, EINVALID
	// batch_too_large, EUNAVAILABLE, EINTERNAL. (Over a network, a call that fails after the
	// server committed cannot tell; putting the batch again is harmless.)
	PutInstances(ctx context.Context, ins []*Instance) ([]PutResult, error)

	// FindInstance returns a stored instance. Returns ENOTFOUND instance_not_found, also for
	// a customer asking for another account's instance.
	FindInstance(ctx context.Context, id string) (*InstanceRecord, error)

	// FindInstances returns a page of instances in id order and the total that match.
	FindInstances(ctx context.Context, filter InstanceFilter) ([]*InstanceRecord, int, error)

	// CheckInstance checks a stored instance at a moment, with the quota check filled in from
	// its ledger. Returns ENOTFOUND instance_not_found.
	CheckInstance(ctx context.Context, id string, at time.Time) (*CheckResult, error)
}
