package storetest

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// CrashEnv is the environment variable that turns a re-executed test binary into a crash
// child; it holds the store's path or DSN.
const CrashEnv = "ICPCHECK_CRASH_CHILD"

// OpenTarget opens the store at a path or DSN, as a crash child and the test after it do.
type OpenTarget func(target string) (*sqlstore.DB, error)

// CrashChild turns the process into a crash child when CrashEnv is set: call it first in
// TestMain. The child issues numbers in a loop, to new instances of its own in random batches
// and through direct filings, and prints "SN <sn> <instance>" for each number after its
// transaction commits, until it is killed. It never returns then.
func CrashChild(open OpenTarget) {
	target := os.Getenv(CrashEnv)
	if target == "" {
		return
	}
	db, err := open(target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(3)
	}
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	out := bufio.NewWriter(os.Stdout)
	prefix := fmt.Sprintf("crash-%d-%d-", os.Getpid(), time.Now().UnixNano())
	for k := 0; ; k++ {
		id := prefix + itoa(k)
		in := ECS(id, "1001")
		in.Orders[0].Start = time.Now().AddDate(0, -1, 0) // eligible at the real clock
		if _, err := db.PutInstance(admin, in); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
		for {
			var sns []string
			if rand.IntN(4) == 0 {
				f, err := db.CreateFiling(admin, icpcheck.FilingCreate{Type: icpcheck.FilingApp, Filer: "1001", InstanceID: id, AppName: "A", Access: Access()})
				if err == nil {
					sns = []string{f.SN}
				} else if icpcheck.ErrorReason(err) != "quota_exceeded" {
					fmt.Fprintln(os.Stderr, "crash child:", err)
					os.Exit(3)
				}
			} else {
				nums, err := db.IssueNumbers(admin, icpcheck.IssueRequest{InstanceID: id, Num: 1 + rand.IntN(3)})
				if err != nil && icpcheck.ErrorReason(err) != "quota_exceeded" {
					fmt.Fprintln(os.Stderr, "crash child:", err)
					os.Exit(3)
				}
				for _, n := range nums {
					sns = append(sns, n.SN)
				}
			}
			if sns == nil {
				rec, err := db.FindInstance(admin, id)
				if err == nil && rec.Issued == 5 {
					break // the quota is used up: on to a new instance
				}
				continue // a batch larger than what is left
			}
			for _, sn := range sns {
				fmt.Fprintf(out, "SN %s %s\n", sn, id)
			}
			out.Flush()
		}
	}
}

// RunCrash re-executes the test binary rounds times as a crash child on target, kills each
// child with SIGKILL at a random moment, and then reopens the store: every number a child
// reported is there, on its instance, and the ledger's invariants hold. check, if not nil,
// runs the store's own checks (SQLite's integrity check) on the reopened store.
func RunCrash(t *testing.T, target string, rounds int, open OpenTarget, check func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	if testing.Short() {
		t.Skip("the crash test re-executes the test binary many times")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	reported := map[string]string{}
	for round := range rounds {
		lines := crashRound(t, exe, target, time.Duration(10+rand.IntN(150))*time.Millisecond)
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) == 3 && f[0] == "SN" {
				reported[f[1]] = f[2]
			}
		}
		t.Logf("round %d: %d numbers reported so far", round, len(reported))
	}
	if len(reported) == 0 {
		t.Fatal("no child reported a number before it was killed")
	}
	db, err := open(target)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	for sn, instance := range reported {
		n, err := db.FindNumber(admin, sn)
		if err != nil {
			t.Fatalf("number %s, reported as issued, is lost: %v", sn, err)
		}
		if n.InstanceID != instance {
			t.Fatalf("number %s is on %s, reported on %s", sn, n.InstanceID, instance)
		}
	}
	CheckInvariants(t, admin, db)
	if check != nil {
		check(t, db)
	}
}

// crashRound runs one child for about d after its first number and kills it; it returns the
// complete lines the child printed.
func crashRound(t *testing.T, exe, target string, d time.Duration) []string {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), CrashEnv+"="+target)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	first := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		once := sync.OnceFunc(func() { close(first) })
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
			once()
		}
	}()
	select {
	case <-first:
		time.Sleep(d)
	case <-done:
	case <-time.After(30 * time.Second):
	}
	cmd.Process.Kill() // SIGKILL: no deferred function, no rollback, no flush runs
	<-done
	cmd.Wait()
	if strings.Contains(stderr.String(), "crash child:") {
		t.Fatalf("the child failed before it was killed: %s", stderr.String())
	}
	mu.Lock()
	defer mu.Unlock()
	return lines
}
