package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck/signature"
	"github.com/jackc/pgx/v5"
)

// pgSchema creates a schema of the test's own in the database of ICPCHECK_TEST_POSTGRES,
// dropped when the test ends, and returns a DSN that works in it; it skips the test when
// the variable is unset.
func pgSchema(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("ICPCHECK_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("ICPCHECK_TEST_POSTGRES is not set")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "icpcheck_serve_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("ICPCHECK_TEST_POSTGRES is set but PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if conn, err := pgx.Connect(ctx, dsn); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestThreeServeProcesses runs `icpcheck serve` three times in process, each with a
// connection pool of its own, on one PostgreSQL database, and 64 clients that each ask one
// of them for one number of the same instance at once: exactly the quota is issued, every
// other call is refused with 409 quota_exceeded, and every server then reports the same
// ledger.
func TestThreeServeProcesses(t *testing.T) {
	dsn := pgSchema(t)
	if _, stderr, status := ledgerRun(t, dsn, ledgerInstance("i-hot", "1001", "cn-hangzhou")+"\n", "import", "-"); status != exitOK {
		t.Fatalf("import: exit %d: %s", status, stderr)
	}
	out, stderr, status := ledgerRun(t, dsn, "", "keys", "create", "--account", "1001", "--role", "customer", "--format", "json")
	var key struct {
		ID     string `json:"access_key_id"`
		Secret string `json:"access_key_secret"`
	}
	if status != exitOK || json.Unmarshal([]byte(out), &key) != nil {
		t.Fatalf("keys create: exit %d: %s %s", status, out, stderr)
	}
	var servers []*serving
	for i := 0; i < 3; i++ {
		servers = append(servers, startServe(t, "--db", dsn))
	}

	const clients = 64
	statuses := make([]int, clients)
	codes := make([]string, clients)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := 0; i < clients; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			body := []byte(`{"num":1}`)
			req, _ := http.NewRequest("POST", servers[i%3].URL+"/v1/instances/i-hot/numbers", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			signature.SignV3(req, body, key.ID, key.Secret, time.Now(), "three-"+hex.EncodeToString([]byte{byte(i)})+key.ID)
			start.Wait()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			var doc struct {
				Error struct{ Code string } `json:"error"`
			}
			json.Unmarshal(data, &doc)
			statuses[i], codes[i] = resp.StatusCode, doc.Error.Code
		}()
	}
	start.Done()
	done.Wait()

	issued := 0
	for i := range statuses {
		switch {
		case statuses[i] == http.StatusCreated:
			issued++
		case statuses[i] != http.StatusConflict || codes[i] != "quota_exceeded":
			t.Errorf("client %d: %d %s, want 201, or 409 quota_exceeded", i, statuses[i], codes[i])
		}
	}
	if issued != 5 {
		t.Fatalf("%d numbers issued, want exactly the quota, 5", issued)
	}
	for i, s := range servers {
		remote := []string{"--server", s.URL, "--access-key-id", key.ID, "--access-key-secret", key.Secret}
		out, stderr, status := ledgerRun(t, dsn, "", append(remote, "numbers", "list", "--instance", "i-hot", "--format", "json")...)
		if status != exitOK || len(jsonLines(t, out)) != 5 {
			t.Fatalf("server %d lists: exit %d: %s %s", i, status, out, stderr)
		}
	}
	if _, stderr, status := ledgerRun(t, dsn, "", "audit", "verify"); status != exitOK {
		t.Fatalf("audit verify: exit %d: %s", status, stderr)
	}
}
