package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/demo"
	icphttp "github.com/icpcheck/icpcheck/http"
)

// serving is an in-process `icpcheck serve`: its URL, the lines it printed after it, and
// how to stop it.
type serving struct {
	URL    string
	Lines  []string // stdout lines after the one that names the URL, read so far
	lines  chan string
	stderr *syncBuffer
	stop   context.CancelFunc
	done   chan int // the exit status, once Run returns
}

// startServe runs `icpcheck --lang en serve --addr 127.0.0.1:0 args...` in process and waits
// until it prints the address it listens on. The server is stopped when the test ends.
func startServe(t *testing.T, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &serving{lines: make(chan string, 64), stderr: &syncBuffer{}, stop: cancel, done: make(chan int, 1)}
	m := &Main{Stdin: strings.NewReader(""), Stdout: pw, Stderr: s.stderr, Getenv: func(string) string { return "" }}
	go func() {
		err := m.Run(ctx, append([]string{"--lang", "en", "serve", "--addr", "127.0.0.1:0", "--log-format", "text"}, args...))
		m.Close()
		pw.Close()
		s.done <- exitStatus(err)
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	listening := regexp.MustCompile(`serving at (http://\S+)`)
	for line := range s.lines {
		if m := listening.FindStringSubmatch(line); m != nil {
			s.URL = m[1]
			return s
		}
	}
	t.Fatalf("serve printed no address; exit %d; stderr:\n%s", <-s.done, s.stderr.String())
	return nil
}

// line returns the next line serve printed.
func (s *serving) line(t *testing.T) string {
	t.Helper()
	line, ok := <-s.lines
	if !ok {
		t.Fatalf("serve printed nothing more; stderr:\n%s", s.stderr.String())
	}
	s.Lines = append(s.Lines, line)
	return line
}

// close stops the server as SIGTERM does and returns its exit status.
func (s *serving) close() int {
	s.stop()
	status := <-s.done
	s.done <- status // for the cleanup
	return status
}

var demoKey = regexp.MustCompile(`AccessKey: (\S+) / (\S+)`)

// TestServeDemo starts serve --demo on a new store, signs in with the keys it prints, and
// stops it; a second start on the same store leaves the inventory alone.
func TestServeDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "icpcheck.db")
	s := startServe(t, "--db", db, "--demo", "--demo-count", "40")
	var keys [][]string
	for len(keys) < 2 {
		if m := demoKey.FindStringSubmatch(s.line(t)); m != nil {
			keys = append(keys, m[1:])
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json", "/metrics"} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
	ctx := context.Background()
	admin, err := icphttp.NewClient(s.URL, keys[0][0], keys[0][1])
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	customer, _ := icphttp.NewClient(s.URL, keys[1][0], keys[1][1])
	defer customer.Close()
	if _, total, err := admin.FindInstances(ctx, icpcheck.InstanceFilter{}); err != nil || total != 40 {
		t.Fatalf("admin sees %d instances (%v), want the 40 of the demo", total, err)
	}
	recs, total, err := customer.FindInstances(ctx, icpcheck.InstanceFilter{Limit: icpcheck.MaxPageSize})
	if err != nil || total == 0 || total == 40 {
		t.Fatalf("the demo customer sees %d instances (%v), want its own only", total, err)
	}
	for _, r := range recs {
		if r.Instance.Owner != demo.Customer {
			t.Fatalf("the demo customer sees %s of %s", r.Instance.ID, r.Instance.Owner)
		}
	}
	if status := s.close(); status != exitOK {
		t.Fatalf("serve exited %d after SIGTERM; stderr:\n%s", status, s.stderr.String())
	}
	if !strings.Contains(s.stderr.String(), "Stopping") {
		t.Fatalf("serve did not say it was stopping:\n%s", s.stderr.String())
	}

	again := startServe(t, "--db", db, "--demo", "--demo-count", "40")
	for len(keys) < 4 {
		if m := demoKey.FindStringSubmatch(again.line(t)); m != nil {
			keys = append(keys, m[1:])
		}
	}
	admin2, _ := icphttp.NewClient(again.URL, keys[2][0], keys[2][1])
	defer admin2.Close()
	if _, total, err := admin2.FindInstances(ctx, icpcheck.InstanceFilter{}); err != nil || total != 40 {
		t.Fatalf("after a second --demo: %d instances (%v), want the same 40", total, err)
	}
	if !strings.Contains(again.stderr.String(), "already holds 40 instances") {
		t.Fatalf("the second --demo did not say it skipped loading:\n%s", again.stderr.String())
	}
}

// TestServeUsage holds the refusals of bad serve and --server flags as bad usage (exit 2).
func TestServeUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "icpcheck.db")
	for _, args := range [][]string{
		{"--server", "http://127.0.0.1:1", "serve"},
		{"serve", "--log-format", "xml"},
		{"serve", "--demo-count", "0"},
		{"serve", "--addr", "127.0.0.1:0", "extra"},
		{"--server", "http://127.0.0.1:1", "numbers", "list"},
		{"--server", "ftp://x", "--access-key-id", "a", "--access-key-secret", "b", "numbers", "list"},
	} {
		_, stderr, status := ledgerRun(t, db, "", args...)
		if status != exitUsage {
			t.Errorf("%v: exit %d, want %d; stderr: %s", args, status, exitUsage, stderr)
		}
	}
	_, _, status := ledgerRun(t, db, "", "serve", "--addr", "256.0.0.1:http")
	if status != exitFail {
		t.Errorf("serve on an address it cannot listen on: exit %d, want %d", status, exitFail)
	}
}

// createAdminKey creates an admin key in the SQLite store at db through the CLI.
func createAdminKey(t *testing.T, db string) (id, secret string) {
	t.Helper()
	out, stderr, status := ledgerRun(t, db, "", "keys", "create", "--account", demo.Admin, "--role", "admin", "--format", "json")
	var key struct {
		ID     string `json:"access_key_id"`
		Secret string `json:"access_key_secret"`
	}
	if status != exitOK || json.Unmarshal([]byte(out), &key) != nil || key.Secret == "" {
		t.Fatalf("keys create: exit %d: %s %s", status, out, stderr)
	}
	return key.ID, key.Secret
}
