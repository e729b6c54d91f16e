package dns_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/dns"
	"github.com/icpcheck/icpcheck/dns/dnstest"
	mdns "github.com/miekg/dns"
)

// mustServe starts a loopback DNS server for zone, stopped when the test ends.
func mustServe(tb testing.TB, zone *dnstest.Zone) *dnstest.Server {
	tb.Helper()
	srv, err := dnstest.Start(zone)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// mustResolver returns a resolver with a short timeout, so that the silent zone costs the test
// little; the timeout's length is not what any test asserts.
func mustResolver(tb testing.TB, cfg dns.Config) *dns.Resolver {
	tb.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 300 * time.Millisecond
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 1
	}
	r, err := dns.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func testZone() *dnstest.Zone {
	z := dnstest.NewZone()
	z.SetAddrs("v4.example.com", "47.96.10.20", "47.96.10.21")
	z.SetAddrs("v6.example.com", "2408:4000::1")
	z.SetAddrs("dual.example.com", "47.96.10.20", "2408:4000::1")
	z.SetCNAME("www.example.com", "cdn.example.net")
	z.SetCNAME("cdn.example.net", "edge.example.org")
	z.SetAddrs("edge.example.org", "47.96.10.30")
	z.SetAddrs("empty.example.com")
	z.SetAddrs("fail.example.com", "47.96.10.20")
	z.SetBehavior("fail.example.com", dnstest.ServFail)
	z.SetAddrs("refused.example.com", "47.96.10.20")
	z.SetBehavior("refused.example.com", dnstest.Refused)
	z.SetAddrs("silent.example.com", "47.96.10.20")
	z.SetBehavior("silent.example.com", dnstest.Silent)
	z.SetAddrs("big.example.com", "47.96.10.40")
	z.SetBehavior("big.example.com", dnstest.Truncate)
	z.SetAddrs("half.example.com", "47.96.10.50")
	z.SetBehavior("half.example.com", dnstest.Silent, mdns.TypeAAAA)
	z.SetAddrs("halffail.example.com", "2408:4000::5")
	z.SetBehavior("halffail.example.com", dnstest.ServFail, mdns.TypeA)
	return z
}

func TestResolve(t *testing.T) {
	srv := mustServe(t, testZone())
	for _, netw := range []string{"udp", "tcp"} {
		r := mustResolver(t, dns.Config{Server: srv.Addr, Net: netw})
		for _, tc := range []struct {
			domain  string
			addrs   []netip.Addr
			failure string
			partial bool
		}{
			{"v4.example.com", addrs("47.96.10.20", "47.96.10.21"), "", false},
			{"V6.Example.COM.", addrs("2408:4000::1"), "", false},
			{"dual.example.com", addrs("47.96.10.20", "2408:4000::1"), "", false},
			{"www.example.com", addrs("47.96.10.30"), "", false},
			{"big.example.com", addrs("47.96.10.40"), "", false},
			{"missing.example.com", nil, icpcheck.DNSNXDomain, false},
			{"empty.example.com", nil, icpcheck.DNSNoRecords, false},
			{"fail.example.com", nil, icpcheck.DNSServFail, false},
			{"refused.example.com", nil, icpcheck.DNSRefused, false},
			{"silent.example.com", nil, icpcheck.DNSTimeout, false},
			{"half.example.com", addrs("47.96.10.50"), "", true},
			{"halffail.example.com", addrs("2408:4000::5"), "", true},
		} {
			t.Run(netw+"/"+tc.domain, func(t *testing.T) {
				a := r.Resolve(context.Background(), tc.domain)
				if !slices.Equal(a.Addrs, tc.addrs) {
					t.Errorf("Addrs=%v, want %v", a.Addrs, tc.addrs)
				}
				if a.Failure != tc.failure {
					t.Errorf("Failure=%q, want %q", a.Failure, tc.failure)
				}
				if a.Partial != tc.partial {
					t.Errorf("Partial=%v, want %v", a.Partial, tc.partial)
				}
			})
		}
	}
}

// TestResolveCNAMENotChased serves a CNAME whose target the server does not resolve in the
// same answer: the resolver must ask for the target itself.
func TestResolveCNAMENotChased(t *testing.T) {
	zone := dnstest.NewZone()
	zone.SetCNAME("alias.example.com", "target.example.net")
	srv := mustServe(t, zone)
	r := mustResolver(t, dns.Config{Server: srv.Addr})
	if a := r.Resolve(context.Background(), "alias.example.com"); a.Failure != icpcheck.DNSNXDomain {
		t.Fatalf("dangling CNAME: Failure=%q, want %q", a.Failure, icpcheck.DNSNXDomain)
	}
	zone.SetAddrs("target.example.net", "47.96.10.60")
	if a := r.Resolve(context.Background(), "alias.example.com"); !slices.Equal(a.Addrs, addrs("47.96.10.60")) {
		t.Fatalf("Addrs=%v, want 47.96.10.60", a.Addrs)
	}
}

func TestResolveAll(t *testing.T) {
	zone := dnstest.NewZone()
	var domains []string
	for i := range 300 {
		d := fmt.Sprintf("d%d.example.com", i)
		domains = append(domains, d)
		if i%3 != 0 {
			zone.SetAddrs(d, fmt.Sprintf("47.96.%d.%d", i/256, i%256))
		}
	}
	srv := mustServe(t, zone)
	r := mustResolver(t, dns.Config{Server: srv.Addr, Concurrency: 16})
	answers := r.ResolveAll(context.Background(), domains)
	if len(answers) != len(domains) {
		t.Fatalf("%d answers, want %d", len(answers), len(domains))
	}
	for i, a := range answers {
		if a.Domain != domains[i] {
			t.Fatalf("answer %d is of %s, want %s", i, a.Domain, domains[i])
		}
		want := fmt.Sprintf("47.96.%d.%d", i/256, i%256)
		switch {
		case i%3 == 0 && a.Failure != icpcheck.DNSNXDomain:
			t.Errorf("%s: Failure=%q, want nxdomain", a.Domain, a.Failure)
		case i%3 != 0 && (len(a.Addrs) != 1 || a.Addrs[0].String() != want):
			t.Errorf("%s: Addrs=%v, want %s", a.Domain, a.Addrs, want)
		}
	}
	if got := srv.Queries.Load(); got != int64(2*len(domains)) {
		t.Errorf("server saw %d queries, want %d (A and AAAA of each domain)", got, 2*len(domains))
	}
}

// TestResolveServerDown asks a port where nothing listens: the failure is the server's, not
// the domain's.
func TestResolveServerDown(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	r := mustResolver(t, dns.Config{Server: addr, Attempts: 2})
	a := r.Resolve(context.Background(), "v4.example.com")
	if a.Failure != icpcheck.DNSError && a.Failure != icpcheck.DNSTimeout {
		t.Fatalf("Failure=%q, want error or timeout", a.Failure)
	}
}

func TestResolveCanceled(t *testing.T) {
	srv := mustServe(t, testZone())
	r := mustResolver(t, dns.Config{Server: srv.Addr})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	answers := r.ResolveAll(ctx, []string{"v4.example.com", "v6.example.com"})
	for _, a := range answers {
		if a.Resolved() {
			t.Errorf("%s resolved after cancel", a.Domain)
		}
	}
}

func TestNewInvalid(t *testing.T) {
	for _, tc := range []struct {
		cfg  dns.Config
		want string // the server address, or "" for EINVALID
	}{
		{dns.Config{Server: "127.0.0.1:5353"}, "127.0.0.1:5353"},
		{dns.Config{Server: "127.0.0.1"}, "127.0.0.1:53"},
		{dns.Config{Server: "::1"}, "[::1]:53"},
		{dns.Config{Server: "[::1]:5300"}, "[::1]:5300"},
		{dns.Config{Server: "ns.example.com:53"}, "ns.example.com:53"},
		{dns.Config{Server: ""}, ""},
		{dns.Config{Server: "127.0.0.1:0"}, ""},
		{dns.Config{Server: "127.0.0.1:99999"}, ""},
		{dns.Config{Server: "127.0.0.1:dns"}, ""},
		{dns.Config{Server: "http://1.1.1.1/"}, ""},
		{dns.Config{Server: "127.0.0.1:53", Net: "quic"}, ""},
	} {
		r, err := dns.New(tc.cfg)
		switch {
		case tc.want == "" && icpcheck.ErrorCode(err) != icpcheck.EINVALID:
			t.Errorf("%+v: err=%v, want EINVALID", tc.cfg, err)
		case tc.want != "" && err != nil:
			t.Errorf("%+v: %v", tc.cfg, err)
		case tc.want != "" && r.Server() != tc.want:
			t.Errorf("%+v: Server()=%q, want %q", tc.cfg, r.Server(), tc.want)
		}
	}
}
