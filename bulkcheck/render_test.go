package bulkcheck

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// TestAppendString demands that every string comes back from a JSON decoder as it went in
// (invalid UTF-8 as U+FFFD, as encoding/json does).
func TestAppendString(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "s")
		raw := rapid.SliceOf(rapid.Byte()).Draw(t, "raw")
		for _, in := range []string{s, string(raw)} {
			out := appendString(nil, in)
			var got string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%q -> %s: %v", in, out, err)
			}
			want := in
			if !utf8.ValidString(in) {
				want = string([]rune(in)) // the replacement character for each invalid byte
				b, _ := json.Marshal(in)
				json.Unmarshal(b, &want)
			}
			if got != want {
				t.Fatalf("%q -> %s -> %q", in, out, got)
			}
		}
	})
}
