package monitor_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/dns"
	"github.com/icpcheck/icpcheck/dns/dnstest"
	"github.com/icpcheck/icpcheck/monitor"
)

// The access monitor over 100,000 filed domains against the loopback DNS server, beside the
// raw resolver loop over the same domains in the same run: the difference is the monitor's
// own bookkeeping (the address index, the judgement, the findings). Commands and numbers are
// in docs/bench/monitor.md.

const benchDomains = 100_000

// benchWorld returns n filed filings of one domain each over n/4 instances of 4 addresses,
// and a zone where most domains resolve to their declared address and a few to each problem.
func benchWorld(tb testing.TB, n int) (*icpcheck.MonitorInput, *dnstest.Zone) {
	tb.Helper()
	in := &icpcheck.MonitorInput{}
	z := dnstest.NewZone()
	ip := func(i, k int) string { return fmt.Sprintf("47.%d.%d.%d", 96+i/65536, (i/256)%256, i%256&^3|k) }
	for i := 0; i < n/4; i++ {
		months := 24
		if i%50 == 7 {
			months = 2 // ended by the bench's moment; its 4 domains are none of the planted ones
		}
		in.Instances = append(in.Instances, newInstance(tb, fmt.Sprintf("i-%06d", i), months, ip(i*4, 0), ip(i*4, 1), ip(i*4, 2), ip(i*4, 3)))
	}
	for i := 0; i < n; i++ {
		inst := in.Instances[i/4]
		d := fmt.Sprintf("d%06d.example.com", i)
		f := newFiling(fmt.Sprintf("f-%06d", i), fmt.Sprintf("sn-%06d", i), inst, []string{d})
		f.Access.IPs = []netip.Addr{inst.PublicIPs[i%4]}
		in.Filings = append(in.Filings, f)
		switch i % 50 {
		case 1:
			z.SetAddrs(d, inst.PublicIPs[(i+1)%4].String()) // undeclared
		case 2:
			z.SetAddrs(d, "203.0.113.9") // another provider
		case 3: // NXDOMAIN
		default:
			z.SetAddrs(d, inst.PublicIPs[i%4].String())
		}
	}
	return in, z
}

func benchResolver(b *testing.B, z *dnstest.Zone) *dns.Resolver {
	b.Helper()
	srv, err := dnstest.Start(z)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	r, err := dns.New(dns.Config{Server: srv.Addr, Timeout: 2 * time.Second, Concurrency: 64})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func reportRate(b *testing.B, n int, start time.Time) {
	b.Helper()
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "domains/s")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}

// BenchmarkResolveAll is the baseline: the resolver's loop over the domains, nothing else.
func BenchmarkResolveAll(b *testing.B) {
	in, z := benchWorld(b, benchDomains)
	r := benchResolver(b, z)
	domains := monitor.Domains(in)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if got := r.ResolveAll(context.Background(), domains); len(got) != len(domains) {
			b.Fatalf("%d answers", len(got))
		}
	}
	reportRate(b, len(domains), start)
}

// BenchmarkAccessMonitor is the monitor's pass: resolve, index the inventory's addresses,
// judge every domain.
func BenchmarkAccessMonitor(b *testing.B) {
	in, z := benchWorld(b, benchDomains)
	r := benchResolver(b, z)
	p := mustPolicy(b)
	at := mustTime(b, "2026-06-01T00:00:00+08:00")
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var findings int
	for range b.N {
		domains := monitor.Domains(in)
		answers := make(map[string]dns.Answer, len(domains))
		for _, a := range r.ResolveAll(context.Background(), domains) {
			answers[a.Domain] = a
		}
		fs, _ := monitor.Access(in, answers, p, at)
		findings = len(fs)
	}
	// 1 in 50 domains undeclared, another provider's and NXDOMAIN each, and 1 in 50
	// instances ended, each the declared address of 4 domains.
	if want := 3*benchDomains/50 + 4*benchDomains/4/50; findings < want-200 || findings > want+200 {
		b.Fatalf("%d findings, want about %d", findings, want)
	}
	reportRate(b, benchDomains, start)
}

// BenchmarkAccessJudge is the judgement alone over answers already in hand: what the monitor
// adds to the resolver's time.
func BenchmarkAccessJudge(b *testing.B) {
	in, z := benchWorld(b, benchDomains)
	r := benchResolver(b, z)
	p := mustPolicy(b)
	at := mustTime(b, "2026-06-01T00:00:00+08:00")
	answers := make(map[string]dns.Answer, benchDomains)
	for _, a := range r.ResolveAll(context.Background(), monitor.Domains(in)) {
		answers[a.Domain] = a
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		monitor.Access(in, answers, p, at)
	}
	reportRate(b, benchDomains, start)
}

// BenchmarkStdlibResolver is a second baseline: Go's own resolver (net.Resolver, pure Go)
// asking the same loopback server for the same domains, 64 at a time as the monitor does.
func BenchmarkStdlibResolver(b *testing.B) {
	in, z := benchWorld(b, benchDomains)
	srv, err := dnstest.Start(z)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	var d net.Dialer
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, srv.Addr)
	}}
	domains := monitor.Domains(in)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		next := make(chan string)
		var wg sync.WaitGroup
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for d := range next {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					res.LookupNetIP(ctx, "ip", d) // A and AAAA, as the monitor asks
					cancel()
				}
			}()
		}
		for _, d := range domains {
			next <- d
		}
		close(next)
		wg.Wait()
	}
	reportRate(b, len(domains), start)
}
