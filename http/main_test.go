package http_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/metrics"
	"github.com/icpcheck/icpcheck/policy"
	"github.com/icpcheck/icpcheck/signature"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
)

// Accounts of the tests: an admin and two customers who must never see each other's data.
const (
	adminAccount = "9000000000000001"
	alice        = "1111111111111111"
	bob          = "2222222222222222"
)

// opener opens an empty store for one test.
type opener struct {
	name string
	open func(tb testing.TB, opts sqlstore.Options) *sqlstore.DB
}

// stores returns the stores to run end-to-end tests against: SQLite always, PostgreSQL when
// ICPCHECK_TEST_POSTGRES holds a DSN.
func stores(tb testing.TB) []opener {
	list := []opener{{"sqlite", openSQLite}}
	if pg := postgresOpener(tb); pg != nil {
		list = append(list, *pg)
	}
	return list
}

func openSQLite(tb testing.TB, opts sqlstore.Options) *sqlstore.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "icpcheck.db"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// env is one test's running server over a real store, with a client for each account.
type env struct {
	DB     *sqlstore.DB
	Clock  *storetest.Clock
	Server *icphttp.Server
	Logs   *syncBuffer

	AdminKey, AliceKey, BobKey *icpcheck.AccessKey
	Admin, Alice, Bob          *icphttp.Client

	admin context.Context // the local operator, for setting up data behind the server's back
}

// mustOpenEnv starts a server on a free port over a new store from o; its store clock
// starts at storetest.Start, while signatures use the real clock.
func mustOpenEnv(tb testing.TB, o opener) *env {
	tb.Helper()
	return mustOpenEnvWith(tb, o, nil)
}

// mustOpenEnvWith is mustOpenEnv with a hook that may wrap the store or set more of the
// server before it opens.
func mustOpenEnvWith(tb testing.TB, o opener, configure func(s *icphttp.Server)) *env {
	tb.Helper()
	e := &env{Clock: storetest.NewClock(storetest.Start), Logs: &syncBuffer{}}
	e.admin = icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	logger := slog.New(slog.NewJSONHandler(e.Logs, nil))
	e.DB = o.open(tb, sqlstore.Options{Now: e.Clock.Now, Logger: logger})
	m := metrics.New()
	store := m.Store(e.DB)

	s := icphttp.NewServer()
	s.Addr = "127.0.0.1:0"
	s.Store = store
	s.Policy = policy.Default()
	s.Auth = &signature.Verifier{Keys: store}
	s.Logger = logger
	s.Metrics = m
	s.Now = e.Clock.Now
	if configure != nil {
		configure(s)
	}
	if err := s.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	e.Server = s

	e.AdminKey = e.mustKey(tb, adminAccount, icpcheck.RoleAdmin)
	e.AliceKey = e.mustKey(tb, alice, icpcheck.RoleCustomer)
	e.BobKey = e.mustKey(tb, bob, icpcheck.RoleCustomer)
	e.Admin = e.client(tb, e.AdminKey)
	e.Alice = e.client(tb, e.AliceKey)
	e.Bob = e.client(tb, e.BobKey)
	return e
}

func (e *env) mustKey(tb testing.TB, account string, role icpcheck.Role) *icpcheck.AccessKey {
	tb.Helper()
	key, err := e.DB.CreateAccessKey(e.admin, account, role)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

// client returns a client of the server signing with key.
func (e *env) client(tb testing.TB, key *icpcheck.AccessKey) *icphttp.Client {
	tb.Helper()
	c, err := icphttp.NewClient(e.Server.URL(), key.ID, key.Secret)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// mustPut stores instances as the operator, behind the server's back.
func (e *env) mustPut(tb testing.TB, ins ...*icpcheck.Instance) {
	tb.Helper()
	for _, in := range ins {
		if _, err := e.DB.PutInstance(e.admin, in); err != nil {
			tb.Fatalf("PutInstance(%s): %v", in.ID, err)
		}
	}
}

// do sends a request signed with key (nil: unsigned) and returns the status and body.
func (e *env) do(tb testing.TB, key *icpcheck.AccessKey, method, path string, body []byte, hdr ...string) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, e.Server.URL()+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if len(body) > 0 && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != nil {
		signature.SignV3(req, body, key.ID, key.Secret, time.Now(), nonce())
	}
	return send(tb, req)
}

func send(tb testing.TB, req *http.Request) (int, []byte) {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, data
}

var nonceSeq struct {
	sync.Mutex
	n int
}

// nonce returns a nonce no other request of the test binary used.
func nonce() string {
	nonceSeq.Lock()
	defer nonceSeq.Unlock()
	nonceSeq.n++
	return "test-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.Itoa(nonceSeq.n)
}

// syncBuffer is a log sink that tests read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
