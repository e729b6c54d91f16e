package icpcheck

import "context"

// Store is everything icpcheck keeps: the embedded SQLite store and PostgreSQL implement it
// with the same semantics (the storetest suite proves it), and the HTTP client implements it
// against a remote server, so that the CLI works the same either way.
type Store interface {
	AccountService
	InstanceService
	NumberService
	FilingService
	AuditService

	// Ping reports whether the store can serve requests now.
	Ping(ctx context.Context) error
	Close() error
}
