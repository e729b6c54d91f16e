package instancefile_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/instancefile"
)

// FuzzReader reads arbitrary input in every format: it must end, never panic, and give for
// each record an instance or an EINVALID error; an accepted CSV row must survive being
// written and read again.
func FuzzReader(f *testing.F) {
	f.Add([]byte("id,product,owner,status,billing,orders,public_ips\na,ecs,1,running,subscription,new@2026-01-01T00:00:00+08:00 1 month 5; renewal 2 month,47.96.1.1\n"), uint8(2))
	f.Add([]byte(`{"id":"a","product":"ecs","owner":"1","status":"running","billing":"pay_as_you_go"}`+"\n"), uint8(1))
	f.Add([]byte("id,id\n\"a"), uint8(0))
	f.Add([]byte("\xef\xbb\xbf\n\n{"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := []instancefile.Format{"", instancefile.JSONL, instancefile.CSV}[int(format)%3]
		r := instancefile.NewReader(bytes.NewReader(data), fm)
		for n := 0; ; n++ {
			if n > len(data)+1 {
				t.Fatal("more records than bytes")
			}
			rec, err := r.Next()
			if err != nil {
				if err != io.EOF && icpcheck.ErrorCode(err) != icpcheck.EINVALID {
					t.Fatalf("error %v", err)
				}
				return
			}
			if (rec.Instance == nil) == (rec.Err == nil) {
				t.Fatalf("record %+v: want an instance or an error", rec)
			}
			if rec.Err != nil {
				if icpcheck.ErrorCode(rec.Err) != icpcheck.EINVALID {
					t.Fatalf("record error %v", rec.Err)
				}
				continue
			}
			var buf bytes.Buffer
			w := instancefile.NewWriter(&buf, instancefile.CSV)
			w.Write(rec.Instance)
			w.Flush()
			back, err := instancefile.NewReader(&buf, instancefile.CSV).Next()
			if err != nil || back.Err != nil {
				t.Fatalf("CSV round trip of %+v: %v %v\n%s", rec.Instance, err, back.Err, buf.String())
			}
		}
	})
}
