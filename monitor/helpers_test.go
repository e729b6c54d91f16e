package monitor_test

import (
	"strings"

	"github.com/icpcheck/icpcheck/i18n"
	"net/netip"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/policy"
)

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func mustPolicy(tb testing.TB) *icpcheck.Policy {
	tb.Helper()
	return policy.Default()
}

// start is the first order's start of every test instance: 3 months bought, so the coverage
// ends 2026-04-10T00:00:00+08:00.
const start = "2026-01-10T00:00:00+08:00"

// newInstance returns a running mainland ECS instance covered from start for months, with
// the given public IPs.
func newInstance(tb testing.TB, id string, months int, ips ...string) *icpcheck.Instance {
	tb.Helper()
	bw := 5.0
	in := &icpcheck.Instance{
		ID: id, Product: "ecs", Owner: "1234567890123456", Region: "cn-hangzhou",
		Status: icpcheck.StatusRunning, Billing: icpcheck.BillingSubscription,
		Orders:              []icpcheck.Order{{Type: icpcheck.OrderNew, Start: mustTime(tb, start), Period: months, Unit: icpcheck.UnitMonth, AmountCNY: 300}},
		PublicBandwidthMbps: &bw,
	}
	for _, ip := range ips {
		in.PublicIPs = append(in.PublicIPs, netip.MustParseAddr(ip))
	}
	if err := in.Validate(); err != nil {
		tb.Fatal(err)
	}
	return in
}

// newFiling returns a filed website filing of inst through sn, declaring ips.
func newFiling(id, sn string, inst *icpcheck.Instance, domains []string, ips ...string) *icpcheck.Filing {
	f := &icpcheck.Filing{
		ID: id, Type: icpcheck.FilingWebsite, Filer: inst.Owner, SN: sn, InstanceID: inst.ID,
		Domains: domains, State: icpcheck.FilingFiled,
		Access: icpcheck.AccessInfo{Provider: "alibaba", Method: "cloud_server", Region: inst.Region},
	}
	for _, ip := range ips {
		f.Access.IPs = append(f.Access.IPs, netip.MustParseAddr(ip))
	}
	return f
}

func number(sn string, inst *icpcheck.Instance, state icpcheck.NumberState, filingID string) *icpcheck.ServiceNumber {
	return &icpcheck.ServiceNumber{SN: sn, InstanceID: inst.ID, Product: inst.Product, Owner: inst.Owner, State: state, FilingID: filingID}
}

// keys returns the findings by key.
func keys(fs []*icpcheck.Finding) map[string]*icpcheck.Finding {
	m := make(map[string]*icpcheck.Finding, len(fs))
	for _, f := range fs {
		m[f.Key] = f
	}
	return m
}

const day = 24 * time.Hour

// checkText fails when a finding's message or remedy is missing in a language or leaves a
// placeholder or a key unfilled.
func checkText(tb testing.TB, f *icpcheck.Finding) {
	tb.Helper()
	for _, lang := range i18n.Langs {
		for _, s := range []string{f.Message(lang), f.Remedy(lang)} {
			if s == "" || strings.Contains(s, "{") || strings.Contains(s, "monitor.") {
				tb.Errorf("%s: %s text %q", f.Key, lang, s)
			}
		}
	}
}
