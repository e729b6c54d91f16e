package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// ledgerRun runs the CLI in process on the SQLite store at db and returns what it printed and
// its exit status.
func ledgerRun(t *testing.T, db, stdin string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), append([]string{"--db", db, "--lang", "en"}, args...))
	m.Close()
	return out.String(), errOut.String(), exitStatus(err)
}

// ledgerInstance is an instance line eligible now (the CLI's store runs on the real clock).
func ledgerInstance(id, owner, region string) string {
	start := time.Now().UTC().AddDate(0, -1, 0).Format(time.RFC3339)
	return fmt.Sprintf(`{"id":%q,"product":"ecs","owner":%q,"region":%q,"status":"running","billing":"subscription",`+
		`"orders":[{"type":"new","start":%q,"period":1,"unit":"year","amount_cny":1000}],"public_ips":["47.96.10.20"],"public_bandwidth_mbps":5}`,
		id, owner, region, start)
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		out = append(out, v)
	}
	return out
}

func TestImport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "icpcheck.db")
	input := ledgerInstance("i-1", "1001", "cn-hangzhou") + "\n" +
		`{"id":"i-2","product":"ecs","owner":"01","status":"running","billing":"pay_as_you_go"}` + "\n" +
		"not json\n" +
		ledgerInstance("i-3", "1002", "cn-beijing") + "\n"
	out, _, status := ledgerRun(t, db, input, "import", "--format", "json", "-")
	if status != exitFail {
		t.Fatalf("status %d, want 1 for refused lines", status)
	}
	lines := jsonLines(t, out)
	want := []string{"created", "EINVALID", "EINVALID", "created"}
	for i, l := range lines {
		got, _ := l["action"].(string)
		if e, ok := l["error"].(map[string]any); ok {
			got = e["code"].(string)
		}
		if got != want[i] || l["line"].(float64) != float64(i+1) {
			t.Fatalf("line %d: %v, want %s", i+1, l, want[i])
		}
	}
	// Nothing partial was loaded from the bad lines, and importing again changes nothing.
	out, _, status = ledgerRun(t, db, input, "import", "--format", "json", "-")
	if status != exitFail || strings.Count(out, `"unchanged"`) != 2 {
		t.Fatalf("second import: %d\n%s", status, out)
	}
	out, _, _ = ledgerRun(t, db, "", "audit", "list", "--format", "json", "--action", "instance.create")
	if n := len(jsonLines(t, out)); n != 2 {
		t.Fatalf("%d instances created, want 2", n)
	}
	// CSV, from a file.
	csvPath := filepath.Join(t.TempDir(), "in.csv")
	ledgerWriteFile(t, csvPath, "id,product,owner,region,status,billing,public_ips\ni-4,ecs,1003,cn-hangzhou,running,pay_as_you_go,47.96.1.1\n")
	out, _, status = ledgerRun(t, db, "", "import", csvPath)
	if status != exitOK || !strings.Contains(out, "line 2: i-4 created") {
		t.Fatalf("CSV import: %d\n%s", status, out)
	}
	if _, stderr, status := ledgerRun(t, db, "", "import", filepath.Join(t.TempDir(), "missing.jsonl")); status != exitUsage {
		t.Fatalf("missing file: %d %s", status, stderr)
	}
}

