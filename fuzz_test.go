package icpcheck_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
)

// FuzzDecodeInstance feeds arbitrary bytes to the strict decoder: it must never panic, an
// error must be EINVALID, and what it accepts must validate and survive a round trip.
func FuzzDecodeInstance(f *testing.F) {
	f.Add([]byte(base))
	if data, err := os.ReadFile("testdata/examples/check-instances.jsonl"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			f.Add([]byte(line))
		}
	}
	for _, s := range []string{`{}`, `[]`, `null`, `{"orders":[{}]}`, `{"public_ips":["::1%0"]}`, `{"id":"\u0000"}`, `{"orders":[{"period":1e999}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := icpcheck.DecodeInstance(data)
		if err != nil {
			if code := icpcheck.ErrorCode(err); code != icpcheck.EINVALID {
				t.Fatalf("error code %q: %v", code, err)
			}
			return
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("accepted an invalid instance: %v", err)
		}
		out, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := icpcheck.DecodeInstance(out)
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
		out2, _ := json.Marshal(again)
		if string(out) != string(out2) {
			t.Fatalf("round trip changed:\n%s\n%s", out, out2)
		}
		in.Coverage()
	})
}
