package console

import (
	"strings"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/advice"
)

// adviceForm is the advice form as typed. It is a GET form: asking for advice changes
// nothing, and its answer can be bookmarked and shared.
type adviceForm struct {
	Domain         string
	Service        string
	CDNArea        string
	Origin         string
	ProviderListed bool
	OriginListed   string // "", "yes" or "no": whether the origin domain's filing lists the provider
}

type adviceData struct {
	Form     adviceForm
	Services []advice.Service
	Areas    []advice.Area
	Origins  []advice.Origin
	Asked    bool
	Items    []adviceItem
}

// adviceItem is one applicable rule in the page's language.
type adviceItem struct {
	Code    string
	Verdict string
	Text    string
}

func (h *handler) advice(c *call) error {
	q := c.r.URL.Query()
	data := &adviceData{
		Services: advice.Services, Areas: advice.Areas, Origins: advice.Origins,
		Form: adviceForm{
			Domain:         strings.TrimSpace(q.Get("domain")),
			Service:        strings.TrimSpace(q.Get("service")),
			CDNArea:        strings.TrimSpace(q.Get("cdn_area")),
			Origin:         strings.TrimSpace(q.Get("origin")),
			ProviderListed: q.Get("provider_listed") == "yes",
			OriginListed:   strings.TrimSpace(q.Get("origin_listed")),
		},
	}
	if !q.Has("domain") {
		return h.show(c, "advice", data, nil)
	}
	data.Asked = true
	req, err := data.Form.request()
	if err != nil {
		return h.show(c, "advice", data, err)
	}
	adv, err := advice.Advise(req, h.policy)
	if err != nil {
		return h.show(c, "advice", data, err)
	}
	data.Form.Domain = adv.Request.Domain
	for _, it := range adv.Items {
		data.Items = append(data.Items, adviceItem{Code: it.Code, Verdict: string(it.Verdict), Text: it.Text.In(c.lang)})
	}
	return h.show(c, "advice", data, nil)
}

// request turns the form into the advisor's request. The form shows every field whatever the
// service (its script only hides the ones that do not apply), so a field that does not apply
// to the chosen service is dropped rather than refused: the person never saw it matter.
func (f *adviceForm) request() (advice.Request, error) {
	if len(f.Domain) > 253 {
		return advice.Request{}, icpcheck.Invalid("domain", "too_long", 253)
	}
	req := advice.Request{
		Domain:         f.Domain,
		Service:        advice.Service(f.Service),
		ProviderListed: f.ProviderListed,
	}
	if req.Service == advice.ServiceCDN {
		req.CDNArea = advice.Area(f.CDNArea)
	}
	if req.Service != advice.ServiceOSS {
		req.Origin = advice.Origin(f.Origin)
	}
	if req.Service != advice.ServiceOSS && req.Origin == advice.OriginThisProvider {
		switch f.OriginListed {
		case "yes", "no":
			listed := f.OriginListed == "yes"
			req.OriginProviderListed = &listed
		case "":
		default:
			return req, icpcheck.Invalid("origin_listed", "bad_enum", f.OriginListed, "yes, no")
		}
	}
	return req, nil
}
