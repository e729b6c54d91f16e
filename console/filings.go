package console

import (
	"net/url"
	"strings"

	"github.com/icpcheck/icpcheck"
)

var (
	filingStates = []icpcheck.FilingState{
		icpcheck.FilingDraft, icpcheck.FilingSubmitted, icpcheck.FilingFiled, icpcheck.FilingRejected,
		icpcheck.FilingDeregistered, icpcheck.FilingProviderRemoved,
	}
	filingTypes = []icpcheck.FilingType{icpcheck.FilingWebsite, icpcheck.FilingApp}
)

func filingURL(id string) string { return Prefix + "filings/" + url.PathEscape(id) }

// filingFilter is the filing listing's filter form.
type filingFilter struct {
	State  string
	Type   string
	Domain string
	Filer  string // admin only; a customer sees its own filings
}

type filingsData struct {
	Filter   filingFilter
	Filtered bool
	States   []icpcheck.FilingState
	Types    []icpcheck.FilingType
	Filings  []*icpcheck.Filing
	Pager    pager
}

func (h *handler) readFilingFilter(c *call) (filingFilter, icpcheck.FilingFilter, error) {
	q := c.r.URL.Query()
	f := filingFilter{State: strings.TrimSpace(q.Get("state")), Type: strings.TrimSpace(q.Get("type")), Domain: strings.TrimSpace(q.Get("domain"))}
	sf := icpcheck.FilingFilter{State: icpcheck.FilingState(f.State), Type: icpcheck.FilingType(f.Type), Domain: strings.ToLower(f.Domain), Filer: c.actor.Account}
	if c.admin() {
		f.Filer = strings.TrimSpace(q.Get("filer"))
		sf.Filer = f.Filer
		if f.Filer != "" && !icpcheck.ValidAccountID(f.Filer) {
			return f, sf, icpcheck.Invalid("filer", "bad_account")
		}
	}
	switch {
	case f.State != "" && !isFilingState(f.State):
		return f, sf, icpcheck.Invalid("state", "bad_enum", f.State, "draft, submitted, filed, rejected, deregistered, provider_removed")
	case f.Type != "" && f.Type != string(icpcheck.FilingWebsite) && f.Type != string(icpcheck.FilingApp):
		return f, sf, icpcheck.Invalid("type", "bad_enum", f.Type, "website, app")
	case len(f.Domain) > 253:
		return f, sf, icpcheck.Invalid("domain", "too_long", 253)
	}
	return f, sf, nil
}

func isFilingState(s string) bool {
	for _, st := range filingStates {
		if string(st) == s {
			return true
		}
	}
	return false
}

func (h *handler) filings(c *call) error {
	data := &filingsData{States: filingStates, Types: filingTypes}
	f, sf, err := h.readFilingFilter(c)
	data.Filter = f
	data.Filtered = f.State != "" || f.Type != "" || f.Domain != "" || f.Filer != ""
	page, perr := pageNumber(c.r)
	if err == nil {
		err = perr
	}
	if err != nil {
		data.Pager = newPager(c.r, 1, 0, 0)
		return h.show(c, "filings", data, err)
	}
	sf.Offset, sf.Limit = offsetOf(page), pageSize
	list, total, err := h.store.FindFilings(c.ctx, sf)
	if err != nil {
		return err
	}
	data.Filings = list
	data.Pager = newPager(c.r, page, total, len(list))
	return h.show(c, "filings", data, nil)
}
