// Command fault injects faults into a running icpcheck server under load and checks that the
// ledger comes through: every write a client was acknowledged for is in the store, no
// instance has more numbers than its quota, the audit chain verifies and (on SQLite) the file
// is intact.
//
//	go run ./bench/fault -store sqlite -scenario kill -kills 25
//	go run ./bench/fault -store postgres -scenario kill
//	go run ./bench/fault -store postgres -scenario pg-stop -pg-stops 3   # stops the local PostgreSQL
//
// It builds icpcheck (or takes -bin), prepares a store with `icpcheck import` of a demo
// inventory and `icpcheck keys create`, starts `icpcheck serve` as a child process on a free
// port, and drives it with concurrent clients through the http package's client and the
// Filing Service API: numbers issued to instances that many clients contend for, numbers
// issued across the inventory, grants and reads that must see every acknowledged write.
// Meanwhile the scenario breaks things:
//
//   - kill: SIGKILL the server at random moments and restart it; clients retry through the
//     outage.
//   - pg-stop: stop PostgreSQL for a few seconds and start it again; /readyz must say 503 while
//     it is down and 200 after, with the same server process, and every request during the
//     outage must fail cleanly (503), never with a 500 or a hang.
//
// It prints the counts (kills, restarts, requests, acknowledged issues, refusals by code,
// errors by kind, numbers found) and the violations, and exits 1 when there is any.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	cfg := defaultConfig()
	cfg.register(flag.CommandLine)
	jsonOut := flag.Bool("json", false, "print the report as one JSON object instead of text")
	flag.Parse()
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "fault:", err)
		os.Exit(2)
	}
	cfg.logf = log.New(os.Stderr, "fault: ", log.Ltime|log.Lmicroseconds).Printf

	// An interrupt ends the run early but still through the scenario's deferred steps, which
	// start PostgreSQL again if the run stopped it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := Run(ctx, cfg)
	if rep != nil {
		if *jsonOut {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			enc.Encode(rep)
		} else {
			rep.Print(os.Stdout)
		}
	}
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "fault:", err)
		os.Exit(1)
	case len(rep.Violations) > 0:
		os.Exit(1)
	}
}

// Config is what one run does.
type Config struct {
	Bin      string // the icpcheck binary; empty: built into the work directory
	Store    string // sqlite or postgres
	Scenario string // kill or pg-stop
	Postgres string // DSN of a database on the PostgreSQL server, where the run creates its own
	Dir      string // work directory; empty: a temporary one, removed unless Keep or a violation
	Keep     bool

	Clients   int           // concurrent clients
	Inventory int           // demo instances imported before the load
	Hot       int           // instances open to contention at once
	Seed      int64         // of the inventory and the clients' choices
	Hang      time.Duration // a request taking longer is a hang (a violation); also the clients' timeout

	Kills     int           // kill: how many times the server is killed
	UptimeMin time.Duration // kill: the server serves at least this long after it is ready
	UptimeMax time.Duration // kill: and at most this long
	DownMax   time.Duration // kill: the server stays dead up to this long before its restart

	PGStops   int           // pg-stop: how many times PostgreSQL is stopped
	PGDown    time.Duration // pg-stop: how long it stays stopped
	PGRecover time.Duration // pg-stop: /readyz must be 200 again within this after the start
	PGMode    string        // pg-stop: how the default command stops PostgreSQL: fast, or immediate (a crash)
	PGStop    []string      // pg-stop: the command that stops PostgreSQL; nil: pg_ctlcluster's, in PGMode
	PGStart   []string      // pg-stop: the command that starts it; nil: pg_ctlcluster's

	Warmup time.Duration // load before the first fault
	Settle time.Duration // load after the last fault, before the checks

	logf func(format string, args ...any)
	// tamper, when set, runs on the clients' ledger after the load and before the checks:
	// tests use it to show that the checks catch a lost write.
	tamper func(l *ledger)
}

