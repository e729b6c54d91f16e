package main

import (
	"context"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/postgres"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// Store returns the store the command works on and a context carrying the actor to act as.
// Locally that is the database of --db (a postgres:// or postgresql:// URL selects
// PostgreSQL, anything else is a SQLite file), opened with the policy of --policy, and the
// actor is icpcheck.Operator: whoever holds the database is its operator. The store is closed
// when the command ends.
func (m *Main) Store(ctx context.Context) (icpcheck.Store, context.Context, error) {
	if m.Server != "" {
		return m.remoteStore(ctx)
	}
	p, err := m.Policy()
	if err != nil {
		return nil, nil, err
	}
	opts := sqlstore.Options{Policy: p, Logger: m.logger}
	var db *sqlstore.DB
	if postgres.IsDSN(m.DB) {
		db, err = postgres.Open(ctx, m.DB, opts)
	} else {
		db, err = sqlite.Open(m.DB, opts)
	}
	if err != nil {
		return nil, nil, &icpcheck.Error{Code: icpcheck.EUNAVAILABLE, Reason: "unavailable", Op: "open store", Err: err}
	}
	m.closers = append(m.closers, db.Close)
	return db, icpcheck.NewContextWithActor(ctx, icpcheck.Operator), nil
}
