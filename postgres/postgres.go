// Package postgres is icpcheck's store for scale: PostgreSQL through pgx, shared by any number
// of stateless icpcheck servers. The rules are in sqlstore; this package opens the pool,
// applies its migrations and classifies PostgreSQL's errors. Its SQL stays within what the
// PostgreSQL-compatible distributed databases (CockroachDB, YugabyteDB) accept: row locks
// with SELECT ... FOR UPDATE, no advisory locks, triggers or PL/pgSQL.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"

	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// MaxConns is the size of one server's connection pool. Writers to one instance queue on its
// row lock, so more connections than the database has cores buy little; several servers
// share the database's max_connections (100 by default).
const MaxConns = 16

// Dialect is PostgreSQL's: rows a transaction will change are locked with FOR UPDATE, and
// reads of several statements run at REPEATABLE READ, so that they see one snapshot (a page
// and its total agree); PostgreSQL never fails to serialize a read-only transaction at that
// level.
var Dialect = sqlstore.Dialect{Name: "postgres", ForUpdate: " FOR UPDATE", Classify: classify,
	ReadIsolation: sql.LevelRepeatableRead}

// IsDSN reports whether s names a PostgreSQL database rather than a SQLite file.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the PostgreSQL database of dsn (a postgres:// URL or key=value string;
// parameters pgx does not know, such as search_path, are sent as run-time parameters) and
// applies its migrations.
func Open(ctx context.Context, dsn string, opts sqlstore.Options) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %s: %w", redact(cfg), err)
	}
	if err := sqlstore.Migrate(ctx, db, Dialect, mustSub(migrations, "migrations")); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return sqlstore.New(db, db, Dialect, opts), nil
}

// redact names the database without its password, for error messages.
func redact(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// classify reads PostgreSQL's SQLSTATE codes.
func classify(err error) sqlstore.Kind {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return sqlstore.KindUnique
		case pe.Code == "23514":
			return sqlstore.KindCheck
		case pe.Code == "23503":
			return sqlstore.KindForeignKey
		case pe.Code == "40001", pe.Code == "40P01": // serialization failure, deadlock
			return sqlstore.KindRetry
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "57P"), pe.Code == "53300":
			// Connection exceptions, the server shutting down, too many connections.
			return sqlstore.KindUnavailable
		}
		return sqlstore.KindOther
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err) {
		return sqlstore.KindUnavailable
	}
	// A connection that closes before the answer, as when PostgreSQL crashes or is stopped
	// with --mode immediate, reads as an unexpected EOF.
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return sqlstore.KindUnavailable
	}
	return sqlstore.KindOther
}