func defaultConfig() *Config {
	pg := os.Getenv("ICPCHECK_TEST_POSTGRES")
	if pg == "" {
		pg = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	return &Config{
		Store: "sqlite", Scenario: "kill", Postgres: pg,
		Clients: 16, Inventory: 300, Hot: 4, Seed: time.Now().UnixNano(), Hang: 30 * time.Second,
		Kills: 25, UptimeMin: 300 * time.Millisecond, UptimeMax: 2 * time.Second, DownMax: 500 * time.Millisecond,
		PGStops: 3, PGDown: 3 * time.Second, PGRecover: 30 * time.Second, PGMode: "fast",
		Warmup: 2 * time.Second, Settle: 2 * time.Second,
	}
}

func (c *Config) register(f *flag.FlagSet) {
	f.StringVar(&c.Bin, "bin", c.Bin, "icpcheck binary to run; empty: go build ./cmd/icpcheck into the work directory")
	f.StringVar(&c.Store, "store", c.Store, "store: sqlite or postgres")
	f.StringVar(&c.Scenario, "scenario", c.Scenario, "kill (SIGKILL and restart the server) or pg-stop (stop and start PostgreSQL)")
	f.StringVar(&c.Postgres, "postgres", c.Postgres, "DSN of a database on the PostgreSQL server; the run creates a database of its own beside it and drops it after (default from ICPCHECK_TEST_POSTGRES)")
	f.StringVar(&c.Dir, "dir", c.Dir, "work directory (binary, SQLite file, server log); empty: a temporary one")
	f.BoolVar(&c.Keep, "keep", c.Keep, "keep the work directory and the PostgreSQL database (they are kept anyway after a violation)")
	f.IntVar(&c.Clients, "clients", c.Clients, "concurrent clients")
	f.IntVar(&c.Inventory, "inventory", c.Inventory, "demo instances imported before the load")
	f.IntVar(&c.Hot, "hot", c.Hot, "instances open to contention at once; all clients issue to them")
	f.Int64Var(&c.Seed, "seed", c.Seed, "seed of the inventory and of the clients' choices")
	f.DurationVar(&c.Hang, "hang", c.Hang, "a request that takes longer is a hang, a violation")
	f.IntVar(&c.Kills, "kills", c.Kills, "kill: times the server is killed with SIGKILL and restarted")
	f.DurationVar(&c.UptimeMin, "uptime-min", c.UptimeMin, "kill: least time the server serves between kills")
	f.DurationVar(&c.UptimeMax, "uptime-max", c.UptimeMax, "kill: most time the server serves between kills")
	f.DurationVar(&c.DownMax, "down-max", c.DownMax, "kill: most time the server stays dead before its restart")
	f.IntVar(&c.PGStops, "pg-stops", c.PGStops, "pg-stop: times PostgreSQL is stopped and started")
	f.DurationVar(&c.PGDown, "pg-down", c.PGDown, "pg-stop: how long PostgreSQL stays stopped")
	f.DurationVar(&c.PGRecover, "pg-recover", c.PGRecover, "pg-stop: /readyz must answer 200 within this after PostgreSQL starts")
	f.StringVar(&c.PGMode, "pg-mode", c.PGMode, "pg-stop: fast (a clean shutdown) or immediate (a crash, recovered at the start)")
	f.Func("pg-stop-cmd", "pg-stop: command that stops PostgreSQL (default: pg_ctlcluster of the cluster in /etc/postgresql, --mode -pg-mode)", func(s string) error {
		c.PGStop = splitCommand(s)
		return nil
	})
	f.Func("pg-start-cmd", "pg-stop: command that starts PostgreSQL", func(s string) error {
		c.PGStart = splitCommand(s)
		return nil
	})
	f.DurationVar(&c.Warmup, "warmup", c.Warmup, "load before the first fault")
	f.DurationVar(&c.Settle, "settle", c.Settle, "load after the last fault, before the checks")
}

func (c *Config) validate() error {
	if c.PGMode != "fast" && c.PGMode != "immediate" {
		return fmt.Errorf("-pg-mode %q: want fast or immediate", c.PGMode)
	}
	stop, start := pgCommands(c.PGMode)
	if c.PGStop == nil {
		c.PGStop = stop
	}
	if c.PGStart == nil {
		c.PGStart = start
	}
	switch {
	case c.Store != "sqlite" && c.Store != "postgres":
		return fmt.Errorf("-store %q: want sqlite or postgres", c.Store)
	case c.Scenario != "kill" && c.Scenario != "pg-stop":
		return fmt.Errorf("-scenario %q: want kill or pg-stop", c.Scenario)
	case c.Scenario == "pg-stop" && c.Store != "postgres":
		return fmt.Errorf("-scenario pg-stop needs -store postgres")
	case c.Scenario == "pg-stop" && (len(c.PGStop) == 0 || len(c.PGStart) == 0):
		return fmt.Errorf("-scenario pg-stop: no PostgreSQL cluster found in /etc/postgresql; give -pg-stop-cmd and -pg-start-cmd")
	case c.Clients < 1 || c.Clients > 512:
		return fmt.Errorf("-clients %d: want 1 to 512", c.Clients)
	case c.Inventory < 20:
		return fmt.Errorf("-inventory %d: want at least 20 (the hand-picked demo instances come first)", c.Inventory)
	case c.Hot < 1:
		return fmt.Errorf("-hot %d: want at least 1", c.Hot)
	case c.UptimeMin <= 0 || c.UptimeMax < c.UptimeMin || c.DownMax < 0:
		return fmt.Errorf("want 0 < -uptime-min <= -uptime-max and -down-max >= 0")
	case c.Kills < 0 || c.PGStops < 0:
		return fmt.Errorf("-kills and -pg-stops must not be negative")
	case c.Hang < time.Second:
		return fmt.Errorf("-hang %v: want at least 1s", c.Hang)
	}
	return nil
}
