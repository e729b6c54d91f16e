package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgCommands returns the commands that stop (in mode fast or immediate) and start the local
// PostgreSQL cluster, as Debian's postgresql-common runs it (pg_ctlcluster of the newest
// version in /etc/postgresql, cluster main), or nothing when there is no such cluster.
// --skip-systemctl-redirect makes pg_ctlcluster act itself where no systemd runs.
func pgCommands(mode string) (stop, start []string) {
	entries, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(entries) == 0 {
		return nil, nil
	}
	version := entries[len(entries)-1].Name()
	base := []string{"pg_ctlcluster", "--skip-systemctl-redirect", version, "main"}
	return append(base[:4:4], "stop", "--mode", mode), append(base[:4:4], "start")
}

func splitCommand(s string) []string { return strings.Fields(s) }

// runCommand runs a command to its end and returns its combined output with its error.
func runCommand(ctx context.Context, argv []string) error {
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// pgOutage stops PostgreSQL and starts it again. Start is safe to call more than once, and
// a run defers it so that PostgreSQL, which other tests share, is never left stopped.
type pgOutage struct {
	cfg     *Config
	stopped bool
}

func (o *pgOutage) Stop(ctx context.Context) error {
	o.stopped = true // a stop that failed half-way still needs a start
	return runCommand(ctx, o.cfg.PGStop)
}

// Start starts PostgreSQL if this outage stopped it, retrying for a while: it runs even after
// the run's context is cancelled.
func (o *pgOutage) Start() error {
	if !o.stopped {
		return nil
	}
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = runCommand(ctx, o.cfg.PGStart)
		cancel()
		if err == nil || strings.Contains(err.Error(), "already running") {
			o.stopped = false
			return nil
		}
		time.Sleep(time.Second)
	}
	return err
}

// createDatabase creates a database of the run's own on the server of dsn and returns its
// DSN; drop removes it.
func createDatabase(ctx context.Context, dsn string) (string, func() error, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("-postgres %q: want a postgres:// URL", dsn)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "icpcheck_fault_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return fmt.Errorf("drop %s: %w", name, err)
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	own := *u
	own.Path = "/" + name
	return own.String(), drop, nil
}
