package icpcheck

import "context"

// Role is what an account may do.
type Role string

const (
	RoleAdmin    Role = "admin"    // the provider's ICP operators: act for any account
	RoleCustomer Role = "customer" // one customer: acts for its own account only
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleCustomer }

// Actor is who is acting in a request: the authenticated account and its role, and the
// interface it came through, for the audit log.
type Actor struct {
	Account string // account id; "" for the local operator of the CLI
	Role    Role
	Via     string // "cli", "rest", "bsn", "console", "monitor"
}

// CanActFor reports whether the actor may act on account's behalf.
func (a Actor) CanActFor(account string) bool {
	return a.Role == RoleAdmin || (a.Role == RoleCustomer && a.Account != "" && a.Account == account)
}

// String names the actor in audit events: "admin:1234", "customer:5678", "cli".
func (a Actor) String() string {
	if a.Account == "" {
		return a.Via
	}
	return string(a.Role) + ":" + a.Account
}

type actorKey struct{}

// NewContextWithActor returns a context carrying actor. Services authorize every call by it.
func NewContextWithActor(ctx context.Context, actor Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFromContext returns the actor of ctx, and false when there is none.
func ActorFromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok && a.Role.Valid()
}

// Operator is the actor of the local CLI, which holds the database file and so is an admin.
var Operator = Actor{Role: RoleAdmin, Via: "cli"}

// RequireActor returns the actor of ctx, or EUNAUTHORIZED.
func RequireActor(ctx context.Context) (Actor, error) {
	a, ok := ActorFromContext(ctx)
	if !ok {
		return Actor{}, Errorf(EUNAUTHORIZED, "unauthenticated")
	}
	return a, nil
}

// RequireAdmin returns the actor of ctx when it is an admin, EFORBIDDEN when it is not, and
// EUNAUTHORIZED when there is none.
func RequireAdmin(ctx context.Context) (Actor, error) {
	a, err := RequireActor(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != RoleAdmin {
		return a, Errorf(EFORBIDDEN, "admin_only")
	}
	return a, nil
}
