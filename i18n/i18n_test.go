package i18n_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/icpcheck/icpcheck/i18n"
)

var placeholder = regexp.MustCompile(`\{\d+\}`)

// TestCatalog demands that every text has both languages with the same placeholders, so that
// no parameter shows in one language and vanishes in the other.
func TestCatalog(t *testing.T) {
	keys := i18n.Keys()
	if len(keys) < 100 {
		t.Fatalf("only %d keys", len(keys))
	}
	for _, k := range keys {
		text, _ := i18n.Lookup(k)
		zh := placeholder.FindAllString(text.ZH, -1)
		en := placeholder.FindAllString(text.EN, -1)
		slices.Sort(zh)
		slices.Sort(en)
		if !slices.Equal(slices.Compact(zh), slices.Compact(en)) {
			t.Errorf("%s: placeholders zh-CN %v, en %v", k, zh, en)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		s      string
		params []any
		want   string
	}{
		{"a {0} b {1}", []any{"x", 2}, "a x b 2"},
		{"{1}{0}{1}", []any{"x", "y"}, "yxy"},
		{"{2} stays", []any{"x"}, "{2} stays"},
		{"{x} {", []any{"x"}, "{x} {"},
		{"no params", nil, "no params"},
	} {
		if got := i18n.Format(tt.s, tt.params...); got != tt.want {
			t.Errorf("Format(%q, %v)=%q, want %q", tt.s, tt.params, got, tt.want)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   i18n.Lang
	}{
		{"", i18n.ZH},
		{"en", i18n.EN},
		{"en-US,en;q=0.9", i18n.EN},
		{"zh-CN,zh;q=0.9,en;q=0.8", i18n.ZH},
		{"fr, en;q=0.5", i18n.EN},
		{"en;q=0.2, zh-Hans;q=0.8", i18n.ZH},
		{"de", i18n.ZH},
		{"en;q=0", i18n.ZH},
	} {
		if got := i18n.FromAcceptLanguage(tt.header); got != tt.want {
			t.Errorf("FromAcceptLanguage(%q)=%s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestUnknownKey(t *testing.T) {
	if got := i18n.T(i18n.EN, "no.such.key"); got != "no.such.key" {
		t.Fatalf("T(unknown)=%q", got)
	}
}