func TestNumbersAndFilings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "icpcheck.db")
	if _, _, status := ledgerRun(t, db, ledgerInstance("i-1", "1001", "cn-hangzhou")+"\n"+ledgerInstance("i-us", "1001", "us-west-1"), "import", "-"); status != exitOK {
		t.Fatalf("import: %d", status)
	}
	out, _, status := ledgerRun(t, db, "", "numbers", "apply", "--instance", "i-1", "--num", "3", "--format", "json")
	nums := jsonLines(t, out)
	if status != exitOK || len(nums) != 3 {
		t.Fatalf("apply: %d\n%s", status, out)
	}
	sn := nums[0]["sn"].(string)
	if _, stderr, status := ledgerRun(t, db, "", "numbers", "apply", "--instance", "i-1", "--num", "3"); status != exitFail || !strings.Contains(stderr, "quota 5, issued 3, requested 3") {
		t.Fatalf("over quota: %d %s", status, stderr)
	}
	if _, stderr, status := ledgerRun(t, db, "", "numbers", "apply", "--instance", "i-us", "--num", "1"); status != exitFail || !strings.Contains(stderr, "✗ region") {
		t.Fatalf("ineligible: %d %s", status, stderr)
	}
	if _, _, status := ledgerRun(t, db, "", "numbers", "apply", "--num", "1"); status != exitUsage {
		t.Fatalf("no --instance: %d", status)
	}
	out, _, _ = ledgerRun(t, db, "", "numbers", "grant", sn, "--to", "1002", "--notes", "shop", "--format", "json")
	if g := jsonLines(t, out)[0]; g["granted_to"] != "1002" {
		t.Fatalf("grant: %v", g)
	}
	out, _, _ = ledgerRun(t, db, "", "numbers", "list", "--account", "1002", "--format", "json")
	if n := jsonLines(t, out); len(n) != 1 || n[0]["sn"] != sn {
		t.Fatalf("list --account 1002: %s", out)
	}
	if _, _, status := ledgerRun(t, db, "", "numbers", "list", "--state", "nope"); status != exitUsage {
		t.Fatalf("bad --state: %d", status)
	}
	out, _, status = ledgerRun(t, db, "", "filings", "create", "--type", "website", "--sn", sn, "--filer", "1002",
		"--domain", "www.example.com", "--access-provider", "alibaba", "--access-method", "cloud_server",
		"--access-region", "cn-hangzhou", "--access-ip", "47.96.10.20", "--format", "json")
	if status != exitOK {
		t.Fatalf("filings create: %d %s", status, out)
	}
	id := jsonLines(t, out)[0]["id"].(string)
	for _, step := range [][]string{{"submit", id}, {"approve", id, "--beian-num", "浙ICP备12345678号-1"}} {
		if out, stderr, status := ledgerRun(t, db, "", append([]string{"filings"}, step...)...); status != exitOK {
			t.Fatalf("filings %v: %d %s %s", step, status, out, stderr)
		}
	}
	out, _, _ = ledgerRun(t, db, "", "numbers", "show", sn, "--format", "json")
	if n := jsonLines(t, out)[0]; n["state"].(float64) != 2 || n["beian_num"] != "浙ICP备12345678号-1" {
		t.Fatalf("number after approval: %v", n)
	}
	if _, _, status := ledgerRun(t, db, "", "numbers", "void", sn); status != exitFail {
		t.Fatalf("void a filed number: %d", status)
	}
	out, _, status = ledgerRun(t, db, "", "filings", "create", "--type", "app", "--instance", "i-1", "--app-name", "Shop")
	if status != exitOK || !strings.Contains(out, "Shop") {
		t.Fatalf("direct filing: %d %s", status, out)
	}
	out, _, _ = ledgerRun(t, db, "", "filings", "list", "--format", "json")
	if len(jsonLines(t, out)) != 2 {
		t.Fatalf("filings list: %s", out)
	}
}

func TestKeys(t *testing.T) {
	db := filepath.Join(t.TempDir(), "icpcheck.db")
	out, _, status := ledgerRun(t, db, "", "keys", "create", "--account", "1234567890123456", "--role", "customer", "--format", "json")
	var k struct {
		Account string `json:"account"`
		ID      string `json:"access_key_id"`
		Secret  string `json:"access_key_secret"`
	}
	if err := json.Unmarshal([]byte(out), &k); err != nil || status != exitOK {
		t.Fatalf("keys create: %d %s", status, out)
	}
	if k.Account != "1234567890123456" || !regexp.MustCompile(`^LTAI[0-9A-Za-z]{20}$`).MatchString(k.ID) || len(k.Secret) != 30 {
		t.Fatalf("key %+v", k)
	}
	out, _, _ = ledgerRun(t, db, "", "keys", "list")
	if !strings.Contains(out, k.ID) || strings.Contains(out, k.Secret) {
		t.Fatalf("keys list shows %q", out)
	}
	if _, _, status := ledgerRun(t, db, "", "keys", "create", "--account", "x", "--role", "customer"); status != exitFail {
		t.Fatalf("bad account: %d", status)
	}
	if _, _, status := ledgerRun(t, db, "", "keys", "delete", k.ID); status != exitOK {
		t.Fatalf("keys delete: %d", status)
	}
	if _, _, status := ledgerRun(t, db, "", "keys", "delete", k.ID); status != exitFail {
		t.Fatalf("delete again: %d", status)
	}
}

func TestAuditVerify(t *testing.T) {
	db := filepath.Join(t.TempDir(), "icpcheck.db")
	ledgerRun(t, db, ledgerInstance("i-1", "1001", "cn-hangzhou"), "import", "-")
	ledgerRun(t, db, "", "numbers", "apply", "--instance", "i-1", "--num", "5")
	out, _, status := ledgerRun(t, db, "", "audit", "verify")
	if status != exitOK || !strings.Contains(out, "intact: 7 events") {
		t.Fatalf("verify: %d %s", status, out)
	}
	store, err := sqlite.Open(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Exec(context.Background(), `UPDATE audit_events SET data = '{"seq":9}' WHERE seq = 4`)
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _, status = ledgerRun(t, db, "", "audit", "verify")
	if status != exitFail || !strings.Contains(out, "event 4 does not verify") {
		t.Fatalf("verify after tampering: %d %s", status, out)
	}
	out, _, _ = ledgerRun(t, db, "", "audit", "verify", "--format", "json")
	var v icpcheck.AuditVerification
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.OK || v.FirstBad != 4 || v.Problem != "hash" {
		t.Fatalf("verify --format json: %s", out)
	}
}

func ledgerWriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
