package console

import (
	"net/url"
	"strings"

	"github.com/icpcheck/icpcheck"
)

var numberStates = []icpcheck.NumberState{
	icpcheck.NumberUnbound, icpcheck.NumberBound, icpcheck.NumberUnderReview, icpcheck.NumberFiled, icpcheck.NumberInvalid,
}

// numberFilter is the number listing's filter form.
type numberFilter struct {
	State    string
	Instance string
	Account  string // admin only; a customer sees the numbers it owns or was granted
}

type numbersData struct {
	Filter   numberFilter
	Filtered bool
	States   []icpcheck.NumberState
	Numbers  []*icpcheck.ServiceNumber
	Pager    pager
}

func numberURL(sn string) string { return Prefix + "numbers/" + url.PathEscape(sn) }

func (h *handler) readNumberFilter(c *call) (numberFilter, icpcheck.NumberFilter, error) {
	q := c.r.URL.Query()
	f := numberFilter{State: strings.TrimSpace(q.Get("state")), Instance: strings.TrimSpace(q.Get("instance"))}
	sf := icpcheck.NumberFilter{InstanceID: f.Instance, Account: c.actor.Account}
	if c.admin() {
		f.Account = strings.TrimSpace(q.Get("account"))
		sf.Account = f.Account
		if f.Account != "" && !icpcheck.ValidAccountID(f.Account) {
			return f, sf, icpcheck.Invalid("account", "bad_account")
		}
	}
	if f.State != "" {
		st, ok := icpcheck.ParseNumberState(f.State)
		if !ok {
			return f, sf, icpcheck.Invalid("state", "bad_enum", f.State, "unbound, bound, under_review, filed, invalid")
		}
		f.State = st.String()
		sf.State = &st
	}
	if len(f.Instance) > icpcheck.MaxIDLength {
		return f, sf, icpcheck.Invalid("instance", "too_long", icpcheck.MaxIDLength)
	}
	return f, sf, nil
}

func (h *handler) numbers(c *call) error {
	data := &numbersData{States: numberStates}
	f, sf, err := h.readNumberFilter(c)
	data.Filter = f
	data.Filtered = f.State != "" || f.Instance != "" || f.Account != ""
	page, perr := pageNumber(c.r)
	if err == nil {
		err = perr
	}
	if err != nil {
		data.Pager = newPager(c.r, 1, 0, 0)
		return h.show(c, "numbers", data, err)
	}
	sf.Offset, sf.Limit = offsetOf(page), pageSize
	nums, total, err := h.store.FindNumbers(c.ctx, sf)
	if err != nil {
		return err
	}
	data.Numbers = nums
	data.Pager = newPager(c.r, page, total, len(nums))
	return h.show(c, "numbers", data, nil)
}

// numberData is the model of a number's page: its state, and the grant and void forms.
type numberData struct {
	Number   *icpcheck.ServiceNumber
	CanGrant bool
	CanVoid  bool
	CanFile  bool
	Grantee  string // the grant form's values, kept when it is refused
	Notes    string
	Reason   string
}

func (h *handler) number(c *call) error {
	return h.showNumber(c, c.r.PathValue("sn"), &numberData{}, nil)
}

func (h *handler) showNumber(c *call, sn string, data *numberData, formErr error) error {
	if !icpcheck.ValidSN(sn) {
		return icpcheck.Errorf(icpcheck.ENOTFOUND, "sn_not_found")
	}
	n, err := h.store.FindNumber(c.ctx, sn)
	if err != nil {
		return err
	}
	data.Number = n
	unbound := n.State == icpcheck.NumberUnbound
	data.CanGrant = unbound && (c.admin() || n.Owner == c.actor.Account)
	data.CanVoid = c.admin() && (unbound || n.State == icpcheck.NumberBound)
	data.CanFile = unbound && (c.admin() || n.UsableBy(c.actor.Account))
	return h.show(c, "number", data, formErr)
}

// grant grants a number to another account. A customer grants as itself, so the store
// refuses a number it was only granted; an admin grants on the owner's behalf.
func (h *handler) grant(c *call) error {
	sn := c.r.PathValue("sn")
	form := c.r.PostForm
	data := &numberData{Grantee: strings.TrimSpace(form.Get("grant_to")), Notes: form.Get("notes")}
	notes, err := textField(form, "notes", false)
	if err == nil && !icpcheck.ValidAccountID(data.Grantee) {
		err = icpcheck.Invalid("grant_to", "bad_account")
	}
	if err != nil {
		return h.showNumber(c, sn, data, err)
	}
	owner := c.actor.Account
	if c.admin() {
		n, err := h.store.FindNumber(c.ctx, sn)
		if err != nil {
			return err
		}
		owner = n.Owner
	}
	if _, err := h.store.GrantNumber(c.ctx, sn, owner, data.Grantee, notes); err != nil {
		return h.showNumber(c, sn, data, err)
	}
	return h.redirect(c, numberURL(sn), "console.flash.granted", data.Grantee)
}

// void makes a number invalid; the store allows it to admins only.
func (h *handler) void(c *call) error {
	sn := c.r.PathValue("sn")
	data := &numberData{Reason: c.r.PostForm.Get("reason")}
	reason, err := textField(c.r.PostForm, "reason", true)
	if err != nil {
		return h.showNumber(c, sn, data, err)
	}
	if _, err := h.store.VoidNumber(c.ctx, sn, reason); err != nil {
		return h.showNumber(c, sn, data, err)
	}
	return h.redirect(c, numberURL(sn), "console.flash.voided")
}
