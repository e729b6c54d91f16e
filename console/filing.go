package console

import (
	"slices"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
)

// filingData is the model of a filing's page: what it declares, its state, the check of its
// access information, and the forms its state allows.
type filingData struct {
	Filing    *icpcheck.Filing
	Form      filingForm
	Methods   []string
	Editable  bool // the filer (or an admin) may change and submit it
	CanReview bool // an admin may approve or reject it
	CanEnd    bool // it is filed, so it may be deregistered or lose the provider
	Verified  bool // the access information was checked against the instance
	VerifyOK  bool
	Verify    []checkView
	BeianNum  string // the review forms' values, kept when refused
	Reason    string
}

// filingFieldsView is the model of the filing form's fields, which the new-filing form and
// a draft's edit form share.
type filingFieldsView struct {
	Form      filingForm
	Methods   []string
	Create    bool // the type and the number or instance are chosen only at creation
	AskFiler  bool // an admin names the filer
	Numbers   []*icpcheck.ServiceNumber
	Instances []*icpcheck.InstanceRecord
}

// Fields returns the edit form's fields.
func (d *filingData) Fields() filingFieldsView {
	return filingFieldsView{Form: d.Form, Methods: d.Methods}
}

func (h *handler) filing(c *call) error {
	return h.showFiling(c, c.r.PathValue("id"), nil, &filingData{}, nil)
}

// showFiling renders a filing's page. form, when not nil, is a refused edit to show again
// in place of the filing's current declarations.
func (h *handler) showFiling(c *call, id string, form *filingForm, data *filingData, formErr error) error {
	fl, err := h.store.FindFiling(c.ctx, id)
	if err != nil {
		return err
	}
	data.Filing = fl
	data.Form = formOfFiling(fl)
	if form != nil {
		data.Form = *form
	}
	data.Methods = h.accessMethods()
	mine := c.admin() || fl.Filer == c.actor.Account
	data.Editable = mine && fl.State.Editable()
	data.CanReview = c.admin() && fl.State == icpcheck.FilingSubmitted
	data.CanEnd = mine && fl.State == icpcheck.FilingFiled
	if data.Editable {
		if err := h.verifyAccess(c, fl, data); err != nil {
			return err
		}
	}
	return h.show(c, "filing", data, formErr)
}

// verifyAccess checks the filing's declared access information against its instance, so
// the filer sees each mismatch before submitting. A filer using a number granted by another
// account cannot see that account's instance; the store then checks at submission.
func (h *handler) verifyAccess(c *call, fl *icpcheck.Filing, data *filingData) error {
	rec, err := h.store.FindInstance(c.ctx, fl.InstanceID)
	switch {
	case icpcheck.ErrorCode(err) == icpcheck.ENOTFOUND:
		return nil
	case err != nil:
		return err
	}
	res := eligibility.VerifyAccess(fl.Access, rec.Instance, h.policy, h.now())
	data.Verified, data.VerifyOK = true, res.EligibleForUse()
	for i := range res.Checks {
		ch := &res.Checks[i]
		// Every access check is shown; of the instance's own checks only those that stop the
		// submission, since the instance's page lists the rest.
		if slices.Contains(eligibility.AccessCodes, ch.Code) || (ch.Status == icpcheck.Fail && ch.Code != icpcheck.CodeQuota) {
			data.Verify = append(data.Verify, newCheckView(c.lang, ch))
		}
	}
	return nil
}

// accessMethods lists the access methods of the policy's products, for the filing form.
func (h *handler) accessMethods() []string {
	var methods []string
	for _, name := range h.policy.ProductOrder {
		if m := h.policy.Products[name].AccessMethod; m != "" && !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
	}
	return methods
}

func (h *handler) updateFiling(c *call) error {
	id := c.r.PathValue("id")
	form := readFilingForm(c.r.PostForm)
	fl, err := h.store.FindFiling(c.ctx, id)
	if err != nil {
		return err
	}
	upd, err := form.update(fl.Type)
	if err == nil {
		_, err = h.store.UpdateFiling(c.ctx, id, upd)
	}
	if err != nil {
		return h.showFiling(c, id, &form, &filingData{}, err)
	}
	return h.redirect(c, filingURL(id), "console.flash.saved")
}

func (h *handler) submitFiling(c *call) error {
	id := c.r.PathValue("id")
	if _, err := h.store.SubmitFiling(c.ctx, id); err != nil {
		return h.showFiling(c, id, nil, &filingData{}, err)
	}
	return h.redirect(c, filingURL(id), "console.flash.submitted")
}

func (h *handler) approveFiling(c *call) error {
	id := c.r.PathValue("id")
	data := &filingData{BeianNum: c.r.PostForm.Get("beian_num")}
	num, err := textField(c.r.PostForm, "beian_num", true)
	if err == nil {
		_, err = h.store.ApproveFiling(c.ctx, id, num)
	}
	if err != nil {
		return h.showFiling(c, id, nil, data, err)
	}
	return h.redirect(c, filingURL(id), "console.flash.approved", num)
}

func (h *handler) rejectFiling(c *call) error {
	id := c.r.PathValue("id")
	data := &filingData{Reason: c.r.PostForm.Get("reason")}
	reason, err := textField(c.r.PostForm, "reason", true)
	if err == nil {
		_, err = h.store.RejectFiling(c.ctx, id, reason)
	}
	if err != nil {
		return h.showFiling(c, id, nil, data, err)
	}
	return h.redirect(c, filingURL(id), "console.flash.rejected")
}

func (h *handler) deregisterFiling(c *call) error {
	id := c.r.PathValue("id")
	if err := confirmed(c); err != nil {
		return h.showFiling(c, id, nil, &filingData{}, err)
	}
	if _, err := h.store.DeregisterFiling(c.ctx, id); err != nil {
		return h.showFiling(c, id, nil, &filingData{}, err)
	}
	return h.redirect(c, filingURL(id), "console.flash.deregistered")
}

func (h *handler) removeProvider(c *call) error {
	id := c.r.PathValue("id")
	if err := confirmed(c); err != nil {
		return h.showFiling(c, id, nil, &filingData{}, err)
	}
	if _, err := h.store.RemoveProvider(c.ctx, id); err != nil {
		return h.showFiling(c, id, nil, &filingData{}, err)
	}
	return h.redirect(c, filingURL(id), "console.flash.provider_removed")
}

// confirmed demands the confirmation box of an action that cannot be undone: ending a filing
// never frees its number.
func confirmed(c *call) error {
	if c.r.PostForm.Get("confirm") != "yes" {
		return icpcheck.Invalid("confirm", "console_confirm")
	}
	return nil
}
