package console

import (
	"strings"

	"github.com/icpcheck/icpcheck"
)

// maxSuggestions bounds the numbers and instances the new-filing form offers to pick from.
const maxSuggestions = 100

// newFilingData is the model of the new-filing form.
type newFilingData struct {
	Fields filingFieldsView
}

// newFiling shows the form, filled in from ?sn= or ?instance=: the access information of the
// instance the filing will use, which is what the submission checks it against.
func (h *handler) newFiling(c *call) error {
	q := c.r.URL.Query()
	form := filingForm{
		Type:       string(icpcheck.FilingWebsite),
		SN:         strings.TrimSpace(q.Get("sn")),
		InstanceID: strings.TrimSpace(q.Get("instance")),
		Provider:   h.policy.Provider,
	}
	if !c.admin() {
		form.Filer = c.actor.Account
	}
	instanceID := form.InstanceID
	if form.SN != "" && icpcheck.ValidSN(form.SN) {
		n, err := h.store.FindNumber(c.ctx, form.SN)
		switch {
		case err == nil:
			instanceID = n.InstanceID
			if c.admin() {
				form.Filer = n.Owner
				if n.GrantedTo != "" {
					form.Filer = n.GrantedTo
				}
			}
		case icpcheck.ErrorCode(err) != icpcheck.ENOTFOUND:
			return err
		}
	}
	if instanceID != "" {
		rec, err := h.store.FindInstance(c.ctx, instanceID)
		switch {
		case err == nil:
			h.prefillAccess(&form, rec.Instance)
			if c.admin() && form.Filer == "" {
				form.Filer = rec.Instance.Owner
			}
		case icpcheck.ErrorCode(err) != icpcheck.ENOTFOUND:
			return err
		}
	}
	return h.showNewFiling(c, form, nil)
}

// prefillAccess fills the access fields with what the instance has.
func (h *handler) prefillAccess(form *filingForm, in *icpcheck.Instance) {
	if rule := h.policy.Product(in.Product); rule != nil {
		form.Method = rule.AccessMethod
	}
	form.Region = in.Region
	ips := make([]string, len(in.PublicIPs))
	for i, ip := range in.PublicIPs {
		ips[i] = ip.String()
	}
	form.IPs = strings.Join(ips, "\n")
}

func (h *handler) showNewFiling(c *call, form filingForm, formErr error) error {
	data := &newFilingData{Fields: filingFieldsView{Form: form, Methods: h.accessMethods(), Create: true, AskFiler: c.admin()}}
	// Suggestions are for a customer's own few numbers and instances; an admin, who sees
	// every account's, types the one meant.
	if !c.admin() {
		unbound := icpcheck.NumberUnbound
		nums, _, err := h.store.FindNumbers(c.ctx, icpcheck.NumberFilter{Account: c.actor.Account, State: &unbound, Limit: maxSuggestions})
		if err != nil {
			return err
		}
		recs, _, err := h.store.FindInstances(c.ctx, icpcheck.InstanceFilter{Owner: c.actor.Account, Limit: maxSuggestions})
		if err != nil {
			return err
		}
		data.Fields.Numbers, data.Fields.Instances = nums, recs
	}
	return h.show(c, "filing_new", data, formErr)
}

// createFiling creates a draft filing. A customer files as itself; an admin names the filer.
func (h *handler) createFiling(c *call) error {
	form := readFilingForm(c.r.PostForm)
	filer := c.actor.Account
	if c.admin() {
		filer = form.Filer
		if !icpcheck.ValidAccountID(filer) {
			return h.showNewFiling(c, form, icpcheck.Invalid("filer", "bad_account"))
		}
	} else {
		form.Filer = filer
	}
	req, err := form.create(filer)
	if err != nil {
		return h.showNewFiling(c, form, err)
	}
	fl, err := h.store.CreateFiling(c.ctx, req)
	if err != nil {
		return h.showNewFiling(c, form, err)
	}
	return h.redirect(c, filingURL(fl.ID), "console.flash.created")
}
