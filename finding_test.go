package icpcheck_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

func TestFindingKey(t *testing.T) {
	a := icpcheck.FindingKey("access", "ip_not_declared", "f-1", "a/b", "c")
	b := icpcheck.FindingKey("access", "ip_not_declared", "f-1", "a", "b/c")
	if a == b {
		t.Fatalf("different parts give one key %q", a)
	}
	if got := icpcheck.FindingKey("expiry", "expired", "i-1"); got != "expiry/expired/i-1" {
		t.Fatalf("key %q", got)
	}
	if got := icpcheck.FindingKey("x", "y", "50%/"); got != "x/y/50%25%2F" {
		t.Fatalf("escaped key %q", got)
	}
}

func TestFindingValidate(t *testing.T) {
	good := icpcheck.Finding{Key: "expiry/expired/i-1", Monitor: "expiry", Kind: "expired", Scope: icpcheck.InstanceScope("i-1")}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit  func(*icpcheck.Finding)
		field string
	}{
		{func(f *icpcheck.Finding) { f.Monitor = "disk" }, "monitor"},
		{func(f *icpcheck.Finding) { f.Kind = "dns_unresolved" }, "kind"},
		{func(f *icpcheck.Finding) { f.Key = "expiry/expiring/i-1" }, "key"},
		{func(f *icpcheck.Finding) { f.Key = "expiry/expired/" + strings.Repeat("x", 1100) }, "key"},
		{func(f *icpcheck.Finding) { f.Scope = "" }, "scope"},
	} {
		f := good
		tc.edit(&f)
		err := f.Validate()
		if e, ok := err.(*icpcheck.Error); !ok || e.Code != icpcheck.EINVALID || e.Field != tc.field {
			t.Errorf("%+v: err=%v, want EINVALID on %s", f, err, tc.field)
		}
	}
}

// TestFindingMessages renders every kind, with and without its optional details, in both
// languages: no key may be missing and no placeholder left unfilled.
func TestFindingMessages(t *testing.T) {
	end := time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)
	deadline := end.AddDate(0, 0, 30)
	for m, kinds := range icpcheck.FindingKinds {
		for _, kind := range kinds {
			for _, dated := range []bool{true, false} {
				f := icpcheck.Finding{Monitor: m, Kind: kind, InstanceID: "i-1", FilingID: "f-1", Domain: "www.example.com",
					IP: netip.MustParseAddr("47.96.10.20"), Reminder: 7, DaysLeft: 5, Filings: []string{"f-1"}}
				if kind == icpcheck.FindingDNSUnresolved {
					f.Reason = icpcheck.DNSServFail
				}
				if dated {
					f.ExpiresAt, f.Deadline = &end, &deadline
				}
				for _, lang := range i18n.Langs {
					for _, s := range []string{f.Message(lang), f.Remedy(lang)} {
						if s == "" || strings.Contains(s, "{") || strings.HasPrefix(s, "monitor.") {
							t.Errorf("%s/%s dated=%v %s: %q", m, kind, dated, lang, s)
						}
					}
				}
			}
		}
	}
}
