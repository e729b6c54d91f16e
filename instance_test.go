package icpcheck_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
)

// base is a valid instance's JSON form; each case below replaces or removes one field.
const base = `{"id": "i-bp1g6zv0ce8oghu7k9x1", "product": "ecs", "provider": "alibaba", "owner": "1234567890123456",
 "region": "cn-hangzhou", "status": "running", "billing": "subscription",
 "orders": [{"type": "new", "start": "2026-01-10T00:00:00+08:00", "period": 1, "unit": "month", "amount_cny": 99.0},
            {"type": "renewal", "period": 2, "unit": "month", "amount_cny": 198.0}],
 "public_ips": ["47.96.10.20"], "public_bandwidth_mbps": 5, "server_purchased": true, "edition": "enterprise"}`

// with returns base with key set to the JSON value v, or removed when v is "".
func with(t *testing.T, key, v string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(base), &m); err != nil {
		t.Fatal(err)
	}
	if v == "" {
		delete(m, key)
	} else {
		m[key] = json.RawMessage(v)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeInstance(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		in, err := icpcheck.DecodeInstance([]byte(base))
		if err != nil {
			t.Fatal(err)
		}
		if in.ID != "i-bp1g6zv0ce8oghu7k9x1" || len(in.Orders) != 2 || in.Orders[1].Period != 2 || *in.PublicBandwidthMbps != 5 || !*in.ServerPurchased {
			t.Fatalf("decoded %+v", in)
		}
		if _, off := in.Orders[0].Start.Zone(); off != 8*3600 {
			t.Fatalf("start offset %d, want +08:00 kept", off)
		}
		// The JSON form round-trips.
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := icpcheck.DecodeInstance(b)
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(again)
		if string(b) != string(b2) {
			t.Fatalf("round trip changed:\n%s\n%s", b, b2)
		}
	})
	t.Run("Minimal", func(t *testing.T) {
		in, err := icpcheck.DecodeInstance([]byte(`{"id":"a","product":"ecs","owner":"1","status":"running","billing":"pay_as_you_go"}`))
		if err != nil {
			t.Fatal(err)
		}
		if in.PublicBandwidthMbps != nil || in.ServerPurchased != nil || len(in.Orders) != 0 {
			t.Fatalf("absent fields decoded as %+v", in)
		}
	})

	for _, tt := range []struct {
		name   string
		input  []byte
		field  string
		reason string
	}{
		{"UnknownField", with(t, "colour", `"red"`), "colour", "unknown_field"},
		{"IDMissing", with(t, "id", ""), "id", "required"},
		{"IDBadChars", with(t, "id", `"a b"`), "id", "bad_id"},
		{"IDTooLong", with(t, "id", `"`+strings.Repeat("a", 129)+`"`), "id", "too_long"},
		{"IDNotString", with(t, "id", `12`), "id", "bad_type"},
		{"ProductMissing", with(t, "product", ""), "product", "required"},
		{"ProductUppercase", with(t, "product", `"ECS"`), "product", "bad_name"},
		{"ProviderBad", with(t, "provider", `"Ali Baba"`), "provider", "bad_name"},
		{"OwnerMissing", with(t, "owner", ""), "owner", "required"},
		{"OwnerNotDigits", with(t, "owner", `"12ab"`), "owner", "bad_account"},
		{"OwnerLeadingZero", with(t, "owner", `"0123"`), "owner", "bad_account"},
		{"OwnerTooBig", with(t, "owner", `"99999999999999999999"`), "owner", "bad_account"},
		{"OwnerNumber", with(t, "owner", `1234`), "owner", "bad_type"},
		{"RegionBad", with(t, "region", `"CN_Hangzhou"`), "region", "bad_region"},
		{"StatusMissing", with(t, "status", ""), "status", "required"},
		{"StatusBad", with(t, "status", `"paused"`), "status", "bad_enum"},
		{"BillingBad", with(t, "billing", `"monthly"`), "billing", "bad_enum"},
		{"SubscriptionNoOrders", with(t, "orders", `[]`), "orders", "subscription_without_orders"},
		{"RenewalFirst", with(t, "orders", `[{"type":"renewal","period":1,"unit":"month"}]`), "orders[0].type", "renewal_first"},
		{"NewNotFirst", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1,"unit":"month"},{"type":"new","start":"2026-02-10T00:00:00+08:00","period":1,"unit":"month"}]`), "orders[1].type", "new_not_first"},
		{"FirstWithoutStart", with(t, "orders", `[{"type":"new","period":1,"unit":"month"}]`), "orders[0].start", "start_required"},
		{"RenewalWithStart", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1,"unit":"month"},{"type":"renewal","start":"2026-02-10T00:00:00+08:00","period":1,"unit":"month"}]`), "orders[1].start", "renewal_start"},
		{"OrderTypeBad", with(t, "orders", `[{"type":"upgrade","start":"2026-01-10T00:00:00+08:00","period":1,"unit":"month"}]`), "orders[0].type", "bad_enum"},
		{"PeriodZero", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":0,"unit":"month"}]`), "orders[0].period", "bad_period"},
		{"PeriodNegative", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":-3,"unit":"month"}]`), "orders[0].period", "bad_period"},
		{"PeriodMissing", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","unit":"month"}]`), "orders[0].period", "bad_period"},
		{"PeriodFractional", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1.5,"unit":"month"}]`), "orders.period", "bad_type"},
		{"PeriodHuge", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1e30,"unit":"month"}]`), "orders.period", "bad_type"},
		{"CoverageTooLong", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1000,"unit":"year"}]`), "orders[0].period", "coverage_too_long"},
		{"UnitBad", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1,"unit":"fortnight"}]`), "orders[0].unit", "bad_enum"},
		{"UnitMissing", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1}]`), "orders[0].unit", "required"},
		{"AmountNegative", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1,"unit":"month","amount_cny":-1}]`), "orders[0].amount_cny", "bad_amount"},
		{"AmountHuge", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1,"unit":"month","amount_cny":1e400}]`), "orders.amount_cny", "bad_type"},
		{"AmountString", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1,"unit":"month","amount_cny":"99"}]`), "orders.amount_cny", "bad_type"},
		{"OrderUnknownField", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00+08:00","period":1,"unit":"month","discount":1}]`), "discount", "unknown_field"},
		{"StartNoOffset", with(t, "orders", `[{"type":"new","start":"2026-01-10T00:00:00","period":1,"unit":"month"}]`), "orders[0].start", "bad_time"},
		{"StartDateOnly", with(t, "orders", `[{"type":"new","start":"2026-01-10","period":1,"unit":"month"}]`), "orders[0].start", "bad_time"},
		{"StartFeb30", with(t, "orders", `[{"type":"new","start":"2026-02-30T00:00:00+08:00","period":1,"unit":"month"}]`), "orders[0].start", "bad_time"},
		{"IPMalformed", with(t, "public_ips", `["47.96.10"]`), "public_ips[0]", "bad_ip"},
		{"IPPrivate", with(t, "public_ips", `["10.0.0.1"]`), "public_ips[0]", "not_public_ip"},
		{"IPLoopback", with(t, "public_ips", `["::1"]`), "public_ips[0]", "not_public_ip"},
		{"IPShared", with(t, "public_ips", `["100.64.1.1"]`), "public_ips[0]", "not_public_ip"},
		{"IPZone", with(t, "public_ips", `["fe80::1%eth0"]`), "public_ips[0]", "bad_ip"},
		{"IPMapped", with(t, "public_ips", `["::ffff:47.96.10.20"]`), "public_ips[0]", "bad_ip"},
		{"IPDuplicate", with(t, "public_ips", `["47.96.10.20","47.96.10.20"]`), "public_ips[1]", "duplicate"},
		{"IPsNotList", with(t, "public_ips", `"47.96.10.20"`), "public_ips", "bad_type"},
		{"BandwidthNegative", with(t, "public_bandwidth_mbps", `-1`), "public_bandwidth_mbps", "bad_number"},
		{"BandwidthString", with(t, "public_bandwidth_mbps", `"5"`), "public_bandwidth_mbps", "bad_type"},
		{"ServerPurchasedString", with(t, "server_purchased", `"yes"`), "server_purchased", "bad_type"},
		{"EditionBad", with(t, "edition", `"Enterprise Plus"`), "edition", "bad_name"},
		{"NotObject", []byte(`[1,2]`), "", "not_object"},
		{"Syntax", []byte(`{"id": }`), "", "bad_json"},
		{"Truncated", []byte(`{"id": "a"`), "", "bad_json_eof"},
		{"Empty", []byte(``), "", "bad_json_eof"},
		{"Trailing", []byte(base + ` {}`), "", "trailing_data"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := icpcheck.DecodeInstance(tt.input)
			if code := icpcheck.ErrorCode(err); code != icpcheck.EINVALID {
				t.Fatalf("code=%q (%v), want EINVALID", code, err)
			}
			e := err.(*icpcheck.Error)
			if e.Field != tt.field || e.Reason != tt.reason {
				t.Fatalf("field=%q reason=%q (%v), want %q %q", e.Field, e.Reason, err, tt.field, tt.reason)
			}
			for _, lang := range []string{"zh-CN", "en"} {
				if msg := e.Localized(langOf(lang)); strings.Contains(msg, "error.") {
					t.Fatalf("message %q has no text", msg)
				}
			}
		})
	}
}
