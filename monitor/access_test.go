package monitor_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/dns"
	"github.com/icpcheck/icpcheck/dns/dnstest"
	"github.com/icpcheck/icpcheck/monitor"
	mdns "github.com/miekg/dns"
)

// accessWorld is a small provider: instances in every condition the access monitor tells
// apart, one filed website whose domains point at each of them, and a loopback DNS zone.
type accessWorld struct {
	in   *icpcheck.MonitorInput
	zone *dnstest.Zone
	at   time.Time
}

func newAccessWorld(tb testing.TB) *accessWorld {
	tb.Helper()
	active := newInstance(tb, "i-active", 12, "47.96.10.20", "47.96.10.21", "2408:4000::1")
	ended := newInstance(tb, "i-ended", 2, "47.96.20.1")
	stopped := newInstance(tb, "i-stopped", 12, "47.96.30.1")
	stopped.Status = icpcheck.StatusStopped
	hk := newInstance(tb, "i-hk", 12, "47.242.0.1")
	hk.Region = "cn-hongkong"
	other := newInstance(tb, "i-other", 12, "101.32.0.1")
	other.Provider = "tencent"
	released := newInstance(tb, "i-released", 12, "47.96.40.1", "47.96.10.21")
	released.Status = icpcheck.StatusReleased

	domains := []string{
		"ok.example.com", "v6.example.com", "undeclared.example.com", "expired.example.com",
		"elsewhere.example.com", "stopped.example.com", "hk.example.com", "other.example.com",
		"released.example.com", "gone.example.com", "empty.example.com", "broken.example.com",
		"slow.example.com", "half.example.com",
	}
	filed := newFiling("F1", "sn-1", active, domains, "47.96.10.20", "2408:4000::1")
	draft := newFiling("F2", "sn-2", active, []string{"draft.example.com"}, "47.96.10.20")
	draft.State = icpcheck.FilingDraft
	app := newFiling("F3", "sn-3", active, nil, "47.96.10.20")
	app.Type, app.AppName = icpcheck.FilingApp, "Example"

	z := dnstest.NewZone()
	z.SetAddrs("ok.example.com", "47.96.10.20")
	z.SetAddrs("v6.example.com", "2408:4000::1")
	z.SetAddrs("undeclared.example.com", "47.96.10.20", "47.96.10.21")
	z.SetAddrs("expired.example.com", "47.96.20.1")
	z.SetAddrs("elsewhere.example.com", "8.8.8.8")
	z.SetAddrs("stopped.example.com", "47.96.30.1")
	z.SetAddrs("hk.example.com", "47.242.0.1")
	z.SetAddrs("other.example.com", "101.32.0.1")
	z.SetAddrs("released.example.com", "47.96.40.1")
	z.SetAddrs("empty.example.com")
	z.SetAddrs("broken.example.com", "47.96.10.20")
	z.SetBehavior("broken.example.com", dnstest.ServFail)
	z.SetAddrs("slow.example.com", "47.96.10.20")
	z.SetBehavior("slow.example.com", dnstest.Silent)
	z.SetAddrs("half.example.com", "47.96.10.20", "2408:4000::99")
	z.SetBehavior("half.example.com", dnstest.Silent, mdns.TypeAAAA)
	z.SetAddrs("draft.example.com", "8.8.4.4")

	return &accessWorld{
		in: &icpcheck.MonitorInput{
			Instances: []*icpcheck.Instance{active, ended, stopped, hk, other, released},
			Filings:   []*icpcheck.Filing{filed, draft, app},
		},
		zone: z,
		at:   mustTime(tb, "2026-06-01T00:00:00+08:00"), // i-ended ended 03-10, the others run until 2027
	}
}

// run resolves the world's domains through srv and judges them.
func (w *accessWorld) run(tb testing.TB, r *dns.Resolver) ([]*icpcheck.Finding, []string) {
	tb.Helper()
	answers := make(map[string]dns.Answer)
	for _, a := range r.ResolveAll(context.Background(), monitor.Domains(w.in)) {
		answers[a.Domain] = a
	}
	return monitor.Access(w.in, answers, mustPolicy(tb), w.at)
}

