package monitor

import (
	"net/netip"
	"slices"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/dns"
)

// Domains returns the domains the access monitor resolves for in: those of its filed website
// filings, each once, in first-seen order.
func Domains(in *icpcheck.MonitorInput) []string {
	seen := make(map[string]bool)
	var out []string
	for _, f := range in.Filings {
		if !watched(f) {
			continue
		}
		for _, d := range f.Domains {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

func watched(f *icpcheck.Filing) bool {
	return f.Type == icpcheck.FilingWebsite && f.State == icpcheck.FilingFiled
}

// Access judges each domain of the filed website filings of in by its answer at the moment
// at. For each address a domain resolves to, the first that holds of:
//   - it is an address of the provider's instance whose coverage has ended, or that is
//     expired: instance_expired;
//   - it is not an address of the provider's active mainland instances (running, in a
//     mainland region, of the policy's provider, not ended): ip_not_provider;
//   - the filing does not declare it: ip_not_declared.
//
// A domain without addresses is dns_unresolved, with the reason. A domain absent from
// answers was not resolved and is judged as a timeout. The second result lists the scopes
// (icpcheck.DomainScope) whose answer was partial, whose earlier findings the run cannot
// confirm or refute.
func Access(in *icpcheck.MonitorInput, answers map[string]dns.Answer, p *icpcheck.Policy, at time.Time) ([]*icpcheck.Finding, []string) {
	idx := indexAddrs(in.Instances, p, at)
	var out []*icpcheck.Finding
	var incomplete []string
	for _, f := range in.Filings {
		if !watched(f) {
			continue
		}
		for _, domain := range f.Domains {
			ans, ok := answers[domain]
			if !ok {
				ans = dns.Answer{Domain: domain, Failure: icpcheck.DNSTimeout}
			}
			scope := icpcheck.DomainScope(f.ID, domain)
			if ans.Partial {
				incomplete = append(incomplete, scope)
			}
			base := icpcheck.Finding{
				Monitor: icpcheck.MonitorAccess, Scope: scope, Owner: f.Filer,
				FilingID: f.ID, Domain: domain,
			}
			if !ans.Resolved() {
				fd := base
				fd.Kind, fd.Reason, fd.InstanceID = icpcheck.FindingDNSUnresolved, ans.Failure, f.InstanceID
				fd.Key = icpcheck.FindingKey(fd.Monitor, fd.Kind, f.ID, domain)
				out = append(out, &fd)
				continue
			}
			for _, addr := range ans.Addrs {
				if fd := judgeAddr(base, f, addr, idx); fd != nil {
					out = append(out, fd)
				}
			}
		}
	}
	return out, incomplete
}

func judgeAddr(base icpcheck.Finding, f *icpcheck.Filing, addr netip.Addr, idx map[netip.Addr]holder) *icpcheck.Finding {
	h := idx[addr]
	fd := base
	fd.IP = addr
	switch {
	case h.rank == rankEnded:
		fd.Kind, fd.InstanceID, fd.ExpiresAt = icpcheck.FindingInstanceExpired, h.inst.ID, h.end
	case h.rank != rankActive:
		fd.Kind = icpcheck.FindingIPNotProvider
		if h.inst != nil {
			fd.InstanceID = h.inst.ID
		}
	case !slices.ContainsFunc(f.Access.IPs, func(ip netip.Addr) bool { return ip.Unmap() == addr }):
		fd.Kind, fd.InstanceID = icpcheck.FindingIPNotDeclared, h.inst.ID
	default:
		return nil
	}
	fd.Key = icpcheck.FindingKey(fd.Monitor, fd.Kind, f.ID, fd.Domain, addr.String())
	return &fd
}

// Ranks of an address's holder: when two instances list one address (a released instance's
// address given to a new one), the better holder decides.
const (
	rankOther  = iota + 1 // released, stopped, outside the mainland or another provider's
	rankEnded             // the provider's, but its coverage has ended or it is expired
	rankActive            // the provider's, running, mainland, covered
)

type holder struct {
	inst *icpcheck.Instance
	rank int
	end  *time.Time
}

func indexAddrs(instances []*icpcheck.Instance, p *icpcheck.Policy, at time.Time) map[netip.Addr]holder {
	idx := make(map[netip.Addr]holder, len(instances))
	for _, inst := range instances {
		h := holder{inst: inst, rank: rankOther}
		end, hasEnd := inst.ExpiresAt()
		if hasEnd {
			h.end = &end
		}
		ours := inst.ProviderOr(p.Provider) == p.Provider
		ended := inst.Status == icpcheck.StatusExpired || hasEnd && !end.After(at)
		switch {
		case !ours || inst.Status == icpcheck.StatusReleased:
		case ended:
			h.rank = rankEnded
		case inst.Status == icpcheck.StatusRunning && p.IsMainland(inst.Region):
			h.rank = rankActive
		}
		for _, ip := range inst.PublicIPs {
			ip = ip.Unmap()
			if idx[ip].rank < h.rank {
				idx[ip] = h
			}
		}
	}
	return idx
}
