// Package dns resolves domains to their addresses (A and AAAA) through one configurable DNS
// server, with a timeout per query, retries of lost queries and bounded concurrency, for the
// access-accuracy monitor. It wraps github.com/miekg/dns rather than net.Resolver because the
// monitor must say why a name did not resolve (NXDOMAIN, SERVFAIL, a timeout ...), must query
// exactly the server it is given, and must not be served from the host's caches or hosts file.
package dns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/icpcheck/icpcheck"
	mdns "github.com/miekg/dns"
)

// Defaults of a Config.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultAttempts    = 2
	DefaultConcurrency = 64
	MaxConcurrency     = 4096
	maxCNAMEHops       = 8
	ednsBufferSize     = 1232 // the DNS flag day 2020 size: no fragmentation on common paths
)

// Config says which server to ask and how.
type Config struct {
	Server      string        // host:port, or a host (port 53)
	Net         string        // "udp" (the default, falling back to TCP for truncated answers) or "tcp"
	Timeout     time.Duration // per attempt of one query; 0: DefaultTimeout
	Attempts    int           // tries of a query that timed out or hit a network error; 0: DefaultAttempts
	Concurrency int           // domains resolved at once by ResolveAll; 0: DefaultConcurrency
}

// Resolver asks one DNS server. It is safe for concurrent use.
type Resolver struct {
	server      string
	timeout     time.Duration
	attempts    int
	concurrency int
	primary     *mdns.Client
	tcp         *mdns.Client
}

// New returns a resolver for cfg. Returns EINVALID dns_server for a server that is not
// host:port, and EINVALID bad_enum for another network than udp or tcp.
func New(cfg Config) (*Resolver, error) {
	server, err := ServerAddress(cfg.Server)
	if err != nil {
		return nil, err
	}
	r := &Resolver{server: server, timeout: cfg.Timeout, attempts: cfg.Attempts, concurrency: cfg.Concurrency}
	if r.timeout <= 0 {
		r.timeout = DefaultTimeout
	}
	if r.attempts <= 0 {
		r.attempts = DefaultAttempts
	}
	if r.concurrency <= 0 {
		r.concurrency = DefaultConcurrency
	}
	r.concurrency = min(r.concurrency, MaxConcurrency)
	netw := cfg.Net
	if netw == "" {
		netw = "udp"
	}
	if netw != "udp" && netw != "tcp" {
		return nil, icpcheck.Invalid("dns_net", "bad_enum", netw, "udp, tcp")
	}
	r.primary = &mdns.Client{Net: netw, Timeout: r.timeout, UDPSize: ednsBufferSize}
	r.tcp = &mdns.Client{Net: "tcp", Timeout: r.timeout}
	return r, nil
}

