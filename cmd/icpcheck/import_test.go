package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportBatches imports a file of more lines than one batch holds, with bad lines among
// the good ones, at the edges of batches too: every line is reported once, in order, with its
// own line number and outcome, and the exit status is 1.
func TestImportBatches(t *testing.T) {
	// newDB returns a store holding i-owned, with a number issued under 1001.
	newDB := func() string {
		db := filepath.Join(t.TempDir(), "icpcheck.db")
		if _, _, status := ledgerRun(t, db, ledgerInstance("i-owned", "1001", "cn-hangzhou")+"\n", "import", "-"); status != exitOK {
			t.Fatalf("import: %d", status)
		}
		if _, stderr, status := ledgerRun(t, db, "", "numbers", "apply", "--instance", "i-owned", "--num", "1"); status != exitOK {
			t.Fatalf("apply: %d %s", status, stderr)
		}
		return db
	}
	db := newDB()

	const n = 2*importBatchLines + 203
	file := make([]string, n) // the file's lines, by line number - 1
	want := make([]string, n) // what import says of each: an action, an error code, or "" for none
	for i := range file {
		file[i], want[i] = ledgerInstance(fmt.Sprintf("i-%04d", i), "1001", "cn-hangzhou"), "created"
	}
	bad := map[int]string{ // line number: the line
		1:                    `{"id":"i-z","colour":"red"}`, // the first line starts with '{', which says JSON Lines
		2:                    "not json",
		importBatchLines:     `{"id":"i-x","product":"ecs"}`,
		importBatchLines + 1: ledgerInstance("i-y", "01", "cn-hangzhou"),
		777:                  ledgerInstance("i-owned", "1002", "cn-hangzhou"), // numbers were issued under 1001
		n:                    "{",
	}
	for line, text := range bad {
		file[line-1], want[line-1] = text, "EINVALID"
	}
	want[777-1] = "ECONFLICT"
	file[300-1], want[300-1] = "", "" // a blank line is counted, not reported
	file[10-1] = ledgerInstance("i-dup", "1001", "cn-hangzhou")
	file[700-1], want[700-1] = ledgerInstance("i-dup", "1001", "cn-beijing"), "updated"
	input := strings.Join(file, "\n") + "\n"

	out, _, status := ledgerRun(t, db, input, "import", "--format", "json", "-")
	if status != exitFail {
		t.Fatalf("status %d, want 1 for refused lines", status)
	}
	got := jsonLines(t, out)
	next := 0
	for i, w := range want {
		if w == "" {
			continue
		}
		if next == len(got) {
			t.Fatalf("no report of line %d", i+1)
		}
		l := got[next]
		next++
		g, _ := l["action"].(string)
		if e, ok := l["error"].(map[string]any); ok {
			g = e["code"].(string)
		}
		if l["line"].(float64) != float64(i+1) || g != w {
			t.Fatalf("report %d: %v, want line %d %s", next, l, i+1, w)
		}
	}
	if next != len(got) {
		t.Fatalf("%d reports for %d lines", len(got), next)
	}
	// Batches of another size, with their edges elsewhere, report the same.
	if other, _, status := ledgerRun(t, newDB(), input, "import", "--format", "json", "--batch", "7", "-"); other != out || status != exitFail {
		t.Fatalf("--batch 7 reports otherwise (exit %d)", status)
	}
	if _, _, status := ledgerRun(t, db, input, "import", "--batch", "0", "-"); status != exitUsage {
		t.Fatalf("--batch 0: exit %d", status)
	}

	// Again, as a table: the summary counts every line, and nothing refused was loaded.
	_, stderr, status := ledgerRun(t, db, input, "import", "-")
	wantSummary := fmt.Sprintf("Lines read: %d; created 0, updated 2, unchanged %d, refused %d.", n-1, n-1-2-len(bad), len(bad))
	if status != exitFail || !strings.Contains(stderr, wantSummary) {
		t.Fatalf("second import: %d %q, want %q", status, stderr, wantSummary)
	}
	out, _, _ = ledgerRun(t, db, "", "audit", "list", "--format", "json", "--action", "account.create")
	if accounts := jsonLines(t, out); len(accounts) != 1 {
		t.Fatalf("%d accounts created, want 1: %s", len(accounts), out)
	}

	_, stderr, _ = ledgerRun(t, db, ledgerInstance("i-one", "1001", "cn-hangzhou")+"\n", "import", "-")
	if !strings.Contains(stderr, "Lines read: 1; created 1, updated 0, unchanged 0, refused 0.") {
		t.Fatalf("summary of one line: %q", stderr)
	}
}
