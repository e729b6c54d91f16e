package bulkcheck_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/bulkcheck"
	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/instancefile"
	"github.com/icpcheck/icpcheck/policy"
)

var at = time.Date(2026, 11, 26, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

// input returns n demo instances as JSON Lines with a bad line after every 97th, and the
// instances by line number.
func input(t *testing.T, n int) ([]byte, map[int]*icpcheck.Instance) {
	t.Helper()
	var buf bytes.Buffer
	w := instancefile.NewWriter(&buf, instancefile.JSONL)
	byLine := map[int]*icpcheck.Instance{}
	line := 0
	for i, in := range demo.Inventory(demo.Options{Seed: 5, Count: n, At: at}) {
		if err := w.Write(in); err != nil {
			t.Fatal(err)
		}
		line++
		byLine[line] = in
		if i%97 == 0 {
			w.Flush()
			buf.WriteString(`{"id": "bad", "unknown": 1}` + "\n")
			line++
		}
	}
	w.Flush()
	return buf.Bytes(), byLine
}

// TestJSONOrder checks a large input with many workers and demands one output line for each
// input line, in input order, each the engine's own verdict, and the bad lines answered in
// place.
func TestJSONOrder(t *testing.T) {
	data, byLine := input(t, 3000)
	var out bytes.Buffer
	c := bulkcheck.New(&out, bulkcheck.Options{Policy: policy.Default(), At: at, Lang: i18n.EN, Workers: 4})
	if err := c.Check(context.Background(), "", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var got struct {
			ID       string `json:"id"`
			Eligible bool   `json:"eligible"`
			Line     int    `json:"line"`
			Checks   []struct {
				Code, Status, Message string
			} `json:"checks"`
			Error *struct{ Code, Field, Reason, Message string } `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatalf("output line %d: %v", line, err)
		}
		in := byLine[line]
		if in == nil {
			if got.Error == nil || got.Line != line || got.Error.Code != icpcheck.EINVALID || got.Error.Field != "unknown" {
				t.Fatalf("output line %d = %s, want the error of line %d", line, sc.Bytes(), line)
			}
			continue
		}
		want := eligibility.Check(in, policy.Default(), at)
		if got.ID != in.ID || got.Eligible != want.Eligible() || len(got.Checks) != len(want.Checks) {
			t.Fatalf("output line %d = %s, want %s eligible=%v", line, sc.Bytes(), in.ID, want.Eligible())
		}
	}
	if line != len(byLine)+c.Summary.Invalid {
		t.Fatalf("%d output lines, want %d", line, len(byLine)+c.Summary.Invalid)
	}
	if c.Summary.Checked != 3000 || c.Summary.Invalid != 31 || c.Summary.Eligible+c.Summary.Ineligible != 3000 {
		t.Fatalf("Summary=%+v", c.Summary)
	}
}

func TestCSVOutput(t *testing.T) {
	data, byLine := input(t, 200)
	var out bytes.Buffer
	c := bulkcheck.New(&out, bulkcheck.Options{Policy: policy.Default(), At: at, Format: bulkcheck.CSV, Lang: i18n.ZH})
	if err := c.Check(context.Background(), "", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "line,id,eligible,code,status,message,remedy" {
		t.Fatalf("header=%v", rows[0])
	}
	want := 1 + c.Summary.Invalid + 13*len(byLine)
	if len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	for _, r := range rows[1:] {
		if r[4] == "error" && r[3] != icpcheck.EINVALID {
			t.Fatalf("error row %v", r)
		}
	}
}

func TestTableOutput(t *testing.T) {
	data, _ := input(t, 20)
	var out bytes.Buffer
	c := bulkcheck.New(&out, bulkcheck.Options{Policy: policy.Default(), At: at, Format: bulkcheck.Table, Lang: i18n.EN})
	c.Check(context.Background(), "a.jsonl", bytes.NewReader(data))
	c.Close()
	s := out.String()
	for _, want := range []string{"i-demo-hongkong  ✗ not eligible", "region: Region cn-hongkong", "line a.jsonl:2 is invalid", "20 instances checked"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
}

// TestWriteError demands that a failed write stops the check with the error.
func TestWriteError(t *testing.T) {
	data, _ := input(t, 2000)
	c := bulkcheck.New(failingWriter{}, bulkcheck.Options{Policy: policy.Default(), At: at, Workers: 2})
	if err := c.Check(context.Background(), "", bytes.NewReader(data)); err == nil {
		t.Fatal("no error")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errFull }

var errFull = &icpcheck.Error{Code: icpcheck.EINTERNAL, Reason: "internal"}