// ServerAddress returns server as host:port, with port 53 when it names none. Returns
// EINVALID dns_server when it is empty or malformed.
func ServerAddress(server string) (string, error) {
	s := strings.TrimSpace(server)
	if s == "" {
		return "", icpcheck.Invalid("dns_server", "required")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// A bare host or address: IPv6 literals come with or without brackets.
		host, port = strings.Trim(s, "[]"), "53"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || host == "" || strings.ContainsAny(host, " /[]") {
		return "", icpcheck.Invalid("dns_server", "dns_server", server)
	}
	return net.JoinHostPort(host, port), nil
}

// Server returns the host:port the resolver asks.
func (r *Resolver) Server() string { return r.server }

// Answer is what the server said of one domain.
type Answer struct {
	Domain  string
	Addrs   []netip.Addr // the A and AAAA addresses, without repeats, A first
	Failure string       // when Addrs is empty: why, one of icpcheck.DNSTimeout ...
	Partial bool         // one of the two queries failed for a passing reason while the other answered
}

// Resolved reports whether the domain has at least one address.
func (a *Answer) Resolved() bool { return len(a.Addrs) > 0 }

// Resolve asks for the A and AAAA records of domain, following CNAMEs. A domain without
// addresses gets the worst of its two failures, in the order of the icpcheck.DNS* constants:
// a passing failure (timeout, error, SERVFAIL) hides a lasting one (NXDOMAIN), so that a
// server's trouble is not reported as the domain's.
func (r *Resolver) Resolve(ctx context.Context, domain string) Answer {
	s := &session{r: r}
	defer s.close()
	return s.resolve(ctx, domain)
}

func (s *session) resolve(ctx context.Context, domain string) Answer {
	a4, f4 := s.lookup(ctx, domain, mdns.TypeA)
	a6, f6 := s.lookup(ctx, domain, mdns.TypeAAAA)
	ans := Answer{Domain: domain}
	seen := make(map[netip.Addr]bool, len(a4)+len(a6))
	for _, a := range append(a4, a6...) {
		if !seen[a] {
			seen[a] = true
			ans.Addrs = append(ans.Addrs, a)
		}
	}
	if len(ans.Addrs) == 0 {
		ans.Failure = worse(f4, f6)
		return ans
	}
	ans.Partial = passing(f4) || passing(f6)
	return ans
}

// ResolveAll resolves every domain, at most Concurrency at once, and returns the answers in
// the order of domains. It stops early, leaving the rest as timeouts, when ctx is done.
func (r *Resolver) ResolveAll(ctx context.Context, domains []string) []Answer {
	out := make([]Answer, len(domains))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(r.concurrency, len(domains)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker keeps one connection for all its queries: a socket per query costs
			// the loop more than the queries themselves.
			s := &session{r: r}
			defer s.close()
			for i := range next {
				out[i] = s.resolve(ctx, domains[i])
			}
		}()
	}
	for i := range domains {
		if ctx.Err() != nil {
			out[i] = Answer{Domain: domains[i], Failure: icpcheck.DNSTimeout}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// failure order: worse comes first.
var failureRank = map[string]int{
	icpcheck.DNSTimeout: 6, icpcheck.DNSError: 5, icpcheck.DNSServFail: 4,
	icpcheck.DNSRefused: 3, icpcheck.DNSNXDomain: 2, icpcheck.DNSNoRecords: 1, "": 0,
}

func worse(a, b string) string {
	if failureRank[b] > failureRank[a] {
		return b
	}
	return a
}

// passing reports whether a failure may go away by itself: the server, not the domain, is
// at fault.
func passing(f string) bool {
	return f == icpcheck.DNSTimeout || f == icpcheck.DNSError || f == icpcheck.DNSServFail || f == icpcheck.DNSRefused
}

// lookup asks for one type of record, following CNAMEs the server did not chase itself. It
// returns the addresses, or none and the failure.
func (s *session) lookup(ctx context.Context, domain string, qtype uint16) ([]netip.Addr, string) {
	name := mdns.Fqdn(domain)
	for hop := 0; hop < maxCNAMEHops; hop++ {
		resp, failure := s.exchange(ctx, name, qtype)
		if failure != "" {
			return nil, failure
		}
		addrs, tail := answerAddrs(resp, name, qtype)
		if len(addrs) > 0 {
			return addrs, ""
		}
		if tail == name {
			return nil, icpcheck.DNSNoRecords
		}
		name = tail // a CNAME chain that ends without records here: ask for its end
	}
	return nil, icpcheck.DNSNoRecords
}

// answerAddrs returns the addresses of qtype along the CNAME chain from name in resp's
// answer, and the name the chain ends at.
func answerAddrs(resp *mdns.Msg, name string, qtype uint16) ([]netip.Addr, string) {
	chain := map[string]bool{strings.ToLower(name): true}
	tail := name
	for changed := true; changed; {
		changed = false
		for _, rr := range resp.Answer {
			if c, ok := rr.(*mdns.CNAME); ok && chain[strings.ToLower(c.Hdr.Name)] && !chain[strings.ToLower(c.Target)] {
				chain[strings.ToLower(c.Target)] = true
				tail, changed = c.Target, true
			}
		}
	}
	var addrs []netip.Addr
	for _, rr := range resp.Answer {
		if !chain[strings.ToLower(rr.Header().Name)] {
			continue
		}
		var ip net.IP
		switch v := rr.(type) {
		case *mdns.A:
			if qtype == mdns.TypeA {
				ip = v.A
			}
		case *mdns.AAAA:
			if qtype == mdns.TypeAAAA {
				ip = v.AAAA
			}
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			addrs = append(addrs, a.Unmap())
		}
	}
	return addrs, tail
}

// exchange sends one query, retrying lost ones and repeating a truncated UDP answer over TCP,
// and classifies the outcome.
func (s *session) exchange(ctx context.Context, name string, qtype uint16) (*mdns.Msg, string) {
	r := s.r
	m := new(mdns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.SetEdns0(ednsBufferSize, false)
	failure := icpcheck.DNSTimeout
	for attempt := 0; attempt < r.attempts && ctx.Err() == nil; attempt++ {
		resp, err := s.send(ctx, m)
		if err == nil && resp.Truncated && r.primary.Net == "udp" {
			resp, _, err = r.tcp.ExchangeContext(ctx, m, r.server)
		}
		if err != nil {
			failure = classify(err)
			continue
		}
		switch resp.Rcode {
		case mdns.RcodeSuccess:
			return resp, ""
		case mdns.RcodeNameError:
			return nil, icpcheck.DNSNXDomain
		case mdns.RcodeRefused:
			return nil, icpcheck.DNSRefused
		default:
			// SERVFAIL and the rarer codes (NOTIMP, FORMERR) all say the server could not
			// answer; the monitor tells the operator so rather than blame the domain.
			return nil, icpcheck.DNSServFail
		}
	}
	return nil, failure
}

// session is one worker's connection to the server, dialled on first use and again after
// any failure. Over UDP, replies to earlier queries that timed out are told apart by their
// message id and skipped; over TCP a failed connection is never reused, so a late reply
// cannot be taken for the next query's.
type session struct {
	r    *Resolver
	conn *mdns.Conn
}

func (s *session) send(ctx context.Context, m *mdns.Msg) (*mdns.Msg, error) {
	if s.conn == nil {
		c, err := s.r.primary.DialContext(ctx, s.r.server)
		if err != nil {
			return nil, err
		}
		s.conn = c
	}
	resp, _, err := s.r.primary.ExchangeWithConnContext(ctx, m, s.conn)
	if err != nil {
		s.close()
	}
	return resp, err
}

func (s *session) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// classify tells a timeout from any other failure to exchange a message.
func classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return icpcheck.DNSTimeout
	case errors.As(err, &ne) && ne.Timeout():
		return icpcheck.DNSTimeout
	}
	return icpcheck.DNSError
}
