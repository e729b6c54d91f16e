// Package dnstest runs a real DNS server on loopback, over UDP and TCP on one port, serving a
// zone that tests and benchmarks change as they go: addresses, CNAMEs, names without
// addresses, and names whose server fails, refuses, truncates or never answers.
package dnstest

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	mdns "github.com/miekg/dns"
)

// Behavior is how the server answers for a name.
type Behavior int

const (
	Normal   Behavior = iota // the name's records, NXDOMAIN for an unknown name
	ServFail                 // SERVFAIL
	Refused                  // REFUSED
	Silent                   // no answer at all: the client times out
	Truncate                 // over UDP, an empty answer with TC set; over TCP, the records
)

// Zone is what the server knows. It is safe for concurrent use, also while the server runs.
type Zone struct {
	mu        sync.RWMutex
	names     map[string]*entry
	behaviors map[string]Behavior
}

type entry struct {
	addrs []netip.Addr
	cname string
}

// NewZone returns an empty zone: every name is NXDOMAIN.
func NewZone() *Zone {
	return &Zone{names: map[string]*entry{}, behaviors: map[string]Behavior{}}
}

func key(name string) string { return strings.ToLower(mdns.Fqdn(name)) }

// SetAddrs makes name exist with these addresses (A for IPv4, AAAA for IPv6), replacing what
// it had. No addresses: the name exists without A or AAAA records.
func (z *Zone) SetAddrs(name string, addrs ...string) {
	e := &entry{}
	for _, a := range addrs {
		e.addrs = append(e.addrs, netip.MustParseAddr(a))
	}
	z.mu.Lock()
	z.names[key(name)] = e
	z.mu.Unlock()
}

// SetCNAME makes name an alias of target.
func (z *Zone) SetCNAME(name, target string) {
	z.mu.Lock()
	z.names[key(name)] = &entry{cname: mdns.Fqdn(target)}
	z.mu.Unlock()
}

// Delete removes name: it becomes NXDOMAIN.
func (z *Zone) Delete(name string) {
	z.mu.Lock()
	delete(z.names, key(name))
	z.mu.Unlock()
}

// SetBehavior sets how the server answers for name (whatever its records): to queries of the
// given types only (mdns.TypeA ...), or to every query when none is given.
func (z *Zone) SetBehavior(name string, b Behavior, qtypes ...uint16) {
	keys := []string{key(name)}
	if len(qtypes) > 0 {
		keys = keys[:0]
		for _, t := range qtypes {
			keys = append(keys, typedKey(name, t))
		}
	}
	z.mu.Lock()
	for _, k := range keys {
		if b == Normal {
			delete(z.behaviors, k)
		} else {
			z.behaviors[k] = b
		}
	}
	z.mu.Unlock()
}

func typedKey(name string, qtype uint16) string { return key(name) + "|" + mdns.TypeToString[qtype] }

// answer fills the reply to q, following CNAMEs within the zone as a recursive server does.
func (z *Zone) answer(reply *mdns.Msg, q mdns.Question, udp bool) (silent bool) {
	z.mu.RLock()
	defer z.mu.RUnlock()
	name := strings.ToLower(q.Name)
	b, ok := z.behaviors[typedKey(name, q.Qtype)]
	if !ok {
		b = z.behaviors[name]
	}
	switch b {
	case ServFail:
		reply.Rcode = mdns.RcodeServerFailure
		return false
	case Refused:
		reply.Rcode = mdns.RcodeRefused
		return false
	case Silent:
		return true
	case Truncate:
		if udp {
			reply.Truncated = true
			return false
		}
	}
	e, ok := z.names[name]
	if !ok {
		reply.Rcode = mdns.RcodeNameError
		return false
	}
	for hops := 0; e != nil && e.cname != "" && hops < 8; hops++ {
		reply.Answer = append(reply.Answer, &mdns.CNAME{
			Hdr: mdns.RR_Header{Name: name, Rrtype: mdns.TypeCNAME, Class: mdns.ClassINET, Ttl: 60}, Target: e.cname})
		name = strings.ToLower(e.cname)
		e = z.names[name]
	}
	if e == nil {
		return false
	}
	for _, a := range e.addrs {
		hdr := mdns.RR_Header{Name: name, Class: mdns.ClassINET, Ttl: 60}
		switch {
		case a.Is4() && q.Qtype == mdns.TypeA:
			hdr.Rrtype = mdns.TypeA
			reply.Answer = append(reply.Answer, &mdns.A{Hdr: hdr, A: a.AsSlice()})
		case a.Is6() && q.Qtype == mdns.TypeAAAA:
			hdr.Rrtype = mdns.TypeAAAA
			reply.Answer = append(reply.Answer, &mdns.AAAA{Hdr: hdr, AAAA: a.AsSlice()})
		}
	}
	return false
}

// Server serves a Zone on 127.0.0.1, UDP and TCP on the same port.
type Server struct {
	Addr    string // 127.0.0.1:port
	Zone    *Zone
	Queries atomic.Int64 // queries received, over both networks

	udp, tcp *mdns.Server
}

// Start starts a server for zone on a free loopback port.
func Start(zone *Zone) (*Server, error) {
	s := &Server{Zone: zone}
	var err error
	for try := 0; try < 20; try++ {
		var pc net.PacketConn
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			continue
		}
		var l net.Listener
		l, err = net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close() // the port is free for UDP but taken for TCP: try another
			continue
		}
		s.Addr = pc.LocalAddr().String()
		s.udp = &mdns.Server{PacketConn: pc, Handler: s.handler(true)}
		s.tcp = &mdns.Server{Listener: l, Handler: s.handler(false)}
		break
	}
	if s.udp == nil {
		return nil, fmt.Errorf("dnstest: no free port: %w", err)
	}
	for _, srv := range []*mdns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
	}
	return s, nil
}

func (s *Server) handler(udp bool) mdns.HandlerFunc {
	return func(w mdns.ResponseWriter, req *mdns.Msg) {
		s.Queries.Add(1)
		reply := new(mdns.Msg)
		reply.SetReply(req)
		reply.RecursionAvailable = true
		if len(req.Question) != 1 {
			reply.Rcode = mdns.RcodeFormatError
			w.WriteMsg(reply)
			return
		}
		if silent := s.Zone.answer(reply, req.Question[0], udp); silent {
			return
		}
		w.WriteMsg(reply)
	}
}

// Close stops the server.
func (s *Server) Close() error {
	err1 := s.udp.Shutdown()
	err2 := s.tcp.Shutdown()
	if err1 != nil {
		return err1
	}
	return err2
}
