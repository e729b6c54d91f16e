package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migrate applies the migrations in fsys (files NNN_name.sql, in the order of NNN) that db has
// not applied yet, each in its own transaction, and records each in schema_migrations.
//
// Several servers may start at once against one PostgreSQL database. Each migration's
// transaction inserts its schema_migrations row first: a second server's insert of the same
// row waits for the first transaction and then fails on the primary key, and the second
// server takes that as "applied". This needs no advisory lock, which the PostgreSQL-compatible
// distributed databases do not have.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, fsys fs.FS) error {
	if err := createMigrationsTable(ctx, db); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	type migration struct {
		version int
		name    string
	}
	var ms []migration
	for _, name := range names {
		prefix, _, ok := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v <= 0 {
			return fmt.Errorf("migrate: %s: want NNN_name.sql", name)
		}
		ms = append(ms, migration{v, name})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if i > 0 && ms[i-1].version == m.version {
			return fmt.Errorf("migrate: %s and %s share version %d", ms[i-1].name, m.name, m.version)
		}
		body, err := fs.ReadFile(fsys, m.name)
		if err != nil {
			return err
		}
		if err := apply(ctx, db, d, m.version, m.name, string(body)); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.name, err)
		}
	}
	return nil
}

// createMigrationsTable creates the table that records applied migrations. Servers starting
// at once race on it: PostgreSQL's CREATE TABLE IF NOT EXISTS is not atomic, and the loser
// of the race fails on the catalog (a duplicate type, 42710, or a duplicate key, 23505)
// instead of finding the table. Asking again, once the winner has committed, finds it.
func createMigrationsTable(ctx context.Context, db *sql.DB) error {
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if _, err = db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version BIGINT PRIMARY KEY, name TEXT NOT NULL)`); err == nil {
			return nil
		}
		if err := sleep(ctx, time.Duration(attempt)*20*time.Millisecond); err != nil {
			return err
		}
	}
	return err
}

func apply(ctx context.Context, db *sql.DB, d Dialect, version int, name, body string) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, version, name); err != nil {
		if d.Classify(err) == KindUnique {
			return nil // another server applied it meanwhile
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	return tx.Commit()
}
