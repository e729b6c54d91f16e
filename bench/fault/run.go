package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/icpcheck/icpcheck/policy"
)

// Run prepares a store, starts the server and the load, runs cfg's scenario, stops the load
// and checks the store. It returns the report of whatever ran, with an error when the run
// itself could not go on (the server would not start again, PostgreSQL would not stop); the
// violations found are in the report.
func Run(ctx context.Context, cfg *Config) (rep *Report, err error) {
	logf := cfg.logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	rep = &Report{Store: cfg.Store, Scenario: cfg.Scenario, Seed: cfg.Seed, Clients: cfg.Clients}
	v := &violations{}
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "icpcheck-fault-"); err != nil {
			return rep, err
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return rep, err
	}
	keep := cfg.Keep
	defer func() {
		if keep || err != nil || len(rep.Violations) > 0 {
			logf("work directory kept: %s", dir)
			return
		}
		os.RemoveAll(dir)
	}()
	rep.Dir = dir

	bin, err := buildBinary(ctx, cfg, dir)
	if err != nil {
		return rep, err
	}
	db := filepath.Join(dir, "icpcheck.db")
	if cfg.Store == "postgres" {
		var drop func() error
		if db, drop, err = createDatabase(ctx, cfg.Postgres); err != nil {
			return rep, err
		}
		defer func() {
			if keep || err != nil || len(rep.Violations) > 0 {
				logf("database kept: %s", redactArgs([]string{db})[0])
				return
			}
			if err := drop(); err != nil {
				logf("%v", err)
			}
		}()
	}
	logf("preparing the %s store: %d demo instances, keys", cfg.Store, cfg.Inventory)
	fx, err := prepare(ctx, cfg, bin, dir, db)
	if err != nil {
		return rep, err
	}
	srv, err := newServer(bin, db, filepath.Join(dir, "server.log"))
	if err != nil {
		return rep, err
	}
	defer srv.Close()
	if err := srv.Start(ctx); err != nil {
		return rep, err
	}
	p := policy.Default()
	ld, err := newLoad(cfg, srv.URL(), fx, p, v)
	if err != nil {
		return rep, err
	}
	logf("server %s (pid %d); %d clients", srv.URL(), srv.PID(), cfg.Clients)
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 1<<32))
	began := time.Now()
	ld.Start(ctx)
	switch cfg.Scenario {
	case "kill":
		err = killScenario(ctx, cfg, rng, srv, ld, rep, logf)
	case "pg-stop":
		err = pgStopScenario(ctx, cfg, srv, ld, v, rep, logf)
	}
	ld.Stop()
	rep.Seconds = time.Since(began).Seconds()
	rep.count(ld)
	if err != nil {
		rep.finish(v)
		return rep, err
	}
	logf("load stopped; checking the store")
	if cfg.tamper != nil {
		cfg.tamper(ld.ledger)
	}
	if err := verify(ctx, cfg, bin, fx, srv, ld, v, rep); err != nil {
		rep.finish(v)
		return rep, err
	}
	rep.finish(v)
	return rep, nil
}

// pause waits d, or less when ctx ends first.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// between returns a random duration in [lo, hi].
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}

// killScenario kills the server with SIGKILL cfg.Kills times, each after it served a random
// while under load, and restarts it after a random while dead.
func killScenario(ctx context.Context, cfg *Config, rng *rand.Rand, srv *server, ld *load, rep *Report, logf func(string, ...any)) error {
	if err := pause(ctx, cfg.Warmup); err != nil {
		return err
	}
	for i := range cfg.Kills {
		if err := pause(ctx, between(rng, cfg.UptimeMin, cfg.UptimeMax)); err != nil {
			return err
		}
		pid := srv.PID()
		if err := srv.Kill(); err != nil {
			return err
		}
		rep.Kills++
		if err := pause(ctx, between(rng, 0, cfg.DownMax)); err != nil {
			return err
		}
		start := time.Now()
		if err := srv.Start(ctx); err != nil {
			return fmt.Errorf("restart %d: %w", i+1, err)
		}
		rep.Restarts++
		rep.MaxRestartSeconds = max(rep.MaxRestartSeconds, time.Since(start).Seconds())
		_, numbers, _, _ := ld.ledger.counts()
		logf("kill %d/%d: pid %d killed, restarted as %d in %v; %d numbers acknowledged so far",
			i+1, cfg.Kills, pid, srv.PID(), time.Since(start).Round(time.Millisecond), numbers)
	}
	_, before, _, _ := ld.ledger.counts()
	if err := pause(ctx, cfg.Settle); err != nil {
		return err
	}
	_, after, _, _ := ld.ledger.counts()
	rep.AckedAfterLastFault = after - before
	return nil
}
