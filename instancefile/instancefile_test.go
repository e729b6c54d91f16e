package instancefile_test

import (
	"io"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/instancefile"
)

type result struct {
	line   int
	id     string
	field  string
	reason string
}

func readAll(t *testing.T, input string, format instancefile.Format) []result {
	t.Helper()
	r := instancefile.NewReader(strings.NewReader(input), format)
	var out []result
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("Next: %v", err)
		}
		res := result{line: rec.Line}
		if rec.Err != nil {
			var e *icpcheck.Error
			if !asError(rec.Err, &e) {
				t.Fatalf("line %d: error %T, want *icpcheck.Error", rec.Line, rec.Err)
			}
			res.field, res.reason = e.Field, e.Reason
		} else {
			res.id = rec.Instance.ID
		}
		out = append(out, res)
	}
}

func asError(err error, target **icpcheck.Error) bool {
	e, ok := err.(*icpcheck.Error)
	*target = e
	return ok
}

const good = `{"id":"a","product":"ecs","owner":"1","status":"running","billing":"pay_as_you_go"}`

func TestJSONL(t *testing.T) {
	input := "\n" + good + "\r\n\n" + `{"id":"b","product":"ecs"` + "\n" + `{"id":"c","product":"ecs","owner":"1","status":"running","billing":"pay_as_you_go","colour":"red"}` + "\n   \n" + good
	got := readAll(t, input, "")
	want := []result{
		{line: 2, id: "a"},
		{line: 4, reason: "bad_json_eof"},
		{line: 5, field: "colour", reason: "unknown_field"},
		{line: 7, id: "a"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestJSONLLineTooLong(t *testing.T) {
	long := `{"id":"` + strings.Repeat("x", instancefile.MaxLineSize) + `"}`
	got := readAll(t, long+"\n"+good+"\n", instancefile.JSONL)
	if len(got) != 2 || got[0].reason != "line_too_long" || got[1].id != "a" || got[1].line != 2 {
		t.Fatalf("got %+v", got)
	}
}

func TestCSV(t *testing.T) {
	input := "\ufeffid,product,owner,region,status,billing,orders,public_ips,public_bandwidth_mbps,server_purchased\n" +
		"a1,ecs,1234567890123456,cn-hangzhou,running,subscription,new@2026-09-20T00:00:00+08:00 1 month 300; renewal 2 month 300,47.96.10.20;47.96.10.21,5,\n" +
		"a2,ecs,1234567890123456,cn-hangzhou,running,subscription,renewal 2 month 300,47.96.10.20,5,\n" +
		"a3,ecs,1234567890123456,cn-hangzhou,running\n" +
		"a4,simple_application_server,1234567890123456,cn-hangzhou,running,subscription,new@2026-09-20T00:00:00+08:00 3 month,47.96.10.20,NaN,\n" +
		"a5,simple_application_server,1234567890123456,cn-hangzhou,running,subscription,new@2026-09-20T00:00:00+08:00 3 month,47.96.10.20,1,maybe\n" +
		"a6,ecs,1234567890123456,cn-hangzhou,running,subscription,new@2026-09-20 3 month,47.96.10.20,1,\n"
	got := readAll(t, input, "")
	want := []result{
		{line: 2, id: "a1"},
		{line: 3, field: "orders[0].type", reason: "renewal_first"},
		{line: 4, reason: "bad_csv"},
		{line: 5, field: "public_bandwidth_mbps", reason: "bad_number"},
		{line: 6, field: "server_purchased", reason: "bad_bool"},
		{line: 7, field: "orders[0].start", reason: "bad_time"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestCSVHeader(t *testing.T) {
	for _, tt := range []struct {
		name, header, field, reason string
	}{
		{"Unknown", "id,product,owner,status,billing,colour", "colour", "unknown_column"},
		{"Missing", "id,product,owner,status", "billing", "missing_column"},
		{"Duplicate", "id,id,product,owner,status,billing", "id", "duplicate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := instancefile.NewReader(strings.NewReader(tt.header+"\n"), instancefile.CSV).Next()
			e, ok := err.(*icpcheck.Error)
			if !ok || e.Field != tt.field || e.Reason != tt.reason {
				t.Fatalf("err=%v, want %s %s", err, tt.field, tt.reason)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	for _, f := range []instancefile.Format{"", instancefile.JSONL, instancefile.CSV} {
		if got := readAll(t, "", f); len(got) != 0 {
			t.Errorf("format %q: got %+v", f, got)
		}
	}
}
