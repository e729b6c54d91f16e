package console

import (
	"strings"

	"github.com/icpcheck/icpcheck"
)

// accountData is the model of an account's page: who it is, its AccessKey ids, and how much
// it holds, with links to each listing filtered to it. Admins look up any account here,
// which is how they reach every account's data.
type accountData struct {
	Query     string
	Account   *icpcheck.Account
	Keys      []*icpcheck.AccessKey
	Instances int
	Numbers   int
	Filings   int
	Self      bool
}

func (h *handler) account(c *call) error {
	data := &accountData{}
	id := c.actor.Account
	if c.admin() {
		data.Query = strings.TrimSpace(c.r.URL.Query().Get("id"))
		if data.Query != "" {
			id = data.Query
		}
	}
	if !icpcheck.ValidAccountID(id) {
		return h.show(c, "account", data, icpcheck.Invalid("account", "bad_account"))
	}
	acct, err := h.store.FindAccount(c.ctx, id)
	if err != nil {
		return h.show(c, "account", data, err)
	}
	keys, err := h.store.FindAccessKeys(c.ctx, id)
	if err != nil {
		return err
	}
	_, data.Instances, err = h.store.FindInstances(c.ctx, icpcheck.InstanceFilter{Owner: id, Limit: 1})
	if err != nil {
		return err
	}
	_, data.Numbers, err = h.store.FindNumbers(c.ctx, icpcheck.NumberFilter{Account: id, Limit: 1})
	if err != nil {
		return err
	}
	_, data.Filings, err = h.store.FindFilings(c.ctx, icpcheck.FilingFilter{Filer: id, Limit: 1})
	if err != nil {
		return err
	}
	data.Account, data.Keys, data.Self = acct, keys, id == c.actor.Account
	return h.show(c, "account", data, nil)
}
