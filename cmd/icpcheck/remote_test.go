package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestRemoteMode runs the same CLI commands against a local store and, with --server,
// against a server over an identical store: outputs and exit statuses must be the same, but
// for the random numbers, ids and times each run draws.
func TestRemoteMode(t *testing.T) {
	dir := t.TempDir()
	localDB, servedDB := filepath.Join(dir, "local.db"), filepath.Join(dir, "served.db")
	inventory := ledgerInstance("i-1", "1001", "cn-hangzhou") + "\n" +
		ledgerInstance("i-hk", "1001", "cn-hongkong") + "\n" +
		ledgerInstance("i-2", "1002", "cn-beijing") + "\n"
	for _, db := range []string{localDB, servedDB} {
		if _, stderr, status := ledgerRun(t, db, inventory, "import", "-"); status != exitOK {
			t.Fatalf("import into %s: exit %d: %s", db, status, stderr)
		}
	}
	createAdminKey(t, localDB) // so that both audit logs hold the same events
	id, secret := createAdminKey(t, servedDB)
	s := startServe(t, "--db", servedDB)
	remote := []string{"--server", s.URL, "--access-key-id", id, "--access-key-secret", secret}

	sns := map[string][]string{}
	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"numbers", "apply", "--instance", "i-1", "--num", "2", "--format", "json"}},
		{"", []string{"numbers", "apply", "--instance", "i-1", "--num", "21"}},
		{"", []string{"numbers", "apply", "--instance", "i-1", "--num", "4"}},
		{"", []string{"numbers", "apply", "--instance", "i-hk", "--num", "1"}},
		{"", []string{"numbers", "apply", "--instance", "i-nope", "--num", "1"}},
		{"", []string{"numbers", "list", "--instance", "i-1"}},
		{"", []string{"numbers", "list", "--format", "json", "--limit", "1", "--offset", "1"}},
		{"", []string{"numbers", "grant", "{sn0}", "--to", "1002", "--notes", "for 1002", "--format", "json"}},
		{"", []string{"numbers", "grant", "{sn0}", "--to", "1001"}},
		{"", []string{"numbers", "show", "{sn0}", "--format", "json"}},
		{"", []string{"filings", "create", "--type", "website", "--sn", "{sn0}", "--filer", "1002", "--domain", "b.example.cn",
			"--access-provider", "alibaba", "--access-method", "cloud_server", "--access-region", "cn-hangzhou", "--access-ip", "47.96.10.20", "--format", "json"}},
		{"", []string{"filings", "create", "--type", "app", "--instance", "i-1", "--app-name", "应用",
			"--access-provider", "alibaba", "--access-method", "cloud_server", "--access-region", "cn-beijing", "--access-ip", "47.96.10.20"}},
		{"", []string{"filings", "list"}},
		{"", []string{"filings", "list", "--format", "json"}},
		{"", []string{"numbers", "void", "{sn1}", "--reason", "test"}},
		{"", []string{"numbers", "void", "{sn0}"}},
		{ledgerInstance("i-3", "1003", "cn-shanghai") + "\n{\"id\":\"bad\"}\n", []string{"import", "--format", "json", "-"}},
		{"", []string{"audit", "verify"}},
		{"", []string{"keys", "create", "--account", "01", "--role", "customer"}},
	} {
		name := strings.Join(c.args, " ")
		t.Run(name, func(t *testing.T) {
			var outs [2]string
			var statuses [2]int
			for i, mode := range []string{"local", "remote"} {
				args := append([]string(nil), c.args...)
				for j, a := range args {
					if n := strings.TrimSuffix(strings.TrimPrefix(a, "{sn"), "}"); n != a && len(sns[mode]) > int(n[0]-'0') {
						args[j] = sns[mode][n[0]-'0']
					}
				}
				if mode == "remote" {
					args = append(append([]string(nil), remote...), args...)
				}
				stdout, stderr, status := ledgerRun(t, localDB, c.stdin, args...)
				if c.args[1] == "apply" && status == exitOK {
					sns[mode] = append(sns[mode], uuid.FindAllString(stdout, -1)...)
				}
				outs[i], statuses[i] = normalize(stdout+"\n--- stderr ---\n"+stderr), status
			}
			if statuses[0] != statuses[1] || outs[0] != outs[1] {
				t.Fatalf("local exit %d:\n%s\nremote exit %d:\n%s", statuses[0], outs[0], statuses[1], outs[1])
			}
		})
	}
	if len(sns["local"]) != 2 || len(sns["remote"]) != 2 {
		t.Fatalf("numbers issued: %v", sns)
	}
}

var (
	uuid      = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	filingID  = regexp.MustCompile(`f-[0-9a-f]{16}`)
	timestamp = regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?( [+-]\d\d:\d\d)?`)
	keyID     = regexp.MustCompile(`LTAI[0-9A-Za-z]+`)
	spaces    = regexp.MustCompile(`[ \t]+`)
)

// normalize replaces what differs between two runs of the same commands: numbers, filing
// and key ids, times, and the column widths they cause.
func normalize(s string) string {
	for _, r := range []struct {
		re   *regexp.Regexp
		with string
	}{{uuid, "<sn>"}, {filingID, "<filing>"}, {timestamp, "<time>"}, {keyID, "<key>"}, {spaces, " "}} {
		s = r.re.ReplaceAllString(s, r.with)
	}
	return s
}

// syncBuffer is a writer that tests read while a server writes to it.
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
