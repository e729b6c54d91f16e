package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
)

// The tests run short versions of the scenarios: a few kills of a server under a light load,
// on SQLite always and on PostgreSQL when ICPCHECK_TEST_POSTGRES is set; PostgreSQL is
// stopped only when ICPCHECK_FAULT_PG_STOP=1, since other tests share it. bench/fault.sh runs
// the full ones.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds icpcheck once for all the tests of the package.
func binary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build icpcheck with")
	}
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "icpcheck-fault-bin-"); buildErr != nil {
			return
		}
		cfg := &Config{}
		binPath, buildErr = buildBinary(context.Background(), cfg, binDir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// shortConfig is a run of a few seconds.
func shortConfig(t *testing.T, store, scenario string) *Config {
	cfg := defaultConfig()
	cfg.Bin = binary(t)
	cfg.Store, cfg.Scenario = store, scenario
	cfg.Dir = filepath.Join(t.TempDir(), "run")
	cfg.Clients, cfg.Inventory, cfg.Hot = 8, 60, 3
	cfg.Kills, cfg.UptimeMin, cfg.UptimeMax, cfg.DownMax = 6, 200*time.Millisecond, 600*time.Millisecond, 200*time.Millisecond
	cfg.PGStops, cfg.PGDown = 1, 2*time.Second
	cfg.Warmup, cfg.Settle = 500*time.Millisecond, time.Second
	cfg.logf = t.Logf
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// run runs cfg and fails the test on an error or a violation, with the report in the log.
func run(t *testing.T, cfg *Config) *Report {
	t.Helper()
	if testing.Short() {
		t.Skip("starts and kills servers for several seconds")
	}
	rep, err := Run(context.Background(), cfg)
	if rep != nil {
		var b strings.Builder
		rep.Print(&b)
		t.Log("\n" + b.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Violations) > 0 {
		t.Fatalf("%d kinds of violation, first: %s", len(rep.ViolationCounts), rep.Violations[0])
	}
	if rep.AckedNumbers == 0 || rep.AckedNumbersFound != rep.AckedNumbers || rep.AckedGrantsFound != rep.AckedGrants {
		t.Fatalf("acknowledged %d numbers, %d found; %d grants, %d found", rep.AckedNumbers, rep.AckedNumbersFound, rep.AckedGrants, rep.AckedGrantsFound)
	}
	if rep.AckedAfterLastFault == 0 {
		t.Fatal("no number acknowledged after the last fault")
	}
	return rep
}

func testKill(t *testing.T, store string) {
	cfg := shortConfig(t, store, "kill")
	rep := run(t, cfg)
	if rep.Kills != cfg.Kills || rep.Restarts != cfg.Kills {
		t.Fatalf("kills=%d restarts=%d, want %d each", rep.Kills, rep.Restarts, cfg.Kills)
	}
	transport := 0
	for kind, n := range rep.Errors {
		if strings.HasPrefix(kind, classTransport) {
			transport += n
		}
	}
	if transport == 0 {
		t.Fatal("no request met a dead server: the kills did not happen under load")
	}
}

func TestKillSQLite(t *testing.T) {
	testKill(t, "sqlite")
}

func TestKillPostgres(t *testing.T) {
	if os.Getenv("ICPCHECK_TEST_POSTGRES") == "" {
		t.Skip("ICPCHECK_TEST_POSTGRES is not set")
	}
	testKill(t, "postgres")
}

// TestPGStop stops the local PostgreSQL cluster (pg_ctlcluster) for two seconds under load,
// which every other user of it notices: only on request. ICPCHECK_TEST_POSTGRES, when set,
// must name a database on that cluster.
func TestPGStop(t *testing.T) {
	if os.Getenv("ICPCHECK_FAULT_PG_STOP") != "1" {
		t.Skip("ICPCHECK_FAULT_PG_STOP=1 not set: this test stops the shared PostgreSQL server")
	}
	if stop, _ := pgCommands("fast"); len(stop) == 0 {
		t.Skip("no PostgreSQL cluster in /etc/postgresql to stop")
	}
	cfg := shortConfig(t, "postgres", "pg-stop")
	rep := run(t, cfg)
	if len(rep.PGStops) != 1 || !rep.PGStops[0].SamePID {
		t.Fatalf("stops %+v, want one, served by the same process", rep.PGStops)
	}
}

// TestLostWriteCaught shows that the checks are not vacuous: a number the clients were
// acknowledged for that the store lacks is reported.
func TestLostWriteCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	cfg := shortConfig(t, "sqlite", "kill")
	cfg.Kills = 1
	phantom := icpcheck.NewSN()
	cfg.tamper = func(l *ledger) {
		l.mu.Lock()
		id := l.ackedIDs[0]
		l.mu.Unlock()
		l.issued(id, []*icpcheck.ServiceNumber{{SN: phantom, InstanceID: id, Owner: l.instance(id).Owner}})
	}
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ViolationCounts["acknowledged write lost"] != 1 || !slices.ContainsFunc(rep.Violations, func(v string) bool {
		return strings.Contains(v, phantom)
	}) {
		t.Fatalf("violations %v, want the phantom number %s reported lost", rep.Violations, phantom)
	}
}
