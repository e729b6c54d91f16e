package console

import (
	"net/netip"
	"net/url"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// Bounds of a filing form's lists. A filing covers a handful of domains in practice; these
// only keep one form from carrying thousands.
const (
	maxDomains = 100
	maxIPs     = icpcheck.MaxPublicIPs
)

// filingForm is a filing's form as typed: the raw text of every field, so that a refused
// form is shown again exactly as it was sent.
type filingForm struct {
	Type       string
	Filer      string
	SN         string
	InstanceID string
	Domains    string // one a line, or separated by commas or spaces
	AppName    string
	Provider   string
	Method     string
	Region     string
	IPs        string
}

func readFilingForm(form url.Values) filingForm {
	get := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	return filingForm{
		Type: get("type"), Filer: get("filer"), SN: get("sn"), InstanceID: get("instance_id"),
		Domains: get("domains"), AppName: get("app_name"),
		Provider: get("provider"), Method: get("method"), Region: get("region"), IPs: get("ips"),
	}
}

// filingType reads the type, which decides whether the form declares domains or an app.
func (f *filingForm) filingType() (icpcheck.FilingType, error) {
	switch t := icpcheck.FilingType(f.Type); t {
	case icpcheck.FilingWebsite, icpcheck.FilingApp:
		return t, nil
	case "":
		return "", icpcheck.Invalid("type", "required")
	default:
		return "", icpcheck.Invalid("type", "bad_enum", f.Type, "website, app")
	}
}

// domains returns the declared domains, lowercased as DNS compares them; the store judges
// whether each is a domain.
func (f *filingForm) domains() ([]string, error) {
	list := splitList(f.Domains)
	if len(list) > maxDomains {
		return nil, icpcheck.Invalid("domains", "too_many", maxDomains)
	}
	for i, d := range list {
		list[i] = strings.ToLower(strings.TrimSuffix(d, "."))
	}
	return list, nil
}

// access reads the declared access information. Addresses must parse here, since the
// domain type holds them parsed; whether they are the instance's is the store's to judge
// at submission, check by check.
func (f *filingForm) access() (icpcheck.AccessInfo, error) {
	a := icpcheck.AccessInfo{Provider: f.Provider, Method: f.Method, Region: f.Region}
	for _, field := range []struct{ name, value string }{{"provider", f.Provider}, {"method", f.Method}, {"region", f.Region}} {
		if len(field.value) > 64 {
			return a, icpcheck.Invalid("access."+field.name, "too_long", 64)
		}
	}
	list := splitList(f.IPs)
	if len(list) > maxIPs {
		return a, icpcheck.Invalid("access.ips", "too_many", maxIPs)
	}
	for _, s := range list {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return a, icpcheck.Invalid("access.ips", "bad_ip", s)
		}
		a.IPs = append(a.IPs, ip.Unmap())
	}
	return a, nil
}

// create returns the request the form makes: a filing by filer, from a number or from an
// owned instance.
func (f *filingForm) create(filer string) (icpcheck.FilingCreate, error) {
	req := icpcheck.FilingCreate{Filer: filer, SN: f.SN, InstanceID: f.InstanceID}
	var err error
	if req.Type, err = f.filingType(); err != nil {
		return req, err
	}
	if f.SN == "" && f.InstanceID == "" {
		return req, icpcheck.Invalid("sn", "console_sn_or_instance")
	}
	if f.SN != "" && f.InstanceID != "" {
		// A number names its instance; naming both could only disagree.
		req.InstanceID = ""
	}
	if err := f.declared(req.Type, &req.Domains, &req.AppName); err != nil {
		return req, err
	}
	req.Access, err = f.access()
	return req, err
}

// update returns the change the form makes to a draft or rejected filing of type t.
func (f *filingForm) update(t icpcheck.FilingType) (icpcheck.FilingUpdate, error) {
	var upd icpcheck.FilingUpdate
	var app string
	if err := f.declared(t, &upd.Domains, &app); err != nil {
		return upd, err
	}
	if t == icpcheck.FilingApp {
		upd.AppName = &app
	}
	access, err := f.access()
	upd.Access = &access
	return upd, err
}

// declared reads what the filing covers: its domains for a website, its name for an app.
func (f *filingForm) declared(t icpcheck.FilingType, domains *[]string, app *string) error {
	if t == icpcheck.FilingApp {
		if f.AppName == "" {
			return icpcheck.Invalid("app_name", "required")
		}
		if len([]rune(f.AppName)) > 128 {
			return icpcheck.Invalid("app_name", "too_long", 128)
		}
		*app = f.AppName
		return nil
	}
	list, err := f.domains()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return icpcheck.Invalid("domains", "required")
	}
	*domains = list
	return nil
}

// formOfFiling is the form that shows a filing's current declarations.
func formOfFiling(fl *icpcheck.Filing) filingForm {
	ips := make([]string, len(fl.Access.IPs))
	for i, ip := range fl.Access.IPs {
		ips[i] = ip.String()
	}
	return filingForm{
		Type: string(fl.Type), Filer: fl.Filer, SN: fl.SN, InstanceID: fl.InstanceID,
		Domains: strings.Join(fl.Domains, "\n"), AppName: fl.AppName,
		Provider: fl.Access.Provider, Method: fl.Access.Method, Region: fl.Access.Region,
		IPs: strings.Join(ips, "\n"),
	}
}