// TestAccessLoopbackDNS resolves through a real DNS server on loopback, over UDP and over
// TCP, and expects exactly the planted problems.
func TestAccessLoopbackDNS(t *testing.T) {
	w := newAccessWorld(t)
	srv, err := dnstest.Start(w.zone)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, netw := range []string{"udp", "tcp"} {
		t.Run(netw, func(t *testing.T) {
			r, err := dns.New(dns.Config{Server: srv.Addr, Net: netw, Timeout: 300 * time.Millisecond, Attempts: 1, Concurrency: 4})
			if err != nil {
				t.Fatal(err)
			}
			findings, incomplete := w.run(t, r)
			got := keys(findings)
			want := map[string]struct {
				kind, reason, instance string
			}{
				"access/ip_not_declared/F1/undeclared.example.com/47.96.10.21": {icpcheck.FindingIPNotDeclared, "", "i-active"},
				"access/instance_expired/F1/expired.example.com/47.96.20.1":    {icpcheck.FindingInstanceExpired, "", "i-ended"},
				"access/ip_not_provider/F1/elsewhere.example.com/8.8.8.8":      {icpcheck.FindingIPNotProvider, "", ""},
				"access/ip_not_provider/F1/stopped.example.com/47.96.30.1":     {icpcheck.FindingIPNotProvider, "", "i-stopped"},
				"access/ip_not_provider/F1/hk.example.com/47.242.0.1":          {icpcheck.FindingIPNotProvider, "", "i-hk"},
				"access/ip_not_provider/F1/other.example.com/101.32.0.1":       {icpcheck.FindingIPNotProvider, "", "i-other"},
				"access/ip_not_provider/F1/released.example.com/47.96.40.1":    {icpcheck.FindingIPNotProvider, "", "i-released"},
				"access/dns_unresolved/F1/gone.example.com":                    {icpcheck.FindingDNSUnresolved, icpcheck.DNSNXDomain, "i-active"},
				"access/dns_unresolved/F1/empty.example.com":                   {icpcheck.FindingDNSUnresolved, icpcheck.DNSNoRecords, "i-active"},
				"access/dns_unresolved/F1/broken.example.com":                  {icpcheck.FindingDNSUnresolved, icpcheck.DNSServFail, "i-active"},
				"access/dns_unresolved/F1/slow.example.com":                    {icpcheck.FindingDNSUnresolved, icpcheck.DNSTimeout, "i-active"},
			}
			for k, f := range got {
				wf, ok := want[k]
				if !ok {
					t.Errorf("unexpected finding %s (%s)", k, f.Kind)
					continue
				}
				if f.Kind != wf.kind || f.Reason != wf.reason || f.InstanceID != wf.instance {
					t.Errorf("%s: kind=%s reason=%s instance=%s, want %s %s %s", k, f.Kind, f.Reason, f.InstanceID, wf.kind, wf.reason, wf.instance)
				}
				if err := f.Validate(); err != nil {
					t.Errorf("%s: Validate: %v", k, err)
				}
				checkText(t, f)
				if f.FilingID != "F1" || f.Owner != "1234567890123456" || f.Scope != icpcheck.DomainScope("F1", f.Domain) {
					t.Errorf("%s: filing=%s owner=%s scope=%s", k, f.FilingID, f.Owner, f.Scope)
				}
			}
			for k := range want {
				if got[k] == nil {
					t.Errorf("missing finding %s", k)
				}
			}
			if want := []string{icpcheck.DomainScope("F1", "half.example.com")}; !slices.Equal(incomplete, want) {
				t.Errorf("incomplete=%v, want %v", incomplete, want)
			}
		})
	}
}

// TestAccessFixed fixes every planted problem in DNS and the inventory, and expects no
// findings at all.
func TestAccessFixed(t *testing.T) {
	w := newAccessWorld(t)
	srv, err := dnstest.Start(w.zone)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r, err := dns.New(dns.Config{Server: srv.Addr, Timeout: 300 * time.Millisecond, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Point every domain at the declared address, and renew the ended instance.
	for _, d := range monitor.Domains(w.in) {
		w.zone.SetBehavior(d, dnstest.Normal)
		w.zone.SetBehavior(d, dnstest.Normal, mdns.TypeA, mdns.TypeAAAA)
		w.zone.SetAddrs(d, "47.96.10.20")
	}
	if fs, inc := w.run(t, r); len(fs) != 0 || len(inc) != 0 {
		t.Fatalf("after the fix: %d findings (%v), %d incomplete", len(fs), keys(fs), len(inc))
	}
	// An address of the ended instance is instance_expired until the instance is renewed.
	w.zone.SetAddrs("ok.example.com", "47.96.20.1")
	if fs, _ := w.run(t, r); len(fs) != 1 || fs[0].Kind != icpcheck.FindingInstanceExpired {
		t.Fatalf("findings %v, want one instance_expired", keys(fs))
	}
	ended := w.in.Instances[1]
	ended.Orders = append(ended.Orders, icpcheck.Order{Type: icpcheck.OrderRenewal, Period: 1, Unit: icpcheck.UnitYear, AmountCNY: 1000})
	if fs, _ := w.run(t, r); len(fs) != 1 || fs[0].Kind != icpcheck.FindingIPNotDeclared {
		t.Fatalf("renewed: findings %v, want one ip_not_declared", keys(fs))
	}
}

// TestAccessUnanswered judges a domain that has no answer at all (the run was cut short) as
// a timeout rather than skipping it.
func TestAccessUnanswered(t *testing.T) {
	w := newAccessWorld(t)
	fs, _ := monitor.Access(w.in, map[string]dns.Answer{}, mustPolicy(t), w.at)
	for _, f := range fs {
		if f.Kind != icpcheck.FindingDNSUnresolved || f.Reason != icpcheck.DNSTimeout {
			t.Fatalf("%s: kind=%s reason=%s", f.Key, f.Kind, f.Reason)
		}
	}
	if len(fs) != len(w.in.Filings[0].Domains) {
		t.Fatalf("%d findings, want %d", len(fs), len(w.in.Filings[0].Domains))
	}
}

// TestAccessIPv4Mapped makes sure an IPv4-mapped IPv6 answer is judged as the IPv4 address.
func TestAccessMappedDeclared(t *testing.T) {
	w := newAccessWorld(t)
	f := w.in.Filings[0]
	f.Domains = []string{"ok.example.com"}
	f.Access.IPs = []netip.Addr{netip.MustParseAddr("::ffff:47.96.10.20")}
	answers := map[string]dns.Answer{"ok.example.com": {Domain: "ok.example.com", Addrs: []netip.Addr{netip.MustParseAddr("47.96.10.20")}}}
	if fs, _ := monitor.Access(w.in, answers, mustPolicy(t), w.at); len(fs) != 0 {
		t.Fatalf("findings %v, want none", keys(fs))
	}
}
