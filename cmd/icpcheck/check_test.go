package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// run runs the program in process with args and stdin, and returns its output, error output
// and exit status.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), args)
	m.Close()
	return stdout.String(), stderr.String(), exitStatus(err)
}

const at = "2026-11-26T12:00:00+08:00"

// TestCheckExamples is the definition of done: the shared examples give exactly the
// expected results.
func TestCheckExamples(t *testing.T) {
	out, errOut, status := run(t, "", "check", "--at", at, "../../testdata/examples/check-instances.jsonl")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	expected, err := os.ReadFile("../../testdata/examples/check-expected.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	gotLines := strings.Split(strings.TrimSpace(out), "\n")
	wantLines := strings.Split(strings.TrimSpace(string(expected)), "\n")
	if len(gotLines) != len(wantLines) {
		t.Fatalf("%d results, want %d", len(gotLines), len(wantLines))
	}
	for i := range wantLines {
		var got struct {
			ID       string
			Eligible bool
			Checks   []struct{ Code, Status, Message, Remedy string }
		}
		var want struct {
			ID         string
			Eligible   bool
			Fail, Warn []string
		}
		json.Unmarshal([]byte(gotLines[i]), &got)
		json.Unmarshal([]byte(wantLines[i]), &want)
		var fail, warn []string
		for _, c := range got.Checks {
			if c.Message == "" {
				t.Errorf("%s %s: no message", got.ID, c.Code)
			}
			switch c.Status {
			case "fail":
				fail = append(fail, c.Code)
				if c.Remedy == "" {
					t.Errorf("%s %s: failing without a remedy", got.ID, c.Code)
				}
			case "warn":
				warn = append(warn, c.Code)
			}
		}
		slices.Sort(fail)
		slices.Sort(want.Fail)
		if got.ID != want.ID || got.Eligible != want.Eligible || !slices.Equal(fail, want.Fail) || !slices.Equal(warn, want.Warn) {
			t.Errorf("line %d: got %s eligible=%v fail=%v warn=%v, want %+v", i+1, got.ID, got.Eligible, fail, warn, want)
		}
	}
}

// TestCheckBadLine demands a bad line among good ones answered in place, the others checked,
// and exit status 1.
func TestCheckBadLine(t *testing.T) {
	good := `{"id":"a","product":"ecs","owner":"1","status":"running","billing":"pay_as_you_go"}`
	input := good + "\n" + `{"id":"b","product":"ecs","owner":"1","status":"running","billing":"subscription","orders":[{"type":"renewal","period":1,"unit":"month"}]}` + "\n" + good + "\n"
	out, _, status := run(t, input, "check", "--at", at, "--lang", "en", "-")
	if status != 1 {
		t.Fatalf("status %d, want 1", status)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	var bad struct {
		Line  int
		Error struct{ Code, Field, Message string }
	}
	if err := json.Unmarshal([]byte(lines[1]), &bad); err != nil {
		t.Fatal(err)
	}
	if bad.Line != 2 || bad.Error.Code != "EINVALID" || bad.Error.Field != "orders[0].type" || !strings.Contains(bad.Error.Message, "renewal") {
		t.Fatalf("bad line answered %s", lines[1])
	}
	if !strings.HasPrefix(lines[0], `{"id":"a"`) || !strings.HasPrefix(lines[2], `{"id":"a"`) {
		t.Fatalf("good lines not checked:\n%s", out)
	}
}

func TestCheckUsage(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--format", "xml"},
		{"check", "--at", "tomorrow"},
		{"check", "--input-format", "xml"},
		{"check", "no-such-file.jsonl"},
		{"check", "--lang", "fr", "-"},
		{"check", "--no-such-flag"},
	} {
		if _, errOut, status := run(t, "", args...); status != 2 || errOut == "" {
			t.Errorf("%v: status %d (%q), want 2 with a message", args, status, errOut)
		}
	}
}

func TestCheckFormats(t *testing.T) {
	input, err := os.ReadFile("../../testdata/examples/check-instances.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	out, _, status := run(t, string(input), "check", "--at", at, "--format", "csv", "--lang", "en")
	if status != 0 || !strings.HasPrefix(out, "line,id,eligible,code,status,message,remedy\n") || strings.Count(out, "\n") != 1+8*13 {
		t.Fatalf("csv: status %d\n%s", status, out)
	}
	out, _, _ = run(t, string(input), "check", "--at", at, "--format", "table")
	if !strings.Contains(out, "ecs-hong-kong  ✗ 不符合条件") || !strings.Contains(out, "共检查 8 个实例") {
		t.Fatalf("table:\n%s", out)
	}
}

// TestCheckCSVInput checks a CSV file written by demo generate.
func TestCheckCSVInput(t *testing.T) {
	csv, _, status := run(t, "", "demo", "generate", "--count", "50", "--format", "csv", "--at", at)
	if status != 0 {
		t.Fatal("generate failed")
	}
	out, errOut, status := run(t, csv, "check", "--at", at)
	if status != 0 {
		t.Fatalf("status %d: %s\n%s", status, errOut, out)
	}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		n++
	}
	if n != 50 {
		t.Fatalf("%d results, want 50", n)
	}
}

func TestPolicyCommands(t *testing.T) {
	out, _, status := run(t, "", "policy", "show")
	if status != 0 || !strings.Contains(out, "provider: alibaba") {
		t.Fatalf("policy show: %d\n%s", status, out)
	}
	if out, _, status := run(t, "", "policy", "validate", "../../policy/default.yaml", "../../examples/policy-tianyun.yaml"); status != 0 {
		t.Fatalf("validate: %d\n%s", status, out)
	}
	bad := t.TempDir() + "/bad.yaml"
	os.WriteFile(bad, []byte("provider: x\ncolour: red\n"), 0o600)
	out, _, status = run(t, "", "--lang", "en", "policy", "validate", bad)
	if status != 1 || !strings.Contains(out, "bad.yaml:2:1: colour: unknown key") {
		t.Fatalf("validate bad: %d\n%s", status, out)
	}
	out, _, status = run(t, "", "check", "--policy", "../../examples/policy-tianyun.yaml", "--at", at, "../../testdata/examples/check-instances.jsonl")
	if status != 0 || !strings.Contains(out, `"code":"product","status":"fail"`) {
		t.Fatalf("check under another policy: %d\n%.300s", status, out)
	}
}
