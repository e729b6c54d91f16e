package eligibility_test

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/policy"
)

// TestExamples checks the shared examples (SPEC section 4) and demands exactly the expected
// file: eligibility, the set of failing codes and the warnings.
func TestExamples(t *testing.T) {
	at := mustTime(t, "2026-11-26T12:00:00+08:00")
	instances := readLines(t, "../testdata/examples/check-instances.jsonl")
	expected := readLines(t, "../testdata/examples/check-expected.jsonl")
	if len(instances) != len(expected) {
		t.Fatalf("%d instances, %d expectations", len(instances), len(expected))
	}
	for i, line := range instances {
		var want struct {
			ID       string   `json:"id"`
			Eligible bool     `json:"eligible"`
			Fail     []string `json:"fail"`
			Warn     []string `json:"warn"`
			Mode     string   `json:"mode"`
		}
		if err := json.Unmarshal(expected[i], &want); err != nil {
			t.Fatal(err)
		}
		t.Run(want.ID, func(t *testing.T) {
			in, err := icpcheck.DecodeInstance(line)
			if err != nil {
				t.Fatalf("DecodeInstance: %v", err)
			}
			r := eligibility.Check(in, policy.Default(), at)
			if r.InstanceID != want.ID {
				t.Fatalf("ID=%q, want %q", r.InstanceID, want.ID)
			}
			if got := r.Eligible(); got != want.Eligible {
				t.Errorf("Eligible=%v, want %v", got, want.Eligible)
			}
			if got := sorted(r.Codes(icpcheck.Fail)); !slices.Equal(got, sorted(want.Fail)) {
				t.Errorf("fail=%v, want %v", got, want.Fail)
			}
			if got := sorted(r.Codes(icpcheck.Warn)); !slices.Equal(got, sorted(want.Warn)) {
				t.Errorf("warn=%v, want %v", got, want.Warn)
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			lines = append(lines, slices.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
