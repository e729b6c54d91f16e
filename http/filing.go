package http

import (
	"net/http"
	"net/netip"
	"strconv"

	"github.com/icpcheck/icpcheck"
)

// AccessBody is a filing's declared access information as requests carry it: the IPs are
// read here, so that a malformed one is refused naming its field.
type AccessBody struct {
	Provider string   `json:"provider"`
	Method   string   `json:"method"`
	Region   string   `json:"region"`
	IPs      []string `json:"ips"`
}

func (a *AccessBody) access(field string) (icpcheck.AccessInfo, error) {
	info := icpcheck.AccessInfo{Provider: a.Provider, Method: a.Method, Region: a.Region}
	if len(a.IPs) > icpcheck.MaxPublicIPs {
		return info, icpcheck.Invalid(field+".ips", "too_many", icpcheck.MaxPublicIPs)
	}
	for i, s := range a.IPs {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return info, icpcheck.Invalid(field+".ips["+strconv.Itoa(i)+"]", "bad_ip", s)
		}
		info.IPs = append(info.IPs, ip)
	}
	return info, nil
}

// FilingBody asks for a new draft filing: icpcheck.FilingCreate as JSON. Filer defaults to
// the signing customer; an admin names it.
type FilingBody struct {
	Type       icpcheck.FilingType `json:"type"`
	Filer      string              `json:"filer,omitempty"`
	SN         string              `json:"sn,omitempty"`
	InstanceID string              `json:"instance_id,omitempty"`
	Domains    []string            `json:"domains,omitempty"`
	AppName    string              `json:"app_name,omitempty"`
	Access     AccessBody          `json:"access"`
}

// FilingUpdateBody changes a draft or rejected filing; absent fields are unchanged.
type FilingUpdateBody struct {
	Domains []string    `json:"domains,omitempty"`
	AppName *string     `json:"app_name,omitempty"`
	Access  *AccessBody `json:"access,omitempty"`
}

// filingTypes and filingStates are the values of the listing filters.
var (
	filingTypes  = []string{string(icpcheck.FilingWebsite), string(icpcheck.FilingApp)}
	filingStates = []string{
		string(icpcheck.FilingDraft), string(icpcheck.FilingSubmitted), string(icpcheck.FilingFiled),
		string(icpcheck.FilingRejected), string(icpcheck.FilingDeregistered), string(icpcheck.FilingProviderRemoved),
	}
)

func (s *Server) createFiling(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	var body FilingBody
	if err := req.decode(&body); err != nil {
		return 0, nil, err
	}
	access, err := body.Access.access("access")
	if err != nil {
		return 0, nil, err
	}
	fc := icpcheck.FilingCreate{Type: body.Type, Filer: body.Filer, SN: body.SN, InstanceID: body.InstanceID,
		Domains: body.Domains, AppName: body.AppName, Access: access}
	if fc.Filer == "" {
		if req.actor.Role != icpcheck.RoleCustomer {
			return 0, nil, icpcheck.Invalid("filer", "required")
		}
		fc.Filer = req.actor.Account
	}
	f, err := s.Store.CreateFiling(req.Context(), fc)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, f, nil
}

func (s *Server) findFilings(req *request) (int, any, error) {
	q := newQuery(req.URL, "filer", "instance_id", "sn", "state", "type", "domain", "offset", "limit")
	f := icpcheck.FilingFilter{
		Filer:      q.account("filer"),
		InstanceID: q.id("instance_id"),
		SN:         q.str("sn"),
		State:      icpcheck.FilingState(q.enum("state", filingStates...)),
		Type:       icpcheck.FilingType(q.enum("type", filingTypes...)),
		Domain:     q.str("domain"),
	}
	if q.has("sn") && !icpcheck.ValidSN(f.SN) {
		q.fail(icpcheck.Invalid("sn", "bad_sn"))
	}
	if q.has("domain") && (f.Domain == "" || len(f.Domain) > 253) {
		q.fail(icpcheck.Invalid("domain", "bad_domain", f.Domain))
	}
	f.Offset, f.Limit = q.page()
	if q.err != nil {
		return 0, nil, q.err
	}
	fs, total, err := s.Store.FindFilings(req.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(fs, total, f.Offset, f.Limit), nil
}

func (s *Server) findFiling(req *request) (int, any, error) {
	return s.filingAction(req, nil, func(id string) (*icpcheck.Filing, error) {
		return s.Store.FindFiling(req.Context(), id)
	})
}

func (s *Server) updateFiling(req *request) (int, any, error) {
	if len(req.body) == 0 {
		return 0, nil, icpcheck.Invalid("", "body_required")
	}
	var body FilingUpdateBody
	return s.filingAction(req, &body, func(id string) (*icpcheck.Filing, error) {
		upd := icpcheck.FilingUpdate{Domains: body.Domains, AppName: body.AppName}
		if body.Access != nil {
			access, err := body.Access.access("access")
			if err != nil {
				return nil, err
			}
			upd.Access = &access
		}
		return s.Store.UpdateFiling(req.Context(), id, upd)
	})
}

func (s *Server) submitFiling(req *request) (int, any, error) {
	return s.filingAction(req, &struct{}{}, func(id string) (*icpcheck.Filing, error) {
		return s.Store.SubmitFiling(req.Context(), id)
	})
}

// ApproveBody records the MIIT filing number of an approved filing.
type ApproveBody struct {
	BeianNum string `json:"beian_num"`
}

func (s *Server) approveFiling(req *request) (int, any, error) {
	if len(req.body) == 0 {
		return 0, nil, icpcheck.Invalid("beian_num", "required")
	}
	var body ApproveBody
	return s.filingAction(req, &body, func(id string) (*icpcheck.Filing, error) {
		return s.Store.ApproveFiling(req.Context(), id, body.BeianNum)
	})
}

// RejectBody says why a filing goes back to its filer.
type RejectBody struct {
	Reason string `json:"reason"`
}

func (s *Server) rejectFiling(req *request) (int, any, error) {
	var body RejectBody
	return s.filingAction(req, &body, func(id string) (*icpcheck.Filing, error) {
		return s.Store.RejectFiling(req.Context(), id, body.Reason)
	})
}

func (s *Server) deregisterFiling(req *request) (int, any, error) {
	return s.filingAction(req, &struct{}{}, func(id string) (*icpcheck.Filing, error) {
		return s.Store.DeregisterFiling(req.Context(), id)
	})
}

func (s *Server) removeProvider(req *request) (int, any, error) {
	return s.filingAction(req, &struct{}{}, func(id string) (*icpcheck.Filing, error) {
		return s.Store.RemoveProvider(req.Context(), id)
	})
}

// filingAction runs one call on the filing of the path: it refuses query parameters,
// decodes the optional body into body (nil: none is taken) and answers with the filing.
func (s *Server) filingAction(req *request, body any, call func(id string) (*icpcheck.Filing, error)) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	if body != nil {
		if err := req.decodeOptional(body); err != nil {
			return 0, nil, err
		}
	}
	f, err := call(req.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, f, nil
}
